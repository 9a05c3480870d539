//! The conversation model shared by every platform.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Which platform a message came from or goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// The local console (`kefu chat`).
    Console,
    /// Telegram Bot API.
    Telegram,
    /// Discord gateway and REST API.
    Discord,
    /// An email inbox (IMAP in, SMTP out).
    Email,
}

impl ChannelKind {
    /// The lowercase name used in keys, config sections and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Console => "console",
            ChannelKind::Telegram => "telegram",
            ChannelKind::Discord => "discord",
            ChannelKind::Email => "email",
        }
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who wrote a message: a platform user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    /// The platform's stable id for the user (Telegram user id, Discord
    /// user id, email address).
    pub id: String,
    /// A human-readable name, if the platform gives one.
    pub display_name: Option<String>,
}

/// Where a reply goes: a Telegram chat (+ topic), a Discord channel or DM,
/// an email thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    /// Platform-specific id of the place: chat id, channel id, or the
    /// root Message-ID of an email thread.
    pub id: String,
    /// Extra routing a platform needs to answer in the right place
    /// (Telegram topic id, email References chain), opaque to the daemon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
}

/// A file or media item that came with a message: its metadata, and for a
/// mail's photos the photo itself (other platforms keep their files and
/// give an id for them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// File name, if known.
    pub name: Option<String>,
    /// MIME type, if known.
    pub mime_type: Option<String>,
    /// Size in bytes, if known.
    pub size: Option<u64>,
    /// The platform's id for fetching the file later.
    pub platform_id: Option<String>,
    /// The file itself, base64 (a mail's photo up to [`KEPT_PHOTO_BYTES`]):
    /// shown to the operators with the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// The largest photo of a mail kept with the message (bytes).
pub const KEPT_PHOTO_BYTES: usize = 1024 * 1024;

impl Attachment {
    /// What it is, in one word kefu answers by: `photo`, `video`, `voice`
    /// (any audio), `sticker`, `poll`, `location`… (the platform's own
    /// kinds, `application/x-telegram-…`, `application/x-discord-…`), `unreadable` (a message the platform library could not
    /// read), else `file`.
    pub fn kind(&self) -> String {
        let mime = self.mime_type.as_deref().unwrap_or_default();
        if mime == "application/x-telegram-unreadable" {
            "unreadable".into()
        } else if let Some(kind) = mime
            .strip_prefix("application/x-telegram-")
            .or_else(|| mime.strip_prefix("application/x-discord-"))
        {
            kind.into()
        } else if mime.starts_with("image/") {
            "photo".into()
        } else if mime.starts_with("video/") {
            "video".into()
        } else if mime.starts_with("audio/") {
            "voice".into()
        } else {
            "file".into()
        }
    }
}

/// A message a customer sent, normalized from any platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbound {
    /// The platform it came from.
    pub channel: ChannelKind,
    /// The platform's id of this message; with `channel` it identifies the
    /// message, so a replayed delivery is recognised and ignored.
    pub platform_message_id: String,
    /// Who wrote it.
    pub sender: Sender,
    /// Where the conversation happens and the reply goes.
    pub thread: Thread,
    /// The text (caption for media, plain text for mail).
    pub text: String,
    /// Attachments, as metadata.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// When the platform says it was sent, in milliseconds since the Unix epoch.
    pub received_at: u64,
    /// The platform message id this one answers, if any.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// Machine mail or a loop (an auto-reply, a bounce, a mailing list, our
    /// own mail, a sender over the reply rate limit): the daemon stores it
    /// but never answers it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auto: bool,
    /// People other than the sender read what is posted in this thread (a
    /// Telegram group, a Discord guild channel, mail with other
    /// recipients): each sender has their own conversation there, and no
    /// personal data is posted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
    /// The platform did not authenticate the sender: a mail whose From has
    /// no passing DMARC/DKIM result from a trusted server. The sender id is
    /// then a claim, not an identity.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unauthenticated: bool,
    /// Set when the daemon cut the text to the channel's size cap on
    /// arrival: how many characters it had.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_chars: Option<usize>,
}

impl Inbound {
    /// Cut the text to `max` characters, recording the original length;
    /// `false` when it already fits.
    pub fn truncate_to(&mut self, max: usize) -> bool {
        let chars = self.text.chars().count();
        if chars <= max {
            return false;
        }
        self.text = self.text.chars().take(max).collect();
        self.original_chars = Some(chars);
        true
    }
}

impl Inbound {
    /// The key that identifies this message across deliveries.
    pub fn key(&self) -> String {
        format!("{}:{}", self.channel, self.platform_message_id)
    }

    /// The conversation this message belongs to: one per platform thread,
    /// and per sender where a thread is not one person's (a group, a guild
    /// channel, any mail thread, since anyone can write into one).
    pub fn conversation_id(&self) -> String {
        if self.shared || self.channel == ChannelKind::Email {
            format!("{}:{}/{}", self.channel, self.thread.id, self.sender.id)
        } else {
            format!("{}:{}", self.channel, self.thread.id)
        }
    }

    /// The sender as one identity across conversations
    /// (`telegram:12345`, `email:ann@example.com`).
    pub fn identity(&self) -> String {
        format!("{}:{}", self.channel, self.sender.id)
    }
}

/// A reply the daemon sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outbound {
    /// The platform to send on.
    pub channel: ChannelKind,
    /// Where it goes.
    pub thread: Thread,
    /// The reply text.
    pub text: String,
    /// The platform message id being answered (the reply quotes it).
    pub reply_to: Option<String>,
    /// Attachments to send (metadata only for now).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// What the pipeline decided for this reply (intent, actions, guard
    /// verdict). Platforms ignore it; the console prints it with `--json`.
    #[serde(default)]
    pub annotations: serde_json::Map<String, serde_json::Value>,
    /// Choices offered under the text (a satisfaction survey's 1–5): a
    /// Telegram inline keyboard; platforms without buttons show the text,
    /// which asks for the answer in words. A press comes back as an
    /// [`Inbound`] whose text is the button's `data`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Button>,
}

/// A choice under a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// What it shows.
    pub label: String,
    /// What a press sends back (at most 64 bytes on Telegram).
    pub data: String,
}

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
