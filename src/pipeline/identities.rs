//! Linked identities: once a sender (platform + platform user id) has been
//! verified as a customer, later conversations from that sender on that
//! platform start verified, and the customer's profile lists every identity
//! it was verified from. Kept in the `customers` tree under
//! `identity/<channel>:<sender id>`.

use crate::shop::profile;

/// The customer a sender identity was verified as, if any.
pub fn linked(customers: &sled::Tree, identity: &str) -> Option<String> {
    customers
        .get(format!("identity/{identity}"))
        .ok()
        .flatten()
        .map(|v| String::from_utf8_lossy(&v).into_owned())
}

/// Record that `identity` belongs to `customer` (best effort: losing a link
/// only means the customer is asked to verify again).
pub fn link(customers: &sled::Tree, identity: &str, customer: &str) {
    let _ = customers.insert(format!("identity/{identity}"), customer.as_bytes());
    let mut profile = profile::load(customers, customer).unwrap_or_default();
    if !profile.identities.iter().any(|i| i == identity) {
        profile.identities.push(identity.to_string());
        profile::save(customers, customer, &profile);
    }
}
