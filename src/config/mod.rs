//! kefu's configuration: `kefu.toml` layered with `KEFU__SECTION__KEY`
//! environment variables. Every key has a sane default; see
//! `systemd/kefu.example.toml` for the documented file.

mod desk;
mod load;
mod modes;
mod secret;
mod shop_data;

pub use desk::{
    CsatAfter, CsatSettings, HoursSettings, HttpSettings, Mirror, OperatorsSettings,
    OutcomeSettings,
};
pub use load::{find_config_file, load, ConfigError};
pub use modes::{PhraseMode, ReadMode};
pub use secret::Secret;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where state lives.
    pub store: StoreSettings,
    /// The language model.
    pub llm: LlmSettings,
    /// The shop whose customers we serve.
    pub shop: ShopSettings,
    /// Prompt templates.
    pub prompts: PromptSettings,
    /// Daemon behaviour (workers, shutdown).
    pub daemon: DaemonSettings,
    /// The console channel (always used by `kefu chat`; optional in `kefu run`).
    pub console: ConsoleSettings,
    /// Telegram Bot API.
    pub telegram: TelegramSettings,
    /// Discord bot.
    pub discord: DiscordSettings,
    /// An email inbox.
    pub email: EmailSettings,
    /// `[verify]`
    pub verify: VerifySettings,
    /// `[log]`
    pub log: LogSettings,
    /// `[retention]`
    pub retention: RetentionSettings,
    /// `[http]`
    pub http: HttpSettings,
    /// `[operators]`
    pub operators: OperatorsSettings,
    /// `[hours]`
    pub hours: HoursSettings,
    /// `[outcomes]`
    pub outcomes: OutcomeSettings,
    /// `[csat]`
    pub csat: CsatSettings,
}

/// `[store]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    /// The sled directory (systemd: `/var/lib/kefu`).
    pub path: PathBuf,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            path: "state".into(),
        }
    }
}

/// Which inference engine phrases replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// mistral.rs embedded in the daemon, loading a GGUF file.
    #[default]
    Mistralrs,
    /// An OpenAI-compatible HTTP server (mistral.rs server, vLLM, llama.cpp).
    Openai,
}

pub use kefu_engine::ActivationDType;

/// `[llm]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmSettings {
    /// `mistralrs` (embedded) or `openai` (HTTP).
    pub engine: EngineKind,
    /// Path of the GGUF model file for the embedded engine.
    pub model: PathBuf,
    /// Most tokens one reply may have.
    pub max_tokens: u32,
    /// Sampling temperature; 0 (the default) is greedy: the likeliest
    /// word each time, so a reply repeats what the prompt holds.
    pub temperature: f64,
    /// How many earlier turns of a conversation the prompt carries.
    pub history_turns: usize,
    /// Most sequences the engine decodes at once.
    pub max_concurrent: usize,
    /// Embedded engine: keep the KV cache in blocks (paged attention), so
    /// conversations of any lengths decode together. Off: one cache per
    /// sequence, and only sequences of equal length share a step.
    pub paged_attention: bool,
    /// Embedded engine, paged attention: tokens the KV cache holds across
    /// all conversations (their prompts, replies and cached prefixes).
    pub kv_cache_tokens: usize,
    /// Embedded engine: the activations' number type. `auto` lets
    /// mistral.rs pick (BF16 where the device multiplies it, F32 where not).
    pub dtype: ActivationDType,
    /// OpenAI engine: the server's base URL, e.g. `http://gpu-box:8000/v1`.
    pub base_url: String,
    /// OpenAI engine: the API key (set `KEFU__LLM__API_KEY`).
    pub api_key: Secret,
    /// OpenAI engine: the served model's name.
    pub model_name: String,
    /// Let the model read messages at all (`false`: the rules alone,
    /// whatever `read` says).
    pub nlu_fallback: bool,
    /// Whether the model reads the messages the rules are unsure of:
    /// `auto` (once its reading score, measured in the background at the
    /// first start, is at least the rules'), `always` or `never`.
    pub read: ReadMode,
    /// Whether the model phrases replies: `auto` (scored at start against
    /// the guard), `always` or `never` (templates only).
    pub phrase: PhraseMode,
    /// With `phrase = "auto"`: the share of calibration drafts the guard
    /// must pass for the model to phrase.
    pub phrase_threshold: f64,
    /// Seconds one model request may take before the reply falls back to
    /// the template's plain answer; 0: no limit.
    pub timeout_secs: u64,
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            engine: EngineKind::Mistralrs,
            model: "models/SmolLM2-135M-Instruct.Q8_0.gguf".into(),
            // A reply is one to three sentences; more only costs the
            // customer waiting time (and small models ramble).
            max_tokens: 128,
            temperature: 0.0,
            history_turns: 6,
            max_concurrent: 8,
            paged_attention: true,
            // Eight conversations of ~700 prompt tokens and a reply, plus
            // the cached system prompts; ~190 MB for SmolLM2 in BF16.
            kv_cache_tokens: 8192,
            dtype: ActivationDType::default(),
            base_url: String::new(),
            api_key: Secret::default(),
            model_name: String::new(),
            nlu_fallback: true,
            read: ReadMode::Auto,
            phrase: PhraseMode::Auto,
            phrase_threshold: 0.7,
            timeout_secs: 60,
        }
    }
}

/// `[shop]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShopSettings {
    /// The shop's name, as the bot introduces it.
    pub name: String,
    /// The shop data directory, imported on first start when the store is empty.
    pub data: PathBuf,
}

impl Default for ShopSettings {
    fn default() -> Self {
        Self {
            name: "Kefu Demo Shop".into(),
            data: "data".into(),
        }
    }
}

/// `[prompts]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PromptSettings {
    /// A directory of templates that replace the built-in ones by file name.
    pub dir: Option<PathBuf>,
}

/// `[daemon]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonSettings {
    /// Seconds in-flight replies get to finish on SIGTERM before they are
    /// abandoned (they resume on the next start).
    pub shutdown_grace_secs: u64,
    /// Conversations answered at the same time.
    pub workers: usize,
    /// Longest message read, in characters; a longer one is stored cut to
    /// this length (flagged), gets a polite request for a shorter one and
    /// changes nothing.
    pub max_message_chars: usize,
    /// Per-channel overrides of `max_message_chars`, by channel name
    /// (`[daemon.message_caps] email = 20000`).
    pub message_caps: std::collections::BTreeMap<String, usize>,
    /// Failed sends of one reply (the platform down, the recipient
    /// refused) before it is given up as a dead letter for a person.
    pub max_send_attempts: u32,
    /// Milliseconds of quiet that end a burst: messages of one conversation
    /// arriving closer together are answered by one reply (0: each on its
    /// own, unless it arrived while the previous one was being answered).
    /// The console never waits.
    pub debounce_ms: u64,
    /// Turns one conversation may take at once (beyond bursts)…
    pub turns_burst: u32,
    /// …and per minute after that; messages beyond wait, stored, and are
    /// answered together. 0: unlimited.
    pub turns_per_minute: u32,
}

impl Default for DaemonSettings {
    fn default() -> Self {
        Self {
            shutdown_grace_secs: 10,
            workers: 8,
            max_message_chars: 4000,
            message_caps: Default::default(),
            max_send_attempts: 10,
            debounce_ms: 1500,
            turns_burst: 5,
            turns_per_minute: 12,
        }
    }
}

/// `[console]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleSettings {
    /// Read customer lines from stdin in `kefu run` too.
    pub enabled: bool,
    /// The console's conversation name.
    pub session: String,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            session: "console".into(),
        }
    }
}

/// `[telegram]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramSettings {
    /// Answer on Telegram.
    pub enabled: bool,
    /// The bot token (set `KEFU__TELEGRAM__TOKEN`).
    pub token: Secret,
    /// The Bot API base URL.
    pub api_url: String,
}

impl Default for TelegramSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            token: Secret::default(),
            api_url: "https://api.telegram.org".into(),
        }
    }
}

/// `[discord]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscordSettings {
    /// Answer on Discord.
    pub enabled: bool,
    /// The bot token (set `KEFU__DISCORD__TOKEN`).
    pub token: Secret,
    /// The REST base URL; the gateway URL comes from `GET /api/v10/gateway`.
    pub api_url: String,
    /// Guild channel ids answered without a mention.
    pub channels: Vec<String>,
    /// After a new gateway session, catch up only channels active within
    /// this many hours, and only their messages younger than that.
    pub catch_up_hours: u64,
}

impl Default for DiscordSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            token: Secret::default(),
            api_url: "https://discord.com".into(),
            channels: Vec::new(),
            catch_up_hours: 72,
        }
    }
}

/// How a mail connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailSecurity {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    #[default]
    Tls,
    /// Plain connection upgraded with STARTTLS.
    Starttls,
    /// No encryption (only for a server on the same host).
    None,
}

/// `[email]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSettings {
    /// Answer an email inbox.
    pub enabled: bool,
    /// The shop's address replies come from.
    pub address: String,
    /// Login for IMAP and SMTP.
    pub username: String,
    /// Password (set `KEFU__EMAIL__PASSWORD`).
    pub password: Secret,
    /// IMAP server.
    pub imap_host: String,
    /// IMAP port.
    pub imap_port: u16,
    /// IMAP security.
    pub imap_security: MailSecurity,
    /// SMTP server.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: u16,
    /// SMTP security.
    pub smtp_security: MailSecurity,
    /// Whether a mail's sender address verifies the customer whose account
    /// has that email. Only mail the receiving server authenticated counts
    /// (see `trusted_authserv_ids`); any other From is a claim, and the
    /// customer is asked as on any channel.
    pub verify_sender: bool,
    /// The authserv-ids (the first word of `Authentication-Results`) of
    /// the shop's own receiving servers, whose DMARC/DKIM verdicts are
    /// believed. Empty: no From is authenticated.
    pub trusted_authserv_ids: Vec<String>,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            address: String::new(),
            username: String::new(),
            password: Secret::default(),
            imap_host: String::new(),
            imap_port: 993,
            imap_security: MailSecurity::Tls,
            smtp_host: String::new(),
            smtp_port: 465,
            smtp_security: MailSecurity::Tls,
            verify_sender: false,
            trusted_authserv_ids: Vec::new(),
        }
    }
}

/// `[verify]`: how customers prove who they are.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerifySettings {
    /// Before any change (cancel, modify, return, exchange, address) mail a
    /// one-time code to the account's email and wait for it. Unset: on
    /// when the email channel is enabled (a code needs a way to go out).
    pub code_for_changes: Option<bool>,
    /// Minutes a code stays valid.
    pub code_minutes: u64,
    /// Wrong tries per code, counted per customer across conversations.
    pub code_attempts: u32,
    /// Codes mailed per customer per day.
    pub codes_per_day: u32,
    /// Days a sender stays linked to the customer they proved to be
    /// (later conversations start verified); 0 links nobody.
    pub link_days: u64,
    /// Failed verifications (email or name + zip) per sender, and per
    /// claimed name, in 24 hours, over all conversations; beyond it a
    /// person takes over.
    pub max_failures_per_day: u32,
    /// Where no code is mailed: a purchase the customer tells before kefu
    /// shows them any of their orders (a product of the order, how its
    /// number ends) proves them, beside their email, for changes that keep
    /// the money and the goods with the account — never for an address.
    pub purchase_proves: bool,
}

impl Default for VerifySettings {
    fn default() -> Self {
        Self {
            code_for_changes: None,
            code_minutes: 10,
            code_attempts: 5,
            codes_per_day: 5,
            link_days: 90,
            max_failures_per_day: 5,
            purchase_proves: true,
        }
    }
}

/// `[log]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// Log email addresses, phone and card numbers as they are (off: they
    /// are masked; ids such as message keys are kept either way).
    pub personal_data: bool,
}

/// `[retention]`: days records are kept (0: forever), pruned daily.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// Answered inbox messages (needed only to recognise a platform's
    /// redelivery).
    pub inbox_days: u64,
    /// Replies sent or given up.
    pub outbox_days: u64,
    /// The annotations of replies (intent, entities, the model's draft).
    pub annotations_days: u64,
    /// Conversation turns (the bot's memory of a customer's history).
    pub turns_days: u64,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            inbox_days: 30,
            outbox_days: 30,
            annotations_days: 7,
            turns_days: 180,
        }
    }
}

impl RetentionSettings {
    /// As the store applies it.
    pub fn policy(&self) -> crate::store::Retention {
        crate::store::Retention {
            inbox_days: self.inbox_days,
            outbox_days: self.outbox_days,
            annotations_days: self.annotations_days,
            turns_days: self.turns_days,
        }
    }
}
