//! The dialogue's view of the shop ([`Brain`]) and the step every flow can
//! end in, a hand-off. The flows (`flows`, `tasks`, `proof`) each extend
//! `Brain` in their own module and depend on this one, not on each other.

use super::step::{Step, StepKind};
use super::DialogueState;
use crate::knowledge::Knowledge;
use crate::shop::Shop;
use std::sync::Arc;

/// The dialogue's view of the shop and its knowledge.
#[derive(Clone)]
pub struct Brain {
    /// The shop's records.
    pub shop: Shop,
    /// The knowledge graph.
    pub knowledge: Arc<Knowledge>,
    /// Profiles, links, codes and failed attempts (`customers` tree).
    pub profiles: crate::store::Customers,
    /// How customers prove who they are (`[verify]`).
    pub policy: crate::verify::VerifyPolicy,
}

/// Hand the conversation to a person.
pub fn handoff(state: &mut DialogueState, reason: &str) -> Step {
    state.handoff = Some(reason.to_string());
    state.finish_task();
    Step::new(StepKind::Handoff).with("reason", reason)
}
