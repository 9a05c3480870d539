//! How conversations end and what customers think of them: the
//! satisfaction survey (`[csat]`: one per conversation, 1–5, buttons on
//! Telegram, a number in words elsewhere) and reading its answer.
//! Resolutions themselves are kept with each conversation
//! ([`crate::store::Measures`]): confirmed by the customer's goodbye or an
//! operator's close, assumed after `outcomes.assume_after_hours` of quiet.

use crate::config::{CsatAfter, CsatSettings};
use crate::lang::Language;
use crate::prompts::Prompts;
use crate::store::Measures;
use kefu_channels::{Button, ChannelKind, Outbound, Thread};

/// The satisfaction survey, as configured.
pub struct Survey {
    ask: [String; 2],
    thanks: [String; 2],
    after: CsatAfter,
    window_ms: u64,
}

impl Survey {
    /// The survey for `[csat]`; `None` when it is off.
    pub fn new(settings: &CsatSettings, prompts: &Prompts) -> anyhow::Result<Option<Self>> {
        if !settings.enabled {
            return Ok(None);
        }
        let text = |purpose: &str| -> anyhow::Result<[String; 2]> {
            Ok([
                prompts.render(purpose, Language::En, ())?,
                prompts.render(purpose, Language::Zh, ())?,
            ])
        };
        Ok(Some(Self {
            ask: text("csat/ask")?,
            thanks: text("csat/thanks")?,
            after: settings.after,
            window_ms: (settings.window_hours.max(0.0) * 3_600_000.0) as u64,
        }))
    }

    /// Whether a resolution by `who` (`bot`, `operator`) is surveyed.
    pub fn after(&self, who: &str) -> bool {
        match self.after {
            CsatAfter::All => true,
            CsatAfter::Bot => who == "bot",
            CsatAfter::Operator => who == "operator",
        }
    }

    /// The survey for the conversation in `thread` on `channel`, in its
    /// language.
    pub fn ask(&self, channel: ChannelKind, thread: &Thread, language: Language) -> Outbound {
        Outbound {
            channel,
            thread: thread.clone(),
            text: self.ask[usize::from(language == Language::Zh)].clone(),
            reply_to: None,
            attachments: Vec::new(),
            annotations: Default::default(),
            buttons: (1..=5)
                .map(|n| Button {
                    label: n.to_string(),
                    data: format!("csat:{n}"),
                })
                .collect(),
        }
    }

    /// The thanks for an answer, in `language`.
    pub fn thanks(&self, language: Language) -> &str {
        &self.thanks[usize::from(language == Language::Zh)]
    }

    /// The score (and comment) `text` gives, if it answers the survey of a
    /// conversation with these `measures` at `now`: sent, not yet answered,
    /// within `csat.window_hours`.
    pub fn answer(
        &self,
        text: &str,
        measures: &Measures,
        now: u64,
    ) -> Option<(u8, Option<String>)> {
        let sent = measures.survey_at?;
        if measures.csat.is_some()
            || measures.survey_closed
            || now.saturating_sub(sent) > self.window_ms
        {
            return None;
        }
        parse_score(text)
    }
}

/// A rating in a message: a button's `csat:N`, or a message that starts
/// with a digit 1–5 alone (with its unit: "4/5", "5 stars", "5分"), or
/// before a dash, colon or comma and a remark ("5 - quick and kind",
/// "5分，很好"); the remark is the comment. A message that asks or wants
/// something ("3. where is my refund", "4, can I return it?") is a
/// message, answered as one: a survey never swallows a request.
pub fn parse_score(text: &str) -> Option<(u8, Option<String>)> {
    let text = text.trim();
    if let Some(n) = text.strip_prefix("csat:") {
        let n: u8 = n.trim().parse().ok()?;
        return (1..=5).contains(&n).then_some((n, None));
    }
    let mut chars = text.chars();
    let score = chars.next()?.to_digit(10)? as u8;
    if !(1..=5).contains(&score) {
        return None;
    }
    let rest = chars.as_str();
    // "45 minutes late" is not a rating.
    if rest.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut rest = rest.trim_start();
    for unit in ["/5", "分", "星", "stars", "star"] {
        if let Some(after) = rest.strip_prefix(unit) {
            rest = after.trim_start();
            break;
        }
    }
    let bare = rest.trim_matches(|c: char| c.is_whitespace() || "!.。！".contains(c));
    if bare.is_empty() {
        return Some((score, None));
    }
    // A remark follows a separator; "2 items are missing" is a message, and
    // so is "3. …", the first point of a list.
    let comment = rest.strip_prefix(|c: char| "-–—:,;，：\n".contains(c))?;
    let comment = comment.trim_start_matches(|c: char| c.is_whitespace() || "-–—".contains(c));
    let comment = comment.trim();
    if asks_something(comment) {
        return None;
    }
    Some((score, (!comment.is_empty()).then(|| comment.to_string())))
}

/// A remark that is a question or a request, not an opinion.
fn asks_something(remark: &str) -> bool {
    let lower = remark.to_lowercase();
    const OPENINGS: [&str; 20] = [
        "where", "when", "how", "what", "why", "which", "who", "can ", "could ", "would ", "will ",
        "is ", "are ", "do ", "does ", "please", "i want", "i need", "i'd like", "cancel",
    ];
    remark.contains(['?', '？', '吗', '请'])
        || OPENINGS.iter().any(|o| lower.starts_with(o))
        || [
            "怎么",
            "什么",
            "哪",
            "为什么",
            "我要",
            "我想",
            "能不能",
            "可以",
        ]
        .iter()
        .any(|w| remark.starts_with(w))
}

#[cfg(test)]
mod tests {
    use super::parse_score;

    #[test]
    fn ratings_are_read_from_buttons_and_words() {
        assert_eq!(parse_score("csat:4"), Some((4, None)));
        assert_eq!(parse_score(" 5 "), Some((5, None)));
        assert_eq!(
            parse_score("2 - the courier was late"),
            Some((2, Some("the courier was late".into())))
        );
        assert_eq!(parse_score("5分，很满意"), Some((5, Some("很满意".into()))));
        // Requests are messages, not ratings.
        assert_eq!(parse_score("3. where is my refund"), None);
        assert_eq!(parse_score("3 - where is my refund"), None);
        assert_eq!(parse_score("4, can I still return the lamp"), None);
        assert_eq!(parse_score("2：我要退货"), None);
        assert_eq!(parse_score("5, thanks?"), None);
        assert_eq!(parse_score("4/5"), Some((4, None)));
        assert_eq!(parse_score("5分"), Some((5, None)));
        assert_eq!(parse_score("5!"), Some((5, None)));
        assert_eq!(parse_score("45 minutes late"), None);
        assert_eq!(parse_score("2 items are missing"), None);
        assert_eq!(parse_score("4 stars"), Some((4, None)));
        assert_eq!(parse_score("0"), None);
        assert_eq!(parse_score("7"), None);
        assert_eq!(parse_score("where is my order"), None);
        assert_eq!(parse_score("csat:9"), None);
    }
}
