//! The shop's actions under its policy. Each is planned against the stored
//! records — checked for ownership, order state and payment rules — and
//! yields either a typed refusal or the records it would write plus a typed
//! result. Nothing is written here: the writes are committed atomically with
//! the conversation turn that confirmed the action
//! ([`crate::store::Store::commit_turn`]).

use super::model::{round_cents, Address, Order, Payment, User};
use super::Shop;
use crate::store::{ShopWrite, StoreError};
use serde::{Deserialize, Serialize};

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

/// Why the policy does not allow an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    /// No such order on this customer's account (also for other customers'
    /// orders: nothing about them is revealed).
    #[error("order {order_id} is not on your account")]
    NotYourOrder {
        /// The order id the customer gave.
        order_id: String,
    },
    /// The order is in the wrong state.
    #[error("order {order_id} is {status}; this can only be done for {allowed} orders")]
    WrongStatus {
        /// The order.
        order_id: String,
        /// Its status.
        status: String,
        /// The status the action needs.
        allowed: String,
    },
    /// Cancellation reason not accepted by the policy.
    #[error(
        "an order can be cancelled only because it is no longer needed or was ordered by mistake"
    )]
    InvalidReason,
    /// An item is not in the order.
    #[error("item {item_id} is not in order {order_id}")]
    ItemNotInOrder {
        /// The order.
        order_id: String,
        /// The item.
        item_id: String,
    },
    /// The replacement variant cannot be ordered.
    #[error("the requested variant ({item_id}) is not available")]
    NotAvailable {
        /// The variant.
        item_id: String,
    },
    /// The replacement is another product.
    #[error("items can only be exchanged for another option of the same product")]
    DifferentProduct,
    /// Unknown or unusable payment method.
    #[error("that payment method is not on your account or cannot be used for this")]
    BadPaymentMethod,
    /// Gift card balance too low.
    #[error("the gift card balance (${balance}) does not cover ${needed}")]
    InsufficientBalance {
        /// Balance.
        balance: f64,
        /// Amount needed.
        needed: f64,
    },
    /// Nothing would change.
    #[error("that is already how it is")]
    NothingToChange,
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
}

/// A planned action: its result and the records to write.
#[derive(Debug, Clone)]
pub struct Planned {
    /// What it does.
    pub result: ActionResult,
    /// The records it changes.
    pub writes: Vec<ShopWrite>,
}

/// Plan `action` for `user_id`: check it against the stored records and the
/// policy; return the writes or the refusal.
pub fn plan(
    shop: &Shop,
    user_id: &str,
    action: &Action,
) -> Result<Result<Planned, Refusal>, StoreError> {
    let Some(mut user) = shop.user(user_id)? else {
        let order_id = action.order_id().unwrap_or_default().to_string();
        return Ok(Err(Refusal::NotYourOrder { order_id }));
    };
    if let Action::ChangeAddress { address } = action {
        if &user.address == address {
            return Ok(Err(Refusal::NothingToChange));
        }
        user.address = address.clone();
        return Ok(Ok(Planned {
            result: result(action, None, None, None, None),
            writes: vec![shop.user_write(user_id, &user)?],
        }));
    }
    let order_id = action.order_id().unwrap_or_default();
    let order = match shop.order(order_id)? {
        Some(order) if order.user_id == user_id => order,
        _ => {
            return Ok(Err(Refusal::NotYourOrder {
                order_id: order_id.to_string(),
            }))
        }
    };
    let planned = match action {
        Action::Cancel { reason, .. } => super::changes::cancel(&order, &mut user, reason),
        Action::ModifyAddress { address, .. } => super::changes::modify_address(&order, address),
        Action::ModifyPayment {
            payment_method_id, ..
        } => super::changes::modify_payment(&order, &mut user, payment_method_id),
        Action::ModifyItems {
            item_ids,
            new_item_ids,
            payment_method_id,
            ..
        } => super::changes::swap_items(
            shop,
            &order,
            &mut user,
            item_ids,
            new_item_ids,
            payment_method_id,
            false,
        )?,
        Action::Exchange {
            item_ids,
            new_item_ids,
            payment_method_id,
            ..
        } => super::changes::swap_items(
            shop,
            &order,
            &mut user,
            item_ids,
            new_item_ids,
            payment_method_id,
            true,
        )?,
        Action::Return {
            item_ids,
            payment_method_id,
            ..
        } => super::changes::return_items(&order, &user, item_ids, payment_method_id),
        Action::ChangeAddress { .. } => unreachable!("handled above"),
    };
    let (new_order, user_changed, result) = match planned {
        Ok(done) => done,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let mut writes = vec![shop.order_write(&new_order)?];
    if user_changed {
        writes.push(shop.user_write(user_id, &user)?);
    }
    Ok(Ok(Planned {
        result: result_for(action, &new_order, result),
        writes,
    }))
}

/// Money facts of a change, filled in by the change functions.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Money {
    /// Refund to the customer.
    pub refund: Option<f64>,
    /// Extra payment (negative: refund of a difference).
    pub price_difference: Option<f64>,
    /// Method label.
    pub payment_method: Option<String>,
}

fn result_for(action: &Action, order: &Order, money: Money) -> ActionResult {
    result(
        action,
        Some(order),
        money.refund,
        money.price_difference,
        money.payment_method,
    )
}

fn result(
    action: &Action,
    order: Option<&Order>,
    refund: Option<f64>,
    price_difference: Option<f64>,
    payment_method: Option<String>,
) -> ActionResult {
    ActionResult {
        action: action.label().to_string(),
        order_id: order.map(|o| o.order_id.clone()),
        status: order.map(|o| o.status.clone()),
        refund: refund.map(round_cents),
        price_difference: price_difference.map(round_cents),
        payment_method,
    }
}

/// A payment entry.
pub(super) fn entry(kind: &str, amount: f64, method: &str) -> Payment {
    Payment {
        transaction_type: kind.into(),
        amount: round_cents(amount),
        payment_method_id: method.into(),
    }
}

/// The customer's method `id`, if it exists.
pub(super) fn method<'u>(user: &'u User, id: &str) -> Option<&'u super::PaymentMethod> {
    user.payment_methods.get(id)
}
