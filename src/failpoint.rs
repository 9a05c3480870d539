//! Crash injection for durability tests.
//!
//! With `KEFU_FAILPOINT=NAME` in the environment the process aborts (as
//! abruptly as `kill -9`: no destructors, no flush) when it reaches the
//! point called NAME. Points: `after_accept` (inbound stored, not yet
//! answered), `before_commit` (reply generated, not yet stored),
//! `before_send` (reply stored, not yet sent), `after_send` (sent, not yet
//! marked sent).
//!
//! `KEFU_FAILPOINT=NAME=sleep:MS` instead stalls the thread at that point for
//! MS milliseconds, which lets a test land a signal inside a narrow window.

use std::sync::OnceLock;

/// Abort here if this point is armed.
pub fn hit(name: &str) {
    static ARMED: OnceLock<Option<String>> = OnceLock::new();
    let armed = ARMED.get_or_init(|| std::env::var("KEFU_FAILPOINT").ok());
    let Some(armed) = armed.as_deref() else {
        return;
    };
    let (point, action) = armed.split_once('=').unwrap_or((armed, "abort"));
    if point != name {
        return;
    }
    match action.strip_prefix("sleep:").and_then(|ms| ms.parse().ok()) {
        Some(ms) => std::thread::sleep(std::time::Duration::from_millis(ms)),
        None => {
            eprintln!("kefu: failpoint {name} reached, aborting");
            std::process::abort();
        }
    }
}
