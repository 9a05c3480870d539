//! Nodes, typed relations and the adjacency indexes that make a neighbour
//! lookup one hash probe (the graph is built once at start and only read).

use serde::Serialize;
use std::collections::HashMap;

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Node {
    /// A product by id.
    Product(String),
    /// A variant by item id.
    Variant(String),
    /// A brand by name.
    Brand(String),
    /// A category by name (`apparel`, or one derived from a product name).
    Category(String),
    /// A policy clause by id (`P7`, `P7.2`).
    Policy(String),
    /// An FAQ entry by id.
    Faq(String),
    /// A shop action kind (`cancel`, `return`, …; see the policy table).
    Action(String),
    /// An FAQ topic: one of its tags (`shipping`, `gift card`).
    Topic(String),
}

/// A typed relation between two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Variant → product.
    VariantOf,
    /// Product → category.
    InCategory,
    /// Product → brand.
    MadeBy,
    /// Product → product: the catalog's `similar` list, or, for a product
    /// the catalog does not describe, the other products of its category.
    SimilarTo,
    /// FAQ entry or action → the policy clause that governs it.
    CoveredByPolicy,
    /// FAQ entry → a topic it answers questions about.
    Answers,
}

/// Edges with an index in each direction.
#[derive(Debug, Default)]
pub struct Graph {
    out: HashMap<Node, Vec<(Relation, Node)>>,
    into: HashMap<Node, Vec<(Relation, Node)>>,
    edges: usize,
}

impl Graph {
    /// Add `from -relation-> to`, once (a repeated edge is ignored, so data
    /// that lists a neighbour twice does not weigh it twice).
    pub fn add(&mut self, from: Node, relation: Relation, to: Node) {
        let out = self.out.entry(from.clone()).or_default();
        if out.iter().any(|(r, n)| *r == relation && *n == to) {
            return;
        }
        out.push((relation, to.clone()));
        self.into.entry(to).or_default().push((relation, from));
        self.edges += 1;
    }

    /// Nodes `from` points to by `relation`, in insertion order (the
    /// catalog's order for `similar_to`, which is its ranking).
    pub fn targets<'a>(
        &'a self,
        from: &Node,
        relation: Relation,
    ) -> impl Iterator<Item = &'a Node> + 'a {
        self.out
            .get(from)
            .into_iter()
            .flatten()
            .filter(move |(r, _)| *r == relation)
            .map(|(_, n)| n)
    }

    /// Nodes that point to `to` by `relation` (a category's products, a
    /// product's variants, a clause's FAQ entries).
    pub fn sources<'a>(
        &'a self,
        to: &Node,
        relation: Relation,
    ) -> impl Iterator<Item = &'a Node> + 'a {
        self.into
            .get(to)
            .into_iter()
            .flatten()
            .filter(move |(r, _)| *r == relation)
            .map(|(_, n)| n)
    }

    /// How many edges the graph has.
    pub fn len(&self) -> usize {
        self.edges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_both_directions_and_ignores_repeats() {
        let mut g = Graph::default();
        let p = |s: &str| Node::Product(s.into());
        g.add(p("a"), Relation::SimilarTo, p("b"));
        g.add(p("a"), Relation::SimilarTo, p("c"));
        g.add(p("a"), Relation::SimilarTo, p("b"));
        g.add(p("a"), Relation::InCategory, Node::Category("x".into()));
        assert_eq!(g.len(), 3);
        let similar: Vec<_> = g.targets(&p("a"), Relation::SimilarTo).collect();
        assert_eq!(similar, [&p("b"), &p("c")]);
        let members: Vec<_> = g
            .sources(&Node::Category("x".into()), Relation::InCategory)
            .collect();
        assert_eq!(members, [&p("a")]);
        assert_eq!(g.targets(&p("b"), Relation::SimilarTo).count(), 0);
    }
}
