//! Which items of an order a request means.

use crate::dialogue::request::{ItemMention, Request};
use crate::dialogue::words::OneOf;
use crate::shop::{Order, OrderItem};

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
    // "except the smaller of the two helmets": that one is not chosen.
    for mention in &request.except_one {
        if let Some(i) = mention
            .one_of
            .and_then(|one_of| one_of_them(mention, one_of, order, &used))
        {
            used[i] = true;
        }
    }
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
            // "both kettles": the other ones of that product too (of
            // "the dark one of my two kits", only those that are so).
            if mention.every {
                let strict = !mention.from.is_empty();
                for (j, item) in order.items.iter().enumerate() {
                    if !used[j] && mention_fits(mention, item, strict) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> Order {
        let item = |id: &str, name: &str, size: &str, price: f64| {
            serde_json::json!({"name": name, "product_id": name, "item_id": id, "price": price,
                               "options": {"size": size, "color": "red"}})
        };
        serde_json::from_value(serde_json::json!({
            "order_id": "#W1", "user_id": "u", "status": "delivered",
            "address": {"address1": "1 A St", "address2": "", "city": "X", "state": "CA",
                        "country": "USA", "zip": "90001"},
            "items": [item("1", "Perfume", "50ml", 80.0), item("2", "Helmet", "M", 60.0),
                      item("3", "Helmet", "L", 65.0), item("4", "Pet Bed", "small", 40.0)],
        }))
        .unwrap()
    }

    fn ids(items: &[OrderItem]) -> Vec<&str> {
        items.iter().map(|i| i.item_id.as_str()).collect()
    }

    #[test]
    fn everything_but_a_product_and_the_smaller_of_two_of_another() {
        let mut request = Request::bare(crate::dialogue::request::RequestKind::Return);
        request.all_items = true;
        request.except = vec!["Perfume".into()];
        request.except_one = vec![ItemMention {
            products: vec!["Helmet".into()],
            one_of: Some(OneOf::Smaller),
            ..ItemMention::default()
        }];
        assert_eq!(ids(&chosen_items(&request, &order())), ["3", "4"]);
        request.except_one[0].one_of = Some(OneOf::Larger);
        assert_eq!(ids(&chosen_items(&request, &order())), ["2", "4"]);
        // Without the comparative, the product is left out whole.
        request.except_one.clear();
        request.except.push("Helmet".into());
        assert_eq!(ids(&chosen_items(&request, &order())), ["4"]);
    }
}
