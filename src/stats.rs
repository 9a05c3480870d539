//! `kefu stats`: how the bot is doing, from the conversations' figures
//! ([`crate::store::Measures`]): resolution and hand-off rates, CSAT, first
//! response times, overall, by channel and by what customers wanted.

use crate::store::{Conversation, Resolution, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The figures of the conversations started since `since`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stats {
    /// Conversations started at or after this (ms since epoch) count.
    pub since: u64,
    /// All of them.
    pub all: Figures,
    /// By channel.
    pub by_channel: BTreeMap<String, Figures>,
    /// By the customer's first intent.
    pub by_intent: BTreeMap<String, Figures>,
}

/// One group's figures.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Figures {
    /// Conversations started.
    pub conversations: u64,
    /// Resolved by the bot (confirmed or assumed).
    pub resolved_by_bot: u64,
    /// Closed by an operator.
    pub resolved_by_operator: u64,
    /// Left with a request open.
    pub abandoned: u64,
    /// Not over yet.
    pub open: u64,
    /// Went to a person at some point.
    pub handed_off: u64,
    /// Resolved by the bot, over all conversations.
    pub resolution_rate: f64,
    /// Went to a person, over all conversations.
    pub handoff_rate: f64,
    /// Satisfaction answers.
    pub csat_count: u64,
    /// Their average (1–5).
    pub csat_average: Option<f64>,
    /// Median milliseconds to the first reply.
    pub first_response_p50_ms: Option<u64>,
    /// 95th percentile of the same.
    pub first_response_p95_ms: Option<u64>,
    #[serde(skip)]
    first: Vec<u64>,
    #[serde(skip)]
    csat_sum: u64,
}

impl Figures {
    fn add(&mut self, conversation: &Conversation) {
        let m = &conversation.measures;
        self.conversations += 1;
        match &m.resolution {
            Resolution::Resolved { by, .. } if by == "bot" => self.resolved_by_bot += 1,
            Resolution::Resolved { .. } => self.resolved_by_operator += 1,
            Resolution::Abandoned { .. } => self.abandoned += 1,
            Resolution::Open => self.open += 1,
        }
        self.handed_off += u64::from(m.handed_off);
        if let Some(csat) = &m.csat {
            self.csat_count += 1;
            self.csat_sum += u64::from(csat.score);
        }
        if let Some(ms) = m.first_reply_ms {
            self.first.push(ms);
        }
    }

    fn finish(&mut self) {
        let n = self.conversations.max(1) as f64;
        self.resolution_rate = round(self.resolved_by_bot as f64 / n);
        self.handoff_rate = round(self.handed_off as f64 / n);
        self.csat_average =
            (self.csat_count > 0).then(|| round(self.csat_sum as f64 / self.csat_count as f64));
        self.first.sort_unstable();
        self.first_response_p50_ms = percentile(&self.first, 0.5);
        self.first_response_p95_ms = percentile(&self.first, 0.95);
    }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// The figures of conversations started at or after `since`.
pub fn compute(store: &Store, since: u64) -> anyhow::Result<Stats> {
    let mut stats = Stats {
        since,
        all: Figures::default(),
        by_channel: BTreeMap::new(),
        by_intent: BTreeMap::new(),
    };
    for conversation in store.conversations_without_turns()? {
        let started = conversation.measures.started;
        if started == 0 || started < since {
            continue;
        }
        stats.all.add(&conversation);
        stats
            .by_channel
            .entry(conversation.channel.to_string())
            .or_default()
            .add(&conversation);
        let intent = conversation
            .measures
            .intent
            .clone()
            .unwrap_or_else(|| "unknown".into());
        stats
            .by_intent
            .entry(intent)
            .or_default()
            .add(&conversation);
    }
    stats.all.finish();
    stats.by_channel.values_mut().for_each(Figures::finish);
    stats.by_intent.values_mut().for_each(Figures::finish);
    Ok(stats)
}

/// The figures as a table for people.
pub fn render(stats: &Stats) -> String {
    let mut out = String::from(
        "group                     convs  bot-resolved  handed-off  by-operator  abandoned  open  csat (n)     first reply p50/p95\n",
    );
    let mut row = |name: &str, f: &Figures| {
        let csat = f
            .csat_average
            .map_or("-".to_string(), |a| format!("{a:.2} ({})", f.csat_count));
        let ms =
            |v: Option<u64>| v.map_or("-".to_string(), |v| format!("{:.1}s", v as f64 / 1000.0));
        out.push_str(&format!(
            "{name:<25} {:>5}  {:>11.0}%  {:>9.0}%  {:>11}  {:>9}  {:>4}  {csat:<12} {}/{}\n",
            f.conversations,
            f.resolution_rate * 100.0,
            f.handoff_rate * 100.0,
            f.resolved_by_operator,
            f.abandoned,
            f.open,
            ms(f.first_response_p50_ms),
            ms(f.first_response_p95_ms),
        ));
    };
    row("all", &stats.all);
    for (channel, f) in &stats.by_channel {
        row(&format!("channel {channel}"), f);
    }
    for (intent, f) in &stats.by_intent {
        row(&format!("intent {intent}"), f);
    }
    out
}

/// Hand-offs shown in the digest, most frequent first.
const TOP_REASONS: usize = 5;
/// Low ratings shown in the digest.
const LOWEST: usize = 5;

/// The digest of conversations started since `since`: the figures, the
/// most frequent hand-off reasons and the lowest ratings with comments.
pub fn digest(store: &Store, since: u64) -> anyhow::Result<String> {
    let stats = compute(store, since)?;
    let all = &stats.all;
    let day = |ms: u64| {
        chrono::DateTime::from_timestamp_millis(ms as i64)
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    let csat = all.csat_average.map_or("no ratings".into(), |a| {
        format!("CSAT {a:.1} ({} ratings)", all.csat_count)
    });
    let mut out = format!(
        "📊 kefu digest since {}: {} conversations, {:.0}% resolved by the bot, {:.0}% handed off, {csat}\n",
        day(since),
        all.conversations,
        all.resolution_rate * 100.0,
        all.handoff_rate * 100.0,
    );
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    let mut low = Vec::new();
    for c in store.conversations_without_turns()? {
        let m = &c.measures;
        if m.started == 0 || m.started < since {
            continue;
        }
        if let Some(reason) = &m.handoff_reason {
            *reasons.entry(reason.clone()).or_default() += 1;
        }
        if let Some(csat) = m.csat.as_ref().filter(|r| r.score <= 3) {
            low.push((csat.score, c.id.clone(), csat.comment.clone()));
        }
    }
    let mut reasons: Vec<(String, u64)> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if !reasons.is_empty() {
        out.push_str("Top hand-off reasons:\n");
        for (reason, n) in reasons.iter().take(TOP_REASONS) {
            out.push_str(&format!("  {n}× {reason}\n"));
        }
    }
    low.sort();
    if !low.is_empty() {
        out.push_str("Lowest ratings:\n");
        for (score, id, comment) in low.iter().take(LOWEST) {
            let comment = comment
                .as_deref()
                .map(|c| format!(" \"{c}\""))
                .unwrap_or_default();
            out.push_str(&format!("  {score}/5 {id}{comment}\n"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_by_nearest_rank() {
        let values: Vec<u64> = (1..=20).collect();
        assert_eq!(percentile(&values, 0.5), Some(10));
        assert_eq!(percentile(&values, 0.95), Some(19));
        assert_eq!(percentile(&[7], 0.95), Some(7));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
