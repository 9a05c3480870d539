//! Phrasing: the LLM rewords the step's plain answer, with the history.

use super::Pipeline;
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
    let settings = &pipeline.settings;
    let context = json!({ "shop": settings.shop_name, "answer": plain, "profile": profile });
    let system = match pipeline
        .prompts
        .render("system", understanding.language, context)
    {
        Ok(system) => system,
        Err(e) => {
            let completion = Err(LlmError::Inference(format!("system prompt: {e}")));
            return Draft {
                completion,
                history_turns: 0,
            };
        }
    };
    let mut history_turns = 0;
    let mut messages = vec![PromptMessage {
        role: PromptRole::System,
        content: system,
    }];
    if let Some(conversation) = conversation {
        let start = conversation
            .turns
            .len()
            .saturating_sub(settings.history_turns);
        for turn in &conversation.turns[start..] {
            let role = match turn.role {
                Role::Customer => PromptRole::User,
                Role::Bot => PromptRole::Assistant,
            };
            messages.push(PromptMessage {
                role,
                content: turn.text.clone(),
            });
            history_turns += 1;
        }
    }
    messages.push(PromptMessage {
        role: PromptRole::User,
        content: inbound.text.clone(),
    });
    let request = ChatRequest {
        messages,
        max_tokens: settings.max_tokens,
        temperature: settings.temperature,
        json_schema: None,
    };
    Draft {
        completion: pipeline.engine.chat(request).await,
        history_turns,
    }
}
