//! Order requests: status, cancel, modify (address, items, payment),
//! return, exchange, and the account's default address. Each gathers its
//! slots, checks ownership and state, and proposes the action for an
//! explicit yes.

use super::flows::Brain;
use super::step::{ActionRecord, Step};
use super::DialogueState;
use crate::nlu::Intent;
use crate::shop::{actions, Action, Address, Order, Refusal, User};
use crate::store::StoreError;

impl Brain {
    /// Continue the order request `task`.
    pub(super) fn order_flow(
        &self,
        state: &mut DialogueState,
        task: Intent,
        text: &str,
    ) -> Result<Step, StoreError> {
        if let Some(step) = self.verify(state)? {
            return Ok(step.with("task", task.label()));
        }
        let customer = state.customer.clone().unwrap_or_default();
        let Some(user) = self.shop.user(&customer)? else {
            return Ok(Step::new("identity_failed"));
        };
        if task == Intent::ChangeAddress {
            let Some(address) = state.slots.address.clone() else {
                return Ok(Step::new("ask_address").with("current", user.address.one_line()));
            };
            return self.propose(
                state,
                &customer,
                Action::ChangeAddress {
                    address: to_address(&address),
                },
            );
        }
        let Some(order_id) = state.slots.order_id.clone() else {
            let orders: Vec<String> = self
                .shop
                .orders_of(&user)?
                .iter()
                .map(|o| format!("{} ({})", o.order_id, o.status))
                .collect();
            return Ok(Step::new("ask_order")
                .with("orders", orders)
                .with("task", task.label()));
        };
        let order = match self.shop.order(&order_id)? {
            Some(order) if order.user_id == customer => order,
            // Another customer's order and a made-up id read the same: P3.
            _ => {
                state.slots.order_id = None;
                return Ok(refused_plain(Refusal::NotYourOrder { order_id }));
            }
        };
        match task {
            Intent::OrderStatus => {
                state.finish_task();
                Ok(status_step(&order))
            }
            Intent::CancelOrder => {
                if order.status != "pending" {
                    return Ok(self.refuse_now(state, "cancel", &order, "pending"));
                }
                let Some(reason) = state.slots.reason.clone() else {
                    return Ok(Step::new("ask_reason")
                        .with("order_id", &order.order_id)
                        .mention(&order.order_id));
                };
                self.propose(state, &customer, Action::Cancel { order_id, reason })
            }
            Intent::ModifyOrder => self.modify(state, &user, &customer, &order, text),
            Intent::ReturnOrder => {
                if order.status != "delivered" {
                    return Ok(self.refuse_now(state, "return", &order, "delivered"));
                }
                let items = chosen_items(&order, &state.slots.products);
                let method = self.method_for(&user, &order, state.slots.payment_method.as_deref());
                self.propose(
                    state,
                    &customer,
                    Action::Return {
                        order_id,
                        item_ids: items,
                        payment_method_id: method,
                    },
                )
            }
            Intent::ExchangeOrder => {
                if order.status != "delivered" {
                    return Ok(self.refuse_now(state, "exchange", &order, "delivered"));
                }
                self.swap(state, &user, &customer, &order, true)
            }
            _ => Ok(Step::new("clarify")),
        }
    }

    fn modify(
        &self,
        state: &mut DialogueState,
        user: &User,
        customer: &str,
        order: &Order,
        text: &str,
    ) -> Result<Step, StoreError> {
        if order.status != "pending" {
            return Ok(self.refuse_now(state, "modify", order, "pending"));
        }
        let order_id = order.order_id.clone();
        if let Some(address) = state.slots.address.clone() {
            return self.propose(
                state,
                customer,
                Action::ModifyAddress {
                    order_id,
                    address: to_address(&address),
                },
            );
        }
        if !state.slots.options.is_empty() {
            return self.swap(state, user, customer, order, false);
        }
        if let Some(label) = state.slots.payment_method.clone() {
            let method = self.method_for(user, order, Some(&label));
            return self.propose(
                state,
                customer,
                Action::ModifyPayment {
                    order_id,
                    payment_method_id: method,
                },
            );
        }
        // "I entered the wrong address on my order": ask for the new one.
        let lower = text.to_lowercase();
        let asks_address = ["address", "地址"].iter().any(|w| lower.contains(w));
        Ok(Step::new(if asks_address {
            "ask_address"
        } else {
            "ask_change"
        })
        .with("order_id", &order.order_id)
        .mention(&order.order_id))
    }

    /// Items → other variants of the same product, by the options named.
    fn swap(
        &self,
        state: &mut DialogueState,
        user: &User,
        customer: &str,
        order: &Order,
        exchange: bool,
    ) -> Result<Step, StoreError> {
        let candidates = chosen_items(order, &state.slots.products);
        let mut pairs = Vec::new();
        for item_id in &candidates {
            let Some(item) = order.items.iter().find(|i| &i.item_id == item_id) else {
                continue;
            };
            let Some(product) = self.shop.product(&item.product_id)? else {
                continue;
            };
            // The variant that has the most of the options named (newest
            // first), differs from the current one, and is available.
            let wanted: Vec<&String> = state.slots.options.iter().rev().collect();
            let best = product
                .variants
                .values()
                .filter(|v| v.item_id != item.item_id)
                .map(|v| {
                    (
                        wanted
                            .iter()
                            .filter(|w| v.options.values().any(|o| o.eq_ignore_ascii_case(w)))
                            .count(),
                        v,
                    )
                })
                .filter(|(score, _)| *score > 0)
                .max_by_key(|(score, v)| (*score, v.available));
            if let Some((_, variant)) = best {
                pairs.push((item.item_id.clone(), variant.item_id.clone()));
            }
        }
        if pairs.is_empty() {
            return Ok(Step::new("ask_variant")
                .with("order_id", &order.order_id)
                .with(
                    "items",
                    order
                        .items
                        .iter()
                        .map(|i| format!("{} ({})", i.name, options_text(&i.options)))
                        .collect::<Vec<_>>(),
                )
                .mention(&order.order_id));
        }
        pairs.truncate(1.max(state.slots.products.len()));
        let (item_ids, new_item_ids) = pairs.into_iter().unzip();
        let method = self.method_for(user, order, state.slots.payment_method.as_deref());
        let order_id = order.order_id.clone();
        let action = if exchange {
            Action::Exchange {
                order_id,
                item_ids,
                new_item_ids,
                payment_method_id: method,
            }
        } else {
            Action::ModifyItems {
                order_id,
                item_ids,
                new_item_ids,
                payment_method_id: method,
            }
        };
        self.propose(state, customer, action)
    }

    /// The customer's payment method for a label (`gift card`), else the
    /// order's original one.
    fn method_for(&self, user: &User, order: &Order, label: Option<&str>) -> String {
        let source = label.map(|l| l.replace(' ', "_"));
        if let Some(source) = source {
            if let Some(m) = user.payment_methods.values().find(|m| m.source == source) {
                return m.id.clone();
            }
        }
        order.paid_with().unwrap_or_default().to_string()
    }

    /// Plan an action; propose it for confirmation or refuse it.
    fn propose(
        &self,
        state: &mut DialogueState,
        customer: &str,
        action: Action,
    ) -> Result<Step, StoreError> {
        match actions::plan(&self.shop, customer, &action)? {
            Ok(planned) => {
                state.pending = Some(action.clone());
                let mut step = Step::new("confirm")
                    .with("action", &action)
                    .with("result", &planned.result);
                if let Some(id) = action.order_id() {
                    step = step.with("order", self.shop.order(id)?).mention(id);
                }
                step.action = Some(ActionRecord {
                    action: action.label().into(),
                    state: "proposed",
                    result: Some(planned.result),
                    refusal: None,
                });
                Ok(step)
            }
            Err(refusal) => {
                state.finish_task();
                Ok(refused(&action, refusal))
            }
        }
    }

    fn refuse_now(
        &self,
        state: &mut DialogueState,
        action: &str,
        order: &Order,
        allowed: &str,
    ) -> Step {
        state.finish_task();
        let refusal = Refusal::WrongStatus {
            order_id: order.order_id.clone(),
            status: order.status.clone(),
            allowed: allowed.into(),
        };
        let clause = self
            .knowledge
            .clause_for(action, state.language.as_deref().unwrap_or("en"));
        let mut step = refused_plain(refusal.clone()).with("policy", clause.map(|c| c.0));
        step.action = Some(ActionRecord {
            action: action.into(),
            state: "refused",
            result: None,
            refusal: Some(refusal),
        });
        step
    }
}

/// A refusal step for an action.
pub(super) fn refused(action: &Action, refusal: Refusal) -> Step {
    let mut step = refused_plain(refusal.clone());
    step.action = Some(ActionRecord {
        action: action.label().into(),
        state: "refused",
        result: None,
        refusal: Some(refusal),
    });
    step
}

/// A refusal names what it refuses: the order and, for a wrong state, the
/// state (a reworded refusal without them would not say why).
fn refused_plain(refusal: Refusal) -> Step {
    let mut step = Step::new("refused")
        .with("refusal", &refusal)
        .with("reason", refusal.to_string());
    match &refusal {
        Refusal::WrongStatus {
            order_id, status, ..
        } => step = step.mention(order_id).mention(status),
        Refusal::NotYourOrder { order_id } | Refusal::ItemNotInOrder { order_id, .. } => {
            step = step.mention(order_id)
        }
        _ => {}
    }
    step
}

fn status_step(order: &Order) -> Step {
    let items: Vec<String> = order
        .items
        .iter()
        .map(|i| format!("{} ({})", i.name, options_text(&i.options)))
        .collect();
    Step::new("order_status")
        .with("order_id", &order.order_id)
        .with("status", &order.status)
        .with("items", items)
        .with("tracking", order.tracking())
        .mention(&order.order_id)
        .mention(&order.status)
}

/// Items of the order that match the products named, else all items.
fn chosen_items(order: &Order, products: &[String]) -> Vec<String> {
    let named: Vec<String> = order
        .items
        .iter()
        .filter(|i| products.iter().any(|p| p.eq_ignore_ascii_case(&i.name)))
        .map(|i| i.item_id.clone())
        .collect();
    if named.is_empty() {
        order.items.iter().map(|i| i.item_id.clone()).collect()
    } else {
        named
    }
}

fn options_text(options: &std::collections::BTreeMap<String, String>) -> String {
    options.values().cloned().collect::<Vec<_>>().join(", ")
}

fn to_address(a: &super::PostalAddress) -> Address {
    Address {
        address1: a.address1.clone(),
        address2: a.address2.clone(),
        city: a.city.clone(),
        country: a.country.clone(),
        state: a.state.clone(),
        zip: a.zip.clone(),
    }
}
