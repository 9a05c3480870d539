//! The Discord channel (serenity 0.12): a bot on the gateway that answers
//! direct messages, and guild messages that mention it or arrive in the
//! configured channels, replying with a `message_reference` to each.
//!
//! **Nothing lost.** The event handler returns only after the daemon stored
//! the message. Discord itself never redelivers a message once the session
//! it was sent on is gone (the daemon was down, or a RESUME was refused), so
//! the channel keeps a per-channel mark (see [`cursor`]) and on every READY
//! fetches each known channel's history after its mark before taking live
//! messages. A RECONNECT (op 7) or a dropped connection makes serenity's
//! shard runner RESUME, and Discord replays the missed events; if the
//! resume fails the runner IDENTIFYs again and the history fetch covers
//! the gap.
//!
//! **Nothing doubled.** The daemon ignores replayed inbound ids. Each part
//! of a reply carries a nonce derived from the reply with `enforce_nonce`,
//! so a send repeated after a lost answer or a crash (within Discord's
//! nonce window of a few minutes) returns the message already created.
//!
//! For tests the REST base can point elsewhere: serenity only honours
//! `HttpBuilder::proxy` with its rate limiter off, so the limiter is turned
//! off exactly when the base is not [`DEFAULT_API_URL`]; against Discord the
//! real rate limiter stays on. The gateway URL comes from
//! `GET /api/v10/gateway/bot`.

pub mod cursor;
pub mod handler;
pub mod outgoing;

use crate::channel::{Channel, InboundSink, SendError};
use crate::cursor::CursorStore;
use crate::model::{ChannelKind, Outbound};
use anyhow::Context as _;
use async_trait::async_trait;
use handler::{Handler, Shared};
use serenity::all::{
    ChannelId, ClientBuilder, CreateActionRow, CreateAllowedMentions, CreateButton, CreateMessage,
    GatewayIntents, Http, HttpBuilder, MessageId, MessageReference, MessageReferenceKind, Nonce,
    ShardManager,
};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Discord's REST base; any other base is treated as a test stand-in.
pub const DEFAULT_API_URL: &str = "https://discord.com";

/// How the Discord channel is set up.
#[derive(Clone)]
pub struct DiscordConfig {
    /// The bot token (with or without the `Bot ` prefix).
    pub token: String,
    /// The REST base URL, normally [`DEFAULT_API_URL`].
    pub api_url: String,
    /// Guild channel ids answered without a mention.
    pub channels: Vec<String>,
    /// Where the per-channel catch-up marks are kept (see [`cursor`]); with
    /// a [`crate::MemoryCursorStore`], messages sent while the daemon was
    /// down are not fetched after a restart.
    pub cursors: Arc<dyn CursorStore>,
    /// On a new gateway session, only channels active within this many
    /// hours are caught up, and only their messages younger than that
    /// (each channel costs REST calls; an old backlog is not worth
    /// answering as if new).
    pub catch_up_hours: u64,
}

impl std::fmt::Debug for DiscordConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordConfig")
            .field("token", &"***")
            .field("api_url", &self.api_url)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}

/// The gateway intents the bot asks for.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
}

/// A Discord bot as a kefu channel.
pub struct DiscordChannel {
    config: DiscordConfig,
    /// The REST client replies go through (with the real rate limiter
    /// against Discord).
    http: Http,
    shared: Arc<Shared>,
    /// Parts already sent of a split reply whose later part failed, by
    /// nonce of its first part: a retry continues where it stopped.
    progress: Mutex<HashMap<String, (usize, MessageId)>>,
}

impl DiscordChannel {
    /// A channel for `config`; fails on an empty token or a channel id that
    /// is not a number.
    pub fn new(config: DiscordConfig) -> anyhow::Result<Self> {
        anyhow::ensure!(!config.token.trim().is_empty(), "discord.token is empty");
        let listen = config
            .channels
            .iter()
            .map(|id| {
                id.trim()
                    .parse::<u64>()
                    .with_context(|| format!("discord.channels: {id:?} is not a channel id"))
            })
            .collect::<anyhow::Result<HashSet<u64>>>()?;
        let shared = Arc::new(Shared::new(
            cursor::Cursors::load(config.cursors.clone()),
            listen,
            std::time::Duration::from_secs(config.catch_up_hours * 3600),
        ));
        let http = build_http(&config);
        Ok(Self {
            config,
            http,
            shared,
            progress: Mutex::new(HashMap::new()),
        })
    }

    /// Whether REST goes to a stand-in rather than Discord.
    pub fn is_redirected(&self) -> bool {
        is_redirected(&self.config.api_url)
    }
}

fn is_redirected(api_url: &str) -> bool {
    api_url.trim().trim_end_matches('/') != DEFAULT_API_URL
}

fn build_http(config: &DiscordConfig) -> Http {
    let builder = HttpBuilder::new(config.token.trim());
    if is_redirected(&config.api_url) {
        // serenity's rate limiter ignores the proxy: off only for a stand-in.
        builder
            .proxy(config.api_url.trim().trim_end_matches('/'))
            .ratelimiter_disabled(true)
            .build()
    } else {
        builder.build()
    }
}

/// Stops a client's shards when the channel's run ends or is cancelled.
struct StopShards(Arc<ShardManager>);

impl Drop for StopShards {
    fn drop(&mut self) {
        let manager = self.0.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { manager.shutdown_all().await });
        }
    }
}

#[async_trait]
impl Channel for DiscordChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Discord
    }

    async fn run(&self, sink: InboundSink) -> anyhow::Result<()> {
        let http = build_http(&self.config);
        // Ask for the gateway ourselves: serenity falls back to Discord's
        // public gateway when this fails, which a stand-in must not do.
        let gateway = http.get_bot_gateway().await.context("GET /gateway/bot")?;
        tracing::info!(url = %gateway.url, redirected = self.is_redirected(), "connecting to the Discord gateway");
        let handler = Handler::new(self.shared.clone(), sink);
        let mut client = ClientBuilder::new_with_http(http, intents())
            .event_handler(handler)
            .await
            .context("building the Discord client")?;
        *client.ws_url.lock().await = gateway.url;
        let _stop = StopShards(client.shard_manager.clone());
        let ended = client.start().await;
        self.shared
            .connected
            .store(false, std::sync::atomic::Ordering::SeqCst);
        ended.context("Discord gateway")?;
        anyhow::bail!("the Discord gateway connection ended")
    }

    fn connected(&self) -> bool {
        self.shared
            .connected
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn send(&self, outbound: &Outbound) -> Result<String, SendError> {
        let channel = outbound
            .thread
            .id
            .parse::<u64>()
            .ok()
            .filter(|id| *id != 0)
            .map(ChannelId::new)
            .ok_or_else(|| {
                SendError::Permanent(format!(
                    "{:?} is not a Discord channel id",
                    outbound.thread.id
                ))
            })?;
        let reply_to = outbound
            .reply_to
            .as_deref()
            .and_then(|id| id.parse::<u64>().ok())
            .filter(|id| *id != 0);
        let parts = outgoing::split_message(&outbound.text, outgoing::MESSAGE_LIMIT);
        if parts.is_empty() {
            return Err(SendError::Permanent("the reply is empty".into()));
        }
        let nonces: Vec<String> = (0..parts.len())
            .map(|i| {
                outgoing::nonce(
                    &outbound.thread.id,
                    outbound.reply_to.as_deref(),
                    &outbound.text,
                    i,
                )
            })
            .collect();
        let resumed = self
            .progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&nonces[0]);
        let (mut done, mut first) = match resumed {
            Some((done, first)) => (done, Some(first)),
            None => (0, None),
        };
        while done < parts.len() {
            let mut message = CreateMessage::new()
                .content(parts[done].as_str())
                .nonce(Nonce::String(nonces[done].clone()))
                .enforce_nonce(true)
                // Replies never ping @everyone, roles or users they name.
                .allowed_mentions(CreateAllowedMentions::new().replied_user(true));
            if done + 1 == parts.len() && !outbound.buttons.is_empty() {
                message = message.components(vec![buttons(outbound)]);
            }
            if let (0, Some(id)) = (done, reply_to) {
                let reference = MessageReference::new(MessageReferenceKind::Default, channel)
                    .message_id(MessageId::new(id))
                    .fail_if_not_exists(false);
                message = message.reference_message(reference);
            }
            match channel.send_message(&self.http, message).await {
                Ok(sent) => {
                    first.get_or_insert(sent.id);
                    done += 1;
                }
                Err(e) => {
                    if let Some(first) = first {
                        self.progress
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(nonces[0].clone(), (done, first));
                    }
                    return Err(outgoing::classify(e));
                }
            }
        }
        Ok(first.map(|id| id.to_string()).unwrap_or_default())
    }
}

/// The choices under `outbound`, as one row of Discord buttons.
fn buttons(outbound: &Outbound) -> CreateActionRow {
    let buttons = outbound
        .buttons
        .iter()
        .map(|b| CreateButton::new(b.data.clone()).label(b.label.clone()))
        .collect();
    CreateActionRow::Buttons(buttons)
}

#[cfg(test)]
mod tests {
    use super::is_redirected;

    #[test]
    fn only_a_non_default_api_url_turns_the_rate_limiter_off() {
        assert!(!is_redirected("https://discord.com"));
        assert!(!is_redirected(" https://discord.com/ "));
        assert!(is_redirected("http://127.0.0.1:4000"));
    }
}
