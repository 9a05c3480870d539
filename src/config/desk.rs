//! The settings of the people behind the bot: `[http]` (the daemon's own
//! listener, which `kefu handoff` talks to), `[operators]` and `[hours]`.

use super::Secret;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `[http]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Where the daemon listens for its admin API (`kefu handoff`, `kefu
    /// shop` while it runs), e.g. `127.0.0.1:8787`; empty turns it off.
    pub listen: String,
    /// The token the admin API asks for (`Authorization: Bearer …`); set it
    /// through `KEFU__HTTP__ADMIN_TOKEN`. Without one the admin API refuses
    /// every call.
    pub admin_token: Secret,
}

/// Which conversations the operators' group follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mirror {
    /// Those handed to a person (from the hand-off on).
    #[default]
    Handoff,
    /// Every conversation, each in its topic from its first message.
    All,
}

/// `[operators]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OperatorsSettings {
    /// The operators' Telegram supergroup, with topics on (a forum), where
    /// the bot is an administrator allowed to manage topics; 0: none.
    pub telegram_chat: i64,
    /// Telegram user ids of the operators; anyone else in the group is
    /// ignored.
    pub telegram_ids: Vec<i64>,
    /// `handoff` or `all`.
    pub mirror: Mirror,
    /// The operators' mailbox: a mail per hand-off, whose replies go to
    /// the customer; empty: none.
    pub email: String,
    /// Remind the group of a hand-off nobody took after this many minutes
    /// (within business hours); 0: never.
    pub remind_minutes: f64,
    /// Days between digests (figures, top hand-off reasons, lowest
    /// ratings) to the operators' group and mailbox; 0: none.
    pub digest_days: f64,
    /// Canned replies (`name = "text"`); default `snippets.toml` in the
    /// shop's data directory.
    pub snippets: Option<PathBuf>,
}

impl Default for OperatorsSettings {
    fn default() -> Self {
        Self {
            telegram_chat: 0,
            telegram_ids: Vec::new(),
            mirror: Mirror::Handoff,
            email: String::new(),
            remind_minutes: 15.0,
            digest_days: 7.0,
            snippets: None,
        }
    }
}

/// `[hours]`: when people answer. No day set: always.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HoursSettings {
    /// An IANA time zone, e.g. `Europe/Berlin`, `Asia/Shanghai`.
    pub timezone: String,
    /// Hours per day, `"09:00-17:00"`; several ranges with commas; a day
    /// left out (when any is set) is closed.
    pub mon: String,
    /// Tuesday.
    pub tue: String,
    /// Wednesday.
    pub wed: String,
    /// Thursday.
    pub thu: String,
    /// Friday.
    pub fri: String,
    /// Saturday.
    pub sat: String,
    /// Sunday.
    pub sun: String,
    /// What a hand-off outside the hours answers (once a day per
    /// conversation); `{opens}` names when someone will reply.
    pub closed_message: String,
    /// The same in Chinese.
    pub closed_message_zh: String,
}

impl Default for HoursSettings {
    fn default() -> Self {
        Self {
            timezone: "UTC".into(),
            mon: String::new(),
            tue: String::new(),
            wed: String::new(),
            thu: String::new(),
            fri: String::new(),
            sat: String::new(),
            sun: String::new(),
            closed_message: "Our team is away right now; a colleague will reply from {opens}."
                .into(),
            closed_message_zh: "客服同事现在不在线，将于 {opens} 起回复您。".into(),
        }
    }
}

/// `[outcomes]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutcomeSettings {
    /// A conversation the bot answered last and the customer left quiet
    /// for this long counts as resolved by the bot (or abandoned, when a
    /// request of theirs was still open).
    pub assume_after_hours: f64,
}

impl Default for OutcomeSettings {
    fn default() -> Self {
        Self {
            assume_after_hours: 24.0,
        }
    }
}

/// Whose resolutions get a satisfaction survey.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CsatAfter {
    /// Only conversations the bot resolved.
    Bot,
    /// Only those an operator closed.
    Operator,
    /// Both.
    #[default]
    All,
}

/// `[csat]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsatSettings {
    /// Ask customers for a 1–5 rating once a conversation is resolved
    /// (one survey per conversation).
    pub enabled: bool,
    /// `bot`, `operator` or `all`.
    pub after: CsatAfter,
    /// Hours an answer is taken after the survey went out.
    pub window_hours: f64,
}

impl Default for CsatSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            after: CsatAfter::All,
            window_hours: 72.0,
        }
    }
}
