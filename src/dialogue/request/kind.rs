//! The request kind a clause's verb asks for: cancel, exchange, return, a
//! change of items, address or payment, an account question, a status
//! question — or none (a question about how the shop works, the details of
//! the request before).
//!
//! The steps run in the order of precedence: a clause that says "cancel" is
//! a cancellation even where it also names a payment method.

use super::{Details, RequestKind};
use crate::dialogue::words;

/// Questions about how things work: for the FAQ, not requests.
const HOW_IT_WORKS: &[&str] = &[
    "policy",
    "how long",
    "how do",
    "how does",
    "what is your",
    "what's your",
    "政策",
    "多久",
    "怎么",
];
const ABOUT_ADDRESS: &[&str] = &["address", "adress", "ship it to", "deliver it to", "地址"];
const ABOUT_PAYMENT: &[&str] = &[
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
];
const ACCOUNT: &[&str] = &[
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
];
/// Questions about figures, not requests to act.
const FIGURE_QUESTION: &[&str] = &[
    "how much",
    "what is the total",
    "what was the total",
    "what did i pay",
    "多少钱",
    "how many",
];
/// Where the money of the request before goes.
const MONEY_OF_THE_REQUEST_BEFORE: &[&str] = &[
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
];
const UNDO_VERBS: &[&str] = &[
    "return",
    "send back",
    "cancel",
    "exchange",
    "swap",
    "退货",
    "取消",
    "换货",
];
/// A refund that follows from another request, not one asked for.
const REFUND_OF_ANOTHER: &[&str] = &[
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
];
const CHARGED_TO: &[&str] = &[
    "paid with",
    "paid by",
    "charged to",
    "charge it to",
    "billed to",
];
/// "I won't be able to receive it": an order not yet delivered, not wanted.
const CANNOT_RECEIVE: &[&str] = &[
    "won't be able to receive",
    "not be able to receive",
    "unable to receive",
    "can't receive",
    "won't be home to receive",
    "收不到",
];
const CANCEL: &[&str] = &["cancel", "cancle", "取消", "撤销", "撤单"];
const EXCHANGE: &[&str] = &[
    "exchange", "exchnage", "exhange", "swap", "换货", "调换", "更换", "换成",
];
const RETURN: &[&str] = &[
    "return",
    "retrun",
    "send back",
    "send it back",
    "send them back",
    "退货",
    "退回",
    "寄回",
    "退掉",
    "退了",
    "想退",
    "要退",
    "退钱",
];
const CHANGE: &[&str] = &[
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
];
/// Words that make an address the account's: "my default address for
/// future orders".
const ACCOUNT_ONLY: &[&str] = &[
    "future order",
    "以后的订单",
    "on file",
    "profile",
    "my account",
    "user address",
    "账户",
    "账号",
];
const AN_ORDER: &[&str] = &[
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
];
/// "…saved as the default address on my account", "make it my default":
/// the account's address becomes one, whatever order it was shipped to.
const AS_DEFAULT: &[&str] = &[
    "as the default",
    "as my default",
    "as default",
    "my new default",
    "设为默认",
    "作为默认",
    "改成默认",
];
const SEND: &[&str] = &["ship", "send", "deliver", "寄", "送"];
const SEND_ANY_TENSE: &[&str] = &["ship", "send", "sent", "shipped", "deliver", "寄", "送"];
const FOR_FUTURE_ORDERS: &[&str] = &["future order", "以后的订单"];
const WISH: &[&str] = &[
    "i'd like",
    "i would like",
    "i want",
    "i need",
    "i'd prefer",
    "i prefer",
    "should have",
    "想要",
    "希望",
];
const STATUS: &[&str] = &[
    "where is",
    "where's",
    "status",
    "track",
    "物流",
    "到哪",
    "订单状态",
    "what happened to",
];

/// One clause as the steps below read it.
struct Said<'a> {
    lower: &'a str,
    details: &'a Details,
    /// "how much …", "what did I pay …": a question about a figure.
    question: bool,
}

impl Said<'_> {
    /// Whether the clause has one of the words (by stem).
    fn has(&self, list: &[&str]) -> bool {
        list.iter().any(|w| words::has_stem(self.lower, w))
    }

    /// Whether the clause names an order: by id or in words.
    fn names_order(&self) -> bool {
        !self.details.order_ids.is_empty() || self.has(&["order", "订单"])
    }
}

/// The request kind a clause's verb asks for, if it has one.
pub(super) fn kind_of(lower: &str, details: &Details) -> Option<RequestKind> {
    // Set phrases that use a request verb for something else.
    let lower = &lower
        .replace("changed my mind", "")
        .replace("change of mind", "")
        .replace("change my mind", "")
        // An adjective, not a request: "my noise-cancelling headphones".
        .replace("noise-cancel", "")
        .replace("noise cancel", "");
    let mut said = Said {
        lower,
        details,
        question: false,
    };
    if said.has(HOW_IT_WORKS) || money_of_the_request_before(&said) {
        return None;
    }
    said.question = said.has(FIGURE_QUESTION);
    if charged_to(&said) && !said.has(&["cancel", "return", "exchange", "取消", "退货"]) {
        return Some(RequestKind::ModifyPayment);
    }
    undo_kind(&said)
        .or_else(|| change_kind(&said))
        .or_else(|| verbless_kind(&said))
}

/// "any refund or charge from that should go through my PayPal": where the
/// money of the request before goes, not a request of its own.
fn money_of_the_request_before(said: &Said) -> bool {
    let d = said.details;
    d.payment.is_some()
        && d.items.is_empty()
        && d.order_ids.is_empty()
        && said.has(MONEY_OF_THE_REQUEST_BEFORE)
        && !said.has(UNDO_VERBS)
}

/// "I want my other order paid with the gift card", "charged to my Visa
/// instead": a change of the order's payment.
fn charged_to(said: &Said) -> bool {
    // ("I want it charged to my Visa": "it" is the order said before.)
    let it = words::contains_word(said.lower, "it") || words::contains_word(said.lower, "them");
    said.has(CHARGED_TO)
        && said.details.payment.is_some()
        && (said.names_order() || it)
        && !said.has(&["i paid", "was paid", "i was charged", "difference"])
        && !said.question
}

/// Cancel, exchange or return: the verbs that undo a purchase.
fn undo_kind(said: &Said) -> Option<RequestKind> {
    // "if you can't … cancel" still asks for it in the end.
    if (said.has(CANCEL) && !said.has(&["unsubscribe"])) || said.has(CANNOT_RECEIVE) {
        return Some(RequestKind::Cancel);
    }
    if said.has(EXCHANGE) {
        return Some(RequestKind::Exchange);
    }
    // "once that refund is back on my gift card", "the refund of the
    // difference": a refund that follows from another request.
    let asks_refund = said.has(&["refund", "退款", "money back"])
        && !said.question
        && !said.has(REFUND_OF_ANOTHER);
    (said.has(RETURN) || asks_refund).then_some(RequestKind::Return)
}

/// A change: of the account's address, an order's address, its payment or
/// its items.
fn change_kind(said: &Said) -> Option<RequestKind> {
    let d = said.details;
    // A full address said is what the clause is about, whatever else it
    // says ("ship it to 7 Birch Ln, …, AZ 85283 instead"); "I want the
    // suite changed to Suite 201" too.
    let about_address = said.has(ABOUT_ADDRESS) || d.address.is_some() || d.address2.is_some();
    // ("saved as my default address" changes the account's.)
    let change = said.has(CHANGE) || (said.has(AS_DEFAULT) && about_address);
    // The account's address, or where an order goes: "my default address
    // for future orders" is the account's, "ship my pending order to my
    // default address" the order's ("… to my home address on file
    // instead": the account's address is where the order goes).
    let an_order = !d.order_ids.is_empty() || said.has(AN_ORDER);
    let sends_order_there = said.has(SEND_ANY_TENSE) && !said.has(FOR_FUTURE_ORDERS);
    let for_account = (said.has(ACCOUNT_ONLY) && !sends_order_there)
        || (said.has(ACCOUNT) && !an_order)
        || said.has(AS_DEFAULT);
    let address_kind = if for_account {
        RequestKind::ChangeAddress
    } else {
        RequestKind::ModifyAddress
    };
    // "please ship order #W… to: 12 Oak St, …": a new address for it.
    if d.address.is_some() && !change && said.has(SEND) {
        return Some(address_kind);
    }
    let ship_to =
        said.has(SEND_ANY_TENSE) && (said.lower.contains(" to ") || said.lower.contains('到'));
    if !(change || (about_address && an_order && ship_to)) {
        return None;
    }
    if about_address {
        return Some(address_kind);
    }
    // Options wanted for an item ("the hoodie one size down, the
    // difference on my card") change the item, whatever pays for it.
    let wanted = d.items.iter().any(|i| !i.to.is_empty() || i.same) || !d.loose_to.is_empty();
    let about_payment = said.has(ABOUT_PAYMENT) && !said.has(&["refund"]);
    if about_payment && !(wanted || said.has(&["difference", "差价"])) {
        return Some(RequestKind::ModifyPayment);
    }
    let items = !d.items.is_empty() || !d.loose_to.is_empty() || said.has(&["item", "商品"]);
    (items || said.names_order()).then_some(RequestKind::ModifyItems)
}

/// Requests said without a request verb: a method named for an order,
/// options wished for an item, a question about an order's figures or
/// where it is.
fn verbless_kind(said: &Said) -> Option<RequestKind> {
    let d = said.details;
    // "pay for my tablet order with my gift card": a method named for an
    // order is a change of its payment (not "I paid with …", not the
    // difference of an exchange).
    let pays_an_order = said.has(&["pay for", "pay my", "pay the", "pay order", "pay it"])
        && (d.order_by_items || !d.order_ids.is_empty());
    if pays_an_order && d.payment.is_some() && !said.question && !said.has(&["paid", "difference"])
    {
        return Some(RequestKind::ModifyPayment);
    }
    // "I'd like both purifiers in my order to have night mode": options
    // wanted for an item the customer has, with no verb, change it.
    let wish = said.has(WISH)
        && !said.has(&["know", "wonder", "whether", "吗"])
        && !said.lower.contains('?');
    if wish && !said.question && d.items.iter().any(|i| !i.to.is_empty()) {
        return Some(RequestKind::ModifyItems);
    }
    let about_money = said.has(&["pay", "paid", "cost", "spend", "spent", "total", "付", "花"]);
    if said.question && (about_money || said.names_order()) {
        return Some(RequestKind::Info);
    }
    said.has(STATUS).then_some(RequestKind::Status)
}
