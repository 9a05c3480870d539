//! The card a hand-off opens with: who the customer is, whether they are
//! verified, their orders, why the bot handed off, and the last turns
//! (the bot's included), so an operator answers without asking again.

use crate::dialogue::DialogueState;
use crate::shop::Shop;
use crate::store::{copy_text, Conversation, Owner, Store};
use std::fmt::Write as _;

/// Turns the card shows.
const LAST_TURNS: usize = 8;
/// Orders the card lists.
const RECENT_ORDERS: usize = 5;

/// The card of conversation `id`, as it stands now.
pub fn render(store: &Store, id: &str) -> anyhow::Result<String> {
    let conversation = store
        .conversation(id)?
        .ok_or_else(|| anyhow::anyhow!("no conversation {id}"))?;
    let state = DialogueState::from_json(&conversation.state);
    let mut card = String::new();
    let why = match &conversation.owner {
        Owner::Waiting { reason, .. } => format!("🔔 Hand-off: {reason}"),
        Owner::Operator { name, .. } => format!("🧑‍💼 Answered by {name}"),
        Owner::Bot => "🤖 Followed (the bot answers)".to_string(),
    };
    let _ = writeln!(card, "{why}");
    let _ = writeln!(card, "Conversation: {id}");
    let _ = writeln!(card, "Customer: {}", customer_line(&conversation));
    if is_public(store, &conversation) {
        let _ = writeln!(
            card,
            "⚠️ Public: this conversation is in a group (or mail with others in copy) — \
             what you write here is posted where others read it. Share no account details."
        );
    }
    let shop = Shop::new(store);
    match &state.customer {
        Some(user_id) => {
            let _ = writeln!(card, "Verified: yes, as {user_id}");
            if let Some(user) = shop.user(user_id)? {
                let _ = writeln!(
                    card,
                    "Account: {} {}, {}",
                    user.name.first_name, user.name.last_name, user.email
                );
                let mut orders = shop.orders_of(&user)?;
                orders.reverse();
                for order in orders.iter().take(RECENT_ORDERS) {
                    let status = serde_json::to_value(&order.status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    let items: Vec<&str> = order.items.iter().map(|i| i.name.as_str()).collect();
                    let _ = writeln!(card, "  {} {status}: {}", order.order_id, items.join(", "));
                }
            }
        }
        None => {
            let _ = writeln!(card, "Verified: no");
        }
    }
    let media = media_of(store, &conversation);
    if !media.is_empty() {
        // A link where the platform gives one (Discord's attachments), so
        // the operator can open it.
        let kinds: Vec<String> = media
            .iter()
            .map(|a| match a.platform_id.as_deref() {
                Some(url) if url.starts_with("https://") => format!("{} {url}", a.kind()),
                _ => a.kind(),
            })
            .collect();
        let _ = writeln!(card, "📎 The customer sent: {}", kinds.join(", "));
    }
    if let Some(task) = state.task() {
        let _ = writeln!(card, "Request in progress: {task}");
    }
    let _ = writeln!(card, "Last turns:");
    let start = conversation.turns.len().saturating_sub(LAST_TURNS);
    for turn in &conversation.turns[start..] {
        let _ = writeln!(card, "{}", copy_text(turn));
    }
    let _ = write!(
        card,
        "Write here to answer the customer. /take · /note TEXT · /release [note] · /close · /order ID · /snippet NAME"
    );
    Ok(card)
}

/// The topic's title: the channel and who the customer is.
pub fn title(store: &Store, id: &str) -> String {
    let conversation = store.conversation(id).ok().flatten();
    match conversation {
        Some(c) => format!("{} · {}", c.channel, customer_line(&c)),
        None => id.to_string(),
    }
}

/// The customer as the platform names them: the mail address, or the
/// platform's user id.
fn customer_line(conversation: &Conversation) -> String {
    let id = conversation.id.as_str();
    let who = id.split_once(':').map_or(id, |(_, rest)| rest);
    // Shared threads and mail: `thread/sender`; the sender is the person.
    who.rsplit('/').next().unwrap_or(who).to_string()
}

/// Whether others read where the customer wrote (a group, a guild channel,
/// mail with others in copy), from their latest stored message.
fn is_public(store: &Store, conversation: &Conversation) -> bool {
    conversation
        .turns
        .iter()
        .rev()
        .find(|t| t.role == crate::store::Role::Customer)
        .and_then(|t| store.inbound(&t.message_key).ok().flatten())
        .is_some_and(|record| record.inbound.shared)
}

/// What the customer sent besides words (newest last, at most the last
/// eight): listed on the card, and on Telegram their photos follow it.
pub fn media_of(store: &Store, conversation: &Conversation) -> Vec<kefu_channels::Attachment> {
    let mut found: Vec<kefu_channels::Attachment> = conversation
        .turns
        .iter()
        .filter(|t| t.role == crate::store::Role::Customer)
        .filter_map(|t| store.inbound(&t.message_key).ok().flatten())
        .flat_map(|record| record.inbound.attachments)
        .collect();
    let skip = found.len().saturating_sub(LAST_TURNS);
    found.drain(..skip);
    found
}

/// The photos of a conversation to post with its card in the operators'
/// Telegram group: a Telegram customer's (by file id) and those kefu kept
/// of a mail customer.
pub fn photos(store: &Store, id: &str) -> Vec<kefu_channels::Attachment> {
    let Ok(Some(conversation)) = store.conversation(id) else {
        return Vec::new();
    };
    // Telegram's file ids work only within Telegram; kept bytes anywhere.
    let telegram = conversation.channel == kefu_channels::ChannelKind::Telegram;
    media_of(store, &conversation)
        .into_iter()
        .filter(|a| {
            a.kind() == "photo" && (a.content.is_some() || (telegram && a.platform_id.is_some()))
        })
        .collect()
}

/// The photos kefu kept of a conversation (a mail customer's), to attach to
/// the card mailed to the operators and post under it in their group.
pub fn kept_photos(store: &Store, id: &str) -> Vec<kefu_channels::Attachment> {
    let Ok(Some(conversation)) = store.conversation(id) else {
        return Vec::new();
    };
    media_of(store, &conversation)
        .into_iter()
        .filter(|a| a.kind() == "photo" && a.content.is_some())
        .collect()
}
