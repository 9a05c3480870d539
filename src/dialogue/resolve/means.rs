//! Payment methods and addresses as the customer names them.

use super::Records;
use crate::dialogue::request::Request;
use crate::dialogue::step::{Step, StepKind};
use crate::nlu::PostalAddress;
use crate::shop::{Address, Order, User};

/// The method a request names, else the order's original one.
pub(super) fn payment_or_original(request: &Request, user: &User, order: &Order) -> String {
    request
        .payment
        .as_deref()
        .and_then(|p| method_id(p, user, order))
        .or_else(|| order.paid_with().map(str::to_string))
        .unwrap_or_default()
}

/// The customer's method for what they said: an id as it is, `original`,
/// a kind (`gift card`, `paypal`, `credit card`) or a card brand.
pub(super) fn method_id(said: &str, user: &User, order: &Order) -> Option<String> {
    if said.contains('_') {
        return Some(said.to_string());
    }
    if said == "original" {
        return order.paid_with().map(str::to_string);
    }
    if let Some(last_four) = said.strip_prefix("card ending ") {
        return user
            .payment_methods
            .values()
            .find(|m| m.last_four.as_deref() == Some(last_four))
            .map(|m| m.id.clone());
    }
    let methods: Vec<_> = user
        .payment_methods
        .values()
        .filter(|m| {
            let source = m.source.as_str();
            match said {
                "gift card" => source == "gift_card",
                "paypal" => source == "paypal",
                "credit card" => source == "credit_card",
                brand => {
                    source == "credit_card"
                        && m.brand
                            .as_deref()
                            .is_some_and(|b| b.eq_ignore_ascii_case(brand))
                }
            }
        })
        .collect();
    // Two cards of one kind: the one not paying this order yet.
    match methods.len() {
        1 => Some(methods[0].id.clone()),
        0 => None,
        _ => methods
            .iter()
            .find(|m| Some(m.id.as_str()) != order.paid_with())
            .map(|m| m.id.clone()),
    }
}

/// The address a request means: given in full, only a new suite, the
/// account's default, or that of another of the customer's orders.
pub(super) fn address_for(
    request: &Request,
    records: &Records,
    order: Option<&Order>,
) -> Option<Address> {
    if let Some(a) = &request.address {
        return Some(to_address(a));
    }
    let said = request.address_ref.as_deref().unwrap_or_default();
    // (For the account's own address — `order` none — "default" and "my
    // account" say where the address goes, not where it comes from.)
    if order.is_some()
        && [
            "default",
            "on file",
            "my account",
            "profile",
            "home address",
            "默认",
        ]
        .iter()
        .any(|w| said.contains(w))
    {
        return Some(records.user.address.clone());
    }
    if let Some(unit) = &request.address2 {
        let mut base = order
            .map(|o| o.address.clone())
            .unwrap_or_else(|| records.user.address.clone());
        base.address2 = unit.clone();
        return Some(base);
    }
    if said.is_empty() {
        return None;
    }
    // "the Washington DC address": another order's, by city or state.
    let mut found: Vec<Address> = Vec::new();
    for o in records.orders {
        let a = &o.address;
        let city = a.city.to_lowercase();
        let named = crate::dialogue::words::contains_word(said, &city)
            || crate::dialogue::words::contains_word(said, &a.state.to_lowercase())
            || state_name(&a.state).is_some_and(|n| said.contains(n));
        if named && order.is_none_or(|cur| cur.address != *a) && !found.contains(a) {
            found.push(a.clone());
        }
    }
    if found.is_empty() {
        found = address_of_order_told_by_items(request, records, order);
    }
    (found.len() == 1).then(|| found.remove(0))
}

/// "the address my smart watch order went to": the addresses of the other
/// orders holding an item that names an order.
fn address_of_order_told_by_items(
    request: &Request,
    records: &Records,
    order: Option<&Order>,
) -> Vec<Address> {
    let mut found: Vec<Address> = Vec::new();
    for mention in request.items.iter().filter(|m| m.anchor) {
        for o in records.orders {
            let other = order.is_none_or(|cur| cur.order_id != o.order_id);
            let holds = super::items::has_items(o, std::slice::from_ref(mention));
            if other && holds && !found.contains(&o.address) {
                found.push(o.address.clone());
            }
        }
    }
    found
}

pub(super) fn state_name(code: &str) -> Option<&'static str> {
    const NAMES: &[(&str, &str)] = &[
        ("DC", "washington dc"),
        ("NY", "new york"),
        ("CA", "california"),
        ("TX", "texas"),
        ("WA", "washington"),
        ("FL", "florida"),
        ("IL", "illinois"),
        ("PA", "pennsylvania"),
        ("OH", "ohio"),
        ("GA", "georgia"),
        ("NC", "north carolina"),
        ("MA", "massachusetts"),
        ("AZ", "arizona"),
        ("CO", "colorado"),
    ];
    NAMES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

pub(super) fn to_address(a: &PostalAddress) -> Address {
    Address {
        address1: a.address1.clone(),
        address2: a.address2.clone(),
        city: a.city.clone(),
        country: a.country.clone(),
        state: a.state.clone(),
        zip: a.zip.clone(),
    }
}

/// "Which payment method?" with the customer's methods by name.
pub(super) fn ask_payment(user: &User, order: &Order) -> Step {
    Step::new(StepKind::AskPayment)
        .with("order_id", &order.order_id)
        .with(
            "methods",
            user.payment_methods
                .values()
                .map(|m| m.label())
                .collect::<Vec<_>>(),
        )
        .mention(&order.order_id)
}

/// "Back to the original method, or to your gift card?" for a return whose
/// customer has a gift card other than the one that paid: the policy lets
/// them choose, so kefu asks rather than choose for them. `None`: there is
/// no choice to make.
pub(super) fn ask_refund_to(user: &User, order: &Order) -> Option<Step> {
    let original = order.paid_with()?;
    let gift_cards: Vec<String> = user
        .payment_methods
        .iter()
        .filter(|(id, m)| m.is_gift_card() && id.as_str() != original)
        .map(|(_, m)| m.label())
        .collect();
    if gift_cards.is_empty() {
        return None;
    }
    let original = user
        .payment_methods
        .get(original)
        .map(|m| m.label())
        .unwrap_or_else(|| original.to_string());
    Some(
        Step::new(StepKind::AskPayment)
            .with("order_id", &order.order_id)
            .with("refund", true)
            .with("original", original)
            .with("methods", gift_cards)
            .mention(&order.order_id),
    )
}
