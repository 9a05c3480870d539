//! Reading conversations.

use super::{decode, encode, Conversation, Result, Store};

impl Store {
    /// One conversation by id (`channel:thread`).
    pub fn conversation(&self, id: &str) -> Result<Option<Conversation>> {
        self.conversations
            .get(id)?
            .map(|b| decode("conversations", &b))
            .transpose()
    }

    /// All conversations, in id order.
    pub fn conversations(&self) -> Result<Vec<Conversation>> {
        self.conversations
            .iter()
            .values()
            .map(|v| decode("conversations", &v?))
            .collect()
    }

    /// Replace a conversation's brain state (operator commands such as
    /// `kefu handoff release`); flushed.
    pub fn set_conversation_state(&self, id: &str, state: serde_json::Value) -> Result<()> {
        if let Some(mut conversation) = self.conversation(id)? {
            conversation.state = state;
            self.conversations.insert(id, encode(&conversation))?;
            self.conversations.flush()?;
        }
        Ok(())
    }
}
