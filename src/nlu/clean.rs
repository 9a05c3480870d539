//! The text kefu reads: compatibility forms folded (NFKC: fullwidth
//! letters and digits, ligatures), and the characters that hide words from
//! matching removed (zero-width spaces and joiners, bidirectional controls,
//! soft hyphens, other control characters). The inbox keeps the original.

use unicode_normalization::UnicodeNormalization;

/// Characters that render as nothing or reorder text.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}')
        || (c.is_control() && c != '\n' && c != '\t')
}

/// `text` as the NLU and the dialogue read it.
pub fn clean(text: &str) -> String {
    text.nfkc().filter(|c| !invisible(*c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_and_wide_forms_are_folded() {
        assert_eq!(clean("y\u{200B}e\u{200D}s"), "yes");
        assert_eq!(clean("\u{202E}sey\u{202C}"), "sey");
        assert_eq!(clean("ｙｅｓ，ＷＷ１２３"), "yes,WW123");
        assert_eq!(clean("can\u{00AD}cel #W1234567"), "cancel #W1234567");
        assert_eq!(clean("line one\nline two"), "line one\nline two");
    }
}
