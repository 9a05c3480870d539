//! One reading of each message: the [`Frame`]. Two readers fill it — the
//! rules ([`rules`], microseconds) and the loaded model under a JSON schema
//! built from the shop's own choices ([`model`]) — and a router
//! ([`Reader::read`]) decides per message which reading counts.
//!
//! The frame says what the message is about (its [`Topic`]) and, for the
//! topics that need them, which FAQ entry, product, property or need. The
//! requests of an order matter are read by the dialogue's request parser
//! from the same text; the frame's topic says whether there are any.

mod asked;
mod choices;
pub mod eval;
pub mod model;
mod route;
pub mod rules;
pub mod score;

pub use choices::Choices;
pub use route::{ReadMode, Reader};

use serde::{Deserialize, Serialize};

/// What a message is about.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Hello.
    Greeting,
    /// Thanks, bye.
    Goodbye,
    /// A question one FAQ entry answers.
    Faq,
    /// A question about one product.
    Product,
    /// What to buy.
    Recommendation,
    /// Something about the customer's own orders or account.
    Order,
    /// Wants a person.
    Handoff,
    /// Unhappy, with nothing to look up.
    Complaint,
    /// Not about the shop.
    OffTopic,
    /// Nothing read: an answer to a question, identification, yes or no.
    #[default]
    Other,
}

impl Topic {
    /// Every topic, in the order declared (the model's schema lists them so).
    pub fn all() -> impl Iterator<Item = Topic> {
        <Topic as strum::IntoEnumIterator>::iter()
    }

    /// The label (`off_topic`).
    pub fn label(self) -> &'static str {
        match self {
            Topic::Greeting => "greeting",
            Topic::Goodbye => "goodbye",
            Topic::Faq => "faq",
            Topic::Product => "product",
            Topic::Recommendation => "recommendation",
            Topic::Order => "order",
            Topic::Handoff => "handoff",
            Topic::Complaint => "complaint",
            Topic::OffTopic => "off_topic",
            Topic::Other => "other",
        }
    }

    /// The topic with this label.
    pub fn from_label(label: &str) -> Option<Topic> {
        Topic::all().find(|t| t.label() == label)
    }
}

/// What a product question asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Property {
    /// How much it costs.
    Price,
    /// Whether it is in stock.
    Availability,
    /// What variants there are.
    Options,
    /// Who makes it.
    Brand,
    /// One option of the product (`color`, `size`).
    Option(String),
    /// Something the catalogue does not record (waterproof, battery life).
    Unknown,
}

impl Property {
    /// The label: `price`, `availability`, `options`, `brand`, the option's
    /// name, or `unknown`.
    pub fn label(&self) -> &str {
        match self {
            Property::Price => "price",
            Property::Availability => "availability",
            Property::Options => "options",
            Property::Brand => "brand",
            Property::Option(name) => name,
            Property::Unknown => "unknown",
        }
    }

    /// The property with this label; any other label names an option.
    pub fn from_label(label: &str) -> Property {
        match label {
            "price" => Property::Price,
            "availability" => Property::Availability,
            "options" => Property::Options,
            "brand" => Property::Brand,
            "unknown" | "" => Property::Unknown,
            option => Property::Option(option.to_string()),
        }
    }
}

/// What an order matter asks to do (the request parser reads the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum OrderAction {
    /// Where it is.
    Status,
    /// Cancel it.
    Cancel,
    /// Change its items.
    ModifyItems,
    /// Change its shipping address.
    ModifyAddress,
    /// Pay it another way.
    ModifyPayment,
    /// Return items.
    Return,
    /// Exchange items.
    Exchange,
    /// Change the account's default address.
    ChangeAddress,
    /// What it cost, what a return refunds, a gift card's balance.
    Info,
}

impl OrderAction {
    /// Every action, in the order declared (the schema's order).
    pub fn all() -> impl Iterator<Item = OrderAction> {
        <OrderAction as strum::IntoEnumIterator>::iter()
    }

    /// The label (`modify_items`).
    pub fn label(self) -> &'static str {
        match self {
            OrderAction::Status => "status",
            OrderAction::Cancel => "cancel",
            OrderAction::ModifyItems => "modify_items",
            OrderAction::ModifyAddress => "modify_address",
            OrderAction::ModifyPayment => "modify_payment",
            OrderAction::Return => "return",
            OrderAction::Exchange => "exchange",
            OrderAction::ChangeAddress => "change_address",
            OrderAction::Info => "info",
        }
    }

    /// The action with this label.
    pub fn from_label(label: &str) -> Option<OrderAction> {
        OrderAction::all().find(|a| a.label() == label)
    }
}

/// Which reader a frame comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The rules alone.
    #[default]
    Rules,
    /// The model (the rules were unsure or left words unread).
    Model,
}

/// One message's reading.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// What it is about.
    pub topic: Topic,
    /// The FAQ entry's id, for [`Topic::Faq`].
    pub faq: Option<String>,
    /// The product's catalog name, for a product question (or the product
    /// a recommendation starts from).
    pub product: Option<String>,
    /// What a product question asks.
    pub property: Option<Property>,
    /// The customer's own word for an unknown property ("waterproof").
    pub asked: Option<String>,
    /// A recommendation's need: a category of the shop.
    pub need: Option<String>,
    /// What an order matter asks to do.
    pub action: Option<OrderAction>,
    /// Which reader it comes from.
    pub source: Source,
    /// The rules read every part of it (no model needed).
    #[serde(skip)]
    pub sure: bool,
}

#[cfg(test)]
mod tests;
