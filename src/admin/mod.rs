//! What `kefu handoff` and `kefu shop` do, whether the daemon runs or not:
//! the [`Admin`] operations work on the store directly ([`Local`], when no
//! daemon holds it) or through the running daemon's admin API
//! ([`client::Remote`], served by [`server`]), so an operator never has to
//! stop the bot to answer a customer.

pub mod client;
pub mod commands;
mod error;
pub mod server;
pub mod socket;

pub use error::{AdminError, AdminResult};

use crate::desk::{actions, Act, Source};
use crate::dialogue::DialogueState;
use crate::shop::Shop;
use crate::store::{Conversation, OutboxState, Owner, Store};
use async_trait::async_trait;
use kefu_channels::ChannelKind;
use serde::{Deserialize, Serialize};

/// One line of `kefu handoff list`: a conversation waiting for or
/// answered by a person, a reply that could not be delivered, or a queued
/// message that could not be read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Waiting {
    /// The conversation id (or the message key, for the last two kinds).
    pub id: String,
    /// `waiting`, `operator`, `undelivered` or `unreadable`.
    pub kind: String,
    /// Why it was handed off, who answers it, or the error.
    pub detail: String,
    /// Since when (ms since epoch; 0 where unknown).
    pub since: u64,
}

/// An operator action as the admin API takes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActRequest {
    /// The conversation.
    pub conversation: String,
    /// What to do.
    #[serde(flatten)]
    pub act: Act,
    /// Who does it (recorded with the turn).
    pub who: String,
}

/// The operations, local or remote.
#[async_trait]
pub trait Admin: Send + Sync {
    /// Conversations waiting for a person or answered by one, dead letters
    /// and set-aside messages.
    async fn list(&self) -> AdminResult<Vec<Waiting>>;
    /// One conversation with its turns.
    async fn show(&self, id: &str) -> AdminResult<Conversation>;
    /// Apply an operator action; gives how many messages it sends.
    async fn act(&self, request: &ActRequest) -> AdminResult<usize>;
    /// A shop record (`order` or `user`) as JSON.
    async fn shop(&self, kind: &str, id: &str) -> AdminResult<serde_json::Value>;
    /// The figures of conversations started since `since` (ms since epoch).
    async fn stats(&self, since: u64) -> AdminResult<crate::stats::Stats>;
    /// The operators' digest of conversations started since `since`.
    async fn digest(&self, since: u64) -> AdminResult<String>;
    /// The learned questions replayed against the FAQ.
    async fn learn_check(&self) -> AdminResult<Vec<crate::learn::Check>>;
    /// Learning suggestions not yet decided.
    async fn suggestions(&self) -> AdminResult<Vec<crate::learn::Suggestion>>;
    /// Approve or reject one; gives the FAQ entry an approval made.
    async fn decide(
        &self,
        decision: &crate::learn::Decision,
    ) -> AdminResult<Option<crate::knowledge::FaqEntry>>;
    /// Where it works, for the user ("the running daemon", a path).
    fn describe(&self) -> String;
}

/// The store opened here (no daemon holds it). Messages an action writes
/// wait in the outbox for the daemon's next start.
pub struct Local {
    /// The store.
    pub store: Store,
    /// The operators' group, whose topics get copies of the action.
    pub group: Option<String>,
    /// The shop's data directory (its `faq.json`).
    pub data: std::path::PathBuf,
}

/// The list, from a store.
pub fn list(store: &Store) -> anyhow::Result<Vec<Waiting>> {
    let mut out = Vec::new();
    for conversation in store.conversations_without_turns()? {
        // Records of an older kefu kept the hand-off in the brain state.
        let legacy = DialogueState::from_json(&conversation.state).handoff;
        let (kind, detail, since) = match (&conversation.owner, legacy) {
            (Owner::Waiting { reason, since, .. }, _) => ("waiting", reason.clone(), *since),
            (Owner::Operator { name, since }, _) => ("operator", name.clone(), *since),
            (Owner::Bot, Some(reason)) => ("waiting", reason, 0),
            (Owner::Bot, None) => continue,
        };
        out.push(Waiting {
            id: conversation.id,
            kind: kind.into(),
            detail,
            since,
        });
    }
    for (message, reason) in store.quarantined()? {
        out.push(Waiting {
            id: message,
            kind: "unreadable".into(),
            detail: format!("unreadable queued message set aside: {reason}"),
            since: 0,
        });
    }
    for letter in store.dead_letters()? {
        let error = match &letter.state {
            OutboxState::Failed { error } => error.clone(),
            _ => String::new(),
        };
        out.push(Waiting {
            id: letter.inbound_key.clone(),
            kind: "undelivered".into(),
            detail: format!(
                "undelivered reply to {} (in {}:{}): {error}",
                letter.inbound_key, letter.outbound.channel, letter.outbound.thread.id
            ),
            since: 0,
        });
    }
    Ok(out)
}

/// A shop record as JSON, from a store.
pub fn shop_record(store: &Store, kind: &str, id: &str) -> AdminResult<serde_json::Value> {
    let shop = Shop::new(store);
    let value = match kind {
        "order" => {
            let id = crate::nlu::order_ids(id)
                .into_iter()
                .next()
                .unwrap_or_else(|| id.to_string());
            shop.order(&id)?.map(serde_json::to_value).transpose()?
        }
        "user" => shop.user(id)?.map(serde_json::to_value).transpose()?,
        _ => {
            return Err(AdminError::NotFound(format!(
                "no shop records of kind {kind:?} (order, user)"
            )))
        }
    };
    value.ok_or_else(|| {
        let hint = if kind == "user" {
            "; user ids look like mia_garcia_4516"
        } else {
            ""
        };
        AdminError::NotFound(format!("no {kind} {id} in the shop{hint}"))
    })
}

/// Apply an action on `store`, copying it to `group`'s topic (a close
/// sends `survey`); gives the outbox keys written.
pub async fn act(
    store: &Store,
    group: Option<&str>,
    survey: Option<&crate::outcomes::Survey>,
    request: &ActRequest,
) -> AdminResult<Vec<(ChannelKind, String)>> {
    let key = format!("admin:{:016x}", rand::random::<u64>());
    let cx = actions::Context {
        who: &request.who,
        key: &key,
        seq: None,
        group: group.map(|g| (g, Source::Elsewhere)),
        survey,
    };
    let written = actions::apply(store, &request.conversation, &request.act, cx).await?;
    Ok(written.unwrap_or_default())
}

#[async_trait]
impl Admin for Local {
    async fn list(&self) -> AdminResult<Vec<Waiting>> {
        Ok(list(&self.store)?)
    }

    async fn show(&self, id: &str) -> AdminResult<Conversation> {
        self.store.conversation(id)?.ok_or_else(|| {
            AdminError::NotFound(format!(
                "no conversation {id:?}; `kefu handoff list` shows them"
            ))
        })
    }

    async fn act(&self, request: &ActRequest) -> AdminResult<usize> {
        Ok(act(&self.store, self.group.as_deref(), None, request)
            .await?
            .len())
    }

    async fn shop(&self, kind: &str, id: &str) -> AdminResult<serde_json::Value> {
        shop_record(&self.store, kind, id)
    }

    async fn stats(&self, since: u64) -> AdminResult<crate::stats::Stats> {
        Ok(crate::stats::compute(&self.store, since)?)
    }

    async fn digest(&self, since: u64) -> AdminResult<String> {
        Ok(crate::stats::digest(&self.store, since)?)
    }

    async fn suggestions(&self) -> AdminResult<Vec<crate::learn::Suggestion>> {
        Ok(crate::learn::suggestions(&self.store)?)
    }

    async fn learn_check(&self) -> AdminResult<Vec<crate::learn::Check>> {
        Ok(crate::learn::check(&self.store, &self.data)?)
    }

    async fn decide(
        &self,
        decision: &crate::learn::Decision,
    ) -> AdminResult<Option<crate::knowledge::FaqEntry>> {
        Ok(crate::learn::decide(&self.store, decision).await?)
    }

    fn describe(&self) -> String {
        "the store (no daemon running: messages go out when it starts)".into()
    }
}
