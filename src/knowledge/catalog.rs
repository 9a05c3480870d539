//! What the shop's product records do not say: brand, category, Chinese
//! names and related products (`catalog.json`, optional), a category
//! derived from the product name when there is no catalog (τ-bench), and
//! the Chinese words used to render option names and values.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// One product's catalog entry; every field optional, because a shop may
/// describe some products, or none.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CatalogEntry {
    /// Chinese name.
    #[serde(default)]
    pub name_zh: Option<String>,
    /// Brand.
    #[serde(default)]
    pub brand: Option<String>,
    /// Category.
    #[serde(default)]
    pub category: Option<String>,
    /// Category in Chinese.
    #[serde(default)]
    pub category_zh: Option<String>,
    /// Other names customers use.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Related product ids, best first.
    #[serde(default)]
    pub similar: Vec<String>,
}

/// Read `catalog.json` from `dir`; missing or unreadable: empty (the graph
/// then derives categories from names).
pub fn load(dir: &Path) -> BTreeMap<String, CatalogEntry> {
    std::fs::read_to_string(dir.join("catalog.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Head words of product names → (category, Chinese category). The sample
/// catalog's categories come first so that a shop without a catalog files
/// its products under the same names; the rest cover τ-bench's retail
/// catalog. Matched against the whole name, then each word from the last
/// (English puts the head noun last: "Running Shoes" is shoes).
const NAME_CATEGORIES: &[(&str, &str, &str)] = &[
    ("smart watch", "electronics", "电子产品"),
    ("yoga mat", "sports", "运动"),
    ("water bottle", "outdoor", "户外"),
    ("t-shirt", "apparel", "服装"),
    ("jacket", "apparel", "服装"),
    ("hoodie", "apparel", "服装"),
    ("sweater", "apparel", "服装"),
    ("shoes", "shoes", "鞋类"),
    ("sneakers", "shoes", "鞋类"),
    ("boots", "shoes", "鞋类"),
    ("slippers", "shoes", "鞋类"),
    ("camera", "electronics", "电子产品"),
    ("earbuds", "electronics", "电子产品"),
    ("headphones", "electronics", "电子产品"),
    ("speaker", "electronics", "电子产品"),
    ("laptop", "electronics", "电子产品"),
    ("tablet", "electronics", "电子产品"),
    ("smartphone", "electronics", "电子产品"),
    ("e-reader", "electronics", "电子产品"),
    ("keyboard", "electronics", "电子产品"),
    ("mouse", "electronics", "电子产品"),
    ("charger", "electronics", "电子产品"),
    ("thermostat", "electronics", "电子产品"),
    ("kettle", "kitchen", "厨房"),
    ("maker", "kitchen", "厨房"),
    ("machine", "kitchen", "厨房"),
    ("grill", "kitchen", "厨房"),
    ("backpack", "outdoor", "户外"),
    ("bicycle", "outdoor", "户外"),
    ("helmet", "outdoor", "户外"),
    ("skateboard", "outdoor", "户外"),
    ("umbrella", "outdoor", "户外"),
    ("hose", "outdoor", "户外"),
    ("dumbbell", "sports", "运动"),
    ("lamp", "home", "家居"),
    ("bulb", "home", "家居"),
    ("clock", "home", "家居"),
    ("chair", "home", "家居"),
    ("bookshelf", "home", "家居"),
    ("bed", "home", "家居"),
    ("cleaner", "home", "家居"),
    ("purifier", "home", "家居"),
    ("wristwatch", "accessories", "配饰"),
    ("sunglasses", "accessories", "配饰"),
    ("luggage", "accessories", "配饰"),
    ("perfume", "beauty", "美妆个护"),
    ("makeup", "beauty", "美妆个护"),
    ("toothbrush", "beauty", "美妆个护"),
    ("puzzle", "toys", "玩具"),
    ("notebook", "office", "办公"),
];

/// A category for a product the catalog does not describe, from its name:
/// the table above, else the name's last word ("Garden Gnome" → "gnome"),
/// which at least groups products of the same kind.
pub fn derived_category(name: &str) -> (String, Option<String>) {
    let lower = name.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let candidates = std::iter::once(lower.as_str()).chain(words.iter().rev().copied());
    for candidate in candidates {
        if let Some((_, category, zh)) = NAME_CATEGORIES.iter().find(|(w, _, _)| *w == candidate) {
            return (category.to_string(), Some(zh.to_string()));
        }
    }
    (words.last().copied().unwrap_or("other").to_string(), None)
}

/// Option names in Chinese, for the facts' Chinese rendering. Names not
/// listed stay as the catalog writes them (still readable, and exact).
const OPTION_NAMES_ZH: &[(&str, &str)] = &[
    ("color", "颜色"),
    ("size", "尺码"),
    ("material", "材质"),
    ("style", "款式"),
    ("capacity", "容量"),
    ("weight", "重量"),
    ("length", "长度"),
    ("width", "宽度"),
    ("height", "高度"),
    ("diameter", "直径"),
    ("type", "类型"),
    ("pattern", "图案"),
    ("scent", "香型"),
    ("grade", "等级"),
    ("harvest", "采摘季"),
    ("roast", "焙火"),
    ("pieces", "件数"),
    ("power", "功率"),
    ("battery", "电池"),
    ("brightness", "亮度"),
    ("season", "季节"),
    ("storage", "存储"),
    ("screen size", "屏幕尺寸"),
];

/// The sample shop's word list, built in as the NLU's is.
const BUILT_IN_LEXICON: &str = include_str!("../../data/lexicon.json");

/// Chinese words for option names and values.
#[derive(Debug, Default)]
pub struct ZhWords {
    values: HashMap<String, String>,
    /// Every (word, value) pair, English spellings included, for reading.
    words: Vec<(String, String)>,
}

impl ZhWords {
    /// Reverse `lexicon.json`'s `options` (Chinese word → value): the
    /// sample shop's built-in list (colors and materials are common to
    /// shops), then `dir`'s own. Of several words for one value the longest
    /// wins (`白色` over `白`), then the first in code-point order, so the
    /// rendering is stable.
    pub fn load(dir: &Path) -> Self {
        let mut zh = ZhWords::default();
        zh.add(BUILT_IN_LEXICON);
        if let Ok(text) = std::fs::read_to_string(dir.join("lexicon.json")) {
            zh.add(&text);
        }
        zh
    }

    fn add(&mut self, json: &str) {
        let words: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(json).unwrap_or_default();
        let options = words.get("options").and_then(|o| o.as_object());
        for (word, value) in options.into_iter().flatten() {
            let Some(value) = value.as_str() else {
                continue;
            };
            self.words.push((word.clone(), value.to_string()));
            // English spellings ("gray" → "grey") are not translations.
            if !word.chars().any(crate::lang::is_cjk) {
                continue;
            }
            let better = match self.values.get(value) {
                None => true,
                Some(old) => {
                    (word.chars().count(), std::cmp::Reverse(word))
                        > (old.chars().count(), std::cmp::Reverse(old))
                }
            };
            if better {
                self.values.insert(value.to_string(), word.clone());
            }
        }
    }

    /// Every word customers use for an option value, with the value.
    pub fn words(&self) -> &[(String, String)] {
        &self.words
    }

    /// An option name in Chinese.
    pub fn name<'a>(&self, name: &'a str) -> &'a str {
        OPTION_NAMES_ZH
            .iter()
            .find(|(en, _)| en.eq_ignore_ascii_case(name))
            .map_or(name, |(_, zh)| zh)
    }

    /// An option value in Chinese, or as written when there is no word.
    /// Codes (`M`, `XL`, `9`) stay as written: Chinese shoppers use them
    /// too, and the lexicon's `中码` is for understanding, not for replies.
    pub fn value<'a>(&'a self, value: &'a str) -> &'a str {
        if !value.chars().any(|c| c.is_ascii_lowercase()) {
            return value;
        }
        self.values.get(value).map_or(value, String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_categories_from_product_names() {
        assert_eq!(derived_category("Running Shoes").0, "shoes");
        assert_eq!(derived_category("Hiking Boots").0, "shoes");
        assert_eq!(derived_category("Smart Watch").0, "electronics");
        assert_eq!(derived_category("Wristwatch").0, "accessories");
        assert_eq!(derived_category("Indoor Security Camera").0, "electronics");
        assert_eq!(derived_category("Garden Gnome"), ("gnome".into(), None));
    }

    #[test]
    fn renders_option_words_in_chinese() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let zh = ZhWords::load(&dir);
        assert_eq!(zh.name("color"), "颜色");
        assert_eq!(zh.name("gps"), "gps");
        assert_eq!(zh.value("white"), "白色");
        assert_eq!(zh.value("unobtainium"), "unobtainium");
        assert_eq!(zh.value("M"), "M");
        // A shop without its own lexicon still gets the common words.
        assert_eq!(
            ZhWords::load(Path::new("/nonexistent")).value("black"),
            "黑色"
        );
    }
}
