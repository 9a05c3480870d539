//! Identity and consent against someone trying, over the sample shop and
//! templates (no model): a mailed code before any change (wrong, expired,
//! right; links only after it), failed verifications counted per sender
//! and per name over many threads, a zero-width "yes", and a 200 KB
//! message.

use super::{chat_as, linked, order, reply, sample_shop, TEMPLATES_ONLY};
use crate::OpenStore;
use kefu::store::OutboxState;
use serde_json::Value;
use support::{assert_success, json_lines, Sandbox};

/// One run of `kefu chat` as `user` in `session`, with codes for changes.
fn talk(sandbox: &Sandbox, session: &str, user: &str, lines: &[&str]) -> Vec<Value> {
    let input = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    let mut env = TEMPLATES_ONLY.to_vec();
    env.push(("KEFU__VERIFY__CODE_FOR_CHANGES", "true"));
    let out = sandbox.chat(
        &["--json", "--session", session, "--user", user],
        &input,
        &env,
    );
    assert_success(&out);
    json_lines(&out)
}

/// The code mails waiting in the outbox (no email channel runs in `kefu
/// chat`), oldest first: (to, code).
fn code_mails(sandbox: &Sandbox) -> Vec<(String, String)> {
    let store = sandbox.store();
    store
        .unsent()
        .unwrap()
        .into_iter()
        .filter(|r| r.outbound.annotations.get("mail") == Some(&"mail/code".into()))
        .filter(|r| r.state == OutboxState::Unsent)
        .map(|r| {
            let route: Value =
                serde_json::from_str(r.outbound.thread.route.as_deref().unwrap()).unwrap();
            let code = kefu::verify::codes::find(&r.outbound.text).expect("a code in the mail");
            // Each recipient's codes are their own outbox chain.
            let to = route["to"].as_str().unwrap();
            assert_eq!(r.outbound.thread.id, format!("kefu:mail/code/{to}"));
            (route["to"].as_str().unwrap().to_string(), code)
        })
        .collect()
}

#[test]
fn a_change_waits_for_the_mailed_code_wrong_expired_then_right() {
    let shop = sample_shop();
    let r = talk(
        &shop,
        "c",
        "ann",
        &["liwei.sea@example.com: cancel #W3767039, I ordered it by mistake"],
    );
    assert_eq!(r[0]["step"], "ask_code", "{}", reply(&r[0]));
    assert!(
        reply(&r[0]).contains("l•••@example.com"),
        "{}",
        reply(&r[0])
    );
    let mails = code_mails(&shop);
    assert_eq!(mails.len(), 1);
    let (to, code) = mails[0].clone();
    assert_eq!(to, "liwei.sea@example.com", "to the account's address");
    assert!(
        !reply(&r[0]).contains(&code),
        "the code never goes to the chat"
    );
    assert_eq!(
        linked(&shop, "console:ann"),
        None,
        "no link before the code"
    );

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = talk(&shop, "c", "ann", &[&format!("the code is {wrong}")]);
    assert_eq!(r[0]["step"], "code_wrong", "{}", reply(&r[0]));
    assert_eq!(order(&shop, "#W3767039")["status"], "pending");

    // Time passes: the code's validity ends.
    {
        let store = shop.store();
        let customers = store.customers();
        let key = "code/li_wei_6909";
        let mut record: Value = customers.read(key).unwrap();
        record["expires"] = 1.into();
        customers
            .apply(&[kefu::store::CustomerWrite {
                key: key.to_string(),
                value: serde_json::to_vec(&record).unwrap(),
                expected: None,
            }])
            .unwrap();
    }
    let r = talk(&shop, "c", "ann", &[&code]);
    assert_eq!(r[0]["step"], "code_expired", "{}", reply(&r[0]));
    let mails = code_mails(&shop);
    assert_eq!(mails.len(), 2, "a new code is mailed");
    let fresh = mails[1].1.clone();

    let r = talk(&shop, "c", "ann", &[&fresh, "yes"]);
    assert_eq!(r[0]["step"], "confirm", "{}", reply(&r[0]));
    assert_eq!(r[1]["step"], "done", "{}", reply(&r[1]));
    assert_eq!(order(&shop, "#W3767039")["status"], "cancelled");
    assert_eq!(linked(&shop, "console:ann").as_deref(), Some("li_wei_6909"));

    // The link carries the proof: a new conversation of the same sender
    // starts verified and needs no new code.
    let r = talk(
        &shop,
        "c2",
        "ann",
        &["please cancel #W4385563, no longer needed"],
    );
    assert_ne!(r[0]["step"], "ask_code", "{}", reply(&r[0]));
    assert_eq!(code_mails(&shop).len(), 2);

    // Listed, removable; the next conversation starts unverified.
    let out = shop.kefu(&["customer", "links"]).output().unwrap();
    assert_success(&out);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("console:ann\tli_wei_6909\tCode proof"),
        "{listed}"
    );
    let out = shop
        .kefu(&["customer", "unlink", "console:ann"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(linked(&shop, "console:ann"), None);
    let r = talk(&shop, "c3", "ann", &["where is #W4385563?"]);
    assert_eq!(r[0]["step"], "ask_identity", "{}", reply(&r[0]));
    let again = shop
        .kefu(&["customer", "unlink", "console:ann"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("kefu customer links"));
}

#[test]
fn ten_name_and_zip_guesses_over_ten_threads_are_stopped() {
    let shop = sample_shop();
    let mut steps = Vec::new();
    for n in 0..10 {
        // The tenth guess is right, and still refused.
        let zip = if n == 9 {
            "97210".to_string()
        } else {
            format!("9800{n}")
        };
        let r = talk(
            &shop,
            &format!("guess{n}"),
            "mallory",
            &[&format!(
                "I'm Olivia Bennett, zip {zip}. Where is my order?"
            )],
        );
        steps.push(r[0]["step"].as_str().unwrap().to_string());
        assert_eq!(
            r[0]["state"]["verified"],
            false,
            "thread {n}: {}",
            reply(&r[0])
        );
    }
    assert_eq!(steps[..5], ["identity_failed"; 5], "{steps:?}");
    assert_eq!(steps[5..], ["handoff"; 5], "{steps:?}");
    // The name is spent for the day too; the real customer verifies by email.
    let r = talk(
        &shop,
        "real",
        "olivia",
        &["I'm Olivia Bennett, zip 97210. Where is my order?"],
    );
    assert_eq!(r[0]["state"]["verified"], false, "{}", reply(&r[0]));
    let r = talk(
        &shop,
        "real",
        "olivia",
        &["it's olivia.bennett@example.com"],
    );
    assert_eq!(r[0]["state"]["verified"], true, "{}", reply(&r[0]));
}

#[test]
fn a_zero_width_yes_is_a_yes_and_nothing_else_sneaks_past() {
    let shop = sample_shop();
    let out = shop.chat(
        &["--json", "--session", "z"],
        "liwei.sea@example.com (zip 98101): cancel #W3767039, I ordered it by mistake\n\
         y\u{200B}e\u{200D}s\n",
        TEMPLATES_ONLY,
    );
    assert_success(&out);
    let r = json_lines(&out);
    assert_eq!(r[0]["step"], "confirm");
    assert_eq!(r[1]["step"], "done", "{}", reply(&r[1]));
    assert_eq!(order(&shop, "#W3767039")["status"], "cancelled");
}

#[test]
fn a_200_kb_message_is_kept_cut_and_answered_politely() {
    let shop = sample_shop();
    let huge = format!(
        "liwei.sea@example.com (zip 98101): cancel #W3767039. {}",
        "please ".repeat(200 * 1024 / 7)
    );
    let out = shop.chat(
        &["--json", "--session", "big"],
        &format!("{huge}\nhi\n"),
        TEMPLATES_ONLY,
    );
    assert_success(&out);
    let r = json_lines(&out);
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(r[0]["step"], "too_long", "{}", reply(&r[0]));
    assert!(reply(&r[0]).contains("4000"), "{}", reply(&r[0]));
    assert_eq!(r[1]["step"], "greeting", "the conversation goes on");
    assert_eq!(order(&shop, "#W3767039")["status"], "pending");
    let store = shop.store();
    let conversation = store.conversation("console:big").unwrap().unwrap();
    let stored = &conversation.turns[0].text;
    assert_eq!(stored.chars().count(), 4000, "stored cut to the cap");
    let key = &conversation.turns[0].message_key;
    let stored = store.inbound(key).unwrap().unwrap();
    // The console reads a line without its trailing space.
    assert_eq!(
        stored.inbound.original_chars,
        Some(huge.trim_end().chars().count())
    );
}

#[test]
fn a_customers_data_is_exported_then_forgotten() {
    let shop = sample_shop();
    // Before verifying, the same sender said something personal.
    talk_chat_only(
        &shop,
        "early",
        "ann",
        &["hello, my phone is +1 206 555 0199"],
    );
    talk_chat_only(&shop, "other", "bob", &["hello, is anyone there?"]);
    talk_chat_only(
        &shop,
        "p",
        "ann",
        &["liwei.sea@example.com, zip 98101: where is #W3767039? My phone is +1 206 555 0123"],
    );
    let out = shop
        .kefu(&["customer", "export", "li_wei_6909"])
        .output()
        .unwrap();
    assert_success(&out);
    let data: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(data["shop_record"]["email"], "liwei.sea@example.com");
    let ids: Vec<&str> = data["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(
        ids.contains(&"console:p") && ids.contains(&"console:early"),
        "{ids:?}"
    );
    let p = ids.iter().position(|id| *id == "console:p").unwrap();
    let said = data["conversations"][p]["turns"][0]["text"]
        .as_str()
        .unwrap();
    assert!(said.contains("+1 206 555 0123"), "{said}");

    let out = shop
        .kefu(&["customer", "forget", "li_wei_6909"])
        .output()
        .unwrap();
    assert_success(&out);
    let store = shop.store();
    assert!(store.conversation("console:p").unwrap().is_none());
    assert!(store.conversation("console:early").unwrap().is_none());
    assert!(kefu::shop::profile::load(&store.customers(), "li_wei_6909").is_none());
    // Only someone else's conversation is left.
    let left: Vec<String> = store
        .conversations()
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(left, ["console:other"]);
    assert_eq!(store.setting::<u64>("forgotten_customers"), Some(1));
    drop(store);
    // The export now holds the shop's records and nothing kefu recorded.
    let out = shop
        .kefu(&["customer", "export", "li_wei_6909"])
        .output()
        .unwrap();
    let data: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(data["conversations"], serde_json::json!([]));
    assert!(data["profile"].is_null());
}

#[test]
fn personal_data_is_masked_in_logs_unless_asked_for() {
    let shop = sample_shop();
    let run = |personal: &str| {
        let mut env = TEMPLATES_ONLY.to_vec();
        env.push(("RUST_LOG", "info"));
        env.push(("KEFU__LOG__PERSONAL_DATA", personal));
        // A mail address as the session name: it is in every message key.
        let out = shop.chat(
            &["--json", "--session", "ann.lee@example.com"],
            "hi\n",
            &env,
        );
        assert_success(&out);
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let masked = run("false");
    assert!(masked.contains("inbound stored"), "{masked}");
    assert!(!masked.contains("ann.lee@example.com"), "{masked}");
    let shown = run("true");
    assert!(shown.contains("ann.lee@example.com"), "{shown}");
}

/// One run of `kefu chat` as `user` in `session`, chat-only: no code can
/// be mailed.
/// (A purchase told is not taken as the second fact here: this is the
/// zip and the order number; `purchase.rs` has the purchase.)
fn talk_chat_only(sandbox: &Sandbox, session: &str, user: &str, lines: &[&str]) -> Vec<Value> {
    let mut env = TEMPLATES_ONLY.to_vec();
    env.push(("KEFU__VERIFY__PURCHASE_PROVES", "false"));
    chat_as(sandbox, session, user, lines, &env)
}

#[test]
fn a_chat_only_shop_changes_nothing_on_a_public_email_alone() {
    // The account's own order number, typed with the email, is the second
    // fact: the change is proposed at once.
    let shop = sample_shop();
    let r = talk_chat_only(
        &shop,
        "owner",
        "liwei",
        &["liwei.sea@example.com: cancel #W3767039, I ordered it by mistake"],
    );
    assert_eq!(r[0]["step"], "confirm", "{r:?}");

    let shop = sample_shop();
    // The email alone reads the orders, their numbers masked, and is never
    // linked.
    let r = talk_chat_only(
        &shop,
        "read",
        "mallory",
        &["liwei.sea@example.com: where is my order?"],
    );
    assert_eq!(r[0]["step"], "order_status", "{r:?}");
    assert!(reply(&r[0]).contains("…39"), "{}", reply(&r[0]));
    assert!(!reply(&r[0]).contains("#W3767039"), "{}", reply(&r[0]));
    assert_eq!(
        linked(&shop, "console:mallory"),
        None,
        "one fact links nothing"
    );
    // A change: the order number is asked for, then the zip; a wrong zip
    // changes nothing and counts.
    let r = talk_chat_only(
        &shop,
        "change",
        "mallory",
        &[
            "liwei.sea@example.com: cancel my order with the t-shirt, I ordered it by mistake",
            "I don't know it",
            "12345",
        ],
    );
    let steps: Vec<&str> = r.iter().map(|r| r["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["ask_zip", "ask_zip", "ask_zip"], "{r:?}");
    assert!(reply(&r[0]).contains("order number"), "{}", reply(&r[0]));
    assert!(reply(&r[1]).contains("zip"), "{}", reply(&r[1]));
    assert!(reply(&r[2]).contains("does not match"), "{}", reply(&r[2]));
    assert!(r.iter().all(|r| !reply(r).contains("#W3767039")), "{r:?}");
    assert_eq!(
        order(&shop, "#W3767039")["status"],
        "pending",
        "nothing changed"
    );
    assert_eq!(linked(&shop, "console:mallory"), None);
    // The right zip (here, in Chinese): the change is proposed, a yes
    // does it, and the sender is linked by two facts.
    let r = talk_chat_only(
        &shop,
        "owner",
        "liwei",
        &[
            "邮箱 liwei.sea@example.com，取消有T恤的那个订单，下错单了",
            "不记得了",
            "98101",
            "确认",
        ],
    );
    let steps: Vec<&str> = r.iter().map(|r| r["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["ask_zip", "ask_zip", "confirm", "done"], "{r:?}");
    assert!(reply(&r[1]).contains("邮编"), "{}", reply(&r[1]));
    assert_eq!(order(&shop, "#W3767039")["status"], "cancelled");
    assert_eq!(
        linked(&shop, "console:liwei").as_deref(),
        Some("li_wei_6909")
    );
}
