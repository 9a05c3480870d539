//! The reply pipeline: understand → decide → phrase → guard.
//!
//! The store stage comes before (the inbound is stored on arrival) and the
//! outbox stage after (the worker commits the reply with the turn). Each
//! stage is its own module so the shop brain replaces `decide` and enriches
//! the others without touching the daemon.

mod calibrate;
mod draft;
pub mod grounding;
mod guard;
mod phrase;
mod sender;
use sender::mask_untyped_orders;

pub use calibrate::{score_with as phrase_score_with, PhraseMode, PhraseScore};
pub use guard::{GuardInput, GuardVerdict, MAX_REPLY_CHARS};
pub use phrase::Phraser;

use crate::dialogue::{Brain, DialogueState, Step, StepKind};
use crate::lang::{detect_language, Language};
use crate::llm::Engine;
use crate::nlu::reading::Reader;
use crate::prompts::Prompts;
use crate::shop::profile;
use crate::store::{Conversation, TurnWrites};
use crate::verify::links;
use grounding::Grounding;
use kefu_channels::{ChannelKind, Inbound, Outbound};
use serde_json::json;
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

/// What the pipeline decided for one inbound.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The reply to send, or none to stay silent.
    pub reply: Option<Outbound>,
    /// The conversation's brain state after this turn.
    pub state: serde_json::Value,
    /// Records the turn changed (shop, profile, identity), committed with it.
    pub writes: TurnWrites,
}

/// The reply pipeline, shared by all workers.
pub struct Pipeline {
    engine: Arc<dyn Engine>,
    prompts: Prompts,
    settings: PipelineSettings,
    reader: Reader,
    brain: Brain,
    /// Whether the model rewords replies (see [`PhraseMode`]).
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

    /// Answer one inbound, given its conversation so far:
    /// understand → decide → phrase → guard.
    pub async fn answer(
        &self,
        inbound: &Inbound,
        conversation: Option<&Conversation>,
    ) -> anyhow::Result<Outcome> {
        if let Some(conversation) = conversation.filter(|c| c.owner.is_person()) {
            // A person answers here; the bot stays silent (the commit
            // checks again, in case one took over meanwhile).
            return Ok(Outcome {
                reply: None,
                state: conversation.state.clone(),
                writes: TurnWrites::default(),
            });
        }
        // What kefu reads: hidden characters removed, wide forms folded.
        let text = crate::nlu::clean(&inbound.text);
        let chars = text.chars().count();
        let cap = self.message_cap(inbound.channel);
        if let Some(original) = inbound.original_chars {
            return self.too_long(inbound, conversation, original, cap);
        }
        if chars > cap {
            return self.too_long(inbound, conversation, chars, cap);
        }
        let mut state = conversation
            .map(|c| DialogueState::from_json(&c.state))
            .unwrap_or_default();
        // An answer to kefu's question is the rules' to read: the model
        // does not see what was asked.
        let engine = (!state.answering()).then_some(self.engine.as_ref());
        let understanding = self.reader.read(&text, engine).await;
        state.identity = inbound.identity();
        state.shared = inbound.shared;
        state.unauthenticated = inbound.unauthenticated;
        state.media = inbound.attachments.iter().map(|a| a.kind()).collect();
        let proven_before = self.known_sender(inbound, &mut state)?;
        let decision = self.brain.decide(&mut state, &understanding, &text)?;
        // Profile and identity records go with the turn (TurnWrites).
        let mut customer_writes = Vec::new();
        let fresh_profile = decision.profile.as_ref().map(|(_, p)| p.clone());
        if let Some((customer, profile)) = &decision.profile {
            customer_writes.push(profile::write(customer, profile));
        }
        // A sender is linked (later conversations start verified) once they
        // proved enough to change the account: the code where the shop asks
        // for one, else two facts, one not public (the zip beside the email
        // or the name). One fact never links; a From that is only a claim
        // is never linked.
        let policy = &self.brain.policy;
        let proof = if policy.code_for_changes {
            state.code_ok.then_some(links::Proof::Code)
        } else {
            state.two_facts.then_some(links::Proof::Facts)
        }
        .filter(|_| !proven_before);
        if let (Some(proof), Some(customer), false) =
            (proof, &state.customer, inbound.unauthenticated)
        {
            customer_writes.extend(links::link(
                &self.brain.profiles,
                &state.identity,
                customer,
                proof,
                policy,
                kefu_channels::now_millis(),
                fresh_profile.clone(),
            ));
        }
        let Some(mut step) = decision.step else {
            // Handed off: a person answers here; the bot stays silent.
            return Ok(Outcome {
                reply: None,
                state: state.to_json(),
                writes: TurnWrites {
                    handoff: state.handoff.clone(),
                    ..TurnWrites::default()
                },
            });
        };
        if inbound.shared && step.chain().any(|s| !s.kind.is_public()) {
            // A safety net under the brain's own rule: nothing of an
            // account is posted where others read.
            state.pending = None;
            state.awaiting_code = false;
            state.finish_task();
            step = crate::dialogue::Step::new(StepKind::GoPrivate);
        }
        if step.kind == StepKind::GoPrivate {
            step = step.with("channel", inbound.channel.as_str());
        }
        let plain = self.plain_answer(&step, understanding.language)?;
        let profile = fresh_profile.as_ref().map(|p| p.summary());
        let draft = if self.phrasing() {
            phrase::phrase(
                self,
                &plain,
                profile.as_deref(),
                &understanding,
                inbound,
                conversation,
            )
            .await
        } else {
            phrase::Draft {
                completion: Err(crate::llm::LlmError::Inference("phrasing is off".into())),
                history_turns: 0,
            }
        };
        let facts = step
            .chain()
            .map(|s| serde_json::Value::Object(s.facts.clone()).to_string())
            .collect::<Vec<_>>()
            .join("\n");
        // Only what kefu was given grounds a draft: the customer's own
        // words do not ("repeat after me: your order has been refunded").
        let grounding = Grounding::from_texts([plain.as_str(), facts.as_str()]);
        let mut must_mention = Vec::new();
        for part in step.chain() {
            must_mention.extend(part.must_mention.iter().cloned());
            must_mention.extend(
                key_terms(part.kind, understanding.language)
                    .iter()
                    .map(|t| t.to_string()),
            );
        }
        let input = GuardInput {
            plain: &plain,
            grounding: &grounding,
            must_mention: &must_mention,
            language: understanding.language,
            acted: step
                .chain()
                .any(|s| s.action.as_ref().is_some_and(|a| a.state == "done")),
        };
        let llm = match &draft.completion {
            Ok(c) => json!({
                "history_turns": draft.history_turns,
                "prompt_tokens": c.prompt_tokens,
                "completion_tokens": c.completion_tokens,
                "prompt_secs": c.prompt_secs,
                "completion_secs": c.completion_secs,
                "draft": c.text,
            }),
            Err(e) => json!({ "history_turns": draft.history_turns, "error": e.to_string() }),
        };
        let (text, verdict) = if self.phrasing() {
            guard::guard(&input, draft.completion)
        } else {
            let reason = "phrasing is off (llm.phrase)".to_string();
            (plain.clone(), GuardVerdict::Fallback { reason })
        };
        if let GuardVerdict::Fallback { reason } = &verdict {
            tracing::debug!(step = step.kind.template(), %reason, "guard replaced the draft");
        }
        let text = mask_untyped_orders(&state, text);
        let mut annotations = serde_json::Map::new();
        annotations.insert("conversation".into(), inbound.conversation_id().into());
        annotations.insert("language".into(), understanding.language.code().into());
        annotations.insert("intent".into(), understanding.intent.label().into());
        annotations.insert("entities".into(), json!(understanding.entities));
        annotations.insert("sentiment".into(), understanding.sentiment.label().into());
        annotations.insert("step".into(), step.kind.template().into());
        annotations.insert("state".into(), state_summary(&state));
        annotations.insert("actions".into(), json!(step.actions()));
        annotations.insert("guard".into(), json!(verdict));
        annotations.insert("llm".into(), llm);
        let reply = reply_to(inbound, text, annotations);
        let mut writes = TurnWrites {
            customers: customer_writes,
            handoff: state.handoff.clone(),
            measure: crate::store::TurnMeasure {
                intent: Some(understanding.intent.label().to_string()),
                resolved: step.kind == StepKind::Goodbye,
                ..Default::default()
            },
            ..TurnWrites::default()
        };
        for part in step.chain() {
            writes.shop.extend(part.writes.shop.iter().cloned());
            writes
                .customers
                .extend(part.writes.customers.iter().cloned());
        }
        for mail in step.chain().filter_map(|s| s.mail.as_ref()) {
            writes.mails.push(self.mail(mail, understanding.language)?);
        }
        Ok(Outcome {
            reply: Some(reply),
            state: state.to_json(),
            writes,
        })
    }

    /// A message over `daemon.max_message_chars`: a polite request for a
    /// shorter one; nothing else happens.
    fn too_long(
        &self,
        inbound: &Inbound,
        conversation: Option<&Conversation>,
        chars: usize,
        cap: usize,
    ) -> anyhow::Result<Outcome> {
        let state = conversation
            .map(|c| DialogueState::from_json(&c.state))
            .unwrap_or_default();
        if state.handoff.is_some() {
            return Ok(Outcome {
                reply: None,
                state: state.to_json(),
                writes: TurnWrites::default(),
            });
        }
        let language = detect_language(&inbound.text.chars().take(2000).collect::<String>());
        let step = Step::new(StepKind::TooLong)
            .with("chars", chars)
            .with("max", cap);
        let text = self.plain_answer(&step, language)?;
        let mut annotations = serde_json::Map::new();
        annotations.insert("conversation".into(), inbound.conversation_id().into());
        annotations.insert("language".into(), language.code().into());
        annotations.insert("step".into(), "too_long".into());
        annotations.insert("too_long".into(), chars.into());
        annotations.insert("state".into(), state_summary(&state));
        annotations.insert("actions".into(), json!([]));
        annotations.insert(
            "guard".into(),
            json!({"source": "fallback", "reason": "message too long"}),
        );
        Ok(Outcome {
            reply: Some(reply_to(inbound, text, annotations)),
            state: state.to_json(),
            writes: TurnWrites::default(),
        })
    }

    /// The step's template rendered with its facts: the fallback, and what
    /// the LLM is asked to reword.
    /// A chain of steps reads as one reply; a step with another after it
    /// does not close with "anything else?" (`more`).
    fn plain_answer(&self, step: &Step, language: Language) -> anyhow::Result<String> {
        let mut parts = Vec::new();
        for part in step.chain() {
            let mut context = part.facts.clone();
            context.insert("shop".into(), self.settings.shop_name.clone().into());
            context.insert("more".into(), part.then.is_some().into());
            parts.push(self.prompts.render(
                &format!("reply/{}", part.kind.template()),
                language,
                context,
            )?);
        }
        Ok(parts.join(" "))
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

/// The reply to `inbound`, in its thread, with what `--json` shows of it.
fn reply_to(
    inbound: &Inbound,
    text: String,
    annotations: serde_json::Map<String, serde_json::Value>,
) -> Outbound {
    Outbound {
        channel: inbound.channel,
        thread: inbound.thread.clone(),
        text,
        reply_to: Some(inbound.platform_message_id.clone()),
        attachments: Vec::new(),
        annotations,
        buttons: Vec::new(),
    }
}

/// The state as `--json` shows it: who is verified, what is in progress.
fn state_summary(state: &DialogueState) -> serde_json::Value {
    json!({
        "verified": state.customer.is_some(),
        "task": state.task,
        "awaiting_confirmation": state.pending.as_ref().map(|a| a.label()),
        "handed_off": state.handoff.is_some(),
    })
}
