//! Reading conversations.

use super::{decode, Conversation, Result, Store};

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
}
