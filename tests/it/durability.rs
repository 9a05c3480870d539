//! Nothing accepted is lost, nothing is answered twice: crashes at each
//! point between storing an inbound and marking its reply sent.

use crate::OpenStore;
use kefu::store::{Accepted, OutboxState, Store};
use kefu_channels::{ChannelKind, Inbound, Sender, Thread};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use support::{assert_success, json_lines, Sandbox};

/// Crash at `failpoint` while answering one line, then restart twice with
/// no input: exactly one reply comes out over all runs, and the store
/// records it as sent.
fn crash_then_restart(failpoint: &str) {
    let sandbox = Sandbox::new();
    let crashed = sandbox.chat(
        &["--json", "--session", "crash"],
        "Where is my parcel?\n",
        &[("KEFU_FAILPOINT", failpoint)],
    );
    assert!(
        !crashed.status.success(),
        "the failpoint {failpoint} should have killed kefu"
    );
    let mut replies = json_lines(&crashed);

    let resumed = sandbox.chat(&["--json", "--session", "crash"], "", &[]);
    assert_success(&resumed);
    replies.extend(json_lines(&resumed));
    let again = sandbox.chat(&["--json", "--session", "crash"], "", &[]);
    assert_success(&again);
    replies.extend(json_lines(&again));

    // `after_send` crashes after the platform got the reply but before it
    // was marked sent: the one case a reply goes out again (at least once
    // beats never). Every other point yields exactly one.
    let expected = if failpoint == "after_send" { 2 } else { 1 };
    assert_eq!(
        replies.len(),
        expected,
        "{failpoint}: replies over all runs: {replies:?}"
    );
    let store = sandbox.store();
    assert!(
        store.pending().unwrap().is_empty(),
        "{failpoint}: nothing left pending"
    );
    assert!(
        store.unsent().unwrap().is_empty(),
        "{failpoint}: nothing left unsent"
    );
    let conversation = store
        .conversation("console:crash")
        .unwrap()
        .expect("conversation");
    assert_eq!(
        conversation.turns.len(),
        2,
        "{failpoint}: one question, one answer"
    );
    let reply = store
        .reply_to(&conversation.turns[0].message_key)
        .unwrap()
        .expect("outbox entry");
    assert!(
        matches!(reply.state, OutboxState::Sent { .. }),
        "{failpoint}: {:?}",
        reply.state
    );
}

#[test]
fn crash_after_storing_the_inbound() {
    crash_then_restart("after_accept");
}

#[test]
fn crash_before_the_reply_is_stored() {
    crash_then_restart("before_commit");
}

#[test]
fn crash_between_storing_and_sending_the_reply() {
    crash_then_restart("before_send");
}

#[test]
fn crash_after_sending_before_marking_sent() {
    crash_then_restart("after_send");
}

/// A real `kill -9` as soon as the inbound is logged as stored.
#[test]
fn kill_9_while_answering_then_restart_answers_once() {
    let sandbox = Sandbox::new();
    let mut child = sandbox
        .kefu(&["chat", "--json", "--session", "k9"])
        .env("RUST_LOG", "info")
        .env("KEFU__LLM__MAX_TOKENS", "64")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"Can I change my delivery address?\n")
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut stored = false;
    for line in stderr.lines() {
        if line.unwrap().contains("inbound stored") {
            stored = true;
            break;
        }
    }
    assert!(stored, "kefu never logged the stored inbound");
    child.kill().unwrap(); // SIGKILL
    let killed = child.wait_with_output().unwrap();
    let mut replies = json_lines(&killed);

    let resumed = sandbox.chat(&["--json", "--session", "k9"], "", &[]);
    assert_success(&resumed);
    replies.extend(json_lines(&resumed));
    assert_eq!(
        replies.len(),
        1,
        "exactly one reply over both runs: {replies:?}"
    );
    let conversation = sandbox.store().conversation("console:k9").unwrap().unwrap();
    assert_eq!(conversation.turns.len(), 2);
}

fn inbound(id: &str) -> Inbound {
    Inbound {
        channel: ChannelKind::Telegram,
        platform_message_id: id.into(),
        sender: Sender {
            id: "42".into(),
            display_name: None,
        },
        thread: Thread {
            id: "42".into(),
            route: None,
        },
        text: "hello".into(),
        attachments: vec![],
        received_at: 1,
        reply_to: None,
        auto: false,
        shared: false,
        unauthenticated: false,
        original_chars: None,
    }
}

#[tokio::test]
async fn a_replayed_platform_message_id_is_ignored_even_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert!(matches!(
        store.accept(&inbound("7")).await.unwrap(),
        Accepted::New(_)
    ));
    assert_eq!(
        store.accept(&inbound("7")).await.unwrap(),
        Accepted::Duplicate
    );
    assert!(matches!(
        store.accept(&inbound("8")).await.unwrap(),
        Accepted::New(_)
    ));
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.accept(&inbound("7")).await.unwrap(),
        Accepted::Duplicate
    );
    let pending: Vec<_> = store
        .pending()
        .unwrap()
        .into_iter()
        .map(|p| p.record.inbound.platform_message_id)
        .collect();
    assert_eq!(
        pending,
        ["7", "8"],
        "each message queued once, in arrival order"
    );
    let identity = store
        .identity("telegram:42")
        .unwrap()
        .expect("sender identity recorded");
    assert_eq!(identity.id, "42");
}

#[tokio::test]
async fn an_answered_message_replayed_later_is_not_answered_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let message = inbound("9");
    let Accepted::New(seq) = store.accept(&message).await.unwrap() else {
        panic!("new")
    };
    let reply = kefu_channels::Outbound {
        channel: message.channel,
        thread: message.thread.clone(),
        text: "hi".into(),
        reply_to: Some("9".into()),
        attachments: vec![],
        annotations: Default::default(),
        buttons: Vec::new(),
    };
    store
        .commit_reply(seq, &message, Some(&reply), None)
        .await
        .unwrap();
    store.mark_sent(&message.key(), "100").await.unwrap();
    assert_eq!(store.accept(&message).await.unwrap(), Accepted::Duplicate);
    assert!(store.pending().unwrap().is_empty());
    assert!(store.unsent().unwrap().is_empty());
    // Committing the same pending item twice keeps the first answer only.
    store
        .commit_reply(seq, &message, Some(&reply), None)
        .await
        .unwrap();
    assert_eq!(
        store
            .conversation(&message.conversation_id())
            .unwrap()
            .unwrap()
            .turns
            .len(),
        2
    );
}

#[test]
fn an_unreadable_queued_message_is_set_aside_not_a_failed_start() {
    let sandbox = Sandbox::new();
    let bad = inbound("bad-1");
    {
        let store = sandbox.store();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(store.accept(&bad)).unwrap();
    }
    {
        // The record under the queue entry is damaged on disk.
        let db = sled::open(sandbox.state()).unwrap();
        db.open_tree("inbox")
            .unwrap()
            .insert(bad.key(), &b"{not json"[..])
            .unwrap();
        db.flush().unwrap();
    }
    let out = sandbox.chat(
        &["--json", "--session", "after"],
        "Do you ship to Canada?\n",
        &[("KEFU__LLM__PHRASE", "never")],
    );
    assert_success(&out);
    assert_eq!(json_lines(&out).len(), 1, "the daemon started and answered");
    let store = sandbox.store();
    assert!(store.pending().unwrap().is_empty());
    let quarantined = store.quarantined().unwrap();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(quarantined[0].0, bad.key());
    drop(store);
    let listed = sandbox.kefu(&["handoff", "list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("unreadable queued message"));
}

/// Answer messages `m{i}` of one conversation for each `i` of `ids`, each
/// with a reply marked sent.
async fn answered(store: &Store, ids: std::ops::Range<usize>) {
    for i in ids {
        let mut message = inbound(&format!("m{i}"));
        message.received_at = kefu_channels::now_millis();
        let Accepted::New(seq) = store.accept(&message).await.unwrap() else {
            panic!("new");
        };
        let mut annotations = serde_json::Map::new();
        annotations.insert("llm".into(), serde_json::json!({"draft": "x".repeat(400)}));
        let reply = kefu_channels::Outbound {
            channel: message.channel,
            thread: message.thread.clone(),
            text: "A reply of a typical length, about two sentences long. Anything else?".into(),
            reply_to: Some(message.platform_message_id.clone()),
            attachments: vec![],
            annotations,
            buttons: Vec::new(),
        };
        store
            .commit_reply(seq, &message, Some(&reply), Some(serde_json::json!({})))
            .await
            .unwrap();
        store.mark_sent(&message.key(), "p").await.unwrap();
    }
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .unwrap()
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[tokio::test]
async fn retention_prunes_old_records_and_never_a_queued_message() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    answered(&store, 0..200).await;
    let waiting = inbound("still-queued");
    store.accept(&waiting).await.unwrap();
    let day = 24 * 3600 * 1000;
    let keep_all = kefu::store::Retention {
        inbox_days: 0,
        outbox_days: 0,
        annotations_days: 0,
        turns_days: 0,
    };
    let now = kefu_channels::now_millis();
    assert_eq!(
        store.prune(keep_all, now + 1000 * day).await.unwrap(),
        kefu::store::Pruned::default(),
        "0 days keeps everything"
    );
    let policy = kefu::store::Retention {
        inbox_days: 30,
        outbox_days: 30,
        annotations_days: 7,
        turns_days: 180,
    };
    let week = store.prune(policy, now + 8 * day).await.unwrap();
    assert_eq!((week.inbox, week.outbox, week.annotations), (0, 0, 200));
    let later = store.prune(policy, now + 200 * day).await.unwrap();
    assert_eq!(
        later.inbox, 200,
        "answered messages go; the queued one stays"
    );
    assert_eq!(later.outbox, 200);
    assert_eq!((later.turns, later.conversations), (400, 1));
    assert!(store.conversation("telegram:42").unwrap().is_none());
    assert_eq!(store.pending().unwrap().len(), 1);
    assert!(store.inbound(&waiting.key()).unwrap().is_some());
}

/// The store's size after 10,000 turns (5,000 messages and replies), with
/// and without pruning: a measurement (10,000 flushed commits take a minute
/// and more), run with `cargo test --test durability -- --ignored`.
#[tokio::test]
#[ignore]
async fn the_store_after_ten_thousand_turns_with_and_without_retention() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    answered(&store, 0..5000).await;
    store.flush().await.unwrap();
    let full = dir_size(dir.path());
    let policy = kefu::store::Retention {
        inbox_days: 30,
        outbox_days: 30,
        annotations_days: 7,
        turns_days: 180,
    };
    let day = 24 * 3600 * 1000;
    let pruned = store
        .prune(policy, kefu_channels::now_millis() + 400 * day)
        .await
        .unwrap();
    assert_eq!(pruned.inbox, 5000);
    assert_eq!(pruned.conversations, 1, "every turn is older than 180 days");
    drop(store);
    // sled reclaims space as it rewrites segments; reopening settles it.
    let store = Store::open(dir.path()).unwrap();
    store.flush().await.unwrap();
    let after = dir_size(dir.path());
    eprintln!("store after 10,000 turns: {full} bytes kept, {after} bytes after pruning");
    assert!(store.conversations().unwrap().is_empty());
}

#[tokio::test]
async fn a_turn_appends_its_lines_and_never_rewrites_the_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let record_len = |dir: &std::path::Path| {
        let db = sled::open(dir).unwrap();
        let len = db
            .open_tree("conversations")
            .unwrap()
            .get("telegram:42")
            .unwrap()
            .unwrap()
            .len();
        let lines = db.open_tree("turns").unwrap().len();
        (len, lines)
    };
    let store = Store::open(dir.path()).unwrap();
    answered(&store, 0..5).await;
    drop(store);
    let (short, lines) = record_len(dir.path());
    assert_eq!(lines, 10, "one record per line");
    let store = Store::open(dir.path()).unwrap();
    answered(&store, 5..105).await;
    let conversation = store.conversation("telegram:42").unwrap().unwrap();
    assert_eq!(conversation.turns.len(), 210, "read back whole, in order");
    assert_eq!(conversation.turns[0].message_key, inbound("m0").key());
    drop(store);
    let (long, lines) = record_len(dir.path());
    assert_eq!(lines, 210);
    assert_eq!(
        long, short,
        "the conversation record does not grow with its turns"
    );
}
