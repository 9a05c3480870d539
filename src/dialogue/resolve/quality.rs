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
        let Some(negated) = named(text, &key) else {
            continue;
        };
        let current = item.options.get(&key).map(|v| v.to_lowercase());
        let want = match (negated, current.as_deref()) {
            (false, Some("yes")) => continue,
            (false, _) => "yes",
            (true, Some("yes")) => "no",
            (true, _) => "yes",
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

/// Whether `text` names the quality of option `key` ("water resistance",
/// "water-resistant", "waterproof"), and if so whether negated.
fn named(text: &str, key: &str) -> Option<bool> {
    let adjective = key.replace("resistance", "resistant");
    let forms = [
        key.to_string(),
        adjective.clone(),
        adjective.replace(' ', "-"),
        adjective.replace(' ', ""),
        key.replace("proof", "-proof"),
    ];
    let lower = text.to_lowercase();
    forms
        .iter()
        .filter(|form| contains_word(&lower, form))
        .find_map(|form| {
            let at = lower.find(form.as_str())?;
            let before: String = lower[..at]
                .chars()
                .rev()
                .take(14)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            Some(
                ["not ", "n't ", "non-", "non ", "no ", "without "]
                    .iter()
                    .any(|w| before.contains(w)),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quality_named_plainly_or_negated() {
        assert_eq!(named("i want a waterproof one", "waterproof"), Some(false));
        assert_eq!(
            named(
                "it turned out not to be water-resistant",
                "water resistance"
            ),
            Some(true)
        );
        assert_eq!(named("the non-waterproof boots", "waterproof"), Some(true));
        assert_eq!(named("a blue one please", "water resistance"), None);
    }
}
