//! A payment method in the customer's words: the shop's id, a card by its
//! last four digits, or a kind ("my PayPal", "the gift card", "原路").

use super::{digits_after, find_word};

/// Words that name a kind of payment method, and the kind.
const METHOD_WORDS: &[(&[&str], &str)] = &[
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

/// A payment method: an id as the shop writes it, or words naming a kind
/// or a card brand.
pub fn payment_in(lower: &str) -> Option<String> {
    if let Some(id) = payment_id(lower) {
        return Some(id);
    }
    // "the Visa ending 1234", "card ending in 1234", "尾号1234的卡".
    let card = ["card", "visa", "mastercard", "amex", "卡"]
        .iter()
        .any(|w| lower.contains(w));
    let cues = [
        "ending in ",
        "ending with ",
        "ending ",
        "ends in ",
        "ends with ",
        "尾号",
    ];
    if let Some(last_four) = digits_after(lower, &cues).filter(|d| card && d.len() == 4) {
        return Some(format!("card ending {last_four}"));
    }
    // The first method named, unless it is the one replaced ("rather
    // than my Mastercard, use PayPal", "switch from my gift card to …").
    let replaced = |at: usize| {
        let before: Vec<&str> = lower[..at].split_whitespace().rev().take(3).collect();
        let before = before.into_iter().rev().collect::<Vec<_>>().join(" ");
        ["instead of", "rather than", "not", "from"]
            .iter()
            .any(|w| find_word(&before, w, 0).is_some())
    };
    let mut best: Option<(bool, usize, &str)> = None;
    for (phrases, label) in METHOD_WORDS {
        for p in *phrases {
            if let Some(at) = find_word(lower, p, 0) {
                let key = (replaced(at), at);
                if best.is_none_or(|(r, b, _)| key < (r, b)) {
                    best = Some((key.0, at, label));
                }
            }
        }
    }
    best.map(|(_, _, l)| l.to_string())
}

/// A payment method's id as the shop writes it ("paypal_1234").
fn payment_id(lower: &str) -> Option<String> {
    ["gift_card_", "paypal_", "credit_card_"]
        .iter()
        .find_map(|prefix| {
            let at = lower.find(prefix)?;
            let digits: String = lower[at + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            (!digits.is_empty()).then(|| format!("{prefix}{digits}"))
        })
}
