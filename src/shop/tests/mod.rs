//! Unit tests of the shop over τ-bench's retail shop, read from
//! `../shared/taubench-retail/` (never copied into the repository), and
//! over the sample shop in `data/`.

mod actions;
mod more_actions;
mod shape;

use super::model::{Order, Product, User};
use super::Records;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// τ-bench's retail shop, parsed once.
pub(super) struct Tau {
    pub users: BTreeMap<String, User>,
    pub orders: BTreeMap<String, Order>,
    pub products: BTreeMap<String, Product>,
}

pub(super) fn taubench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/taubench-retail")
}

pub(super) fn read<T: DeserializeOwned>(dir: &std::path::Path, name: &str) -> T {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

pub(super) fn tau() -> &'static Tau {
    static TAU: OnceLock<Tau> = OnceLock::new();
    TAU.get_or_init(|| {
        let dir = taubench_dir();
        Tau {
            users: read(&dir, "users.json"),
            orders: read(&dir, "orders.json"),
            products: read(&dir, "products.json"),
        }
    })
}

/// What [`super::actions::plan`] would read for `user` acting on `order`.
pub(super) fn records(user: &str, order: Option<&str>) -> Records {
    let tau = tau();
    let order = order.and_then(|id| tau.orders.get(id)).cloned();
    let products = order
        .iter()
        .flat_map(|o| &o.items)
        .map(|i| (i.product_id.clone(), tau.products[&i.product_id].clone()))
        .collect();
    Records {
        user: tau.users.get(user).cloned(),
        order,
        products,
    }
}
