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
fn suggestion_of(conversation: &Conversation) -> Option<Suggestion> {
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
    (!question.trim().is_empty()).then(|| Suggestion {
        conversation: conversation.id.clone(),
        question,
        answer: reply.text.clone(),
        operator: reply.by.clone().unwrap_or_default(),
    })
}

/// Suggestions not yet decided.
pub fn suggestions(store: &Store) -> anyhow::Result<Vec<Suggestion>> {
    let mut out = Vec::new();
    for record in store.conversations_without_turns()? {
        if !record.measures.handed_off || store.suggestion_decided(&record.id)? {
            continue;
        }
        if let Some(conversation) = store.conversation(&record.id)? {
            out.extend(suggestion_of(&conversation));
        }
    }
    Ok(out)
}

/// Approve or reject a suggestion; an approval gives the FAQ entry made.
pub async fn decide(store: &Store, decision: &Decision) -> anyhow::Result<Option<FaqEntry>> {
    let conversation = store.conversation(&decision.conversation)?;
    let suggestion = conversation
        .as_ref()
        .and_then(suggestion_of)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no suggestion from {:?}; `kefu learn list` shows them",
                decision.conversation
            )
        })?;
    if !decision.approve {
        store
            .decide_suggestion(&decision.conversation, None)
            .await?;
        return Ok(None);
    }
    let question = decision.question.clone().unwrap_or(suggestion.question);
    let answer = decision.answer.clone().unwrap_or(suggestion.answer);
    anyhow::ensure!(
        !question.trim().is_empty() && !answer.trim().is_empty(),
        "the question and the answer must not be empty"
    );
    let entry = FaqEntry {
        id: format!("learned-{}", store.learned_faq()?.len() + 1),
        // The words as they came, in both fields: search reads both.
        question_en: question.clone(),
        answer_en: answer.clone(),
        question_zh: question,
        answer_zh: answer,
        tags: vec!["learned".into()],
    };
    store
        .decide_suggestion(&decision.conversation, Some(serde_json::to_vec(&entry)?))
        .await?;
    Ok(Some(entry))
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
