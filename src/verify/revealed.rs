//! Order numbers shown to someone who proved only a public fact (the
//! account's email): such a number is no longer the owner's secret, so
//! for a while it proves nothing as a second fact, in any conversation.
//! Kept in the `customers` tree under `revealed/<user id>`: each number and
//! when it was last shown so.

use super::{write, DAY_MS};
use crate::store::{CustomerWrite, Customers};
use std::collections::BTreeMap;

/// How long an order number shown to an unproven sender stops counting as
/// a second fact.
pub const WINDOW_DAYS: u64 = 30;

fn key(customer: &str) -> String {
    format!("revealed/{customer}")
}

/// The write that records `ids` of `customer` were shown to an unproven
/// sender at `now` (expired entries dropped), committed with the turn
/// that showed them.
pub fn record(customers: &Customers, customer: &str, ids: &[String], now: u64) -> CustomerWrite {
    let mut shown: BTreeMap<String, u64> = customers.read(&key(customer)).unwrap_or_default();
    shown.retain(|_, at| now.saturating_sub(*at) < WINDOW_DAYS * DAY_MS);
    for id in ids {
        shown.insert(id.clone(), now);
    }
    write(key(customer), &shown)
}

/// Whether order `id` of `customer` was shown to an unproven sender in the
/// last [`WINDOW_DAYS`].
pub fn recently(customers: &Customers, customer: &str, id: &str, now: u64) -> bool {
    customers
        .read::<BTreeMap<String, u64>>(&key(customer))
        .and_then(|shown| shown.get(id).copied())
        .is_some_and(|at| now.saturating_sub(at) < WINDOW_DAYS * DAY_MS)
}
