//! Deciding what to do. Until the shop brain lands there is one decision:
//! converse with the customer through the LLM under the system prompt.

use super::Understanding;
use crate::store::Conversation;

/// The decided next step for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Reply conversationally from the history.
    Converse,
}

impl Decision {
    /// A stable label for logs and `--json` output.
    pub fn label(&self) -> &'static str {
        match self {
            Decision::Converse => "converse",
        }
    }
}

/// Decide the next step.
pub fn decide(_understanding: &Understanding, _conversation: Option<&Conversation>) -> Decision {
    Decision::Converse
}
