//! A chat through the real SmolLM2 model, the console channel and sled.

mod support;

use kefu::store::Role;
use support::{assert_success, json_lines, Sandbox};

#[test]
fn two_turns_through_the_real_model_share_one_history() {
    let sandbox = Sandbox::new();
    let output = sandbox.chat(
        &["--json", "--session", "s1"],
        "Hello, do you sell running shoes?\nThanks. And how long does shipping take?\n",
        &[],
    );
    assert_success(&output);
    let replies = json_lines(&output);
    assert_eq!(replies.len(), 2, "one reply per input line: {replies:?}");
    for reply in &replies {
        let text = reply["reply"].as_str().expect("reply text");
        assert!(!text.trim().is_empty(), "empty reply: {reply}");
        assert_eq!(reply["conversation"], "console:s1");
        assert_eq!(reply["language"], "en");
    }
    // The first turn's prompt has no history; the second carries both
    // earlier turns, so its prompt is longer by at least their text.
    let first = &replies[0]["llm"];
    let second = &replies[1]["llm"];
    assert_eq!(first["history_turns"], 0, "{first}");
    assert_eq!(second["history_turns"], 2, "{second}");
    let (p1, p2) = (
        first["prompt_tokens"].as_u64().unwrap(),
        second["prompt_tokens"].as_u64().unwrap(),
    );
    assert!(
        p2 > p1 + 8,
        "second prompt ({p2} tokens) should include the first turn ({p1} tokens)"
    );

    // The store holds the whole conversation, in order.
    let store = sandbox.store();
    let conversation = store
        .conversation("console:s1")
        .unwrap()
        .expect("conversation stored");
    let roles: Vec<Role> = conversation.turns.iter().map(|t| t.role).collect();
    assert_eq!(
        roles,
        [Role::Customer, Role::Bot, Role::Customer, Role::Bot]
    );
    assert_eq!(
        conversation.turns[0].text,
        "Hello, do you sell running shoes?"
    );
    assert_eq!(
        conversation.turns[1].text,
        replies[0]["reply"].as_str().unwrap()
    );
    assert!(store.pending().unwrap().is_empty());
    assert!(store.unsent().unwrap().is_empty());
}

#[test]
fn a_new_run_of_the_same_session_continues_the_conversation() {
    let sandbox = Sandbox::new();
    assert_success(&sandbox.chat(&["--session", "again"], "Hi there\n", &[]));
    let output = sandbox.chat(
        &["--json", "--session", "again"],
        "Are you still there?\n",
        &[],
    );
    assert_success(&output);
    let replies = json_lines(&output);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["llm"]["history_turns"], 2);
    let conversation = sandbox
        .store()
        .conversation("console:again")
        .unwrap()
        .unwrap();
    assert_eq!(conversation.turns.len(), 4);
}

#[test]
fn chinese_messages_are_answered_with_the_chinese_prompt() {
    let sandbox = Sandbox::new();
    let output = sandbox.chat(
        &["--json", "--session", "zh"],
        "你好，我想问一下发货要多久？\n",
        &[],
    );
    assert_success(&output);
    let replies = json_lines(&output);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["language"], "zh");
    assert!(!replies[0]["reply"].as_str().unwrap().trim().is_empty());
}
