//! A message read into its requests, clause by clause: each clause with a
//! request verb starts a request; the clauses around it add their details
//! to it; what is said before any request (an order id, the story of the
//! order) serves the first one that needs it.

use super::kind::kind_of;
use super::read::read_details;
use super::{Details, ItemMention, Request, RequestKind, Scope};
use crate::dialogue::words::{self, Clause};

/// What is said before any request: order ids, items, a reason, and the
/// last such sentence (until a request takes it).
#[derive(Default)]
struct Context {
    details: Option<Details>,
    story: Option<String>,
}

/// The requests in `text`, in the order said. `catalog` reads product and
/// option words.
pub fn parse(text: &str, catalog: &words::Catalog) -> Vec<Request> {
    let mut requests: Vec<Request> = Vec::new();
    // Order ids said before any request ("I got my #W1 order. I want to
    // return the lamp") belong to the first request that names none.
    let mut context = Context::default();
    for clause in words::clauses(text) {
        let details = read_details(&clause, catalog);
        let verbs = catalog.without_product_names(&clause.lower);
        let Some(kind) = kind_of(&verbs, &details) else {
            match requests.last_mut() {
                // "I want to know how much the kettle refund will be" asks;
                // its items are not added to the request before.
                Some(_)
                    if words::only_asks(&clause.lower)
                        && details.address.is_none()
                        && details.order_ids.is_empty()
                        && details.payment.is_none() => {}
                Some(last) if !details.is_empty() => last.absorb(&details),
                Some(_) => {}
                None => context.add(&details),
            }
            continue;
        };
        // "…; if that exact kit is not available, return it instead": the
        // change before is wanted exactly, or this instead.
        let undo = matches!(kind, RequestKind::Return | RequestKind::Cancel);
        if let Some(before) = requests.last_mut().filter(|b| {
            matches!(b.kind, RequestKind::Exchange | RequestKind::ModifyItems)
                && undo
                && crate::nlu::fallback::is_alternative(&clause.lower)
        }) {
            before.otherwise = Some(kind);
            before.items.iter_mut().for_each(|i| i.only_exact = true);
            continue;
        }
        let mut request = Request::new(kind);
        if details.order_ids.is_empty() {
            context.apply(&mut request, &details, &clause, catalog);
        }
        request.absorb(&details);
        // "the perfume in that order": the order of the request before,
        // not a question which one.
        if request.order_ids.is_empty() && words::refers_to_order_before(&clause.lower) {
            match requests.iter().rev().find(|r| !r.order_ids.is_empty()) {
                Some(before) => request.order_ids = before.order_ids.clone(),
                None => request.this_order = true,
            }
        }
        // "…, and save that address as my default": the address the
        // request before gave.
        if request.address.is_none() && words::refers_to_address_before(&clause.lower) {
            request.address = requests.iter().rev().find_map(|r| r.address.clone());
        }
        requests.push(request);
    }
    let mut requests = merge_repeated(requests);
    // A reason said anywhere serves every cancellation that has none.
    let reason = requests
        .iter()
        .find_map(|r| r.reason.clone())
        .or_else(|| context.details.as_ref().and_then(|c| c.reason.clone()));
    let message = text.to_lowercase().replace(['‘', '’'], "'");
    for request in &mut requests {
        if request.kind == RequestKind::Cancel && request.reason.is_none() {
            request.reason = reason.clone();
        }
        request.hypothetical = request.kind.changes() && hypothetical(&request.text, &message);
    }
    requests
}

impl Context {
    /// A clause said before any request.
    fn add(&mut self, details: &Details) {
        let ctx = self.details.get_or_insert_with(Details::default);
        self.story = Some(details.text.clone());
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

    /// The context given to a request whose clause names no order.
    fn apply(
        &mut self,
        request: &mut Request,
        details: &Details,
        clause: &Clause,
        catalog: &words::Catalog,
    ) {
        let Some(ctx) = &self.details else {
            return;
        };
        // The sentence just before describes the order too ("the speaker
        // that was delivered to Chicago").
        if let Some(story) = self.story.take() {
            request.text = story;
        }
        request.order_ids = ctx.order_ids.clone();
        request.order_suffix = ctx.order_suffix.clone();
        // Items described before ("I got a black laser mouse … exchange it
        // for a white one") tell which one "it" is.
        for item in &ctx.items {
            if !details.items.is_empty()
                && !details.items.iter().any(|i| i.products == item.products)
            {
                continue;
            }
            // What this clause says stays ("for one in the same colour") is
            // said of that item.
            let mut keep = item.keep.clone();
            for key in catalog.kept_options(&clause.lower, &item.products) {
                if !keep.contains(&key) {
                    keep.push(key);
                }
            }
            // Said before any request, a value describes the item as it is
            // ("of the two kits, the one for dark skin"): nothing is wanted
            // yet.
            let mut from = item.from.clone();
            for (_, value) in &item.to {
                if !from.contains(value) {
                    from.push(value.clone());
                }
            }
            request.add_item(ItemMention {
                from,
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

/// The same request said twice in one message ("I want a refund … I'm
/// worried the return process is slow") is one request.
fn merge_repeated(requests: Vec<Request>) -> Vec<Request> {
    let mut merged: Vec<Request> = Vec::new();
    for request in requests {
        match merged.iter_mut().rev().find(|m| repeats(m, &request)) {
            Some(earlier) => fold_into(earlier, request),
            None => merged.push(request),
        }
    }
    merged
}

/// Whether `request` says `earlier` again.
fn repeats(earlier: &Request, request: &Request) -> bool {
    earlier.kind == request.kind
        && (request.order_ids.is_empty() || request.order_ids == earlier.order_ids)
        && request
            .items
            .iter()
            .all(|i| earlier.items.iter().any(|j| j.products == i.products))
        && (request.address.is_none()
            || (earlier.address.is_none()
                && matches!(
                    earlier.kind,
                    RequestKind::ModifyAddress | RequestKind::ChangeAddress
                )))
        // "… and from my other delivered order, …": another one.
        && !words::names_another_order(&request.text)
}

/// What a repeated request adds to the first saying.
fn fold_into(earlier: &mut Request, request: Request) {
    // What is said later about an item's options supersedes what was said
    // before ("a black one … no, a glass one").
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
        all.except_one.extend(d.except_one);
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
