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
}

/// Who spoke a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The customer.
    Customer,
    /// kefu.
    Bot,
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
