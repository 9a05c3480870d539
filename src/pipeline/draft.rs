//! Checks on the point of a draft, beside its facts: it repeats nothing,
//! claims no action that did not run, promises nothing the facts do not
//! say, and asks what the plain answer asks.

use super::grounding::Grounding;

/// A sentence or clause the draft says twice, or a word three times in a
/// row (small models loop: "No, no, no. No, no, no.").
pub fn repeated(text: &str) -> Option<String> {
    let key = |piece: &str| -> String {
        piece
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || c.is_whitespace())
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let weight = |key: &str| {
        key.split(' ').filter(|w| !w.is_empty()).count()
            + key.chars().filter(|c| crate::lang::is_cjk(*c)).count() / 2
    };
    // Sentences of two words or more, clauses of three or more.
    for (splitters, least) in [
        (&['.', '!', '?', '。', '！', '？', '\n'][..], 2),
        (
            &['.', '!', '?', '。', '！', '？', '\n', ',', ';', '，', '；'][..],
            3,
        ),
    ] {
        let mut seen: Vec<String> = Vec::new();
        for piece in text.split(splitters) {
            let k = key(piece);
            if weight(&k) < least {
                continue;
            }
            if seen.contains(&k) {
                return Some(piece.trim().to_string());
            }
            seen.push(k);
        }
    }
    let words: Vec<String> = key(text).split(' ').map(str::to_string).collect();
    words
        .windows(3)
        .find(|w| !w[0].is_empty() && w[0] == w[1] && w[1] == w[2])
        .map(|w| w.join(" "))
}

/// Words that say an action happened, in English and Chinese.
const ACTION_CLAIMS: &[&str] = &[
    "has been cancelled",
    "has been canceled",
    "have cancelled",
    "have canceled",
    "i cancelled",
    "i canceled",
    "was cancelled",
    "been refunded",
    "have refunded",
    "i refunded",
    "was refunded",
    "has been updated",
    "have updated",
    "i updated",
    "i've updated",
    "i've changed",
    "i have changed",
    "has been changed",
    "i've processed",
    "has been processed",
    "i've initiated",
    "has been initiated",
    "has been returned",
    "has been exchanged",
    "i've arranged",
    "i have arranged",
    "已取消",
    "已退款",
    "已为您取消",
    "已为您退款",
    "已更新",
    "已修改",
    "已更改",
    "已为您修改",
    "已为您更改",
    "已处理",
    "已安排",
];

/// Past participles of the shop's actions.
const DONE_VERBS: &[&str] = &[
    "cancelled",
    "canceled",
    "refunded",
    "updated",
    "changed",
    "modified",
    "processed",
    "initiated",
    "arranged",
    "returned",
    "exchanged",
    "replaced",
    "shipped",
    "issued",
    "applied",
];
/// Who did it: "I've (just) updated", "it has been cancelled".
const DONE_SUBJECTS: &[&str] = &[
    "i've",
    "i have",
    "we've",
    "we have",
    "i",
    "we",
    "has been",
    "have been",
    "was",
    "were",
    "is now",
    "got",
    "been",
];

/// An action the draft says was done when none ran this turn.
pub fn claims_action(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    if let Some(c) = ACTION_CLAIMS.iter().copied().find(|c| lower.contains(c)) {
        return Some(c);
    }
    // Questions ("shall I have it cancelled?") claim nothing.
    for sentence in lower.split_inclusive(['.', '!', '?', '\n']) {
        if sentence.trim_end().ends_with('?') {
            continue;
        }
        let words: Vec<&str> = sentence
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .filter(|w| !w.is_empty())
            .collect();
        for (i, w) in words.iter().enumerate() {
            let Some(verb) = DONE_VERBS.iter().copied().find(|v| v == w) else {
                continue;
            };
            // A subject within the four words before the verb ("I've just
            // updated", "has now been cancelled").
            let before = format!(" {} ", words[i.saturating_sub(4)..i].join(" "));
            if DONE_SUBJECTS
                .iter()
                .any(|s| before.contains(&format!(" {s} ")))
            {
                return Some(verb);
            }
        }
    }
    None
}

/// Promises a shop makes only on purpose: the draft may say them only when
/// the facts do ("free shipping over $50" in the FAQ).
const PROMISES: &[(&str, &[&str])] = &[
    ("discount", &["discount"]),
    ("coupon", &["coupon"]),
    ("voucher", &["voucher"]),
    ("free shipping", &["free shipping"]),
    ("for free", &["for free", "free of charge"]),
    ("free of charge", &["free of charge", "for free"]),
    ("price match", &["price match", "price-match"]),
    ("guarantee", &["guarantee"]),
    ("i promise", &["promise"]),
    ("we promise", &["promise"]),
    ("compensation", &["compensation"]),
    ("exception", &["exception"]),
    ("cheaper", &["cheaper"]),
    ("by tomorrow", &["tomorrow"]),
    ("today", &["today"]),
    ("优惠", &["优惠"]),
    ("折扣", &["折扣"]),
    ("打折", &["打折"]),
    ("便宜", &["便宜"]),
    ("包邮", &["包邮"]),
    ("免费", &["免费"]),
    ("保证", &["保证"]),
    ("赔偿", &["赔偿"]),
    ("补偿", &["补偿"]),
    ("优惠券", &["优惠券"]),
    ("明天", &["明天"]),
    ("可以便宜", &["可以便宜"]),
];

/// Words that offer something to the customer ("I can give you a
/// discount"): with a promise word, an offer the facts never make, even
/// when they mention the word ("we don't offer discounts").
const OFFERS: &[&str] = &[
    "can give you",
    "can offer you",
    "i can offer",
    "we can offer",
    "will give you",
    "i'll give",
    "we'll give",
    "you can get",
    "you will get",
    "you'll get",
    "i can apply",
    "here is a",
    "here's a",
    "给您",
    "送您",
    "可以给",
    "能给",
    "你可以",
];

/// A promise in the draft that the grounding facts do not make.
pub fn unfounded_promise(text: &str, grounding: &Grounding) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let offers = OFFERS
        .iter()
        .any(|o| lower.contains(o) && !grounding.says(o));
    PROMISES
        .iter()
        .find(|(word, allowed_by)| {
            lower.contains(word) && (offers || !allowed_by.iter().any(|a| grounding.says(a)))
        })
        .map(|(word, _)| *word)
}

/// Words that commit kefu to do something later ("I'll keep you updated",
/// "我会通知您"). kefu does only what a step does, so a draft may say it
/// will do something only where the plain answer does ("I will cancel
/// order #W… Shall I go ahead?").
const COMMITMENTS: &[&str] = &[
    "i'll ",
    "i will ",
    "we'll ",
    "we will ",
    "i'm going to",
    "i am going to",
    "我会",
    "我们会",
    "我将",
    "我们将",
];

/// Words that turn the customer away ("I'm unable to assist with
/// refunds"): a draft may refuse only where the plain answer refuses.
const REFUSALS: &[&str] = &[
    "unable to",
    "not able to",
    "i can't",
    "i cannot",
    "we can't",
    "we cannot",
    "can't help",
    "cannot help",
    "can't assist",
    "cannot assist",
    "无法",
    "不能",
    "没办法",
    "做不到",
];

/// A commitment to act later in `text`, if it makes one ("I'll", not
/// "Hi Will").
pub fn commits(text: &str) -> Option<&'static str> {
    let lower = folded(text);
    COMMITMENTS.iter().copied().find(|c| {
        lower
            .match_indices(c)
            .any(|(at, _)| starts_word(&lower, at))
    })
}

/// Whether the plain answer says something will happen ("a colleague will
/// reply", "$5 will be refunded", "他们会尽快回复"): then the draft may too.
pub fn says_what_follows(plain: &str) -> bool {
    let lower = folded(plain);
    [" will ", "'ll ", "会", "将"]
        .iter()
        .any(|w| lower.contains(w))
}

/// A refusal in `text`, if it refuses something ("能不能…？" asks, it
/// does not refuse).
pub fn refuses(text: &str) -> Option<&'static str> {
    let lower = folded(text).replace("能不能", "").replace("可不可以", "");
    REFUSALS.iter().copied().find(|r| lower.contains(r))
}

/// Whether the plain answer says no to something (a refusal template: "it
/// can no longer be cancelled", "Sorry, the balance does not cover …").
pub fn says_no(plain: &str) -> bool {
    let lower = folded(plain);
    refuses(plain).is_some()
        || [
            "sorry",
            "cannot",
            "can no longer",
            "not ",
            "n't",
            "only",
            "抱歉",
            "不",
            "才能",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// Whether the plain answer wants something from the customer: a question,
/// or a request without a question mark ("Please give me the email …",
/// "请提供账户邮箱").
pub fn wants_reply(plain: &str) -> bool {
    let lower = plain.to_lowercase();
    asks(plain)
        || ["please", "could you", "let me know", "请", "吗"]
            .iter()
            .any(|w| lower.contains(w))
}

/// Lowercase with typographic apostrophes made plain ("I’ll" → "i'll"),
/// as the commitment and refusal lists are written.
fn folded(text: &str) -> String {
    text.to_lowercase().replace('’', "'")
}

fn starts_word(lower: &str, at: usize) -> bool {
    !lower[..at]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric())
}

/// Whether a text asks the customer something.
pub fn asks(text: &str) -> bool {
    text.contains(['?', '？'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_are_caught() {
        assert!(
            repeated("I hope you have a wonderful day. I hope you have a wonderful day.").is_some()
        );
        assert!(repeated(
            "能便宜：Yes. 你可以便宜。如果你有什么需求，都可以。你可以便宜。如果你有什么需求，都可以。"
        )
        .is_some());
        assert_eq!(repeated("Order #W1 is pending. Anything else? Yes."), None);
        assert!(repeated("No, no, no. No, no, no.").is_some());
        assert!(repeated("Thanks, thanks, thanks!").is_some());
        assert_eq!(
            repeated("Yes, the kettle is in stock. It comes in black."),
            None
        );
    }

    #[test]
    fn claims_and_promises() {
        assert_eq!(
            claims_action("I've just updated the laptop for you."),
            Some("updated")
        );
        assert_eq!(
            claims_action("Your order has now been cancelled."),
            Some("cancelled")
        );
        assert_eq!(claims_action("Shall I have it cancelled?"), None);
        assert_eq!(claims_action("您的订单已取消。"), Some("已取消"));
        assert_eq!(claims_action("Shall I cancel it?"), None);
        let faq = Grounding::from_texts(["We do not offer price matching or discounts."]);
        assert_eq!(
            unfounded_promise("能便宜：Yes. 你可以便宜。", &faq),
            Some("便宜")
        );
        assert_eq!(
            unfounded_promise("I can give you a coupon!", &faq),
            Some("coupon")
        );
        assert_eq!(
            unfounded_promise("We do not offer discounts, sorry.", &faq),
            None
        );
    }

    #[test]
    fn commitments_refusals_and_questions_against_the_plain_answer() {
        assert_eq!(commits("I'll keep you updated."), Some("i'll "));
        assert_eq!(commits("Hi Will, order #W1 is delivered."), None);
        assert_eq!(
            refuses("I'm unable to assist with refunds."),
            Some("unable to")
        );
        assert_eq!(refuses("能不能便宜点？"), None);
        assert_eq!(refuses("这个订单不能取消。"), Some("不能"));
        // Plain answers that allow each: a hand-off says what follows, a
        // refusal template says no without a refusal verb, an identity
        // request asks without a question mark.
        assert!(says_what_follows(
            "I am passing this conversation to a colleague, who will reply here."
        ));
        assert!(!says_what_follows("We accept credit cards and PayPal."));
        assert!(says_no(
            "Sorry, order #W1 can no longer be cancelled: it is delivered."
        ));
        assert!(!says_no("Refunds to a gift card are immediate."));
        assert!(wants_reply(
            "Please give me the email address on your account."
        ));
        assert!(wants_reply("请提供账户邮箱，或者您的全名和邮编。"));
        assert!(!wants_reply("We accept credit cards and PayPal."));
    }
}
