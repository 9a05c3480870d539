//! Reading a customer's words for requests: clauses, product and option
//! mentions, payment methods, addresses by value or by reference, and the
//! cancellation reason.

use crate::lang::is_cjk;
use crate::nlu::PostalAddress;

mod payment;
pub use payment::payment_in;

pub use super::catalog::{size_rank, Catalog, SIZE_DOWN, SIZE_UP};
pub use super::pointing::{
    anchors_order, counted_as_several, means_every_one, means_just_one, names_another_order,
    one_of_several, only_asks, refers_to_order_before, OneOf,
};

/// One clause of a message, as written and lowercased.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// As written (order ids, addresses keep their case).
    pub original: String,
    /// Lowercased, with option words normalized ("5-feet" → "5 ft").
    pub lower: String,
}

impl Clause {
    fn new(original: &str) -> Self {
        Clause {
            original: original.trim().to_string(),
            lower: normalize(original.trim()),
        }
    }
}

/// Lowercase, and spell measures one way: "5-feet" and "5 foot" → "5 ft".
pub fn normalize(text: &str) -> String {
    let lower = text.to_lowercase().replace(['‘', '’'], "'");
    let mut out = String::with_capacity(lower.len());
    let chars: Vec<char> = lower.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        // "5-feet", "4-piece": a hyphen between a digit and a word is a space.
        if *c == '-' && i > 0 && chars[i - 1].is_ascii_digit() {
            out.push(' ');
        } else {
            out.push(*c);
        }
    }
    for (long, short) in [(" feet", " ft"), (" foot", " ft"), ("-feet", " ft")] {
        out = out.replace(long, short);
    }
    out
}

/// Whether `lower` contains `phrase` on word boundaries (Latin) or at all
/// (Chinese).
pub fn contains_word(lower: &str, phrase: &str) -> bool {
    find_word(lower, phrase, 0).is_some()
}

/// Whether a word of `lower` starts with `stem` ("cancel" in "cancelled",
/// not in "uncancel"); Chinese stems anywhere.
pub fn has_stem(lower: &str, stem: &str) -> bool {
    if stem.chars().any(is_cjk) {
        return lower.contains(stem);
    }
    let mut from = 0;
    while let Some(pos) = lower.get(from..).and_then(|l| l.find(stem)) {
        let at = from + pos;
        if lower[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() || is_cjk(c))
        {
            return true;
        }
        from = at + stem.len();
    }
    false
}

/// The first place at or after `from` where `phrase` stands as a word.
pub fn find_word(lower: &str, phrase: &str, from: usize) -> Option<usize> {
    if phrase.is_empty() {
        return None;
    }
    let latin = !phrase.chars().any(is_cjk);
    let mut start = from;
    while let Some(pos) = lower.get(start..)?.find(phrase) {
        let at = start + pos;
        let end = at + phrase.len();
        let before = lower[..at].chars().next_back();
        let after = lower[end..].chars().next();
        let word = |c: char| c.is_alphanumeric() && !is_cjk(c);
        if !latin || (before.is_none_or(|c| !word(c)) && after.is_none_or(|c| !word(c))) {
            return Some(at);
        }
        start = end;
    }
    None
}

/// Verbs that start a request; a clause boundary is placed before a
/// connector that such a verb follows.
const VERBS: &[&str] = &[
    "cancel",
    "return",
    "exchange",
    "modify",
    "change",
    "update",
    "swap",
    "refund",
    "switch",
    "pay",
    "upgrade",
    "downgrade",
    // "…, and I want it charged to my Visa": a change of payment.
    "charge",
    "bill",
    "取消",
    "退货",
    "换货",
    "修改",
    "退款",
];
const FILLER: &[&str] = &[
    "i", "i'd", "id", "i'm", "would", "like", "want", "wanna", "to", "also", "please", "need",
    "could", "can", "you", "then", "and", "lastly", "finally", "just", "we", "it", "them",
];

/// Split a message into clauses: sentences (not inside `{…}` or `(…)`),
/// then each sentence before an "and"/"also"/"then" that a request verb
/// follows.
pub fn clauses(text: &str) -> Vec<Clause> {
    let mut sentences = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        match c {
            '{' | '(' | '（' => depth += 1,
            '}' | ')' | '）' => depth = (depth - 1).max(0),
            _ => {}
        }
        current.push(*c);
        let next_blank = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        let ends = depth == 0
            && (matches!(c, ';' | '；' | '。' | '！' | '？' | '\n')
                || (matches!(c, '.' | '!' | '?') && next_blank));
        if ends {
            sentences.push(std::mem::take(&mut current));
        }
    }
    sentences.push(current);
    let mut out = Vec::new();
    for sentence in sentences {
        let trimmed = sentence.trim().trim_end_matches(['.', ';', '；', '。']);
        if trimmed.trim().is_empty() {
            continue;
        }
        for part in split_on_verbs(trimmed) {
            out.push(Clause::new(&part));
        }
    }
    out
}

fn split_on_verbs(sentence: &str) -> Vec<String> {
    let lower = sentence.to_lowercase();
    let mut cuts = Vec::new();
    for connector in [
        ", and ", " and ", ", also ", " also ", ", then ", " then ", ", but ", "，", "并且",
        "还要", "另外", "然后", "还有",
    ] {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(connector) {
            let at = from + pos;
            from = at + connector.len();
            if depth_at(&lower, at) == 0 && verb_follows(&lower[from..]) {
                cuts.push(at);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut parts = Vec::new();
    let mut start = 0;
    for cut in cuts {
        if cut > start {
            parts.push(sentence[start..cut].to_string());
            start = cut;
        }
    }
    parts.push(sentence[start..].to_string());
    parts
        .into_iter()
        .map(|p| {
            p.trim_start_matches([',', '，', ' '])
                .trim_start_matches("and ")
                .to_string()
        })
        .filter(|p| !p.trim().is_empty())
        .collect()
}

fn depth_at(lower: &str, at: usize) -> i32 {
    lower[..at].chars().fold(0, |d, c| match c {
        '{' | '(' => d + 1,
        '}' | ')' => (d - 1).max(0),
        _ => d,
    })
}

/// Whether a request verb comes within the next few words, after filler
/// ("and I'd also like to return …").
fn verb_follows(rest: &str) -> bool {
    // "…, and for another order, change the payment": the order it is
    // for, then the verb.
    let rest = match rest.strip_prefix("for ").and_then(|r| r.split_once(',')) {
        Some((lead, after)) if lead.contains("order") && lead.split_whitespace().count() <= 4 => {
            after
        }
        _ => rest,
    };
    if VERBS
        .iter()
        .any(|v| v.chars().any(is_cjk) && rest.starts_with(v))
    {
        return true;
    }
    for word in rest
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .take(6)
    {
        if VERBS.iter().any(|v| word.starts_with(v)) {
            return true;
        }
        if !FILLER.contains(&word) {
            return false;
        }
    }
    false
}

/// `'a': 'b', 'c': 'd'` → [(a, b), (c, d)].
pub(super) fn parse_dict(inner: &str) -> Vec<(String, String)> {
    let quoted: Vec<&str> = inner.split(['\'', '"']).skip(1).step_by(2).collect();
    quoted
        .chunks(2)
        .filter(|c| c.len() == 2)
        .map(|c| (c[0].trim().to_string(), c[1].trim().to_string()))
        .collect()
}

/// A full address written as the shop's records do: `{'address1': …,
/// 'city': …, 'state': …, 'zip': …}`.
pub fn address_dict(original: &str) -> Option<PostalAddress> {
    let open = original.find('{')?;
    let close = original[open..].find('}')? + open;
    let pairs = parse_dict(&original[open + 1..close]);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    Some(PostalAddress {
        address1: get("address1")?,
        address2: get("address2").unwrap_or_default(),
        city: get("city")?,
        state: get("state")?,
        zip: get("zip")?,
        country: get("country").unwrap_or_else(|| "USA".into()),
    })
}

/// An address by reference: the clause itself when it speaks of an
/// address without giving one ("to my default address", "the Washington
/// DC address"); the resolver reads which.
pub fn address_ref(lower: &str) -> Option<String> {
    ["address", "地址"]
        .iter()
        .any(|w| lower.contains(w))
        .then(|| lower.to_string())
}

/// "that address", "the same address", "这个地址": the address said before.
pub fn refers_to_address_before(lower: &str) -> bool {
    [
        "that address",
        "this address",
        "the same address",
        "that new address",
        "this new address",
        "the new address",
        "that one as",
        "那个地址",
        "这个地址",
        "同一个地址",
        "新地址",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// "Suite 641", "apt 4B" said alone: only the unit changes.
pub fn unit_only(original: &str) -> Option<String> {
    let lower = original.to_lowercase();
    let mut hits: Vec<(usize, &str)> = Vec::new();
    for unit in ["suite", "apt", "apartment", "unit"] {
        let mut from = 0;
        while let Some(at) = find_word(&lower, unit, from) {
            hits.push((at, unit));
            from = at + unit.len();
        }
    }
    hits.sort_unstable();
    for (at, unit) in hits {
        if lower.len() != original.len() {
            break;
        }
        let rest = original[at + unit.len()..].trim_start_matches(['.', ' ', '#']);
        let number: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if number.chars().any(|c| c.is_ascii_digit()) {
            let word = match unit {
                "suite" => "Suite",
                "unit" => "Unit",
                _ => "Apt",
            };
            return Some(format!("{word} {number}"));
        }
    }
    None
}

/// The digits right after the first of `cues` that `lower` has digits
/// after ("ends in 66" → "66").
fn digits_after(lower: &str, cues: &[&str]) -> Option<String> {
    cues.iter().find_map(|cue| {
        let at = lower.find(cue)?;
        let digits: String = lower[at + cue.len()..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        (!digits.is_empty()).then_some(digits)
    })
}

/// "the order number ends in 66", "ending with 123": the digits.
pub fn order_suffix(lower: &str) -> Option<String> {
    let about_order = lower.contains("order") || lower.contains("订单");
    let cues = [
        "ends in ",
        "ends with ",
        "ending in ",
        "ending with ",
        "last digits are ",
        "尾号",
    ];
    // "my Visa ending in 8055" is a card, not an order.
    let of_a_card = cues.iter().any(|cue| {
        lower.find(cue).is_some_and(|at| {
            lower[..at].split_whitespace().rev().take(3).any(|w| {
                ["card", "visa", "mastercard", "amex", "卡"]
                    .iter()
                    .any(|c| w.contains(c))
            })
        })
    });
    digits_after(lower, &cues).filter(|_| about_order && !of_a_card)
}

/// The policy's cancellation reasons, from the customer's words.
pub fn cancel_reason(lower: &str) -> Option<&'static str> {
    let mistake = [
        "mistake",
        "by accident",
        "accidentally",
        "wrong thing",
        "下错",
        "买错",
        "误",
        "不小心",
        "拍错",
    ];
    let not_needed = [
        "no longer need",
        "don't need",
        "dont need",
        "do not need",
        "not need",
        "changed my mind",
        "no longer want",
        "don't want",
        "dont want",
        "不需要",
        "不要了",
        "用不上",
        "不想要",
        "不用了",
        // Bought elsewhere, or found cheaper: this one is not needed.
        "other store",
        "another store",
        "another shop",
        "elsewhere",
        "half the price",
        "cheaper somewhere",
        "found it cheaper",
        "found a cheaper",
        "别家",
        "别的店",
        "更便宜",
    ];
    let m = mistake.iter().filter_map(|w| lower.find(w)).min();
    let n = not_needed.iter().filter_map(|w| lower.find(w)).min();
    match (m, n) {
        (Some(m), Some(n)) if n < m => Some("no longer needed"),
        (Some(_), _) => Some("ordered by mistake"),
        (None, Some(_)) => Some("no longer needed"),
        (None, None) => None,
    }
}

/// Words that say something arrived damaged (a photo with them goes to a
/// person).
pub fn about_damage(lower: &str) -> bool {
    const DAMAGE: [&str; 16] = [
        "damage",
        "broken",
        "broke",
        "crushed",
        "cracked",
        "torn",
        "dented",
        "smashed",
        "shattered",
        "leak",
        "坏",
        "破",
        "碎",
        "裂",
        "损",
        "漏",
    ];
    DAMAGE.iter().any(|w| lower.contains(w))
}
