//! The gateway side: serenity's event handler turns accepted messages into
//! [`Inbound`]s and returns only once the daemon stored them; on every
//! READY (a new session: first start, or a session that could not be
//! resumed) it first fetches what each known channel received meanwhile.

use super::cursor::{Cursors, Mark};
use crate::channel::InboundSink;
use crate::model::{Attachment, ChannelKind, Inbound, Sender, Thread};
use serenity::all::{
    ChannelId, ComponentInteraction, Context, CreateInteractionResponse, EventHandler, GetMessages,
    Interaction, Message, MessageId, MessageType, Ready, ResumedEvent, UserId,
};
use serenity::async_trait;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

/// Discord's epoch (2015-01-01) in Unix milliseconds: a snowflake's top 42
/// bits count milliseconds from it.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// Messages fetched per history request (Discord's maximum).
const PAGE: u8 = 100;

/// How far back a DM channel seen for the first time is searched for
/// messages sent while the daemon was down.
const BACKFILL_WINDOW_MS: u64 = 24 * 60 * 60 * 1000;

/// State shared by the channel and every gateway session it runs.
#[derive(Debug)]
pub struct Shared {
    /// Resume points for catching up.
    pub cursors: Cursors,
    /// Guild channels answered without a mention.
    pub listen: HashSet<u64>,
    /// The bot's own user id, learnt from READY (0 until then).
    bot: AtomicU64,
    /// How far back a catch-up looks (`discord.catch_up_hours`).
    catch_up: std::time::Duration,
    /// A gateway session is up (READY or RESUMED seen, not ended since).
    pub connected: std::sync::atomic::AtomicBool,
}

impl Shared {
    /// State for a bot answering `listen` without mentions.
    pub fn new(cursors: Cursors, listen: HashSet<u64>, catch_up: std::time::Duration) -> Self {
        Self {
            cursors,
            listen,
            bot: AtomicU64::new(0),
            catch_up,
            connected: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn bot(&self) -> Option<UserId> {
        match self.bot.load(Ordering::SeqCst) {
            0 => None,
            id => Some(UserId::new(id)),
        }
    }

    /// Whether the bot answers `msg`; `dm` says whether it was sent in a
    /// direct-message channel.
    fn accepts(&self, msg: &Message, dm: bool) -> bool {
        let bot = self.bot();
        if msg.author.bot
            || msg.author.system
            || msg.webhook_id.is_some()
            || Some(msg.author.id) == bot
        {
            return false;
        }
        if !matches!(msg.kind, MessageType::Regular | MessageType::InlineReply) {
            return false;
        }
        dm || self.listen.contains(&msg.channel_id.get())
            || bot.is_some_and(|b| msg.mentions_user_id(b))
    }
}

/// serenity's event handler for one run of the channel.
pub struct Handler {
    shared: Arc<Shared>,
    sink: InboundSink,
    /// Open (true) once the current session has caught up; live messages
    /// wait for it, so a newer message never moves a mark past an older
    /// one that is still being fetched.
    caught_up: watch::Sender<bool>,
}

impl Handler {
    /// A handler delivering to `sink`.
    pub fn new(shared: Arc<Shared>, sink: InboundSink) -> Self {
        Self {
            shared,
            sink,
            caught_up: watch::channel(false).0,
        }
    }

    /// Deliver one accepted message and wait until the daemon stored it.
    async fn deliver(&self, msg: &Message, dm: bool) {
        let inbound = to_inbound(msg, self.shared.bot());
        if inbound.text.is_empty() && inbound.attachments.is_empty() {
            tracing::info!(message = %msg.id, kind = ?msg.kind, "a Discord message with neither text, attachments nor stickers was not answered");
            return;
        }
        let (channel, id) = (msg.channel_id.get(), msg.id.get());
        self.shared.cursors.begin(channel, id, dm);
        let result = self.sink.deliver(inbound).await;
        self.shared.cursors.finish(channel, id, result.is_ok());
        match result {
            Ok(ack) => tracing::debug!(message = %id, ?ack, "Discord message stored"),
            Err(e) => {
                tracing::warn!(message = %id, "Discord message not stored ({e}); it is fetched again on the next start")
            }
        }
    }

    /// Fetch and deliver what every known channel received after its mark.
    async fn catch_up(&self, ctx: &Context) {
        let marks = self.shared.cursors.marks();
        // The oldest message id worth fetching: a snowflake carries its
        // time in its upper bits.
        let since = crate::now_millis()
            .saturating_sub(self.shared.catch_up.as_millis() as u64)
            .saturating_sub(DISCORD_EPOCH_MS);
        let horizon = since << 22;
        let (mut delivered, mut skipped) = (0usize, 0usize);
        for (channel, Mark { last, dm }) in marks {
            if last < horizon {
                // Quiet for longer than the catch-up window.
                skipped += 1;
                continue;
            }
            let channel_id = ChannelId::new(channel);
            let mut after = last.max(horizon).max(1);
            loop {
                let query = GetMessages::new().after(MessageId::new(after)).limit(PAGE);
                let mut page = match channel_id.messages(&ctx.http, query).await {
                    Ok(page) => page,
                    Err(e) => {
                        tracing::warn!(channel, "cannot fetch Discord history to catch up: {e}");
                        break;
                    }
                };
                page.sort_by_key(|m| m.id);
                let full = page.len() >= usize::from(PAGE);
                for msg in &page {
                    after = after.max(msg.id.get());
                    if self.shared.accepts(msg, dm) {
                        self.deliver(msg, dm).await;
                        delivered += 1;
                    }
                }
                if !full {
                    break;
                }
            }
        }
        if delivered > 0 || skipped > 0 {
            tracing::info!(
                delivered,
                skipped,
                "caught up on Discord messages the gateway did not deliver (channels quiet for longer than discord.catch_up_hours skipped)"
            );
        }
    }

    /// A DM channel with no mark yet: no history fetch could have found it
    /// (bots cannot list their DM channels), so what the user wrote there
    /// since the bot last spoke (within a day) is delivered first.
    async fn backfill(&self, ctx: &Context, msg: &Message) {
        let query = GetMessages::new().before(msg.id).limit(PAGE);
        let mut page = match msg.channel_id.messages(&ctx.http, query).await {
            Ok(page) => page,
            Err(e) => {
                tracing::warn!(channel = %msg.channel_id, "cannot fetch a new DM channel's history: {e}");
                return;
            }
        };
        page.sort_by_key(|m| m.id);
        let bot = self.shared.bot();
        let start = page
            .iter()
            .rposition(|m| Some(m.author.id) == bot)
            .map_or(0, |i| i + 1);
        let horizon = msg.id.get().saturating_sub(BACKFILL_WINDOW_MS << 22);
        for earlier in &page[start..] {
            if earlier.id.get() >= horizon && self.shared.accepts(earlier, true) {
                self.deliver(earlier, true).await;
            }
        }
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        self.caught_up.send_replace(false);
        self.shared.bot.store(ready.user.id.get(), Ordering::SeqCst);
        self.shared.connected.store(true, Ordering::SeqCst);
        tracing::info!(bot = %ready.user.name, session = %ready.session_id, "Discord gateway session ready");
        self.catch_up(&ctx).await;
        self.caught_up.send_replace(true);
    }

    async fn resume(&self, _ctx: Context, _: ResumedEvent) {
        // Discord replays the events the session missed; nothing to fetch.
        self.shared.connected.store(true, Ordering::SeqCst);
        tracing::info!("Discord gateway session resumed");
    }

    /// A button press (the satisfaction survey's 1–5): delivered like a
    /// message whose text is the button's id, then acknowledged so the
    /// button stops spinning (the answer comes as a message).
    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Interaction::Component(press) = interaction else {
            return;
        };
        let stored = self.sink.deliver(press_inbound(&press)).await;
        if let Err(e) = &stored {
            tracing::warn!(interaction = %press.id, "Discord button press not stored: {e}");
            return;
        }
        if let Err(e) = press
            .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
            .await
        {
            tracing::debug!(interaction = %press.id, "cannot acknowledge a button press: {e}");
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        let dm = msg.guild_id.is_none();
        if !self.shared.accepts(&msg, dm) {
            return;
        }
        let mut caught_up = self.caught_up.subscribe();
        if caught_up.wait_for(|open| *open).await.is_err() {
            return;
        }
        if dm && !self.shared.cursors.knows(msg.channel_id.get()) {
            self.backfill(&ctx, &msg).await;
        }
        self.deliver(&msg, dm).await;
    }
}

/// A button press as an inbound: its custom id as the text, answering the
/// message the button was under.
pub fn press_inbound(press: &ComponentInteraction) -> Inbound {
    Inbound {
        channel: ChannelKind::Discord,
        platform_message_id: format!("press:{}", press.id),
        sender: Sender {
            id: press.user.id.to_string(),
            display_name: Some(
                press
                    .user
                    .global_name
                    .clone()
                    .unwrap_or_else(|| press.user.name.clone()),
            ),
        },
        thread: Thread {
            id: press.channel_id.to_string(),
            route: None,
        },
        text: press.data.custom_id.clone(),
        attachments: Vec::new(),
        received_at: crate::now_millis(),
        reply_to: Some(press.message.id.to_string()),
        auto: false,
        shared: press.guild_id.is_some(),
        unauthenticated: false,
        original_chars: None,
    }
}

/// The common shape of a Discord message: the bot's mention is taken out
/// of the text; attachments are kept as metadata.
pub fn to_inbound(msg: &Message, bot: Option<UserId>) -> Inbound {
    let mut text = msg.content.clone();
    if let Some(bot) = bot {
        for mention in [format!("<@{bot}>"), format!("<@!{bot}>")] {
            text = text.replace(&mention, "");
        }
    }
    let mut attachments: Vec<Attachment> = msg
        .attachments
        .iter()
        .map(|a| Attachment {
            name: Some(a.filename.clone()),
            mime_type: a.content_type.clone(),
            size: Some(u64::from(a.size)),
            platform_id: Some(a.url.clone()),
            content: None,
        })
        .collect();
    // A sticker alone is still a message: answered, never dropped.
    attachments.extend(msg.sticker_items.iter().map(|s| Attachment {
        name: Some(s.name.clone()),
        mime_type: Some("application/x-discord-sticker".into()),
        size: None,
        platform_id: Some(s.id.to_string()),
        content: None,
    }));
    Inbound {
        channel: ChannelKind::Discord,
        platform_message_id: msg.id.to_string(),
        sender: Sender {
            id: msg.author.id.to_string(),
            display_name: Some(
                msg.author
                    .global_name
                    .clone()
                    .unwrap_or_else(|| msg.author.name.clone()),
            ),
        },
        thread: Thread {
            id: msg.channel_id.to_string(),
            route: None,
        },
        text: text.trim().to_string(),
        attachments,
        received_at: (msg.id.get() >> 22) + DISCORD_EPOCH_MS,
        reply_to: msg
            .message_reference
            .as_ref()
            .and_then(|r| r.message_id)
            .map(|id| id.to_string()),
        auto: false,
        // A guild channel is read by its members; a DM by the sender alone.
        shared: msg.guild_id.is_some(),
        unauthenticated: false,
        original_chars: None,
    }
}
