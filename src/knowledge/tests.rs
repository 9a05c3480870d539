//! The graph over the sample shop (`data/`) and τ-bench's retail catalog
//! (read from `../shared/taubench-retail/`, never copied here).

use super::*;
use crate::lang::Language;
use std::time::Instant;

fn data() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

fn products(path: &Path) -> Vec<Product> {
    let map: BTreeMap<String, Product> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    map.into_values().collect()
}

fn sample() -> Knowledge {
    Knowledge::build(products(&data().join("products.json")), &data())
}

#[test]
fn nodes_and_typed_relations() {
    let k = sample();
    let tee = k.product_by_name("t-shirt").unwrap();
    let node = Node::Product(tee.product_id.clone());
    assert_eq!(
        k.related(&node, Relation::InCategory),
        [&Node::Category("apparel".into())]
    );
    assert_eq!(
        k.related(&node, Relation::MadeBy),
        [&Node::Brand("Threadwell".into())]
    );
    assert_eq!(k.sources(&node, Relation::VariantOf).len(), 6);
    assert_eq!(
        k.related(&Node::Variant("9106549121".into()), Relation::VariantOf),
        [&node]
    );
    let faq = Node::Faq("faq-return-window".into());
    assert_eq!(
        k.related(&faq, Relation::CoveredByPolicy),
        [&Node::Policy("P11".into())]
    );
    assert!(k
        .related(&faq, Relation::Answers)
        .contains(&&Node::Topic("refund".into())));
    let cancel = Node::Action("cancel".into());
    assert_eq!(
        k.related(&cancel, Relation::CoveredByPolicy),
        [&Node::Policy("P7".into()), &Node::Policy("P14".into())]
    );
    // The clause side: which FAQ entries and actions P7 covers.
    let covered = k.sources(&Node::Policy("P7".into()), Relation::CoveredByPolicy);
    assert!(covered.contains(&&cancel) && covered.contains(&&Node::Faq("faq-cancel-order".into())));
    // Names, Chinese names and aliases find the product.
    for name in ["T-Shirt", "T恤", "tee", "  T-SHIRT "] {
        assert_eq!(
            k.product_by_name(name).map(|p| &p.name),
            Some(&tee.name),
            "{name}"
        );
    }
    assert!(k.product_by_name("hovercraft").is_none());
}

#[test]
fn product_facts_render_in_both_languages_with_raw_values() {
    let k = sample();
    let facts = k.product_facts(k.product_by_name("T-Shirt").unwrap());
    assert_eq!(facts.price_range, Some(("24".into(), "32.50".into())));
    assert_eq!(facts.available, (5, 6));
    assert_eq!(facts.options["size"], ["S", "M", "L", "XL"]);
    // Red only came in an XL that is sold out.
    assert!(!facts.options["color"].contains(&"red".to_string()));
    assert!(facts.variants[..5].iter().all(|v| v.available) && !facts.variants[5].available);
    assert_eq!(
        facts.text(Language::En),
        "T-Shirt by Threadwell (apparel): $24 to $32.50; color: olive, black, white, navy; \
         material: linen blend, organic cotton; size: S, M, L, XL; 5 of 6 variants in stock."
    );
    assert_eq!(
        facts.text(Language::Zh),
        "T恤（Threadwell，服装）：价格 $24 至 $32.50；颜色：橄榄绿、黑色、白色、海军蓝；\
         材质：亚麻混纺、有机棉；尺码：S、M、L、XL；共 6 个规格，5 个有货。"
    );
    let values = facts.values();
    for v in ["9542555034", "9106549121", "8651675019", "24", "32.50"] {
        assert!(values.contains(&v.to_string()), "{v} in {values:?}");
    }
}

#[test]
fn variants_by_item_id_and_by_option_values() {
    let k = sample();
    let tee = k.product_by_name("T-Shirt").unwrap();
    let v = k.variant_matching(tee, &["White", "m"]).unwrap();
    assert_eq!(
        (v.item_id.as_str(), v.price, v.available),
        ("7956309454", 24.0, true)
    );
    assert_eq!(
        v.text(Language::En),
        "T-Shirt (color: white, material: organic cotton, size: M): $24, in stock."
    );
    assert_eq!(
        v.text(Language::Zh),
        "T恤（颜色：白色，材质：有机棉，尺码：M）：$24，有货。"
    );
    // Several fit: no single answer, the list has the available ones first.
    assert!(k.variant_matching(tee, &["XL"]).is_none());
    let xl = k.variants_matching(tee, &["XL"]);
    assert_eq!(xl.len(), 2);
    assert!(xl[0].available && !xl[1].available);
    assert!(k
        .variant_matching(tee, &["red"])
        .is_some_and(|v| !v.available));
    assert!(k.variants_matching(tee, &["purple"]).is_empty());
    assert_eq!(k.variants_matching::<&str>(tee, &[]).len(), 6);
    let by_id = k.variant_facts("8651675019").unwrap();
    assert_eq!(by_id.name, "T-Shirt");
    assert!(by_id.text(Language::En).ends_with("out of stock."));
    assert!(k.variant_facts("0000000000").is_none());
}

#[test]
fn alternatives_follow_the_catalog_then_the_category_available_first() {
    let k = sample();
    let tee = k.product_by_name("T-Shirt").unwrap();
    let alts = k.alternatives(tee, 4);
    let names: Vec<&str> = alts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names[..2], ["Hoodie", "Merino Sweater"]);
    assert!(alts[..2].iter().all(|a| a.reason == Reason::Similar));
    assert!(alts[2..].iter().all(|a| a.reason == Reason::SameCategory));
    assert!(alts.iter().all(|a| a.product_id != tee.product_id));
    assert_eq!(alts[0].text(Language::En), "Hoodie: from $58, in stock.");
    assert_eq!(alts[0].text(Language::Zh), "卫衣：$58 起，有货。");

    // A sold-out neighbour goes last, and `similar` leaves it out.
    let mut shop = products(&data().join("products.json"));
    for p in shop.iter_mut().filter(|p| p.name == "Hoodie") {
        p.variants.values_mut().for_each(|v| v.available = false);
    }
    let k = Knowledge::build(shop, &data());
    let tee = k.product_by_name("T-Shirt").unwrap();
    let alts = k.alternatives(tee, 10);
    assert_eq!(alts[0].name, "Merino Sweater");
    let last = alts.last().unwrap();
    assert_eq!((last.name.as_str(), last.in_stock), ("Hoodie", false));
    assert_eq!(last.text(Language::En), "Hoodie: out of stock.");
    assert!(k.similar(tee, 10).iter().all(|p| p.name != "Hoodie"));
    let picks = k.recommend(&["T-Shirt".into(), "Chef Knife".into()], 3);
    let names: Vec<&str> = picks.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.len(), 3);
    assert!(
        !names.contains(&"T-Shirt") && !names.contains(&"Hoodie"),
        "{names:?}"
    );
}

#[test]
fn policy_behind_cancel_and_return() {
    let k = sample();
    let cancel = k.policy_for("cancel").unwrap();
    assert_eq!(cancel.values(), ["P7", "P14"]);
    assert!(cancel
        .text(Language::En)
        .contains("Only pending orders can be cancelled"));
    assert!(cancel
        .text(Language::Zh)
        .contains("只有 pending 状态的订单可以取消"));
    let ret = k.policy_for("return").unwrap();
    assert_eq!(ret.values(), ["P11", "P12.5"]);
    assert!(ret
        .text(Language::En)
        .contains("within 30 days of delivery"));
    let (id, text) = k.clause_for("return", crate::lang::Language::Zh).unwrap();
    assert_eq!(id, "P11");
    assert!(text.starts_with("P11 — 退货。"), "{text}");
    assert_eq!(k.clause("P7.2").unwrap().title.en, "");
    assert!(k.policy_for("fly").is_none());
}

#[test]
fn faq_answers_and_relations_agree() {
    let k = sample();
    let answer = k.faq_answer("how do I send back a delivered item").unwrap();
    assert_eq!(answer.id, "faq-return-window");
    let linked = k.related(&Node::Faq(answer.id.clone()), Relation::CoveredByPolicy);
    assert_eq!(linked, [&Node::Policy(answer.clauses[0].clone())]);
    assert!(k.faq_answer("what is the capital of france").is_none());
}

#[test]
fn builds_over_the_taubench_shop_without_catalog_or_faq() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/taubench-retail");
    let k = Knowledge::build(products(&dir.join("products.json")), &dir);
    assert_eq!(k.products().count(), 50);
    let bottle = k.product_by_name("Water Bottle").unwrap();
    let facts = k.product_facts(bottle);
    assert!(facts.options.contains_key("capacity"), "{facts:?}");
    assert_eq!(facts.brand, None);
    assert_eq!(facts.category, "outdoor");
    let shoes = k.product_by_name("Running Shoes").unwrap();
    let alts = k.alternatives(shoes, 5);
    let names: Vec<&str> = alts.iter().map(|a| a.name.as_str()).collect();
    assert!(
        names.contains(&"Hiking Boots") && names.contains(&"Sneakers"),
        "{names:?}"
    );
    assert!(alts.iter().all(|a| a.reason == Reason::SameCategory));
    assert!(k.faq_answer("how long does shipping take").is_none());
    assert!(
        k.policy_for("cancel").is_none(),
        "τ-bench's policy.md is not ours"
    );
    let item = facts.variants[0].item_id.clone();
    assert_eq!(
        k.variant_facts(&item).unwrap().product_id,
        bottle.product_id
    );
}

#[test]
fn queries_take_microseconds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/taubench-retail");
    let started = Instant::now();
    let tau = Knowledge::build(products(&dir.join("products.json")), &dir);
    let build = started.elapsed();
    let k = sample();
    let tee = k.product_by_name("T-Shirt").unwrap().clone();
    let laptop = tau.product_by_name("Laptop").unwrap().clone();
    let rounds = 200;
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(k.faq_answer("how long until the refund shows up on my card"));
        std::hint::black_box(k.faq_answer("退款一般几天到账"));
        std::hint::black_box(k.variant_matching(&tee, &["white", "M"]));
        std::hint::black_box(k.alternatives(&tee, 3));
        std::hint::black_box(tau.product_facts(&laptop));
        std::hint::black_box(k.policy_for("cancel"));
    }
    let each = started.elapsed() / (rounds * 6);
    eprintln!("τ-bench build {build:?}; {each:?} per query");
    // Generous for an unoptimized build on a busy machine; release is ~10×
    // faster.
    assert!(each.as_micros() < 2_000, "{each:?} per query");
}
