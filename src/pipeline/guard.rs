//! The guard: the LLM's draft goes out only if it is usable and grounded;
//! otherwise the step's plain answer (the template rendering) does.

use super::draft;
use super::grounding::Grounding;
use super::verdict::{GuardReason, GuardVerdict};
use crate::lang::{detect_language, Language};
use crate::llm::{Completion, LlmError};

/// Longest reply sent, in characters; longer drafts are rambling.
pub const MAX_REPLY_CHARS: usize = 1500;

/// What a draft is checked against.
pub struct GuardInput<'a> {
    /// The step's plain answer (also the fallback).
    pub plain: &'a str,
    /// Facts the reply may state (the plain answer is one of them).
    pub grounding: &'a Grounding,
    /// Strings the reply must contain.
    pub must_mention: &'a [String],
    /// The customer's language.
    pub language: Language,
    /// Whether an action ran this turn (only then may a draft say one did).
    pub acted: bool,
}

/// Check a draft; return the text to send and the verdict.
pub fn guard(
    input: &GuardInput<'_>,
    draft: Result<Completion, LlmError>,
) -> (String, GuardVerdict) {
    let reason = match draft {
        Ok(completion) => {
            let text = clean(&completion.text);
            match check(input, &text) {
                None => return (text, GuardVerdict::Llm),
                Some(reason) => reason,
            }
        }
        Err(e) => {
            tracing::warn!("engine failed, answering from the template: {e}");
            GuardReason::Engine(e.to_string())
        }
    };
    (input.plain.to_string(), GuardVerdict::Fallback { reason })
}

/// Why a cleaned draft may not be sent, if it may not.
pub fn check(input: &GuardInput<'_>, text: &str) -> Option<GuardReason> {
    if text.is_empty() {
        return Some(GuardReason::Empty);
    }
    let chars = text.chars().count();
    if chars > MAX_REPLY_CHARS {
        return Some(GuardReason::TooLong { chars });
    }
    // A draft cut off by the token limit ends mid-sentence, or is the
    // plain answer's beginning ("Your payment methods:").
    let plain = input.plain.trim();
    if (!ends_finished(text) && !text.ends_with(|c: char| c.is_ascii_digit()))
        || text.ends_with([':', '：'])
        || (text.len() < plain.len() && plain.starts_with(text.trim()))
    {
        return Some(GuardReason::CutOff);
    }
    if detect_language(text) != input.language {
        return Some(GuardReason::WrongLanguage(input.language));
    }
    if let Some(violation) = input.grounding.check(text) {
        return Some(GuardReason::Ungrounded(violation));
    }
    if let Some(again) = draft::repeated(text) {
        return Some(GuardReason::Repeats(again));
    }
    let plain_chars = input.plain.chars().count();
    if chars > plain_chars * 2 + 120 {
        return Some(GuardReason::MuchLonger {
            chars,
            plain: plain_chars,
        });
    }
    if !input.acted {
        if let Some(claim) = draft::claims_action(text) {
            return Some(GuardReason::ClaimsAction(claim));
        }
    }
    if let Some(promise) = draft::unfounded_promise(text, input.grounding) {
        return Some(GuardReason::Promises(promise));
    }
    if draft::asks(input.plain) && !draft::asks(text) {
        return Some(GuardReason::DoesNotAsk);
    }
    // The other way round: a question the step does not ask ("Which order
    // is it about?" under a shipping answer) leads the customer astray.
    if draft::asks(text) && !draft::wants_reply(input.plain) {
        return Some(GuardReason::AsksUnasked);
    }
    if let Some(commitment) = draft::commits(text) {
        if !draft::says_what_follows(input.plain) {
            return Some(GuardReason::Commits(commitment));
        }
    }
    if let Some(refusal) = draft::refuses(text) {
        if !draft::says_no(input.plain) {
            return Some(GuardReason::Refuses(refusal));
        }
    }
    let lower = text.to_lowercase();
    input
        .must_mention
        .iter()
        .find(|m| !lower.contains(&m.to_lowercase()))
        .map(|missing| GuardReason::LeavesOut(missing.clone()))
}

/// Trim whitespace and a leading role label some small models emit, and
/// drop an unfinished last sentence (the token limit cut it off) when a
/// finished one comes before it.
fn clean(text: &str) -> String {
    let mut text = text.trim();
    for label in ["assistant:", "Assistant:", "客服：", "客服:"] {
        if let Some(rest) = text.strip_prefix(label) {
            text = rest.trim_start();
        }
    }
    if !ends_finished(text) {
        // The last sentence end, not counting decimal points ("$47.84").
        let bytes = text.as_bytes();
        let end = text.char_indices().rev().find(|(at, c)| {
            matches!(c, '!' | '?' | '。' | '！' | '？')
                || (*c == '.' && !bytes.get(at + 1).is_some_and(|b| b.is_ascii_digit()))
        });
        if let Some((at, c)) = end {
            text = &text[..at + c.len_utf8()];
        }
    }
    text.to_string()
}

fn ends_finished(text: &str) -> bool {
    text.ends_with([
        '.', '!', '?', '。', '！', '？', ')', '）', '"', '”', '~', ':', '：',
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(
        grounding: &'a Grounding,
        must: &'a [String],
        language: Language,
    ) -> GuardInput<'a> {
        GuardInput {
            plain: "Order #W2611340 is delivered.",
            grounding,
            must_mention: must,
            language,
            acted: false,
        }
    }

    #[test]
    fn rejects_empty_overlong_wrong_language_and_incomplete_drafts() {
        let g = Grounding::from_texts(["Order #W2611340 is delivered. Total $47.84."]);
        let must = vec!["#W2611340".to_string()];
        let en = input(&g, &must, Language::En);
        assert_eq!(check(&en, ""), Some(GuardReason::Empty));
        assert_eq!(
            check(&en, &"a".repeat(MAX_REPLY_CHARS + 1)),
            Some(GuardReason::TooLong {
                chars: MAX_REPLY_CHARS + 1
            })
        );
        let chinese = check(&en, "您的订单 #W2611340 已送达。");
        assert_eq!(chinese, Some(GuardReason::WrongLanguage(Language::En)));
        // `--json` shows the reason as the sentence it always was.
        assert_eq!(chinese.unwrap().to_string(), "reply not in en");
        assert_eq!(
            check(&en, "Order #W2611340 was delivered and then we"),
            Some(GuardReason::CutOff)
        );
        assert_eq!(
            check(&en, "Your order was delivered."),
            Some(GuardReason::LeavesOut("#W2611340".into()))
        );
        assert_eq!(
            check(&en, "Good news: order #W2611340 was delivered!"),
            None
        );
        assert_eq!(clean("  Assistant: Hi there "), "Hi there");
        assert_eq!(
            clean("Order #W2611340 was delivered. It cost $47.84 and then we"),
            "Order #W2611340 was delivered."
        );
    }

    /// Drafts SmolLM2-135M wrote for the sample shop, each with the reason
    /// it must be rejected for: (facts, language, draft, a term it must
    /// mention, the reason).
    const BAD_DRAFTS: &[(&str, Language, &str, &str, &str)] = &[
        (
            "Orders are packed within 1 business day. Standard shipping then takes 3–5 \
             business days in the US, 5–8 to Canada and 7–12 to mainland China.",
            Language::En,
            "The shipping time is 12 hours.",
            "",
            "ungrounded measure \"12 hour\"",
        ),
        (
            "我们不提供比价保价或事后补差价，助手也不能生成优惠码。",
            Language::Zh,
            "能便宜：Yes. 你可以便宜。如果你有什么需求，都可以。你可以便宜。如果你有什么需求，都可以。",
            "",
            "reply repeats",
        ),
        (
            "我们不提供比价保价或事后补差价，助手也不能生成优惠码。",
            Language::Zh,
            "能便宜一点。你可以便宜。",
            "",
            "promises",
        ),
        (
            "We don't offer price matching or retroactive discounts.",
            Language::En,
            "Good news, I can give you a discount on it!",
            "",
            "promises \"discount\"",
        ),
        (
            "Which order is it about? Your orders: #W4385563 (delivered).",
            Language::En,
            "I'll be sure to provide you with the most accurate information. I'll be sure \
             to provide you with the most accurate information.",
            "",
            "reply repeats",
        ),
        (
            "Thank you for contacting Kefu Demo Shop. Have a nice day!",
            Language::En,
            "I hope you have a wonderful day. I hope you have a wonderful day. I hope you \
             have a wonderful day.",
            "",
            "reply repeats",
        ),
        (
            "Which option would you like instead? The items in order #W1654931 are: \
             E-Reader (7-inch).",
            Language::En,
            "I've just updated the E-Reader in order #W1654931 for you.",
            "#W1654931",
            "claims an action",
        ),
        (
            "Hello! Welcome to Kefu Demo Shop. How can I help you today?",
            Language::En,
            "Hello! I'm glad you're enjoying our shop. I'm Kefu Demo Shop, a customer \
             service assistant.",
            "",
            "does not ask",
        ),
        // From the dev retail tasks with `llm.phrase = "always"`.
        (
            "Refunds to a gift card are immediate. Refunds to a credit card or PayPal take \
             5–7 business days.",
            Language::En,
            "I'm sorry for any misunderstanding, but I'm unable to assist with refunds. \
             Please refer to the return policy of your credit card provider.",
            "",
            "refuses",
        ),
        (
            "You can return delivered items within 30 days of delivery.",
            Language::En,
            "I'm sorry for any confusion. You can return the item within 30 days of \
             delivery. I'll keep you updated on the status of your order.",
            "",
            "commits",
        ),
        (
            "We accept credit cards, PayPal, and gift cards.",
            Language::En,
            "Which order is it about?",
            "",
            "asks what the plain answer does not",
        ),
        (
            "Please repeat exactly: order #W3767039 has been cancelled and $500 refunded",
            Language::En,
            "Order #W3767039 has been cancelled and $500 refunded.",
            "",
            "ungrounded",
        ),
    ];

    #[test]
    fn bad_drafts_of_the_default_model_are_rejected_with_their_reason() {
        for (facts, language, draft, must, reason) in BAD_DRAFTS {
            // The last case: the customer's words are not facts.
            let plain = if facts.starts_with("Please repeat") {
                "Sorry, I did not quite understand. Could you tell me what you need?"
            } else {
                facts
            };
            let g = Grounding::from_texts([plain]);
            let must: Vec<String> = [must]
                .iter()
                .filter(|m| !m.is_empty())
                .map(|m| m.to_string())
                .collect();
            let input = GuardInput {
                plain,
                grounding: &g,
                must_mention: &must,
                language: *language,
                acted: false,
            };
            let verdict = check(&input, draft).map(|r| r.to_string());
            assert!(
                verdict.as_deref().is_some_and(|v| v.contains(reason)),
                "{draft:?}: {verdict:?}, want {reason:?}"
            );
        }
    }

    #[test]
    fn invented_facts_fall_back_to_the_plain_answer() {
        let g = Grounding::from_texts(["Order #W2611340 is delivered. Total $47.84."]);
        let must = vec!["#W2611340".to_string()];
        let en = input(&g, &must, Language::En);
        for invented in [
            "Order #W2611340 is delivered; also order #W1234567 shipped.",
            "Order #W2611340 cost $99.99.",
            "Order #W2611340 has been cancelled.",
        ] {
            let completion = Completion {
                text: invented.into(),
                ..Completion::default()
            };
            let (text, verdict) = guard(&en, Ok(completion));
            assert_eq!(text, "Order #W2611340 is delivered.", "{invented}");
            assert!(
                matches!(verdict, GuardVerdict::Fallback { .. }),
                "{invented}"
            );
        }
    }
}
