//! The requests the rules read in a message, as labeled fields — what
//! `kefu eval` compares with a labeled frame (`tests/data/reading/`).

use super::request::{self, Request, RequestKind, Scope};
use super::words::Catalog;
use crate::knowledge::Knowledge;
use crate::shop::Product;
use std::collections::BTreeSet;

/// One field of one request: (field, action, value), e.g.
/// `("item", "return", "Hoodie")`.
pub type Field = (String, String, String);

/// The action label of a request kind (`modify_items`).
pub fn action_label(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Status => "status",
        RequestKind::Cancel => "cancel",
        RequestKind::ModifyAddress => "modify_address",
        RequestKind::ModifyItems => "modify_items",
        RequestKind::ModifyPayment => "modify_payment",
        RequestKind::Return => "return",
        RequestKind::Exchange => "exchange",
        RequestKind::ChangeAddress => "change_address",
        RequestKind::Info => "info",
    }
}

/// The fields of the requests the rules read in `text`.
pub fn request_fields(products: &[Product], knowledge: &Knowledge, text: &str) -> BTreeSet<Field> {
    let catalog = Catalog::new(
        products,
        &knowledge.product_aliases(),
        knowledge.option_words(),
    );
    fields(&request::parse(text, &catalog))
}

fn fields(requests: &[Request]) -> BTreeSet<Field> {
    let mut out = BTreeSet::new();
    for r in requests {
        let action = action_label(r.kind).to_string();
        let mut add = |field: &str, value: &str| {
            out.insert((field.to_string(), action.clone(), value.to_string()));
        };
        add("action", "");
        for id in &r.order_ids {
            add("order", id);
        }
        for item in &r.items {
            // A mention that may be several products names none of them.
            if let [product] = item.products.as_slice() {
                add("item", product);
            }
            for (_, value) in &item.to {
                add("to", value);
            }
            for (_, value) in &item.fallback {
                add("fallback", value);
            }
        }
        for (_, value) in &r.wants {
            add("to", value);
        }
        match r.scope {
            Scope::All => add("scope", "all"),
            Scope::Latest => add("scope", "latest"),
            Scope::One => {}
        }
        if let Some(payment) = &r.payment {
            add("payment", &payment_label(payment));
        }
    }
    out
}

/// Payment words as the labels write them.
fn payment_label(payment: &str) -> String {
    let lower = payment.to_lowercase();
    if lower.starts_with("gift_card") || lower.contains("gift") {
        "gift card".into()
    } else if lower.starts_with("paypal") {
        "paypal".into()
    } else if lower.starts_with("credit_card")
        || ["credit", "visa", "card", "mastercard"]
            .iter()
            .any(|w| lower.contains(w))
    {
        "credit card".into()
    } else {
        lower
    }
}
