//! The reading score: how well a model reads this shop's messages, against
//! the rules. Messages are made from the shop's own data (each FAQ entry's
//! question in one language, questions about a few products, everyday
//! greetings, goodbyes, hand-offs, off-topic lines), so any shop can be
//! scored. With `llm.read = "auto"` the model reads only where the routed
//! reading scores at least the rules alone and the model alone reads at
//! least half right.

use super::{Frame, Reader, Topic};
use crate::llm::Engine;
use serde::{Deserialize, Serialize};

/// The model alone must read at least this share right.
const MODEL_FLOOR: f64 = 0.5;

/// A reading score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReadingScore {
    /// Messages read.
    pub total: usize,
    /// Share the rules alone read right.
    pub rules: f64,
    /// Share the model alone read right.
    pub model: f64,
    /// Share the routed reading read right.
    pub routed: f64,
    /// Median seconds of one model reading (the shop's static prompt
    /// already computed, after the first).
    #[serde(default)]
    pub median_secs: f64,
    /// Seconds of the first model reading, static prompt included.
    #[serde(default)]
    pub first_secs: f64,
}

impl ReadingScore {
    /// Whether the model may read (`llm.read = "auto"`).
    pub fn model_helps(&self) -> bool {
        self.total > 0 && self.routed >= self.rules && self.model >= MODEL_FLOOR
    }
}

/// One calibration message and what it is about.
struct Probe {
    text: String,
    topic: Topic,
    /// The FAQ id or product name it must name.
    key: Option<String>,
}

fn probes(reader: &Reader) -> Vec<Probe> {
    let knowledge = reader.knowledge_ref();
    let mut out = Vec::new();
    for (n, entry) in knowledge.faq_entries().iter().enumerate() {
        let text = if n % 2 == 0 {
            &entry.question_en
        } else {
            &entry.question_zh
        };
        out.push(Probe {
            text: text.clone(),
            topic: Topic::Faq,
            key: Some(entry.id.clone()),
        });
    }
    let products: Vec<_> = knowledge.products().collect();
    let step = (products.len() / 6).max(1);
    for product in products.iter().step_by(step).take(6) {
        let zh = knowledge.meta(product).name_zh;
        let texts = [
            format!("how much is the {}?", product.name.to_lowercase()),
            match zh {
                Some(zh) => format!("{zh}还有货吗"),
                None => format!("is the {} in stock", product.name),
            },
        ];
        for text in texts {
            out.push(Probe {
                text,
                topic: Topic::Product,
                key: Some(product.name.clone()),
            });
        }
    }
    let fixed: [(&str, Topic); 10] = [
        ("hi there", Topic::Greeting),
        ("你好呀", Topic::Greeting),
        ("thanks, that's all, bye", Topic::Goodbye),
        ("谢谢，再见", Topic::Goodbye),
        ("can I talk to a real person please", Topic::Handoff),
        ("转人工", Topic::Handoff),
        ("sing me a song about the sea", Topic::OffTopic),
        ("今天天气怎么样", Topic::OffTopic),
        ("where is my package? it has been a week", Topic::Order),
        ("我想退掉上周买的东西", Topic::Order),
    ];
    for (text, topic) in fixed {
        out.push(Probe {
            text: text.into(),
            topic,
            key: None,
        });
    }
    out
}

fn right(frame: &Frame, probe: &Probe) -> bool {
    let key = match probe.topic {
        Topic::Faq => frame.faq.as_ref(),
        Topic::Product => frame.product.as_ref(),
        _ => None,
    };
    frame.topic == probe.topic && key == probe.key.as_ref()
}

/// Score `engine` reading this shop's messages (one model request each);
/// `None` when the engine answered none of them (a server that is down).
pub async fn score(reader: &Reader, engine: &dyn Engine) -> Option<ReadingScore> {
    let probes = probes(reader);
    let (mut rules, mut model, mut routed, mut answered) = (0usize, 0usize, 0usize, 0usize);
    let mut times = Vec::new();
    for probe in &probes {
        let by_rules = reader.by_rules(&probe.text);
        let started = std::time::Instant::now();
        let (by_model, ok) = reader
            .model_reader()
            .read_answered(engine, &probe.text)
            .await;
        times.push(started.elapsed().as_secs_f64());
        answered += usize::from(ok);
        if answered == 0 && times.len() >= 3 {
            // Three failures and no answer: the engine is down, not bad.
            return None;
        }
        rules += usize::from(right(&by_rules.frame, probe));
        model += usize::from(by_model.as_ref().is_some_and(|f| right(f, probe)));
        let merged = if by_rules.frame.sure {
            by_rules
        } else {
            super::route::merge(by_rules, by_model)
        };
        routed += usize::from(right(&merged.frame, probe));
    }
    if answered == 0 {
        return None;
    }
    let share = |n: usize| n as f64 / probes.len().max(1) as f64;
    let first_secs = times.first().copied().unwrap_or(0.0);
    let mut rest = times.split_off(1.min(times.len()));
    rest.sort_by(|a, b| a.total_cmp(b));
    let median_secs = rest.get(rest.len() / 2).copied().unwrap_or(first_secs);
    Some(ReadingScore {
        median_secs,
        first_secs,
        total: probes.len(),
        rules: share(rules),
        model: share(model),
        routed: share(routed),
    })
}
