//! Phrasing: the LLM rewords the step's plain answer, with the history.

use super::Pipeline;
use crate::lang::Language;
use crate::llm::{ChatRequest, Completion, LlmError, PromptMessage, PromptRole};
use crate::nlu::Understanding;
use crate::store::{Conversation, Role};
use kefu_channels::Inbound;
use serde_json::json;

/// The LLM's draft and what its prompt carried.
pub(super) struct Draft {
    /// The engine's answer, or why there is none (the guard then answers
    /// from the template).
    pub completion: Result<Completion, LlmError>,
    /// Earlier turns the prompt carried.
    pub history_turns: usize,
}

/// Ask the engine for a reply.
pub(super) async fn phrase(
    pipeline: &Pipeline,
    plain: &str,
    profile: Option<&str>,
    understanding: &Understanding,
    inbound: &Inbound,
    conversation: Option<&Conversation>,
) -> Draft {
    let mut history = Vec::new();
    if let Some(conversation) = conversation {
        let start = conversation
            .turns
            .len()
            .saturating_sub(pipeline.settings.history_turns);
        for turn in &conversation.turns[start..] {
            // What a colleague said or noted is part of what the shop
            // said: the bot neither repeats nor contradicts it.
            let (role, content) = match turn.role {
                Role::Customer => (PromptRole::User, turn.text.clone()),
                Role::Bot => (PromptRole::Assistant, turn.text.clone()),
                Role::Operator => (PromptRole::Assistant, turn.text.clone()),
                Role::Note => (
                    PromptRole::System,
                    format!(
                        "Note from a colleague who handled this conversation: {}",
                        turn.text
                    ),
                ),
            };
            history.push(PromptMessage { role, content });
        }
    }
    let history_turns = history.len();
    Draft {
        completion: pipeline
            .phraser()
            .complete(
                plain,
                profile,
                understanding.language,
                history,
                &inbound.text,
            )
            .await,
        history_turns,
    }
}

/// What rewording needs: the engine, the templates and the reply settings
/// (a [`Pipeline`] has them; `kefu bench` builds one for the calibration).
pub struct Phraser<'a> {
    /// The engine.
    pub engine: &'a dyn crate::llm::Engine,
    /// The templates (the system prompt and the steps' plain answers).
    pub prompts: &'a crate::prompts::Prompts,
    /// The shop's name.
    pub shop_name: &'a str,
    /// Most tokens per reply.
    pub max_tokens: u32,
    /// Sampling temperature.
    pub temperature: f64,
}

impl Phraser<'_> {
    /// The engine's rewording of `plain` as the answer to `text`.
    pub async fn complete(
        &self,
        plain: &str,
        profile: Option<&str>,
        language: Language,
        history: Vec<PromptMessage>,
        text: &str,
    ) -> Result<Completion, LlmError> {
        let context = json!({ "shop": self.shop_name, "answer": plain, "profile": profile });
        let system = self
            .prompts
            .render("system", language, context)
            .map_err(|e| LlmError::Inference(format!("system prompt: {e}")))?;
        let mut messages = vec![PromptMessage {
            role: PromptRole::System,
            content: system,
        }];
        messages.extend(history);
        messages.push(PromptMessage {
            role: PromptRole::User,
            content: text.to_string(),
        });
        let request = ChatRequest {
            messages,
            max_tokens: self.max_tokens,
            temperature: self.temperature,
            json_schema: None,
        };
        self.engine.chat(request).await
    }
}
