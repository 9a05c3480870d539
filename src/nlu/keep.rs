//! Options the customer says stay as they are: "keeping the same colour
//! and material", "each keeping its own capacity", "that still has the
//! same screen size", "颜色不变". A change of item must keep them; where
//! no variant does, nothing is chosen in their place.

/// Words after which option names are kept.
const CUES: [&str; 9] = [
    "same",
    "keeping",
    "keep",
    "keeps",
    "still",
    "retain",
    "retaining",
    "its own",
    "their own",
];

/// Words that may stand between a cue and the option names ("the same",
/// "its own", "the exact", "2-liter").
const BETWEEN: [&str; 12] = [
    "the", "its", "their", "same", "own", "exact", "and", "or", "as", "a", "current", "original",
];

/// How far a cue reaches, in words.
const REACH: usize = 10;

/// Which of `keys` (a product's option names, lowercase) `lower` says
/// stay as they are.
pub fn kept_options(lower: &str, keys: &[String]) -> Vec<String> {
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let mut kept = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let two = words.get(i + 1).map(|n| format!("{w} {n}"));
        if !CUES.contains(w) && !two.as_deref().is_some_and(|t| CUES.contains(&t)) {
            continue;
        }
        // A list of option names after the cue: "the same color,
        // material and style"; anything else ends it ("the same order").
        let mut j = i + 1;
        while j < words.len() && j <= i + REACH {
            match key_at(&words[j..], keys) {
                Some((key, len)) => {
                    if !kept.contains(&key) {
                        kept.push(key);
                    }
                    j += len;
                }
                None if BETWEEN.contains(&words[j])
                    || words[j].contains(|c: char| c.is_ascii_digit()) =>
                {
                    j += 1
                }
                None => break,
            }
        }
    }
    // "颜色和尺码不变", "保持颜色": Chinese says it around the names.
    if lower.contains("不变") || lower.contains("保持") || lower.contains("一样") {
        for key in keys {
            let zh = zh_name(key);
            if !kept.contains(key) && zh.is_some_and(|z| lower.contains(z)) {
                kept.push(key.clone());
            }
        }
    }
    kept
}

/// The option name the words start with, and how many words it takes:
/// the whole name ("screen size"), or a distinctive word of a longer one
/// ("scent" for "scent family", "zipper" for "zipper style").
fn key_at(words: &[&str], keys: &[String]) -> Option<(String, usize)> {
    // ("feature" for "features", "colours" for "color".)
    let same = |said: &str, name: &str| {
        let said = said.replace("colour", "color");
        said == name
            || said.strip_suffix('s') == Some(name)
            || name.strip_suffix('s') == Some(&said)
    };
    // "the same size" of a clock sold by diameter: the item's size option.
    if words[0] == "size" && !keys.iter().any(|k| k == "size") {
        let size = crate::nlu::units::SIZE_KEYS
            .iter()
            .find_map(|s| keys.iter().find(|k| k.as_str() == *s));
        if let Some(key) = size {
            return Some((key.clone(), 1));
        }
    }
    for key in keys {
        let parts: Vec<&str> = key.split(' ').collect();
        if parts.len() <= words.len() && parts.iter().zip(words).all(|(p, w)| same(w, p)) {
            return Some((key.clone(), parts.len()));
        }
    }
    keys.iter()
        .find(|key| {
            key.contains(' ')
                && key
                    .split(' ')
                    .any(|part| part.len() >= 4 && same(words[0], part))
        })
        .map(|key| (key.clone(), 1))
}

/// Common option names in Chinese.
fn zh_name(key: &str) -> Option<&'static str> {
    Some(match key {
        "color" => "颜色",
        "size" => "尺码",
        "material" => "材质",
        "capacity" => "容量",
        "style" => "款式",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_said_to_stay() {
        let k = keys(&["color", "size", "material", "neck style"]);
        assert_eq!(
            kept_options(
                "exchange them for the next size up, keeping the same color, material and style",
                &k
            ),
            ["color", "material", "neck style"]
        );
        let k = keys(&["capacity", "color", "material"]);
        assert_eq!(
            kept_options(
                "switch both kettles to glass, each keeping its own capacity and colour",
                &k
            ),
            ["capacity", "color"]
        );
        let k = keys(&["type", "bagged/bagless", "features"]);
        assert_eq!(
            kept_options("a bagless one of the same type and feature", &k),
            ["type", "features"]
        );
        let k = keys(&["diameter", "color", "type"]);
        assert_eq!(
            kept_options("an analog one of the same size and color", &k),
            ["diameter", "color"]
        );
        let k = keys(&["screen size", "storage", "color"]);
        assert_eq!(
            kept_options("a bigger storage with the same screen size", &k),
            ["screen size"]
        );
        // What a cue does not reach, or what follows "but", is not kept.
        assert!(kept_options("same colour but a different size", &keys(&["size"])).is_empty());
        assert!(kept_options(
            "in the same order I want the size changed",
            &keys(&["size"])
        )
        .is_empty());
        assert_eq!(
            kept_options("换成大一号，颜色不变", &keys(&["color", "size"])),
            ["color"]
        );
    }
}
