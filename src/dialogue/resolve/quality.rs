//! Options a product has or has not (`water resistance: yes/no`,
//! `waterproof: yes/no`). Customers name them as a quality of the item —
//! "it turned out not to be water-resistant, I want one that is", "a
//! waterproof one" — not as a value, so the value is read here, where the
//! item and its product are known.

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
    for key in yes_no_keys(product) {
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
        let current = item.options.get(&key).map(|v| v.to_lowercase());
        let want = match (said, current.as_deref()) {
            (Said::Stays, _) => {
                mention.keep.push(key);
                continue;
            }
            (Said::Plain, Some("yes")) => continue,
            (Said::Plain, _) => "yes",
            (Said::Negated, Some("yes")) => "no",
            (Said::Negated, _) => "yes",
        };
        mention.to.push((Some(key), want.to_string()));
    }
    mention
}

/// The product's options whose values are only "yes" and "no".
fn yes_no_keys(product: &Product) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for variant in product.variants.values() {
        for key in variant.options.keys() {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
    }
    keys.retain(|key| {
        product.variants.values().all(|v| {
            v.options
                .get(key)
                .is_none_or(|x| matches!(x.to_lowercase().as_str(), "yes" | "no"))
        })
    });
    keys
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
