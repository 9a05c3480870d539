//! The knowledge graph: products, variants, brands, categories, policy
//! clauses and FAQ entries as nodes with typed relations, built once at
//! start from `data/` and the imported shop, and queried for the facts a
//! reply may use.

mod faq;
mod policy;

pub use faq::FaqEntry;

use crate::shop::{money, Product};
use std::collections::BTreeMap;
use std::path::Path;

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    /// A product by id.
    Product(String),
    /// A variant by item id.
    Variant(String),
    /// A brand by name.
    Brand(String),
    /// A category by name.
    Category(String),
    /// A policy clause by id (`P7`).
    Policy(String),
    /// An FAQ entry by id.
    Faq(String),
}

/// A typed relation between two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    /// Variant → product.
    VariantOf,
    /// Product → category.
    InCategory,
    /// Product → brand.
    MadeBy,
    /// Product → product.
    SimilarTo,
    /// FAQ entry → the policy clause it explains.
    CoveredByPolicy,
}

/// The graph and its indexes.
#[derive(Debug, Default)]
pub struct Knowledge {
    products: BTreeMap<String, Product>,
    names_zh: BTreeMap<String, String>,
    edges: Vec<(Node, Relation, Node)>,
    policy: policy::Policy,
    faq: faq::FaqIndex,
}

/// Facts about a product, ready for a prompt and for the guard.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProductFacts {
    /// Product name.
    pub name: String,
    /// Chinese name, when the catalog has one.
    pub name_zh: Option<String>,
    /// Lowest and highest price of the available variants.
    pub price_range: Option<(String, String)>,
    /// Option name → values available now.
    pub options: BTreeMap<String, Vec<String>>,
    /// Available variants / all variants.
    pub available: (usize, usize),
    /// Brand, when known.
    pub brand: Option<String>,
}

impl Knowledge {
    /// Build the graph from the shop's products and the data directory
    /// (`catalog.json`, `faq.json`, `policy.*.md`; each optional).
    pub fn build(products: Vec<Product>, data: &Path) -> Self {
        let mut k = Knowledge::default();
        let catalog: BTreeMap<String, serde_json::Value> =
            std::fs::read_to_string(data.join("catalog.json"))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
        for product in products {
            let id = product.product_id.clone();
            for item in product.variants.keys() {
                k.edges.push((
                    Node::Variant(item.clone()),
                    Relation::VariantOf,
                    Node::Product(id.clone()),
                ));
            }
            let entry = catalog.get(&id);
            let category = entry
                .and_then(|e| e["category"].as_str())
                .map(str::to_string)
                .unwrap_or_else(|| derived_category(&product.name));
            k.edges.push((
                Node::Product(id.clone()),
                Relation::InCategory,
                Node::Category(category),
            ));
            if let Some(brand) = entry.and_then(|e| e["brand"].as_str()) {
                k.edges.push((
                    Node::Product(id.clone()),
                    Relation::MadeBy,
                    Node::Brand(brand.into()),
                ));
            }
            for similar in entry
                .and_then(|e| e["similar"].as_array())
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str())
            {
                k.edges.push((
                    Node::Product(id.clone()),
                    Relation::SimilarTo,
                    Node::Product(similar.into()),
                ));
            }
            if let Some(zh) = entry.and_then(|e| e["name_zh"].as_str()) {
                k.names_zh.insert(id.clone(), zh.into());
            }
            k.products.insert(id, product);
        }
        k.policy = policy::Policy::load(data);
        k.faq = faq::FaqIndex::load(data);
        for entry in k.faq.entries() {
            for tag in &entry.tags {
                if let Some(clause) = tag.strip_prefix("policy:") {
                    k.edges.push((
                        Node::Faq(entry.id.clone()),
                        Relation::CoveredByPolicy,
                        Node::Policy(clause.into()),
                    ));
                }
            }
        }
        k
    }

    /// Nodes related to `from` by `relation`.
    pub fn related(&self, from: &Node, relation: Relation) -> Vec<&Node> {
        self.edges
            .iter()
            .filter(|(f, r, _)| f == from && *r == relation)
            .map(|(_, _, to)| to)
            .collect()
    }

    /// The product with this (catalog) name.
    pub fn product_by_name(&self, name: &str) -> Option<&Product> {
        self.products
            .values()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Facts about a product.
    pub fn product_facts(&self, product: &Product) -> ProductFacts {
        let available: Vec<_> = product.variants.values().filter(|v| v.available).collect();
        let mut options: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for variant in &available {
            for (k, v) in &variant.options {
                let values = options.entry(k.clone()).or_default();
                if !values.contains(v) {
                    values.push(v.clone());
                }
            }
        }
        let prices: Vec<f64> = available.iter().map(|v| v.price).collect();
        let price_range = (!prices.is_empty()).then(|| {
            let lo = prices.iter().cloned().fold(f64::MAX, f64::min);
            let hi = prices.iter().cloned().fold(f64::MIN, f64::max);
            (money(lo), money(hi))
        });
        let brand = self
            .related(&Node::Product(product.product_id.clone()), Relation::MadeBy)
            .first()
            .and_then(|n| match n {
                Node::Brand(b) => Some(b.clone()),
                _ => None,
            });
        ProductFacts {
            name: product.name.clone(),
            name_zh: self.names_zh.get(&product.product_id).cloned(),
            price_range,
            options,
            available: (available.len(), product.variants.len()),
            brand,
        }
    }

    /// Products like `product`: its `similar_to` neighbours, then others of
    /// its category; only ones with an available variant.
    pub fn similar(&self, product: &Product, limit: usize) -> Vec<&Product> {
        let node = Node::Product(product.product_id.clone());
        let mut out: Vec<&Product> = Vec::new();
        let in_stock = |p: &&Product| p.variants.values().any(|v| v.available);
        for n in self.related(&node, Relation::SimilarTo) {
            if let Node::Product(id) = n {
                out.extend(self.products.get(id).filter(in_stock));
            }
        }
        let categories = self.related(&node, Relation::InCategory);
        for p in self.products.values().filter(in_stock) {
            let same = self.related(&Node::Product(p.product_id.clone()), Relation::InCategory)
                == categories;
            if same
                && p.product_id != product.product_id
                && !out.iter().any(|o| o.product_id == p.product_id)
            {
                out.push(p);
            }
        }
        out.truncate(limit);
        out
    }

    /// Products of the categories a customer bought from (by product names),
    /// not yet bought, in stock: recommendations.
    pub fn recommend(&self, bought: &[String], limit: usize) -> Vec<&Product> {
        let mut out: Vec<&Product> = Vec::new();
        for name in bought {
            if let Some(p) = self.product_by_name(name) {
                for s in self.similar(p, limit) {
                    if !bought.contains(&s.name)
                        && !out.iter().any(|o| o.product_id == s.product_id)
                    {
                        out.push(s);
                    }
                }
            }
        }
        if out.is_empty() {
            out = self
                .products
                .values()
                .filter(|p| p.variants.values().any(|v| v.available))
                .take(limit)
                .collect();
        }
        out.truncate(limit);
        out
    }

    /// The policy clause behind an action (`cancel` → P7), in a language.
    pub fn clause_for(&self, action: &str, language: &str) -> Option<(String, String)> {
        self.policy.for_action(action, language)
    }

    /// The FAQ entry that answers `question`, if one does well enough.
    pub fn faq(&self, question: &str) -> Option<&FaqEntry> {
        self.faq.search(question)
    }
}

/// A category for a product the catalog does not describe: its name's last
/// word ("Water Bottle" → "bottle").
fn derived_category(name: &str) -> String {
    name.split_whitespace()
        .last()
        .unwrap_or(name)
        .to_lowercase()
}
