//! systemd readiness and watchdog notifications (no-ops outside systemd).

use sd_notify::NotifyState;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Tell systemd the daemon is ready to serve.
pub fn ready() {
    send(&[NotifyState::Ready]);
}

/// Tell systemd the daemon is stopping.
pub fn stopping() {
    send(&[NotifyState::Stopping]);
}

/// Ping the watchdog at half its interval until `stop` fires, when systemd
/// asked for one (`WatchdogSec=`), but only while `making_progress` says
/// the daemon answers: a wedged daemon stops pinging and systemd restarts
/// it (the queue is on disk, so nothing is lost).
pub fn spawn_watchdog(
    stop: CancellationToken,
    making_progress: impl Fn() -> bool + Send + 'static,
) {
    let Some(usec) = watchdog_usec() else { return };
    let period = Duration::from_micros(usec / 2);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        let mut stalled = false;
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            if making_progress() {
                stalled = false;
                send(&[NotifyState::Watchdog]);
            } else if !stalled {
                stalled = true;
                tracing::error!("no turn finished for too long while messages wait; not pinging the watchdog, so systemd restarts kefu");
            }
        }
    });
}

/// The watchdog interval systemd asked for, read as libsystemd's
/// `sd_watchdog_enabled` does: `WATCHDOG_USEC`, unless `WATCHDOG_PID` names
/// another process (sd-notify's own check also rejects a missing PID).
fn watchdog_usec() -> Option<u64> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Some(pid) = std::env::var("WATCHDOG_PID")
        .ok()
        .and_then(|p| p.parse::<u32>().ok())
    {
        if pid != std::process::id() {
            return None;
        }
    }
    (usec > 0).then_some(usec)
}

fn send(states: &[NotifyState]) {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    if let Err(e) = sd_notify::notify(false, states) {
        // Said once: the watchdog pings often, and a log that fills up
        // faster than it is read would stall the daemon.
        static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::warn!("cannot notify systemd: {e}");
        }
    }
}
