//! Workers: each pending inbound is answered in order within its
//! conversation, and conversations are answered concurrently.

use super::outbox::OutboxSender;
use super::Channels;
use crate::failpoint;
use crate::pipeline::Pipeline;
use crate::store::StoreError;
use crate::store::{PendingItem, Store};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// Hands pending inbounds to workers.
pub struct Dispatcher {
    shared: Arc<Shared>,
    /// The latest task of each conversation; the next one waits for it,
    /// which keeps each conversation's turns in order.
    chains: Mutex<HashMap<String, JoinHandle<()>>>,
}

struct Shared {
    store: Store,
    pipeline: Arc<Pipeline>,
    channels: Channels,
    outbox: Arc<OutboxSender>,
    permits: Semaphore,
    in_flight: AtomicUsize,
}

impl Dispatcher {
    /// A dispatcher running at most `workers` conversations at once.
    pub fn new(
        store: Store,
        pipeline: Arc<Pipeline>,
        channels: Channels,
        outbox: Arc<OutboxSender>,
        workers: usize,
    ) -> Self {
        let shared = Shared {
            store,
            pipeline,
            channels,
            outbox,
            permits: Semaphore::new(workers),
            in_flight: AtomicUsize::new(0),
        };
        Self {
            shared: Arc::new(shared),
            chains: Mutex::new(HashMap::new()),
        }
    }

    /// Queue one pending inbound for an answer.
    pub fn dispatch(&self, item: PendingItem) {
        let conversation = item.record.inbound.conversation_id();
        let shared = self.shared.clone();
        shared.in_flight.fetch_add(1, Ordering::SeqCst);
        let mut chains = self.chains.lock().unwrap_or_else(|e| e.into_inner());
        let previous = chains.remove(&conversation);
        let task = tokio::spawn(async move {
            if let Some(previous) = previous {
                let _ = previous.await;
            }
            if let Ok(_permit) = shared.permits.acquire().await {
                shared.answer(item).await;
            }
            shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        });
        chains.insert(conversation, task);
        if chains.len() > 1024 {
            chains.retain(|_, task| !task.is_finished());
        }
    }

    /// Inbounds being answered now.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    /// Let in-flight answers finish for up to `grace`, then abandon the rest:
    /// they are still pending in the store and resume on the next start.
    pub async fn shutdown(&self, grace: Duration) {
        let deadline = tokio::time::Instant::now() + grace;
        while self.in_flight() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let abandoned = self.in_flight();
        if abandoned > 0 {
            tracing::warn!(
                "abandoning {abandoned} in-flight replies; they resume on the next start"
            );
        }
        let chains = std::mem::take(&mut *self.chains.lock().unwrap_or_else(|e| e.into_inner()));
        for task in chains.into_values() {
            task.abort();
        }
    }
}

impl Shared {
    /// Machine mail (an auto-reply, a bounce, a list, a loop): it joins the
    /// conversation, no reply is made, the channel is told.
    async fn keep_unanswered(&self, item: &PendingItem) {
        let inbound = &item.record.inbound;
        let committed = async {
            let conversation = self.store.conversation(&inbound.conversation_id())?;
            let state = conversation.map(|c| c.state).unwrap_or_default();
            self.store
                .commit_reply(item.seq, inbound, None, state)
                .await
        }
        .await;
        match committed {
            Ok(()) => {
                tracing::info!(message = %inbound.key(), "not answered: automatic or looping message")
            }
            Err(e) => {
                tracing::error!(message = %inbound.key(), "cannot record an unanswered message: {e}")
            }
        }
        if let Some(channel) = self.channels.get(&inbound.channel) {
            channel.skipped(inbound);
        }
    }

    async fn answer(&self, item: PendingItem) {
        let inbound = &item.record.inbound;
        let key = inbound.key();
        if inbound.auto {
            self.keep_unanswered(&item).await;
            return;
        }
        let started = std::time::Instant::now();
        let attempt = || async {
            let conversation = self.store.conversation(&inbound.conversation_id())?;
            let outcome = self.pipeline.answer(inbound, conversation.as_ref()).await?;
            failpoint::hit("before_commit");
            self.store
                .commit_turn(
                    item.seq,
                    inbound,
                    outcome.reply.as_ref(),
                    outcome.state,
                    &outcome.writes,
                )
                .await?;
            let mails: Vec<_> = outcome.writes.mails.iter().map(|m| m.channel).collect();
            anyhow::Ok((outcome.reply.is_some(), mails))
        };
        // Another conversation may change the same order between our read
        // and our commit; the turn is then decided again on fresh records.
        let mut tries = 0;
        let outcome = loop {
            tries += 1;
            match attempt().await {
                Err(e)
                    if tries < 3 && matches!(e.downcast_ref(), Some(StoreError::Conflict(_))) =>
                {
                    tracing::warn!(message = %key, "{e}; deciding again");
                }
                other => break other,
            }
        };
        match outcome {
            Ok((true, mails)) => {
                tracing::info!(message = %key, elapsed_ms = started.elapsed().as_millis() as u64, "reply stored");
                for (n, channel) in mails.into_iter().enumerate() {
                    self.outbox
                        .enqueue(channel, crate::store::TurnWrites::mail_key(&key, n));
                }
                self.outbox.enqueue(inbound.channel, key);
            }
            Ok((false, _)) => {
                tracing::info!(message = %key, "no reply (decided to stay silent)");
                if let Some(channel) = self.channels.get(&inbound.channel) {
                    channel.skipped(inbound);
                }
            }
            Err(e) => {
                // The inbound stays pending and is retried on the next start.
                tracing::error!(message = %key, "cannot answer: {e:#}");
                if let Some(channel) = self.channels.get(&inbound.channel) {
                    channel.skipped(inbound);
                }
            }
        }
    }
}
