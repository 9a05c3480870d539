//! Return and exchange of delivered orders, the default address, and what
//! a customer may see of an order.

use super::actions::{ok, refused, s, LIAM};
use super::tau;
use crate::shop::actions::Action;
use crate::shop::details::details;
use crate::shop::model::OrderStatus;
use crate::shop::Refusal;
use serde_json::json;

const OLIVIA: &str = "olivia_ito_3591";

fn ret(order: &str, items: &[&str], method: &str) -> Action {
    Action::Return {
        order_id: order.into(),
        item_ids: s(items),
        payment_method_id: method.into(),
    }
}

fn exchange(order: &str, old: &[&str], new: &[&str], method: &str) -> Action {
    Action::Exchange {
        order_id: order.into(),
        item_ids: s(old),
        new_item_ids: s(new),
        payment_method_id: method.into(),
    }
}

#[test]
fn return_to_the_original_method_or_a_gift_card() {
    let d = ok(
        LIAM,
        Some("#W8488728"),
        &ret("#W8488728", &["5676696062"], "paypal_3650980"),
    );
    let order = d.order.as_ref().unwrap();
    assert_eq!(order.status, OrderStatus::ReturnRequested);
    assert_eq!(order.extra["return_items"], json!(["5676696062"]));
    assert_eq!(order.extra["return_payment_method_id"], "paypal_3650980");
    assert_eq!(
        order.payment_history,
        tau().orders["#W8488728"].payment_history,
        "the refund is paid when the items come back"
    );
    assert_eq!(d.result.refund, Some(245.99));

    let both = ret(
        "#W5866402",
        &["9727387530", "6242772310"],
        "gift_card_7794233",
    );
    let d = ok(OLIVIA, Some("#W5866402"), &both);
    assert_eq!(
        d.order.unwrap().extra["return_items"],
        json!(["6242772310", "9727387530"]),
        "sorted, as τ-bench writes them"
    );
    assert_eq!(d.result.refund, Some(3203.78));
}

#[test]
fn return_refusals() {
    assert_eq!(
        refused(
            OLIVIA,
            Some("#W5866402"),
            &ret("#W5866402", &["9727387530"], "credit_card_9753331")
        ),
        Refusal::RefundNotAllowed {
            payment_method_id: "credit_card_9753331".into()
        },
        "a card that did not pay the order"
    );
    // An item named twice but ordered once.
    let twice = ret("#W5866402", &["9727387530", "9727387530"], "paypal_8049766");
    assert_eq!(
        refused(OLIVIA, Some("#W5866402"), &twice),
        Refusal::ItemNotInOrder {
            order_id: "#W5866402".into(),
            item_id: "9727387530".into()
        }
    );
    let pending = ret("#W1654931", &["6268080249"], "credit_card_3261838");
    assert_eq!(
        refused(LIAM, Some("#W1654931"), &pending),
        Refusal::WrongStatus {
            order_id: "#W1654931".into(),
            status: OrderStatus::Pending,
            allowed: OrderStatus::Delivered,
        }
    );
    assert_eq!(
        refused(
            LIAM,
            Some("#W5866402"),
            &ret("#W5866402", &["9727387530"], "paypal_8049766")
        ),
        Refusal::NotYourOrder {
            order_id: "#W5866402".into()
        }
    );
}

#[test]
fn exchange_records_the_new_items_and_the_difference() {
    let action = exchange(
        "#W6397299",
        &["7896397433", "2733768059"],
        &["6585768447", "5586947715"],
        "credit_card_3261838",
    );
    let d = ok(LIAM, Some("#W6397299"), &action);
    let order = d.order.as_ref().unwrap();
    assert_eq!(order.status, OrderStatus::ExchangeRequested);
    assert_eq!(
        order.extra["exchange_items"],
        json!(["2733768059", "7896397433"])
    );
    assert_eq!(
        order.extra["exchange_new_items"],
        json!(["5586947715", "6585768447"])
    );
    assert_eq!(
        order.extra["exchange_payment_method_id"],
        "credit_card_3261838"
    );
    // 467.69 - 457.81 + 92.53 - 94.38
    assert_eq!(order.extra["exchange_price_difference"], json!(8.03));
    assert_eq!(d.result.price_difference, Some(8.03));
    assert_eq!(
        order.items,
        tau().orders["#W6397299"].items,
        "the items change when the exchange is done, not now"
    );
    assert_eq!(d.user, None);
}

#[test]
fn exchange_refusals() {
    let one = |old: &str, new: &str| exchange("#W6397299", &[old], &[new], "credit_card_3261838");
    assert_eq!(
        refused(LIAM, Some("#W6397299"), &one("2733768059", "6195938807")),
        Refusal::NotAvailable {
            item_id: "6195938807".into()
        }
    );
    assert_eq!(
        refused(LIAM, Some("#W6397299"), &one("1111254697", "2733768059")),
        Refusal::DifferentProduct,
        "a bookshelf for a yoga mat"
    );
    let dear = exchange(
        "#W4817420",
        &["4900661478"],
        &["4894369688"],
        "gift_card_8168843",
    );
    assert_eq!(
        refused("ava_moore_2033", Some("#W4817420"), &dear),
        Refusal::InsufficientBalance {
            balance: 69.0,
            needed: 73.97
        }
    );
    let pending = exchange(
        "#W1654931",
        &["6268080249"],
        &["7609274509"],
        "paypal_3650980",
    );
    assert!(matches!(
        refused(LIAM, Some("#W1654931"), &pending),
        Refusal::WrongStatus { ref allowed, .. } if *allowed == OrderStatus::Delivered
    ));
    let uneven = exchange("#W6397299", &["2733768059"], &[], "paypal_3650980");
    assert_eq!(
        refused(LIAM, Some("#W6397299"), &uneven),
        Refusal::NothingToChange
    );
}

#[test]
fn change_the_default_address() {
    let mut address = tau().users[LIAM].address.clone();
    let same = Action::ChangeAddress {
        address: address.clone(),
    };
    assert_eq!(refused(LIAM, None, &same), Refusal::NothingToChange);
    address.city = "Tucson".into();
    address.zip = "85701".into();
    let d = ok(
        LIAM,
        None,
        &Action::ChangeAddress {
            address: address.clone(),
        },
    );
    assert_eq!(d.user.unwrap().address, address);
    assert_eq!(d.order, None, "orders keep their shipping address");
    assert_eq!(d.result.order_id, None);
}

#[test]
fn details_of_own_orders_only() {
    let t = tau();
    let liam = &t.users[LIAM];
    let shown = details(LIAM, liam, t.orders.get("#W8488728")).unwrap();
    assert_eq!(shown.status, OrderStatus::Delivered);
    assert_eq!(shown.tracking, ["353040585167"]);
    assert_eq!(shown.possible, ["return", "exchange"]);
    assert_eq!(shown.paid_with.as_deref(), Some("PayPal"));
    assert_eq!(shown.total, 245.99);
    let pending = details(LIAM, liam, t.orders.get("#W1654931")).unwrap();
    assert!(pending.tracking.is_empty());
    assert_eq!(pending.possible, ["cancel", "modify"]);
    assert_eq!(
        pending.paid_with.as_deref(),
        Some("visa credit card ending 3194")
    );
    assert_eq!(
        details(LIAM, liam, t.orders.get("#W2611340")),
        Err(Refusal::NotYourOrder {
            order_id: "#W2611340".into()
        })
    );
}
