//! The knowledge graph over the sample shop and the τ-bench catalog: FAQ
//! search for paraphrased questions in both languages (and nothing for
//! unrelated ones), product facts, similar products, policy clauses, and
//! facts whose values ground a reply.

use kefu::knowledge::{Fact, Knowledge, Node, Relation};
use kefu::lang::Language;
use kefu::pipeline::grounding::Grounding;
use kefu::shop::Product;
use std::collections::BTreeMap;
use std::path::Path;

fn products(path: &Path) -> Vec<Product> {
    let map: BTreeMap<String, Product> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    map.into_values().collect()
}

fn sample() -> Knowledge {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    Knowledge::build(products(&data.join("products.json")), &data)
}

#[test]
fn faq_answers_paraphrased_questions_in_both_languages() {
    let k = sample();
    let cases = [
        (
            "how many days until my parcel gets here with normal delivery",
            "faq-shipping-time",
        ),
        (
            "is delivery free or do I pay for postage",
            "faq-shipping-cost",
        ),
        (
            "can you send packages abroad to canada",
            "faq-international-shipping",
        ),
        ("do you take paypal or credit cards", "faq-payment-methods"),
        ("what is your warranty on electronics", "faq-warranty"),
        (
            "how long until the refund shows up on my card",
            "faq-refund-time",
        ),
        (
            "can I get a receipt or invoice for the company",
            "faq-invoice",
        ),
        (
            "what hours is your support team online",
            "faq-opening-hours",
        ),
        (
            "I forgot my password and cannot log in",
            "faq-account-password",
        ),
        (
            "why did my stuff come in separate boxes",
            "faq-split-shipment",
        ),
        ("运费怎么算", "faq-shipping-cost"),
        ("寄到国外可以吗", "faq-international-shipping"),
        ("退款一般几天到账", "faq-refund-time"),
        ("商品保修多久", "faq-warranty"),
        ("能开发票吗", "faq-invoice"),
        ("忘记密码了怎么登录", "faq-account-password"),
        ("茶叶怎么保存比较好", "faq-tea-freshness"),
        ("客服几点在线", "faq-opening-hours"),
    ];
    let mut misses = Vec::new();
    for (question, expected) in cases {
        let found = k.faq(question).map(|e| e.id.clone());
        if found.as_deref() != Some(expected) {
            misses.push(format!("{question:?}: expected {expected}, got {found:?}"));
        }
    }
    // A search engine is allowed a miss or two; most must land.
    assert!(
        misses.len() <= 3,
        "{} misses:\n{}",
        misses.len(),
        misses.join("\n")
    );
    for unrelated in [
        "what is the capital of france",
        "tell me a joke about cats",
        "今天天气怎么样",
    ] {
        assert!(
            k.faq(unrelated).is_none(),
            "{unrelated:?} matched {:?}",
            k.faq(unrelated).map(|e| &e.id)
        );
    }
}

#[test]
fn product_facts_similar_products_and_policy_clauses() {
    let k = sample();
    let tee = k
        .product_by_name("T-Shirt")
        .expect("the sample shop sells T-Shirts");
    let facts = k.product_facts(tee);
    assert!(
        facts.price_range.is_some() && facts.options.contains_key("color"),
        "{facts:?}"
    );
    assert!(facts.available.0 <= facts.available.1);
    assert_eq!(facts.brand.as_deref(), Some("Threadwell"));
    let similar = k.similar(tee, 3);
    assert!(!similar.is_empty() && similar.iter().all(|p| p.product_id != tee.product_id));
    assert!(
        similar
            .iter()
            .all(|p| p.variants.values().any(|v| v.available)),
        "only products in stock"
    );
    let node = Node::Product(tee.product_id.clone());
    assert!(!k.related(&node, Relation::InCategory).is_empty());
    let (id, text) = k.clause_for("cancel", kefu::lang::Language::En).unwrap();
    assert_eq!(id, "P7");
    assert!(text.to_lowercase().contains("cancel"), "{text}");
    let (id, text) = k.clause_for("return", kefu::lang::Language::Zh).unwrap();
    assert_eq!(id, "P11");
    assert!(text.contains("退"), "{text}");
}

#[test]
fn builds_over_the_taubench_catalog_without_a_catalog_file() {
    let taubench = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/taubench-retail");
    let k = Knowledge::build(products(&taubench.join("products.json")), &taubench);
    let bottle = k.product_by_name("Water Bottle").unwrap();
    let similar = k.similar(bottle, 5);
    assert!(similar.iter().all(|p| p.name != "Water Bottle"));
    let facts = k.product_facts(bottle);
    assert!(facts.options.contains_key("capacity"), "{facts:?}");
    assert!(
        k.faq("how long does shipping take").is_none(),
        "τ-bench ships no FAQ"
    );
}

#[test]
fn fact_values_ground_a_reply_and_nothing_else() {
    let k = sample();
    let tee = k.product_by_name("T恤").unwrap();
    let variant = k.variant_matching(tee, &["navy", "XL"]).unwrap();
    let facts = k.product_facts(tee);
    let policy = k.policy_for("cancel").unwrap();
    // What a flow hands the prompt: renderings plus raw values.
    let mut allowed: Vec<String> = vec![
        facts.text(Language::En).to_string(),
        variant.text(Language::Zh).to_string(),
        policy.text(Language::En).to_string(),
    ];
    allowed.extend(facts.values());
    allowed.extend(variant.values());
    let grounding = Grounding::from_texts(allowed.iter().map(String::as_str));
    let price = format!("${}", kefu::shop::money(variant.price));
    assert_eq!(price, "$32.50");
    let reply = format!(
        "The navy XL T-Shirt (item {}) is {price}; a pending order can be cancelled, \
         refunded within 5–7 business days.",
        variant.item_id
    );
    assert_eq!(grounding.check(&reply), None, "{reply}");
    assert!(grounding
        .check("The navy XL T-Shirt is $19.99 today only.")
        .is_some());
    assert!(variant.text(Language::Zh).contains("$32.50"));
}
