//! Which items of an order a request means, and the variants they become.

use super::means::{ask_payment, method_id};
use super::{item_line, Records, Resolved};
use crate::dialogue::request::{ItemMention, Request};
use crate::dialogue::step::{Step, StepKind};
use crate::dialogue::words::OneOf;
use crate::nlu::superlative::{LEAST, MOST};
use crate::shop::{Action, Order, OrderItem, Product};

/// Mentions of a product the order holds once are one item ("the mouse
/// … a white mouse … an optical mouse over a laser one"): their options
/// are put together, what is wanted later after what was wanted before.
pub(super) fn fold_mentions(request: &Request, order: &Order) -> Request {
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
                m.only_exact |= mention.only_exact;
                for k in &mention.keep {
                    if !m.keep.contains(k) {
                        m.keep.push(k.clone());
                    }
                }
                for t in &mention.fallback {
                    if !m.fallback.contains(t) {
                        m.fallback.push(t.clone());
                    }
                }
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
pub(super) fn has_items(order: &Order, mentions: &[ItemMention]) -> bool {
    mentions
        .iter()
        .all(|m| order.items.iter().any(|i| mention_fits(m, i, false)))
}

/// Whether an ordered item is the one a mention means; `strict` also
/// checks the options said of it as ordered.
pub(super) fn mention_fits(mention: &ItemMention, item: &OrderItem, strict: bool) -> bool {
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
pub(super) fn chosen_items(request: &Request, order: &Order) -> Vec<OrderItem> {
    let mut used = vec![false; order.items.len()];
    let mut chosen = Vec::new();
    for mention in &request.items {
        if let Some(one_of) = mention.one_of {
            if let Some(i) = one_of_them(mention, one_of, order, &used) {
                used[i] = true;
                chosen.push(order.items[i].clone());
                continue;
            }
        }
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
            // "both kettles": the other ones of that product too.
            if mention.every {
                for (j, item) in order.items.iter().enumerate() {
                    if !used[j] && mention_fits(mention, item, false) {
                        used[j] = true;
                        chosen.push(item.clone());
                    }
                }
            }
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

/// "the cheaper of the two kettles": among the order's items the mention
/// fits, the one at that end of price or size.
fn one_of_them(
    mention: &ItemMention,
    one_of: OneOf,
    order: &Order,
    used: &[bool],
) -> Option<usize> {
    let size = |item: &OrderItem| {
        item.options
            .values()
            .filter_map(|v| crate::dialogue::words::size_rank(v))
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
            .unwrap_or(0.0)
    };
    let key = |i: &usize| {
        let item = &order.items[*i];
        match one_of {
            OneOf::Cheaper | OneOf::Dearer => item.price,
            OneOf::Smaller | OneOf::Larger => size(item),
        }
    };
    let fits = (0..order.items.len())
        .filter(|i| !used[*i] && mention_fits(mention, &order.items[*i], false));
    match one_of {
        OneOf::Cheaper | OneOf::Smaller => fits.min_by(|a, b| key(a).total_cmp(&key(b))),
        OneOf::Dearer | OneOf::Larger => fits.max_by(|a, b| key(a).total_cmp(&key(b))),
    }
}

/// Items → other variants of their product, by the options named.
pub(super) fn swap(
    request: &Request,
    records: &Records,
    order: &Order,
    exchange: bool,
) -> Resolved {
    // Options wanted with no item named go to the item whose product has
    // them ("change it to bamboo" for the skateboard).
    let mut request = request.clone();
    if request.items.is_empty() && !request.wants.is_empty() {
        for item in &order.items {
            let Some(product) = records.products.get(&item.name) else {
                continue;
            };
            // Each want in the product's own spelling ("1L" said of a
            // kettle sold as "1 liter").
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
            // "switch the larger one to 1 liter" of a 1-liter and a
            // 2-liter kettle.)
            let has_them = fits
                .iter()
                .all(|(_, v)| item.options.values().any(|o| o.eq_ignore_ascii_case(v)));
            if !fits.is_empty() && !has_them {
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
        let mention = &super::quality::with_qualities(mention, &request.text, product, item);
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
        let cheapest = request.cheapest || mention.cheapest;
        let mut pick = best_variant(product, item, &mention.to, &mention.keep, cheapest);
        // The customer's second choice, where the first cannot be had, or
        // only by changing what they did not ask to change.
        if !mention.fallback.is_empty() {
            let second = with_second_choice(product, &mention.to, &mention.fallback);
            if let Some(alt) = best_variant(product, item, &second, &mention.keep, cheapest) {
                let rank = |(v, unmet): &(&crate::shop::Variant, Vec<String>)| {
                    let kept = item
                        .options
                        .iter()
                        .filter(|(k, x)| v.options.get(*k) == Some(x))
                        .count();
                    (unmet.len(), usize::MAX - kept)
                };
                if pick.as_ref().is_none_or(|p| rank(&alt) < rank(p)) {
                    pick = Some(alt);
                }
            }
        }
        // "if there is none, keep it as it is".
        if mention.only_exact && pick.as_ref().is_some_and(|(_, unmet)| !unmet.is_empty()) {
            continue;
        }
        if let Some((variant, unmet)) = pick {
            item_ids.push(item.item_id.clone());
            new_item_ids.push(variant.item_id.clone());
            let mut line = item_line(item, Some(&variant.options));
            if !unmet.is_empty() {
                line.push_str(&format!(" ({} is not available)", unmet.join(", ")));
            }
            // Said, never silent: an option the customer did not ask to
            // change that has to change to get what they asked for.
            let asked = |v: &str| {
                mention
                    .to
                    .iter()
                    .chain(&mention.fallback)
                    .any(|(_, x)| x.eq_ignore_ascii_case(v))
            };
            let moved: Vec<String> = item
                .options
                .iter()
                .filter_map(|(k, old)| {
                    let new = variant.options.get(k)?;
                    (!new.eq_ignore_ascii_case(old) && !asked(new))
                        .then(|| format!("{k} {old} → {new}"))
                })
                .collect();
            if !moved.is_empty() && mention.to.iter().all(|(_, v)| !is_relative(v)) {
                line.push_str(&format!(
                    " (also {}: none is available otherwise)",
                    moved.join(", ")
                ));
            }
            lines.push(line);
        }
    }
    if item_ids.is_empty() && !exchange && request.items.iter().any(|m| m.same) {
        return Resolved::Refuse(crate::shop::Refusal::NothingToChange);
    }
    // Wanted, but no variant has it together with what must stay: said,
    // not asked again.
    if item_ids.is_empty() && request.items.iter().any(|m| !m.to.is_empty()) {
        if let Some(item) = items.first() {
            return Resolved::Refuse(crate::shop::Refusal::NotAvailable {
                item_id: item.item_id.clone(),
            });
        }
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
pub(super) fn best_variant<'a>(
    product: &'a Product,
    item: &OrderItem,
    wants: &[(Option<String>, String)],
    keep: &[String],
    cheapest: bool,
) -> Option<(&'a crate::shop::Variant, Vec<String>)> {
    // Each want as (option name, value) of this product.
    let mut constraints: Vec<(String, String)> = Vec::new();
    for (key, value) in wants {
        if value == crate::dialogue::words::SIZE_UP || value == crate::dialogue::words::SIZE_DOWN {
            if let Some((key, next)) =
                next_size(product, item, value == crate::dialogue::words::SIZE_UP)
            {
                constraints.retain(|(k, _)| k != &key);
                constraints.push((key, next));
            }
            continue;
        }
        if value == MOST || value == LEAST {
            if let Some((key, end)) = extreme(product, item, key.as_deref(), value == MOST) {
                constraints.retain(|(k, _)| k != &key);
                constraints.push((key, end));
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
        // What the customer said stays, stays ("keeping the same colour").
        .filter(|v| {
            keep.iter()
                .filter(|k| !constraints.iter().any(|(ck, _)| ck == *k))
                .all(|k| v.options.get(k) == item.options.get(k))
        })
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

/// Whether two option values are the same, written either way ("1 liter",
/// "1L"; "50ft", "50 feet").
pub(super) fn same_value(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    a == b
        || crate::nlu::units::spellings(&a).contains(&b)
        || crate::nlu::units::spellings(&b).contains(&a)
}

/// A want that names no value but a direction ("one size up", "the
/// brightest"): the option it moves is not "asked" by its value.
pub(super) fn is_relative(value: &str) -> bool {
    [
        crate::dialogue::words::SIZE_UP,
        crate::dialogue::words::SIZE_DOWN,
        MOST,
        LEAST,
    ]
    .contains(&value)
}

/// The wants with each second choice in place of the first choice of its
/// option ("beige, else grey": grey for the colour, the rest as asked).
fn with_second_choice(
    product: &Product,
    first: &[(Option<String>, String)],
    second: &[(Option<String>, String)],
) -> Vec<(Option<String>, String)> {
    let keys_of = |value: &str| -> Vec<&String> {
        product
            .variants
            .values()
            .flat_map(|v| v.options.iter())
            .filter(|(_, x)| x.eq_ignore_ascii_case(value))
            .map(|(k, _)| k)
            .collect()
    };
    let replaced: Vec<&String> = second.iter().flat_map(|(_, v)| keys_of(v)).collect();
    let mut wants: Vec<_> = first
        .iter()
        .filter(|(_, v)| !keys_of(v).iter().any(|k| replaced.contains(k)))
        .cloned()
        .collect();
    wants.extend(second.iter().cloned());
    wants
}

/// The value at one end of an option ("the most storage", "the
/// shortest"): the option the customer named (a key that is or contains
/// the word), else the item's size; the end among the values of the
/// product's available variants.
fn extreme(
    product: &Product,
    item: &OrderItem,
    named: Option<&str>,
    most: bool,
) -> Option<(String, String)> {
    use crate::dialogue::words::size_rank;
    use crate::nlu::superlative::rank;
    let keys: Vec<&String> = item.options.keys().collect();
    let key = named
        .and_then(|n| {
            let n = n.trim_end_matches('s');
            keys.iter().find(|k| k.as_str() == n).or_else(|| {
                keys.iter()
                    .find(|k| k.contains(n) || n.contains(k.as_str()))
            })
        })
        .copied()
        .or_else(|| {
            SIZE_KEYS
                .iter()
                .find_map(|s| keys.iter().find(|k| k.as_str() == *s))
                .copied()
        })?;
    let values = product
        .variants
        .values()
        .filter(|v| v.available)
        .filter_map(|v| v.options.get(key))
        .filter_map(|v| rank(v, size_rank).map(|r| (r, v)));
    let end = if most {
        values.max_by(|a, b| a.0.total_cmp(&b.0))
    } else {
        values.min_by(|a, b| a.0.total_cmp(&b.0))
    }?;
    Some((key.clone(), end.1.clone()))
}

/// Options that are an item's size, most likely first.
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

/// The next size up (or down) of the item: of its option that is a size
/// (`size`, `height`, `capacity`, … first), the nearest value beyond the
/// current one that the product has.
pub(super) fn next_size(product: &Product, item: &OrderItem, up: bool) -> Option<(String, String)> {
    use crate::dialogue::words::size_rank;
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
