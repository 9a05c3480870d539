//! Delivering stored replies. Each reply is its own task: the replies of
//! one thread go out in order, different threads independently, with at
//! most [`SENDS_PER_CHANNEL`] sends in flight per platform. A failing send
//! is retried with capped backoff without holding a send slot; after
//! `daemon.max_send_attempts` failures it becomes a dead letter
//! ([`OutboxState::Failed`], listed by `kefu handoff list`), so one reply a
//! platform keeps refusing never holds back anyone else's. A reply is
//! marked sent only after the platform accepted it.

use super::Channels;
use crate::desk::{Desk, Prepared};
use crate::failpoint;
use crate::store::{OutboxRecord, OutboxState, Store};
use kefu_channels::{Channel, ChannelKind, SendError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Longest wait between two attempts at a failing send.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Sends in flight at once per platform (the channel paces them to the
/// platform's limits, e.g. Telegram's one message per second per chat).
pub const SENDS_PER_CHANNEL: usize = 32;

/// The delivery side of the outbox.
pub struct OutboxSender {
    lanes: HashMap<ChannelKind, Lane>,
    /// The latest delivery of each thread; the next one waits for it.
    chains: Mutex<HashMap<String, JoinHandle<()>>>,
    tracker: TaskTracker,
    queued: Arc<AtomicUsize>,
    stop: CancellationToken,
    store: Store,
    max_attempts: u32,
    desk: Option<Arc<Desk>>,
}

/// One platform: its channel and its send slots.
#[derive(Clone)]
struct Lane {
    channel: Arc<dyn Channel>,
    slots: Arc<Semaphore>,
}

impl OutboxSender {
    /// A sender for the running channels; a reply failing `max_attempts`
    /// times is given up as a dead letter.
    pub fn start(
        store: Store,
        channels: &Channels,
        max_attempts: u32,
        desk: Option<Arc<Desk>>,
    ) -> Arc<Self> {
        let lanes = channels
            .iter()
            .map(|(kind, channel)| {
                let lane = Lane {
                    channel: channel.clone(),
                    slots: Arc::new(Semaphore::new(SENDS_PER_CHANNEL)),
                };
                (*kind, lane)
            })
            .collect();
        Arc::new(Self {
            lanes,
            chains: Mutex::new(HashMap::new()),
            tracker: TaskTracker::new(),
            queued: Arc::new(AtomicUsize::new(0)),
            stop: CancellationToken::new(),
            store,
            max_attempts: max_attempts.max(1),
            desk,
        })
    }

    /// Send the stored reply under `key` on `channel`, after the earlier
    /// replies of its thread.
    pub fn enqueue(&self, channel: ChannelKind, key: String) {
        let Some(lane) = self.lanes.get(&channel).cloned() else {
            tracing::warn!(%channel, "reply kept unsent: the channel is not running");
            return;
        };
        let thread = match self.store.reply_to(&key) {
            Ok(Some(record)) if record.state == OutboxState::Unsent => chain_key(&record),
            Ok(_) => return, // sent or given up already: never twice
            Err(e) => {
                tracing::error!(message = %key, "cannot read the reply to send: {e}");
                return;
            }
        };
        self.queued.fetch_add(1, Ordering::SeqCst);
        let delivery = Delivery {
            store: self.store.clone(),
            lane,
            stop: self.stop.clone(),
            max_attempts: self.max_attempts,
            desk: self.desk.clone(),
        };
        let queued = self.queued.clone();
        let mut chains = self.chains.lock().unwrap_or_else(|e| e.into_inner());
        let previous = chains.remove(&thread);
        let task = self.tracker.spawn(async move {
            // The count drops however the task ends (a panic included).
            let _count = Decrement(queued);
            if let Some(previous) = previous {
                let _ = previous.await;
            }
            if let Err(e) = delivery.deliver(&key).await {
                tracing::error!(message = %key, "cannot record delivery: {e}");
            }
        });
        chains.insert(thread, task);
        if chains.len() > 1024 {
            chains.retain(|_, task| !task.is_finished());
        }
    }

    /// Send what a commit or an operator action wrote, in order.
    pub fn enqueue_all(&self, keys: Vec<(ChannelKind, String)>) {
        for (channel, key) in keys {
            self.enqueue(channel, key);
        }
    }

    /// Replies queued or being sent.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    /// Finish the sends in progress (up to `grace`); the rest stay unsent
    /// for the next start.
    pub async fn shutdown(&self, grace: Duration) {
        self.stop.cancel();
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                "sends still in progress after the grace period; they resume on the next start"
            );
        }
    }
}

/// The admin API sends what an operator's action wrote through the
/// daemon's outbox, and `/metrics` shows how much waits.
impl crate::admin::server::Outbox for OutboxSender {
    fn send(&self, written: Vec<(ChannelKind, String)>) {
        self.enqueue_all(written);
    }

    fn queued(&self) -> usize {
        OutboxSender::queued(self)
    }
}

/// Lowers the queued count when dropped.
struct Decrement(Arc<AtomicUsize>);

impl Drop for Decrement {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Delivery {
    store: Store,
    lane: Lane,
    stop: CancellationToken,
    max_attempts: u32,
    desk: Option<Arc<Desk>>,
}

impl Delivery {
    /// One try: a message to the operators finds its topic (or mailbox
    /// thread) first.
    async fn send_once(&self, record: &OutboxRecord) -> Result<String, SendError> {
        let channel = self.lane.channel.as_ref();
        match (&self.desk, &record.desk) {
            (Some(desk), Some(_)) => match desk.prepare(record, channel).await? {
                Prepared::Send(outbound) => channel.send(&outbound).await,
                Prepared::Sent(id) => Ok(id),
            },
            _ => channel.send(&record.outbound).await,
        }
    }

    /// Send one reply until it is accepted, refused for good, given up
    /// after `max_attempts` failures, or we stop.
    async fn deliver(&self, key: &str) -> crate::store::Result<()> {
        let Some(record) = self.store.reply_to(key)? else {
            return Ok(());
        };
        if record.state != OutboxState::Unsent {
            return Ok(()); // already handled: never send twice
        }
        // Attempts count across restarts: a reply that keeps failing (or
        // crashing the sender) is given up in the end.
        let mut failures = record.attempts;
        let mut backoff = Duration::from_secs(1);
        loop {
            // A reply stored before shutdown still gets its try (within the
            // grace); only the waits between tries end at a stop.
            let slot = self.lane.slots.acquire().await;
            self.store.note_attempt(key).await?;
            failpoint::hit("before_send");
            let result = self.send_once(&record).await;
            drop(slot);
            let wait = match result {
                Ok(platform_id) => {
                    failpoint::hit("after_send");
                    self.store.mark_sent(key, &platform_id).await?;
                    tracing::info!(message = %key, "reply sent");
                    return Ok(());
                }
                Err(SendError::Permanent(reason)) => {
                    tracing::error!(message = %key, "dead letter: the platform refused the reply for good: {reason}");
                    count_failure(&record, true);
                    return self.store.mark_failed(key, &reason).await;
                }
                // An operator deleted the topic: the next try opens another
                // (counted, so a group that refuses topics ends as a dead
                // letter).
                Err(SendError::ThreadGone(reason)) => {
                    failures += 1;
                    count_failure(&record, failures >= self.max_attempts);
                    if let (Some(desk), Some(note)) = (&self.desk, &record.desk) {
                        desk.forget_topic(&note.conversation).await;
                    }
                    if failures >= self.max_attempts {
                        let reason = format!("gave up after {failures} attempts: {reason}");
                        return self.store.mark_failed(key, &reason).await;
                    }
                    tracing::warn!(message = %key, "the topic is gone ({reason}); opening a new one");
                    Duration::ZERO
                }
                // The platform asked to wait: not a failure of this reply.
                Err(SendError::RateLimited(after)) => {
                    tracing::warn!(message = %key, "rate limited; retrying in {after:?}");
                    after
                }
                Err(SendError::Transient(reason)) => {
                    failures += 1;
                    count_failure(&record, failures >= self.max_attempts);
                    if failures >= self.max_attempts {
                        let reason = format!("gave up after {failures} attempts: {reason}");
                        tracing::error!(message = %key, "dead letter: {reason}");
                        return self.store.mark_failed(key, &reason).await;
                    }
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

/// Count a failed send (and a dead letter) by channel.
fn count_failure(record: &OutboxRecord, dead: bool) {
    let metrics = &crate::metrics::METRICS;
    let channel = record.outbound.channel.as_str();
    metrics.send_failures.with_label_values(&[channel]).inc();
    if dead {
        metrics.dead_letters.with_label_values(&[channel]).inc();
    }
}

/// What a reply waits behind: the replies of its own thread. The operators'
/// group is one chat but many conversations, each its own chain (a topic
/// a send keeps failing on holds back no other customer's); kefu's own
/// mails chain per recipient (kefu:mail/code/<to>), so a code is never held
/// behind another customer's failing mail.
fn chain_key(record: &OutboxRecord) -> String {
    let outbound = &record.outbound;
    match &record.desk {
        Some(note) => format!(
            "{}:{}/desk/{}",
            outbound.channel, outbound.thread.id, note.conversation
        ),
        None => format!("{}:{}", outbound.channel, outbound.thread.id),
    }
}

#[cfg(test)]
mod tests {
    use super::chain_key;
    use crate::store::{DeskNote, OutboxRecord};
    use kefu_channels::{ChannelKind, Outbound, Thread};

    fn record(channel: ChannelKind, thread: &str, desk: Option<&str>) -> OutboxRecord {
        let outbound = Outbound {
            channel,
            thread: Thread {
                id: thread.to_string(),
                route: None,
            },
            text: "hi".into(),
            reply_to: None,
            attachments: Vec::new(),
            annotations: Default::default(),
            buttons: Vec::new(),
        };
        let desk = desk.map(|c| DeskNote {
            conversation: c.to_string(),
            card: false,
        });
        OutboxRecord::new("key", outbound, desk)
    }

    #[test]
    fn each_desk_conversation_and_each_code_recipient_is_its_own_chain() {
        let desk = |c: &str| chain_key(&record(ChannelKind::Telegram, "-1009001", Some(c)));
        assert_ne!(desk("telegram:1001"), desk("telegram:1002"));
        assert_eq!(desk("telegram:1001"), desk("telegram:1001"));
        // A customer's own replies chain by their thread.
        let reply = chain_key(&record(ChannelKind::Telegram, "1001", None));
        assert_eq!(reply, "telegram:1001");
    }
}
