//! Entities: order ids, emails, zips, names, amounts (patterns), and
//! products, options and payment methods (lexicons).

use super::lexicon::Lexicon;
use crate::lang::is_cjk;
use serde::Serialize;
use std::collections::BTreeMap;

/// Entities found in a message: type → values (in order of appearance).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Entities(pub BTreeMap<String, Vec<String>>);

impl Entities {
    fn add(&mut self, kind: &str, value: impl Into<String>) {
        let value = value.into();
        let values = self.0.entry(kind.to_string()).or_default();
        if !values.contains(&value) {
            values.push(value);
        }
    }

    /// The first value of `kind`.
    pub fn first(&self, kind: &str) -> Option<&str> {
        self.0.get(kind).and_then(|v| v.first()).map(String::as_str)
    }

    /// All values of `kind`.
    pub fn all(&self, kind: &str) -> &[String] {
        self.0.get(kind).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Extract every entity from `text`.
pub fn extract(text: &str, lexicon: &Lexicon) -> Entities {
    let mut found = Entities::default();
    let normalized: String = text.chars().map(fullwidth_to_ascii).collect();
    let lower = normalized.to_lowercase();
    for id in order_ids(&normalized) {
        found.add("order_id", id);
    }
    for email in emails(&lower) {
        found.add("email", email);
    }
    for zip in zips(&lower) {
        found.add("zip", zip);
    }
    if let Some(name) = name(&normalized) {
        found.add("name", name);
    }
    for amount in amounts(&lower) {
        found.add("amount", amount);
    }
    for product in lexicon.products_in(&lower) {
        found.add("product", product);
    }
    for option in lexicon.options_in(&lower) {
        found.add("option", option);
    }
    for method in lexicon.payment_methods_in(&lower) {
        found.add("payment_method", method);
    }
    found
}

fn fullwidth_to_ascii(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// "#W2611340", "W2611340", "w 2611340", "订单号W2611340" → "#W2611340".
pub fn order_ids(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut ids = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let boundary = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        if (c == 'W' || c == 'w') && boundary {
            let mut j = i + 1;
            while j < chars.len() && chars[j] == ' ' && j - i < 2 {
                j += 1;
            }
            let start = j;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            let after_ok = j == chars.len() || !chars[j].is_ascii_alphanumeric();
            if j - start == 7 && after_ok {
                ids.push(format!("#W{}", chars[start..j].iter().collect::<String>()));
                i = j;
                continue;
            }
        }
        i += 1;
    }
    ids
}

fn emails(lower: &str) -> Vec<String> {
    lower
        .split(|c: char| c.is_whitespace() || ",;，；()（）<>\"'：:".contains(c) || is_cjk(c))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| {
            let Some((local, domain)) = w.split_once('@') else {
                return false;
            };
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        })
        .map(str::to_string)
        .collect()
}

/// Five-digit US zips (and six-digit Chinese postcodes after 邮编) that are
/// not part of a longer number or an order id.
fn zips(lower: &str) -> Vec<String> {
    let chars: Vec<char> = lower.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit()
            && (i == 0
                || !(chars[i - 1].is_ascii_alphanumeric()
                    || chars[i - 1] == '$'
                    || chars[i - 1] == '.'))
        {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let before: String = chars[start.saturating_sub(12)..start].iter().collect();
            // A '.' ends a sentence ("zip 85049.") unless a digit follows.
            let decimal =
                chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit());
            let next_ok = i == chars.len()
                || !(chars[i].is_ascii_alphanumeric() || decimal || chars[i] == '@');
            let cue =
                before.contains("zip") || before.contains("邮编") || before.contains("postcode");
            let street_number = chars.get(i) == Some(&' ')
                && chars.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic())
                && !cue;
            if next_ok && !street_number && (digits.len() == 5 || (digits.len() == 6 && cue)) {
                out.push(digits);
            }
        } else {
            i += 1;
        }
    }
    out
}

/// "my name is Grace Kim", "I'm Grace Kim", "this is Marcus", "我叫张敏",
/// "我是Ma Jun", or a leading "Li Wei, 98101".
fn name(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    for cue in [
        "my name is ",
        "name's ",
        "i'm ",
        "i am ",
        "this is ",
        "it's ",
        "我叫",
        "我是",
        "名字是",
        "姓名",
    ] {
        let Some(pos) = lower.find(cue) else { continue };
        let rest = &text[pos + cue.len()..];
        if let Some(name) = capitalized_words(rest).or_else(|| chinese_name(rest)) {
            return Some(name);
        }
    }
    // "Li Wei, 98101": a capitalized pair right before a zip.
    let first = text.split([',', '，']).next()?;
    let words: Vec<&str> = first.split_whitespace().collect();
    if words.len() == 2 && text.len() > first.len() && !zips(&lower).is_empty() {
        return capitalized_words(first);
    }
    None
}

const NOT_NAMES: &[&str] = &[
    "I", "The", "My", "Order", "Not", "So", "Just", "Here", "Looking", "Trying", "Sorry", "Still",
    "Going", "Very", "Really", "Writing", "Calling", "Back", "A", "An", "Pinecone",
];

fn capitalized_words(rest: &str) -> Option<String> {
    let words: Vec<&str> = rest
        .split(|c: char| {
            c.is_whitespace() || c == ',' || c == '，' || c == '.' || c == '!' || is_cjk(c)
        })
        .take_while(|w| !w.is_empty())
        .take(2)
        .filter(|w| {
            w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && w.chars()
                    .all(|c| c.is_ascii_alphabetic() || c == '-' || c == '\'')
        })
        .collect();
    let words: Vec<&str> = words
        .into_iter()
        .take_while(|w| !NOT_NAMES.contains(w))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

fn chinese_name(rest: &str) -> Option<String> {
    let name: String = rest.chars().take_while(|c| is_cjk(*c)).take(3).collect();
    let n = name.chars().count();
    // Two or three ideographs, and not a word such as "我是想".
    (2..=3).contains(&n).then_some(name).filter(|n| {
        !["想", "要", "在", "的", "来", "问"]
            .iter()
            .any(|w| n.contains(w))
    })
}

/// "$108", "108 dollars", "108元" → "108".
fn amounts(lower: &str) -> Vec<String> {
    let chars: Vec<char> = lower.chars().collect();
    let mut out = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if *c == '$' || *c == '¥' {
            let number: String = chars[i + 1..]
                .iter()
                .take_while(|d| d.is_ascii_digit() || **d == '.' || **d == ',')
                .collect();
            let number = number.trim_end_matches(['.', ',']).replace(',', "");
            if !number.is_empty() {
                out.push(number);
            }
        }
    }
    for unit in [" dollars", " bucks", " usd", "元", "块", "美元"] {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(unit) {
            let at = from + pos;
            let number: String = lower[..at]
                .chars()
                .rev()
                .take_while(|d| d.is_ascii_digit() || *d == '.')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if !number.is_empty() && !out.contains(&number) {
                out.push(number);
            }
            from = at + unit.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_emails_and_zips() {
        assert_eq!(
            order_ids("订单号W2611340和#w1234567, not W12345678"),
            ["#W2611340", "#W1234567"]
        );
        assert_eq!(
            zips("liam thomas, zip 85049. ship to 12 oak st, austin, tx 78701"),
            ["85049", "78701"]
        );
        assert_eq!(
            zips("it cost $12345.50 and 123456 items"),
            Vec::<String>::new()
        );
        assert_eq!(
            emails("我的邮箱是a.b@example.com，谢谢"),
            ["a.b@example.com"]
        );
        assert_eq!(amounts("refund $108.50 or 20 dollars"), ["108.50", "20"]);
    }
}
