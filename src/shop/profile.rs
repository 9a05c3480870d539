//! The customer profile: what the shop knows from orders (categories,
//! spend, recency) and what conversations taught (language, stated
//! preferences, mood trend). Kept in the `customers` tree under
//! `profile/<user_id>`; used for recommendations and tone.

use super::model::{money, Order, User};
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
    /// Build the order part of a profile.
    pub fn from_orders(user: &User, orders: &[Order]) -> Self {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut spend = 0.0;
        for order in orders {
            if order.status != "cancelled" {
                spend += order.total();
            }
            for item in &order.items {
                *counts.entry(item.name.as_str()).or_default() += 1;
            }
        }
        let mut bought: Vec<(&str, usize)> = counts.into_iter().collect();
        bought.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        Profile {
            orders: orders.len(),
            spend: super::model::round_cents(spend),
            bought: bought
                .into_iter()
                .map(|(name, _)| name.to_string())
                .collect(),
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

/// Read a stored profile.
pub fn load(tree: &sled::Tree, user_id: &str) -> Option<Profile> {
    tree.get(format!("profile/{user_id}"))
        .ok()
        .flatten()
        .and_then(|b| serde_json::from_slice(&b).ok())
}

/// Store a profile (best effort: a profile is a convenience, never a promise).
pub fn save(tree: &sled::Tree, user_id: &str, profile: &Profile) {
    if let Ok(bytes) = serde_json::to_vec(profile) {
        let _ = tree.insert(format!("profile/{user_id}"), bytes);
    }
}
