//! The conversation's task list: every request the customer made, worked
//! through in order. Each consequential one is proposed with its details
//! and runs only after an explicit yes; when one is done, declined or
//! refused, the next one follows in the same reply, so the customer never
//! has to repeat it.

use super::brain::Brain;
use super::proposal::refused_plain;
use super::request::{self, Request, RequestKind};
use super::resolve::{self, Records, Resolved};
use super::state::Asked;
use super::step::{Step, StepKind};
use super::words::Catalog;
use super::DialogueState;
use crate::shop::{Order, Refusal};
use crate::store::StoreError;
use std::collections::BTreeMap;

/// Most requests worked through in one reply (a split of "all my orders"
/// can be long; the rest follow after the customer's answer).
const MAX_STEPS: usize = 12;

/// Times one question about one request is asked before the request is
/// said to be unresolved.
const MAX_ASKS: u32 = 2;

impl Brain {
    /// The shop's products and option words, for reading requests.
    pub(super) fn catalog(&self) -> Result<Catalog, StoreError> {
        let products = self.shop.products()?;
        Ok(Catalog::new(
            &products,
            &self.knowledge.product_aliases(),
            self.knowledge.option_words(),
        ))
    }

    /// Put the requests of `text` on the task list; a message with none
    /// adds its details (an order id, an address, a payment method) to the
    /// request in progress. Returns whether the list has work and whether
    /// this message added to it (a request, or details of the one in
    /// progress).
    pub(super) fn take_requests(
        &self,
        state: &mut DialogueState,
        text: &str,
        intent_kind: Option<RequestKind>,
    ) -> Result<(bool, bool), StoreError> {
        let catalog = self.catalog()?;
        let found = request::parse(text, &catalog);
        // A message that only says again what was asked before adds
        // nothing, not even through its intent.
        let restated = !found.is_empty();
        let mut added = false;
        let before = state.tasks.len();
        for new in found {
            // "how much do I get back in total?" is answered from what the
            // conversation did (flows), not looked up on one order.
            if new.kind == RequestKind::Info && super::flows::asks_refund_total(&new.text) {
                continue;
            }
            // The customer may say a request again, alone or as part of
            // what they said first: a request whose words are within one
            // over or still queued is not a new one.
            let known = !new.text.is_empty()
                && (state
                    .tasks
                    .iter()
                    .any(|t| t.same_as(&new) || t.text.contains(&new.text))
                    || state.done.iter().any(|d| d.contains(&new.text)));
            if !known {
                state.tasks.push(new);
                added = true;
            }
        }
        plan_changes(&mut state.tasks[before..]);
        if let Some(first) = state.tasks.get_mut(before) {
            first.take_said_before(&mut state.slots);
        }
        if restated {
            // Said with requests: theirs, not a later one's.
            state.slots.order_ending = None;
            state.slots.reason = None;
        }
        if !added {
            let details = request::details_of(text, &catalog);
            match state.tasks.first_mut() {
                // An answer to the head's question ("my gift card"): the
                // request goes on, whatever else its words could mean.
                Some(head) if !details.is_empty() && !head.text.contains(&details.text) => {
                    head.absorb(&details);
                    added = true;
                }
                Some(_) => {}
                None if restated => {}
                None => {
                    if let Some(kind) = intent_kind {
                        let mut bare = Request::bare(kind);
                        bare.absorb(&details);
                        bare.take_said_before(&mut state.slots);
                        state.tasks.push(bare);
                        added = true;
                    }
                }
            }
        }
        Ok((!state.tasks.is_empty(), added))
    }

    /// Verify, then work on the task list until a question or a proposal.
    pub(super) fn task_flow(&self, state: &mut DialogueState) -> Result<Step, StoreError> {
        let label = state.tasks.first().map(|t| t.kind.label()).unwrap_or("");
        if let Some(step) = self.verify(state)? {
            return Ok(step.with("task", label));
        }
        Ok(self
            .next_task(state, 0)?
            .unwrap_or_else(|| Step::new(StepKind::Clarify)))
    }

    /// The next step of the task list, or `None` when it is empty.
    pub(super) fn next_task(
        &self,
        state: &mut DialogueState,
        depth: usize,
    ) -> Result<Option<Step>, StoreError> {
        if state.tasks.is_empty() || depth >= MAX_STEPS {
            return Ok(None);
        }
        let customer = state.customer.clone().unwrap_or_default();
        let Some(user) = self.shop.user(&customer)? else {
            return Ok(Some(Step::new(StepKind::IdentityFailed)));
        };
        let mut orders = self.shop.orders_of(&user)?;
        apply_focus(state, &mut orders);
        let products: BTreeMap<String, crate::shop::Product> = self
            .shop
            .products()?
            .into_iter()
            .map(|p| (p.name.clone(), p))
            .collect();
        let records = Records {
            user: &user,
            orders: &orders,
            products: &products,
        };
        self.merge_same_order(state, &records);
        let head = state.tasks[0].clone();
        let resolved = resolve::resolve(&head, &records);
        let step = match resolved {
            Resolved::Propose(action, lines) => {
                return Ok(Some(self.propose(state, &customer, action, lines)?))
            }
            Resolved::Ask(step) => return self.ask(state, &head, step, depth).map(Some),
            Resolved::Split(requests) => {
                state.tasks.splice(0..1, requests);
                return self.next_task(state, depth + 1);
            }
            Resolved::Answer(step) => step,
            Resolved::NotYours(order_id) => refused_plain(Refusal::NotYourOrder { order_id }),
            Resolved::Refuse(refusal) => refused_plain(refusal),
            Resolved::WrongStatus(order, allowed) => {
                self.refuse_status(state, head.kind, &order, allowed)
            }
            Resolved::PartialCancel(order) => Step::new(StepKind::PartialCancel)
                .with("order_id", &order.order_id)
                .with(
                    "items",
                    resolve::describe_orders(std::slice::from_ref(&order)),
                )
                .mention(&order.order_id),
        };
        // Answered or refused: this request is over; go on with the next.
        self.finish_head(state);
        let next = self.next_task(state, depth + 1)?;
        Ok(Some(step.followed_by(next)))
    }

    /// Requests on items of one order become one action (the policy allows
    /// one exchange or modification per order): later requests of the
    /// same kind on the head's order join it.
    fn merge_same_order(&self, state: &mut DialogueState, records: &Records) {
        let head = &state.tasks[0];
        if !head.kind.on_items() || state.tasks.len() < 2 {
            return;
        }
        let family = |k: RequestKind| match k {
            RequestKind::Return => 1,
            RequestKind::Exchange | RequestKind::ModifyItems => 2,
            _ => 0,
        };
        let head_family = family(head.kind);
        let head_order = match head.order_ids.as_slice() {
            [one] => Some(one.clone()),
            [] => records
                .orders
                .iter()
                .filter(|o| head.items.iter().all(|m| has_product(o, &m.products)))
                .map(|o| o.order_id.clone())
                .next()
                .filter(|_| !head.items.is_empty()),
            _ => None,
        };
        let Some(head_order) = head_order else {
            return;
        };
        let mut i = 1;
        while i < state.tasks.len() {
            let other = &state.tasks[i];
            let same_order = match other.order_ids.as_slice() {
                [one] => one == &head_order,
                [] => {
                    !other.items.is_empty()
                        && records.orders.iter().any(|o| {
                            o.order_id == head_order
                                && other.items.iter().all(|m| has_product(o, &m.products))
                        })
                }
                _ => false,
            };
            if family(other.kind) == head_family && same_order {
                let other = state.tasks.remove(i);
                let head = &mut state.tasks[0];
                head.order_ids = vec![head_order.clone()];
                for item in other.items {
                    head.add_item(item);
                }
                head.cheapest |= other.cheapest;
                if head.payment.is_none() {
                    head.payment = other.payment;
                }
                head.text.push(' ');
                head.text.push_str(&other.text);
            } else {
                i += 1;
            }
        }
    }

    /// Ask what the head request lacks, unless this very question went
    /// unanswered twice already: then the request is said to be unresolved,
    /// with what kefu needs, and the next request follows.
    fn ask(
        &self,
        state: &mut DialogueState,
        head: &Request,
        step: Step,
        depth: usize,
    ) -> Result<Step, StoreError> {
        let key = format!("{}|{}", step.kind.template(), head.text);
        let times = match &state.asked {
            Some(asked) if asked.key == key => asked.times + 1,
            _ => 1,
        };
        if times <= MAX_ASKS {
            state.asked = Some(Asked { key, times });
            return Ok(step
                .with("task", head.kind.label())
                .with("again", times > 1));
        }
        self.finish_head(state);
        // Named by what it is and what it is about, not by the customer's
        // words echoed back (which may hold their name and email).
        let mut items: Vec<&str> = Vec::new();
        for name in head.items.iter().flat_map(|m| m.products.first()) {
            if !items.contains(&name.as_str()) {
                items.push(name);
            }
        }
        let unresolved = Step::new(StepKind::Unresolved)
            .with("task", head.kind.label())
            .with("items", items)
            .with("order_id", head.order_ids.first())
            .with("need", step.kind.template());
        let next = self.next_task(state, depth + 1)?;
        Ok(unresolved.followed_by(next))
    }

    /// The head request is over (done, declined, refused or answered).
    pub(super) fn finish_head(&self, state: &mut DialogueState) {
        if !state.tasks.is_empty() {
            let head = state.tasks.remove(0);
            state.done.push(head.text);
        }
        state.asked = None;
        state.pending = None;
    }
}

fn has_product(order: &Order, products: &[String]) -> bool {
    order.items.iter().any(|i| products.contains(&i.name))
}

/// The order the conversation is on, for the head request: "my other
/// order" leaves it out of `orders`; "this order" with no number means it.
fn apply_focus(state: &mut DialogueState, orders: &mut Vec<Order>) {
    // "my other order", said after one was dealt with: not that one.
    // (Unless an address is taken from the orders: "… sent to that same
    // Chicago address" is found among all of them.)
    if let (Some(head), Some(focus)) = (state.tasks.first(), &state.focus) {
        let another = head.order_ids.is_empty()
            && head.address_ref.is_none()
            && super::words::names_another_order(&head.text);
        if another && orders.iter().any(|o| &o.order_id != focus) {
            orders.retain(|o| &o.order_id != focus);
        }
    }
    // "this order" with no number: the one the conversation is on, if
    // it holds what the request names ("the order that has the tea"
    // describes another one).
    let focus = state
        .focus
        .as_ref()
        .and_then(|id| orders.iter().find(|o| &o.order_id == id));
    if let (Some(head), Some(focus)) = (state.tasks.first_mut(), focus) {
        if head.this_order
            && head.order_ids.is_empty()
            && head.items.iter().all(|m| has_product(focus, &m.products))
        {
            head.order_ids.push(focus.order_id.clone());
        }
    }
}

/// A change of items locks a pending order: its address and payment are
/// changed first, whatever order the customer said them in. Only item
/// changes are jumped over: a cancellation said first may refund the gift
/// card that then pays. (Called on the requests just added: those already
/// on the list keep their place, the head may be waiting for an answer.)
fn plan_changes(new: &mut [Request]) {
    for i in 1..new.len() {
        let mut at = i;
        // (Only on the same order: "… and for another order, change the
        // payment" keeps its place.)
        while at > 0
            && matches!(
                new[at].kind,
                RequestKind::ModifyAddress | RequestKind::ModifyPayment
            )
            && !super::words::names_another_order(&new[at].text)
            && (new[at].order_ids.is_empty() || new[at].order_ids == new[at - 1].order_ids)
            && matches!(
                new[at - 1].kind,
                RequestKind::ModifyItems | RequestKind::Exchange
            )
        {
            new.swap(at, at - 1);
            at -= 1;
        }
    }
}
