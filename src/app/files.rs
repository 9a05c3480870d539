//! What `kefu eval` and `kefu bench` read with: the shop of `shop.data`'s
//! files (not the store's), the rules and, where asked, the model.

use super::build_engine;
use crate::config::Settings;
use crate::knowledge::Knowledge;
use crate::nlu::reading::{ReadMode, Reader};
use crate::nlu::{Lexicon, Nlu};
use std::sync::Arc;

/// The readers of the shop in `shop.data`'s files (not the store's), and
/// its products: what `kefu eval` and `kefu bench` read with.
pub fn files_reader(
    settings: &Settings,
    mode: ReadMode,
) -> anyhow::Result<(Reader, Vec<crate::shop::Product>)> {
    use anyhow::Context;
    let data = settings.shop.data_dir();
    let path = data.join("products.json");
    let products: std::collections::BTreeMap<String, crate::shop::Product> = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?,
    )
    .with_context(|| format!("{}: not a products file", path.display()))?;
    let products: Vec<_> = products.into_values().collect();
    let nlu = Nlu::new(Lexicon::new(&products).with_data_dir(&data));
    let knowledge = Arc::new(Knowledge::build(products.clone(), &data));
    Ok((
        Reader::new(nlu, knowledge, &settings.shop.name, mode),
        products,
    ))
}

/// Whether a labeled file holds frames (`"topic"`) rather than intents.
pub fn is_frame_file(path: &std::path::Path) -> anyhow::Result<bool> {
    use anyhow::Context;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let value: serde_json::Value =
        serde_json::from_str(first).with_context(|| format!("{}:1: not JSON", path.display()))?;
    Ok(value.get("topic").is_some())
}

/// `kefu eval` on frames: the shop of `shop.data` (its files, not the
/// store), the rules and, for the model's readers, `llm.model`.
pub async fn eval_reading(
    settings: &Settings,
    file: &std::path::Path,
    readers: &[String],
) -> anyhow::Result<Vec<crate::nlu::reading::eval::ReaderScore>> {
    use crate::nlu::reading::eval::{eval_file, Which};
    let mut which = Vec::new();
    for name in readers {
        match name.as_str() {
            "rules" => which.push(Which::Rules),
            "model" => which.push(Which::Model),
            "routed" => which.push(Which::Routed),
            "all" => which.extend([Which::Rules, Which::Model, Which::Routed]),
            other => anyhow::bail!("unknown reader {other:?}: use rules, model, routed or all"),
        }
    }
    let (reader, products) = files_reader(settings, ReadMode::Always)?;
    let engine = if which.iter().any(|w| *w != Which::Rules) {
        Some(build_engine(&settings.llm).await?)
    } else {
        None
    };
    eval_file(&reader, &products, engine.as_deref(), file, &which).await
}
