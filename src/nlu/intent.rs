//! Intent from weighted cue phrases, English and Chinese.
//!
//! Each intent has cues (substrings of the lowercased text, so stems such
//! as "cancel" also match "cancelled" and typo'd stems are listed where
//! customers misspell often). Scores add up; a few structural rules settle
//! the deliberate near-misses (an order's address versus the account's,
//! pending versus delivered items). The best score wins; a low best score
//! means "unsure" and lets the LLM classify.

use super::Intent;
use crate::lang::is_cjk;

/// Cue phrases and their weights, per intent.
const CUES: &[(Intent, &[(&str, f32)])] = &[
    (
        Intent::Greeting,
        &[
            ("yo", 2.3),
            ("hello", 2.0),
            ("hi ", 1.5),
            ("hey", 1.5),
            ("hiya", 2.0),
            ("helo", 2.0),
            ("good morning", 2.0),
            ("good afternoon", 2.0),
            ("good evening", 2.0),
            ("anyone there", 1.5),
            ("你好", 2.0),
            ("您好", 2.0),
            ("在吗", 2.0),
            ("在不在", 2.0),
            ("哈喽", 2.0),
            ("嗨", 2.0),
            ("早上好", 2.0),
            ("晚上好", 2.0),
            ("下午好", 2.0),
            ("有人吗", 2.0),
            ("quick question", 1.0),
        ],
    ),
    (
        Intent::Goodbye,
        &[
            ("take care", 2.0),
            ("就这样", 2.0),
            ("拜", 1.5),
            ("all good", 1.5),
            ("bye", 2.5),
            ("goodbye", 2.5),
            ("see you", 2.0),
            ("see ya", 2.0),
            ("that's all", 2.0),
            ("thats all", 2.0),
            ("thanks", 1.2),
            ("thank you", 1.2),
            ("thank u", 1.2),
            ("thx", 1.2),
            ("cheers", 1.5),
            ("have a nice day", 2.0),
            ("have a good", 1.5),
            ("nothing else", 2.0),
            ("that's everything", 2.0),
            ("appreciate", 1.2),
            ("talk later", 1.5),
            ("got it", 1.0),
            ("solved", 1.0),
            ("再见", 2.5),
            ("拜拜", 2.5),
            ("谢谢", 1.2),
            ("感谢", 1.2),
            ("没有了", 2.0),
            ("没别的", 2.0),
            ("没其他", 2.0),
            ("就这些", 2.0),
            ("先这样", 2.0),
            ("好的谢谢", 1.5),
            ("多谢", 1.2),
            ("辛苦了", 1.5),
        ],
    ),
    (
        Intent::OrderStatus,
        &[
            ("recieved", 1.0),
            ("processed", 1.5),
            ("did my", 1.5),
            ("look up my", 2.0),
            ("recent orders", 2.0),
            ("还没到", 2.0),
            ("分开寄", 2.0),
            ("什么状态", 2.5),
            ("what happens next", 2.0),
            ("checking on", 2.0),
            ("check on", 2.0),
            ("单号", 1.6),
            ("where is my", 2.5),
            // Asking to see one's orders: "show me my orders", "我的订单呢".
            ("my orders", 2.0),
            ("show me my order", 2.5),
            ("list my order", 2.5),
            ("see my order", 2.0),
            ("what did i order", 2.0),
            ("我的订单呢", 2.5),
            ("看看我的订单", 2.5),
            ("where's my", 2.5),
            ("wheres my", 2.5),
            ("where is the", 1.5),
            ("status", 2.0),
            ("track", 2.0),
            ("shipped", 1.5),
            ("on the way", 2.0),
            ("on its way", 2.0),
            ("arrive", 1.8),
            ("deliver", 1.0),
            ("when will", 1.2),
            ("still waiting", 1.5),
            ("hasn't come", 2.0),
            ("hasnt come", 2.0),
            ("not received", 1.5),
            ("haven't received", 1.5),
            ("havent received", 1.5),
            ("has my", 1.0),
            ("recieve", 0.8),
            ("eta", 1.0),
            ("物流", 2.5),
            ("快递", 1.8),
            ("到哪", 2.5),
            ("什么时候到", 2.5),
            ("什么时候能到", 2.5),
            ("送到", 1.5),
            ("发货", 1.5),
            ("发了没", 2.5),
            ("到了没", 2.5),
            ("查询订单", 2.5),
            ("订单状态", 2.5),
            ("进度", 1.8),
            ("运单", 2.0),
            ("还没收到", 2.0),
            ("没收到", 1.5),
            ("查一下", 1.2),
            ("查下", 1.2),
            ("状态", 1.5),
            ("在路上", 2.0),
            ("寄出", 1.5),
        ],
    ),
    (
        Intent::CancelOrder,
        &[
            ("stop my order", 3.0),
            ("stop the order", 3.0),
            ("cancel", 3.0),
            ("cancle", 3.0),
            ("cancell", 3.0),
            ("dont want it anymore", 2.0),
            ("don't want it anymore", 2.0),
            ("no longer need", 2.0),
            ("don't need it", 1.5),
            ("dont need it", 1.5),
            ("ordered by mistake", 2.5),
            ("call off", 2.0),
            ("取消", 3.0),
            ("不要了", 2.5),
            ("撤了", 2.5),
            ("撤销", 2.5),
            ("撤单", 2.5),
            ("不想要了", 2.0),
            ("下错", 2.0),
            ("退订", 2.5),
        ],
    ),
    (
        Intent::ModifyOrder,
        &[
            ("in my order", 1.5),
            ("wrong zip", 2.0),
            ("put my order on", 2.0),
            ("订单里", 1.5),
            ("地址填错", 2.5),
            ("填错", 1.5),
            ("hasn't shipped", 1.5),
            ("hasnt shipped", 1.5),
            ("not shipped yet", 1.5),
            ("i want", 0.3),
            ("modify", 2.5),
            ("change the size", 1.5),
            ("change the color", 1.5),
            ("change the colour", 1.5),
            ("instead", 1.5),
            ("before it ships", 2.0),
            ("before it ship", 2.0),
            ("to a different address", 2.0),
            ("to a new address", 2.0),
            ("wrong apartment", 2.0),
            ("wrong address", 1.5),
            ("shipping address for", 1.5),
            ("change the payment", 2.5),
            ("pay for", 1.2),
            ("other card", 1.8),
            ("switch", 1.2),
            ("update my order", 2.5),
            ("change my order", 2.5),
            ("edit my order", 2.5),
            ("ship my order", 1.5),
            ("ship order", 1.5),
            ("修改订单", 3.0),
            ("改订单", 3.0),
            ("改一下订单", 3.0),
            ("订单地址", 2.0),
            ("改地址", 1.2),
            ("改成", 1.2),
            ("换成", 0.8),
            ("付款方式", 1.5),
            ("支付方式", 1.5),
            ("改用", 1.5),
            ("还没发货", 1.0),
            ("发货前", 2.0),
            ("寄到", 1.2),
            ("收货地址", 0.8),
            ("改颜色", 1.5),
            ("改尺码", 1.5),
        ],
    ),
    (
        Intent::ReturnOrder,
        &[
            ("可以退", 2.5),
            ("退吗", 2.5),
            ("return", 3.0),
            ("refund", 2.5),
            ("send it back", 2.5),
            ("send back", 2.5),
            ("money back", 2.5),
            ("retrun", 3.0),
            ("退货", 3.0),
            ("退款", 2.5),
            ("退回", 2.0),
            ("退掉", 2.5),
            ("能退", 2.5),
            ("退了", 2.0),
            ("想退", 2.5),
            ("要退", 2.5),
            ("退钱", 2.5),
            ("寄回", 2.0),
        ],
    ),
    (
        Intent::ExchangeOrder,
        &[
            ("exchnage", 3.5),
            ("想换", 1.5),
            ("exchange", 3.5),
            ("exhange", 3.5),
            ("swap", 2.0),
            ("too big", 1.5),
            ("too small", 1.5),
            ("too tight", 1.5),
            ("bigger size", 2.0),
            ("smaller size", 2.0),
            ("different size", 1.5),
            ("different color", 1.2),
            ("replace it", 1.5),
            ("replacement", 1.5),
            ("换货", 3.5),
            ("换一", 2.0),
            ("换个", 2.0),
            ("换大", 2.5),
            ("换小", 2.5),
            ("调换", 3.0),
            ("更换", 2.5),
            ("换码", 2.5),
            ("换颜色", 2.0),
            ("偏大", 1.2),
            ("偏小", 1.2),
            ("太大", 1.2),
            ("太小", 1.2),
            ("差价", 1.5),
        ],
    ),
    (
        Intent::ChangeAddress,
        &[
            ("default address", 3.0),
            ("address on file", 3.0),
            ("my address", 1.5),
            ("account address", 3.0),
            ("address on my account", 3.0),
            ("address saved", 2.5),
            ("profile address", 3.0),
            ("home address", 2.5),
            ("in my profile", 2.0),
            ("for my account", 2.0),
            ("on my account", 1.5),
            ("my account", 1.0),
            ("future orders", 2.5),
            ("i moved", 2.0),
            ("moved to", 1.5),
            ("new apartment", 1.5),
            ("adress", 1.0),
            ("update my address", 2.0),
            ("默认地址", 3.0),
            ("账户地址", 3.0),
            ("账号地址", 3.0),
            ("账户里的地址", 3.0),
            ("常用地址", 3.0),
            ("搬家", 2.5),
            ("搬到", 2.0),
            ("个人资料", 2.0),
            ("以后的订单", 2.5),
            ("地址改", 1.0),
        ],
    ),
    (
        Intent::ProductInfo,
        &[
            ("是什么", 1.5),
            ("多久", 1.2),
            ("哪一年", 1.5),
            ("能带", 1.5),
            ("是不是", 1.6),
            ("有宽", 1.5),
            ("dishwasher", 1.5),
            ("pre-seasoned", 1.5),
            ("or aluminum", 1.0),
            ("harvest", 1.2),
            ("do you have", 2.0),
            ("in stock", 2.5),
            ("available", 1.5),
            ("how much", 2.0),
            ("price", 1.8),
            ("what sizes", 2.5),
            ("which sizes", 2.5),
            ("what colors", 2.5),
            ("which colors", 2.5),
            ("come in", 2.0),
            ("capacity", 1.5),
            ("material", 1.5),
            ("waterproof", 1.5),
            ("support", 0.8),
            ("difference between", 2.0),
            ("how warm", 2.0),
            ("is the", 0.6),
            ("does the", 1.0),
            ("made of", 1.5),
            ("specs", 2.0),
            ("warranty", 1.5),
            ("dimensions", 2.0),
            ("weigh", 1.5),
            ("battery", 1.0),
            ("有没有", 1.8),
            ("有货", 2.5),
            ("多少钱", 2.5),
            ("价格", 2.0),
            ("尺码", 1.5),
            ("什么颜色", 2.5),
            ("哪些颜色", 2.5),
            ("几种颜色", 2.5),
            ("材质", 2.0),
            ("防水", 1.5),
            ("容量", 1.5),
            ("保修", 1.5),
            ("区别", 2.0),
            ("吗", 0.3),
            ("参数", 2.0),
            ("规格", 2.0),
            ("重量", 1.5),
            ("多大", 1.2),
            ("几寸", 1.5),
            ("支持", 1.0),
            ("库存", 2.5),
        ],
    ),
    (
        Intent::Recommendation,
        &[
            ("good tea for", 2.5),
            ("good for a", 1.5),
            ("most popular", 3.0),
            ("should i buy", 3.0),
            ("需要买", 3.0),
            ("什么好", 2.5),
            ("配什么", 2.5),
            ("类似", 2.5),
            ("便宜一点", 1.5),
            ("beginner", 1.5),
            ("送女朋友", 2.5),
            ("送男朋友", 2.5),
            ("recommend", 3.5),
            ("reccomend", 3.5),
            ("recomend", 3.5),
            ("suggest", 3.0),
            ("suggestion", 3.0),
            ("gift", 2.0),
            ("what should i", 2.0),
            ("which one should", 2.5),
            ("which is better", 2.0),
            ("best", 1.2),
            ("looking for", 1.8),
            ("good for", 1.2),
            ("ideas", 1.5),
            ("推荐", 3.5),
            ("建议", 2.0),
            ("送礼", 3.0),
            ("礼物", 2.5),
            ("哪个好", 3.0),
            ("哪款", 2.0),
            ("买什么", 2.5),
            ("适合", 1.5),
            ("想买", 1.5),
            ("值得买", 2.5),
        ],
    ),
    (
        Intent::Complaint,
        &[
            ("unhappy", 2.5),
            ("shrank", 2.0),
            ("charged twice", 3.0),
            ("false advertising", 3.0),
            ("虚假宣传", 3.0),
            ("两次钱", 3.0),
            ("never got", 2.5),
            ("根本没收到", 3.0),
            ("missing item", 3.0),
            ("soaked", 2.0),
            ("frustrated", 2.5),
            ("stale", 2.0),
            ("怎么回事", 2.5),
            ("没到账", 2.5),
            ("一直没", 1.5),
            ("this is unacceptable", 1.0),
            ("left my package", 2.0),
            ("根本不", 2.0),
            ("terrible", 2.5),
            ("awful", 2.5),
            ("worst", 2.5),
            ("horrible", 2.5),
            ("broken", 2.0),
            ("damaged", 2.0),
            ("disappointed", 2.5),
            ("angry", 2.5),
            ("unacceptable", 2.5),
            ("rude", 2.5),
            ("waste", 2.0),
            ("wrong item", 2.5),
            ("wrong color", 2.0),
            ("never again", 2.5),
            ("ridiculous", 2.5),
            ("complain", 3.0),
            ("poor quality", 2.5),
            ("scam", 2.5),
            ("keeps", 1.2),
            ("stopped working", 2.0),
            ("doesn't work", 1.5),
            ("doesnt work", 1.5),
            ("not happy", 2.0),
            ("threw", 1.5),
            ("nobody", 1.5),
            ("sent me the wrong", 2.5),
            ("差评", 3.0),
            ("太差", 3.0),
            ("投诉", 3.0),
            ("坏了", 2.0),
            ("破损", 2.5),
            ("生气", 2.5),
            ("垃圾", 2.5),
            ("失望", 2.5),
            ("质量", 1.5),
            ("态度", 2.0),
            ("没人理", 2.5),
            ("骗", 2.5),
            ("不满", 2.5),
            ("起球", 2.0),
            ("发错", 2.5),
            ("坑", 2.0),
            ("烂", 2.0),
            ("摔", 1.5),
            ("漏", 1.5),
        ],
    ),
    (
        Intent::HumanAgent,
        &[
            ("person", 2.5),
            ("staff member", 3.5),
            ("someone from your team", 3.5),
            ("call me back", 3.0),
            ("机器人", 2.5),
            ("经理", 3.0),
            ("专员", 3.0),
            ("human", 3.5),
            ("real person", 3.5),
            ("someone real", 3.5),
            ("agent", 3.0),
            ("representative", 3.5),
            ("talk to someone", 3.0),
            ("speak to someone", 3.0),
            ("manager", 3.0),
            ("live person", 3.5),
            ("operator", 2.5),
            ("人工", 3.5),
            ("真人", 3.5),
            ("转接", 2.5),
            ("客服经理", 3.5),
            ("找人", 2.0),
            ("活人", 3.5),
            ("主管", 3.0),
        ],
    ),
];

/// What the rest of the NLU already found, which shifts intents.
#[derive(Debug, Clone, Copy, Default)]
pub struct Signals {
    /// An order id is present.
    pub has_order_id: bool,
    /// A postal address is present.
    pub has_address: bool,
    /// A catalog product is named.
    pub has_product: bool,
    /// The mood is negative.
    pub negative: bool,
}

/// Scores for every intent (unnormalized), plus the structural rules.
pub fn score(lower: &str, signals: Signals) -> Vec<(Intent, f32)> {
    let Signals {
        has_order_id,
        has_address,
        has_product,
        negative,
    } = signals;
    // Latin cues need word boundaries; a Chinese character next to a Latin
    // word ("我想cancel订单") is a boundary too.
    let mut padded = String::with_capacity(lower.len() + 8);
    padded.push(' ');
    for c in lower.chars() {
        if is_cjk(c) || (!c.is_alphanumeric() && c != '\'' && c != '-') {
            padded.push(' ');
        } else {
            padded.push(c);
        }
    }
    padded.push(' ');
    let mut scores: Vec<(Intent, f32)> = CUES
        .iter()
        .map(|(intent, cues)| {
            let s: f32 = cues
                .iter()
                .filter(|(cue, _)| matches_cue(&padded, lower, cue))
                .map(|(_, w)| w)
                .sum();
            (*intent, s)
        })
        .collect();
    let get = |scores: &Vec<(Intent, f32)>, i: Intent| {
        scores
            .iter()
            .find(|(x, _)| *x == i)
            .map(|(_, s)| *s)
            .unwrap_or(0.0)
    };
    let add = |scores: &mut Vec<(Intent, f32)>, i: Intent, d: f32| {
        if let Some(e) = scores.iter_mut().find(|(x, _)| *x == i) {
            e.1 += d;
        }
    };
    // An address change that names an order is about that order; one that
    // names the account (or no order at all) is about the default address.
    let mentions_order =
        has_order_id || lower.contains("order") || lower.contains("订单") || lower.contains("这单");
    let account = [
        "account",
        "default",
        "on file",
        "profile",
        "future",
        "账户",
        "账号",
        "默认",
        "以后",
        "个人资料",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if lower.contains("address") || lower.contains("地址") || has_address {
        if account {
            add(&mut scores, Intent::ChangeAddress, 2.0);
        } else if mentions_order {
            add(&mut scores, Intent::ModifyOrder, 2.5);
        } else {
            add(&mut scores, Intent::ChangeAddress, 1.0);
        }
    }
    // "instead of", "switch", "换成" change a not-yet-shipped order, unless the
    // customer says they received it (then it is an exchange).
    let received = [
        "received", "got my", "got the", "arrived", "收到", "到货", "签收",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if received && get(&scores, Intent::ModifyOrder) > 0.0 {
        add(&mut scores, Intent::ExchangeOrder, 1.5);
    }
    // Explicit requests beat complaints that come with them.
    let request = get(&scores, Intent::ReturnOrder)
        .max(get(&scores, Intent::ExchangeOrder))
        .max(get(&scores, Intent::CancelOrder));
    if request >= 2.5 {
        add(&mut scores, Intent::Complaint, -1.5);
    }
    // Unhappiness is a complaint unless a request says what to do.
    if negative {
        add(
            &mut scores,
            Intent::Complaint,
            if request >= 2.5 { 0.5 } else { 1.5 },
        );
    }
    // A question about a named product, with nothing else asked, is a
    // product question ("紫砂壶是宜兴原矿的吗", "is the skillet pre-seasoned").
    let question = lower.ends_with('?')
        || lower.ends_with('？')
        || lower.ends_with('吗')
        || lower.ends_with("吗？")
        || [
            "is ", "are ", "do ", "does ", "what", "which", "how ", "can ",
        ]
        .iter()
        .any(|q| lower.starts_with(q));
    let top_task = scores
        .iter()
        .filter(|(i, _)| !matches!(i, Intent::ProductInfo | Intent::Greeting | Intent::Goodbye))
        .map(|(_, s)| *s)
        .fold(0.0, f32::max);
    if has_product && question && !has_order_id && top_task < 2.5 {
        add(&mut scores, Intent::ProductInfo, 1.5);
    }
    // "where is order W…", "W… 到哪了": a question about a named order.
    if has_order_id
        && ["where", "到哪", "在哪", "when"]
            .iter()
            .any(|w| lower.contains(w))
    {
        add(&mut scores, Intent::OrderStatus, 2.0);
    }
    // A status question about a return or exchange already requested.
    let status_question = ["status", "状态", "what happens next", "进度"]
        .iter()
        .any(|w| lower.contains(w));
    if status_question {
        add(&mut scores, Intent::OrderStatus, 1.5);
    }
    // Greetings and goodbyes count only when little else is said.
    let words = lower.split_whitespace().count() + lower.chars().filter(|c| is_cjk(*c)).count() / 2;
    let task = scores
        .iter()
        .filter(|(i, _)| !matches!(i, Intent::Greeting | Intent::Goodbye))
        .map(|(_, s)| *s)
        .fold(0.0, f32::max);
    if task >= 1.5 || words > 12 {
        add(&mut scores, Intent::Greeting, -2.0);
        add(&mut scores, Intent::Goodbye, -1.5);
    }
    scores
}

/// A cue matches as a whole word (Latin) or as a substring (Chinese,
/// and Latin cues ending in a space or marked as stems by the table).
fn matches_cue(padded: &str, lower: &str, cue: &str) -> bool {
    if cue.chars().any(is_cjk) {
        return lower.contains(cue);
    }
    let cue = cue.trim();
    // Latin cues are word-prefixes: "cancel" matches "cancelled",
    // "deliver" matches "delivery"; short ones ("hi", "yo") must be whole
    // words, or "this" and "your" would greet.
    if cue.len() <= 3 {
        padded.contains(&format!(" {cue} "))
    } else {
        padded.contains(&format!(" {cue}"))
    }
}

#[cfg(test)]
mod tests {
    use super::CUES;

    #[test]
    fn no_cue_is_listed_twice_for_one_intent() {
        // Scores add up: a cue listed twice would count twice, unseen.
        for (intent, cues) in CUES {
            for (i, (cue, _)) in cues.iter().enumerate() {
                assert!(
                    !cues[i + 1..].iter().any(|(c, _)| c == cue),
                    "{intent:?} lists {cue:?} twice"
                );
            }
        }
    }
}
