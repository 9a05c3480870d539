//! Replies: stored with the turn that produced them, then sent, then marked.

use super::inbox::unwrap_tx;
use super::{
    decode, encode, Conversation, OutboxRecord, OutboxState, Owner, Result, Role, Store,
    StoreError, Turn,
};
use kefu_channels::{now_millis, ChannelKind, Inbound, Outbound};
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionalTree,
};
use sled::Transactional;

/// One shop record an action changed: written only if the record still
/// holds `expected` (what the action read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopWrite {
    /// Key in the `shop` tree (`order/#W…`, `user/…`).
    pub key: String,
    /// The record before the action (`None`: it did not exist).
    pub expected: Option<Vec<u8>>,
    /// The record after the action.
    pub value: Vec<u8>,
}

/// Everything a turn writes besides the conversation, the outbox and the
/// queue: shop records its confirmed action changed, and customer records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TurnWrites {
    /// Orders and users, each checked against what the action read.
    pub shop: Vec<ShopWrite>,
    /// Profiles, linked identities, codes and failed attempts.
    pub customers: Vec<CustomerWrite>,
    /// Mails besides the reply (a verification code), queued in the
    /// outbox under [`TurnWrites::mail_key`].
    pub mails: Vec<Outbound>,
    /// Earlier messages of a burst (sequence, inbound) that this turn's
    /// reply answers too: they leave the queue and join the conversation
    /// with it.
    pub burst: Vec<(u64, Inbound)>,
    /// The turn hands the conversation to a person, for this reason: it
    /// waits for an operator from this commit on.
    pub handoff: Option<String>,
    /// The reply may go out while the conversation waits for a person (the
    /// after-hours notice); never where an operator answers.
    pub notice: bool,
    /// Where the operators follow conversations (set by the daemon): the
    /// turn's lines and hand-off are copied there in the same transaction.
    pub desk: Option<super::DeskRoutes>,
    /// What the turn tells the conversation's figures.
    pub measure: TurnMeasure,
    /// A satisfaction survey, sent if the turn resolves the conversation
    /// and none went out before.
    pub survey: Option<Outbound>,
    /// The customer's answer to the survey, carried by this turn.
    pub csat: Option<super::Csat>,
}

/// What a turn tells the conversation's figures ([`super::Measures`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnMeasure {
    /// When the turn's first message was stored (ms since epoch).
    pub first_stored: u64,
    /// What the customer wants (an intent label).
    pub intent: Option<String>,
    /// The customer confirmed the matter is over (a goodbye, thanks).
    pub resolved: bool,
}

impl TurnWrites {
    /// Shop records alone (an action outside a conversation's profile).
    pub fn shop_only(shop: Vec<ShopWrite>) -> Self {
        TurnWrites {
            shop,
            ..TurnWrites::default()
        }
    }

    /// The outbox key of the turn's `n`th mail.
    pub fn mail_key(inbound_key: &str, n: usize) -> String {
        format!("{inbound_key}#mail{n}")
    }
}

/// A record of the `customers` tree (a profile, a linked identity) that a
/// turn writes: put in the same transaction as the turn, so a turn decided
/// again after a conflict, or never committed, leaves none behind.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerWrite {
    /// Key in the `customers` tree (`profile/…`, `identity/…`, `code/…`,
    /// `failures/…`).
    pub key: String,
    /// The new record; empty removes the key.
    pub value: Vec<u8>,
    /// For counters (failed verifications, code tries, codes per day): the
    /// record as it was read (`Some(None)`: absent). The turn's transaction
    /// aborts with [`StoreError::Conflict`] when another turn changed it
    /// meanwhile, and the turn is decided again on the fresh count, so no
    /// limit is passed by turns racing. `None`: written whatever is there.
    pub expected: Option<Option<Vec<u8>>>,
}

impl ShopWrite {
    /// Apply `writes` inside a sled transaction that includes the `shop`
    /// tree (`shop` is that tree's handle): abort the whole transaction
    /// with [`StoreError::Conflict`] if any record is no longer as it was
    /// read, so an action computed from stale records is never committed.
    pub fn apply_in(
        writes: &[ShopWrite],
        shop: &TransactionalTree,
    ) -> ConflictableTransactionResult<(), StoreError> {
        for write in writes {
            let current = shop.get(write.key.as_bytes())?;
            if current.as_deref() != write.expected.as_deref() {
                return Err(ConflictableTransactionError::Abort(StoreError::Conflict(
                    write.key.clone(),
                )));
            }
            shop.insert(write.key.as_bytes(), write.value.as_slice())?;
        }
        Ok(())
    }
}

impl Store {
    /// Record the answer to a pending inbound in one atomic step: the
    /// customer's turn and the reply join the conversation, the reply enters
    /// the outbox (none when the daemon decided to stay silent), the inbound
    /// leaves the queue, and `state` replaces the conversation's brain state.
    /// Flushed before it returns; gives the outbox keys written (channel,
    /// key), in the order they go out.
    pub async fn commit_reply(
        &self,
        seq: u64,
        inbound: &Inbound,
        reply: Option<&Outbound>,
        state: serde_json::Value,
    ) -> Result<Vec<(ChannelKind, String)>> {
        self.commit_turn(seq, inbound, reply, state, &TurnWrites::default())
            .await
    }

    /// [`Store::commit_reply`], plus the shop changes the turn confirmed
    /// (a cancelled order, a new address), all in one transaction: an action
    /// is never done without the reply that reports it, nor reported without
    /// being done. Each write checks that its record is still as the action
    /// read it, else nothing is written and [`StoreError::Conflict`] returned.
    ///
    /// Where a person owns the conversation (read in the transaction), the
    /// customer's lines are recorded but the bot's reply, mails, changes
    /// and state are not: the bot never answers over an operator.
    pub async fn commit_turn(
        &self,
        seq: u64,
        inbound: &Inbound,
        reply: Option<&Outbound>,
        state: serde_json::Value,
        writes: &TurnWrites,
    ) -> Result<Vec<(ChannelKind, String)>> {
        let key = inbound.key();
        let conv_id = inbound.conversation_id();
        let now = now_millis();
        // The turn's lines, each its own record: a turn appends, it never
        // rewrites what the conversation said before.
        let mut lines: Vec<Turn> = writes
            .burst
            .iter()
            .map(|(_, earlier)| Turn::new(Role::Customer, &earlier.text, now, earlier.key()))
            .collect();
        lines.push(Turn::new(Role::Customer, &inbound.text, now, key.clone()));
        if let Some(reply) = reply {
            lines.push(Turn::new(Role::Bot, &reply.text, now, key.clone()));
        }
        let line_keys = lines
            .iter()
            .map(|_| Ok(super::turn_key(&conv_id, self.db.generate_id()?)))
            .collect::<Result<Vec<_>>>()?;
        // What the outbox sends: the reply under the inbound's key, then
        // the turn's mails under theirs.
        let sends: Vec<(String, &Outbound)> = reply
            .map(|r| (key.clone(), r))
            .into_iter()
            .chain(
                writes
                    .mails
                    .iter()
                    .enumerate()
                    .map(|(n, mail)| (TurnWrites::mail_key(&key, n), mail)),
            )
            .collect();
        let trees = (
            &self.pending,
            &self.outbox,
            &self.conversations,
            &self.shop,
            &self.customers,
            &self.turns,
        );
        let outcome =
            trees.transaction(|(pending, outbox, conversations, shop, customers, turns)| {
                if pending.remove(&seq.to_be_bytes())?.is_none() {
                    // Already answered (a second worker raced us): keep the first.
                    return Ok(Vec::new());
                }
                for (earlier, _) in &writes.burst {
                    pending.remove(&earlier.to_be_bytes())?;
                }
                let mut conv = match conversations.get(&conv_id)? {
                    Some(bytes) => decode::<Conversation>("conversations", &bytes)
                        .map_err(ConflictableTransactionError::Abort)?,
                    None => Conversation {
                        id: conv_id.clone(),
                        channel: inbound.channel,
                        thread: inbound.thread.clone(),
                        turns: Vec::new(),
                        state: serde_json::Value::Null,
                        owner: Owner::Bot,
                        measures: Default::default(),
                    },
                };
                // Read here, in the transaction: an operator who took the
                // conversation while this turn was decided wins.
                let before = conv.owner.clone();
                let bot_speaks = match before {
                    Owner::Bot => true,
                    Owner::Waiting { .. } => writes.notice,
                    Owner::Operator { .. } => false,
                };
                if bot_speaks {
                    // What the bot decided to do, it does: where a person
                    // answers it decided nothing, and its changes wait too.
                    ShopWrite::apply_in(&writes.shop, shop)?;
                    let mut seen = std::collections::HashSet::new();
                    for write in &writes.customers {
                        // Only a key's first write is checked: a later one
                        // of the same turn read the same record and follows
                        // the first (an expired code cleared, then a new one).
                        let first = seen.insert(write.key.as_str());
                        if let (Some(expected), true) = (&write.expected, first) {
                            let current = customers.get(write.key.as_bytes())?;
                            if current.as_deref() != expected.as_deref() {
                                return Err(ConflictableTransactionError::Abort(
                                    StoreError::Conflict(write.key.clone()),
                                ));
                            }
                        }
                        if write.value.is_empty() {
                            customers.remove(write.key.as_bytes())?;
                        } else {
                            customers.insert(write.key.as_bytes(), write.value.as_slice())?;
                        }
                    }
                    conv.state = state.clone();
                }
                if let (Some(reason), Owner::Bot) = (&writes.handoff, &before) {
                    conv.owner = Owner::Waiting {
                        reason: reason.clone(),
                        since: now,
                        reminded: false,
                    };
                }
                conv.thread = inbound.thread.clone();
                let mut written = Vec::new();
                for (line, line_key) in lines.iter().zip(&line_keys) {
                    if line.role == Role::Bot && !bot_speaks {
                        continue;
                    }
                    turns.insert(line_key.as_slice(), encode(line))?;
                }
                if bot_speaks {
                    for (send_key, outbound) in &sends {
                        let record = OutboxRecord::new(send_key, (*outbound).clone(), None);
                        outbox.insert(send_key.as_bytes(), encode(&record))?;
                        written.push((outbound.channel, send_key.clone()));
                    }
                }
                if let Some(desk) = &writes.desk {
                    let spoken: Vec<&Turn> = lines
                        .iter()
                        .filter(|l| l.role != Role::Bot || bot_speaks)
                        .collect();
                    let copies = desk.copies(&conv_id, &key, &before, &conv.owner, &spoken);
                    for (send_key, record) in copies {
                        outbox.insert(send_key.as_bytes(), encode(&record))?;
                        written.push((record.outbound.channel, send_key));
                    }
                }
                let replied = bot_speaks && reply.is_some();
                if let Some(survey) =
                    super::measures::measure(&mut conv, &before, writes, replied, now)
                {
                    let survey_key = format!("{key}#csat");
                    let record = OutboxRecord::new(&survey_key, survey.clone(), None);
                    outbox.insert(survey_key.as_bytes(), encode(&record))?;
                    written.push((survey.channel, survey_key));
                }
                conversations.insert(conv_id.as_bytes(), encode(&conv))?;
                Ok(written)
            });
        let written = unwrap_tx(outcome)?;
        self.flush().await?;
        Ok(written)
    }

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
