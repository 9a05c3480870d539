//! The words the NLU knows: product names (catalog names, Chinese names and
//! aliases from `catalog.json`, plus every product of the imported shop),
//! option values (every variant's options, plus `lexicon.json`'s Chinese
//! words) and payment-method words.

use crate::lang::is_cjk;
use crate::shop::Product;
use std::collections::BTreeMap;
use std::path::Path;

/// The sample shop's word lists, built in so the NLU works without files.
const BUILT_IN_LEXICON: &str = include_str!("../../data/lexicon.json");
const BUILT_IN_CATALOG: &str = include_str!("../../data/catalog.json");

/// Words → canonical values.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// Product phrase (lowercase) → catalog name; longest phrases first.
    products: Vec<(String, String)>,
    /// Option phrase (lowercase) → option value as the catalog writes it.
    options: Vec<(String, String)>,
    /// Payment phrase → `gift card` | `paypal` | `credit card`.
    payments: Vec<(String, String)>,
}

impl Lexicon {
    /// The built-in word lists plus a shop's products.
    pub fn new(products: &[Product]) -> Self {
        let mut lexicon = Lexicon::default();
        lexicon.add_catalog(BUILT_IN_CATALOG);
        lexicon.add_words(BUILT_IN_LEXICON);
        for product in products {
            lexicon.add_product(product);
        }
        lexicon.sort();
        lexicon
    }

    /// Also read `catalog.json` and `lexicon.json` from a shop data directory
    /// (a shop that is not the sample brings its own).
    pub fn with_data_dir(mut self, dir: &Path) -> Self {
        if let Ok(text) = std::fs::read_to_string(dir.join("catalog.json")) {
            self.add_catalog(&text);
        }
        if let Ok(text) = std::fs::read_to_string(dir.join("lexicon.json")) {
            self.add_words(&text);
        }
        self.sort();
        self
    }

    fn add_catalog(&mut self, json: &str) {
        let Ok(catalog) = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(json) else {
            return;
        };
        for entry in catalog.values() {
            let Some(name) = entry["name"].as_str() else {
                continue;
            };
            self.products.push((name.to_lowercase(), name.to_string()));
            if let Some(zh) = entry["name_zh"].as_str() {
                self.products.push((zh.to_lowercase(), name.to_string()));
            }
            for alias in entry["aliases"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str())
            {
                self.products.push((alias.to_lowercase(), name.to_string()));
            }
        }
    }

    fn add_words(&mut self, json: &str) {
        let Ok(words) = serde_json::from_str::<serde_json::Value>(json) else {
            return;
        };
        for (word, value) in words["options"].as_object().into_iter().flatten() {
            if let Some(value) = value.as_str() {
                self.options.push((word.to_lowercase(), value.to_string()));
            }
        }
        for (word, value) in words["payment_methods"].as_object().into_iter().flatten() {
            if let Some(value) = value.as_str() {
                self.payments.push((word.to_lowercase(), value.to_string()));
            }
        }
    }

    fn add_product(&mut self, product: &Product) {
        self.products
            .push((product.name.to_lowercase(), product.name.clone()));
        for variant in product.variants.values() {
            for value in variant.options.values() {
                self.options.push((value.to_lowercase(), value.clone()));
            }
        }
    }

    fn sort(&mut self) {
        for list in [&mut self.products, &mut self.options, &mut self.payments] {
            list.sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then(a.cmp(b)));
            list.dedup_by(|a, b| a.0 == b.0);
        }
    }

    /// Catalog names of the products `lower` mentions.
    pub fn products_in(&self, lower: &str) -> Vec<String> {
        find(&self.products, lower, |_, _| true)
    }

    /// Option values `lower` mentions. Bare numbers and one-letter sizes
    /// count only right after a size word, since "2 items" or "a" are not
    /// options.
    pub fn options_in(&self, lower: &str) -> Vec<String> {
        find(&self.options, lower, |phrase, at| {
            let short = phrase.chars().all(|c| c.is_ascii_digit() || c == '.')
                || phrase.chars().count() == 1;
            if !short {
                return true;
            }
            let before: String = lower[..at]
                .chars()
                .rev()
                .take(14)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            ["size", "wear", "need a", "an ", "码", "号"]
                .iter()
                .any(|w| before.contains(w))
        })
    }

    /// Payment-method labels `lower` mentions.
    pub fn payment_methods_in(&self, lower: &str) -> Vec<String> {
        find(&self.payments, lower, |_, _| true)
    }
}

/// Longest-first, non-overlapping matches of `phrases` in `lower`; Latin
/// phrases must sit on word boundaries.
fn find(
    phrases: &[(String, String)],
    lower: &str,
    accept: impl Fn(&str, usize) -> bool,
) -> Vec<String> {
    let mut taken = vec![false; lower.len()];
    let mut hits: Vec<(usize, String)> = Vec::new();
    for (phrase, value) in phrases {
        if phrase.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(pos) = lower[from..].find(phrase.as_str()) {
            let at = from + pos;
            let end = at + phrase.len();
            from = end;
            if taken[at..end].iter().any(|t| *t) {
                continue;
            }
            let latin = !phrase.chars().any(is_cjk);
            let word_char = |c: char| c.is_ascii_alphanumeric();
            let bounded = !latin
                || (lower[..at]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !word_char(c))
                    && lower[end..].chars().next().is_none_or(|c| !word_char(c)));
            if !bounded || !accept(phrase, at) {
                continue;
            }
            taken[at..end].iter_mut().for_each(|t| *t = true);
            hits.push((at, value.clone()));
        }
    }
    hits.sort();
    let mut out: Vec<String> = Vec::new();
    for (_, value) in hits {
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}
