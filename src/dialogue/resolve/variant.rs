//! The variant an item becomes: the options wanted (by value, a step up
//! or down, an end of the range, a second choice) under what must stay.

use crate::dialogue::words::{SIZE_DOWN, SIZE_UP};
use crate::nlu::superlative::{LEAST, MOST};
use crate::nlu::units::SIZE_KEYS;
use crate::shop::{OrderItem, Product, Variant};

/// A wanted value that is any value but the one after it ("≠not
/// resistant": water-resistant, whichever rating).
pub(super) const ANY_BUT: &str = "≠";

/// Whether an option's value `x` is what `want` asks for.
fn meets(x: &str, want: &str) -> bool {
    match want.strip_prefix(ANY_BUT) {
        Some(not) => !x.eq_ignore_ascii_case(not),
        None => x.eq_ignore_ascii_case(want),
    }
}

/// The variant the customer wants: it has every option they named (as
/// many as can be had: the closest available one otherwise, with the
/// options it lacks), keeps the rest of the ordered item's options, can be
/// ordered now, and is the cheapest when they said so.
pub(super) fn best_variant<'a>(
    product: &'a Product,
    item: &OrderItem,
    wants: &[(Option<String>, String)],
    keep: &[String],
    cheapest: bool,
) -> Option<(&'a Variant, Vec<String>)> {
    let constraints = constraints_of(product, item, wants, keep);
    if constraints.is_empty() {
        return cheapest
            .then(|| cheapest_keeping(product, item, keep))
            .flatten()
            .map(|v| (v, Vec::new()));
    }
    let score = |v: &Variant| {
        let met = constraints
            .iter()
            .filter(|(k, val)| v.options.get(k).is_some_and(|x| meets(x, val)))
            .count();
        let kept = v
            .options
            .iter()
            .filter(|(k, x)| {
                !constraints.iter().any(|(ck, _)| ck == *k) && item.options.get(*k) == Some(x)
            })
            .count();
        (met, kept)
    };
    let best = product
        .variants
        .values()
        .filter(|v| v.item_id != item.item_id && v.available)
        .filter(|v| score(v).0 > 0)
        // What the customer said stays, stays ("keeping the same colour").
        .filter(|v| {
            keep.iter()
                .filter(|k| !constraints.iter().any(|(ck, _)| ck == *k))
                .all(|k| v.options.get(k) == item.options.get(k))
        })
        .max_by(|a, b| {
            let (sa, sb) = (score(a), score(b));
            sa.0.cmp(&sb.0)
                .then(if cheapest {
                    b.price.total_cmp(&a.price)
                } else {
                    sa.1.cmp(&sb.1)
                })
                .then(sa.1.cmp(&sb.1))
                .then(b.item_id.cmp(&a.item_id))
        })?;
    let unmet = constraints
        .iter()
        .filter(|(k, v)| !best.options.get(k).is_some_and(|x| meets(x, v)))
        // (Any rating of a quality: said by the quality's name.)
        .map(|(k, v)| match v.strip_prefix(ANY_BUT) {
            Some(_) => k.clone(),
            None => v.clone(),
        })
        .collect();
    Some((best, unmet))
}

/// "The cheapest one available in the same size": of the other variants
/// that can be ordered and keep what must stay, the cheapest.
fn cheapest_keeping<'a>(
    product: &'a Product,
    item: &OrderItem,
    keep: &[String],
) -> Option<&'a Variant> {
    product
        .variants
        .values()
        .filter(|v| v.item_id != item.item_id && v.available)
        .filter(|v| keep.iter().all(|k| v.options.get(k) == item.options.get(k)))
        .min_by(|a, b| a.price.total_cmp(&b.price).then(a.item_id.cmp(&b.item_id)))
}

/// Each want as (option name, value) of this product: a step up or down
/// and an end of the range become the value they reach (the end among
/// the variants that have what else is wanted and kept: "the largest
/// capacity available with the same pressure and type"); a later want of
/// the same option replaces an earlier one.
fn constraints_of(
    product: &Product,
    item: &OrderItem,
    wants: &[(Option<String>, String)],
    keep: &[String],
) -> Vec<(String, String)> {
    let mut constraints: Vec<(String, String)> = Vec::new();
    let mut ends = Vec::new();
    for (key, value) in wants {
        let found = if value == SIZE_UP || value == SIZE_DOWN {
            next_size(product, item, value == SIZE_UP)
        } else if let (Some(key), true) = (key, value.starts_with(ANY_BUT)) {
            Some((key.clone(), value.clone()))
        } else if value == MOST || value == LEAST {
            ends.push((key.as_deref(), value == MOST));
            None
        } else {
            option_of(product, item, key.as_deref(), value).map(|k| (k, value.clone()))
        };
        if let Some((key, value)) = found {
            constraints.retain(|(k, _)| k != &key);
            constraints.push((key, value));
        }
    }
    for (key, most) in ends {
        let within = Within {
            item,
            keep,
            constraints: &constraints,
        };
        if let Some((key, value)) = extreme(product, item, key, most, &within) {
            constraints.retain(|(k, _)| k != &key);
            constraints.push((key, value));
        }
    }
    constraints
}

/// What a range's end is taken within: the variants that keep what must
/// stay and have what else is wanted.
struct Within<'a> {
    item: &'a OrderItem,
    keep: &'a [String],
    constraints: &'a [(String, String)],
}

impl Within<'_> {
    /// Whether `v` keeps and has all that, but for option `moved`.
    fn admits(&self, v: &Variant, moved: &str) -> bool {
        self.keep
            .iter()
            .filter(|k| k.as_str() != moved)
            .all(|k| v.options.get(k) == self.item.options.get(k))
            && self
                .constraints
                .iter()
                .filter(|(k, _)| k != moved)
                .all(|(k, want)| v.options.get(k).is_some_and(|x| meets(x, want)))
    }
}

/// The option of `product` a value belongs to: the one named with it if
/// the value is one of its values, else one that has it — preferring an
/// option whose current value differs ("white" for a mouse in black is its
/// colour).
fn option_of(
    product: &Product,
    item: &OrderItem,
    named: Option<&str>,
    value: &str,
) -> Option<String> {
    let named = named.filter(|k| {
        product.variants.values().any(|v| {
            v.options
                .get(*k)
                .is_some_and(|x| x.eq_ignore_ascii_case(value))
        })
    });
    if let Some(k) = named {
        return Some(k.to_string());
    }
    let keys: Vec<&String> = product
        .variants
        .values()
        .flat_map(|v| v.options.iter())
        .filter(|(_, x)| x.eq_ignore_ascii_case(value))
        .map(|(k, _)| k)
        .collect();
    keys.iter()
        .find(|k| {
            item.options
                .get(k.as_str())
                .is_some_and(|cur| !cur.eq_ignore_ascii_case(value))
        })
        .or(keys.first())
        .map(|k| k.to_string())
}

/// Whether two option values are the same, written either way ("1 liter",
/// "1L"; "50ft", "50 feet").
pub(super) fn same_value(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    a == b
        || crate::nlu::units::spellings(&a).contains(&b)
        || crate::nlu::units::spellings(&b).contains(&a)
}

/// A want that names no value but a direction ("one size up", "the
/// brightest"): the option it moves is not "asked" by its value.
pub(super) fn is_relative(value: &str) -> bool {
    [SIZE_UP, SIZE_DOWN, MOST, LEAST].contains(&value)
}

/// The wants with each second choice in place of the first choice of its
/// option ("beige, else grey": grey for the colour, the rest as asked).
pub(super) fn with_second_choice(
    product: &Product,
    first: &[(Option<String>, String)],
    second: &[(Option<String>, String)],
) -> Vec<(Option<String>, String)> {
    let keys_of = |value: &str| -> Vec<&String> {
        product
            .variants
            .values()
            .flat_map(|v| v.options.iter())
            .filter(|(_, x)| x.eq_ignore_ascii_case(value))
            .map(|(k, _)| k)
            .collect()
    };
    let replaced: Vec<&String> = second.iter().flat_map(|(_, v)| keys_of(v)).collect();
    let mut wants: Vec<_> = first
        .iter()
        .filter(|(_, v)| !keys_of(v).iter().any(|k| replaced.contains(k)))
        .cloned()
        .collect();
    wants.extend(second.iter().cloned());
    wants
}

/// The value at one end of an option ("the most storage", "the
/// shortest"): the option the customer named (a key that is or contains
/// the word), else the item's size; the end among the values of the
/// product's available variants.
fn extreme(
    product: &Product,
    item: &OrderItem,
    named: Option<&str>,
    most: bool,
    within: &Within,
) -> Option<(String, String)> {
    use crate::dialogue::words::size_rank;
    use crate::nlu::superlative::rank;
    let keys: Vec<&String> = item.options.keys().collect();
    let key = named
        .and_then(|n| {
            let n = n.trim_end_matches('s');
            keys.iter().find(|k| k.as_str() == n).or_else(|| {
                keys.iter()
                    .find(|k| k.contains(n) || n.contains(k.as_str()))
            })
        })
        .copied()
        .or_else(|| {
            SIZE_KEYS
                .iter()
                .find_map(|s| keys.iter().find(|k| k.as_str() == *s))
                .copied()
        })?;
    // Among those that have what else is asked, if any do; else among
    // all (and what else is asked is said to be unavailable).
    let available = || product.variants.values().filter(|v| v.available);
    let admitted = available().any(|v| within.admits(v, key) && v.options.contains_key(key));
    let values = available()
        .filter(|v| !admitted || within.admits(v, key))
        .filter_map(|v| v.options.get(key))
        .filter_map(|v| rank(v, size_rank).map(|r| (r, v)));
    let end = if most {
        values.max_by(|a, b| a.0.total_cmp(&b.0))
    } else {
        values.min_by(|a, b| a.0.total_cmp(&b.0))
    }?;
    Some((key.clone(), end.1.clone()))
}

/// The next size up (or down) of the item: of its option that is a size
/// (`size`, `height`, `capacity`, … first), the nearest value beyond the
/// current one that the product has.
pub(super) fn next_size(product: &Product, item: &OrderItem, up: bool) -> Option<(String, String)> {
    use crate::dialogue::words::size_rank;
    let mut keys: Vec<&String> = item.options.keys().collect();
    keys.sort_by_key(|k| SIZE_KEYS.iter().position(|s| s == k).unwrap_or(usize::MAX));
    for key in keys {
        let Some(current) = item.options.get(key).and_then(|v| size_rank(v)) else {
            continue;
        };
        let beyond = product
            .variants
            .values()
            .filter_map(|v| v.options.get(key))
            .filter_map(|v| size_rank(v).map(|r| (r, v)))
            .filter(|(r, _)| if up { *r > current } else { *r < current })
            .min_by(|a, b| {
                let (da, db) = ((a.0 - current).abs(), (b.0 - current).abs());
                da.total_cmp(&db)
            });
        if let Some((_, value)) = beyond {
            return Some((key.clone(), value.clone()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine() -> (Product, OrderItem) {
        let with = |pressure, capacity, kind| {
            [
                ("pressure", pressure),
                ("capacity", capacity),
                ("type", kind),
            ]
        };
        super::super::product_and_item(
            "Espresso Machine",
            100.0,
            &[
                ("a", &with("9 bar", "1L", "capsule"), true),
                ("b", &with("9 bar", "1.5L", "capsule"), true),
                ("c", &with("9 bar", "2L", "manual"), true),
                ("d", &with("15 bar", "2L", "capsule"), true),
                ("e", &with("9 bar", "2L", "capsule"), false),
            ],
        )
    }

    #[test]
    fn the_largest_is_taken_among_those_that_keep_what_must_stay() {
        let (product, item) = machine();
        let wants = [(Some("capacity".to_string()), MOST.to_string())];
        let keep = ["pressure".to_string(), "type".to_string()];
        let (best, unmet) = best_variant(&product, &item, &wants, &keep, false).unwrap();
        assert_eq!(best.item_id, "b", "the 2L ones change the type or pressure");
        assert!(unmet.is_empty(), "{unmet:?}");
        // Nothing kept: the largest there is.
        let (best, _) = best_variant(&product, &item, &wants, &[], false).unwrap();
        assert_eq!(best.options["capacity"], "2L");
    }

    #[test]
    fn the_cheapest_in_the_same_type_with_nothing_else_wanted() {
        let (mut product, item) = machine();
        for (id, price) in [("b", 90.0), ("c", 50.0), ("d", 80.0)] {
            product.variants.get_mut(id).unwrap().price = price;
        }
        let keep = ["type".to_string()];
        let (best, _) = best_variant(&product, &item, &[], &keep, true).unwrap();
        assert_eq!(best.item_id, "d", "c is cheaper but manual");
        assert!(best_variant(&product, &item, &[], &keep, false).is_none());
    }
}
