//! The switches of `[llm]` that say how the model is used. They belong to
//! the configuration; the pipeline and the readers import them from here.

use serde::{Deserialize, Serialize};

/// How phrasing is decided (`llm.phrase`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhraseMode {
    /// Score the model (in the background, once per model); phrase only if
    /// it passes `llm.phrase_threshold` of the calibration steps.
    #[default]
    Auto,
    /// Always let the model phrase (the guard still checks each draft).
    Always,
    /// Never: every reply is the template's plain answer.
    Never,
}

/// Whether the model reads messages (`llm.read`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadMode {
    /// Once its reading score (measured in the background at the first
    /// start with a model) is at least the rules'; the rules alone until then.
    #[default]
    Auto,
    /// Whenever the rules are unsure.
    Always,
    /// Never: the rules alone.
    Never,
}
