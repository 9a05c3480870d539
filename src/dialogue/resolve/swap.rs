//! Items → other variants of their product, by the options named: the
//! modification of a pending order's items and the exchange of delivered
//! ones.

use super::items::{chosen_items, mention_fits};
use super::means::{ask_payment, method_id};
use super::variant::{best_variant, is_relative, same_value, with_second_choice};
use super::{item_line, Records, Resolved};
use crate::dialogue::request::{ItemMention, Request};
use crate::dialogue::step::{Step, StepKind};
use crate::shop::{Action, Order, OrderItem, Product, Refusal, Variant};

/// One item's change: (old item id, new item id, the line that says it).
type Swapped = (String, String, String);

/// Items → other variants of their product, by the options named.
pub(super) fn swap(
    request: &Request,
    records: &Records,
    order: &Order,
    exchange: bool,
) -> Resolved {
    let request = &with_loose_wants(request, records, order);
    let items = chosen_items(request, order);
    let swapped: Vec<Swapped> = items
        .iter()
        .filter_map(|item| swap_item(request, records, item, exchange))
        .collect();
    if swapped.is_empty() {
        return nothing_swapped(request, order, &items, exchange);
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
    let mut item_ids = Vec::new();
    let mut new_item_ids = Vec::new();
    let mut lines = Vec::new();
    for (old, new, line) in swapped {
        item_ids.push(old);
        new_item_ids.push(new);
        lines.push(line);
    }
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

/// Options wanted with no item named go to the item whose product has
/// them ("change it to bamboo" for the skateboard).
fn with_loose_wants(request: &Request, records: &Records, order: &Order) -> Request {
    let mut request = request.clone();
    if !request.items.is_empty() || request.wants.is_empty() {
        return request;
    }
    if let Some(pair) = the_pair(&request, order) {
        request.items.push(pair);
        return request;
    }
    for item in &order.items {
        let Some(product) = records.products.get(&item.name) else {
            continue;
        };
        // Each want in the product's own spelling ("1L" said of a kettle
        // sold as "1 liter").
        let fits: Vec<_> = request
            .wants
            .iter()
            .filter_map(|(k, v)| {
                product
                    .variants
                    .values()
                    .flat_map(|x| x.options.values())
                    .find(|o| same_value(o, v))
                    .map(|o| (k.clone(), o.clone()))
            })
            .collect();
        // (An item that already is what is wanted is not the one meant:
        // "switch the larger one to 1 liter" of a 1-liter and a 2-liter
        // kettle.)
        let has_them = fits
            .iter()
            .all(|(_, v)| item.options.values().any(|o| o.eq_ignore_ascii_case(v)));
        if fits.is_empty() || has_them {
            continue;
        }
        let keys: Vec<String> = item.options.keys().map(|k| k.to_lowercase()).collect();
        request.items.push(ItemMention {
            products: vec![item.name.clone()],
            from: item.options.values().cloned().collect(),
            to: fits,
            // "… keeping its material and stovetop type".
            keep: crate::nlu::keep::kept_options(&request.text.to_lowercase(), &keys),
            ..ItemMention::default()
        });
    }
    request
}

/// "exchange both of them for the next size up", no product named, of an
/// order that holds one product twice (two identical shirts): those two,
/// with every option wanted.
fn the_pair(request: &Request, order: &Order) -> Option<ItemMention> {
    let lower = request.text.to_lowercase();
    if !crate::dialogue::words::means_every_one(&lower) {
        return None;
    }
    let mut held: Vec<(&str, usize)> = Vec::new();
    for item in &order.items {
        match held.iter_mut().find(|(name, _)| *name == item.name) {
            Some((_, n)) => *n += 1,
            None => held.push((&item.name, 1)),
        }
    }
    let several: Vec<&str> = held
        .iter()
        .filter(|(_, n)| *n > 1)
        .map(|(name, _)| *name)
        .collect();
    let [name] = several.as_slice() else {
        return None;
    };
    let item = order.items.iter().find(|i| i.name == *name)?;
    let keys: Vec<String> = item.options.keys().map(|k| k.to_lowercase()).collect();
    Some(ItemMention {
        products: vec![name.to_string()],
        every: true,
        to: request.wants.clone(),
        keep: crate::nlu::keep::kept_options(&lower, &keys),
        ..ItemMention::default()
    })
}

/// The variant one item of the order becomes, if the request says one.
fn swap_item(
    request: &Request,
    records: &Records,
    item: &OrderItem,
    exchange: bool,
) -> Option<Swapped> {
    let mention = request
        .items
        .iter()
        .find(|m| mention_fits(m, item, true))
        .or_else(|| request.items.iter().find(|m| mention_fits(m, item, false)))?;
    let product = records.products.get(&item.name)?;
    let mention = &super::quality::with_qualities(mention, &request.text, product, item);
    // A replacement of the same kind, when it can be had; in a pending
    // order the same item changes nothing and is left out.
    if mention.same && mention.to.is_empty() {
        let available = product
            .variants
            .get(&item.item_id)
            .is_some_and(|v| v.available);
        return (exchange && available).then(|| {
            let line = format!("{} (a new one of the same kind)", item_line(item, None));
            (item.item_id.clone(), item.item_id.clone(), line)
        });
    }
    let cheapest = request.cheapest || mention.cheapest;
    let (variant, unmet) = pick_variant(product, item, mention, cheapest)?;
    let moved = moved_options(item, variant, mention);
    // "if there is none, keep it as it is": exactly what was asked or
    // nothing, not the closest one.
    if mention.only_exact && (!unmet.is_empty() || moved.is_some()) {
        return None;
    }
    let mut line = item_line(item, Some(&variant.options));
    if !unmet.is_empty() {
        line.push_str(&format!(" ({} is not available)", unmet.join(", ")));
    }
    if let Some(moved) = moved {
        line.push_str(&format!(" (also {moved}: none is available otherwise)"));
    }
    Some((item.item_id.clone(), variant.item_id.clone(), line))
}

/// The variant for the first choice, or the customer's second choice
/// where the first cannot be had, or only by changing what they did not
/// ask to change. With the wanted values it lacks.
fn pick_variant<'a>(
    product: &'a Product,
    item: &OrderItem,
    mention: &ItemMention,
    cheapest: bool,
) -> Option<(&'a Variant, Vec<String>)> {
    let pick = best_variant(product, item, &mention.to, &mention.keep, cheapest);
    if mention.fallback.is_empty() {
        return pick;
    }
    let second = with_second_choice(product, &mention.to, &mention.fallback);
    let Some(alt) = best_variant(product, item, &second, &mention.keep, cheapest) else {
        return pick;
    };
    let rank = |(v, unmet): &(&Variant, Vec<String>)| {
        let kept = item
            .options
            .iter()
            .filter(|(k, x)| v.options.get(*k) == Some(x))
            .count();
        (unmet.len(), usize::MAX - kept)
    };
    match pick {
        Some(p) if rank(&p) <= rank(&alt) => Some(p),
        _ => Some(alt),
    }
}

/// Said, never silent: the options the customer did not ask to change
/// that have to change to get what they asked for ("colour black →
/// white"); not for a relative want ("one size up").
fn moved_options(item: &OrderItem, variant: &Variant, mention: &ItemMention) -> Option<String> {
    // (A quality asked by its name — "water-resistant", any rating — is
    // asked of its option.)
    let asked = |k: &str, v: &str| {
        mention.to.iter().chain(&mention.fallback).any(|(key, x)| {
            x.eq_ignore_ascii_case(v)
                || (x.starts_with(super::variant::ANY_BUT) && key.as_deref() == Some(k))
        })
    };
    let moved: Vec<String> = item
        .options
        .iter()
        .filter_map(|(k, old)| {
            let new = variant.options.get(k)?;
            (!new.eq_ignore_ascii_case(old) && !asked(k, new)).then(|| format!("{k} {old} → {new}"))
        })
        .collect();
    // (Nothing asked by value — "the cheapest one in the same size" —
    // every change is what was asked.)
    let absolute = !mention.to.is_empty() && mention.to.iter().all(|(_, v)| !is_relative(v));
    (!moved.is_empty() && absolute).then(|| moved.join(", "))
}

/// No item changes: the same item in a pending order changes nothing; a
/// wanted value no variant has (with what must stay) is said, not asked
/// again; otherwise kefu asks which option is wanted.
fn nothing_swapped(
    request: &Request,
    order: &Order,
    items: &[OrderItem],
    exchange: bool,
) -> Resolved {
    if !exchange && request.items.iter().any(|m| m.same) {
        return Resolved::Refuse(Refusal::NothingToChange);
    }
    if request.items.iter().any(|m| !m.to.is_empty()) {
        if let Some(item) = items.first() {
            return Resolved::Refuse(Refusal::NotAvailable {
                item_id: item.item_id.clone(),
            });
        }
    }
    Resolved::Ask(
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
    )
}
