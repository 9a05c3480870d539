//! Turning a raw RFC 5322 message into what the daemon needs: who wrote it,
//! the new text (plain preferred, HTML turned into text, any charset
//! mail-parser knows, GBK included), attachments as metadata, the thread it
//! belongs to, and whether it is machine mail that must never be answered.

use super::clean::strip_quotes_and_signature;
use crate::model::Attachment;
use mail_parser::decoders::html::html_to_text;
use mail_parser::{Message, MessageParser, MimeHeaders};
use serde::{Deserialize, Serialize};

/// What a mail says, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMail {
    /// The Message-ID without angle brackets (a stable hash of the raw
    /// message when the mail has none).
    pub message_id: String,
    /// The sender's address, lowercased.
    pub from: String,
    /// The sender's display name.
    pub from_name: Option<String>,
    /// The subject as written.
    pub subject: String,
    /// The new text, quotes and signature removed.
    pub text: String,
    /// Attachments, as metadata.
    pub attachments: Vec<Attachment>,
    /// The References chain, oldest first, without angle brackets.
    pub references: Vec<String>,
    /// The In-Reply-To id, if any.
    pub in_reply_to: Option<String>,
    /// The Date header, in milliseconds since the Unix epoch.
    pub date_millis: Option<u64>,
    /// Why this is machine mail (auto-reply, bounce, list), if it is.
    pub auto_reason: Option<&'static str>,
    /// The `To` addresses, lowercased.
    pub to: Vec<String>,
    /// The `Cc` addresses, lowercased.
    pub cc: Vec<String>,
    /// The topmost `Authentication-Results` value: the one the receiving
    /// server added (see [`super::auth`]).
    pub auth_results: Option<String>,
}

impl ParsedMail {
    /// Whether people other than the sender and the shop got this mail: a
    /// `Cc` other than `shop`, or several `To` (one `To` is the shop,
    /// whichever alias it was written to).
    pub fn has_other_recipients(&self, shop: &str) -> bool {
        let others = |list: &[String]| {
            list.iter()
                .filter(|a| !a.eq_ignore_ascii_case(shop.trim()) && **a != self.from)
                .count()
        };
        others(&self.cc) > 0 || (self.to.len() > 1 && others(&self.to) > 0)
    }
}

/// What `send` needs to answer in the thread, kept in `Thread.route` as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// The customer's address (the reply's `To`).
    pub to: String,
    /// The subject of the mail being answered.
    pub subject: String,
    /// The whole chain: the References of the mail being answered, then its
    /// own Message-ID (the reply's `References`; its last is `In-Reply-To`).
    pub references: Vec<String>,
}

impl Route {
    /// The route as stored in `Thread.route`.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("a route serializes")
    }

    /// Read a `Thread.route`.
    pub fn decode(route: &str) -> Option<Self> {
        serde_json::from_str(route).ok()
    }
}

/// Parse a raw message. `None` only when nothing usable is in it (no
/// sender address).
pub fn parse(raw: &[u8]) -> Option<ParsedMail> {
    let message = MessageParser::default().parse(raw)?;
    let from_addr = message.from().and_then(|a| a.first());
    let from = from_addr?.address()?.trim().to_lowercase();
    let from_name = from_addr
        .and_then(|a| a.name())
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let message_id = match message.message_id() {
        Some(id) if !id.trim().is_empty() => strip_brackets(id),
        _ => format!("{:016x}@kefu.invalid", stable_hash(raw)),
    };
    let references = ids(
        message.references().as_text_list(),
        message.references().as_text(),
    );
    let in_reply_to = ids(
        message.in_reply_to().as_text_list(),
        message.in_reply_to().as_text(),
    )
    .into_iter()
    .next();
    // The first text body: text/plain where the mail has it, else its HTML
    // turned into text.
    let body = match message.text_part(0) {
        Some(part) if part.is_text_html() => html_to_text(part.text_contents().unwrap_or_default()),
        Some(part) => part.text_contents().unwrap_or_default().to_string(),
        None => String::new(),
    };
    let addresses = |list: Option<&mail_parser::Address<'_>>| -> Vec<String> {
        list.map(|l| {
            l.iter()
                .filter_map(|a| a.address())
                .map(|a| a.trim().to_lowercase())
                .collect()
        })
        .unwrap_or_default()
    };
    let auth_results = message
        .headers_raw()
        .find(|(name, _)| name.eq_ignore_ascii_case("Authentication-Results"))
        .map(|(_, value)| value.split_whitespace().collect::<Vec<_>>().join(" "));
    Some(ParsedMail {
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        auth_results,
        auto_reason: auto_reason(&message, &from),
        attachments: attachments(&message),
        date_millis: message
            .date()
            .map(|d| d.to_timestamp())
            .filter(|t| *t > 0)
            .map(|t| t as u64 * 1000),
        text: strip_quotes_and_signature(&body),
        subject: message.subject().unwrap_or_default().trim().to_string(),
        message_id,
        from,
        from_name,
        references,
        in_reply_to,
    })
}

/// The root of the thread this mail belongs to, if its headers name one:
/// the first References id, else In-Reply-To.
pub fn header_root(mail: &ParsedMail) -> Option<&str> {
    mail.references
        .first()
        .or(mail.in_reply_to.as_ref())
        .map(String::as_str)
}

/// The route a reply to `mail` takes: the chain grows by this mail's id.
pub fn route_for(mail: &ParsedMail) -> Route {
    let mut references = mail.references.clone();
    if let Some(parent) = &mail.in_reply_to {
        if !references.contains(parent) {
            references.push(parent.clone());
        }
    }
    references.push(mail.message_id.clone());
    Route {
        to: mail.from.clone(),
        subject: mail.subject.clone(),
        references,
    }
}

/// `Re: <subject>`, without stacking prefixes.
pub fn reply_subject(subject: &str) -> String {
    match strip_prefixes(subject).trim() {
        "" => "Re: your message".to_string(),
        base => format!("Re: {base}"),
    }
}

/// The subject with its reply/forward prefixes cut, case kept.
fn strip_prefixes(subject: &str) -> &str {
    const PREFIXES: [&str; 12] = [
        "re", "fwd", "fw", "aw", "sv", "wg", "tr", "回复", "回覆", "答复", "转发", "轉寄",
    ];
    let mut rest = subject.trim();
    loop {
        let before = rest;
        if rest.starts_with('[') {
            if let Some(end) = rest.find(']') {
                rest = rest[end + 1..].trim_start();
            }
        }
        for prefix in PREFIXES {
            let Some(head) = rest.get(..prefix.len()) else {
                continue;
            };
            if !head.eq_ignore_ascii_case(prefix) {
                continue;
            }
            let tail = rest[prefix.len()..].trim_start();
            // "Re[2]:" and "Re2:" counters.
            let tail =
                tail.trim_start_matches(|c: char| c.is_ascii_digit() || c == '[' || c == ']');
            if let Some(t) = tail.strip_prefix(':').or_else(|| tail.strip_prefix('：')) {
                rest = t.trim_start();
                break;
            }
        }
        if rest == before {
            return rest;
        }
    }
}

fn auto_reason(message: &Message<'_>, from: &str) -> Option<&'static str> {
    let raw = |name: &'static str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    if let Some(v) = raw("Auto-Submitted") {
        if v.split(';').next().map(str::trim) != Some("no") {
            return Some("Auto-Submitted");
        }
    }
    if let Some(v) = raw("Precedence") {
        if v == "list" {
            return Some("Precedence: list");
        }
        if matches!(v.as_str(), "bulk" | "junk" | "auto_reply") {
            return Some("Precedence");
        }
    }
    if message.header_raw("List-Id").is_some() {
        return Some("List-Id");
    }
    if message.header_raw("X-Autoreply").is_some() || message.header_raw("X-Autorespond").is_some()
    {
        return Some("X-Autoreply");
    }
    if raw("Return-Path").as_deref() == Some("<>") {
        return Some("null Return-Path");
    }
    let local = from.split('@').next().unwrap_or_default();
    if matches!(
        local,
        "mailer-daemon" | "postmaster" | "no-reply" | "noreply" | "do-not-reply"
    ) {
        return Some("robot sender");
    }
    let report = message.root_part().content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    if report {
        return Some("delivery report");
    }
    None
}

fn attachments(message: &Message<'_>) -> Vec<Attachment> {
    message
        .attachments()
        .map(|part| Attachment {
            name: part.attachment_name().map(str::to_string),
            mime_type: part.content_type().map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_string(),
            }),
            size: Some(part.contents().len() as u64),
            platform_id: None,
            // A photo (of a damaged parcel) is kept for the operators.
            content: (part.content_type().is_some_and(|ct| ct.ctype() == "image")
                && part.contents().len() <= crate::model::KEPT_PHOTO_BYTES)
                .then(|| {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD.encode(part.contents())
                }),
        })
        .collect()
}

fn ids(list: Option<&[std::borrow::Cow<'_, str>]>, single: Option<&str>) -> Vec<String> {
    let all: Vec<&str> = match (list, single) {
        (Some(list), _) => list.iter().map(|s| s.as_ref()).collect(),
        (None, Some(one)) => vec![one],
        _ => Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    for id in all.iter().flat_map(|s| s.split_whitespace()) {
        let id = strip_brackets(id);
        if !id.is_empty() && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn strip_brackets(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string()
}

/// FNV-1a: a hash that stays the same across builds and platforms.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
