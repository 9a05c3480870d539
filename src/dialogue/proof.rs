//! Who the customer is: verification from a claimed email or name + zip
//! (enough to read an order, as the shop's policy allows), and, where the
//! shop asks for it (`verify.code_for_changes`), a one-time code mailed to
//! the account's email before anything changes; where no code can be
//! mailed, a second fact that is not public (the account's zip) beside the
//! email. Failed attempts and codes
//! are counted per sender and per customer over every conversation.

use super::brain::{handoff, Brain};
use super::step::{Mail, Step, StepKind};
use super::DialogueState;
use crate::shop::Action;
use crate::store::StoreError;
use crate::verify::{codes, failures};
use kefu_channels::now_millis;

/// Failed verifications in one conversation before a person takes over
/// (policy P2.4); the daily count over all of them is
/// `verify.max_failures_per_day`.
pub const MAX_VERIFY_FAILURES: u32 = 2;

impl Brain {
    /// Verify the customer from the claimed email or name + zip. `None`:
    /// verified now or before; `Some(step)`: what to say instead.
    pub(super) fn verify(&self, state: &mut DialogueState) -> Result<Option<Step>, StoreError> {
        if state.customer.is_some() {
            return Ok(None);
        }
        let now = now_millis();
        let max = self.policy.max_failures_per_day as usize;
        let mut keys = vec![failures::sender_key(&state.identity)];
        if failures::count(&self.profiles, &keys, now) >= max {
            // Guessing across threads: no more tries today, even right ones.
            return Ok(Some(handoff(state, "too many failed verifications today")));
        }
        let name_key = state.slots.name.as_deref().and_then(failures::name_key);
        // A name guessed at too often today is not checked against a zip
        // (the customer can still give their email).
        let name_spent = name_key.as_ref().is_some_and(|key| {
            failures::count(&self.profiles, std::slice::from_ref(key), now) >= max
        });
        keys.extend(name_key);
        let mut attempted = false;
        let emails: Vec<String> = state
            .slots
            .email
            .take()
            .into_iter()
            .chain(std::mem::take(&mut state.slots.more_emails))
            .collect();
        for email in emails {
            attempted = true;
            if let Some(id) = self.shop.user_id_by_email(&email)? {
                // The zip said beside the email makes the second fact.
                if let Some(zip) = state.slots.zip.take() {
                    state.two_facts = self.zip_matches(&id, &zip)?;
                }
                state.customer = Some(id);
                return Ok(None);
            }
        }
        if let (Some(name), Some(zip), false) = (
            state.slots.name.clone(),
            state.slots.zip.clone(),
            name_spent,
        ) {
            attempted = true;
            state.slots.name = None;
            state.slots.zip = None;
            let mut parts = name.split_whitespace();
            if let (Some(first), Some(last)) = (parts.next(), parts.next_back()) {
                let found = self.shop.user_ids_by_name_zip(first, last, &zip)?;
                if found.len() == 1 {
                    state.customer = found.into_iter().next();
                    state.two_facts = true;
                    return Ok(None);
                }
            }
        }
        if name_spent && !attempted {
            state.slots.name = None;
            state.slots.zip = None;
            return Ok(Some(Step::new(StepKind::IdentityFailed)));
        }
        if !attempted {
            return Ok(Some(Step::new(StepKind::AskIdentity)));
        }
        let recorded = failures::record(&self.profiles, &keys, now);
        state.verify_failures += 1;
        let mut step = if state.verify_failures >= MAX_VERIFY_FAILURES {
            handoff(state, "verification failed twice")
        } else {
            Step::new(StepKind::IdentityFailed)
        };
        step.writes.customers.extend(recorded);
        Ok(Some(step))
    }

    /// Whether a change needs a code first: the shop asks for one and this
    /// conversation has not given it.
    pub(super) fn needs_code(&self, state: &DialogueState) -> bool {
        self.policy.code_for_changes && !state.code_ok
    }

    /// Whether a change needs a second fact first: the shop mails no code,
    /// and the customer proved only a public fact (their email), and no
    /// purchase they told proves them for this `action`.
    pub(super) fn needs_second_fact(&self, state: &DialogueState, action: &Action) -> bool {
        !self.policy.code_for_changes
            && !state.code_ok
            && !state.two_facts
            && !state.told.proves(action)
    }

    /// The second fact before a change (`None`: given, go ahead): the
    /// account's zip, or one of its order numbers the customer typed (kefu
    /// shows an unproven customer only masked numbers, `…68`, so a
    /// typed one is known, not read off a reply), or for `action` a
    /// purchase they told (`super::purchase`); else ask for it, the order
    /// number first. A wrong zip counts as a failed verification, as a
    /// wrong name + zip does.
    pub(super) fn prove_second_fact(
        &self,
        state: &mut DialogueState,
        action: &Action,
    ) -> Result<Option<Step>, StoreError> {
        let customer = state.customer.clone().unwrap_or_default();
        let now = now_millis();
        let Some(zip) = state.slots.zip.take() else {
            for id in &state.typed_orders {
                if self.shop.order(id)?.is_some_and(|o| o.user_id == customer) {
                    state.two_facts = true;
                    return Ok(None);
                }
            }
            let (proved, guessed) = self.prove_by_purchase(state, action)?;
            if proved {
                return Ok(None);
            }
            state.fact_asks += 1;
            let mut step = Step::new(StepKind::AskZip).with("order_first", state.fact_asks == 1);
            step.writes.customers.extend(guessed);
            return Ok(Some(step));
        };
        let keys = [
            failures::sender_key(&state.identity),
            failures::customer_key(&customer),
        ];
        if failures::count(&self.profiles, &keys, now) >= self.policy.max_failures_per_day as usize
        {
            // Guessing at this account's zip: no more tries today.
            return Ok(Some(handoff(state, "too many failed verifications today")));
        }
        if self.zip_matches(&customer, &zip)? {
            state.two_facts = true;
            return Ok(None);
        }
        let recorded = failures::record(&self.profiles, &keys, now);
        state.verify_failures += 1;
        let mut step = if state.verify_failures >= MAX_VERIFY_FAILURES {
            handoff(state, "verification failed twice")
        } else {
            Step::new(StepKind::AskZip).with("wrong", true)
        };
        step.writes.customers.extend(recorded);
        Ok(Some(step))
    }

    /// Whether `zip` is the zip of the customer's own address.
    fn zip_matches(&self, customer: &str, zip: &str) -> Result<bool, StoreError> {
        Ok(self
            .shop
            .user(customer)?
            .is_some_and(|user| user.address.zip.trim() == zip.trim()))
    }

    /// Whether this conversation's customer has a valid code out (mailed
    /// from any conversation: the code may be typed in any channel).
    pub(super) fn code_outstanding(&self, state: &DialogueState) -> bool {
        state.customer.as_deref().is_some_and(|customer| {
            self.policy.code_for_changes
                && !state.code_ok
                && codes::outstanding(&self.profiles, customer, &self.policy, now_millis())
        })
    }

    /// Ask for the code before a change, mailing one unless a valid one is
    /// already out.
    pub(super) fn ask_code(&self, state: &mut DialogueState) -> Result<Step, StoreError> {
        self.with_code(state, Step::new(StepKind::AskCode))
    }

    /// A proposal made to a mail whose From is only a claim: the code
    /// mailed to the account confirms it, never a yes (anyone who knows
    /// the thread can write "yes" under the customer's address).
    pub(super) fn confirm_by_code(
        &self,
        state: &mut DialogueState,
        step: Step,
    ) -> Result<Step, StoreError> {
        self.with_code(state, step.with("by_code", true))
    }

    /// `step`, awaiting the code: one is mailed to the account unless a
    /// valid one is already out (`again`).
    fn with_code(&self, state: &mut DialogueState, step: Step) -> Result<Step, StoreError> {
        let customer = state.customer.clone().unwrap_or_default();
        let Some(user) = self.shop.user(&customer)? else {
            return Ok(Step::new(StepKind::IdentityFailed));
        };
        let now = now_millis();
        state.awaiting_code = true;
        let step = step
            .with("email", codes::mask(&user.email))
            .with("minutes", self.policy.code_minutes);
        if codes::outstanding(&self.profiles, &customer, &self.policy, now) {
            return Ok(step.with("again", true));
        }
        self.mail_code(state, step, &customer, &user.email, now)
    }

    /// Mail a new code with `step`, or hand off when the day's codes are
    /// used up.
    fn mail_code(
        &self,
        state: &mut DialogueState,
        mut step: Step,
        customer: &str,
        email: &str,
        now: u64,
    ) -> Result<Step, StoreError> {
        let Some((code, write)) = codes::issue(&self.profiles, customer, &self.policy, now) else {
            state.awaiting_code = false;
            return Ok(handoff(state, "too many verification codes today"));
        };
        step.writes.customers.push(write);
        step.mail = Some(Mail {
            to: email.to_string(),
            template: "mail/code",
            facts: serde_json::json!({ "code": code, "minutes": self.policy.code_minutes }),
        });
        Ok(step)
    }

    /// A message while a code is awaited: check the code in it. `None`: no
    /// code in it, the message is read as any other.
    pub(super) fn take_code(
        &self,
        state: &mut DialogueState,
        text: &str,
    ) -> Result<Option<Step>, StoreError> {
        let (Some(typed), Some(customer)) = (codes::find(text), state.customer.clone()) else {
            return Ok(None);
        };
        let now = now_millis();
        let (verdict, writes) = codes::check(&self.profiles, &customer, &typed, &self.policy, now);
        let mut step = match verdict {
            codes::Check::Right => {
                state.awaiting_code = false;
                state.code_ok = true;
                match state.pending.clone() {
                    // The code was the confirmation of a claimed From.
                    Some(action) if state.unauthenticated => self.execute(state, action)?,
                    _ => self.task_flow(state)?,
                }
            }
            codes::Check::Wrong { left } if left > 0 => {
                Step::new(StepKind::CodeWrong).with("left", left)
            }
            codes::Check::Wrong { .. } | codes::Check::Void => {
                state.awaiting_code = false;
                handoff(state, "the verification code was wrong too many times")
            }
            codes::Check::Expired => {
                let email = self.shop.user(&customer)?.map(|u| u.email);
                let step = Step::new(StepKind::CodeExpired)
                    .with("email", codes::mask(email.as_deref().unwrap_or("")))
                    .with("minutes", self.policy.code_minutes);
                self.mail_code(state, step, &customer, email.as_deref().unwrap_or(""), now)?
            }
        };
        step.writes.customers.splice(0..0, writes);
        Ok(Some(step))
    }
}
