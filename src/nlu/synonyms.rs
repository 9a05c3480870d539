//! The everyday words customers use for kinds of product ("power bank",
//! "shades", "rucksack", "weights"), for any shop: matched against the
//! words of each product's own name, so a shop whose catalog lists no
//! aliases still understands them. A shop's `catalog.json` aliases come on
//! top of these.

/// (words in a product's name, what customers call such a product).
const EVERYDAY: &[(&str, &[&str])] = &[
    ("charger", &["power bank", "powerbank", "battery pack"]),
    ("sunglasses", &["shades", "sunnies"]),
    ("luggage", &["suitcase", "suitcase set", "suitcases"]),
    ("backpack", &["rucksack", "knapsack", "daypack"]),
    ("dumbbell", &["weights", "dumbbells", "free weights"]),
    ("earbuds", &["earphones", "in-ear headphones"]),
    ("headphones", &["headset"]),
    ("bicycle", &["bike"]),
    ("helmet", &["bike helmet", "bicycle helmet"]),
    ("wristwatch", &["watch"]),
    (
        "e-reader",
        &["ereader", "e-book reader", "ebook reader", "kindle"],
    ),
    ("espresso machine", &["coffee machine", "espresso maker"]),
    ("coffee maker", &["coffee machine", "coffeemaker"]),
    ("vacuum cleaner", &["vacuum", "hoover"]),
    ("grill", &["bbq", "barbecue"]),
    ("running shoes", &["trainers", "runners"]),
    ("sneakers", &["trainers"]),
    ("t-shirt", &["tee", "tshirt", "tee shirt"]),
    ("pet bed", &["dog bed", "cat bed"]),
    ("smartphone", &["phone", "cell phone", "mobile phone"]),
    ("light bulb", &["bulb", "lightbulb"]),
    ("action camera", &["action cam"]),
    ("security camera", &["security cam"]),
    ("office chair", &["desk chair", "chair"]),
    ("patio umbrella", &["parasol"]),
    ("water bottle", &["flask"]),
    ("fleece jacket", &["fleece"]),
    ("makeup kit", &["make-up kit", "makeup set"]),
    ("perfume", &["fragrance", "cologne"]),
    ("notebook", &["journal", "notepad"]),
    ("toothbrush", &["tooth brush"]),
    ("wall clock", &["clock"]),
    ("yoga mat", &["exercise mat"]),
    ("hiking boots", &["boots", "hiking shoes"]),
    ("bookshelf", &["bookcase", "book shelf", "shelf"]),
    ("air purifier", &["air cleaner", "purifier"]),
    ("bluetooth speaker", &["speaker", "portable speaker"]),
    ("digital camera", &["camera"]),
    ("smart watch", &["smartwatch"]),
];

/// What customers may call a product named `name` (lowercase).
pub fn everyday_names(name: &str) -> Vec<&'static str> {
    let words: Vec<&str> = name.split(' ').collect();
    EVERYDAY
        .iter()
        .filter(|(head, _)| {
            let head: Vec<&str> = head.split(' ').collect();
            words.windows(head.len()).any(|w| w == head.as_slice())
        })
        .flat_map(|(_, said)| said.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::everyday_names;

    #[test]
    fn kinds_of_product_by_everyday_words() {
        assert!(everyday_names("portable charger").contains(&"power bank"));
        assert!(everyday_names("luggage set").contains(&"suitcase"));
        assert!(everyday_names("cycling helmet").contains(&"bike helmet"));
        assert!(everyday_names("vacuum cleaner").contains(&"vacuum"));
        // Whole words of the name only: "charger" is not in "chargers case".
        assert!(everyday_names("mug").is_empty());
        assert!(everyday_names("smart watch").contains(&"smartwatch"));
        assert!(!everyday_names("smart watch").contains(&"watch"));
    }
}
