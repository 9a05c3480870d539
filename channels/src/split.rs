//! Splitting a long reply into the messages a platform accepts.

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
