//! The model's scores, measured once per model and kept in the store:
//! how well it phrases replies (`llm.phrase = "auto"`) and how well it
//! reads messages (`llm.read = "auto"`). A score already kept applies at
//! once; one not yet measured is measured in the background — the daemon
//! answers from the first message, with the templates and the rules until
//! the scores say the model may help.

use crate::config::LlmSettings;
use crate::config::PhraseMode;
use crate::nlu::reading::{score::ReadingScore, ReadMode};
use crate::pipeline::{PhraseScore, Pipeline};
use crate::store::Store;
use std::sync::Arc;

/// Apply the kept scores; measure the missing ones in the background.
pub fn start(pipeline: Arc<Pipeline>, llm: &LlmSettings, store: &Store) {
    let phrase_key = format!(
        "phrase_score/{}/{}",
        pipeline.engine().describe(),
        llm.max_tokens
    );
    let read_key = format!("reading_score/{}", pipeline.engine().describe());
    let threshold = llm.phrase_threshold;
    let phrase_missing = match llm.phrase {
        PhraseMode::Always => {
            pipeline.set_phrasing(true);
            false
        }
        PhraseMode::Never => {
            pipeline.set_phrasing(false);
            false
        }
        PhraseMode::Auto => match store.setting::<PhraseScore>(&phrase_key) {
            Some(score) => {
                apply_phrasing(&pipeline, &score, threshold);
                false
            }
            None => {
                // Templates until the model has shown it phrases well.
                pipeline.set_phrasing(false);
                true
            }
        },
    };
    let read_missing = pipeline.reader().mode() == ReadMode::Auto
        && match store.setting::<ReadingScore>(&read_key) {
            Some(score) => {
                apply_reading(&pipeline, &score);
                false
            }
            None => true,
        };
    if !phrase_missing && !read_missing {
        return;
    }
    let store = store.clone();
    tokio::spawn(async move {
        if phrase_missing {
            tracing::info!("scoring how well the model phrases replies, in the background (once per model; llm.phrase = \"auto\"); templates answer meanwhile");
            let score = pipeline.phrase_score().await;
            keep(&store, &phrase_key, &score);
            apply_phrasing(&pipeline, &score, threshold);
        }
        if read_missing {
            tracing::info!("scoring how well the model reads messages, in the background (once per model; llm.read = \"auto\"); the rules read meanwhile");
            let engine = pipeline.engine().clone();
            match crate::nlu::reading::score::score(pipeline.reader(), engine.as_ref()).await {
                Some(score) => {
                    keep(&store, &read_key, &score);
                    apply_reading(&pipeline, &score);
                }
                None => tracing::warn!(
                    "the model answered no reading request: the rules read alone (scored again at the next start)"
                ),
            }
        }
    });
}

fn keep<T: serde::Serialize>(store: &Store, key: &str, score: &T) {
    if let Err(e) = store.set_setting(key, score) {
        tracing::warn!(
            "cannot keep the model's score (it is measured again at the next start): {e}"
        );
    }
}

fn apply_phrasing(pipeline: &Pipeline, score: &PhraseScore, threshold: f64) {
    let on = score.share() >= threshold;
    pipeline.set_phrasing(on);
    if on {
        tracing::info!(
            passed = score.passed,
            of = score.total,
            "the model phrases replies"
        );
    } else {
        tracing::warn!(
            passed = score.passed,
            of = score.total,
            threshold,
            "the model's drafts passed the guard too rarely: replies use the templates (set llm.phrase = \"always\" to override, or load a bigger model)"
        );
    }
}

fn apply_reading(pipeline: &Pipeline, score: &ReadingScore) {
    let on = score.model_helps();
    pipeline.reader().trust_model(on);
    if on {
        tracing::info!(
            model = score.model,
            rules = score.rules,
            routed = score.routed,
            "the model reads the messages the rules are unsure of"
        );
    } else {
        tracing::info!(model = score.model, rules = score.rules, routed = score.routed, "the model reads worse than the rules: the rules read alone (set llm.read = \"always\" to override, or load a bigger model)");
    }
}
