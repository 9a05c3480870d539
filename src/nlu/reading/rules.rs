//! The rules' reading: the intent and entities the rules found, the FAQ's
//! BM25 search, and word lists for what a product question asks and what a
//! recommendation is for (`asked.rs`). Fast, and sure only where the words
//! say so.

use super::asked::{need_of, property_of};
use super::{Choices, Frame, OrderAction, Source, Topic};
use crate::knowledge::Knowledge;
use crate::nlu::{Intent, Understanding};

/// A FAQ match at least this good (BM25) is read without the model.
const SURE_FAQ: f64 = 11.0;

/// Read `text`, already understood by the rules as `u`.
pub fn read(u: &Understanding, text: &str, knowledge: &Knowledge, choices: &Choices) -> Frame {
    // Phone keyboards type ’ for ': "I’d like" is "i'd like".
    let lower = text.to_lowercase().replace(['‘', '’'], "'");
    let seen = Seen {
        u,
        text,
        lower: &lower,
        choices,
        product: u
            .entities
            .first("product")
            .and_then(|name| knowledge.product_by_name(name))
            .map(|p| p.name.clone()),
        faq: knowledge
            .faq_scored(text)
            .map(|(entry, score)| (entry.id.clone(), score)),
    };
    let mut frame = Frame {
        source: Source::Rules,
        ..Frame::default()
    };
    if !seen.before_intent(&mut frame) {
        seen.by_intent(&mut frame);
    }
    frame
}

/// A message as the rules saw it.
struct Seen<'a> {
    u: &'a Understanding,
    text: &'a str,
    lower: &'a str,
    choices: &'a Choices,
    /// The shop's product named, by its name.
    product: Option<String>,
    /// The best FAQ entry's id and BM25 score.
    faq: Option<(String, f64)>,
}

impl Seen<'_> {
    fn sure_intent(&self) -> bool {
        self.u.confidence >= 0.5
    }

    fn small_talk(&self) -> bool {
        matches!(
            self.u.intent,
            Intent::Greeting | Intent::Goodbye | Intent::HumanAgent
        )
    }

    /// What the words say whatever the intent: the customer's own order, a
    /// request for advice, a question about the shop's policy. False when
    /// none of them.
    fn before_intent(&self, frame: &mut Frame) -> bool {
        let u = self.u;
        if !self.small_talk() && personal_order(self.lower, u) {
            frame.topic = Topic::Order;
            frame.action = action_of(u.intent);
            frame.sure = u.entities.first("order_id").is_some();
            return true;
        }
        if !self.small_talk() && !u.intent.is_order() && asks_advice(self.lower) {
            self.recommendation(frame);
            frame.sure = frame.need.is_some();
            return true;
        }
        let asks_policy = general_question(self.lower, u)
            && !self.small_talk()
            && !(u.intent == Intent::ProductInfo && self.product.is_some());
        match (&self.faq, asks_policy) {
            // "can orders still be cancelled once shipped?": the shop's
            // policy is asked, not an action on one of the customer's orders.
            (Some(faq), true) => {
                self.faq_entry(faq, frame);
                true
            }
            _ => false,
        }
    }

    /// What the intent the rules found comes to.
    fn by_intent(&self, frame: &mut Frame) {
        let u = self.u;
        let sure_faq = self
            .faq
            .as_ref()
            .is_some_and(|(_, score)| *score >= SURE_FAQ);
        match u.intent {
            Intent::Greeting | Intent::Goodbye | Intent::HumanAgent => {
                frame.topic = match u.intent {
                    Intent::Greeting => Topic::Greeting,
                    Intent::Goodbye => Topic::Goodbye,
                    _ => Topic::Handoff,
                };
                // "when are your agents around?" asks about people, not for one.
                frame.sure = self.sure_intent()
                    && !(frame.topic == Topic::Handoff && general_question(self.lower, u));
            }
            Intent::OrderStatus
            | Intent::CancelOrder
            | Intent::ModifyOrder
            | Intent::ReturnOrder
            | Intent::ExchangeOrder
            | Intent::ChangeAddress => {
                frame.topic = Topic::Order;
                frame.action = action_of(u.intent);
                frame.sure = self.sure_intent() || u.entities.first("order_id").is_some();
            }
            Intent::Recommendation => {
                self.recommendation(frame);
                frame.sure =
                    self.sure_intent() && (frame.need.is_some() || frame.product.is_some());
            }
            Intent::ProductInfo | Intent::Other if self.product.is_some() && !sure_faq => {
                let name = self.product.clone().expect("checked");
                let said = u.entities.all("option");
                let (property, named) = property_of(self.lower, &name, said, self.choices);
                frame.sure = self.sure_intent() && named;
                frame.topic = Topic::Product;
                frame.product = Some(name);
                frame.property = Some(property);
            }
            Intent::Other if identifies(u) => {
                // An email, a name, a zip: an answer to a question.
                frame.topic = Topic::Other;
                frame.sure = true;
            }
            Intent::ProductInfo | Intent::Complaint | Intent::Other => self.unsure(frame),
        }
    }

    /// A FAQ entry, sure where it matches well.
    fn faq_entry(&self, (id, score): &(String, f64), frame: &mut Frame) {
        frame.topic = Topic::Faq;
        frame.faq = Some(id.clone());
        frame.sure = *score >= SURE_FAQ;
    }

    /// A recommendation: the product named and the need.
    fn recommendation(&self, frame: &mut Frame) {
        frame.topic = Topic::Recommendation;
        frame.product = self.product.clone();
        frame.need = need_of(self.lower, self.product.as_deref(), self.choices);
    }

    /// A product question, complaint or other message the rules did not
    /// place: the FAQ entry it matches, else the intent's topic, else an
    /// answer to a question or off-topic words.
    fn unsure(&self, frame: &mut Frame) {
        let u = self.u;
        if let Some(faq) = &self.faq {
            self.faq_entry(faq, frame);
        } else if u.intent == Intent::Complaint {
            frame.topic = Topic::Complaint;
            frame.sure = self.sure_intent();
        } else if u.intent == Intent::ProductInfo {
            // A product question about a product the shop does not sell.
            frame.topic = Topic::Product;
        } else if !u.entities.0.is_empty() {
            // An option, an amount: perhaps an answer to a question,
            // perhaps words the rules took for one.
            frame.topic = Topic::Other;
        } else if words(self.text) >= 4 {
            frame.topic = Topic::OffTopic;
        }
    }
}

/// A question about how the shop works, not about the customer's own
/// order: asked in a general form, with nothing of theirs named (no order
/// id, no "my order", no "please do …").
fn general_question(lower: &str, u: &Understanding) -> bool {
    const OWN: &[&str] = &[
        "my ",
        "mine",
        "our ",
        "we ",
        " me ",
        " me?",
        "i ordered",
        "i bought",
        "i got ",
        "i received",
        "i placed",
        "i've",
        "i'm",
        "i want",
        "i'd like",
        "i need",
        "please",
        "pls",
        "plz",
        "the order",
        "this order",
        "that order",
        "我的",
        "我买",
        "我订",
        "我下的",
        "我收到",
        "我刚",
        "帮我",
        "我要",
        "我想",
        "麻烦",
        "这个订单",
        "这单",
        "那单",
    ];
    const ASKS: &[&str] = &[
        "?",
        "？",
        "吗",
        "能不能",
        "可不可以",
        "可以",
        "怎么",
        "怎样",
        "多久",
        "几天",
        "多少",
        "是不是",
        "啥",
        "什么",
        "哪里",
        "流程",
        "how ",
        "what",
        "when",
        "can i ",
        "can you",
        "do you",
        "do u ",
        "is it possible",
        "is there",
        "does ",
        "if i ",
        "are there",
    ];
    // A product named ("can I return the hoodie?") is the customer's own.
    let named = ["order_id", "email", "name", "zip", "product"]
        .iter()
        .any(|k| u.entities.first(k).is_some());
    !named && !OWN.iter().any(|w| lower.contains(w)) && ASKS.iter().any(|w| lower.contains(w))
}

/// Whether the message asks what to buy: "what do you recommend", "a gift
/// for my dad", "what should I pack for …", "有什么推荐".
fn asks_advice(lower: &str) -> bool {
    const ADVICE: &[&str] = &[
        "recommend",
        "suggest",
        "gift",
        "present for",
        "what should i get",
        "what should i buy",
        "what should i bring",
        "what should i pack",
        "should i pack",
        "should i bring",
        "what to get",
        "what to buy",
        "what's good for",
        "whats good for",
        "what is good for",
        "something for my",
        "something to make",
        "need something",
        "what can i get",
        "推荐",
        "送什么",
        "买什么",
        "礼物",
        "送他",
        "送她",
        "入门",
        "适合",
        "该买",
        "先买",
    ];
    ADVICE.iter().any(|w| lower.contains(w))
}

/// The order action an intent asks for.
fn action_of(intent: Intent) -> Option<OrderAction> {
    Some(match intent {
        Intent::OrderStatus => OrderAction::Status,
        Intent::CancelOrder => OrderAction::Cancel,
        Intent::ModifyOrder => OrderAction::ModifyItems,
        Intent::ReturnOrder => OrderAction::Return,
        Intent::ExchangeOrder => OrderAction::Exchange,
        Intent::ChangeAddress => OrderAction::ChangeAddress,
        _ => return None,
    })
}

/// The message names who the customer is.
fn identifies(u: &Understanding) -> bool {
    ["email", "name", "zip"]
        .iter()
        .any(|k| u.entities.first(k).is_some())
}

/// About one of the customer's own orders or their account: an order id,
/// or their order, parcel, refund, gift card or what they paid.
fn personal_order(lower: &str, u: &Understanding) -> bool {
    const THEIRS: &[&str] = &[
        "my ",
        "i paid",
        "did i ",
        "i spent",
        "i get back",
        "i got",
        "i ordered",
        "i bought",
        "我的",
        "我那个",
        "我当时",
        "我在",
        "我买",
        "我订",
        "我下的",
    ];
    const ORDERS: &[&str] = &[
        "order",
        "package",
        "parcel",
        "gift card",
        "refund",
        "paid",
        "pay for",
        "spend",
        "spent",
        "balance",
        "订单",
        "包裹",
        "快递",
        "礼品卡",
        "退款",
        "余额",
        "付了",
        "花了",
    ];
    u.entities.first("order_id").is_some()
        || (THEIRS.iter().any(|w| lower.contains(w)) && ORDERS.iter().any(|w| lower.contains(w)))
}

/// Words in `text`, a Chinese character counting half.
pub fn words(text: &str) -> usize {
    text.split_whitespace().count() + text.chars().filter(|c| crate::lang::is_cjk(*c)).count() / 2
}
