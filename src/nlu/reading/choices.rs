//! The shop's own choices a reading picks from: its FAQ entries, products
//! (with their options), categories. They make the model's prompt and JSON
//! schema, so whatever the model answers names something the shop has.

use crate::knowledge::Knowledge;
use serde_json::{json, Value};

/// A product as the reader knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductChoice {
    /// Catalog name.
    pub name: String,
    /// Chinese name, when the catalog has one.
    pub name_zh: Option<String>,
    /// Category.
    pub category: String,
    /// Option names its variants have (`color`, `size`).
    pub options: Vec<String>,
    /// Every (option name, value) its variants have, lowercased.
    pub values: Vec<(String, String)>,
}

/// Everything a reading may name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Choices {
    /// FAQ entries: id and English question.
    pub faq: Vec<(String, String)>,
    /// Products, in the shop's order.
    pub products: Vec<ProductChoice>,
    /// Categories, sorted.
    pub categories: Vec<String>,
}

/// The topic's name in the model's prompt and schema: words that say what
/// each means to a small model ("order" alone drew every message that
/// mentions ordering).
pub fn model_label(topic: super::Topic) -> &'static str {
    use super::Topic::*;
    match topic {
        Faq => "general_question",
        Product => "product_question",
        Recommendation => "wants_recommendation",
        Order => "about_my_order",
        Handoff => "wants_human",
        other => other.label(),
    }
}

/// The topic a model's label names.
pub fn topic_of_model_label(label: &str) -> Option<super::Topic> {
    super::Topic::all().find(|t| model_label(*t) == label)
}

/// The properties every product has, before its option names.
const FIXED_PROPERTIES: [&str; 5] = ["price", "availability", "options", "brand", "unknown"];

impl Choices {
    /// The choices of a shop's knowledge.
    pub fn of(knowledge: &Knowledge) -> Self {
        let faq = knowledge
            .faq_entries()
            .iter()
            .map(|e| (e.id.clone(), e.question_en.clone()))
            .collect();
        let products: Vec<ProductChoice> = knowledge
            .products()
            .map(|p| {
                let meta = knowledge.meta(p);
                let mut options: Vec<String> = Vec::new();
                let mut values: Vec<(String, String)> = Vec::new();
                for variant in p.variants.values() {
                    for (name, value) in &variant.options {
                        if !options.contains(name) {
                            options.push(name.clone());
                        }
                        let pair = (name.clone(), value.to_lowercase());
                        if !values.contains(&pair) {
                            values.push(pair);
                        }
                    }
                }
                ProductChoice {
                    name: p.name.clone(),
                    name_zh: meta.name_zh,
                    category: meta.category,
                    options,
                    values,
                }
            })
            .collect();
        let mut categories: Vec<String> = products.iter().map(|p| p.category.clone()).collect();
        categories.sort();
        categories.dedup();
        Choices {
            faq,
            products,
            categories,
        }
    }

    /// Every property label a product question may ask: the fixed ones,
    /// then every option name of the shop.
    pub fn properties(&self) -> Vec<String> {
        let mut out: Vec<String> = FIXED_PROPERTIES.iter().map(|s| s.to_string()).collect();
        for product in &self.products {
            for option in &product.options {
                if !out.contains(option) {
                    out.push(option.clone());
                }
            }
        }
        out
    }

    /// The product choice with this catalog name.
    pub fn product(&self, name: &str) -> Option<&ProductChoice> {
        self.products.iter().find(|p| p.name == name)
    }

    /// The reader's instructions: the same for every message of this shop,
    /// so the engine's prefix cache computes them once. The examples are
    /// made from the shop's own choices, so they hold for any shop.
    pub fn prompt(&self, shop: &str) -> String {
        let mut out = String::from("FAQ of the shop:\n");
        for (id, question) in &self.faq {
            out.push_str(&format!("{id}: {question}\n"));
        }
        out.push_str("Products of the shop:\n");
        for p in &self.products {
            let zh = p
                .name_zh
                .as_deref()
                .map(|z| format!(" {z}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "{}{zh} ({}; {})\n",
                p.name,
                p.category,
                p.options.join(", ")
            ));
        }
        out.push_str(&format!(
            "You read one message a customer sent to the online shop {shop}. Answer with JSON saying what it is about. topic is one of:\n\
             - general_question: how the shop works (shipping times and costs, countries, payment, returns, refunds, exchanges, warranty, policies), asked in general, answered by one FAQ entry above; faq = its id\n\
             - product_question: about one product above; product = its name, property = price, availability, options, brand, one of its options, or unknown (not in the catalogue)\n\
             - wants_recommendation: asks what to buy; need = the category that fits\n\
             - about_my_order: the customer's own order already placed, their parcel, refund or account (my order, an order number, I bought); action = status, cancel, modify_items, modify_address, modify_payment (before it ships), return, exchange (after delivery), change_address (the account's address), info (what it cost, a refund amount, a gift-card balance)\n\
             - greeting; goodbye (thanks, bye); wants_human; complaint (unhappy); off_topic (not about the shop); other (only a name, an email, an order id, yes or no)\n\
             Give only the fields that apply.\nExamples:\n"
        ));
        for (text, answer) in self.examples() {
            out.push_str(&format!("{text} => {answer}\n"));
        }
        out
    }

    /// Worked examples from the shop's own choices.
    fn examples(&self) -> Vec<(String, String)> {
        let mut out = vec![
            (
                "hi there".to_string(),
                json!({"topic": "greeting"}).to_string(),
            ),
            (
                "i got the wrong size and want to send it back".to_string(),
                json!({"topic": "about_my_order", "action": "return"}).to_string(),
            ),
            (
                "where is my package??".to_string(),
                json!({"topic": "about_my_order", "action": "status"}).to_string(),
            ),
            (
                "tell me a joke".to_string(),
                json!({"topic": "off_topic"}).to_string(),
            ),
        ];
        if let Some((id, question)) = self.faq.first() {
            out.push((
                question.to_lowercase(),
                json!({"topic": "general_question", "faq": id}).to_string(),
            ));
        }
        if let Some(p) = self.products.first() {
            out.push((
                format!("how much is the {}", p.name.to_lowercase()),
                json!({"topic": "product_question", "product": p.name, "property": "price"})
                    .to_string(),
            ));
            if let Some(option) = p.options.first() {
                out.push((
                    format!("which {option}s does the {} come in", p.name.to_lowercase()),
                    json!({"topic": "product_question", "product": p.name, "property": option})
                        .to_string(),
                ));
            }
        }
        if let Some(p) = self.products.get(1) {
            out.push((
                format!("{} sold out?", p.name.to_lowercase()),
                json!({"topic": "product_question", "product": p.name, "property": "availability"})
                    .to_string(),
            ));
        }
        if let Some(p) = self.products.get(2) {
            out.push((
                format!("is the {} ok for a 5 year old", p.name.to_lowercase()),
                json!({"topic": "product_question", "product": p.name, "property": "unknown"})
                    .to_string(),
            ));
        }
        out.push((
            "can I talk to a real person".to_string(),
            json!({"topic": "wants_human"}).to_string(),
        ));
        out.push((
            "the courier threw my parcel over the fence, terrible service".to_string(),
            json!({"topic": "complaint"}).to_string(),
        ));
        if let Some(category) = self.categories.first() {
            out.push((
                format!("any gift ideas for someone into {category}?"),
                json!({"topic": "wants_recommendation", "need": category}).to_string(),
            ));
        }
        out
    }

    /// The JSON schema of the model's answer: the topic, then whichever of
    /// the other fields apply, each an enum of the shop's choices (or
    /// `none`), in a fixed order.
    pub fn schema(&self) -> Value {
        let with_none = |values: Vec<String>| {
            let mut values = values;
            values.push("none".into());
            values
        };
        let topics: Vec<&str> = super::Topic::all().map(model_label).collect();
        json!({
            "type": "object",
            "properties": {
                "topic": {"type": "string", "enum": topics},
                "faq": {"type": "string", "enum": with_none(self.faq.iter().map(|(id, _)| id.clone()).collect())},
                "product": {"type": "string", "enum": with_none(self.products.iter().map(|p| p.name.clone()).collect())},
                "property": {"type": "string", "enum": with_none(self.properties())},
                "need": {"type": "string", "enum": with_none(self.categories.clone())},
                "action": {"type": "string", "enum": with_none(super::OrderAction::all().map(|a| a.label().to_string()).collect())},
            },
            "required": ["topic"],
            "additionalProperties": false
        })
    }
}
