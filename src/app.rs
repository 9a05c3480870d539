//! Assembling the daemon from its settings.

use crate::config::Settings;
use crate::daemon::{Channels, Daemon, StopWhen};
use crate::desk::Desk;
use crate::dialogue::Brain;
use crate::knowledge::Knowledge;
use crate::llm::build_engine;
use crate::nlu::reading::{ReadMode, Reader};
use crate::nlu::{Lexicon, Nlu};
use crate::pipeline::{MessageCaps, Pipeline, PipelineSettings};
use crate::prompts::Prompts;
use crate::shop::{import_dir, Shop};
use crate::store::Store;
use kefu_channels::console::{ConsoleChannel, ConsoleFormat};
use kefu_channels::{Channel, ChannelKind};
use std::sync::Arc;
use std::time::Duration;

/// Load the model, open the store and wire the pipeline. The model is
/// checked first: a wrong path fails before anything else starts. The
/// channels come later ([`platform_channels`] with the daemon's store).
pub async fn build(settings: &Settings) -> anyhow::Result<Daemon> {
    let started = std::time::Instant::now();
    let engine = build_engine(&settings.llm).await?;
    tracing::info!(engine = %engine.describe(), load_ms = started.elapsed().as_millis() as u64, "model loaded");
    let store = Store::open(&settings.store.path)?;
    let prompts = Prompts::load(settings.prompts.dir.as_deref())?;
    let (nlu, brain) = brain(settings, &store)?;
    let pipeline = Pipeline::new(
        engine,
        prompts,
        PipelineSettings {
            shop_name: settings.shop.name.clone(),
            max_tokens: settings.llm.max_tokens,
            temperature: settings.llm.temperature,
            history_turns: settings.llm.history_turns,
            email_verifies_sender: settings.email.verify_sender,
            message_caps: message_caps(&settings.daemon)?,
        },
        reader(settings, nlu, &brain),
        brain,
    );
    let survey = crate::outcomes::Survey::new(&settings.csat, pipeline.prompts())?.map(Arc::new);
    let desk = desk(settings, &store, survey.clone())?;
    let pipeline = Arc::new(pipeline);
    crate::scores::start(pipeline.clone(), &settings.llm, &store);
    Ok(Daemon {
        store,
        pipeline,
        stop_when: StopWhen::Signal,
        workers: settings.daemon.workers,
        grace: Duration::from_secs(settings.daemon.shutdown_grace_secs),
        max_send_attempts: settings.daemon.max_send_attempts,
        pacing: crate::daemon::Pacing {
            debounce: Duration::from_millis(settings.daemon.debounce_ms),
            turns_burst: settings.daemon.turns_burst,
            turns_per_minute: settings.daemon.turns_per_minute,
        },
        // A turn may take a model request of llm.timeout_secs several times
        // over (retries); beyond that and a minute, something is stuck.
        stall: Duration::from_secs(settings.llm.timeout_secs.max(30) * 5 + 60),
        retention: settings.retention.policy(),
        desk,
        survey,
        assume_after: Duration::from_secs_f64(
            settings.outcomes.assume_after_hours.max(0.001) * 3600.0,
        ),
        shop_data: shop_data_dir(&settings.shop.data),
        http: settings.http.clone(),
        admin_socket: Some(crate::admin::socket::path(&settings.store.path)),
    })
}

/// The readers of messages: the rules and, as `llm.read` says, the model
/// (`llm.nlu_fallback = false` keeps the model from reading at all).
fn reader(settings: &Settings, nlu: Nlu, brain: &Brain) -> Reader {
    let mode = if settings.llm.nlu_fallback {
        settings.llm.read
    } else {
        ReadMode::Never
    };
    Reader::new(nlu, brain.knowledge.clone(), &settings.shop.name, mode)
}

/// The shop (imported from `shop.data` on first start), its knowledge graph
/// and the NLU's word lists.
fn brain(settings: &Settings, store: &Store) -> anyhow::Result<(Nlu, Brain)> {
    let shop = Shop::new(store);
    let data = &shop_data_dir(&settings.shop.data);
    if shop.is_empty() && data.join("products.json").is_file() {
        let counts = import_dir(&shop, data)?;
        tracing::info!(users = counts.users, orders = counts.orders, products = counts.products, dir = %data.display(), "shop imported on first start");
    } else if shop.is_empty() {
        tracing::warn!(
            "the shop is empty: no products.json in {} (looked there and beside the kefu binary); \
             set shop.data (or KEFU__SHOP__DATA) to your shop's directory, or `kefu shop import DIR`",
            settings.shop.data.display()
        );
    }
    let products = shop.products()?;
    let nlu = Nlu::new(Lexicon::new(&products).with_data_dir(data));
    let learned = crate::learn::learned(store)?;
    if !learned.is_empty() {
        tracing::info!(
            entries = learned.len(),
            "FAQ entries learned from operators loaded"
        );
    }
    let knowledge = Arc::new(Knowledge::build_with(products, data, learned));
    let brain = Brain {
        shop,
        knowledge,
        profiles: store.customers(),
        policy: verify_policy(settings),
    };
    Ok((nlu, brain))
}

/// The operators' desk, when an operators' group or mailbox is set.
fn desk(
    settings: &Settings,
    store: &Store,
    survey: Option<Arc<crate::outcomes::Survey>>,
) -> anyhow::Result<Option<Arc<Desk>>> {
    let operators = &settings.operators;
    if operators.telegram_chat == 0 && operators.email.trim().is_empty() {
        return Ok(None);
    }
    if !operators.email.trim().is_empty() && settings.email.trusted_authserv_ids.is_empty() {
        tracing::warn!(
            "operators.email is set but email.trusted_authserv_ids is empty: no operator mail can be \
             authenticated, so none reaches a customer; set it to your mail server's authserv-id"
        );
    }
    if operators.telegram_chat != 0 && operators.telegram_ids.is_empty() {
        tracing::warn!(
            "operators.telegram_ids is empty: nobody in the operators' group can answer customers"
        );
    }
    Ok(Some(Arc::new(Desk::new(settings, store.clone(), survey)?)))
}

/// `daemon.max_message_chars` with its per-channel overrides.
fn message_caps(daemon: &crate::config::DaemonSettings) -> anyhow::Result<MessageCaps> {
    let mut by_channel = std::collections::HashMap::new();
    for (name, cap) in &daemon.message_caps {
        let kind = [
            ChannelKind::Console,
            ChannelKind::Telegram,
            ChannelKind::Discord,
            ChannelKind::Email,
        ]
        .into_iter()
        .find(|k| k.as_str() == name.trim().to_lowercase())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "daemon.message_caps: unknown channel {name:?} (use console, telegram, discord or email)"
            )
        })?;
        by_channel.insert(kind, (*cap).max(1));
    }
    Ok(MessageCaps {
        default: daemon.max_message_chars.max(1),
        by_channel,
    })
}

/// `[verify]` as the brain applies it: codes for changes are on by default
/// where the email channel can mail them.
fn verify_policy(settings: &Settings) -> crate::verify::VerifyPolicy {
    let verify = &settings.verify;
    crate::verify::VerifyPolicy {
        code_for_changes: verify.code_for_changes.unwrap_or(settings.email.enabled),
        code_minutes: verify.code_minutes.max(1),
        code_attempts: verify.code_attempts.max(1),
        codes_per_day: verify.codes_per_day,
        link_days: verify.link_days,
        max_failures_per_day: verify.max_failures_per_day.max(1),
    }
}

/// The shop directory: `shop.data` as configured when it holds a shop;
/// for the default relative `data`, also the sample shop beside the
/// binary (`…/share/kefu/data`, or the source tree's `data/` for a binary
/// built there), so `kefu chat` works from any directory.
pub fn shop_data_dir(configured: &std::path::Path) -> std::path::PathBuf {
    if configured.join("products.json").is_file() || configured != std::path::Path::new("data") {
        return configured.to_path_buf();
    }
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1).take(4) {
            candidates.push(dir.join("share/kefu/data"));
            candidates.push(dir.join("data"));
        }
    }
    candidates.push(std::path::PathBuf::from("/usr/share/kefu/data"));
    candidates.push(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data"));
    candidates
        .into_iter()
        .find(|c| c.join("products.json").is_file())
        .unwrap_or_else(|| configured.to_path_buf())
}

/// The platform channels `kefu run` serves, from the enabled config
/// sections, keeping their cursors in `store`. Each platform is one branch
/// here and one module in `channels/`.
pub fn platform_channels(settings: &Settings, store: &Store) -> anyhow::Result<Channels> {
    let mut channels = Channels::new();
    if settings.console.enabled {
        let console =
            ConsoleChannel::stdio(&settings.console.session, "console", ConsoleFormat::Text);
        channels.insert(ChannelKind::Console, Arc::new(console) as Arc<dyn Channel>);
    }
    if settings.telegram.enabled {
        channels.insert(ChannelKind::Telegram, telegram_channel(settings, store)?);
    }
    if settings.discord.enabled {
        channels.insert(ChannelKind::Discord, discord_channel(settings)?);
    }
    if settings.email.enabled {
        channels.insert(ChannelKind::Email, email_channel(settings, store)?);
    }
    if channels.is_empty() {
        tracing::warn!("no channel is enabled: enable [telegram], [discord], [email] or [console] in the config");
    }
    Ok(channels)
}

/// The Telegram bot from `[telegram]`.
#[cfg(feature = "telegram")]
fn telegram_channel(settings: &Settings, store: &Store) -> anyhow::Result<Arc<dyn Channel>> {
    use kefu_channels::telegram::{TelegramChannel, TelegramConfig};
    let config = TelegramConfig {
        token: settings.telegram.token.expose().to_string(),
        api_url: settings.telegram.api_url.clone(),
    };
    Ok(Arc::new(
        TelegramChannel::new(config)?.with_cursors(Arc::new(StoreCursors(store.clone()))),
    ))
}

#[cfg(not(feature = "telegram"))]
fn telegram_channel(_settings: &Settings, _store: &Store) -> anyhow::Result<Arc<dyn Channel>> {
    anyhow::bail!("telegram.enabled is set, but this kefu was built without the `telegram` feature")
}

/// The Discord bot from `[discord]`. Its catch-up marks (the last stored
/// message of each Discord channel) live in the state directory.
#[cfg(feature = "discord")]
fn discord_channel(settings: &Settings) -> anyhow::Result<Arc<dyn Channel>> {
    use kefu_channels::discord::cursor::FileCursorStore;
    use kefu_channels::discord::{DiscordChannel, DiscordConfig};
    let discord = &settings.discord;
    let config = DiscordConfig {
        token: discord.token.expose().to_string(),
        api_url: discord.api_url.clone(),
        channels: discord.channels.clone(),
        cursors: Arc::new(FileCursorStore::open(
            settings.store.path.join("discord-cursors.json"),
        )),
        catch_up_hours: discord.catch_up_hours,
    };
    Ok(Arc::new(DiscordChannel::new(config)?))
}

#[cfg(not(feature = "discord"))]
fn discord_channel(_settings: &Settings) -> anyhow::Result<Arc<dyn Channel>> {
    anyhow::bail!("discord.enabled is set, but this kefu was built without the `discord` feature")
}

/// The daemon's store as the channels' cursor storage (Telegram's update
/// offset, the inbox's UID cursor and thread index, in its `meta` tree).
#[cfg_attr(not(any(feature = "email", feature = "telegram")), allow(dead_code))]
struct StoreCursors(Store);

impl kefu_channels::CursorStore for StoreCursors {
    fn load(&self, key: &str) -> Option<String> {
        kefu_channels::CursorStore::load(&self.0, key)
    }

    fn save(&self, key: &str, value: &str) -> anyhow::Result<()> {
        kefu_channels::CursorStore::save(&self.0, key, value)
    }
}

/// The inbox from `[email]`: IMAP in, SMTP out; its UID cursor and thread
/// index live in the store's `meta` tree.
#[cfg(feature = "email")]
fn email_channel(settings: &Settings, store: &Store) -> anyhow::Result<Arc<dyn Channel>> {
    use crate::config::MailSecurity;
    use kefu_channels::email::{EmailChannel, EmailConfig, Security};
    let email = &settings.email;
    let security = |s: MailSecurity| match s {
        MailSecurity::Tls => Security::Tls,
        MailSecurity::Starttls => Security::Starttls,
        MailSecurity::None => Security::None,
    };
    for (key, value) in [
        ("email.address", &email.address),
        ("email.imap_host", &email.imap_host),
        ("email.smtp_host", &email.smtp_host),
    ] {
        if value.trim().is_empty() {
            anyhow::bail!("{key} must be set when email.enabled is true");
        }
    }
    let username = if email.username.is_empty() {
        &email.address
    } else {
        &email.username
    };
    let mut config = EmailConfig::new(&email.address, username, email.password.expose());
    config.display_name = Some(settings.shop.name.clone());
    config.imap_host = email.imap_host.clone();
    config.imap_port = email.imap_port;
    config.imap_security = security(email.imap_security);
    config.smtp_host = email.smtp_host.clone();
    config.smtp_port = email.smtp_port;
    config.smtp_security = security(email.smtp_security);
    config.trusted_authserv_ids = email.trusted_authserv_ids.clone();
    let operators = settings.operators.email.trim();
    if !operators.is_empty() {
        config.operators = vec![operators.to_string()];
    }
    Ok(Arc::new(EmailChannel::new(
        config,
        Arc::new(StoreCursors(store.clone())),
    )))
}

#[cfg(not(feature = "email"))]
fn email_channel(_settings: &Settings, _store: &Store) -> anyhow::Result<Arc<dyn Channel>> {
    anyhow::bail!("email.enabled is set, but this kefu was built without the `email` feature")
}

/// The readers of the shop in `shop.data`'s files (not the store's), and
/// its products: what `kefu eval` and `kefu bench` read with.
pub fn files_reader(
    settings: &Settings,
    mode: ReadMode,
) -> anyhow::Result<(Reader, Vec<crate::shop::Product>)> {
    use anyhow::Context;
    let data = shop_data_dir(&settings.shop.data);
    let path = data.join("products.json");
    let products: std::collections::BTreeMap<String, crate::shop::Product> = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?,
    )
    .with_context(|| format!("{}: not a products file", path.display()))?;
    let products: Vec<_> = products.into_values().collect();
    let nlu = Nlu::new(Lexicon::new(&products).with_data_dir(&data));
    let knowledge = Arc::new(Knowledge::build(products.clone(), &data));
    Ok((
        Reader::new(nlu, knowledge, &settings.shop.name, mode),
        products,
    ))
}

/// Whether a labeled file holds frames (`"topic"`) rather than intents.
pub fn is_frame_file(path: &std::path::Path) -> anyhow::Result<bool> {
    use anyhow::Context;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let value: serde_json::Value =
        serde_json::from_str(first).with_context(|| format!("{}:1: not JSON", path.display()))?;
    Ok(value.get("topic").is_some())
}

/// `kefu eval` on frames: the shop of `shop.data` (its files, not the
/// store), the rules and, for the model's readers, `llm.model`.
pub async fn eval_reading(
    settings: &Settings,
    file: &std::path::Path,
    readers: &[String],
) -> anyhow::Result<Vec<crate::nlu::reading::eval::ReaderScore>> {
    use crate::nlu::reading::eval::{eval_file, Which};
    let mut which = Vec::new();
    for name in readers {
        match name.as_str() {
            "rules" => which.push(Which::Rules),
            "model" => which.push(Which::Model),
            "routed" => which.push(Which::Routed),
            "all" => which.extend([Which::Rules, Which::Model, Which::Routed]),
            other => anyhow::bail!("unknown reader {other:?}: use rules, model, routed or all"),
        }
    }
    let (reader, products) = files_reader(settings, ReadMode::Always)?;
    let engine = if which.iter().any(|w| *w != Which::Rules) {
        Some(build_engine(&settings.llm).await?)
    } else {
        None
    };
    eval_file(&reader, &products, engine.as_deref(), file, &which).await
}
