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
    /// Numbers with what they count ("12" of "day"): "7–12 business days"
    /// does not ground "12 hours".
    measures: HashSet<(String, &'static str)>,
    /// The grounding texts, lowercased, for promise words.
    text: String,
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
        self.numbers.extend(claims.numbers.iter().cloned());
        self.statuses.extend(claims.statuses);
        // A range grounds each of its ends: "3-5 days" allows "5 days".
        for n in &claims.numbers {
            self.numbers.extend(n.split(['-', '/']).map(str::to_string));
        }
        for (n, unit) in claims.measures {
            for part in n.split(['-', '/']) {
                self.measures.insert((part.to_string(), unit));
            }
            self.measures.insert((n, unit));
        }
        self.text.push_str(&text.to_lowercase());
        self.text.push('\n');
    }

    /// Whether the grounding texts contain `phrase` (lowercase).
    pub fn says(&self, phrase: &str) -> bool {
        self.text.contains(phrase)
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
        if let Some((n, unit)) = claims.measures.into_iter().find(|m| {
            !self.measures.contains(m)
                && !m
                    .0
                    .split(['-', '/'])
                    .all(|part| self.measures.contains(&(part.to_string(), m.1)))
        }) {
            return Some(Violation {
                kind: "measure",
                value: format!("{n} {unit}"),
            });
        }
        if let Some(n) = claims.numbers.into_iter().find(|n| {
            !self.numbers.contains(n)
                && !n.split(['-', '/']).all(|part| self.numbers.contains(part))
        }) {
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
    measures: Vec<(String, &'static str)>,
}

/// Scan `text` for checkable claims.
fn claims(text: &str) -> Claims {
    let mut claims = Claims::default();
    // Ranges are one claim whatever the dash: "3–5 days" as "3-5 days".
    let lower = text.to_lowercase().replace(['–', '—', '~', '～'], "-");
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
            // A number with a unit is a measure: checked with its unit,
            // single digits too ("3 hours" is a claim).
            if let Some(unit) = unit_after(&chars, end) {
                claims.measures.push((number.clone(), unit));
            }
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

/// What the number ending at `end` counts, when a unit of time or a
/// percentage follows it ("12 hours", "3-5 business days", "20%", "3天").
fn unit_after(chars: &[char], end: usize) -> Option<&'static str> {
    let rest: String = chars[end..].iter().take(24).collect();
    let rest = rest.trim_start_matches([' ', '-', '\u{a0}']);
    let rest = rest
        .strip_prefix("business ")
        .or_else(|| rest.strip_prefix("working "))
        .or_else(|| rest.strip_prefix("calendar "))
        .unwrap_or(rest);
    const UNITS: &[(&str, &str)] = &[
        ("%", "percent"),
        ("percent", "percent"),
        ("hour", "hour"),
        ("hr", "hour"),
        ("个小时", "hour"),
        ("小时", "hour"),
        ("minute", "minute"),
        ("min", "minute"),
        ("分钟", "minute"),
        ("day", "day"),
        ("个工作日", "day"),
        ("工作日", "day"),
        ("天", "day"),
        ("日", "day"),
        ("week", "week"),
        ("周", "week"),
        ("星期", "week"),
        ("month", "month"),
        ("个月", "month"),
        ("year", "year"),
        ("年", "year"),
        ("折", "percent"),
    ];
    UNITS.iter().find_map(|(word, unit)| {
        let follows = rest.strip_prefix(word)?;
        // "min" must not be the start of "minimum"; "day" of "daylight".
        let ok = word.chars().any(crate::lang::is_cjk)
            || *word == "%"
            || follows
                .chars()
                .next()
                .is_none_or(|c| !c.is_ascii_alphabetic() || c == 's');
        ok.then_some(*unit)
    })
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
    fn numbers_keep_their_units() {
        let g = Grounding::from_texts([
            "Shipping takes 3–5 business days in the US, 7-12 days abroad.",
        ]);
        assert_eq!(g.check("Shipping takes 3 to 5 business days."), None);
        assert_eq!(g.check("Abroad it takes 7-12 days."), None);
        assert_eq!(
            g.check("The shipping time is 12 hours.").unwrap(),
            Violation {
                kind: "measure",
                value: "12 hour".into()
            }
        );
        assert_eq!(g.check("It takes 2 weeks.").unwrap().kind, "measure");
        assert_eq!(g.check("我们提供8折优惠").unwrap().kind, "measure");
        assert_eq!(g.check("运输需要12小时").unwrap().kind, "measure");
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
