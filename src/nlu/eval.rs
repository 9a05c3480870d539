//! `kefu eval FILE.jsonl`: intent accuracy and entity F1 on labeled
//! messages, one `{"text", "intent", "entities": {kind: value | [values]}}`
//! per line.

use super::{Intent, Nlu};
use anyhow::Context;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Accuracy of one intent.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IntentScore {
    /// Messages labeled with it.
    pub total: usize,
    /// Of those, classified right.
    pub correct: usize,
    /// `correct / total`.
    pub accuracy: f64,
}

/// The evaluation's result (`--json` prints it).
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Messages evaluated.
    pub messages: usize,
    /// Share of messages whose intent was right.
    pub intent_accuracy: f64,
    /// Micro F1 over (kind, value) entity pairs.
    pub entity_f1: f64,
    /// Entity precision.
    pub entity_precision: f64,
    /// Entity recall.
    pub entity_recall: f64,
    /// Per intent label.
    pub per_intent: BTreeMap<String, IntentScore>,
    /// Up to 80 misclassified messages, for tuning.
    pub errors: Vec<(String, String, String)>,
}

/// Evaluate `nlu` (rules only) on the file.
pub fn eval_file(nlu: &Nlu, path: &Path) -> anyhow::Result<EvalReport> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut per_intent: BTreeMap<String, IntentScore> = BTreeMap::new();
    let (mut messages, mut correct) = (0usize, 0usize);
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{}:{}", path.display(), n + 1);
        let record: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("{}: not JSON", at()))?;
        let message = record["text"]
            .as_str()
            .with_context(|| format!("{}: no \"text\" string", at()))?;
        let label = record["intent"]
            .as_str()
            .with_context(|| format!("{}: no \"intent\" string", at()))?;
        Intent::from_label(label).with_context(|| format!("{}: unknown intent {label:?}", at()))?;
        let expected = labeled_entities(&record["entities"]);
        let got = nlu.understand(message);
        messages += 1;
        let score = per_intent.entry(label.to_string()).or_default();
        score.total += 1;
        if got.intent.label() == label {
            correct += 1;
            score.correct += 1;
        } else if errors.len() < 80 {
            errors.push((
                message.to_string(),
                label.to_string(),
                got.intent.label().to_string(),
            ));
        }
        let found: BTreeSet<(String, String)> = got
            .entities
            .0
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.to_lowercase())))
            .collect();
        tp += found.intersection(&expected).count();
        fp += found.difference(&expected).count();
        fneg += expected.difference(&found).count();
    }
    anyhow::ensure!(messages > 0, "{}: no labeled messages", path.display());
    for score in per_intent.values_mut() {
        score.accuracy = score.correct as f64 / score.total as f64;
    }
    let precision = if tp + fp == 0 {
        1.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let recall = if tp + fneg == 0 {
        1.0
    } else {
        tp as f64 / (tp + fneg) as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Ok(EvalReport {
        messages,
        intent_accuracy: correct as f64 / messages as f64,
        entity_f1: f1,
        entity_precision: precision,
        entity_recall: recall,
        per_intent,
        errors,
    })
}

fn labeled_entities(value: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut set = BTreeSet::new();
    for (kind, v) in value.as_object().into_iter().flatten() {
        match v {
            serde_json::Value::String(s) => {
                set.insert((kind.clone(), s.to_lowercase()));
            }
            serde_json::Value::Array(items) => {
                for s in items.iter().filter_map(|i| i.as_str()) {
                    set.insert((kind.clone(), s.to_lowercase()));
                }
            }
            _ => {}
        }
    }
    set
}

/// Plain-text rendering of a report.
pub fn render(report: &EvalReport) -> String {
    let mut out = format!(
        "messages: {}\nintent accuracy: {:.3}\nentity F1: {:.3} (precision {:.3}, recall {:.3})\n",
        report.messages,
        report.intent_accuracy,
        report.entity_f1,
        report.entity_precision,
        report.entity_recall
    );
    for (label, score) in &report.per_intent {
        out.push_str(&format!(
            "  {label:<16} {:>3}/{:<3} {:.2}\n",
            score.correct, score.total, score.accuracy
        ));
    }
    out
}
