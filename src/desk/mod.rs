//! The operators' desk: where people take over from the bot.
//!
//! A hand-off (or, with `operators.mirror = "all"`, any conversation) gets
//! a forum topic in the operators' Telegram group, opened with a card
//! ([`card`]); the customer's messages are copied there as they arrive.
//! What an allowed operator writes in the topic goes to the customer on
//! their own channel through the outbox; commands (`/take`, `/note`,
//! `/release`, `/close`, `/order`, `/snippet`) act on the conversation
//! ([`actions`]). The operators' mailbox gets the card too, and a reply to
//! it (matched by a secret token in its References) reaches the customer.
//! Business hours ([`hours`]) decide when a hand-off says nobody is there.
//!
//! Everything an operator does is one store transaction with the messages
//! it sends, keyed by the operator's own message: a replayed update sends
//! nothing twice, a crash loses nothing.

pub mod actions;
pub mod card;
pub mod hours;
mod inbound;
mod send;
pub mod snippets;

pub use actions::{Act, Source};
pub use send::Prepared;

use crate::config::{Mirror, Settings};
use crate::lang::Language;
use crate::store::{DeskRoutes, Owner, Store};
use hours::Hours;
use kefu_channels::{now_millis, ChannelKind, Inbound};
use snippets::Snippets;

/// The operators' desk, as configured in `[operators]` and `[hours]`.
pub struct Desk {
    store: Store,
    /// The operators' Telegram group (chat id).
    group: Option<String>,
    /// Telegram user ids allowed to act in the group.
    operators: Vec<String>,
    /// The operators' mailbox (lowercase).
    mailbox: Option<String>,
    /// The shop's own mail domain, for the tokens' Message-IDs.
    mail_domain: String,
    mirror_all: bool,
    remind_after_ms: u64,
    digest_every_ms: u64,
    hours: Hours,
    closed_message: [String; 2],
    snippets: Snippets,
    /// The satisfaction survey, sent when an operator closes.
    survey: Option<std::sync::Arc<crate::outcomes::Survey>>,
}

impl Desk {
    /// The desk for `settings`; `None` when no operators' group or mailbox
    /// is configured (hand-offs are then seen with `kefu handoff list`).
    pub fn new(
        settings: &Settings,
        store: Store,
        survey: Option<std::sync::Arc<crate::outcomes::Survey>>,
    ) -> anyhow::Result<Self> {
        let operators = &settings.operators;
        if operators.telegram_chat != 0 && !settings.telegram.enabled {
            anyhow::bail!(
                "operators.telegram_chat is set but [telegram] is not enabled: the operators' group is served by the shop's Telegram bot"
            );
        }
        if !operators.email.trim().is_empty() && !settings.email.enabled {
            anyhow::bail!(
                "operators.email is set but [email] is not enabled: the operators' mail goes out through the shop's mailbox"
            );
        }
        let snippets_path = operators
            .snippets
            .clone()
            .unwrap_or_else(|| settings.shop.data.join("snippets.toml"));
        Ok(Self {
            store,
            group: (operators.telegram_chat != 0).then(|| operators.telegram_chat.to_string()),
            operators: operators.telegram_ids.iter().map(i64::to_string).collect(),
            mailbox: Some(operators.email.trim().to_lowercase()).filter(|m| !m.is_empty()),
            mail_domain: settings
                .email
                .address
                .rsplit('@')
                .next()
                .filter(|d| !d.is_empty())
                .unwrap_or("kefu.invalid")
                .to_string(),
            mirror_all: operators.mirror == Mirror::All,
            remind_after_ms: (operators.remind_minutes.max(0.0) * 60_000.0) as u64,
            digest_every_ms: (operators.digest_days.max(0.0) * 86_400_000.0) as u64,
            hours: Hours::from_settings(&settings.hours)?,
            closed_message: [
                settings.hours.closed_message.clone(),
                settings.hours.closed_message_zh.clone(),
            ],
            snippets: Snippets::load(&snippets_path)?,
            survey,
        })
    }

    /// Where turns are copied for the operators (given to every commit).
    pub fn routes(&self) -> DeskRoutes {
        DeskRoutes {
            group: self.group.clone(),
            mirror_all: self.mirror_all,
            mailbox: self.mailbox.is_some(),
        }
    }

    /// The operators' group, if any.
    pub fn group(&self) -> Option<&str> {
        self.group.as_deref()
    }

    /// The canned replies.
    pub fn snippets(&self) -> &Snippets {
        &self.snippets
    }

    /// Whether `inbound` is for the desk, not the bot: written in the
    /// operators' group, or a mail in a thread the desk started.
    pub fn claims(&self, inbound: &Inbound) -> bool {
        match inbound.channel {
            ChannelKind::Telegram => self.group.as_deref() == Some(inbound.thread.id.as_str()),
            // A reply to a digest is the desk's too (and acts on nothing).
            ChannelKind::Email => {
                inbound.thread.id.starts_with(send::TOKEN_PREFIX)
                    || inbound.thread.id.starts_with(send::DIGEST_PREFIX)
            }
            _ => false,
        }
    }

    /// The after-hours notice for a hand-off at `now`, in `language`,
    /// naming when someone will reply; `None` within hours.
    pub fn closed_notice(
        &self,
        language: Language,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<String> {
        if self.hours.open_at(now) {
            return None;
        }
        let opens = self
            .hours
            .next_opening(now)
            .unwrap_or_else(|| "soon".into());
        let template = if language == Language::Zh {
            &self.closed_message[1]
        } else {
            &self.closed_message[0]
        };
        Some(template.replace("{opens}", &opens))
    }

    /// How often to look for hand-offs to remind of, and for a digest due.
    pub fn remind_every(&self) -> std::time::Duration {
        let shortest = match (self.remind_after_ms, self.digest_every_ms) {
            (0, 0) => 120_000,
            (0, d) => d,
            (r, 0) => r,
            (r, d) => r.min(d),
        };
        std::time::Duration::from_millis((shortest / 4).clamp(200, 30_000))
    }

    /// Send the digest when one is due (every `operators.digest_days`, the
    /// first that long after the first start): to the group's General
    /// topic and the operators' mailbox. Gives the outbox keys to send.
    pub async fn digest(&self) -> anyhow::Result<Vec<(ChannelKind, String)>> {
        if self.digest_every_ms == 0 || (self.group.is_none() && self.mailbox.is_none()) {
            return Ok(Vec::new());
        }
        let now = now_millis();
        let due = match self.store.digest_due()? {
            Some(due) => due,
            None => {
                self.store
                    .set_digest_due(now + self.digest_every_ms)
                    .await?;
                return Ok(Vec::new());
            }
        };
        if now < due {
            return Ok(Vec::new());
        }
        // The window since the last digest (the first: since the first start).
        let text = crate::stats::digest(&self.store, due.saturating_sub(self.digest_every_ms))?;
        let mut sends = Vec::new();
        if let Some(group) = &self.group {
            sends.push(crate::store::to_group(group, text.clone()));
        }
        if let Some(mailbox) = &self.mailbox {
            let root = format!("{}{now}@{}", send::DIGEST_PREFIX, self.mail_domain);
            sends.push(send::mail_to(mailbox, "[kefu] Digest", &root, text));
        }
        Ok(self
            .store
            .send_digest(now + self.digest_every_ms, &format!("digest:{now}"), sends)
            .await?)
    }

    /// The day at `now` in the shop's zone: one after-hours notice each.
    pub fn day_of(&self, now: chrono::DateTime<chrono::Utc>) -> String {
        self.hours.day_of(now)
    }

    /// Remind the group of hand-offs nobody took within
    /// `operators.remind_minutes` (during business hours, once each);
    /// gives the outbox keys to send.
    pub async fn remind(&self) -> crate::store::Result<Vec<(ChannelKind, String)>> {
        let (Some(group), true) = (&self.group, self.remind_after_ms > 0) else {
            return Ok(Vec::new());
        };
        let now = now_millis();
        if !self.hours.open_at(chrono::Utc::now()) {
            return Ok(Vec::new());
        }
        let mut keys = Vec::new();
        for conversation in self.store.owned_by_people()? {
            let Owner::Waiting {
                since,
                reminded: false,
                ..
            } = conversation.owner
            else {
                continue;
            };
            if now.saturating_sub(since) < self.remind_after_ms {
                continue;
            }
            let minutes = now.saturating_sub(since) / 60_000;
            let key = format!("remind:{}:{since}", conversation.id);
            let written = self
                .store
                .desk_update(&conversation.id, None, |conv| {
                    if let Owner::Waiting { reminded, .. } = &mut conv.owner {
                        *reminded = true;
                    }
                    let text = format!("⏰ Still waiting for a colleague after {minutes} minutes: /take it or answer here.");
                    let note = crate::store::DeskNote {
                        conversation: conv.id.clone(),
                        card: false,
                    };
                    let record = crate::store::OutboxRecord::new(
                        &key,
                        crate::store::to_group(group, text),
                        Some(note),
                    );
                    Ok(crate::store::DeskChange {
                        turns: Vec::new(),
                        sends: vec![(key.clone(), record)],
                    })
                })
                .await?;
            keys.extend(written.unwrap_or_default());
        }
        Ok(keys)
    }
}
