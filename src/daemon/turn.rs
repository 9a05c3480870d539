//! One turn of a conversation: the burst's messages read as one, decided
//! by the pipeline (or taken as a survey answer), given what follows it
//! (the desk's copies, the survey), committed in one transaction and
//! queued for sending. Also the messages that get no reply from the bot:
//! machine mail (never answered), and a turn that kept failing (the
//! conversation goes to a person, listed by `kefu handoff list`).

use super::measure::{self, Tally};
use super::outbox::OutboxSender;
use super::{desk, Channels};
use crate::dialogue::DialogueState;
use crate::failpoint;
use crate::pipeline::{Outcome, Pipeline, Reply};
use crate::store::{Conversation, PendingItem, Store, StoreError, TurnWrites};
use kefu_channels::{ChannelKind, Inbound};
use std::sync::Arc;

/// Times a turn is decided again when another conversation changed the
/// same records between its read and its commit.
const MAX_CONFLICTS: u32 = 6;

/// What a turn is made with: the store, the pipeline, where replies go and
/// what follows a turn. Shared by all workers.
pub(super) struct Turns {
    pub(super) store: Store,
    pub(super) pipeline: Arc<Pipeline>,
    pub(super) channels: Channels,
    pub(super) outbox: Arc<OutboxSender>,
    /// The operators' desk, if configured.
    pub(super) desk: Option<Arc<crate::desk::Desk>>,
    /// The satisfaction survey, if `[csat]` is on.
    pub(super) survey: Option<Arc<crate::outcomes::Survey>>,
}

impl Turns {
    /// Act on an operator's message; `false` when it is not one.
    pub(super) async fn desk_message(&self, item: &PendingItem) -> bool {
        match &self.desk {
            Some(d) => desk::operator_message(d, &self.outbox, item).await,
            None => false,
        }
    }

    /// One turn: the burst's messages read as one, answered once, the
    /// reply committed with every message of the burst.
    pub(super) async fn answer(
        &self,
        earlier: &[PendingItem],
        last: &PendingItem,
    ) -> anyhow::Result<()> {
        let inbound = burst_as_one(earlier, last);
        let key = inbound.key();
        let started = std::time::Instant::now();
        // Another conversation may change the same order, or count a failed
        // verification of the same sender or name, between our read and our
        // commit; the turn is then decided again on fresh records.
        let mut tries = 0;
        let (written, tally) = loop {
            tries += 1;
            match self.decide_and_commit(&inbound, earlier, last).await {
                Err(e)
                    if tries < MAX_CONFLICTS
                        && matches!(e.downcast_ref(), Some(StoreError::Conflict(_))) =>
                {
                    tracing::warn!(message = %key, "{e}; deciding again");
                }
                other => break other?,
            }
        };
        let replied = written.iter().any(|(_, k)| *k == key);
        if replied {
            tracing::info!(message = %key, burst = earlier.len() + 1, elapsed_ms = started.elapsed().as_millis() as u64, "reply stored");
        } else {
            tracing::info!(message = %key, "no reply (decided to stay silent)");
            self.skipped(&last.record.inbound);
        }
        // Sent first: nothing after the commit may hold a reply back.
        self.outbox.enqueue_all(written);
        tally.count(&inbound, replied, measure::first_stored(earlier, last));
        Ok(())
    }

    /// Decide the turn on the records as they are now and commit it; gives
    /// the outbox keys written and what the metrics will count.
    async fn decide_and_commit(
        &self,
        inbound: &Inbound,
        earlier: &[PendingItem],
        last: &PendingItem,
    ) -> anyhow::Result<(Vec<(ChannelKind, String)>, Tally)> {
        let id = inbound.conversation_id();
        let conversation = self.store.conversation(&id)?;
        let mut outcome = self.decide(inbound, conversation.as_ref()).await?;
        failpoint::hit("before_commit");
        outcome.writes.burst = earlier
            .iter()
            .map(|i| (i.seq, i.record.inbound.clone()))
            .collect();
        let noticed = self.desk.as_ref().and_then(|d| {
            desk::follow_turn(d, &self.store, inbound, conversation.as_ref(), &mut outcome)
        });
        let survey = self.survey.as_deref();
        measure::follow_turn(survey, earlier, last, conversation.as_ref(), &mut outcome);
        let tally = Tally::of(&outcome, conversation.as_ref());
        // Serialized here, where they are stored.
        let reply = outcome.reply.as_ref().map(Reply::to_outbound);
        let state = outcome.state.as_ref().map(DialogueState::to_json);
        let written = self
            .store
            .commit_turn(
                last.seq,
                &last.record.inbound,
                reply.as_ref(),
                state,
                &outcome.writes,
            )
            .await?;
        desk::noticed(&self.store, &id, noticed);
        Ok((written, tally))
    }

    /// What the turn decides: a survey answer is recorded instead of
    /// answered by the brain.
    async fn decide(
        &self,
        inbound: &Inbound,
        conversation: Option<&Conversation>,
    ) -> anyhow::Result<Outcome> {
        let survey = self.survey.as_deref();
        match survey.and_then(|s| measure::survey_answer(s, inbound, conversation)) {
            Some(answer) => Ok(answer),
            None => self.pipeline.answer(inbound, conversation).await,
        }
    }

    /// Machine mail (an auto-reply, a bounce, a list, a loop): it joins the
    /// conversation, no reply is made, the channel is told.
    pub(super) async fn keep_unanswered(&self, item: &PendingItem) {
        let inbound = &item.record.inbound;
        let committed = self.store.commit_reply(item.seq, inbound, None, None).await;
        match committed {
            Ok(written) => {
                self.outbox.enqueue_all(written);
                tracing::info!(message = %inbound.key(), "not answered: automatic or looping message")
            }
            Err(e) => {
                tracing::error!(message = %inbound.key(), "cannot record an unanswered message: {e}")
            }
        }
        self.skipped(inbound);
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
            let state = Some(state.to_json());
            self.store
                .commit_turn(last.seq, inbound, None, state, &writes)
                .await
        }
        .await;
        match committed {
            Ok(written) => self.outbox.enqueue_all(written),
            Err(e) => {
                tracing::error!(message = %inbound.key(), "cannot hand the conversation over ({error}): {e}")
            }
        }
        self.skipped(inbound);
    }

    /// Tell `inbound`'s channel that no reply comes to it.
    fn skipped(&self, inbound: &Inbound) {
        if let Some(channel) = self.channels.get(&inbound.channel) {
            channel.skipped(inbound);
        }
    }
}

/// The burst's messages as one: the last one, with the texts of all in
/// order and the longest original length.
fn burst_as_one(earlier: &[PendingItem], last: &PendingItem) -> Inbound {
    let mut inbound = last.record.inbound.clone();
    if !earlier.is_empty() {
        let texts: Vec<&str> = earlier
            .iter()
            .map(|i| i.record.inbound.text.as_str())
            .chain([inbound.text.as_str()])
            .collect();
        inbound.text = texts.join("\n");
        inbound.original_chars = earlier
            .iter()
            .filter_map(|i| i.record.inbound.original_chars)
            .chain(inbound.original_chars)
            .max();
    }
    inbound
}
