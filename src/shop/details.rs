//! What a customer may see of their own order: status, items, tracking,
//! address and payment. Read-only, but under the same ownership rule as
//! the actions: another customer's order reads like an unknown one.

use super::model::{round_cents, Address, Order, OrderItem, OrderStatus, User};
use super::refusal::Refusal;
use super::Shop;
use crate::store::StoreError;
use serde::Serialize;

/// An order as shown to its customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderDetails {
    /// The order id.
    pub order_id: String,
    /// Its status.
    pub status: OrderStatus,
    /// The items.
    pub items: Vec<OrderItem>,
    /// Carrier tracking numbers (none before shipping).
    pub tracking: Vec<String>,
    /// Shipping address.
    pub address: Address,
    /// Sum of the item prices.
    pub total: f64,
    /// The original payment method, as the customer names it.
    pub paid_with: Option<String>,
    /// What can still be done with it (`cancel`, `modify`, `return`,
    /// `exchange`), so a reply can offer only what the policy allows.
    pub possible: Vec<&'static str>,
}

/// The details of `order` for the customer `user`, or the refusal when the
/// order is not theirs (or is missing). Pure.
pub fn details(user_id: &str, user: &User, order: Option<&Order>) -> Result<OrderDetails, Refusal> {
    let Some(order) = order.filter(|o| o.user_id == user_id) else {
        return Err(Refusal::NotYourOrder {
            order_id: order.map(|o| o.order_id.clone()).unwrap_or_default(),
        });
    };
    let possible = match order.status {
        OrderStatus::Pending => vec!["cancel", "modify"],
        OrderStatus::Delivered => vec!["return", "exchange"],
        _ => Vec::new(),
    };
    Ok(OrderDetails {
        order_id: order.order_id.clone(),
        status: order.status.clone(),
        items: order.items.clone(),
        tracking: order.tracking().into_iter().map(str::to_string).collect(),
        address: order.address.clone(),
        total: round_cents(order.total()),
        paid_with: order.paid_with().map(|id| {
            user.payment_methods
                .get(id)
                .map_or(id.to_string(), |m| m.label())
        }),
        possible,
    })
}

impl Shop {
    /// The details of order `order_id` for the customer `user_id`: the
    /// order if it is theirs, else [`Refusal::NotYourOrder`] (or
    /// [`Refusal::UnknownCustomer`]).
    pub fn details(
        &self,
        user_id: &str,
        order_id: &str,
    ) -> Result<Result<OrderDetails, Refusal>, StoreError> {
        let Some(user) = self.user(user_id)? else {
            return Ok(Err(Refusal::UnknownCustomer {
                user_id: user_id.to_string(),
            }));
        };
        let order = self.order(order_id)?;
        Ok(
            details(user_id, &user, order.as_ref()).map_err(|_| Refusal::NotYourOrder {
                order_id: order_id.to_string(),
            }),
        )
    }
}
