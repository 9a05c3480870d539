//! Mood from word lists (English and Chinese) and emphasis.

use serde::Serialize;

/// How the customer feels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sentiment {
    /// Unhappy, angry.
    Negative,
    /// Neither.
    Neutral,
    /// Pleased.
    Positive,
}

impl Sentiment {
    /// Label (`negative`).
    pub fn label(self) -> &'static str {
        match self {
            Sentiment::Negative => "negative",
            Sentiment::Neutral => "neutral",
            Sentiment::Positive => "positive",
        }
    }
}

const NEGATIVE: &[&str] = &[
    "terrible",
    "awful",
    "worst",
    "horrible",
    "angry",
    "furious",
    "ridiculous",
    "unacceptable",
    "disappointed",
    "disappointing",
    "useless",
    "waste",
    "scam",
    "hate",
    "rude",
    "broken",
    "damaged",
    "never again",
    "fed up",
    "sick of",
    "wtf",
    "annoyed",
    "frustrat",
    "not happy",
    "unhappy",
    "joke",
    "pathetic",
    "poor quality",
    "太差",
    "差评",
    "垃圾",
    "生气",
    "气死",
    "失望",
    "投诉",
    "烂",
    "坑",
    "骗",
    "恶心",
    "无语",
    "受不了",
    "什么破",
    "坏了",
    "破损",
    "不满",
    "离谱",
    "太慢",
    "没人理",
];
const POSITIVE: &[&str] = &[
    "thanks",
    "thank you",
    "great",
    "love",
    "awesome",
    "perfect",
    "excellent",
    "appreciate",
    "helpful",
    "wonderful",
    "happy",
    "nice",
    "谢谢",
    "感谢",
    "太好了",
    "满意",
    "喜欢",
    "好评",
    "棒",
    "不错",
    "辛苦了",
];

/// The mood of an already lowercased message.
pub fn sentiment(lower: &str) -> Sentiment {
    let negative = NEGATIVE.iter().filter(|w| lower.contains(*w)).count()
        + usize::from(lower.contains("!!") || lower.contains("！！"));
    let positive = POSITIVE.iter().filter(|w| lower.contains(*w)).count();
    if negative > positive {
        Sentiment::Negative
    } else if positive > negative {
        Sentiment::Positive
    } else {
        Sentiment::Neutral
    }
}
