//! Failed verifications, counted per sender identity and per claimed name
//! over every conversation in the last 24 hours: opening a new thread, a
//! new group or a new mail does not reset the count.

use super::{read_counter, write_counter, DAY_MS};
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

/// The key wrong zips for one verified account count under: guesses at
/// its zip from many senders, after its public email, add up.
pub fn customer_key(customer: &str) -> String {
    format!("failures/customer/{customer}")
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

/// The writes recording one more failure under each of `keys`, each
/// requiring the count it was computed from (see [`write_counter`]).
///
/// [`write_counter`]: super::write_counter
pub fn record(customers: &Customers, keys: &[String], now: u64) -> Vec<CustomerWrite> {
    keys.iter()
        .map(|key| {
            let (mut failures, read): (Failures, _) = read_counter(customers, key);
            failures.at.retain(|t| now.saturating_sub(*t) < DAY_MS);
            failures.at.push(now);
            write_counter(key.clone(), &failures, read)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_counted_at_once_by_many_turns_are_all_counted() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let customers = Customers::new(db.open_tree("customers").unwrap());
        let keys = vec![name_key("Li Wei").unwrap()];
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (customers, keys) = (customers.clone(), keys.clone());
                std::thread::spawn(move || {
                    for n in 0..10u64 {
                        // A turn reads the count, decides, commits; a turn
                        // that raced another is decided again.
                        loop {
                            let writes = record(&customers, &keys, 1_000 + n);
                            match customers.apply(&writes) {
                                Ok(()) => break,
                                Err(crate::store::StoreError::Conflict(_)) => continue,
                                Err(e) => panic!("{e}"),
                            }
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        // Blind writes lose the failures of racing turns.
        assert_eq!(count(&customers, &keys, 2_000), 80);
    }
}
