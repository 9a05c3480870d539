//! Shaping replies for Discord: the 2000-character split, the nonce that
//! lets Discord drop a repeated send, and what a failed send means.

use crate::channel::SendError;
use serenity::http::HttpError;
use std::time::Duration;

/// The most characters one Discord message may carry.
pub const MESSAGE_LIMIT: usize = 2000;

/// How long to wait after a 429 when the answer's `retry_after` is not
/// available (serenity keeps only the status and the error body's code).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Split `text` into parts of at most `limit` characters, never inside a
/// character, preferring a line break, then any whitespace, in the second
/// half of a part. Whitespace at a split is dropped; empty text gives no
/// part.
pub fn split_message(text: &str, limit: usize) -> Vec<String> {
    crate::split::split_message(text, limit, crate::split::Length::Chars)
}

/// A nonce for part `part` of a reply, the same on every attempt. Sent with
/// `enforce_nonce`, Discord answers a repeat within a few minutes with the
/// message it already created instead of posting the reply twice.
pub fn nonce(thread: &str, reply_to: Option<&str>, text: &str, part: usize) -> String {
    let hash = crate::split::reply_hash(thread, reply_to, text);
    format!("kefu{hash:016x}{}", part % 1000)
}

/// What a failed send means for the outbox: 429 → rate limited, 5xx and
/// network errors → transient, any other 4xx or a refused request →
/// permanent.
pub fn classify(error: serenity::Error) -> SendError {
    match &error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            let status = response.status_code.as_u16();
            let what = format!("Discord answered {status}: {}", response.error.message);
            match status {
                429 => SendError::RateLimited(DEFAULT_RETRY_AFTER),
                408 | 500..=599 => SendError::Transient(what),
                _ => SendError::Permanent(what),
            }
        }
        serenity::Error::Http(HttpError::Request(e)) => {
            SendError::Transient(format!("network error: {e}"))
        }
        serenity::Error::Io(e) => SendError::Transient(format!("network error: {e}")),
        _ => SendError::Permanent(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_part() {
        assert_eq!(split_message("  hello  ", 2000), vec!["hello"]);
        assert!(split_message("   ", 2000).is_empty());
    }

    #[test]
    fn long_text_splits_at_whitespace_within_the_limit() {
        let text = "word ".repeat(500); // 2500 characters
        let parts = split_message(&text, 2000);
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.chars().count() <= 2000));
        assert!(
            parts.iter().all(|p| p.split(' ').all(|w| w == "word")),
            "no word is cut"
        );
        assert_eq!(
            parts.join(" "),
            text.trim(),
            "nothing is lost but the space at the split"
        );
    }

    #[test]
    fn text_without_spaces_splits_on_characters() {
        let text = "客服".repeat(1500); // 3000 characters, 9000 bytes
        let parts = split_message(&text, 2000);
        assert_eq!(
            parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(),
            vec![2000, 1000]
        );
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn a_line_break_is_preferred() {
        let text = format!("{}\n{}", "a ".repeat(700), "b ".repeat(700));
        let parts = split_message(&text, 2000);
        assert_eq!(parts.len(), 2);
        assert!(parts[0].ends_with('a') && parts[1].starts_with('b'));
    }

    #[test]
    fn nonces_fit_discord_and_are_stable() {
        let a = nonce("1", Some("2"), "hi", 0);
        assert!(a.len() <= 25);
        assert_eq!(a, nonce("1", Some("2"), "hi", 0));
        assert_ne!(a, nonce("1", Some("2"), "hi", 1));
        assert_ne!(a, nonce("1", Some("3"), "hi", 0));
    }
}
