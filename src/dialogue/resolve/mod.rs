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
mod quality;
mod which;

use items::{chosen_items, fold_mentions, has_items, swap};
use means::{address_for, ask_payment, method_id, payment_or_original};

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
        Pick::Many(orders) => {
            return Resolved::Split(
                orders
                    .iter()
                    .map(|o| Request {
                        order_ids: vec![o.order_id.clone()],
                        scope: Scope::One,
                        ..request.clone()
                    })
                    .collect(),
            )
        }
        Pick::NotYours(id) => return Resolved::NotYours(id),
        Pick::PerOrder(requests) => return Resolved::Split(requests),
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
    let request = &fold_mentions(&acted_on, &order);
    let pending = order.status == "pending";
    let delivered = order.status == "delivered";
    // A change of items means a modification while pending and an
    // exchange once delivered, whatever word the customer used.
    let whole =
        request.items.is_empty() || request.all_items || request.items.len() >= order.items.len();
    // Asked for the money back of an order not shipped yet ("I won't be
    // there to receive it, I want a full refund"): that is a cancellation.
    let refund_words = ["refund", "money back", "not receive", "退款", "退钱"]
        .iter()
        .any(|w| request.text.contains(w));
    let kind = match request.kind {
        // A refund of an order that has not shipped is its cancellation.
        RequestKind::Return if pending && whole && refund_words => RequestKind::Cancel,
        RequestKind::Exchange | RequestKind::ModifyItems if pending => RequestKind::ModifyItems,
        RequestKind::Exchange | RequestKind::ModifyItems => RequestKind::Exchange,
        other => other,
    };
    let order_id = order.order_id.clone();
    match kind {
        RequestKind::Status | RequestKind::Info => Resolved::Answer(status_step(&order)),
        RequestKind::Cancel => {
            if !pending {
                return Resolved::WrongStatus(order, "pending");
            }
            // "cancel the air purifier in it": an order is cancelled whole.
            let named = request.items.len();
            if named > 0
                && !request.all_items
                && !request.order_by_items
                && named < order.items.len()
            {
                return Resolved::PartialCancel(order);
            }
            match &request.reason {
                Some(reason) => Resolved::Propose(
                    Action::Cancel {
                        order_id,
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
        RequestKind::ModifyAddress => {
            if !pending {
                return Resolved::WrongStatus(order, "pending");
            }
            match address_for(request, records, Some(&order)) {
                Some(address) => {
                    Resolved::Propose(Action::ModifyAddress { order_id, address }, Vec::new())
                }
                None => Resolved::Ask(
                    Step::new(StepKind::AskAddress)
                        .with("order_id", &order.order_id)
                        .with("current", order.address.one_line())
                        .mention(&order.order_id),
                ),
            }
        }
        RequestKind::ModifyPayment => {
            if !pending {
                return Resolved::WrongStatus(order, "pending");
            }
            match request
                .payment
                .as_deref()
                .and_then(|p| method_id(p, records.user, &order))
            {
                Some(method) => Resolved::Propose(
                    Action::ModifyPayment {
                        order_id,
                        payment_method_id: method,
                    },
                    Vec::new(),
                ),
                None => Resolved::Ask(ask_payment(records.user, &order)),
            }
        }
        RequestKind::Return => {
            if !delivered {
                return Resolved::WrongStatus(order, "delivered");
            }
            // (Only asked what a return would give: the figures for the
            // original method, no question.)
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
                    order_id,
                    item_ids: items.iter().map(|i| i.item_id.clone()).collect(),
                    payment_method_id: method,
                },
                lines,
            )
        }
        RequestKind::Exchange | RequestKind::ModifyItems => {
            if order.status == "pending (item modified)" {
                return Resolved::Refuse(crate::shop::Refusal::ItemsAlreadyModified { order_id });
            }
            if !pending && !delivered {
                return Resolved::WrongStatus(
                    order,
                    if kind == RequestKind::Exchange {
                        "delivered"
                    } else {
                        "pending"
                    },
                );
            }
            swap(request, records, &order, kind == RequestKind::Exchange)
        }
        RequestKind::ChangeAddress => unreachable!("handled above"),
    }
}

enum Pick {
    One(Box<Order>),
    Many(Vec<Order>),
    NotYours(String),
    Ask(Vec<Order>),
    /// Items of one request in different orders ("the suitcases from one
    /// delivery and the backpack from my other"): one request per order.
    PerOrder(Vec<Request>),
}

/// Which order a request means.
fn pick_order<'a>(request: &Request, records: &'a Records) -> Pick {
    let mine = |id: &str| records.orders.iter().find(|o| o.order_id == id).cloned();
    if !request.order_ids.is_empty() {
        let mut found = Vec::new();
        for id in &request.order_ids {
            match mine(id) {
                Some(order) => found.push(order),
                None => return Pick::NotYours(id.clone()),
            }
        }
        if found.len() == 1 || !request.kind.on_items() {
            return if found.len() == 1 {
                Pick::One(Box::new(found.remove(0)))
            } else {
                Pick::Many(found)
            };
        }
        // Items named with several orders: the order that has them.
        let having: Vec<Order> = found
            .iter()
            .filter(|o| !request.items.is_empty() && has_items(o, &request.items))
            .cloned()
            .collect();
        return match having.len() {
            1 => Pick::One(Box::new(having.into_iter().next().expect("one"))),
            _ => Pick::Many(found),
        };
    }
    let fits_status = |o: &Order| match request.kind {
        RequestKind::Cancel | RequestKind::ModifyAddress | RequestKind::ModifyPayment => {
            o.status == "pending"
        }
        RequestKind::Return => o.status == "delivered",
        RequestKind::Exchange | RequestKind::ModifyItems => {
            o.status == "pending" || o.status == "delivered"
        }
        _ => true,
    };
    let mut matching: Vec<&Order> = records
        .orders
        .iter()
        .filter(|o| request.items.is_empty() || has_items(o, &request.items))
        .filter(|o| {
            request
                .order_suffix
                .as_ref()
                .is_none_or(|s| o.order_id.ends_with(s.as_str()))
        })
        .collect();
    // "change it to a bamboo deck": with no item named, the orders with a
    // product that comes that way.
    let offers_wants = |o: &&Order| {
        o.items.iter().any(|i| {
            records.products.get(&i.name).is_some_and(|p| {
                // (Not "one size up" or "the brightest": no value.)
                request
                    .wants
                    .iter()
                    .filter(|(_, w)| !items::is_relative(w))
                    .all(|(_, want)| {
                        p.variants
                            .values()
                            .any(|v| v.options.values().any(|x| items::same_value(x, want)))
                    })
            })
        })
    };
    let valued = request.wants.iter().any(|(_, w)| !items::is_relative(w));
    if request.items.is_empty() && valued && matching.iter().any(offers_wants) {
        matching.retain(offers_wants);
    }
    let fitting: Vec<&Order> = matching
        .iter()
        .copied()
        .filter(|o| fits_status(o))
        .collect();
    match request.scope {
        Scope::All if !fitting.is_empty() => {
            // "every pending order except the one with the perfume": a
            // whole-order request leaves out the orders holding it.
            let whole_orders = !request.kind.on_items();
            let all: Vec<Order> = fitting
                .into_iter()
                .filter(|o| {
                    !(whole_orders && o.items.iter().any(|i| request.except.contains(&i.name)))
                })
                .cloned()
                .collect();
            return if all.is_empty() {
                Pick::Ask(records.orders.to_vec())
            } else {
                Pick::Many(all)
            };
        }
        Scope::Latest => {
            if let Some(last) = fitting.last().or(matching.last()) {
                return Pick::One(Box::new((*last).clone()));
            }
        }
        _ => {}
    }
    if matching.is_empty() {
        if let Some(requests) = per_order(request, records, &fits_status) {
            return Pick::PerOrder(requests);
        }
    }
    if let Some(order) = which::the_one_going_to_the_city(request, &matching) {
        return Pick::One(Box::new(order.clone()));
    }
    // Several fit: the options said of the items ("the glass kettle"),
    // then the customer's description of the order (its state, where it
    // goes, its size) tell them apart.
    let strict = |o: &&Order| {
        request
            .items
            .iter()
            .all(|m| o.items.iter().any(|i| items::mention_fits(m, i, true)))
    };
    let narrow = |orders: Vec<&'a Order>| {
        let exact: Vec<&Order> = orders.iter().copied().filter(strict).collect();
        if exact.is_empty() {
            orders
        } else {
            exact
        }
    };
    let fitting = which::described(request, narrow(fitting));
    let matching = which::described(request, narrow(matching));
    match (fitting.len(), matching.len()) {
        (1, _) => Pick::One(Box::new(fitting[0].clone())),
        (0, 1) => Pick::One(Box::new(matching[0].clone())),
        (n, _) if n > 1 => Pick::Ask(fitting.into_iter().cloned().collect()),
        _ => Pick::Ask(records.orders.to_vec()),
    }
}

/// No one order holds every item named, but each item is in exactly one
/// order that can take the request: one request per order, each with its
/// own items.
fn per_order(
    request: &Request,
    records: &Records,
    fits_status: &dyn Fn(&Order) -> bool,
) -> Option<Vec<Request>> {
    let acted_on: Vec<_> = request.items.iter().filter(|m| !m.anchor).collect();
    if acted_on.len() < 2 || !request.kind.on_items() {
        return None;
    }
    let mut split: Vec<Request> = Vec::new();
    for mention in acted_on {
        let holding: Vec<&Order> = records
            .orders
            .iter()
            .filter(|o| fits_status(o) && has_items(o, std::slice::from_ref(mention)))
            .collect();
        let [order] = holding.as_slice() else {
            return None;
        };
        match split
            .iter_mut()
            .find(|r| r.order_ids == [order.order_id.clone()])
        {
            Some(r) => r.items.push(mention.clone()),
            None => split.push(Request {
                order_ids: vec![order.order_id.clone()],
                items: vec![mention.clone()],
                all_items: false,
                scope: Scope::One,
                ..request.clone()
            }),
        }
    }
    (split.len() > 1).then_some(split)
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
