//! Understanding a message: intent, entities, sentiment and language, in
//! English and Chinese. Rules and lexicons first (microseconds); when they
//! are unsure, the loaded model reads the message too ([`reading`]).

pub mod address;
mod clean;
mod entities;
pub mod eval;
pub mod fallback;
mod intent;
pub mod keep;
mod lexicon;
pub mod reading;
mod sentiment;
pub mod superlative;
pub mod synonyms;
pub mod units;

pub use address::{parse_address, PostalAddress};
pub use clean::clean;
pub use entities::{order_ids, Entities};
pub use lexicon::Lexicon;
pub use sentiment::Sentiment;

use crate::lang::{detect_language, Language};
use serde::{Deserialize, Serialize};

/// What a customer wants (DESIGN.md's labels).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Hello.
    Greeting,
    /// Where is my order.
    OrderStatus,
    /// Cancel a pending order.
    CancelOrder,
    /// Change address, items or payment of a pending order.
    ModifyOrder,
    /// Return items of a delivered order.
    ReturnOrder,
    /// Exchange items of a delivered order.
    ExchangeOrder,
    /// Change the account's default address.
    ChangeAddress,
    /// A question about a product.
    ProductInfo,
    /// Asking what to buy.
    Recommendation,
    /// Unhappy about something.
    Complaint,
    /// Wants a person.
    HumanAgent,
    /// Bye.
    Goodbye,
    /// Anything else (identification, yes/no, off-topic).
    Other,
}

impl Intent {
    /// Every intent, in the order declared (the compiler lists them).
    pub fn all() -> impl Iterator<Item = Intent> {
        <Intent as strum::IntoEnumIterator>::iter()
    }

    /// The label (`order_status`).
    pub fn label(self) -> &'static str {
        match self {
            Intent::Greeting => "greeting",
            Intent::OrderStatus => "order_status",
            Intent::CancelOrder => "cancel_order",
            Intent::ModifyOrder => "modify_order",
            Intent::ReturnOrder => "return_order",
            Intent::ExchangeOrder => "exchange_order",
            Intent::ChangeAddress => "change_address",
            Intent::ProductInfo => "product_info",
            Intent::Recommendation => "recommendation",
            Intent::Complaint => "complaint",
            Intent::HumanAgent => "human_agent",
            Intent::Goodbye => "goodbye",
            Intent::Other => "other",
        }
    }

    /// The intent with this label.
    pub fn from_label(label: &str) -> Option<Intent> {
        Intent::all().find(|i| i.label() == label)
    }

    /// Whether it acts on the customer's orders or account (the task
    /// flows' intents).
    pub fn is_order(self) -> bool {
        matches!(
            self,
            Intent::OrderStatus
                | Intent::CancelOrder
                | Intent::ModifyOrder
                | Intent::ReturnOrder
                | Intent::ExchangeOrder
                | Intent::ChangeAddress
        )
    }
}

/// What the NLU made of one message.
#[derive(Debug, Clone, Serialize)]
pub struct Understanding {
    /// The intent.
    pub intent: Intent,
    /// How sure the rules are (0–1); the LLM's answers count as 0.5.
    pub confidence: f32,
    /// Where the intent came from: `rules` or `llm`.
    pub source: &'static str,
    /// Entities found.
    pub entities: Entities,
    /// Mood.
    pub sentiment: Sentiment,
    /// Language.
    pub language: Language,
    /// The reading: topic and what it asks (filled by [`reading::Reader`]).
    pub frame: reading::Frame,
}

/// The rules-first NLU.
#[derive(Debug, Clone, Default)]
pub struct Nlu {
    lexicon: Lexicon,
}

/// Below this confidence the rules count as unsure.
pub const UNSURE: f32 = 0.35;

impl Nlu {
    /// An NLU over these words.
    pub fn new(lexicon: Lexicon) -> Self {
        Self { lexicon }
    }

    /// Understand `text` by rules alone.
    pub fn understand(&self, text: &str) -> Understanding {
        let lower = text.to_lowercase();
        let entities = entities::extract(text, &self.lexicon);
        let has_address = crate::nlu::parse_address(text).is_some();
        let sentiment = sentiment::sentiment(&lower);
        let signals = intent::Signals {
            has_order_id: entities.first("order_id").is_some(),
            has_address,
            has_product: entities.first("product").is_some(),
            negative: sentiment == Sentiment::Negative,
        };
        let scores = intent::score(&lower, signals);
        let (best, top) = scores
            .iter()
            .copied()
            .fold((Intent::Other, 0.0f32), |acc, (i, s)| {
                if s > acc.1 {
                    (i, s)
                } else {
                    acc
                }
            });
        let (intent, confidence) = if top < 1.0 {
            (
                Intent::Other,
                if entities.0.is_empty() && lower.chars().count() > 25 {
                    0.2
                } else {
                    0.6
                },
            )
        } else {
            let second = scores
                .iter()
                .filter(|(i, _)| *i != best)
                .map(|(_, s)| *s)
                .fold(0.0, f32::max);
            (
                best,
                ((top - second) / top).clamp(0.0, 1.0) * 0.6 + (top.min(4.0) / 4.0) * 0.4,
            )
        };
        Understanding {
            intent,
            confidence,
            source: "rules",
            entities,
            sentiment,
            language: detect_language(text),
            frame: reading::Frame::default(),
        }
    }

    /// The lexicon (for the dialogue's product lookups).
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }
}
