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
    /// so the engine's prefix cache computes them once.
    pub fn prompt(&self, shop: &str) -> String {
        let mut out = format!(
            "You read one message a customer sent to the online shop {shop} and say what it is about, as JSON.\n\
             topic: greeting | goodbye (thanks, bye) | faq (a FAQ entry below answers it) | \
             product (a question about one product: price, availability, options, brand, an option, or unknown = something not listed) | \
             recommendation (what to buy; need = the category) | order (the customer's own order, parcel, refund or account; action = what they want done: \
             status, cancel, modify_items, modify_address, modify_payment (before it ships), return, exchange (after delivery), change_address (the account's), info (what it cost, a refund, a gift-card balance)) | \
             handoff (wants a person) | complaint | off_topic (not about the shop) | other (a name, email, yes, no, an answer).\n\
             Use \"none\" where a field does not apply.\nFAQ:\n"
        );
        for (id, question) in &self.faq {
            out.push_str(&format!("{id}: {question}\n"));
        }
        out.push_str("Products:\n");
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
        out
    }

    /// The JSON schema of the model's answer: every field an enum of the
    /// shop's choices (or `none`), in a fixed order.
    pub fn schema(&self) -> Value {
        let with_none = |values: Vec<String>| {
            let mut values = values;
            values.push("none".into());
            values
        };
        let topics: Vec<&str> = super::Topic::ALL.iter().map(|t| t.label()).collect();
        json!({
            "type": "object",
            "properties": {
                "topic": {"type": "string", "enum": topics},
                "faq": {"type": "string", "enum": with_none(self.faq.iter().map(|(id, _)| id.clone()).collect())},
                "product": {"type": "string", "enum": with_none(self.products.iter().map(|p| p.name.clone()).collect())},
                "property": {"type": "string", "enum": with_none(self.properties())},
                "need": {"type": "string", "enum": with_none(self.categories.clone())},
                "action": {"type": "string", "enum": with_none(super::OrderAction::ALL.iter().map(|a| a.label().to_string()).collect())},
            },
            "required": ["topic", "faq", "product", "property", "need", "action"],
            "additionalProperties": false
        })
    }
}
