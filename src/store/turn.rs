//! A turn committed: the customer's lines and the reply join the
//! conversation, the reply and the turn's mails enter the outbox, the
//! messages leave the queue, and the shop and customer records the turn
//! changed are written — in one transaction, or not at all.

use super::inbox::unwrap_tx;
use super::{
    decode, encode, Conversation, OutboxRecord, Owner, Result, Role, Store, StoreError, Turn,
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

impl CustomerWrite {
    /// Apply `writes` inside a transaction that includes the `customers`
    /// tree. Only a key's first write is checked: a later one of the same
    /// turn read the same record and follows the first (an expired code
    /// cleared, then a new one).
    pub fn apply_in(
        writes: &[CustomerWrite],
        customers: &TransactionalTree,
    ) -> ConflictableTransactionResult<(), StoreError> {
        let mut seen = std::collections::HashSet::new();
        for write in writes {
            let first = seen.insert(write.key.as_str());
            if let (Some(expected), true) = (&write.expected, first) {
                let current = customers.get(write.key.as_bytes())?;
                if current.as_deref() != expected.as_deref() {
                    return Err(ConflictableTransactionError::Abort(StoreError::Conflict(
                        write.key.clone(),
                    )));
                }
            }
            if write.value.is_empty() {
                customers.remove(write.key.as_bytes())?;
            } else {
                customers.insert(write.key.as_bytes(), write.value.as_slice())?;
            }
        }
        Ok(())
    }
}

impl Store {
    /// Record the answer to a pending inbound in one atomic step: the
    /// customer's turn and the reply join the conversation, the reply enters
    /// the outbox (none when the daemon decided to stay silent), the inbound
    /// leaves the queue, and `state`, if any, replaces the conversation's
    /// brain state (`None` keeps it).
    /// Flushed before it returns; gives the outbox keys written (channel,
    /// key), in the order they go out.
    pub async fn commit_reply(
        &self,
        seq: u64,
        inbound: &Inbound,
        reply: Option<&Outbound>,
        state: Option<serde_json::Value>,
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
        state: Option<serde_json::Value>,
        writes: &TurnWrites,
    ) -> Result<Vec<(ChannelKind, String)>> {
        let key = inbound.key();
        let conv_id = inbound.conversation_id();
        let now = now_millis();
        let lines = turn_lines(inbound, reply, writes, now, &key);
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
        let commit = Commit {
            seq,
            inbound,
            reply,
            state: state.as_ref(),
            writes,
            key: &key,
            conv_id: &conv_id,
            now,
            lines: &lines,
            line_keys: &line_keys,
            sends: &sends,
        };
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
                commit.apply(pending, outbox, conversations, shop, customers, turns)
            });
        let written = unwrap_tx(outcome)?;
        self.flush().await?;
        Ok(written)
    }
}

/// A turn ready to commit, its records keyed: what
/// [`Store::commit_turn`] writes in its transaction.
struct Commit<'a> {
    seq: u64,
    inbound: &'a Inbound,
    reply: Option<&'a Outbound>,
    state: Option<&'a serde_json::Value>,
    writes: &'a TurnWrites,
    key: &'a str,
    conv_id: &'a str,
    now: u64,
    lines: &'a [Turn],
    line_keys: &'a [Vec<u8>],
    sends: &'a [(String, &'a Outbound)],
}

impl Commit<'_> {
    /// Write the turn in the transaction over these trees; gives the
    /// outbox keys written, none when another worker answered it first.
    fn apply(
        &self,
        pending: &TransactionalTree,
        outbox: &TransactionalTree,
        conversations: &TransactionalTree,
        shop: &TransactionalTree,
        customers: &TransactionalTree,
        turns: &TransactionalTree,
    ) -> ConflictableTransactionResult<Vec<(ChannelKind, String)>, StoreError> {
        let (writes, now) = (self.writes, self.now);
        if pending.remove(&self.seq.to_be_bytes())?.is_none() {
            // Already answered (a second worker raced us): keep the first.
            return Ok(Vec::new());
        }
        for (earlier, _) in &writes.burst {
            pending.remove(&earlier.to_be_bytes())?;
        }
        let mut conv = open_conversation(conversations, self.conv_id, self.inbound)?;
        // Read here, in the transaction: an operator who took the
        // conversation while this turn was decided wins.
        let before = conv.owner.clone();
        let bot_speaks = match before {
            Owner::Bot => true,
            // Only to say when a person will reply.
            Owner::Waiting { .. } => writes.notice,
            Owner::Operator { .. } => false,
        };
        if bot_speaks {
            // What the bot decided to do, it does: where a person answers
            // it decided nothing, and its changes wait too.
            ShopWrite::apply_in(&writes.shop, shop)?;
            CustomerWrite::apply_in(&writes.customers, customers)?;
            if let Some(state) = self.state {
                conv.state = state.clone();
            }
        }
        if let (Some(reason), Owner::Bot) = (&writes.handoff, &before) {
            conv.owner = Owner::Waiting {
                reason: reason.clone(),
                since: now,
                reminded: false,
            };
        }
        conv.thread = self.inbound.thread.clone();
        let spoken: Vec<(&Turn, &Vec<u8>)> = self
            .lines
            .iter()
            .zip(self.line_keys)
            .filter(|(line, _)| line.role != Role::Bot || bot_speaks)
            .collect();
        for (line, line_key) in &spoken {
            turns.insert(line_key.as_slice(), encode(*line))?;
        }
        let mut written = Vec::new();
        if bot_speaks {
            let records = self.sends.iter().map(|(send_key, outbound)| {
                let record = OutboxRecord::new(send_key, (*outbound).clone(), None);
                (send_key.clone(), record)
            });
            queue(outbox, records, &mut written)?;
        }
        if let Some(desk) = &writes.desk {
            let spoken: Vec<&Turn> = spoken.iter().map(|(line, _)| *line).collect();
            let copies = desk.copies(self.conv_id, self.key, &before, &conv.owner, &spoken);
            queue(outbox, copies, &mut written)?;
        }
        let replied = bot_speaks && self.reply.is_some();
        if let Some(survey) = super::measures::measure(&mut conv, &before, writes, replied, now) {
            let survey_key = format!("{}#csat", self.key);
            let record = OutboxRecord::new(&survey_key, survey.clone(), None);
            queue(outbox, [(survey_key, record)], &mut written)?;
        }
        conversations.insert(self.conv_id.as_bytes(), encode(&conv))?;
        Ok(written)
    }
}

/// The turn's lines, each its own record: the burst's messages, the last
/// one, and the reply. A turn appends; it never rewrites what the
/// conversation said before.
fn turn_lines(
    inbound: &Inbound,
    reply: Option<&Outbound>,
    writes: &TurnWrites,
    now: u64,
    key: &str,
) -> Vec<Turn> {
    let mut lines: Vec<Turn> = writes
        .burst
        .iter()
        .map(|(_, earlier)| Turn::new(Role::Customer, &earlier.text, now, earlier.key()))
        .collect();
    lines.push(Turn::new(
        Role::Customer,
        &inbound.text,
        now,
        key.to_string(),
    ));
    if let Some(reply) = reply {
        lines.push(Turn::new(Role::Bot, &reply.text, now, key.to_string()));
    }
    lines
}

/// Write `records` into the outbox; their channels and keys join
/// `written`, in order.
fn queue(
    outbox: &TransactionalTree,
    records: impl IntoIterator<Item = (String, OutboxRecord)>,
    written: &mut Vec<(ChannelKind, String)>,
) -> ConflictableTransactionResult<(), StoreError> {
    for (key, record) in records {
        outbox.insert(key.as_bytes(), encode(&record))?;
        written.push((record.outbound.channel, key));
    }
    Ok(())
}

/// Conversation `id` as stored, or a new one in `inbound`'s thread.
fn open_conversation(
    conversations: &TransactionalTree,
    id: &str,
    inbound: &Inbound,
) -> ConflictableTransactionResult<Conversation, StoreError> {
    Ok(match conversations.get(id)? {
        Some(bytes) => decode::<Conversation>("conversations", &bytes)
            .map_err(ConflictableTransactionError::Abort)?,
        None => Conversation {
            id: id.to_string(),
            channel: inbound.channel,
            thread: inbound.thread.clone(),
            turns: Vec::new(),
            state: serde_json::Value::Null,
            owner: Owner::Bot,
            measures: Default::default(),
        },
    })
}
