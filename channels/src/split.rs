//! Splitting a long reply into the messages a platform accepts, and the
//! hash that names a reply the same way on every attempt.

/// How a platform measures a message's length.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Length {
    /// Unicode characters (Discord).
    Chars,
    /// UTF-16 code units, two for a character outside the BMP (Telegram).
    Utf16,
}

impl Length {
    fn of(self, c: char) -> usize {
        match self {
            Length::Chars => 1,
            Length::Utf16 => c.len_utf16(),
        }
    }
}

/// Split `text` into parts of at most `limit` (measured by `length`), never
/// inside a character, preferring a line break, then any whitespace, in
/// the second half of a part. Whitespace at a split is dropped; empty text
/// gives no part.
pub(crate) fn split_message(text: &str, limit: usize, length: Length) -> Vec<String> {
    // The widest character must always fit.
    let limit = limit.max(length.of(char::MAX));
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some(cut) = byte_index_past(rest, limit, length) else {
            parts.push(rest.to_string());
            break;
        };
        let window = &rest[..cut];
        let half = byte_index_past(window, limit / 2, length).unwrap_or(0);
        let at = window[half..]
            .rfind('\n')
            .or_else(|| window[half..].rfind(char::is_whitespace))
            .map(|i| half + i);
        let (head, tail) = match at {
            Some(i) if i > 0 => rest.split_at(i),
            _ => rest.split_at(cut),
        };
        parts.push(head.trim_end().to_string());
        rest = tail.trim_start();
    }
    parts
}

/// The byte offset where `text` first goes over `limit` (the end of the
/// longest prefix that fits), or `None` when all of it fits.
fn byte_index_past(text: &str, limit: usize, length: Length) -> Option<usize> {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += length.of(c);
        if used > limit {
            return Some(i);
        }
    }
    None
}

/// A hash of one reply, the same on every attempt and across processes and
/// Rust versions (FNV-1a), so that a retry finds the parts already sent.
/// Collisions only matter between replies in flight at the same moment.
pub(crate) fn reply_hash(thread: &str, reply_to: Option<&str>, text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in [thread, "\u{0}", reply_to.unwrap_or(""), "\u{0}", text]
        .iter()
        .flat_map(|s| s.bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
