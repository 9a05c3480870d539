//! Option values with a number and a unit, as customers write them: the
//! catalog's "50ft" is "the 50-foot one", "50 feet"; "2 liters" is
//! "2-liter", "2l"; "750ml" is "750 ml"; "13-inch" is "13 inch", "13in".

/// Options that are an item's size, most likely first.
pub const SIZE_KEYS: &[&str] = &[
    "size",
    "height",
    "length",
    "capacity",
    "diameter",
    "screen size",
    "frame size",
    "room size",
    "weight range",
    "piece count",
    "pieces",
    "kit size",
];

/// Letter sizes and the words customers say for them ("a size small").
const LETTER_SIZES: &[(&str, &[&str])] = &[
    ("xs", &["extra small", "extra-small"]),
    ("s", &["small"]),
    ("m", &["medium"]),
    ("l", &["large"]),
    ("xl", &["extra large", "extra-large"]),
    ("xxl", &["double extra large", "2xl"]),
];

/// The words for a letter size ("S" → "small"); empty for other values.
pub fn size_words(value: &str) -> &'static [&'static str] {
    let lower = value.to_lowercase();
    LETTER_SIZES
        .iter()
        .find(|(letter, _)| *letter == lower)
        .map_or(&[], |(_, words)| *words)
}

/// Units and the ways customers write them (the first is for lookups).
const UNITS: &[&[&str]] = &[
    &["ft", "foot", "feet", "-foot", "-ft"],
    &["inch", "inches", "-inch", "\""],
    &[
        "l", "liter", "liters", "litre", "litres", "-liter", "-litre",
    ],
    &["ml", "milliliter", "milliliters", "millilitre", "-ml"],
    &["gb", "-gb", "gig", "gigs"],
    &["tb", "-tb"],
    &["mp", "megapixel", "megapixels", "-megapixel"],
    &["mah", "-mah"],
    &["hours", "hour", "-hour", "hrs", "h"],
    &["lbs", "lb", "pound", "pounds", "-pound"],
    &["cups", "cup", "-cup"],
    &["bar", "-bar"],
    &["pieces", "piece", "-piece", "pcs"],
];

/// Other ways to write `value` (lowercase) when it is a number and a unit
/// ("50ft" → "50 ft", "50-foot", "50 feet", …); empty otherwise.
pub fn spellings(value: &str) -> Vec<String> {
    let number: String = value
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if number.is_empty() {
        return Vec::new();
    }
    let unit = value[number.len()..].trim().trim_start_matches('-');
    let Some(forms) = UNITS
        .iter()
        .find(|forms| forms.iter().any(|f| f.trim_start_matches('-') == unit))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // "500ml" is also half a liter; "1000ml" a liter.
    if forms[0] == "ml" {
        let words: &[&str] = match number.as_str() {
            "500" => &[
                "half-liter",
                "half liter",
                "half a liter",
                "half-litre",
                "half litre",
            ],
            "1000" => &["1 liter", "1-liter", "one liter", "1l"],
            _ => &[],
        };
        out.extend(words.iter().map(|w| w.to_string()));
    }
    for form in forms.iter() {
        let spelled = if form.starts_with('-') || *form == "\"" {
            format!("{number}{form}")
        } else {
            format!("{number} {form}")
        };
        for s in [spelled, format!("{number}{}", form.trim_start_matches('-'))] {
            if s != value && !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::spellings;

    #[test]
    fn numbers_with_units_in_everyday_spellings() {
        let s = spellings("50ft");
        for form in ["50-foot", "50 feet", "50 ft", "50 foot"] {
            assert!(s.contains(&form.to_string()), "{form}: {s:?}");
        }
        assert!(spellings("2 liters").contains(&"2-liter".to_string()));
        assert!(spellings("750ml").contains(&"750 ml".to_string()));
        assert!(spellings("500ml").contains(&"half-liter".to_string()));
        assert!(spellings("13-inch").contains(&"13 inch".to_string()));
        assert!(spellings("black").is_empty());
        assert!(spellings("4k").is_empty());
    }
}
