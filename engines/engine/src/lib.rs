//! kefu's language-model seam: the [`Engine`] trait, the prompt and
//! completion types every engine speaks, a time limit that wraps any engine
//! ([`TimedEngine`]), and the OpenAI-compatible HTTP engine
//! ([`OpenAiEngine`], feature `openai`).
//!
//! The embedded mistral.rs engine lives in its own crate
//! (`kefu-engine-mistral`), so a build that talks to a model served
//! elsewhere compiles no inference code at all.

#[cfg(feature = "openai")]
mod openai;
mod timed;

#[cfg(feature = "openai")]
pub use openai::OpenAiEngine;
pub use timed::TimedEngine;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

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

/// The number type of the embedded engine's activations (`llm.dtype`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivationDType {
    /// The engine's choice: BF16 on current CPUs and GPUs, else F16 or F32.
    #[default]
    Auto,
    /// 32-bit floats.
    F32,
    /// 16-bit floats.
    F16,
    /// bfloat16.
    Bf16,
}
