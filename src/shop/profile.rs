//! The customer profile: what the shop knows from orders (categories,
//! spend, recency) and what conversations taught (language, stated
//! preferences, mood trend). Kept in the `customers` tree under
//! `profile/<user_id>`; used for recommendations and tone.
//!
//! The order part is recomputed from the shop whenever it is needed
//! ([`crate::shop::Shop::profile`]); the conversation part is merged in by
//! [`Profile::learn`] and kept ([`save`]).

use super::model::{money, Order, OrderStatus, User};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A customer's profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Orders on the account.
    pub orders: usize,
    /// Total paid on orders that were not cancelled, in dollars.
    pub spend: f64,
    /// Product names bought, most frequent first.
    pub bought: Vec<String>,
    /// Categories bought from (the shop's catalog; product names where it
    /// has none), most frequent first.
    #[serde(default)]
    pub categories: Vec<String>,
    /// The most recent order id (the account lists orders oldest first).
    pub last_order: Option<String>,
    /// Language of the last conversation (`en`, `zh`).
    pub language: Option<String>,
    /// Preferences the customer stated (option values such as colors).
    pub preferences: Vec<String>,
    /// Recent moods, newest last (`negative`, `neutral`, `positive`).
    pub moods: Vec<String>,
    /// Sender identities verified as this customer (`telegram:1001`).
    #[serde(default)]
    pub identities: Vec<String>,
}

impl Profile {
    /// Build the order part of a profile, with product names as categories.
    pub fn from_orders(user: &User, orders: &[Order]) -> Self {
        Self::from_orders_in(user, orders, |_| None)
    }

    /// Build the order part of a profile; `category` maps a product id to
    /// its category (`None`: the product's name stands for it).
    pub fn from_orders_in(
        user: &User,
        orders: &[Order],
        category: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        let mut categories: BTreeMap<String, usize> = BTreeMap::new();
        let mut spend = 0.0;
        for order in orders {
            // A cancelled order was refunded: it is not money spent.
            if order.status != OrderStatus::Cancelled {
                spend += order.total();
            }
            for item in &order.items {
                *names.entry(item.name.clone()).or_default() += 1;
                let cat = category(&item.product_id).unwrap_or_else(|| item.name.clone());
                *categories.entry(cat).or_default() += 1;
            }
        }
        Profile {
            orders: orders.len(),
            spend: super::model::round_cents(spend),
            bought: most_frequent(names),
            categories: most_frequent(categories),
            last_order: user.orders.last().cloned(),
            ..Profile::default()
        }
    }

    /// Merge what a conversation turn taught.
    pub fn learn(&mut self, language: &str, mood: &str, preferences: &[String]) {
        self.language = Some(language.to_string());
        self.moods.push(mood.to_string());
        if self.moods.len() > 5 {
            self.moods.remove(0);
        }
        for p in preferences {
            if !self.preferences.contains(p) {
                self.preferences.push(p.clone());
            }
        }
    }

    /// True when the customer has been unhappy in most recent turns: the
    /// reply should be brief and apologetic.
    pub fn upset(&self) -> bool {
        self.moods
            .iter()
            .rev()
            .take(3)
            .filter(|m| *m == "negative")
            .count()
            >= 2
    }

    /// One line for prompts.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!(
            "{} orders, ${} spent",
            self.orders,
            money(self.spend)
        )];
        if !self.bought.is_empty() {
            parts.push(format!(
                "bought {}",
                self.bought
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !self.preferences.is_empty() {
            parts.push(format!("likes {}", self.preferences.join(", ")));
        }
        if self.upset() {
            parts.push("upset recently".into());
        }
        parts.join("; ")
    }
}

/// Keys by count, most frequent first (ties by name, for stable replies).
fn most_frequent(counts: BTreeMap<String, usize>) -> Vec<String> {
    let mut counted: Vec<(String, usize)> = counts.into_iter().collect();
    counted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counted.into_iter().map(|(name, _)| name).collect()
}

/// Read a stored profile.
pub fn load(customers: &crate::store::Customers, user_id: &str) -> Option<Profile> {
    customers.read(&format!("profile/{user_id}"))
}

/// The write that stores a profile with the turn that changed it.
pub fn write(user_id: &str, profile: &Profile) -> crate::store::CustomerWrite {
    crate::store::CustomerWrite {
        key: format!("profile/{user_id}"),
        value: serde_json::to_vec(profile).expect("profiles serialize"),
        expected: None,
    }
}
