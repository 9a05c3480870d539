//! Prompt templates: built into the binary from `prompts/`, each replaceable
//! by a file of the same name in `prompts.dir`.

use crate::lang::Language;
use minijinja::Environment;
use serde::Serialize;
use std::path::Path;

/// The templates shipped in `prompts/`, by file name.
const BUILT_IN: &[(&str, &str)] = &[
    ("system.en.j2", include_str!("../prompts/system.en.j2")),
    ("system.zh.j2", include_str!("../prompts/system.zh.j2")),
    ("fallback.en.j2", include_str!("../prompts/fallback.en.j2")),
    ("fallback.zh.j2", include_str!("../prompts/fallback.zh.j2")),
    // One plain answer per dialogue step kind; the LLM rewords it.
    (
        "reply/action.en.j2",
        include_str!("../prompts/reply/action.en.j2"),
    ),
    (
        "reply/action.zh.j2",
        include_str!("../prompts/reply/action.zh.j2"),
    ),
    (
        "reply/ask_address.en.j2",
        include_str!("../prompts/reply/ask_address.en.j2"),
    ),
    (
        "reply/ask_address.zh.j2",
        include_str!("../prompts/reply/ask_address.zh.j2"),
    ),
    (
        "reply/ask_payment.en.j2",
        include_str!("../prompts/reply/ask_payment.en.j2"),
    ),
    (
        "reply/ask_payment.zh.j2",
        include_str!("../prompts/reply/ask_payment.zh.j2"),
    ),
    (
        "reply/partial_cancel.en.j2",
        include_str!("../prompts/reply/partial_cancel.en.j2"),
    ),
    (
        "reply/partial_cancel.zh.j2",
        include_str!("../prompts/reply/partial_cancel.zh.j2"),
    ),
    (
        "reply/ask_code.en.j2",
        include_str!("../prompts/reply/ask_code.en.j2"),
    ),
    (
        "reply/ask_code.zh.j2",
        include_str!("../prompts/reply/ask_code.zh.j2"),
    ),
    (
        "reply/media.en.j2",
        include_str!("../prompts/reply/media.en.j2"),
    ),
    (
        "reply/media.zh.j2",
        include_str!("../prompts/reply/media.zh.j2"),
    ),
    (
        "reply/ask_zip.en.j2",
        include_str!("../prompts/reply/ask_zip.en.j2"),
    ),
    (
        "reply/ask_zip.zh.j2",
        include_str!("../prompts/reply/ask_zip.zh.j2"),
    ),
    (
        "reply/code_wrong.en.j2",
        include_str!("../prompts/reply/code_wrong.en.j2"),
    ),
    (
        "reply/code_wrong.zh.j2",
        include_str!("../prompts/reply/code_wrong.zh.j2"),
    ),
    (
        "reply/code_expired.en.j2",
        include_str!("../prompts/reply/code_expired.en.j2"),
    ),
    (
        "reply/code_expired.zh.j2",
        include_str!("../prompts/reply/code_expired.zh.j2"),
    ),
    (
        "reply/go_private.en.j2",
        include_str!("../prompts/reply/go_private.en.j2"),
    ),
    (
        "reply/go_private.zh.j2",
        include_str!("../prompts/reply/go_private.zh.j2"),
    ),
    (
        "mail/code.en.j2",
        include_str!("../prompts/mail/code.en.j2"),
    ),
    (
        "mail/code.zh.j2",
        include_str!("../prompts/mail/code.zh.j2"),
    ),
    ("csat/ask.en.j2", include_str!("../prompts/csat/ask.en.j2")),
    ("csat/ask.zh.j2", include_str!("../prompts/csat/ask.zh.j2")),
    (
        "csat/thanks.en.j2",
        include_str!("../prompts/csat/thanks.en.j2"),
    ),
    (
        "csat/thanks.zh.j2",
        include_str!("../prompts/csat/thanks.zh.j2"),
    ),
    (
        "reply/quote.en.j2",
        include_str!("../prompts/reply/quote.en.j2"),
    ),
    (
        "reply/quote.zh.j2",
        include_str!("../prompts/reply/quote.zh.j2"),
    ),
    (
        "reply/balance.en.j2",
        include_str!("../prompts/reply/balance.en.j2"),
    ),
    (
        "reply/balance.zh.j2",
        include_str!("../prompts/reply/balance.zh.j2"),
    ),
    (
        "reply/refunds.en.j2",
        include_str!("../prompts/reply/refunds.en.j2"),
    ),
    (
        "reply/refunds.zh.j2",
        include_str!("../prompts/reply/refunds.zh.j2"),
    ),
    (
        "reply/unresolved.en.j2",
        include_str!("../prompts/reply/unresolved.en.j2"),
    ),
    (
        "reply/unresolved.zh.j2",
        include_str!("../prompts/reply/unresolved.zh.j2"),
    ),
    (
        "reply/too_long.en.j2",
        include_str!("../prompts/reply/too_long.en.j2"),
    ),
    (
        "reply/too_long.zh.j2",
        include_str!("../prompts/reply/too_long.zh.j2"),
    ),
    (
        "reply/off_topic.en.j2",
        include_str!("../prompts/reply/off_topic.en.j2"),
    ),
    (
        "reply/off_topic.zh.j2",
        include_str!("../prompts/reply/off_topic.zh.j2"),
    ),
    (
        "reply/ask_change.en.j2",
        include_str!("../prompts/reply/ask_change.en.j2"),
    ),
    (
        "reply/ask_change.zh.j2",
        include_str!("../prompts/reply/ask_change.zh.j2"),
    ),
    (
        "reply/ask_identity.en.j2",
        include_str!("../prompts/reply/ask_identity.en.j2"),
    ),
    (
        "reply/ask_identity.zh.j2",
        include_str!("../prompts/reply/ask_identity.zh.j2"),
    ),
    (
        "reply/ask_order.en.j2",
        include_str!("../prompts/reply/ask_order.en.j2"),
    ),
    (
        "reply/ask_order.zh.j2",
        include_str!("../prompts/reply/ask_order.zh.j2"),
    ),
    (
        "reply/ask_reason.en.j2",
        include_str!("../prompts/reply/ask_reason.en.j2"),
    ),
    (
        "reply/ask_reason.zh.j2",
        include_str!("../prompts/reply/ask_reason.zh.j2"),
    ),
    (
        "reply/ask_variant.en.j2",
        include_str!("../prompts/reply/ask_variant.en.j2"),
    ),
    (
        "reply/ask_variant.zh.j2",
        include_str!("../prompts/reply/ask_variant.zh.j2"),
    ),
    (
        "reply/clarify.en.j2",
        include_str!("../prompts/reply/clarify.en.j2"),
    ),
    (
        "reply/clarify.zh.j2",
        include_str!("../prompts/reply/clarify.zh.j2"),
    ),
    (
        "reply/complaint.en.j2",
        include_str!("../prompts/reply/complaint.en.j2"),
    ),
    (
        "reply/complaint.zh.j2",
        include_str!("../prompts/reply/complaint.zh.j2"),
    ),
    (
        "reply/confirm.en.j2",
        include_str!("../prompts/reply/confirm.en.j2"),
    ),
    (
        "reply/confirm.zh.j2",
        include_str!("../prompts/reply/confirm.zh.j2"),
    ),
    (
        "reply/declined.en.j2",
        include_str!("../prompts/reply/declined.en.j2"),
    ),
    (
        "reply/declined.zh.j2",
        include_str!("../prompts/reply/declined.zh.j2"),
    ),
    (
        "reply/done.en.j2",
        include_str!("../prompts/reply/done.en.j2"),
    ),
    (
        "reply/done.zh.j2",
        include_str!("../prompts/reply/done.zh.j2"),
    ),
    (
        "reply/faq.en.j2",
        include_str!("../prompts/reply/faq.en.j2"),
    ),
    (
        "reply/faq.zh.j2",
        include_str!("../prompts/reply/faq.zh.j2"),
    ),
    (
        "reply/goodbye.en.j2",
        include_str!("../prompts/reply/goodbye.en.j2"),
    ),
    (
        "reply/goodbye.zh.j2",
        include_str!("../prompts/reply/goodbye.zh.j2"),
    ),
    (
        "reply/greeting.en.j2",
        include_str!("../prompts/reply/greeting.en.j2"),
    ),
    (
        "reply/greeting.zh.j2",
        include_str!("../prompts/reply/greeting.zh.j2"),
    ),
    (
        "reply/handoff.en.j2",
        include_str!("../prompts/reply/handoff.en.j2"),
    ),
    (
        "reply/handoff.zh.j2",
        include_str!("../prompts/reply/handoff.zh.j2"),
    ),
    (
        "reply/identity_failed.en.j2",
        include_str!("../prompts/reply/identity_failed.en.j2"),
    ),
    (
        "reply/identity_failed.zh.j2",
        include_str!("../prompts/reply/identity_failed.zh.j2"),
    ),
    (
        "reply/order_status.en.j2",
        include_str!("../prompts/reply/order_status.en.j2"),
    ),
    (
        "reply/order_status.zh.j2",
        include_str!("../prompts/reply/order_status.zh.j2"),
    ),
    (
        "reply/product.en.j2",
        include_str!("../prompts/reply/product.en.j2"),
    ),
    (
        "reply/product.zh.j2",
        include_str!("../prompts/reply/product.zh.j2"),
    ),
    (
        "reply/product_unknown.en.j2",
        include_str!("../prompts/reply/product_unknown.en.j2"),
    ),
    (
        "reply/product_unknown.zh.j2",
        include_str!("../prompts/reply/product_unknown.zh.j2"),
    ),
    (
        "reply/recommend.en.j2",
        include_str!("../prompts/reply/recommend.en.j2"),
    ),
    (
        "reply/recommend.zh.j2",
        include_str!("../prompts/reply/recommend.zh.j2"),
    ),
    (
        "reply/refusal.en.j2",
        include_str!("../prompts/reply/refusal.en.j2"),
    ),
    (
        "reply/refusal.zh.j2",
        include_str!("../prompts/reply/refusal.zh.j2"),
    ),
    (
        "reply/refused.en.j2",
        include_str!("../prompts/reply/refused.en.j2"),
    ),
    (
        "reply/refused.zh.j2",
        include_str!("../prompts/reply/refused.zh.j2"),
    ),
    (
        "reply/result.en.j2",
        include_str!("../prompts/reply/result.en.j2"),
    ),
    (
        "reply/result.zh.j2",
        include_str!("../prompts/reply/result.zh.j2"),
    ),
    (
        "reply/verified.en.j2",
        include_str!("../prompts/reply/verified.en.j2"),
    ),
    (
        "reply/verified.zh.j2",
        include_str!("../prompts/reply/verified.zh.j2"),
    ),
];

/// The loaded templates.
pub struct Prompts {
    env: Environment<'static>,
}

impl Prompts {
    /// Load the built-in templates, replacing any that `dir` holds.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        // Dollars with cents, as the shop writes them ("47.80").
        env.add_filter("money", |value: f64| format!("{value:.2}"));
        for (name, built_in) in BUILT_IN {
            let source = match dir.map(|d| d.join(name)) {
                Some(path) if path.is_file() => std::fs::read_to_string(&path)
                    .map_err(|e| anyhow::anyhow!("cannot read prompt {}: {e}", path.display()))?,
                _ => built_in.to_string(),
            };
            env.add_template_owned(name.to_string(), source)
                .map_err(|e| anyhow::anyhow!("prompt template {name} is invalid: {e}"))?;
        }
        Ok(Self { env })
    }

    /// Render template `purpose` in `language` with `context`.
    pub fn render(
        &self,
        purpose: &str,
        language: Language,
        context: impl Serialize,
    ) -> anyhow::Result<String> {
        let name = format!("{purpose}.{}.j2", language.code());
        let template = self.env.get_template(&name)?;
        Ok(template.render(context)?.trim().to_string())
    }
}
