//! The languages kefu answers in and how a message's language is told: a
//! leaf module (it imports nothing of kefu's), used by every layer.

use serde::{Deserialize, Serialize};

/// A language kefu answers in. Stored as its code (`"en"`, `"zh"`), the
/// form conversation records written before it was a type already had.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English (also the default for anything not Chinese, and for a
    /// conversation whose language is not known yet).
    #[default]
    En,
    /// Chinese.
    Zh,
}

impl Language {
    /// The code used in template names and output.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Zh => "zh",
        }
    }
}

/// Chinese when a meaningful share of the letters are CJK ideographs.
pub fn detect_language(text: &str) -> Language {
    let cjk = text.chars().filter(|c| is_cjk(*c)).count();
    // Emails, order ids and other tokens with digits or '@' are not words
    // of any language ("我的邮箱是 liam.thomas@example.com" is Chinese).
    let latin: usize = text
        .split(|c: char| c.is_whitespace() || is_cjk(c))
        .filter(|w| !w.contains('@') && !w.chars().any(|c| c.is_ascii_digit()))
        .map(|w| w.chars().filter(|c| c.is_ascii_alphabetic()).count())
        .sum();
    // An order id like W2611340 adds Latin letters to a Chinese sentence;
    // two ideographs already outweigh a word or two of Latin.
    if cjk >= 2 && cjk * 3 >= latin || (cjk > 0 && latin == 0) {
        Language::Zh
    } else {
        Language::En
    }
}

/// A CJK ideograph.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_chinese_and_english() {
        assert_eq!(detect_language("我的订单W2611340在哪里？"), Language::Zh);
        assert_eq!(
            detect_language("where is my order #W2611340?"),
            Language::En
        );
        assert_eq!(detect_language("你好"), Language::Zh);
        assert_eq!(detect_language("hello 好"), Language::En);
    }
}
