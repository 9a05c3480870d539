//! A chat through the real SmolLM2 model, the console channel and sled.

use crate::OpenStore;
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

/// First messages of every kind a shop meets (half Chinese): greetings,
/// shop questions, bargaining, delivery promises, off-topic, thanks.
const FIRST_MESSAGES: &[&str] = &[
    "hi",
    "hello, anyone there?",
    "how long does shipping take?",
    "do you ship to Canada?",
    "can I get a discount if I buy two?",
    "can you give me a coupon?",
    "will my order arrive by tomorrow?",
    "what's the weather like today?",
    "tell me a joke",
    "is the rice cooker available in white?",
    "what teas do you sell?",
    "I want to return it, the sound is bad",
    "do you price match?",
    "what's your return policy?",
    "is shipping free?",
    "who won the game last night?",
    "thanks bye",
    "can you recommend a gift for my dad?",
    "lol ok",
    "how much is the chef knife?",
    "你好",
    "在吗",
    "发货要多久？",
    "能便宜点吗",
    "有优惠券吗",
    "明天能到吗",
    "今天天气怎么样",
    "讲个笑话吧",
    "电饭煲有白色的吗",
    "你们卖什么茶",
    "声音不好，我想退货",
    "可以保价吗",
    "退货政策是什么",
    "包邮吗",
    "谢谢，再见",
    "推荐一个送爸爸的礼物",
    "哈哈好的",
    "厨师刀多少钱",
    "买两个能打折吗",
    "你们是哪里的公司",
];

/// Every number in `text` (digits runs), for grounding checks.
fn numbers(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_default_models_replies_to_first_messages_are_sound() {
    let sandbox = Sandbox::new();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let shop_text = ["faq.json", "policy.en.md", "policy.zh.md", "products.json"]
        .iter()
        .map(|f| std::fs::read_to_string(data.join(f)).unwrap())
        .collect::<String>();
    let mut model_words = 0;
    for (i, message) in FIRST_MESSAGES.iter().enumerate() {
        let session = format!("first{i}");
        let output = sandbox.chat(
            &["--json", "--session", &session],
            &format!("{message}\n"),
            &[
                ("KEFU__SHOP__DATA", data.to_str().unwrap()),
                ("KEFU__LLM__MAX_TOKENS", "64"),
            ],
        );
        assert_success(&output);
        let replies = json_lines(&output);
        let reply = replies[0]["reply"].as_str().unwrap();
        if replies[0]["guard"]["source"] == "llm" {
            model_words += 1;
        }
        // No loops: no sentence said twice.
        let mut seen = Vec::new();
        for sentence in reply.split(['.', '!', '?', '。', '！', '？']) {
            let s = sentence.trim().to_lowercase();
            if s.split_whitespace().count() >= 3 || s.chars().count() >= 6 {
                assert!(!seen.contains(&s), "{message:?} → loops: {reply}");
                seen.push(s);
            }
        }
        // No invented numbers: each is in the shop's data or the message.
        for n in numbers(reply) {
            assert!(
                shop_text.contains(&n) || message.contains(&n),
                "{message:?} → invents {n}: {reply}"
            );
        }
        // No promises and no claimed actions: nothing ran.
        let lower = reply.to_lowercase();
        for word in [
            "i've cancelled",
            "has been cancelled",
            "refunded",
            "i've updated",
            "已取消",
            "已退款",
            "you can get a discount",
            "here is a coupon",
            "可以便宜",
            "给您优惠",
            "will arrive tomorrow",
            "明天到",
        ] {
            assert!(!lower.contains(word), "{message:?} → {word:?}: {reply}");
        }
        // The customer's language.
        let chinese = message
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let reply_chinese = reply
            .chars()
            .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
            .count();
        assert_eq!(
            chinese,
            reply_chinese * 4 > reply.chars().count().min(40),
            "{message:?} → wrong language: {reply}"
        );
    }
    eprintln!(
        "{model_words} of {} replies in the model's words",
        FIRST_MESSAGES.len()
    );
}

#[test]
fn a_chat_outside_the_repository_finds_the_sample_shop() {
    // The sandbox's directory holds no `data/`: the binary finds the
    // sample shop on its own, so verification works on the first try.
    let sandbox = Sandbox::new();
    let output = sandbox.chat(
        &["--json"],
        "my email is liwei.sea@example.com, where is my order #W4385563?\n",
        &[("KEFU__LLM__PHRASE", "never")],
    );
    assert_success(&output);
    let replies = json_lines(&output);
    assert_eq!(replies[0]["state"]["verified"], true, "{}", replies[0]);
    let reply = replies[0]["reply"].as_str().unwrap();
    assert!(
        reply.contains("#W4385563") && reply.contains("delivered"),
        "{reply}"
    );
}

/// A line of bad bytes (a CESU-8 surrogate, 0xFF 0xFE, NUL, terminal
/// escapes) is answered like any other, the next line too, and the chat
/// exits 0 at the end of its input (it used to stall with no reply).
#[test]
fn a_line_of_invalid_utf8_is_answered_and_the_chat_ends() {
    let sandbox = Sandbox::new();
    let mut input = b"\xed\xa0\x80 \xff\xfe hello\x00 \x1b[31mred\x1b[0m\n".to_vec();
    input.extend_from_slice(b"hi\n");
    let started = std::time::Instant::now();
    let output = sandbox.chat_bytes(
        &["--json", "--session", "bytes"],
        &input,
        &[
            ("KEFU__LLM__ENGINE", "openai"),
            ("KEFU__LLM__BASE_URL", "http://127.0.0.1:9/v1"),
            ("KEFU__LLM__MODEL_NAME", "none"),
            ("KEFU__LLM__PHRASE", "never"),
        ],
    );
    assert_success(&output);
    assert!(started.elapsed() < std::time::Duration::from_secs(120));
    let replies = json_lines(&output);
    assert_eq!(replies.len(), 2, "one reply per line: {replies:?}");
    let conversation = sandbox
        .store()
        .conversation("console:bytes")
        .unwrap()
        .unwrap();
    let first = &conversation.turns[0].text;
    assert!(
        first.contains("hello") && first.contains("red"),
        "{first:?}"
    );
    assert!(
        !first.contains('\0') && !first.contains('\u{1b}') && !first.contains("[31m"),
        "control characters kept: {first:?}"
    );
    assert_eq!(conversation.turns[2].text, "hi");
}

/// A console session two users write in is a group, as on Telegram: each
/// has their own conversation there, and an account matter moves to a
/// private chat instead of being answered where others read.
#[test]
fn a_console_session_with_two_users_is_a_group() {
    let sandbox = Sandbox::new();
    let templates = [
        ("KEFU__LLM__ENGINE", "openai"),
        ("KEFU__LLM__BASE_URL", "http://127.0.0.1:9/v1"),
        ("KEFU__LLM__MODEL_NAME", "none"),
        ("KEFU__LLM__PHRASE", "never"),
    ];
    let alice = sandbox.chat(
        &["--json", "--session", "g", "--user", "alice"],
        "hello\n",
        &templates,
    );
    assert_success(&alice);
    assert_eq!(json_lines(&alice)[0]["conversation"], "console:g");
    let bob = sandbox.chat(
        &["--json", "--session", "g", "--user", "bob"],
        "I want to cancel order #W2611340\n",
        &templates,
    );
    assert_success(&bob);
    let reply = &json_lines(&bob)[0];
    assert_eq!(reply["conversation"], "console:g/bob", "{reply}");
    assert_eq!(reply["step"], "go_private", "{reply}");
    // Alice's next run is in the group too.
    let again = sandbox.chat(
        &["--json", "--session", "g", "--user", "alice"],
        "hi again\n",
        &templates,
    );
    assert_eq!(json_lines(&again)[0]["conversation"], "console:g/alice");
}
