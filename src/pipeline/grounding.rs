//! Grounding: a reply may state only facts it was given.
//!
//! The LLM's draft is scanned for checkable claims — order ids, emails,
//! amounts and other numbers (item ids, tracking numbers, zips, dates),
//! order statuses — and each must appear in the facts the flow handed to the
//! prompt or in the customer's own words. Anything else is an invention (or a
//! leak of another customer's data) and the draft is rejected.

use std::collections::HashSet;

/// What a reply may mention.
#[derive(Debug, Default, Clone)]
pub struct Grounding {
    order_ids: HashSet<String>,
    emails: HashSet<String>,
    numbers: HashSet<String>,
    statuses: HashSet<&'static str>,
}

/// A claim in the draft that the facts do not support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// What kind of claim: `order id`, `email`, `number`, `status`.
    pub kind: &'static str,
    /// The claim as written.
    pub value: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ungrounded {} {:?}", self.kind, self.value)
    }
}

/// Order statuses as customers and models write them, with the canonical
/// status each one claims. Longer phrases first, so "return requested" is
/// not also read as something shorter.
const STATUS_WORDS: &[(&str, &str)] = &[
    ("return requested", "return requested"),
    ("exchange requested", "exchange requested"),
    ("pending", "pending"),
    ("processed", "processed"),
    ("shipped", "processed"),
    ("delivered", "delivered"),
    ("cancelled", "cancelled"),
    ("canceled", "cancelled"),
    ("已申请退货", "return requested"),
    ("退货申请", "return requested"),
    ("已申请换货", "exchange requested"),
    ("换货申请", "exchange requested"),
    ("待处理", "pending"),
    ("待发货", "pending"),
    ("已处理", "processed"),
    ("已发货", "processed"),
    ("已送达", "delivered"),
    ("已签收", "delivered"),
    ("已取消", "cancelled"),
];

impl Grounding {
    /// Everything checkable in `texts` (facts given to the prompt, the
    /// customer's words) becomes allowed.
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut grounding = Self::default();
        for text in texts {
            grounding.allow(text);
        }
        grounding
    }

    /// Allow what `text` mentions.
    pub fn allow(&mut self, text: &str) {
        let claims = claims(text);
        self.order_ids.extend(claims.order_ids);
        self.emails.extend(claims.emails);
        self.numbers.extend(claims.numbers);
        self.statuses.extend(claims.statuses);
    }

    /// The first claim of `reply` that is not grounded, if any.
    pub fn check(&self, reply: &str) -> Option<Violation> {
        let claims = claims(reply);
        if let Some(id) = claims
            .order_ids
            .into_iter()
            .find(|id| !self.order_ids.contains(id))
        {
            return Some(Violation {
                kind: "order id",
                value: id,
            });
        }
        if let Some(email) = claims.emails.into_iter().find(|e| !self.emails.contains(e)) {
            return Some(Violation {
                kind: "email",
                value: email,
            });
        }
        if let Some(n) = claims
            .numbers
            .into_iter()
            .find(|n| !self.numbers.contains(n))
        {
            return Some(Violation {
                kind: "number",
                value: n,
            });
        }
        if let Some(s) = claims
            .statuses
            .into_iter()
            .find(|s| !self.statuses.contains(s))
        {
            return Some(Violation {
                kind: "status",
                value: s.to_string(),
            });
        }
        None
    }
}

#[derive(Default)]
struct Claims {
    order_ids: Vec<String>,
    emails: Vec<String>,
    numbers: Vec<String>,
    statuses: Vec<&'static str>,
}

/// Scan `text` for checkable claims.
fn claims(text: &str) -> Claims {
    let mut claims = Claims::default();
    let lower = text.to_lowercase();
    // Emails first, and blanked out, so their digits are not numbers.
    let mut rest = String::with_capacity(lower.len());
    for word in
        lower.split_inclusive(|c: char| c.is_whitespace() || "，。,;；()（）<>\"'".contains(c))
    {
        let trimmed = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '@');
        if trimmed.contains('@') && trimmed.contains('.') && !trimmed.starts_with('@') {
            claims
                .emails
                .push(trimmed.trim_end_matches('.').to_string());
            rest.push(' ');
        } else {
            rest.push_str(word);
        }
    }
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // Order ids: W followed by digits, with or without '#'.
        if c == 'w'
            && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())
            && !prev_is_alnum(&chars, i)
        {
            let end = run_end(&chars, i + 1, |d| d.is_ascii_digit());
            let digits: String = chars[i + 1..end].iter().collect();
            claims.order_ids.push(format!("#W{digits}"));
            i = end;
            continue;
        }
        if c.is_ascii_digit() && !prev_is_alnum(&chars, i) {
            let (number, end) = read_number(&chars, i);
            // Single digits ("1 item", "2 parcels", "step 3") carry too
            // little to check and are mostly counting words.
            if number.len() > 1 {
                claims.numbers.push(number);
            }
            i = end;
            continue;
        }
        i += 1;
    }
    for (word, status) in STATUS_WORDS {
        if lower.contains(word) && !claims.statuses.contains(status) {
            claims.statuses.push(status);
        }
    }
    // "return requested" also contains nothing shorter in the table, but a
    // plain "requested" is not a status claim; nothing more to do.
    claims
}

fn prev_is_alnum(chars: &[char], i: usize) -> bool {
    i > 0 && chars[i - 1].is_ascii_alphanumeric()
}

fn run_end(chars: &[char], from: usize, keep: impl Fn(char) -> bool) -> usize {
    let mut end = from;
    while end < chars.len() && keep(chars[end]) {
        end += 1;
    }
    end
}

/// A number starting at `start`, normalized: thousands separators dropped,
/// trailing zero cents dropped ("1,299.00" → "1299", "47.80" → "47.8"), so
/// "$47.80" in a reply matches 47.8 in the facts. Dates and ids keep their
/// digits ("2026-11-18" → "2026", "11", "18" would lose the date, so a run
/// of digits and '-' or '/' stays one claim).
fn read_number(chars: &[char], start: usize) -> (String, usize) {
    let mut end = start;
    let mut text = String::new();
    while end < chars.len() {
        let c = chars[end];
        let next_digit = chars.get(end + 1).is_some_and(|d| d.is_ascii_digit());
        if c.is_ascii_digit() {
            text.push(c);
        } else if c == ',' && next_digit && !text.contains('.') {
            // thousands separator: skip
        } else if (c == '.' || c == '-' || c == '/') && next_digit {
            text.push(c);
        } else {
            break;
        }
        end += 1;
    }
    (normalize_number(&text), end)
}

fn normalize_number(text: &str) -> String {
    match text.split_once('.') {
        Some((whole, frac)) if !frac.contains(['.', '-', '/']) && !whole.contains(['-', '/']) => {
            let frac = frac.trim_end_matches('0');
            let whole = whole.trim_start_matches('0');
            let whole = if whole.is_empty() { "0" } else { whole };
            if frac.is_empty() {
                whole.to_string()
            } else {
                format!("{whole}.{frac}")
            }
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Grounding {
        Grounding::from_texts([
            "Order #W2611340: status delivered; items: Water Bottle (item 6469567736) $47.84; \
             tracking 357962501027; total $1,299.00; email mei.kovacs8232@example.com",
            "where is my order W2611340?",
        ])
    }

    #[test]
    fn grounded_replies_pass() {
        let g = facts();
        assert_eq!(
            g.check("Your order #W2611340 was delivered. Tracking: 357962501027."),
            None
        );
        assert_eq!(
            g.check("The bottle cost $47.84 and the total was $1299."),
            None
        );
        assert_eq!(
            g.check("We wrote to mei.kovacs8232@example.com, 1 item."),
            None
        );
        assert_eq!(g.check("Thanks for your patience!"), None);
    }

    #[test]
    fn invented_order_ids_prices_and_statuses_are_caught() {
        let g = facts();
        assert_eq!(
            g.check("Order #W9999999 is on its way").unwrap().kind,
            "order id"
        );
        assert_eq!(
            g.check("It cost $45.00").unwrap(),
            Violation {
                kind: "number",
                value: "45".into()
            }
        );
        assert_eq!(
            g.check("Your order has been cancelled.").unwrap().kind,
            "status"
        );
        assert_eq!(g.check("您的订单已取消").unwrap().kind, "status");
        assert_eq!(g.check("Tracking number 123456789").unwrap().kind, "number");
        assert_eq!(g.check("Write to someone@else.com").unwrap().kind, "email");
        assert_eq!(g.check("It arrives on 2026-12-01").unwrap().kind, "number");
    }

    #[test]
    fn numbers_are_normalized() {
        assert_eq!(normalize_number("47.80"), "47.8");
        assert_eq!(normalize_number("1299.00"), "1299");
        assert_eq!(
            claims("$1,299.00 and 2026-11-18").numbers,
            ["1299", "2026-11-18"]
        );
    }
}
