//! `kefu eval` on labeled frames (`tests/data/reading/`): per reader
//! (`rules`, `model`, `routed`), the topic's accuracy, the accuracy of what
//! the topic names (FAQ id, product, property, need) and, for order
//! matters, the F1 of the requests' fields, with each reading's latency.

use super::{Frame, Reader, Topic};
use crate::dialogue::fields::{request_fields, Field};
use crate::llm::Engine;
use crate::shop::Product;
use anyhow::Context;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Instant;

/// Which reading is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    /// The rules alone.
    Rules,
    /// The model alone (no frame counts as `other`).
    Model,
    /// The router's reading.
    Routed,
}

/// One labeled message.
struct Labeled {
    text: String,
    frame: Frame,
    fields: BTreeSet<Field>,
    has_requests: bool,
}

/// One reader's scores.
#[derive(Debug, Clone, Serialize)]
pub struct ReaderScore {
    /// Which reader.
    pub reader: Which,
    /// Messages read.
    pub messages: usize,
    /// Share with the right topic.
    pub topic_accuracy: f64,
    /// Share with the right topic and the right FAQ id, product,
    /// property and need (those labeled).
    pub frame_accuracy: f64,
    /// F1 of the request fields, over the messages labeled with requests.
    pub request_f1: Option<f64>,
    /// Readings the rules were sure of (the model is not asked), and of
    /// those, how many were wrong: what no model can fix when routed.
    pub sure: (usize, usize),
    /// Per topic label: (messages, right topic).
    pub per_topic: BTreeMap<String, (usize, usize)>,
    /// Median and 95th-percentile reading time, in milliseconds.
    pub median_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// Up to 40 misread messages: (text, labeled, read).
    pub errors: Vec<(String, String, String)>,
}

fn labels(path: &Path) -> anyhow::Result<Vec<Labeled>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let at = || format!("{}:{}", path.display(), n + 1);
        let v: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("{}: not JSON", at()))?;
        let text = v["text"]
            .as_str()
            .with_context(|| format!("{}: no \"text\"", at()))?;
        let topic = v["topic"].as_str().unwrap_or("");
        let topic = Topic::from_label(topic)
            .with_context(|| format!("{}: unknown topic {topic:?}", at()))?;
        let s = |k: &str| v[k].as_str().map(str::to_string);
        let frame = Frame {
            topic,
            faq: s("faq"),
            product: s("product"),
            property: s("property").map(|p| super::Property::from_label(&p)),
            need: s("need"),
            ..Frame::default()
        };
        let mut fields = BTreeSet::new();
        let requests = v["requests"].as_array().cloned().unwrap_or_default();
        let mut frame = frame;
        frame.action = requests
            .first()
            .and_then(|r| r["action"].as_str())
            .and_then(super::OrderAction::from_label);
        for r in &requests {
            let action = r["action"].as_str().unwrap_or("").to_string();
            fields.insert(("action".into(), action.clone(), String::new()));
            let mut add = |field: &str, value: &serde_json::Value| {
                let values = match value {
                    serde_json::Value::Array(a) => a.clone(),
                    serde_json::Value::Null => vec![],
                    other => vec![other.clone()],
                };
                for value in values.iter().filter_map(|x| x.as_str()) {
                    fields.insert((field.into(), action.clone(), value.to_string()));
                }
            };
            add("order", &r["order"]);
            add("item", &r["items"]);
            add("to", &r["to"]);
            add("fallback", &r["fallback"]);
            add("scope", &r["scope"]);
            add("payment", &r["payment"]);
        }
        out.push(Labeled {
            text: text.to_string(),
            frame,
            fields,
            has_requests: !requests.is_empty(),
        });
    }
    Ok(out)
}

/// The labeled fields a reading got right: topic, then each labeled key.
fn frame_right(want: &Frame, got: &Frame) -> bool {
    let same = |w: &Option<String>, g: &Option<String>| w.is_none() || w == g;
    want.topic == got.topic
        && same(&want.faq, &got.faq)
        && same(&want.product, &got.product)
        && same(&want.need, &got.need)
        && (want.property.is_none() || want.property == got.property)
        && (want.action.is_none() || family(want.action) == family(got.action))
}

/// Changes of a pending order count as one action: which part changes is
/// the request parser's to read.
fn family(action: Option<super::OrderAction>) -> Option<&'static str> {
    use super::OrderAction::*;
    action.map(|a| match a {
        ModifyItems | ModifyAddress | ModifyPayment => "modify",
        Status | Info => "status",
        other => other.label(),
    })
}

/// Score `which` readers on the labeled file.
pub async fn eval_file(
    reader: &Reader,
    products: &[Product],
    engine: Option<&dyn Engine>,
    path: &Path,
    which: &[Which],
) -> anyhow::Result<Vec<ReaderScore>> {
    let labeled = labels(path)?;
    let mut out = Vec::new();
    for &w in which {
        if w != Which::Rules && engine.is_none() {
            anyhow::bail!(
                "the {w:?} reader needs a model: set llm.model (or llm.engine) in the config"
            );
        }
        let mut tally = Tally::default();
        let mut score = ReaderScore {
            reader: w,
            messages: labeled.len(),
            topic_accuracy: 0.0,
            frame_accuracy: 0.0,
            request_f1: None,
            sure: (0, 0),
            per_topic: BTreeMap::new(),
            median_ms: 0.0,
            p95_ms: 0.0,
            errors: Vec::new(),
        };
        for l in &labeled {
            let started = Instant::now();
            let got = match w {
                Which::Rules => reader.by_rules(&l.text).frame,
                Which::Model => match engine {
                    Some(e) => reader.by_model(e, &l.text).await.unwrap_or_default(),
                    None => Frame::default(),
                },
                Which::Routed => reader.read(&l.text, engine).await.frame,
            };
            tally.times.push(started.elapsed().as_secs_f64() * 1000.0);
            tally.count(l, &got, &mut score);
            if l.has_requests {
                let found = request_fields(products, reader.knowledge_ref(), &l.text);
                tally.count_fields(&found, &l.fields);
            }
        }
        tally.finish(&mut score);
        out.push(score);
    }
    Ok(out)
}

/// Counts over one reader's pass.
#[derive(Default)]
struct Tally {
    topics: usize,
    frames: usize,
    /// Request fields: true positives, false positives, false negatives.
    fields: Option<(usize, usize, usize)>,
    /// Reading times, ms.
    times: Vec<f64>,
}

impl Tally {
    /// One message's reading against its label.
    fn count(&mut self, l: &Labeled, got: &Frame, score: &mut ReaderScore) {
        let entry = score
            .per_topic
            .entry(l.frame.topic.label().to_string())
            .or_default();
        entry.0 += 1;
        if got.topic == l.frame.topic {
            self.topics += 1;
            entry.1 += 1;
        }
        let right = frame_right(&l.frame, got);
        if got.sure {
            score.sure.0 += 1;
            score.sure.1 += usize::from(!right);
        }
        if right {
            self.frames += 1;
        } else if score.errors.len() < 40 {
            score
                .errors
                .push((l.text.clone(), describe(&l.frame), describe(got)));
        }
    }

    /// One message's request fields against its label.
    fn count_fields(&mut self, found: &BTreeSet<Field>, labeled: &BTreeSet<Field>) {
        let (tp, fp, fneg) = self.fields.get_or_insert((0, 0, 0));
        *tp += found.intersection(labeled).count();
        *fp += found.difference(labeled).count();
        *fneg += labeled.difference(found).count();
    }

    /// The shares, F1 and reading times.
    fn finish(mut self, score: &mut ReaderScore) {
        let n = score.messages.max(1) as f64;
        score.topic_accuracy = self.topics as f64 / n;
        score.frame_accuracy = self.frames as f64 / n;
        score.request_f1 = self.fields.map(|(tp, fp, fneg)| {
            let p = tp as f64 / (tp + fp).max(1) as f64;
            let r = tp as f64 / (tp + fneg).max(1) as f64;
            if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            }
        });
        self.times.sort_by(|a, b| a.total_cmp(b));
        let at = |q: f64| {
            self.times
                .get(((self.times.len() as f64 - 1.0) * q).round() as usize)
                .copied()
        };
        score.median_ms = at(0.5).unwrap_or(0.0);
        score.p95_ms = at(0.95).unwrap_or(0.0);
    }
}

fn describe(f: &Frame) -> String {
    let mut out = f.topic.label().to_string();
    for v in [&f.faq, &f.product, &f.need].into_iter().flatten() {
        out.push(' ');
        out.push_str(v);
    }
    if let Some(a) = f.action {
        out.push_str(&format!(" {}", a.label()));
    }
    if let Some(p) = &f.property {
        out.push_str(&format!(" [{}]", p.label()));
    }
    if f.sure {
        out.push_str(" (sure)");
    }
    out
}

/// The scores as a table.
pub fn render(scores: &[ReaderScore]) -> String {
    let mut out =
        String::from("reader   messages  topic   frame   requests F1  median ms  p95 ms\n");
    for s in scores {
        out.push_str(&format!(
            "{:<8} {:>8}  {:.3}   {:.3}   {:>11}  {:>9.1}  {:>6.1}\n",
            format!("{:?}", s.reader).to_lowercase(),
            s.messages,
            s.topic_accuracy,
            s.frame_accuracy,
            s.request_f1
                .map(|f| format!("{f:.3}"))
                .unwrap_or_else(|| "–".into()),
            s.median_ms,
            s.p95_ms
        ));
    }
    for s in scores {
        let per: Vec<String> = s
            .per_topic
            .iter()
            .map(|(t, (n, ok))| format!("{t} {ok}/{n}"))
            .collect();
        out.push_str(&format!(
            "\n{:?} per topic: {}\nsure {} of {}, of them wrong {}\n",
            s.reader,
            per.join(", "),
            s.sure.0,
            s.messages,
            s.sure.1
        ));
        for (text, want, got) in s.errors.iter().take(15) {
            out.push_str(&format!("  {text:?}: labeled {want}, read {got}\n"));
        }
    }
    out
}
