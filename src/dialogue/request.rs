//! Requests in a customer's message: what they want done, to which order
//! and items, with what. A message may hold several ("cancel #W1 because I
//! ordered by mistake; for #W2 exchange the kettle for a black one"): each
//! clause with an action verb starts one, and the clauses after it that only
//! add details (items, options, a payment method, an address) extend it.
//!
//! Nothing here reads the shop's records: order and item references are
//! resolved against the verified customer's orders in [`super::resolve`].

use super::words;
use crate::nlu::PostalAddress;
use serde::{Deserialize, Serialize};

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Where an order is.
    Status,
    /// Cancel a pending order.
    Cancel,
    /// Change a pending order's shipping address.
    ModifyAddress,
    /// Change items of a pending order (or, once delivered, exchange them).
    ModifyItems,
    /// Pay a pending order with another method.
    ModifyPayment,
    /// Return items of a delivered order.
    Return,
    /// Exchange items of a delivered order (or, while pending, modify them).
    Exchange,
    /// Change the account's default address.
    ChangeAddress,
    /// A question about an order's money or items ("how much did I pay").
    Info,
}

impl RequestKind {
    /// The intent label the rest of the brain and `--json` use.
    pub fn label(self) -> &'static str {
        match self {
            RequestKind::Status | RequestKind::Info => "order_status",
            RequestKind::Cancel => "cancel_order",
            RequestKind::ModifyAddress | RequestKind::ModifyItems | RequestKind::ModifyPayment => {
                "modify_order"
            }
            RequestKind::Return => "return_order",
            RequestKind::Exchange => "exchange_order",
            RequestKind::ChangeAddress => "change_address",
        }
    }

    /// Whether the request changes something (and so needs a yes).
    pub fn changes(self) -> bool {
        !matches!(self, RequestKind::Status | RequestKind::Info)
    }

    /// Whether the request acts on items of an order.
    pub fn on_items(self) -> bool {
        matches!(
            self,
            RequestKind::Return | RequestKind::Exchange | RequestKind::ModifyItems
        )
    }
}

/// An item the customer names: which product, the options it has now
/// (to tell two of one product apart) and the options wanted instead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemMention {
    /// Catalog names it may be (a bare "kettle" fits two products).
    pub products: Vec<String>,
    /// Option values of the item as ordered.
    pub from: Vec<String>,
    /// Wanted options: (option name if the customer gave it, value).
    pub to: Vec<(Option<String>, String)>,
    /// A new one of the very same kind (a replacement).
    #[serde(default)]
    pub same: bool,
    /// "whichever is cheaper" said of this item: among the variants that
    /// have what was asked for, the cheapest.
    #[serde(default)]
    pub cheapest: bool,
    /// Second choices, for wants that cannot be had ("or grey if beige is
    /// not offered").
    #[serde(default)]
    pub fallback: Vec<(Option<String>, String)>,
    /// Change it only to exactly what was asked, else leave it as it is
    /// ("if there is none, keep it as it is").
    #[serde(default)]
    pub only_exact: bool,
    /// Every one of this product in the order ("both kettles", "the two
    /// T-shirts", "each of them"), not just one.
    #[serde(default)]
    pub every: bool,
    /// Options said to stay as they are ("keeping the same colour"): a
    /// new variant must have them as ordered.
    #[serde(default)]
    pub keep: Vec<String>,
    /// One of several of the product, picked by price or size ("the
    /// cheaper of the two kettles").
    #[serde(default)]
    pub one_of: Option<words::OneOf>,
    /// Named to tell which order is meant ("the order that had my
    /// earbuds"), not to be acted on.
    #[serde(default)]
    pub anchor: bool,
}

/// Which of the customer's orders a request means when it names none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The one order that fits.
    #[default]
    One,
    /// Every order that fits ("all my pending orders").
    All,
    /// The newest that fits ("my most recent order").
    Latest,
}

/// One request, as said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// What it asks for.
    pub kind: RequestKind,
    /// The clauses it was read from (lowercased), to recognise a restated
    /// request.
    pub text: String,
    /// Order ids it names.
    pub order_ids: Vec<String>,
    /// Items it names.
    pub items: Vec<ItemMention>,
    /// Every item of the order ("return everything", "all the items").
    #[serde(default)]
    pub all_items: bool,
    /// Products excluded ("everything except the lamp").
    #[serde(default)]
    pub except: Vec<String>,
    /// Items excluded by a comparative, one of a product the order holds
    /// more than once ("except the smaller of the two helmets").
    #[serde(default)]
    pub except_one: Vec<ItemMention>,
    /// Which order when none is named.
    #[serde(default)]
    pub scope: Scope,
    /// A payment method: an id (`paypal_123`) or words (`gift card`,
    /// `paypal`, `credit card`, `visa`, `original`).
    pub payment: Option<String>,
    /// A new address given in full.
    pub address: Option<PostalAddress>,
    /// An address by reference: `default`, or words naming another
    /// order's city or state.
    pub address_ref: Option<String>,
    /// An apartment/suite that alone changes ("Suite 641 instead").
    pub address2: Option<String>,
    /// Cancellation reason.
    pub reason: Option<String>,
    /// "whichever is cheaper", "the cheapest", said before any item: it
    /// holds for every item (said after one, it is that item's).
    #[serde(default)]
    pub cheapest: bool,
    /// Options wanted with no item named ("change it to bamboo"): they go
    /// to the order's item whose product has them.
    #[serde(default)]
    pub wants: Vec<(Option<String>, String)>,
    /// The last digits of the order id ("it ends in 66").
    #[serde(default)]
    pub order_suffix: Option<String>,
    /// The items named say which order ("the order with the tea"), not
    /// which part of it.
    #[serde(default)]
    pub order_by_items: bool,
    /// Only asked what it would do ("how much would I get back if I
    /// returned the lamp?", "… don't do it yet"): answered, never proposed.
    #[serde(default)]
    pub hypothetical: bool,
    /// Points at an order without its number ("this order", "the current
    /// order") and no request before it in the message named one: the
    /// order the conversation is on.
    #[serde(default)]
    pub this_order: bool,
    /// What to do instead if the change cannot be had exactly as asked
    /// ("…; if that exact kit is not available, return it instead").
    #[serde(default)]
    pub otherwise: Option<RequestKind>,
}

impl Request {
    fn new(kind: RequestKind) -> Self {
        Request {
            kind,
            text: String::new(),
            order_ids: Vec::new(),
            items: Vec::new(),
            all_items: false,
            except: Vec::new(),
            except_one: Vec::new(),
            scope: Scope::One,
            payment: None,
            address: None,
            address_ref: None,
            address2: None,
            reason: None,
            cheapest: false,
            wants: Vec::new(),
            order_suffix: None,
            order_by_items: false,
            otherwise: None,
            hypothetical: false,
            this_order: false,
        }
    }

    /// A request of `kind` with nothing else said (the NLU's intent for a
    /// message the clause reader found no verb in).
    pub fn bare(kind: RequestKind) -> Self {
        Request::new(kind)
    }

    /// What was said earlier with no request, for a request that does not
    /// say it itself: how the order's number ends ("it ends in 66"), why
    /// ("I placed it by accident").
    pub fn take_said_before(&mut self, slots: &mut super::state::Slots) {
        if self.order_ids.is_empty() && self.order_suffix.is_none() {
            self.order_suffix = slots.order_ending.take();
        }
        if self.kind == RequestKind::Cancel && self.reason.is_none() {
            self.reason = slots.reason.take();
        }
        // "Save that address as my default": the last one given.
        let about_address = matches!(
            self.kind,
            RequestKind::ChangeAddress | RequestKind::ModifyAddress
        );
        let refers_back = self
            .address_ref
            .as_deref()
            .is_some_and(super::words::refers_to_address_before);
        if about_address && self.address.is_none() && refers_back {
            self.address = slots.address.clone();
        }
    }

    /// Add what a detail clause says.
    pub fn absorb(&mut self, details: &Details) {
        for id in &details.order_ids {
            if !self.order_ids.contains(id) {
                self.order_ids.push(id.clone());
            }
        }
        for item in &details.items {
            let mut item = item.clone();
            item.cheapest |= details.cheapest;
            self.add_item(item);
        }
        // "I don't care about wired or not, whichever is cheaper" speaks of
        // the item just named, not of the other items of the request.
        if details.cheapest && details.items.is_empty() {
            match self.items.last_mut() {
                Some(last) => last.cheapest = true,
                None => self.cheapest = true,
            }
        }
        if details.all_items {
            self.all_items = true;
        }
        self.except.extend(details.except.iter().cloned());
        self.except_one.extend(details.except_one.iter().cloned());
        if details.scope != Scope::One {
            self.scope = details.scope;
        }
        if details.payment.is_some() {
            self.payment = details.payment.clone();
        }
        if details.address.is_some() {
            self.address = details.address.clone();
        }
        if details.address_ref.is_some() {
            self.address_ref = details.address_ref.clone();
        }
        if details.address2.is_some() {
            self.address2 = details.address2.clone();
        }
        if details.reason.is_some() {
            self.reason = details.reason.clone();
        }
        if details.same {
            if let Some(last) = self.items.last_mut() {
                last.same = last.to.is_empty();
            }
        }
        // Wanted options said without a product ("a white one") belong to
        // the request's last item.
        if !details.loose_to.is_empty() {
            match self.items.last_mut() {
                Some(last) => {
                    for want in &details.loose_to {
                        if !last.to.contains(want) {
                            last.to.push(want.clone());
                        }
                    }
                }
                None => self.wants.extend(details.loose_to.iter().cloned()),
            }
        }
        if details.order_suffix.is_some() {
            self.order_suffix = details.order_suffix.clone();
        }
        self.order_by_items |= details.order_by_items;
        if !details.loose_from.is_empty() {
            if let Some(last) = self.items.last_mut() {
                last.from.extend(details.loose_from.iter().cloned());
                let from = last.from.clone();
                last.to.retain(|(_, v)| !from.contains(v));
            }
        }
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        self.text.push_str(&details.text);
    }

    /// Add an item, merging with one of the same product ("the mouse … a
    /// white mouse … an optical mouse over a laser one") unless both say
    /// what they are now and differ (two T-shirts of different sizes): the
    /// "black laser mouse" and the "laser mouse" are one.
    pub fn add_item(&mut self, item: ItemMention) {
        let within = |a: &[String], b: &[String]| a.iter().all(|v| b.contains(v));
        // (An item naming the order and the item acted on stay apart: "the
        // order with the two dog beds … the smaller bed" is one bed.)
        if let Some(same) = self.items.iter_mut().find(|i| {
            i.products == item.products
                && i.anchor == item.anchor
                && (within(&i.from, &item.from) || within(&item.from, &i.from))
        }) {
            for f in item.from {
                if !same.from.contains(&f) {
                    same.from.push(f);
                }
            }
            for t in item.to {
                if !same.to.contains(&t) {
                    same.to.push(t);
                }
            }
            for t in item.fallback {
                if !same.fallback.contains(&t) {
                    same.fallback.push(t);
                }
            }
            same.cheapest |= item.cheapest;
            same.only_exact |= item.only_exact;
            same.every |= item.every;
            same.one_of = same.one_of.or(item.one_of);
            // Named once to act on it: it is acted on.
            same.anchor &= item.anchor;
            for k in item.keep {
                if !same.keep.contains(&k) {
                    same.keep.push(k);
                }
            }
            return;
        }
        self.items.push(item);
    }

    /// Whether two requests are the same one said twice.
    pub fn same_as(&self, other: &Request) -> bool {
        self.kind == other.kind && !self.text.is_empty() && self.text == other.text
    }
}

/// What one clause says besides its verb.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Details {
    /// The clause, lowercased.
    pub text: String,
    /// Order ids.
    pub order_ids: Vec<String>,
    /// Items named with their options.
    pub items: Vec<ItemMention>,
    /// Wanted options with no product named.
    pub loose_to: Vec<(Option<String>, String)>,
    /// Current options with no product named.
    pub loose_from: Vec<String>,
    /// "all items", "everything".
    pub all_items: bool,
    /// "except the lamp".
    pub except: Vec<String>,
    /// "except the smaller of the two helmets": one item of the product.
    pub except_one: Vec<ItemMention>,
    /// Which order.
    pub scope: Scope,
    /// A payment method.
    pub payment: Option<String>,
    /// A full address.
    pub address: Option<PostalAddress>,
    /// An address by reference.
    pub address_ref: Option<String>,
    /// Only the apartment/suite.
    pub address2: Option<String>,
    /// Cancellation reason.
    pub reason: Option<String>,
    /// Wants the cheapest.
    pub cheapest: bool,
    /// Wants the same kind again ("a new one", "the same one").
    pub same: bool,
    /// The last digits of an order id.
    pub order_suffix: Option<String>,
    /// "the order with the tea": items that say which order.
    pub order_by_items: bool,
}

impl Details {
    /// Whether the clause says anything a request can use.
    pub fn is_empty(&self) -> bool {
        self.order_ids.is_empty()
            && self.items.is_empty()
            && self.loose_to.is_empty()
            && self.payment.is_none()
            && self.address.is_none()
            && self.address_ref.is_none()
            && self.address2.is_none()
            && self.reason.is_none()
            && !self.cheapest
            && !self.same
            && self.order_suffix.is_none()
            && !self.all_items
    }
}

mod kind;
mod parse;
mod read;
pub use parse::{details_of, parse};

#[cfg(test)]
mod tests;
