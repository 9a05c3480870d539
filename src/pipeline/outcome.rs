//! What the pipeline gives the daemon for one turn: the reply with its
//! annotations, typed, the brain's state, and the records to commit.

use super::Annotations;
use crate::dialogue::DialogueState;
use crate::lang::Language;
use crate::store::{Conversation, TurnWrites};
use kefu_channels::{Inbound, Outbound};

/// What the pipeline decided for one inbound.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The reply to send, or none to stay silent.
    pub reply: Option<Reply>,
    /// The conversation's brain state after this turn; `None` keeps the
    /// stored one as it is (a person answers, or nothing was decided).
    pub state: Option<DialogueState>,
    /// Records the turn changed (shop, profile, identity), committed with it.
    pub writes: TurnWrites,
}

impl Outcome {
    /// A turn that decides nothing: no reply, the state kept.
    pub fn silent() -> Self {
        Self {
            reply: None,
            state: None,
            writes: TurnWrites::default(),
        }
    }

    /// The customer's language after this turn in `conversation` (English
    /// until one was read).
    pub fn language(&self, conversation: Option<&Conversation>) -> Language {
        match &self.state {
            Some(state) => state.language,
            None => conversation.and_then(|c| DialogueState::language_in(&c.state)),
        }
        .unwrap_or_default()
    }
}

/// A reply and what was decided for it.
#[derive(Debug, Clone)]
pub struct Reply {
    /// What is sent. Its `annotations` stay empty here: they are written
    /// from [`Reply::annotations`] by [`Reply::to_outbound`], when stored.
    pub outbound: Outbound,
    /// What the pipeline decided, typed, for the metrics.
    pub annotations: Annotations,
}

impl Reply {
    /// The reply as it is stored and sent, its annotations as JSON.
    pub fn to_outbound(&self) -> Outbound {
        Outbound {
            annotations: self.annotations.to_map(),
            ..self.outbound.clone()
        }
    }
}

/// The reply to `inbound`, in its thread, with what `--json` shows of it.
pub(super) fn reply_to(inbound: &Inbound, text: String, annotations: Annotations) -> Reply {
    Reply {
        outbound: Outbound {
            channel: inbound.channel,
            thread: inbound.thread.clone(),
            text,
            reply_to: Some(inbound.platform_message_id.clone()),
            attachments: Vec::new(),
            annotations: Default::default(),
            buttons: Vec::new(),
        },
        annotations,
    }
}
