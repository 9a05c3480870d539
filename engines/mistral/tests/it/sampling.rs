//! `llm.temperature` through the real engine and model: above 0 the engine
//! samples, so the same request gets different replies. (mistral.rs starts
//! every request at top-k 1, which made any temperature greedy until kefu
//! lifted it.) That 0, the default, gives the same reply every time is
//! shown by the batch module (batch.rs), alone and in batches.

use crate::options;
use kefu_engine::{ChatRequest, Engine, PromptMessage, PromptRole};
use kefu_engine_mistral::MistralEngine;
use std::collections::HashSet;

fn request(temperature: f64) -> ChatRequest {
    ChatRequest {
        messages: vec![PromptMessage {
            role: PromptRole::User,
            content: "Write a short story about a cat who runs a shop.".to_string(),
        }],
        max_tokens: 16,
        temperature,
        json_schema: None,
    }
}

/// The distinct texts of `n` replies to the same request.
async fn replies(engine: &MistralEngine, temperature: f64, n: usize) -> HashSet<String> {
    let mut texts = HashSet::new();
    for _ in 0..n {
        let reply = engine.chat(request(temperature)).await.unwrap();
        assert!(
            !reply.text.trim().is_empty(),
            "empty reply at {temperature}"
        );
        texts.insert(reply.text);
    }
    texts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temperature_above_zero_samples() {
    let settings = options();
    let engine = MistralEngine::load(&settings)
        .await
        .expect("the default model (scripts/fetch-model)");
    // Six draws of 16 words at temperature 1.5 from a 135M model: all equal
    // would take the same word at each of ~100 draws.
    let sampled = replies(&engine, 1.5, 6).await;
    assert!(sampled.len() > 1, "sampled replies all equal: {sampled:?}");
}
