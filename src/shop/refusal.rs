//! Why the shop policy does not allow an action. Each refusal carries the
//! facts a reply needs (order, state, balance) and names the policy rule it
//! enforces ([`Refusal::policy`], the words of
//! `../shared/taubench-retail/policy.md`), so a reply can say both what is
//! wrong and why.

use super::model::OrderStatus;
use serde::{Deserialize, Serialize};

/// Why the policy does not allow an action. Serialized with a `refusal` tag
/// (`wrong_status`, …) that the reply templates branch on.
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
    /// The acting customer is not in the shop (not verified, or removed).
    #[error("customer {user_id} is not in the shop")]
    UnknownCustomer {
        /// The user id acted for.
        user_id: String,
    },
    /// The order is in the wrong state.
    #[error("order {order_id} is {status}; this can only be done for {allowed} orders")]
    WrongStatus {
        /// The order.
        order_id: String,
        /// Its status.
        status: OrderStatus,
        /// The status the action needs.
        allowed: OrderStatus,
    },
    /// Cancellation reason not accepted by the policy.
    #[error(
        "an order can be cancelled only because it is no longer needed or was ordered by mistake"
    )]
    InvalidReason,
    /// An item is not in the order (or is named more often than ordered).
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
    /// The replacement is another product (or no product at all).
    #[error("items can only be exchanged for another option of the same product")]
    DifferentProduct,
    /// The payment method is not on the customer's account.
    #[error("that payment method is not on your account")]
    BadPaymentMethod,
    /// A return refunds only to the original method or a gift card.
    #[error("a refund can go only to the original payment method or a gift card")]
    RefundNotAllowed {
        /// The method asked for.
        payment_method_id: String,
    },
    /// The new payment method is the one the order is paid with.
    #[error("the order is already paid with that payment method")]
    SamePaymentMethod,
    /// The order's payment was already changed (τ-bench: a pending order
    /// must have exactly one payment to change it).
    #[error("the payment of this order was already changed once")]
    PaymentAlreadyChanged,
    /// Gift card balance too low.
    #[error("the gift card balance (${balance}) does not cover ${needed}")]
    InsufficientBalance {
        /// Balance.
        balance: f64,
        /// Amount needed.
        needed: f64,
    },
    /// The items of this order were modified once already (the policy
    /// allows one modification; several items go in one change).
    #[error("the items of order {order_id} were already modified once")]
    ItemsAlreadyModified {
        /// The order.
        order_id: String,
    },
    /// Nothing would change (same address, same item, no items named).
    #[error("that is already how it is")]
    NothingToChange,
}

impl Refusal {
    /// The policy rule this refusal enforces, in the policy's words.
    pub fn policy(&self) -> &'static str {
        match self {
            Refusal::NotYourOrder { .. } | Refusal::UnknownCustomer { .. } => {
                "You can only help one user per conversation, and must deny any requests for \
                 tasks related to any other user."
            }
            Refusal::WrongStatus { allowed, .. } => match allowed {
                OrderStatus::Delivered => {
                    "An order can only be returned or exchanged if its status is 'delivered'."
                }
                _ => "An order can only be cancelled or modified if its status is 'pending'.",
            },
            Refusal::InvalidReason => {
                "The reason for cancellation is either 'no longer needed' or 'ordered by \
                 mistake'."
            }
            Refusal::ItemNotInOrder { .. } | Refusal::NothingToChange => {
                "Only the items of the order can be modified, returned or exchanged."
            }
            Refusal::NotAvailable { .. } | Refusal::DifferentProduct => {
                "Each item can be modified or exchanged to an available new item of the same \
                 product but of different product option; there cannot be any change of \
                 product types."
            }
            Refusal::BadPaymentMethod => "Payment methods must be on the user's own profile.",
            Refusal::RefundNotAllowed { .. } => {
                "The refund must either go to the original payment method, or an existing gift \
                 card."
            }
            Refusal::ItemsAlreadyModified { .. } => {
                "The items of a pending order can be modified only once; all items to change \
                 must be changed together."
            }
            Refusal::SamePaymentMethod | Refusal::PaymentAlreadyChanged => {
                "The user can only choose a single payment method different from the original \
                 payment method."
            }
            Refusal::InsufficientBalance { .. } => {
                "A gift card must have enough balance to cover the amount it pays."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_says_what_and_why() {
        let r = Refusal::WrongStatus {
            order_id: "#W1".into(),
            status: OrderStatus::Delivered,
            allowed: OrderStatus::Pending,
        };
        assert_eq!(
            r.to_string(),
            "order #W1 is delivered; this can only be done for pending orders"
        );
        assert!(r.policy().contains("'pending'"), "{}", r.policy());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["refusal"], "wrong_status");
        assert_eq!(json["status"], "delivered");
        assert_eq!(serde_json::from_value::<Refusal>(json).unwrap(), r);
    }
}
