//! What the dialogue decided for one message: the kind of reply (one
//! template per kind in `prompts/`), the facts the reply may state, the
//! action taken and the shop records it changes.

use crate::shop::{ActionResult, Refusal};
use crate::store::ShopWrite;
use serde::Serialize;
use serde_json::{Map, Value};

/// One decided step.
#[derive(Debug, Clone, Default)]
pub struct Step {
    /// Template name (`order_status`, `confirm`, `refused`, …); empty: stay
    /// silent (handed off).
    pub kind: &'static str,
    /// Template context: the facts of this reply.
    pub facts: Map<String, Value>,
    /// Strings the reply must contain (order id, status) so that an LLM
    /// rewording cannot drop the point of the answer.
    pub must_mention: Vec<String>,
    /// The action executed or proposed, for `--json`.
    pub action: Option<ActionRecord>,
    /// Shop records to commit with this turn.
    pub writes: Vec<ShopWrite>,
    /// The step that follows in the same reply (the next request after one
    /// is done, declined or refused).
    pub then: Option<Box<Step>>,
}

/// An action as `kefu chat --json` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct ActionRecord {
    /// `cancel`, `return`, …
    pub action: String,
    /// `proposed` (awaiting yes), `done`, `refused`, `declined`.
    pub state: &'static str,
    /// The result, when done or proposed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<ActionResult>,
    /// Why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
}

impl Step {
    /// A step of `kind` with no facts yet.
    pub fn new(kind: &'static str) -> Self {
        Step {
            kind,
            ..Step::default()
        }
    }

    /// Stay silent.
    pub fn silent() -> Self {
        Step::new("")
    }

    /// Add a fact.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        self.facts.insert(
            key.to_string(),
            serde_json::to_value(value).expect("facts serialize"),
        );
        self
    }

    /// Continue the reply with `next`, if any.
    pub fn followed_by(mut self, next: Option<Step>) -> Self {
        self.then = next.map(Box::new);
        self
    }

    /// This step and the ones that follow it, in order.
    pub fn chain(&self) -> impl Iterator<Item = &Step> {
        std::iter::successors(Some(self), |s| s.then.as_deref())
    }

    /// The action records of the whole chain.
    pub fn actions(&self) -> Vec<&ActionRecord> {
        self.chain().filter_map(|s| s.action.as_ref()).collect()
    }

    /// Require the reply to mention `text`.
    pub fn mention(mut self, text: impl Into<String>) -> Self {
        self.must_mention.push(text.into());
        self
    }
}
