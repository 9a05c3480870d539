//! Second choices in what a customer wants: "in beige or, if beige is not
//! offered, in grey", "black if blue is not available", "ceramic if
//! available, otherwise glass", and the wish to change nothing when the
//! first choice cannot be had ("if there is none, keep it as it is").
//! Read as byte ranges of the text, so the catalog's value reader can tell
//! a first choice from a fallback wherever it finds a value.

/// Where the fallbacks of a clause are.
#[derive(Debug, Default, PartialEq)]
pub struct Fallbacks {
    /// Byte ranges whose wanted values are second choices.
    pub second: Vec<(usize, usize)>,
    /// Where the customer said to leave the item as it is otherwise.
    pub keep_at: Option<usize>,
}

impl Fallbacks {
    /// Whether a value said at `at` is a second choice.
    pub fn is_second(&self, at: usize) -> bool {
        self.second.iter().any(|(a, b)| (*a..*b).contains(&at))
    }
}

/// The condition that the first choice cannot be had.
const UNAVAILABLE: &[&str] = &[
    "not available",
    "isn't available",
    "is unavailable",
    "not offered",
    "isn't offered",
    "not in stock",
    "out of stock",
    "sold out",
    "not possible",
    "doesn't exist",
    "does not exist",
    "there is none",
    "there isn't one",
    "not an option",
];
/// Words that start a second choice.
const OTHERWISE: &[&str] = &["otherwise", "if not,", "if not ", "failing that", "or else"];
/// Words that keep the item as it is when the first choice fails.
const KEEP: &[&str] = &[
    "keep",
    "leave",
    "stay",
    "stays",
    "as it is",
    "as is",
    "unchanged",
];

/// Whether a clause with its own request verb is the alternative to the
/// request before, should that one not be possible as asked: "if that
/// exact kit is not available, return it instead", "otherwise cancel it",
/// "如果没有，就退货".
pub fn is_alternative(lower: &str) -> bool {
    let lower = lower.trim_start();
    let unavailable = UNAVAILABLE
        .iter()
        .chain(&[
            "can't be",
            "cannot be",
            "isn't possible",
            "没有",
            "换不了",
            "不能换",
        ])
        .any(|w| lower.contains(w));
    let conditional =
        lower.starts_with("if ") || lower.starts_with("如果") || lower.starts_with("要是");
    (conditional && unavailable)
        || OTHERWISE.iter().any(|w| lower.starts_with(w))
        || lower.starts_with("否则")
}

/// Read the fallbacks of `lower` (one clause or message, lowercase).
pub fn fallbacks(lower: &str) -> Fallbacks {
    let mut found = Fallbacks::default();
    let end_of = |from: usize| {
        lower[from..]
            .find(['.', ';', '!', '?'])
            .map_or(lower.len(), |i| from + i)
    };
    // "otherwise grey", "if not, glass": what follows, to the sentence end.
    for marker in OTHERWISE {
        for (at, _) in lower.match_indices(marker) {
            let end = end_of(at);
            let rest = &lower[at + marker.len()..end];
            if KEEP.iter().any(|k| starts_with_word(rest.trim_start(), k))
                || rest.contains("as it is")
            {
                found.keep_at.get_or_insert(at);
                continue;
            }
            found.second.push((at, end));
        }
    }
    // "if blue is not available": the values inside are first choices; a
    // value right before it after "or" ("or black if blue …"), or right
    // after it ("…, in grey"), is the second.
    for (at, _) in lower.match_indices("if ") {
        let window_end = (at + 48).min(lower.len());
        let window = lower.get(at..window_end).unwrap_or("");
        let Some(cond_len) = UNAVAILABLE
            .iter()
            .filter_map(|u| window.find(u).map(|i| i + u.len()))
            .min()
        else {
            continue;
        };
        let cond_end = at + cond_len;
        let before = &lower[..at];
        if let Some(or) = before.rfind(" or ").filter(|o| at - o < 40) {
            if !before[or..].contains(',') || before[or..].trim_end().ends_with(',') {
                found.second.push((or, at));
            }
        }
        let after = &lower[cond_end..end_of(cond_end)];
        let after = after.trim_start_matches([',', ' ']);
        if KEEP.iter().any(|k| after.contains(k)) {
            found.keep_at.get_or_insert(cond_end);
        } else if !after.is_empty() {
            found.second.push((cond_end, end_of(cond_end)));
        }
    }
    found
}

fn starts_with_word(text: &str, word: &str) -> bool {
    text.strip_prefix(word)
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alternative_request() {
        assert!(is_alternative(
            "if that exact kit is not available, i want to return it instead"
        ));
        assert!(is_alternative("otherwise just cancel the order"));
        assert!(is_alternative("如果没有这个颜色，就退货"));
        assert!(!is_alternative("if you can, return the lamp"));
        assert!(!is_alternative("i also want to return the notebook"));
    }

    fn second_words(text: &str) -> Vec<&str> {
        let f = fallbacks(text);
        text.match_indices(|c: char| c.is_alphabetic())
            .filter(|(at, _)| *at == 0 || !text[..*at].ends_with(|c: char| c.is_alphabetic()))
            .map(|(at, _)| {
                let end = text[at..]
                    .find(|c: char| !c.is_alphabetic())
                    .map_or(text.len(), |i| at + i);
                (at, &text[at..end])
            })
            .filter(|(at, _)| f.is_second(*at))
            .map(|(_, w)| w)
            .collect()
    }

    #[test]
    fn second_choices_are_told_from_first_ones() {
        let w = second_words("a medium one in beige or, if beige is not offered, in grey.");
        assert!(
            w.contains(&"grey") && !w.contains(&"beige") && !w.contains(&"medium"),
            "{w:?}"
        );
        let w = second_words("still wireless and blue, or black if blue is not available.");
        assert!(w.contains(&"black") && !w.contains(&"blue"), "{w:?}");
        let w = second_words("in ceramic if available and otherwise in glass, same capacity");
        assert!(w.contains(&"glass") && !w.contains(&"ceramic"), "{w:?}");
        assert_eq!(fallbacks("in black, please").second, vec![]);
    }

    #[test]
    fn keeping_the_item_when_the_first_choice_fails() {
        let f = fallbacks("a bagless one, but only if one exists; otherwise leave the vacuum.");
        assert!(f.keep_at.is_some());
        assert!(f.second.is_empty());
        let f = fallbacks(
            "one size up, but if that exact helmet is not available, leave the helmet as it is.",
        );
        assert!(f.keep_at.is_some(), "{f:?}");
        let f = fallbacks("with cellular, but if there is none, keep the e-reader as it is");
        assert!(f.keep_at.is_some(), "{f:?}");
    }
}
