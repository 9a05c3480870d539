//! Telegram over the Bot API: long polling with `getUpdates`, replies with
//! `sendMessage`.
//!
//! The update offset advances only after the daemon has stored the message
//! (its ack), so a crash before that makes Telegram deliver the update
//! again, and the store recognises a replay by the message key
//! (`chat id:message id`). Replies longer than Telegram's 4096 characters
//! are split; sends are spaced per chat (the Bot API allows about one
//! message per second per chat), 429 answers are honoured with their
//! `retry_after`, and 5xx or network failures are retried with backoff.

mod api;
mod convert;

pub use api::{ApiError, BotApi};

use crate::channel::{Channel, InboundSink, SendError};
use crate::model::{ChannelKind, Outbound};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest text of one Telegram message.
pub const MAX_MESSAGE_CHARS: usize = 4096;
/// How long one `getUpdates` call waits for news (under the 17 s many
/// HTTP stacks and proxies allow an idle request).
pub const POLL_TIMEOUT_SECS: u64 = 10;
/// Least time between two messages to one chat.
const PER_CHAT_SPACING: Duration = Duration::from_millis(1000);

/// Settings of the Telegram channel.
#[derive(Debug, Clone)]
pub struct TelegramConfig {
    /// The bot token.
    pub token: String,
    /// The Bot API base URL (`https://api.telegram.org`).
    pub api_url: String,
}

/// The Telegram channel.
pub struct TelegramChannel {
    api: BotApi,
    last_send: Mutex<HashMap<String, Instant>>,
}

impl TelegramChannel {
    /// A channel for the bot with this token.
    pub fn new(config: TelegramConfig) -> anyhow::Result<Self> {
        Ok(Self {
            api: BotApi::new(&config.api_url, &config.token)?,
            last_send: Mutex::new(HashMap::new()),
        })
    }

    /// Wait until this chat may get another message.
    async fn space(&self, chat: &str) {
        let wait = {
            let mut last = self.last_send.lock().expect("not poisoned");
            let now = Instant::now();
            let next = last.get(chat).map(|t| *t + PER_CHAT_SPACING).unwrap_or(now);
            let at = next.max(now);
            last.insert(chat.to_string(), at);
            at - now
        };
        tokio::time::sleep(wait).await;
    }
}

#[async_trait]
impl Channel for TelegramChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Telegram
    }

    async fn run(&self, sink: InboundSink) -> anyhow::Result<()> {
        let me = self
            .api
            .get_me()
            .await
            .map_err(|e| anyhow::anyhow!("telegram: getMe failed: {e}"))?;
        tracing::info!(bot = %me["username"].as_str().unwrap_or("?"), "telegram: connected");
        let mut offset: Option<i64> = None;
        let mut backoff = Duration::from_millis(500);
        loop {
            let updates = match self.api.get_updates(offset, POLL_TIMEOUT_SECS).await {
                Ok(updates) => {
                    backoff = Duration::from_millis(500);
                    updates
                }
                Err(ApiError::RateLimited(after)) => {
                    tokio::time::sleep(after).await;
                    continue;
                }
                Err(e) => {
                    tracing::warn!("telegram: getUpdates failed ({e}); retrying in {backoff:?}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    continue;
                }
            };
            for update in updates {
                let id = update["update_id"].as_i64().unwrap_or_default();
                if let Some(inbound) = convert::inbound(&update) {
                    // Not acknowledged: leave the offset so Telegram sends it again.
                    sink.deliver(inbound).await?;
                }
                offset = Some(id + 1);
            }
        }
    }

    async fn send(&self, outbound: &Outbound) -> Result<String, SendError> {
        let chat = &outbound.thread.id;
        let reply_to = outbound
            .reply_to
            .as_deref()
            .and_then(|key| key.rsplit(':').next())
            .and_then(|m| m.parse::<i64>().ok());
        let mut first_id = None;
        for (i, chunk) in split(&outbound.text, MAX_MESSAGE_CHARS)
            .into_iter()
            .enumerate()
        {
            self.space(chat).await;
            let reply = if i == 0 { reply_to } else { None };
            let id = self
                .api
                .send_message(chat, &chunk, reply)
                .await
                .map_err(|e| match e {
                    ApiError::RateLimited(after) => SendError::RateLimited(after),
                    ApiError::Transient(m) => SendError::Transient(m),
                    ApiError::Permanent(m) => SendError::Permanent(m),
                })?;
            first_id.get_or_insert(id);
        }
        Ok(first_id
            .map(|id| format!("{chat}:{id}"))
            .unwrap_or_default())
    }
}

/// Split `text` into pieces of at most `max` characters, at a newline or
/// space where one is near the limit.
pub fn split(text: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > max {
        let window = &rest[..max];
        let cut = window
            .iter()
            .rposition(|c| *c == '\n')
            .or_else(|| window.iter().rposition(|c| c.is_whitespace()))
            .filter(|p| *p > max / 2)
            .map(|p| p + 1)
            .unwrap_or(max);
        pieces.push(
            rest[..cut]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_string(),
        );
        rest.drain(..cut);
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest.into_iter().collect());
    }
    pieces
}

impl std::fmt::Debug for TelegramChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TelegramChannel")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_replies_are_split_on_word_boundaries() {
        let text = "word ".repeat(2000);
        let pieces = split(text.trim(), MAX_MESSAGE_CHARS);
        assert_eq!(pieces.len(), 3);
        assert!(pieces
            .iter()
            .all(|p| p.chars().count() <= MAX_MESSAGE_CHARS && !p.ends_with(' ')));
        assert_eq!(pieces.join(" "), text.trim());
        assert_eq!(split("短消息", 4096), ["短消息"]);
        let cjk = "字".repeat(5000);
        assert_eq!(
            split(&cjk, 4096)
                .iter()
                .map(|p| p.chars().count())
                .collect::<Vec<_>>(),
            [4096, 904]
        );
    }

    #[test]
    fn inbound_keys_are_chat_and_message_id() {
        let update = serde_json::json!({"update_id": 7, "message": {"message_id": 42, "date": 1,
            "chat": {"id": 1001, "type": "private"}, "from": {"id": 55, "is_bot": false, "first_name": "Ann"},
            "caption": "see photo", "photo": [{"file_id": "a", "file_unique_id": "x", "width": 1, "height": 1, "file_size": 10},
                                       {"file_id": "b", "file_unique_id": "y", "width": 9, "height": 9, "file_size": 90}],
            "reply_to_message": {"message_id": 41, "date": 1, "chat": {"id": 1001, "type": "private"}}}});
        let inbound: crate::model::Inbound = convert::inbound(&update).unwrap();
        assert_eq!(inbound.platform_message_id, "1001:42");
        assert_eq!(inbound.thread.id, "1001");
        assert_eq!(inbound.text, "see photo");
        assert_eq!(inbound.attachments[0].platform_id.as_deref(), Some("b"));
        assert_eq!(inbound.reply_to.as_deref(), Some("1001:41"));
        assert_eq!(inbound.sender.display_name.as_deref(), Some("Ann"));
    }
}
