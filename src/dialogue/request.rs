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
            hypothetical: false,
            this_order: false,
        }
    }

    /// A request of `kind` with nothing else said (the NLU's intent for a
    /// message the clause reader found no verb in).
    pub fn bare(kind: RequestKind) -> Self {
        Request::new(kind)
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

/// The requests in `text`, in the order said. `catalog` reads product and
/// option words.
pub fn parse(text: &str, catalog: &words::Catalog) -> Vec<Request> {
    let mut requests: Vec<Request> = Vec::new();
    // Order ids said before any request ("I got my #W1 order. I want to
    // return the lamp") belong to the first request that names none.
    let mut context: Option<Details> = None;
    // The last such sentence, until a request takes it.
    let mut story: Option<String> = None;
    for clause in words::clauses(text) {
        let details = read_details(&clause, catalog);
        match kind_of(&clause.lower, &details) {
            Some(kind) => {
                let mut request = Request::new(kind);
                if details.order_ids.is_empty() {
                    if let Some(ctx) = &context {
                        // The sentence just before describes the order
                        // too ("the speaker that was delivered to Chicago").
                        if let Some(story) = story.take() {
                            request.text = story;
                        }
                        request.order_ids = ctx.order_ids.clone();
                        request.order_suffix = ctx.order_suffix.clone();
                        // Items described before ("I got a black laser
                        // mouse … exchange it for a white one") tell which
                        // one "it" is.
                        for item in &ctx.items {
                            if details.items.is_empty()
                                || details.items.iter().any(|i| i.products == item.products)
                            {
                                // What this clause says stays ("for one in
                                // the same colour") is said of that item.
                                let mut keep = item.keep.clone();
                                for key in catalog.kept_options(&clause.lower, &item.products) {
                                    if !keep.contains(&key) {
                                        keep.push(key);
                                    }
                                }
                                request.add_item(ItemMention {
                                    to: Vec::new(),
                                    fallback: Vec::new(),
                                    keep,
                                    every: (item.every || words::means_every_one(&clause.lower))
                                        && !words::means_just_one(&clause.lower),
                                    ..item.clone()
                                });
                            }
                        }
                    }
                }
                request.absorb(&details);
                // "the perfume in that order": the order of the request
                // before, not a question which one.
                if request.order_ids.is_empty() && words::refers_to_order_before(&clause.lower) {
                    match requests.iter().rev().find(|r| !r.order_ids.is_empty()) {
                        Some(before) => request.order_ids = before.order_ids.clone(),
                        None => request.this_order = true,
                    }
                }
                requests.push(request);
            }
            None => match requests.last_mut() {
                // "I want to know how much the kettle refund will be" asks;
                // its items are not added to the request before.
                Some(_)
                    if words::only_asks(&clause.lower)
                        && details.address.is_none()
                        && details.order_ids.is_empty()
                        && details.payment.is_none() => {}
                Some(last) if !details.is_empty() => last.absorb(&details),
                Some(_) => {}
                None => {
                    let ctx = context.get_or_insert_with(Details::default);
                    story = Some(details.text.clone());
                    ctx.order_ids.extend(details.order_ids.iter().cloned());
                    // "I know the order number ends in 66."
                    if details.order_suffix.is_some() {
                        ctx.order_suffix = details.order_suffix.clone();
                    }
                    ctx.items.extend(details.items.iter().cloned());
                    if details.reason.is_some() {
                        ctx.reason = details.reason.clone();
                    }
                }
            },
        }
    }
    // The same request said twice in one message ("I want a refund … I'm
    // worried the return process is slow") is one request.
    let mut merged: Vec<Request> = Vec::new();
    for request in requests {
        let same = merged.iter_mut().rev().find(|m| {
            m.kind == request.kind
                && (request.order_ids.is_empty() || request.order_ids == m.order_ids)
                && request
                    .items
                    .iter()
                    .all(|i| m.items.iter().any(|j| j.products == i.products))
                && (request.address.is_none()
                    || (m.address.is_none()
                        && matches!(
                            m.kind,
                            RequestKind::ModifyAddress | RequestKind::ChangeAddress
                        )))
                // "… and from my other delivered order, …": another one.
                && !words::names_another_order(&request.text)
        });
        match same {
            Some(earlier) => {
                // What is said later about an item's options supersedes
                // what was said before ("a black one … no, a glass one").
                for item in request.items {
                    if !item.to.is_empty() {
                        if let Some(same) = earlier
                            .items
                            .iter_mut()
                            .find(|i| i.products == item.products)
                        {
                            same.to.clear();
                        }
                    }
                    earlier.add_item(item);
                }
                earlier.wants.extend(request.wants);
                earlier.payment = earlier.payment.take().or(request.payment);
                earlier.address = earlier.address.take().or(request.address);
                earlier.reason = earlier.reason.take().or(request.reason);
                earlier.cheapest |= request.cheapest;
                earlier.all_items |= request.all_items;
                earlier.text.push(' ');
                earlier.text.push_str(&request.text);
            }
            None => merged.push(request),
        }
    }
    let mut requests = merged;
    // A reason said anywhere serves every cancellation that has none.
    let reason = requests
        .iter()
        .find_map(|r| r.reason.clone())
        .or_else(|| context.as_ref().and_then(|c| c.reason.clone()));
    let message = text.to_lowercase().replace(['‘', '’'], "'");
    for request in &mut requests {
        if request.kind == RequestKind::Cancel && request.reason.is_none() {
            request.reason = reason.clone();
        }
        request.hypothetical = request.kind.changes() && hypothetical(&request.text, &message);
    }
    requests
}

/// Whether a request is only asked about: "what would I get back if …",
/// or the message says not to act yet.
fn hypothetical(clause: &str, message: &str) -> bool {
    const NOT_YET: &[&str] = &[
        "don't do it yet",
        "do not do it yet",
        "don't do anything yet",
        "don't do that yet",
        "just asking",
        "just wondering",
        "hypothetically",
        "before i decide",
        "先别",
        "先不要",
        "只是问问",
        "暂时不要",
        "还没决定",
    ];
    const WHAT_IF: &[&str] = &[
        "how much would",
        "how much will i get",
        "how much do i get",
        "what would i get",
        "would i get back",
        "would be refunded",
        "会退多少",
        "能退多少",
        "可以退多少",
        "退多少钱",
        "能退回多少",
    ];
    NOT_YET.iter().any(|w| message.contains(w))
        || WHAT_IF.iter().any(|w| clause.contains(w))
        || (clause.contains("if i ") && clause.contains("how much"))
}

/// What a message that asks for nothing new says (an order id, an
/// address, a payment method, options), for the request in progress.
pub fn details_of(text: &str, catalog: &words::Catalog) -> Details {
    let mut all = Details::default();
    for clause in words::clauses(text) {
        let d = read_details(&clause, catalog);
        if !all.text.is_empty() {
            all.text.push(' ');
        }
        all.text.push_str(&d.text);
        all.order_ids.extend(d.order_ids);
        all.items.extend(d.items);
        all.loose_to.extend(d.loose_to);
        all.loose_from.extend(d.loose_from);
        all.all_items |= d.all_items;
        all.except.extend(d.except);
        if d.scope != Scope::One {
            all.scope = d.scope;
        }
        all.payment = d.payment.or(all.payment);
        all.address = d.address.or(all.address);
        all.address_ref = d.address_ref.or(all.address_ref);
        all.address2 = d.address2.or(all.address2);
        all.reason = d.reason.or(all.reason);
        all.cheapest |= d.cheapest;
        all.same |= d.same;
        all.order_suffix = d.order_suffix.or(all.order_suffix);
        all.order_by_items |= d.order_by_items;
    }
    all
}

mod kind;
mod read;
use kind::kind_of;
use read::read_details;

#[cfg(test)]
mod tests;
