//! A layer over any engine: a request that does not finish within
//! `llm.timeout_secs` fails (the reply falls back to the template's plain
//! answer) instead of holding its conversation forever.

use crate::{ChatRequest, Completion, Engine, LlmError};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// `inner` with a time limit on each request.
pub struct TimedEngine {
    inner: Arc<dyn Engine>,
    limit: Duration,
}

impl TimedEngine {
    /// Limit each of `inner`'s requests to `limit`.
    pub fn new(inner: Arc<dyn Engine>, limit: Duration) -> Self {
        Self { inner, limit }
    }
}

#[async_trait]
impl Engine for TimedEngine {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    async fn chat(&self, request: ChatRequest) -> Result<Completion, LlmError> {
        match tokio::time::timeout(self.limit, self.inner.chat(request)).await {
            Ok(result) => result,
            Err(_) => Err(LlmError::Inference(format!(
                "no answer within {} s (llm.timeout_secs)",
                self.limit.as_secs_f64()
            ))),
        }
    }
}
