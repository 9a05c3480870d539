//! Reading a customer's answer to "shall I go ahead?".
//!
//! Only an explicit yes executes a consequential action; anything else
//! either cancels it (an explicit no, a change of mind) or leaves it
//! waiting (the customer asked something else).

/// What the customer said to a pending confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// An explicit yes: go ahead.
    Yes,
    /// An explicit no or a change of mind: drop the action.
    No,
    /// Neither: the action keeps waiting.
    Unclear,
}

const YES_EN: &[&str] = &[
    "yes",
    "y",
    "yep",
    "yeah",
    "yea",
    "yup",
    "sure",
    "ok",
    "okay",
    "confirm",
    "confirmed",
    "correct",
    "go ahead",
    "do it",
    "please do",
    "proceed",
    "that's right",
    "thats right",
    "right",
];
const NO_EN: &[&str] = &[
    "no",
    "n",
    "nope",
    "nah",
    "don't",
    "dont",
    "do not",
    "stop",
    "cancel that",
    "never mind",
    "nevermind",
    "changed my mind",
    "not now",
    "wait",
    "hold on",
    "forget it",
];
/// Chinese words strong enough to count wherever they appear.
const YES_ZH: &[&str] = &[
    "是的",
    "对的",
    "确认",
    "确定",
    "好的",
    "好啊",
    "可以的",
    "没问题",
    "同意",
    "行的",
];
const NO_ZH: &[&str] = &[
    "不要",
    "不用",
    "不是",
    "算了",
    "取消吧",
    "先不",
    "等等",
    "改主意",
    "不确认",
    "不确定",
    "别",
];
/// Short Chinese answers that count only as the whole message: "好" is
/// also part of "你好", "是" of "这是什么".
const YES_ZH_ALONE: &[&str] = &["是", "对", "好", "行", "嗯", "可以", "要"];
const NO_ZH_ALONE: &[&str] = &["不", "否", "不行", "不可以"];

/// Classify `text` as an answer to a confirmation question.
pub fn answer(text: &str) -> Answer {
    let lower = text.trim().to_lowercase();
    let cleaned: String = lower
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' || c.is_whitespace() {
                c
            } else {
                ' '
            }
        })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let phrase = words.join(" ");
    // A "no" anywhere wins over a "yes": "yes, no wait" must not execute.
    let has_en = |list: &[&str]| {
        list.iter().any(|p| {
            if p.contains(' ') {
                format!(" {phrase} ").contains(&format!(" {p} "))
            } else {
                words.contains(p)
            }
        })
    };
    // Chinese has no spaces: a negation prefix ("不确认", "不要") must be
    // seen before the bare yes words it contains.
    let bare: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    let zh_no = NO_ZH.iter().any(|w| lower.contains(w)) || NO_ZH_ALONE.contains(&bare.as_str());
    let zh_yes = YES_ZH.iter().any(|w| lower.contains(w)) || YES_ZH_ALONE.contains(&bare.as_str());
    if has_en(NO_EN) || zh_no {
        return Answer::No;
    }
    // Yes means yes: the whole message is a confirmation. A question ("is
    // that right? how long does the refund take?") or a longer message with
    // something else in it ("yes but use my other card") leaves the action
    // waiting, to be proposed again.
    let question = lower.contains(['?', '？', '吗']);
    let short = words.len() <= 10;
    let only_yes_words = words.iter().all(|w| {
        YES_EN.contains(w) || YES_FILLER.contains(w) || RESTATE_EN.contains(w) || zh_agrees(w)
    });
    if (has_en(YES_EN) || zh_yes) && !question && short && only_yes_words {
        Answer::Yes
    } else {
        Answer::Unclear
    }
}

/// Whether a run of Chinese says only yes and what the proposal said
/// ("好的，确认取消"): with anything else ("只退一个", "寄到公司") it is a
/// new wish, not a yes to the unchanged proposal.
fn zh_agrees(word: &str) -> bool {
    if !word.chars().any(crate::lang::is_cjk) {
        return false;
    }
    let mut rest = word.to_string();
    for w in YES_ZH.iter().chain(RESTATE_ZH) {
        rest = rest.replace(w, "");
    }
    rest.chars()
        .all(|c| YES_ZH_ALONE.iter().any(|y| y.starts_with(c)) || "吧了啊呀呢哦嘛的".contains(c))
}

/// Words that restate or agree with a proposal ("yes, please cancel it",
/// "yes, that's everything, please proceed"): a yes with them is still
/// just a yes. Anything else (an item, "only", "but", "maybe", an order
/// id) makes the message a different one.
const RESTATE_EN: &[&str] = &[
    "cancel",
    "return",
    "exchange",
    "modify",
    "update",
    "refund",
    "swap",
    "replace",
    "it",
    "them",
    "this",
    "those",
    "order",
    "everything",
    "everything's",
    "so",
    "now",
    "and",
    "just",
    "on",
    "ahead",
    "make",
    "done",
    "need",
    "want",
    "would",
    "like",
    "to",
    "me",
    "a",
    "agree",
    "yes",
    "thank",
    "much",
    "very",
    "indeed",
    "exactly",
    "fine",
    "accurate",
    "good",
    "looks",
];

/// Chinese that restates a proposal (confirm, cancel, return, exchange,
/// change, go ahead, thanks).
const RESTATE_ZH: &[&str] = &[
    "确认",
    "取消",
    "退货",
    "换货",
    "修改",
    "更改",
    "执行",
    "办理",
    "就这样",
    "谢谢",
    "麻烦",
    "帮我",
    "请",
    "订单",
    "这个",
    "吧",
    "了",
    "继续",
    "没错",
    "是",
    "对",
    "好",
];

/// Words that may stand beside a yes without making it a different
/// message: "yes please go ahead", "ok, thanks".
const YES_FILLER: &[&str] = &[
    "please",
    "thanks",
    "thank",
    "you",
    "go",
    "ahead",
    "do",
    "it",
    "that's",
    "thats",
    "right",
    "is",
    "that",
    "sounds",
    "good",
    "great",
    "fine",
    "perfect",
    "all",
    "i",
    "confirm",
    "yes",
    "absolutely",
    "definitely",
    "of",
    "course",
    "sir",
    "alright",
    "proceed",
    "with",
    "the",
    "change",
    "let's",
    "lets",
    "works",
    "correct",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_answers() {
        for yes in [
            "yes",
            "Yes please",
            "OK, go ahead.",
            "confirm",
            "是",
            "确认",
            "好的",
            "是的，确认",
            "Yes, please cancel it.",
            "Yes, that's everything. Please proceed.",
            "yes go ahead and cancel it",
            "好的，确认取消",
            "好的，帮我办理吧",
        ] {
            assert_eq!(answer(yes), Answer::Yes, "{yes}");
        }
        for no in [
            "no",
            "No thanks",
            "actually I changed my mind",
            "不",
            "算了",
            "不确认",
            "yes... no wait",
        ] {
            assert_eq!(answer(no), Answer::No, "{no}");
        }
        for unclear in [
            "what is the refund amount?",
            "how long does it take",
            "退款多少钱？",
            "你好",
            "这是什么",
            "is that right? how long does the refund take?",
            "yes but cancel the other one instead",
            "ok so what is my balance now",
            "好的，那退款多久到账？",
            "好的，只退一个",
            "好的，寄到公司",
            "ok maybe",
            "yes but only the mug",
            "yes? how long does the refund take",
            "yes, cancel #W1234567 instead",
            "yes, return the other one",
        ] {
            assert_eq!(answer(unclear), Answer::Unclear, "{unclear}");
        }
    }
}
