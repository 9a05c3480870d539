//! FAQ search: BM25 over questions, answers and tags in both languages;
//! Latin words by themselves, Chinese as character bigrams (no tokenizer
//! needed, and bigrams catch most two-character words).

use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// One FAQ entry, as `faq.json` holds it.
#[derive(Debug, Clone, Deserialize)]
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

/// The index.
#[derive(Debug, Default)]
pub struct FaqIndex {
    entries: Vec<FaqEntry>,
    docs: Vec<HashMap<String, f64>>,
    lengths: Vec<f64>,
    df: HashMap<String, f64>,
}

/// Below this BM25 score an entry does not answer the question.
const MIN_SCORE: f64 = 3.5;

const STOP: &[&str] = &[
    "the", "a", "an", "is", "are", "do", "does", "i", "my", "you", "your", "to", "of", "and", "in",
    "on", "for", "it", "can", "how", "what", "me", "we", "be", "with", "if", "or", "at", "this",
    "that", "there", "any", "have", "has",
];

impl FaqIndex {
    /// Read `faq.json` from `dir` (missing: an empty index).
    pub fn load(dir: &Path) -> Self {
        let entries: Vec<FaqEntry> = std::fs::read_to_string(dir.join("faq.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        let mut index = FaqIndex::default();
        for entry in &entries {
            let text = format!(
                "{} {} {} {} {} {}",
                entry.question_en,
                entry.question_en,
                entry.answer_en,
                entry.question_zh,
                entry.answer_zh,
                entry.tags.join(" ")
            );
            let mut tf: HashMap<String, f64> = HashMap::new();
            let terms = terms(&text);
            for t in &terms {
                *tf.entry(t.clone()).or_default() += 1.0;
            }
            for t in tf.keys() {
                *index.df.entry(t.clone()).or_default() += 1.0;
            }
            index.lengths.push(terms.len() as f64);
            index.docs.push(tf);
        }
        index.entries = entries;
        index
    }

    /// All entries.
    pub fn entries(&self) -> &[FaqEntry] {
        &self.entries
    }

    /// The best entry for `question`, if it scores well enough.
    pub fn search(&self, question: &str) -> Option<&FaqEntry> {
        let n = self.entries.len() as f64;
        if n == 0.0 {
            return None;
        }
        let avg = self.lengths.iter().sum::<f64>() / n;
        let query = terms(&expand(question));
        let (k1, b) = (1.2, 0.75);
        let mut best: Option<(usize, f64)> = None;
        for (i, doc) in self.docs.iter().enumerate() {
            let mut score = 0.0;
            for t in &query {
                let Some(tf) = doc.get(t) else { continue };
                let df = self.df.get(t).copied().unwrap_or(0.0);
                let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                score += idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * self.lengths[i] / avg));
            }
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((i, score));
            }
        }
        best.filter(|(_, s)| *s >= MIN_SCORE)
            .map(|(i, _)| &self.entries[i])
    }
}

/// Words customers use for what the FAQ calls otherwise, added to a query.
const SYNONYMS: &[(&str, &str)] = &[
    ("parcel", "shipping"),
    ("package", "shipping"),
    ("postage", "shipping cost"),
    ("abroad", "international ship"),
    ("overseas", "international ship"),
    ("take paypal", "accept payment methods"),
    ("pay with", "payment methods"),
    ("hours", "customer service available"),
    ("support team", "customer service"),
    ("online", "available"),
    ("receipt", "invoice"),
    ("怎么算", "多少"),
    ("国外", "国际"),
    ("几点", "时间"),
];

fn expand(question: &str) -> String {
    let lower = question.to_lowercase();
    let mut out = lower.clone();
    for (word, extra) in SYNONYMS {
        if lower.contains(word) {
            out.push(' ');
            out.push_str(extra);
        }
    }
    out
}

/// Search terms: lowercase Latin words (light stemming: plural `s`),
/// Chinese character bigrams (and single characters of one-character runs).
fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = text.to_lowercase();
    let mut run: Vec<char> = Vec::new();
    let flush = |run: &mut Vec<char>, out: &mut Vec<String>| {
        if run.len() == 1 {
            out.push(run[0].to_string());
        }
        for pair in run.windows(2) {
            out.push(pair.iter().collect());
        }
        run.clear();
    };
    let mut word = String::new();
    for c in lower.chars().chain(std::iter::once(' ')) {
        if crate::nlu::is_cjk(c) {
            push_word(&mut word, &mut out);
            run.push(c);
        } else if c.is_alphanumeric() {
            flush(&mut run, &mut out);
            word.push(c);
        } else {
            flush(&mut run, &mut out);
            push_word(&mut word, &mut out);
        }
    }
    out
}

fn push_word(word: &mut String, out: &mut Vec<String>) {
    if !word.is_empty() && !STOP.contains(&word.as_str()) {
        let stem = if word.len() > 4 && word.ends_with('s') && !word.ends_with("ss") {
            &word[..word.len() - 1]
        } else {
            word.as_str()
        };
        out.push(stem.to_string());
    }
    word.clear();
}
