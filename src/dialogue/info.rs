//! The information flows: greeting, goodbye, product questions,
//! recommendations, the FAQ, or a hand-off for what kefu cannot do. They
//! extend [`Brain`] (`super::brain`) beside the routing in `flows`.

use super::brain::{handoff, Brain};
use super::step::{Step, StepKind};
use super::DialogueState;
use crate::nlu::reading::{Frame, Property, Source, Topic};
use crate::nlu::{Intent, Understanding};
use crate::shop::profile;
use crate::store::StoreError;

impl Brain {
    /// Greeting, goodbye, product questions, recommendations, FAQ, or
    /// hand-off for what kefu cannot do.
    pub(super) fn info_flow(
        &self,
        state: &mut DialogueState,
        u: &Understanding,
        text: &str,
    ) -> Result<Step, StoreError> {
        match u.intent {
            Intent::Greeting => return Ok(Step::new(StepKind::Greeting)),
            Intent::Goodbye => return Ok(Step::new(StepKind::Goodbye)),
            Intent::Recommendation => return Ok(self.recommend(state, u)),
            _ => {}
        }
        if u.intent == Intent::ProductInfo {
            let name = u.frame.product.as_deref().or(u.entities.first("product"));
            if let Some(step) = name.and_then(|name| self.product_step(name, &u.frame)) {
                return Ok(step);
            }
        }
        // The FAQ entry the reading names, else the best match of the words
        // (not for an answer such as "my email is …": its words are no
        // question, whatever entry they happen to share a word with).
        let an_answer = u.frame.topic == Topic::Other && u.frame.sure;
        let entry = match (u.frame.topic, &u.frame.faq) {
            (Topic::Faq, Some(id)) => self.knowledge.faq_by_id(id),
            _ => None,
        }
        .or_else(|| (!an_answer).then(|| self.knowledge.faq(text)).flatten());
        if u.frame.topic == Topic::OffTopic && u.frame.source == Source::Model {
            return Ok(Step::new(StepKind::OffTopic));
        }
        if let Some(entry) = entry {
            let (q, a) = match u.language {
                crate::lang::Language::Zh => (&entry.question_zh, &entry.answer_zh),
                crate::lang::Language::En => (&entry.question_en, &entry.answer_en),
            };
            return Ok(Step::new(StepKind::Faq)
                .with("question", q)
                .with("answer", a)
                .with("faq_id", &entry.id));
        }
        if u.intent == Intent::Complaint {
            return Ok(Step::new(StepKind::Complaint));
        }
        if u.intent == Intent::ProductInfo {
            return Ok(Step::new(StepKind::ProductUnknown));
        }
        // Identification without a request: verify now, then ask what to do.
        if state.customer.is_none() && (state.slots.email.is_some() || state.slots.name.is_some()) {
            return Ok(match self.verify(state)? {
                Some(step) => step,
                None => Step::new(StepKind::Verified).with("name", self.customer_name(state)?),
            });
        }
        let words = text.split_whitespace().count()
            + text.chars().filter(|c| crate::lang::is_cjk(*c)).count() / 2;
        if words >= 4 && u.entities.0.is_empty() && matches!(u.intent, Intent::Other) {
            // About the shop but nothing kefu can do: a person can. Anything
            // else (the weather, a joke): say what kefu helps with, and
            // invent nothing.
            let lower = text.to_lowercase();
            let about_shop = [
                "order", "account", "refund", "payment", "deliver", "package", "parcel", "invoice",
                "warranty", "订单", "账户", "退款", "付款", "包裹", "发票", "保修",
            ]
            .iter()
            .any(|w| lower.contains(w));
            // Details of an order with nothing asked of it ("the order
            // number ends in 66"): what should be done with it?
            let details = super::request::details_of(text, &self.catalog()?);
            if about_shop && !details.is_empty() {
                return Ok(Step::new(StepKind::Clarify));
            }
            if about_shop {
                return Ok(handoff(state, "a request kefu cannot handle"));
            }
            return Ok(Step::new(StepKind::OffTopic));
        }
        Ok(Step::new(StepKind::Clarify))
    }

    /// Whether the requests in `text` name an order, an item or an address.
    pub(super) fn names_theirs(&self, text: &str) -> Result<bool, StoreError> {
        let requests = super::request::parse(text, &self.catalog()?);
        let own_order = super::pointing::points_at_own_order(&text.to_lowercase());
        Ok(own_order
            || requests.iter().any(|r| {
                !r.order_ids.is_empty()
                    || !r.items.is_empty()
                    || r.address.is_some()
                    || r.address_ref.is_some()
                    || r.order_suffix.is_some()
                    || r.order_by_items
            }))
    }

    /// A product's card, saying first what was asked of it.
    fn product_step(&self, name: &str, frame: &Frame) -> Option<Step> {
        let product = self.knowledge.product_by_name(name)?;
        let facts = self.knowledge.product_facts(product);
        let similar: Vec<String> = self
            .knowledge
            .similar(product, 2)
            .iter()
            .map(|p| p.name.clone())
            .collect();
        let asked = match &frame.property {
            Some(Property::Option(option)) if facts.options.contains_key(option) => {
                Some(option.clone())
            }
            Some(Property::Option(_)) | Some(Property::Unknown) => Some("unknown".to_string()),
            Some(p @ (Property::Price | Property::Availability | Property::Brand)) => {
                Some(p.label().to_string())
            }
            Some(Property::Options) | None => None,
        };
        Some(
            Step::new(StepKind::Product)
                .with("product", facts)
                .with("similar", similar)
                .with("asked", asked)
                .mention(name),
        )
    }

    fn recommend(&self, state: &DialogueState, u: &Understanding) -> Step {
        if u.entities.all("product").is_empty() {
            if let Some(need) = &u.frame.need {
                let picks: Vec<_> = self
                    .knowledge
                    .in_category(need, 3)
                    .into_iter()
                    .map(|p| self.knowledge.product_facts(p))
                    .collect();
                if !picks.is_empty() {
                    return Step::new(StepKind::Recommend).with("products", picks);
                }
            }
        }
        let mut seeds: Vec<String> = u.entities.all("product").to_vec();
        if seeds.is_empty() {
            if let Some(profile) = state
                .customer
                .as_deref()
                .and_then(|c| profile::load(&self.profiles, c))
            {
                seeds = profile.bought.clone();
            }
        }
        let picks: Vec<_> = self
            .knowledge
            .recommend(&seeds, 3)
            .into_iter()
            .map(|p| self.knowledge.product_facts(p))
            .collect();
        Step::new(StepKind::Recommend).with("products", picks)
    }
}
