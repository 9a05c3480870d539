//! The rules' reading, the model's answer checked against the shop's
//! choices, and the router's merge, over the sample shop in `data/`.

use super::model::ModelReader;
use super::route::merge;
use super::*;
use crate::knowledge::Knowledge;
use crate::nlu::{Lexicon, Nlu};
use crate::shop::Product;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

fn reader() -> Reader {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let products: BTreeMap<String, Product> =
        serde_json::from_str(&std::fs::read_to_string(data.join("products.json")).unwrap())
            .unwrap();
    let products: Vec<Product> = products.into_values().collect();
    let nlu = Nlu::new(Lexicon::new(&products).with_data_dir(&data));
    let knowledge = Arc::new(Knowledge::build(products, &data));
    Reader::new(nlu, knowledge, "Demo", ReadMode::Always)
}

fn frame(text: &str) -> Frame {
    reader().by_rules(text).frame
}

#[test]
fn a_policy_question_is_the_faq_not_an_action_on_an_order() {
    let f = frame("can orders still be cancelled once they have shipped?");
    assert_eq!(
        (f.topic, f.faq.as_deref()),
        (Topic::Faq, Some("faq-cancel-order"))
    );
    let f = frame("退货期限是多少天");
    assert_eq!(
        (f.topic, f.faq.as_deref()),
        (Topic::Faq, Some("faq-return-window"))
    );
    // Their own order, by id or by "my": an order matter.
    let f = frame("please cancel my order #W3767039");
    assert_eq!(f.topic, Topic::Order);
    assert!(f.sure);
    assert_eq!(frame("what's my gift card balance").topic, Topic::Order);
}

#[test]
fn a_product_question_says_what_it_asks() {
    let f = frame("how much is the hoodie?");
    assert_eq!(f.topic, Topic::Product);
    assert_eq!(f.product.as_deref(), Some("Hoodie"));
    assert_eq!(f.property, Some(Property::Price));
    let f = frame("what colors does the hoodie come in");
    assert_eq!(f.property, Some(Property::Option("color".into())));
    let f = frame("is the tent waterproof?");
    assert_eq!(f.product.as_deref(), Some("Camping Tent"));
    assert_eq!(f.property, Some(Property::Unknown));
    // Unknown: the rules are not sure, the model may read it.
    assert!(!f.sure);
}

#[test]
fn greetings_and_handoffs_are_read_surely() {
    let f = frame("hello!");
    assert_eq!(f.topic, Topic::Greeting);
    let f = frame("转人工");
    assert_eq!(f.topic, Topic::Handoff);
}

fn model() -> ModelReader {
    reader().model_reader().clone()
}

#[test]
fn the_schema_offers_only_the_shops_choices() {
    let m = model();
    let schema = m.choices().schema();
    let faq = schema["properties"]["faq"]["enum"].as_array().unwrap();
    assert_eq!(faq.len(), 28 + 1, "every FAQ id and none");
    let properties = schema["properties"]["property"]["enum"].as_array().unwrap();
    assert!(properties.iter().any(|p| p == "color"));
    let prompt = m.choices().prompt("Demo");
    assert!(prompt.contains("faq-shipping-time: How long does shipping take?"));
    assert!(prompt.contains("Camping Tent 露营帐篷 (outdoor;"));
}

#[test]
fn a_models_answer_is_a_frame_only_if_it_names_what_the_shop_has() {
    let m = model();
    let f = m
        .parse(r#"{"topic":"general_question","faq":"faq-gift-cards","product":"none","property":"none","need":"none"}"#)
        .unwrap();
    assert_eq!(
        (f.topic, f.faq.as_deref(), f.source),
        (Topic::Faq, Some("faq-gift-cards"), Source::Model)
    );
    // A FAQ topic with an id the shop does not have is no frame.
    assert!(m
        .parse(r#"{"topic":"general_question","faq":"faq-ponies"}"#)
        .is_none());
    assert!(m.parse("the customer wants the FAQ").is_none());
    assert!(m.parse(r#"{"topic":"weather"}"#).is_none());
    // Only the fields that apply.
    assert_eq!(
        m.parse(r#"{"topic":"greeting"}"#).unwrap().topic,
        Topic::Greeting
    );
    // The prompt's words, not the frame's labels.
    assert!(m
        .parse(r#"{"topic":"faq","faq":"faq-gift-cards"}"#)
        .is_none());
    // An option the product does not have: the catalogue does not say.
    let f = m
        .parse(r#"{"topic":"product_question","faq":"none","product":"Longjing Green Tea","property":"color","need":"none"}"#)
        .unwrap();
    assert_eq!(f.property, Some(Property::Unknown));
    let f = m
        .parse(r#"{"topic":"wants_recommendation","faq":"none","product":"none","property":"none","need":"outdoor"}"#)
        .unwrap();
    assert_eq!(f.need.as_deref(), Some("outdoor"));
}

#[test]
fn the_router_keeps_the_rules_order_matters_and_answers_and_takes_the_model_elsewhere() {
    let r = reader();
    let faq = Frame {
        topic: Topic::Faq,
        faq: Some("faq-international-shipping".into()),
        source: Source::Model,
        ..Frame::default()
    };
    // An order matter with an id: the rules' reading (the flows need it).
    let u = merge(r.by_rules("cancel #W3767039 please"), Some(faq.clone()));
    assert_eq!(u.frame.topic, Topic::Order);
    assert_eq!(u.source, "rules");
    // An answer to a question: the rules' reading.
    let u = merge(
        r.by_rules("my email is li.wei@example.com"),
        Some(faq.clone()),
    );
    assert_eq!(u.frame.topic, Topic::Other);
    // What the rules could not read: the model's.
    let u = merge(
        r.by_rules("mate any chance u send stuff down under"),
        Some(faq.clone()),
    );
    assert_eq!(u.frame, faq);
    assert_eq!((u.source, u.intent), ("llm", crate::nlu::Intent::Other));
    // No frame from the model: the rules'.
    let rules = r.by_rules("mate any chance u send stuff down under");
    assert_eq!(merge(rules.clone(), None).frame, rules.frame);
}

#[test]
fn an_order_action_only_the_model_read_starts_that_request() {
    let r = reader();
    let m = model();
    let frame = m
        .parse(r#"{"topic":"about_my_order","faq":"none","product":"none","property":"none","need":"none","action":"cancel"}"#)
        .unwrap();
    assert_eq!(frame.action, Some(OrderAction::Cancel));
    // No cancel word: the rules cannot tell what is wanted.
    let u = merge(
        r.by_rules("I only wanted to see the shipping price but I placed the order by accident"),
        Some(frame),
    );
    assert_eq!(u.intent, crate::nlu::Intent::CancelOrder);
    assert_eq!(u.frame.topic, Topic::Order);
}

#[test]
fn their_own_order_in_everyday_words_is_an_order_matter() {
    for text in [
        "Can you cancel the order I placed yesterday?",
        "I’d like to exchange the lamp, can you help?",
        "can I return the hoodie? it's too small",
        "这个订单能取消吗",
    ] {
        assert_eq!(frame(text).topic, Topic::Order, "{text}");
    }
}

#[test]
fn a_need_is_a_whole_word() {
    let f = frame("any gift ideas for my teacher?");
    assert_eq!(f.topic, Topic::Recommendation);
    assert_ne!(f.need.as_deref(), Some("tea"));
    let f = frame("any gift ideas for someone who loves tea?");
    assert_eq!(f.need.as_deref(), Some("tea"));
}

#[test]
fn asking_to_see_ones_orders_is_an_order_matter_not_an_faq_entry() {
    for text in [
        "show me my orders",
        "can you list my orders please",
        "我的订单呢",
    ] {
        let f = frame(text);
        assert_eq!(f.topic, Topic::Order, "{text}: {f:?}");
    }
}
