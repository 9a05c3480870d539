//! Workers: one per conversation with messages waiting, at most `workers`
//! answering at once. A conversation's messages are answered in order; a
//! burst (messages arriving within `daemon.debounce_ms` of each other, or
//! while the previous answer was being made; with a debounce of 0 each
//! message is its own turn) is answered by one reply, so a
//! flood from one chat costs one turn at a time and never one task, one
//! model call and one reply per message. A turn that fails is tried again
//! with backoff; after [`MAX_TURN_ATTEMPTS`] the conversation goes to a
//! person, so nothing waits silently.

use super::outbox::OutboxSender;
use super::pace::{Buckets, Pacing};
use super::turn::Turns;
use super::Channels;
use crate::pipeline::Pipeline;
use crate::store::{PendingItem, Store};
use futures::FutureExt;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Tries of one turn (errors or panics) before a person takes over.
pub const MAX_TURN_ATTEMPTS: u32 = 4;

/// Hands pending inbounds to workers.
pub struct Dispatcher {
    workers: Arc<Workers>,
    /// Messages waiting, per conversation with a worker.
    waiting: Arc<Waiting>,
    tracker: TaskTracker,
}

/// Messages waiting for their conversation's worker.
type Waiting = Mutex<HashMap<String, VecDeque<PendingItem>>>;

/// The workers' common ground: what a turn is made with, and how many run,
/// how fast, until when.
struct Workers {
    turns: Turns,
    permits: Semaphore,
    in_flight: AtomicUsize,
    /// When a turn last finished (ms since the epoch), for the watchdog.
    last_progress: std::sync::atomic::AtomicU64,
    pacing: Pacing,
    buckets: Buckets,
    /// Shutdown began: stop waiting (debounce, retry backoff).
    stop: CancellationToken,
    /// The grace is over: turns not yet committed are dropped (they stay
    /// pending and resume on the next start).
    abandon: CancellationToken,
}

impl Dispatcher {
    /// A dispatcher running at most `workers` conversations at once, each
    /// paced by `pacing` (bursts, turns per minute).
    pub fn new(
        store: Store,
        pipeline: Arc<Pipeline>,
        channels: Channels,
        outbox: Arc<OutboxSender>,
        workers: usize,
        pacing: Pacing,
        followup: super::Followup,
    ) -> Self {
        let turns = Turns {
            store,
            pipeline,
            channels,
            outbox,
            desk: followup.desk,
            survey: followup.survey,
        };
        let workers = Workers {
            turns,
            permits: Semaphore::new(workers.max(1)),
            in_flight: AtomicUsize::new(0),
            last_progress: std::sync::atomic::AtomicU64::new(kefu_channels::now_millis()),
            pacing,
            buckets: Buckets::default(),
            stop: CancellationToken::new(),
            abandon: CancellationToken::new(),
        };
        Self {
            workers: Arc::new(workers),
            waiting: Arc::new(Mutex::new(HashMap::new())),
            tracker: TaskTracker::new(),
        }
    }

    /// Queue one pending inbound for an answer.
    pub fn dispatch(&self, item: PendingItem) {
        let conversation = item.record.inbound.conversation_id();
        self.workers.in_flight.fetch_add(1, Ordering::SeqCst);
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(queue) = waiting.get_mut(&conversation) {
            // Its worker takes it with the next turn.
            queue.push_back(item);
            return;
        }
        waiting.insert(conversation.clone(), VecDeque::from([item]));
        drop(waiting);
        let (workers, waiting) = (self.workers.clone(), self.waiting.clone());
        self.tracker
            .spawn(async move { workers.work(&conversation, &waiting).await });
    }

    /// Inbounds queued or being answered now.
    pub fn in_flight(&self) -> usize {
        self.workers.in_flight.load(Ordering::SeqCst)
    }

    /// Whether the workers get on: nothing waits, or a turn finished
    /// within `stall`.
    pub fn making_progress(&self, stall: Duration) -> bool {
        let last = self.workers.last_progress.load(Ordering::SeqCst);
        self.in_flight() == 0
            || kefu_channels::now_millis().saturating_sub(last) < stall.as_millis() as u64
    }

    /// Let in-flight answers finish for up to `grace`, then abandon the rest:
    /// they are still pending in the store and resume on the next start.
    pub async fn shutdown(&self, grace: Duration) {
        self.workers.stop.cancel();
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            let abandoned = self.in_flight();
            tracing::warn!(
                "abandoning {abandoned} in-flight replies; they resume on the next start"
            );
            self.workers.abandon.cancel();
        }
    }
}

impl Workers {
    /// Answer `conversation` until its queue is empty, one burst per turn.
    async fn work(&self, conversation: &str, waiting: &Waiting) {
        loop {
            self.settle(conversation, waiting).await;
            let paced = self.pace(conversation).await;
            let burst: Vec<PendingItem> = {
                let mut waiting = waiting.lock().unwrap_or_else(|e| e.into_inner());
                let queue = waiting.entry(conversation.to_string()).or_default();
                if queue.is_empty() {
                    waiting.remove(conversation);
                    return;
                }
                // Without a debounce each message is its own turn; what
                // waited for a token is answered together.
                let take = if self.pacing.debounce.is_zero() && !paced {
                    1
                } else {
                    queue.len()
                };
                queue.drain(..take).collect()
            };
            let count = burst.len();
            // The count drops however the turn ends (a panic included).
            let _done = Done(&self.in_flight, count);
            let Ok(_permit) = self.permits.acquire().await else {
                return;
            };
            self.answer_burst(burst).await;
            self.last_progress
                .store(kefu_channels::now_millis(), Ordering::SeqCst);
        }
    }

    /// Wait until no new message came for `debounce` (at most three times
    /// that in all), so a burst is answered once.
    async fn settle(&self, conversation: &str, waiting: &Waiting) {
        // The console waits for each reply before it reads the next line:
        // it never bursts, and a pause would only slow `kefu chat`.
        let debounce = self.pacing.debounce;
        if debounce.is_zero() || conversation.starts_with("console:") {
            return;
        }
        let newest = || {
            let waiting = waiting.lock().unwrap_or_else(|e| e.into_inner());
            waiting
                .get(conversation)
                .and_then(|q| q.back())
                .map(|item| item.seq)
        };
        let deadline = tokio::time::Instant::now() + debounce * 3;
        let mut seen = newest();
        loop {
            tokio::select! {
                _ = self.stop.cancelled() => return,
                _ = tokio::time::sleep_until((tokio::time::Instant::now() + debounce).min(deadline)) => {}
            }
            let now = newest();
            if now == seen || tokio::time::Instant::now() >= deadline {
                return;
            }
            seen = now;
        }
    }

    /// Wait for a turn from the conversation's bucket; `true` when it had
    /// to wait (the console is never paced).
    async fn pace(&self, conversation: &str) -> bool {
        if conversation.starts_with("console:") {
            return false;
        }
        let wait = self
            .buckets
            .take(&self.pacing, conversation, std::time::Instant::now());
        if wait.is_zero() {
            return false;
        }
        tracing::info!(%conversation, wait_ms = wait.as_millis() as u64, "turns per minute reached: messages wait and are answered together");
        tokio::select! {
            _ = self.stop.cancelled() => {}
            _ = tokio::time::sleep(wait) => {}
        }
        true
    }

    /// Answer a burst: machine mail in it is recorded unanswered; the rest
    /// is one turn, retried with backoff on failure.
    async fn answer_burst(&self, burst: Vec<PendingItem>) {
        let mut customers = Vec::new();
        for item in burst {
            if !self.turns.desk_message(&item).await {
                customers.push(item);
            }
        }
        let (machine, mut people): (Vec<_>, Vec<_>) = customers
            .into_iter()
            .partition(|item| item.record.inbound.auto);
        for item in &machine {
            self.turns.keep_unanswered(item).await;
        }
        let Some(last) = people.pop() else {
            return;
        };
        let key = last.record.inbound.key();
        let mut backoff = Duration::from_secs(1);
        for attempt in 1..=MAX_TURN_ATTEMPTS {
            let turn = self.turns.answer(&people, &last);
            let turn = std::panic::AssertUnwindSafe(turn).catch_unwind();
            let turn = tokio::select! {
                _ = self.abandon.cancelled() => return,
                turn = turn => turn,
            };
            let error = match turn {
                Ok(Ok(())) => return,
                Ok(Err(e)) => format!("{e:#}"),
                Err(_) => "the turn panicked".to_string(),
            };
            if attempt == MAX_TURN_ATTEMPTS {
                tracing::error!(message = %key, "cannot answer after {attempt} tries, a person takes over: {error}");
                self.turns.give_up(&people, &last, &error).await;
                return;
            }
            tracing::warn!(message = %key, "cannot answer ({error}); trying again in {backoff:?}");
            tokio::select! {
                // The inbound stays pending and resumes on the next start.
                _ = self.stop.cancelled() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff *= 2;
        }
    }
}

/// Lowers the in-flight count by a burst's size when dropped.
struct Done<'a>(&'a AtomicUsize, usize);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(self.1, Ordering::SeqCst);
    }
}
