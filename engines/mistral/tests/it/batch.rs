//! Conversations answered at the same time are decoded in one batch by
//! mistral.rs. A batch must not change what any of them gets: greedy
//! replies through the real engine and model, alone and together, are the
//! same text. (mistral.rs 0.8.1's CPU attention gave every sequence of a
//! decoding batch the last one's attention; kefu's mistralrs-core fixes it.)

use crate::options;
use kefu_engine::{ChatRequest, Engine, PromptMessage, PromptRole};
use kefu_engine_mistral::MistralEngine;

/// Prompts of equal token length (one-token words), so mistral.rs's default
/// scheduler, which without paged attention batches only sequences of equal
/// length, decodes them together.
const PROMPTS: [&str; 3] = [
    "Write two sentences about a red apple.",
    "Write two sentences about a blue ocean.",
    "Write two sentences about a green tree.",
];

/// (system, customer) pairs that tokenize to different lengths and differ
/// from their first words, so no two share a block of the prefix cache.
const UNEQUAL: [(&str, &str); 3] = [
    ("Tea shop.", "Which tea helps me sleep?"),
    (
        "You answer for a bicycle shop in Lyon. Be brief and friendly.",
        "My new bike chain squeaks after rain. What should I do about it?",
    ),
    (
        "Garden centre assistant: you know roses, tulips, hedges, lawns and compost, and you \
         answer in two sentences, politely, without inventing prices.",
        "When should I plant tulip bulbs, and how deep?",
    ),
];

fn request(prompt: &str) -> ChatRequest {
    conversation(None, prompt)
}

fn conversation(system: Option<&str>, prompt: &str) -> ChatRequest {
    let system = system.map(|content| PromptMessage {
        role: PromptRole::System,
        content: content.to_string(),
    });
    ChatRequest {
        messages: system
            .into_iter()
            .chain([PromptMessage {
                role: PromptRole::User,
                content: prompt.to_string(),
            }])
            .collect(),
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
    // Without paged attention: one KV cache per sequence.
    let settings = kefu_engine_mistral::MistralOptions {
        paged_attention: false,
        ..options()
    };
    let load = || async {
        MistralEngine::load(&settings)
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

/// With paged attention (the default) conversations of different lengths
/// share the decoding steps; each must still get what it gets alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_of_unequal_prompts_decoded_together_equal_replies_alone() {
    let settings = options();
    assert!(settings.paged_attention, "paged attention is the default");
    let load = || async {
        MistralEngine::load(&settings)
            .await
            .expect("the default model (scripts/fetch-model)")
    };
    let mut alone = Vec::new();
    for (system, prompt) in UNEQUAL {
        let engine = load().await;
        alone.push(
            engine
                .chat(conversation(Some(system), prompt))
                .await
                .unwrap(),
        );
    }
    let lengths: Vec<usize> = alone.iter().map(|c| c.prompt_tokens).collect();
    assert!(
        lengths[0] < lengths[1] && lengths[1] < lengths[2],
        "prompts of different lengths: {lengths:?}"
    );
    let texts: Vec<&str> = alone.iter().map(|c| c.text.as_str()).collect();
    assert!(texts.iter().all(|t| !t.trim().is_empty()), "{texts:?}");
    assert_ne!(texts[0], texts[1]);
    assert_ne!(texts[1], texts[2]);

    let engine = load().await;
    let together = futures::future::join_all(
        UNEQUAL
            .iter()
            .map(|(system, prompt)| engine.chat(conversation(Some(system), prompt))),
    )
    .await;
    for (got, want) in together.into_iter().zip(&alone) {
        assert_eq!(got.unwrap().text, want.text);
    }
}
