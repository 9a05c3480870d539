//! The records kept in the store.

use kefu_channels::{ChannelKind, Inbound, Outbound, Thread};
use serde::{Deserialize, Serialize};

/// An inbound as stored on arrival.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InboxRecord {
    /// Arrival order (monotonic across restarts).
    pub seq: u64,
    /// The message.
    pub inbound: Inbound,
    /// When it was stored (ms since epoch).
    pub stored_at: u64,
}

/// An inbound that still needs an answer.
#[derive(Debug, Clone)]
pub struct PendingItem {
    /// Its arrival order.
    pub seq: u64,
    /// The stored record.
    pub record: InboxRecord,
}

/// Where a reply is in its life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    /// Decided and stored, not yet confirmed sent.
    Unsent,
    /// The platform accepted it.
    Sent {
        /// The platform's id of the sent message.
        platform_id: String,
        /// When (ms since epoch).
        at: u64,
    },
    /// The platform refused it for good.
    Failed {
        /// The platform's reason.
        error: String,
    },
}

/// The one reply to one inbound.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxRecord {
    /// The key of the inbound it answers.
    pub inbound_key: String,
    /// The reply.
    pub outbound: Outbound,
    /// Delivery state.
    pub state: OutboxState,
    /// Send attempts so far.
    pub attempts: u32,
    /// Set on a message to the operators (a mirrored line, a hand-off
    /// card): where it goes is settled when it is sent (the conversation's
    /// forum topic, opened then if it has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desk: Option<DeskNote>,
}

impl OutboxRecord {
    /// A record not yet sent, stored under `key`.
    pub fn new(key: &str, outbound: Outbound, desk: Option<DeskNote>) -> Self {
        Self {
            inbound_key: key.to_string(),
            outbound,
            state: OutboxState::Unsent,
            attempts: 0,
            desk,
        }
    }
}

/// What a message to the operators is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskNote {
    /// The customer's conversation.
    pub conversation: String,
    /// The text is the conversation's card, written when it is sent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub card: bool,
}

/// Who answers a conversation. Checked in the transaction that commits
/// each of the bot's replies: the bot never answers where a person does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "who", rename_all = "snake_case")]
pub enum Owner {
    /// The bot answers.
    #[default]
    Bot,
    /// Handed off; no operator has taken it yet. The bot stays silent.
    Waiting {
        /// Why it was handed off.
        reason: String,
        /// Since when (ms since epoch).
        since: u64,
        /// The operators were reminded that it still waits.
        #[serde(default)]
        reminded: bool,
    },
    /// An operator answers.
    Operator {
        /// Who (a Telegram name, an address, `cli`).
        name: String,
        /// Since when (ms since epoch).
        since: u64,
    },
}

impl Owner {
    /// Whether a person answers (or is about to).
    pub fn is_person(&self) -> bool {
        !matches!(self, Owner::Bot)
    }

    /// `bot`, `waiting` or `operator`.
    pub fn label(&self) -> &'static str {
        match self {
            Owner::Bot => "bot",
            Owner::Waiting { .. } => "waiting",
            Owner::Operator { .. } => "operator",
        }
    }
}

/// Who spoke a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The customer.
    Customer,
    /// kefu.
    Bot,
    /// An operator, answering the customer.
    Operator,
    /// An operator's note: seen by colleagues and the bot, never sent.
    Note,
}

/// One turn of a conversation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Turn {
    /// Who spoke.
    pub role: Role,
    /// What was said.
    pub text: String,
    /// When kefu recorded it (ms since epoch; a platform's own date, such
    /// as a mail's Date header, is in the inbound and may be anything).
    pub at: u64,
    /// The inbound this turn is (customer) or answers (bot).
    pub message_key: String,
    /// The operator who wrote an operator turn or note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

impl Turn {
    /// A line said by `role` now.
    pub fn new(role: Role, text: &str, at: u64, message_key: String) -> Self {
        Self {
            role,
            text: text.to_string(),
            at,
            message_key,
            by: None,
        }
    }
}

/// A conversation: one platform thread.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Conversation {
    /// `channel:thread`.
    pub id: String,
    /// The platform.
    pub channel: ChannelKind,
    /// Where replies go.
    pub thread: Thread,
    /// Everything said, oldest first.
    pub turns: Vec<Turn>,
    /// Conversation-level state owned by the brain (dialogue slots,
    /// verification, hand-off), opaque to the store.
    #[serde(default)]
    pub state: serde_json::Value,
    /// Who answers it.
    #[serde(default)]
    pub owner: Owner,
    /// Its figures: when it started, first reply, how it ended, CSAT.
    #[serde(default)]
    pub measures: Measures,
}

/// A conversation's figures, for `kefu stats` and the metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Measures {
    /// When its first message was stored (ms since epoch).
    pub started: u64,
    /// When the customer last wrote (ms since epoch).
    pub last_customer: u64,
    /// Milliseconds from the first message to the first reply (the bot's
    /// or a person's).
    pub first_reply_ms: Option<u64>,
    /// What the customer first wanted (an intent label).
    pub intent: Option<String>,
    /// How it ended, so far.
    pub resolution: Resolution,
    /// Times the customer wrote again after it ended.
    pub reopened: u32,
    /// It went to a person at some point.
    pub handed_off: bool,
    /// Why it went to a person (the first time).
    pub handoff_reason: Option<String>,
    /// When the satisfaction survey went out (ms since epoch).
    pub survey_at: Option<u64>,
    /// The customer's answer to it.
    pub csat: Option<Csat>,
    /// The customer wrote something other than a rating after the survey
    /// (the conversation reopened): later messages are messages, not
    /// ratings, and no second survey goes out.
    pub survey_closed: bool,
}

/// How a conversation ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Resolution {
    /// Not (yet) over.
    #[default]
    Open,
    /// Resolved.
    Resolved {
        /// `bot` or `operator`.
        by: String,
        /// `confirmed` (the customer said so, or an operator closed it) or
        /// `assumed` (no new message for `outcomes.assume_after_hours`).
        how: String,
        /// When (ms since epoch).
        at: u64,
    },
    /// The customer left with a request still open.
    Abandoned {
        /// When (ms since epoch).
        at: u64,
    },
}

/// A satisfaction answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Csat {
    /// 1 (bad) to 5 (great).
    pub score: u8,
    /// What the customer added, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Who had handled the conversation (`bot`, `operator`).
    pub handled_by: String,
    /// When (ms since epoch).
    pub at: u64,
}

/// A platform identity that wrote to us.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Identity {
    /// The platform.
    pub channel: ChannelKind,
    /// The platform user id.
    pub id: String,
    /// The last name the platform gave.
    pub display_name: Option<String>,
    /// First message (ms since epoch).
    pub first_seen: u64,
    /// Latest message (ms since epoch).
    pub last_seen: u64,
}
