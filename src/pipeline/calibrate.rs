//! Whether the loaded model can phrase replies: its drafts over a fixed set
//! of steps in both languages, each checked by the guard as a real reply
//! would be. A model that passes too few (SmolLM2-135M does) is set aside
//! and the templates answer; a bigger model, or an OpenAI-compatible server
//! in front of one, passes and phrases with no code change.

use super::grounding::Grounding;
use super::guard::{self, GuardInput};
use super::{phrase, Pipeline};
use crate::dialogue::StepKind;
use crate::lang::Language;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The calibration's result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhraseScore {
    /// Drafts the guard let through.
    pub passed: usize,
    /// Steps tried.
    pub total: usize,
}

impl PhraseScore {
    /// The share passed (0–1).
    pub fn share(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.passed as f64 / self.total as f64
        }
    }
}

/// (language, customer's message, step template, facts).
fn cases() -> Vec<(Language, &'static str, StepKind, Value)> {
    let order = json!({"order_id": "#W3767039", "status": "pending",
        "items": ["T-Shirt (red, M)"], "tracking": [], "paid": 72.0, "total": 72.0});
    let shipping_en = json!({"question": "How long does shipping take?",
        "answer": "Orders ship within 1–2 business days; delivery takes 3–5 business days in the US.",
        "faq_id": "faq-shipping"});
    let shipping_zh = json!({"question": "发货要多久？",
        "answer": "订单在 1–2 个工作日内发出；美国境内 3–5 个工作日送达。", "faq_id": "faq-shipping"});
    let price_zh = json!({"question": "可以便宜点吗？",
        "answer": "我们不提供议价、优惠券或价格匹配，价格以页面为准。", "faq_id": "faq-price-match"});
    let cancel = json!({"action": {"kind": "cancel", "order_id": "#W3767039", "reason": "no longer needed"},
        "result": {"action": "cancel", "order_id": "#W3767039", "status": "cancelled", "refund": 72.0,
        "payment_method": "PayPal"}, "lines": []});
    vec![
        (Language::En, "hi", StepKind::Greeting, json!({})),
        (Language::Zh, "你好", StepKind::Greeting, json!({})),
        (
            Language::En,
            "where is my order?",
            StepKind::AskIdentity,
            json!({}),
        ),
        (
            Language::Zh,
            "我的订单到哪了",
            StepKind::AskIdentity,
            json!({}),
        ),
        (
            Language::En,
            "status of #W3767039 please",
            StepKind::OrderStatus,
            order.clone(),
        ),
        (
            Language::Zh,
            "查一下订单W3767039",
            StepKind::OrderStatus,
            order,
        ),
        (
            Language::En,
            "how long does shipping take?",
            StepKind::Faq,
            shipping_en,
        ),
        (Language::Zh, "发货要多久", StepKind::Faq, shipping_zh),
        (Language::Zh, "能便宜点吗", StepKind::Faq, price_zh),
        (
            Language::En,
            "cancel #W3767039, I don't need it",
            StepKind::Confirm,
            cancel.clone(),
        ),
        (
            Language::Zh,
            "取消订单W3767039，不需要了",
            StepKind::Confirm,
            cancel,
        ),
        (Language::En, "thanks bye", StepKind::Goodbye, json!({})),
        (Language::Zh, "谢谢，再见", StepKind::Goodbye, json!({})),
        (Language::En, "asdf qwerty", StepKind::Clarify, json!({})),
    ]
}

/// Run the pipeline's model over the calibration steps through the guard.
pub async fn score(pipeline: &Pipeline) -> PhraseScore {
    score_with(&pipeline.phraser()).await
}

/// Run a model over the calibration steps through the guard.
pub async fn score_with(phraser: &phrase::Phraser<'_>) -> PhraseScore {
    let mut passed = 0;
    let cases = cases();
    let total = cases.len();
    for (language, text, kind, facts) in cases {
        let mut context = facts.as_object().cloned().unwrap_or_default();
        context.insert("shop".into(), phraser.shop_name.into());
        context.insert("more".into(), false.into());
        let Ok(plain) =
            phraser
                .prompts
                .render(&format!("reply/{}", kind.template()), language, context)
        else {
            continue;
        };
        let draft = phraser
            .complete(&plain, None, language, Vec::new(), text)
            .await;
        let facts_text = facts.to_string();
        let grounding = Grounding::from_texts([plain.as_str(), facts_text.as_str()]);
        let must: Vec<String> = super::key_terms(kind, language)
            .iter()
            .map(|t| t.to_string())
            .collect();
        let input = GuardInput {
            plain: &plain,
            grounding: &grounding,
            must_mention: &must,
            language,
            acted: false,
        };
        let (_, verdict) = guard::guard(&input, draft);
        if verdict == super::GuardVerdict::Llm {
            passed += 1;
        }
    }
    PhraseScore { passed, total }
}
