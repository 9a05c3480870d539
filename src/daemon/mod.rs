//! The daemon: channels feed intake, intake stores and dispatches, workers
//! answer, the outbox sends. Shutdown (a token its caller cancels, e.g. on
//! SIGTERM) stops intake first, lets in-flight replies finish within a grace
//! period, and flushes.

mod desk;
mod dispatch;
mod intake;
mod measure;
mod notify;
mod outbox;
mod pace;
mod turn;

pub use pace::Pacing;

use crate::pipeline::Pipeline;
use crate::store::Store;
use dispatch::Dispatcher;
use kefu_channels::{Channel, ChannelKind, InboundSink};
use outbox::OutboxSender;
pub use outbox::SENDS_PER_CHANNEL;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The running channels, by platform.
pub type Channels = HashMap<ChannelKind, Arc<dyn Channel>>;

/// When the daemon stops on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopWhen {
    /// Only on SIGTERM/SIGINT (`kefu run`).
    Signal,
    /// Also once every channel's input has ended and every reply is sent
    /// (`kefu chat` at end of input).
    InputDrained,
}

/// What follows a turn besides the reply: copies for the operators, the
/// satisfaction survey.
#[derive(Clone, Default)]
pub struct Followup {
    /// The operators' desk (`[operators]`), if configured.
    pub desk: Option<Arc<crate::desk::Desk>>,
    /// The satisfaction survey (`[csat]`), if on.
    pub survey: Option<Arc<crate::outcomes::Survey>>,
}

/// Everything the daemon runs with (the channels come to [`Daemon::run`]).
pub struct Daemon {
    /// The state.
    pub store: Store,
    /// The reply pipeline.
    pub pipeline: Arc<Pipeline>,
    /// Whether it also stops once all input is answered.
    pub stop_when: StopWhen,
    /// Conversations answered at once.
    pub workers: usize,
    /// Time in-flight replies get on shutdown.
    pub grace: Duration,
    /// Failed sends before a reply becomes a dead letter.
    pub max_send_attempts: u32,
    /// Bursts answered once, and turns per conversation per minute.
    pub pacing: Pacing,
    /// No turn finishing for this long while messages wait means the
    /// daemon is wedged: the watchdog stops being fed.
    pub stall: Duration,
    /// What is pruned, daily.
    pub retention: crate::store::Retention,
    /// The operators' desk and the satisfaction survey.
    pub followup: Followup,
    /// Quiet after which a conversation counts as resolved (or abandoned).
    pub assume_after: Duration,
    /// The shop's data directory (`kefu learn check` reads its FAQ).
    pub shop_data: std::path::PathBuf,
    /// `http.listen` (empty: no listener) and the admin token.
    pub http: crate::config::HttpSettings,
    /// The admin API's Unix socket (`<store.path>/admin.sock`).
    pub admin_socket: Option<std::path::PathBuf>,
}

impl Daemon {
    /// Serve `channels` until `shutdown` is cancelled (or, with
    /// [`StopWhen::InputDrained`], until their input ends and every reply is
    /// sent), then shut down cleanly.
    pub async fn run(self, channels: Channels, shutdown: CancellationToken) -> anyhow::Result<()> {
        let stop = shutdown.child_token();
        let outbox = OutboxSender::start(
            self.store.clone(),
            &channels,
            self.max_send_attempts,
            self.followup.desk.clone(),
        );
        let dispatcher = Arc::new(Dispatcher::new(
            self.store.clone(),
            self.pipeline.clone(),
            channels.clone(),
            outbox.clone(),
            self.workers,
            self.pacing,
            self.followup.clone(),
        ));
        self.resume(&channels, &dispatcher, &outbox)?;
        self.listen(&channels, &outbox, &stop).await?;

        let (sink, deliveries) = InboundSink::new(64);
        let intake = tokio::spawn(intake::run(
            self.pipeline.clone(),
            self.store.clone(),
            deliveries,
            dispatcher.clone(),
            stop.clone(),
        ));
        let running = Arc::new(AtomicUsize::new(channels.len()));
        let mut channel_tasks = Vec::new();
        for channel in channels.values() {
            channel_tasks.push(tokio::spawn(supervise(
                channel.clone(),
                sink.clone(),
                running.clone(),
                stop.clone(),
            )));
        }
        drop(sink);
        self.spawn_background(&outbox, &stop);
        notify::ready();
        // The watchdog is fed while the parts a restart can mend work: the
        // store answers and turns get done. A platform that is down is not
        // one of them (restarting would not bring it back); /readyz shows it.
        let (watched, stall, store) = (dispatcher.clone(), self.stall, self.store.clone());
        notify::spawn_watchdog(stop.clone(), move || {
            store.is_readable() && watched.making_progress(stall)
        });
        tracing::info!(channels = ?channels.keys().collect::<Vec<_>>(), "kefu is ready");
        self.serve_until_stopped(&running, &dispatcher, &outbox, &stop)
            .await;

        tracing::info!("shutting down: intake stopped");
        notify::stopping();
        stop.cancel();
        for task in &channel_tasks {
            task.abort();
        }
        // Intake stops at its next wait; an inbound it already stored is
        // dispatched first, so the grace below covers it too.
        let _ = intake.await;
        dispatcher.shutdown(self.grace).await;
        outbox.shutdown(self.grace).await;
        self.store.flush().await?;
        tracing::info!("state flushed; bye");
        Ok(())
    }

    /// What runs beside the turns until `stop`: pruning, the operators'
    /// reminders, settling quiet conversations.
    fn spawn_background(&self, outbox: &Arc<OutboxSender>, stop: &CancellationToken) {
        self.store.spawn_pruning(self.retention, stop.clone());
        if let Some(desk) = &self.followup.desk {
            desk::spawn_reminders(desk.clone(), outbox.clone(), stop.clone());
        }
        measure::spawn_settling(
            self.store.clone(),
            self.followup.survey.clone(),
            outbox.clone(),
            self.assume_after,
            stop.clone(),
        );
    }

    /// Wait until `stop` is cancelled or, with [`StopWhen::InputDrained`],
    /// until every channel's input ended and every reply is sent.
    async fn serve_until_stopped(
        &self,
        running: &AtomicUsize,
        dispatcher: &Dispatcher,
        outbox: &OutboxSender,
        stop: &CancellationToken,
    ) {
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_millis(25)) => {
                    let drained = running.load(Ordering::SeqCst) == 0
                        && dispatcher.in_flight() == 0
                        && outbox.queued() == 0;
                    if self.stop_when == StopWhen::InputDrained && drained {
                        return;
                    }
                }
            }
        }
    }

    /// Open the admin API: on the Unix socket in the store (always), and
    /// on `http.listen` when set.
    async fn listen(
        &self,
        channels: &Channels,
        outbox: &Arc<OutboxSender>,
        stop: &CancellationToken,
    ) -> anyhow::Result<()> {
        let (store, channels) = (self.store.clone(), channels.clone());
        let state = crate::admin::server::AdminState {
            store: self.store.clone(),
            desk: self.followup.desk.clone(),
            survey: self.followup.survey.clone(),
            outbox: outbox.clone(),
            token: self.http.admin_token.clone(),
            data: self.shop_data.clone(),
            ready: Arc::new(move || readiness(&store, &channels)),
            local: false,
            failures: Default::default(),
        };
        if let Some(path) = &self.admin_socket {
            // Without the socket the daemon still serves its customers
            // (a socket path over 108 bytes, a read-only store directory).
            let listener = match crate::admin::socket::bind(path) {
                Ok(listener) => listener,
                Err(e) => {
                    tracing::warn!("admin socket off: {e:#}");
                    return self.listen_http(state, stop);
                }
            };
            let local = crate::admin::server::AdminState {
                local: true,
                ..state.clone()
            };
            tracing::info!(socket = %path.display(), "admin socket listening");
            let (path, stop) = (path.clone(), stop.clone());
            tokio::spawn(async move {
                crate::admin::server::serve(listener, local, stop).await;
                let _ = std::fs::remove_file(path);
            });
        }
        self.listen_http(state, stop)
    }

    /// The admin API on `http.listen`, when set.
    fn listen_http(
        &self,
        state: crate::admin::server::AdminState,
        stop: &CancellationToken,
    ) -> anyhow::Result<()> {
        let address = self.http.listen.trim();
        if address.is_empty() {
            return Ok(());
        }
        let listener = std::net::TcpListener::bind(address).map_err(|e| {
            anyhow::anyhow!("http.listen: cannot listen on {address}: {e} (another kefu? set another address, or empty to turn it off)")
        })?;
        if self.http.admin_token.is_empty() {
            tracing::warn!("http.admin_token is not set: the admin API on http.listen refuses every call (on this machine `kefu handoff` uses the socket)");
        }
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        tracing::info!(%address, "admin API listening");
        tokio::spawn(crate::admin::server::serve(listener, state, stop.clone()));
        Ok(())
    }

    /// Pick up what an earlier run left: unanswered inbounds and unsent
    /// replies of the channels running now.
    fn resume(
        &self,
        channels: &Channels,
        dispatcher: &Dispatcher,
        outbox: &OutboxSender,
    ) -> anyhow::Result<()> {
        let unsent = self.store.unsent()?;
        let pending = self.store.pending()?;
        let (mut resent, mut resumed) = (0, 0);
        for record in unsent {
            if channels.contains_key(&record.outbound.channel) {
                outbox.enqueue(record.outbound.channel, record.inbound_key);
                resent += 1;
            }
        }
        for item in pending {
            if channels.contains_key(&item.record.inbound.channel) {
                dispatcher.dispatch(item);
                resumed += 1;
            }
        }
        if resent + resumed > 0 {
            tracing::info!(resent, resumed, "resuming work left by the previous run");
        }
        Ok(())
    }
}

/// What `/readyz` reports: the store answers, the model is loaded (it is
/// once the daemon runs: a model that fails to load stops the start), and
/// each channel is connected to its platform.
fn readiness(store: &Store, channels: &Channels) -> crate::admin::server::Readiness {
    crate::admin::server::Readiness {
        store: store.is_readable(),
        model: true,
        channels: channels
            .iter()
            .map(|(kind, channel)| (kind.to_string(), channel.connected()))
            .collect(),
    }
}

/// Run one channel; restart it with backoff when it fails, so one broken
/// platform never stops the others.
async fn supervise(
    channel: Arc<dyn Channel>,
    sink: InboundSink,
    running: Arc<AtomicUsize>,
    stop: CancellationToken,
) {
    let kind = channel.kind();
    let mut backoff = Duration::from_secs(1);
    loop {
        match channel.run(sink.clone()).await {
            Ok(()) => {
                tracing::info!(channel = %kind, "input ended");
                break;
            }
            Err(e) => {
                tracing::error!(channel = %kind, "channel failed, restarting in {backoff:?}: {e:#}");
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(60));
            }
        }
    }
    running.fetch_sub(1, Ordering::SeqCst);
}
