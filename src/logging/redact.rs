//! Personal data out of log lines, unless `log.personal_data = true`:
//! email addresses (the local part becomes its first letter and a short
//! hash, so one address is still recognisable across lines:
//! `a…3f2a@example.com`), and phone and card numbers (`[number]`). Ids the
//! operator needs (message keys, chat ids) stay: a number glued to `:`,
//! `/`, `#` or letters is an id, not a phone.

use std::sync::atomic::{AtomicBool, Ordering};

static SHOW_PERSONAL_DATA: AtomicBool = AtomicBool::new(false);

/// Log personal data as it is (`log.personal_data`).
pub fn show_personal_data(show: bool) {
    SHOW_PERSONAL_DATA.store(show, Ordering::Relaxed);
}

/// `line` as it may be logged.
pub fn redact(line: &str) -> String {
    if SHOW_PERSONAL_DATA.load(Ordering::Relaxed) {
        return line.to_string();
    }
    numbers(&emails(line))
}

fn emails(line: &str) -> String {
    emails_as(line, false)
}

/// Email addresses as `[email]`, for text published to everyone.
pub fn mask_emails(text: &str) -> String {
    emails_as(text, true)
}

/// Phone and card numbers as `[number]`, for text published to everyone.
pub fn mask_numbers(text: &str) -> String {
    numbers(text)
}

fn emails_as(line: &str, plain: bool) -> String {
    let is_local = |c: char| c.is_alphanumeric() || "._%+-".contains(c);
    let is_domain = |c: char| c.is_alphanumeric() || ".-".contains(c);
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' && i > 0 && is_local(chars[i - 1]) {
            let start = (0..i)
                .rev()
                .take_while(|&j| is_local(chars[j]))
                .last()
                .unwrap_or(i);
            let mut end = (i + 1..chars.len())
                .take_while(|&j| is_domain(chars[j]))
                .last()
                .map_or(i + 1, |j| j + 1);
            // A sentence's full stop is not the domain's.
            while end > i + 1 && chars[end - 1] == '.' {
                end -= 1;
            }
            let domain: String = chars[i + 1..end].iter().collect();
            if domain.contains('.') && start < i {
                let local: String = chars[start..i].iter().collect();
                // Drop the local part already copied, write its mask.
                for _ in start..i {
                    out.pop();
                }
                let hash = local.bytes().fold(0x811c9dc5u32, |h, b| {
                    (h ^ u32::from(b)).wrapping_mul(0x01000193)
                });
                if plain {
                    out.push_str("[email]");
                } else {
                    out.push_str(&format!(
                        "{}…{:04x}@{domain}",
                        local.chars().next().unwrap_or('?'),
                        hash & 0xffff
                    ));
                }
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn numbers(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let glued = i > 0 && (chars[i - 1].is_alphanumeric() || ":/#_.=-".contains(chars[i - 1]));
        let starts = chars[i].is_ascii_digit()
            || (chars[i] == '+' && i + 1 < chars.len() && chars[i + 1].is_ascii_digit());
        if starts && !glued {
            // A run of digits with the separators people type in numbers.
            let mut end = i + 1;
            while end < chars.len()
                && (chars[end].is_ascii_digit()
                    || (" -().".contains(chars[end])
                        && end + 1 < chars.len()
                        && chars[end + 1].is_ascii_digit()))
            {
                end += 1;
            }
            let run: String = chars[i..end].iter().collect();
            let digits: String = run.chars().filter(char::is_ascii_digit).collect();
            let separated = run.contains([' ', '-', '(']) || run.starts_with('+');
            let glued_after =
                end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == ':');
            let phone = separated && (9..=15).contains(&digits.len());
            let card = (13..=19).contains(&digits.len()) && luhn(&digits);
            if (phone || card) && !glued_after {
                out.push_str("[number]");
                i = end;
                continue;
            }
            out.push_str(&run);
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(n, d)| match n % 2 {
            1 if d * 2 > 9 => d * 2 - 9,
            1 => d * 2,
            _ => d,
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_phones_and_cards_are_masked_ids_kept() {
        let line = "mail will not be answered message_id=m1@x.test from=ann.lee@example.com \
                    call +1 555 123 4567 card 4111 1111 1111 1111 or 4111111111111111";
        let out = redact(line);
        assert!(!out.contains("ann.lee"), "{out}");
        assert!(out.contains("a…") && out.contains("@example.com"), "{out}");
        assert_eq!(redact("ann.lee@example.com"), redact("ann.lee@example.com"));
        assert!(!out.contains("555 123"), "{out}");
        assert!(!out.contains("4111"), "{out}");
        let ids = "reply sent message=telegram:-1001234567890:5012 chat 1001 order #W3767039 \
                   discord:1234567890123456789 elapsed_ms=1234567";
        assert_eq!(redact(ids), ids, "ids stay");
    }
}
