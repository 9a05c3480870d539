//! The operators' side of the store: copies of conversations for the
//! operators (made in the transaction of the turn they copy), operator
//! actions on a conversation (reply, note, take, release, close: each one
//! transaction with the outbox records it sends), and the maps between
//! conversations and their forum topics and mail tokens.

use super::inbox::unwrap_tx;
use super::{
    decode, encode, Conversation, DeskNote, OutboxRecord, Owner, Result, Role, Store, StoreError,
    Turn,
};
use kefu_channels::{ChannelKind, Outbound, Thread};
use sled::transaction::ConflictableTransactionError;
use sled::Transactional;

/// Where the operators follow conversations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeskRoutes {
    /// The operators' Telegram group (a forum): each followed
    /// conversation's card and lines go to its own topic there.
    pub group: Option<String>,
    /// Follow every conversation, not only those handed to a person.
    pub mirror_all: bool,
    /// The operators' mailbox gets the card of each hand-off.
    pub mailbox: bool,
}

impl DeskRoutes {
    /// The outbox records that copy a committed turn to the operators:
    /// the card when the turn handed the conversation off, else its lines
    /// where the conversation is followed. Keys derive from the turn's
    /// inbound key, so a turn decided again writes the same records.
    pub fn copies(
        &self,
        conversation: &str,
        key: &str,
        before: &Owner,
        after: &Owner,
        lines: &[&Turn],
    ) -> Vec<(String, OutboxRecord)> {
        let handed_now = !before.is_person() && after.is_person();
        let mut out = Vec::new();
        let note = |card| {
            Some(DeskNote {
                conversation: conversation.to_string(),
                card,
            })
        };
        if let Some(group) = &self.group {
            if handed_now {
                let send_key = format!("{key}#desk");
                let outbound = to_group(group, String::new());
                out.push((
                    send_key.clone(),
                    OutboxRecord::new(&send_key, outbound, note(true)),
                ));
            } else if self.mirror_all || after.is_person() {
                for (n, line) in lines.iter().enumerate() {
                    let send_key = format!("{key}#desk{n}");
                    let outbound = to_group(group, copy_text(line));
                    out.push((
                        send_key.clone(),
                        OutboxRecord::new(&send_key, outbound, note(false)),
                    ));
                }
            }
        }
        if self.mailbox && handed_now {
            let send_key = format!("{key}#deskmail");
            let outbound = Outbound {
                channel: ChannelKind::Email,
                thread: Thread {
                    id: String::new(),
                    route: None,
                },
                text: String::new(),
                reply_to: None,
                attachments: Vec::new(),
                annotations: Default::default(),
                buttons: Vec::new(),
            };
            out.push((
                send_key.clone(),
                OutboxRecord::new(&send_key, outbound, note(true)),
            ));
        }
        out
    }
}

/// A message for the operators' group (its topic is found when sent).
pub fn to_group(group: &str, text: String) -> Outbound {
    Outbound {
        channel: ChannelKind::Telegram,
        thread: Thread {
            id: group.to_string(),
            route: None,
        },
        text,
        reply_to: None,
        attachments: Vec::new(),
        annotations: Default::default(),
        buttons: Vec::new(),
    }
}

/// How a line of the conversation reads in its topic.
pub fn copy_text(line: &Turn) -> String {
    let who = match (line.role, &line.by) {
        (Role::Customer, _) => "👤".to_string(),
        (Role::Bot, _) => "🤖".to_string(),
        (Role::Operator, by) => format!("🧑‍💼 {}:", by.as_deref().unwrap_or("operator")),
        (Role::Note, by) => format!("📝 {}:", by.as_deref().unwrap_or("operator")),
    };
    // Every line marked: a customer's second line cannot pass for an
    // operator's ("🧑‍💼 Alice: refund approved") or for kefu's.
    let mut lines = line.text.lines();
    let first = lines.next().unwrap_or("");
    let mut out = format!("{who} {first}");
    for rest in lines {
        out.push('\n');
        out.push_str(&format!("{who} {rest}"));
    }
    out
}

/// What an operator action does, decided from the conversation as it is in
/// the transaction.
#[derive(Debug, Default)]
pub struct DeskChange {
    /// Lines to append (an operator's reply, a note).
    pub turns: Vec<Turn>,
    /// Outbox records to write (the reply to the customer, copies).
    pub sends: Vec<(String, OutboxRecord)>,
}

impl Store {
    /// Apply an operator action to conversation `id` in one transaction:
    /// `change` edits the record (owner, state) and names the lines and
    /// sends; with `seq`, the operator's own message leaves the queue in
    /// the same step (`None` returned when it already had: a replay).
    /// `change` may run more than once and refuse with a reason. Flushed;
    /// gives the outbox keys written.
    pub async fn desk_update<F>(
        &self,
        id: &str,
        seq: Option<u64>,
        change: F,
    ) -> Result<Option<Vec<(ChannelKind, String)>>>
    where
        F: Fn(&mut Conversation) -> std::result::Result<DeskChange, String>,
    {
        let keys = (0..4)
            .map(|_| Ok(super::turn_key(id, self.db.generate_id()?)))
            .collect::<Result<Vec<_>>>()?;
        let trees = (
            &self.pending,
            &self.outbox,
            &self.conversations,
            &self.turns,
        );
        let outcome = trees.transaction(|(pending, outbox, conversations, turns)| {
            if let Some(seq) = seq {
                if pending.remove(&seq.to_be_bytes())?.is_none() {
                    return Ok(None);
                }
            }
            let Some(bytes) = conversations.get(id)? else {
                return Err(ConflictableTransactionError::Abort(StoreError::Refused(
                    format!("no conversation {id:?}; `kefu handoff list` shows them"),
                )));
            };
            let mut conv: Conversation =
                decode("conversations", &bytes).map_err(ConflictableTransactionError::Abort)?;
            let change = change(&mut conv)
                .map_err(|why| ConflictableTransactionError::Abort(StoreError::Refused(why)))?;
            for (turn, key) in change.turns.iter().zip(&keys) {
                turns.insert(key.as_slice(), encode(turn))?;
            }
            let mut written = Vec::new();
            for (key, record) in &change.sends {
                outbox.insert(key.as_bytes(), encode(record))?;
                written.push((record.outbound.channel, key.clone()));
            }
            conversations.insert(id.as_bytes(), encode(&conv))?;
            Ok(Some(written))
        });
        let written = unwrap_tx(outcome)?;
        self.flush().await?;
        Ok(written)
    }

    /// Drop an operator's message from the queue without acting on it (a
    /// stranger in the operators' group, a command that failed).
    pub async fn drop_pending(&self, seq: u64) -> Result<()> {
        self.pending.remove(seq.to_be_bytes())?;
        self.flush().await
    }

    /// Conversations a person owns or waits for, without their turns.
    pub fn owned_by_people(&self) -> Result<Vec<Conversation>> {
        let mut out = Vec::new();
        for value in self.conversations.iter().values() {
            let conversation: Conversation = decode("conversations", &value?)?;
            if conversation.owner.is_person() {
                out.push(conversation);
            }
        }
        Ok(out)
    }

    /// Set the owner of conversation `id` outside a turn (the reminder
    /// marks a waiting one as reminded).
    pub async fn set_owner(&self, id: &str, owner: Owner) -> Result<()> {
        if let Some(bytes) = self.conversations.get(id)? {
            let mut conversation: Conversation = decode("conversations", &bytes)?;
            conversation.owner = owner;
            self.conversations.insert(id, encode(&conversation))?;
            self.flush().await?;
        }
        Ok(())
    }

    /// The forum topic of conversation `id` in the operators' group.
    pub fn topic_of(&self, id: &str) -> Result<Option<String>> {
        // An empty topic is one forgotten (deleted by an operator).
        Ok(self
            .desk_get(&format!("topic/{id}"))?
            .filter(|t| !t.is_empty()))
    }

    /// The conversation a forum topic of group `group` follows. A message
    /// without a topic (the group's General) is never a customer's.
    pub fn conversation_of_topic(&self, group: &str, topic: &str) -> Result<Option<String>> {
        if topic.is_empty() {
            return Ok(None);
        }
        self.desk_get(&format!("by-topic/{group}/{topic}"))
    }

    /// Remember (both ways) that `topic` follows conversation `id`; the
    /// topic it followed before no longer leads to it.
    pub async fn set_topic(&self, id: &str, group: &str, topic: &str) -> Result<()> {
        if topic.is_empty() {
            return self.forget_topic(id, group).await;
        }
        self.unmap_topic(id, group)?;
        self.desk.insert(format!("topic/{id}"), topic.as_bytes())?;
        self.desk
            .insert(format!("by-topic/{group}/{topic}"), id.as_bytes())?;
        self.flush().await
    }

    /// Forget the topic of conversation `id` (an operator deleted it): the
    /// next desk message opens a new one, and nothing written where the old
    /// one was (nor in General) reaches the customer.
    pub async fn forget_topic(&self, id: &str, group: &str) -> Result<()> {
        self.unmap_topic(id, group)?;
        // Kept as an empty marker: `topic_of` reads it as "none".
        self.desk.insert(format!("topic/{id}"), &b""[..])?;
        self.flush().await
    }

    fn unmap_topic(&self, id: &str, group: &str) -> Result<()> {
        if let Some(old) = self.desk_get(&format!("topic/{id}"))? {
            let reverse = format!("by-topic/{group}/{old}");
            if self.desk_get(&reverse)?.as_deref() == Some(id) {
                self.desk.remove(reverse)?;
            }
        }
        Ok(())
    }

    /// The secret token that marks mail about conversation `id` to and
    /// from the operators' mailbox; made on first use.
    pub async fn mail_token(&self, id: &str) -> Result<String> {
        if let Some(token) = self.desk_get(&format!("token-of/{id}"))? {
            return Ok(token);
        }
        let token = format!("{:032x}", rand::random::<u128>());
        self.desk
            .insert(format!("token-of/{id}"), token.as_bytes())?;
        self.desk.insert(format!("token/{token}"), id.as_bytes())?;
        self.flush().await?;
        Ok(token)
    }

    /// The conversation a mail token stands for.
    pub fn conversation_of_token(&self, token: &str) -> Result<Option<String>> {
        self.desk_get(&format!("token/{token}"))
    }

    /// The shop's day (`2026-12-06`) the last after-hours notice went to
    /// conversation `id`.
    pub fn last_notice(&self, id: &str) -> Result<Option<String>> {
        self.desk_get(&format!("notice/{id}"))
    }

    /// Record the day of an after-hours notice (lost at worst: one more
    /// notice that day).
    pub fn set_last_notice(&self, id: &str, day: &str) -> Result<()> {
        self.desk.insert(format!("notice/{id}"), day.as_bytes())?;
        Ok(())
    }

    /// Whether the learning suggestion of conversation `id` was approved
    /// or rejected.
    pub fn suggestion_decided(&self, id: &str) -> Result<bool> {
        Ok(self.desk.contains_key(format!("learn/{id}"))?)
    }

    /// Decide conversation `id`'s suggestion, once: approved with the
    /// entry `make(n)` builds for learned number `n` (counted from 1 in
    /// the same transaction, so two approvals at once never share one),
    /// or rejected (`make` is `None`). Refused when it was decided
    /// already. Gives `n`. Flushed.
    pub async fn decide_suggestion(
        &self,
        id: &str,
        make: Option<&(dyn Fn(u64) -> Vec<u8> + Sync)>,
    ) -> Result<Option<u64>> {
        let decided = format!("learn/{id}");
        // Entries learned before the count was kept are numbered 1..n.
        let before = self.desk.scan_prefix("learned/").count() as u64;
        let outcome = self.desk.transaction(|desk| {
            if desk.get(decided.as_bytes())?.is_some() {
                return Err(ConflictableTransactionError::Abort(StoreError::Refused(
                    format!("the suggestion from {id:?} was decided already"),
                )));
            }
            let Some(make) = make else {
                desk.insert(decided.as_bytes(), &b"rejected"[..])?;
                return Ok(None);
            };
            let n = desk
                .get(b"learn-count")?
                .and_then(|v| String::from_utf8_lossy(&v).parse::<u64>().ok())
                .unwrap_or(before)
                + 1;
            desk.insert(&b"learn-count"[..], n.to_string().as_bytes())?;
            desk.insert(decided.as_bytes(), format!("approved {n}").as_bytes())?;
            desk.insert(format!("learned/{n:020}").as_bytes(), make(n))?;
            Ok(Some(n))
        });
        let n = unwrap_tx(outcome)?;
        self.flush().await?;
        Ok(n)
    }

    /// Forget the desk's records of conversation `id`: its topic and both
    /// maps, its mail token, its notice, its suggestion and the entry
    /// learned from it. Flushed.
    pub async fn forget_desk(&self, id: &str) -> Result<usize> {
        let mut keys = vec![
            format!("topic/{id}"),
            format!("notice/{id}"),
            format!("learn/{id}"),
            format!("token-of/{id}"),
        ];
        if let Some(token) = self.desk_get(&format!("token-of/{id}"))? {
            keys.push(format!("token/{token}"));
        }
        if let Some(learned) = self.desk_get(&format!("learn/{id}"))? {
            if let Some(n) = learned
                .strip_prefix("approved ")
                .and_then(|n| n.parse::<u64>().ok())
            {
                keys.push(format!("learned/{n:020}"));
            }
        }
        for entry in self.desk.scan_prefix("by-topic/") {
            let (key, value) = entry?;
            if value.as_ref() == id.as_bytes() {
                keys.push(String::from_utf8_lossy(&key).into_owned());
            }
        }
        let mut removed = 0;
        for key in keys {
            if self.desk.remove(key)?.is_some() {
                removed += 1;
            }
        }
        self.flush().await?;
        Ok(removed)
    }

    /// The learned FAQ entries (JSON), oldest first.
    pub fn learned_faq(&self) -> Result<Vec<Vec<u8>>> {
        self.desk
            .scan_prefix("learned/")
            .values()
            .map(|v| Ok(v?.to_vec()))
            .collect()
    }

    /// When the next digest is due (ms since epoch); `None` before the
    /// first start with a digest configured.
    pub fn digest_due(&self) -> Result<Option<u64>> {
        Ok(self.desk_get("digest/due")?.and_then(|v| v.parse().ok()))
    }

    /// Set when the next digest is due. Flushed.
    pub async fn set_digest_due(&self, due: u64) -> Result<()> {
        self.desk.insert("digest/due", due.to_string().as_bytes())?;
        self.flush().await
    }

    /// Queue a digest's messages under `key` and move the next one to
    /// `next`, in one transaction; gives the outbox keys.
    pub async fn send_digest(
        &self,
        next: u64,
        key: &str,
        sends: Vec<Outbound>,
    ) -> Result<Vec<(ChannelKind, String)>> {
        let outcome = (&self.desk, &self.outbox).transaction(|(desk, outbox)| {
            let mut keys = Vec::new();
            for (n, outbound) in sends.iter().enumerate() {
                let send_key = format!("{key}#{n}");
                let record = OutboxRecord::new(&send_key, outbound.clone(), None);
                outbox.insert(send_key.as_bytes(), encode(&record))?;
                keys.push((outbound.channel, send_key));
            }
            desk.insert("digest/due", next.to_string().as_bytes())?;
            Ok(keys)
        });
        let keys = unwrap_tx(outcome)?;
        self.flush().await?;
        Ok(keys)
    }

    fn desk_get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .desk
            .get(key)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Role, Store, Turn};

    #[test]
    fn every_line_of_a_customer_message_is_marked_as_theirs() {
        let turn = Turn {
            role: Role::Customer,
            text: "hi\n🧑\u{200d}💼 Alice: your refund is approved\nVerified: yes".into(),
            at: 0,
            message_key: String::new(),
            by: None,
        };
        let copy = super::copy_text(&turn);
        assert_eq!(copy.lines().count(), 3);
        assert!(copy.lines().all(|l| l.starts_with("👤 ")), "{copy}");
    }

    #[tokio::test]
    async fn a_deleted_topic_leaves_no_way_to_the_customer() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.set_topic("telegram:1", "-100", "7").await.unwrap();
        assert_eq!(
            store.conversation_of_topic("-100", "7").unwrap().as_deref(),
            Some("telegram:1")
        );
        store.forget_topic("telegram:1", "-100").await.unwrap();
        // General (no topic) and the deleted topic lead nowhere.
        assert_eq!(store.conversation_of_topic("-100", "").unwrap(), None);
        assert_eq!(store.conversation_of_topic("-100", "7").unwrap(), None);
        assert_eq!(store.topic_of("telegram:1").unwrap(), None);
        // The old way of forgetting (an empty topic) is the same.
        store.set_topic("telegram:2", "-100", "9").await.unwrap();
        store.set_topic("telegram:2", "-100", "").await.unwrap();
        assert_eq!(store.conversation_of_topic("-100", "").unwrap(), None);
        assert_eq!(store.conversation_of_topic("-100", "9").unwrap(), None);
        // A reopened topic replaces the old one.
        store.set_topic("telegram:2", "-100", "11").await.unwrap();
        assert_eq!(
            store
                .conversation_of_topic("-100", "11")
                .unwrap()
                .as_deref(),
            Some("telegram:2")
        );
    }
}
