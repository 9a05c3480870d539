//! What one clause asks for (its verb) and says (orders, items, options,
//! payment, address, reason).

use super::{Details, RequestKind, Scope};
use crate::dialogue::words::{self, Clause};
use crate::nlu::order_ids;
use crate::nlu::parse_address;

/// The request kind a clause's verb asks for, if it has one.
pub(super) fn kind_of(lower: &str, details: &Details) -> Option<RequestKind> {
    // Set phrases that use a request verb for something else.
    let lower = &lower
        .replace("changed my mind", "")
        .replace("change of mind", "")
        .replace("change my mind", "");
    let has = |list: &[&str]| list.iter().any(|w| words::has_stem(lower, w));
    // Questions about how things work are for the FAQ, not requests.
    if has(&[
        "policy",
        "how long",
        "how do",
        "how does",
        "what is your",
        "what's your",
        "政策",
        "多久",
        "怎么",
    ]) {
        return None;
    }
    // What the change is about.
    // A full address said is what the clause is about, whatever else it
    // says ("ship it to 7 Birch Ln, …, AZ 85283 instead").
    let about_address = has(&["address", "adress", "ship it to", "deliver it to", "地址"])
        || details.address.is_some()
        // "I want the suite changed to Suite 201".
        || details.address2.is_some();
    let about_payment = has(&[
        "payment",
        "pay with",
        "pay order",
        "pay the order",
        "pay my order",
        "pay it with",
        "pay for it",
        "pay for",
        "paid with",
        "pay using",
        "支付",
        "付款",
    ]) && !has(&["refund"]);
    let account = has(&[
        "default address",
        "user address",
        "my address",
        "account address",
        "address on file",
        "profile",
        "account",
        "默认地址",
        "账户",
        "账号",
    ]);
    // Questions, not requests to act.
    let question = has(&[
        "how much",
        "what is the total",
        "what was the total",
        "what did i pay",
        "多少钱",
        "how many",
    ]);
    // "any refund or charge from that should go through my PayPal": where
    // the money of the request before goes, not a request of its own.
    if details.payment.is_some()
        && details.items.is_empty()
        && details.order_ids.is_empty()
        && has(&[
            "any refund",
            "the refund",
            "the refunds",
            "all refunds",
            "all of the refunds",
            "all the refunds",
            "refunds should",
            "or charge",
            "from that",
            "any difference",
            "the difference",
            "差价",
        ])
        && !has(&[
            "return",
            "send back",
            "cancel",
            "exchange",
            "swap",
            "退货",
            "取消",
            "换货",
        ])
    {
        return None;
    }
    // "once that refund is back on my gift card", "the refund of the
    // difference": a refund that follows from another request, not one
    // asked for.
    let refund_of_another = has(&[
        "difference",
        // "… changed to a small, with any refund going to my card".
        "any refund",
        "once that",
        "once the",
        "after that",
        "that refund",
        "refund of the",
        "refunded to",
        "差价",
    ]);
    // "I want my other order paid with the gift card", "charged to my
    // Visa instead": a change of the order's payment.
    let charge_it = has(&[
        "paid with",
        "paid by",
        "charged to",
        "charge it to",
        "billed to",
    ]) && details.payment.is_some()
        && (!details.order_ids.is_empty() || has(&["order", "订单"]))
        && !has(&["i paid", "was paid", "i was charged", "difference"])
        && !question;
    if charge_it && !has(&["cancel", "return", "exchange", "取消", "退货"]) {
        return Some(RequestKind::ModifyPayment);
    }
    // "I won't be able to receive it": an order not yet delivered, not
    // wanted any more.
    let not_there = has(&[
        "won't be able to receive",
        "not be able to receive",
        "unable to receive",
        "can't receive",
        "won't be home to receive",
        "收不到",
    ]);
    if (has(&["cancel", "cancle", "取消", "撤销", "撤单"]) && !has(&["unsubscribe"])) || not_there
    {
        // "if you can't … cancel" still asks for it in the end.
        return Some(RequestKind::Cancel);
    }
    if has(&[
        "exchange", "exchnage", "exhange", "swap", "换货", "调换", "更换", "换成",
    ]) {
        return Some(RequestKind::Exchange);
    }
    if has(&[
        "return",
        "retrun",
        "send back",
        "send it back",
        "退货",
        "退回",
        "寄回",
        "退掉",
        "退了",
        "想退",
        "要退",
        "退钱",
    ]) || (has(&["refund", "退款", "money back"]) && !question && !refund_of_another)
    {
        return Some(RequestKind::Return);
    }
    let change = has(&[
        "modify",
        "upgrade",
        "downgrade",
        "change",
        "update",
        "switch",
        "replace",
        "instead",
        "correct",
        "修改",
        "改成",
        "改为",
        "改用",
        "改一下",
        "改地址",
        "换",
    ]);
    // The account's address, or where an order goes: "my default address
    // for future orders" is the account's, "ship my pending order to my
    // default address" the order's.
    let account_only = has(&[
        "future order",
        "以后的订单",
        "on file",
        "profile",
        "my account",
        "user address",
        "账户",
        "账号",
    ]);
    let an_order = !details.order_ids.is_empty()
        || has(&[
            "my order",
            "the order",
            "pending order",
            "this order",
            "that order",
            "ship",
            "send",
            "deliver",
            "订单",
            "寄",
            "送",
        ]);
    // "ship my pending order to my home address on file instead": the
    // account's address is where the order goes, not what changes.
    let sends_order_there = has(&["ship", "send", "deliver", "sent", "寄", "送"])
        && !has(&["future order", "以后的订单"]);
    let for_account = (account_only && !sends_order_there) || (account && !an_order);
    // "please ship order #W… to: 12 Oak St, …": a new address for it.
    if details.address.is_some() && !change && has(&["ship", "send", "deliver", "寄", "送"]) {
        return Some(if for_account {
            RequestKind::ChangeAddress
        } else {
            RequestKind::ModifyAddress
        });
    }
    let ship_to = has(&["ship", "send", "sent", "shipped", "deliver", "寄", "送"])
        && (lower.contains(" to ") || lower.contains('到'));
    if change || (about_address && an_order && ship_to) {
        if about_address && for_account {
            return Some(RequestKind::ChangeAddress);
        }
        if about_address {
            return Some(RequestKind::ModifyAddress);
        }
        // Options wanted for an item ("the hoodie one size down, the
        // difference on my card") change the item, whatever pays for it.
        let wanted = details.items.iter().any(|i| !i.to.is_empty() || i.same)
            || !details.loose_to.is_empty();
        let difference = has(&["difference", "差价"]);
        if about_payment && !(wanted || difference) {
            return Some(RequestKind::ModifyPayment);
        }
        if !details.items.is_empty() || !details.loose_to.is_empty() || has(&["item", "商品"]) {
            return Some(RequestKind::ModifyItems);
        }
        if !details.order_ids.is_empty() || has(&["order", "订单"]) {
            return Some(RequestKind::ModifyItems);
        }
    }
    // "pay for my tablet order with my gift card": a method named for an
    // order is a change of its payment (not "I paid with …", not the
    // difference of an exchange).
    let pays_an_order = has(&["pay for", "pay my", "pay the", "pay order", "pay it"])
        && (details.order_by_items || !details.order_ids.is_empty());
    if pays_an_order && details.payment.is_some() && !question && !has(&["paid", "difference"]) {
        return Some(RequestKind::ModifyPayment);
    }
    // "I'd like both purifiers in my order to have night mode": options
    // wanted for an item the customer has, with no verb, change it.
    let wish = has(&[
        "i'd like",
        "i would like",
        "i want",
        "i need",
        "i'd prefer",
        "i prefer",
        "should have",
        "想要",
        "希望",
    ]) && !has(&["know", "wonder", "whether", "吗"])
        && !lower.contains('?');
    if wish && !question && details.items.iter().any(|i| !i.to.is_empty()) {
        return Some(RequestKind::ModifyItems);
    }
    if question
        && (has(&["pay", "paid", "cost", "spend", "spent", "total", "付", "花"])
            || has(&["order", "订单"]))
    {
        return Some(RequestKind::Info);
    }
    if has(&[
        "where is",
        "where's",
        "status",
        "track",
        "物流",
        "到哪",
        "订单状态",
        "what happened to",
    ]) {
        return Some(RequestKind::Status);
    }
    None
}

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
    let has = |list: &[&str]| list.iter().any(|w| words::contains_word(lower, w));
    details.all_items = has(&[
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
    ]) && !has(&[
        // "return both coffee machines and keep everything else".
        "keep everything else",
        "keeping everything else",
        "everything else stays",
        "keep the rest",
    ]);
    if let Some(pos) = ["except", "but not", "other than", "apart from", "除了"]
        .iter()
        .find_map(|w| lower.find(w))
    {
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
        // The excluded products are not items to act on.
        let except = details.except.clone();
        details
            .items
            .retain(|i| !i.products.iter().any(|p| except.contains(p)) || i.anchor && !of_orders);
    }
    if every_order(lower)
        || has(&[
            "all my",
            "all of my",
            "all the orders",
            "all orders",
            "every order",
            "each order",
            "所有订单",
            "全部订单",
        ])
    {
        details.scope = Scope::All;
    } else if has(&[
        "most recent",
        "most recently",
        "latest",
        "last order",
        "newest",
        "just placed",
        "最近",
        "最新",
    ]) {
        details.scope = Scope::Latest;
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
    // "my laptop order", "the tablet order": the order that has it.
    // Not "the t-shirt in order #W…" nor "the laptop I ordered".
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
    details.order_by_items = product_then_order
        || has(&[
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
        ]);
    details.same = has(&[
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
    ]);
    details.cheapest = has(&[
        "cheapest",
        "cheaper",
        "lowest price",
        "least expensive",
        "最便宜",
        "便宜的",
    ]);
    details
}
