//! The embedded engine with the default model (`scripts/fetch-model`):
//! batching must not change replies, sampling samples, and the engine
//! shares rayon's pool with the rest of the process.

mod batch;
mod describe;
mod pool;
mod sampling;

use kefu_engine_mistral::MistralOptions;
use std::path::Path;

/// The default options, with the workspace's model file.
pub fn options() -> MistralOptions {
    let model =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/SmolLM2-135M-Instruct.Q8_0.gguf");
    assert!(
        model.is_file(),
        "{} is missing: run scripts/fetch-model first",
        model.display()
    );
    MistralOptions {
        model,
        ..MistralOptions::default()
    }
}
