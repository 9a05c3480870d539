//! The facts the graph answers with: small typed structs carrying the raw
//! values a grounding guard can check (prices, item ids, clause ids) and a
//! short rendering in English and Chinese that a prompt can include as is.
//! Renderings are built once per query from the values alone, so the same
//! product always reads the same way (stable prompts, stable tests).

use super::catalog::ZhWords;
use crate::lang::Language;
use crate::shop::{money, Product, Variant};
use serde::Serialize;
use std::collections::BTreeMap;

/// One text in both languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Texts {
    /// English.
    pub en: String,
    /// Chinese.
    pub zh: String,
}

impl Texts {
    /// Both renderings.
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Texts {
            en: en.into(),
            zh: zh.into(),
        }
    }

    /// The rendering for `language`.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::En => &self.en,
            Language::Zh => &self.zh,
        }
    }
}

/// What every fact offers a prompt and a guard.
pub trait Fact {
    /// The fact in both languages.
    fn texts(&self) -> &Texts;

    /// The fact in one language, for a prompt to include verbatim.
    fn text(&self, language: Language) -> &str {
        self.texts().get(language)
    }

    /// The checkable values it states (ids, prices as [`money`] writes
    /// them), for a grounding guard's allow-list.
    fn values(&self) -> Vec<String>;
}

/// What the graph knows about a product beyond its shop record.
#[derive(Debug, Clone, Default)]
pub struct ProductMeta {
    /// Chinese name.
    pub name_zh: Option<String>,
    /// Brand.
    pub brand: Option<String>,
    /// Category (from the catalog, else derived from the name).
    pub category: String,
    /// Category in Chinese, when known.
    pub category_zh: Option<String>,
}

/// Facts about a product. `name`, `name_zh`, `brand`, `price_range`,
/// `options` and `available` keep the shape the reply templates read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductFacts {
    /// Product id.
    pub product_id: String,
    /// Product name.
    pub name: String,
    /// Chinese name, when the catalog has one.
    pub name_zh: Option<String>,
    /// Brand, when known.
    pub brand: Option<String>,
    /// Category.
    pub category: String,
    /// Lowest and highest price of the available variants, as [`money`]
    /// writes them.
    pub price_range: Option<(String, String)>,
    /// Option name → values of the available variants, in catalog order.
    pub options: BTreeMap<String, Vec<String>>,
    /// Available variants, all variants.
    pub available: (usize, usize),
    /// Every variant, available ones first: the raw item ids and prices.
    pub variants: Vec<Variant>,
    /// The rendering.
    pub text: Texts,
}

impl Fact for ProductFacts {
    fn texts(&self) -> &Texts {
        &self.text
    }

    fn values(&self) -> Vec<String> {
        let mut values = vec![self.product_id.clone()];
        for v in &self.variants {
            values.push(v.item_id.clone());
            push_unique(&mut values, money(v.price));
        }
        values
    }
}

/// Facts about one variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantFacts {
    /// Product id.
    pub product_id: String,
    /// Product name.
    pub name: String,
    /// The item id.
    pub item_id: String,
    /// Its option values.
    pub options: BTreeMap<String, String>,
    /// Whether it can be ordered now.
    pub available: bool,
    /// Price in dollars.
    pub price: f64,
    /// The rendering.
    pub text: Texts,
}

impl Fact for VariantFacts {
    fn texts(&self) -> &Texts {
        &self.text
    }

    fn values(&self) -> Vec<String> {
        vec![
            self.product_id.clone(),
            self.item_id.clone(),
            money(self.price),
        ]
    }
}

/// Why a product is offered as an alternative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A `similar_to` neighbour.
    Similar,
    /// Another product of the same category.
    SameCategory,
}

/// A product offered instead of another (or as a recommendation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    /// Product id.
    pub product_id: String,
    /// Product name.
    pub name: String,
    /// Chinese name, when known.
    pub name_zh: Option<String>,
    /// Why it is offered.
    pub reason: Reason,
    /// Whether any variant is available.
    pub in_stock: bool,
    /// Lowest available price, as [`money`] writes it.
    pub price_from: Option<String>,
    /// The rendering.
    pub text: Texts,
}

impl Fact for Alternative {
    fn texts(&self) -> &Texts {
        &self.text
    }

    fn values(&self) -> Vec<String> {
        let mut values = vec![self.product_id.clone()];
        values.extend(self.price_from.clone());
        values
    }
}

/// Build a product's facts.
pub fn product(product: &Product, meta: &ProductMeta, zh: &ZhWords) -> ProductFacts {
    let mut variants: Vec<Variant> = product.variants.values().cloned().collect();
    // Stable: available first, then item id order (the map's).
    variants.sort_by_key(|v| !v.available);
    let in_stock = variants.iter().filter(|v| v.available).count();
    let mut options: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for v in variants.iter().filter(|v| v.available) {
        for (k, value) in &v.options {
            push_unique(options.entry(k.clone()).or_default(), value.clone());
        }
    }
    for values in options.values_mut() {
        values.sort_by(|a, b| value_order(a).total_cmp(&value_order(b)));
    }
    let price_range = price_bounds(&variants).map(|(lo, hi)| (money(lo), money(hi)));
    let name_zh = meta.name_zh.as_deref().unwrap_or(&product.name);
    let category_zh = meta.category_zh.as_deref().unwrap_or(&meta.category);
    let mut en = match &meta.brand {
        Some(brand) => format!("{} by {brand} ({})", product.name, meta.category),
        None => format!("{} ({})", product.name, meta.category),
    };
    let mut zh_text = match &meta.brand {
        Some(brand) => format!("{name_zh}（{brand}，{category_zh}）"),
        None => format!("{name_zh}（{category_zh}）"),
    };
    match &price_range {
        Some((lo, hi)) => {
            en.push_str(&format!(": {}", range_text(lo, hi, "to")));
            zh_text.push_str(&format!("：价格 {}", range_text(lo, hi, "至")));
            for (k, values) in &options {
                en.push_str(&format!("; {k}: {}", values.join(", ")));
                let zh_values: Vec<&str> = values.iter().map(|v| zh.value(v)).collect();
                zh_text.push_str(&format!("；{}：{}", zh.name(k), zh_values.join("、")));
            }
            let total = variants.len();
            en.push_str(&format!("; {in_stock} of {total} variants in stock."));
            zh_text.push_str(&format!("；共 {total} 个规格，{in_stock} 个有货。"));
        }
        None => {
            en.push_str(": out of stock.");
            zh_text.push_str("：目前缺货。");
        }
    }
    ProductFacts {
        product_id: product.product_id.clone(),
        name: product.name.clone(),
        name_zh: meta.name_zh.clone(),
        brand: meta.brand.clone(),
        category: meta.category.clone(),
        price_range,
        options,
        available: (in_stock, variants.len()),
        variants,
        text: Texts::new(en, zh_text),
    }
}

/// Build a variant's facts.
pub fn variant(product: &Product, meta: &ProductMeta, v: &Variant, zh: &ZhWords) -> VariantFacts {
    let en_options: Vec<String> = v.options.iter().map(|(k, x)| format!("{k}: {x}")).collect();
    let zh_options: Vec<String> = v
        .options
        .iter()
        .map(|(k, x)| format!("{}：{}", zh.name(k), zh.value(x)))
        .collect();
    let price = money(v.price);
    let (stock_en, stock_zh) = if v.available {
        ("in stock", "有货")
    } else {
        ("out of stock", "缺货")
    };
    let name_zh = meta.name_zh.as_deref().unwrap_or(&product.name);
    VariantFacts {
        product_id: product.product_id.clone(),
        name: product.name.clone(),
        item_id: v.item_id.clone(),
        options: v.options.clone(),
        available: v.available,
        price: v.price,
        text: Texts::new(
            format!(
                "{} ({}): ${price}, {stock_en}.",
                product.name,
                en_options.join(", ")
            ),
            format!(
                "{name_zh}（{}）：${price}，{stock_zh}。",
                zh_options.join("，")
            ),
        ),
    }
}

/// Build an alternative's facts.
pub fn alternative(product: &Product, meta: &ProductMeta, reason: Reason) -> Alternative {
    let price_from = price_bounds(product.variants.values()).map(|(lo, _)| money(lo));
    let name_zh = meta.name_zh.as_deref().unwrap_or(&product.name);
    let text = match &price_from {
        Some(p) => Texts::new(
            format!("{}: from ${p}, in stock.", product.name),
            format!("{name_zh}：${p} 起，有货。"),
        ),
        None => Texts::new(
            format!("{}: out of stock.", product.name),
            format!("{name_zh}：目前缺货。"),
        ),
    };
    Alternative {
        product_id: product.product_id.clone(),
        name: product.name.clone(),
        name_zh: meta.name_zh.clone(),
        reason,
        in_stock: price_from.is_some(),
        price_from,
        text,
    }
}

/// Lowest and highest price of the available variants.
fn price_bounds<'a>(variants: impl IntoIterator<Item = &'a Variant>) -> Option<(f64, f64)> {
    variants
        .into_iter()
        .filter(|v| v.available)
        .map(|v| v.price)
        .fold(None, |acc, p| match acc {
            None => Some((p, p)),
            Some((lo, hi)) => Some((f64::min(lo, p), f64::max(hi, p))),
        })
}

/// Sizes read small to large and numbers ascending; other values keep the
/// catalog's order (the sort is stable and gives them all one key).
fn value_order(value: &str) -> f64 {
    const LADDER: &[&str] = &["XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL"];
    if let Some(i) = LADDER.iter().position(|s| s.eq_ignore_ascii_case(value)) {
        return i as f64 - 100.0;
    }
    let number: String = value
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    number.parse().unwrap_or(f64::MAX)
}

fn range_text(lo: &str, hi: &str, to: &str) -> String {
    if lo == hi {
        format!("${lo}")
    } else {
        format!("${lo} {to} ${hi}")
    }
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}
