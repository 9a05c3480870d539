//! The shop: users, orders and products in sled (tree `shop`), the import of
//! the shop JSON shape ([`import_dir`]), the actions that change orders
//! ([`actions`] — the only code that does), what a customer may see of an
//! order ([`details`]) and the customer profile ([`profile`]).
//!
//! Keys in the `shop` tree: `user/<user_id>`, `order/<order_id>`,
//! `product/<product_id>` (each the record's JSON, as imported),
//! `email/<lowercased email>` → user id, and `category/<product_id>` →
//! category (from the shop directory's optional `catalog.json`).
//!
//! # Committing an action with the turn that confirmed it
//! ```text
//! let planned = actions::plan(&shop, user_id, &action)?;   // reads, checks policy
//! match planned {
//!     Ok(planned) => store.commit_turn(seq, &inbound, Some(&reply), state, &planned.writes).await?,
//!     Err(refusal) => /* reply with refusal.to_string() / refusal.policy() */,
//! }
//! ```
//! [`crate::store::Store::commit_turn`] writes the shop records, the
//! conversation's turns and state, the outbox reply and the removal from
//! the pending queue in ONE sled transaction over the `pending`, `outbox`,
//! `conversations` and `shop` trees, then flushes. Another transaction can
//! include the writes with [`ShopWrite::apply_in`]. If a record changed
//! since it was planned, nothing is written and the error is
//! [`StoreError::Conflict`]: plan again.

pub mod actions;
mod changes;
pub mod details;
mod import;
pub mod model;
pub mod profile;
mod refusal;
pub mod status;
#[cfg(test)]
mod tests;

pub use actions::{Action, ActionResult, Decision, Planned, Records};
pub use import::{import_dir, ImportCounts};
pub use model::{
    money, Address, Order, OrderItem, OrderStatus, PaymentMethod, PaymentSource, Product, User,
    Variant,
};
pub use refusal::Refusal;

use crate::store::{ShopWrite, Store, StoreError};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Read access to the shop, and the direct writes of import and CLI.
#[derive(Clone)]
pub struct Shop {
    tree: sled::Tree,
    /// Records a confirmed action of this turn changed, not yet committed
    /// (see [`Shop::with_writes`]); read before the tree.
    uncommitted: Arc<BTreeMap<String, Vec<u8>>>,
}

impl Shop {
    /// The shop kept in `store`.
    pub fn new(store: &Store) -> Self {
        Self {
            tree: store.shop_tree().clone(),
            uncommitted: Arc::default(),
        }
    }

    /// The shop as it will be once `writes` are committed. The request
    /// proposed after a confirmed action, in the same reply, is planned on
    /// it: a refund to the gift card a moment ago pays the next change.
    pub fn with_writes(&self, writes: &[ShopWrite]) -> Shop {
        let mut uncommitted = (*self.uncommitted).clone();
        for write in writes {
            uncommitted.insert(write.key.clone(), write.value.clone());
        }
        Shop {
            tree: self.tree.clone(),
            uncommitted: Arc::new(uncommitted),
        }
    }

    /// True when nothing has been imported yet.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// The key of an order record.
    pub fn order_key(order_id: &str) -> String {
        format!("order/{order_id}")
    }

    /// The key of a user record.
    pub fn user_key(user_id: &str) -> String {
        format!("user/{user_id}")
    }

    /// An order by id (`#W2611340`).
    pub fn order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        self.get(&Self::order_key(id))
    }

    /// A user by id.
    pub fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        self.get(&Self::user_key(id))
    }

    /// A product by id.
    pub fn product(&self, id: &str) -> Result<Option<Product>, StoreError> {
        self.get(&format!("product/{id}"))
    }

    /// The category of a product (`catalog.json`), if the shop has one.
    pub fn category(&self, product_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .tree
            .get(format!("category/{product_id}"))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// The user id with this email, compared case-insensitively.
    pub fn user_id_by_email(&self, email: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .tree
            .get(format!("email/{}", email.trim().to_lowercase()))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Users with this first and last name and zip (names compared
    /// case-insensitively; two customers may share both, so a list).
    pub fn user_ids_by_name_zip(
        &self,
        first: &str,
        last: &str,
        zip: &str,
    ) -> Result<Vec<String>, StoreError> {
        let mut found = Vec::new();
        for entry in self.tree.scan_prefix("user/") {
            let (key, bytes) = entry?;
            let user: User = decode(&bytes)?;
            if user.name.first_name.eq_ignore_ascii_case(first.trim())
                && user.name.last_name.eq_ignore_ascii_case(last.trim())
                && user.address.zip == zip.trim()
            {
                found.push(String::from_utf8_lossy(&key["user/".len()..]).into_owned());
            }
        }
        Ok(found)
    }

    /// Every product, by id order.
    pub fn products(&self) -> Result<Vec<Product>, StoreError> {
        self.tree
            .scan_prefix("product/")
            .map(|e| decode(&e?.1))
            .collect()
    }

    /// The orders of a user, as listed on the account (oldest first).
    pub fn orders_of(&self, user: &User) -> Result<Vec<Order>, StoreError> {
        let mut orders = Vec::new();
        for id in &user.orders {
            if let Some(order) = self.order(id)? {
                orders.push(order);
            }
        }
        Ok(orders)
    }

    /// The orders of the user `user_id` (none for an unknown user).
    pub fn orders_of_user(&self, user_id: &str) -> Result<Vec<Order>, StoreError> {
        match self.user(user_id)? {
            Some(user) => self.orders_of(&user),
            None => Ok(Vec::new()),
        }
    }

    /// The order-derived profile of a user: orders, spend, categories (from
    /// the shop's catalog, else product names), most recent order.
    pub fn profile(&self, user: &User) -> Result<profile::Profile, StoreError> {
        let orders = self.orders_of(user)?;
        let mut categories = std::collections::BTreeMap::new();
        for item in orders.iter().flat_map(|o| &o.items) {
            if let Some(category) = self.category(&item.product_id)? {
                categories.insert(item.product_id.clone(), category);
            }
        }
        Ok(profile::Profile::from_orders_in(user, &orders, |id| {
            categories.get(id).cloned()
        }))
    }

    /// Store one record as JSON (import, tests). Orders and products only:
    /// users go through [`Shop::put_user`] to keep the email index.
    pub fn put<T: serde::Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        self.tree.insert(key, encode(value))?;
        Ok(())
    }

    /// Write a user with its email index entry.
    pub fn put_user(&self, id: &str, user: &User) -> Result<(), StoreError> {
        self.put(&Self::user_key(id), user)?;
        self.tree.insert(
            format!("email/{}", user.email.trim().to_lowercase()),
            id.as_bytes(),
        )?;
        Ok(())
    }

    /// Apply planned writes outside a conversation turn (CLI, tests): one
    /// transaction over the `shop` tree, with the same conflict check as
    /// [`crate::store::Store::commit_turn`]; flushed.
    pub fn apply(&self, writes: &[ShopWrite]) -> Result<(), StoreError> {
        use sled::transaction::TransactionError;
        self.tree
            .transaction(|shop| ShopWrite::apply_in(writes, shop))
            .map_err(|e| match e {
                TransactionError::Abort(e) => e,
                TransactionError::Storage(e) => StoreError::Sled(e),
            })?;
        self.tree.flush()?;
        Ok(())
    }

    /// A record with the bytes it was read from (an action's write expects
    /// them unchanged at commit).
    pub(crate) fn read<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<(Vec<u8>, T)>, StoreError> {
        if let Some(bytes) = self.uncommitted.get(key) {
            return Ok(Some((bytes.clone(), decode(bytes)?)));
        }
        match self.tree.get(key)? {
            Some(bytes) => Ok(Some((bytes.to_vec(), decode(&bytes)?))),
            None => Ok(None),
        }
    }

    fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        if let Some(bytes) = self.uncommitted.get(key) {
            return decode(bytes).map(Some);
        }
        self.tree.get(key)?.map(|bytes| decode(&bytes)).transpose()
    }
}

fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("shop records serialize")
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        tree: "shop",
        reason: e.to_string(),
    })
}
