//! How customers prove who they are beyond one message, kept in the
//! `customers` tree: senders linked to the customer they proved to be
//! (expiring), one-time codes mailed before changes, and failed attempts
//! counted per sender and per claimed name over every conversation.
//!
//! Nothing here writes: each function returns the [`CustomerWrite`]s that
//! the turn commits with its reply, so a turn decided again or never
//! committed leaves no trace.
//!
//! [`CustomerWrite`]: crate::store::CustomerWrite

pub mod codes;
pub mod failures;
pub mod links;

/// `[verify]` as the dialogue uses it.
#[derive(Debug, Clone)]
pub struct VerifyPolicy {
    /// A mailed code is needed before any change.
    pub code_for_changes: bool,
    /// Minutes a code stays valid.
    pub code_minutes: u64,
    /// Wrong tries per code.
    pub code_attempts: u32,
    /// Codes mailed per customer per day.
    pub codes_per_day: u32,
    /// Days a sender stays linked; 0: never linked.
    pub link_days: u64,
    /// Failed verifications per sender and per claimed name per day.
    pub max_failures_per_day: u32,
    /// Where no code is mailed, a purchase the customer told before kefu
    /// showed any (a product of the order, how its number ends) is the
    /// second fact for changes other than an address.
    pub purchase_proves: bool,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        Self {
            code_for_changes: false,
            code_minutes: 10,
            code_attempts: 5,
            codes_per_day: 5,
            link_days: 90,
            max_failures_per_day: 5,
            purchase_proves: true,
        }
    }
}

/// One day in milliseconds: the window of the daily limits.
pub const DAY_MS: u64 = 24 * 3600 * 1000;

/// The write that stores `value` at `key`.
fn write<T: serde::Serialize>(key: String, value: &T) -> crate::store::CustomerWrite {
    crate::store::CustomerWrite {
        key,
        value: serde_json::to_vec(value).expect("records serialize"),
        expected: None,
    }
}

/// A counter read for a turn: the record (or its default) and its bytes as
/// read, so the turn's write can require them unchanged.
fn read_counter<T: serde::de::DeserializeOwned + Default>(
    customers: &crate::store::Customers,
    key: &str,
) -> (T, Option<Vec<u8>>) {
    let raw = customers.read_raw(key);
    let value = raw
        .as_deref()
        .and_then(|bytes| serde_json::from_slice(bytes).ok())
        .unwrap_or_default();
    (value, raw)
}

/// The write that stores a counter read with [`read_counter`]: the turn's
/// commit fails (and the turn is decided again) if another turn changed it
/// meanwhile.
fn write_counter<T: serde::Serialize>(
    key: String,
    value: &T,
    read: Option<Vec<u8>>,
) -> crate::store::CustomerWrite {
    crate::store::CustomerWrite {
        expected: Some(read),
        ..write(key, value)
    }
}
