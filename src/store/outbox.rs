//! Replies in the outbox: what is unsent, given up, sent, and each send
//! attempt recorded. (A reply enters it with its turn: [`super::turn`].)

use super::{decode, encode, OutboxRecord, OutboxState, Result, Store};
use kefu_channels::now_millis;

impl Store {
    /// Replies not yet confirmed sent, in key order.
    pub fn unsent(&self) -> Result<Vec<OutboxRecord>> {
        let mut out = Vec::new();
        for entry in self.outbox.iter() {
            let (_, bytes) = entry?;
            let record: OutboxRecord = decode("outbox", &bytes)?;
            if record.state == OutboxState::Unsent {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// Replies given up on (refused for good, or failing past
    /// `daemon.max_send_attempts`): the dead letters a person must see.
    pub fn dead_letters(&self) -> Result<Vec<OutboxRecord>> {
        let mut out = Vec::new();
        for entry in self.outbox.iter() {
            let (_, bytes) = entry?;
            let record: OutboxRecord = decode("outbox", &bytes)?;
            if matches!(record.state, OutboxState::Failed { .. }) {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// The reply to one inbound, if any.
    pub fn reply_to(&self, inbound_key: &str) -> Result<Option<OutboxRecord>> {
        self.outbox
            .get(inbound_key)?
            .map(|b| decode("outbox", &b))
            .transpose()
    }

    /// Count one more send attempt (flushed, so a crash loop is visible).
    pub async fn note_attempt(&self, inbound_key: &str) -> Result<()> {
        self.update_outbox(inbound_key, |r| r.attempts += 1).await
    }

    /// The platform accepted the reply.
    pub async fn mark_sent(&self, inbound_key: &str, platform_id: &str) -> Result<()> {
        let state = OutboxState::Sent {
            platform_id: platform_id.to_string(),
            at: now_millis(),
        };
        self.update_outbox(inbound_key, move |r| r.state = state.clone())
            .await
    }

    /// The platform refused the reply for good.
    pub async fn mark_failed(&self, inbound_key: &str, error: &str) -> Result<()> {
        let state = OutboxState::Failed {
            error: error.to_string(),
        };
        self.update_outbox(inbound_key, move |r| r.state = state.clone())
            .await
    }

    async fn update_outbox(&self, key: &str, change: impl Fn(&mut OutboxRecord)) -> Result<()> {
        let Some(bytes) = self.outbox.get(key)? else {
            return Ok(());
        };
        let mut record: OutboxRecord = decode("outbox", &bytes)?;
        change(&mut record);
        self.outbox.insert(key, encode(&record))?;
        self.flush().await
    }
}
