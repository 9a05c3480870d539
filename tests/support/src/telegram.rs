//! A Telegram Bot API stand-in on 127.0.0.1, faithful to what kefu uses:
//! `getMe` (a full User object), `getUpdates` (offset confirms and drops
//! earlier updates, a negative offset keeps only the last ones, `limit`,
//! long polls held until an update arrives or `timeout` passes, a newer
//! poll ends an older one with 409 as Telegram does) and `sendMessage`
//! (checks chat, text and reply target like Telegram, answers a full
//! Message), and forum supergroups (`createForumTopic`, `message_thread_id`
//! checked on `sendMessage`: "message thread not found" for a deleted
//! topic; see `telegram_forum.rs`). Method names match case-insensitively (teloxide sends
//! `GetUpdates`); parameters come as JSON, form or query string. Failures
//! (429 with `parameters.retry_after`, 500, 400) can be queued for the
//! next `sendMessage` calls; every call is recorded.
#![allow(dead_code)]

mod forum;
mod http;
mod media;

use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// The token the stand-in accepts.
pub const TOKEN: &str = "123456:TEST-token";
/// The bot's user id.
pub const BOT_ID: i64 = 7000;

/// A failure to answer a `sendMessage` call with instead of sending.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// 429 with `parameters.retry_after` in seconds.
    TooManyRequests(u64),
    /// 500 Internal Server Error.
    ServerError,
    /// 400 with this description (e.g. "Bad Request: chat not found").
    BadRequest(&'static str),
}

/// One `sendMessage` call: when, and the status it got.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// When the call arrived.
    pub at: Instant,
    /// The HTTP status answered.
    pub status: u16,
}

/// One `getUpdates` call.
#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    /// Its `offset`, if any.
    pub offset: Option<i64>,
    /// Its `timeout` in seconds.
    pub timeout: u64,
}

/// What the stand-in holds; tests read it through [`TelegramStandin::state`].
#[derive(Default)]
pub struct State {
    /// Updates not yet confirmed by an offset.
    pub updates: Vec<Value>,
    /// Every `getUpdates` call, in order.
    pub polls: Vec<Poll>,
    /// Messages the bot sent: the full Message with the request under
    /// `"request"`.
    pub sent: Vec<Value>,
    /// Every `sendMessage` call, failed ones included.
    pub attempts: Vec<Attempt>,
    /// Failures for the next `sendMessage` calls, first first.
    pub failures: VecDeque<Failure>,
    /// Chats whose every `sendMessage` fails with 500 (a recipient the
    /// platform keeps refusing).
    pub broken_chats: Vec<i64>,
    /// The next `getUpdates` calls answered 502 Bad Gateway (nothing
    /// confirmed, nothing delivered).
    pub failing_polls: usize,
    /// `sendMessage` calls still answered normally before `failures` apply.
    pub pass_before_failing: usize,
    /// Requests for unknown methods or with a wrong token.
    pub unknown: Vec<String>,
    /// Forum supergroups by chat id: their topics, by thread id, with
    /// their name; a deleted topic is gone from the map.
    pub forums: std::collections::HashMap<i64, std::collections::BTreeMap<i64, String>>,
    /// `answerCallbackQuery` calls: the ids of the presses answered.
    pub answered_presses: Vec<Value>,
    /// Every `createForumTopic` call that succeeded: (chat, thread id).
    pub topics_created: Vec<(i64, i64)>,
    /// Every message in any chat (customers' and the bot's), to check
    /// reply targets and to quote them in `reply_to_message`.
    messages: Vec<Value>,
    next_update: i64,
    next_message: i64,
    /// Bumped by each poll; a waiting poll that sees a newer one ends.
    poll_generation: u64,
}

/// A running stand-in.
#[derive(Clone)]
pub struct TelegramStandin {
    /// `http://127.0.0.1:PORT`
    pub api_url: String,
    state: Arc<Mutex<State>>,
    news: Arc<Notify>,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn error(code: u16, description: &str) -> (u16, Value) {
    (
        code,
        json!({"ok": false, "error_code": code, "description": description}),
    )
}

impl TelegramStandin {
    /// Start on a free port (needs a tokio runtime).
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api_url = format!("http://{}", listener.local_addr().unwrap());
        let state = State {
            next_update: 100,
            next_message: 5000,
            ..State::default()
        };
        let standin = Self {
            api_url,
            state: Arc::new(Mutex::new(state)),
            news: Arc::new(Notify::new()),
        };
        let server = standin.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move { server.serve(stream).await });
            }
        });
        standin
    }

    /// A customer writes `text` in private chat `chat` (user id = chat id);
    /// returns the message id.
    pub fn customer_says(&self, chat: i64, text: &str) -> i64 {
        self.customer_sends(chat, json!({ "text": text }))
    }

    /// A customer's message with these extra fields (`text`, `caption`,
    /// `photo`, `document`, `reply_to_message_id` → a quoted
    /// `reply_to_message`); returns the message id.
    pub fn customer_sends(&self, chat: i64, fields: Value) -> i64 {
        let mut s = self.state();
        let (update_id, message_id) = (s.next_update, s.next_message);
        s.next_update += 1;
        s.next_message += 1;
        let mut message = json!({"message_id": message_id, "date": now_secs(),
            "chat": {"id": chat, "type": "private", "first_name": "Cust", "last_name": "Omer"},
            "from": {"id": chat, "is_bot": false, "first_name": "Cust", "last_name": "Omer",
                     "language_code": "en"}});
        for (k, v) in fields.as_object().expect("an object of message fields") {
            if k == "reply_to_message_id" {
                message["reply_to_message"] = s.find(chat, v.as_i64().unwrap()).expect("quoted");
            } else {
                message[k] = v.clone();
            }
        }
        s.messages.push(message.clone());
        s.updates
            .push(json!({"update_id": update_id, "message": message}));
        drop(s);
        self.news.notify_waiters();
        message_id
    }

    /// The customer of private chat `chat` presses the inline button with
    /// `data` under the bot's message `message`; returns the press's id.
    pub fn press_button(&self, chat: i64, message: i64, data: &str) -> String {
        let mut s = self.state();
        let under = s.find(chat, message).expect("the message with the button");
        let update_id = s.next_update;
        s.next_update += 1;
        let id = format!("press{update_id}");
        s.updates
            .push(json!({"update_id": update_id, "callback_query": {
            "id": id, "chat_instance": format!("ci{chat}"), "data": data, "message": under,
            "from": {"id": chat, "is_bot": false, "first_name": "Cust", "last_name": "Omer"}}}));
        drop(s);
        self.news.notify_waiters();
        id
    }

    /// Member `user` writes `text` in group `group` (a negative chat id);
    /// returns the message id.
    pub fn member_says(&self, group: i64, user: i64, text: &str) -> i64 {
        self.customer_sends(
            group,
            json!({
                "text": text,
                "chat": {"id": group, "type": "group", "title": "Shop fans"},
                "from": {"id": user, "is_bot": false, "first_name": format!("User{user}"),
                         "language_code": "en"},
            }),
        )
    }

    /// Answer the next `sendMessage` calls with these failures, in order.
    pub fn fail_next_sends(&self, failures: &[Failure]) {
        self.fail_sends_after(0, failures);
    }

    /// Let `pass` more `sendMessage` calls succeed, then answer the next
    /// ones with these failures, in order.
    pub fn fail_sends_after(&self, pass: usize, failures: &[Failure]) {
        let mut s = self.state();
        s.pass_before_failing = pass;
        s.failures.extend(failures.iter().cloned());
    }

    /// Lock the state to read it.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Poll `done` until it holds, panicking with `what` after `timeout`
    /// (blocking: for tests that run the stand-in on another runtime).
    pub fn wait(&self, timeout: Duration, what: &str, done: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + timeout;
        while !done(&self.state()) {
            assert!(
                Instant::now() < deadline,
                "stand-in: timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Poll `done` until it holds, panicking with `what` after `timeout`.
    pub async fn until(&self, timeout: Duration, what: &str, done: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + timeout;
        while !done(&self.state()) {
            assert!(
                Instant::now() < deadline,
                "stand-in: timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn serve(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream);
        // Keep-alive: answer requests on this connection until it closes.
        while let Some((target, params)) = http::read_request(&mut reader).await {
            let (status, answer) = self.answer(&target, params).await;
            let body = answer.to_string();
            let head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                if status == 200 { "OK" } else { "Error" },
                body.len()
            );
            let stream = reader.get_mut();
            if stream.write_all(head.as_bytes()).await.is_err()
                || stream.write_all(body.as_bytes()).await.is_err()
            {
                return;
            }
        }
    }

    async fn answer(&self, target: &str, params: Map<String, Value>) -> (u16, Value) {
        let method = target
            .strip_prefix(&format!("/bot{TOKEN}/"))
            .map(|m| m.to_ascii_lowercase());
        match method.as_deref() {
            Some("getme") => (
                200,
                json!({"ok": true, "result": {"id": BOT_ID, "is_bot": true,
                "first_name": "Kefu", "username": "kefu_test_bot", "can_join_groups": true,
                "can_read_all_group_messages": false, "supports_inline_queries": false,
                "can_connect_to_business": false, "has_main_web_app": false}}),
            ),
            Some("getupdates") => self.get_updates(&params).await,
            Some("sendmessage") => self.send_message(&params),
            Some("sendphoto") => self.state().send_photo(&params),
            Some("createforumtopic") => self.state().create_forum_topic(&params),
            Some("answercallbackquery") => {
                let id = params.get("callback_query_id").cloned().unwrap_or_default();
                self.state().answered_presses.push(id);
                (200, json!({"ok": true, "result": true}))
            }
            _ => {
                // A wrong token is 401; a right token with an unknown method 404.
                let path = target.replace(TOKEN, "TOKEN");
                self.state().unknown.push(path);
                match method {
                    None => error(401, "Unauthorized"),
                    Some(_) => error(404, "Not Found"),
                }
            }
        }
    }

    async fn get_updates(&self, params: &Map<String, Value>) -> (u16, Value) {
        let offset = number(params.get("offset"));
        let limit = number(params.get("limit")).unwrap_or(100).clamp(1, 100) as usize;
        let timeout = number(params.get("timeout")).unwrap_or(0).clamp(0, 50) as u64;
        {
            let mut s = self.state();
            if s.failing_polls > 0 {
                s.failing_polls -= 1;
                return error(502, "Bad Gateway");
            }
        }
        let generation = {
            let mut s = self.state();
            s.polls.push(Poll { offset, timeout });
            match offset {
                // An offset confirms (forgets) every earlier update.
                Some(o) if o >= 0 => s.updates.retain(|u| u["update_id"].as_i64() >= Some(o)),
                // -N: only the last N updates are kept.
                Some(o) => {
                    let keep = s.updates.len().saturating_sub(o.unsigned_abs() as usize);
                    s.updates.drain(..keep);
                }
                None => {}
            }
            s.poll_generation += 1;
            s.poll_generation
        };
        // Wake an older waiting poll so it sees it was superseded.
        self.news.notify_waiters();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
        loop {
            let news = self.news.notified();
            tokio::pin!(news);
            news.as_mut().enable(); // no notification is lost before the wait
            {
                let s = self.state();
                if s.poll_generation != generation {
                    return error(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
                }
                if !s.updates.is_empty() || tokio::time::Instant::now() >= deadline {
                    let batch: Vec<Value> = s.updates.iter().take(limit).cloned().collect();
                    return (200, json!({"ok": true, "result": batch}));
                }
            }
            let _ = tokio::time::timeout_at(deadline, news).await;
        }
    }

    fn send_message(&self, params: &Map<String, Value>) -> (u16, Value) {
        let mut s = self.state();
        let answer = s.send_message(params);
        // Recorded with the status it got, validation refusals included.
        s.attempts.push(Attempt {
            at: Instant::now(),
            status: answer.0,
        });
        answer
    }
}

impl State {
    fn send_message(&mut self, params: &Map<String, Value>) -> (u16, Value) {
        let chat = params.get("chat_id").and_then(|c| match c {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        });
        if chat.is_some_and(|c| self.broken_chats.contains(&c)) {
            return error(500, "Internal Server Error");
        }
        let failure = if self.pass_before_failing > 0 {
            self.pass_before_failing -= 1;
            None
        } else {
            self.failures.pop_front()
        };
        match failure {
            Some(Failure::TooManyRequests(after)) => {
                return (
                    429,
                    json!({"ok": false, "error_code": 429,
                    "description": format!("Too Many Requests: retry after {after}"),
                    "parameters": {"retry_after": after}}),
                );
            }
            Some(Failure::ServerError) => return error(500, "Internal Server Error"),
            Some(Failure::BadRequest(description)) => return error(400, description),
            None => {}
        }
        let Some(chat) = number(params.get("chat_id")) else {
            return error(400, "Bad Request: chat not found");
        };
        let text = params
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if text.trim().is_empty() {
            return error(400, "Bad Request: message text is empty");
        }
        if text.encode_utf16().count() > 4096 {
            return error(400, "Bad Request: message is too long");
        }
        let reply = params
            .get("reply_parameters")
            .cloned()
            .unwrap_or(Value::Null);
        let quoted = match number(reply.get("message_id")) {
            Some(id) => match self.find(chat, id) {
                Some(original) => Some(original),
                None if reply["allow_sending_without_reply"] == true => None,
                None => return error(400, "Bad Request: message to be replied not found"),
            },
            None => None,
        };
        let topic = number(params.get("message_thread_id"));
        if let Some(refusal) = self.check_topic(chat, topic) {
            return refusal;
        }
        let mut message = self.bot_message(chat, topic, "text", json!(text));
        if let Some(original) = quoted {
            message["reply_to_message"] = original;
        }
        self.messages.push(message.clone());
        let mut record = message.clone();
        record["request"] = Value::Object(params.clone());
        self.sent.push(record);
        (200, json!({"ok": true, "result": message}))
    }

    /// A new message of the bot in `chat` (topic `topic`), carrying
    /// `value` as its `field` (`text`, `photo`).
    fn bot_message(&mut self, chat: i64, topic: Option<i64>, field: &str, value: Value) -> Value {
        let id = self.next_message;
        self.next_message += 1;
        let mut message = json!({"message_id": id, "date": now_secs(),
            "chat": self.chat_object(chat),
            "from": {"id": BOT_ID, "is_bot": true, "first_name": "Kefu", "username": "kefu_test_bot"}});
        message[field] = value;
        if let Some(topic) = topic {
            message["message_thread_id"] = json!(topic);
            if self.forums.contains_key(&chat) {
                message["is_topic_message"] = json!(true);
            }
        }
        message
    }

    fn find(&self, chat: i64, message_id: i64) -> Option<Value> {
        self.messages
            .iter()
            .find(|m| m["chat"]["id"] == chat && m["message_id"] == message_id)
            .cloned()
    }
}

/// A number given as a JSON number or a string (forms carry only strings).
fn number(value: Option<&Value>) -> Option<i64> {
    let value = value?;
    value
        .as_i64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}
