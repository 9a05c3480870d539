//! Reading a clause's items: the products it names, and the option values
//! said around them — what each item is now, what is wanted instead, a
//! second choice, a step up or down, an end of the range, an option to
//! drop, the options to keep.

use super::{Catalog, ItemsSaid, ValueHit, BIGGER, SIZE_DOWN, SIZE_UP, SMALLER};
use crate::dialogue::request::ItemMention;
use crate::dialogue::words::{self, contains_word, find_word, parse_dict, Clause};
use crate::nlu::fallback::{fallbacks, Fallbacks};

/// A product named in the clause: (start, end, the products it may mean).
type ProductHit = (usize, usize, Vec<String>);
/// A wanted option: (option name if said, value).
type Want = (Option<String>, String);

/// Words that say what follows is wanted.
const WANTS: &[&str] = &[
    "prefer",
    "want",
    "like",
    "need",
    "would",
    "instead",
    "should be",
    "rather",
    "换成",
    "改成",
    "想要",
];
/// Words before what an item changes to ("switch the mug to 1 liter").
const TARGET_MARKS: &[&str] = &[
    " to ",
    " for ",
    " into ",
    " with a ",
    " with an ",
    "换成",
    "改成",
    "改为",
];
/// Words before a value that say the item is so now, not wanted so.
const NOT_WANTED: &[&str] = &[
    "instead of",
    "rather than",
    "over",
    "not",
    "from",
    "no",
    "than",
];

/// One clause being read: its product hits and what is gathered.
struct Reading<'a> {
    lower: &'a str,
    products: Vec<ProductHit>,
    items: Vec<ItemMention>,
    loose_to: Vec<Want>,
    loose_from: Vec<String>,
    /// Where the words say what the change is to, if they do.
    target_at: Option<usize>,
    second: Fallbacks,
}

impl Catalog {
    /// Items the clause names with the options said around them, plus
    /// wanted and current options said without a product.
    pub fn items_in(&self, clause: &Clause) -> ItemsSaid {
        let (lower, dicts) = blank_dicts(&clause.lower, &clause.original);
        let products = self.item_hits(&lower);
        let items = products
            .iter()
            .map(|(at, end, names)| ItemMention {
                products: names.clone(),
                every: words::counted_as_several(&lower, *at),
                one_of: words::one_of_several(&lower, *at),
                anchor: words::anchors_order(&lower, *at, *end),
                ..ItemMention::default()
            })
            .collect();
        let mut r = Reading {
            lower: &lower,
            products,
            items,
            loose_to: Vec::new(),
            loose_from: Vec::new(),
            target_at: TARGET_MARKS.iter().filter_map(|m| lower.find(m)).min(),
            second: fallbacks(&lower),
        };
        r.read_dict_notation(&dicts);
        self.place_values(&mut r);
        r.size_step();
        r.superlatives();
        r.only_exact();
        self.dropped_options(&mut r);
        // "keeping the same colour and material".
        for item in &mut r.items {
            item.keep = self.kept_options(&lower, &item.products);
        }
        (r.items, r.loose_to, r.loose_from)
    }

    /// The product mentions that name items.
    fn item_hits(&self, lower: &str) -> Vec<ProductHit> {
        let mut products = self.product_hits(lower);
        // "the perfume … the smallest bottle of the same scent": a bare
        // container word after a degree word, once an item is named, is
        // that item's size, not another product (Water Bottle).
        // ("the two dog beds … the smaller bed" is that product again.)
        let first_end = products.first().map(|h| h.1).unwrap_or(usize::MAX);
        let first_names = products.first().map(|h| h.2.clone()).unwrap_or_default();
        products.retain(|(at, end, names)| {
            *at < first_end
                || lower[*at..*end].contains(' ')
                || !after_degree_word(lower, *at)
                || names.iter().any(|n| first_names.contains(n))
        });
        // "a backpack with a laptop compartment": a product word that
        // qualifies another noun names no item.
        products.retain(|(_, end, _)| !qualifies_a_noun(&lower[*end..]));
        products
    }

    /// Each option value said: what its item is now, wants, or wants as a
    /// second choice; a value with no item of its own is loose.
    fn place_values(&self, r: &mut Reading) {
        let blocked: Vec<(usize, usize)> = r.products.iter().map(|(a, b, _)| (*a, *b)).collect();
        let wants = WANTS.iter().any(|w| contains_word(r.lower, w));
        for hit in self.value_hits(r.lower, &blocked) {
            // "I don't care about wired or not": neither what it is nor
            // what is wanted.
            if indifferent_at(r.lower, hit.at) {
                continue;
            }
            let wanted = !r.said_as_current(hit.at)
                && match r.target_at {
                    Some(t) => hit.at > t,
                    None => wants,
                };
            r.place_value(&hit, wanted);
        }
    }

    /// "no backlight at all", "without a hood": the option's "none".
    fn dropped_options(&self, r: &mut Reading) {
        for item in &mut r.items {
            for product in item.products.clone() {
                for key in self.keys.get(&product).into_iter().flatten() {
                    let said = ["no", "without", "without a", "without any"]
                        .iter()
                        .any(|w| contains_word(r.lower, &format!("{w} {key}")));
                    if !said {
                        continue;
                    }
                    let none = self.values.iter().flat_map(|(_, e)| e).find(|(p, k, v)| {
                        *p == product
                            && k.eq_ignore_ascii_case(key)
                            && ["none", "no", "without"].contains(&v.to_lowercase().as_str())
                    });
                    if let Some((_, k, v)) = none {
                        push_new(&mut item.to, (Some(k.clone()), v.clone()));
                    }
                }
            }
        }
    }
}

impl Reading<'_> {
    /// "Name {from} to {to}": the shop's own notation.
    fn read_dict_notation(&mut self, dicts: &[Dict]) {
        for (i, (_, end, _)) in self.products.iter().enumerate() {
            let Some(d) = dicts
                .iter()
                .position(|d| d.start >= *end && d.start - *end <= 2)
            else {
                continue;
            };
            self.items[i].from = dicts[d].pairs.iter().map(|(_, v)| v.clone()).collect();
            let Some(next) = dicts.get(d + 1) else {
                continue;
            };
            if self.lower[dicts[d].end..next.start].trim() == "to" {
                self.items[i].to = next
                    .pairs
                    .iter()
                    .map(|(k, v)| (Some(k.clone()), v.clone()))
                    .collect();
                // "to {}": nothing changes, the same kind again.
                self.items[i].same = next.pairs.is_empty();
            }
        }
    }

    /// "an optical mouse over a laser one", "instead of the grey", "not
    /// the black one": the value at `at` is what the item is now. (In a
    /// second choice the "not" is the condition's: "if beige is not
    /// offered, in grey".)
    fn said_as_current(&self, at: usize) -> bool {
        let last_words: Vec<&str> = self.lower[..at].split_whitespace().rev().take(3).collect();
        let near = last_words.into_iter().rev().collect::<Vec<_>>().join(" ");
        !self.second.is_second(at)
            && NOT_WANTED.iter().any(|m| {
                // "changed from in-ear to over-ear": what follows "to" is
                // wanted, whatever came before it.
                find_word(&near, m, 0).is_some_and(|at| find_word(&near[at..], "to", 0).is_none())
            })
    }

    /// The value goes to the product mention nearest to it among those it
    /// can belong to, else it is loose.
    fn place_value(&mut self, hit: &ValueHit, wanted: bool) {
        let owner = self
            .products
            .iter()
            .enumerate()
            .filter(|(_, (_, _, names))| hit.entries.iter().any(|(p, _, _)| names.contains(p)))
            .min_by_key(|(_, (a, b, _))| if hit.at >= *b { hit.at - b } else { a - hit.at })
            .map(|(i, _)| i);
        let Some(i) = owner else {
            let value = hit.entries[0].2.clone();
            match wanted {
                true => self.loose_to.push((None, value)),
                false => self.loose_from.push(value),
            }
            return;
        };
        let item = &mut self.items[i];
        let (_, _, value) = hit
            .entries
            .iter()
            .find(|(p, _, _)| item.products.contains(p))
            .expect("owner has the value");
        if wanted && self.second.is_second(hit.at) {
            push_new(&mut item.fallback, (None, value.clone()));
        } else if wanted {
            push_new(&mut item.to, (None, value.clone()));
        } else if !item.from.contains(value) {
            item.from.push(value.clone());
        }
    }

    /// "a bigger one", "one size down", "大一号": the next size up or down,
    /// whatever the option is called. ("the larger one" before what it
    /// changes to picks the item: "switch the larger one to 1 liter".)
    fn size_step(&mut self) {
        let wanted_step = |list: &[&str]| {
            // (Each time it is said: "one size smaller, and the smaller of
            // the two mugs …" wants a size down for the first.)
            list.iter().any(|w| {
                let mut from = 0;
                let mut wanted = false;
                while let Some(at) = find_word(self.lower, w, from) {
                    from = at + w.len();
                    let picks = self.lower[..at].ends_with("the ")
                        && self.target_at.is_some_and(|t| at < t);
                    wanted |= !picks;
                }
                wanted
            })
        };
        let step = if wanted_step(BIGGER) {
            SIZE_UP
        } else if wanted_step(SMALLER) {
            SIZE_DOWN
        } else {
            return;
        };
        let want = (None, step.to_string());
        match self.items.first_mut() {
            Some(item) => item.to.push(want),
            None => self.loose_to.push(want),
        }
    }

    /// "the highest-resolution one", "the most storage": the item named
    /// last before it (or the first) wants that end of the option.
    fn superlatives(&mut self) {
        for (at, option, end) in crate::nlu::superlative::superlatives(self.lower) {
            // "change the smallest kettle to 2 liters" picks the item.
            if self.target_at.is_some_and(|t| at < t) {
                continue;
            }
            let want = (option, end.to_string());
            let owner = self.products.iter().rposition(|(start, _, _)| *start < at);
            match owner.or((!self.items.is_empty()).then_some(0)) {
                Some(i) => push_new(&mut self.items[i].to, want),
                None => self.loose_to.push(want),
            }
        }
    }

    /// "otherwise leave the vacuum": the item named after it (else the last
    /// one before it) changes only to exactly what was asked.
    fn only_exact(&mut self) {
        let Some(at) = self.second.keep_at else {
            return;
        };
        let named_after = self.products.iter().position(|(start, _, _)| *start > at);
        let before = self.products.iter().rposition(|(start, _, _)| *start < at);
        if let Some(i) = named_after.or(before) {
            self.items[i].only_exact = true;
        }
    }
}

/// Adds `want` unless it is there already.
fn push_new(list: &mut Vec<Want>, want: Want) {
    if !list.contains(&want) {
        list.push(want);
    }
}
/// Whether the words after a product name make it qualify another noun
/// ("a laptop compartment", "a phone holder").
fn qualifies_a_noun(after: &str) -> bool {
    const PARTS: [&str; 11] = [
        "compartment",
        "pocket",
        "sleeve",
        "slot",
        "holder",
        "mount",
        "strap",
        "port",
        "pouch",
        "section",
        "attachment",
    ];
    after.split_whitespace().next().is_some_and(|w| {
        PARTS
            .iter()
            .any(|p| w.trim_end_matches([',', '.', 's']) == *p)
    })
}

/// Whether the word before `at` is a degree word ("the smaller bed").
fn after_degree_word(lower: &str, at: usize) -> bool {
    const DEGREE: [&str; 16] = [
        "smallest", "smaller", "largest", "larger", "biggest", "bigger", "cheapest", "cheaper",
        "lightest", "lighter", "heaviest", "heavier", "shortest", "shorter", "longest", "longer",
    ];
    lower[..at]
        .split_whitespace()
        .next_back()
        .is_some_and(|w| DEGREE.contains(&w))
}

/// Whether the comma-separated part of `lower` around `at` says the
/// customer does not mind ("don't care about wired or not", "无所谓"),
/// unless a condition follows before the value ("colour doesn't matter as
/// long as it's XL").
fn indifferent_at(lower: &str, at: usize) -> bool {
    // Byte offsets of the commas themselves (`，` is three bytes).
    let start = lower[..at].rfind([',', '，']).unwrap_or(0);
    let end = lower[at..]
        .find([',', '，'])
        .map_or(lower.len(), |i| at + i);
    let part = &lower[start..end];
    let value_at = at - start;
    [
        "don't care",
        "do not care",
        "doesn't matter",
        "does not matter",
        "either is fine",
        "either way",
        "无所谓",
    ]
    .iter()
    .filter_map(|m| part.find(m))
    .any(|marker| {
        let condition = ["as long as", " but ", "只要", "但"]
            .iter()
            .filter_map(|c| part[marker..].find(c).map(|i| marker + i))
            .min();
        condition.is_none_or(|c| value_at < c)
    })
}

/// A `{'key': 'value', …}` in a clause.
#[derive(Debug, Clone)]
struct Dict {
    start: usize,
    end: usize,
    pairs: Vec<(String, String)>,
}

/// The clause with each `{…}` blanked out (same length), and the dicts
/// with their keys and values as written in `original`.
fn blank_dicts(lower: &str, original: &str) -> (String, Vec<Dict>) {
    let written: Vec<Vec<(String, String)>> = original
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(inner, _)| parse_dict(inner)))
        .collect();
    let mut out = String::with_capacity(lower.len());
    let mut dicts = Vec::new();
    let mut rest = lower;
    let mut offset = 0;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        out.push_str(&rest[..open]);
        let inner = &rest[open + 1..close];
        let pairs = written
            .get(dicts.len())
            .cloned()
            .unwrap_or_else(|| parse_dict(inner));
        dicts.push(Dict {
            start: offset + open,
            end: offset + close + 1,
            pairs,
        });
        out.extend(std::iter::repeat_n(' ', close + 1 - open));
        offset += close + 1;
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    (out, dicts)
}
