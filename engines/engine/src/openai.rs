//! The OpenAI-compatible HTTP engine: `POST {base_url}/chat/completions`.
//!
//! For a shop that serves its model elsewhere (mistral.rs server, vLLM,
//! llama.cpp server on a GPU box, or a fleet behind a load balancer). The
//! prompt is built exactly as for the embedded engine; only transport differs.

use crate::{ChatRequest, Completion, Engine, LlmError};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// How long one request may take before it counts as failed; a reply that
/// takes longer is better replaced by the template's plain answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A model served over the OpenAI chat-completions API.
pub struct OpenAiEngine {
    client: reqwest::Client,
    endpoint: String,
    api_key: Option<String>,
    model_name: String,
}

impl OpenAiEngine {
    /// An engine talking to `base_url` (e.g. `http://gpu-box:8000/v1`).
    /// Fails at once on an unusable URL or empty model name, so a typo in
    /// the config stops the daemon before it accepts messages.
    pub fn new(
        base_url: &str,
        api_key: Option<String>,
        model_name: &str,
    ) -> Result<Self, LlmError> {
        let base = base_url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(LlmError::Config(format!(
                "llm.base_url must be an http:// or https:// URL (got {base_url:?})"
            )));
        }
        if model_name.trim().is_empty() {
            return Err(LlmError::Config(
                "llm.model_name must name the served model when llm.engine = \"openai\"".into(),
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| LlmError::Config(format!("cannot build HTTP client: {e}")))?;
        Ok(Self {
            client,
            endpoint: format!("{base}/chat/completions"),
            api_key: api_key.filter(|k| !k.is_empty()),
            model_name: model_name.to_string(),
        })
    }

    fn body(&self, request: &ChatRequest) -> Value {
        let mut body = json!({
            "model": self.model_name,
            "messages": request.messages,
            "max_tokens": request.max_tokens.max(1),
            "temperature": request.temperature,
            "stream": false,
        });
        if let Some(schema) = &request.json_schema {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": {"name": "kefu", "schema": schema, "strict": true},
            });
        }
        body
    }
}

#[derive(Deserialize)]
struct Response {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: usize,
    #[serde(default)]
    completion_tokens: usize,
}

#[async_trait]
impl Engine for OpenAiEngine {
    fn describe(&self) -> String {
        format!("openai:{}@{}", self.model_name, self.endpoint)
    }

    async fn chat(&self, request: ChatRequest) -> Result<Completion, LlmError> {
        let started = Instant::now();
        let mut http = self.client.post(&self.endpoint).json(&self.body(&request));
        if let Some(key) = &self.api_key {
            http = http.bearer_auth(key);
        }
        let response = http
            .send()
            .await
            .map_err(|e| LlmError::Inference(format!("{}: {e}", self.endpoint)))?;
        let status = response.status();
        if !status.is_success() {
            // The server's own words help the operator most; cut them short
            // so a huge error page does not flood the log.
            let text = response.text().await.unwrap_or_default();
            let text: String = text.chars().take(300).collect();
            return Err(LlmError::Inference(format!(
                "{} answered {status}: {text}",
                self.endpoint
            )));
        }
        let parsed: Response = response.json().await.map_err(|e| {
            LlmError::Inference(format!("{}: unreadable answer: {e}", self.endpoint))
        })?;
        let text = parsed
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .unwrap_or_default();
        let usage = parsed.usage.unwrap_or(Usage {
            prompt_tokens: 0,
            completion_tokens: 0,
        });
        Ok(Completion {
            text,
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            // The server does not split its time; all of it counts as
            // generation so tokens/s figures stay conservative.
            prompt_secs: 0.0,
            completion_secs: started.elapsed().as_secs_f64(),
        })
    }
}
