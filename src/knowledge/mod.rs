//! The knowledge graph: products, variants, brands, categories, policy
//! clauses, FAQ entries, shop actions and FAQ topics as nodes with typed
//! relations ([`Relation`]), built once at start from the imported shop and
//! `data/`, and queried for the facts a reply may use.
//!
//! Every query answers with small fact structs ([`ProductFacts`],
//! [`VariantFacts`], [`Alternative`], [`ActionPolicy`], [`FaqAnswer`]) that
//! implement [`Fact`]: a short rendering in English and Chinese that a
//! prompt includes verbatim, and the raw values (prices, item ids, clause
//! ids) a grounding guard checks a reply against.
//!
//! - a product: [`Knowledge::product_by_name`] / [`Knowledge::product`], then
//!   [`Knowledge::product_facts`]; a variant: [`Knowledge::variant_facts`],
//!   or by option values [`Knowledge::variant_matching`];
//! - alternatives: [`Knowledge::alternatives`] (available first);
//!   recommendations from what a customer bought: [`Knowledge::recommend`];
//! - the policy behind an action: [`Knowledge::policy_for`] (table in
//!   [`ACTION_CLAUSES`]); one clause: [`Knowledge::clause`];
//! - the FAQ entry answering a question: [`Knowledge::faq_answer`].

mod catalog;
mod facts;
mod faq;
mod graph;
mod policy;
mod products;
mod text;

pub use catalog::{derived_category, CatalogEntry};
pub use facts::{Alternative, Fact, ProductFacts, ProductMeta, Reason, Texts, VariantFacts};
pub use faq::{FaqAnswer, FaqEntry};
pub use graph::{Node, Relation};
pub use policy::{ActionPolicy, Clause, ACTION_CLAUSES};

use crate::lang::Language;
use crate::shop::Product;
use catalog::ZhWords;
use graph::Graph;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// The graph, its indexes and the texts behind its policy and FAQ nodes.
#[derive(Debug, Default)]
pub struct Knowledge {
    products: BTreeMap<String, Product>,
    meta: HashMap<String, ProductMeta>,
    /// Lowercased name, Chinese name and aliases → product id.
    names: HashMap<String, String>,
    /// Products whose `similar_to` edges come from the catalog (the others'
    /// are the same-category fallback).
    curated: HashSet<String>,
    graph: Graph,
    policy: policy::Policy,
    faq: faq::FaqIndex,
    zh: ZhWords,
}

impl Knowledge {
    /// Build the graph from the shop's products and a data directory
    /// (`catalog.json`, `lexicon.json`, `faq.json`, `policy.{en,zh}.md`; each
    /// optional: τ-bench's shop has none of them).
    pub fn build(products: Vec<Product>, data: &Path) -> Self {
        Self::build_with(products, data, Vec::new())
    }

    /// [`Knowledge::build`] with FAQ entries learned from operators'
    /// answers (`kefu learn approve`) after the shop's own.
    pub fn build_with(products: Vec<Product>, data: &Path, learned: Vec<faq::FaqEntry>) -> Self {
        let catalog = catalog::load(data);
        let mut k = Knowledge {
            policy: policy::Policy::load(data),
            faq: faq::FaqIndex::load(data, learned),
            zh: ZhWords::load(data),
            ..Knowledge::default()
        };
        for product in products {
            let entry = catalog.get(&product.product_id);
            k.add_product(product, entry);
        }
        k.add_similar(&catalog);
        for entry in k.faq.entries() {
            let node = Node::Faq(entry.id.clone());
            for clause in entry.clauses() {
                k.graph.add(
                    node.clone(),
                    Relation::CoveredByPolicy,
                    Node::Policy(clause.into()),
                );
            }
            for topic in entry.topics() {
                k.graph
                    .add(node.clone(), Relation::Answers, Node::Topic(topic.into()));
            }
        }
        for (action, ids) in ACTION_CLAUSES {
            for id in ids.iter().filter(|id| k.policy.clause(id).is_some()) {
                k.graph.add(
                    Node::Action(action.to_string()),
                    Relation::CoveredByPolicy,
                    Node::Policy(id.to_string()),
                );
            }
        }
        k
    }

    /// Every name a customer may use for a product (its name, Chinese name
    /// and aliases, lowercased) with the product's name.
    pub fn product_aliases(&self) -> Vec<(String, String)> {
        self.names
            .iter()
            .filter_map(|(alias, id)| {
                self.products
                    .get(id)
                    .map(|p| (alias.clone(), p.name.clone()))
            })
            .collect()
    }

    /// Words customers use for option values (`白色` → `white`).
    pub fn option_words(&self) -> &[(String, String)] {
        self.zh.words()
    }

    fn add_product(&mut self, product: Product, entry: Option<&CatalogEntry>) {
        let id = product.product_id.clone();
        let node = Node::Product(id.clone());
        let entry = entry.cloned().unwrap_or_default();
        let (category, category_zh) = match entry.category {
            Some(category) => (category, entry.category_zh),
            None => derived_category(&product.name),
        };
        for item in product.variants.keys() {
            self.graph.add(
                Node::Variant(item.clone()),
                Relation::VariantOf,
                node.clone(),
            );
        }
        self.graph.add(
            node.clone(),
            Relation::InCategory,
            Node::Category(category.clone()),
        );
        if let Some(brand) = &entry.brand {
            self.graph
                .add(node, Relation::MadeBy, Node::Brand(brand.clone()));
        }
        let names = std::iter::once(&product.name)
            .chain(entry.name_zh.iter())
            .chain(entry.aliases.iter());
        for name in names {
            // The first product to claim a name keeps it (ids in order).
            self.names
                .entry(normalize(name))
                .or_insert_with(|| id.clone());
        }
        self.meta.insert(
            id.clone(),
            ProductMeta {
                name_zh: entry.name_zh,
                brand: entry.brand,
                category,
                category_zh,
            },
        );
        self.products.insert(id, product);
    }

    /// `similar_to` edges: the catalog's list (to products the shop has),
    /// else every other product of the same category.
    fn add_similar(&mut self, catalog: &BTreeMap<String, CatalogEntry>) {
        let ids: Vec<String> = self.products.keys().cloned().collect();
        for id in ids {
            let node = Node::Product(id.clone());
            let listed: Vec<String> = catalog
                .get(&id)
                .map(|e| e.similar.clone())
                .unwrap_or_default()
                .into_iter()
                .filter(|s| *s != id && self.products.contains_key(s))
                .collect();
            let targets = if listed.is_empty() {
                self.same_category(&id)
            } else {
                self.curated.insert(id.clone());
                listed
            };
            for target in targets {
                self.graph
                    .add(node.clone(), Relation::SimilarTo, Node::Product(target));
            }
        }
    }

    /// The other products of `id`'s category, in id order.
    fn same_category(&self, id: &str) -> Vec<String> {
        let Some(meta) = self.meta.get(id) else {
            return Vec::new();
        };
        self.graph
            .sources(&Node::Category(meta.category.clone()), Relation::InCategory)
            .filter_map(|n| match n {
                Node::Product(p) if p != id => Some(p.clone()),
                _ => None,
            })
            .collect()
    }

    /// Nodes `from` points to by `relation`.
    pub fn related(&self, from: &Node, relation: Relation) -> Vec<&Node> {
        self.graph.targets(from, relation).collect()
    }

    /// Nodes pointing to `to` by `relation` (a category's products, a
    /// clause's FAQ entries and actions).
    pub fn sources(&self, to: &Node, relation: Relation) -> Vec<&Node> {
        self.graph.sources(to, relation).collect()
    }

    /// How many edges the graph has.
    pub fn edge_count(&self) -> usize {
        self.graph.len()
    }

    /// The policy clauses governing a shop action (`cancel` → P7, P14), with
    /// their texts in both languages; `None` for an unknown action.
    pub fn policy_for(&self, action: &str) -> Option<ActionPolicy> {
        self.policy.for_action(action)
    }

    /// One policy clause by id (`P7`, `P7.2`).
    pub fn clause(&self, id: &str) -> Option<&Clause> {
        self.policy.clause(id)
    }

    /// Every policy clause and sub-clause, in the policy's order.
    pub fn clauses(&self) -> &[Clause] {
        self.policy.clauses()
    }

    /// The deciding clause behind an action as (id, text in `language`):
    /// what a refusal cites.
    pub fn clause_for(&self, action: &str, language: Language) -> Option<(String, String)> {
        let policy = self.policy.for_action(action)?;
        let clause = policy.clauses.into_iter().next()?;
        let text = match language {
            Language::Zh => clause.text.zh,
            Language::En => clause.text.en,
        };
        Some((clause.id, text))
    }

    /// The FAQ entry that answers `question`, as a fact; `None` when no
    /// entry scores well enough (an unrelated question).
    pub fn faq_answer(&self, question: &str) -> Option<FaqAnswer> {
        self.faq.answer(question)
    }

    /// The FAQ entry that answers `question`, as stored.
    pub fn faq(&self, question: &str) -> Option<&FaqEntry> {
        self.faq.search(question).map(|(entry, _)| entry)
    }

    /// The FAQ entry that answers `question` and its BM25 score (higher:
    /// surer), for readers that weigh it.
    pub fn faq_scored(&self, question: &str) -> Option<(&FaqEntry, f64)> {
        self.faq.search(question)
    }

    /// Every FAQ entry, the shop's first, then the learned ones.
    pub fn faq_entries(&self) -> &[FaqEntry] {
        self.faq.entries()
    }

    /// The FAQ entry with this id.
    pub fn faq_by_id(&self, id: &str) -> Option<&FaqEntry> {
        self.faq.entries().iter().find(|e| e.id == id)
    }
}

/// Names compare lowercased with whitespace collapsed.
fn normalize(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests;
