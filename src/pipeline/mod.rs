//! The reply pipeline: understand → decide → phrase → guard.
//!
//! The store stage comes before (the inbound is stored on arrival) and the
//! outbox stage after (the worker commits the reply with the turn). Each
//! stage is its own module so the shop brain replaces `decide` and enriches
//! the others without touching the daemon.

mod decide;
pub mod grounding;
mod guard;
mod phrase;
mod understand;

pub use decide::Decision;
pub use guard::{GuardVerdict, MAX_REPLY_CHARS};
pub use understand::{detect_language, Language, Understanding};

use crate::llm::Engine;
use crate::prompts::Prompts;
use crate::store::Conversation;
use kefu_channels::{Inbound, Outbound};
use serde_json::json;
use std::sync::Arc;

/// Settings the pipeline needs.
#[derive(Debug, Clone)]
pub struct PipelineSettings {
    /// The shop's name for prompts.
    pub shop_name: String,
    /// Most tokens per reply.
    pub max_tokens: u32,
    /// Sampling temperature.
    pub temperature: f64,
    /// Earlier turns carried in the prompt.
    pub history_turns: usize,
}

/// What the pipeline decided for one inbound.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The reply to send, or none to stay silent.
    pub reply: Option<Outbound>,
    /// The conversation's brain state after this turn.
    pub state: serde_json::Value,
}

/// The reply pipeline, shared by all workers.
pub struct Pipeline {
    engine: Arc<dyn Engine>,
    prompts: Prompts,
    settings: PipelineSettings,
}

impl Pipeline {
    /// A pipeline over an engine and templates.
    pub fn new(engine: Arc<dyn Engine>, prompts: Prompts, settings: PipelineSettings) -> Self {
        Self {
            engine,
            prompts,
            settings,
        }
    }

    /// Answer one inbound, given its conversation so far.
    pub async fn answer(
        &self,
        inbound: &Inbound,
        conversation: Option<&Conversation>,
    ) -> anyhow::Result<Outcome> {
        let understanding = understand::understand(&inbound.text);
        let decision = decide::decide(&understanding, conversation);
        let draft = phrase::phrase(self, &decision, &understanding, inbound, conversation).await;
        let llm = match &draft.completion {
            Ok(c) => json!({
                "history_turns": draft.history_turns,
                "prompt_tokens": c.prompt_tokens,
                "completion_tokens": c.completion_tokens,
                "prompt_secs": c.prompt_secs,
                "completion_secs": c.completion_secs,
            }),
            Err(e) => json!({ "history_turns": draft.history_turns, "error": e.to_string() }),
        };
        let (text, verdict) = guard::guard(self, &understanding, draft.completion)?;
        let state = conversation
            .map(|c| c.state.clone())
            .unwrap_or(serde_json::Value::Null);
        let mut annotations = serde_json::Map::new();
        annotations.insert("conversation".into(), inbound.conversation_id().into());
        annotations.insert("language".into(), understanding.language.code().into());
        annotations.insert("decision".into(), decision.label().into());
        annotations.insert("guard".into(), json!(verdict));
        annotations.insert("llm".into(), llm);
        let reply = Outbound {
            channel: inbound.channel,
            thread: inbound.thread.clone(),
            text,
            reply_to: Some(inbound.platform_message_id.clone()),
            attachments: Vec::new(),
            annotations,
        };
        Ok(Outcome {
            reply: Some(reply),
            state,
        })
    }

    /// The engine, for benchmarks and diagnostics.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.engine
    }
}
