//! The Telegram channel alone against the Bot API stand-in: inbound fields,
//! the offset advancing only after the daemon's ack, replies that reply,
//! long replies split, and 429/500 answers mapped for the outbox's retry.
#![cfg(feature = "telegram")]

#[path = "../../tests/support/telegram.rs"]
mod telegram_standin;

use kefu_channels::telegram::{TelegramChannel, TelegramConfig, MAX_MESSAGE_CHARS};
use kefu_channels::{Ack, Channel, ChannelKind, InboundSink, Outbound, SendError, Thread};
use std::sync::Arc;
use std::time::Duration;
use telegram_standin::TelegramStandin;

const WAIT: Duration = Duration::from_secs(20);

fn channel(standin: &TelegramStandin) -> Arc<TelegramChannel> {
    Arc::new(
        TelegramChannel::new(TelegramConfig {
            token: telegram_standin::TOKEN.into(),
            api_url: standin.api_url.clone(),
        })
        .unwrap(),
    )
}

fn reply(chat: i64, text: &str, reply_to: Option<String>) -> Outbound {
    Outbound {
        channel: ChannelKind::Telegram,
        thread: Thread {
            id: chat.to_string(),
            route: None,
        },
        text: text.into(),
        reply_to,
        attachments: Vec::new(),
        annotations: Default::default(),
    }
}

#[tokio::test]
async fn inbound_is_delivered_and_the_offset_waits_for_the_ack() {
    let standin = TelegramStandin::start().await;
    let channel = channel(&standin);
    let (sink, mut deliveries) = InboundSink::new(4);
    let runner = tokio::spawn({
        let channel = channel.clone();
        async move { channel.run(sink).await }
    });
    // Let the first (empty) long poll start, so the timing below is a
    // message arriving during a poll, as in production.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let arrived = std::time::Instant::now();
    let message_id = standin.customer_says(42, "where is my order #W2611340?");
    let delivery = tokio::time::timeout(WAIT, deliveries.recv())
        .await
        .unwrap()
        .unwrap();
    let inbound_latency = arrived.elapsed();
    let inbound = &delivery.inbound;
    assert_eq!(inbound.channel, ChannelKind::Telegram);
    assert_eq!(inbound.platform_message_id, format!("42:{message_id}"));
    assert_eq!(inbound.thread.id, "42");
    assert_eq!(inbound.sender.id, "42");
    assert_eq!(inbound.text, "where is my order #W2611340?");
    // Not acknowledged yet: no poll may have confirmed update 100.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        standin
            .state()
            .offsets
            .iter()
            .all(|o| o.is_none_or(|o| o <= 100)),
        "{:?}",
        standin.state().offsets
    );
    assert_eq!(
        standin.state().updates.len(),
        1,
        "the update must stay with Telegram until stored"
    );
    delivery.ack.send(Ok(Ack::Stored)).unwrap();
    standin
        .wait(WAIT, "the offset to confirm the stored update", |s| {
            s.offsets.contains(&Some(101))
        })
        .await;
    assert!(standin.state().updates.is_empty());

    // The reply replies to the customer's message.
    let sending = std::time::Instant::now();
    let id = channel
        .send(&reply(42, "It is on its way.", Some(inbound.key())))
        .await
        .unwrap();
    eprintln!(
        "telegram overhead without the model: inbound {inbound_latency:?}, send {:?}",
        sending.elapsed()
    );
    let sent = standin.state().sent.clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0]["request"]["reply_parameters"]["message_id"],
        message_id
    );
    assert_eq!(id, format!("42:{}", sent[0]["message_id"]));
    runner.abort();
}

#[tokio::test]
async fn long_replies_are_split_and_failures_are_classified() {
    let standin = TelegramStandin::start().await;
    let channel = channel(&standin);
    let text = "word ".repeat(1000);
    channel.send(&reply(7, text.trim(), None)).await.unwrap();
    let sent = standin.state().sent.clone();
    assert_eq!(sent.len(), 2);
    assert!(sent
        .iter()
        .all(|m| m["text"].as_str().unwrap().chars().count() <= MAX_MESSAGE_CHARS));

    standin.state().send_failures = vec![429, 500];
    let first = channel.send(&reply(7, "hello", None)).await.unwrap_err();
    assert!(
        matches!(first, SendError::RateLimited(d) if d == Duration::from_secs(1)),
        "{first:?}"
    );
    let second = channel.send(&reply(7, "hello", None)).await.unwrap_err();
    assert!(matches!(second, SendError::Transient(_)), "{second:?}");
    channel.send(&reply(7, "hello", None)).await.unwrap();
    let hellos = standin
        .state()
        .sent
        .iter()
        .filter(|m| m["text"] == "hello")
        .count();
    assert_eq!(hellos, 1, "delivered exactly once");

    // A wrong token is a permanent error that does not leak the token.
    let bad = TelegramChannel::new(TelegramConfig {
        token: "999:wrong".into(),
        api_url: standin.api_url.clone(),
    })
    .unwrap();
    let err = bad.send(&reply(7, "x", None)).await.unwrap_err();
    assert!(
        matches!(err, SendError::Permanent(_)) && !err.to_string().contains("999:wrong"),
        "{err}"
    );
}
