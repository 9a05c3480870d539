//! Building the catalog's phrase tables from the shop's products: the
//! names customers use for each product, and the words that name each
//! option value.

use super::{Catalog, ValueEntry, GENERIC};
use crate::dialogue::words::normalize;
use crate::shop::Product;

/// Everyday names of products whose shop names customers rarely say.
const NICKNAMES: &[(&str, &str)] = &[
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
];

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
        let mut values: Vec<(String, ValueEntry)> = Vec::new();
        for p in products {
            for phrase in product_phrases(p) {
                for form in plural_forms(&phrase) {
                    names.push((form, p.name.clone()));
                }
            }
            add_value_phrases(p, &mut values);
        }
        for (phrase, name) in aliases {
            names.push((normalize(phrase), name.clone()));
        }
        add_option_words(products, option_words, &mut values);
        for (phrase, name) in NICKNAMES {
            names.push((phrase.to_string(), name.to_string()));
        }
        Catalog {
            products: group_names(products, names),
            values: group_values(values),
            keys: products
                .iter()
                .map(|p| (p.name.clone(), option_names(p)))
                .collect(),
        }
    }
}

/// The phrases that name a product: its name (with and without hyphens),
/// its last distinctive word ("kettle") or else its first, and its
/// everyday names.
fn product_phrases(p: &Product) -> Vec<String> {
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
    phrases
}

/// The phrases that name each option value of `p`: the value in its
/// spellings, and a distinctive word of a longer value.
fn add_value_phrases(p: &Product, values: &mut Vec<(String, ValueEntry)>) {
    let mut seen_words: Vec<(String, usize)> = Vec::new();
    let all_values: Vec<(String, String)> = p
        .variants
        .values()
        .flat_map(|v| v.options.iter().map(|(k, v)| (k.clone(), v.clone())))
        .collect();
    for (key, value) in &all_values {
        let phrase = normalize(value);
        let entry = (p.name.clone(), key.clone(), value.clone());
        if values.iter().any(|(ph, e)| ph == &phrase && e == &entry) {
            continue;
        }
        // "the 50-foot one" for "50ft", "2-liter" for "2 liters".
        for spelled in crate::nlu::units::spellings(&phrase) {
            values.push((spelled, entry.clone()));
        }
        // "a size small" for "S", where "small" is not a value of its own.
        for word in crate::nlu::units::size_words(value) {
            if !all_values.iter().any(|(_, v)| v.eq_ignore_ascii_case(word)) {
                values.push((word.to_string(), entry.clone()));
            }
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
    // A distinctive word of a longer value names it ("Google" for "Google
    // Assistant", "HomeKit" for "Apple HomeKit").
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
            if !unique || known || names_option || ["with", "card", "equivalent"].contains(&w) {
                continue;
            }
            let entry = (p.name.clone(), key.clone(), value.clone());
            if !values.iter().any(|(ph, e)| ph == w && e == &entry) {
                values.push((w.to_string(), entry));
            }
        }
    }
}

/// The shop lexicon's words for option values (`白色` → `white`), for each
/// product that has the value.
fn add_option_words(
    products: &[Product],
    option_words: &[(String, String)],
    values: &mut Vec<(String, ValueEntry)>,
) {
    for (word, value) in option_words {
        let phrase = normalize(word);
        for p in products {
            for (key, v) in p.variants.values().flat_map(|v| v.options.iter()) {
                let entry = (p.name.clone(), key.clone(), v.clone());
                if v.eq_ignore_ascii_case(value)
                    && !values.iter().any(|(ph, e)| *ph == phrase && *e == entry)
                {
                    values.push((phrase.clone(), entry));
                }
            }
        }
    }
}

/// Phrase → the products it may mean, for products the shop has; a full
/// product name means that product alone. Longest phrase first.
fn group_names(products: &[Product], names: Vec<(String, String)>) -> Vec<(String, Vec<String>)> {
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
    for (phrase, list) in &mut grouped {
        if let Some(exact) = known.iter().find(|k| normalize(k) == *phrase) {
            *list = vec![exact.to_string()];
        }
    }
    grouped.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    grouped
}

/// Phrase → the values it names. Longest phrase first.
fn group_values(values: Vec<(String, ValueEntry)>) -> Vec<(String, Vec<ValueEntry>)> {
    let mut by_value: Vec<(String, Vec<ValueEntry>)> = Vec::new();
    for (phrase, entry) in values {
        match by_value.iter_mut().find(|(p, _)| *p == phrase) {
            Some((_, list)) => list.push(entry),
            None => by_value.push((phrase, vec![entry])),
        }
    }
    by_value.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    by_value
}

/// A product's option names, lowercase, each once.
fn option_names(p: &Product) -> Vec<String> {
    let mut names: Vec<String> = p
        .variants
        .values()
        .flat_map(|v| v.options.keys().map(|k| k.to_lowercase()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// A phrase and its other number: with an "s" added, or without its
/// final "s" where four letters or more are left.
fn plural_forms(phrase: &str) -> Vec<String> {
    let mut out = vec![phrase.to_string()];
    if let Some(stem) = phrase.strip_suffix('s').filter(|s| s.len() >= 4) {
        out.push(stem.to_string());
    } else {
        out.push(format!("{phrase}s"));
    }
    out
}
