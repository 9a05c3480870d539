//! Superlatives said of what a customer wants: "the highest-resolution
//! version", "the one with the most storage", "the brightest", "the
//! shortest bamboo one". Read as (the option it speaks of, if the words
//! say, and which end); the flows pick the value among the product's own.

/// The wanted value that means "the most of that option".
pub const MOST: &str = "⇈";
/// The wanted value that means "the least of that option".
pub const LEAST: &str = "⇊";

/// Adjectives and the option they imply (`None`: the item's size).
const MOST_WORDS: &[(&str, Option<&str>)] = &[
    ("largest", None),
    ("biggest", None),
    ("highest", None),
    ("most", None),
    ("maximum", None),
    ("longest", Some("length")),
    ("tallest", Some("height")),
    ("brightest", Some("brightness")),
    ("heaviest", Some("weight")),
    ("fastest", Some("speed")),
    ("strongest", Some("power")),
];
const LEAST_WORDS: &[(&str, Option<&str>)] = &[
    ("smallest", None),
    ("lowest", None),
    ("least", None),
    ("fewest", None),
    ("minimum", None),
    ("shortest", Some("length")),
    ("lightest", Some("weight")),
    ("dimmest", Some("brightness")),
];
/// Words after "most"/"least" that speak of the price or of something
/// other than an option ("the most expensive", "most recent").
const NOT_AN_OPTION: &[&str] = &[
    "expensive",
    "affordable",
    "popular",
    "recent",
    "recently",
    "of",
    "likely",
];
/// Words after a superlative that name no option: "the tallest one" is the
/// implied option's end ("the largest one": the item's size), unless "of"
/// follows ("the smallest one of the two" picks an item).
const NO_OPTION_NAMED: &[&str] = &["one", "ones"];

/// The superlatives in `lower`, with where each is said: (byte offset,
/// option named or implied, [`MOST`] or [`LEAST`]).
pub fn superlatives(lower: &str) -> Vec<(usize, Option<String>, &'static str)> {
    let mut found = Vec::new();
    let words: Vec<(usize, &str)> = word_spans(lower);
    for (i, (at, word)) in words.iter().enumerate() {
        let (end, implied) = if let Some((_, k)) = MOST_WORDS.iter().find(|(w, _)| w == word) {
            (MOST, *k)
        } else if let Some((_, k)) = LEAST_WORDS.iter().find(|(w, _)| w == word) {
            (LEAST, *k)
        } else {
            continue;
        };
        let next = words.get(i + 1).map(|(_, w)| *w).unwrap_or("");
        // "at most $100", "at least two": a bound, not a wish.
        if i > 0 && words[i - 1].1 == "at" {
            continue;
        }
        // "the smaller of the two", "the most expensive": not an option.
        if NOT_AN_OPTION.contains(&next) {
            continue;
        }
        let after = words.get(i + 2).map(|(_, w)| *w).unwrap_or("");
        let no_option = NO_OPTION_NAMED.contains(&next);
        if no_option && after == "of" {
            continue;
        }
        let option = implied
            .map(str::to_string)
            .or_else(|| (!next.is_empty() && !no_option).then(|| next.to_string()));
        found.push((*at, option, end));
    }
    found
}

fn word_spans(lower: &str) -> Vec<(usize, &str)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in lower.char_indices() {
        let in_word = c.is_alphanumeric() || c == '\'';
        match (in_word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, &lower[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, &lower[s..]));
    }
    spans
}

/// Where a value stands among its option's values, for a superlative:
/// low/medium/high, sizes, else its number with its unit ("1TB" over
/// "512GB", "20MP", "5x", "1.5L").
pub fn rank(value: &str, size_rank: impl Fn(&str) -> Option<f64>) -> Option<f64> {
    let lower = value.to_lowercase();
    if let Some(i) = ["low", "medium", "high"].iter().position(|w| *w == lower) {
        return Some(i as f64);
    }
    let number = size_rank(&lower)?;
    let unit: String = lower
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
        .to_string();
    let scale = match unit.as_str() {
        u if u.starts_with("tb") => 1000.0,
        u if u.starts_with("ml") => 0.001,
        _ => 1.0,
    };
    Some(number * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leading(v: &str) -> Option<f64> {
        v.chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect::<String>()
            .parse()
            .ok()
    }

    #[test]
    fn superlatives_and_the_option_they_speak_of() {
        let said = superlatives("the highest-resolution version that still has 5x zoom");
        assert_eq!(said.len(), 1);
        assert_eq!(said[0].1.as_deref(), Some("resolution"));
        assert_eq!(said[0].2, MOST);
        let said = superlatives("the one with the most storage");
        assert_eq!(said[0].1.as_deref(), Some("storage"));
        let said = superlatives("the shortest bamboo one");
        assert_eq!((said[0].1.as_deref(), said[0].2), (Some("length"), LEAST));
        assert!(superlatives("the most expensive pair").is_empty());
        assert!(superlatives("the smallest of my two kettles").is_empty());
        assert!(superlatives("the smallest one of my two kettles").is_empty());
        let said = superlatives("for the tallest one in the same material");
        assert_eq!((said[0].1.as_deref(), said[0].2), (Some("height"), MOST));
        let said = superlatives("the largest one they have");
        assert_eq!((said[0].1.as_deref(), said[0].2), (None, MOST));
        assert!(superlatives("if it costs at most $100").is_empty());
    }

    #[test]
    fn values_rank_with_their_units() {
        assert!(rank("1TB", leading) > rank("512GB", leading));
        assert!(rank("high", leading) > rank("medium", leading));
        assert!(rank("2L", leading) > rank("500ml", leading));
    }
}
