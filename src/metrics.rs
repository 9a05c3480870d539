//! What the daemon counts, for `GET /metrics` (Prometheus text format,
//! through the `prometheus` crate). One registry per process: every
//! counter is recorded where the event happens (the dispatcher after a
//! commit, the outbox after a send, the desk after an operator's action).

use crate::dialogue::ActionState;
use crate::pipeline::Annotations;
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

/// Register `metric` in `registry`; gives it back to be kept.
fn register<M: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: M) -> M {
    registry
        .register(Box::new(metric.clone()))
        .expect("registered once");
    metric
}

/// Buckets for response times: 50 ms to an hour (a person answering).
const SECONDS: [f64; 14] = [
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0,
];

/// The counters as (name, help, labels), in the order [`Metrics::new`]
/// takes them.
const COUNTERS: [(&str, &str, &[&str]); 10] = [
    ("conversations_started_total", "Conversations started, by channel", &["channel"]),
    ("replies_total", "Replies stored, by source (model, template, operator)", &["source"]),
    ("handoffs_total", "Hand-offs to a person, by reason", &["reason"]),
    ("outcomes_total", "Conversation outcomes, by who resolved them and how", &["who", "how"]),
    ("llm_tokens_total", "Model tokens, by kind", &["kind"]),
    ("order_actions_total", "Order actions, by kind and result", &["kind", "result"]),
    ("send_failures_total", "Failed send attempts, by channel", &["channel"]),
    ("dead_letters_total", "Replies given up as dead letters, by channel", &["channel"]),
    ("csat_responses_total", "Satisfaction answers, by score", &["score"]),
    (
        "media_messages_total",
        "Messages with media (photos, files, voice, stickers, unreadable kinds), by channel and kind",
        &["channel", "kind"],
    ),
];

impl Metrics {
    fn new() -> Self {
        let registry = Registry::new_custom(Some("kefu".into()), None).expect("a valid prefix");
        let [conversations, replies, handoffs, outcomes, llm_tokens, actions, send_failures, dead_letters, csat, media] =
            COUNTERS.map(|(name, help, labels)| {
                let counter =
                    IntCounterVec::new(Opts::new(name, help), labels).expect("a valid metric");
                register(&registry, counter)
            });
        let seconds =
            |name: &str, help: &str| HistogramOpts::new(name, help).buckets(SECONDS.to_vec());
        let first_response = Histogram::with_opts(seconds(
            "first_response_seconds",
            "Seconds from a conversation's first message to its first reply",
        ))
        .expect("a valid metric");
        let reply_latency = HistogramVec::new(
            seconds(
                "reply_latency_seconds",
                "Seconds from a message stored to its reply stored",
            ),
            &["channel"],
        )
        .expect("a valid metric");
        let llm_seconds = prometheus::CounterVec::new(
            Opts::new("llm_seconds_total", "Seconds the model spent, by phase"),
            &["phase"],
        )
        .expect("a valid metric");
        let outbox_queue =
            IntGauge::new("outbox_queue", "Replies waiting to be sent").expect("a valid metric");
        Self {
            conversations,
            replies,
            handoffs,
            outcomes,
            first_response: register(&registry, first_response),
            reply_latency: register(&registry, reply_latency),
            llm_tokens,
            llm_seconds: register(&registry, llm_seconds),
            actions,
            outbox_queue: register(&registry, outbox_queue),
            send_failures,
            dead_letters,
            csat,
            media,
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

    /// Count what a reply's annotations say: its source, the model's
    /// tokens and time, the order actions it reports.
    pub fn record_reply(&self, annotations: &Annotations) {
        if let Some(guard) = &annotations.guard {
            self.replies.with_label_values(&[guard.source()]).inc();
        }
        if let Some(Ok(completion)) = annotations.llm.as_ref().map(|l| &l.completion) {
            let counts = [
                ("prompt", completion.prompt_tokens, completion.prompt_secs),
                (
                    "completion",
                    completion.completion_tokens,
                    completion.completion_secs,
                ),
            ];
            for (kind, tokens, secs) in counts {
                self.llm_tokens
                    .with_label_values(&[kind])
                    .inc_by(tokens as u64);
                self.llm_seconds.with_label_values(&[kind]).inc_by(secs);
            }
        }
        for action in annotations.actions.iter().flatten() {
            // A proposal is counted once it is done, declined or refused.
            if action.state != ActionState::Proposed {
                let state = action.state.as_str();
                self.actions
                    .with_label_values(&[&action.action, state])
                    .inc();
            }
        }
    }
}
