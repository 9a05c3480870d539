//! The Telegram channel (teloxide 0.17's Bot API client): long polling with
//! `getUpdates`, replies with `sendMessage` that reply to the customer's
//! message.
//!
//! **Nothing lost.** The update offset advances only after the daemon
//! stored the message (the sink's ack). Telegram keeps every update it has
//! not seen confirmed by a later offset, so a crash before the ack makes it
//! deliver the update again; the daemon ignores the replay by its key
//! (`chat id:message id`). The offset is deliberately not persisted:
//! Telegram already keeps it, and after a week without updates Telegram
//! picks update ids at random, so a stored offset could be ahead of every
//! new id and silently confirm (drop) what customers write.
//!
//! **Polite sending.** Sends go through teloxide's `Throttle` adaptor
//! (about one message per second per chat, 20 per minute per group, 30 per
//! second overall). A 429 freezes the adaptor for `retry_after` and comes
//! back as [`SendError::RateLimited`] so the daemon's outbox waits (and can
//! stop while waiting); 5xx and network errors come back as
//! [`SendError::Transient`] for its backoff (teloxide itself already pauses
//! 10 s after a 5xx). Replies over 4096 characters are split; the parts sent
//! are recorded (in the daemon's store, see [`TelegramChannel::with_cursors`])
//! as each goes out, so a retry, after a crash too, continues after them.
//!
//! Polling asks for 10 s long polls: teloxide's HTTP client gives a whole
//! request 17 s, so a quiet poll always ends as an empty answer, never as
//! a timeout.

pub mod convert;
pub mod outgoing;
mod poll;

use crate::channel::{Channel, InboundSink, SendError};
use crate::cursor::{CursorStore, MemoryCursorStore};
use crate::model::{ChannelKind, Outbound};
use anyhow::Context as _;
use async_trait::async_trait;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use teloxide::adaptors::throttle::{Settings, Throttle};
use teloxide::payloads::{SendMessageSetters as _, SendPhotoSetters as _};
use teloxide::requests::Requester as _;
use teloxide::types::{
    ChatId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageId, ReplyParameters,
    ThreadId, UpdateKind,
};
use teloxide::{ApiError, Bot, RequestError};

pub use outgoing::MESSAGE_LIMIT as MAX_MESSAGE_CHARS;

/// Telegram's Bot API base; any other base is a local Bot API server or a
/// test stand-in.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// How long one `getUpdates` call waits for news, in seconds (under the
/// 17 s teloxide's HTTP client allows a request).
pub const POLL_TIMEOUT_SECS: u32 = 10;

/// The longest pause between failed polls.
const MAX_POLL_BACKOFF: Duration = Duration::from_secs(30);

/// How the Telegram channel is set up.
#[derive(Clone)]
pub struct TelegramConfig {
    /// The bot token from @BotFather.
    pub token: String,
    /// The Bot API base URL, normally [`DEFAULT_API_URL`].
    pub api_url: String,
}

impl std::fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("token", &"***")
            .field("api_url", &self.api_url)
            .finish()
    }
}

/// A Telegram bot as a kefu channel.
pub struct TelegramChannel {
    token: String,
    /// Polls and `getMe` go straight out: `Throttle` only paces sends.
    bot: Bot,
    /// Sends, paced. Made on first use because the adaptor spawns its
    /// worker on the tokio runtime, which may not run yet when the channel
    /// is built.
    throttled: OnceLock<Throttle<Bot>>,
    /// Where the parts already sent of a split reply whose later part
    /// failed are kept (by reply key), so a retry — after a restart too,
    /// with the daemon's store — continues where it stopped; and where an
    /// update teloxide cannot read is kept (not logged: it holds names
    /// and text).
    cursors: Arc<dyn CursorStore>,
    /// The last `getUpdates` worked.
    connected: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for TelegramChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramChannel")
            .field("api_url", &self.bot.api_url().as_str())
            .finish_non_exhaustive()
    }
}

impl TelegramChannel {
    /// A channel for `config`; fails on an empty token or an API URL that
    /// is not a URL.
    pub fn new(config: TelegramConfig) -> anyhow::Result<Self> {
        let token = config.token.trim().to_string();
        anyhow::ensure!(!token.is_empty(), "telegram.token is empty");
        let api_url = reqwest::Url::parse(config.api_url.trim())
            .with_context(|| format!("telegram.api_url: {:?} is not a URL", config.api_url))?;
        // teloxide's own settings (5 s connect, 17 s per request), without
        // its TELOXIDE_PROXY lookup: kefu is configured in one place.
        let client = teloxide::net::default_reqwest_settings()
            .build()
            .context("building the Telegram HTTP client")?;
        let bot = Bot::with_client(token.clone(), client).set_api_url(api_url);
        Ok(Self {
            token,
            bot,
            throttled: OnceLock::new(),
            cursors: Arc::new(MemoryCursorStore::default()),
            connected: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Keep split-reply progress and unreadable updates in `cursors` (the
    /// daemon's store) instead of memory.
    pub fn with_cursors(mut self, cursors: Arc<dyn CursorStore>) -> Self {
        self.cursors = cursors;
        self
    }

    fn progress_key(key: u64) -> String {
        format!("telegram:split:{key:016x}")
    }

    /// Parts sent and the first part's id of the split reply `key`.
    fn progress(&self, key: u64) -> Option<(usize, MessageId)> {
        let value = self.cursors.load(&Self::progress_key(key))?;
        let (done, first) = value.split_once(':')?;
        Some((done.parse().ok()?, MessageId(first.parse().ok()?)))
    }

    fn save_progress(&self, key: u64, progress: Option<(usize, MessageId)>) {
        let value = progress.map_or(String::new(), |(done, first)| format!("{done}:{}", first.0));
        if let Err(e) = self.cursors.save(&Self::progress_key(key), &value) {
            tracing::warn!("telegram: cannot keep a split reply's progress: {e:#}");
        }
    }

    fn throttled(&self) -> &Throttle<Bot> {
        self.throttled.get_or_init(|| {
            // No retry inside the adaptor: the outbox waits instead, where
            // a shutdown can interrupt the wait.
            Throttle::spawn_with_settings(self.bot.clone(), Settings::default().no_retry())
        })
    }

    fn redact(&self, error: &RequestError) -> String {
        outgoing::redact(&error.to_string(), &self.token)
    }

    /// The photos an outbound carries by Telegram file id (a customer's
    /// photo shown to the operators with the card), after its text.
    async fn send_photos(&self, outbound: &Outbound) -> Result<(), SendError> {
        let chat = outbound.thread.id.trim().parse::<i64>().map_err(|_| {
            SendError::Permanent(format!(
                "{:?} is not a Telegram chat id",
                outbound.thread.id
            ))
        })?;
        let photos = outbound.attachments.iter().filter(|a| {
            a.mime_type
                .as_deref()
                .is_some_and(|m| m.starts_with("image/"))
        });
        for photo in photos {
            // Kept bytes (a mail customer's photo) are uploaded; a
            // Telegram photo is sent again by its file id.
            let file = match (&photo.content, &photo.platform_id) {
                (Some(content), _) => {
                    use base64::Engine as _;
                    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(content)
                    else {
                        continue;
                    };
                    InputFile::memory(bytes)
                        .file_name(photo.name.clone().unwrap_or_else(|| "photo.jpg".into()))
                }
                (None, Some(id)) => InputFile::file_id(id.clone().into()),
                (None, None) => continue,
            };
            let mut request = self.throttled().send_photo(ChatId(chat), file);
            if let Some(topic) = outbound.thread.route.as_deref() {
                if let Ok(topic) = topic.parse::<i32>() {
                    request = request.message_thread_id(ThreadId(MessageId(topic)));
                }
            }
            // The text went out: a photo that fails is logged, never a
            // reason to send the text again.
            if let Err(e) = request.await {
                tracing::warn!(
                    "telegram: a photo for the operators failed: {}",
                    self.redact(&e)
                );
            }
        }
        Ok(())
    }

    /// Send one part; only the first replies to the customer's message.
    async fn send_part(
        &self,
        outbound: &Outbound,
        text: &str,
        reply_to: Option<i32>,
    ) -> Result<MessageId, SendError> {
        let chat = outbound.thread.id.trim().parse::<i64>().map_err(|_| {
            SendError::Permanent(format!(
                "{:?} is not a Telegram chat id",
                outbound.thread.id
            ))
        })?;
        let mut request = self.throttled().send_message(ChatId(chat), text);
        if let Some(id) = reply_to {
            // Still send when the customer deleted the message meanwhile.
            request = request.reply_parameters(
                ReplyParameters::new(MessageId(id)).allow_sending_without_reply(),
            );
        }
        if !outbound.buttons.is_empty() {
            let row = outbound
                .buttons
                .iter()
                .map(|b| InlineKeyboardButton::callback(b.label.clone(), b.data.clone()));
            request = request.reply_markup(InlineKeyboardMarkup::new([row]));
        }
        if let Some(topic) = outbound.thread.route.as_deref() {
            if let Ok(topic) = topic.parse::<i32>() {
                request = request.message_thread_id(ThreadId(MessageId(topic)));
            }
        }
        request
            .await
            .map(|sent| sent.id)
            .map_err(|e| outgoing::classify(&e, &self.token))
    }
}

#[async_trait]
impl Channel for TelegramChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Telegram
    }

    async fn run(&self, sink: InboundSink) -> anyhow::Result<()> {
        let me = self.bot.get_me().await.map_err(|e| match e {
            RequestError::Api(ApiError::InvalidToken) => {
                anyhow::anyhow!("telegram: the bot token was refused (getMe)")
            }
            e => anyhow::anyhow!("telegram: getMe failed: {}", self.redact(&e)),
        })?;
        tracing::info!(bot = %me.username(), api = %self.bot.api_url(), "telegram: polling for updates");
        let mut offset: Option<i32> = None;
        let mut backoff = Duration::from_secs(1);
        loop {
            let Some(updates) = self.poll(offset, &mut backoff).await? else {
                continue;
            };
            // The poll's messages go to the daemon together (it stores them
            // with one flush); the offset moves only after every one is
            // stored: an error returns without moving it, so Telegram
            // delivers them again.
            let messages = updates
                .iter()
                .filter_map(|(update, raw)| match &update.kind {
                    // A person's message with nothing teloxide could read in
                    // it (a field of an unexpected type) is still answered.
                    UpdateKind::Message(message) => {
                        convert::inbound(message).or_else(|| unread(message, raw))
                    }
                    UpdateKind::CallbackQuery(query) => convert::callback(query),
                    UpdateKind::Error(_) => convert::from_raw(raw),
                    _ => None,
                });
            futures::future::try_join_all(messages.map(|inbound| sink.deliver(inbound))).await?;
            for (update, raw) in &updates {
                self.stored(update, raw).await;
                offset = Some(update.id.as_offset());
            }
        }
    }

    fn connected(&self) -> bool {
        self.connected.load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn open_topic(&self, chat: &str, title: &str) -> Result<String, SendError> {
        let chat = chat
            .trim()
            .parse::<i64>()
            .map_err(|_| SendError::Permanent(format!("{chat:?} is not a Telegram chat id")))?;
        // Topic names are 1-128 characters.
        let name: String = title.chars().take(128).collect();
        let name = if name.trim().is_empty() {
            "customer".to_string()
        } else {
            name
        };
        self.throttled()
            .create_forum_topic(ChatId(chat), name)
            .await
            .map(|topic| topic.thread_id.0 .0.to_string())
            .map_err(|e| outgoing::classify(&e, &self.token))
    }

    async fn send(&self, outbound: &Outbound) -> Result<String, SendError> {
        let parts = outgoing::split_message(&outbound.text, outgoing::MESSAGE_LIMIT);
        if parts.is_empty() {
            return Err(SendError::Permanent("the reply is empty".into()));
        }
        let reply_to = outbound
            .reply_to
            .as_deref()
            .and_then(outgoing::message_id_of);
        let key = outgoing::reply_key(
            &outbound.thread.id,
            outbound.reply_to.as_deref(),
            &outbound.text,
        );
        let resumed = self.progress(key);
        let (mut done, mut first) = match resumed {
            Some((done, first)) => (done, Some(first)),
            None => (0, None),
        };
        while done < parts.len() {
            let reply = if done == 0 { reply_to } else { None };
            match self.send_part(outbound, &parts[done], reply).await {
                Ok(id) => {
                    first.get_or_insert(id);
                    done += 1;
                    // Kept as each part goes out: a crash before the next
                    // one does not send this one again.
                    if parts.len() > 1 && done < parts.len() {
                        self.save_progress(key, first.map(|first| (done, first)));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        if resumed.is_some() || parts.len() > 1 {
            self.save_progress(key, None);
        }
        self.send_photos(outbound).await?;
        let first = first.map(|id| id.0).unwrap_or_default();
        Ok(format!("{}:{first}", outbound.thread.id.trim()))
    }
}

/// The raw inbound of a person's message teloxide read without anything
/// kefu knows (logged with its kind); `None` for bots' and service
/// messages.
fn unread(
    message: &teloxide::types::Message,
    raw: &serde_json::Value,
) -> Option<crate::model::Inbound> {
    if message.from.as_ref().is_some_and(|u| u.is_bot) {
        return None;
    }
    let inbound = convert::from_raw(raw)?;
    tracing::warn!(
        kind = %convert::raw_kind(raw),
        "telegram: a message with nothing readable in it is answered as such"
    );
    Some(inbound)
}
