//! Linked identities: once a sender (platform + platform user id) has been
//! verified as a customer, later conversations from that sender on that
//! platform start verified, and the customer's profile lists every identity
//! it was verified from. Kept in the `customers` tree under
//! `identity/<channel>:<sender id>`.

use crate::shop::profile;
use crate::store::CustomerWrite;

/// The customer a sender identity was verified as, if any.
pub fn linked(customers: &sled::Tree, identity: &str) -> Option<String> {
    customers
        .get(format!("identity/{identity}"))
        .ok()
        .flatten()
        .map(|v| String::from_utf8_lossy(&v).into_owned())
}

/// The writes that record `identity` as `customer`'s, committed with the
/// turn that verified it. `profile` is the customer's profile as this turn
/// leaves it (`None`: as stored).
pub fn link(
    customers: &sled::Tree,
    identity: &str,
    customer: &str,
    profile: Option<profile::Profile>,
) -> Vec<CustomerWrite> {
    let mut writes = vec![CustomerWrite {
        key: format!("identity/{identity}"),
        value: customer.as_bytes().to_vec(),
    }];
    let mut profile = profile
        .or_else(|| profile::load(customers, customer))
        .unwrap_or_default();
    if !profile.identities.iter().any(|i| i == identity) {
        profile.identities.push(identity.to_string());
        writes.push(profile::write(customer, &profile));
    }
    writes
}
