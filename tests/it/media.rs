//! Nothing a customer sends vanishes (trust II, 14): on the Telegram
//! stand-in, a sticker, a message the client library cannot read (a text
//! that is not a string) and a photo are each stored and answered with
//! what kefu can do with them; a photo of damage goes to a person, and the
//! operators see the photo under the card in their topic; /metrics counts
//! every media message by kind.
#![cfg(feature = "telegram")]

use std::time::{Duration, Instant};
use support::daemon::Daemon;
use support::telegram::{self as standin, TelegramStandin};
use support::{free_port, Sandbox};

const WAIT: Duration = Duration::from_secs(120);
const GROUP: i64 = -1_009_501;
const ANN: i64 = 3101;

fn texts_to(standin: &TelegramStandin, chat: i64) -> Vec<String> {
    standin.texts_to(chat)
}

fn wait_until(what: &str, daemon: &Daemon, done: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "never: {what}\n{}",
            daemon.dump()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn metrics(port: u16) -> String {
    support::http_get(port, "/metrics", None).1
}

#[test]
fn stickers_unreadable_messages_and_photos_are_answered_and_counted() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let standin = rt.block_on(TelegramStandin::start());
    standin.make_forum(GROUP);
    let sandbox = Sandbox::new();
    let port = free_port();
    let env: Vec<(String, String)> = [
        ("KEFU__LLM__PHRASE", "never".to_string()),
        ("KEFU__TELEGRAM__ENABLED", "true".to_string()),
        ("KEFU__TELEGRAM__TOKEN", standin::TOKEN.to_string()),
        ("KEFU__TELEGRAM__API_URL", standin.api_url.clone()),
        ("KEFU__OPERATORS__TELEGRAM_CHAT", GROUP.to_string()),
        ("KEFU__OPERATORS__TELEGRAM_IDS", "4242".to_string()),
        ("KEFU__HTTP__LISTEN", format!("127.0.0.1:{port}")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut daemon = sandbox.daemon_with(&env, "telegram: polling for updates");
    let sticker = serde_json::json!({"sticker": {"file_id": "st-1", "file_unique_id": "u",
        "type": "regular", "width": 512, "height": 512, "is_animated": false,
        "is_video": false, "file_size": 300}});
    standin.customer_sends(ANN, sticker);
    wait_until("a reply to the sticker", &daemon, || {
        texts_to(&standin, ANN)
            .iter()
            .any(|t| t.contains("sticker"))
    });
    // A text that is not a string: teloxide cannot read it; kefu answers.
    standin.customer_sends(ANN, serde_json::json!({"text": {"not": "a string"}}));
    wait_until("a reply to the unreadable message", &daemon, || {
        texts_to(&standin, ANN)
            .iter()
            .any(|t| t.contains("could not read"))
    });
    daemon.wait_log(&["nothing readable in it", "kind=text"]);
    // A photo alone: what kefu can do with it.
    standin.customer_photo(ANN, "photo-plain", "");
    wait_until("a reply to the photo", &daemon, || {
        texts_to(&standin, ANN)
            .iter()
            .any(|t| t.contains("cannot look at it"))
    });
    // A photo of damage: a person takes over and sees the photo.
    standin.customer_photo(
        ANN,
        "photo-damage",
        "the lamp arrived broken, see the photo",
    );
    wait_until("a topic with the photos", &daemon, || {
        standin.photos_sent(GROUP, None).len() >= 2
    });
    let topic = standin.state().topics_created[0].1;
    assert_eq!(
        standin.photos_sent(GROUP, Some(topic)),
        ["photo-plain", "photo-damage"],
        "the operators see the customer's photos under the card"
    );
    let card = standin.topic_messages(GROUP, topic)[0].clone();
    assert!(card.contains("a photo of damage"), "{card}");
    assert!(card.contains("📎 The customer sent:"), "{card}");
    let metrics = metrics(port);
    for kind in ["sticker", "text", "photo"] {
        let kind = if kind == "text" { "unreadable" } else { kind };
        assert!(
            metrics.contains(&format!(
                "kefu_media_messages_total{{channel=\"telegram\",kind=\"{kind}\"}}"
            )),
            "{kind}: {metrics}"
        );
    }
    assert!(
        metrics.contains("kefu_media_messages_total{channel=\"telegram\",kind=\"photo\"} 2"),
        "{metrics}"
    );
}
