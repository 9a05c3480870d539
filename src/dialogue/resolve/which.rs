//! Which order a customer describes without its number: by its state
//! ("my pending order", "the one I received"), where it goes ("the order
//! going to Chicago") or its size ("my five-item order"). Each description
//! narrows the candidates only where it leaves some, so a word read wrong
//! never rules out every order.

use crate::dialogue::request::Request;
use crate::dialogue::words::contains_word;
use crate::shop::Order;

/// The candidates the request's words describe, best first kept in order.
pub(super) fn described<'a>(request: &Request, orders: Vec<&'a Order>) -> Vec<&'a Order> {
    let text = request.text.as_str();
    let mut left = orders;
    if let Some(status) = said_status(text) {
        keep(&mut left, |o| o.status == status);
    }
    keep(&mut left, |o| goes_to_said_city(request, o));
    if let Some(count) = said_count(text) {
        keep(&mut left, |o| o.items.len() == count);
    }
    left
}

/// Whether the order goes to a city the request names (not the city of a
/// new address it gives).
fn goes_to_said_city(request: &Request, order: &Order) -> bool {
    let new_city = request
        .address
        .as_ref()
        .map(|a| a.city.to_lowercase())
        .unwrap_or_default();
    let city = order.address.city.to_lowercase();
    !city.is_empty() && city != new_city && contains_word(&request.text, &city)
}

/// The one order that goes where the customer said ("the order headed to
/// San Antonio"), whatever its state: told that it cannot be changed,
/// rather than another order changed in its place.
pub(super) fn the_one_going_to_the_city<'a>(
    request: &Request,
    orders: &[&'a Order],
) -> Option<&'a Order> {
    // "send my order to my San Jose address": that city is where it is
    // to go, not which order it is.
    if request.address_ref.is_some() || request.address.is_some() {
        return None;
    }
    let going: Vec<&Order> = orders
        .iter()
        .copied()
        .filter(|o| goes_to_said_city(request, o))
        .collect();
    let cities: Vec<&str> = orders.iter().map(|o| o.address.city.as_str()).collect();
    // Only a city that tells orders apart: all going to one city is no
    // description.
    let distinct = cities.iter().any(|c| *c != cities[0]);
    (going.len() == 1 && distinct).then(|| going[0])
}

/// Keep the orders that fit, unless none does.
fn keep(orders: &mut Vec<&Order>, fits: impl Fn(&Order) -> bool) {
    let fitting: Vec<&Order> = orders.iter().copied().filter(|o| fits(o)).collect();
    if !fitting.is_empty() {
        *orders = fitting;
    }
}

/// The state the customer's words give the order, if any.
pub(super) fn said_status(text: &str) -> Option<&'static str> {
    const NOT_YET: [&str; 9] = [
        "pending",
        "not shipped",
        "hasn't shipped",
        "has not shipped",
        "not yet shipped",
        "not been shipped",
        "hasn't been shipped",
        "未发货",
        "还没发货",
    ];
    const ARRIVED: [&str; 8] = [
        "delivered",
        "received",
        "arrived",
        "i got",
        "came in",
        "已收到",
        "收到了",
        "签收",
    ];
    let said = |list: &[&str]| list.iter().any(|w| contains_word(text, w));
    match (said(&NOT_YET), said(&ARRIVED)) {
        (true, false) => Some("pending"),
        (false, true) => Some("delivered"),
        _ => None,
    }
}

/// "my five-item order", "the 3-item order".
fn said_count(text: &str) -> Option<usize> {
    const NUMBERS: [&str; 9] = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let mut at_items = text
        .match_indices("-item")
        .chain(text.match_indices(" item "));
    at_items.find_map(|(at, _)| {
        let order_follows = text[at..]
            .split_whitespace()
            .skip(1)
            .take(2)
            .any(|w| w.starts_with("order"));
        let word = text[..at].split_whitespace().next_back()?;
        if !order_follows {
            return None;
        }
        word.parse()
            .ok()
            .or_else(|| NUMBERS.iter().position(|n| *n == word).map(|i| i + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_sizes_in_words() {
        assert_eq!(
            said_status("the kettle in my pending order"),
            Some("pending")
        );
        assert_eq!(
            said_status("the order that has not shipped yet"),
            Some("pending")
        );
        assert_eq!(
            said_status("the lamp i received is broken"),
            Some("delivered")
        );
        assert_eq!(
            said_status("the chair that was delivered to denver"),
            Some("delivered")
        );
        assert_eq!(said_status("cancel it"), None);
        // Both said: no guess.
        assert_eq!(said_status("the pending one, not the delivered one"), None);
        assert_eq!(said_count("from my five-item delivered order"), Some(5));
        assert_eq!(said_count("an item i ordered"), None);
        assert_eq!(said_count("from my five-item order"), Some(5));
        assert_eq!(said_count("the 3 item order"), Some(3));
    }
}
