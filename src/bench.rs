//! `kefu bench`: measures the configured engine exactly as the daemon uses
//! it: model load time, time to first token, decode and prompt speed, and
//! throughput and latency with several conversations at once.

use crate::app::build_engine;
use crate::config::Settings;
use crate::llm::{ChatRequest, Completion, Engine, PromptMessage, PromptRole};
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

/// One concurrency level's figures.
#[derive(Debug, Serialize)]
pub struct ConcurrencyResult {
    /// Conversations answered at once.
    pub conversations: usize,
    /// Generated tokens per second over all conversations.
    pub aggregate_tokens_per_sec: f64,
    /// Median reply latency, seconds.
    pub p50_latency_secs: f64,
    /// 95th percentile reply latency, seconds.
    pub p95_latency_secs: f64,
}

/// Everything `kefu bench --json` prints.
#[derive(Debug, Serialize)]
pub struct BenchReport {
    /// The engine and model.
    pub engine: String,
    /// Seconds to load the model.
    pub load_secs: f64,
    /// Seconds until the first token of a short chat turn.
    pub time_to_first_token_secs: f64,
    /// Tokens per second while decoding one conversation.
    pub decode_tokens_per_sec: f64,
    /// Tokens in the realistic reply prompt.
    pub prompt_tokens: usize,
    /// Tokens per second processing that prompt.
    pub prompt_tokens_per_sec: f64,
    /// Seconds to answer the next question of the same conversation (one
    /// token), whose system prompt and history the prefix cache holds.
    pub cached_prefix_reply_secs: f64,
    /// Threads the CPU kernels use (`RAYON_NUM_THREADS`, else every core).
    pub cpu_threads: usize,
    /// Throughput and latency at 1, 4 and 8 conversations.
    pub concurrency: Vec<ConcurrencyResult>,
    /// Bytes of weights read per decoded token (the model file's size, for
    /// an embedded model) times decode speed, GB/s: what decoding streams.
    pub decode_gb_per_sec: Option<f64>,
    /// This machine's memory bandwidth, GB/s: a streaming read of 512 MiB
    /// on `cpu_threads` threads, best of three. Decode cannot beat it.
    pub memory_gb_per_sec: f64,
    /// Resident memory after the runs, MiB.
    pub rss_mib: f64,
    /// Peak resident memory, MiB.
    pub peak_rss_mib: f64,
    /// Calibration drafts the guard let through (`llm.phrase = "auto"`
    /// phrases only at or above `llm.phrase_threshold` of them).
    pub phrase_score: crate::pipeline::PhraseScore,
    /// How the model reads the sample shop's probes against the rules, and
    /// how long a reading takes (`None`: the model answered none).
    pub reading: Option<crate::nlu::reading::score::ReadingScore>,
}

/// Tokens generated per measured reply.
const DECODE_TOKENS: u32 = 128;

/// Run the benchmark on the configured engine.
pub async fn run(settings: &Settings) -> anyhow::Result<BenchReport> {
    let started = Instant::now();
    let engine = build_engine(&settings.llm).await?;
    let load_secs = started.elapsed().as_secs_f64();

    // Warm-up: first calls allocate caches.
    engine.chat(short_turn()).await?;

    let one = engine.chat(short_turn()).await?;
    let decode = engine.chat(story(0)).await?;
    // One generated token: the wall time is (almost all) prompt processing.
    // Measured from outside because engines report prompt time unevenly
    // (mistral.rs reports none when generation stops after one token).
    let started = std::time::Instant::now();
    let prompt = engine.chat(reply_prompt()).await?;
    let prompt_wall_secs = started.elapsed().as_secs_f64();
    // The same conversation one question later: only the new turn is
    // computed when the prefix cache holds the rest.
    let started = std::time::Instant::now();
    engine.chat(reply_prompt_next()).await?;
    let cached_prefix_reply_secs = started.elapsed().as_secs_f64();

    let mut concurrency = Vec::new();
    for n in [1, 4, 8] {
        concurrency.push(concurrent(&engine, n).await?);
    }
    let prompts = crate::prompts::Prompts::load(settings.prompts.dir.as_deref())?;
    let phraser = crate::pipeline::Phraser {
        engine: engine.as_ref(),
        prompts: &prompts,
        shop_name: &settings.shop.name,
        max_tokens: settings.llm.max_tokens,
        temperature: settings.llm.temperature,
    };
    let phrase_score = crate::pipeline::phrase_score_with(&phraser).await;
    let (reader, _) = crate::app::files_reader(settings, crate::nlu::reading::ReadMode::Always)?;
    let reading = crate::nlu::reading::score::score(&reader, engine.as_ref()).await;
    let (rss_mib, peak_rss_mib) = memory_mib();
    let decode_tokens_per_sec = per_sec(decode.completion_tokens, decode.completion_secs);
    let weights = (settings.llm.engine == crate::config::EngineKind::Mistralrs)
        .then(|| std::fs::metadata(&settings.llm.model).ok())
        .flatten()
        .map(|m| m.len() as f64);
    Ok(BenchReport {
        engine: engine.describe(),
        load_secs,
        time_to_first_token_secs: one.prompt_secs,
        decode_tokens_per_sec,
        decode_gb_per_sec: weights.map(|bytes| bytes * decode_tokens_per_sec / 1e9),
        memory_gb_per_sec: memory_bandwidth_gb_per_sec(cpu_threads()),
        prompt_tokens: prompt.prompt_tokens,
        prompt_tokens_per_sec: per_sec(prompt.prompt_tokens, prompt_wall_secs),
        cached_prefix_reply_secs,
        cpu_threads: cpu_threads(),
        concurrency,
        rss_mib,
        peak_rss_mib,
        phrase_score,
        reading,
    })
}

async fn concurrent(engine: &Arc<dyn Engine>, n: usize) -> anyhow::Result<ConcurrencyResult> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let engine = engine.clone();
            tokio::spawn(async move {
                let t = Instant::now();
                let completion: Completion = engine.chat(story(i)).await?;
                anyhow::Ok((completion.completion_tokens, t.elapsed().as_secs_f64()))
            })
        })
        .collect();
    let mut tokens = 0;
    let mut latencies = Vec::new();
    for task in tasks {
        let (t, latency) = task.await??;
        tokens += t;
        latencies.push(latency);
    }
    let wall = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    Ok(ConcurrencyResult {
        conversations: n,
        aggregate_tokens_per_sec: per_sec(tokens, wall),
        p50_latency_secs: percentile(&latencies, 0.50),
        p95_latency_secs: percentile(&latencies, 0.95),
    })
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn per_sec(tokens: usize, secs: f64) -> f64 {
    if secs > 0.0 {
        tokens as f64 / secs
    } else {
        0.0
    }
}

fn message(role: PromptRole, content: &str) -> PromptMessage {
    PromptMessage {
        role,
        content: content.to_string(),
    }
}

fn short_turn() -> ChatRequest {
    ChatRequest {
        messages: vec![message(PromptRole::User, "Hello! Are you open today?")],
        max_tokens: 16,
        temperature: 0.0,
        json_schema: None,
    }
}

/// A request that makes the model write at length (different per
/// conversation, so no two share a cache entry).
fn story(i: usize) -> ChatRequest {
    let topics = [
        "a lighthouse",
        "a tea shop",
        "a lost parcel",
        "a bicycle",
        "a winter market",
        "a river",
        "a robot",
        "a garden",
    ];
    ChatRequest {
        messages: vec![message(
            PromptRole::User,
            &format!(
                "Write a long, detailed story about {}.",
                topics[i % topics.len()]
            ),
        )],
        max_tokens: DECODE_TOKENS,
        temperature: 0.0,
        json_schema: None,
    }
}

/// A prompt shaped like a real reply: instructions, shop facts, the
/// customer's profile and a few turns of history.
fn reply_prompt() -> ChatRequest {
    let system = "You are the customer service assistant of Kefu Demo Shop. Today is 2026-11-22.\n\
        Reply in English, in one to three short, polite sentences. Only state facts given here.\n\
        Facts: order #W4817420 (status: delivered on 2026-11-18; items: Trail Running Shoe, size 42, \
        blue, $89.90; tracking 718293047561). Return window: 30 days from delivery; refunds go to the \
        original payment method (credit card ending 4417) within 5-7 business days. Exchange: same \
        product, another available variant (size 43 blue available, $89.90).\n\
        Customer: Li Wei, verified by email; 6 orders since 2024, mostly sports and outdoor; prefers \
        short answers; mood: neutral.";
    ChatRequest {
        messages: vec![
            message(PromptRole::System, system),
            message(PromptRole::User, "Hi, I got my running shoes but they are too small."),
            message(PromptRole::Assistant, "I'm sorry to hear that. Could you tell me your order number?"),
            message(PromptRole::User, "It's W4817420. Can I swap them for a bigger size?"),
            message(PromptRole::Assistant, "Yes, size 43 in blue is available at the same price. Shall I request the exchange?"),
            message(PromptRole::User, "What would the difference in price be, and how long does it take?"),
        ],
        max_tokens: 1,
        temperature: 0.0,
        json_schema: None,
    }
}

/// The reply prompt after the customer's next question.
fn reply_prompt_next() -> ChatRequest {
    let mut request = reply_prompt();
    request.messages.push(message(
        PromptRole::Assistant,
        "There is no difference in price; the exchange takes 5-7 business days.",
    ));
    request.messages.push(message(
        PromptRole::User,
        "Great, please go ahead with size 43.",
    ));
    request
}

/// Threads candle's CPU kernels use: `RAYON_NUM_THREADS`, else one per core.
fn cpu_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A streaming read of 512 MiB split over `threads` threads, best of three
/// passes, in GB/s: the bound on decoding, which reads every weight once
/// per token.
fn memory_bandwidth_gb_per_sec(threads: usize) -> f64 {
    const BYTES: usize = 512 << 20;
    let words = vec![1u64; BYTES / 8];
    let chunk = words.len().div_ceil(threads.max(1));
    let mut best = f64::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let sum: u64 = std::thread::scope(|scope| {
            let parts: Vec<_> = words
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().fold(0u64, |a, w| a.wrapping_add(*w))))
                .collect();
            parts.into_iter().map(|p| p.join().unwrap_or(0)).sum()
        });
        std::hint::black_box(sum);
        best = best.min(started.elapsed().as_secs_f64());
    }
    BYTES as f64 / best / 1e9
}

/// Current and peak resident memory of this process, MiB (Linux).
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A human-readable rendering of the report.
pub fn render(report: &BenchReport) -> String {
    let mut out = format!(
        "engine            {}\nmodel load        {:.2} s\ntime to 1st token {:.3} s\ndecode            {:.1} tok/s\nprompt            {:.1} tok/s ({} tokens)\nnext turn, cached {:.3} s\ncpu threads       {}\n",
        report.engine,
        report.load_secs,
        report.time_to_first_token_secs,
        report.decode_tokens_per_sec,
        report.prompt_tokens_per_sec,
        report.prompt_tokens,
        report.cached_prefix_reply_secs,
        report.cpu_threads
    );
    for c in &report.concurrency {
        out += &format!(
            "{} conversations   {:.1} tok/s aggregate, latency p50 {:.2} s, p95 {:.2} s\n",
            c.conversations, c.aggregate_tokens_per_sec, c.p50_latency_secs, c.p95_latency_secs
        );
    }
    if let Some(gbs) = report.decode_gb_per_sec {
        out += &format!(
            "decode bandwidth  {:.1} GB/s of weights, {:.0}% of the memory's {:.1} GB/s\n",
            gbs,
            100.0 * gbs / report.memory_gb_per_sec.max(f64::EPSILON),
            report.memory_gb_per_sec
        );
    }
    out += &format!(
        "memory            {:.0} MiB resident, {:.0} MiB peak\n",
        report.rss_mib, report.peak_rss_mib
    );
    out += &format!(
        "phrasing          {} of {} calibration drafts pass the guard\n",
        report.phrase_score.passed, report.phrase_score.total
    );
    match &report.reading {
        Some(r) => {
            out +=
                &format!(
                "reading           {} probes right: model {:.2}, rules {:.2}, routed {:.2} ({})\n",
                r.total,
                r.model,
                r.rules,
                r.routed,
                if r.model_helps() { "the model reads" } else { "the rules read alone" }
            );
            out += &format!(
                "reading time      first {:.2} s (static prompt computed), then median {:.2} s\n",
                r.first_secs, r.median_secs
            );
        }
        None => out += "reading           the model answered no reading request\n",
    }
    out
}
