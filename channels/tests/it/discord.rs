//! The Discord channel against the stand-in (REST + gateway on 127.0.0.1).
#![cfg(feature = "discord")]

use support::discord as discord_standin;

use discord_standin::{DiscordStandin, BOT_ID};
use kefu_channels::discord::{DiscordChannel, DiscordConfig};
use kefu_channels::{
    Ack, Channel, ChannelKind, CursorStore, Inbound, InboundSink, MemoryCursorStore, Outbound,
    SendError, Thread,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(30);
const ALICE: u64 = 2_200_000_000_000_000_001;
const BOB: u64 = 2_200_000_000_000_000_002;

/// Stands in for the daemon: stores each inbound once, answers replays as
/// duplicates.
#[derive(Clone, Default)]
struct Store {
    stored: Arc<Mutex<Vec<Inbound>>>,
    deliveries: Arc<Mutex<usize>>,
}

impl Store {
    fn sink(&self) -> InboundSink {
        let (sink, mut deliveries) = InboundSink::new(16);
        let store = self.clone();
        tokio::spawn(async move {
            while let Some(delivery) = deliveries.recv().await {
                *store.deliveries.lock().unwrap() += 1;
                let mut stored = store.stored.lock().unwrap();
                let ack = if stored.iter().any(|i| i.key() == delivery.inbound.key()) {
                    Ack::Duplicate
                } else {
                    stored.push(delivery.inbound);
                    Ack::Stored
                };
                let _ = delivery.ack.send(Ok(ack));
            }
        });
        sink
    }

    fn ids(&self) -> Vec<String> {
        self.stored
            .lock()
            .unwrap()
            .iter()
            .map(|i| i.platform_message_id.clone())
            .collect()
    }

    fn get(&self, id: &str) -> Option<Inbound> {
        self.stored
            .lock()
            .unwrap()
            .iter()
            .find(|i| i.platform_message_id == id)
            .cloned()
    }

    async fn wait_for(&self, id: &str) -> Inbound {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(inbound) = self.get(id) {
                return inbound;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "message {id} never arrived; stored {:?}",
                self.ids()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A channel configured for the stand-in; `cursors` stands in for the
/// daemon's durable cursor store.
fn config(
    standin: &DiscordStandin,
    channels: &[u64],
    cursors: Option<Arc<dyn CursorStore>>,
) -> DiscordConfig {
    DiscordConfig {
        token: discord_standin::TOKEN.into(),
        api_url: standin.api_url(),
        channels: channels.iter().map(u64::to_string).collect(),
        cursors: cursors.unwrap_or_else(|| Arc::new(MemoryCursorStore::default())),
        catch_up_hours: 72,
    }
}

/// Start the channel and wait until its gateway session is ready.
async fn start(
    standin: &DiscordStandin,
    config: DiscordConfig,
    store: &Store,
) -> (Arc<DiscordChannel>, JoinHandle<anyhow::Result<()>>) {
    let channel = Arc::new(DiscordChannel::new(config).expect("channel"));
    let runner = channel.clone();
    let sink = store.sink();
    let task = tokio::spawn(async move { runner.run(sink).await });
    standin
        .until(WAIT, "the bot to connect", |s| s.connected())
        .await;
    (channel, task)
}

fn reply(inbound: &Inbound, text: &str) -> Outbound {
    Outbound {
        channel: ChannelKind::Discord,
        thread: inbound.thread.clone(),
        text: text.into(),
        reply_to: Some(inbound.platform_message_id.clone()),
        attachments: vec![],
        annotations: Default::default(),
        buttons: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_comes_in_and_the_reply_references_it() {
    let standin = DiscordStandin::start().await;
    let store = Store::default();
    let (channel, _task) = start(&standin, config(&standin, &[], None), &store).await;
    assert_eq!(standin.count_op("IDENTIFY"), 1);

    let id = standin.dm(ALICE, "Alice", "Where is my order #W2378156?");
    let inbound = store.wait_for(&id).await;
    assert_eq!(inbound.channel, ChannelKind::Discord);
    assert_eq!(inbound.text, "Where is my order #W2378156?");
    assert_eq!(inbound.sender.id, ALICE.to_string());
    assert_eq!(inbound.sender.display_name.as_deref(), Some("Alice"));
    assert_eq!(
        inbound.thread,
        Thread {
            id: standin.dm_channel(ALICE).to_string(),
            route: None
        }
    );
    assert!(
        inbound.received_at.abs_diff(kefu_channels::now_millis()) < 60_000,
        "timestamp from the snowflake"
    );

    let sent_id = channel
        .send(&reply(&inbound, "It shipped yesterday."))
        .await
        .expect("send");
    let sent = standin.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].channel_id, inbound.thread.id);
    assert_eq!(sent[0].body["content"], "It shipped yesterday.");
    assert_eq!(sent[0].body["message_reference"]["message_id"], id.as_str());
    assert_eq!(sent[0].message["id"], sent_id.as_str());
    assert_eq!(
        sent[0].body["allowed_mentions"]["parse"],
        serde_json::json!([]),
        "replies never mass-ping"
    );

    // The bot's own reply came back over the gateway and was not taken as input.
    let next = standin.dm_reply(ALICE, "Alice", "Thanks!", &sent_id);
    assert_eq!(
        store.wait_for(&next).await.reply_to.as_deref(),
        Some(sent_id.as_str())
    );
    assert_eq!(store.ids(), vec![id, next]);
    assert!(
        standin.unknown_requests().is_empty(),
        "{:?}",
        standin.unknown_requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guild_messages_need_a_mention_or_a_configured_channel() {
    let standin = DiscordStandin::start().await;
    let store = Store::default();
    let (guild, open, other) = (
        3_300_000_000_000_000_001,
        3_300_000_000_000_000_002,
        3_300_000_000_000_000_003,
    );
    let (_channel, _task) = start(&standin, config(&standin, &[open], None), &store).await;

    let ignored = standin.guild(
        guild,
        other,
        ALICE,
        "Alice",
        "chatting among ourselves",
        false,
    );
    let mentioned = standin.guild(guild, other, ALICE, "Alice", "can you help?", true);
    let configured = standin.guild(guild, open, ALICE, "Alice", "help please", false);
    let bot = standin.bot_dm(4_400_000_000_000_000_001, "beep");
    let last = standin.dm(ALICE, "Alice", "last");
    store.wait_for(&last).await;
    assert_eq!(
        store.get(&mentioned).unwrap().text,
        "can you help?",
        "the mention is taken out"
    );
    assert_eq!(store.get(&configured).unwrap().thread.id, open.to_string());
    let ids = store.ids();
    assert!(!ids.contains(&ignored) && !ids.contains(&bot), "{ids:?}");
    assert_eq!(ids.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_and_reconnect_resume_and_nothing_is_lost() {
    let standin = DiscordStandin::start().await;
    let store = Store::default();
    let (_channel, _task) = start(&standin, config(&standin, &[], None), &store).await;
    let first = standin.dm(ALICE, "Alice", "one");
    store.wait_for(&first).await;

    // A dropped TCP connection: RESUME, and the message sent meanwhile is replayed.
    standin.drop_connection();
    let during_drop = standin.dm(ALICE, "Alice", "two");
    standin
        .until(WAIT, "RESUME after a drop", |s| {
            s.count_op("RESUME") == 1 && s.connected()
        })
        .await;
    store.wait_for(&during_drop).await;

    // RECONNECT (op 7): RESUME again; the next message still arrives.
    standin.reconnect();
    standin
        .until(WAIT, "RESUME after op 7", |s| s.count_op("RESUME") == 2)
        .await;
    let after_reconnect = standin.dm(ALICE, "Alice", "three");
    store.wait_for(&after_reconnect).await;

    // A resume Discord refuses: the bot IDENTIFYs again and fetches the
    // message the lost session never delivered from the channel's history.
    standin.refuse_resume(true);
    standin.drop_connection();
    let lost_with_session = standin.dm(ALICE, "Alice", "four");
    standin
        .until(WAIT, "a new IDENTIFY", |s| {
            s.count_op("IDENTIFY") == 2 && s.connected()
        })
        .await;
    store.wait_for(&lost_with_session).await;
    let after_identify = standin.dm(ALICE, "Alice", "five");
    store.wait_for(&after_identify).await;

    assert_eq!(
        store.ids(),
        vec![
            first,
            during_drop,
            after_reconnect,
            lost_with_session,
            after_identify
        ]
    );
    // Heartbeats are acknowledged: two intervals pass without a reconnect.
    let beats = standin.count_op("HEARTBEAT");
    standin
        .until(WAIT, "two heartbeats", |s| {
            s.count_op("HEARTBEAT") >= beats + 2
        })
        .await;
    assert_eq!(
        (standin.count_op("IDENTIFY"), standin.count_op("RESUME")),
        (2, 3),
        "{:?}",
        standin.ops()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_while_down_are_fetched_after_a_restart() {
    let cursors: Arc<dyn CursorStore> = Arc::new(MemoryCursorStore::default());
    let standin = DiscordStandin::start().await;
    let store = Store::default();
    let (_channel, task) = start(
        &standin,
        config(&standin, &[], Some(cursors.clone())),
        &store,
    )
    .await;
    let before = standin.dm(ALICE, "Alice", "before the restart");
    store.wait_for(&before).await;
    task.abort();
    let _ = task.await;
    standin
        .until(WAIT, "the bot to disconnect", |s| !s.connected())
        .await;

    let while_down = standin.dm(ALICE, "Alice", "sent while kefu was down");
    // Bob's DM channel is new: no mark, so nothing can find it until he
    // writes again; then what he wrote meanwhile comes first.
    let bob_first = standin.dm(BOB, "Bob", "anyone there?");
    let (_channel, _task) = start(&standin, config(&standin, &[], Some(cursors)), &store).await;
    store.wait_for(&while_down).await;
    let bob_again = standin.dm(BOB, "Bob", "hello?");
    store.wait_for(&bob_again).await;
    assert_eq!(store.ids(), vec![before, while_down, bob_first, bob_again]);
    // Marks move forward in batches: the move past "before" was not yet
    // written when the run stopped, so it comes once more (a replay the
    // daemon ignores); nothing older than the mark is fetched.
    assert_eq!(
        *store.deliveries.lock().unwrap(),
        5,
        "only what is after the written mark is fetched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_reply_is_split_in_two() {
    let standin = DiscordStandin::start().await;
    let store = Store::default();
    let (channel, _task) = start(&standin, config(&standin, &[], None), &store).await;
    let id = standin.dm(ALICE, "Alice", "tell me everything");
    let inbound = store.wait_for(&id).await;

    let text = "lorem ipsum ".repeat(208) + "end"; // 2499 characters
    let first = channel.send(&reply(&inbound, &text)).await.expect("send");
    let sent = standin.sent();
    assert_eq!(sent.len(), 2);
    let parts: Vec<&str> = sent
        .iter()
        .map(|s| s.body["content"].as_str().unwrap())
        .collect();
    assert!(
        parts.iter().all(|p| p.chars().count() <= 2000),
        "{:?}",
        parts.iter().map(|p| p.len()).collect::<Vec<_>>()
    );
    assert_eq!(parts.join(" "), text, "split at a space, nothing lost");
    assert_eq!(sent[0].body["message_reference"]["message_id"], id.as_str());
    assert!(sent[1]
        .body
        .get("message_reference")
        .is_none_or(|r| r.is_null()));
    assert_eq!(first, sent[0].message["id"].as_str().unwrap());

    // The same reply again (a retry after a lost answer): Discord's nonce
    // check returns the messages already created.
    assert_eq!(
        channel.send(&reply(&inbound, &text)).await.expect("resend"),
        first
    );
    assert_eq!(standin.sent().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_failures_map_to_what_the_outbox_needs() {
    let standin = DiscordStandin::start().await;
    let store = Store::default();
    let (channel, _task) = start(&standin, config(&standin, &[], None), &store).await;
    let id = standin.dm(ALICE, "Alice", "hello?");
    let inbound = store.wait_for(&id).await;
    let answer = reply(&inbound, "Hello!");

    standin.fail_creates(&[429, 500]);
    assert!(matches!(
        channel.send(&answer).await,
        Err(SendError::RateLimited(_))
    ));
    assert!(matches!(
        channel.send(&answer).await,
        Err(SendError::Transient(_))
    ));
    channel.send(&answer).await.expect("third time lucky");
    assert_eq!(standin.failed(), vec![429, 500]);
    assert_eq!(standin.sent().len(), 1);

    let nowhere = Outbound {
        thread: Thread {
            id: "12345".into(),
            route: None,
        },
        ..answer.clone()
    };
    assert!(
        matches!(channel.send(&nowhere).await, Err(SendError::Permanent(_))),
        "404 Unknown Channel"
    );
    let empty = Outbound {
        text: "  ".into(),
        ..answer
    };
    assert!(matches!(
        channel.send(&empty).await,
        Err(SendError::Permanent(_))
    ));
    assert_eq!(
        BOT_ID.to_string(),
        standin.sent()[0].message["author"]["id"].as_str().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_fails_the_run() {
    let standin = DiscordStandin::start().await;
    let mut cfg = config(&standin, &[], None);
    cfg.token = "not-the-token".into();
    let channel = DiscordChannel::new(cfg).expect("channel");
    let error = tokio::time::timeout(WAIT, channel.run(Store::default().sink()))
        .await
        .expect("run ends")
        .unwrap_err();
    assert!(format!("{error:#}").contains("401"), "{error:#}");
}

/// Whether a DM Bob wrote while kefu was down is caught up, when his
/// channel's mark is ten days old and the window is `catch_up_hours`.
async fn caught_up_after_ten_quiet_days(catch_up_hours: u64) -> bool {
    let standin = DiscordStandin::start().await;
    let bob_channel = standin.dm_channel(BOB);
    let missed = standin.dm(BOB, "Bob", "written while kefu was down");
    let ten_days = 10 * 24 * 3600 * 1000;
    let old = (kefu_channels::now_millis() - ten_days - 1_420_070_400_000) << 22;
    let cursors: Arc<dyn CursorStore> = Arc::new(MemoryCursorStore::default());
    let marks = serde_json::json!({ bob_channel.to_string(): {"last": old, "dm": true} });
    cursors
        .save(
            kefu_channels::discord::cursor::CURSOR_KEY,
            &marks.to_string(),
        )
        .unwrap();
    let store = Store::default();
    let mut config = config(&standin, &[], Some(cursors));
    config.catch_up_hours = catch_up_hours;
    let (_channel, task) = start(&standin, config, &store).await;
    // Alice's message after READY shows the catch-up is over.
    let later = standin.dm(ALICE, "Alice", "hello");
    store.wait_for(&later).await;
    task.abort();
    store.ids().contains(&missed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_quiet_for_longer_than_the_catch_up_window_are_not_walked() {
    assert!(
        !caught_up_after_ten_quiet_days(72).await,
        "skipped with 72 h"
    );
    assert!(
        caught_up_after_ten_quiet_days(24 * 30).await,
        "walked with 30 days"
    );
}
