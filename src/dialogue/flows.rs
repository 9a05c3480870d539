//! Routing a message: hand-off, pending confirmation, verification, then
//! the order requests ([`super::tasks`]) or the information flows
//! (`super::info`: greeting, FAQ, products, recommendations); proofs of
//! identity in [`super::proof`]. Each extends [`Brain`] (`super::brain`).

use super::brain::{handoff, Brain};
use super::confirm::{self, Answer};
use super::request::RequestKind;
use super::step::{Step, StepKind};
use super::DialogueState;
use crate::nlu::reading::{Source, Topic};
use crate::nlu::{parse_address, Intent, Sentiment, Understanding};
use crate::shop::profile;
use crate::store::StoreError;

/// Whether `text` asks for the balance of the customer's gift card.
fn asks_balance(text: &str) -> bool {
    let lower = text.to_lowercase();
    (lower.contains("balance") && (lower.contains("gift card") || lower.contains("gift-card")))
        || (lower.contains("余额") && lower.contains("礼品卡"))
}

/// Whether `text` asks how much the customer gets back ("the total amount
/// refunded", "how much will I get back", "一共退多少").
/// "In total $X is refunded: …", from what this conversation did.
pub(super) fn refunds_step(state: &mut DialogueState) -> Step {
    state.owes_refund_total = false;
    let total: f64 = state.refunds.iter().map(|r| r.amount).sum();
    Step::new(StepKind::Refunds)
        .with("refunds", &state.refunds)
        .with("total", total)
}

pub(super) fn asks_refund_total(text: &str) -> bool {
    let lower = text.to_lowercase();
    let how_much = [
        "how much",
        "total",
        "altogether",
        "in all",
        "amount",
        "一共",
        "总共",
        "多少",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let back = [
        "refund",
        "get back",
        "come back",
        "comes back",
        "money back",
        "退款",
        "退回",
        "退多少",
    ]
    .iter()
    .any(|w| lower.contains(w));
    how_much && back
}

/// Intents that act on a customer's account.
pub fn is_task(intent: Intent) -> bool {
    intent.is_order()
}

impl Brain {
    /// The verified customer's gift-card balances, as the shop has them now.
    fn balance_step(&self, state: &DialogueState) -> Result<Option<Step>, StoreError> {
        let customer = state.customer.clone().unwrap_or_default();
        let Some(user) = self.shop.user(&customer)? else {
            return Ok(None);
        };
        let balances: Vec<f64> = user
            .payment_methods
            .values()
            .filter(|m| m.source == crate::shop::PaymentSource::GiftCard)
            .filter_map(|m| m.balance)
            .collect();
        Ok(Some(
            Step::new(StepKind::Balance).with("balances", balances),
        ))
    }

    /// Decide the next step for a message; `state` is updated in place.
    /// Nothing is written: the decision carries its writes, which the
    /// caller commits with the turn.
    pub fn decide(
        &self,
        state: &mut DialogueState,
        u: &Understanding,
        text: &str,
    ) -> Result<Decision, StoreError> {
        if state.handoff.is_some() {
            return Ok(Decision::default());
        }
        let step = self.decide_step(state, u, text)?;
        super::purchase::close_told(state, &step);
        let profile = match state.customer.clone() {
            Some(customer) => self.fresh_profile(&customer, u)?.map(|p| (customer, p)),
            None => None,
        };
        Ok(Decision {
            step: Some(step),
            profile,
        })
    }

    fn decide_step(
        &self,
        state: &mut DialogueState,
        u: &Understanding,
        text: &str,
    ) -> Result<Step, StoreError> {
        state.language = Some(u.language);
        remember(state, u, text);
        self.hear_purchases(state, text)?;
        state.negative_streak = if u.sentiment == Sentiment::Negative {
            state.negative_streak + 1
        } else {
            0
        };
        if u.intent == Intent::HumanAgent {
            return Ok(handoff(state, "the customer asked for a person"));
        }
        if let Some(step) = media_step(state, text) {
            return Ok(step);
        }
        if state.awaiting_code || self.code_outstanding(state) {
            if let Some(step) = self.take_code(state, text)? {
                return Ok(step);
            }
        }
        if let Some(action) = state.pending.clone() {
            if let Some(step) = self.answer_proposal(state, action, text)? {
                return Ok(step);
            }
        }
        // "what is the total amount refunded?": from what this
        // conversation did, once it did something (a question, not a
        // request about an order).
        if asks_refund_total(text) {
            if !state.refunds.is_empty() && state.tasks.is_empty() {
                return Ok(refunds_step(state));
            }
            // Asked with the requests that refund: answered once they
            // are done.
            state.owes_refund_total = true;
        }
        let intent_kind = request_kind(u.intent, text);
        let general = self.asks_in_general(u, text)?;
        let (has_tasks, added) = if general && state.tasks.is_empty() {
            (false, false)
        } else {
            self.take_requests(state, text, intent_kind)?
        };
        if state.shared && (has_tasks || state.slots.email.is_some() || state.slots.name.is_some())
        {
            // Where others read, nobody verifies or hears about an account:
            // the customer continues in private.
            state.finish_task();
            state.slots = Default::default();
            return Ok(Step::new(StepKind::GoPrivate));
        }
        if asks_balance(text) {
            if let Some(step) = self.balance_answer(state, has_tasks)? {
                return Ok(step);
            }
        }
        let simple = matches!(
            u.intent,
            Intent::ProductInfo | Intent::Recommendation | Intent::Goodbye
        ) && u.confidence >= 0.5;
        if added || (has_tasks && !simple) {
            return self.task_flow(state);
        }
        // Unhappy twice with nothing kefu can act on: a person helps.
        if state.negative_streak >= 2 {
            return Ok(handoff(state, "the customer was unhappy twice in a row"));
        }
        self.info_flow(state, u, text)
    }

    /// The customer's answer to the proposal waiting for a yes: a yes
    /// executes it (from a claimed From, only the mailed code confirms), a
    /// no declines it. Only an explicit yes executes: anything else drops
    /// the proposal (`None`); the task list proposes it again (with the
    /// customer's new details) or moves on to a new request.
    fn answer_proposal(
        &self,
        state: &mut DialogueState,
        action: crate::shop::Action,
        text: &str,
    ) -> Result<Option<Step>, StoreError> {
        match confirm::answer(text) {
            Answer::Yes if state.unauthenticated => {
                let customer = state.customer.clone().unwrap_or_default();
                self.propose(state, &customer, action, Vec::new()).map(Some)
            }
            Answer::Yes => self.execute(state, action).map(Some),
            Answer::No => self.decline(state, &action).map(Some),
            Answer::Unclear => {
                state.pending = None;
                Ok(None)
            }
        }
    }

    /// A question about the shop in general ("can I send things back?")
    /// asks for an answer, not for an action on an order: with no request
    /// under way, its words start none — unless it names something of
    /// theirs: an order, an item, an address ("can you cancel the order
    /// going to Edison?").
    fn asks_in_general(&self, u: &Understanding, text: &str) -> Result<bool, StoreError> {
        let read_general = (matches!(
            u.frame.topic,
            Topic::Faq | Topic::Product | Topic::Recommendation | Topic::OffTopic
        ) && u.frame.source == Source::Model)
            || (u.frame.topic == Topic::Faq && u.frame.sure);
        Ok(read_general && !self.names_theirs(text)?)
    }

    /// "how much is left on my gift card": the figure from the data (after
    /// verification), then the requests go on.
    fn balance_answer(
        &self,
        state: &mut DialogueState,
        has_tasks: bool,
    ) -> Result<Option<Step>, StoreError> {
        if let Some(step) = self.verify(state)? {
            return Ok(Some(step));
        }
        let Some(step) = self.balance_step(state)? else {
            return Ok(None);
        };
        let next = if has_tasks {
            self.next_task(state, 1)?
        } else {
            None
        };
        Ok(Some(step.followed_by(next)))
    }

    /// The customer's profile as this message leaves it: the order part
    /// from the shop as it is now, plus what the message says (language,
    /// mood, options liked). Written with the turn, not here.
    fn fresh_profile(
        &self,
        customer: &str,
        u: &Understanding,
    ) -> Result<Option<profile::Profile>, StoreError> {
        let Some(user) = self.shop.user(customer)? else {
            return Ok(None);
        };
        let stored = profile::load(&self.profiles, customer).unwrap_or_default();
        let mut fresh = self.shop.profile(&user)?;
        fresh.language = stored.language;
        fresh.preferences = stored.preferences;
        fresh.moods = stored.moods;
        fresh.identities = stored.identities;
        fresh.learn(
            u.language.code(),
            u.sentiment.label(),
            u.entities.all("option"),
        );
        Ok(Some(fresh))
    }

    /// The verified customer's first name.
    pub(super) fn customer_name(&self, state: &DialogueState) -> Result<String, StoreError> {
        let user = match &state.customer {
            Some(id) => self.shop.user(id)?,
            None => None,
        };
        Ok(user.map(|u| u.name.first_name).unwrap_or_default())
    }
}

/// What [`Brain::decide`] decided for one message.
#[derive(Debug, Default)]
pub struct Decision {
    /// The reply's step; `None`: stay silent, a person has the conversation.
    pub step: Option<Step>,
    /// The verified customer's profile as this turn leaves it, to be
    /// written with the turn.
    pub profile: Option<(String, profile::Profile)>,
}

/// Put what this message says into the slots.
fn remember(state: &mut DialogueState, u: &Understanding, text: &str) {
    for id in u.entities.all("order_id") {
        if !state.typed_orders.contains(id) {
            state.typed_orders.push(id.clone());
        }
    }
    let slots = &mut state.slots;
    if let Some(ending) = super::words::order_suffix(&super::words::normalize(text)) {
        slots.order_ending = Some(ending);
    }
    if let Some(id) = u.entities.first("order_id") {
        slots.order_id = Some(id.to_string());
    }
    if let Some((first, more)) = u.entities.all("email").split_first() {
        slots.email = Some(first.clone());
        slots.more_emails = more.to_vec();
    }
    if let Some(name) = u.entities.first("name") {
        slots.name = Some(name.to_string());
    }
    let address = parse_address(text);
    // The zip that identifies the customer is not the one of a new address.
    let new_zip = address.as_ref().map(|a| a.zip.as_str());
    let zips: Vec<&String> = u
        .entities
        .all("zip")
        .iter()
        .filter(|z| Some(z.as_str()) != new_zip)
        .collect();
    // Of several, the one said as a zip ("zip 85049") over one that ends
    // an address the parse did not take whole.
    let lower = text.to_lowercase();
    let said_as_zip = |zip: &&&String| {
        lower.match_indices(zip.as_str()).any(|(at, _)| {
            let mut start = at.saturating_sub(12);
            while !lower.is_char_boundary(start) {
                start -= 1;
            }
            let before = &lower[start..at];
            before.contains("zip") || before.contains("邮编") || before.contains("postcode")
        })
    };
    if let Some(zip) = zips.iter().find(said_as_zip).or(zips.first()) {
        slots.zip = Some((*zip).clone());
    }
    for product in u.entities.all("product") {
        if !slots.products.contains(product) {
            slots.products.push(product.clone());
        }
    }
    for option in u.entities.all("option") {
        slots.options.retain(|o| o != option);
        slots.options.push(option.clone());
    }
    if let Some(method) = u.entities.all("payment_method").last() {
        slots.payment_method = Some(method.clone());
    }
    if let Some(address) = address {
        slots.address = Some(address);
    }
    if let Some(reason) = super::words::cancel_reason(&text.to_lowercase()) {
        slots.reason = Some(reason.to_string());
    }
}

/// The request the NLU's intent stands for, when the clause reader found
/// no verb ("my package never came" → where is it).
fn request_kind(intent: Intent, text: &str) -> Option<RequestKind> {
    let lower = text.to_lowercase();
    Some(match intent {
        Intent::OrderStatus => RequestKind::Status,
        Intent::CancelOrder => RequestKind::Cancel,
        Intent::ModifyOrder if ["address", "地址"].iter().any(|w| lower.contains(w)) => {
            RequestKind::ModifyAddress
        }
        Intent::ModifyOrder
            if ["pay", "card", "支付", "付款"]
                .iter()
                .any(|w| lower.contains(w)) =>
        {
            RequestKind::ModifyPayment
        }
        Intent::ModifyOrder => RequestKind::ModifyItems,
        Intent::ReturnOrder => RequestKind::Return,
        Intent::ExchangeOrder => RequestKind::Exchange,
        Intent::ChangeAddress => RequestKind::ChangeAddress,
        // Listed, not `_`: a new intent is placed here by the compiler.
        Intent::Greeting
        | Intent::ProductInfo
        | Intent::Recommendation
        | Intent::Complaint
        | Intent::HumanAgent
        | Intent::Goodbye
        | Intent::Other => return None,
    })
}

/// A message with media: a photo of damage goes to a person (who sees the
/// photo with the card); media without words is answered with what kefu
/// can do with it. `None`: the words are read as any message.
fn media_step(state: &mut DialogueState, text: &str) -> Option<Step> {
    let kind = state.media.first()?.clone();
    let photo = state.media.iter().any(|k| k == "photo" || k == "video");
    if photo && super::words::about_damage(&text.to_lowercase()) {
        return Some(handoff(state, "a photo of damage"));
    }
    text.trim().is_empty().then(|| {
        Step::new(StepKind::Media)
            .with("kind", kind)
            .with("photo", photo)
    })
}
