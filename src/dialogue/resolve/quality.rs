//! Options a product has or has not (`water resistance: yes/no`,
//! `waterproof: yes/no`). Customers name them as a quality of the item —
//! "it turned out not to be water-resistant, I want one that is", "a
//! waterproof one" — not as a value, so the value is read here, where the
//! item and its product are known.

use super::variant::ANY_BUT;
use crate::dialogue::request::ItemMention;
use crate::dialogue::words::contains_word;
use crate::shop::{OrderItem, Product};

/// `mention` with the yes/no options `text` names for the replacement of
/// `item`: named plainly, "yes"; named negated ("not water-resistant",
/// "non-waterproof"), the value the item does not have — the customer says
/// what is wrong with it. Options already wanted or said to stay are left
/// as said.
pub(super) fn with_qualities(
    mention: &ItemMention,
    text: &str,
    product: &Product,
    item: &OrderItem,
) -> ItemMention {
    let mut mention = mention.clone();
    for (key, without) in quality_keys(product) {
        let said_already = mention.keep.contains(&key)
            || mention
                .to
                .iter()
                .any(|(k, _)| k.as_deref() == Some(key.as_str()));
        if said_already {
            continue;
        }
        let Some(said) = named(text, &key) else {
            continue;
        };
        let lacks = item
            .options
            .get(&key)
            .is_none_or(|v| v.eq_ignore_ascii_case(&without));
        // Having it is "yes", or any value but the one without it
        // ("IPX4" or "IPX7" for "water-resistant", not "not resistant").
        let with = if without.eq_ignore_ascii_case("no") {
            "yes".to_string()
        } else {
            format!("{ANY_BUT}{without}")
        };
        let want = match (said, lacks) {
            (Said::Stays, _) => {
                mention.keep.push(key);
                continue;
            }
            (Said::Plain, false) => continue,
            (Said::Plain, true) | (Said::Negated, true) => with,
            (Said::Negated, false) => without,
        };
        mention.to.push((Some(key), want));
    }
    mention
}

/// The product's options that are a quality an item has or lacks: one of
/// the option's values says it lacks it ("no", "not resistant", "none"),
/// the others that it has it. Each with that value.
fn quality_keys(product: &Product) -> Vec<(String, String)> {
    let mut values: Vec<(String, Vec<String>)> = Vec::new();
    for variant in product.variants.values() {
        for (key, value) in &variant.options {
            match values.iter_mut().find(|(k, _)| k == key) {
                Some((_, vs)) if !vs.contains(value) => vs.push(value.clone()),
                Some(_) => {}
                None => values.push((key.clone(), vec![value.clone()])),
            }
        }
    }
    values
        .into_iter()
        .filter_map(|(key, vs)| {
            let lacking: Vec<&String> = vs.iter().filter(|v| says_lacking(v)).collect();
            (lacking.len() == 1 && vs.len() > 1).then(|| (key, lacking[0].clone()))
        })
        .collect()
}

/// "no", "none", "not resistant", "non-slip"… : a value saying the item
/// lacks the quality.
fn says_lacking(value: &str) -> bool {
    let v = value.to_lowercase();
    v == "no" || v == "none" || v.starts_with("not ") || v.starts_with("non")
}

/// How a quality is said.
#[derive(Debug, PartialEq)]
enum Said {
    /// "a waterproof one".
    Plain,
    /// "not water-resistant", "non-waterproof".
    Negated,
    /// "the same non-waterproof build", "still not waterproof".
    Stays,
}

/// Whether and how `text` names the quality of option `key` ("water
/// resistance", "water-resistant", "waterproof").
fn named(text: &str, key: &str) -> Option<Said> {
    let adjective = key.replace("resistance", "resistant");
    let forms = [
        key.to_string(),
        adjective.clone(),
        adjective.replace(' ', "-"),
        adjective.replace(' ', ""),
        key.replace("proof", "-proof"),
    ];
    // (The shop's own notation, "{'waterproof': 'no'}", states values; it
    // names no quality.)
    let mut lower = String::new();
    let mut depth = 0;
    for c in text.to_lowercase().chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = (depth - 1).max(0),
            _ if depth == 0 => lower.push(c),
            _ => {}
        }
    }
    forms
        .iter()
        .filter(|form| contains_word(&lower, form))
        .find_map(|form| {
            let at = lower.find(form.as_str())?;
            let last = |n: usize| -> String {
                let chars: Vec<char> = lower[..at].chars().collect();
                chars[chars.len().saturating_sub(n)..].iter().collect()
            };
            // "the same non-waterproof build", "still not waterproof": it
            // stays as it is, which the item already is.
            let stays = ["same", "still", "keep"]
                .iter()
                .any(|w| last(24).contains(w));
            let negated = ["not ", "n't ", "non-", "non ", "no ", "without "]
                .iter()
                .any(|w| last(14).contains(w));
            Some(if stays {
                Said::Stays
            } else if negated {
                Said::Negated
            } else {
                Said::Plain
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn earbuds() -> (Product, OrderItem) {
        let rated = |water| [("color", "blue"), ("water resistance", water)];
        super::super::product_and_item(
            "Wireless Earbuds",
            10.0,
            &[
                ("a", &rated("not resistant"), true),
                ("b", &rated("IPX4"), true),
                ("c", &rated("IPX7"), true),
            ],
        )
    }

    #[test]
    fn a_quality_with_ratings_wanted_by_its_name_is_any_rating() {
        let (product, item) = earbuds();
        assert_eq!(
            quality_keys(&product),
            [("water resistance".to_string(), "not resistant".to_string())]
        );
        let mention = ItemMention {
            products: vec!["Wireless Earbuds".into()],
            ..ItemMention::default()
        };
        let wanted = with_qualities(&mention, "a water-resistant pair please", &product, &item);
        assert_eq!(
            wanted.to,
            [(
                Some("water resistance".to_string()),
                format!("{ANY_BUT}not resistant")
            )]
        );
        // An item that has it, said not to: the value without it.
        let mut rated = item.clone();
        rated
            .options
            .insert("water resistance".into(), "IPX7".into());
        let wanted = with_qualities(
            &mention,
            "one that is not water-resistant",
            &product,
            &rated,
        );
        assert_eq!(
            wanted.to,
            [(
                Some("water resistance".to_string()),
                "not resistant".to_string()
            )]
        );
    }

    #[test]
    fn a_quality_named_plainly_or_negated() {
        assert_eq!(
            named("i want a waterproof one", "waterproof"),
            Some(Said::Plain)
        );
        assert_eq!(
            named(
                "it turned out not to be water-resistant",
                "water resistance"
            ),
            Some(Said::Negated)
        );
        assert_eq!(
            named("the non-waterproof boots", "waterproof"),
            Some(Said::Negated)
        );
        assert_eq!(named("a blue one please", "water resistance"), None);
        assert_eq!(
            named(
                "modify speaker {'water resistance': 'no'} to {'color': 'red'}",
                "water resistance"
            ),
            None
        );
        // Said to stay: no change wanted.
        assert_eq!(
            named("the same non-waterproof build", "waterproof"),
            Some(Said::Stays)
        );
        assert_eq!(
            named("size 8, still not waterproof", "waterproof"),
            Some(Said::Stays)
        );
    }
}
