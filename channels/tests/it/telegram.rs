//! The Telegram channel alone against the Bot API stand-in: inbound fields,
//! the offset advancing only after the daemon's ack, replies that reply,
//! long replies split, and 429/500 answers mapped for the outbox's retry.
#![cfg(feature = "telegram")]

use support::telegram as telegram_standin;

use kefu_channels::telegram::{TelegramChannel, TelegramConfig, MAX_MESSAGE_CHARS};
use kefu_channels::{
    Ack, Channel, ChannelKind, Delivery, Inbound, InboundSink, Outbound, SendError, SinkClosed,
    Thread,
};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use telegram_standin::{Failure, Poll, TelegramStandin, BOT_ID};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(30);
const ALICE: i64 = 42;

fn channel(standin: &TelegramStandin) -> Arc<TelegramChannel> {
    Arc::new(
        TelegramChannel::new(TelegramConfig {
            token: telegram_standin::TOKEN.into(),
            api_url: standin.api_url.clone(),
        })
        .unwrap(),
    )
}

/// Run the channel with a sink whose deliveries the test answers itself,
/// once its first long poll is waiting.
async fn start(
    standin: &TelegramStandin,
) -> (
    Arc<TelegramChannel>,
    mpsc::Receiver<Delivery>,
    JoinHandle<anyhow::Result<()>>,
) {
    let channel = channel(standin);
    let (sink, deliveries) = InboundSink::new(4);
    let runner = channel.clone();
    let task = tokio::spawn(async move { runner.run(sink).await });
    standin
        .until(WAIT, "the first poll", |s| !s.polls.is_empty())
        .await;
    (channel, deliveries, task)
}

async fn next(deliveries: &mut mpsc::Receiver<Delivery>) -> Delivery {
    tokio::time::timeout(WAIT, deliveries.recv())
        .await
        .expect("a delivery")
        .expect("open")
}

fn reply(inbound: &Inbound, text: &str) -> Outbound {
    Outbound {
        channel: ChannelKind::Telegram,
        thread: inbound.thread.clone(),
        text: text.into(),
        reply_to: Some(inbound.platform_message_id.clone()),
        attachments: Vec::new(),
        annotations: Default::default(),
        buttons: Vec::new(),
    }
}

fn to_chat(chat: i64, text: &str) -> Outbound {
    Outbound {
        channel: ChannelKind::Telegram,
        thread: Thread {
            id: chat.to_string(),
            route: None,
        },
        text: text.into(),
        reply_to: None,
        attachments: Vec::new(),
        annotations: Default::default(),
        buttons: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_is_delivered_and_the_offset_waits_for_the_ack() {
    let standin = TelegramStandin::start().await;
    let (channel, mut deliveries, task) = start(&standin).await;
    let arrived = Instant::now();
    let id = standin.customer_says(ALICE, "where is my order #W2611340?");
    let delivery = next(&mut deliveries).await;
    let inbound_latency = arrived.elapsed();
    let inbound = delivery.inbound.clone();
    assert_eq!(inbound.channel, ChannelKind::Telegram);
    assert_eq!(inbound.platform_message_id, format!("{ALICE}:{id}"));
    assert_eq!(
        (inbound.thread.id.as_str(), inbound.thread.route.as_deref()),
        ("42", None)
    );
    assert_eq!(inbound.sender.id, "42");
    assert_eq!(inbound.sender.display_name.as_deref(), Some("Cust Omer"));
    assert_eq!(inbound.text, "where is my order #W2611340?");
    assert!(!inbound.auto && inbound.reply_to.is_none() && inbound.attachments.is_empty());
    assert!(inbound.received_at > 1_700_000_000_000);

    // Not acknowledged yet: no poll may confirm update 100.
    tokio::time::sleep(Duration::from_millis(500)).await;
    {
        let s = standin.state();
        assert!(
            s.polls.iter().all(|p| p.offset.is_none_or(|o| o <= 100)),
            "{:?}",
            s.polls
        );
        assert_eq!(
            s.updates.len(),
            1,
            "the update stays with Telegram until stored"
        );
    }
    delivery.ack.send(Ok(Ack::Stored)).unwrap();
    standin
        .until(WAIT, "the offset confirming the stored update", |s| {
            s.polls.iter().any(|p| p.offset == Some(101))
        })
        .await;
    assert!(standin.state().updates.is_empty());
    let poll = standin.state().polls.last().cloned().unwrap();
    assert_eq!(
        poll,
        Poll {
            offset: Some(101),
            timeout: 10
        },
        "10 s long polls"
    );

    // The reply replies to the customer's message.
    let sending = Instant::now();
    let sent_id = channel
        .send(&reply(&inbound, "It is on its way."))
        .await
        .unwrap();
    let send_latency = sending.elapsed();
    let sent = standin.state().sent.clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["request"]["reply_parameters"]["message_id"], id);
    assert_eq!(
        sent[0]["reply_to_message"]["message_id"], id,
        "Telegram quotes the original"
    );
    assert_eq!(sent[0]["request"]["chat_id"], ALICE);
    assert_eq!(sent[0]["text"], "It is on its way.");
    assert_eq!(sent_id, format!("{ALICE}:{}", sent[0]["message_id"]));
    eprintln!("telegram channel overhead: inbound {inbound_latency:?}, send {send_latency:?}");
    assert!(inbound_latency < Duration::from_secs(2) && send_latency < Duration::from_secs(2));
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captions_photos_documents_and_replies_come_through() {
    let standin = TelegramStandin::start().await;
    let (_channel, mut deliveries, task) = start(&standin).await;
    let first = standin.customer_says(ALICE, "my order");
    let photo = standin.customer_sends(ALICE, json!({"caption": "it arrived broken",
        "reply_to_message_id": first,
        "photo": [{"file_id": "ph-s", "file_unique_id": "u1", "width": 90, "height": 90, "file_size": 900},
                  {"file_id": "ph-l", "file_unique_id": "u2", "width": 800, "height": 800, "file_size": 64000}]}));
    let document = standin.customer_sends(ALICE, json!({"document": {"file_id": "doc-1",
        "file_unique_id": "u3", "file_name": "receipt.pdf", "mime_type": "application/pdf", "file_size": 2048}}));
    let service = standin.customer_sends(ALICE, json!({"new_chat_title": "not a message"}));
    let mut got = Vec::new();
    for _ in 0..3 {
        let delivery = next(&mut deliveries).await;
        got.push(delivery.inbound.clone());
        delivery.ack.send(Ok(Ack::Stored)).unwrap();
    }
    assert_eq!(got[0].platform_message_id, format!("{ALICE}:{first}"));
    let (p, d) = (&got[1], &got[2]);
    assert_eq!(p.platform_message_id, format!("{ALICE}:{photo}"));
    assert_eq!(p.text, "it arrived broken");
    assert_eq!(p.reply_to, Some(format!("{ALICE}:{first}")));
    assert_eq!(p.attachments.len(), 1);
    assert_eq!(p.attachments[0].platform_id.as_deref(), Some("ph-l"));
    assert_eq!(p.attachments[0].mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(p.attachments[0].size, Some(64000));
    assert_eq!(d.platform_message_id, format!("{ALICE}:{document}"));
    assert_eq!(d.text, "");
    assert_eq!(d.attachments[0].name.as_deref(), Some("receipt.pdf"));
    assert_eq!(
        d.attachments[0].mime_type.as_deref(),
        Some("application/pdf")
    );
    assert_eq!(d.attachments[0].size, Some(2048));
    assert_eq!(d.attachments[0].platform_id.as_deref(), Some("doc-1"));
    // The service message is skipped, but confirmed all the same.
    standin
        .until(WAIT, "every update confirmed", |s| s.updates.is_empty())
        .await;
    assert!(
        deliveries.try_recv().is_err(),
        "message {service} is not answered"
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unstored_update_is_delivered_again_after_a_restart() {
    let standin = TelegramStandin::start().await;
    let (_channel, mut deliveries, task) = start(&standin).await;
    let id = standin.customer_says(ALICE, "hello?");
    let delivery = next(&mut deliveries).await;
    // The daemon stops before storing it: the run ends, the offset stays.
    delivery
        .ack
        .send(Err(SinkClosed("stopping".into())))
        .unwrap();
    let ended = tokio::time::timeout(WAIT, task).await.unwrap().unwrap();
    assert!(ended.is_err(), "a closed sink ends the run");
    assert_eq!(standin.state().updates.len(), 1);

    let (_channel, mut deliveries, task) = start(&standin).await;
    let again = next(&mut deliveries).await;
    assert_eq!(again.inbound.platform_message_id, format!("{ALICE}:{id}"));
    again.ack.send(Ok(Ack::Stored)).unwrap();
    standin
        .until(WAIT, "the update confirmed", |s| s.updates.is_empty())
        .await;
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_over_4096_characters_is_split_and_only_the_first_part_replies() {
    let standin = TelegramStandin::start().await;
    let channel = channel(&standin);
    let question = standin.customer_says(ALICE, "tell me everything");
    let text = format!(
        "{}\n{}",
        "policy ".repeat(400).trim_end(),
        "detail ".repeat(400)
    ); // 5600 chars
    let inbound = Inbound {
        channel: ChannelKind::Telegram,
        platform_message_id: format!("{ALICE}:{question}"),
        sender: kefu_channels::Sender {
            id: ALICE.to_string(),
            display_name: None,
        },
        thread: Thread {
            id: ALICE.to_string(),
            route: None,
        },
        text: String::new(),
        attachments: Vec::new(),
        received_at: 0,
        reply_to: None,
        auto: false,
        shared: false,
        unauthenticated: false,
        original_chars: None,
    };
    let id = channel.send(&reply(&inbound, &text)).await.unwrap();
    let sent = standin.state().sent.clone();
    assert_eq!(sent.len(), 2);
    let parts: Vec<&str> = sent.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert!(parts.iter().all(|p| p.chars().count() <= MAX_MESSAGE_CHARS));
    assert!(
        parts[0].ends_with("policy") && parts[1].starts_with("detail"),
        "split at the line break"
    );
    assert_eq!(parts.join("\n"), text.trim());
    assert_eq!(
        sent[0]["request"]["reply_parameters"]["message_id"],
        question
    );
    assert!(sent[1]["request"].get("reply_parameters").is_none());
    assert_eq!(id, format!("{ALICE}:{}", sent[0]["message_id"]));

    // A later part fails, and the process goes down: the channel made
    // after the restart, over the same store, sends only what is missing.
    let store: Arc<dyn kefu_channels::CursorStore> =
        Arc::new(kefu_channels::MemoryCursorStore::default());
    let before = TelegramChannel::new(TelegramConfig {
        token: telegram_standin::TOKEN.into(),
        api_url: standin.api_url.clone(),
    })
    .unwrap()
    .with_cursors(store.clone());
    standin.fail_sends_after(1, &[Failure::ServerError]);
    let err = before.send(&to_chat(ALICE, &text)).await.unwrap_err();
    assert!(matches!(err, SendError::Transient(_)), "{err:?}");
    drop(before);
    let after = TelegramChannel::new(TelegramConfig {
        token: telegram_standin::TOKEN.into(),
        api_url: standin.api_url.clone(),
    })
    .unwrap()
    .with_cursors(store.clone());
    after.send(&to_chat(ALICE, &text)).await.unwrap();
    let texts: Vec<String> = standin.state().sent[2..]
        .iter()
        .map(|m| m["text"].as_str().unwrap().into())
        .collect();
    assert_eq!(texts, [parts[0], parts[1]], "each part exactly once");
    // Done: the record is cleared, so the same text sent again is whole.
    after.send(&to_chat(ALICE, &text)).await.unwrap();
    assert_eq!(standin.state().sent.len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_then_a_500_then_success_is_delivered_exactly_once() {
    let standin = TelegramStandin::start().await;
    let channel = channel(&standin);
    standin.fail_next_sends(&[Failure::TooManyRequests(2), Failure::ServerError]);
    let outbound = to_chat(ALICE, "hello");
    // What the daemon's outbox does: wait what it is told, back off, retry.
    let mut errors = Vec::new();
    let id = loop {
        match channel.send(&outbound).await {
            Ok(id) => break id,
            Err(SendError::RateLimited(after)) => {
                errors.push(format!("429 {after:?}"));
                tokio::time::sleep(after).await;
            }
            Err(SendError::Transient(e)) => {
                errors.push(format!("transient {e}"));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0], "429 2s");
    assert!(errors[1].starts_with("transient"), "{errors:?}");
    let s = standin.state();
    let statuses: Vec<u16> = s.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [429, 500, 200]);
    assert!(
        s.attempts[1].at - s.attempts[0].at >= Duration::from_secs(2),
        "retry_after honoured"
    );
    assert_eq!(s.sent.len(), 1, "delivered exactly once");
    assert_eq!(s.sent[0]["from"]["id"], BOT_ID);
    assert_eq!(id, format!("{ALICE}:{}", s.sent[0]["message_id"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_permanent_and_a_wrong_token_never_leaks() {
    let standin = TelegramStandin::start().await;
    let channel = channel(&standin);
    standin.fail_next_sends(&[Failure::BadRequest("Bad Request: chat not found")]);
    let err = channel.send(&to_chat(ALICE, "hi")).await.unwrap_err();
    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");
    let err = channel.send(&to_chat(ALICE, "  ")).await.unwrap_err();
    assert!(
        matches!(err, SendError::Permanent(_)),
        "an empty reply: {err:?}"
    );
    let by_name = Outbound {
        thread: Thread {
            id: "@nobody".into(),
            route: None,
        },
        ..to_chat(ALICE, "hi")
    };
    let err = channel.send(&by_name).await.unwrap_err();
    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");

    let bad = TelegramChannel::new(TelegramConfig {
        token: "999:wrong".into(),
        api_url: standin.api_url.clone(),
    })
    .unwrap();
    let err = bad.send(&to_chat(ALICE, "x")).await.unwrap_err();
    assert!(matches!(err, SendError::Permanent(_)), "{err:?}");
    assert!(!format!("{err:?}").contains("999:wrong"), "{err:?}");
    let (sink, _deliveries) = InboundSink::new(1);
    let run = tokio::time::timeout(WAIT, bad.run(sink))
        .await
        .expect("run ends")
        .unwrap_err();
    assert!(format!("{run:#}").contains("refused"), "{run:#}");
    assert!(!format!("{run:#}").contains("999:wrong"), "{run:#}");
    // Nothing reached the bot's chats.
    assert!(standin.state().sent.is_empty());

    // Down entirely: a network error, transient, without the token.
    let down = TelegramChannel::new(TelegramConfig {
        token: telegram_standin::TOKEN.into(),
        api_url: "http://127.0.0.1:9".into(),
    })
    .unwrap();
    let err = down.send(&to_chat(ALICE, "x")).await.unwrap_err();
    assert!(matches!(err, SendError::Transient(_)), "{err:?}");
    assert!(
        !format!("{err:?}").contains(telegram_standin::TOKEN),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_that_cannot_be_read_is_kept_aside_not_logged_or_lost() {
    let standin = TelegramStandin::start().await;
    let store: Arc<dyn kefu_channels::CursorStore> =
        Arc::new(kefu_channels::MemoryCursorStore::default());
    let channel = Arc::new(
        TelegramChannel::new(TelegramConfig {
            token: telegram_standin::TOKEN.into(),
            api_url: standin.api_url.clone(),
        })
        .unwrap()
        .with_cursors(store.clone()),
    );
    let (sink, mut deliveries) = InboundSink::new(4);
    let runner = channel.clone();
    let task = tokio::spawn(async move { runner.run(sink).await });
    standin
        .until(WAIT, "the first poll", |s| !s.polls.is_empty())
        .await;
    // A message of a shape teloxide does not know, then a normal one.
    standin.state().updates.push(serde_json::json!({
        "update_id": 99,
        "message": {"message_id": "not a number", "text": "Ann Lee, 12 Oak St"}
    }));
    let id = standin.customer_says(ALICE, "hello?");
    let delivery = next(&mut deliveries).await;
    assert_eq!(
        delivery.inbound.platform_message_id,
        format!("{ALICE}:{id}")
    );
    delivery.ack.send(Ok(Ack::Stored)).unwrap();
    standin
        .until(WAIT, "both updates confirmed", |s| s.updates.is_empty())
        .await;
    task.abort();
    let kept = store.load("telegram:unreadable:99").expect("kept aside");
    assert!(kept.contains("12 Oak St"), "{kept}");
}
