//! Per-conversation dialogue state, kept in the conversation record (so it
//! is committed in the same transaction as the turn).

use crate::lang::Language;
use crate::nlu::PostalAddress;
use crate::shop::Action;
use serde::{Deserialize, Serialize};

/// What the bot remembers about one conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DialogueState {
    /// The verified customer's user id: the conversation belongs to them.
    pub customer: Option<String>,
    /// Failed verification attempts.
    pub verify_failures: u32,
    /// What the customer has told so far, in any order, over any turns.
    pub slots: Slots,
    /// An action listed to the customer and waiting for an explicit yes.
    pub pending: Option<Action>,
    /// Why the conversation was handed to a person (the bot stays silent).
    pub handoff: Option<String>,
    /// Negative messages in a row.
    pub negative_streak: u32,
    /// The customer's language, once a message of theirs was read.
    pub language: Option<Language>,
    /// Requests not yet done, in the order asked; the first is in progress.
    pub tasks: Vec<super::request::Request>,
    /// Requests over (done, declined, refused), by their words, so one said
    /// again is not taken for a new one.
    pub done: Vec<String>,
    /// The customer proved access to the account's mail with a code (or
    /// came from a sender linked by one): changes may go ahead.
    pub code_ok: bool,
    /// The customer gave a second fact that is not public beside their
    /// email or name — the account's zip, or one of its order numbers they
    /// typed — or came from a sender linked by two: where no code
    /// can be mailed, changes may go ahead (an email alone only reads).
    pub two_facts: bool,
    /// Money back from the requests done in this conversation, by order
    /// (refunds and negative price differences), for "how much do I get
    /// back in total?".
    pub refunds: Vec<Refunded>,
    /// Order numbers the customer typed (kefu shows an unproven customer
    /// only masked ones, so these are numbers they knew).
    pub typed_orders: Vec<String>,
    /// What the customer told of their purchases before kefu showed them
    /// any of their orders: a second fact for some changes.
    pub told: super::purchase::Told,
    /// Times the second fact was asked for: first an order number (a
    /// customer who has it at hand types it), then the zip.
    pub fact_asks: u32,
    /// A code was mailed and the next message may carry it.
    pub awaiting_code: bool,
    /// The last question asked about the request in progress and how many
    /// times in a row: a third time, the request is said to be unresolved
    /// and the next one follows (never the same question again and again).
    pub asked: Option<Asked>,
    /// The order the conversation is on: the last one proposed or changed.
    /// "This order", "the current order" with no number mean it.
    pub focus: Option<String>,
    /// The customer asked what all this refunds, together with the
    /// requests that do: the total follows the last of them.
    pub owes_refund_total: bool,
    /// The sender of the message being decided (`telegram:1001`), set by
    /// the pipeline for each message: failed attempts count against it.
    #[serde(skip)]
    pub identity: String,
    /// The message is a mail whose From its server did not vouch for (set
    /// by the pipeline for each message): whatever the conversation proved
    /// before, a change is confirmed only by a code mailed to the account.
    #[serde(skip)]
    pub unauthenticated: bool,
    /// What the message carries besides text, by kind (`photo`,
    /// `sticker`…; set by the pipeline for each message).
    #[serde(skip)]
    pub media: Vec<String>,
    /// Others read this thread (set by the pipeline for each message):
    /// account matters move to a private chat.
    #[serde(skip)]
    pub shared: bool,
}

/// Money back from one request done in the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refunded {
    /// The order.
    pub order_id: String,
    /// Dollars back to the customer.
    pub amount: f64,
}

impl DialogueState {
    /// Whether kefu is waiting for an answer (a request under way, a
    /// proposal, a code): the next message is read as one, by the rules,
    /// which know what was asked.
    pub fn answering(&self) -> bool {
        !self.tasks.is_empty() || self.pending.is_some() || self.awaiting_code
    }

    /// Whether the customer is known by a public fact only (their email):
    /// they may read their orders, but see order numbers masked, and what
    /// they are shown is no secret any more.
    pub fn proved_public_fact_only(&self) -> bool {
        self.customer.is_some() && !self.code_ok && !self.two_facts
    }

    /// The request in progress (an intent label): the head of the task list.
    pub fn task(&self) -> Option<&'static str> {
        self.tasks.first().map(|t| t.kind.label())
    }
}

/// A question kefu asked about the request in progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Asked {
    /// The question's template and the request's words.
    pub key: String,
    /// Times asked in a row.
    pub times: u32,
}

/// Details gathered for the request in progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Slots {
    /// `#W…`
    pub order_id: Option<String>,
    /// Claimed email (for verification).
    pub email: Option<String>,
    /// Further emails offered in the same breath ("I have two: a@… and
    /// b@…"), each tried in turn.
    pub more_emails: Vec<String>,
    /// Claimed full name.
    pub name: Option<String>,
    /// Claimed zip.
    pub zip: Option<String>,
    /// Cancellation reason (`no longer needed` / `ordered by mistake`).
    pub reason: Option<String>,
    /// Products mentioned.
    pub products: Vec<String>,
    /// Option values mentioned (newest last).
    pub options: Vec<String>,
    /// Payment method named (`gift card`, `paypal`, `credit card`).
    pub payment_method: Option<String>,
    /// A postal address given.
    pub address: Option<PostalAddress>,
    /// How an order's number ends, said with no request ("I know it ends
    /// in 66"): the order of the next request that names none.
    pub order_ending: Option<String>,
}

impl DialogueState {
    /// Read the state from a conversation's JSON (empty when new or unreadable).
    pub fn from_json(value: &serde_json::Value) -> Self {
        Self::deserialize(value).unwrap_or_default()
    }

    /// Only the customer's language from a conversation's JSON, without
    /// reading the rest (the survey and the after-hours notice need no
    /// more).
    pub fn language_in(value: &serde_json::Value) -> Option<Language> {
        Language::deserialize(value.get("language")?).ok()
    }

    /// As JSON for the conversation record.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("state serializes")
    }

    /// Forget the finished request's details; keep who the customer is and
    /// the order being discussed ("where is W…?" then "cancel it").
    pub fn finish_task(&mut self) {
        self.pending = None;
        self.tasks.clear();
        let slots = std::mem::take(&mut self.slots);
        self.slots = Slots {
            email: slots.email,
            name: slots.name,
            zip: slots.zip,
            order_id: slots.order_id,
            ..Slots::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record written before the language was a type and while the
    /// request in progress was kept beside the task list still loads.
    #[test]
    fn a_state_written_by_an_older_kefu_still_loads() {
        let old = serde_json::json!({
            "customer": "mei_kovacs_8020",
            "task": "cancel_order",
            "language": "zh",
            "verify_failures": 1,
        });
        let state = DialogueState::from_json(&old);
        assert_eq!(state.customer.as_deref(), Some("mei_kovacs_8020"));
        assert_eq!(state.language, Some(Language::Zh));
        assert_eq!(state.verify_failures, 1);
        assert_eq!(DialogueState::language_in(&old), Some(Language::Zh));
        assert_eq!(DialogueState::language_in(&serde_json::json!({})), None);
        // Written back, the language keeps its code.
        assert_eq!(state.to_json()["language"], "zh");
    }
}
