//! The commerce model, in the shop JSON shape (`users.json`, `orders.json`,
//! `products.json`, as τ-bench's retail shop writes them). Keys kefu does
//! not know are kept (`extra` on users, payment methods and orders) or
//! ignored (elsewhere), never rejected; an import followed by
//! `kefu shop order` gives back what was imported, number types included
//! (integer gift-card balances stay integers).
//!
//! Order statuses ([`OrderStatus`]) and payment sources ([`PaymentSource`])
//! are enums with an `Other` case, so a shop with a status kefu does not
//! know still imports, and its actions simply refuse that state.

pub use super::status::{OrderStatus, PaymentSource};

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street and number.
    pub address1: String,
    /// Apartment or suite.
    #[serde(default)]
    pub address2: String,
    /// City.
    pub city: String,
    /// Country.
    pub country: String,
    /// State code.
    pub state: String,
    /// Zip code.
    pub zip: String,
}

impl Address {
    /// One line, as shown to a customer.
    pub fn one_line(&self) -> String {
        let street = if self.address2.is_empty() {
            self.address1.clone()
        } else {
            format!("{}, {}", self.address1, self.address2)
        };
        format!(
            "{street}, {}, {} {}, {}",
            self.city, self.state, self.zip, self.country
        )
    }
}

/// A customer's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
}

/// A stored way to pay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentMethod {
    /// Gift card, PayPal or credit card (`source` in the JSON).
    pub source: PaymentSource,
    /// The method's id (`gift_card_7794233`).
    pub id: String,
    /// Gift cards: remaining balance in dollars.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "balance_json"
    )]
    pub balance: Option<f64>,
    /// Credit cards: `visa`, `mastercard`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Credit cards: last four digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_four: Option<String>,
    /// Keys kefu does not use, kept as imported.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl PaymentMethod {
    /// How a customer would name it: "gift card (balance $40)", "PayPal",
    /// "Visa credit card ending 4417".
    pub fn label(&self) -> String {
        match &self.source {
            PaymentSource::GiftCard => match self.balance {
                Some(b) => format!("gift card (balance ${})", money(b)),
                None => "gift card".into(),
            },
            PaymentSource::Paypal => "PayPal".into(),
            PaymentSource::CreditCard => format!(
                "{} credit card ending {}",
                self.brand.as_deref().unwrap_or("credit card"),
                self.last_four.as_deref().unwrap_or("????")
            )
            .replace("credit card credit card", "credit card"),
            PaymentSource::Other(other) => other.replace('_', " "),
        }
    }

    /// True for a gift card, whose balance must cover what it pays and
    /// which is refunded at once.
    pub fn is_gift_card(&self) -> bool {
        self.source == PaymentSource::GiftCard
    }

    /// The gift card's balance (0 when unknown or not a gift card).
    pub fn balance_or_zero(&self) -> f64 {
        self.balance.unwrap_or(0.0)
    }
}

/// Gift-card balances are integers in the shop JSON until a refund adds
/// cents: write whole dollars as a JSON integer so an import reads back
/// exactly as it was written.
fn balance_json<S: Serializer>(balance: &Option<f64>, out: S) -> Result<S::Ok, S::Error> {
    match balance {
        Some(b) if b.fract() == 0.0 && b.abs() < 9.0e15 => out.serialize_i64(*b as i64),
        Some(b) => out.serialize_f64(*b),
        None => out.serialize_none(),
    }
}

/// A customer account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Name.
    pub name: PersonName,
    /// Default address.
    pub address: Address,
    /// Email address.
    pub email: String,
    /// Payment methods by id.
    pub payment_methods: BTreeMap<String, PaymentMethod>,
    /// Order ids, oldest first.
    #[serde(default)]
    pub orders: Vec<String>,
    /// Keys kefu does not use.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A variant of a product (one item id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// The item id.
    pub item_id: String,
    /// Option values (`color: red`, `size: 9`).
    pub options: BTreeMap<String, String>,
    /// Whether it can be ordered now.
    pub available: bool,
    /// Price in dollars.
    pub price: f64,
}

/// A product with its variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Display name.
    pub name: String,
    /// The product id.
    pub product_id: String,
    /// Variants by item id.
    pub variants: BTreeMap<String, Variant>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    /// Product name.
    pub name: String,
    /// Product id.
    pub product_id: String,
    /// Item (variant) id.
    pub item_id: String,
    /// Price paid.
    pub price: f64,
    /// The variant's options.
    pub options: BTreeMap<String, String>,
}

/// A shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fulfillment {
    /// Carrier tracking numbers.
    pub tracking_id: Vec<String>,
    /// Items in the parcel(s).
    pub item_ids: Vec<String>,
}

/// A payment or refund.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// `payment` or `refund`.
    pub transaction_type: String,
    /// Dollars.
    pub amount: f64,
    /// The method used.
    pub payment_method_id: String,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// `#W` + digits.
    pub order_id: String,
    /// The customer's user id.
    pub user_id: String,
    /// Shipping address.
    pub address: Address,
    /// Items ordered.
    pub items: Vec<OrderItem>,
    /// Shipments.
    #[serde(default)]
    pub fulfillments: Vec<Fulfillment>,
    /// Where the order is (`pending`, `delivered`, …).
    pub status: OrderStatus,
    /// Payments and refunds.
    #[serde(default)]
    pub payment_history: Vec<Payment>,
    /// Keys the actions add (`return_items`, `exchange_new_items`, …) and any
    /// others, kept as written.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Order {
    /// The method of the original payment (the first `payment` entry).
    pub fn paid_with(&self) -> Option<&str> {
        self.payment_history
            .iter()
            .find(|p| p.transaction_type == "payment")
            .map(|p| p.payment_method_id.as_str())
    }

    /// Sum of the item prices, rounded to cents.
    pub fn total(&self) -> f64 {
        round_cents(self.items.iter().map(|i| i.price).sum())
    }

    /// All tracking numbers.
    pub fn tracking(&self) -> Vec<&str> {
        self.fulfillments
            .iter()
            .flat_map(|f| f.tracking_id.iter().map(String::as_str))
            .collect()
    }
}

/// Round to cents, as prices and payments are.
pub fn round_cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Dollars as customers read them: "47.84", "40", "1299.5" → "1299.50".
pub fn money(x: f64) -> String {
    let x = round_cents(x);
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}
