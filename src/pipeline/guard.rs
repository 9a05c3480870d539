//! The guard: the LLM's draft goes out only if it is usable; otherwise the
//! template's plain answer does.

use super::{Pipeline, Understanding};
use crate::llm::{Completion, LlmError};
use serde::Serialize;
use serde_json::json;

/// Longest reply sent, in characters; longer drafts are rambling.
pub const MAX_REPLY_CHARS: usize = 1500;

/// Whose words went out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum GuardVerdict {
    /// The LLM's draft passed.
    Llm,
    /// The template's plain answer replaced the draft.
    Fallback {
        /// Why the draft was rejected.
        reason: String,
    },
}

/// Check a draft; return the text to send and the verdict.
pub(super) fn guard(
    pipeline: &Pipeline,
    understanding: &Understanding,
    draft: Result<Completion, LlmError>,
) -> anyhow::Result<(String, GuardVerdict)> {
    let reason = match draft {
        Ok(completion) => {
            let text = clean(&completion.text);
            match check(&text) {
                None => return Ok((text, GuardVerdict::Llm)),
                Some(reason) => reason,
            }
        }
        Err(e) => {
            tracing::warn!("engine failed, answering from the template: {e}");
            format!("engine error: {e}")
        }
    };
    let text = pipeline.prompts.render(
        "fallback",
        understanding.language,
        json!({ "shop": pipeline.settings.shop_name }),
    )?;
    Ok((text, GuardVerdict::Fallback { reason }))
}

/// Why a cleaned draft may not be sent, if it may not.
fn check(text: &str) -> Option<String> {
    if text.is_empty() {
        return Some("empty reply".into());
    }
    let chars = text.chars().count();
    if chars > MAX_REPLY_CHARS {
        return Some(format!("reply too long ({chars} characters)"));
    }
    None
}

/// Trim whitespace and a leading role label some small models emit.
fn clean(text: &str) -> String {
    let mut text = text.trim();
    for label in ["assistant:", "Assistant:", "客服：", "客服:"] {
        if let Some(rest) = text.strip_prefix(label) {
            text = rest.trim_start();
        }
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_and_overlong_drafts() {
        assert_eq!(check(""), Some("empty reply".into()));
        assert!(check(&"a".repeat(MAX_REPLY_CHARS + 1))
            .unwrap()
            .contains("too long"));
        assert_eq!(check("Hello!"), None);
        assert_eq!(clean("  Assistant: Hi there "), "Hi there");
    }
}
