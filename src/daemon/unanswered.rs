//! Messages that get no reply from the bot, recorded so they leave the
//! queue: machine mail (never answered), and a turn that kept failing (the
//! conversation goes to a person, listed by `kefu handoff list`).

use super::dispatch::Shared;
use crate::dialogue::DialogueState;
use crate::store::{PendingItem, TurnWrites};

impl Shared {
    /// Machine mail (an auto-reply, a bounce, a list, a loop): it joins the
    /// conversation, no reply is made, the channel is told.
    pub(super) async fn keep_unanswered(&self, item: &PendingItem) {
        let inbound = &item.record.inbound;
        let committed = async {
            let conversation = self.store.conversation(&inbound.conversation_id())?;
            let state = conversation.map(|c| c.state).unwrap_or_default();
            self.store
                .commit_reply(item.seq, inbound, None, state)
                .await
        }
        .await;
        match committed {
            Ok(written) => {
                self.outbox.enqueue_all(written);
                tracing::info!(message = %inbound.key(), "not answered: automatic or looping message")
            }
            Err(e) => {
                tracing::error!(message = %inbound.key(), "cannot record an unanswered message: {e}")
            }
        }
        if let Some(channel) = self.channels.get(&inbound.channel) {
            channel.skipped(inbound);
        }
    }

    /// A turn that failed every try: its messages leave the queue and the
    /// conversation is handed to a person, who sees it in `kefu handoff
    /// list`; the bot stays silent there until released.
    pub(super) async fn give_up(&self, earlier: &[PendingItem], last: &PendingItem, error: &str) {
        let inbound = &last.record.inbound;
        let committed = async {
            let conversation = self.store.conversation(&inbound.conversation_id())?;
            let mut state = conversation
                .map(|c| DialogueState::from_json(&c.state))
                .unwrap_or_default();
            let reason = "kefu could not answer a message (see the log)".to_string();
            state.handoff = Some(reason.clone());
            let writes = TurnWrites {
                burst: earlier
                    .iter()
                    .map(|i| (i.seq, i.record.inbound.clone()))
                    .collect(),
                handoff: Some(reason),
                desk: self.desk.as_ref().map(|d| d.routes()),
                ..TurnWrites::default()
            };
            self.store
                .commit_turn(last.seq, inbound, None, state.to_json(), &writes)
                .await
        }
        .await;
        match committed {
            Ok(written) => self.outbox.enqueue_all(written),
            Err(e) => {
                tracing::error!(message = %inbound.key(), "cannot hand the conversation over ({error}): {e}")
            }
        }
        if let Some(channel) = self.channels.get(&inbound.channel) {
            channel.skipped(inbound);
        }
    }
}
