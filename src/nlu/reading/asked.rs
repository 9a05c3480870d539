//! What a product question asks (price, stock, brand, an option) and what
//! a recommendation is for (a category, by its name or everyday words).

use super::{Choices, Property};

/// Words that ask a product's price, stock, brand, or its options.
const PRICE: &[&str] = &[
    "price",
    "cost",
    "how much",
    "expensive",
    "cheap",
    "多少钱",
    "价格",
    "价钱",
    "贵",
    "便宜",
    "几块",
];
const STOCK: &[&str] = &[
    "in stock",
    "available",
    "sold out",
    "out of stock",
    "restock",
    "有货",
    "没货",
    "缺货",
    "卖完",
    "还有吗",
    "现货",
];
const BRAND: &[&str] = &["brand", "who makes", "made by", "牌子", "品牌", "厂家"];
const OPTIONS: &[&str] = &[
    "options",
    "variants",
    "versions",
    "kinds",
    "types",
    "款式",
    "规格",
    "有哪些",
    "几种",
];
const OPTION_WORDS: &[(&str, &[&str])] = &[
    ("color", &["color", "colour", "颜色", "色"]),
    ("size", &["size", "尺码", "尺寸", "大小", "码"]),
    (
        "material",
        &["material", "fabric", "made of", "材质", "面料", "材料"],
    ),
];

/// What a question about `product` asks, and whether the words named it
/// (else it is a guess: `unknown` for a question, `options` otherwise).
pub(super) fn property_of(
    lower: &str,
    product: &str,
    said: &[String],
    choices: &Choices,
) -> (Property, bool) {
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if has(PRICE) {
        return (Property::Price, true);
    }
    if has(STOCK) {
        return (Property::Availability, true);
    }
    if has(BRAND) {
        return (Property::Brand, true);
    }
    let options = choices
        .product(product)
        .map(|p| p.options.clone())
        .unwrap_or_default();
    for option in &options {
        let spelled = OPTION_WORDS
            .iter()
            .find(|(name, _)| name == option)
            .map(|(_, words)| *words)
            .unwrap_or(&[]);
        if lower.contains(option.as_str()) || has(spelled) {
            return (Property::Option(option.clone()), true);
        }
    }
    // A value of one of its options ("is the longjing pre-qingming?",
    // "does it come in black"): that option is asked about.
    let values = choices
        .product(product)
        .map(|p| p.values.clone())
        .unwrap_or_default();
    let named = values.iter().find(|(_, value)| {
        said.iter().any(|s| s.to_lowercase() == *value)
            || (value.len() >= 4 && lower.contains(value.as_str()))
    });
    if let Some((option, _)) = named {
        return (Property::Option(option.clone()), true);
    }
    if has(OPTIONS) {
        return (Property::Options, true);
    }
    let asks = lower.contains('?')
        || lower.contains('？')
        || lower.contains('吗')
        || [
            "is it", "does it", "can it", "will it", "is the", "does the", "can i",
        ]
        .iter()
        .any(|w| lower.contains(w));
    if asks {
        (Property::Unknown, false)
    } else {
        (Property::Options, false)
    }
}

/// The category a recommendation is for: a product named, a category's own
/// name, or an everyday word for one of the shop's categories.
pub(super) fn need_of(lower: &str, product: Option<&str>, choices: &Choices) -> Option<String> {
    const NEEDS: &[(&str, &[&str])] = &[
        (
            "outdoor",
            &[
                "hiking", "hike", "camping", "camp", "trek", "trail", "outdoor", "mountain",
                "徒步", "露营", "爬山", "户外", "登山",
            ],
        ),
        (
            "kitchen",
            &[
                "cook", "kitchen", "chef", "bake", "做饭", "厨房", "烹饪", "下厨",
            ],
        ),
        ("tea", &["tea", "茶"]),
        (
            "electronics",
            &[
                "gadget",
                "tech",
                "electronic",
                "phone",
                "music",
                "commute",
                "flight",
                "数码",
                "电子",
            ],
        ),
        (
            "apparel",
            &[
                "clothes", "wear", "outfit", "jacket", "warm", "衣服", "穿", "服装", "保暖",
            ],
        ),
        (
            "shoes",
            &["shoes", "sneaker", "boots", "walking all day", "鞋"],
        ),
        (
            "home",
            &[
                "home",
                "bedroom",
                "living room",
                "decor",
                "cozy",
                "cosy",
                "家居",
                "卧室",
                "装饰",
                "客厅",
            ],
        ),
    ];
    if let Some(category) = product
        .and_then(|name| choices.product(name))
        .map(|p| p.category.clone())
    {
        return Some(category);
    }
    if let Some(category) = choices
        .categories
        .iter()
        .find(|c| has_word(lower, c.as_str()))
    {
        return Some(category.clone());
    }
    NEEDS
        .iter()
        .filter(|(category, _)| choices.categories.iter().any(|c| c == category))
        .find(|(_, words)| words.iter().any(|w| has_word(lower, w)))
        .map(|(category, _)| category.to_string())
}

/// Whether `word` is in `lower` as a word of its own ("tea" not in
/// "teacher", "instead"), or with a plural `s`; Chinese, written without
/// spaces, by substring.
fn has_word(lower: &str, word: &str) -> bool {
    if !word.is_ascii() {
        return lower.contains(word);
    }
    lower.match_indices(word).any(|(at, _)| {
        let before = lower[..at].chars().next_back();
        let rest = &lower[at + word.len()..];
        let rest = rest.strip_prefix('s').unwrap_or(rest);
        let starts = before.is_none_or(|c| !c.is_alphanumeric());
        let ends = rest.chars().next().is_none_or(|c| !c.is_alphanumeric());
        starts && ends
    })
}
