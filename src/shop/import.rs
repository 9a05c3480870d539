//! `kefu shop import DIR`: load `users.json`, `orders.json` and
//! `products.json` (each an object keyed by id) into the store, plus the
//! product categories of an optional `catalog.json`.

use super::model::{Order, Product, User};
use super::{encode, Shop};
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

/// The part of a `catalog.json` entry the shop keeps (the knowledge graph
/// reads the rest).
#[derive(serde::Deserialize)]
struct CatalogEntry {
    #[serde(default)]
    category: Option<String>,
}

/// Load the shop in `dir`, replacing records with the same ids. All files
/// are read and checked before anything is written, and the records are
/// written in one atomic batch, so a bad file or a crash leaves the store
/// as it was.
pub fn import_dir(shop: &Shop, dir: &Path) -> anyhow::Result<ImportCounts> {
    let users: BTreeMap<String, User> = read(dir, "users.json")?;
    let orders: BTreeMap<String, Order> = read(dir, "orders.json")?;
    let products: BTreeMap<String, Product> = read(dir, "products.json")?;
    let catalog: BTreeMap<String, CatalogEntry> = if dir.join("catalog.json").is_file() {
        read(dir, "catalog.json")?
    } else {
        BTreeMap::new()
    };
    // Lookups go by key and actions check ownership by `user_id`: a record
    // filed under another id would be found as the wrong one.
    for (id, order) in &orders {
        anyhow::ensure!(
            id == &order.order_id,
            "{}: at {id}.order_id: order keyed {id:?} has order_id {:?}",
            dir.join("orders.json").display(),
            order.order_id
        );
    }
    for (id, product) in &products {
        anyhow::ensure!(
            id == &product.product_id,
            "{}: at {id}.product_id: product keyed {id:?} has product_id {:?}",
            dir.join("products.json").display(),
            product.product_id
        );
    }
    let mut batch = sled::Batch::default();
    for (id, user) in &users {
        batch.insert(Shop::user_key(id).as_bytes(), encode(user));
        batch.insert(
            format!("email/{}", user.email.trim().to_lowercase()).as_bytes(),
            id.as_bytes(),
        );
    }
    for (id, order) in &orders {
        batch.insert(Shop::order_key(id).as_bytes(), encode(order));
    }
    for (id, product) in &products {
        batch.insert(format!("product/{id}").as_bytes(), encode(product));
    }
    for (id, entry) in &catalog {
        if let Some(category) = &entry.category {
            batch.insert(format!("category/{id}").as_bytes(), category.as_bytes());
        }
    }
    shop.tree.apply_batch(batch)?;
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
