//! The shop through the real binary — `kefu shop import` and `kefu shop
//! order` (no model needed: the LLM path is pointed at a file that does not
//! exist), the import on first start — and a stale action plan committed
//! with a conversation turn, which must conflict instead of overwriting.
//! The policy's allowed cases and refusals are unit-tested in
//! `src/shop/tests/`.

use kefu::shop::actions::plan;
use kefu::shop::{import_dir, Action, Shop};
use kefu::store::{Store, TurnWrites};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{assert_success, Sandbox};

fn taubench() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/taubench-retail")
}

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// `kefu ARGS` on `state`, with a model path that does not exist: a shop
/// command that loaded the engine would fail.
fn kefu(state: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .current_dir(state.parent().unwrap())
        .env_remove("RUST_LOG")
        .env("KEFU__STORE__PATH", state)
        .env("KEFU__LLM__MODEL", "/nonexistent/model.gguf")
        .env("KEFU__SHOP__DATA", "/nonexistent/shop")
        .output()
        .expect("run kefu")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn source_orders(dir: &Path) -> BTreeMap<String, Value> {
    serde_json::from_str(&std::fs::read_to_string(dir.join("orders.json")).unwrap()).unwrap()
}

#[test]
fn import_then_print_an_order_as_stored() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = kefu(&state, &["shop", "import", taubench().to_str().unwrap()]);
    assert_success(&out);
    assert!(
        stdout(&out).contains("imported 500 users, 1000 orders, 50 products"),
        "{}",
        stdout(&out)
    );
    let out = kefu(&state, &["shop", "order", "#W2611340"]);
    assert_success(&out);
    let printed: Value = serde_json::from_str(&stdout(&out)).expect("the order as JSON");
    // The same shape and values as imported, number types included.
    assert_eq!(printed, source_orders(&taubench())["#W2611340"]);
    assert_eq!(printed["user_id"], "james_li_5688");

    // A customer as stored, the same way.
    let out = kefu(&state, &["shop", "user", "james_li_5688"]);
    assert_success(&out);
    let user: Value = serde_json::from_str(&stdout(&out)).expect("the user as JSON");
    let users: BTreeMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(taubench().join("users.json")).unwrap())
            .unwrap();
    assert_eq!(user, users["james_li_5688"]);
    let out = kefu(&state, &["shop", "user", "nobody_0000"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nobody_0000"), "{}", stderr(&out));

    // An unknown order: non-zero, and the message names it.
    let out = kefu(&state, &["shop", "order", "#W0000001"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("#W0000001"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());

    // Our sample shop imports into the same store; both are there.
    let out = kefu(&state, &["shop", "import", data().to_str().unwrap()]);
    assert_success(&out);
    let sample = source_orders(&data());
    let (id, record) = sample.iter().next().unwrap();
    let out = kefu(&state, &["shop", "order", id]);
    assert_success(&out);
    assert_eq!(
        &serde_json::from_str::<Value>(&stdout(&out)).unwrap(),
        record
    );
    assert_success(&kefu(&state, &["shop", "order", "#W2611340"]));
}

#[test]
fn a_bad_shop_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = kefu(&state, &["shop", "import", "/nonexistent/shop"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("users.json"), "{}", stderr(&out));

    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    for name in ["users.json", "orders.json"] {
        std::fs::copy(taubench().join(name), bad.join(name)).unwrap();
    }
    std::fs::write(
        bad.join("products.json"),
        r#"{"1": {"name": "Mug", "product_id": "1", "variants": {"2": {"item_id": "2",
            "options": {}, "available": "yes", "price": 3.5}}}}"#,
    )
    .unwrap();
    let out = kefu(&state, &["shop", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(message.contains("products.json"), "{message}");
    assert!(message.contains("1.variants.2.available"), "{message}");
    // Nothing of the good files was imported.
    let out = kefu(&state, &["shop", "order", "#W2611340"]);
    assert!(!out.status.success(), "{}", stdout(&out));
}

#[test]
fn the_daemon_imports_the_configured_shop_on_first_start() {
    let sandbox = Sandbox::new();
    let data = data();
    let data = data.to_str().unwrap();
    let out = sandbox.chat(&[], "hello\n", &[("KEFU__SHOP__DATA", data)]);
    assert_success(&out);
    let (id, record) = source_orders(Path::new(data)).into_iter().next().unwrap();
    let out = kefu(&sandbox.state(), &["shop", "order", &id]);
    assert_success(&out);
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&out)).unwrap(),
        record
    );
}

fn shop() -> (tempfile::TempDir, Store, Shop) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("state")).unwrap();
    let shop = Shop::new(&store);
    let counts = import_dir(&shop, &taubench()).unwrap();
    assert_eq!(
        (counts.users, counts.orders, counts.products),
        (500, 1000, 50)
    );
    (dir, store, shop)
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
    let inbound = inbound("1");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seq = accept(&runtime, &store, &inbound);
    let result = runtime.block_on(store.commit_turn(
        seq,
        &inbound,
        None,
        None,
        &TurnWrites::shop_only(modify.writes.clone()),
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

fn inbound(id: &str) -> kefu_channels::Inbound {
    kefu_channels::Inbound {
        channel: kefu_channels::ChannelKind::Console,
        platform_message_id: id.into(),
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
        shared: false,
        unauthenticated: false,
        original_chars: None,
    }
}

fn accept(
    runtime: &tokio::runtime::Runtime,
    store: &Store,
    inbound: &kefu_channels::Inbound,
) -> u64 {
    match runtime.block_on(store.accept(inbound)).unwrap() {
        kefu::store::Accepted::New(seq) => seq,
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_action_commits_with_the_turn_and_the_reply_that_report_it() {
    let (_dir, store, shop) = shop();
    let planned = plan(
        &shop,
        "ethan_lopez_6291",
        &Action::Cancel {
            order_id: "#W6779827".into(),
            reason: "no longer needed".into(),
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        planned.writes.len(),
        2,
        "the order and the gift card's balance"
    );
    let inbound = inbound("2");
    let reply = kefu_channels::Outbound {
        channel: inbound.channel,
        thread: inbound.thread.clone(),
        text: "Order #W6779827 is cancelled.".into(),
        reply_to: Some("2".into()),
        attachments: Vec::new(),
        annotations: Default::default(),
        buttons: Vec::new(),
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seq = accept(&runtime, &store, &inbound);
    runtime
        .block_on(store.commit_turn(
            seq,
            &inbound,
            Some(&reply),
            Some(serde_json::json!({"done": "cancel"})),
            &TurnWrites::shop_only(planned.writes.clone()),
        ))
        .unwrap();
    // All of it is there: the records, the turns, the reply to send.
    let order = shop.order("#W6779827").unwrap().unwrap();
    assert_eq!(order.status, "cancelled");
    let user = shop.user("ethan_lopez_6291").unwrap().unwrap();
    assert_eq!(
        user.payment_methods["gift_card_7219486"].balance,
        Some(4128.45)
    );
    let conversation = store
        .conversation(&inbound.conversation_id())
        .unwrap()
        .unwrap();
    assert_eq!(conversation.turns.len(), 2);
    assert_eq!(conversation.state["done"], "cancel");
    let queued = store.reply_to(&inbound.key()).unwrap().unwrap();
    assert_eq!(queued.outbound.text, reply.text);
    assert!(store.pending().unwrap().is_empty());
    // The same plan again is stale: refused by the store, nothing doubles.
    let inbound = self::inbound("3");
    let seq = accept(&runtime, &store, &inbound);
    let again = runtime.block_on(store.commit_turn(
        seq,
        &inbound,
        Some(&reply),
        None,
        &TurnWrites::shop_only(planned.writes.clone()),
    ));
    assert!(
        matches!(again, Err(kefu::store::StoreError::Conflict(_))),
        "{again:?}"
    );
    assert_eq!(
        shop.order("#W6779827")
            .unwrap()
            .unwrap()
            .payment_history
            .len(),
        2
    );
    assert!(store.reply_to(&inbound.key()).unwrap().is_none());
}
