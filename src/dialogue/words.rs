//! Reading a customer's words for requests: clauses, product and option
//! mentions, payment methods, addresses by value or by reference, and the
//! cancellation reason.

use super::PostalAddress;
use crate::nlu::is_cjk;
use crate::shop::Product;

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
    "cancel", "return", "exchange", "modify", "change", "update", "swap", "refund", "switch",
    "取消", "退货", "换货", "修改", "退款",
];
const FILLER: &[&str] = &[
    "i", "i'd", "id", "i'm", "would", "like", "want", "wanna", "to", "also", "please", "need",
    "could", "can", "you", "then", "and", "lastly", "finally", "just", "we",
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

/// An option value of a product: (product name, option name, value).
type ValueEntry = (String, String, String);

/// What a clause says of items: the items named, wanted options and
/// current options said with no product.
pub type ItemsSaid = (
    Vec<super::request::ItemMention>,
    Vec<(Option<String>, String)>,
    Vec<String>,
);

/// Words of a product name too general to name it alone.
const GENERIC: &[&str] = &["set", "kit", "smart", "electric", "the", "led"];

/// The shop's products and option values as customers name them.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Phrase → products it may mean; longest first.
    products: Vec<(String, Vec<String>)>,
    /// Phrase → (product, option name, value); longest first.
    values: Vec<(String, Vec<ValueEntry>)>,
}

impl Catalog {
    /// Index `products`; `aliases` adds (phrase, product name) pairs from
    /// the shop's catalog (Chinese names, nicknames), `option_words`
    /// (word, value) pairs from its lexicon (`白色` → `white`).
    pub fn new(
        products: &[Product],
        aliases: &[(String, String)],
        option_words: &[(String, String)],
    ) -> Self {
        let mut names: Vec<(String, String)> = Vec::new();
        let mut values: Vec<(String, (String, String, String))> = Vec::new();
        for p in products {
            let name = normalize(&p.name);
            let mut phrases = vec![name.clone(), name.replace('-', " "), name.replace('-', "")];
            let words: Vec<&str> = name.split([' ', '-']).collect();
            if let Some(last) = words.last() {
                if !GENERIC.contains(last) && last.len() >= 3 {
                    phrases.push(last.to_string());
                } else if words.len() > 1 {
                    phrases.push(words[0].to_string());
                }
            }
            for phrase in phrases {
                for form in plural_forms(&phrase) {
                    names.push((form, p.name.clone()));
                }
            }
            let mut seen_words: Vec<(String, usize)> = Vec::new();
            let all_values: Vec<(String, String)> = p
                .variants
                .values()
                .flat_map(|v| v.options.iter().map(|(k, v)| (k.clone(), v.clone())))
                .collect();
            for (key, value) in &all_values {
                let phrase = normalize(value);
                let entry = (p.name.clone(), key.clone(), value.clone());
                if !values.iter().any(|(ph, e)| ph == &phrase && e == &entry) {
                    values.push((phrase.clone(), entry));
                    for w in phrase.split(' ').filter(|w| w.len() >= 4) {
                        match seen_words.iter_mut().find(|(s, _)| s == w) {
                            Some((_, n)) => *n += 1,
                            None => seen_words.push((w.to_string(), 1)),
                        }
                    }
                }
            }
            // A distinctive word of a longer value names it ("Google" for
            // "Google Assistant", "HomeKit" for "Apple HomeKit").
            for (key, value) in &all_values {
                let phrase = normalize(value);
                if !phrase.contains(' ') {
                    continue;
                }
                for w in phrase.split(' ') {
                    let unique = seen_words.iter().any(|(s, n)| s == w && *n == 1);
                    let known = all_values.iter().any(|(_, v)| normalize(v) == w);
                    if unique && !known && !["with", "card", "equivalent"].contains(&w) {
                        let entry = (p.name.clone(), key.clone(), value.clone());
                        if !values.iter().any(|(ph, e)| ph == w && e == &entry) {
                            values.push((w.to_string(), entry));
                        }
                    }
                }
            }
        }
        for (phrase, name) in aliases {
            names.push((normalize(phrase), name.clone()));
        }
        for (word, value) in option_words {
            for p in products {
                for (key, v) in p.variants.values().flat_map(|v| v.options.iter()) {
                    let entry = (p.name.clone(), key.clone(), v.clone());
                    let phrase = normalize(word);
                    if v.eq_ignore_ascii_case(value)
                        && !values.iter().any(|(ph, e)| *ph == phrase && *e == entry)
                    {
                        values.push((phrase, entry));
                    }
                }
            }
        }
        for (phrase, name) in [
            ("bike", "Bicycle"),
            ("phone", "Smartphone"),
            ("vacuum", "Vacuum Cleaner"),
            ("earphones", "Wireless Earbuds"),
            ("headphone", "Headphones"),
            ("tee", "T-Shirt"),
            ("shirt", "T-Shirt"),
            ("watch", "Wristwatch"),
            ("shoes", "Running Shoes"),
            ("dumbbells", "Dumbbell Set"),
            ("luggage", "Luggage Set"),
            ("makeup", "Makeup Kit"),
            ("bulb", "LED Light Bulb"),
        ] {
            names.push((phrase.to_string(), name.to_string()));
        }
        let known: Vec<&str> = products.iter().map(|p| p.name.as_str()).collect();
        let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
        for (phrase, name) in names {
            if !known.contains(&name.as_str()) {
                continue;
            }
            match grouped.iter_mut().find(|(p, _)| *p == phrase) {
                Some((_, list)) if !list.contains(&name) => list.push(name),
                Some(_) => {}
                None => grouped.push((phrase, vec![name])),
            }
        }
        // A full product name means that product alone.
        for (phrase, list) in &mut grouped {
            if let Some(exact) = known.iter().find(|k| normalize(k) == *phrase) {
                *list = vec![exact.to_string()];
            }
        }
        grouped.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let mut by_value: Vec<(String, Vec<ValueEntry>)> = Vec::new();
        for (phrase, entry) in values {
            match by_value.iter_mut().find(|(p, _)| *p == phrase) {
                Some((_, list)) => list.push(entry),
                None => by_value.push((phrase, vec![entry])),
            }
        }
        by_value.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Catalog {
            products: grouped,
            values: by_value,
        }
    }

    /// Products `lower` names, in order.
    pub fn products_in(&self, lower: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (_, _, names) in self.product_hits(lower) {
            for n in names {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        out
    }

    fn product_hits(&self, lower: &str) -> Vec<(usize, usize, Vec<String>)> {
        let mut taken = vec![false; lower.len()];
        let mut hits = Vec::new();
        for (phrase, names) in &self.products {
            let mut from = 0;
            while let Some(at) = find_word(lower, phrase, from) {
                let end = at + phrase.len();
                from = end;
                if taken[at..end].iter().any(|t| *t) {
                    continue;
                }
                taken[at..end].iter_mut().for_each(|t| *t = true);
                hits.push((at, end, names.clone()));
            }
        }
        hits.sort_by_key(|h| h.0);
        hits
    }

    /// Option values in `lower` (outside product names), with where they are.
    fn value_hits(&self, lower: &str, blocked: &[(usize, usize)]) -> Vec<ValueHit> {
        let mut taken = vec![false; lower.len()];
        for (a, b) in blocked {
            taken[*a..*b].iter_mut().for_each(|t| *t = true);
        }
        let mut hits = Vec::new();
        for (phrase, entries) in &self.values {
            let mut from = 0;
            while let Some(at) = find_word(lower, phrase, from) {
                let end = at + phrase.len();
                from = end;
                if taken[at..end].iter().any(|t| *t) || !plausible_value(lower, phrase, at) {
                    continue;
                }
                taken[at..end].iter_mut().for_each(|t| *t = true);
                hits.push(ValueHit {
                    at,
                    entries: entries.clone(),
                });
            }
        }
        hits.sort_by_key(|h| h.at);
        hits
    }

    /// Items the clause names with the options said around them, plus
    /// wanted and current options said without a product.
    pub fn items_in(&self, clause: &Clause) -> ItemsSaid {
        use super::request::ItemMention;
        let (lower, dicts) = blank_dicts(&clause.lower, &clause.original);
        let products = self.product_hits(&lower);
        let mut items: Vec<ItemMention> = products
            .iter()
            .map(|(_, _, names)| ItemMention {
                products: names.clone(),
                ..ItemMention::default()
            })
            .collect();
        // "Name {from} to {to}": the shop's own notation.
        for (i, (_, end, _)) in products.iter().enumerate() {
            let Some(d) = dicts
                .iter()
                .position(|d| d.start >= *end && d.start - *end <= 2)
            else {
                continue;
            };
            items[i].from = dicts[d].pairs.iter().map(|(_, v)| v.clone()).collect();
            if let Some(next) = dicts.get(d + 1) {
                let between = &lower[dicts[d].end..next.start];
                if between.trim() == "to" {
                    items[i].to = next
                        .pairs
                        .iter()
                        .map(|(k, v)| (Some(k.clone()), v.clone()))
                        .collect();
                    // "to {}": nothing changes, the same kind again.
                    items[i].same = next.pairs.is_empty();
                }
            }
        }
        let blocked: Vec<(usize, usize)> = products.iter().map(|(a, b, _)| (*a, *b)).collect();
        let wants = [
            "prefer",
            "want",
            "like",
            "need",
            "would",
            "instead",
            "should be",
            "rather",
            "换成",
            "改成",
            "想要",
        ]
        .iter()
        .any(|w| contains_word(&lower, w));
        let target_at = [
            " to ",
            " for ",
            " into ",
            " with a ",
            " with an ",
            "换成",
            "改成",
            "改为",
        ]
        .iter()
        .filter_map(|m| lower.find(m))
        .min();
        let mut loose_to = Vec::new();
        let mut loose_from = Vec::new();
        for hit in self.value_hits(&lower, &blocked) {
            // "an optical mouse over a laser one", "instead of the grey",
            // "not the black one": the value is what the item is now.
            let last_words: Vec<&str> = lower[..hit.at].split_whitespace().rev().take(3).collect();
            let near = last_words.into_iter().rev().collect::<Vec<_>>().join(" ");
            let negated = [
                "instead of",
                "rather than",
                "over",
                "not",
                "from",
                "no",
                "than",
            ]
            .iter()
            .any(|m| find_word(&near, m, 0).is_some());
            let wanted = !negated
                && match target_at {
                    Some(t) => hit.at > t,
                    None => wants,
                };
            // The product mention nearest to the value, among those the
            // value can belong to.
            let owner = products
                .iter()
                .enumerate()
                .filter(|(_, (_, _, names))| hit.entries.iter().any(|(p, _, _)| names.contains(p)))
                .min_by_key(
                    |(_, (a, b, _))| {
                        if hit.at >= *b {
                            hit.at - b
                        } else {
                            a - hit.at
                        }
                    },
                )
                .map(|(i, _)| i);
            let value = hit.entries[0].2.clone();
            match owner {
                Some(i) => {
                    let names = &items[i].products;
                    let entry = hit
                        .entries
                        .iter()
                        .find(|(p, _, _)| names.contains(p))
                        .expect("owner has the value");
                    if wanted {
                        let want = (None, entry.2.clone());
                        if !items[i].to.contains(&want) {
                            items[i].to.push(want);
                        }
                    } else if !items[i].from.contains(&entry.2) {
                        items[i].from.push(entry.2.clone());
                    }
                }
                None if wanted => loose_to.push((None, value)),
                None => loose_from.push(value),
            }
        }
        // "a bigger one", "one size down", "大一号": the next size up or
        // down, whatever the option is called.
        let step = if BIGGER.iter().any(|w| contains_word(&lower, w)) {
            Some(SIZE_UP)
        } else if SMALLER.iter().any(|w| contains_word(&lower, w)) {
            Some(SIZE_DOWN)
        } else {
            None
        };
        if let Some(step) = step {
            let want = (None, step.to_string());
            match items.first_mut() {
                Some(item) => item.to.push(want),
                None => loose_to.push(want),
            }
        }
        (items, loose_to, loose_from)
    }
}

/// The wanted value that means "the next size up" / "down".
pub const SIZE_UP: &str = "↑";
/// See [`SIZE_UP`].
pub const SIZE_DOWN: &str = "↓";
const BIGGER: &[&str] = &[
    "bigger",
    "larger",
    "taller",
    "longer",
    "size up",
    "a size up",
    "more capacity",
    "大一号",
    "大一码",
    "大一点",
    "更大",
    "大一些",
];
const SMALLER: &[&str] = &[
    "smaller",
    "shorter",
    "size down",
    "a size down",
    "less capacity",
    "小一号",
    "小一码",
    "小一点",
    "更小",
    "小一些",
];

/// Where a value stands among the values of its option, for "bigger" and
/// "smaller": clothing sizes, small/medium/large, else its leading number
/// ("5 ft", "1.5L", "13-inch", "20000mAh").
pub fn size_rank(value: &str) -> Option<f64> {
    const CLOTHING: &[&str] = &["xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"];
    const WORDS: &[&str] = &["mini", "small", "medium", "standard", "large", "king"];
    let lower = value.to_lowercase();
    if let Some(i) = CLOTHING.iter().position(|c| *c == lower) {
        return Some(i as f64);
    }
    if let Some(i) = WORDS.iter().position(|c| *c == lower) {
        return Some(i as f64);
    }
    let number: String = lower
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    number.parse().ok()
}

struct ValueHit {
    at: usize,
    entries: Vec<ValueEntry>,
}

/// Short or common values count only where they plainly are options:
/// "size 10", "1000 pieces", "water resistance: yes".
fn plausible_value(lower: &str, phrase: &str, at: usize) -> bool {
    let short = phrase.chars().all(|c| c.is_ascii_digit() || c == '.') || phrase.len() <= 2;
    let common = [
        "no", "yes", "none", "full", "half", "high", "low", "art", "standard",
    ];
    if !short && !common.contains(&phrase) {
        return true;
    }
    let before: String = lower[..at]
        .chars()
        .rev()
        .take(16)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let after: String = lower[at + phrase.len()..].chars().take(12).collect();
    ["size", "'", "\"", ":", "码", "号"]
        .iter()
        .any(|w| before.contains(w))
        || ["piece", "'", "\""].iter().any(|w| after.contains(w))
        || (common.contains(&phrase) && (before.contains("brightness") || after.contains("bright")))
}

fn plural_forms(phrase: &str) -> Vec<String> {
    let mut out = vec![phrase.to_string()];
    if let Some(stem) = phrase.strip_suffix('s').filter(|s| s.len() >= 4) {
        out.push(stem.to_string());
    } else {
        out.push(format!("{phrase}s"));
    }
    out
}

/// A `{'key': 'value', …}` in a clause.
#[derive(Debug, Clone)]
struct Dict {
    start: usize,
    end: usize,
    pairs: Vec<(String, String)>,
}

/// The clause with each `{…}` blanked out (same length), and the dicts
/// with their keys and values as written in `original`.
fn blank_dicts(lower: &str, original: &str) -> (String, Vec<Dict>) {
    let written: Vec<Vec<(String, String)>> = original
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(inner, _)| parse_dict(inner)))
        .collect();
    let mut out = String::with_capacity(lower.len());
    let mut dicts = Vec::new();
    let mut rest = lower;
    let mut offset = 0;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        out.push_str(&rest[..open]);
        let inner = &rest[open + 1..close];
        let pairs = written
            .get(dicts.len())
            .cloned()
            .unwrap_or_else(|| parse_dict(inner));
        dicts.push(Dict {
            start: offset + open,
            end: offset + close + 1,
            pairs,
        });
        out.extend(std::iter::repeat_n(' ', close + 1 - open));
        offset += close + 1;
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    (out, dicts)
}

/// `'a': 'b', 'c': 'd'` → [(a, b), (c, d)].
fn parse_dict(inner: &str) -> Vec<(String, String)> {
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

/// "the order number ends in 66", "ending with 123": the digits.
pub fn order_suffix(lower: &str) -> Option<String> {
    for cue in [
        "ends in ",
        "ends with ",
        "ending in ",
        "ending with ",
        "last digits are ",
        "尾号",
    ] {
        if let Some(at) = lower.find(cue) {
            let digits: String = lower[at + cue.len()..]
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            let about_order = lower.contains("order") || lower.contains("订单");
            if !digits.is_empty() && about_order {
                return Some(digits);
            }
        }
    }
    None
}

/// A payment method: an id as the shop writes it, or words naming a kind
/// or a card brand.
pub fn payment_in(lower: &str) -> Option<String> {
    for prefix in ["gift_card_", "paypal_", "credit_card_"] {
        if let Some(at) = lower.find(prefix) {
            let digits: String = lower[at + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if !digits.is_empty() {
                return Some(format!("{prefix}{digits}"));
            }
        }
    }
    // "the Visa ending 1234", "card ending in 1234", "尾号1234的卡".
    let card = ["card", "visa", "mastercard", "amex", "卡"]
        .iter()
        .any(|w| lower.contains(w));
    if card {
        for cue in [
            "ending in ",
            "ending with ",
            "ending ",
            "ends in ",
            "ends with ",
            "尾号",
        ] {
            if let Some(at) = lower.find(cue) {
                let digits: String = lower[at + cue.len()..]
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                if digits.len() == 4 {
                    return Some(format!("card ending {digits}"));
                }
            }
        }
    }
    let words: &[(&[&str], &str)] = &[
        (
            &[
                "original payment",
                "original method",
                "same payment",
                "original card",
                "原支付",
                "原路",
                "原来的支付",
                "原来的付款",
                "原付款",
                "原来的卡",
            ],
            "original",
        ),
        (
            &[
                "gift card",
                "giftcard",
                "store credit",
                "website credit",
                "site credit",
                "礼品卡",
            ],
            "gift card",
        ),
        (&["paypal", "pay pal"], "paypal"),
        (&["visa"], "visa"),
        (&["mastercard", "master card"], "mastercard"),
        (&["amex", "american express"], "amex"),
        (&["discover card"], "discover"),
        (&["credit card", "信用卡", "my card"], "credit card"),
    ];
    let mut best: Option<(usize, &str)> = None;
    for (phrases, label) in words {
        for p in *phrases {
            if let Some(at) = find_word(lower, p, 0) {
                if best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, label));
                }
            }
        }
    }
    best.map(|(_, l)| l.to_string())
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
