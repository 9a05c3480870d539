//! Failed verifications, counted per sender identity and per claimed name
//! over every conversation in the last 24 hours: opening a new thread, a
//! new group or a new mail does not reset the count.

use super::{write, DAY_MS};
use crate::store::{CustomerWrite, Customers};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
struct Failures {
    /// When each failure happened (ms), oldest first, within the window.
    at: Vec<u64>,
}

/// The key a sender's failures count under.
pub fn sender_key(identity: &str) -> String {
    format!("failures/sender/{identity}")
}

/// The key failures with a claimed name count under: guesses at one
/// customer's zip from many senders add up.
pub fn name_key(name: &str) -> Option<String> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    (!name.is_empty()).then(|| format!("failures/name/{}", name.to_lowercase()))
}

/// The most failures any of `keys` had in the last day.
pub fn count(customers: &Customers, keys: &[String], now: u64) -> usize {
    keys.iter()
        .map(|key| {
            customers
                .read::<Failures>(key)
                .map(|f| {
                    f.at.iter()
                        .filter(|t| now.saturating_sub(**t) < DAY_MS)
                        .count()
                })
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0)
}

/// The writes recording one more failure under each of `keys`.
pub fn record(customers: &Customers, keys: &[String], now: u64) -> Vec<CustomerWrite> {
    keys.iter()
        .map(|key| {
            let mut failures = customers.read::<Failures>(key).unwrap_or_default();
            failures.at.retain(|t| now.saturating_sub(*t) < DAY_MS);
            failures.at.push(now);
            write(key.clone(), &failures)
        })
        .collect()
}
