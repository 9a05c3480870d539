//! From what the customer said to what the shop can do: a [`Request`]
//! resolved against the verified customer's own orders: which order (by
//! id, by the items in it, "all my pending orders", "the most recent"),
//! which items, which variant (the ordered item's options with only what
//! the customer named changed), which payment method and which address.
//! Pure: reads the records it is given, writes nothing.

use super::request::{Request, RequestKind, Scope};
use super::step::{Step, StepKind};
use crate::shop::{Action, Order, OrderItem, Product, User};
use std::collections::BTreeMap;

mod items;
mod means;
mod pick;
mod quality;
mod swap;
mod variant;
mod which;

use items::{chosen_items, fold_mentions};
use means::{address_for, ask_payment, method_id, payment_or_original};
use pick::{pick_order, Pick};
use swap::swap;

/// The customer's records a request is resolved against.
pub struct Records<'a> {
    /// The verified customer.
    pub user: &'a User,
    /// Their orders, oldest first.
    pub orders: &'a [Order],
    /// Every product, by name.
    pub products: &'a BTreeMap<String, Product>,
}

/// What a request comes to.
#[derive(Debug)]
pub enum Resolved {
    /// An action to propose, with a line per item changed for the customer
    /// to check ("Gaming Mouse (black, laser) → (white, optical)").
    Propose(Action, Vec<String>),
    /// A question for the customer (which order, which address, …).
    Ask(Step),
    /// An answer that needs no action (status, what was paid).
    Answer(Step),
    /// Several requests, one per order ("cancel all my pending orders").
    Split(Vec<Request>),
    /// The order named is not the customer's.
    NotYours(String),
    /// The order is in a state that does not allow the request.
    WrongStatus(Order, &'static str),
    /// A part of an order cannot be cancelled.
    PartialCancel(Order),
    /// The policy's answer without an action to plan (the item already is
    /// what the customer asks for).
    Refuse(crate::shop::Refusal),
}

/// Orders whose statuses answer "where is my order?" at once; with more,
/// kefu asks which.
const MAX_STATUS_ANSWERS: usize = 3;

/// `request` once for each of `orders`.
fn one_per_order(request: &Request, orders: &[Order]) -> Vec<Request> {
    orders
        .iter()
        .map(|o| Request {
            order_ids: vec![o.order_id.clone()],
            scope: Scope::One,
            ..request.clone()
        })
        .collect()
}

/// Resolve `request` for the customer in `records`.
pub fn resolve(request: &Request, records: &Records) -> Resolved {
    if request.kind == RequestKind::ChangeAddress {
        return match address_for(request, records, None) {
            Some(address) => Resolved::Propose(Action::ChangeAddress { address }, Vec::new()),
            None => Resolved::Ask(
                Step::new(StepKind::AskAddress).with("current", records.user.address.one_line()),
            ),
        };
    }
    let order = match pick_order(request, records) {
        Pick::One(order) => *order,
        Pick::Many(orders) => return Resolved::Split(one_per_order(request, &orders)),
        Pick::NotYours(id) => return Resolved::NotYours(id),
        Pick::PerOrder(requests) => return Resolved::Split(requests),
        // "Where is my order?" with a few orders: each one's status is
        // the answer, rather than a question which.
        Pick::Ask(candidates)
            if request.kind == RequestKind::Status && candidates.len() <= MAX_STATUS_ANSWERS =>
        {
            return Resolved::Split(one_per_order(request, &candidates))
        }
        Pick::Ask(candidates) => {
            return Resolved::Ask(
                Step::new(StepKind::AskOrder)
                    .with("orders", describe_orders(&candidates))
                    .with("task", request.kind.label()),
            )
        }
    };
    // The items that told which order it is are not acted on ("return
    // every item of the order that had my earbuds").
    let acted_on = Request {
        items: request
            .items
            .iter()
            .filter(|m| !m.anchor)
            .cloned()
            .collect(),
        ..request.clone()
    };
    // (The address of an order told by its items: "… to the address my
    // smart watch order went to" needs them.)
    let said = request;
    let request = &fold_mentions(&acted_on, &order);
    match kind_on(request, &order) {
        RequestKind::Status | RequestKind::Info => Resolved::Answer(status_step(&order)),
        RequestKind::Cancel => cancel(request, order),
        RequestKind::ModifyAddress => modify_address(said, records, order),
        RequestKind::ModifyPayment => modify_payment(request, records, order),
        RequestKind::Return => return_items(request, records, order),
        kind @ (RequestKind::Exchange | RequestKind::ModifyItems) => {
            change_items(request, records, order, kind == RequestKind::Exchange)
        }
        RequestKind::ChangeAddress => unreachable!("handled above"),
    }
}

/// What the request comes to on this order, whatever word the customer
/// used: a change of items is a modification while pending and an
/// exchange once delivered; the money back of a whole order not shipped
/// yet ("I won't be there to receive it, I want a full refund") is its
/// cancellation.
fn kind_on(request: &Request, order: &Order) -> RequestKind {
    let pending = order.status == "pending";
    let whole =
        request.items.is_empty() || request.all_items || request.items.len() >= order.items.len();
    let refund_words = ["refund", "money back", "not receive", "退款", "退钱"]
        .iter()
        .any(|w| request.text.contains(w));
    match request.kind {
        RequestKind::Return if pending && whole && refund_words => RequestKind::Cancel,
        RequestKind::Exchange | RequestKind::ModifyItems if pending => RequestKind::ModifyItems,
        RequestKind::Exchange | RequestKind::ModifyItems => RequestKind::Exchange,
        other => other,
    }
}

/// A pending order cancelled whole, for the reason the customer gave.
fn cancel(request: &Request, order: Order) -> Resolved {
    if order.status != "pending" {
        return Resolved::WrongStatus(order, "pending");
    }
    // "cancel the air purifier in it": an order is cancelled whole.
    let named = request.items.len();
    if named > 0 && !request.all_items && !request.order_by_items && named < order.items.len() {
        return Resolved::PartialCancel(order);
    }
    match &request.reason {
        Some(reason) => Resolved::Propose(
            Action::Cancel {
                order_id: order.order_id.clone(),
                reason: reason.clone(),
            },
            Vec::new(),
        ),
        None => Resolved::Ask(
            Step::new(StepKind::AskReason)
                .with("order_id", &order.order_id)
                .mention(&order.order_id),
        ),
    }
}

/// A pending order sent to another address.
fn modify_address(request: &Request, records: &Records, order: Order) -> Resolved {
    if order.status != "pending" {
        return Resolved::WrongStatus(order, "pending");
    }
    match address_for(request, records, Some(&order)) {
        Some(address) => Resolved::Propose(
            Action::ModifyAddress {
                order_id: order.order_id.clone(),
                address,
            },
            Vec::new(),
        ),
        None => Resolved::Ask(
            Step::new(StepKind::AskAddress)
                .with("order_id", &order.order_id)
                .with("current", order.address.one_line())
                .mention(&order.order_id),
        ),
    }
}

/// A pending order paid with another of the customer's methods.
fn modify_payment(request: &Request, records: &Records, order: Order) -> Resolved {
    if order.status != "pending" {
        return Resolved::WrongStatus(order, "pending");
    }
    match request
        .payment
        .as_deref()
        .and_then(|p| method_id(p, records.user, &order))
    {
        Some(method) => Resolved::Propose(
            Action::ModifyPayment {
                order_id: order.order_id.clone(),
                payment_method_id: method,
            },
            Vec::new(),
        ),
        None => Resolved::Ask(ask_payment(records.user, &order)),
    }
}

/// Items of a delivered order sent back, refunded to the method chosen.
fn return_items(request: &Request, records: &Records, order: Order) -> Resolved {
    if order.status != "delivered" {
        return Resolved::WrongStatus(order, "delivered");
    }
    // (Only asked what a return would give: the figures for the original
    // method, no question.)
    if request.payment.is_none() && !request.hypothetical {
        if let Some(step) = means::ask_refund_to(records.user, &order) {
            return Resolved::Ask(step);
        }
    }
    let items = chosen_items(request, &order);
    let method = payment_or_original(request, records.user, &order);
    let lines = items.iter().map(|i| item_line(i, None)).collect();
    Resolved::Propose(
        Action::Return {
            order_id: order.order_id.clone(),
            item_ids: items.iter().map(|i| i.item_id.clone()).collect(),
            payment_method_id: method,
        },
        lines,
    )
}

/// Items changed to other variants: modified while pending (once),
/// exchanged once delivered.
fn change_items(request: &Request, records: &Records, order: Order, exchange: bool) -> Resolved {
    if order.status == "pending (item modified)" {
        return Resolved::Refuse(crate::shop::Refusal::ItemsAlreadyModified {
            order_id: order.order_id.clone(),
        });
    }
    if order.status != "pending" && order.status != "delivered" {
        let wanted = if exchange { "delivered" } else { "pending" };
        return Resolved::WrongStatus(order, wanted);
    }
    let swapped = swap(request, records, &order, exchange);
    // Not to be had exactly: what the customer asked for instead, said as
    // the branch taken.
    let instead = match (&swapped, request.otherwise) {
        (Resolved::Refuse(crate::shop::Refusal::NotAvailable { .. }), Some(kind)) => kind,
        _ => return swapped,
    };
    let alternative = Request {
        kind: instead,
        otherwise: None,
        ..request.clone()
    };
    match kind_on(&alternative, &order) {
        RequestKind::Return => with_reason(return_items(&alternative, records, order)),
        RequestKind::Cancel => with_reason(cancel(&alternative, order)),
        _ => swapped,
    }
}

/// A proposal made in place of a change that cannot be had exactly says so.
fn with_reason(resolved: Resolved) -> Resolved {
    match resolved {
        Resolved::Propose(action, lines) => Resolved::Propose(
            action,
            lines
                .into_iter()
                .map(|l| format!("{l}, as you asked, since the change you wanted is not available"))
                .collect(),
        ),
        other => other,
    }
}

/// Orders as a customer recognises them: id, status and items.
pub fn describe_orders(orders: &[Order]) -> Vec<String> {
    orders
        .iter()
        .map(|o| {
            let items: Vec<String> = o.items.iter().map(|i| item_line(i, None)).collect();
            format!("{} ({}): {}", o.order_id, o.status, items.join(", "))
        })
        .collect()
}

/// "Desk Lamp (black, USB)" or, with new options, "Desk Lamp (black, USB)
/// → (white, USB)".
pub fn item_line(item: &OrderItem, new: Option<&BTreeMap<String, String>>) -> String {
    let now = options_text(&item.options);
    match new {
        Some(new) => format!("{} ({now}) → ({})", item.name, options_text(new)),
        None => format!("{} ({now})", item.name),
    }
}

fn options_text(options: &BTreeMap<String, String>) -> String {
    options.values().cloned().collect::<Vec<_>>().join(", ")
}

/// An order's status with its items, tracking and what was paid.
pub fn status_step(order: &Order) -> Step {
    let items: Vec<String> = order.items.iter().map(|i| item_line(i, None)).collect();
    let paid: f64 = order
        .payment_history
        .iter()
        .map(|p| {
            if p.transaction_type == "refund" {
                -p.amount
            } else {
                p.amount
            }
        })
        .sum();
    Step::new(StepKind::OrderStatus)
        .with("order_id", &order.order_id)
        .with("status", &order.status)
        .with("items", items)
        .with("tracking", order.tracking())
        .with("total", crate::shop::model::round_cents(order.total()))
        .with("paid", crate::shop::model::round_cents(paid))
        .mention(&order.order_id)
        .mention(order.status.as_str())
}

/// A variant in the resolvers' tests: (item id, options, available).
#[cfg(test)]
type TestVariant<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);

/// A product and the item of it a customer ordered, for the resolvers'
/// tests: all variants at `price`; the item ordered is the first.
#[cfg(test)]
pub(super) fn product_and_item(
    name: &str,
    price: f64,
    variants: &[TestVariant],
) -> (crate::shop::Product, crate::shop::OrderItem) {
    let ordered_id = variants.first().map(|v| v.0).unwrap_or_default();
    let variants: std::collections::BTreeMap<String, crate::shop::Variant> = variants
        .iter()
        .map(|(id, options, available)| {
            let variant = crate::shop::Variant {
                item_id: id.to_string(),
                options: options
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                available: *available,
                price,
            };
            (id.to_string(), variant)
        })
        .collect();
    let ordered = &variants[ordered_id];
    let item = crate::shop::OrderItem {
        name: name.into(),
        product_id: "1".into(),
        item_id: ordered.item_id.clone(),
        price,
        options: ordered.options.clone(),
    };
    let product = crate::shop::Product {
        name: name.into(),
        product_id: "1".into(),
        variants,
    };
    (product, item)
}
