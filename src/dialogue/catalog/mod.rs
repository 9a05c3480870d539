//! The shop's products and option values as customers name them: product
//! names and their short forms ("mouse", "kettle"), option values and
//! their distinctive words ("Google" for "Google Assistant"), read out of
//! a clause with what is wanted and what the item is now.

use super::words::find_word;

mod index;
mod mentions;

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

    /// Each product mention in `lower`, in order, as the products it can
    /// name ("earphones": earbuds or headphones).
    pub fn product_mentions(&self, lower: &str) -> Vec<Vec<String>> {
        self.product_hits(lower)
            .into_iter()
            .map(|(_, _, names)| names)
            .collect()
    }

    /// `lower` with the product names blanked: the words around them,
    /// where a request's verb is looked for ("the Noise-Cancelling Earbuds
    /// stopped charging, I want to return them" asks no cancel).
    pub fn without_product_names(&self, lower: &str) -> String {
        let mut out = lower.to_string();
        for (at, end, _) in self.product_hits(lower) {
            out.replace_range(at..end, &" ".repeat(end - at));
        }
        out
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
