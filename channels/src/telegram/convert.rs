//! Bot API messages → the common conversation model.

use crate::model::{now_millis, Attachment, ChannelKind, Inbound, Sender, Thread};
use teloxide::types::{
    CallbackQuery, FileMeta, MaybeInaccessibleMessage, MediaKind, Message, MessageKind,
};

/// The inbound a message carries, if it is one kefu answers: written by a
/// person (not a bot, so two bots never talk to each other), with text, a
/// caption or a file. Service messages (members joining, pins) give `None`.
pub fn inbound(message: &Message) -> Option<Inbound> {
    let from = message.from.as_ref();
    if from.is_some_and(|user| user.is_bot) {
        return None;
    }
    let text = message
        .text()
        .or_else(|| message.caption())
        .unwrap_or_default()
        .to_string();
    let mut attachments = attachments(message);
    if attachments.is_empty() {
        // A sticker, a poll, a location…: stored and answered with what
        // kefu can do with it, never dropped.
        attachments.extend(other_media(message));
    }
    if text.trim().is_empty() && attachments.is_empty() {
        return None;
    }
    let chat = message.chat.id.0.to_string();
    let sender = match from {
        Some(user) => Sender {
            id: user.id.0.to_string(),
            display_name: Some(user.full_name()).filter(|n| !n.trim().is_empty()),
        },
        // Only bots' anonymous posts lack `from`; keep the chat as author.
        None => Sender {
            id: chat.clone(),
            display_name: None,
        },
    };
    // A forum topic is where the reply must go; in other chats the thread
    // id names a reply chain, and sending with it fails.
    let route = message
        .is_topic_message
        .then_some(message.thread_id)
        .flatten()
        .map(|thread| thread.0 .0.to_string());
    let sent_at = message.date.timestamp_millis();
    Some(Inbound {
        channel: ChannelKind::Telegram,
        // Message ids count per chat: the chat makes the key unique.
        platform_message_id: format!("{chat}:{}", message.id.0),
        sender,
        thread: Thread {
            id: chat.clone(),
            route,
        },
        text,
        attachments,
        received_at: if sent_at > 0 {
            sent_at as u64
        } else {
            now_millis()
        },
        reply_to: message
            .reply_to_message()
            .map(|original| format!("{chat}:{}", original.id.0)),
        auto: false,
        // Groups, supergroups and channels are read by their members.
        shared: !message.chat.is_private(),
        unauthenticated: false,
        original_chars: None,
    })
}

/// The inbound a button press carries: the button's data as text, in the
/// chat of the message the button was under, answering that message.
pub fn callback(query: &CallbackQuery) -> Option<Inbound> {
    let data = query.data.as_ref().filter(|d| !d.trim().is_empty())?;
    let (chat, under, private) = match query.message.as_ref()? {
        MaybeInaccessibleMessage::Regular(message) => {
            (message.chat.id.0, message.id.0, message.chat.is_private())
        }
        MaybeInaccessibleMessage::Inaccessible(message) => (
            message.chat.id.0,
            message.message_id.0,
            message.chat.is_private(),
        ),
    };
    Some(Inbound {
        channel: ChannelKind::Telegram,
        // Each press has its own id; a replayed update is the same press.
        platform_message_id: format!("{chat}:press:{}", query.id.0),
        sender: Sender {
            id: query.from.id.0.to_string(),
            display_name: Some(query.from.full_name()).filter(|n| !n.trim().is_empty()),
        },
        thread: Thread {
            id: chat.to_string(),
            route: None,
        },
        text: data.clone(),
        attachments: Vec::new(),
        received_at: now_millis(),
        reply_to: Some(format!("{chat}:{under}")),
        auto: false,
        shared: !private,
        unauthenticated: false,
        original_chars: None,
    })
}

/// A message kind kefu reads no text or file from (a sticker, a poll, a
/// location…), as an attachment naming the kind
/// (`application/x-telegram-sticker`).
fn other_media(message: &Message) -> Option<Attachment> {
    let MessageKind::Common(common) = &message.kind else {
        return None;
    };
    let (kind, file) = match &common.media_kind {
        MediaKind::Sticker(s) => ("sticker", Some(&s.sticker.file)),
        MediaKind::Animation(a) => ("animation", Some(&a.animation.file)),
        MediaKind::VideoNote(v) => ("video_note", Some(&v.video_note.file)),
        MediaKind::Poll(_) => ("poll", None),
        MediaKind::Location(_) => ("location", None),
        MediaKind::Venue(_) => ("venue", None),
        MediaKind::Contact(_) => ("contact", None),
        MediaKind::Game(_) => ("game", None),
        MediaKind::Story(_) => ("story", None),
        MediaKind::PaidMedia(_) => ("paid_media", None),
        MediaKind::Checklist(_) => ("checklist", None),
        _ => return None,
    };
    Some(Attachment {
        name: Some(kind.to_string()),
        mime_type: Some(format!("application/x-telegram-{kind}")),
        size: file.and_then(|f| (f.size != u32::MAX).then_some(u64::from(f.size))),
        platform_id: file.map(|f| f.id.0.clone()),
        content: None,
    })
}

/// Fields of a message that say nothing of its kind.
const META: [&str; 24] = [
    "message_id",
    "date",
    "chat",
    "from",
    "message_thread_id",
    "is_topic_message",
    "entities",
    "caption_entities",
    "reply_to_message",
    "sender_chat",
    "author_signature",
    "via_bot",
    "edit_date",
    "has_protected_content",
    "media_group_id",
    "forward_origin",
    "is_automatic_forward",
    "reply_markup",
    "link_preview_options",
    "quote",
    "external_reply",
    "sender_boost_count",
    "business_connection_id",
    "effect_id",
];

/// Kinds of service messages (members joining, topics made, pins…):
/// nobody wrote them, nobody is answered.
fn is_service(kind: &str) -> bool {
    const PREFIXES: [&str; 6] = [
        "new_chat_",
        "left_chat_",
        "forum_topic_",
        "general_forum_topic_",
        "video_chat_",
        "migrate_",
    ];
    const KINDS: [&str; 17] = [
        "pinned_message",
        "group_chat_created",
        "supergroup_chat_created",
        "channel_chat_created",
        "delete_chat_photo",
        "message_auto_delete_timer_changed",
        "chat_background_set",
        "write_access_allowed",
        "users_shared",
        "chat_shared",
        "boost_added",
        "proximity_alert_triggered",
        "successful_payment",
        "refunded_payment",
        "connected_website",
        "passport_data",
        "web_app_data",
    ];
    PREFIXES.iter().any(|p| kind.starts_with(p)) || KINDS.contains(&kind)
}

/// The kind of an update teloxide could not read, for the log: the
/// message's fields that name a kind (`sticker`, `text`…), never their
/// values (they hold names and words).
pub fn raw_kind(raw: &serde_json::Value) -> String {
    let message = raw.get("message").unwrap_or(raw);
    let kinds: Vec<&str> = message
        .as_object()
        .map(|fields| {
            fields
                .keys()
                .map(String::as_str)
                .filter(|k| !META.contains(k))
                .collect()
        })
        .unwrap_or_default();
    if kinds.is_empty() {
        "unknown".into()
    } else {
        kinds.join(",")
    }
}

/// The inbound of a message teloxide could not read (a kind it does not
/// know, a field of an unexpected type), from its raw JSON: who wrote
/// where, its text if it is a string, and an attachment naming the kind —
/// so the customer is answered, not ignored. `None` for what is not a
/// person's message.
pub fn from_raw(raw: &serde_json::Value) -> Option<Inbound> {
    let message = raw.get("message")?;
    let chat = message["chat"]["id"].as_i64()?;
    let from = &message["from"];
    if from["is_bot"].as_bool() == Some(true) {
        return None;
    }
    let id = message["message_id"].as_i64()?;
    let text = message["text"]
        .as_str()
        .or_else(|| message["caption"].as_str())
        .unwrap_or_default()
        .to_string();
    let sender = from["id"].as_i64().unwrap_or(chat).to_string();
    let name = [from["first_name"].as_str(), from["last_name"].as_str()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let kind = raw_kind(raw);
    if kind.split(',').all(is_service) {
        return None;
    }
    let date = message["date"].as_i64().unwrap_or(0);
    Some(Inbound {
        channel: ChannelKind::Telegram,
        platform_message_id: format!("{chat}:{id}"),
        sender: Sender {
            id: sender,
            display_name: Some(name).filter(|n| !n.trim().is_empty()),
        },
        thread: Thread {
            id: chat.to_string(),
            route: (message["is_topic_message"] == true)
                .then(|| message["message_thread_id"].as_i64())
                .flatten()
                .map(|t| t.to_string()),
        },
        text,
        attachments: vec![Attachment {
            name: Some(kind),
            mime_type: Some("application/x-telegram-unreadable".into()),
            size: None,
            platform_id: None,
            content: None,
        }],
        received_at: if date > 0 {
            date as u64 * 1000
        } else {
            now_millis()
        },
        reply_to: None,
        auto: false,
        shared: message["chat"]["type"].as_str() != Some("private"),
        unauthenticated: false,
        original_chars: None,
    })
}

/// The files a message carries, as metadata (fetching them needs a
/// `getFile` call the pipeline has no use for yet).
fn attachments(message: &Message) -> Vec<Attachment> {
    let mut found = Vec::new();
    let meta = |file: &FileMeta, name: Option<&String>, mime: Option<String>| Attachment {
        name: name.cloned(),
        mime_type: mime,
        // teloxide fills a missing size with u32::MAX.
        size: (file.size != u32::MAX).then_some(u64::from(file.size)),
        platform_id: Some(file.id.0.clone()),
        content: None,
    };
    // Telegram sends each photo in several sizes, smallest first; the
    // largest is the photo. Photos are always re-encoded as JPEG.
    if let Some(largest) = message.photo().and_then(|sizes| sizes.last()) {
        found.push(meta(&largest.file, None, Some("image/jpeg".into())));
    }
    if let Some(d) = message.document() {
        let mime = d.mime_type.as_ref().map(|m| m.to_string());
        found.push(meta(&d.file, d.file_name.as_ref(), mime));
    }
    if let Some(v) = message.video() {
        let mime = v.mime_type.as_ref().map(|m| m.to_string());
        found.push(meta(&v.file, v.file_name.as_ref(), mime));
    }
    if let Some(a) = message.audio() {
        let mime = a.mime_type.as_ref().map(|m| m.to_string());
        found.push(meta(&a.file, a.file_name.as_ref(), mime));
    }
    if let Some(v) = message.voice() {
        let mime = v.mime_type.as_ref().map(|m| m.to_string());
        found.push(meta(&v.file, None, mime));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(fields: serde_json::Value) -> Message {
        let mut base = json!({"message_id": 42, "date": 1_700_000_000,
            "chat": {"id": 1001, "type": "private", "first_name": "Ann"},
            "from": {"id": 55, "is_bot": false, "first_name": "Ann", "last_name": "Lee"}});
        for (k, v) in fields.as_object().unwrap() {
            base[k] = v.clone();
        }
        serde_json::from_value(base).expect("a Bot API message")
    }

    #[test]
    fn text_messages_carry_ids_sender_and_time() {
        let inbound = inbound(&message(json!({"text": "where is my order?"}))).unwrap();
        assert_eq!(inbound.platform_message_id, "1001:42");
        assert_eq!(inbound.thread.id, "1001");
        assert_eq!(inbound.thread.route, None);
        assert_eq!(inbound.sender.id, "55");
        assert_eq!(inbound.sender.display_name.as_deref(), Some("Ann Lee"));
        assert_eq!(inbound.received_at, 1_700_000_000_000);
        assert!(!inbound.auto);
    }

    #[test]
    fn a_captioned_photo_keeps_the_largest_size_and_the_reply() {
        let m = message(json!({"caption": "see photo",
            "photo": [{"file_id": "small", "file_unique_id": "x", "width": 1, "height": 1, "file_size": 10},
                      {"file_id": "big", "file_unique_id": "y", "width": 9, "height": 9, "file_size": 90}],
            "reply_to_message": {"message_id": 41, "date": 1_700_000_000,
                "chat": {"id": 1001, "type": "private", "first_name": "Ann"}, "text": "earlier"}}));
        let inbound = inbound(&m).unwrap();
        assert_eq!(inbound.text, "see photo");
        assert_eq!(inbound.attachments.len(), 1);
        assert_eq!(inbound.attachments[0].platform_id.as_deref(), Some("big"));
        assert_eq!(inbound.attachments[0].size, Some(90));
        assert_eq!(inbound.reply_to.as_deref(), Some("1001:41"));
    }

    #[test]
    fn a_document_without_caption_is_still_an_inbound() {
        let m = message(
            json!({"document": {"file_id": "doc1", "file_unique_id": "u",
            "file_name": "receipt.pdf", "mime_type": "application/pdf", "file_size": 2048}}),
        );
        let inbound = inbound(&m).unwrap();
        assert_eq!(inbound.text, "");
        let a = &inbound.attachments[0];
        assert_eq!(a.name.as_deref(), Some("receipt.pdf"));
        assert_eq!(a.mime_type.as_deref(), Some("application/pdf"));
        assert_eq!(a.size, Some(2048));
    }

    #[test]
    fn bots_and_service_messages_are_not_answered() {
        let from_bot = message(json!({"text": "hi",
            "from": {"id": 9, "is_bot": true, "first_name": "Other bot"}}));
        assert!(inbound(&from_bot).is_none());
        let joined =
            message(json!({"new_chat_members": [{"id": 56, "is_bot": false, "first_name": "Bo"}]}));
        assert!(inbound(&joined).is_none());
    }

    #[test]
    fn stickers_polls_and_unreadable_messages_are_inbounds_naming_their_kind() {
        let sticker = message(json!({"sticker": {"file_id": "st1", "file_unique_id": "u",
            "type": "regular", "width": 512, "height": 512, "is_animated": false,
            "is_video": false, "file_size": 300}}));
        let inbound = inbound(&sticker).unwrap();
        assert_eq!(inbound.text, "");
        let a = &inbound.attachments[0];
        assert_eq!(
            a.mime_type.as_deref(),
            Some("application/x-telegram-sticker")
        );
        assert_eq!(a.platform_id.as_deref(), Some("st1"));
        let poll = message(
            json!({"poll": {"id": "p", "question": "best?", "options": [],
            "total_voter_count": 0, "is_closed": false, "is_anonymous": true,
            "type": "regular", "allows_multiple_answers": false}}),
        );
        let asked = super::inbound(&poll).unwrap();
        assert_eq!(asked.attachments[0].name.as_deref(), Some("poll"));
        // A text that is not a string: teloxide gives up; kefu still answers.
        let raw = json!({"update_id": 7, "message": {"message_id": 43, "date": 1_700_000_000,
            "chat": {"id": 1001, "type": "private"},
            "from": {"id": 55, "is_bot": false, "first_name": "Ann"},
            "text": {"oops": 1}}});
        let unread = from_raw(&raw).unwrap();
        assert_eq!(unread.platform_message_id, "1001:43");
        assert_eq!(unread.text, "");
        assert_eq!(unread.attachments[0].name.as_deref(), Some("text"));
        assert_eq!(raw_kind(&raw), "text");
        let robot = json!({"message": {"message_id": 1, "chat": {"id": 5},
            "from": {"id": 9, "is_bot": true}}});
        assert!(from_raw(&robot).is_none());
        let joined = json!({"message": {"message_id": 1, "chat": {"id": 5},
            "from": {"id": 9, "is_bot": false}, "new_chat_members": []}});
        assert!(from_raw(&joined).is_none());
    }

    #[test]
    fn a_button_press_is_an_inbound_with_its_data() {
        let query: CallbackQuery = serde_json::from_value(json!({
            "id": "9876", "chat_instance": "x", "data": "csat:4",
            "from": {"id": 55, "is_bot": false, "first_name": "Ann"},
            "message": {"message_id": 42, "date": 1_700_000_000, "text": "How did we do?",
                "chat": {"id": 1001, "type": "private", "first_name": "Ann"}}}))
        .unwrap();
        let inbound = callback(&query).unwrap();
        assert_eq!(inbound.text, "csat:4");
        assert_eq!(inbound.platform_message_id, "1001:press:9876");
        assert_eq!(inbound.thread.id, "1001");
        assert_eq!(inbound.reply_to.as_deref(), Some("1001:42"));
        assert_eq!(inbound.sender.id, "55");
    }

    #[test]
    fn forum_topics_are_routed_back_to_their_topic() {
        let m = message(
            json!({"text": "hi", "message_thread_id": 77, "is_topic_message": true,
            "chat": {"id": -1_001_234, "type": "supergroup", "title": "Shop", "is_forum": true}}),
        );
        let inbound = inbound(&m).unwrap();
        assert_eq!(inbound.thread.id, "-1001234");
        assert_eq!(inbound.thread.route.as_deref(), Some("77"));
    }
}
