//! Which of the customer's orders a request means: by id, by the items in
//! it, by its state, where it goes, "all my pending orders", "the most
//! recent" — or the candidates to ask about.

use super::items::{has_items, mention_fits};
use super::{variant, which, Records};
use crate::dialogue::request::{ItemMention, Request, RequestKind, Scope};
use crate::shop::Order;

/// The orders a request means.
pub(super) enum Pick {
    /// One order.
    One(Box<Order>),
    /// Several orders, the request on each.
    Many(Vec<Order>),
    /// The order id named is not the customer's.
    NotYours(String),
    /// Unclear: ask, offering these.
    Ask(Vec<Order>),
    /// Items of one request in different orders ("the suitcases from one
    /// delivery and the backpack from my other"): one request per order.
    PerOrder(Vec<Request>),
}

/// Which order a request means.
pub(super) fn pick_order(request: &Request, records: &Records) -> Pick {
    if !request.order_ids.is_empty() {
        return by_ids(request, records);
    }
    let fits_status = |o: &Order| fits_status(request.kind, o);
    let matching = candidates(request, records);
    let fitting: Vec<&Order> = matching
        .iter()
        .copied()
        .filter(|o| fits_status(o))
        .collect();
    if let Some(pick) = by_scope(request, records, &fitting, &matching) {
        return pick;
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
    let fitting = which::described(request, strictly_fitting(request, fitting));
    let matching = which::described(request, strictly_fitting(request, matching));
    match (fitting.len(), matching.len()) {
        (1, _) => Pick::One(Box::new(fitting[0].clone())),
        (0, 1) => Pick::One(Box::new(matching[0].clone())),
        (n, _) if n > 1 => Pick::Ask(fitting.into_iter().cloned().collect()),
        _ => Pick::Ask(records.orders.to_vec()),
    }
}

/// The orders named by id: each must be the customer's; of several, the
/// one holding the items named, else each.
fn by_ids(request: &Request, records: &Records) -> Pick {
    let mut found = Vec::new();
    for id in &request.order_ids {
        match records.orders.iter().find(|o| o.order_id == *id) {
            Some(order) => found.push(order.clone()),
            None => return Pick::NotYours(id.clone()),
        }
    }
    if found.len() == 1 {
        return Pick::One(Box::new(found.remove(0)));
    }
    if !request.kind.on_items() {
        return Pick::Many(found);
    }
    // Items named with several orders: the order that has them.
    let having: Vec<Order> = found
        .iter()
        .filter(|o| !request.items.is_empty() && has_items(o, &request.items))
        .cloned()
        .collect();
    match <[Order; 1]>::try_from(having) {
        Ok([one]) => Pick::One(Box::new(one)),
        Err(_) => Pick::Many(found),
    }
}

/// Whether an order's state allows the request.
fn fits_status(kind: RequestKind, o: &Order) -> bool {
    match kind {
        RequestKind::Cancel | RequestKind::ModifyAddress | RequestKind::ModifyPayment => {
            o.status == "pending"
        }
        RequestKind::Return => o.status == "delivered",
        RequestKind::Exchange | RequestKind::ModifyItems => {
            o.status == "pending" || o.status == "delivered"
        }
        _ => true,
    }
}

/// The orders holding the items named (and ending in the digits said);
/// with no item named but a value wanted ("change it to a bamboo deck"),
/// the orders with a product that comes that way.
fn candidates<'a>(request: &Request, records: &'a Records) -> Vec<&'a Order> {
    let items = telling_items(request, records);
    let ends_as_said = |o: &&Order| {
        request
            .order_suffix
            .as_ref()
            .is_none_or(|s| o.order_id.ends_with(s.as_str()))
    };
    let mut matching: Vec<&Order> = records
        .orders
        .iter()
        .filter(|o| items.is_empty() || has_items(o, &items))
        .filter(ends_as_said)
        .collect();
    // The number's ending is surer than the items' names: an order that
    // ends as said, though no order holds the items as named.
    if matching.is_empty() && request.order_suffix.is_some() {
        matching = records.orders.iter().filter(ends_as_said).collect();
    }
    // (Not "one size up" or "the brightest": no value.)
    let values: Vec<&String> = request
        .wants
        .iter()
        .map(|(_, w)| w)
        .filter(|w| !variant::is_relative(w))
        .collect();
    let offers_wants = |o: &&Order| {
        o.items.iter().any(|i| {
            records.products.get(&i.name).is_some_and(|p| {
                values.iter().all(|want| {
                    p.variants
                        .values()
                        .any(|v| v.options.values().any(|x| variant::same_value(x, want)))
                })
            })
        })
    };
    if request.items.is_empty() && !values.is_empty() && matching.iter().any(offers_wants) {
        matching.retain(offers_wants);
    }
    matching
}

/// The items that tell the order. An address taken from another order
/// ("ship my laptop order to the address my grill order went to") names
/// that order by its items too: of the orders named by an item, those
/// that cannot take the request are where the address comes from.
fn telling_items(request: &Request, records: &Records) -> Vec<ItemMention> {
    if request.address_ref.is_none() {
        return request.items.clone();
    }
    request
        .items
        .iter()
        .filter(|m| {
            !m.anchor
                || records
                    .orders
                    .iter()
                    .any(|o| fits_status(request.kind, o) && has_items(o, std::slice::from_ref(m)))
        })
        .cloned()
        .collect()
}

/// "all my pending orders" (except those holding what is left out), "my
/// most recent order".
fn by_scope(
    request: &Request,
    records: &Records,
    fitting: &[&Order],
    matching: &[&Order],
) -> Option<Pick> {
    match request.scope {
        Scope::All if !fitting.is_empty() => {
            // "every pending order except the one with the perfume": a
            // whole-order request leaves out the orders holding it.
            let whole_orders = !request.kind.on_items();
            let all: Vec<Order> = fitting
                .iter()
                .filter(|o| {
                    !(whole_orders && o.items.iter().any(|i| request.except.contains(&i.name)))
                })
                .map(|o| (*o).clone())
                .collect();
            Some(if all.is_empty() {
                Pick::Ask(records.orders.to_vec())
            } else {
                Pick::Many(all)
            })
        }
        Scope::Latest => fitting
            .last()
            .or(matching.last())
            .map(|last| Pick::One(Box::new((*last).clone()))),
        _ => None,
    }
}

/// Of `orders`, those whose items fit every mention with its options
/// ("the glass kettle"); all of them where none does.
fn strictly_fitting<'a>(request: &Request, orders: Vec<&'a Order>) -> Vec<&'a Order> {
    let strict = |o: &&Order| {
        request
            .items
            .iter()
            .all(|m| o.items.iter().any(|i| mention_fits(m, i, true)))
    };
    let exact: Vec<&Order> = orders.iter().copied().filter(strict).collect();
    if exact.is_empty() {
        orders
    } else {
        exact
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
