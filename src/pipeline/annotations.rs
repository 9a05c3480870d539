//! What the pipeline decided for a reply, typed: the metrics read its
//! fields, and it becomes JSON only where it leaves kefu — the reply stored
//! in the outbox, and `kefu chat --json`.

use super::verdict::GuardVerdict;
use crate::dialogue::{ActionRecord, DialogueState, StepKind};
use crate::lang::Language;
use crate::llm::Completion;
use crate::nlu::Entities;
use kefu_channels::Inbound;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// What a reply carries besides its text. Every field is optional: a reply
/// shows only what its kind decided (the survey's thanks has no guard, a
/// code mail only its template). Serialized, the keys are those stored
/// replies always had.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Annotations {
    /// The conversation it answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
    /// The language it is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// What the message was read as (an intent label).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<&'static str>,
    /// The entities found in the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entities: Option<Entities>,
    /// The message's mood (a sentiment label).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<&'static str>,
    /// The step answered (its template's name, `too_long`, `csat`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<&'static str>,
    /// A message over the cap: its length in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub too_long: Option<usize>,
    /// A survey answer: its score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csat: Option<u8>,
    /// A mail besides the reply: its template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<&'static str>,
    /// The conversation's state after the turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<StateSummary>,
    /// The actions proposed, done, declined or refused this turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<ActionRecord>>,
    /// Whose words went out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guard: Option<GuardVerdict>,
    /// What the model was asked and gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llm: Option<ModelCall>,
}

impl Annotations {
    /// What every reply of the pipeline shows: the conversation of
    /// `inbound`, the reply's language and step, the state after it,
    /// whose words went out, and the actions (none until set).
    pub fn of_reply(
        inbound: &Inbound,
        language: Language,
        step: StepKind,
        state: &DialogueState,
        guard: GuardVerdict,
    ) -> Self {
        Self {
            conversation: Some(inbound.conversation_id()),
            language: Some(language),
            step: Some(step.template()),
            state: Some(StateSummary::of(state)),
            actions: Some(Vec::new()),
            guard: Some(guard),
            ..Self::default()
        }
    }

    /// As the JSON object stored with the reply and printed by `--json`.
    pub fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => unreachable!("annotations serialize to an object"),
        }
    }
}

/// The state as `--json` shows it: who is verified, what is in progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateSummary {
    /// A customer is verified.
    pub verified: bool,
    /// The request in progress (an intent label).
    pub task: Option<&'static str>,
    /// The action awaiting a yes (its label).
    pub awaiting_confirmation: Option<&'static str>,
    /// A person answers the conversation now.
    pub handed_off: bool,
}

impl StateSummary {
    /// The summary of `state`.
    pub fn of(state: &DialogueState) -> Self {
        Self {
            verified: state.customer.is_some(),
            task: state.task(),
            awaiting_confirmation: state.pending.as_ref().map(|a| a.label()),
            handed_off: state.handoff.is_some(),
        }
    }
}

/// The model's part in a reply: how much history its prompt carried, and
/// its draft with the tokens and time it took, or why there is none.
#[derive(Debug, Clone)]
pub struct ModelCall {
    /// Earlier turns the prompt carried.
    pub history_turns: usize,
    /// The engine's answer, or its error as a sentence.
    pub completion: Result<Completion, String>,
}

impl Serialize for ModelCall {
    /// `{history_turns, prompt_tokens, completion_tokens, prompt_secs,
    /// completion_secs, draft}`, or `{history_turns, error}`: the keys
    /// stored replies and `--json` always had.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("history_turns", &self.history_turns)?;
        match &self.completion {
            Ok(c) => {
                map.serialize_entry("prompt_tokens", &c.prompt_tokens)?;
                map.serialize_entry("completion_tokens", &c.completion_tokens)?;
                map.serialize_entry("prompt_secs", &c.prompt_secs)?;
                map.serialize_entry("completion_secs", &c.completion_secs)?;
                map.serialize_entry("draft", &c.text)?;
            }
            Err(error) => map.serialize_entry("error", error)?,
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::GuardReason;
    use serde_json::json;

    /// The typed annotations serialize to the JSON replies were stored
    /// with before they were typed, key for key, so stored replies,
    /// `--json` readers and scripts see no change.
    #[test]
    fn annotations_serialize_to_the_keys_replies_always_had() {
        let llm = ModelCall {
            history_turns: 2,
            completion: Ok(Completion {
                text: "Hi!".into(),
                prompt_tokens: 120,
                completion_tokens: 4,
                prompt_secs: 0.5,
                completion_secs: 0.25,
            }),
        };
        let annotations = Annotations {
            conversation: Some("console:1".into()),
            language: Some(Language::Zh),
            intent: Some("greeting"),
            entities: Some(Entities::default()),
            sentiment: Some("neutral"),
            step: Some("greeting"),
            state: Some(StateSummary::of(&DialogueState::default())),
            actions: Some(Vec::new()),
            guard: Some(GuardVerdict::Llm),
            llm: Some(llm),
            ..Annotations::default()
        };
        assert_eq!(
            serde_json::Value::Object(annotations.to_map()),
            json!({
                "conversation": "console:1", "language": "zh", "intent": "greeting",
                "entities": {}, "sentiment": "neutral", "step": "greeting",
                "state": {"verified": false, "task": null, "awaiting_confirmation": null,
                          "handed_off": false},
                "actions": [], "guard": {"source": "llm"},
                "llm": {"history_turns": 2, "prompt_tokens": 120, "completion_tokens": 4,
                        "prompt_secs": 0.5, "completion_secs": 0.25, "draft": "Hi!"},
            })
        );
        let fallback = Annotations {
            guard: Some(GuardVerdict::Fallback {
                reason: GuardReason::MessageTooLong,
            }),
            llm: Some(ModelCall {
                history_turns: 0,
                completion: Err("engine timed out".into()),
            }),
            ..Annotations::default()
        };
        assert_eq!(
            serde_json::Value::Object(fallback.to_map()),
            json!({
                "guard": {"source": "fallback", "reason": "message too long"},
                "llm": {"history_turns": 0, "error": "engine timed out"},
            })
        );
        assert!(Annotations::default().to_map().is_empty());
    }
}
