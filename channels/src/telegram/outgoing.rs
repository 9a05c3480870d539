//! Shaping replies for Telegram: the 4096-character split, the key that
//! lets a retried split reply continue where it stopped, and what a failed
//! Bot API call means for the outbox.

use crate::channel::SendError;
use std::time::Duration;
use teloxide::{ApiError, RequestError};

/// The most text one Telegram message may carry. Telegram counts UTF-16
/// code units (an emoji outside the BMP is two), so [`split_message`] does
/// too: a part within the limit in UTF-16 is within it however counted.
pub const MESSAGE_LIMIT: usize = 4096;

/// Split `text` into parts of at most `limit` UTF-16 code units, never
/// inside a character, preferring a line break, then any whitespace, in
/// the second half of a part. Whitespace at a split is dropped; empty text
/// gives no part.
pub fn split_message(text: &str, limit: usize) -> Vec<String> {
    crate::split::split_message(text, limit, crate::split::Length::Utf16)
}

/// A key for one reply, the same on every attempt: a retry after a later
/// part failed finds the parts already sent under it.
pub fn reply_key(thread: &str, reply_to: Option<&str>, text: &str) -> u64 {
    crate::split::reply_hash(thread, reply_to, text)
}

/// The message id in a `chat:message` key (the inbound's
/// `platform_message_id`) or a bare message id.
pub fn message_id_of(key: &str) -> Option<i32> {
    key.rsplit(':').next()?.trim().parse().ok()
}

/// `text` with every occurrence of the bot token masked: reqwest's errors
/// name the request URL, and the Bot API puts the token in it.
pub fn redact(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_string()
    } else {
        text.replace(token, "***")
    }
}

/// What a failed call means for the outbox: a 429 (`retry_after`) → rate
/// limited; 5xx, network errors and unreadable answers (a proxy's HTML
/// page) → transient; a refusal by Telegram (bad chat, blocked bot, bad
/// token, text too long) → permanent.
///
/// teloxide keeps the answer's description but not its HTTP status, so a
/// description it does not know is sorted by Telegram's wording: every
/// client error starts with its reason phrase ("Bad Request: …",
/// "Forbidden: …"), a server error does not.
pub fn classify(error: &RequestError, token: &str) -> SendError {
    let what = redact(&error.to_string(), token);
    match error {
        RequestError::RetryAfter(after) => SendError::RateLimited(after.duration()),
        RequestError::Network(_) | RequestError::InvalidJson { .. } | RequestError::Io(_) => {
            SendError::Transient(what)
        }
        RequestError::MigrateToChatId(to) => SendError::Permanent(format!(
            "the group moved to supergroup {to}; its new chat gets new conversations"
        )),
        RequestError::Api(ApiError::Unknown(description)) => {
            const CLIENT_ERRORS: [&str; 5] = [
                "Bad Request",
                "Unauthorized",
                "Forbidden",
                "Not Found",
                "Conflict",
            ];
            if description.contains("message thread not found")
                || description.contains("TOPIC_DELETED")
            {
                SendError::ThreadGone(what)
            } else if CLIENT_ERRORS.iter().any(|p| description.starts_with(p)) {
                SendError::Permanent(what)
            } else if description.starts_with("Too Many Requests") {
                // A 429 without `retry_after`: Telegram's usual minimum.
                SendError::RateLimited(Duration::from_secs(1))
            } else {
                SendError::Transient(what)
            }
        }
        RequestError::Api(_) => SendError::Permanent(what),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_part_and_empty_text_none() {
        assert_eq!(split_message("  hello  ", MESSAGE_LIMIT), vec!["hello"]);
        assert!(split_message(" \n ", MESSAGE_LIMIT).is_empty());
    }

    #[test]
    fn long_text_splits_at_whitespace_within_the_limit() {
        let text = "word ".repeat(1000); // 5000 characters
        let parts = split_message(&text, MESSAGE_LIMIT);
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.chars().count() <= MESSAGE_LIMIT));
        assert!(parts.iter().all(|p| p.split(' ').all(|w| w == "word")));
        assert_eq!(parts.join(" "), text.trim());
    }

    #[test]
    fn a_line_break_is_preferred() {
        let text = format!("{}\n{}", "a ".repeat(1500), "b ".repeat(1500));
        let parts = split_message(&text, MESSAGE_LIMIT);
        assert_eq!(parts.len(), 2);
        assert!(parts[0].ends_with('a') && parts[1].starts_with('b'));
    }

    #[test]
    fn cjk_and_emoji_split_on_characters_counted_in_utf16() {
        let cjk = "客服".repeat(2500); // 5000 characters, no spaces
        let parts = split_message(&cjk, MESSAGE_LIMIT);
        let counts: Vec<usize> = parts.iter().map(|p| p.chars().count()).collect();
        assert_eq!(counts, vec![4096, 904]);
        assert_eq!(parts.concat(), cjk);
        let emoji = "😀".repeat(3000); // 3000 characters, 6000 UTF-16 units
        let parts = split_message(&emoji, MESSAGE_LIMIT);
        assert_eq!(parts.len(), 2);
        assert!(parts
            .iter()
            .all(|p| p.encode_utf16().count() <= MESSAGE_LIMIT));
        assert_eq!(parts.concat(), emoji);
    }

    #[test]
    fn errors_map_to_what_the_outbox_does() {
        let api = |d: &str| RequestError::Api(ApiError::Unknown(d.into()));
        assert!(matches!(
            classify(&RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(7)), ""),
            SendError::RateLimited(d) if d == Duration::from_secs(7)
        ));
        assert!(matches!(
            classify(&api("Internal Server Error"), ""),
            SendError::Transient(_)
        ));
        assert!(matches!(
            classify(&api("Bad Gateway"), ""),
            SendError::Transient(_)
        ));
        assert!(matches!(
            classify(&api("Bad Request: something new"), ""),
            SendError::Permanent(_)
        ));
        assert!(matches!(
            classify(&api("Bad Request: message thread not found"), ""),
            SendError::ThreadGone(_)
        ));
        assert!(matches!(
            classify(&RequestError::Api(ApiError::BotBlocked), ""),
            SendError::Permanent(_)
        ));
    }

    #[test]
    fn keys_and_ids() {
        assert_eq!(message_id_of("1001:42"), Some(42));
        assert_eq!(message_id_of("-100123:7"), Some(7));
        assert_eq!(message_id_of("42"), Some(42));
        assert_eq!(message_id_of("x"), None);
        assert_eq!(
            reply_key("1", Some("2"), "hi"),
            reply_key("1", Some("2"), "hi")
        );
        assert_ne!(
            reply_key("1", Some("2"), "hi"),
            reply_key("1", Some("3"), "hi")
        );
        assert_eq!(redact("GET /bot12:ab/getMe", "12:ab"), "GET /bot***/getMe");
    }
}
