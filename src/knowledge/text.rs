//! Text to search terms, for the FAQ index: Latin words lowercased and
//! lightly stemmed, Chinese as character bigrams (no segmenter, no
//! dictionary), question words of both languages dropped, and a query
//! widened with the FAQ's own words for what customers say otherwise.

/// English words that say nothing about the topic.
const STOP: &[&str] = &[
    "the", "a", "an", "is", "are", "do", "does", "i", "my", "you", "your", "to", "of", "and", "in",
    "on", "for", "it", "can", "how", "what", "me", "we", "be", "with", "if", "or", "at", "this",
    "that", "there", "any", "have", "has", "will", "would", "could", "should", "please", "get",
    "when", "why", "which", "where", "was", "am", "from", "about", "some", "just", "so", "not",
    "these", "those", "them", "they", "our", "us", "want", "like", "need", "one", "after",
    "before", "still", "than", "then", "also", "too", "very", "really", "much", "many", "tell",
    "who", "hi", "hello", "hey", "thanks", "thank", "ok",
];

/// Chinese bigrams that only make a sentence a question or a request.
const STOP_ZH: &[&str] = &[
    "可以", "怎么", "什么", "我的", "你们", "我们", "多少", "请问", "一下", "是不", "不是", "的吗",
    "了吗", "能不", "不能", "我想", "想要", "我要", "这个", "那个", "你好", "谢谢",
];

/// Chinese particles and pronouns: no topic in them.
const STOP_ZH_CHARS: &[char] = &[
    '的', '了', '吗', '呢', '吧', '啊', '是', '么', '嘛', '呀', '哦', '我', '你', '您', '在',
];

/// Phrases whose words would mislead the search ("send back" is about
/// returns, not sending), replaced by what they mean before anything else.
const REPHRASE: &[(&str, &str)] = &[
    ("send something back", "return"),
    ("send them back", "return"),
    ("send it back", "return"),
    ("send back", "return"),
    ("give back", "return"),
    ("money back", "refund"),
    ("paid back", "refund"),
    ("real person", "person"),
    ("runs small", "size fit"),
    ("run small", "size fit"),
    ("runs large", "size fit"),
    ("run large", "size fit"),
];

/// Customer wordings (left) → the words the FAQ uses (right), added to a
/// query that contains one of them. A 28-entry FAQ cannot hold every
/// phrasing; these are the common ones of a shop's customer service, in
/// both languages. Latin triggers match at the start of a word
/// ("deliver" in "delivered"); Chinese ones anywhere.
const SYNONYMS: &[(&[&str], &str)] = &[
    (
        &["parcel", "package", "arrive", "reach", "get here"],
        "shipping",
    ),
    (&["送到", "寄到", "到货", "发货", "快递"], "配送"),
    (&["postage", "charge", "fee"], "cost"),
    (&["包邮", "邮费"], "运费"),
    (
        &[
            "abroad",
            "overseas",
            "another country",
            "canada",
            "singapore",
            "uk",
            "united kingdom",
            "hong kong",
            "customs",
            "国外",
            "海外",
            "境外",
            "香港",
            "加拿大",
            "新加坡",
            "英国",
            "关税",
        ],
        "international 国际",
    ),
    (&["amex"], "american express"),
    (&["paypal", "card", "gift card"], "payment method"),
    (
        &["take paypal", "pay with", "pay by", "pay using"],
        "payment method accept",
    ),
    (&["银联", "信用卡", "付款", "付钱"], "支付方式"),
    (
        &["hours", "open", "weekend", "saturday", "sunday"],
        "customer service available",
    ),
    (&["几点", "上班", "周末", "营业", "在线吗"], "时间 在线"),
    (
        &["human", "someone", "representative", "agent"],
        "person human agent",
    ),
    (&["真人", "人工"], "人工客服"),
    (
        &["receipt", "tax", "company name", "fapiao", "vat"],
        "invoice",
    ),
    (&["收据", "抬头", "税号", "报销"], "发票"),
    (
        &["broken", "crushed", "smashed", "cracked", "dented"],
        "damaged",
    ),
    (&["破了", "碎了", "压坏", "摔坏"], "破损"),
    (
        &["lost", "never arrived", "never came", "stolen"],
        "missing",
    ),
    (&["丢了", "没收到", "丢件"], "丢失"),
    (
        &[
            "guarantee",
            "stopped working",
            "not working",
            "faulty",
            "defective",
        ],
        "warranty",
    ),
    (&["坏了", "故障", "维修"], "保修"),
    (
        &["sign in", "log in", "login", "locked out"],
        "log password",
    ),
    (&["true to size", "fit"], "size fit"),
    (&["偏小", "偏大", "尺码准", "码数"], "尺码"),
    (&["colour"], "color"),
    (&["reimburse"], "refund"),
    (
        &["how soon", "how long", "how many days", "how quickly"],
        "time",
    ),
    (&["退钱", "钱退"], "退款"),
    (&["swap", "trade"], "exchange"),
    (
        &["换大", "换小", "换一双", "换一件", "换个", "想换"],
        "换货",
    ),
    (
        &[
            "switch",
            "different",
            "instead",
            "update",
            "alter",
            "edit",
            "wrong",
        ],
        "change modify",
    ),
    (&["改", "更换"], "修改"),
    (&["几天", "多长时间", "多久"], "时间 time"),
    (&["期限", "几天内", "多少天"], "天内"),
    (
        &["restock", "back in stock", "sold out", "out of stock"],
        "stock restock",
    ),
    (&["缺货", "没货", "补货", "断货"], "缺货 补货"),
    (&["coupon", "promo", "cheaper", "sale"], "discount"),
    (&["便宜", "优惠", "折扣"], "优惠 打折"),
    (&["track", "where is my"], "tracking"),
    (&["物流", "快递单"], "物流单号"),
    (
        &["separate", "several", "two boxes", "multiple", "split"],
        "several parcels",
    ),
    (&["分开", "两个包裹", "分成", "几个包裹"], "包裹"),
];

/// `question` lowercased, misleading phrases replaced, and the FAQ's words
/// for what it says appended.
pub fn expand(question: &str) -> String {
    let mut lower = question.to_lowercase();
    for (phrase, meaning) in REPHRASE {
        lower = lower.replace(phrase, meaning);
    }
    let mut out = lower.clone();
    for (triggers, words) in SYNONYMS {
        if triggers.iter().any(|t| contains_word_start(&lower, t)) {
            out.push(' ');
            out.push_str(words);
        }
    }
    out
}

/// `needle` occurs in `hay` at the start of a word ("deliver" in
/// "delivered", not "fit" in "benefit"); Chinese has no word boundaries, so
/// any occurrence counts.
pub fn contains_word_start(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// Search terms: stemmed Latin words, Chinese character bigrams (and the
/// character of a one-character run), question words dropped.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut word = String::new();
    for c in text.to_lowercase().chars().chain(std::iter::once(' ')) {
        if crate::lang::is_cjk(c) {
            push_word(&mut word, &mut out);
            run.push(c);
        } else {
            push_run(&mut run, &mut out);
            if c.is_alphanumeric() {
                word.push(c);
            } else {
                push_word(&mut word, &mut out);
            }
        }
    }
    out
}

/// A run of Chinese characters → bigrams. Question words and particles
/// are cut out first and split the run, so they leave no bigrams behind
/// ("退货期限是多少天" → 退货, 货期, 期限 and 天, not 是多 or 少天); a piece of one
/// character stays as that character.
fn push_run(run: &mut Vec<char>, out: &mut Vec<String>) {
    let mut keep: Vec<bool> = run.iter().map(|c| !STOP_ZH_CHARS.contains(c)).collect();
    for (i, pair) in run.windows(2).enumerate() {
        let bigram: String = pair.iter().collect();
        if STOP_ZH.contains(&bigram.as_str()) {
            keep[i] = false;
            keep[i + 1] = false;
        }
    }
    let mut piece: Vec<char> = Vec::new();
    for (c, keep) in run.iter().zip(keep).chain(std::iter::once((&' ', false))) {
        if keep {
            piece.push(*c);
            continue;
        }
        if piece.len() == 1 {
            out.push(piece[0].to_string());
        }
        out.extend(piece.windows(2).map(|pair| pair.iter().collect::<String>()));
        piece.clear();
    }
    run.clear();
}

fn push_word(word: &mut String, out: &mut Vec<String>) {
    // Single letters are the remains of "don't" and "T-Shirt".
    let letter = word.len() == 1 && !word.starts_with(|c: char| c.is_ascii_digit());
    if !word.is_empty() && !letter && !STOP.contains(&word.as_str()) {
        out.push(stem(word));
    }
    word.clear();
}

/// A light English stemmer, enough that "ships", "shipped", "shipping"
/// and "delivery", "delivered" meet: plural and verb endings off, a
/// doubled final consonant undone, a final `e` dropped.
pub fn stem(word: &str) -> String {
    let mut w = word.to_string();
    let n = w.chars().count();
    if !w.is_ascii() || n <= 3 {
        return w;
    }
    if let Some(base) = w.strip_suffix("ies").filter(|_| n > 4) {
        w = format!("{base}y");
    } else if let Some(base) = w.strip_suffix("ing").filter(|b| b.len() >= 3) {
        w = undouble(base);
    } else if let Some(base) = w.strip_suffix("ed").filter(|b| b.len() >= 3) {
        w = undouble(base);
    } else if let Some(base) = w.strip_suffix("ment").filter(|b| b.len() >= 4) {
        w = base.to_string();
    } else if w.ends_with("ches") || w.ends_with("shes") || w.ends_with("xes") {
        w.truncate(w.len() - 2);
    } else if w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        w.pop();
    }
    if w.ends_with("ery") {
        w.pop();
    }
    if w.len() > 4 && w.ends_with('e') {
        w.pop();
    }
    w
}

/// "shipp" → "ship", "cancell" → "cancel"; "ss" stays ("miss").
fn undouble(base: &str) -> String {
    let b = base.as_bytes();
    let doubled = b.len() >= 2 && b[b.len() - 1] == b[b.len() - 2];
    if doubled && !matches!(b[b.len() - 1], b's' | b'e' | b'o') {
        base[..base.len() - 1].to_string()
    } else {
        base.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_stemmed_and_chinese_cut_into_bigrams() {
        assert_eq!(tokens("Shipping costs?"), ["ship", "cost"]);
        assert_eq!(tokens("运费是多少"), ["运费"]);
        assert_eq!(tokens("退货期限是多少天"), ["退货", "货期", "期限", "天"]);
        assert_eq!(tokens("T恤 XL"), ["恤", "xl"]);
        assert_eq!(tokens("I don't know"), ["don", "know"]);
        for (a, b) in [
            ("ships", "shipped"),
            ("shipping", "ship"),
            ("delivery", "delivered"),
            ("cancelled", "cancel"),
            ("exchanges", "exchange"),
            ("charged", "charge"),
            ("boxes", "box"),
            ("parcels", "parcel"),
            ("shipment", "ships"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
        assert_eq!(stem("missing"), "miss");
    }

    #[test]
    fn synonyms_widen_a_query_at_word_starts() {
        assert!(contains_word_start("it was delivered", "deliver"));
        assert!(!contains_word_start("a benefit", "fit"));
        assert!(expand("Is it true to size?").ends_with("size fit"));
        assert!(expand("能寄到香港吗").contains("国际"));
        assert_eq!(expand("hello"), "hello");
    }
}
