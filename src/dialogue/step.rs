//! What the dialogue decided for one message: the kind of reply (one
//! template per kind in `prompts/`), the facts the reply may state, the
//! action taken and the shop records it changes.

use crate::shop::{ActionResult, Refusal};
use crate::store::TurnWrites;
use serde::Serialize;
use serde_json::{Map, Value};

/// The kinds of step, each with its template (`prompts/reply/NAME.LANG.j2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum StepKind {
    /// `reply/ask_address`.
    AskAddress,
    /// `reply/ask_change`.
    AskChange,
    /// `reply/ask_code`.
    AskCode,
    /// Ask for the zip of the account before a change, where no code can
    /// be mailed and the customer gave only a public fact (their email).
    AskZip,
    /// A message with media and no words: what kefu can do with it.
    Media,
    /// `reply/ask_identity`.
    AskIdentity,
    /// `reply/ask_order`.
    AskOrder,
    /// `reply/ask_payment`.
    AskPayment,
    /// `reply/ask_reason`.
    AskReason,
    /// `reply/ask_variant`.
    AskVariant,
    /// `reply/balance`: the customer's gift-card balance, from the data.
    Balance,
    /// `reply/clarify`.
    Clarify,
    /// `reply/refunds`: what the requests done in this conversation
    /// refund, each and in total, from their results.
    Refunds,
    /// `reply/code_expired`.
    CodeExpired,
    /// `reply/code_wrong`.
    CodeWrong,
    /// `reply/complaint`.
    Complaint,
    /// `reply/confirm`.
    Confirm,
    /// `reply/declined`.
    Declined,
    /// `reply/done`.
    Done,
    /// `reply/faq`.
    Faq,
    /// `reply/go_private`.
    GoPrivate,
    /// `reply/goodbye`.
    Goodbye,
    /// `reply/greeting`.
    Greeting,
    /// `reply/handoff`.
    Handoff,
    /// `reply/identity_failed`.
    IdentityFailed,
    /// `reply/off_topic`.
    OffTopic,
    /// `reply/order_status`.
    OrderStatus,
    /// `reply/partial_cancel`.
    PartialCancel,
    /// `reply/product`.
    Product,
    /// `reply/quote`: what a change would do, asked about and not proposed.
    Quote,
    /// `reply/product_unknown`.
    ProductUnknown,
    /// `reply/recommend`.
    Recommend,
    /// `reply/refused`.
    Refused,
    /// `reply/too_long`.
    TooLong,
    /// `reply/unresolved`: a request kefu asked about twice without
    /// getting what it needs; said so, then the next request.
    Unresolved,
    /// `reply/verified`.
    Verified,
}

impl StepKind {
    /// Every kind (the compiler lists them: a new kind cannot be missed).
    pub fn all() -> impl Iterator<Item = StepKind> {
        <StepKind as strum::IntoEnumIterator>::iter()
    }

    /// The template's name (`ask_order`), also the step's name in `--json`.
    pub fn template(self) -> &'static str {
        match self {
            StepKind::AskAddress => "ask_address",
            StepKind::AskChange => "ask_change",
            StepKind::AskCode => "ask_code",
            StepKind::AskZip => "ask_zip",
            StepKind::Media => "media",
            StepKind::AskIdentity => "ask_identity",
            StepKind::AskOrder => "ask_order",
            StepKind::AskPayment => "ask_payment",
            StepKind::AskReason => "ask_reason",
            StepKind::AskVariant => "ask_variant",
            StepKind::Balance => "balance",
            StepKind::Clarify => "clarify",
            StepKind::Refunds => "refunds",
            StepKind::CodeExpired => "code_expired",
            StepKind::CodeWrong => "code_wrong",
            StepKind::Complaint => "complaint",
            StepKind::Confirm => "confirm",
            StepKind::Declined => "declined",
            StepKind::Done => "done",
            StepKind::Faq => "faq",
            StepKind::GoPrivate => "go_private",
            StepKind::Goodbye => "goodbye",
            StepKind::Greeting => "greeting",
            StepKind::Handoff => "handoff",
            StepKind::IdentityFailed => "identity_failed",
            StepKind::OffTopic => "off_topic",
            StepKind::OrderStatus => "order_status",
            StepKind::PartialCancel => "partial_cancel",
            StepKind::Product => "product",
            StepKind::Quote => "quote",
            StepKind::ProductUnknown => "product_unknown",
            StepKind::Recommend => "recommend",
            StepKind::Refused => "refused",
            StepKind::TooLong => "too_long",
            StepKind::Unresolved => "unresolved",
            StepKind::Verified => "verified",
        }
    }
}

impl StepKind {
    /// Whether a reply of this kind may be posted where others read (a
    /// group, a guild channel, mail with others in copy): it shows nothing
    /// of anyone's account and asks for nothing personal.
    pub fn is_public(self) -> bool {
        matches!(
            self,
            StepKind::Clarify
                | StepKind::Media
                | StepKind::Complaint
                | StepKind::Faq
                | StepKind::GoPrivate
                | StepKind::Goodbye
                | StepKind::Greeting
                | StepKind::Handoff
                | StepKind::OffTopic
                | StepKind::Product
                | StepKind::ProductUnknown
                | StepKind::Recommend
                | StepKind::TooLong
        )
    }
}

/// One decided step.
#[derive(Debug, Clone)]
pub struct Step {
    /// What kind of reply, which names its template.
    pub kind: StepKind,
    /// Template context: the facts of this reply.
    pub facts: Map<String, Value>,
    /// Strings the reply must contain (order id, status) so that an LLM
    /// rewording cannot drop the point of the answer.
    pub must_mention: Vec<String>,
    /// The action executed or proposed, for `--json`.
    pub action: Option<ActionRecord>,
    /// Shop and customer records to commit with this turn.
    pub writes: TurnWrites,
    /// A mail to send besides the reply (a verification code).
    pub mail: Option<Mail>,
    /// The step that follows in the same reply (the next request after one
    /// is done, declined or refused).
    pub then: Option<Box<Step>>,
}

/// A mail kefu sends besides the reply, to an address from the shop's
/// records (never one the customer typed): a verification code.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The account's email.
    pub to: String,
    /// Its template; the first line renders the subject, the rest the body.
    pub template: &'static str,
    /// The template's context.
    pub facts: Value,
}

/// An action as `kefu chat --json` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct ActionRecord {
    /// `cancel`, `return`, …
    pub action: String,
    /// Where it stands.
    pub state: ActionState,
    /// The result, when done or proposed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<ActionResult>,
    /// Why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
}

/// Where an action stands after a turn; `--json` and the metrics show it
/// by its lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionState {
    /// Listed to the customer, awaiting an explicit yes.
    Proposed,
    /// Run: the shop's records changed.
    Done,
    /// The policy forbids it.
    Refused,
    /// The customer said no.
    Declined,
}

impl ActionState {
    /// Its name as `--json` shows it and the metrics label it.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionState::Proposed => "proposed",
            ActionState::Done => "done",
            ActionState::Refused => "refused",
            ActionState::Declined => "declined",
        }
    }
}

impl Step {
    /// A step of `kind` with no facts yet.
    pub fn new(kind: StepKind) -> Self {
        Step {
            kind,
            facts: Map::new(),
            must_mention: Vec::new(),
            action: None,
            writes: TurnWrites::default(),
            mail: None,
            then: None,
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Language;
    use crate::prompts::Prompts;
    use serde_json::json;

    /// Facts of every kind at once, as the flows fill them.
    fn facts() -> Map<String, Value> {
        let value = json!({
            "shop": "Kefu Demo Shop", "more": false, "task": "cancel_order", "name": "Li",
            "order_id": "#W3767039", "status": "pending", "items": ["T-Shirt (white, M)"],
            "tracking": ["357962501027"], "paid": 72.0, "total": 72.0,
            "orders": ["#W3767039 (pending): T-Shirt (white, M)"], "current": "412 Pine Street, Seattle, WA 98101, USA",
            "methods": ["PayPal"], "lines": ["T-Shirt (white, M) → (black, M)"],
            "action": {"kind": "cancel", "order_id": "#W3767039", "reason": "no longer needed"},
            "result": {"action": "cancel", "order_id": "#W3767039", "status": "cancelled",
                       "refund": 72.0, "payment_method": "PayPal"},
            "refusal": {"refusal": "wrong_status", "order_id": "#W3767039", "status": "processed",
                        "allowed": "pending"},
            "reason": "the customer asked for a person", "policy": null,
            "question": "How long does shipping take?", "answer": "3–5 business days in the US.",
            "faq_id": "faq-shipping-time",
            "product": {"name": "T-Shirt", "name_zh": "T恤", "brand": "Threadwell",
                        "price_range": [24.0, 32.5], "options": {"color": ["white", "black"]},
                        "available": [5, 6]},
            "similar": ["Hoodie"], "products": [{"name": "Hoodie", "price_range": [45.0, 52.0]}],
            "chars": 5000, "max": 4000,
            "email": "a•••@example.com", "minutes": 10, "left": 3, "again": false,
            "channel": "telegram",
            "request": "change the lamp to a brighter one", "need": "ask_variant",
            "balances": [45.5],
            "refunds": [{"order_id": "#W1", "amount": 12.5}, {"order_id": "#W2", "amount": 3.0}],
            "total": 15.5,
        });
        let mut facts = value.as_object().unwrap().clone();
        // (Beside the macro: its recursion limit.)
        facts.insert("items".into(), json!(["Desk Lamp"]));
        facts.insert("task".into(), json!("modify_order"));
        facts
    }

    #[test]
    fn every_step_renders_in_both_languages() {
        let prompts = Prompts::load(None).unwrap();
        for kind in StepKind::all() {
            for language in [Language::En, Language::Zh] {
                let name = format!("reply/{}", kind.template());
                let text = prompts
                    .render(&name, language, facts())
                    .unwrap_or_else(|e| panic!("{name} ({language:?}): {e}"));
                assert!(!text.trim().is_empty(), "{name} ({language:?}) is empty");
                assert!(!text.contains("{{"), "{name} ({language:?}): {text}");
                // The FAQ step is its entry's own words, in either language.
                if kind == StepKind::Faq {
                    continue;
                }
                let chinese = text.chars().any(crate::lang::is_cjk);
                assert_eq!(
                    chinese,
                    language == Language::Zh,
                    "{name} ({language:?}) in the wrong language: {text}"
                );
            }
        }
    }
}
