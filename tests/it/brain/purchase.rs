//! A purchase told as the second fact where no code is mailed (the sample
//! shop, templates only): what the customer says they bought, or how the
//! order's number ends, before kefu showed that order to anyone unproven,
//! proves them beside their email for a change on that order — never for
//! an address, never once the order was shown (in this conversation or
//! another), never from a list of guesses; and it links nobody.

use super::{chat_as, linked, order, reply, sample_shop, steps, TEMPLATES_ONLY};
use crate::OpenStore;
use serde_json::Value;
use support::Sandbox;

/// One run of `kefu chat` as `user` in `session` (chat only: no code).
fn talk(sandbox: &Sandbox, session: &str, user: &str, lines: &[&str]) -> Vec<Value> {
    chat_as(sandbox, session, user, lines, TEMPLATES_ONLY)
}

#[test]
fn a_purchase_told_first_proves_a_change_on_that_order_and_links_nobody() {
    // Li Wei's earbuds (#W4385563, delivered), told with the email: the
    // return goes ahead without the zip or the order number.
    let shop = sample_shop();
    let r = talk(
        &shop,
        "earbuds",
        "liwei",
        &[
            "My noise-cancelling earbuds stopped charging, I want to return them. \
             My email is liwei.sea@example.com",
            "the original payment method",
            "yes",
        ],
    );
    assert_eq!(steps(&r), ["ask_payment", "confirm", "done"], "{r:?}");
    assert_eq!(order(&shop, "#W4385563")["status"], "return requested");
    // A purchase is not two facts: the order number stays masked and the
    // sender is not linked.
    assert!(reply(&r[1]).contains("…63"), "{}", reply(&r[1]));
    assert!(!reply(&r[1]).contains("#W4385563"), "{}", reply(&r[1]));
    assert_eq!(linked(&shop, "console:liwei"), None);

    // In Chinese: the T-shirt's order, cancelled.
    let r = talk(
        &shop,
        "tshirt",
        "liwei2",
        &[
            "我的邮箱 liwei.sea@example.com，T恤那个订单不要了，帮我取消",
            "确认",
        ],
    );
    assert_eq!(steps(&r), ["confirm", "done"], "{r:?}");
    // The reason in the customer's language.
    assert!(reply(&r[0]).contains("原因：不再需要"), "{}", reply(&r[0]));
    assert_eq!(order(&shop, "#W3767039")["status"], "cancelled");
}

#[test]
fn the_ending_and_reason_told_before_the_request_find_and_prove_the_order() {
    // The terse customer: what happened and the ending first, the request
    // next, the email when asked.
    let shop = sample_shop();
    let r = talk(
        &shop,
        "ending",
        "liwei",
        &[
            "I placed an order by accident. I know its number ends in 39.",
            "I want to cancel that order",
            "liwei.sea@example.com",
            "yes",
        ],
    );
    let s = steps(&r);
    assert_eq!(s[2..], ["confirm", "done"], "{r:?}");
    // The reason said before the request is its reason: not asked again.
    assert!(
        reply(&r[2]).contains("ordered by mistake"),
        "{}",
        reply(&r[2])
    );
    assert_eq!(order(&shop, "#W3767039")["status"], "cancelled");
}

#[test]
fn a_purchase_never_proves_an_address_change() {
    let shop = sample_shop();
    let r = talk(
        &shop,
        "address",
        "mallory",
        &[
            "My email is liwei.sea@example.com. Please send my t-shirt order to \
           1 Main St, Seattle, WA 98109 instead",
        ],
    );
    assert_eq!(steps(&r), ["ask_zip"], "{r:?}");
    assert!(reply(&r[0]).contains("order number"), "{}", reply(&r[0]));
}

#[test]
fn an_order_shown_to_an_unproven_reader_is_no_secret_any_more() {
    let shop = sample_shop();
    // The email alone reads the orders — their contents with them.
    let r = talk(
        &shop,
        "read",
        "mallory",
        &["my email is liwei.sea@example.com, where are my orders?"],
    );
    assert_eq!(steps(&r), ["order_status"], "{r:?}");
    assert!(reply(&r[0]).contains("T-Shirt"), "{}", reply(&r[0]));
    // Told afterwards, in another conversation from another sender: the
    // zip or the order number is needed, and nothing changes.
    let r = talk(
        &shop,
        "change",
        "mallory2",
        &["my email is liwei.sea@example.com, cancel my t-shirt order, I no longer need it"],
    );
    assert_eq!(steps(&r), ["ask_zip"], "{r:?}");
    // In the same conversation, after the list: the same.
    let r = talk(
        &shop,
        "read",
        "mallory",
        &["cancel the one with the t-shirt, I no longer need it"],
    );
    assert_eq!(steps(&r), ["ask_zip"], "{r:?}");
    assert_eq!(order(&shop, "#W3767039")["status"], "pending");
}

#[test]
fn a_list_of_guessed_purchases_proves_nothing_and_counts() {
    let shop = sample_shop();
    // Three products, none of them Li Wei's: a guess, counted against the
    // account once the order is found (by the ending said after the list);
    // the real one named after it does not help in this conversation.
    let r = talk(
        &shop,
        "guess",
        "mallory",
        &[
            "my email is liwei.sea@example.com. I bought a rice cooker, a hoodie and a \
             headlamp, cancel my pending order please, no longer needed",
            "the order number ends in 39",
            "it was the t-shirt",
        ],
    );
    assert!(steps(&r).iter().all(|s| *s != "confirm"), "{r:?}");
    assert_eq!(order(&shop, "#W3767039")["status"], "pending");
    let store = shop.store();
    let now = kefu_channels::now_millis();
    let failures = kefu::verify::failures::count(
        &store.customers(),
        &[kefu::verify::failures::customer_key("li_wei_6909")],
        now,
    );
    assert_eq!(failures, 1, "the guess counts once against the account");
}
