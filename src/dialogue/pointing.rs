//! How customers point at orders and items without naming them: "in that
//! order", "both kettles", "the cheaper of the two", "the order that had
//! my earbuds", "just one of them", "my other order". Word tests over a
//! lowercased clause; the request reader decides what they mean.

use super::words::contains_word;

/// "in that order", "the same order", "the current order", "这个订单": the
/// order the request before named, else the one the conversation is on.
pub fn refers_to_order_before(lower: &str) -> bool {
    [
        "that order",
        "same order",
        "this order",
        "that one order",
        "that same order",
        "current order",
        "the order i just",
        "这个订单",
        "那个订单",
        "同一个订单",
        "同一订单",
        "该订单",
    ]
    .iter()
    .any(|w| lower.contains(w))
        // "the bike helmet in it": the order just spoken of.
        || ["in it", "from it"].iter().any(|w| contains_word(lower, w))
}

/// "both of them", "each of them", "them all", "两件都": every one of the
/// items meant, not one of them.
pub fn means_every_one(lower: &str) -> bool {
    [
        "both",
        "all of them",
        "each of them",
        "every one of them",
        "them all",
        "all two",
        "两个都",
        "两件都",
        "都换",
        "都退",
        "全部",
    ]
    .iter()
    .any(|w| contains_word(lower, w))
}

/// Which one of several of a product the words before `at` pick: "the
/// cheaper of the two kettles", "the larger of my helmets", "两个里便宜的".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OneOf {
    /// The lower price.
    Cheaper,
    /// The higher price.
    Dearer,
    /// The smaller size.
    Smaller,
    /// The larger size.
    Larger,
}

/// The comparison that picks one item of several before `at`, if any: a
/// degree word, then "of" ("the cheaper of the two …", "the more
/// expensive one of my …").
pub fn one_of_several(lower: &str, at: usize) -> Option<OneOf> {
    let before: Vec<&str> = lower[..at].split_whitespace().rev().take(7).collect();
    // "the smaller bed" (of the two named before): a comparative, not a
    // superlative, says one of two.
    if before.get(1) == Some(&"the") {
        let degree = match before.first().copied() {
            Some("cheaper") => Some(OneOf::Cheaper),
            Some("pricier" | "dearer") => Some(OneOf::Dearer),
            Some("smaller" | "shorter" | "lighter") => Some(OneOf::Smaller),
            Some("larger" | "bigger" | "longer" | "heavier") => Some(OneOf::Larger),
            _ => None,
        };
        if degree.is_some() {
            return degree;
        }
    }
    let of = before.iter().position(|w| *w == "of")?;
    let degree = before[of + 1..].iter().take(2).find_map(|w| {
        Some(match *w {
            "cheaper" | "cheapest" | "less" => OneOf::Cheaper,
            "expensive" | "pricier" | "priciest" | "dearer" => OneOf::Dearer,
            "smaller" | "smallest" | "shorter" | "lighter" => OneOf::Smaller,
            "larger" | "largest" | "bigger" | "biggest" | "longer" | "heavier" => OneOf::Larger,
            _ => return None,
        })
    })?;
    // "less expensive" is cheaper; "more expensive" dearer.
    Some(match (degree, before.get(of + 2)) {
        (OneOf::Dearer, Some(&"less")) => OneOf::Cheaper,
        (d, _) => d,
    })
}

/// Whether the words just before `at` count the item as more than one:
/// "both kettles", "the two identical black T-shirts", "all the mugs",
/// "each lamp", "两个水壶".
pub fn counted_as_several(lower: &str, at: usize) -> bool {
    if one_of_several(lower, at).is_some() {
        return false;
    }
    let before = &lower[..at];
    if before.ends_with("两个") || before.ends_with("两件") || before.ends_with("两台") {
        return true;
    }
    // Back to the phrase's start: "two sizes bigger for the hoodie" does
    // not count hoodies.
    before
        .split_whitespace()
        .rev()
        .take(4)
        .take_while(|w| {
            !matches!(
                *w,
                "for" | "to" | "in" | "from" | "with" | "and" | "than" | "into" | "on" | "by"
            )
        })
        .any(|w| matches!(w, "both" | "two" | "2" | "all" | "each" | "every"))
}

/// A clause that only asks something ("I want to know how much …", "how
/// much will I get back?", "退多少钱？"): it adds nothing to a request.
pub fn only_asks(lower: &str) -> bool {
    [
        "want to know",
        "like to know",
        "how much",
        "how many",
        "wonder",
        "多少",
        "吗",
    ]
    .iter()
    .any(|w| lower.contains(w))
        || lower.trim_end().ends_with(['?', '？'])
}

/// "my other order", "another order", "the other delivered order": a
/// request about a different order than the one before.
pub fn names_another_order(lower: &str) -> bool {
    [
        "other order",
        "another order",
        "other delivered",
        "other pending",
        "second order",
        "另一个订单",
        "另一笔",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// "my order", "that whole Austin order", "this order", "我的订单": an
/// order of the customer's own, by a word that points at it within three
/// words before "order" ("the order" alone may be any order: "can the
/// order be changed after it ships?").
pub fn points_at_own_order(lower: &str) -> bool {
    if ["我的订单", "那个订单", "这个订单", "那笔订单", "这笔订单"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return true;
    }
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, w)| {
        (*w == "order" || *w == "orders")
            && words[i.saturating_sub(3)..i]
                .iter()
                .any(|b| ["my", "that", "this", "our"].contains(b))
    })
}

/// Whether the product named at `at..end` tells which order is meant
/// rather than what to act on: "the order that included my earbuds",
/// "the same order as my luggage set", "my grill order", "有耳机的订单".
pub fn anchors_order(lower: &str, at: usize, end: usize) -> bool {
    let after = lower[end..].trim_start();
    if after.starts_with("order")
        && !after[5..].starts_with(|c: char| c.is_alphabetic() && c != 's')
        || after.starts_with("的订单")
        || after.starts_with("那个订单")
    {
        return true;
    }
    let before: Vec<&str> = lower[..at].split_whitespace().rev().take(6).collect();
    let before = before.into_iter().rev().collect::<Vec<_>>().join(" ");
    [
        "order that had",
        "order that has",
        "order that included",
        "order that includes",
        "order that contained",
        "order that contains",
        "order that came with",
        "order which had",
        "order which included",
        "order which has",
        "order with",
        "order containing",
        "order including",
        "same order as",
        "order of my",
        "delivery with",
        "one with",
    ]
    .iter()
    .any(|cue| before.contains(cue))
}

/// "return just one of them", "only one", "其中一个": one of several,
/// not every one.
pub fn means_just_one(lower: &str) -> bool {
    [
        "one of them",
        "just one",
        "only one",
        "a single one",
        "其中一个",
        "只退一个",
        "只换一个",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_of_their_own() {
        assert!(points_at_own_order(
            "how much did that whole austin order cost"
        ));
        assert!(points_at_own_order("what did i pay for my order"));
        assert!(points_at_own_order("我的订单花了多少钱"));
        assert!(!points_at_own_order(
            "can the order be changed after it ships?"
        ));
        assert!(!points_at_own_order(
            "how much is shipping on an order under $49"
        ));
    }
}
