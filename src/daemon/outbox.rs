//! Delivering stored replies: one queue per platform, sent in order,
//! retried with backoff, marked sent only after the platform accepted.

use super::Channels;
use crate::failpoint;
use crate::store::{OutboxState, Store};
use kefu_channels::{Channel, ChannelKind, SendError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Longest wait between two attempts at a failing send.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The delivery side of the outbox.
pub struct OutboxSender {
    queues: HashMap<ChannelKind, mpsc::UnboundedSender<String>>,
    queued: Arc<AtomicUsize>,
    stop: CancellationToken,
    tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

impl OutboxSender {
    /// Start one delivery task per channel.
    pub fn start(store: Store, channels: &Channels) -> Arc<Self> {
        let queued = Arc::new(AtomicUsize::new(0));
        let stop = CancellationToken::new();
        let mut queues = HashMap::new();
        let mut tasks = Vec::new();
        for (kind, channel) in channels {
            let (tx, rx) = mpsc::unbounded_channel();
            queues.insert(*kind, tx);
            let worker = Delivery {
                store: store.clone(),
                channel: channel.clone(),
                queued: queued.clone(),
                stop: stop.clone(),
            };
            tasks.push(tokio::spawn(worker.run(rx)));
        }
        Arc::new(Self {
            queues,
            queued,
            stop,
            tasks: std::sync::Mutex::new(tasks),
        })
    }

    /// Queue the reply to inbound `key` for sending on `channel`.
    pub fn enqueue(&self, channel: ChannelKind, key: String) {
        match self.queues.get(&channel) {
            Some(queue) => {
                self.queued.fetch_add(1, Ordering::SeqCst);
                if queue.send(key).is_err() {
                    self.queued.fetch_sub(1, Ordering::SeqCst);
                }
            }
            None => tracing::warn!(%channel, "reply kept unsent: the channel is not running"),
        }
    }

    /// Replies queued or being sent.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    /// Finish the send in progress (up to `grace`), leave the rest unsent
    /// for the next start.
    pub async fn shutdown(&self, grace: Duration) {
        self.stop.cancel();
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for mut task in tasks {
            if tokio::time::timeout(grace, &mut task).await.is_err() {
                task.abort();
            }
        }
    }
}

struct Delivery {
    store: Store,
    channel: Arc<dyn Channel>,
    queued: Arc<AtomicUsize>,
    stop: CancellationToken,
}

impl Delivery {
    async fn run(self, mut queue: mpsc::UnboundedReceiver<String>) {
        loop {
            // Queued replies go out before a stop is noticed: a reply the
            // workers finished during shutdown is still sent.
            let key = tokio::select! {
                biased;
                key = queue.recv() => match key { Some(key) => key, None => return },
                _ = self.stop.cancelled() => return,
            };
            if let Err(e) = self.deliver(&key).await {
                tracing::error!(message = %key, "cannot record delivery: {e}");
            }
            self.queued.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Send one reply until it is accepted, refused for good, or we stop.
    async fn deliver(&self, key: &str) -> crate::store::Result<()> {
        let Some(record) = self.store.reply_to(key)? else {
            return Ok(());
        };
        if record.state != OutboxState::Unsent {
            return Ok(()); // already handled: never send twice
        }
        let mut backoff = Duration::from_secs(1);
        loop {
            self.store.note_attempt(key).await?;
            failpoint::hit("before_send");
            let wait = match self.channel.send(&record.outbound).await {
                Ok(platform_id) => {
                    failpoint::hit("after_send");
                    self.store.mark_sent(key, &platform_id).await?;
                    tracing::info!(message = %key, "reply sent");
                    return Ok(());
                }
                Err(SendError::Permanent(reason)) => {
                    tracing::error!(message = %key, "platform refused the reply for good: {reason}");
                    return self.store.mark_failed(key, &reason).await;
                }
                Err(SendError::RateLimited(after)) => {
                    tracing::warn!(message = %key, "rate limited; retrying in {after:?}");
                    after
                }
                Err(SendError::Transient(reason)) => {
                    tracing::warn!(message = %key, "send failed ({reason}); retrying in {backoff:?}");
                    let wait = backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    wait
                }
            };
            tokio::select! {
                _ = self.stop.cancelled() => return Ok(()), // stays unsent; resent on next start
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}
