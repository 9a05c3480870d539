//! The two closed vocabularies of the shop JSON: an order's `status` and a
//! payment method's `source`. Both are written as the exact strings τ-bench
//! uses, and both keep a value they do not know (`Other`) instead of
//! rejecting the record: an import must not fail on a shop that grew a new
//! state, and the actions refuse what they do not know anyway.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Where an order is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Placed, not yet shipped: may be cancelled or modified.
    Pending,
    /// Items of a pending order were modified (τ-bench allows that once;
    /// afterwards the order can be neither modified nor cancelled).
    PendingItemModified,
    /// Being prepared or shipped.
    Processed,
    /// Delivered: may be returned or exchanged.
    Delivered,
    /// Cancelled (refunded).
    Cancelled,
    /// A return was requested for some items.
    ReturnRequested,
    /// An exchange was requested for some items.
    ExchangeRequested,
    /// A status kefu does not know, kept as written.
    Other(String),
}

impl OrderStatus {
    /// The status as the shop JSON writes it (`pending (item modified)`).
    pub fn as_str(&self) -> &str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::PendingItemModified => "pending (item modified)",
            OrderStatus::Processed => "processed",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::ReturnRequested => "return requested",
            OrderStatus::ExchangeRequested => "exchange requested",
            OrderStatus::Other(other) => other,
        }
    }

    /// Every status kefu knows, in life order (for lexicons and docs).
    pub const KNOWN: [OrderStatus; 7] = [
        OrderStatus::Pending,
        OrderStatus::PendingItemModified,
        OrderStatus::Processed,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::ReturnRequested,
        OrderStatus::ExchangeRequested,
    ];
}

impl From<&str> for OrderStatus {
    fn from(text: &str) -> Self {
        OrderStatus::KNOWN
            .into_iter()
            .find(|s| s.as_str() == text)
            .unwrap_or_else(|| OrderStatus::Other(text.to_string()))
    }
}

impl From<String> for OrderStatus {
    fn from(text: String) -> Self {
        OrderStatus::from(text.as_str())
    }
}

impl From<&OrderStatus> for String {
    fn from(status: &OrderStatus) -> Self {
        status.as_str().to_string()
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// Comparing with the JSON string keeps call sites readable
// (`order.status == "pending"`) and lets tests assert on the shop's words.
impl PartialEq<str> for OrderStatus {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for OrderStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for OrderStatus {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OrderStatus {
    fn deserialize<D: Deserializer<'de>>(input: D) -> Result<Self, D::Error> {
        Ok(OrderStatus::from(String::deserialize(input)?))
    }
}

/// What kind of payment method a customer has.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PaymentSource {
    /// A gift card with a balance (pays only what it covers; refunded at
    /// once).
    GiftCard,
    /// A PayPal account.
    Paypal,
    /// A credit card (brand and last four digits).
    CreditCard,
    /// A source kefu does not know, kept as written.
    Other(String),
}

impl PaymentSource {
    /// The source as the shop JSON writes it (`gift_card`).
    pub fn as_str(&self) -> &str {
        match self {
            PaymentSource::GiftCard => "gift_card",
            PaymentSource::Paypal => "paypal",
            PaymentSource::CreditCard => "credit_card",
            PaymentSource::Other(other) => other,
        }
    }
}

impl From<&str> for PaymentSource {
    fn from(text: &str) -> Self {
        match text {
            "gift_card" => PaymentSource::GiftCard,
            "paypal" => PaymentSource::Paypal,
            "credit_card" => PaymentSource::CreditCard,
            other => PaymentSource::Other(other.to_string()),
        }
    }
}

impl fmt::Display for PaymentSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for PaymentSource {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for PaymentSource {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for PaymentSource {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl Serialize for PaymentSource {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PaymentSource {
    fn deserialize<D: Deserializer<'de>>(input: D) -> Result<Self, D::Error> {
        Ok(PaymentSource::from(String::deserialize(input)?.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_and_write_the_shop_words() {
        for status in OrderStatus::KNOWN {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(serde_json::from_str::<OrderStatus>(&json).unwrap(), status);
        }
        let odd: OrderStatus = serde_json::from_str("\"on hold\"").unwrap();
        assert_eq!(odd, OrderStatus::Other("on hold".into()));
        assert_eq!(serde_json::to_string(&odd).unwrap(), "\"on hold\"");
        assert_eq!(
            OrderStatus::from("pending (item modified)"),
            OrderStatus::PendingItemModified
        );
        assert!(OrderStatus::Pending == "pending" && OrderStatus::Pending != "processed");
    }

    #[test]
    fn sources_read_and_write_the_shop_words() {
        for (text, source) in [
            ("gift_card", PaymentSource::GiftCard),
            ("paypal", PaymentSource::Paypal),
            ("credit_card", PaymentSource::CreditCard),
            ("apple_pay", PaymentSource::Other("apple_pay".into())),
        ] {
            let parsed: PaymentSource = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(parsed, source);
            assert_eq!(
                serde_json::to_string(&parsed).unwrap(),
                format!("\"{text}\"")
            );
        }
    }
}
