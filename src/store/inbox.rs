//! Accepting inbound messages: stored and flushed before anything else.

use super::{decode, encode, Identity, InboxRecord, PendingItem, Result, Store, StoreError};
use kefu_channels::{now_millis, Inbound};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

/// What accepting an inbound did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// First time seen: stored with this sequence number and queued.
    New(u64),
    /// Seen before: nothing stored, nothing queued.
    Duplicate,
}

impl Store {
    /// Store a new inbound and queue it for an answer, or recognise a replay.
    /// Returns only after the write is on disk.
    pub async fn accept(&self, inbound: &Inbound) -> Result<Accepted> {
        let accepted = self.accept_unflushed(inbound)?;
        self.flush().await?;
        Ok(accepted)
    }

    /// [`Store::accept`] without the flush: the caller flushes once for a
    /// batch before acknowledging any of it.
    pub fn accept_unflushed(&self, inbound: &Inbound) -> Result<Accepted> {
        let key = inbound.key();
        if self.inbox.contains_key(&key)? {
            return Ok(Accepted::Duplicate);
        }
        let seq = self.db.generate_id()?;
        let now = now_millis();
        let record = InboxRecord {
            seq,
            inbound: inbound.clone(),
            stored_at: now,
        };
        let identity_key = format!("{}:{}", inbound.channel, inbound.sender.id);
        let outcome = (&self.inbox, &self.pending, &self.customers).transaction(
            |(inbox, pending, customers)| {
                if inbox.get(&key)?.is_some() {
                    return Ok(Accepted::Duplicate);
                }
                inbox.insert(key.as_bytes(), encode(&record))?;
                pending.insert(&seq.to_be_bytes(), key.as_bytes())?;
                let first_seen = match customers.get(&identity_key)? {
                    Some(bytes) => decode::<Identity>("customers", &bytes)
                        .map(|old| old.first_seen)
                        .map_err(ConflictableTransactionError::Abort)?,
                    None => now,
                };
                let identity = Identity {
                    channel: inbound.channel,
                    id: inbound.sender.id.clone(),
                    display_name: inbound.sender.display_name.clone(),
                    first_seen,
                    last_seen: now,
                };
                customers.insert(identity_key.as_bytes(), encode(&identity))?;
                Ok(Accepted::New(seq))
            },
        );
        unwrap_tx(outcome)
    }

    /// Inbounds stored but not yet answered, oldest first.
    pub fn pending(&self) -> Result<Vec<PendingItem>> {
        let mut items = Vec::new();
        for entry in self.pending.iter() {
            let (seq, key) = entry?;
            match self.pending_item(&seq, &key) {
                Ok(item) => items.push(item),
                // One bad record must not keep the daemon from starting:
                // it is set aside, with why, for a person to look at.
                Err(e) => self.quarantine(&seq, &key, &e.to_string())?,
            }
        }
        Ok(items)
    }

    fn pending_item(&self, seq: &[u8], key: &[u8]) -> Result<PendingItem> {
        let seq = u64::from_be_bytes(seq.try_into().map_err(|_| StoreError::Corrupt {
            tree: "pending",
            reason: "key is not a sequence number".into(),
        })?);
        let Some(bytes) = self.inbox.get(key)? else {
            return Err(StoreError::Corrupt {
                tree: "pending",
                reason: format!(
                    "points at missing inbox entry {}",
                    String::from_utf8_lossy(key)
                ),
            });
        };
        Ok(PendingItem {
            seq,
            record: decode("inbox", &bytes)?,
        })
    }

    /// Move a pending entry that cannot be read to the `quarantine` tree.
    fn quarantine(&self, seq: &[u8], key: &[u8], reason: &str) -> Result<()> {
        let key_text = String::from_utf8_lossy(key).into_owned();
        tracing::error!(message = %key_text, "unreadable queued message set aside in quarantine: {reason}");
        let record =
            serde_json::json!({ "message": key_text, "reason": reason, "at": now_millis() });
        self.quarantine.insert(seq, record.to_string().as_bytes())?;
        self.pending.remove(seq)?;
        self.db.flush()?;
        Ok(())
    }

    /// Queued messages set aside as unreadable: (message key, why).
    pub fn quarantined(&self) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for entry in self.quarantine.iter() {
            let (_, bytes) = entry?;
            let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            out.push((
                value["message"].as_str().unwrap_or_default().to_string(),
                value["reason"].as_str().unwrap_or_default().to_string(),
            ));
        }
        Ok(out)
    }

    /// One stored inbound by its key.
    pub fn inbound(&self, key: &str) -> Result<Option<InboxRecord>> {
        self.inbox
            .get(key)?
            .map(|b| decode("inbox", &b))
            .transpose()
    }

    /// A sender identity by `channel:user id`.
    pub fn identity(&self, key: &str) -> Result<Option<Identity>> {
        self.customers
            .get(key)?
            .map(|b| decode("customers", &b))
            .transpose()
    }
}

pub(super) fn unwrap_tx<T>(
    outcome: std::result::Result<T, TransactionError<StoreError>>,
) -> Result<T> {
    match outcome {
        Ok(value) => Ok(value),
        Err(TransactionError::Abort(e)) => Err(e),
        Err(TransactionError::Storage(e)) => Err(StoreError::Sled(e)),
    }
}
