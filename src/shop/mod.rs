//! The shop: users, orders and products in sled (tree `shop`), the import of
//! the shop JSON shape, and the actions that change orders
//! ([`actions`]) — the only code that does.
//!
//! Keys: `user/<user_id>`, `order/<order_id>`, `product/<product_id>`,
//! `email/<lowercased email>` → user id.

pub mod actions;
mod changes;
mod import;
pub mod model;
pub mod profile;

pub use actions::{Action, ActionResult, Refusal};
pub use import::import_dir;
pub use model::{money, Address, Order, OrderItem, PaymentMethod, Product, User, Variant};

use crate::store::{ShopWrite, Store, StoreError};
use serde::de::DeserializeOwned;

/// Read access to the shop, and the writes an action produces.
#[derive(Clone)]
pub struct Shop {
    tree: sled::Tree,
}

impl Shop {
    /// The shop kept in `store`.
    pub fn new(store: &Store) -> Self {
        Self {
            tree: store.shop_tree().clone(),
        }
    }

    /// True when nothing has been imported yet.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// An order by id (`#W2611340`).
    pub fn order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        self.get(&format!("order/{id}"))
    }

    /// A user by id.
    pub fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        self.get(&format!("user/{id}"))
    }

    /// A product by id.
    pub fn product(&self, id: &str) -> Result<Option<Product>, StoreError> {
        self.get(&format!("product/{id}"))
    }

    /// The user id with this email, compared case-insensitively.
    pub fn user_id_by_email(&self, email: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .tree
            .get(format!("email/{}", email.trim().to_lowercase()))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Users with this first and last name and zip (case-insensitive names).
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

    /// The orders of a user, as listed on the account.
    pub fn orders_of(&self, user: &User) -> Result<Vec<Order>, StoreError> {
        let mut orders = Vec::new();
        for id in &user.orders {
            if let Some(order) = self.order(id)? {
                orders.push(order);
            }
        }
        Ok(orders)
    }

    /// The write that replaces an order (checked against its current bytes).
    pub fn order_write(&self, order: &Order) -> Result<ShopWrite, StoreError> {
        self.write(&format!("order/{}", order.order_id), order)
    }

    /// The write that replaces a user.
    pub fn user_write(&self, id: &str, user: &User) -> Result<ShopWrite, StoreError> {
        self.write(&format!("user/{id}"), user)
    }

    fn write<T: serde::Serialize>(&self, key: &str, value: &T) -> Result<ShopWrite, StoreError> {
        Ok(ShopWrite {
            key: key.to_string(),
            expected: self.tree.get(key)?.map(|v| v.to_vec()),
            value: serde_json::to_vec(value).expect("shop records serialize"),
        })
    }

    fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        self.tree.get(key)?.map(|bytes| decode(&bytes)).transpose()
    }

    /// Store one record (import, tests).
    pub fn put<T: serde::Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        self.tree.insert(
            key,
            serde_json::to_vec(value).expect("shop records serialize"),
        )?;
        Ok(())
    }

    /// Write a user with its email index entry.
    pub fn put_user(&self, id: &str, user: &User) -> Result<(), StoreError> {
        self.put(&format!("user/{id}"), user)?;
        self.tree.insert(
            format!("email/{}", user.email.to_lowercase()),
            id.as_bytes(),
        )?;
        Ok(())
    }

    /// Apply writes directly (outside a conversation turn: CLI, tests).
    pub fn apply(&self, writes: &[ShopWrite]) -> Result<(), StoreError> {
        for write in writes {
            self.tree
                .insert(write.key.as_bytes(), write.value.as_slice())?;
        }
        self.tree.flush()?;
        Ok(())
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        tree: "shop",
        reason: e.to_string(),
    })
}
