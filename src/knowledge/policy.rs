//! Policy clauses (`**P7 — Cancelling.** …`) from `policy.en.md` and
//! `policy.zh.md`, and which clause governs which action.

use std::collections::BTreeMap;
use std::path::Path;

/// Action label → the clause that governs it (from the policy's text).
const ACTION_CLAUSES: &[(&str, &str)] = &[
    ("verify", "P2"),
    ("other_customer", "P3"),
    ("confirm", "P4"),
    ("order_status", "P6"),
    ("cancel", "P7"),
    ("modify_address", "P8"),
    ("modify_payment", "P9"),
    ("modify_items", "P10"),
    ("return", "P11"),
    ("exchange", "P12"),
    ("change_address", "P13"),
    ("handoff", "P15"),
];

/// The clauses by language and id.
#[derive(Debug, Default)]
pub struct Policy {
    clauses: BTreeMap<(String, String), String>,
}

impl Policy {
    /// Read both languages' files from `dir` (missing files: no clauses).
    pub fn load(dir: &Path) -> Self {
        let mut policy = Policy::default();
        for language in ["en", "zh"] {
            let Ok(text) = std::fs::read_to_string(dir.join(format!("policy.{language}.md")))
            else {
                continue;
            };
            for paragraph in text.split("\n\n") {
                let p = paragraph.trim();
                let Some(rest) = p.strip_prefix("**P") else {
                    continue;
                };
                let id: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                let body = p
                    .replace("**", "")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                policy
                    .clauses
                    .insert((language.to_string(), format!("P{id}")), body);
            }
        }
        policy
    }

    /// The clause (id, text) governing `action`.
    pub fn for_action(&self, action: &str, language: &str) -> Option<(String, String)> {
        let id = ACTION_CLAUSES.iter().find(|(a, _)| *a == action)?.1;
        let text = self
            .clauses
            .get(&(language.to_string(), id.to_string()))
            .or_else(|| self.clauses.get(&("en".to_string(), id.to_string())))?;
        Some((id.to_string(), text.clone()))
    }
}
