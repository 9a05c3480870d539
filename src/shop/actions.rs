//! The shop's actions under its policy, in two steps:
//!
//! 1. [`decide`] — pure: given the records an action reads ([`Records`]:
//!    the acting customer, the order, the products of its items) it checks
//!    ownership, order state and payment rules and returns the new records
//!    ([`Decision`]) or a [`Refusal`]. Unit tests call it on the τ-bench
//!    shop without any store.
//! 2. [`plan`] — reads those records from the store and turns a decision
//!    into [`ShopWrite`]s, each remembering the bytes it read.
//!
//! Nothing is written here. The writes are committed atomically with the
//! conversation turn that confirmed the action: pass `Planned::writes` to
//! [`crate::store::Store::commit_turn`] (shop records + conversation turn +
//! outbox reply + pending-queue removal in one sled transaction), or apply
//! them inside another transaction over the `shop` tree with
//! [`ShopWrite::apply_in`]. A write whose record changed since it was read
//! aborts the whole transaction with [`StoreError::Conflict`]; the caller
//! plans again. Outside a conversation (CLI, tests) use [`Shop::apply`].

use super::changes;
use super::model::{round_cents, Address, Order, Product, User};
use super::Shop;
use crate::store::{ShopWrite, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::refusal::Refusal;

/// A consequential change a customer asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Cancel a pending order.
    Cancel {
        /// The order.
        order_id: String,
        /// `no longer needed` or `ordered by mistake`.
        reason: String,
    },
    /// Change the shipping address of a pending order.
    ModifyAddress {
        /// The order.
        order_id: String,
        /// The new address.
        address: Address,
    },
    /// Swap items of a pending order for other variants of the same product.
    ModifyItems {
        /// The order.
        order_id: String,
        /// Items to replace.
        item_ids: Vec<String>,
        /// Their replacements, in the same order.
        new_item_ids: Vec<String>,
        /// Pays or receives the price difference.
        payment_method_id: String,
    },
    /// Pay a pending order with another method.
    ModifyPayment {
        /// The order.
        order_id: String,
        /// The new method.
        payment_method_id: String,
    },
    /// Return items of a delivered order.
    Return {
        /// The order.
        order_id: String,
        /// Items to return.
        item_ids: Vec<String>,
        /// The original method or a gift card.
        payment_method_id: String,
    },
    /// Exchange items of a delivered order for other variants.
    Exchange {
        /// The order.
        order_id: String,
        /// Items to exchange.
        item_ids: Vec<String>,
        /// Their replacements, in the same order.
        new_item_ids: Vec<String>,
        /// Pays or receives the price difference.
        payment_method_id: String,
    },
    /// Change the account's default address.
    ChangeAddress {
        /// The new address.
        address: Address,
    },
}

impl Action {
    /// Stable label (`cancel`, `modify_address`, …).
    pub fn label(&self) -> &'static str {
        match self {
            Action::Cancel { .. } => "cancel",
            Action::ModifyAddress { .. } => "modify_address",
            Action::ModifyItems { .. } => "modify_items",
            Action::ModifyPayment { .. } => "modify_payment",
            Action::Return { .. } => "return",
            Action::Exchange { .. } => "exchange",
            Action::ChangeAddress { .. } => "change_address",
        }
    }

    /// The order acted on, if any.
    pub fn order_id(&self) -> Option<&str> {
        match self {
            Action::Cancel { order_id, .. }
            | Action::ModifyAddress { order_id, .. }
            | Action::ModifyItems { order_id, .. }
            | Action::ModifyPayment { order_id, .. }
            | Action::Return { order_id, .. }
            | Action::Exchange { order_id, .. } => Some(order_id),
            Action::ChangeAddress { .. } => None,
        }
    }
}

/// What an executed action did, for the reply and `--json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResult {
    /// The action's label.
    pub action: String,
    /// The order acted on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The order's status afterwards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Money back to the customer (refund), in dollars.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund: Option<f64>,
    /// Money the customer pays extra, in dollars (negative: receives).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_difference: Option<f64>,
    /// The payment method involved, as the customer names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    /// Whether the refund reaches the customer at once (a gift card) or in
    /// 5 to 7 business days (other methods), as the policy says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_immediate: Option<bool>,
}

/// The records an action reads. [`plan`] fills it from the store; tests
/// build it by hand.
#[derive(Debug, Clone, Default)]
pub struct Records {
    /// The acting (verified) customer.
    pub user: Option<User>,
    /// The order the action names, whoever owns it.
    pub order: Option<Order>,
    /// The products of the order's items, by product id (item changes look
    /// up the replacement variants here).
    pub products: BTreeMap<String, Product>,
}

/// What an allowed action changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// What it does, for the reply.
    pub result: ActionResult,
    /// The order after the action (`None`: no order changes).
    pub order: Option<Order>,
    /// The customer after the action (`None`: unchanged; a gift-card
    /// balance or the default address changes it).
    pub user: Option<User>,
}

/// A planned action: its result and the records to write.
#[derive(Debug, Clone)]
pub struct Planned {
    /// What it does.
    pub result: ActionResult,
    /// The records it changes, each checked against what was read.
    pub writes: Vec<ShopWrite>,
}

/// Decide `action` for the customer `user_id` over `records`: the policy's
/// answer and, when allowed, the new records. Pure.
pub fn decide(user_id: &str, action: &Action, records: &Records) -> Result<Decision, Refusal> {
    let Some(mut user) = records.user.clone() else {
        return Err(Refusal::UnknownCustomer {
            user_id: user_id.to_string(),
        });
    };
    if let Action::ChangeAddress { address } = action {
        if &user.address == address {
            return Err(Refusal::NothingToChange);
        }
        user.address = address.clone();
        return Ok(Decision {
            result: result(action, None, changes::Money::default()),
            order: None,
            user: Some(user),
        });
    }
    let order_id = action.order_id().unwrap_or_default();
    // Another customer's order and an unknown id read the same, so a
    // customer learns nothing about orders that are not theirs.
    let order = match &records.order {
        Some(order) if order.user_id == user_id && order.order_id == order_id => order,
        _ => {
            return Err(Refusal::NotYourOrder {
                order_id: order_id.to_string(),
            })
        }
    };
    let products = &records.products;
    let (new_order, user_changed, money) = match action {
        Action::Cancel { reason, .. } => changes::cancel(order, &mut user, reason),
        Action::ModifyAddress { address, .. } => changes::modify_address(order, address),
        Action::ModifyPayment {
            payment_method_id, ..
        } => changes::modify_payment(order, &mut user, payment_method_id),
        Action::ModifyItems {
            item_ids,
            new_item_ids,
            payment_method_id,
            ..
        } => {
            let swap = changes::Swap {
                item_ids,
                new_item_ids,
                method_id: payment_method_id,
                exchange: false,
            };
            changes::swap_items(products, order, &mut user, &swap)
        }
        Action::Exchange {
            item_ids,
            new_item_ids,
            payment_method_id,
            ..
        } => {
            let swap = changes::Swap {
                item_ids,
                new_item_ids,
                method_id: payment_method_id,
                exchange: true,
            };
            changes::swap_items(products, order, &mut user, &swap)
        }
        Action::Return {
            item_ids,
            payment_method_id,
            ..
        } => changes::return_items(order, &user, item_ids, payment_method_id),
        Action::ChangeAddress { .. } => unreachable!("handled above"),
    }?;
    Ok(Decision {
        result: result(action, Some(&new_order), money),
        order: Some(new_order),
        user: user_changed.then_some(user),
    })
}

/// Plan `action` for `user_id`: read the records it needs, [`decide`], and
/// turn the new records into writes. The outer error is the store's; the
/// inner one is the policy's answer.
pub fn plan(
    shop: &Shop,
    user_id: &str,
    action: &Action,
) -> Result<Result<Planned, Refusal>, StoreError> {
    let user = shop.read::<User>(&Shop::user_key(user_id))?;
    let order = match action.order_id() {
        Some(id) => shop.read::<Order>(&Shop::order_key(id))?,
        None => None,
    };
    let mut products = BTreeMap::new();
    for item in order.iter().flat_map(|(_, o)| &o.items) {
        if !products.contains_key(&item.product_id) {
            if let Some(product) = shop.product(&item.product_id)? {
                products.insert(item.product_id.clone(), product);
            }
        }
    }
    let records = Records {
        user: user.as_ref().map(|(_, u)| u.clone()),
        order: order.as_ref().map(|(_, o)| o.clone()),
        products,
    };
    let decision = match decide(user_id, action, &records) {
        Ok(decision) => decision,
        Err(refusal) => return Ok(Err(refusal)),
    };
    // Each write expects the bytes read above, not a fresh read: a change
    // in between must be a conflict, not silently overwritten.
    let mut writes = Vec::new();
    if let Some(new_order) = &decision.order {
        writes.push(ShopWrite {
            key: Shop::order_key(&new_order.order_id),
            expected: order.map(|(bytes, _)| bytes),
            value: super::encode(new_order),
        });
    }
    if let Some(new_user) = &decision.user {
        writes.push(ShopWrite {
            key: Shop::user_key(user_id),
            expected: user.map(|(bytes, _)| bytes),
            value: super::encode(new_user),
        });
    }
    Ok(Ok(Planned {
        result: decision.result,
        writes,
    }))
}

fn result(action: &Action, order: Option<&Order>, money: changes::Money) -> ActionResult {
    ActionResult {
        action: action.label().to_string(),
        order_id: order.map(|o| o.order_id.clone()),
        status: order.map(|o| o.status.to_string()),
        refund: money.refund.map(round_cents),
        price_difference: money.price_difference.map(round_cents),
        payment_method: money.payment_method,
        refund_immediate: money.refund_immediate,
    }
}
