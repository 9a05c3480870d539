//! The reply pipeline: understand → decide → phrase → guard.
//!
//! The store stage comes before (the inbound is stored on arrival) and the
//! outbox stage after (the worker commits the reply with the turn). Each
//! stage is its own module so the shop brain replaces `decide` and enriches
//! the others without touching the daemon.

mod annotations;
mod answer;
mod calibrate;
mod draft;
pub mod grounding;
mod guard;
mod outcome;
mod phrase;
mod sender;
mod verdict;

pub use annotations::{Annotations, ModelCall, StateSummary};
pub use calibrate::{score_with as phrase_score_with, PhraseScore};
pub use guard::{GuardInput, MAX_REPLY_CHARS};
pub use outcome::{Outcome, Reply};
pub use phrase::Phraser;
pub use verdict::{GuardReason, GuardVerdict};

use crate::dialogue::{Brain, StepKind};
use crate::lang::Language;
use crate::llm::Engine;
use crate::nlu::reading::Reader;
use crate::prompts::Prompts;
use kefu_channels::ChannelKind;
use std::sync::Arc;

/// Settings the pipeline needs.
#[derive(Debug, Clone)]
pub struct PipelineSettings {
    /// The shop's name for prompts.
    pub shop_name: String,
    /// Most tokens per reply.
    pub max_tokens: u32,
    /// Sampling temperature.
    pub temperature: f64,
    /// Earlier turns carried in the prompt.
    pub history_turns: usize,
    /// An email's sender address verifies the customer (`email.verify_sender`).
    pub email_verifies_sender: bool,
    /// Longest message read, in characters, per channel
    /// (`daemon.max_message_chars`, `daemon.message_caps`).
    pub message_caps: MessageCaps,
}

/// The longest message read on each channel.
#[derive(Debug, Clone)]
pub struct MessageCaps {
    /// For channels without their own cap.
    pub default: usize,
    /// Per channel.
    pub by_channel: std::collections::HashMap<ChannelKind, usize>,
}

impl MessageCaps {
    /// The cap of `channel`.
    pub fn of(&self, channel: ChannelKind) -> usize {
        self.by_channel
            .get(&channel)
            .copied()
            .unwrap_or(self.default)
    }
}

/// The reply pipeline, shared by all workers.
pub struct Pipeline {
    engine: Arc<dyn Engine>,
    prompts: Prompts,
    settings: PipelineSettings,
    reader: Reader,
    brain: Brain,
    /// Whether the model rewords replies (see [`crate::config::PhraseMode`]).
    phrasing: std::sync::atomic::AtomicBool,
}

impl Pipeline {
    /// A pipeline over an engine, templates, the readers and the shop brain.
    pub fn new(
        engine: Arc<dyn Engine>,
        prompts: Prompts,
        settings: PipelineSettings,
        reader: Reader,
        brain: Brain,
    ) -> Self {
        Self {
            engine,
            prompts,
            settings,
            reader,
            brain,
            phrasing: std::sync::atomic::AtomicBool::new(true),
        }
    }

    /// Let the model phrase replies, or answer from the templates alone.
    /// (Decided at start, or later by the background phrasing score.)
    pub fn set_phrasing(&self, on: bool) {
        self.phrasing
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    fn phrasing(&self) -> bool {
        self.phrasing.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// What rewording with this pipeline's engine and templates needs.
    pub(super) fn phraser(&self) -> Phraser<'_> {
        Phraser {
            engine: self.engine.as_ref(),
            prompts: &self.prompts,
            shop_name: &self.settings.shop_name,
            max_tokens: self.settings.max_tokens,
            temperature: self.settings.temperature,
        }
    }

    /// Run the model over the calibration steps through the guard.
    pub async fn phrase_score(&self) -> PhraseScore {
        calibrate::score(self).await
    }

    /// The longest message read on `channel`.
    pub fn message_cap(&self, channel: ChannelKind) -> usize {
        self.settings.message_caps.of(channel)
    }

    /// The templates (the satisfaction survey renders its own).
    pub fn prompts(&self) -> &Prompts {
        &self.prompts
    }

    /// The readers and their router.
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// The engine, for benchmarks and diagnostics.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.engine
    }
}

/// Words a reply of this kind must contain to do its job: a question for
/// an email must mention the email, a confirmation must ask for a yes.
/// (Drafts that drift off the point fall back to the plain answer.)
pub(crate) fn key_terms(kind: StepKind, language: Language) -> &'static [&'static str] {
    match (kind, language) {
        (StepKind::AskIdentity, Language::En) => &["email", "zip"],
        (StepKind::AskIdentity, Language::Zh) => &["邮箱", "邮编"],
        (StepKind::IdentityFailed, Language::En) => &["email"],
        (StepKind::IdentityFailed, Language::Zh) => &["邮箱"],
        (StepKind::AskReason, Language::En) => &["no longer needed", "mistake"],
        (StepKind::AskReason, Language::Zh) => &["不再需要", "下错"],
        (StepKind::AskAddress, Language::En) => &["address"],
        (StepKind::AskAddress, Language::Zh) => &["地址"],
        (StepKind::AskPayment, Language::En) => &["payment"],
        (StepKind::AskPayment, Language::Zh) => &["支付"],
        (StepKind::Confirm | StepKind::Quote, Language::En) => &["yes"],
        (StepKind::Confirm | StepKind::Quote, Language::Zh) => &["是"],
        (StepKind::Handoff, Language::En) => &["colleague"],
        (StepKind::Handoff, Language::Zh) => &["人工"],
        _ => &[],
    }
}
