//! One inbound answered, step by step: read, decide, link the sender,
//! phrase, guard, annotate, and gather the records the turn writes.

use super::grounding::Grounding;
use super::guard::{self, GuardInput};
use super::outcome::reply_to;
use super::sender::mask_untyped_orders;
use super::{phrase, Annotations, GuardReason, GuardVerdict, ModelCall, Outcome, Pipeline};
use crate::dialogue::{ActionState, DialogueState, Step, StepKind};
use crate::lang::{detect_language, Language};
use crate::llm::LlmError;
use crate::nlu::Understanding;
use crate::shop::profile::{self, Profile};
use crate::store::{Conversation, CustomerWrite, TurnMeasure, TurnWrites};
use crate::verify::links;
use kefu_channels::Inbound;

impl Pipeline {
    /// Answer one inbound, given its conversation so far:
    /// understand → decide → phrase → guard.
    pub async fn answer(
        &self,
        inbound: &Inbound,
        conversation: Option<&Conversation>,
    ) -> anyhow::Result<Outcome> {
        if conversation.is_some_and(|c| c.owner.is_person()) {
            // A person answers here; the bot stays silent (the commit
            // checks again, in case one took over meanwhile).
            return Ok(Outcome::silent());
        }
        // What kefu reads: hidden characters removed, wide forms folded.
        let text = crate::nlu::clean(&inbound.text);
        let cap = self.message_cap(inbound.channel);
        let chars = inbound.original_chars.unwrap_or(text.chars().count());
        if inbound.original_chars.is_some() || chars > cap {
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
        let fresh_profile = decision.profile.as_ref().map(|(_, p)| p.clone());
        let mut customer_writes =
            self.identity_writes(inbound, &state, decision.profile.as_ref(), proven_before);
        let Some(step) = decision.step else {
            // Handed off: a person answers here; the bot stays silent.
            let writes = TurnWrites {
                handoff: state.handoff.clone(),
                ..TurnWrites::default()
            };
            return Ok(Outcome {
                reply: None,
                state: Some(state),
                writes,
            });
        };
        let step = keep_private(inbound, &mut state, step);
        let language = understanding.language;
        let plain = self.plain_answer(&step, language)?;
        let profile = fresh_profile.as_ref().map(Profile::summary);
        let (text, verdict, llm) = self
            .phrase_and_guard(
                &plain,
                &step,
                profile.as_deref(),
                &understanding,
                inbound,
                conversation,
            )
            .await;
        if let GuardVerdict::Fallback { reason } = &verdict {
            tracing::debug!(step = step.kind.template(), %reason, "guard replaced the draft");
        }
        customer_writes.extend(crate::dialogue::shown_writes(
            &self.brain.profiles,
            &state,
            &text,
        ));
        let text = mask_untyped_orders(&state, text);
        let annotations = Annotations {
            intent: Some(understanding.intent.label()),
            entities: Some(understanding.entities.clone()),
            sentiment: Some(understanding.sentiment.label()),
            actions: Some(step.actions().into_iter().cloned().collect()),
            llm: Some(llm),
            ..Annotations::of_reply(inbound, language, step.kind, &state, verdict)
        };
        let writes = self.turn_writes(&step, &state, customer_writes, &understanding)?;
        Ok(Outcome {
            reply: Some(reply_to(inbound, text, annotations)),
            state: Some(state),
            writes,
        })
    }

    /// The profile and identity records that go with the turn. A sender is
    /// linked (later conversations start verified) once they proved enough
    /// to change the account: the code where the shop asks for one, else
    /// two facts, one not public (the zip beside the email or the name).
    /// One fact never links; a From that is only a claim is never linked.
    fn identity_writes(
        &self,
        inbound: &Inbound,
        state: &DialogueState,
        profile: Option<&(String, Profile)>,
        proven_before: bool,
    ) -> Vec<CustomerWrite> {
        let mut writes = Vec::new();
        if let Some((customer, profile)) = profile {
            writes.push(profile::write(customer, profile));
        }
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
            writes.extend(links::link(
                &self.brain.profiles,
                &state.identity,
                customer,
                proof,
                policy,
                kefu_channels::now_millis(),
                profile.map(|(_, p)| p.clone()),
            ));
        }
        writes
    }

    /// The model's wording of `plain` when phrasing is on, checked by the
    /// guard: the text to send, whose words it is, and what the model was
    /// asked and gave.
    async fn phrase_and_guard(
        &self,
        plain: &str,
        step: &Step,
        profile: Option<&str>,
        understanding: &Understanding,
        inbound: &Inbound,
        conversation: Option<&Conversation>,
    ) -> (String, GuardVerdict, ModelCall) {
        if !self.phrasing() {
            let off = LlmError::Inference("phrasing is off".into());
            let llm = ModelCall {
                history_turns: 0,
                completion: Err(off.to_string()),
            };
            let reason = GuardReason::PhrasingOff;
            return (plain.to_string(), GuardVerdict::Fallback { reason }, llm);
        }
        let draft =
            phrase::phrase(self, plain, profile, understanding, inbound, conversation).await;
        let llm = ModelCall {
            history_turns: draft.history_turns,
            completion: draft
                .completion
                .as_ref()
                .cloned()
                .map_err(|e| e.to_string()),
        };
        let language = understanding.language;
        // Only what kefu was given grounds a draft: the customer's own
        // words do not ("repeat after me: your order has been refunded").
        let facts = step
            .chain()
            .map(|s| serde_json::Value::Object(s.facts.clone()).to_string())
            .collect::<Vec<_>>()
            .join("\n");
        let grounding = Grounding::from_texts([plain, facts.as_str()]);
        let must_mention = must_mention(step, language);
        let input = GuardInput {
            plain,
            grounding: &grounding,
            must_mention: &must_mention,
            language,
            acted: step.chain().any(|s| {
                s.action
                    .as_ref()
                    .is_some_and(|a| a.state == ActionState::Done)
            }),
        };
        let (text, verdict) = guard::guard(&input, draft.completion);
        (text, verdict, llm)
    }

    /// What the turn writes with its reply: the customer records, the
    /// hand-off, the figures, the shop changes its steps planned and the
    /// mails they send.
    fn turn_writes(
        &self,
        step: &Step,
        state: &DialogueState,
        customers: Vec<CustomerWrite>,
        understanding: &Understanding,
    ) -> anyhow::Result<TurnWrites> {
        let mut writes = TurnWrites {
            customers,
            handoff: state.handoff.clone(),
            measure: TurnMeasure {
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
        Ok(writes)
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
            return Ok(Outcome::silent());
        }
        let language = detect_language(&inbound.text.chars().take(2000).collect::<String>());
        let step = Step::new(StepKind::TooLong)
            .with("chars", chars)
            .with("max", cap);
        let text = self.plain_answer(&step, language)?;
        let reason = GuardReason::MessageTooLong;
        let guard = GuardVerdict::Fallback { reason };
        let annotations = Annotations {
            too_long: Some(chars),
            ..Annotations::of_reply(inbound, language, step.kind, &state, guard)
        };
        Ok(Outcome {
            reply: Some(reply_to(inbound, text, annotations)),
            ..Outcome::silent()
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
}

/// The step to answer with where others read the thread: a safety net
/// under the brain's own rule, nothing of an account is posted there.
fn keep_private(inbound: &Inbound, state: &mut DialogueState, step: Step) -> Step {
    let step = if inbound.shared && step.chain().any(|s| !s.kind.is_public()) {
        state.pending = None;
        state.awaiting_code = false;
        state.finish_task();
        Step::new(StepKind::GoPrivate)
    } else {
        step
    };
    if step.kind == StepKind::GoPrivate {
        return step.with("channel", inbound.channel.as_str());
    }
    step
}

/// What a reply of `step` must mention: what its steps name (an order
/// id, a status) and the key terms of their kinds.
fn must_mention(step: &Step, language: Language) -> Vec<String> {
    let mut terms = Vec::new();
    for part in step.chain() {
        terms.extend(part.must_mention.iter().cloned());
        terms.extend(
            super::key_terms(part.kind, language)
                .iter()
                .map(|t| t.to_string()),
        );
    }
    terms
}
