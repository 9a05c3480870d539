//! The record changes behind each action, as τ-bench's retail tools make
//! them (status names, refund entries, the keys return and exchange add).
//! Pure functions of the records they are given, so they are easy to test.

use super::actions::{entry, method, Money, Refusal};
use super::model::{round_cents, Address, Order, User};
use super::Shop;
use crate::store::StoreError;
use serde_json::json;

/// A change: the new order, whether the user record changed (gift-card
/// balance), and the money involved.
pub type Change = Result<(Order, bool, Money), Refusal>;

fn require(order: &Order, allowed: &str) -> Result<(), Refusal> {
    if order.status == allowed {
        Ok(())
    } else {
        Err(Refusal::WrongStatus {
            order_id: order.order_id.clone(),
            status: order.status.clone(),
            allowed: allowed.into(),
        })
    }
}

/// Cancel a pending order; refund the payment to its method (a gift card's
/// balance at once).
pub fn cancel(order: &Order, user: &mut User, reason: &str) -> Change {
    require(order, "pending")?;
    if !matches!(reason, "no longer needed" | "ordered by mistake") {
        return Err(Refusal::InvalidReason);
    }
    let mut order = order.clone();
    let mut user_changed = false;
    let mut refund = 0.0;
    let payments: Vec<_> = order
        .payment_history
        .iter()
        .filter(|p| p.transaction_type == "payment")
        .cloned()
        .collect();
    for payment in payments {
        order
            .payment_history
            .push(entry("refund", payment.amount, &payment.payment_method_id));
        refund += payment.amount;
        if let Some(card) = user.payment_methods.get_mut(&payment.payment_method_id) {
            if card.source == "gift_card" {
                card.balance = Some(round_cents(card.balance.unwrap_or(0.0) + payment.amount));
                user_changed = true;
            }
        }
    }
    order.status = "cancelled".into();
    order.extra.insert("cancel_reason".into(), json!(reason));
    let label = order
        .paid_with()
        .and_then(|m| method(user, m))
        .map(|m| m.label());
    Ok((
        order,
        user_changed,
        Money {
            refund: Some(refund),
            price_difference: None,
            payment_method: label,
        },
    ))
}

/// Ship a pending order elsewhere.
pub fn modify_address(order: &Order, address: &Address) -> Change {
    require(order, "pending")?;
    if &order.address == address {
        return Err(Refusal::NothingToChange);
    }
    let mut order = order.clone();
    order.address = address.clone();
    Ok((order, false, Money::default()))
}

/// Pay a pending order with another method: the new method pays the total,
/// the old one is refunded.
pub fn modify_payment(order: &Order, user: &mut User, method_id: &str) -> Change {
    require(order, "pending")?;
    let Some(old) = order.paid_with().map(str::to_string) else {
        return Err(Refusal::BadPaymentMethod);
    };
    if old == method_id {
        return Err(Refusal::NothingToChange);
    }
    let Some(new) = method(user, method_id).cloned() else {
        return Err(Refusal::BadPaymentMethod);
    };
    let total = order
        .payment_history
        .iter()
        .find(|p| p.transaction_type == "payment")
        .map(|p| p.amount)
        .unwrap_or(0.0);
    if new.source == "gift_card" && new.balance.unwrap_or(0.0) < total {
        return Err(Refusal::InsufficientBalance {
            balance: new.balance.unwrap_or(0.0),
            needed: total,
        });
    }
    let mut order = order.clone();
    order
        .payment_history
        .push(entry("payment", total, method_id));
    order.payment_history.push(entry("refund", total, &old));
    let mut user_changed = false;
    if let Some(card) = user
        .payment_methods
        .get_mut(method_id)
        .filter(|c| c.source == "gift_card")
    {
        card.balance = Some(round_cents(card.balance.unwrap_or(0.0) - total));
        user_changed = true;
    }
    if let Some(card) = user
        .payment_methods
        .get_mut(&old)
        .filter(|c| c.source == "gift_card")
    {
        card.balance = Some(round_cents(card.balance.unwrap_or(0.0) + total));
        user_changed = true;
    }
    Ok((
        order,
        user_changed,
        Money {
            refund: None,
            price_difference: None,
            payment_method: Some(new.label()),
        },
    ))
}

/// Replace items by other available variants of the same products: a
/// pending order's items (`exchange = false`, status `pending (item
/// modified)`) or a delivered order's (`exchange = true`, status `exchange
/// requested`). The difference is paid through `method_id`.
pub fn swap_items(
    shop: &Shop,
    order: &Order,
    user: &mut User,
    item_ids: &[String],
    new_item_ids: &[String],
    method_id: &str,
    exchange: bool,
) -> Result<Change, StoreError> {
    if let Err(refusal) = require(order, if exchange { "delivered" } else { "pending" }) {
        return Ok(Err(refusal));
    }
    if item_ids.is_empty() || item_ids.len() != new_item_ids.len() {
        return Ok(Err(Refusal::NothingToChange));
    }
    let Some(pay) = method(user, method_id).cloned() else {
        return Ok(Err(Refusal::BadPaymentMethod));
    };
    let mut order = order.clone();
    let mut difference = 0.0;
    let mut taken = Vec::new();
    for (old_id, new_id) in item_ids.iter().zip(new_item_ids) {
        let Some(index) = (0..order.items.len())
            .find(|i| order.items[*i].item_id == *old_id && !taken.contains(i))
        else {
            return Ok(Err(Refusal::ItemNotInOrder {
                order_id: order.order_id.clone(),
                item_id: old_id.clone(),
            }));
        };
        taken.push(index);
        let item = &order.items[index];
        let Some(product) = shop.product(&item.product_id)? else {
            return Ok(Err(Refusal::DifferentProduct));
        };
        let Some(variant) = product.variants.get(new_id) else {
            return Ok(Err(Refusal::DifferentProduct));
        };
        if !variant.available {
            return Ok(Err(Refusal::NotAvailable {
                item_id: new_id.clone(),
            }));
        }
        if new_id == old_id {
            return Ok(Err(Refusal::NothingToChange));
        }
        difference += variant.price - item.price;
        if !exchange {
            let item = &mut order.items[index];
            item.item_id = new_id.clone();
            item.price = variant.price;
            item.options = variant.options.clone();
        }
    }
    let difference = round_cents(difference);
    if pay.source == "gift_card" && pay.balance.unwrap_or(0.0) < difference {
        return Ok(Err(Refusal::InsufficientBalance {
            balance: pay.balance.unwrap_or(0.0),
            needed: difference,
        }));
    }
    let mut user_changed = false;
    if exchange {
        order.status = "exchange requested".into();
        let mut old_sorted = item_ids.to_vec();
        old_sorted.sort();
        let mut new_sorted = new_item_ids.to_vec();
        new_sorted.sort();
        order
            .extra
            .insert("exchange_items".into(), json!(old_sorted));
        order
            .extra
            .insert("exchange_new_items".into(), json!(new_sorted));
        order
            .extra
            .insert("exchange_payment_method_id".into(), json!(method_id));
        order
            .extra
            .insert("exchange_price_difference".into(), json!(difference));
    } else {
        order.status = "pending (item modified)".into();
        let kind = if difference >= 0.0 {
            "payment"
        } else {
            "refund"
        };
        order
            .payment_history
            .push(entry(kind, difference.abs(), method_id));
        if let Some(card) = user
            .payment_methods
            .get_mut(method_id)
            .filter(|c| c.source == "gift_card")
        {
            card.balance = Some(round_cents(card.balance.unwrap_or(0.0) - difference));
            user_changed = true;
        }
    }
    let money = Money {
        refund: None,
        price_difference: Some(difference),
        payment_method: Some(pay.label()),
    };
    Ok(Ok((order, user_changed, money)))
}

/// Request the return of items of a delivered order; the refund goes to the
/// original method or a gift card of the customer.
pub fn return_items(order: &Order, user: &User, item_ids: &[String], method_id: &str) -> Change {
    require(order, "delivered")?;
    if item_ids.is_empty() {
        return Err(Refusal::NothingToChange);
    }
    let Some(pay) = method(user, method_id) else {
        return Err(Refusal::BadPaymentMethod);
    };
    if order.paid_with() != Some(method_id) && pay.source != "gift_card" {
        return Err(Refusal::BadPaymentMethod);
    }
    let mut refund = 0.0;
    let mut taken = Vec::new();
    for id in item_ids {
        let Some(index) =
            (0..order.items.len()).find(|i| order.items[*i].item_id == *id && !taken.contains(i))
        else {
            return Err(Refusal::ItemNotInOrder {
                order_id: order.order_id.clone(),
                item_id: id.clone(),
            });
        };
        taken.push(index);
        refund += order.items[index].price;
    }
    let mut order = order.clone();
    order.status = "return requested".into();
    let mut sorted = item_ids.to_vec();
    sorted.sort();
    order.extra.insert("return_items".into(), json!(sorted));
    order
        .extra
        .insert("return_payment_method_id".into(), json!(method_id));
    Ok((
        order,
        false,
        Money {
            refund: Some(refund),
            price_difference: None,
            payment_method: Some(pay.label()),
        },
    ))
}
