//! Linked senders: once a sender (platform + platform user id) has proved
//! to be a customer strongly enough to change their orders, their later
//! conversations start verified until the link expires (`verify.link_days`).
//! Kept in the `customers` tree under `identity/<channel>:<sender id>`; the
//! customer's profile lists the identities linked to it. `kefu customer
//! links` lists them, `kefu customer unlink` removes one.

use super::{write, VerifyPolicy};
use crate::shop::profile;
use crate::store::{CustomerWrite, Customers};
use serde::{Deserialize, Serialize};

/// How the linked sender proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proof {
    /// A code mailed to the account's email.
    Code,
    /// Two facts of the account, one of them not public (its zip beside
    /// the name or the email), where the shop mails no code.
    Facts,
    /// One fact (an older kefu linked on the email alone): enough to read
    /// the account, not to change it.
    Claim,
}

/// One link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The customer's user id.
    pub customer: String,
    /// When the link was made (ms since the epoch).
    pub since: u64,
    /// When it stops counting (ms since the epoch).
    pub until: u64,
    /// How the sender proved it.
    pub proof: Proof,
}

/// The live link of `identity`, if any. Links of an older kefu (a bare
/// user id, no expiry, made on any verification) do not count.
pub fn linked(customers: &Customers, identity: &str, now: u64) -> Option<Link> {
    customers
        .read::<Link>(&format!("identity/{identity}"))
        .filter(|link| link.until > now)
}

/// The writes that link `identity` to `customer` for `policy.link_days`,
/// committed with the turn that proved it. `profile` is the customer's
/// profile as this turn leaves it (`None`: as stored).
pub fn link(
    customers: &Customers,
    identity: &str,
    customer: &str,
    proof: Proof,
    policy: &VerifyPolicy,
    now: u64,
    profile: Option<profile::Profile>,
) -> Vec<CustomerWrite> {
    if policy.link_days == 0 {
        return Vec::new();
    }
    let record = Link {
        customer: customer.to_string(),
        since: now,
        until: now + policy.link_days * super::DAY_MS,
        proof,
    };
    let mut writes = vec![write(format!("identity/{identity}"), &record)];
    let mut profile = profile
        .or_else(|| profile::load(customers, customer))
        .unwrap_or_default();
    if !profile.identities.iter().any(|i| i == identity) {
        profile.identities.push(identity.to_string());
        writes.push(profile::write(customer, &profile));
    }
    writes
}

/// Every link, live or expired, by identity.
pub fn list(customers: &Customers) -> Vec<(String, Option<Link>)> {
    customers.scan("identity/")
}

/// Remove `identity`'s link and its place in the customer's profile.
/// `false`: there was none.
pub fn unlink(customers: &Customers, identity: &str) -> crate::store::Result<bool> {
    let Some(old) = customers.remove(&format!("identity/{identity}"))? else {
        return Ok(false);
    };
    let customer = serde_json::from_slice::<Link>(&old)
        .map(|l| l.customer)
        .unwrap_or_else(|_| String::from_utf8_lossy(&old).into_owned());
    if let Some(mut profile) = profile::load(customers, &customer) {
        profile.identities.retain(|i| i != identity);
        customers.apply(&[profile::write(&customer, &profile)])?;
    }
    Ok(true)
}
