//! Nothing kept forever: what `[retention]` allows is pruned (answered
//! inbox messages, sent and given-up replies, the annotations of replies —
//! drafts and entities, personal data — and old turns of conversations),
//! and one customer's data can be exported or erased on request.

use super::{
    decode, encode, Conversation, InboxRecord, OutboxRecord, OutboxState, Result, Store, Turn,
};
use kefu_channels::now_millis;
use serde::Serialize;

const DAY_MS: u64 = 24 * 3600 * 1000;

/// How long records are kept, in days; 0 keeps them forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Answered inbox messages (the replay check needs them only while a
    /// platform may deliver them again).
    pub inbox_days: u64,
    /// Replies sent or given up.
    pub outbox_days: u64,
    /// The annotations of stored replies (intent, entities, the model's
    /// draft): kept shorter than the replies themselves.
    pub annotations_days: u64,
    /// Conversation turns; a conversation whose turns are all gone is
    /// removed with its state.
    pub turns_days: u64,
}

/// What one pruning removed.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Pruned {
    /// Inbox messages.
    pub inbox: usize,
    /// Replies.
    pub outbox: usize,
    /// Replies whose annotations were dropped.
    pub annotations: usize,
    /// Turns.
    pub turns: usize,
    /// Whole conversations.
    pub conversations: usize,
}

fn older(at: u64, days: u64, now: u64) -> bool {
    days > 0 && now.saturating_sub(at) > days * DAY_MS
}

impl Store {
    /// Remove what `retention` no longer allows, as of `now` (ms). Queued
    /// messages and unsent replies are never touched.
    pub async fn prune(&self, retention: Retention, now: u64) -> Result<Pruned> {
        let mut pruned = Pruned::default();
        self.prune_inbox(&retention, now, &mut pruned)?;
        self.prune_outbox(&retention, now, &mut pruned)?;
        let touched = self.prune_turns(&retention, now, &mut pruned)?;
        self.prune_conversations(&retention, now, &touched, &mut pruned)?;
        self.flush().await?;
        Ok(pruned)
    }

    /// Stored messages past `inbox_days`, except those still queued.
    fn prune_inbox(&self, retention: &Retention, now: u64, pruned: &mut Pruned) -> Result<()> {
        let queued: std::collections::HashSet<Vec<u8>> = self
            .pending
            .iter()
            .values()
            .filter_map(|v| v.ok().map(|v| v.to_vec()))
            .collect();
        for entry in self.inbox.iter() {
            let (key, bytes) = entry?;
            let Ok(record) = decode::<InboxRecord>("inbox", &bytes) else {
                continue;
            };
            if !queued.contains(key.as_ref()) && older(record.stored_at, retention.inbox_days, now)
            {
                self.inbox.remove(&key)?;
                pruned.inbox += 1;
            }
        }
        Ok(())
    }

    /// Sent and given-up replies past `outbox_days`; the annotations of
    /// those past `annotations_days`. Unsent replies stay.
    fn prune_outbox(&self, retention: &Retention, now: u64, pruned: &mut Pruned) -> Result<()> {
        for entry in self.outbox.iter() {
            let (key, bytes) = entry?;
            let Ok(mut record) = decode::<OutboxRecord>("outbox", &bytes) else {
                continue;
            };
            let at = match &record.state {
                OutboxState::Unsent => continue,
                OutboxState::Sent { at, .. } => *at,
                // A dead letter has no send time; it goes with its turn.
                OutboxState::Failed { .. } => self.turn_time(&record).unwrap_or(now),
            };
            if older(at, retention.outbox_days, now) {
                self.outbox.remove(&key)?;
                pruned.outbox += 1;
            } else if older(at, retention.annotations_days, now)
                && !record.outbound.annotations.is_empty()
            {
                record.outbound.annotations.clear();
                self.outbox.insert(&key, encode(&record))?;
                pruned.annotations += 1;
            }
        }
        Ok(())
    }

    /// Turns past `turns_days`, one record each; gives the conversations
    /// that lost some.
    fn prune_turns(
        &self,
        retention: &Retention,
        now: u64,
        pruned: &mut Pruned,
    ) -> Result<std::collections::BTreeSet<Vec<u8>>> {
        let mut touched = std::collections::BTreeSet::new();
        for entry in self.turns.iter() {
            let (key, bytes) = entry?;
            let Ok(turn) = decode::<Turn>("turns", &bytes) else {
                continue;
            };
            if older(turn.at, retention.turns_days, now) {
                self.turns.remove(&key)?;
                pruned.turns += 1;
                if let Some(end) = key.iter().position(|b| *b == 0) {
                    touched.insert(key[..end].to_vec());
                }
            }
        }
        Ok(touched)
    }

    /// Turns an older kefu kept inside the conversation record, and the
    /// conversations left without any turn (`touched`: those that lost
    /// turns kept as records).
    fn prune_conversations(
        &self,
        retention: &Retention,
        now: u64,
        touched: &std::collections::BTreeSet<Vec<u8>>,
        pruned: &mut Pruned,
    ) -> Result<()> {
        let ids: Vec<sled::IVec> = self
            .conversations
            .iter()
            .keys()
            .collect::<sled::Result<_>>()?;
        for id in ids {
            // A transaction, so a state committed meanwhile is not lost.
            let outcome = self.conversations.transaction(|tx| {
                let Some(bytes) = tx.get(&id)? else {
                    return Ok((0, false));
                };
                let Ok(mut current) = decode::<Conversation>("conversations", &bytes) else {
                    return Ok((0, false));
                };
                let before = current.turns.len();
                current
                    .turns
                    .retain(|t| !older(t.at, retention.turns_days, now));
                let gone = before - current.turns.len();
                if gone > 0 {
                    tx.insert(&id, encode(&current))?;
                }
                Ok::<_, sled::transaction::ConflictableTransactionError<()>>((
                    gone,
                    current.turns.is_empty(),
                ))
            });
            let Ok((gone, legacy_empty)) = outcome else {
                continue;
            };
            pruned.turns += gone;
            // A conversation whose every turn is gone goes with its state.
            let text = String::from_utf8_lossy(&id).into_owned();
            if legacy_empty
                && (gone > 0 || touched.contains(id.as_ref()))
                && self
                    .turns
                    .scan_prefix(super::turn_prefix(&text))
                    .next()
                    .is_none()
            {
                self.conversations.remove(&id)?;
                pruned.conversations += 1;
            }
        }
        Ok(())
    }

    fn turn_time(&self, record: &OutboxRecord) -> Option<u64> {
        let bytes = self.inbox.get(&record.inbound_key).ok()??;
        decode::<InboxRecord>("inbox", &bytes)
            .ok()
            .map(|r| r.stored_at)
    }

    /// Erase one conversation with its messages and replies (`kefu
    /// customer forget`); returns the messages erased.
    pub async fn erase_conversation(&self, id: &str) -> Result<usize> {
        let Some(conversation) = self.conversation(id)? else {
            return Ok(0);
        };
        let mut erased = 0;
        let keys: std::collections::BTreeSet<&str> = conversation
            .turns
            .iter()
            .map(|t| t.message_key.as_str())
            .collect();
        for key in keys {
            if self.inbox.remove(key)?.is_some() {
                erased += 1;
            }
            self.outbox.remove(key)?;
            // The turn's mails (`KEY#mail0`, …).
            for entry in self.outbox.scan_prefix(format!("{key}#")) {
                let (outbox_key, _) = entry?;
                self.outbox.remove(outbox_key)?;
            }
        }
        for entry in self.turns.scan_prefix(super::turn_prefix(id)) {
            let (key, _) = entry?;
            self.turns.remove(key)?;
        }
        self.conversations.remove(id)?;
        self.flush().await?;
        Ok(erased)
    }

    /// Prune now and then once a day until `stop`, logging what went.
    pub fn spawn_pruning(&self, retention: Retention, stop: tokio_util::sync::CancellationToken) {
        let store = self.clone();
        tokio::spawn(async move {
            let mut day = tokio::time::interval(std::time::Duration::from_millis(DAY_MS));
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = day.tick() => {}
                }
                match store.prune(retention, now_millis()).await {
                    Ok(pruned) if pruned != Pruned::default() => {
                        tracing::info!(?pruned, "old records pruned ([retention])")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!("cannot prune old records: {e}"),
                }
            }
        });
    }
}
