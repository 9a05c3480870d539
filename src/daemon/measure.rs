//! The daemon's side of the figures: a survey answer is recorded instead of
//! answered by the brain, each turn carries what its conversation's
//! figures need (and the survey, should the turn resolve it), the metrics
//! count what was committed, and conversations gone quiet are settled.

use super::outbox::OutboxSender;
use crate::dialogue::DialogueState;
use crate::metrics::METRICS;
use crate::outcomes::Survey;
use crate::pipeline::{Annotations, Outcome, Reply};
use crate::store::{Conversation, Csat, Owner, PendingItem, Store, TurnWrites};
use kefu_channels::{now_millis, Inbound, Outbound};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often quiet conversations are looked for.
const SETTLE_EVERY: Duration = Duration::from_secs(60);

/// The turn for a message that answers the conversation's survey: the
/// rating recorded, thanks in reply; `None` when it is no answer.
pub(super) fn survey_answer(
    survey: &Survey,
    inbound: &Inbound,
    conversation: Option<&Conversation>,
) -> Option<Outcome> {
    let conversation = conversation?;
    if conversation.owner.is_person() {
        // A person has the conversation: what the customer writes is
        // theirs to read, never a rating.
        return None;
    }
    let text = crate::nlu::clean(&inbound.text);
    let (score, comment) = survey.answer(&text, &conversation.measures, now_millis())?;
    let language = DialogueState::language_in(&conversation.state).unwrap_or_default();
    let handled_by = if conversation.measures.handed_off {
        "operator"
    } else {
        "bot"
    };
    let annotations = Annotations {
        conversation: Some(conversation.id.clone()),
        step: Some("csat"),
        csat: Some(score),
        ..Annotations::default()
    };
    let outbound = Outbound {
        channel: inbound.channel,
        thread: inbound.thread.clone(),
        text: survey.thanks(language).to_string(),
        // A press is no message to reply to: the thanks answers the
        // survey it was under.
        reply_to: if text.starts_with("csat:") {
            inbound.reply_to.clone()
        } else {
            Some(inbound.platform_message_id.clone())
        },
        attachments: Vec::new(),
        annotations: Default::default(),
        buttons: Vec::new(),
    };
    Some(Outcome {
        reply: Some(Reply {
            outbound,
            annotations,
        }),
        state: None,
        writes: TurnWrites {
            csat: Some(Csat {
                score,
                comment,
                handled_by: handled_by.into(),
                at: now_millis(),
            }),
            ..TurnWrites::default()
        },
    })
}

/// What the turn tells its conversation's figures: when its first message
/// was stored, and the survey to send if it resolves it.
pub(super) fn follow_turn(
    survey: Option<&Survey>,
    earlier: &[PendingItem],
    last: &PendingItem,
    conversation: Option<&Conversation>,
    outcome: &mut Outcome,
) {
    outcome.writes.measure.first_stored = first_stored(earlier, last);
    let Some(survey) = survey.filter(|s| s.after("bot")) else {
        return;
    };
    if !outcome.writes.measure.resolved {
        return;
    }
    let language = outcome.language(conversation);
    let inbound = &last.record.inbound;
    let ask = survey.ask(inbound.channel, &inbound.thread, language);
    outcome.writes.survey = Some(ask);
}

/// When the burst's first message was stored (ms since epoch).
pub(super) fn first_stored(earlier: &[PendingItem], last: &PendingItem) -> u64 {
    earlier
        .iter()
        .chain([last])
        .map(|i| i.record.stored_at)
        .min()
        .unwrap_or_default()
}

/// What a committed turn adds to the metrics, read before the commit.
pub(super) struct Tally {
    new_conversation: bool,
    first_reply: bool,
    handoff: Option<String>,
    resolved: bool,
    csat: Option<u8>,
    annotations: Option<Annotations>,
}

impl Tally {
    /// What `outcome` will count once committed into `conversation`.
    pub(super) fn of(outcome: &Outcome, conversation: Option<&Conversation>) -> Self {
        let owner = conversation.map(|c| &c.owner);
        Self {
            new_conversation: conversation.is_none(),
            first_reply: conversation.is_none_or(|c| c.measures.first_reply_ms.is_none()),
            handoff: outcome
                .writes
                .handoff
                .clone()
                .filter(|_| !owner.is_some_and(Owner::is_person)),
            resolved: outcome.writes.measure.resolved,
            csat: outcome.writes.csat.as_ref().map(|c| c.score),
            annotations: outcome.reply.as_ref().map(|r| r.annotations.clone()),
        }
    }

    /// Count it: `replied` when the bot's reply was stored, `first_stored`
    /// when the turn's first message was stored (ms since epoch).
    pub(super) fn count(&self, inbound: &Inbound, replied: bool, first_stored: u64) {
        let m = &*METRICS;
        let channel = inbound.channel.as_str();
        if self.new_conversation {
            m.conversations.with_label_values(&[channel]).inc();
        }
        for attachment in &inbound.attachments {
            m.media
                .with_label_values(&[channel, &attachment.kind()])
                .inc();
        }
        if let Some(reason) = &self.handoff {
            m.handoffs.with_label_values(&[reason]).inc();
        }
        if let Some(score) = self.csat {
            m.csat.with_label_values(&[&score.to_string()]).inc();
        }
        if !replied {
            return;
        }
        let waited = now_millis().saturating_sub(first_stored) as f64 / 1000.0;
        m.reply_latency
            .with_label_values(&[channel])
            .observe(waited);
        if self.first_reply {
            m.first_response.observe(waited);
        }
        if self.resolved {
            m.outcomes.with_label_values(&["bot", "confirmed"]).inc();
        }
        if let Some(annotations) = &self.annotations {
            m.record_reply(annotations);
        }
    }
}

/// Settle quiet conversations every minute until `stop`: resolved by the
/// bot (assumed; surveyed when `[csat]` says so) or abandoned.
pub(super) fn spawn_settling(
    store: Store,
    survey: Option<Arc<Survey>>,
    outbox: Arc<OutboxSender>,
    quiet: Duration,
    stop: CancellationToken,
) {
    let every = SETTLE_EVERY.min(quiet / 4).max(Duration::from_millis(200));
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
            let open_request = |state: &serde_json::Value| {
                let state = DialogueState::from_json(state);
                state.pending.is_some() || !state.tasks.is_empty() || state.awaiting_code
            };
            let ask = |conversation: &Conversation| {
                let survey = survey.as_ref().filter(|s| s.after("bot"))?;
                let language = DialogueState::language_in(&conversation.state).unwrap_or_default();
                Some(survey.ask(conversation.channel, &conversation.thread, language))
            };
            let now = now_millis();
            match store
                .settle_quiet(now, quiet.as_millis() as u64, open_request, ask)
                .await
            {
                Ok((settled, keys)) => {
                    for conversation in &settled {
                        let (who, how) = match conversation.how {
                            "abandoned" => ("customer", "abandoned"),
                            _ => ("bot", "assumed"),
                        };
                        METRICS.outcomes.with_label_values(&[who, how]).inc();
                        tracing::info!(conversation = %conversation.id, outcome = conversation.how, "quiet conversation settled");
                    }
                    outbox.enqueue_all(keys);
                }
                Err(e) => tracing::warn!("cannot settle quiet conversations: {e}"),
            }
        }
    });
}
