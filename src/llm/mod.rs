//! Language-model engines behind one small trait.
//!
//! The embedded engine (`mistralrs`) loads a GGUF file; one loaded model is
//! shared by every conversation and requests run concurrently (mistral.rs
//! batches them).

mod mistral;
mod openai;
mod timed;

pub use mistral::MistralEngine;
pub use openai::OpenAiEngine;
pub use timed::TimedEngine;

use crate::config::{EngineKind, LlmSettings};
use async_trait::async_trait;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

/// Who speaks a message in a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PromptRole {
    /// Instructions and facts.
    System,
    /// The customer.
    User,
    /// kefu's earlier replies.
    Assistant,
}

/// One message of a prompt.
#[derive(Debug, Clone, Serialize)]
pub struct PromptMessage {
    /// Who speaks.
    pub role: PromptRole,
    /// What is said.
    pub content: String,
}

/// A chat request to an engine.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    /// The prompt, oldest message first.
    pub messages: Vec<PromptMessage>,
    /// Most tokens to generate.
    pub max_tokens: u32,
    /// Sampling temperature; 0 is greedy.
    pub temperature: f64,
    /// When set, the output must be JSON matching this JSON Schema
    /// (constrained decoding; used by the NLU to classify unsure messages).
    pub json_schema: Option<serde_json::Value>,
}

/// What an engine produced, with its timings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Completion {
    /// The generated text.
    pub text: String,
    /// Tokens in the prompt.
    pub prompt_tokens: usize,
    /// Tokens generated.
    pub completion_tokens: usize,
    /// Seconds spent on the prompt (time to first token).
    pub prompt_secs: f64,
    /// Seconds spent generating.
    pub completion_secs: f64,
}

/// An engine failure.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// The model file does not exist.
    #[error("model file {0} not found; run scripts/fetch-model or set llm.model to a GGUF file")]
    ModelMissing(PathBuf),
    /// The file is not a GGUF model.
    #[error("model file {0} is not a GGUF file (it lacks the GGUF magic bytes)")]
    NotGguf(PathBuf),
    /// Loading failed inside the engine.
    #[error("cannot load model {path}: {reason}")]
    Load {
        /// The model file.
        path: PathBuf,
        /// The engine's reason.
        reason: String,
    },
    /// A request failed.
    #[error("inference failed: {0}")]
    Inference(String),
    /// The engine's settings are unusable.
    #[error("{0}")]
    Config(String),
}

/// Something that turns a prompt into text.
#[async_trait]
pub trait Engine: Send + Sync {
    /// A short description for logs (`mistralrs:SmolLM2-….gguf`).
    fn describe(&self) -> String;

    /// Generate a reply to `request`.
    async fn chat(&self, request: ChatRequest) -> Result<Completion, LlmError>;
}

/// Build the configured engine. Fails before anything else starts when the
/// model is missing or unusable.
pub async fn build_engine(settings: &LlmSettings) -> anyhow::Result<Arc<dyn Engine>> {
    let engine = build_inner(settings).await?;
    Ok(match settings.timeout_secs {
        0 => engine,
        secs => Arc::new(TimedEngine::new(
            engine,
            std::time::Duration::from_secs(secs),
        )),
    })
}

async fn build_inner(settings: &LlmSettings) -> anyhow::Result<Arc<dyn Engine>> {
    match settings.engine {
        EngineKind::Mistralrs => Ok(Arc::new(MistralEngine::load(settings).await?)),
        EngineKind::Openai => {
            let key = settings.api_key.expose();
            let key = (!key.is_empty()).then(|| key.to_string());
            Ok(Arc::new(OpenAiEngine::new(
                &settings.base_url,
                key,
                &settings.model_name,
            )?))
        }
    }
}
