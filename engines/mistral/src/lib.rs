//! kefu's embedded engine: a GGUF file loaded entirely offline and run
//! in-process by mistral.rs (kefu's forks of mistralrs-core and candle-core,
//! `vendor/`). One loaded model is shared by every conversation; requests
//! run concurrently and mistral.rs batches them.

use async_trait::async_trait;
use kefu_engine::{ActivationDType, ChatRequest, Completion, Engine, LlmError, PromptRole};
use mistralrs::core::{
    AutoDeviceMapParams, DefaultSchedulerMethod, DeviceMapSetting, GGUFLoaderBuilder,
    GGUFSpecificConfig, MemoryGpuConfig, MistralRsBuilder, ModelDType, PagedAttentionConfig,
    PagedCacheType, SchedulerConfig,
};
use mistralrs::{Constraint, Device, Model, RequestBuilder, TextMessageRole, TokenSource};
use std::io::Read;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

/// How to load and run the model (kefu's `[llm]` settings of the embedded
/// engine).
#[derive(Debug, Clone, PartialEq)]
pub struct MistralOptions {
    /// The GGUF file.
    pub model: PathBuf,
    /// Most sequences decoded at once.
    pub max_concurrent: usize,
    /// Keep the KV cache in blocks (paged attention), so conversations of
    /// any lengths decode together. Off: one cache per sequence, and only
    /// sequences of equal length share a step.
    pub paged_attention: bool,
    /// With paged attention: tokens the KV cache holds across all
    /// conversations (their prompts, replies and cached prefixes).
    pub kv_cache_tokens: usize,
    /// The activations' number type.
    pub dtype: ActivationDType,
}

impl Default for MistralOptions {
    fn default() -> Self {
        Self {
            model: "models/SmolLM2-135M-Instruct.Q8_0.gguf".into(),
            max_concurrent: 8,
            paged_attention: true,
            // Eight conversations of ~700 prompt tokens and a reply, plus
            // the cached system prompts; ~190 MB for SmolLM2 in BF16.
            kv_cache_tokens: 8192,
            dtype: ActivationDType::Auto,
        }
    }
}

/// A GGUF model running in-process.
pub struct MistralEngine {
    model: Model,
    path: PathBuf,
    /// Where it runs and with which activations, for `describe`.
    runs_on: String,
}

impl MistralEngine {
    /// Load `settings.model` (tokenizer and chat template come from the
    /// GGUF itself) with `settings.max_concurrent` sequences decoded
    /// together and activations of `settings.dtype`.
    pub async fn load(settings: &MistralOptions) -> Result<Self, LlmError> {
        let path = settings.model.as_path();
        check_gguf(path)?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file = path
            .file_name()
            .ok_or_else(|| LlmError::ModelMissing(path.to_path_buf()))?
            .to_string_lossy()
            .into_owned();
        let device = pick_device();
        let dtype = activation_dtype(settings.dtype, &device);
        tracing::info!(?dtype, cuda = device.is_cuda(), "loading the model");
        // `GgufModelBuilder` always asks for `ModelDType::Auto` (BF16 on a
        // CPU). The loader below is the builder's, with the dtype chosen by
        // `llm.dtype`: on CPUs F32 measured no faster and takes ~40% more
        // memory (docs/performance.md), so `auto` stays the default.
        let loader = GGUFLoaderBuilder::new(
            None,
            None,
            dir.to_string_lossy().into_owned(),
            vec![file],
            GGUFSpecificConfig { topology: None },
            false,
            None,
        )
        .build();
        let paged = paged_attention(settings)?;
        let pipeline = loader
            .load_model_from_hf(
                None,
                TokenSource::None,
                &dtype,
                &device,
                true,
                DeviceMapSetting::Auto(AutoDeviceMapParams::default_text()),
                None,
                paged,
            )
            .map_err(|e| LlmError::Load {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        let seqs = settings.max_concurrent.max(1);
        let cache_config = pipeline.lock().await.get_metadata().cache_config.clone();
        let scheduler = match cache_config {
            Some(config) => SchedulerConfig::PagedAttentionMeta {
                max_num_seqs: seqs,
                config,
            },
            None => SchedulerConfig::DefaultScheduler {
                method: DefaultSchedulerMethod::Fixed(
                    NonZeroUsize::new(seqs).expect("at least one sequence"),
                ),
            },
        };
        // The prefix cache keeps the KV state of recent prompts, so the fixed
        // system prompt of the next reply is not computed again. (kefu's
        // mistralrs-core no longer races its own engine thread here.)
        let runner = MistralRsBuilder::new(pipeline, scheduler, false, None)
            .with_prefix_cache_n(PREFIX_CACHE_SEQS)
            .build()
            .await;
        let runs_on = if device.is_cuda() {
            format!("cuda, {dtype}")
        } else {
            // Which Q8_0 matmul kefu's candle-core picked for this CPU.
            let kernel = candle_core::quantized::repacked_q8_0::kernel();
            format!("cpu, {dtype}, q8_0 kernel {kernel}")
        };
        Ok(Self {
            model: Model::new(runner),
            path: path.to_path_buf(),
            runs_on,
        })
    }
}

/// Paged attention (`llm.paged_attention`): the KV cache in blocks of
/// `llm.kv_cache_tokens` in all, so conversations of any lengths share each
/// decode step (kefu's mistralrs-core runs it on the CPU too), and the
/// prefix cache shares the system prompt's blocks between replies.
fn paged_attention(settings: &MistralOptions) -> Result<Option<PagedAttentionConfig>, LlmError> {
    settings
        .paged_attention
        .then(|| {
            PagedAttentionConfig::new(
                None,
                MemoryGpuConfig::ContextSize(settings.kv_cache_tokens),
                PagedCacheType::Auto,
            )
        })
        .transpose()
        .map_err(|e| LlmError::Load {
            path: settings.model.clone(),
            reason: e.to_string(),
        })
}

/// How many earlier prompts' KV states the prefix cache keeps.
const PREFIX_CACHE_SEQS: usize = 16;

/// The first GPU when built with CUDA and one is usable, else the CPU.
fn pick_device() -> Device {
    if cfg!(feature = "cuda") {
        match Device::cuda_if_available(0) {
            Ok(device) if device.is_cuda() => {
                tracing::info!("using CUDA device 0");
                return device;
            }
            _ => tracing::warn!("built with CUDA but no GPU is usable; running on the CPU"),
        }
    }
    Device::Cpu
}

/// The activations' dtype mistral.rs is asked for. `auto` on a CPU is
/// BF16, what mistral.rs picks there; named here because a CUDA build's own
/// pick asks `nvidia-smi`, which a machine without a GPU lacks.
fn activation_dtype(setting: ActivationDType, device: &Device) -> ModelDType {
    match setting {
        ActivationDType::Auto if device.is_cpu() => ModelDType::BF16,
        ActivationDType::Auto => ModelDType::Auto,
        ActivationDType::F32 => ModelDType::F32,
        ActivationDType::F16 => ModelDType::F16,
        ActivationDType::Bf16 => ModelDType::BF16,
    }
}

/// The file must exist and start with the GGUF magic, checked before the
/// (slow) engine start so a wrong path fails at once and clearly.
fn check_gguf(path: &Path) -> Result<(), LlmError> {
    let mut file =
        std::fs::File::open(path).map_err(|_| LlmError::ModelMissing(path.to_path_buf()))?;
    if !file.metadata().map(|m| m.is_file()).unwrap_or(false) {
        return Err(LlmError::ModelMissing(path.to_path_buf()));
    }
    let mut magic = [0u8; 4];
    match file.read_exact(&mut magic) {
        Ok(()) if &magic == b"GGUF" => Ok(()),
        _ => Err(LlmError::NotGguf(path.to_path_buf())),
    }
}

#[async_trait]
impl Engine for MistralEngine {
    fn describe(&self) -> String {
        format!("mistralrs:{} ({})", self.path.display(), self.runs_on)
    }

    async fn chat(&self, request: ChatRequest) -> Result<Completion, LlmError> {
        let mut builder = RequestBuilder::new();
        for message in &request.messages {
            let role = match message.role {
                PromptRole::System => TextMessageRole::System,
                PromptRole::User => TextMessageRole::User,
                PromptRole::Assistant => TextMessageRole::Assistant,
            };
            builder = builder.add_message(role, &message.content);
        }
        builder = builder.set_sampler_max_len(request.max_tokens.max(1) as usize);
        if let Some(schema) = &request.json_schema {
            // llguidance would otherwise allow free whitespace, which a small
            // model fills until it runs out of tokens.
            let mut schema = schema.clone();
            schema["x-guidance"] = serde_json::json!({ "whitespace_flexible": false });
            builder = builder.set_constraint(Constraint::JsonSchema(schema));
        }
        if request.temperature > 0.0 {
            // A request starts greedy (top-k 1), which would make any
            // temperature moot; top-k 0 lifts that limit.
            builder = builder
                .set_sampler_temperature(request.temperature)
                .set_sampler_topk(0)
                .set_sampler_topp(0.9);
        }
        let response = self
            .model
            .send_chat_request(builder)
            .await
            .map_err(|e| LlmError::Inference(e.to_string()))?;
        let text = response
            .choices
            .first()
            .and_then(|c| c.message.content.clone())
            .unwrap_or_default();
        let usage = response.usage;
        Ok(Completion {
            text,
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
            prompt_secs: usage.total_prompt_time_sec as f64,
            completion_secs: usage.total_completion_time_sec as f64,
        })
    }
}
