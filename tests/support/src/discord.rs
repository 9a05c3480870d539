//! A Discord stand-in on 127.0.0.1 (random port) speaking the real
//! protocols, REST and gateway on one port:
//!
//! - REST (`/api/v10`): `GET /gateway`, `GET /gateway/bot` (the gateway is
//!   `ws://127.0.0.1:PORT`), `GET /users/@me`, `GET /channels/{id}/messages`
//!   (`after`/`before`/`limit`, newest first), `POST /channels/{id}/messages`
//!   (recorded with its body; a full Message object back, `message_reference`
//!   and `referenced_message` included, `enforce_nonce` honoured, the
//!   2000-character limit and empty messages refused like Discord), a `Bot`
//!   token checked on every call, and scripted 429/500 answers.
//! - Gateway (JSON text frames): HELLO (op 10), IDENTIFY (op 2, token
//!   checked: 4004 on a wrong one) → READY, HEARTBEAT (op 1) →
//!   HEARTBEAT_ACK (op 11), RESUME (op 6) → replay of missed dispatches and
//!   RESUMED (or INVALID_SESSION op 9 when refused), MESSAGE_CREATE
//!   dispatches with sequence numbers, RECONNECT (op 7), dropped connections.
//!   Without the MESSAGE_CONTENT intent a guild message not mentioning the
//!   bot arrives with empty content, as on Discord.
#![allow(dead_code)]

mod gateway;
mod rest;

use gateway::{publish, send_live};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The token the stand-in accepts.
pub const TOKEN: &str = "standin-token.kefu.test";
/// The bot's user id.
pub const BOT_ID: u64 = 1_100_000_000_000_000_001;
const BOT_ID_STR: &str = "1100000000000000001";
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
const MESSAGE_CONTENT: u64 = 1 << 15;

/// One `POST /channels/{id}/messages` the stand-in accepted.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The channel posted to.
    pub channel_id: String,
    /// The request body as sent by the client.
    pub body: Value,
    /// The Message object answered.
    pub message: Value,
}

enum Ctl {
    Send(String),
    Drop,
}

struct Session {
    seq: u64,
    /// Dispatches by sequence number, for RESUME replays.
    log: Vec<(u64, String)>,
    conn: Option<(u64, tokio::sync::mpsc::UnboundedSender<Ctl>)>,
    intents: u64,
}

#[derive(Default)]
struct Inner {
    last_id: u64,
    heartbeat_ms: u64,
    sessions: HashMap<String, Session>,
    current: Option<String>,
    history: BTreeMap<u64, Vec<Value>>,
    sent: Vec<Sent>,
    nonces: HashMap<String, Value>,
    failures: VecDeque<u16>,
    failed: Vec<u16>,
    refuse_resume: bool,
    dm_channels: HashMap<u64, u64>,
    ops: Vec<String>,
    unknown: Vec<String>,
    next_conn: u64,
    /// Button presses dispatched: (interaction id, token, custom id).
    presses: Vec<(String, String, String)>,
    /// Interaction responses received: (interaction id, body).
    press_answers: Vec<(String, Value)>,
}

/// The running stand-in; stops with the runtime it was started on.
#[derive(Clone)]
pub struct DiscordStandin {
    /// Where it listens.
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

impl DiscordStandin {
    /// Listen on a random 127.0.0.1 port (on the current tokio runtime).
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the stand-in");
        let addr = listener.local_addr().unwrap();
        let inner = Arc::new(Mutex::new(Inner {
            heartbeat_ms: 2_000,
            ..Inner::default()
        }));
        let standin = Self { addr, inner };
        let server = standin.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let server = server.clone();
                tokio::spawn(async move { server.serve(stream).await });
            }
        });
        standin
    }

    /// User `user_id` presses the button `custom_id` under the bot's message
    /// `message_id` in their DM: an INTERACTION_CREATE (a component
    /// interaction) to the current session; gives the interaction id.
    pub fn press_button(&self, user_id: u64, message_id: &str, custom_id: &str) -> String {
        let mut inner = self.lock();
        let message = inner
            .sent
            .iter()
            .find(|s| s.message["id"] == message_id)
            .map(|s| s.message.clone())
            .expect("the bot's message with the button");
        inner.last_id += 1;
        let id = (inner.last_id + 1_000_000_000_000_000_000).to_string();
        let token = format!("interaction-token-{id}");
        inner
            .presses
            .push((id.clone(), token.clone(), custom_id.to_string()));
        let channel = message["channel_id"].clone();
        let event = json!({
            "id": id, "application_id": BOT_ID_STR, "type": 3, "token": token, "version": 1,
            "channel_id": channel, "channel": {"id": channel, "type": 1},
            "user": {"id": user_id.to_string(), "username": "customer", "discriminator": "0",
                     "global_name": "Customer", "avatar": null},
            "message": message,
            "data": {"custom_id": custom_id, "component_type": 2},
            "locale": "en-US", "app_permissions": "0", "entitlements": [],
            "authorizing_integration_owners": {}, "context": 1,
            "attachment_size_limit": 10_485_760,
        });
        if let Some(session) = inner.current.clone() {
            gateway::dispatch(&mut inner, &session, "INTERACTION_CREATE", event);
        }
        id
    }

    /// Interaction responses kefu gave: (interaction id, body).
    pub fn press_answers(&self) -> Vec<(String, Value)> {
        self.lock().press_answers.clone()
    }

    /// The REST base to configure (`discord.api_url`).
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    // ---- test hooks -------------------------------------------------------

    /// A user writes `text` to the bot in a DM; returns the message id.
    pub fn dm(&self, user_id: u64, name: &str, text: &str) -> String {
        self.create(None, None, user_id, name, text, false, None)
    }

    /// A user replies in a DM to message `reply_to`.
    pub fn dm_reply(&self, user_id: u64, name: &str, text: &str, reply_to: &str) -> String {
        self.create(None, None, user_id, name, text, false, Some(reply_to))
    }

    /// A user writes in guild channel `channel_id`, mentioning the bot or not.
    pub fn guild(
        &self,
        guild_id: u64,
        channel_id: u64,
        user_id: u64,
        name: &str,
        text: &str,
        mention: bool,
    ) -> String {
        self.create(
            Some(guild_id),
            Some(channel_id),
            user_id,
            name,
            text,
            mention,
            None,
        )
    }

    /// Another bot writes in a DM channel shared with the bot.
    pub fn bot_dm(&self, bot_id: u64, text: &str) -> String {
        let mut inner = self.lock();
        let channel = dm_channel(&mut inner, bot_id);
        let id = next_id(&mut inner);
        let author = json!({"id": bot_id.to_string(), "username": "otherbot", "discriminator": "0", "global_name": null, "avatar": null, "bot": true});
        let message = message_json(id, channel, None, author, text, vec![], None);
        publish(&mut inner, channel, message);
        id.to_string()
    }

    /// A user sends the bot a sticker alone in a DM (no text, no file).
    pub fn dm_sticker(&self, user_id: u64, name: &str, sticker: &str) -> String {
        let mut inner = self.lock();
        let channel = dm_channel(&mut inner, user_id);
        let id = next_id(&mut inner);
        let author = json!({"id": user_id.to_string(), "username": name.to_lowercase(), "discriminator": "0", "global_name": name, "avatar": null, "public_flags": 0});
        let mut message = message_json(id, channel, None, author, "", vec![], None);
        message["sticker_items"] =
            json!([{"id": "749054660769218631", "name": sticker, "format_type": 1}]);
        publish(&mut inner, channel, message);
        id.to_string()
    }

    /// The DM channel id of `user_id`.
    pub fn dm_channel(&self, user_id: u64) -> u64 {
        dm_channel(&mut self.lock(), user_id)
    }

    /// Send RECONNECT (op 7) on the live gateway connection.
    pub fn reconnect(&self) {
        let inner = self.lock();
        send_live(
            &inner,
            json!({"op": 7, "d": null, "s": null, "t": null}).to_string(),
        );
    }

    /// Drop the live gateway connection without a closing handshake.
    pub fn drop_connection(&self) {
        let inner = self.lock();
        if let Some((_, tx)) = inner
            .current
            .as_ref()
            .and_then(|s| inner.sessions.get(s))
            .and_then(|s| s.conn.as_ref())
        {
            let _ = tx.send(Ctl::Drop);
        }
    }

    /// Answer RESUME with INVALID_SESSION (not resumable) from now on.
    pub fn refuse_resume(&self, refuse: bool) {
        self.lock().refuse_resume = refuse;
    }

    /// Answer the next message creates with these statuses (429, 500, …).
    pub fn fail_creates(&self, statuses: &[u16]) {
        self.lock().failures.extend(statuses);
    }

    /// Statuses answered from the scripted failures so far.
    pub fn failed(&self) -> Vec<u16> {
        self.lock().failed.clone()
    }

    /// Every message the bot created, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.lock().sent.clone()
    }

    /// Gateway opcodes received, in order (`IDENTIFY`, `RESUME`, `HEARTBEAT`).
    pub fn ops(&self) -> Vec<String> {
        self.lock().ops.clone()
    }

    /// Count of one gateway opcode received.
    pub fn count_op(&self, op: &str) -> usize {
        self.lock().ops.iter().filter(|o| *o == op).count()
    }

    /// REST calls the stand-in does not know.
    pub fn unknown_requests(&self) -> Vec<String> {
        self.lock().unknown.clone()
    }

    /// Whether a session is connected and ready (READY or RESUMED sent).
    pub fn connected(&self) -> bool {
        let inner = self.lock();
        inner
            .current
            .as_ref()
            .and_then(|s| inner.sessions.get(s))
            .is_some_and(|s| s.conn.is_some())
    }

    /// Poll `check` until it holds or `timeout` passes (blocking).
    pub fn wait(&self, timeout: Duration, what: &str, check: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + timeout;
        while !check(self) {
            assert!(
                Instant::now() < deadline,
                "stand-in: timed out waiting for {what}; ops {:?}",
                self.ops()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Poll `check` until it holds or `timeout` passes (async).
    pub async fn until(&self, timeout: Duration, what: &str, check: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + timeout;
        while !check(self) {
            assert!(
                Instant::now() < deadline,
                "stand-in: timed out waiting for {what}; ops {:?}",
                self.ops()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn create(
        &self,
        guild: Option<u64>,
        channel: Option<u64>,
        user_id: u64,
        name: &str,
        text: &str,
        mention: bool,
        reply_to: Option<&str>,
    ) -> String {
        let mut inner = self.lock();
        let channel = channel.unwrap_or_else(|| dm_channel(&mut inner, user_id));
        let id = next_id(&mut inner);
        let author = json!({"id": user_id.to_string(), "username": name.to_lowercase(), "discriminator": "0", "global_name": name, "avatar": null, "public_flags": 0});
        let (content, mentions) = if mention {
            (format!("<@{BOT_ID}> {text}"), vec![bot_user()])
        } else {
            (text.to_string(), vec![])
        };
        let reference = reply_to
            .map(|r| json!({"type": 0, "message_id": r, "channel_id": channel.to_string()}));
        let mut message = message_json(id, channel, guild, author, &content, mentions, reference);
        if let Some(reply_to) = reply_to {
            message["referenced_message"] = find(&inner, channel, reply_to).unwrap_or(Value::Null);
            message["type"] = json!(19);
        }
        publish(&mut inner, channel, message);
        id.to_string()
    }
}

fn bot_user() -> Value {
    json!({"id": BOT_ID.to_string(), "username": "kefu-bot", "discriminator": "0", "global_name": null, "avatar": null,
           "bot": true, "flags": 0, "public_flags": 0, "mfa_enabled": false, "verified": true, "email": null})
}

/// A snowflake for now, strictly increasing.
fn next_id(inner: &mut Inner) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let id = ((now - DISCORD_EPOCH_MS) << 22).max(inner.last_id + 1);
    inner.last_id = id;
    id
}

fn dm_channel(inner: &mut Inner, user_id: u64) -> u64 {
    if let Some(channel) = inner.dm_channels.get(&user_id) {
        return *channel;
    }
    let channel = next_id(inner);
    inner.dm_channels.insert(user_id, channel);
    inner.history.insert(channel, Vec::new());
    channel
}

fn guild_of(inner: &Inner, channel: u64) -> Option<u64> {
    inner
        .history
        .get(&channel)?
        .iter()
        .find_map(|m| m["guild_id"].as_str()?.parse().ok())
}

fn find(inner: &Inner, channel: u64, id: &str) -> Option<Value> {
    inner
        .history
        .get(&channel)?
        .iter()
        .find(|m| m["id"] == id)
        .cloned()
}

fn message_json(
    id: u64,
    channel: u64,
    guild: Option<u64>,
    author: Value,
    content: &str,
    mentions: Vec<Value>,
    reference: Option<Value>,
) -> Value {
    let mut message = json!({
        "id": id.to_string(), "channel_id": channel.to_string(), "author": author, "content": content,
        "timestamp": iso8601((id >> 22) + DISCORD_EPOCH_MS), "edited_timestamp": null, "tts": false,
        "mention_everyone": false, "mentions": mentions, "mention_roles": [], "attachments": [], "embeds": [],
        "components": [], "pinned": false, "type": 0, "flags": 0
    });
    if let Some(guild) = guild {
        message["guild_id"] = json!(guild.to_string());
        message["member"] = json!({"roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0, "nick": null});
    }
    if let Some(reference) = reference {
        message["message_reference"] = reference;
    }
    message
}

/// `2024-05-01T12:00:00.123000+00:00` for Unix milliseconds.
fn iso8601(ms: u64) -> String {
    let (secs, millis) = (ms / 1000, ms % 1000);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}000+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
