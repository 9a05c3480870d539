//! Bot API `Update` objects → the common conversation model.

use crate::model::{now_millis, Attachment, ChannelKind, Inbound, Sender, Thread};
use serde_json::Value;

/// The inbound message an update carries, if it carries one kefu answers
/// (a message or edited message from a person, with text, a caption or a
/// file).
pub fn inbound(update: &Value) -> Option<Inbound> {
    let message = update.get("message")?;
    let from = message.get("from");
    if from.and_then(|f| f["is_bot"].as_bool()).unwrap_or(false) {
        return None;
    }
    let chat = message["chat"]["id"].as_i64()?.to_string();
    let id = message["message_id"].as_i64()?;
    let text = message["text"]
        .as_str()
        .or_else(|| message["caption"].as_str())
        .unwrap_or_default()
        .to_string();
    let mut attachments = Vec::new();
    // Telegram sends each photo in several sizes; the largest is the photo.
    if let Some(largest) = message["photo"].as_array().and_then(|sizes| sizes.last()) {
        attachments.push(Attachment {
            name: None,
            mime_type: Some("image/jpeg".into()),
            size: largest["file_size"].as_u64(),
            platform_id: largest["file_id"].as_str().map(str::to_string),
        });
    }
    if let Some(document) = message.get("document") {
        attachments.push(Attachment {
            name: document["file_name"].as_str().map(str::to_string),
            mime_type: document["mime_type"].as_str().map(str::to_string),
            size: document["file_size"].as_u64(),
            platform_id: document["file_id"].as_str().map(str::to_string),
        });
    }
    if text.is_empty() && attachments.is_empty() {
        return None;
    }
    let name = from.map(|f| {
        [f["first_name"].as_str(), f["last_name"].as_str()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    });
    let route = message["message_thread_id"].as_i64().map(|t| t.to_string());
    Some(Inbound {
        channel: ChannelKind::Telegram,
        platform_message_id: format!("{chat}:{id}"),
        sender: Sender {
            id: from
                .and_then(|f| f["id"].as_i64())
                .map(|i| i.to_string())
                .unwrap_or_else(|| chat.clone()),
            display_name: name.filter(|n| !n.is_empty()),
        },
        thread: Thread {
            id: chat.clone(),
            route,
        },
        text,
        attachments,
        received_at: now_millis(),
        reply_to: message["reply_to_message"]["message_id"]
            .as_i64()
            .map(|m| format!("{chat}:{m}")),
        auto: false,
    })
}
