//! Intent from weighted cue phrases, English and Chinese.
//!
//! Each intent has cues (substrings of the lowercased text, so stems such
//! as "cancel" also match "cancelled" and typo'd stems are listed where
//! customers misspell often). Scores add up; a few structural rules settle
//! the deliberate near-misses (an order's address versus the account's,
//! pending versus delivered items). The best score wins; a low best score
//! means "unsure" and lets the LLM classify.

use super::Intent;
use crate::lang::is_cjk;

mod order_cues;
mod talk_cues;

/// Every intent's cues, in the order of the scores.
fn cues() -> impl Iterator<Item = &'static (Intent, &'static [(&'static str, f32)])> {
    talk_cues::SOCIAL_CUES
        .iter()
        .chain(order_cues::ORDER_CUES)
        .chain(talk_cues::TALK_CUES)
}

/// What the rest of the NLU already found, which shifts intents.
#[derive(Debug, Clone, Copy, Default)]
pub struct Signals {
    /// An order id is present.
    pub has_order_id: bool,
    /// A postal address is present.
    pub has_address: bool,
    /// A catalog product is named.
    pub has_product: bool,
    /// The mood is negative.
    pub negative: bool,
}

/// Scores for every intent (unnormalized), plus the structural rules.
pub fn score(lower: &str, signals: Signals) -> Vec<(Intent, f32)> {
    let padded = pad(lower);
    let mut scores = Scores(
        cues()
            .map(|(intent, cues)| {
                let s: f32 = cues
                    .iter()
                    .filter(|(cue, _)| matches_cue(&padded, lower, cue))
                    .map(|(_, w)| w)
                    .sum();
                (*intent, s)
            })
            .collect(),
    );
    address_rules(lower, signals, &mut scores);
    request_rules(lower, signals, &mut scores);
    question_rules(lower, signals, &mut scores);
    small_talk_rules(lower, &mut scores);
    scores.0
}

/// The text with a space at each end and for each character that is not
/// part of a Latin word: Latin cues need word boundaries, and a Chinese
/// character next to a Latin word ("我想cancel订单") is a boundary too.
fn pad(lower: &str) -> String {
    let mut padded = String::with_capacity(lower.len() + 8);
    padded.push(' ');
    for c in lower.chars() {
        if is_cjk(c) || (!c.is_alphanumeric() && c != '\'' && c != '-') {
            padded.push(' ');
        } else {
            padded.push(c);
        }
    }
    padded.push(' ');
    padded
}

/// Every intent's score.
struct Scores(Vec<(Intent, f32)>);

impl Scores {
    fn get(&self, i: Intent) -> f32 {
        self.0
            .iter()
            .find(|(x, _)| *x == i)
            .map(|(_, s)| *s)
            .unwrap_or(0.0)
    }

    fn add(&mut self, i: Intent, d: f32) {
        if let Some(e) = self.0.iter_mut().find(|(x, _)| *x == i) {
            e.1 += d;
        }
    }

    /// The best score among intents other than `except`.
    fn top_without(&self, except: &[Intent]) -> f32 {
        self.0
            .iter()
            .filter(|(i, _)| !except.contains(i))
            .map(|(_, s)| *s)
            .fold(0.0, f32::max)
    }
}

/// An address change that names an order is about that order; one that
/// names the account (or no order at all) is about the default address.
fn address_rules(lower: &str, signals: Signals, scores: &mut Scores) {
    let has = |list: &[&str]| list.iter().any(|w| lower.contains(w));
    if !(has(&["address", "地址"]) || signals.has_address) {
        return;
    }
    let mentions_order = signals.has_order_id || has(&["order", "订单", "这单"]);
    let account = has(&[
        "account",
        "default",
        "on file",
        "profile",
        "future",
        "账户",
        "账号",
        "默认",
        "以后",
        "个人资料",
    ]);
    if account {
        scores.add(Intent::ChangeAddress, 2.0);
    } else if mentions_order {
        scores.add(Intent::ModifyOrder, 2.5);
    } else {
        scores.add(Intent::ChangeAddress, 1.0);
    }
}

/// A change of something received is an exchange; explicit requests beat
/// the complaints that come with them.
fn request_rules(lower: &str, signals: Signals, scores: &mut Scores) {
    // "instead of", "switch", "换成" change a not-yet-shipped order, unless
    // the customer says they received it (then it is an exchange).
    let received = [
        "received", "got my", "got the", "arrived", "收到", "到货", "签收",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if received && scores.get(Intent::ModifyOrder) > 0.0 {
        scores.add(Intent::ExchangeOrder, 1.5);
    }
    let request = scores
        .get(Intent::ReturnOrder)
        .max(scores.get(Intent::ExchangeOrder))
        .max(scores.get(Intent::CancelOrder));
    if request >= 2.5 {
        scores.add(Intent::Complaint, -1.5);
    }
    // Unhappiness is a complaint unless a request says what to do.
    if signals.negative {
        scores.add(Intent::Complaint, if request >= 2.5 { 0.5 } else { 1.5 });
    }
}

/// A question about a named product, or about a named order's whereabouts
/// or a request's status.
fn question_rules(lower: &str, signals: Signals, scores: &mut Scores) {
    // With nothing else asked, a question naming a product is a product
    // question ("紫砂壶是宜兴原矿的吗", "is the skillet pre-seasoned").
    let question = lower.ends_with('?')
        || lower.ends_with('？')
        || lower.ends_with('吗')
        || lower.ends_with("吗？")
        || [
            "is ", "are ", "do ", "does ", "what", "which", "how ", "can ",
        ]
        .iter()
        .any(|q| lower.starts_with(q));
    let top_task = scores.top_without(&[Intent::ProductInfo, Intent::Greeting, Intent::Goodbye]);
    if signals.has_product && question && !signals.has_order_id && top_task < 2.5 {
        scores.add(Intent::ProductInfo, 1.5);
    }
    // "where is order W…", "W… 到哪了": a question about a named order.
    if signals.has_order_id
        && ["where", "到哪", "在哪", "when"]
            .iter()
            .any(|w| lower.contains(w))
    {
        scores.add(Intent::OrderStatus, 2.0);
    }
    // A status question about a return or exchange already requested.
    if ["status", "状态", "what happens next", "进度"]
        .iter()
        .any(|w| lower.contains(w))
    {
        scores.add(Intent::OrderStatus, 1.5);
    }
}

/// Greetings and goodbyes count only when little else is said.
fn small_talk_rules(lower: &str, scores: &mut Scores) {
    let words = lower.split_whitespace().count() + lower.chars().filter(|c| is_cjk(*c)).count() / 2;
    let task = scores.top_without(&[Intent::Greeting, Intent::Goodbye]);
    if task >= 1.5 || words > 12 {
        scores.add(Intent::Greeting, -2.0);
        scores.add(Intent::Goodbye, -1.5);
    }
}

/// A cue matches as a whole word (Latin) or as a substring (Chinese,
/// and Latin cues ending in a space or marked as stems by the table).
fn matches_cue(padded: &str, lower: &str, cue: &str) -> bool {
    if cue.chars().any(is_cjk) {
        return lower.contains(cue);
    }
    let cue = cue.trim();
    // Latin cues are word-prefixes: "cancel" matches "cancelled",
    // "deliver" matches "delivery"; short ones ("hi", "yo") must be whole
    // words, or "this" and "your" would greet.
    if cue.len() <= 3 {
        padded.contains(&format!(" {cue} "))
    } else {
        padded.contains(&format!(" {cue}"))
    }
}

#[cfg(test)]
mod tests {
    use super::cues;
    use crate::nlu::Intent;

    #[test]
    fn every_intent_but_other_has_cues() {
        // A new intent with no cue would never be read by the rules.
        for intent in Intent::all().filter(|i| *i != Intent::Other) {
            assert!(
                cues().any(|(i, c)| *i == intent && !c.is_empty()),
                "{intent:?} has no cue: add its phrases in src/nlu/intent/*_cues.rs"
            );
        }
    }

    #[test]
    fn no_cue_is_listed_twice_for_one_intent() {
        // Scores add up: a cue listed twice would count twice, unseen.
        for (intent, cues) in cues() {
            for (i, (cue, _)) in cues.iter().enumerate() {
                assert!(
                    !cues[i + 1..].iter().any(|(c, _)| c == cue),
                    "{intent:?} lists {cue:?} twice"
                );
            }
        }
    }
}
