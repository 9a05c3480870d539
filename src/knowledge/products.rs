//! Product queries: facts about a product or a variant, the variant with
//! given option values, alternatives and recommendations.

use super::facts::{self, Alternative, ProductFacts, ProductMeta, Reason, VariantFacts};
use super::{normalize, Knowledge, Node, Relation};
use crate::shop::Product;

impl Knowledge {
    /// A product by id.
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.get(id)
    }

    /// Every product, in id order.
    pub fn products(&self) -> impl Iterator<Item = &Product> {
        self.products.values()
    }

    /// The product with this name, Chinese name or catalog alias (case and
    /// spacing ignored): what the NLU's `product` entity names.
    pub fn product_by_name(&self, name: &str) -> Option<&Product> {
        self.names
            .get(&normalize(name))
            .and_then(|id| self.products.get(id))
    }

    /// The product an item id belongs to.
    pub fn product_of_item(&self, item_id: &str) -> Option<&Product> {
        let node = Node::Variant(item_id.to_string());
        match self.graph.targets(&node, Relation::VariantOf).next()? {
            Node::Product(id) => self.products.get(id),
            _ => None,
        }
    }

    /// What the graph knows about a product beyond its record: brand,
    /// category, Chinese name.
    pub fn meta(&self, product: &Product) -> ProductMeta {
        self.meta
            .get(&product.product_id)
            .cloned()
            .unwrap_or_else(|| ProductMeta {
                category: super::derived_category(&product.name).0,
                ..ProductMeta::default()
            })
    }

    /// Facts about a product: price range and options of what is
    /// available, how many variants are, every variant's id and price.
    pub fn product_facts(&self, product: &Product) -> ProductFacts {
        facts::product(product, &self.meta(product), &self.zh)
    }

    /// Facts about one variant by item id.
    pub fn variant_facts(&self, item_id: &str) -> Option<VariantFacts> {
        let product = self.product_of_item(item_id)?;
        let variant = product.variants.get(item_id)?;
        Some(facts::variant(
            product,
            &self.meta(product),
            variant,
            &self.zh,
        ))
    }

    /// The variants of `product` having every value in `values` (option
    /// values as the catalog writes them, any option: `["red", "XL"]`; case
    /// ignored), available ones first. No values: every variant.
    pub fn variants_matching<S: AsRef<str>>(
        &self,
        product: &Product,
        values: &[S],
    ) -> Vec<VariantFacts> {
        let meta = self.meta(product);
        let mut found: Vec<VariantFacts> = product
            .variants
            .values()
            .filter(|v| {
                values.iter().all(|want| {
                    let want = want.as_ref().trim();
                    v.options.values().any(|o| o.eq_ignore_ascii_case(want))
                })
            })
            .map(|v| facts::variant(product, &meta, v, &self.zh))
            .collect();
        found.sort_by_key(|v| !v.available);
        found
    }

    /// The one variant of `product` with these option values; `None` when
    /// none has them or they fit several (then ask which, with
    /// [`Self::variants_matching`]).
    pub fn variant_matching<S: AsRef<str>>(
        &self,
        product: &Product,
        values: &[S],
    ) -> Option<VariantFacts> {
        let mut found = self.variants_matching(product, values);
        (found.len() == 1).then(|| found.remove(0))
    }

    /// Products to offer instead of `product`: its `similar_to` neighbours
    /// in the catalog's order, then other products of its category; those
    /// with an available variant first. At most `limit`.
    pub fn alternatives(&self, product: &Product, limit: usize) -> Vec<Alternative> {
        let mut picks: Vec<(&Product, Reason)> = Vec::new();
        let id = &product.product_id;
        let curated = self.curated.contains(id);
        let node = Node::Product(id.clone());
        let neighbours = self.graph.targets(&node, Relation::SimilarTo).map(|n| {
            let reason = if curated {
                Reason::Similar
            } else {
                Reason::SameCategory
            };
            (n, reason)
        });
        let category = self.graph.targets(&node, Relation::InCategory).next();
        let members = category
            .into_iter()
            .flat_map(|c| self.graph.sources(c, Relation::InCategory))
            .map(|n| (n, Reason::SameCategory));
        for (n, reason) in neighbours.chain(members) {
            let Node::Product(other) = n else { continue };
            if other == id || picks.iter().any(|(p, _)| &p.product_id == other) {
                continue;
            }
            if let Some(p) = self.products.get(other) {
                picks.push((p, reason));
            }
        }
        // Stable: the graph's order stays within each group.
        picks.sort_by_key(|(p, _)| !in_stock(p));
        picks
            .into_iter()
            .take(limit)
            .map(|(p, reason)| facts::alternative(p, &self.meta(p), reason))
            .collect()
    }

    /// Like [`Self::alternatives`], as products, only those in stock.
    pub fn similar(&self, product: &Product, limit: usize) -> Vec<&Product> {
        self.alternatives(product, usize::MAX)
            .into_iter()
            .filter(|a| a.in_stock)
            .filter_map(|a| self.products.get(&a.product_id))
            .take(limit)
            .collect()
    }

    /// Recommendations for a customer who bought `bought` (product names):
    /// in-stock alternatives to those products that they did not buy,
    /// nearest first; with no history (or nothing related in stock), the
    /// first products in stock.
    pub fn recommend(&self, bought: &[String], limit: usize) -> Vec<&Product> {
        let owned: Vec<&Product> = bought
            .iter()
            .filter_map(|name| self.product_by_name(name))
            .collect();
        // Round-robin over the products bought: each one's nearest first,
        // so one purchase does not fill every slot.
        let lists: Vec<Vec<&Product>> = owned.iter().map(|p| self.similar(p, limit)).collect();
        let mut out: Vec<&Product> = Vec::new();
        for rank in 0..limit {
            for p in lists.iter().filter_map(|list| list.get(rank)) {
                let new = !owned.iter().any(|o| o.product_id == p.product_id)
                    && !out.iter().any(|o| o.product_id == p.product_id);
                if new {
                    out.push(p);
                }
            }
        }
        if out.is_empty() {
            out = self
                .products
                .values()
                .filter(|p| in_stock(p))
                .take(limit)
                .collect();
        }
        out.truncate(limit);
        out
    }
}

impl Knowledge {
    /// Up to `limit` products of a category that are in stock, the ones
    /// with the most variants in stock first (the shop's broadest picks).
    pub fn in_category(&self, category: &str, limit: usize) -> Vec<&Product> {
        let mut picks: Vec<&Product> = self
            .products
            .values()
            .filter(|p| in_stock(p) && self.meta(p).category == category)
            .collect();
        picks.sort_by_key(|p| {
            std::cmp::Reverse(p.variants.values().filter(|v| v.available).count())
        });
        picks.truncate(limit);
        picks
    }
}

fn in_stock(product: &Product) -> bool {
    product.variants.values().any(|v| v.available)
}
