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
        // The request runs in a task of its own: on timeout it is left to
        // finish, its answer unread. Dropping it instead would close the
        // channel mistral.rs answers on, which kills its engine, and every
        // later request would fail ("channel closed").
        let inner = self.inner.clone();
        let mut task = tokio::spawn(async move { inner.chat(request).await });
        match tokio::time::timeout(self.limit, &mut task).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(LlmError::Inference(format!(
                "the model request failed: {e}"
            ))),
            Err(_) => Err(LlmError::Inference(format!(
                "no answer within {} s (llm.timeout_secs)",
                self.limit.as_secs_f64()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// An engine that answers after a while and counts the answers it
    /// finished.
    struct Slow {
        after: Duration,
        finished: Arc<AtomicUsize>,
    }

    #[async_trait]
    impl Engine for Slow {
        fn describe(&self) -> String {
            "slow".into()
        }

        async fn chat(&self, _request: ChatRequest) -> Result<Completion, LlmError> {
            tokio::time::sleep(self.after).await;
            self.finished.fetch_add(1, Ordering::SeqCst);
            Ok(Completion::default())
        }
    }

    #[tokio::test]
    async fn a_request_past_its_time_fails_but_is_left_to_finish() {
        let finished = Arc::new(AtomicUsize::new(0));
        let slow = Arc::new(Slow {
            after: Duration::from_millis(200),
            finished: finished.clone(),
        });
        let timed = TimedEngine::new(slow, Duration::from_millis(20));
        let request = ChatRequest {
            messages: Vec::new(),
            max_tokens: 1,
            temperature: 0.0,
            json_schema: None,
        };
        let err = timed.chat(request).await.unwrap_err();
        assert!(err.to_string().contains("no answer within"), "{err}");
        assert_eq!(finished.load(Ordering::SeqCst), 0);
        tokio::time::sleep(Duration::from_millis(400)).await;
        // Not cancelled: the engine's answer channel stayed open to the end.
        assert_eq!(finished.load(Ordering::SeqCst), 1);
    }
}
