//! A conversation's figures ([`Measures`]): kept up to date by each turn's
//! commit, settled for conversations gone quiet, read by `kefu stats`.

use super::inbox::unwrap_tx;
use super::{
    decode, encode, Conversation, OutboxRecord, Owner, Resolution, Result, Store, TurnWrites,
};
use kefu_channels::{ChannelKind, Outbound};
use sled::Transactional;

/// Update the conversation's figures for a committed turn; gives the
/// survey to send when the turn resolved it and none went out before.
pub(super) fn measure<'a>(
    conv: &mut Conversation,
    before: &Owner,
    writes: &'a TurnWrites,
    replied: bool,
    now: u64,
) -> Option<&'a Outbound> {
    let m = &mut conv.measures;
    if m.started == 0 {
        let first = writes.measure.first_stored;
        m.started = if first > 0 { first.min(now) } else { now };
    }
    if let Some(csat) = &writes.csat {
        // An answer to the survey: the conversation stays as it ended.
        m.csat = Some(csat.clone());
        return None;
    }
    if m.resolution != Resolution::Open {
        m.reopened += 1;
        m.resolution = Resolution::Open;
    }
    if m.survey_at.is_some() {
        // Not a rating (that returned above): the survey is over.
        m.survey_closed = true;
    }
    m.last_customer = now;
    if m.intent.is_none() {
        m.intent = writes.measure.intent.clone();
    }
    if replied && m.first_reply_ms.is_none() {
        m.first_reply_ms = Some(now.saturating_sub(m.started));
    }
    if conv.owner.is_person() && !before.is_person() {
        m.handed_off = true;
        if m.handoff_reason.is_none() {
            m.handoff_reason = writes.handoff.clone();
        }
    }
    if replied && writes.measure.resolved && !conv.owner.is_person() {
        m.resolution = Resolution::Resolved {
            by: "bot".into(),
            how: "confirmed".into(),
            at: now,
        };
        if m.survey_at.is_none() {
            if let Some(survey) = &writes.survey {
                m.survey_at = Some(now);
                return Some(survey);
            }
        }
    }
    None
}

/// A conversation settled by [`Store::settle_quiet`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// The conversation.
    pub id: String,
    /// `resolved` (by the bot, assumed) or `abandoned`.
    pub how: &'static str,
}

impl Store {
    /// Settle conversations the bot answered last and the customer left
    /// quiet since `now - quiet_ms`: abandoned when `open_request` says a
    /// request of theirs was still open (from the brain state), else
    /// resolved by the bot (assumed), with `survey`'s message, if any, sent
    /// once. Gives what was settled and the outbox keys to send.
    pub async fn settle_quiet(
        &self,
        now: u64,
        quiet_ms: u64,
        open_request: impl Fn(&serde_json::Value) -> bool,
        survey: impl Fn(&Conversation) -> Option<Outbound>,
    ) -> Result<(Vec<Settled>, Vec<(ChannelKind, String)>)> {
        let mut settled = Vec::new();
        let mut keys = Vec::new();
        for value in self.conversations.iter().values() {
            let conv: Conversation = decode("conversations", &value?)?;
            let m = &conv.measures;
            let quiet = m.last_customer > 0 && now.saturating_sub(m.last_customer) >= quiet_ms;
            if !quiet
                || m.resolution != Resolution::Open
                || conv.owner != Owner::Bot
                || m.first_reply_ms.is_none()
            {
                continue;
            }
            let abandoned = open_request(&conv.state);
            let message = if abandoned { None } else { survey(&conv) };
            let id = conv.id.clone();
            let key = format!("survey:{id}");
            let trees = (&self.conversations, &self.outbox);
            let outcome = trees.transaction(|(conversations, outbox)| {
                let Some(bytes) = conversations.get(&id)? else {
                    return Ok(false);
                };
                let mut conv: Conversation = decode("conversations", &bytes)
                    .map_err(sled::transaction::ConflictableTransactionError::Abort)?;
                // Written to meanwhile: not quiet any more.
                if conv.measures.last_customer != m.last_customer
                    || conv.measures.resolution != Resolution::Open
                {
                    return Ok(false);
                }
                conv.measures.resolution = if abandoned {
                    Resolution::Abandoned { at: now }
                } else {
                    Resolution::Resolved {
                        by: "bot".into(),
                        how: "assumed".into(),
                        at: now,
                    }
                };
                if let (Some(message), None) = (&message, conv.measures.survey_at) {
                    conv.measures.survey_at = Some(now);
                    let record = OutboxRecord::new(&key, message.clone(), None);
                    outbox.insert(key.as_bytes(), encode(&record))?;
                }
                conversations.insert(id.as_bytes(), encode(&conv))?;
                Ok(true)
            });
            if unwrap_tx(outcome)? {
                if let (Some(message), None) = (&message, m.survey_at) {
                    keys.push((message.channel, key));
                }
                settled.push(Settled {
                    id,
                    how: if abandoned { "abandoned" } else { "resolved" },
                });
            }
        }
        if !settled.is_empty() {
            self.flush().await?;
        }
        Ok((settled, keys))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Measures;
    use kefu_channels::Thread;

    #[test]
    fn a_message_after_the_survey_closes_it() {
        let mut conv = Conversation {
            id: "console:s".into(),
            channel: ChannelKind::Console,
            thread: Thread {
                id: "s".into(),
                route: None,
            },
            turns: Vec::new(),
            state: serde_json::Value::Null,
            owner: Owner::default(),
            measures: Measures {
                started: 1,
                survey_at: Some(5),
                resolution: Resolution::Resolved {
                    by: "bot".into(),
                    how: "confirmed".into(),
                    at: 5,
                },
                ..Measures::default()
            },
        };
        let before = conv.owner.clone();
        assert!(!conv.measures.survey_closed);
        measure(&mut conv, &before, &TurnWrites::default(), true, 10);
        assert_eq!(conv.measures.reopened, 1);
        assert!(conv.measures.survey_closed, "{:?}", conv.measures);
    }
}
