//! Settling where a message to the operators goes, as it is sent: the
//! conversation's forum topic (opened with the card when it has none, and
//! opened again when an operator deleted it), or a mail to the operators'
//! mailbox in a thread marked by the conversation's secret token.

use super::{card, Desk};
use crate::store::{DeskNote, OutboxRecord};
use kefu_channels::{Channel, ChannelKind, Outbound, SendError, Thread};

/// The Message-ID prefix of the root of a desk mail thread; the rest is
/// the conversation's token and the shop's domain.
pub(super) const TOKEN_PREFIX: &str = "kefu-desk.";

/// The Message-ID prefix of a digest mail's thread.
pub(super) const DIGEST_PREFIX: &str = "kefu-digest.";

/// The token in a desk thread's root id (`kefu-desk.TOKEN@domain`).
pub(super) fn token_of(thread: &str) -> &str {
    let rest = thread.strip_prefix(TOKEN_PREFIX).unwrap_or(thread);
    rest.split('@').next().unwrap_or(rest)
}

/// A message to the operators, ready.
#[derive(Debug)]
pub enum Prepared {
    /// Send this.
    Send(Outbound),
    /// Already sent while opening the topic (it was the card): the
    /// platform's id.
    Sent(String),
}

fn transient(e: impl std::fmt::Display) -> SendError {
    SendError::Transient(e.to_string())
}

impl Desk {
    /// Where and what `record` sends; records not for the desk go as they are.
    pub async fn prepare(
        &self,
        record: &OutboxRecord,
        channel: &dyn Channel,
    ) -> Result<Prepared, SendError> {
        let Some(note) = &record.desk else {
            return Ok(Prepared::Send(record.outbound.clone()));
        };
        let mut outbound = record.outbound.clone();
        if outbound.channel == ChannelKind::Email {
            self.mail_card(note, &mut outbound).await?;
            return Ok(Prepared::Send(outbound));
        }
        let group = outbound.thread.id.clone();
        let topic = match self.store.topic_of(&note.conversation).map_err(transient)? {
            Some(topic) => topic,
            None => {
                let title = card::title(&self.store, &note.conversation);
                let topic = channel.open_topic(&group, &title).await?;
                let text = card::render(&self.store, &note.conversation).map_err(transient)?;
                let opening = Outbound {
                    thread: Thread {
                        id: group.clone(),
                        route: Some(topic.clone()),
                    },
                    text,
                    attachments: card::photos(&self.store, &note.conversation),
                    ..outbound.clone()
                };
                // A crash before the map is saved leaves an empty topic
                // behind, never a conversation without one.
                let sent = channel.send(&opening).await?;
                self.store
                    .set_topic(&note.conversation, &group, &topic)
                    .await
                    .map_err(transient)?;
                tracing::info!(conversation = %note.conversation, topic, "operators' topic opened");
                if note.card {
                    return Ok(Prepared::Sent(sent));
                }
                topic
            }
        };
        outbound.thread.route = Some(topic);
        if note.card {
            outbound.text = card::render(&self.store, &note.conversation).map_err(transient)?;
            outbound.attachments = card::photos(&self.store, &note.conversation);
        }
        Ok(Prepared::Send(outbound))
    }

    /// A topic an operator deleted: the next message opens a new one.
    pub async fn forget_topic(&self, conversation: &str) {
        if let Some(group) = &self.group {
            if let Err(e) = self.store.forget_topic(conversation, group).await {
                tracing::error!(%conversation, "cannot forget a deleted topic: {e}");
            }
        }
    }

    /// The hand-off mail to the operators' mailbox: the card, in a thread
    /// whose root id carries the conversation's secret token, so a reply
    /// to it is known by its References (a subject proves nothing).
    async fn mail_card(&self, note: &DeskNote, outbound: &mut Outbound) -> Result<(), SendError> {
        let Some(mailbox) = &self.mailbox else {
            return Err(SendError::Permanent(
                "operators.email is no longer set".into(),
            ));
        };
        let token = self
            .store
            .mail_token(&note.conversation)
            .await
            .map_err(transient)?;
        let root = format!("{TOKEN_PREFIX}{token}@{}", self.mail_domain);
        let title = card::title(&self.store, &note.conversation);
        let card = card::render(&self.store, &note.conversation).map_err(transient)?;
        let text = format!(
            "{card}\n\nReply to this mail to answer the customer: your reply goes to them as written (the quoted part left out). A reply that starts with /release, /close or /note acts on the conversation instead."
        );
        *outbound = mail_to(mailbox, &format!("[kefu] Hand-off: {title}"), &root, text);
        // The photos a mail customer sent go with the card.
        outbound.attachments = card::kept_photos(&self.store, &note.conversation);
        // In reply to the root: the thread's References carry the token.
        outbound.reply_to = Some(root);
        Ok(())
    }
}

/// A mail of kefu's own to `to` (a digest), in a thread rooted at `root`.
pub(super) fn mail_to(to: &str, subject: &str, root: &str, text: String) -> Outbound {
    Outbound {
        channel: ChannelKind::Email,
        thread: Thread {
            id: root.to_string(),
            route: Some(mail_route(to, subject, root)),
        },
        text,
        reply_to: None,
        attachments: Vec::new(),
        annotations: Default::default(),
        buttons: Vec::new(),
    }
}

#[cfg(feature = "email")]
fn mail_route(to: &str, subject: &str, root: &str) -> String {
    kefu_channels::email::parse::Route {
        to: to.to_string(),
        subject: subject.to_string(),
        references: vec![root.to_string()],
    }
    .encode()
}

#[cfg(not(feature = "email"))]
fn mail_route(_to: &str, _subject: &str, _root: &str) -> String {
    String::new()
}
