//! Reading a postal address out of a customer's message.
//!
//! Customers write addresses on one line, comma-separated, ending in
//! "STATE ZIP" (US shape, as the shop data uses): "12 Oak St, Apt 4,
//! Austin, TX 78701". Anything that does not end that way is not taken for
//! an address, so a question is never mistaken for one. Fields are
//! bounded ([`MAX_FIELD_CHARS`], [`MAX_CITY_CHARS`]) and hold only what
//! addresses hold (letters of any script, digits, spaces and `.,-'#/&`),
//! since they end up in order records and in prompts.

use serde::{Deserialize, Serialize};

/// A shipping address, in the shop's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    /// Street and number.
    pub address1: String,
    /// Apartment, suite (may be empty).
    pub address2: String,
    /// City.
    pub city: String,
    /// State code.
    pub state: String,
    /// Five-digit zip code.
    pub zip: String,
    /// Country (default USA).
    pub country: String,
}

/// Longest street or apartment line.
pub const MAX_FIELD_CHARS: usize = 100;
/// Longest city name.
pub const MAX_CITY_CHARS: usize = 60;

/// The address in `text`, if it holds one.
pub fn parse_address(text: &str) -> Option<PostalAddress> {
    // Take the part after a colon or "to" lead-in when present:
    // "please ship it to: 12 Oak St, …".
    let text = text
        .trim()
        .trim_end_matches(['.', '。', '!', '！', '?', '？']);
    let body = text
        .rsplit_once([':', '：'])
        .map(|(_, b)| b)
        .unwrap_or(text);
    let mut parts: Vec<String> = body
        .split([',', '，'])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    let mut country = "USA".to_string();
    if parts
        .last()
        .is_some_and(|p| matches!(p.to_uppercase().as_str(), "USA" | "US" | "UNITED STATES"))
    {
        country = "USA".into();
        parts.pop();
    }
    // "…, Tempe, AZ 85281 instead of my home": what follows "STATE ZIP"
    // is not the address.
    let at = parts.iter().rposition(|p| state_zip(p).is_some())?;
    if at + 1 < parts.len() {
        parts.truncate(at + 1);
    }
    let last = parts.pop()?;
    let (state, zip) = state_zip(&last)?;
    let city = parts.pop()?;
    // "my work address, 4500 Main St, Suite 100, …": the street is the
    // first part with a house number; what is before it is a lead-in.
    if parts.len() > 2 {
        let street = parts
            .iter()
            .position(|p| p.split_whitespace().any(house_number))?;
        parts.drain(..street);
    }
    if parts.is_empty() || parts.len() > 2 {
        return None;
    }
    // Drop a lead-in such as "new address is 12 Oak St" or "ship to 12 Oak
    // St": the street starts at the last word that is a house number.
    let words: Vec<&str> = parts[0].split_whitespace().collect();
    let start = words
        .iter()
        .rposition(|w| house_number(w))
        .filter(|i| i + 1 < words.len())?;
    let address1 = words[start..].join(" ");
    let address2 = parts.get(1).cloned().unwrap_or_default();
    let fits = |field: &str, max: usize| {
        field.chars().count() <= max
            && field
                .chars()
                .all(|c| c.is_alphanumeric() || c == ' ' || ".-'#/&".contains(c))
    };
    if !fits(&address1, MAX_FIELD_CHARS)
        || !fits(&address2, MAX_FIELD_CHARS)
        || !fits(&city, MAX_CITY_CHARS)
    {
        return None;
    }
    Some(PostalAddress {
        address1,
        address2,
        city,
        state,
        zip,
        country,
    })
}

/// "12", "4500", "12-B": a word that starts a street line.
fn house_number(w: &str) -> bool {
    w.chars().next().is_some_and(|c| c.is_ascii_digit())
        && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// "TX 78701" → ("TX", "78701"); words after it ("instead") are left
/// out, words before it are not allowed.
fn state_zip(part: &str) -> Option<(String, String)> {
    let mut words = part.split_whitespace();
    let state = words.next()?;
    let zip = words.next()?.trim_end_matches(['.', ';', '!', '?']);
    if state.len() != 2 || !state.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    if words
        .next()
        .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit()))
    {
        return None;
    }
    if zip.len() != 5 || !zip.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((state.to_uppercase(), zip.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_line_addresses() {
        let a = parse_address("Please ship it to: 12 Oak St, Apt 4, Austin, TX 78701").unwrap();
        assert_eq!(a.address1, "12 Oak St");
        assert_eq!(a.address2, "Apt 4");
        assert_eq!(
            (a.city.as_str(), a.state.as_str(), a.zip.as_str()),
            ("Austin", "TX", "78701")
        );
        let b = parse_address("my new address is 445 Maple Drive, Denver, co 80014, USA.").unwrap();
        assert_eq!(
            (b.address1.as_str(), b.address2.as_str(), b.state.as_str()),
            ("445 Maple Drive", "", "CO")
        );
        let d = parse_address(
            "a@b.com 9081 please update my default address to 88 Elm St, Apt 2, Portland, OR 97209",
        )
        .unwrap();
        assert_eq!(d.address1, "88 Elm St");
        let c = parse_address("新地址：88 Lake Road，Suite 5，Seattle，WA 98101").unwrap();
        assert_eq!(c.city, "Seattle");
    }

    #[test]
    fn words_around_the_address_are_not_part_of_it() {
        // After "STATE ZIP": "instead", "instead of my home", more clauses.
        let a = parse_address("ship it to 7 Birch Ln, Tempe, AZ 85283 instead of my home").unwrap();
        assert_eq!(
            (a.address1.as_str(), a.zip.as_str()),
            ("7 Birch Ln", "85283")
        );
        let b =
            parse_address("send it to 7 Birch Ln, Tempe, AZ 85283, and cancel the rest").unwrap();
        assert_eq!(b.city, "Tempe");
        // A lead-in part before the street.
        let c = parse_address(
            "please use my office address, 300 Harbor Blvd, Floor 2, Oakland, CA 94607",
        )
        .unwrap();
        assert_eq!(
            (c.address1.as_str(), c.address2.as_str()),
            ("300 Harbor Blvd", "Floor 2")
        );
        // A zip followed by a number is not a state and zip.
        assert_eq!(parse_address("12 Oak St, Austin, TX 78701 4455"), None);
    }

    #[test]
    fn ignores_what_is_not_an_address() {
        assert_eq!(parse_address("where is my order W2611340?"), None);
        assert_eq!(parse_address("I live in Austin, TX"), None);
        assert_eq!(parse_address("zip 78701"), None);
    }

    #[test]
    fn fields_are_bounded_and_plain() {
        let long = format!("12 {} St, Austin, TX 78701", "Oak".repeat(40));
        assert_eq!(parse_address(&long), None, "a 120-character street");
        let markup = "12 Oak St, <script>alert(1)</script>, Austin, TX 78701";
        assert_eq!(parse_address(markup), None);
        let braces = "12 Oak St, Apt {{ system }}, Austin, TX 78701";
        assert_eq!(parse_address(braces), None);
        let fine = parse_address("12 O'Neil St., Unit #4/B, São Paulo, TX 78701").unwrap();
        assert_eq!(fine.city, "São Paulo");
    }
}
