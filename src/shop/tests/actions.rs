//! Cancel and modify (address, items, payment) of pending orders.

use super::{records, tau};
use crate::shop::actions::{decide, Action, Decision, Records};
use crate::shop::model::{Address, OrderStatus};
use crate::shop::Refusal;

pub(super) const LIAM: &str = "liam_thomas_7882";
pub(super) const ETHAN: &str = "ethan_lopez_6291";

pub(super) fn ok(user: &str, order: Option<&str>, action: &Action) -> Decision {
    decide(user, action, &records(user, order)).expect("the policy allows this")
}

pub(super) fn refused(user: &str, order: Option<&str>, action: &Action) -> Refusal {
    decide(user, action, &records(user, order)).expect_err("the policy refuses this")
}

/// The records after a decision, to chain actions on one order.
pub(super) fn after(mut records: Records, decision: &Decision) -> Records {
    if let Some(order) = &decision.order {
        records.order = Some(order.clone());
    }
    if let Some(user) = &decision.user {
        records.user = Some(user.clone());
    }
    records
}

pub(super) fn s(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn cancel(order: &str, reason: &str) -> Action {
    Action::Cancel {
        order_id: order.into(),
        reason: reason.into(),
    }
}

fn modify_items(order: &str, old: &[&str], new: &[&str], method: &str) -> Action {
    Action::ModifyItems {
        order_id: order.into(),
        item_ids: s(old),
        new_item_ids: s(new),
        payment_method_id: method.into(),
    }
}

fn modify_payment(order: &str, method: &str) -> Action {
    Action::ModifyPayment {
        order_id: order.into(),
        payment_method_id: method.into(),
    }
}

#[test]
fn cancel_refunds_a_card_later_and_a_gift_card_at_once() {
    let d = ok(
        LIAM,
        Some("#W1654931"),
        &cancel("#W1654931", "ordered by mistake"),
    );
    let order = d.order.as_ref().unwrap();
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert_eq!(order.extra["cancel_reason"], "ordered by mistake");
    let refund = order.payment_history.last().unwrap();
    assert_eq!(
        (refund.transaction_type.as_str(), refund.amount),
        ("refund", 787.7)
    );
    assert_eq!(refund.payment_method_id, "credit_card_3261838");
    assert_eq!(d.user, None, "a card refund changes no user record");
    assert_eq!(d.result.refund, Some(787.7));
    assert_eq!(d.result.refund_immediate, Some(false));

    let d = ok(
        ETHAN,
        Some("#W6779827"),
        &cancel("#W6779827", "no longer needed"),
    );
    let card = &d.user.as_ref().unwrap().payment_methods["gift_card_7219486"];
    assert_eq!(card.balance, Some(4128.45), "49 + 4079.45, at once");
    assert_eq!(d.result.refund_immediate, Some(true));
}

#[test]
fn cancel_refusals() {
    let r = refused(
        LIAM,
        Some("#W6231698"),
        &cancel("#W6231698", "no longer needed"),
    );
    assert_eq!(
        r,
        Refusal::WrongStatus {
            order_id: "#W6231698".into(),
            status: OrderStatus::Processed,
            allowed: OrderStatus::Pending,
        }
    );
    assert_eq!(
        refused(
            LIAM,
            Some("#W1654931"),
            &cancel("#W1654931", "found it cheaper")
        ),
        Refusal::InvalidReason
    );
    // Someone else's order, and an order that does not exist, read alike.
    for id in ["#W2611340", "#W0000000"] {
        assert_eq!(
            refused(LIAM, Some(id), &cancel(id, "no longer needed")),
            Refusal::NotYourOrder {
                order_id: id.into()
            }
        );
    }
    // The records of the right order, but the action names another one.
    assert!(matches!(
        refused(
            LIAM,
            Some("#W1654931"),
            &cancel("#W3295833", "no longer needed")
        ),
        Refusal::NotYourOrder { .. }
    ));
    assert_eq!(
        refused("nobody_1", None, &cancel("#W1654931", "no longer needed")),
        Refusal::UnknownCustomer {
            user_id: "nobody_1".into()
        }
    );
}

#[test]
fn modify_address_of_a_pending_order_only() {
    let mut address: Address = tau().orders["#W1654931"].address.clone();
    let same = Action::ModifyAddress {
        order_id: "#W1654931".into(),
        address: address.clone(),
    };
    assert_eq!(
        refused(LIAM, Some("#W1654931"), &same),
        Refusal::NothingToChange
    );
    address.address1 = "1 New Street".into();
    let d = ok(
        LIAM,
        Some("#W1654931"),
        &Action::ModifyAddress {
            order_id: "#W1654931".into(),
            address: address.clone(),
        },
    );
    let order = d.order.unwrap();
    assert_eq!(order.address, address);
    assert_eq!(order.status, OrderStatus::Pending, "still pending");
    let delivered = Action::ModifyAddress {
        order_id: "#W8488728".into(),
        address,
    };
    assert!(matches!(
        refused(LIAM, Some("#W8488728"), &delivered),
        Refusal::WrongStatus { .. }
    ));
}

#[test]
fn modify_items_once_with_the_difference_paid_or_refunded() {
    // Cheaper variant: the difference is refunded to the card.
    let action = modify_items(
        "#W1654931",
        &["6268080249"],
        &["7609274509"],
        "credit_card_3261838",
    );
    let d = ok(LIAM, Some("#W1654931"), &action);
    let order = d.order.as_ref().unwrap();
    assert_eq!(order.status, OrderStatus::PendingItemModified);
    assert_eq!(order.items[0].item_id, "7609274509");
    assert_eq!(order.items[0].price, 243.4);
    assert_eq!(order.items[0].options["storage"], "32GB");
    let last = order.payment_history.last().unwrap();
    assert_eq!(
        (last.transaction_type.as_str(), last.amount),
        ("refund", 0.62)
    );
    assert_eq!(d.result.price_difference, Some(-0.62));
    // Only once: afterwards neither modify nor cancel.
    let records = after(records(LIAM, Some("#W1654931")), &d);
    let again = modify_items(
        "#W1654931",
        &["5669664287"],
        &["5669664287"],
        "paypal_3650980",
    );
    // A second modification is refused for what it is (not for the
    // status, which would say "only for delivered orders").
    assert_eq!(
        decide(LIAM, &again, &records).unwrap_err(),
        Refusal::ItemsAlreadyModified {
            order_id: "#W1654931".into()
        }
    );
    let r = decide(LIAM, &cancel("#W1654931", "no longer needed"), &records).unwrap_err();
    assert!(
        matches!(r, Refusal::WrongStatus { ref status, .. } if status == "pending (item modified)"),
        "{r:?}"
    );

    // Dearer variant paid by a gift card that covers it.
    let action = modify_items(
        "#W6779827",
        &["7896397433"],
        &["4422467033"],
        "gift_card_7219486",
    );
    let d = ok(ETHAN, Some("#W6779827"), &action);
    let last = d
        .order
        .as_ref()
        .unwrap()
        .payment_history
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last.transaction_type.as_str(), last.amount),
        ("payment", 25.66)
    );
    let card = &d.user.unwrap().payment_methods["gift_card_7219486"];
    assert_eq!(card.balance, Some(23.34), "49 - 25.66");
}

#[test]
fn modify_items_refusals() {
    let swap = |new: &str, method: &str| modify_items("#W6779827", &["7896397433"], &[new], method);
    // A gift card must cover the difference (534.84 - 457.81 = 77.03 > 49).
    assert_eq!(
        refused(
            ETHAN,
            Some("#W6779827"),
            &swap("2444431651", "gift_card_7219486")
        ),
        Refusal::InsufficientBalance {
            balance: 49.0,
            needed: 77.03
        }
    );
    // The same option would change nothing.
    assert_eq!(
        refused(
            ETHAN,
            Some("#W6779827"),
            &swap("7896397433", "credit_card_9789590")
        ),
        Refusal::NothingToChange
    );
    // An unavailable variant of the same product.
    assert_eq!(
        refused(
            ETHAN,
            Some("#W6779827"),
            &swap("8140269513", "credit_card_9789590")
        ),
        Refusal::NotAvailable {
            item_id: "8140269513".into()
        }
    );
    // A variant of another product (a yoga mat is not a dumbbell set).
    assert_eq!(
        refused(
            ETHAN,
            Some("#W6779827"),
            &swap("5586947715", "credit_card_9789590")
        ),
        Refusal::DifferentProduct
    );
    // A method that is not the customer's.
    assert_eq!(
        refused(
            ETHAN,
            Some("#W6779827"),
            &swap("4422467033", "credit_card_3261838")
        ),
        Refusal::BadPaymentMethod
    );
    // An item that is not in the order.
    let action = modify_items(
        "#W6779827",
        &["6268080249"],
        &["7609274509"],
        "credit_card_9789590",
    );
    assert!(matches!(
        refused(ETHAN, Some("#W6779827"), &action),
        Refusal::ItemNotInOrder { ref item_id, .. } if item_id == "6268080249"
    ));
}

#[test]
fn modify_payment_once_to_another_method_that_covers_the_total() {
    let action = modify_payment("#W1080318", "gift_card_3749819");
    let d = ok("omar_kim_3528", Some("#W1080318"), &action);
    let order = d.order.as_ref().unwrap();
    assert_eq!(order.status, OrderStatus::Pending);
    let tail: Vec<_> = order.payment_history[1..]
        .iter()
        .map(|p| {
            (
                p.transaction_type.as_str(),
                p.amount,
                p.payment_method_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        tail,
        [
            ("payment", 53.43, "gift_card_3749819"),
            ("refund", 53.43, "credit_card_3577130")
        ]
    );
    let card = &d.user.as_ref().unwrap().payment_methods["gift_card_3749819"];
    assert_eq!(card.balance, Some(37.57), "91 - 53.43");
    // Once only: the order no longer has a single payment.
    let records = after(records("omar_kim_3528", Some("#W1080318")), &d);
    let back = modify_payment("#W1080318", "credit_card_3577130");
    assert_eq!(
        decide("omar_kim_3528", &back, &records).unwrap_err(),
        Refusal::PaymentAlreadyChanged
    );
    // Back to a gift card refunds its balance at once when cancelled.
    let d = decide(
        "omar_kim_3528",
        &cancel("#W1080318", "no longer needed"),
        &records,
    )
    .unwrap();
    let card = &d.user.unwrap().payment_methods["gift_card_3749819"];
    assert_eq!(card.balance, Some(91.0), "the net payment comes back, once");
    assert_eq!(d.result.refund, Some(53.43));
}

#[test]
fn modify_payment_refusals() {
    assert_eq!(
        refused(
            LIAM,
            Some("#W1654931"),
            &modify_payment("#W1654931", "credit_card_3261838")
        ),
        Refusal::SamePaymentMethod
    );
    assert_eq!(
        refused(
            LIAM,
            Some("#W1654931"),
            &modify_payment("#W1654931", "gift_card_7219486")
        ),
        Refusal::BadPaymentMethod,
        "another customer's gift card"
    );
    assert_eq!(
        refused(
            "raj_sanchez_2970",
            Some("#W4566809"),
            &modify_payment("#W4566809", "gift_card_2259499")
        ),
        Refusal::InsufficientBalance {
            balance: 30.0,
            needed: 826.7
        }
    );
    assert!(matches!(
        refused(
            LIAM,
            Some("#W8488728"),
            &modify_payment("#W8488728", "credit_card_3261838")
        ),
        Refusal::WrongStatus { .. }
    ));
}
