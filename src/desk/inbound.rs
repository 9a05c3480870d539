//! What operators write: in a topic of the operators' group, or in reply
//! to a hand-off mail. Plain text answers the customer; a line starting
//! with `/` is a command.

use super::actions::{self, Act, Source};
use super::Desk;
use crate::shop::Shop;
use crate::store::{to_group, DeskChange, DeskNote, OutboxRecord};
use kefu_channels::{ChannelKind, Inbound};

/// What the desk does with one operator message.
enum Command {
    /// A conversation action.
    Act(Act),
    /// Show an order in the topic.
    Order(String),
    /// Not understood: say so in the topic.
    Unknown(String),
}

/// Read an operator's message.
fn parse(text: &str, desk: &Desk) -> Command {
    let text = text.trim();
    let Some(command) = text.strip_prefix('/') else {
        return Command::Act(Act::Reply(text.to_string()));
    };
    let (name, rest) = command
        .split_once(char::is_whitespace)
        .unwrap_or((command, ""));
    // `/take@kefu_bot`: Telegram adds the bot's name in groups.
    let name = name.split('@').next().unwrap_or(name).to_lowercase();
    let rest = rest.trim();
    match name.as_str() {
        "note" if !rest.is_empty() => Command::Act(Act::Note(rest.to_string())),
        "take" => Command::Act(Act::Take),
        "release" => Command::Act(Act::Release(Some(rest.to_string()).filter(|r| !r.is_empty()))),
        "close" => Command::Act(Act::Close),
        "order" if !rest.is_empty() => Command::Order(rest.to_string()),
        "snippet" => match desk.snippets().get(rest) {
            Ok(text) => Command::Act(Act::Reply(text.to_string())),
            Err(why) => Command::Unknown(why),
        },
        _ => Command::Unknown(format!(
            "unknown command /{name}; write text to answer the customer, or /take, /note TEXT, /release [note], /close, /order ID, /snippet NAME"
        )),
    }
}

impl Desk {
    /// Act on an operator's message `inbound` (queued as `seq`); gives the
    /// outbox keys to send. A stranger in the group, or mail to a desk
    /// thread from anyone but the operators' mailbox, is ignored.
    pub async fn handle(
        &self,
        seq: u64,
        inbound: &Inbound,
    ) -> anyhow::Result<Vec<(ChannelKind, String)>> {
        let key = inbound.key();
        let Some((conversation, who, source)) = self.operator_of(inbound)? else {
            self.store.drop_pending(seq).await?;
            return Ok(Vec::new());
        };
        let group = self.group.as_deref().map(|g| (g, source));
        let mut command = parse(&inbound.text, self);
        if let (Command::Act(Act::Reply(_)), Some(chars)) = (&command, inbound.original_chars) {
            // Cut on arrival: a cut answer could say half of what was
            // meant, so nothing goes out and the operator is told.
            command = Command::Unknown(format!(
                "Not sent: your message has {chars} characters, over the {} kept; send it in shorter parts.",
                inbound.text.chars().count()
            ));
        }
        let refused = match command {
            Command::Act(act) => {
                let cx = actions::Context {
                    who: &who,
                    key: &key,
                    seq: Some(seq),
                    group,
                    survey: self.survey.as_deref(),
                };
                match actions::apply(&self.store, &conversation, &act, cx).await {
                    Ok(written) => return Ok(written.unwrap_or_default()),
                    Err(crate::store::StoreError::Refused(why)) => why,
                    Err(e) => return Err(e.into()),
                }
            }
            Command::Order(id) => order_text(&Shop::new(&self.store), &id)?,
            Command::Unknown(why) => why,
        };
        // An answer in the topic only: the customer sees nothing of it.
        let Some(group) = &self.group else {
            return self.refuse_by_mail(seq, &key, &conversation, refused).await;
        };
        let written = self
            .store
            .desk_update(&conversation, Some(seq), |_| {
                let note = DeskNote {
                    conversation: conversation.clone(),
                    card: false,
                };
                let record = OutboxRecord::new(&key, to_group(group, refused.clone()), Some(note));
                Ok(DeskChange {
                    turns: Vec::new(),
                    sends: vec![(key.clone(), record)],
                })
            })
            .await?;
        Ok(written.unwrap_or_default())
    }

    /// A mailbox-only desk: why an operator's mail was not acted on goes
    /// back to the operators' mailbox, in the conversation's desk thread —
    /// never only to the log.
    async fn refuse_by_mail(
        &self,
        seq: u64,
        key: &str,
        conversation: &str,
        refused: String,
    ) -> anyhow::Result<Vec<(ChannelKind, String)>> {
        tracing::warn!(message = %key, "operator mail not acted on: {refused}");
        let Some(mailbox) = &self.mailbox else {
            self.store.drop_pending(seq).await?;
            return Ok(Vec::new());
        };
        let token = self.store.mail_token(conversation).await?;
        let root = format!("{}{token}@{}", super::send::TOKEN_PREFIX, self.mail_domain);
        let title = super::card::title(&self.store, conversation);
        let mut notice = super::send::mail_to(
            mailbox,
            &format!("[kefu] Not sent: {title}"),
            &root,
            format!("Your mail was not acted on: {refused}"),
        );
        notice.reply_to = Some(root);
        let send_key = format!("{key}#refused");
        let written = self
            .store
            .desk_update(conversation, Some(seq), |_| {
                Ok(DeskChange {
                    turns: Vec::new(),
                    sends: vec![(
                        send_key.clone(),
                        OutboxRecord::new(key, notice.clone(), None),
                    )],
                })
            })
            .await?;
        Ok(written.unwrap_or_default())
    }

    /// The conversation an operator's message is about, who wrote it and
    /// from where; `None` (logged) when it is not an operator's.
    fn operator_of(&self, inbound: &Inbound) -> anyhow::Result<Option<(String, String, Source)>> {
        let key = inbound.key();
        if inbound.auto {
            tracing::info!(message = %key, "automatic mail to the desk ignored");
            return Ok(None);
        }
        match inbound.channel {
            ChannelKind::Telegram => {
                if !self.operators.contains(&inbound.sender.id) {
                    tracing::warn!(message = %key, "ignored: the sender is not in operators.telegram_ids");
                    return Ok(None);
                }
                let group = self.group.as_deref().unwrap_or_default();
                let topic = inbound.thread.route.as_deref().unwrap_or_default();
                let Some(conversation) = self.store.conversation_of_topic(group, topic)? else {
                    tracing::info!(message = %key, "operator message outside a conversation's topic ignored");
                    return Ok(None);
                };
                let who = inbound
                    .sender
                    .display_name
                    .clone()
                    .unwrap_or_else(|| inbound.sender.id.clone());
                Ok(Some((conversation, who, Source::Group)))
            }
            ChannelKind::Email => {
                if self.mailbox.as_deref() != Some(inbound.sender.id.to_lowercase().as_str()) {
                    tracing::warn!(message = %key, "ignored: mail to a desk thread not from operators.email");
                    return Ok(None);
                }
                // A From is a claim until the shop's own server vouches for
                // it: the token in the thread is not enough, anyone Cc'd on
                // a card has it.
                if inbound.unauthenticated {
                    tracing::warn!(message = %key, "ignored: operator mail whose From is not authenticated (no passing DMARC/DKIM from a server in email.trusted_authserv_ids)");
                    return Ok(None);
                }
                let token = super::send::token_of(&inbound.thread.id);
                let Some(conversation) = self.store.conversation_of_token(token)? else {
                    tracing::warn!(message = %key, "ignored: mail with an unknown desk token");
                    return Ok(None);
                };
                Ok(Some((
                    conversation,
                    inbound.sender.id.clone(),
                    Source::Elsewhere,
                )))
            }
            _ => Ok(None),
        }
    }
}

/// An order as an operator reads it in the topic.
fn order_text(shop: &Shop, id: &str) -> anyhow::Result<String> {
    let id = crate::nlu::order_ids(id)
        .into_iter()
        .next()
        .unwrap_or_else(|| id.to_string());
    let Some(order) = shop.order(&id)? else {
        return Ok(format!("no order {id}"));
    };
    let status = serde_json::to_value(&order.status)?;
    let mut text = format!(
        "{} ({}) of {}: {}",
        order.order_id,
        status.as_str().unwrap_or_default(),
        order.user_id,
        order.address.address1
    );
    for item in &order.items {
        text.push_str(&format!(
            "\n  {} ${:.2} {}",
            item.name, item.price, item.item_id
        ));
    }
    Ok(text)
}
