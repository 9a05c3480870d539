//! The shop JSON shape survives kefu unchanged, the import and lookups,
//! and the profile built from orders.

use super::{read, records, taubench_dir};
use crate::shop::actions::{plan, Action};
use crate::shop::model::{Order, Product, User};
use crate::shop::{import_dir, Shop};
use crate::store::Store;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Typed and written back, every record equals the original JSON value,
/// number types included (serde_json tells `40` from `40.0`).
fn round_trips<T: serde::de::DeserializeOwned + serde::Serialize>(dir: &Path, name: &str) {
    let original: BTreeMap<String, Value> = read(dir, name);
    let typed: BTreeMap<String, T> = read(dir, name);
    assert_eq!(original.len(), typed.len());
    for (id, record) in &typed {
        let back = serde_json::to_value(record).unwrap();
        assert_eq!(
            back, original[id],
            "{name}: {id} changed on the way through"
        );
    }
}

#[test]
fn the_shop_json_shape_round_trips_exactly() {
    for dir in [taubench_dir(), data_dir()] {
        round_trips::<User>(&dir, "users.json");
        round_trips::<Order>(&dir, "orders.json");
        round_trips::<Product>(&dir, "products.json");
    }
}

#[test]
fn unknown_keys_and_states_are_kept() {
    let text = r##"{"order_id": "#W1", "user_id": "u", "address": {"address1": "a",
        "address2": "", "city": "c", "country": "USA", "state": "TX", "zip": "1"},
        "items": [], "fulfillments": [], "status": "on hold", "payment_history": [],
        "gift_wrap": true}"##;
    let order: Order = serde_json::from_str(text).unwrap();
    assert_eq!(order.status, "on hold");
    let back = serde_json::to_value(&order).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(text).unwrap());
}

fn store() -> (tempfile::TempDir, Store, Shop) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state")).unwrap();
    let shop = Shop::new(&store);
    (dir, store, shop)
}

#[test]
fn import_and_look_up() {
    let (_dir, _store, shop) = store();
    assert!(shop.is_empty());
    let counts = import_dir(&shop, &taubench_dir()).unwrap();
    assert_eq!(
        (counts.users, counts.orders, counts.products),
        (500, 1000, 50)
    );
    let order = shop.order("#W2611340").unwrap().unwrap();
    assert_eq!(order.user_id, "james_li_5688");
    assert_eq!(
        shop.user_id_by_email("  Liam.Thomas9081@EXAMPLE.com")
            .unwrap()
            .as_deref(),
        Some("liam_thomas_7882")
    );
    assert_eq!(
        shop.user_ids_by_name_zip("liam", "THOMAS", "85049")
            .unwrap(),
        ["liam_thomas_7882"]
    );
    assert!(shop
        .user_ids_by_name_zip("Liam", "Thomas", "00000")
        .unwrap()
        .is_empty());
    let ids: Vec<String> = shop
        .orders_of_user("liam_thomas_7882")
        .unwrap()
        .into_iter()
        .map(|o| o.order_id)
        .collect();
    assert_eq!(
        ids,
        [
            "#W1654931",
            "#W8488728",
            "#W6397299",
            "#W6231698",
            "#W3295833"
        ]
    );
    assert_eq!(shop.products().unwrap().len(), 50);
    // Our sample shop imports beside it (ids do not collide).
    let counts = import_dir(&shop, &data_dir()).unwrap();
    assert!(counts.users > 0 && counts.orders > 0 && counts.products > 0);
    assert_eq!(shop.products().unwrap().len(), 50 + counts.products);
}

#[test]
fn a_bad_file_is_named_with_the_place_and_nothing_is_written() {
    let (_dir, _store, shop) = store();
    let bad = tempfile::tempdir().unwrap();
    for name in ["users.json", "products.json"] {
        std::fs::copy(taubench_dir().join(name), bad.path().join(name)).unwrap();
    }
    let mut orders: BTreeMap<String, Value> = read(&taubench_dir(), "orders.json");
    orders.get_mut("#W2611340").unwrap()["items"][1]["price"] = Value::from("cheap");
    std::fs::write(
        bad.path().join("orders.json"),
        serde_json::to_vec(&orders).unwrap(),
    )
    .unwrap();
    let error = import_dir(&shop, bad.path()).unwrap_err().to_string();
    assert!(error.contains("orders.json"), "{error}");
    assert!(error.contains("#W2611340"), "{error}");
    assert!(error.contains("price"), "{error}");
    assert!(
        shop.is_empty(),
        "users.json was fine, but nothing is written"
    );

    // Inside records with kept unknown keys, too.
    let mut users: BTreeMap<String, Value> = read(&taubench_dir(), "users.json");
    users.get_mut("liam_thomas_7882").unwrap()["payment_methods"]["paypal_3650980"]["source"] =
        Value::from(7);
    std::fs::write(
        bad.path().join("users.json"),
        serde_json::to_vec(&users).unwrap(),
    )
    .unwrap();
    let error = import_dir(&shop, bad.path()).unwrap_err().to_string();
    assert!(error.contains("users.json"), "{error}");
    assert!(
        error.contains("liam_thomas_7882.payment_methods.paypal_3650980.source"),
        "{error}"
    );
}

#[test]
fn planned_writes_apply_and_a_stale_plan_conflicts() {
    let (_dir, _store, shop) = store();
    import_dir(&shop, &taubench_dir()).unwrap();
    let liam = "liam_thomas_7882";
    let cancel = Action::Cancel {
        order_id: "#W1654931".into(),
        reason: "no longer needed".into(),
    };
    let first = plan(&shop, liam, &cancel).unwrap().unwrap();
    let second = plan(&shop, liam, &cancel).unwrap().unwrap();
    assert_eq!(shop.order("#W1654931").unwrap().unwrap().status, "pending");
    shop.apply(&first.writes).unwrap();
    assert_eq!(
        shop.order("#W1654931").unwrap().unwrap().status,
        "cancelled"
    );
    // The second plan read the pending order: applying it would refund twice.
    assert!(matches!(
        shop.apply(&second.writes),
        Err(crate::store::StoreError::Conflict(ref key)) if key == "order/#W1654931"
    ));
    let refunds = shop
        .order("#W1654931")
        .unwrap()
        .unwrap()
        .payment_history
        .len();
    assert_eq!(refunds, 2, "one payment, one refund");
}

#[test]
fn profile_from_orders_with_catalog_categories() {
    let (_dir, _store, shop) = store();
    import_dir(&shop, &data_dir()).unwrap();
    let users: BTreeMap<String, User> = read(&data_dir(), "users.json");
    let catalog: BTreeMap<String, Value> = read(&data_dir(), "catalog.json");
    let (id, user) = users.iter().max_by_key(|(_, u)| u.orders.len()).unwrap();
    let profile = shop.profile(user).unwrap();
    let orders = shop.orders_of_user(id).unwrap();
    assert_eq!(profile.orders, orders.len());
    assert_eq!(profile.last_order.as_ref(), user.orders.last());
    let spend: f64 = orders
        .iter()
        .filter(|o| o.status != "cancelled")
        .map(|o| o.total())
        .sum();
    assert!((profile.spend - spend).abs() < 0.005, "{profile:?}");
    let first_item = &orders[0].items[0];
    let category = catalog[&first_item.product_id]["category"]
        .as_str()
        .unwrap();
    assert!(
        profile.categories.iter().any(|c| c == category),
        "{profile:?}"
    );
    assert!(!profile.categories.contains(&first_item.name));

    // Without a catalog (τ-bench), product names stand for categories.
    let r = records("liam_thomas_7882", None);
    let liam = r.user.unwrap();
    let orders: Vec<Order> = liam
        .orders
        .iter()
        .map(|id| super::tau().orders[id].clone())
        .collect();
    let profile = crate::shop::profile::Profile::from_orders(&liam, &orders);
    assert_eq!(profile.orders, 5);
    assert_eq!(profile.categories[0], "Dumbbell Set", "bought twice");
    assert_eq!(profile.last_order.as_deref(), Some("#W3295833"));
}
