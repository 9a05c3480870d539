//! What the daemon counts, for `GET /metrics` (Prometheus text format,
//! through the `prometheus` crate). One registry per process: every
//! counter is recorded where the event happens (the dispatcher after a
//! commit, the outbox after a send, the desk after an operator's action).

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};
use std::sync::LazyLock;

/// The daemon's metrics.
pub struct Metrics {
    registry: Registry,
    /// Conversations started, by channel.
    pub conversations: IntCounterVec,
    /// Replies stored, by source (`model`: the model's wording passed the
    /// guard; `template`: the plain answer; `operator`: a person).
    pub replies: IntCounterVec,
    /// Hand-offs to a person, by reason.
    pub handoffs: IntCounterVec,
    /// Conversations resolved, by who (`bot`, `operator`) and how
    /// (`confirmed`, `assumed`); and abandoned ones (`who="customer"`).
    pub outcomes: IntCounterVec,
    /// Seconds from a conversation's first message to its first reply.
    pub first_response: Histogram,
    /// Seconds from a message stored to its reply stored, by channel.
    pub reply_latency: HistogramVec,
    /// Model tokens, by kind (`prompt`, `completion`).
    pub llm_tokens: IntCounterVec,
    /// Seconds the model spent, by phase (`prompt`, `completion`).
    pub llm_seconds: prometheus::CounterVec,
    /// Order actions, by kind (`cancel`, `return`, …) and result (`done`,
    /// `refused`, `declined`).
    pub actions: IntCounterVec,
    /// Replies waiting to be sent.
    pub outbox_queue: IntGauge,
    /// Failed send attempts, by channel.
    pub send_failures: IntCounterVec,
    /// Replies given up as dead letters, by channel.
    pub dead_letters: IntCounterVec,
    /// Satisfaction answers, by score (1–5).
    pub csat: IntCounterVec,
    /// Messages with media (photos, files, voice, stickers…), by channel
    /// and kind.
    pub media: IntCounterVec,
}

/// The process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let counter = IntCounterVec::new(Opts::new(name, help), labels).expect("a valid metric");
    registry
        .register(Box::new(counter.clone()))
        .expect("registered once");
    counter
}

/// Buckets for response times: 50 ms to an hour (a person answering).
const SECONDS: [f64; 14] = [
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0,
];

impl Metrics {
    fn new() -> Self {
        let registry = Registry::new_custom(Some("kefu".into()), None).expect("a valid prefix");
        let first_response = Histogram::with_opts(
            HistogramOpts::new(
                "first_response_seconds",
                "Seconds from a conversation's first message to its first reply",
            )
            .buckets(SECONDS.to_vec()),
        )
        .expect("a valid metric");
        registry
            .register(Box::new(first_response.clone()))
            .expect("registered once");
        let reply_latency = HistogramVec::new(
            HistogramOpts::new(
                "reply_latency_seconds",
                "Seconds from a message stored to its reply stored",
            )
            .buckets(SECONDS.to_vec()),
            &["channel"],
        )
        .expect("a valid metric");
        registry
            .register(Box::new(reply_latency.clone()))
            .expect("registered once");
        let llm_seconds = prometheus::CounterVec::new(
            Opts::new("llm_seconds_total", "Seconds the model spent, by phase"),
            &["phase"],
        )
        .expect("a valid metric");
        registry
            .register(Box::new(llm_seconds.clone()))
            .expect("registered once");
        let outbox_queue =
            IntGauge::new("outbox_queue", "Replies waiting to be sent").expect("a valid metric");
        registry
            .register(Box::new(outbox_queue.clone()))
            .expect("registered once");
        Self {
            conversations: counter(
                &registry,
                "conversations_started_total",
                "Conversations started, by channel",
                &["channel"],
            ),
            replies: counter(
                &registry,
                "replies_total",
                "Replies stored, by source (model, template, operator)",
                &["source"],
            ),
            handoffs: counter(
                &registry,
                "handoffs_total",
                "Hand-offs to a person, by reason",
                &["reason"],
            ),
            outcomes: counter(
                &registry,
                "outcomes_total",
                "Conversation outcomes, by who resolved them and how",
                &["who", "how"],
            ),
            first_response,
            reply_latency,
            llm_tokens: counter(
                &registry,
                "llm_tokens_total",
                "Model tokens, by kind",
                &["kind"],
            ),
            llm_seconds,
            actions: counter(
                &registry,
                "order_actions_total",
                "Order actions, by kind and result",
                &["kind", "result"],
            ),
            outbox_queue,
            send_failures: counter(
                &registry,
                "send_failures_total",
                "Failed send attempts, by channel",
                &["channel"],
            ),
            dead_letters: counter(
                &registry,
                "dead_letters_total",
                "Replies given up as dead letters, by channel",
                &["channel"],
            ),
            csat: counter(
                &registry,
                "csat_responses_total",
                "Satisfaction answers, by score",
                &["score"],
            ),
            media: counter(
                &registry,
                "media_messages_total",
                "Messages with media (photos, files, voice, stickers, unreadable kinds), by channel and kind",
                &["channel", "kind"],
            ),
            registry,
        }
    }

    /// Everything, in Prometheus's text format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let encoder = TextEncoder::new();
        if let Err(e) = encoder.encode(&self.registry.gather(), &mut out) {
            tracing::error!("cannot encode the metrics: {e}");
        }
        String::from_utf8(out).unwrap_or_default()
    }

    /// Count what a stored reply's annotations say: its source, the
    /// model's tokens and time, the order actions it reports.
    pub fn record_reply(&self, annotations: &serde_json::Map<String, serde_json::Value>) {
        // (A Map panics on a missing key: read it with `get`.)
        if let Some(guard) = annotations.get("guard") {
            let source = match guard["source"].as_str() {
                Some("llm") => "model",
                _ => "template",
            };
            self.replies.with_label_values(&[source]).inc();
        }
        if let Some(llm) = annotations.get("llm") {
            for kind in ["prompt", "completion"] {
                if let Some(tokens) = llm[format!("{kind}_tokens")].as_u64() {
                    self.llm_tokens.with_label_values(&[kind]).inc_by(tokens);
                }
                if let Some(secs) = llm[format!("{kind}_secs")].as_f64() {
                    self.llm_seconds.with_label_values(&[kind]).inc_by(secs);
                }
            }
        }
        for action in annotations
            .get("actions")
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
        {
            let state = action["state"].as_str().unwrap_or_default();
            if matches!(state, "done" | "refused" | "declined") {
                let kind = action["action"].as_str().unwrap_or("other");
                self.actions.with_label_values(&[kind, state]).inc();
            }
        }
    }
}
