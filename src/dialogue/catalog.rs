//! The shop's products and option values as customers name them: product
//! names and their short forms ("mouse", "kettle"), option values and
//! their distinctive words ("Google" for "Google Assistant"), read out of
//! a clause with what is wanted and what the item is now.

use super::words::{contains_word, find_word, normalize, parse_dict, Clause};
use crate::shop::Product;

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
    /// Product → its option names, lowercase.
    keys: std::collections::BTreeMap<String, Vec<String>>,
}

impl Catalog {
    /// Which option names of `products` the words say stay as they are
    /// ("in the same colour"): for items named in an earlier clause.
    pub fn kept_options(&self, lower: &str, products: &[String]) -> Vec<String> {
        let keys: Vec<String> = products
            .iter()
            .filter_map(|p| self.keys.get(p))
            .flatten()
            .cloned()
            .collect();
        crate::nlu::keep::kept_options(lower, &keys)
    }

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
            phrases.extend(
                crate::nlu::synonyms::everyday_names(&name)
                    .into_iter()
                    .map(str::to_string),
            );
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
                    // "the 50-foot one" for "50ft", "2-liter" for "2 liters".
                    for spelled in crate::nlu::units::spellings(&phrase) {
                        values.push((spelled, entry.clone()));
                    }
                    // "the full-size layout" for "full size".
                    if phrase.contains(' ') {
                        values.push((phrase.replace(' ', "-"), entry.clone()));
                    }
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
                    // ("size" of "full size" names the option, not a value.)
                    let names_option = all_values
                        .iter()
                        .any(|(k, _)| k.to_lowercase().split(' ').any(|kw| kw == w));
                    if unique
                        && !known
                        && !names_option
                        && !["with", "card", "equivalent"].contains(&w)
                    {
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
            ("earphones", "Headphones"),
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
        let keys = products
            .iter()
            .map(|p| {
                let mut names: Vec<String> = p
                    .variants
                    .values()
                    .flat_map(|v| v.options.keys().map(|k| k.to_lowercase()))
                    .collect();
                names.sort();
                names.dedup();
                (p.name.clone(), names)
            })
            .collect();
        Catalog {
            products: grouped,
            values: by_value,
            keys,
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
        let mut products = self.product_hits(&lower);
        // "the perfume … the smallest bottle of the same scent": a bare
        // container word after a degree word, once an item is named, is
        // that item's size, not another product (Water Bottle).
        // ("the two dog beds … the smaller bed" is that product again.)
        let first_end = products.first().map(|h| h.1).unwrap_or(usize::MAX);
        let first_names = products.first().map(|h| h.2.clone()).unwrap_or_default();
        products.retain(|(at, end, names)| {
            *at < first_end
                || lower[*at..*end].contains(' ')
                || !after_degree_word(&lower, *at)
                || names.iter().any(|n| first_names.contains(n))
        });
        // "a backpack with a laptop compartment": a product word that
        // qualifies another noun names no item.
        products.retain(|(_, end, _)| !qualifies_a_noun(&lower[*end..]));
        let mut items: Vec<ItemMention> = products
            .iter()
            .map(|(at, end, names)| ItemMention {
                products: names.clone(),
                every: super::words::counted_as_several(&lower, *at),
                one_of: super::words::one_of_several(&lower, *at),
                anchor: super::words::anchors_order(&lower, *at, *end),
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
        let second = crate::nlu::fallback::fallbacks(&lower);
        for hit in self.value_hits(&lower, &blocked) {
            // "I don't care about wired or not": neither what it is nor
            // what is wanted.
            if indifferent_at(&lower, hit.at) {
                continue;
            }
            // "an optical mouse over a laser one", "instead of the grey",
            // "not the black one": the value is what the item is now.
            let last_words: Vec<&str> = lower[..hit.at].split_whitespace().rev().take(3).collect();
            let near = last_words.into_iter().rev().collect::<Vec<_>>().join(" ");
            // (In a second choice the "not" is the condition's: "if beige
            // is not offered, in grey".)
            let negated = !second.is_second(hit.at)
                && [
                    "instead of",
                    "rather than",
                    "over",
                    "not",
                    "from",
                    "no",
                    "than",
                ]
                .iter()
                .any(|m| {
                    // "changed from in-ear to over-ear": what follows "to" is
                    // wanted, whatever came before it.
                    find_word(&near, m, 0)
                        .is_some_and(|at| find_word(&near[at..], "to", 0).is_none())
                });
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
                    if wanted && second.is_second(hit.at) {
                        let want = (None, entry.2.clone());
                        if !items[i].fallback.contains(&want) {
                            items[i].fallback.push(want);
                        }
                    } else if wanted {
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
        // ("the larger one" before what it changes to picks the item:
        // "switch the larger one to 1 liter".)
        let wanted_step = |list: &[&str]| {
            // (Each time it is said: "one size smaller, and the smaller of
            // the two mugs …" wants a size down for the first.)
            list.iter().any(|w| {
                let mut from = 0;
                let mut wanted = false;
                while let Some(at) = find_word(&lower, w, from) {
                    from = at + w.len();
                    let picks = lower[..at].ends_with("the ") && target_at.is_some_and(|t| at < t);
                    wanted |= !picks;
                }
                wanted
            })
        };
        let step = if wanted_step(BIGGER) {
            Some(SIZE_UP)
        } else if wanted_step(SMALLER) {
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
        // "the highest-resolution one", "the most storage": the item named
        // last before it (or the first) wants that end of the option.
        for (at, option, end) in crate::nlu::superlative::superlatives(&lower) {
            // "change the smallest kettle to 2 liters" picks the item.
            if target_at.is_some_and(|t| at < t) {
                continue;
            }
            let want = (option, end.to_string());
            let owner = products.iter().rposition(|(start, _, _)| *start < at);
            match owner.or((!items.is_empty()).then_some(0)) {
                Some(i) if !items[i].to.contains(&want) => items[i].to.push(want),
                Some(_) => {}
                None => loose_to.push(want),
            }
        }
        // "otherwise leave the vacuum": the item named after it (else the
        // last one before it) changes only to exactly what was asked.
        if let Some(at) = second.keep_at {
            let named_after = products.iter().position(|(start, _, _)| *start > at);
            let before = products.iter().rposition(|(start, _, _)| *start < at);
            if let Some(i) = named_after.or(before) {
                items[i].only_exact = true;
            }
        }
        // "no backlight at all", "without a hood": the option's "none".
        for item in &mut items {
            for product in item.products.clone() {
                for key in self.keys.get(&product).into_iter().flatten() {
                    let said = ["no", "without", "without a", "without any"]
                        .iter()
                        .any(|w| contains_word(&lower, &format!("{w} {key}")));
                    if !said {
                        continue;
                    }
                    let none = self.values.iter().flat_map(|(_, e)| e).find(|(p, k, v)| {
                        *p == product
                            && k.eq_ignore_ascii_case(key)
                            && ["none", "no", "without"].contains(&v.to_lowercase().as_str())
                    });
                    if let Some((_, k, v)) = none {
                        let want = (Some(k.clone()), v.clone());
                        if !item.to.contains(&want) {
                            item.to.push(want);
                        }
                    }
                }
            }
        }
        // "keeping the same colour and material".
        for item in &mut items {
            item.keep = self.kept_options(&lower, &item.products);
        }
        (items, loose_to, loose_from)
    }
}

/// Whether the comma-separated part of `lower` around `at` says the
/// customer does not mind ("don't care about wired or not", "无所谓"),
/// unless a condition follows before the value ("colour doesn't matter as
/// long as it's XL").
fn qualifies_a_noun(after: &str) -> bool {
    const PARTS: [&str; 11] = [
        "compartment",
        "pocket",
        "sleeve",
        "slot",
        "holder",
        "mount",
        "strap",
        "port",
        "pouch",
        "section",
        "attachment",
    ];
    after.split_whitespace().next().is_some_and(|w| {
        PARTS
            .iter()
            .any(|p| w.trim_end_matches([',', '.', 's']) == *p)
    })
}

fn after_degree_word(lower: &str, at: usize) -> bool {
    const DEGREE: [&str; 16] = [
        "smallest", "smaller", "largest", "larger", "biggest", "bigger", "cheapest", "cheaper",
        "lightest", "lighter", "heaviest", "heavier", "shortest", "shorter", "longest", "longer",
    ];
    lower[..at]
        .split_whitespace()
        .next_back()
        .is_some_and(|w| DEGREE.contains(&w))
}

fn indifferent_at(lower: &str, at: usize) -> bool {
    // Byte offsets of the commas themselves (`，` is three bytes).
    let start = lower[..at].rfind([',', '，']).unwrap_or(0);
    let end = lower[at..]
        .find([',', '，'])
        .map_or(lower.len(), |i| at + i);
    let part = &lower[start..end];
    let value_at = at - start;
    [
        "don't care",
        "do not care",
        "doesn't matter",
        "does not matter",
        "either is fine",
        "either way",
        "无所谓",
    ]
    .iter()
    .filter_map(|m| part.find(m))
    .any(|marker| {
        let condition = ["as long as", " but ", "只要", "但"]
            .iter()
            .filter_map(|c| part[marker..].find(c).map(|i| marker + i))
            .min();
        condition.is_none_or(|c| value_at < c)
    })
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
    // Bare numbers and one- or two-letter values ("m", "xl") need a word
    // around them saying they are an option; "4k" does not.
    let short = phrase.chars().all(|c| c.is_ascii_digit() || c == '.')
        || (phrase.len() <= 2 && phrase.chars().all(|c| c.is_alphabetic()));
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
