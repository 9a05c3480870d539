//! The embedded mistral.rs engine: a GGUF file loaded entirely offline.

use super::{ChatRequest, Completion, Engine, LlmError, PromptRole};
use async_trait::async_trait;
use mistralrs::{
    Constraint, GgufModelBuilder, Model, RequestBuilder, TextMessageRole, TokenSource,
};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A GGUF model running in-process.
pub struct MistralEngine {
    model: Model,
    path: PathBuf,
}

impl MistralEngine {
    /// Load `path` (tokenizer and chat template come from the GGUF itself).
    /// `max_concurrent` bounds how many sequences are decoded together.
    pub async fn load(path: &Path, max_concurrent: usize) -> Result<Self, LlmError> {
        check_gguf(path)?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file = path
            .file_name()
            .ok_or_else(|| LlmError::ModelMissing(path.to_path_buf()))?
            .to_string_lossy()
            .into_owned();
        let mut builder = GgufModelBuilder::new(dir.to_string_lossy(), vec![file])
            .with_token_source(TokenSource::None)
            .with_max_num_seqs(max_concurrent.max(1));
        if cfg!(feature = "cuda") {
            match mistralrs::Device::cuda_if_available(0) {
                Ok(device) if device.is_cuda() => tracing::info!("using CUDA device 0"),
                _ => {
                    tracing::warn!("built with CUDA but no GPU is usable; running on the CPU");
                    builder = builder.with_force_cpu();
                }
            }
        } else {
            builder = builder.with_force_cpu();
        }
        let model = builder.build().await.map_err(|e| LlmError::Load {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            model,
            path: path.to_path_buf(),
        })
    }
}

/// The file must exist and start with the GGUF magic, checked before the
/// (slow) engine start so a wrong path fails at once and clearly.
fn check_gguf(path: &Path) -> Result<(), LlmError> {
    let mut file =
        std::fs::File::open(path).map_err(|_| LlmError::ModelMissing(path.to_path_buf()))?;
    if !file.metadata().map(|m| m.is_file()).unwrap_or(false) {
        return Err(LlmError::ModelMissing(path.to_path_buf()));
    }
    let mut magic = [0u8; 4];
    match file.read_exact(&mut magic) {
        Ok(()) if &magic == b"GGUF" => Ok(()),
        _ => Err(LlmError::NotGguf(path.to_path_buf())),
    }
}

#[async_trait]
impl Engine for MistralEngine {
    fn describe(&self) -> String {
        format!("mistralrs:{}", self.path.display())
    }

    async fn chat(&self, request: ChatRequest) -> Result<Completion, LlmError> {
        let mut builder = RequestBuilder::new();
        for message in &request.messages {
            let role = match message.role {
                PromptRole::System => TextMessageRole::System,
                PromptRole::User => TextMessageRole::User,
                PromptRole::Assistant => TextMessageRole::Assistant,
            };
            builder = builder.add_message(role, &message.content);
        }
        builder = builder.set_sampler_max_len(request.max_tokens.max(1) as usize);
        if let Some(schema) = &request.json_schema {
            // llguidance would otherwise allow free whitespace, which a small
            // model fills until it runs out of tokens.
            let mut schema = schema.clone();
            schema["x-guidance"] = serde_json::json!({ "whitespace_flexible": false });
            builder = builder.set_constraint(Constraint::JsonSchema(schema));
        }
        if request.temperature > 0.0 {
            builder = builder
                .set_sampler_temperature(request.temperature)
                .set_sampler_topp(0.9);
        }
        let response = self
            .model
            .send_chat_request(builder)
            .await
            .map_err(|e| LlmError::Inference(e.to_string()))?;
        let text = response
            .choices
            .first()
            .and_then(|c| c.message.content.clone())
            .unwrap_or_default();
        let usage = response.usage;
        Ok(Completion {
            text,
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            prompt_secs: usage.total_prompt_time_sec as f64,
            completion_secs: usage.total_completion_time_sec as f64,
        })
    }
}
