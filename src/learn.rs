//! Learning from what operators answer: a conversation the bot handed to a
//! person and the person answered becomes a suggestion — the customer's
//! question and the operator's answer. `kefu learn approve` turns one into
//! an FAQ entry (after the shop's `faq.json`, from the next start on), so
//! the bot answers that question itself next time; `reject` drops it.
//! Only FAQ entries are ever learned: policy and actions never change.

use crate::knowledge::FaqEntry;
use crate::store::{Conversation, Role, Store};
use serde::{Deserialize, Serialize};

/// A question the bot could not serve and an operator's answer to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Suggestion {
    /// The conversation it comes from (its id for approve / reject).
    pub conversation: String,
    /// What the customer asked before the hand-off.
    pub question: String,
    /// The operator's first answer.
    pub answer: String,
    /// Who answered.
    pub operator: String,
    /// The personal data masked in what would be published (emails,
    /// phone and card numbers, order numbers, the customer's name): the
    /// question and answer above are shown masked, as they would be
    /// served to everyone.
    #[serde(default)]
    pub masked: Vec<String>,
}

/// How a suggestion is decided.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decision {
    /// The suggestion's conversation.
    pub conversation: String,
    /// Approve (else reject).
    pub approve: bool,
    /// The question as the FAQ should hold it (default: the customer's).
    #[serde(default)]
    pub question: Option<String>,
    /// The answer as the FAQ should hold it (default: the operator's).
    #[serde(default)]
    pub answer: Option<String>,
}

/// The suggestion a conversation makes, if any: handed off, then answered
/// by an operator.
fn suggestion_of(store: &Store, conversation: &Conversation) -> Option<Suggestion> {
    let turns = &conversation.turns;
    let answered = turns.iter().position(|t| t.role == Role::Operator)?;
    let reply = &turns[answered];
    // The customer's words before the answer, back to the bot's last line.
    let asked: Vec<&str> = turns[..answered]
        .iter()
        .rev()
        .skip_while(|t| t.role != Role::Customer)
        .take_while(|t| t.role == Role::Customer || t.role == Role::Bot)
        .filter(|t| t.role == Role::Customer)
        .take(2)
        .map(|t| t.text.as_str())
        .collect();
    let question = asked.into_iter().rev().collect::<Vec<_>>().join(" ");
    let names = customer_names(store, conversation);
    let mut masked = Vec::new();
    let question = mask(&question, &names, &mut masked);
    let answer = mask(&reply.text, &names, &mut masked);
    (!question.trim().is_empty()).then(|| Suggestion {
        conversation: conversation.id.clone(),
        question,
        answer,
        operator: reply.by.clone().unwrap_or_default(),
        masked,
    })
}

/// The verified customer's first and last name, if any.
fn customer_names(store: &Store, conversation: &Conversation) -> Vec<String> {
    let state = crate::dialogue::DialogueState::from_json(&conversation.state);
    state
        .customer
        .and_then(|id| crate::shop::Shop::new(store).user(&id).ok().flatten())
        .map(|user| vec![user.name.first_name, user.name.last_name])
        .unwrap_or_default()
}

/// `text` with personal data masked, each kind masked noted in `masked`:
/// an FAQ entry is served to everyone.
pub fn mask(text: &str, names: &[String], masked: &mut Vec<String>) -> String {
    let mut note = |what: &str| {
        if !masked.iter().any(|m| m == what) {
            masked.push(what.to_string());
        }
    };
    let mut out = crate::logging::mask_emails(text);
    if out != text {
        note("email");
    }
    let numbers = crate::logging::mask_numbers(&out);
    if numbers != out {
        note("phone or card number");
    }
    out = numbers;
    for id in crate::nlu::order_ids(&out) {
        let bare = id.trim_start_matches('#');
        if out.contains(bare) {
            out = out.replace(&id, "[order]").replace(bare, "[order]");
            note("order number");
        }
    }
    for name in names.iter().filter(|n| n.chars().count() > 1) {
        let words: Vec<String> = out
            .split_inclusive(|c: char| !c.is_alphanumeric())
            .map(|w| {
                let core = w.trim_end_matches(|c: char| !c.is_alphanumeric());
                if core.eq_ignore_ascii_case(name) {
                    note("customer's name");
                    format!("[name]{}", &w[core.len()..])
                } else {
                    w.to_string()
                }
            })
            .collect();
        out = words.concat();
    }
    out
}

/// Suggestions not yet decided.
pub fn suggestions(store: &Store) -> anyhow::Result<Vec<Suggestion>> {
    let mut out = Vec::new();
    for record in store.conversations_without_turns()? {
        if !record.measures.handed_off || store.suggestion_decided(&record.id)? {
            continue;
        }
        if let Some(conversation) = store.conversation(&record.id)? {
            out.extend(suggestion_of(store, &conversation));
        }
    }
    Ok(out)
}

/// A decision about a conversation that has no suggestion (an unknown id,
/// or one decided already).
#[derive(Debug, thiserror::Error)]
#[error("no suggestion from {0:?}; `kefu learn list` shows them")]
pub struct NoSuggestion(pub String);

/// Approve or reject a suggestion; an approval gives the FAQ entry made.
/// Fails with [`NoSuggestion`] when there is none to decide.
pub async fn decide(store: &Store, decision: &Decision) -> anyhow::Result<Option<FaqEntry>> {
    let conversation = store.conversation(&decision.conversation)?;
    let suggestion = conversation
        .as_ref()
        .and_then(|c| suggestion_of(store, c))
        .ok_or_else(|| NoSuggestion(decision.conversation.clone()))?;
    if !decision.approve {
        store
            .decide_suggestion(&decision.conversation, None)
            .await?;
        return Ok(None);
    }
    // Text the operator gives is masked as well: it is served to everyone.
    let names = conversation
        .as_ref()
        .map(|c| customer_names(store, c))
        .unwrap_or_default();
    let mut masked = Vec::new();
    let question = decision
        .question
        .as_deref()
        .map_or(suggestion.question, |q| mask(q, &names, &mut masked));
    let answer = decision
        .answer
        .as_deref()
        .map_or(suggestion.answer, |a| mask(a, &names, &mut masked));
    anyhow::ensure!(
        !question.trim().is_empty() && !answer.trim().is_empty(),
        "the question and the answer must not be empty"
    );
    let entry = |n: u64| FaqEntry {
        id: format!("learned-{n}"),
        // The words as they came, in both fields: search reads both.
        question_en: question.clone(),
        answer_en: answer.clone(),
        question_zh: question.clone(),
        answer_zh: answer.clone(),
        tags: vec!["learned".into()],
    };
    let make = |n: u64| serde_json::to_vec(&entry(n)).expect("entries serialize");
    let n = store
        .decide_suggestion(&decision.conversation, Some(&make))
        .await?
        .unwrap_or_default();
    Ok(Some(entry(n)))
}

/// One learned entry replayed: does its question still find it?
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    /// The learned entry.
    pub id: String,
    /// Its question.
    pub question: String,
    /// The entry the question finds now (none: nothing).
    pub found: Option<String>,
}

impl Check {
    /// The question still finds its entry.
    pub fn passed(&self) -> bool {
        self.found.as_deref() == Some(self.id.as_str())
    }
}

/// The regression cases of what was learned: each approved question asked
/// of the FAQ as the daemon builds it (the shop's `faq.json` and every
/// learned entry), so an entry added later that takes over an older
/// question shows.
pub fn check(store: &Store, data: &std::path::Path) -> anyhow::Result<Vec<Check>> {
    let learned = learned(store)?;
    let products = crate::shop::Shop::new(store).products()?;
    let knowledge = crate::knowledge::Knowledge::build_with(products, data, learned.clone());
    Ok(learned
        .into_iter()
        .map(|entry| Check {
            found: knowledge.faq(&entry.question_en).map(|e| e.id.clone()),
            id: entry.id,
            question: entry.question_en,
        })
        .collect())
}

/// The FAQ entries approved so far, oldest first.
pub fn learned(store: &Store) -> anyhow::Result<Vec<FaqEntry>> {
    store
        .learned_faq()?
        .iter()
        .map(|bytes| Ok(serde_json::from_slice(bytes)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::mask;
    use crate::store::{Store, StoreError};
    use std::sync::Arc;

    #[test]
    fn what_is_published_has_no_personal_data() {
        let mut masked = Vec::new();
        let text = mask(
            "Hi Li, order #W3767039 ships today; call +1 206 555 0123 or write liwei.sea@example.com.",
            &["Li".into(), "Wei".into()],
            &mut masked,
        );
        assert_eq!(
            text,
            "Hi [name], order [order] ships today; call [number] or write [email]."
        );
        assert_eq!(
            masked,
            [
                "email",
                "phone or card number",
                "order number",
                "customer's name"
            ]
        );
        let mut none = Vec::new();
        let plain = "Pick-ups at our Leipzig warehouse on weekdays from 9 to 17.";
        assert_eq!(mask(plain, &[], &mut none), plain);
        assert!(none.is_empty());
    }

    #[tokio::test]
    async fn a_suggestion_is_decided_once_and_numbers_never_collide() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let make = |n: u64| format!("{{\"n\":{n}}}").into_bytes();
        let mut tasks = Vec::new();
        for c in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let make = |n: u64| format!("{{\"n\":{n}}}").into_bytes();
                store
                    .decide_suggestion(&format!("telegram:{c}"), Some(&make))
                    .await
                    .unwrap()
                    .unwrap()
            }));
        }
        let mut numbers = Vec::new();
        for task in tasks {
            numbers.push(task.await.unwrap());
        }
        numbers.sort();
        assert_eq!(numbers, (1..=8).collect::<Vec<_>>());
        assert_eq!(store.learned_faq().unwrap().len(), 8);
        // A second approval of the same suggestion adds nothing.
        let again = store.decide_suggestion("telegram:3", Some(&make)).await;
        assert!(matches!(again, Err(StoreError::Refused(_))), "{again:?}");
        assert_eq!(store.learned_faq().unwrap().len(), 8);
        // Forgetting the conversation takes its entry with it.
        store.forget_desk("telegram:3").await.unwrap();
        assert_eq!(store.learned_faq().unwrap().len(), 7);
        assert!(!store.suggestion_decided("telegram:3").unwrap());
    }
}
