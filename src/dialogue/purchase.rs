//! A purchase told as the second fact. Where no code can be mailed, an
//! email alone only reads (anyone may know it); a customer who has neither
//! the zip nor an order number at hand can still say what they bought —
//! "the tea kettle I ordered", "the order ending in 66" — before kefu has
//! shown them any of their orders. That is known to the buyer, not read
//! off a reply, and it proves them for the changes that keep the money and
//! the goods with the account (cancel, return, exchange, items, payment
//! among the account's own methods) on the order told; never for an
//! address, which could send the goods elsewhere (`verify.purchase_proves`).

use super::brain::Brain;
use super::step::{Step, StepKind};
use super::DialogueState;
use crate::shop::Action;
use crate::store::{CustomerWrite, Customers, StoreError};
use crate::verify::failures;
use kefu_channels::now_millis;
use serde::{Deserialize, Serialize};

/// What the customer told of their purchases before kefu showed them any
/// of their orders.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Told {
    /// Each product mention, as the catalogue products it can name
    /// ("earphones": earbuds or headphones).
    pub products: Vec<Vec<String>>,
    /// Endings of an order number said ("ends in 66").
    pub order_endings: Vec<String>,
    /// Kefu has shown the customer something of their orders: what they
    /// say after it may be read off a reply and no longer counts.
    pub closed: bool,
    /// Orders the told purchase proved the customer for.
    pub proved: Vec<String>,
    /// A told purchase matched nothing of the account: a guess, counted
    /// once as a failed verification; nothing told counts any more.
    pub spent: bool,
    /// When the first of it was told (ms): an order shown to anyone
    /// unproven before then was not the customer's own knowledge.
    pub at: u64,
}

impl Told {
    /// Whether the told purchase proved the customer for `action`.
    pub fn proves(&self, action: &Action) -> bool {
        !changes_an_address(action)
            && action
                .order_id()
                .is_some_and(|id| self.proved.iter().any(|p| p == id))
    }
}

/// An address change (of an order or of the account) can send the goods
/// elsewhere: it needs a fact a purchase does not give.
fn changes_an_address(action: &Action) -> bool {
    matches!(
        action,
        Action::ModifyAddress { .. } | Action::ChangeAddress { .. }
    )
}

/// Steps that show nothing of the customer's orders: what is said after
/// them is still the customer's own knowledge.
const SHOWS_NOTHING: &[StepKind] = &[
    StepKind::AskIdentity,
    StepKind::AskZip,
    StepKind::AskCode,
    StepKind::IdentityFailed,
    StepKind::CodeExpired,
    StepKind::CodeWrong,
    StepKind::Clarify,
    StepKind::Complaint,
    StepKind::Faq,
    StepKind::GoPrivate,
    StepKind::Goodbye,
    StepKind::Greeting,
    StepKind::Handoff,
    StepKind::Media,
    StepKind::OffTopic,
    StepKind::Product,
    StepKind::ProductUnknown,
    StepKind::Recommend,
    StepKind::TooLong,
];

/// After a reply: once it shows an identified customer anything else (an
/// order list, a proposal, a status), nothing they say later is told.
pub(super) fn close_told(state: &mut DialogueState, step: &Step) {
    if state.customer.is_none() || state.told.closed {
        return;
    }
    let mut next = Some(step);
    while let Some(s) = next {
        if !SHOWS_NOTHING.contains(&s.kind) {
            state.told.closed = true;
            return;
        }
        next = s.then.as_deref();
    }
}

impl Brain {
    /// Note the products and order-number endings `text` names while the
    /// told facts are still open and may be needed (no code is mailed,
    /// the customer has not proved two facts).
    pub(super) fn hear_purchases(
        &self,
        state: &mut DialogueState,
        text: &str,
    ) -> Result<(), StoreError> {
        let told = &state.told;
        if !self.policy.purchase_proves
            || self.policy.code_for_changes
            || told.closed
            || told.spent
            || state.code_ok
            || state.two_facts
        {
            return Ok(());
        }
        let lower = super::words::normalize(text);
        let mentions = self.catalog()?.product_mentions(&lower);
        // (`remember` read this message's order ending just before.)
        let ending = state.slots.order_ending.clone();
        let told = &mut state.told;
        if told.at == 0 && (!mentions.is_empty() || ending.is_some()) {
            told.at = now_millis();
        }
        for names in mentions {
            if !told.products.contains(&names) {
                told.products.push(names);
            }
        }
        if let Some(ending) = ending {
            if !told.order_endings.contains(&ending) {
                told.order_endings.push(ending);
            }
        }
        Ok(())
    }

    /// Whether the told purchase proves the customer for `action`: every
    /// product told is one the account bought, and the order acted on
    /// holds one of them or ends in the digits told. A told purchase the
    /// account never made is a guess: counted once as a failed
    /// verification (the writes returned), and nothing told counts after.
    pub(super) fn prove_by_purchase(
        &self,
        state: &mut DialogueState,
        action: &Action,
    ) -> Result<(bool, Vec<CustomerWrite>), StoreError> {
        let told = &state.told;
        let nothing_told = told.products.is_empty() && told.order_endings.is_empty();
        let (Some(order_id), Some(customer)) = (action.order_id(), state.customer.clone()) else {
            return Ok((false, Vec::new()));
        };
        if nothing_told || told.spent || changes_an_address(action) {
            return Ok((false, Vec::new()));
        }
        let keys = [failures::customer_key(&customer)];
        let now = now_millis();
        if failures::count(&self.profiles, &keys, now) >= self.policy.max_failures_per_day as usize
        {
            // Someone has been guessing at this account today.
            return Ok((false, Vec::new()));
        }
        let orders = self.shop.orders_of_user(&customer)?;
        let bought = |names: &Vec<String>, order: &crate::shop::Order| {
            order.items.iter().any(|i| names.contains(&i.name))
        };
        // A customer may name what they own or want besides what they
        // bought (their phone, a gift): one such mention is allowed, more
        // reads as a list of guesses.
        let not_bought = told
            .products
            .iter()
            .filter(|names| !orders.iter().any(|o| bought(names, o)))
            .count();
        let endings_right = told
            .order_endings
            .iter()
            .all(|e| orders.iter().any(|o| o.order_id.ends_with(e.as_str())));
        let any_right = not_bought < told.products.len()
            || told
                .order_endings
                .iter()
                .any(|e| orders.iter().any(|o| o.order_id.ends_with(e.as_str())));
        // Shown to someone unproven before it was told (a reader who had
        // only the email, in this conversation or another): not a secret.
        let shown_before = self
            .profiles
            .read::<u64>(&shown_key(&customer, order_id))
            .is_some_and(|at| at < told.at);
        let order = orders
            .iter()
            .find(|o| o.order_id == order_id)
            .filter(|_| !shown_before);
        let told_this = order.is_some_and(|order| {
            told.products.iter().any(|names| bought(names, order))
                || told
                    .order_endings
                    .iter()
                    .any(|e| order.order_id.ends_with(e.as_str()))
        });
        if told_this && not_bought <= 1 && endings_right {
            state.told.proved.push(order_id.to_string());
            return Ok((true, Vec::new()));
        }
        if not_bought > 1 || !endings_right || !any_right {
            // Nothing told is right, or too much is wrong: spent, and a
            // told purchase with nothing right counts as a guess.
            state.told.spent = true;
            if !any_right {
                return Ok((false, failures::record(&self.profiles, &keys, now)));
            }
        }
        Ok((false, Vec::new()))
    }
}

/// Where the first time an order was shown to a reader who proved only a
/// public fact is kept.
fn shown_key(customer: &str, order_id: &str) -> String {
    format!("shown/{customer}/{order_id}")
}

/// The orders a reply shows a customer who proved only a public fact (an
/// email), marked with the time unless marked before: from then on what
/// they hold is known to whoever read it, and no purchase told later
/// proves anyone for them.
pub fn shown_writes(
    customers: &Customers,
    state: &DialogueState,
    text: &str,
) -> Vec<CustomerWrite> {
    let (Some(customer), true) = (state.customer.as_deref(), state.proved_public_fact_only())
    else {
        return Vec::new();
    };
    let now = now_millis();
    crate::nlu::order_ids(text)
        .into_iter()
        .map(|id| shown_key(customer, &id))
        .filter(|key| customers.read_raw(key).is_none())
        .map(|key| CustomerWrite {
            key,
            value: now.to_string().into_bytes(),
            // The first time stays: a turn racing another decides again.
            expected: Some(None),
        })
        .collect()
}
