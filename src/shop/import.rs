//! `kefu shop import DIR`: load `users.json`, `orders.json` and
//! `products.json` (each an object keyed by id) into the store.

use super::model::{Order, Product, User};
use super::Shop;
use anyhow::Context;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::Path;

/// How much an import loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImportCounts {
    /// Users loaded.
    pub users: usize,
    /// Orders loaded.
    pub orders: usize,
    /// Products loaded.
    pub products: usize,
}

/// Load the shop in `dir`, replacing records with the same ids. All three
/// files are read and checked before anything is written, so a bad file
/// leaves the store as it was.
pub fn import_dir(shop: &Shop, dir: &Path) -> anyhow::Result<ImportCounts> {
    let users: BTreeMap<String, User> = read(dir, "users.json")?;
    let orders: BTreeMap<String, Order> = read(dir, "orders.json")?;
    let products: BTreeMap<String, Product> = read(dir, "products.json")?;
    for (id, order) in &orders {
        anyhow::ensure!(
            id == &order.order_id,
            "{}: order keyed {id:?} has order_id {:?}",
            dir.join("orders.json").display(),
            order.order_id
        );
    }
    for (id, user) in &users {
        shop.put_user(id, user)?;
    }
    for (id, order) in &orders {
        shop.put(&format!("order/{id}"), order)?;
    }
    for (id, product) in &products {
        shop.put(&format!("product/{id}"), product)?;
    }
    shop.tree.flush()?;
    Ok(ImportCounts {
        users: users.len(),
        orders: orders.len(),
        products: products.len(),
    })
}

fn read<T: DeserializeOwned>(dir: &Path, name: &str) -> anyhow::Result<T> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {}: a shop directory holds users.json, orders.json and products.json",
            path.display()
        )
    })?;
    let de = &mut serde_json::Deserializer::from_str(&text);
    // Name the exact place of a bad record (`#W2611340.items[0].price`).
    serde_path_to_error::deserialize(de)
        .map_err(|e| anyhow::anyhow!("{}: at {}: {}", path.display(), e.path(), e.inner()))
}
