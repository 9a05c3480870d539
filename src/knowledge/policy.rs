//! Policy clauses from `policy.en.md` and `policy.zh.md` — top-level
//! clauses (`**P7 — Cancelling.**`) and their sub-clauses (`- **P7.2** …`),
//! same ids in both files — and the table of which clauses govern which
//! shop action.

use super::facts::{Fact, Texts};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// Shop action kind → the clauses that govern it, the deciding one first.
/// Read off the policy text (keep in step with `data/policy.en.md`):
/// - `order_status`: P6 defines the statuses; P14 is what a processed
///   order allows (its tracking number, nothing else).
/// - `cancel`: P7 (pending only, the two reasons, whole order, refund);
///   P14 forbids cancelling a processed order.
/// - `modify_address` / `modify_payment` / `modify_items`: P8 / P9 / P10.
/// - `return`: P11; P12.5 because a delivered order is returned or
///   exchanged only once.
/// - `exchange`: P12 (P12.5 included).
/// - `change_address`: P13 (the account's default address).
/// - `handoff`: P15.
///
/// The conversation steps every action goes through have clauses too:
/// `verify` P2, `other_customer` P3, `confirm` P4.
pub const ACTION_CLAUSES: &[(&str, &[&str])] = &[
    ("order_status", &["P6", "P14"]),
    ("cancel", &["P7", "P14"]),
    ("modify_address", &["P8"]),
    ("modify_payment", &["P9"]),
    ("modify_items", &["P10"]),
    ("return", &["P11", "P12.5"]),
    ("exchange", &["P12"]),
    ("change_address", &["P13"]),
    ("handoff", &["P15"]),
    ("verify", &["P2"]),
    ("other_customer", &["P3"]),
    ("confirm", &["P4"]),
    ("quote", &["P4"]),
];

/// One clause or sub-clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clause {
    /// `P7` or `P7.2`.
    pub id: String,
    /// The heading (`Cancelling` / `取消订单`); empty for sub-clauses.
    pub title: Texts,
    /// The clause as one line per language, starting with its id; a
    /// top-level clause includes its sub-clauses.
    pub text: Texts,
}

impl Fact for Clause {
    fn texts(&self) -> &Texts {
        &self.text
    }

    fn values(&self) -> Vec<String> {
        vec![self.id.clone()]
    }
}

/// The clauses governing one action: what a refusal or a confirmation
/// cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionPolicy {
    /// The action kind (`cancel`).
    pub action: String,
    /// Its clauses, the deciding one first.
    pub clauses: Vec<Clause>,
    /// The clauses' texts joined by spaces.
    pub text: Texts,
}

impl Fact for ActionPolicy {
    fn texts(&self) -> &Texts {
        &self.text
    }

    fn values(&self) -> Vec<String> {
        self.clauses.iter().map(|c| c.id.clone()).collect()
    }
}

/// The parsed policy.
#[derive(Debug, Default)]
pub struct Policy {
    /// Clauses in document order.
    clauses: Vec<Clause>,
    by_id: HashMap<String, usize>,
}

impl Policy {
    /// Read both languages from `dir`. A missing file leaves that language
    /// to the other one's text, so a rendering is never empty.
    pub fn load(dir: &Path) -> Self {
        let read = |lang: &str| std::fs::read_to_string(dir.join(format!("policy.{lang}.md")));
        let en = parse(&read("en").unwrap_or_default());
        let zh: HashMap<String, Parsed> = parse(&read("zh").unwrap_or_default())
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        let mut policy = Policy::default();
        let mut add = |en: Option<&Parsed>, zh: Option<&Parsed>| {
            let Some(id) = en.or(zh).map(|p| p.id.clone()) else {
                return;
            };
            let pick = |f: fn(&Parsed) -> &String, first: Option<&Parsed>| {
                first.or(en).or(zh).map(f).cloned().unwrap_or_default()
            };
            policy.by_id.insert(id.clone(), policy.clauses.len());
            policy.clauses.push(Clause {
                id,
                title: Texts::new(pick(|p| &p.title, en), pick(|p| &p.title, zh)),
                text: Texts::new(pick(|p| &p.text, en), pick(|p| &p.text, zh)),
            });
        };
        for clause in &en {
            add(Some(clause), zh.get(&clause.id));
        }
        // Clauses only the Chinese file has (normally none).
        let mut only_zh: Vec<&Parsed> = zh
            .values()
            .filter(|p| !en.iter().any(|e| e.id == p.id))
            .collect();
        only_zh.sort_by(|a, b| a.id.cmp(&b.id));
        for clause in only_zh {
            add(None, Some(clause));
        }
        policy
    }

    /// A clause by id (`P7`, `P7.2`).
    pub fn clause(&self, id: &str) -> Option<&Clause> {
        self.by_id.get(id).map(|&i| &self.clauses[i])
    }

    /// Every clause, in document order.
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }

    /// The clauses governing `action`, per [`ACTION_CLAUSES`]; `None` for an
    /// unknown action or a shop without a policy.
    pub fn for_action(&self, action: &str) -> Option<ActionPolicy> {
        let (_, ids) = ACTION_CLAUSES.iter().find(|(a, _)| *a == action)?;
        let clauses: Vec<Clause> = ids
            .iter()
            .filter_map(|id| self.clause(id))
            .cloned()
            .collect();
        if clauses.is_empty() {
            return None;
        }
        let join = |f: fn(&Texts) -> &String| {
            clauses
                .iter()
                .map(|c| f(&c.text).as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        Some(ActionPolicy {
            action: action.to_string(),
            text: Texts::new(join(|t| &t.en), join(|t| &t.zh)),
            clauses,
        })
    }
}

/// A clause as one file writes it.
#[derive(Debug)]
struct Parsed {
    id: String,
    title: String,
    text: String,
}

/// Clauses of one file: a paragraph starting `**P<n> — Title.**` is a
/// clause; its lines starting `- **P<n>.<m>**` begin sub-clauses, and other
/// lines continue whatever came before (the Markdown wraps long lines).
fn parse(markdown: &str) -> Vec<Parsed> {
    let mut out = Vec::new();
    for paragraph in markdown.split("\n\n") {
        let paragraph = paragraph.trim();
        let Some(id) = clause_id(paragraph, "**") else {
            continue;
        };
        let top = out.len();
        let heading = paragraph[2 + id.len()..].split("**").next().unwrap_or("");
        let title = heading
            .trim_start_matches(|c: char| c.is_whitespace() || c == '—' || c == '-')
            .trim()
            .trim_end_matches(['.', '。'])
            .to_string();
        out.push(Parsed {
            id,
            title,
            text: String::new(),
        });
        for line in paragraph.lines() {
            let line = line.trim();
            if let Some(sub) = line.strip_prefix("- ").and_then(|l| clause_id(l, "**")) {
                out.push(Parsed {
                    id: sub,
                    title: String::new(),
                    text: String::new(),
                });
            }
            let last = out.len() - 1;
            push_words(&mut out[last].text, line.trim_start_matches("- "));
            if last != top {
                push_words(&mut out[top].text, line.trim_start_matches("- "));
            }
        }
    }
    out
}

/// `P7` from `**P7 — …` or `P7.2` from `**P7.2** …`.
fn clause_id(line: &str, marker: &str) -> Option<String> {
    let rest = line.strip_prefix(marker)?.strip_prefix('P')?;
    let digits: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let digits = digits.trim_end_matches('.');
    (!digits.is_empty()).then(|| format!("P{digits}"))
}

/// Append a line without its Markdown emphasis, whitespace collapsed.
/// Chinese lines join without a space (the file wraps mid-sentence).
fn push_words(text: &mut String, line: &str) {
    let clean = line.replace("**", "").replace('`', "");
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    if clean.is_empty() {
        return;
    }
    let cjk_joint = text.chars().last().is_some_and(wide) || clean.chars().next().is_some_and(wide);
    if !text.is_empty() && !cjk_joint {
        text.push(' ');
    }
    text.push_str(&clean);
}

/// Chinese characters and full-width punctuation: text that takes no
/// spaces around it.
fn wide(c: char) -> bool {
    crate::lang::is_cjk(c) || matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFFEF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Policy {
        Policy::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data"))
    }

    #[test]
    fn parses_clauses_and_sub_clauses_in_both_languages() {
        let p = sample();
        for n in 1..=17 {
            assert!(p.clause(&format!("P{n}")).is_some(), "P{n}");
        }
        let p7 = p.clause("P7").unwrap();
        assert_eq!(p7.title.en, "Cancelling");
        assert_eq!(p7.title.zh, "取消订单");
        assert!(p7.text.en.starts_with("P7 — Cancelling."), "{}", p7.text.en);
        assert!(
            p7.text.en.contains("P7.4 The full amount"),
            "{}",
            p7.text.en
        );
        let p72 = p.clause("P7.2").unwrap();
        assert!(p72
            .text
            .en
            .starts_with("P7.2 The customer must give a reason"));
        assert!(
            p72.text.en.contains("speak to a human agent."),
            "{}",
            p72.text.en
        );
        assert!(!p72.text.en.contains("P7.3"));
        assert!(p72.text.zh.contains("顾客须说明原因"), "{}", p72.text.zh);
        // Wrapped Chinese lines join without a stray space.
        assert!(
            p72.text.zh.contains("\"ordered by mistake\"（误下单）"),
            "{}",
            p72.text.zh
        );
        assert!(!p.clause("P2.4").unwrap().text.en.contains('*'));
        assert!(p
            .clause("P8")
            .unwrap()
            .text
            .en
            .contains("Only for pending orders"));
    }

    #[test]
    fn maps_every_shop_action_to_clauses_that_exist() {
        let p = sample();
        for (action, ids) in ACTION_CLAUSES {
            let policy = p.for_action(action).unwrap();
            assert_eq!(policy.values(), ids.to_vec(), "{action}");
        }
        let cancel = p.for_action("cancel").unwrap();
        assert_eq!(cancel.clauses[0].id, "P7");
        assert!(cancel.text(crate::lang::Language::Zh).contains("取消"));
        assert!(p.for_action("teleport").is_none());
        assert!(Policy::load(Path::new("/nonexistent"))
            .for_action("cancel")
            .is_none());
    }
}
