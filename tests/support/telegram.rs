//! A Telegram Bot API stand-in on 127.0.0.1: `getMe` (a full User object),
//! `getUpdates` with offset and long-poll timeout semantics, and
//! `sendMessage` returning a full Message. Method names match
//! case-insensitively; bodies may be JSON or form-encoded. Failures can be
//! queued for `sendMessage` (429 with `retry_after`, 500).
#![allow(dead_code)]

use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// The token the stand-in accepts.
pub const TOKEN: &str = "123456:TEST-token";
/// The bot's user id.
pub const BOT_ID: i64 = 7000;

/// What the stand-in holds.
#[derive(Default)]
pub struct State {
    /// Updates not yet confirmed by an offset.
    pub updates: Vec<Value>,
    next_update: i64,
    next_message: i64,
    /// Every `getUpdates` offset seen (`None`: no offset).
    pub offsets: Vec<Option<i64>>,
    /// Messages the bot sent (full Message objects plus the request).
    pub sent: Vec<Value>,
    /// Status codes to answer the next `sendMessage` calls with.
    pub send_failures: Vec<u16>,
    /// Every `sendMessage` attempt (including failed ones).
    pub send_attempts: usize,
}

/// A running stand-in.
#[derive(Clone)]
pub struct TelegramStandin {
    /// `http://127.0.0.1:PORT`
    pub api_url: String,
    state: Arc<Mutex<State>>,
    news: Arc<Notify>,
}

impl TelegramStandin {
    /// Start on a free port (needs a tokio runtime).
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api_url = format!("http://{}", listener.local_addr().unwrap());
        let standin = Self {
            api_url,
            state: Arc::default(),
            news: Arc::new(Notify::new()),
        };
        standin.state.lock().unwrap().next_update = 100;
        standin.state.lock().unwrap().next_message = 5000;
        let server = standin.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move { server.serve(stream).await });
            }
        });
        standin
    }

    /// A customer writes `text` in private chat `chat`; returns the message id.
    pub fn customer_says(&self, chat: i64, text: &str) -> i64 {
        let mut s = self.state.lock().unwrap();
        let (update_id, message_id) = (s.next_update, s.next_message);
        s.next_update += 1;
        s.next_message += 1;
        s.updates.push(json!({"update_id": update_id, "message": {
            "message_id": message_id, "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private", "first_name": "Cust"},
            "from": {"id": chat, "is_bot": false, "first_name": "Cust", "language_code": "en"},
            "text": text}}));
        drop(s);
        self.news.notify_waiters();
        message_id
    }

    /// Lock the state (inspect or queue failures).
    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Wait until `done` holds, panicking with `what` after `timeout`.
    pub async fn wait(&self, timeout: Duration, what: &str, done: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + timeout;
        while !done(&self.state()) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn serve(&self, stream: tokio::net::TcpStream) {
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
        let (mut length, mut form) = (0usize, false);
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).await.unwrap_or(0) == 0 || header.trim().is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap_or((&header, ""));
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "content-type" => form = value.contains("x-www-form-urlencoded"),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await.ok();
        let body: Value = if form {
            let text = String::from_utf8_lossy(&body).into_owned();
            Value::Object(
                text.split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_string(), json!(v)))
                    .collect(),
            )
        } else {
            serde_json::from_slice(&body).unwrap_or(json!({}))
        };
        let (status, answer) = self.answer(&path, body).await;
        let answer = answer.to_string();
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            answer.len()
        );
        let mut stream = reader.into_inner();
        stream.write_all(head.as_bytes()).await.ok();
        stream.write_all(answer.as_bytes()).await.ok();
        stream.shutdown().await.ok();
    }

    async fn answer(&self, path: &str, body: Value) -> (&'static str, Value) {
        let Some(rest) = path.strip_prefix(&format!("/bot{TOKEN}/")) else {
            return (
                "401 Unauthorized",
                json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
            );
        };
        let number = |v: &Value| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        };
        match rest.to_ascii_lowercase().as_str() {
            "getme" => (
                "200 OK",
                json!({"ok": true, "result": {"id": BOT_ID, "is_bot": true, "first_name": "Kefu",
                "username": "kefu_test_bot", "can_join_groups": true, "can_read_all_group_messages": false,
                "supports_inline_queries": false, "can_connect_to_business": false, "has_main_web_app": false}}),
            ),
            "getupdates" => {
                let offset = number(&body["offset"]);
                let timeout = number(&body["timeout"]).unwrap_or(0).clamp(0, 50) as u64;
                self.state().offsets.push(offset);
                let deadline = Instant::now() + Duration::from_secs(timeout);
                loop {
                    let pending: Vec<Value> = {
                        let mut s = self.state();
                        if let Some(offset) = offset {
                            // An offset confirms every earlier update.
                            s.updates
                                .retain(|u| u["update_id"].as_i64().unwrap() >= offset);
                        }
                        s.updates.clone()
                    };
                    if !pending.is_empty() || Instant::now() >= deadline {
                        return ("200 OK", json!({"ok": true, "result": pending}));
                    }
                    let news = self.news.notified();
                    let _ = tokio::time::timeout(Duration::from_millis(200), news).await;
                }
            }
            "sendmessage" => {
                let mut s = self.state();
                s.send_attempts += 1;
                if !s.send_failures.is_empty() {
                    return match s.send_failures.remove(0) {
                        429 => (
                            "429 Too Many Requests",
                            json!({"ok": false, "error_code": 429,
                            "description": "Too Many Requests: retry after 1", "parameters": {"retry_after": 1}}),
                        ),
                        _ => (
                            "500 Internal Server Error",
                            json!({"ok": false, "error_code": 500, "description": "Internal Server Error"}),
                        ),
                    };
                }
                let Some(chat) = number(&body["chat_id"]) else {
                    return (
                        "400 Bad Request",
                        json!({"ok": false, "error_code": 400, "description": "Bad Request: chat_id is empty"}),
                    );
                };
                let id = s.next_message;
                s.next_message += 1;
                let mut message = json!({"message_id": id, "date": 1_700_000_100,
                    "chat": {"id": chat, "type": "private"},
                    "from": {"id": BOT_ID, "is_bot": true, "first_name": "Kefu", "username": "kefu_test_bot"},
                    "text": body["text"]});
                if let Some(reply) = number(&body["reply_parameters"]["message_id"]) {
                    message["reply_to_message"] = json!({"message_id": reply, "date": 1_700_000_000, "chat": {"id": chat, "type": "private"}});
                }
                let mut record = message.clone();
                record["request"] = body;
                s.sent.push(record);
                ("200 OK", json!({"ok": true, "result": message}))
            }
            _ => (
                "404 Not Found",
                json!({"ok": false, "error_code": 404, "description": "Not Found"}),
            ),
        }
    }
}
