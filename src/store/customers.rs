//! The `customers` tree behind a typed handle: JSON records under string
//! keys (`profile/…`, `identity/…`, `code/…`, `failures/…`), each read as
//! the type its owner names ([`crate::shop::profile`], [`crate::verify`]).
//! A turn's writes to it go through `commit_turn` as [`CustomerWrite`]s;
//! the few made outside a turn (unlinking a sender, forgetting a customer)
//! go through [`Customers::apply`] and [`Customers::remove`].

use super::{CustomerWrite, Result};
use serde::de::DeserializeOwned;

/// What kefu keeps about the shop's customers and the senders who proved to
/// be them. Cloning is cheap (one tree handle).
#[derive(Clone)]
pub struct Customers {
    tree: sled::Tree,
}

impl Customers {
    pub(crate) fn new(tree: sled::Tree) -> Self {
        Self { tree }
    }

    /// The record at `key`; `None` when missing or not of this shape (e.g.
    /// written by an older kefu).
    pub fn read<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let bytes = self.tree.get(key).ok()??;
        serde_json::from_slice(&bytes).ok()
    }

    /// The bytes at `key`, whatever their shape (records of older kefus
    /// held bare strings).
    pub fn read_raw(&self, key: &str) -> Option<Vec<u8>> {
        self.tree.get(key).ok()?.map(|bytes| bytes.to_vec())
    }

    /// Every record under `prefix`, by the rest of its key, each `None`
    /// where it is not of this shape.
    pub fn scan<T: DeserializeOwned>(&self, prefix: &str) -> Vec<(String, Option<T>)> {
        self.tree
            .scan_prefix(prefix)
            .filter_map(std::result::Result::ok)
            .map(|(key, value)| {
                let rest = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
                (rest, serde_json::from_slice(&value).ok())
            })
            .collect()
    }

    /// Remove `key`; its old bytes, if it was there.
    pub fn remove(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.tree.remove(key)?.map(|old| old.to_vec()))
    }

    /// Apply writes made outside a turn (an empty value removes its key),
    /// all or none, then flush. A write that expects its record as read
    /// fails the whole with [`StoreError::Conflict`] when it changed.
    ///
    /// [`StoreError::Conflict`]: super::StoreError::Conflict
    pub fn apply(&self, writes: &[CustomerWrite]) -> Result<()> {
        use sled::transaction::{ConflictableTransactionError, TransactionError};
        let result = self.tree.transaction(|tree| {
            let mut seen = std::collections::HashSet::new();
            for write in writes {
                // A key's later writes follow its first, which is checked.
                let first = seen.insert(write.key.as_str());
                if let (Some(expected), true) = (&write.expected, first) {
                    if tree.get(write.key.as_bytes())?.as_deref() != expected.as_deref() {
                        return Err(ConflictableTransactionError::Abort(write.key.clone()));
                    }
                }
                if write.value.is_empty() {
                    tree.remove(write.key.as_bytes())?;
                } else {
                    tree.insert(write.key.as_bytes(), write.value.as_slice())?;
                }
            }
            Ok(())
        });
        match result {
            Ok(()) => {}
            Err(TransactionError::Abort(key)) => return Err(super::StoreError::Conflict(key)),
            Err(TransactionError::Storage(e)) => return Err(e.into()),
        }
        self.tree.flush()?;
        Ok(())
    }
}
