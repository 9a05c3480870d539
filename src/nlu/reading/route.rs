//! The router: which reading of a message counts.
//!
//! - The rules read every message (microseconds).
//! - The model reads it too when it may (`llm.read`: `always`, or `auto`
//!   once its reading score is at least the rules') and the rules are not
//!   sure: a topic they only guessed, a FAQ match that is weak, a product
//!   question whose property they could not name, words they did not read.
//! - Where both read and disagree, the rules win in two cases and the model
//!   in every other: an order matter the rules read with an order id or a
//!   sure intent (the flows act on the requests the rules parse, which the
//!   model's frame does not carry), and an answer to a question (an email,
//!   a name, an order id: the model does not see what was asked).
//! - A model that fails, times out or answers no frame of this shop leaves
//!   the rules' reading: never silence.

use super::model::ModelReader;
use super::{rules, Choices, Frame, OrderAction, Source, Topic};
use crate::knowledge::Knowledge;
use crate::llm::Engine;
use crate::nlu::{Intent, Nlu, Understanding};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub use crate::config::ReadMode;

/// Both readers and the router.
#[derive(Debug, Clone)]
pub struct Reader {
    nlu: Nlu,
    knowledge: Arc<Knowledge>,
    model: ModelReader,
    mode: ReadMode,
    /// With `auto`: whether the reading score let the model read.
    trusted: Arc<AtomicBool>,
}

impl Reader {
    /// The readers of a shop.
    pub fn new(nlu: Nlu, knowledge: Arc<Knowledge>, shop: &str, mode: ReadMode) -> Self {
        let model = ModelReader::new(Choices::of(&knowledge), shop);
        Self {
            nlu,
            knowledge,
            model,
            mode,
            trusted: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The shop's knowledge the rules read with.
    pub fn knowledge_ref(&self) -> &Knowledge {
        &self.knowledge
    }

    /// The model's reader.
    pub fn model_reader(&self) -> &ModelReader {
        &self.model
    }

    /// The rules' NLU.
    pub fn nlu(&self) -> &Nlu {
        &self.nlu
    }

    /// How the model is used.
    pub fn mode(&self) -> ReadMode {
        self.mode
    }

    /// With `auto`: let the model read (its score is at least the rules').
    pub fn trust_model(&self, on: bool) {
        self.trusted.store(on, Ordering::Relaxed);
    }

    /// Whether the model reads the messages the rules are unsure of.
    pub fn model_reads(&self) -> bool {
        match self.mode {
            ReadMode::Never => false,
            ReadMode::Always => true,
            ReadMode::Auto => self.trusted.load(Ordering::Relaxed),
        }
    }

    /// The rules' reading alone.
    pub fn by_rules(&self, text: &str) -> Understanding {
        let mut u = self.nlu.understand(text);
        u.frame = rules::read(&u, text, &self.knowledge, self.model.choices());
        u
    }

    /// The model's reading alone (`None`: no frame).
    pub async fn by_model(&self, engine: &dyn Engine, text: &str) -> Option<Frame> {
        self.model.read(engine, text).await
    }

    /// The routed reading (see the module's documentation).
    pub async fn read(&self, text: &str, engine: Option<&dyn Engine>) -> Understanding {
        let rules = self.by_rules(text);
        let engine = match engine {
            Some(engine) if self.model_reads() && !rules.frame.sure => engine,
            _ => return rules,
        };
        let model = self.by_model(engine, text).await;
        merge(rules, model)
    }
}

/// The routed reading of a message both readers read.
pub fn merge(mut rules: Understanding, model: Option<Frame>) -> Understanding {
    let Some(model) = model else {
        return rules;
    };
    let rules_order = rules.frame.topic == Topic::Order
        && (rules.frame.sure || rules.entities.first("order_id").is_some());
    let rules_answer = rules.frame.topic == Topic::Other && rules.frame.sure;
    let agree = Frame {
        source: rules.frame.source,
        sure: rules.frame.sure,
        ..model.clone()
    } == rules.frame;
    if rules_order || rules_answer || agree {
        return rules;
    }
    rules.intent = match model.topic {
        Topic::Greeting => Intent::Greeting,
        Topic::Goodbye => Intent::Goodbye,
        Topic::Handoff => Intent::HumanAgent,
        Topic::Complaint => Intent::Complaint,
        Topic::Product => Intent::ProductInfo,
        Topic::Recommendation => Intent::Recommendation,
        Topic::Order => match model.action {
            Some(action) => intent_of(action),
            None if rules.intent.is_order() => rules.intent,
            None => Intent::OrderStatus,
        },
        Topic::Faq | Topic::OffTopic | Topic::Other => Intent::Other,
    };
    rules.confidence = 0.5;
    rules.source = "llm";
    rules.frame = Frame {
        source: Source::Model,
        ..model
    };
    rules
}

/// The intent whose request the flows start for an order action the rules
/// did not read ("I accidentally placed the order" → cancel).
fn intent_of(action: OrderAction) -> Intent {
    match action {
        OrderAction::Status | OrderAction::Info => Intent::OrderStatus,
        OrderAction::Cancel => Intent::CancelOrder,
        OrderAction::ModifyItems | OrderAction::ModifyAddress | OrderAction::ModifyPayment => {
            Intent::ModifyOrder
        }
        OrderAction::Return => Intent::ReturnOrder,
        OrderAction::Exchange => Intent::ExchangeOrder,
        OrderAction::ChangeAddress => Intent::ChangeAddress,
    }
}
