//! One-time codes mailed to the account's email before a change. A code
//! belongs to the customer, not to a conversation: it may be typed in any
//! channel, and its wrong tries and the codes sent per day are counted for
//! the customer wherever they happen.

use super::{read_counter, write_counter, VerifyPolicy, DAY_MS};
use crate::store::{CustomerWrite, Customers};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Digits in a code.
pub const DIGITS: usize = 6;

#[derive(Debug, Default, Serialize, Deserialize)]
struct CodeRecord {
    /// The code now valid (empty: none).
    code: String,
    /// When it stops being valid (ms).
    expires: u64,
    /// Wrong tries against it.
    wrong: u32,
    /// When codes were sent (ms), within the last day.
    sent: Vec<u64>,
}

fn key(customer: &str) -> String {
    format!("code/{customer}")
}

/// A new code for `customer` and the write that stores it, or `None` when
/// the day's codes are used up.
pub fn issue(
    customers: &Customers,
    customer: &str,
    policy: &VerifyPolicy,
    now: u64,
) -> Option<(String, CustomerWrite)> {
    let (mut record, read): (CodeRecord, _) = read_counter(customers, &key(customer));
    record.sent.retain(|t| now.saturating_sub(*t) < DAY_MS);
    if record.sent.len() >= policy.codes_per_day as usize {
        return None;
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    record.code = code.clone();
    record.expires = now + policy.code_minutes * 60_000;
    record.wrong = 0;
    record.sent.push(now);
    Some((code, write_counter(key(customer), &record, read)))
}

/// Whether `customer` has a code out that is still valid (so a request
/// asked again re-asks for it instead of mailing another).
pub fn outstanding(customers: &Customers, customer: &str, policy: &VerifyPolicy, now: u64) -> bool {
    customers
        .read::<CodeRecord>(&key(customer))
        .is_some_and(|r| !r.code.is_empty() && now <= r.expires && r.wrong < policy.code_attempts)
}

/// What a typed code turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The valid code: the customer proved access to the account's mail.
    Right,
    /// Not the code; this many tries are left.
    Wrong {
        /// Tries left before the code is void.
        left: u32,
    },
    /// The code's time is up.
    Expired,
    /// Too many wrong tries, or no code was sent: it cannot be checked.
    Void,
}

/// Check `typed` against the customer's code; the writes record the try
/// (a right code is used up, a wrong one counted).
pub fn check(
    customers: &Customers,
    customer: &str,
    typed: &str,
    policy: &VerifyPolicy,
    now: u64,
) -> (Check, Vec<CustomerWrite>) {
    let (record, read): (Option<CodeRecord>, _) = read_counter(customers, &key(customer));
    let Some(mut record) = record else {
        return (Check::Void, Vec::new());
    };
    // Every try is counted against the record as read: two tries at once
    // are never both the first.
    let write = |record: &CodeRecord| write_counter(key(customer), record, read.clone());
    if record.code.is_empty() || record.wrong >= policy.code_attempts {
        return (Check::Void, Vec::new());
    }
    if now > record.expires {
        record.code.clear();
        return (Check::Expired, vec![write(&record)]);
    }
    if constant_time_eq(record.code.as_bytes(), typed.as_bytes()) {
        record.code.clear();
        return (Check::Right, vec![write(&record)]);
    }
    record.wrong += 1;
    let left = policy.code_attempts.saturating_sub(record.wrong);
    if left == 0 {
        record.code.clear();
    }
    (Check::Wrong { left }, vec![write(&record)])
}

/// The code in a message: a group of exactly [`DIGITS`] digits, or two
/// groups of three ("123 456", "123-456").
pub fn find(text: &str) -> Option<String> {
    let mut digits = String::new();
    let mut found = None;
    for c in text.chars().chain([' ']) {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if (c == ' ' || c == '-') && digits.len() == DIGITS / 2 {
            continue;
        } else {
            if digits.len() == DIGITS {
                found = Some(digits.clone());
            }
            digits.clear();
        }
    }
    found
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The account's email as shown in a reply: enough for the customer to
/// recognise it, not enough for a bystander to learn it (`a•••@example.com`).
pub fn mask(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Customers {
        Customers::new(
            sled::Config::new()
                .temporary(true)
                .open()
                .unwrap()
                .open_tree("customers")
                .unwrap(),
        )
    }

    fn apply(tree: &Customers, writes: &[CustomerWrite]) {
        tree.apply(writes).unwrap();
    }

    #[test]
    fn a_code_is_right_once_wrong_counted_and_expires() {
        let tree = tree();
        let policy = VerifyPolicy::default();
        let (code, write) = issue(&tree, "ann", &policy, 1_000).unwrap();
        assert_eq!(code.len(), DIGITS);
        apply(&tree, &[write]);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let (verdict, writes) = check(&tree, "ann", wrong, &policy, 2_000);
        assert_eq!(verdict, Check::Wrong { left: 4 });
        apply(&tree, &writes);
        let (verdict, writes) = check(&tree, "ann", &code, &policy, 3_000);
        assert_eq!(verdict, Check::Right);
        apply(&tree, &writes);
        assert_eq!(
            check(&tree, "ann", &code, &policy, 4_000).0,
            Check::Void,
            "used up"
        );

        let (code, write) = issue(&tree, "ann", &policy, 5_000).unwrap();
        apply(&tree, &[write]);
        let late = 5_000 + policy.code_minutes * 60_000 + 1;
        assert_eq!(check(&tree, "ann", &code, &policy, late).0, Check::Expired);
    }

    #[test]
    fn wrong_tries_void_the_code_and_codes_per_day_are_capped() {
        let tree = tree();
        let policy = VerifyPolicy::default();
        let (code, write) = issue(&tree, "bo", &policy, 0).unwrap();
        apply(&tree, &[write]);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..policy.code_attempts {
            let (_, writes) = check(&tree, "bo", wrong, &policy, 10);
            apply(&tree, &writes);
        }
        assert_eq!(check(&tree, "bo", &code, &policy, 20).0, Check::Void);
        for n in 1..policy.codes_per_day {
            let (_, write) = issue(&tree, "bo", &policy, u64::from(n)).unwrap();
            apply(&tree, &[write]);
        }
        assert!(
            issue(&tree, "bo", &policy, 100).is_none(),
            "day's codes used"
        );
        assert!(
            issue(&tree, "bo", &policy, DAY_MS + 10).is_some(),
            "a day later"
        );
    }

    #[test]
    fn codes_are_found_in_what_customers_type() {
        assert_eq!(find("my code is 123456"), Some("123456".into()));
        assert_eq!(find("123 456"), Some("123456".into()));
        assert_eq!(find("代码：654321。"), Some("654321".into()));
        assert_eq!(find("order #W1234567"), None);
        assert_eq!(find("12345"), None);
        assert_eq!(mask("ann.lee@example.com"), "a•••@example.com");
    }
}
