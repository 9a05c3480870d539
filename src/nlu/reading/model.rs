//! The model's reading: the shop's choices as the prompt's static part (the
//! prefix cache computes it once), the customer's message after it, and the
//! answer constrained to [`Choices::schema`]. An answer that does not parse
//! or names nothing the shop has is no reading (`None`): the rules' counts.

use super::{Choices, Frame, Property, Source, Topic};
use crate::llm::{ChatRequest, Engine, PromptMessage, PromptRole};
use serde_json::Value;

/// Tokens the answer may take: six short fields.
const MAX_TOKENS: u32 = 80;

/// What the model needs to read one message.
#[derive(Debug, Clone)]
pub struct ModelReader {
    choices: Choices,
    prompt: String,
    schema: Value,
}

impl ModelReader {
    /// A reader over a shop's choices.
    pub fn new(choices: Choices, shop: &str) -> Self {
        let prompt = choices.prompt(shop);
        let schema = choices.schema();
        Self {
            choices,
            prompt,
            schema,
        }
    }

    /// The choices it reads with.
    pub fn choices(&self) -> &Choices {
        &self.choices
    }

    /// Read `text` with `engine`; `None` when the engine fails or answers
    /// something that is not a frame of this shop.
    pub async fn read(&self, engine: &dyn Engine, text: &str) -> Option<Frame> {
        self.read_answered(engine, text).await.0
    }

    /// [`ModelReader::read`], and whether the engine answered at all.
    pub async fn read_answered(&self, engine: &dyn Engine, text: &str) -> (Option<Frame>, bool) {
        let request = ChatRequest {
            messages: vec![
                PromptMessage {
                    role: PromptRole::System,
                    content: self.prompt.clone(),
                },
                PromptMessage {
                    role: PromptRole::User,
                    content: text.to_string(),
                },
            ],
            max_tokens: MAX_TOKENS,
            temperature: 0.0,
            json_schema: Some(self.schema.clone()),
        };
        let completion = match engine.chat(request).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(
                    "the model could not read a message (the rules' reading is used): {e}"
                );
                return (None, false);
            }
        };
        let frame = self.parse(completion.text.trim());
        if frame.is_none() {
            tracing::debug!(
                "the model's reading is not a frame of this shop; the rules' reading is used"
            );
        }
        (frame, true)
    }

    /// The frame in the model's answer, checked against the choices.
    pub fn parse(&self, answer: &str) -> Option<Frame> {
        let value: Value = serde_json::from_str(answer).ok()?;
        let field = |key: &str| {
            value[key]
                .as_str()
                .map(str::trim)
                .filter(|v| !v.is_empty() && *v != "none")
                .map(str::to_string)
        };
        let topic = super::choices::topic_of_model_label(&field("topic")?)?;
        let faq = field("faq").filter(|id| self.choices.faq.iter().any(|(f, _)| f == id));
        let product = field("product").filter(|name| self.choices.product(name).is_some());
        let property = field("property")
            .filter(|p| self.choices.properties().contains(p))
            .map(|p| Property::from_label(&p));
        let need = field("need").filter(|n| self.choices.categories.contains(n));
        let mut frame = Frame {
            topic,
            source: Source::Model,
            ..Frame::default()
        };
        match topic {
            // A FAQ topic without an entry of this shop is no FAQ answer.
            Topic::Faq => frame.faq = Some(faq?),
            Topic::Product => {
                let product = product?;
                let has = |option: &String| {
                    self.choices
                        .product(&product)
                        .is_some_and(|p| p.options.contains(option))
                };
                frame.property = Some(match property.unwrap_or(Property::Options) {
                    // An option this product does not have: not in the catalogue.
                    Property::Option(option) if !has(&option) => Property::Unknown,
                    property => property,
                });
                frame.product = Some(product);
            }
            Topic::Recommendation => {
                frame.product = product;
                frame.need = need;
            }
            Topic::Order => {
                frame.action = field("action").and_then(|a| super::OrderAction::from_label(&a));
            }
            _ => {}
        }
        Some(frame)
    }
}
