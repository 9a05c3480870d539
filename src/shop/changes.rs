//! The record changes behind each action, as τ-bench's retail tools make
//! them (status names, refund entries, the keys return and exchange add).
//! Pure functions of the records they are given, so they are easy to test.
//!
//! Where τ-bench's tools have a slip, kefu keeps the policy's meaning:
//! a cancel refunds what each method paid net of earlier refunds (τ-bench
//! refunds every history entry, refunds included), and an item named twice
//! replaces two order lines (τ-bench would replace the first line twice).

use super::model::{
    round_cents, Address, Order, OrderStatus, Payment, PaymentMethod, Product, User,
};
use super::refusal::Refusal;
use serde_json::json;
use std::collections::BTreeMap;

/// Money facts of a change, for the action's result.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Money {
    /// Refund to the customer.
    pub refund: Option<f64>,
    /// Extra payment (negative: refund of a difference).
    pub price_difference: Option<f64>,
    /// Method label.
    pub payment_method: Option<String>,
    /// Whether a refund is immediate (gift card) or takes 5–7 business days.
    pub refund_immediate: Option<bool>,
}

/// A change: the new order, whether the user record changed (gift-card
/// balance), and the money involved.
pub type Change = Result<(Order, bool, Money), Refusal>;

/// Item replacements: `item_ids[i]` becomes `new_item_ids[i]`; the price
/// difference goes through `method_id`.
pub struct Swap<'a> {
    /// Items of the order to replace.
    pub item_ids: &'a [String],
    /// Their replacements.
    pub new_item_ids: &'a [String],
    /// Pays or receives the difference.
    pub method_id: &'a str,
    /// A delivered order's exchange (else a pending order's modification).
    pub exchange: bool,
}

fn require(order: &Order, allowed: OrderStatus) -> Result<(), Refusal> {
    if order.status == allowed {
        Ok(())
    } else {
        Err(Refusal::WrongStatus {
            order_id: order.order_id.clone(),
            status: order.status.clone(),
            allowed,
        })
    }
}

fn entry(kind: &str, amount: f64, method: &str) -> Payment {
    Payment {
        transaction_type: kind.into(),
        amount: round_cents(amount),
        payment_method_id: method.into(),
    }
}

fn method<'u>(user: &'u User, id: &str) -> Result<&'u PaymentMethod, Refusal> {
    user.payment_methods
        .get(id)
        .ok_or(Refusal::BadPaymentMethod)
}

/// Add `amount` to a gift card's balance (negative: spend); other methods
/// are settled by the payment provider. True when the user changed.
fn credit_gift_card(user: &mut User, id: &str, amount: f64) -> bool {
    match user.payment_methods.get_mut(id) {
        Some(card) if card.is_gift_card() => {
            card.balance = Some(round_cents(card.balance_or_zero() + amount));
            true
        }
        _ => false,
    }
}

/// Indexes of the order lines named by `item_ids`, each line used once (an
/// id named twice needs two lines with it).
fn lines(order: &Order, item_ids: &[String]) -> Result<Vec<usize>, Refusal> {
    let mut taken: Vec<usize> = Vec::new();
    for id in item_ids {
        let index = (0..order.items.len())
            .find(|i| order.items[*i].item_id == *id && !taken.contains(i))
            .ok_or_else(|| Refusal::ItemNotInOrder {
                order_id: order.order_id.clone(),
                item_id: id.clone(),
            })?;
        taken.push(index);
    }
    Ok(taken)
}

fn sorted(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}

/// Cancel a pending order for one of the policy's reasons; refund what each
/// method paid (a gift card's balance at once).
pub fn cancel(order: &Order, user: &mut User, reason: &str) -> Change {
    require(order, OrderStatus::Pending)?;
    if !matches!(reason, "no longer needed" | "ordered by mistake") {
        return Err(Refusal::InvalidReason);
    }
    // Net paid per method, in the order methods first appear.
    let mut net: Vec<(String, f64)> = Vec::new();
    for p in &order.payment_history {
        let sign = if p.transaction_type == "refund" {
            -1.0
        } else {
            1.0
        };
        match net.iter_mut().find(|(m, _)| *m == p.payment_method_id) {
            Some((_, sum)) => *sum += sign * p.amount,
            None => net.push((p.payment_method_id.clone(), sign * p.amount)),
        }
    }
    let mut order = order.clone();
    let (mut user_changed, mut refund, mut immediate) = (false, 0.0, true);
    let mut label = None;
    for (method_id, amount) in net {
        let amount = round_cents(amount);
        if amount <= 0.0 {
            continue;
        }
        order
            .payment_history
            .push(entry("refund", amount, &method_id));
        refund += amount;
        let card = credit_gift_card(user, &method_id, amount);
        user_changed |= card;
        immediate &= card;
        label = label.or_else(|| user.payment_methods.get(&method_id).map(|m| m.label()));
    }
    order.status = OrderStatus::Cancelled;
    order.extra.insert("cancel_reason".into(), json!(reason));
    Ok((
        order,
        user_changed,
        Money {
            refund: Some(round_cents(refund)),
            payment_method: label,
            refund_immediate: Some(immediate),
            ..Money::default()
        },
    ))
}

/// Ship a pending order elsewhere.
pub fn modify_address(order: &Order, address: &Address) -> Change {
    require(order, OrderStatus::Pending)?;
    if &order.address == address {
        return Err(Refusal::NothingToChange);
    }
    let mut order = order.clone();
    order.address = address.clone();
    Ok((order, false, Money::default()))
}

/// Pay a pending order with another method of the customer: the new method
/// pays the total (a gift card must cover it), the old one is refunded.
/// Allowed once: the order must have exactly one payment, as in τ-bench.
pub fn modify_payment(order: &Order, user: &mut User, method_id: &str) -> Change {
    require(order, OrderStatus::Pending)?;
    let new = method(user, method_id)?.clone();
    let [only] = order.payment_history.as_slice() else {
        return Err(Refusal::PaymentAlreadyChanged);
    };
    if only.transaction_type != "payment" {
        return Err(Refusal::PaymentAlreadyChanged);
    }
    let (old, total) = (only.payment_method_id.clone(), only.amount);
    if old == method_id {
        return Err(Refusal::SamePaymentMethod);
    }
    if new.is_gift_card() && new.balance_or_zero() < total {
        return Err(Refusal::InsufficientBalance {
            balance: new.balance_or_zero(),
            needed: total,
        });
    }
    let mut order = order.clone();
    order
        .payment_history
        .push(entry("payment", total, method_id));
    order.payment_history.push(entry("refund", total, &old));
    let paid = credit_gift_card(user, method_id, -total);
    let refunded = credit_gift_card(user, &old, total);
    Ok((
        order,
        paid || refunded,
        // The old method's refund is not reported as `refund`: replies
        // name the new method next to it.
        Money {
            payment_method: Some(new.label()),
            refund_immediate: Some(refunded),
            ..Money::default()
        },
    ))
}

/// Replace items by other available variants of the same products: a
/// pending order's items (status `pending (item modified)`, the difference
/// paid or refunded now) or a delivered order's (status `exchange
/// requested`, the difference recorded for when the exchange is done).
pub fn swap_items(
    products: &BTreeMap<String, Product>,
    order: &Order,
    user: &mut User,
    swap: &Swap<'_>,
) -> Change {
    let allowed = if swap.exchange {
        OrderStatus::Delivered
    } else {
        OrderStatus::Pending
    };
    if !swap.exchange && order.status == OrderStatus::PendingItemModified {
        return Err(Refusal::ItemsAlreadyModified {
            order_id: order.order_id.clone(),
        });
    }
    require(order, allowed)?;
    if swap.item_ids.is_empty() || swap.item_ids.len() != swap.new_item_ids.len() {
        return Err(Refusal::NothingToChange);
    }
    let mut order = order.clone();
    let difference = swap_lines(products, &mut order, swap)?;
    let pay = method(user, swap.method_id)?.clone();
    if pay.is_gift_card() && pay.balance_or_zero() < difference {
        return Err(Refusal::InsufficientBalance {
            balance: pay.balance_or_zero(),
            needed: difference,
        });
    }
    let mut user_changed = false;
    if swap.exchange {
        order.status = OrderStatus::ExchangeRequested;
        let extra = &mut order.extra;
        extra.insert("exchange_items".into(), json!(sorted(swap.item_ids)));
        extra.insert(
            "exchange_new_items".into(),
            json!(sorted(swap.new_item_ids)),
        );
        extra.insert("exchange_payment_method_id".into(), json!(swap.method_id));
        extra.insert("exchange_price_difference".into(), json!(difference));
    } else {
        order.status = OrderStatus::PendingItemModified;
        // τ-bench: a positive difference is a payment, anything else a refund.
        let kind = if difference > 0.0 {
            "payment"
        } else {
            "refund"
        };
        order
            .payment_history
            .push(entry(kind, difference.abs(), swap.method_id));
        user_changed = credit_gift_card(user, swap.method_id, -difference);
    }
    Ok((
        order,
        user_changed,
        Money {
            price_difference: Some(difference),
            payment_method: Some(pay.label()),
            refund_immediate: (difference < 0.0).then_some(pay.is_gift_card()),
            ..Money::default()
        },
    ))
}

/// Check each line of `swap` against its new variant and, in a pending
/// order, put the variant in (an exchange keeps the lines until it is
/// done); gives the price difference, rounded to the cent.
fn swap_lines(
    products: &BTreeMap<String, Product>,
    order: &mut Order,
    swap: &Swap<'_>,
) -> Result<f64, Refusal> {
    let mut difference = 0.0;
    for (index, new_id) in lines(order, swap.item_ids)?
        .into_iter()
        .zip(swap.new_item_ids)
    {
        let item = &order.items[index];
        let variant = products
            .get(&item.product_id)
            .and_then(|p| p.variants.get(new_id))
            .ok_or(Refusal::DifferentProduct)?;
        if !variant.available {
            return Err(Refusal::NotAvailable {
                item_id: new_id.clone(),
            });
        }
        // The same variant is a replacement when exchanged (a faulty
        // item for a new one), but changes nothing in a pending order.
        if *new_id == item.item_id && !swap.exchange {
            return Err(Refusal::NothingToChange);
        }
        difference += variant.price - item.price;
        if !swap.exchange {
            let item = &mut order.items[index];
            item.item_id = new_id.clone();
            item.price = variant.price;
            item.options = variant.options.clone();
        }
    }
    Ok(round_cents(difference))
}

/// Request the return of items of a delivered order; the refund will go to
/// the original method or a gift card of the customer.
pub fn return_items(order: &Order, user: &User, item_ids: &[String], method_id: &str) -> Change {
    require(order, OrderStatus::Delivered)?;
    if item_ids.is_empty() {
        return Err(Refusal::NothingToChange);
    }
    let pay = method(user, method_id)?;
    if order.paid_with() != Some(method_id) && !pay.is_gift_card() {
        return Err(Refusal::RefundNotAllowed {
            payment_method_id: method_id.to_string(),
        });
    }
    let refund: f64 = lines(order, item_ids)?
        .into_iter()
        .map(|i| order.items[i].price)
        .sum();
    let mut order = order.clone();
    order.status = OrderStatus::ReturnRequested;
    order
        .extra
        .insert("return_items".into(), json!(sorted(item_ids)));
    order
        .extra
        .insert("return_payment_method_id".into(), json!(method_id));
    Ok((
        order,
        false,
        Money {
            refund: Some(round_cents(refund)),
            payment_method: Some(pay.label()),
            ..Money::default()
        },
    ))
}
