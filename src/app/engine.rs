//! The engine `[llm]` asks for, built from kefu's settings. The embedded
//! mistral.rs engine (`kefu-engine-mistral`) is compiled in with the
//! default feature `mistral`; a build without it (`cargo build
//! --no-default-features --features openai,telegram,…`) talks only to a
//! model served elsewhere and compiles no inference code.

use crate::config::{EngineKind, LlmSettings};
use crate::llm::{Engine, TimedEngine};
use std::sync::Arc;

/// Build the configured engine. Fails before anything else starts when the
/// model is missing or unusable, or when this build lacks the engine asked
/// for.
pub async fn build_engine(settings: &LlmSettings) -> anyhow::Result<Arc<dyn Engine>> {
    let engine = build_inner(settings).await?;
    Ok(match settings.timeout_secs {
        0 => engine,
        secs => Arc::new(TimedEngine::new(
            engine,
            std::time::Duration::from_secs(secs),
        )),
    })
}

async fn build_inner(settings: &LlmSettings) -> anyhow::Result<Arc<dyn Engine>> {
    match settings.engine {
        #[cfg(feature = "mistral")]
        EngineKind::Mistralrs => {
            let options = kefu_engine_mistral::MistralOptions {
                model: settings.model.clone(),
                max_concurrent: settings.max_concurrent,
                paged_attention: settings.paged_attention,
                kv_cache_tokens: settings.kv_cache_tokens,
                dtype: settings.dtype,
            };
            Ok(Arc::new(
                kefu_engine_mistral::MistralEngine::load(&options).await?,
            ))
        }
        #[cfg(not(feature = "mistral"))]
        EngineKind::Mistralrs => anyhow::bail!(
            "llm.engine = \"mistralrs\" but this kefu was built without the embedded engine \
             (cargo feature `mistral`); set llm.engine = \"openai\" with llm.base_url, or \
             rebuild with the default features"
        ),
        #[cfg(feature = "openai")]
        EngineKind::Openai => {
            let key = settings.api_key.expose();
            let key = (!key.is_empty()).then(|| key.to_string());
            Ok(Arc::new(crate::llm::OpenAiEngine::new(
                &settings.base_url,
                key,
                &settings.model_name,
            )?))
        }
        #[cfg(not(feature = "openai"))]
        EngineKind::Openai => anyhow::bail!(
            "llm.engine = \"openai\" but this kefu was built without the OpenAI-compatible \
             engine (cargo feature `openai`); rebuild with it or use llm.engine = \"mistralrs\""
        ),
    }
}
