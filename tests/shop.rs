//! The shop's actions under the policy, planned directly against the τ-bench
//! shop in a real sled store (no model): allowed changes produce the right
//! records, and every refusal names its reason and writes nothing.

use kefu::shop::actions::plan;
use kefu::shop::{import_dir, Action, Refusal, Shop};
use kefu::store::Store;

fn shop() -> (tempfile::TempDir, Store, Shop) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state")).unwrap();
    let shop = Shop::new(&store);
    let taubench =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/taubench-retail");
    let counts = import_dir(&shop, &taubench).unwrap();
    assert_eq!(
        (counts.users, counts.orders, counts.products),
        (500, 1000, 50)
    );
    (dir, store, shop)
}

fn refusal(shop: &Shop, user: &str, action: Action) -> Refusal {
    plan(shop, user, &action)
        .unwrap()
        .expect_err("the policy should refuse this")
}

#[test]
fn refusals_name_their_reason() {
    let (_dir, _store, shop) = shop();
    let liam = "liam_thomas_7882";
    // Someone else's order.
    let r = refusal(
        &shop,
        liam,
        Action::Cancel {
            order_id: "#W2611340".into(),
            reason: "no longer needed".into(),
        },
    );
    assert_eq!(
        r,
        Refusal::NotYourOrder {
            order_id: "#W2611340".into()
        }
    );
    // A processed order cannot be cancelled; a pending one cannot be returned.
    let r = refusal(
        &shop,
        liam,
        Action::Cancel {
            order_id: "#W6231698".into(),
            reason: "no longer needed".into(),
        },
    );
    assert!(
        matches!(r, Refusal::WrongStatus { ref status, .. } if status == "processed"),
        "{r:?}"
    );
    let r = refusal(
        &shop,
        liam,
        Action::Return {
            order_id: "#W1654931".into(),
            item_ids: vec!["6268080249".into()],
            payment_method_id: "credit_card_3261838".into(),
        },
    );
    assert!(matches!(r, Refusal::WrongStatus { .. }), "{r:?}");
    // Only the policy's cancellation reasons.
    let r = refusal(
        &shop,
        liam,
        Action::Cancel {
            order_id: "#W1654931".into(),
            reason: "found it cheaper".into(),
        },
    );
    assert_eq!(r, Refusal::InvalidReason);
    // Items only to available variants of the same product.
    let swap = |new: &str| Action::ModifyItems {
        order_id: "#W1654931".into(),
        item_ids: vec!["6268080249".into()],
        new_item_ids: vec![new.into()],
        payment_method_id: "credit_card_3261838".into(),
    };
    assert_eq!(
        refusal(&shop, liam, swap("5586947715")),
        Refusal::DifferentProduct,
        "a yoga mat is not an e-reader"
    );
    let unavailable = Action::Exchange {
        order_id: "#W6397299".into(),
        item_ids: vec!["1111254697".into()],
        new_item_ids: vec!["2733768059".into()],
        payment_method_id: "credit_card_3261838".into(),
    };
    assert_eq!(refusal(&shop, liam, unavailable), Refusal::DifferentProduct);
    let unavailable = Action::Exchange {
        order_id: "#W6397299".into(),
        item_ids: vec!["2733768059".into()],
        new_item_ids: vec!["6195938807".into()],
        payment_method_id: "credit_card_3261838".into(),
    };
    assert_eq!(
        refusal(&shop, liam, unavailable),
        Refusal::NotAvailable {
            item_id: "6195938807".into()
        }
    );
    // A gift card must cover the total.
    let r = refusal(
        &shop,
        "raj_sanchez_2970",
        Action::ModifyPayment {
            order_id: "#W4566809".into(),
            payment_method_id: "gift_card_2259499".into(),
        },
    );
    assert_eq!(
        r,
        Refusal::InsufficientBalance {
            balance: 30.0,
            needed: 826.7
        }
    );
    // Nothing was written by any of these.
    assert_eq!(shop.order("#W1654931").unwrap().unwrap().status, "pending");
}

#[test]
fn allowed_actions_produce_the_records_and_refunds() {
    let (_dir, _store, shop) = shop();
    let liam = "liam_thomas_7882";
    let planned = plan(
        &shop,
        liam,
        &Action::Cancel {
            order_id: "#W1654931".into(),
            reason: "ordered by mistake".into(),
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(planned.result.status.as_deref(), Some("cancelled"));
    assert_eq!(planned.result.refund, Some(787.7));
    assert_eq!(
        planned.writes.len(),
        1,
        "a credit card refund changes no user record"
    );
    // Planning writes nothing; applying does.
    assert_eq!(shop.order("#W1654931").unwrap().unwrap().status, "pending");
    shop.apply(&planned.writes).unwrap();
    let order = shop.order("#W1654931").unwrap().unwrap();
    assert_eq!(order.status, "cancelled");
    assert_eq!(
        order.payment_history.last().unwrap().transaction_type,
        "refund"
    );

    // Exchange with the price difference.
    let planned = plan(
        &shop,
        liam,
        &Action::Exchange {
            order_id: "#W6397299".into(),
            item_ids: vec!["2733768059".into()],
            new_item_ids: vec!["5586947715".into()],
            payment_method_id: "credit_card_3261838".into(),
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(planned.result.price_difference, Some(-1.85));
    assert_eq!(planned.result.status.as_deref(), Some("exchange requested"));
}

#[test]
fn a_stale_plan_is_a_conflict_not_a_lost_update() {
    let (_dir, store, shop) = shop();
    let liam = "liam_thomas_7882";
    let cancel = plan(
        &shop,
        liam,
        &Action::Cancel {
            order_id: "#W1654931".into(),
            reason: "no longer needed".into(),
        },
    )
    .unwrap()
    .unwrap();
    let address = kefu::shop::Address {
        address1: "1 New St".into(),
        address2: String::new(),
        city: "Austin".into(),
        country: "USA".into(),
        state: "TX".into(),
        zip: "78701".into(),
    };
    let modify = plan(
        &shop,
        liam,
        &Action::ModifyAddress {
            order_id: "#W1654931".into(),
            address,
        },
    )
    .unwrap()
    .unwrap();
    shop.apply(&cancel.writes).unwrap();
    // The second plan read the order before the cancel: committing it with a
    // turn must fail instead of overwriting the cancellation.
    let inbound = kefu_channels::Inbound {
        channel: kefu_channels::ChannelKind::Console,
        platform_message_id: "1".into(),
        sender: kefu_channels::Sender {
            id: "c".into(),
            display_name: None,
        },
        thread: kefu_channels::Thread {
            id: "t".into(),
            route: None,
        },
        text: "yes".into(),
        attachments: Vec::new(),
        received_at: 0,
        reply_to: None,
        auto: false,
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seq = match runtime.block_on(store.accept(&inbound)).unwrap() {
        kefu::store::Accepted::New(seq) => seq,
        other => panic!("{other:?}"),
    };
    let result = runtime.block_on(store.commit_turn(
        seq,
        &inbound,
        None,
        serde_json::Value::Null,
        &modify.writes,
    ));
    assert!(
        matches!(result, Err(kefu::store::StoreError::Conflict(_))),
        "{result:?}"
    );
    assert_eq!(
        shop.order("#W1654931").unwrap().unwrap().status,
        "cancelled"
    );
}
