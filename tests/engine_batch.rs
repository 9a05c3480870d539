//! Conversations answered at the same time are decoded in one batch by
//! mistral.rs. A batch must not change what any of them gets: greedy
//! replies through the real engine and model, alone and together, are the
//! same text. (mistral.rs 0.8.1's CPU attention gave every sequence of a
//! decoding batch the last one's attention; kefu's mistralrs-core fixes it.)

use kefu::config::LlmSettings;
use kefu::llm::{ChatRequest, Engine, MistralEngine, PromptMessage, PromptRole};

/// Prompts of equal token length (one-token words), so mistral.rs's
/// scheduler, which batches sequences of equal length, decodes them together.
const PROMPTS: [&str; 3] = [
    "Write two sentences about a red apple.",
    "Write two sentences about a blue ocean.",
    "Write two sentences about a green tree.",
];

fn request(prompt: &str) -> ChatRequest {
    ChatRequest {
        messages: vec![PromptMessage {
            role: PromptRole::User,
            content: prompt.to_string(),
        }],
        max_tokens: 24,
        temperature: 0.0,
        json_schema: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_decoded_together_equal_replies_decoded_alone() {
    // Every reply on an engine of its own, with an empty prefix cache: the
    // prompts share the chat template's opening, and a prompt whose start
    // comes from the cache is computed in other blocks of rows (or, when all
    // of it is cached, by the decoding path), whose float rounding differs
    // enough to flip a near-tie of a 135M model's greedy choice.
    let load = || async {
        MistralEngine::load(&LlmSettings::default())
            .await
            .expect("the default model (scripts/fetch-model)")
    };
    let mut alone = Vec::new();
    for prompt in PROMPTS {
        let engine = load().await;
        alone.push(engine.chat(request(prompt)).await.unwrap());
    }
    let texts: Vec<&str> = alone.iter().map(|c| c.text.as_str()).collect();
    assert!(texts.iter().all(|t| !t.trim().is_empty()), "{texts:?}");
    // Different prompts, different replies: otherwise a mixed-up batch
    // could not show.
    assert_ne!(texts[0], texts[1]);
    assert_ne!(texts[1], texts[2]);
    let lengths: Vec<usize> = alone.iter().map(|c| c.prompt_tokens).collect();
    assert!(
        lengths.windows(2).all(|w| w[0] == w[1]),
        "prompts must tokenize to equal lengths to batch: {lengths:?}"
    );

    let engine = load().await;
    let together = futures::future::join_all(PROMPTS.iter().map(|p| engine.chat(request(p)))).await;
    for (got, want) in together.into_iter().zip(&alone) {
        assert_eq!(got.unwrap().text, want.text);
    }
}
