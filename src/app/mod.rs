//! Assembling the daemon from its settings: the wiring, the one place
//! that knows every part (the engine `[llm]` asks for, the channels, the
//! store, the pipeline, the desk).

mod channels;
mod engine;
mod files;

pub use channels::platform_channels;
pub use engine::build_engine;
pub use files::{eval_reading, files_reader, is_frame_file};

use crate::config::Settings;
use crate::daemon::{Daemon, StopWhen};
use crate::desk::Desk;
use crate::dialogue::Brain;
use crate::knowledge::Knowledge;
use crate::nlu::reading::{ReadMode, Reader};
use crate::nlu::{Lexicon, Nlu};
use crate::pipeline::{MessageCaps, Pipeline, PipelineSettings};
use crate::prompts::Prompts;
use crate::shop::{import_dir, Shop};
use crate::store::Store;
use kefu_channels::ChannelKind;
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
        followup: crate::daemon::Followup { desk, survey },
        assume_after: Duration::from_secs_f64(
            settings.outcomes.assume_after_hours.max(0.001) * 3600.0,
        ),
        shop_data: settings.shop.data_dir(),
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
    let data = &settings.shop.data_dir();
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
        purchase_proves: verify.purchase_proves,
    }
}
