//! Everything one clause says besides its verb: orders, items, options,
//! payment, address, reason.

use super::{Details, ItemMention, Scope};
use crate::dialogue::words::{self, Clause};
use crate::nlu::order_ids;
use crate::nlu::parse_address;

/// "every pending order", "both of my orders", "all the delivered
/// orders": a quantifier, at most three describing words, then "order(s)".
fn every_order(lower: &str) -> bool {
    const BETWEEN: [&str; 9] = [
        "of",
        "my",
        "the",
        "pending",
        "delivered",
        "other",
        "open",
        "current",
        "processed",
    ];
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, w)| {
        ["every", "each", "both", "all"].contains(w)
            && words[i + 1..]
                .iter()
                .take(4)
                .take_while(|w| !w.starts_with("order"))
                .all(|w| BETWEEN.contains(w))
            && words[i + 1..]
                .iter()
                .take(4)
                .any(|w| *w == "order" || *w == "orders")
    })
}

/// Everything a clause says besides its verb.
pub(super) fn read_details(clause: &Clause, catalog: &words::Catalog) -> Details {
    let lower = clause.lower.as_str();
    let mut details = Details {
        text: lower.to_string(),
        order_ids: order_ids(&clause.original),
        ..Details::default()
    };
    let (items, loose_to, loose_from) = catalog.items_in(clause);
    details.items = items;
    details.loose_to = loose_to;
    details.loose_from = loose_from;
    read_item_scope(lower, catalog, &mut details);
    details.scope = order_scope(lower);
    // "every order that has not shipped, including the dumbbell set
    // order": the order named is one of them, not what picks them.
    if details.scope == Scope::All && has_word(lower, &["including", "包括"]) {
        details.items.clear();
    }
    details.payment = words::payment_in(lower);
    details.address =
        words::address_dict(&clause.original).or_else(|| parse_address(&clause.original));
    if details.address.is_none() {
        details.address_ref = words::address_ref(lower);
        details.address2 = words::unit_only(&clause.original);
    }
    details.reason = words::cancel_reason(lower).map(str::to_string);
    details.order_suffix = words::order_suffix(lower);
    details.order_by_items = order_by_items(lower, catalog);
    details.same = has_word(
        lower,
        &[
            "same one",
            "same kind",
            "same item",
            "same model",
            "identical",
            "a new one",
            "brand new one",
            "replacement",
            "同款",
            "一样的",
            "换个新的",
        ],
    );
    details.cheapest = has_word(
        lower,
        &[
            "cheapest",
            "cheaper",
            "lowest price",
            "least expensive",
            "最便宜",
            "便宜的",
        ],
    );
    details
}

/// Whether the clause has one of the phrases as whole words.
fn has_word(lower: &str, list: &[&str]) -> bool {
    list.iter().any(|w| words::contains_word(lower, w))
}

/// Which of an order's items the clause means as a whole: "all the items",
/// "everything except the kettle" (the excluded products are dropped from
/// the items acted on).
fn read_item_scope(lower: &str, catalog: &words::Catalog, details: &mut Details) {
    details.all_items = has_word(
        lower,
        &[
            "all the items",
            "all items",
            "all of the items",
            "everything",
            "all of them",
            "whole order",
            "entire order",
            "the items",
            "every item",
            "each item",
            "all of it",
            "全部",
            "所有商品",
        ],
    ) && !has_word(
        lower,
        &[
            // "return both coffee machines and keep everything else".
            "keep everything else",
            "keeping everything else",
            "everything else stays",
            "keep the rest",
        ],
    );
    let Some(pos) = ["except", "but not", "other than", "apart from", "除了"]
        .iter()
        .find_map(|w| lower.find(w))
    else {
        return;
    };
    // "except the kettle: the dumbbells for …": the list ends there.
    let scope = &lower[pos..];
    let scope = &scope[..scope.find([':', ';', '(']).unwrap_or(scope.len())];
    details.except = catalog.products_in(scope);
    // "except the one with the wristwatch", "except any order that
    // includes a perfume": orders left out, not an order to act on.
    let of_orders = ["order", "one with", "ones with", "订单"]
        .iter()
        .any(|w| scope.contains(w));
    details.all_items = true;
    let except = details.except.clone();
    let excepted = |i: &ItemMention| i.products.iter().any(|p| except.contains(p));
    // "except the smaller of the two helmets": that one helmet stays, the
    // other is acted on with the rest.
    details.except_one = details
        .items
        .iter()
        .filter(|i| excepted(i) && i.one_of.is_some() && !i.anchor)
        .cloned()
        .collect();
    details
        .items
        .retain(|i| !excepted(i) || i.anchor && !of_orders);
    let one_of = details.except_one.clone();
    details
        .except
        .retain(|p| !one_of.iter().any(|m| m.products.contains(p)));
}

/// Which of the customer's orders the clause means by scope: all of them,
/// the latest, or the ones it names otherwise.
fn order_scope(lower: &str) -> Scope {
    let all = [
        "all my",
        "all of my",
        "all the orders",
        "all orders",
        "every order",
        "each order",
        "所有订单",
        "全部订单",
    ];
    let latest = [
        "most recent",
        "most recently",
        "latest",
        "last order",
        "newest",
        "just placed",
        "最近",
        "最新",
    ];
    if every_order(lower) || has_word(lower, &all) {
        Scope::All
    } else if has_word(lower, &latest) {
        Scope::Latest
    } else {
        Scope::default()
    }
}

/// "my laptop order", "the tablet order", "the order with the kettle": the
/// order told by what it holds. Not "the t-shirt in order #W…" nor "the
/// laptop I ordered".
fn order_by_items(lower: &str, catalog: &words::Catalog) -> bool {
    let product_then_order = lower.match_indices(" order").any(|(at, m)| {
        let whole_word = !lower[at + m.len()..].starts_with(|c: char| c.is_alphabetic());
        let before: Vec<&str> = lower[..at].split_whitespace().rev().take(2).collect();
        let next_to = before.first().is_some_and(|w| {
            ![
                "in", "the", "my", "of", "from", "this", "that", "i", "a", "an", "your", "whole",
            ]
            .contains(w)
        });
        let before: Vec<&str> = before.into_iter().rev().collect();
        whole_word && next_to && !catalog.products_in(&before.join(" ")).is_empty()
    });
    product_then_order
        || has_word(
            lower,
            &[
                "order with",
                "order containing",
                "order that has",
                "order that contains",
                "order that had",
                "order for the",
                "order of the",
                "order which",
                "的订单",
                "那个订单",
                "那单",
            ],
        )
}
