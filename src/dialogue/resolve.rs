//! From what the customer said to what the shop can do: a [`Request`]
//! resolved against the verified customer's own orders: which order (by
//! id, by the items in it, "all my pending orders", "the most recent"),
//! which items, which variant (the ordered item's options with only what
//! the customer named changed), which payment method and which address.
//! Pure: reads the records it is given, writes nothing.

use super::request::{ItemMention, Request, RequestKind, Scope};
use super::step::{Step, StepKind};
use super::PostalAddress;
use crate::shop::{Action, Address, Order, OrderItem, Product, User};
use std::collections::BTreeMap;

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
        Pick::Ask(candidates) => {
            return Resolved::Ask(
                Step::new(StepKind::AskOrder)
                    .with("orders", describe_orders(&candidates))
                    .with("task", request.kind.label()),
            )
        }
    };
    let request = &fold_mentions(request, &order);
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
}

/// Which order a request means.
fn pick_order(request: &Request, records: &Records) -> Pick {
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
    let matching: Vec<&Order> = records
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
    let fitting: Vec<&Order> = matching
        .iter()
        .copied()
        .filter(|o| fits_status(o))
        .collect();
    match request.scope {
        Scope::All if !fitting.is_empty() => {
            return Pick::Many(fitting.into_iter().cloned().collect())
        }
        Scope::Latest => {
            if let Some(last) = fitting.last().or(matching.last()) {
                return Pick::One(Box::new((*last).clone()));
            }
        }
        _ => {}
    }
    match (fitting.len(), matching.len()) {
        (1, _) => Pick::One(Box::new(fitting[0].clone())),
        (0, 1) => Pick::One(Box::new(matching[0].clone())),
        (n, _) if n > 1 => Pick::Ask(fitting.into_iter().cloned().collect()),
        _ => Pick::Ask(records.orders.to_vec()),
    }
}

/// Mentions of a product the order holds once are one item ("the mouse
/// … a white mouse … an optical mouse over a laser one"): their options
/// are put together, what is wanted later after what was wanted before.
fn fold_mentions(request: &Request, order: &Order) -> Request {
    let mut folded: Vec<ItemMention> = Vec::new();
    for mention in &request.items {
        let held = order
            .items
            .iter()
            .filter(|i| mention.products.contains(&i.name))
            .count();
        let earlier = folded
            .iter_mut()
            .find(|m| held == 1 && m.products == mention.products);
        match earlier {
            Some(m) => {
                for f in &mention.from {
                    if !m.from.contains(f) {
                        m.from.push(f.clone());
                    }
                }
                for t in &mention.to {
                    m.to.retain(|x| x != t);
                    m.to.push(t.clone());
                }
                m.same |= mention.same;
            }
            None => folded.push(mention.clone()),
        }
    }
    Request {
        items: folded,
        ..request.clone()
    }
}

/// Whether an order has an item for each mention.
fn has_items(order: &Order, mentions: &[ItemMention]) -> bool {
    mentions
        .iter()
        .all(|m| order.items.iter().any(|i| mention_fits(m, i, false)))
}

/// Whether an ordered item is the one a mention means; `strict` also
/// checks the options said of it as ordered.
fn mention_fits(mention: &ItemMention, item: &OrderItem, strict: bool) -> bool {
    let product = mention.products.iter().any(|p| p == &item.name);
    product
        && (!strict
            || mention
                .from
                .iter()
                .all(|f| item.options.values().any(|v| v.eq_ignore_ascii_case(f))))
}

/// The order's items a request acts on: those named (told apart by their
/// options), else all of them but the excepted.
fn chosen_items(request: &Request, order: &Order) -> Vec<OrderItem> {
    let mut used = vec![false; order.items.len()];
    let mut chosen = Vec::new();
    for mention in &request.items {
        let pick = (0..order.items.len())
            .filter(|i| !used[*i])
            .find(|i| mention_fits(mention, &order.items[*i], true))
            .or_else(|| {
                (0..order.items.len())
                    .filter(|i| !used[*i])
                    .find(|i| mention_fits(mention, &order.items[*i], false))
            });
        if let Some(i) = pick {
            used[i] = true;
            chosen.push(order.items[i].clone());
        }
    }
    if chosen.is_empty() || request.all_items {
        for (i, item) in order.items.iter().enumerate() {
            if !used[i] && !request.except.contains(&item.name) {
                used[i] = true;
                chosen.push(item.clone());
            }
        }
    }
    chosen
}

/// Items → other variants of their product, by the options named.
fn swap(request: &Request, records: &Records, order: &Order, exchange: bool) -> Resolved {
    // Options wanted with no item named go to the item whose product has
    // them ("change it to bamboo" for the skateboard).
    let mut request = request.clone();
    if request.items.is_empty() && !request.wants.is_empty() {
        for item in &order.items {
            let Some(product) = records.products.get(&item.name) else {
                continue;
            };
            let fits: Vec<_> = request
                .wants
                .iter()
                .filter(|(_, v)| {
                    product
                        .variants
                        .values()
                        .any(|x| x.options.values().any(|o| o.eq_ignore_ascii_case(v)))
                })
                .cloned()
                .collect();
            if !fits.is_empty() {
                request.items.push(ItemMention {
                    products: vec![item.name.clone()],
                    from: item.options.values().cloned().collect(),
                    to: fits,
                    same: false,
                });
            }
        }
    }
    let request = &request;
    let items = chosen_items(request, order);
    let mut item_ids = Vec::new();
    let mut new_item_ids = Vec::new();
    let mut lines = Vec::new();
    for item in &items {
        let Some(mention) = request
            .items
            .iter()
            .find(|m| mention_fits(m, item, true))
            .or_else(|| request.items.iter().find(|m| mention_fits(m, item, false)))
        else {
            continue;
        };
        let Some(product) = records.products.get(&item.name) else {
            continue;
        };
        // A replacement of the same kind, when it can be had; in a pending
        // order the same item changes nothing and is left out.
        if mention.same && mention.to.is_empty() && !exchange {
            continue;
        }
        if mention.same && mention.to.is_empty() {
            if product
                .variants
                .get(&item.item_id)
                .is_some_and(|v| v.available)
            {
                item_ids.push(item.item_id.clone());
                new_item_ids.push(item.item_id.clone());
                lines.push(format!(
                    "{} (a new one of the same kind)",
                    item_line(item, None)
                ));
            }
            continue;
        }
        if let Some((variant, unmet)) = best_variant(product, item, &mention.to, request.cheapest) {
            item_ids.push(item.item_id.clone());
            new_item_ids.push(variant.item_id.clone());
            let mut line = item_line(item, Some(&variant.options));
            if !unmet.is_empty() {
                line.push_str(&format!(" ({} is not available)", unmet.join(", ")));
            }
            lines.push(line);
        }
    }
    if item_ids.is_empty() && !exchange && request.items.iter().any(|m| m.same) {
        return Resolved::Refuse(crate::shop::Refusal::NothingToChange);
    }
    if item_ids.is_empty() {
        return Resolved::Ask(
            Step::new(StepKind::AskVariant)
                .with("order_id", &order.order_id)
                .with(
                    "items",
                    order
                        .items
                        .iter()
                        .map(|i| item_line(i, None))
                        .collect::<Vec<_>>(),
                )
                .mention(&order.order_id),
        );
    }
    // The policy: the customer names the method that pays or receives
    // the price difference.
    let Some(method) = request
        .payment
        .as_deref()
        .and_then(|p| method_id(p, records.user, order))
    else {
        return Resolved::Ask(ask_payment(records.user, order));
    };
    let order_id = order.order_id.clone();
    let action = if exchange {
        Action::Exchange {
            order_id,
            item_ids,
            new_item_ids,
            payment_method_id: method,
        }
    } else {
        Action::ModifyItems {
            order_id,
            item_ids,
            new_item_ids,
            payment_method_id: method,
        }
    };
    Resolved::Propose(action, lines)
}

/// The variant the customer wants: it has every option they named (as
/// many as can be had: the closest available one otherwise, with the
/// options it lacks), keeps the rest of the ordered item's options, can be
/// ordered now, and is the cheapest when they said so.
fn best_variant<'a>(
    product: &'a Product,
    item: &OrderItem,
    wants: &[(Option<String>, String)],
    cheapest: bool,
) -> Option<(&'a crate::shop::Variant, Vec<String>)> {
    // Each want as (option name, value) of this product.
    let mut constraints: Vec<(String, String)> = Vec::new();
    for (key, value) in wants {
        if value == super::words::SIZE_UP || value == super::words::SIZE_DOWN {
            if let Some((key, next)) = next_size(product, item, value == super::words::SIZE_UP) {
                constraints.retain(|(k, _)| k != &key);
                constraints.push((key, next));
            }
            continue;
        }
        let key = key
            .clone()
            .filter(|k| {
                product.variants.values().any(|v| {
                    v.options
                        .get(k)
                        .is_some_and(|x| x.eq_ignore_ascii_case(value))
                })
            })
            .or_else(|| {
                let keys: Vec<&String> = product
                    .variants
                    .values()
                    .flat_map(|v| v.options.iter())
                    .filter(|(_, x)| x.eq_ignore_ascii_case(value))
                    .map(|(k, _)| k)
                    .collect();
                // Prefer an option whose current value differs: "white"
                // for a mouse in black is its colour.
                keys.iter()
                    .find(|k| {
                        item.options
                            .get(k.as_str())
                            .is_some_and(|cur| !cur.eq_ignore_ascii_case(value))
                    })
                    .or(keys.first())
                    .map(|k| k.to_string())
            });
        if let Some(key) = key {
            constraints.retain(|(k, _)| k != &key);
            constraints.push((key, value.clone()));
        }
    }
    if constraints.is_empty() {
        return None;
    }
    let score = |v: &crate::shop::Variant| {
        let met = constraints
            .iter()
            .filter(|(k, val)| {
                v.options
                    .get(k)
                    .is_some_and(|x| x.eq_ignore_ascii_case(val))
            })
            .count();
        let kept = v
            .options
            .iter()
            .filter(|(k, x)| {
                !constraints.iter().any(|(ck, _)| ck == *k) && item.options.get(*k) == Some(x)
            })
            .count();
        (met, kept)
    };
    let best = product
        .variants
        .values()
        .filter(|v| v.item_id != item.item_id && v.available)
        .filter(|v| score(v).0 > 0)
        .max_by(|a, b| {
            let (sa, sb) = (score(a), score(b));
            sa.0.cmp(&sb.0)
                .then(if cheapest {
                    b.price.total_cmp(&a.price)
                } else {
                    sa.1.cmp(&sb.1)
                })
                .then(sa.1.cmp(&sb.1))
                .then(b.item_id.cmp(&a.item_id))
        })?;
    let unmet = constraints
        .iter()
        .filter(|(k, v)| {
            !best
                .options
                .get(k)
                .is_some_and(|x| x.eq_ignore_ascii_case(v))
        })
        .map(|(_, v)| v.clone())
        .collect();
    Some((best, unmet))
}

/// The next size up (or down) of the item: of its option that is a size
/// (`size`, `height`, `capacity`, … first), the nearest value beyond the
/// current one that the product has.
fn next_size(product: &Product, item: &OrderItem, up: bool) -> Option<(String, String)> {
    use super::words::size_rank;
    const SIZE_KEYS: &[&str] = &[
        "size",
        "height",
        "length",
        "capacity",
        "diameter",
        "screen size",
        "frame size",
        "room size",
        "weight range",
        "piece count",
        "pieces",
        "kit size",
    ];
    let mut keys: Vec<&String> = item.options.keys().collect();
    keys.sort_by_key(|k| SIZE_KEYS.iter().position(|s| s == k).unwrap_or(usize::MAX));
    for key in keys {
        let Some(current) = item.options.get(key).and_then(|v| size_rank(v)) else {
            continue;
        };
        let beyond = product
            .variants
            .values()
            .filter_map(|v| v.options.get(key))
            .filter_map(|v| size_rank(v).map(|r| (r, v)))
            .filter(|(r, _)| if up { *r > current } else { *r < current })
            .min_by(|a, b| {
                let (da, db) = ((a.0 - current).abs(), (b.0 - current).abs());
                da.total_cmp(&db)
            });
        if let Some((_, value)) = beyond {
            return Some((key.clone(), value.clone()));
        }
    }
    None
}

/// The method a request names, else the order's original one.
fn payment_or_original(request: &Request, user: &User, order: &Order) -> String {
    request
        .payment
        .as_deref()
        .and_then(|p| method_id(p, user, order))
        .or_else(|| order.paid_with().map(str::to_string))
        .unwrap_or_default()
}

/// The customer's method for what they said: an id as it is, `original`,
/// a kind (`gift card`, `paypal`, `credit card`) or a card brand.
fn method_id(said: &str, user: &User, order: &Order) -> Option<String> {
    if said.contains('_') {
        return Some(said.to_string());
    }
    if said == "original" {
        return order.paid_with().map(str::to_string);
    }
    if let Some(last_four) = said.strip_prefix("card ending ") {
        return user
            .payment_methods
            .values()
            .find(|m| m.last_four.as_deref() == Some(last_four))
            .map(|m| m.id.clone());
    }
    let methods: Vec<_> = user
        .payment_methods
        .values()
        .filter(|m| {
            let source = m.source.as_str();
            match said {
                "gift card" => source == "gift_card",
                "paypal" => source == "paypal",
                "credit card" => source == "credit_card",
                brand => {
                    source == "credit_card"
                        && m.brand
                            .as_deref()
                            .is_some_and(|b| b.eq_ignore_ascii_case(brand))
                }
            }
        })
        .collect();
    // Two cards of one kind: the one not paying this order yet.
    match methods.len() {
        1 => Some(methods[0].id.clone()),
        0 => None,
        _ => methods
            .iter()
            .find(|m| Some(m.id.as_str()) != order.paid_with())
            .map(|m| m.id.clone()),
    }
}

/// The address a request means: given in full, only a new suite, the
/// account's default, or that of another of the customer's orders.
fn address_for(request: &Request, records: &Records, order: Option<&Order>) -> Option<Address> {
    if let Some(a) = &request.address {
        return Some(to_address(a));
    }
    let said = request.address_ref.as_deref().unwrap_or_default();
    if [
        "default",
        "on file",
        "my account",
        "profile",
        "home address",
        "默认",
    ]
    .iter()
    .any(|w| said.contains(w))
    {
        return Some(records.user.address.clone());
    }
    if let Some(unit) = &request.address2 {
        let mut base = order
            .map(|o| o.address.clone())
            .unwrap_or_else(|| records.user.address.clone());
        base.address2 = unit.clone();
        return Some(base);
    }
    if said.is_empty() {
        return None;
    }
    // "the Washington DC address": another order's, by city or state.
    let mut found: Vec<Address> = Vec::new();
    for o in records.orders {
        let a = &o.address;
        let city = a.city.to_lowercase();
        let named = super::words::contains_word(said, &city)
            || super::words::contains_word(said, &a.state.to_lowercase())
            || state_name(&a.state).is_some_and(|n| said.contains(n));
        if named && order.is_none_or(|cur| cur.address != *a) && !found.contains(a) {
            found.push(a.clone());
        }
    }
    (found.len() == 1).then(|| found.remove(0))
}

fn state_name(code: &str) -> Option<&'static str> {
    const NAMES: &[(&str, &str)] = &[
        ("DC", "washington dc"),
        ("NY", "new york"),
        ("CA", "california"),
        ("TX", "texas"),
        ("WA", "washington"),
        ("FL", "florida"),
        ("IL", "illinois"),
        ("PA", "pennsylvania"),
        ("OH", "ohio"),
        ("GA", "georgia"),
        ("NC", "north carolina"),
        ("MA", "massachusetts"),
        ("AZ", "arizona"),
        ("CO", "colorado"),
    ];
    NAMES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

fn to_address(a: &PostalAddress) -> Address {
    Address {
        address1: a.address1.clone(),
        address2: a.address2.clone(),
        city: a.city.clone(),
        country: a.country.clone(),
        state: a.state.clone(),
        zip: a.zip.clone(),
    }
}

/// "Which payment method?" with the customer's methods by name.
fn ask_payment(user: &User, order: &Order) -> Step {
    Step::new(StepKind::AskPayment)
        .with("order_id", &order.order_id)
        .with(
            "methods",
            user.payment_methods
                .values()
                .map(|m| m.label())
                .collect::<Vec<_>>(),
        )
        .mention(&order.order_id)
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
