//! What an operator can do to a conversation, from wherever they work
//! (the operators' group, their mailbox, the command line): each action is
//! one store transaction with the messages it sends.

use crate::dialogue::DialogueState;
use crate::outcomes::Survey;
use crate::store::{
    copy_text, to_group, Conversation, DeskChange, DeskNote, OutboxRecord, Owner, Resolution, Role,
    Store, Turn,
};
use kefu_channels::{now_millis, ChannelKind, Outbound};
use serde::{Deserialize, Serialize};

/// An operator action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", content = "text", rename_all = "snake_case")]
pub enum Act {
    /// Answer the customer (takes the conversation).
    Reply(String),
    /// A note for colleagues and the bot; never sent to the customer.
    Note(String),
    /// Take the conversation: the bot stays silent.
    Take,
    /// Give it back to the bot, with what the bot should know.
    Release(Option<String>),
    /// The matter is over: back to the bot, its open requests dropped.
    Close,
}

/// Where an action came from: its own copy to the group is left out when
/// the operator wrote it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The operators' group (the action is already in the topic).
    Group,
    /// The operators' mailbox, the command line or the admin API.
    Elsewhere,
}

/// Who acts, and what goes with it.
pub struct Context<'a> {
    /// The operator.
    pub who: &'a str,
    /// Names the outbox records: the operator's own message key, so a
    /// replayed message sends nothing twice.
    pub key: &'a str,
    /// That message's place in the queue, which it leaves in the same
    /// transaction.
    pub seq: Option<u64>,
    /// The operators' group, for the copy, and where the action came from.
    pub group: Option<(&'a str, Source)>,
    /// The satisfaction survey, sent when a close resolves the conversation.
    pub survey: Option<&'a Survey>,
}

/// Apply `act` to conversation `id`; gives the outbox keys to send,
/// `None` for a replay.
pub async fn apply(
    store: &Store,
    id: &str,
    act: &Act,
    cx: Context<'_>,
) -> crate::store::Result<Option<Vec<(ChannelKind, String)>>> {
    let now = now_millis();
    let written = store
        .desk_update(id, cx.seq, |conv| {
            let mut change = change_of(conv, id, act, &cx, now)?;
            if let Some((group, source)) = cx.group {
                // An operator's own reply in the group is there already.
                if !(source == Source::Group && matches!(act, Act::Reply(_))) {
                    copy_to_group(&mut change, id, group, cx.key);
                }
            }
            Ok(change)
        })
        .await?;
    if written.is_some() {
        let metrics = &crate::metrics::METRICS;
        match act {
            Act::Reply(_) => metrics.replies.with_label_values(&["operator"]).inc(),
            Act::Close => metrics
                .outcomes
                .with_label_values(&["operator", "confirmed"])
                .inc(),
            _ => {}
        }
    }
    Ok(written)
}

/// What `act` does to `conv` (its owner, state and measures) and the
/// lines and messages it adds; the reason when it does not apply.
fn change_of(
    conv: &mut Conversation,
    id: &str,
    act: &Act,
    cx: &Context<'_>,
    now: u64,
) -> Result<DeskChange, String> {
    let mut change = DeskChange::default();
    let line = |role: Role, text: &str| {
        let mut turn = Turn::new(role, text, now, cx.key.to_string());
        turn.by = Some(cx.who.to_string());
        turn
    };
    match act {
        Act::Reply(text) => {
            let text = text.trim();
            if text.is_empty() {
                return Err("the reply is empty".into());
            }
            conv.owner = operator(cx.who, now, &conv.owner);
            let m = &mut conv.measures;
            if m.first_reply_ms.is_none() {
                m.first_reply_ms = Some(now.saturating_sub(m.started));
            }
            change.turns.push(line(Role::Operator, text));
            let record = OutboxRecord::new(cx.key, to_customer(conv, text), None);
            change.sends.push((cx.key.to_string(), record));
        }
        Act::Note(text) => change.turns.push(line(Role::Note, text.trim())),
        Act::Take => {
            conv.owner = operator(cx.who, now, &conv.owner);
            change.turns.push(line(Role::Note, "took the conversation"));
        }
        Act::Release(note) => {
            if !conv.owner.is_person() {
                return Err(format!("{id} is answered by the bot already"));
            }
            conv.owner = Owner::Bot;
            conv.state = back_to_bot(&conv.state, false);
            let text = match note.as_deref().map(str::trim) {
                Some(note) if !note.is_empty() => {
                    format!("a colleague handled this conversation: {note}")
                }
                _ => "a colleague handled this conversation".to_string(),
            };
            change.turns.push(line(Role::Note, &text));
        }
        Act::Close => {
            change.sends.extend(close(conv, cx, now));
            change
                .turns
                .push(line(Role::Note, "closed the conversation"));
        }
    }
    Ok(change)
}

/// Close `conv`: back to the bot, resolved by the operator; gives the
/// survey to send when the shop surveys after operators and it was not
/// sent yet.
fn close(conv: &mut Conversation, cx: &Context<'_>, now: u64) -> Option<(String, OutboxRecord)> {
    let language = DialogueState::language_in(&conv.state).unwrap_or_default();
    conv.owner = Owner::Bot;
    conv.state = back_to_bot(&conv.state, true);
    conv.measures.resolution = Resolution::Resolved {
        by: "operator".into(),
        how: "confirmed".into(),
        at: now,
    };
    let survey = cx.survey.filter(|s| s.after("operator"))?;
    if conv.measures.survey_at.is_some() {
        return None;
    }
    conv.measures.survey_at = Some(now);
    let survey_key = format!("{}#csat", cx.key);
    let ask = survey.ask(conv.channel, &conv.thread, language);
    let record = OutboxRecord::new(&survey_key, ask, None);
    Some((survey_key, record))
}

/// A copy of each line of `change` for conversation `id`'s topic in the
/// operators' `group`.
fn copy_to_group(change: &mut DeskChange, id: &str, group: &str, key: &str) {
    for (n, turn) in change.turns.iter().enumerate() {
        let send_key = format!("{key}#desk{n}");
        let note = DeskNote {
            conversation: id.to_string(),
            card: false,
        };
        let record = OutboxRecord::new(&send_key, to_group(group, copy_text(turn)), Some(note));
        change.sends.push((send_key, record));
    }
}

/// The owner after operator `who` acts: they answer from now (since the
/// moment they first did, when it was them already).
fn operator(who: &str, now: u64, owner: &Owner) -> Owner {
    match owner {
        Owner::Operator { name, since } if name == who => Owner::Operator {
            name: name.clone(),
            since: *since,
        },
        _ => Owner::Operator {
            name: who.to_string(),
            since: now,
        },
    }
}

/// The brain's state when the bot answers again: no hand-off, the mood
/// reset; after a close, the open requests dropped too. Failed
/// verifications stay counted: an operator's release is no new chance to
/// guess (the same trust as before the hand-off).
fn back_to_bot(state: &serde_json::Value, close: bool) -> serde_json::Value {
    let mut state = DialogueState::from_json(state);
    state.handoff = None;
    state.negative_streak = 0;
    state.awaiting_code = false;
    if close {
        state.finish_task();
    }
    state.to_json()
}

/// An operator's words to the customer, on the customer's own channel and
/// thread (threaded for mail: the thread's route names what it answers).
fn to_customer(conv: &Conversation, text: &str) -> Outbound {
    Outbound {
        channel: conv.channel,
        thread: conv.thread.clone(),
        text: text.to_string(),
        reply_to: None,
        attachments: Vec::new(),
        annotations: Default::default(),
        buttons: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_release_is_no_new_chance_to_guess_who_one_is() {
        let state = DialogueState {
            handoff: Some("verification failed twice".into()),
            verify_failures: 2,
            negative_streak: 3,
            ..DialogueState::default()
        };
        for close in [false, true] {
            let back = DialogueState::from_json(&back_to_bot(&state.to_json(), close));
            assert_eq!(back.handoff, None);
            assert_eq!(back.negative_streak, 0);
            assert_eq!(back.verify_failures, 2, "close: {close}");
        }
    }
}
