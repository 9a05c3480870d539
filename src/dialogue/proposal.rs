//! A request's action proposed, executed, declined or refused: the
//! proposal says what will change and asks for a yes; only a yes runs it,
//! under the shop's policy. Extends [`Brain`] beside the task list.

use super::brain::Brain;
use super::request::RequestKind;
use super::step::{ActionRecord, ActionState, Step, StepKind};
use super::DialogueState;
use crate::shop::{actions, Action, Order, Refusal};
use crate::store::StoreError;

impl Brain {
    /// Plan an action; propose it for confirmation or refuse it.
    pub(super) fn propose(
        &self,
        state: &mut DialogueState,
        customer: &str,
        action: Action,
        lines: Vec<String>,
    ) -> Result<Step, StoreError> {
        match actions::plan(&self.shop, customer, &action)? {
            // A claimed From confirms with the code itself (below).
            Ok(planned) if state.unauthenticated => {
                state.pending = Some(action.clone());
                let step = Step::new(StepKind::Confirm)
                    .with("action", &action)
                    .with("result", &planned.result)
                    .with("lines", &lines);
                self.confirm_by_code(state, step)
            }
            // Every action changes the account: the code comes first.
            Ok(_) if self.needs_code(state) => self.ask_code(state),
            Ok(_) if self.needs_second_fact(state, &action) => {
                match self.prove_second_fact(state, &action)? {
                    // Asked three times (the order number, the zip twice):
                    // said to be unresolved, and the next request follows.
                    Some(step) if step.kind == StepKind::AskZip && state.fact_asks > 3 => {
                        state.fact_asks = 0;
                        let text = state.tasks.first().map(|t| t.text.trim().to_string());
                        self.finish_head(state);
                        let next = self.next_task(state, 1)?;
                        Ok(Step::new(StepKind::Unresolved)
                            .with("request", text)
                            .with("need", "ask_zip")
                            .followed_by(next))
                    }
                    Some(step) => Ok(step),
                    None => self.propose(state, customer, action, lines),
                }
            }
            Ok(planned) => {
                state.pending = Some(action.clone());
                state.focus = action.order_id().map(str::to_string);
                // Only asked what it would do: the same figures, said as
                // an answer; a yes still makes it so.
                let kind = if state.tasks.first().is_some_and(|t| t.hypothetical) {
                    StepKind::Quote
                } else {
                    StepKind::Confirm
                };
                let mut step = Step::new(kind)
                    .with("action", &action)
                    .with("result", &planned.result)
                    .with("lines", &lines);
                if let Some(id) = action.order_id() {
                    step = step.mention(id);
                }
                step.action = Some(ActionRecord {
                    action: action.label().into(),
                    state: ActionState::Proposed,
                    result: Some(planned.result),
                    refusal: None,
                });
                Ok(step)
            }
            Err(refusal) => {
                self.finish_head(state);
                let step = refused(&action, refusal);
                let next = self.next_task(state, 1)?;
                Ok(step.followed_by(next))
            }
        }
    }

    /// Run a confirmed action, re-planned against the records as they are
    /// now (a change since the proposal is caught), then go on with the
    /// next request.
    pub(super) fn execute(
        &self,
        state: &mut DialogueState,
        action: Action,
    ) -> Result<Step, StoreError> {
        let customer = state.customer.clone().unwrap_or_default();
        let planned = actions::plan(&self.shop, &customer, &action)?;
        self.finish_head(state);
        let step = match planned {
            Ok(planned) => {
                let back = planned.result.refund.filter(|r| *r > 0.0).or(planned
                    .result
                    .price_difference
                    .filter(|d| *d < 0.0)
                    .map(|d| -d));
                if let (Some(amount), Some(order_id)) = (back, &planned.result.order_id) {
                    state.refunds.push(super::state::Refunded {
                        order_id: order_id.clone(),
                        amount,
                    });
                }
                let mut step = Step::new(StepKind::Done)
                    .with("action", &action)
                    .with("result", &planned.result);
                if let (Some(id), Some(status)) = (&planned.result.order_id, &planned.result.status)
                {
                    step = step.mention(id.clone()).mention(status.clone());
                }
                step.action = Some(ActionRecord {
                    action: action.label().into(),
                    state: ActionState::Done,
                    result: Some(planned.result),
                    refusal: None,
                });
                step.writes.shop = planned.writes;
                step
            }
            Err(refusal) => refused(&action, refusal),
        };
        // The next request is planned on the records as this action leaves
        // them (committed with this turn's reply): a refund just made to
        // the gift card can pay for it, an order just changed is seen so.
        let next = if step.writes.shop.is_empty() {
            self.next_task(state, 1)?
        } else {
            let after = Brain {
                shop: self.shop.with_writes(&step.writes.shop),
                ..self.clone()
            };
            after.next_task(state, 1)?
        };
        let next = match next {
            None if state.owes_refund_total && !state.refunds.is_empty() => {
                Some(super::flows::refunds_step(state))
            }
            next => next,
        };
        Ok(step.followed_by(next))
    }

    /// Decline the proposal: this request is dropped, the next follows.
    pub(super) fn decline(
        &self,
        state: &mut DialogueState,
        action: &Action,
    ) -> Result<Step, StoreError> {
        self.finish_head(state);
        let mut step = Step::new(StepKind::Declined);
        step.action = Some(ActionRecord {
            action: action.label().into(),
            state: ActionState::Declined,
            result: None,
            refusal: None,
        });
        let next = self.next_task(state, 1)?;
        Ok(step.followed_by(next))
    }

    pub(super) fn refuse_status(
        &self,
        state: &DialogueState,
        kind: RequestKind,
        order: &Order,
        allowed: &str,
    ) -> Step {
        let action = match kind {
            RequestKind::Cancel => "cancel",
            RequestKind::Return => "return",
            RequestKind::Exchange => "exchange",
            _ => "modify",
        };
        let refusal = Refusal::WrongStatus {
            order_id: order.order_id.clone(),
            status: order.status.clone(),
            allowed: allowed.into(),
        };
        let clause = self
            .knowledge
            .clause_for(action, state.language.unwrap_or_default());
        let mut step = refused_plain(refusal.clone()).with("policy", clause.map(|c| c.0));
        step.action = Some(ActionRecord {
            action: action.into(),
            state: ActionState::Refused,
            result: None,
            refusal: Some(refusal),
        });
        step
    }
}

/// A refusal step for an action.
pub(super) fn refused(action: &Action, refusal: Refusal) -> Step {
    let mut step = refused_plain(refusal.clone());
    step.action = Some(ActionRecord {
        action: action.label().into(),
        state: ActionState::Refused,
        result: None,
        refusal: Some(refusal),
    });
    step
}

/// A refusal names what it refuses: the order and, for a wrong state, the
/// state (a reworded refusal without them would not say why).
pub(super) fn refused_plain(refusal: Refusal) -> Step {
    let mut step = Step::new(StepKind::Refused)
        .with("refusal", &refusal)
        .with("reason", refusal.to_string());
    match &refusal {
        Refusal::WrongStatus {
            order_id, status, ..
        } => step = step.mention(order_id).mention(status.as_str()),
        Refusal::NotYourOrder { order_id } | Refusal::ItemNotInOrder { order_id, .. } => {
            step = step.mention(order_id)
        }
        _ => {}
    }
    step
}
