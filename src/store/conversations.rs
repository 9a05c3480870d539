//! Reading conversations: the record (thread, state) with its turns,
//! which are stored one per key in the `turns` tree (a record written by
//! an older kefu may still hold turns of its own; they come first).

use super::{decode, turn_prefix, Conversation, Result, Store, Turn};

impl Store {
    /// One conversation by id (`channel:thread`), with every turn.
    pub fn conversation(&self, id: &str) -> Result<Option<Conversation>> {
        let Some(bytes) = self.conversations.get(id)? else {
            return Ok(None);
        };
        let mut conversation: Conversation = decode("conversations", &bytes)?;
        conversation.turns.extend(self.turns_of(id)?);
        Ok(Some(conversation))
    }

    /// The turns stored for conversation `id`, oldest first.
    fn turns_of(&self, id: &str) -> Result<Vec<Turn>> {
        self.turns
            .scan_prefix(turn_prefix(id))
            .values()
            .map(|v| decode("turns", &v?))
            .collect()
    }

    /// All conversations, in id order.
    pub fn conversations(&self) -> Result<Vec<Conversation>> {
        let mut all: Vec<Conversation> = self
            .conversations
            .iter()
            .values()
            .map(|v| decode("conversations", &v?))
            .collect::<Result<_>>()?;
        for conversation in &mut all {
            let turns = self.turns_of(&conversation.id)?;
            conversation.turns.extend(turns);
        }
        Ok(all)
    }

    /// All conversation records, in id order, without their turns.
    pub fn conversations_without_turns(&self) -> Result<Vec<Conversation>> {
        self.conversations
            .iter()
            .values()
            .map(|v| decode("conversations", &v?))
            .collect()
    }
}
