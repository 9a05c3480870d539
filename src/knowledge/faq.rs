//! FAQ search: BM25 over each entry's questions, answer and tags in both
//! languages. Latin words are terms by themselves (lowercased, plural `s`
//! dropped); Chinese is cut into character bigrams, which catch most
//! two-character words without a segmenter and its dictionary. Postings
//! and IDFs are computed once, so a query costs a few hash probes per term.

use super::facts::{Fact, Texts};
use super::text::{expand, tokens};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// One FAQ entry, as `faq.json` holds it.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct FaqEntry {
    /// Stable id.
    pub id: String,
    /// English question.
    pub question_en: String,
    /// English answer.
    pub answer_en: String,
    /// Chinese question.
    pub question_zh: String,
    /// Chinese answer.
    pub answer_zh: String,
    /// Topics; `policy:P11` links a clause.
    #[serde(default)]
    pub tags: Vec<String>,
}

impl FaqEntry {
    /// Tags that name topics (not `policy:` links).
    pub fn topics(&self) -> impl Iterator<Item = &str> {
        self.tags
            .iter()
            .map(String::as_str)
            .filter(|t| !t.starts_with("policy:"))
    }

    /// Policy clauses the entry links (`policy:P11` → `P11`).
    pub fn clauses(&self) -> impl Iterator<Item = &str> {
        self.tags.iter().filter_map(|t| t.strip_prefix("policy:"))
    }
}

/// The FAQ entry that answers a question, as a fact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaqAnswer {
    /// The entry's id.
    pub id: String,
    /// Its question.
    pub question: Texts,
    /// Its answer: the fact's rendering.
    pub answer: Texts,
    /// Policy clauses it links.
    pub clauses: Vec<String>,
    /// The BM25 score (higher: surer).
    pub score: f64,
}

impl Fact for FaqAnswer {
    fn texts(&self) -> &Texts {
        &self.answer
    }

    fn values(&self) -> Vec<String> {
        let mut values = vec![self.id.clone()];
        values.extend(self.clauses.iter().cloned());
        values
    }
}

/// Below this score no entry answers the question. Tuned on the tests'
/// paraphrases: a real match shares at least two distinctive terms (or one
/// in the entry's question), an unrelated question scores well under it
/// from common words alone.
const MIN_SCORE: f64 = 3.5;
/// BM25's saturation: how fast repeats of a term stop adding.
const K1: f64 = 1.2;

/// The fields of an entry, each with its weight and length normalization
/// (BM25F). Questions are what customers paraphrase and are short, so a
/// match there counts most; a long answer mentions much besides its topic,
/// so its matches count least and are normalized by its length; tags are
/// the topic itself.
const FIELDS: [(Field, f64, f64); 3] = [
    (Field::Question, 3.0, 0.5),
    (Field::Answer, 1.0, 0.75),
    (Field::Tags, 2.0, 0.3),
];

#[derive(Debug, Clone, Copy)]
enum Field {
    Question,
    Answer,
    Tags,
}

impl Field {
    fn text(self, entry: &FaqEntry) -> String {
        match self {
            Field::Question => format!("{} {}", entry.question_en, entry.question_zh),
            Field::Answer => format!("{} {}", entry.answer_en, entry.answer_zh),
            // The id is a slug of the topic (`faq-refund-time`): more tags.
            Field::Tags => {
                let slug = entry.id.trim_start_matches("faq-").replace('-', " ");
                format!("{slug} {}", entry.topics().collect::<Vec<_>>().join(" "))
            }
        }
    }
}

/// The index.
#[derive(Debug, Default)]
pub struct FaqIndex {
    entries: Vec<FaqEntry>,
    /// Term → (IDF, postings of (entry, weighted normalized frequency)).
    terms: HashMap<String, (f64, Vec<(usize, f64)>)>,
}

impl FaqIndex {
    /// Read `faq.json` from `dir` (missing or unreadable: an empty index),
    /// with the entries learned from operators' answers after it.
    pub fn load(dir: &Path, learned: Vec<FaqEntry>) -> Self {
        let mut entries: Vec<FaqEntry> = std::fs::read_to_string(dir.join("faq.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        entries.extend(learned);
        Self::new(entries)
    }

    /// Index `entries`. Everything a query needs per (term, entry) is
    /// computed here, so a query only adds up postings.
    pub fn new(entries: Vec<FaqEntry>) -> Self {
        let n = entries.len();
        // fields[f][i]: entry i's terms in field f.
        let fields: Vec<Vec<Vec<String>>> = FIELDS
            .iter()
            .map(|(field, _, _)| entries.iter().map(|e| tokens(&field.text(e))).collect())
            .collect();
        let mut weighted: Vec<HashMap<String, f64>> = vec![HashMap::new(); n];
        for ((_, weight, b), docs) in FIELDS.iter().zip(&fields) {
            let avg = docs.iter().map(Vec::len).sum::<usize>() as f64 / n.max(1) as f64;
            for (i, words) in docs.iter().enumerate() {
                let norm = 1.0 - b + b * words.len() as f64 / avg.max(1.0);
                for t in words {
                    *weighted[i].entry(t.clone()).or_default() += weight / norm;
                }
            }
        }
        let mut terms: HashMap<String, (f64, Vec<(usize, f64)>)> = HashMap::new();
        for (i, doc) in weighted.into_iter().enumerate() {
            for (t, tf) in doc {
                terms.entry(t).or_default().1.push((i, tf));
            }
        }
        for (idf, postings) in terms.values_mut() {
            let df = postings.len() as f64;
            *idf = ((n as f64 - df + 0.5) / (df + 0.5) + 1.0).ln();
        }
        FaqIndex { entries, terms }
    }

    /// All entries.
    pub fn entries(&self) -> &[FaqEntry] {
        &self.entries
    }

    /// The best entry for `question` and its score, if it scores at least
    /// [`MIN_SCORE`].
    pub fn search(&self, question: &str) -> Option<(&FaqEntry, f64)> {
        let mut query = tokens(&expand(question));
        // Each term once: a customer repeating a word is not more specific.
        query.sort();
        query.dedup();
        let mut scores = vec![0.0; self.entries.len()];
        for term in &query {
            let Some((idf, postings)) = self.terms.get(term) else {
                continue;
            };
            for &(i, tf) in postings {
                scores[i] += idf * tf * (K1 + 1.0) / (tf + K1);
            }
        }
        // The first of equal scores wins: the FAQ's own order.
        let (best, score) = scores.iter().enumerate().fold(
            None,
            |best: Option<(usize, f64)>, (i, &s)| match best {
                Some((_, b)) if b >= s => best,
                _ => Some((i, s)),
            },
        )?;
        (score >= MIN_SCORE).then(|| (&self.entries[best], score))
    }

    /// The best entry for `question` as a fact.
    pub fn answer(&self, question: &str) -> Option<FaqAnswer> {
        let (entry, score) = self.search(question)?;
        Some(FaqAnswer {
            id: entry.id.clone(),
            question: Texts::new(&entry.question_en, &entry.question_zh),
            answer: Texts::new(&entry.answer_en, &entry.answer_zh),
            clauses: entry.clauses().map(str::to_string).collect(),
            score,
        })
    }
}

#[cfg(test)]
mod tests;
