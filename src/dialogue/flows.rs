//! Routing a message: hand-off, pending confirmation, verification, and
//! the information flows (greeting, FAQ, products, recommendations). Order
//! requests continue in [`super::tasks`], proofs of identity in
//! [`super::proof`]; all three extend [`Brain`] (`super::brain`).

use super::brain::{handoff, Brain};
use super::confirm::{self, Answer};
use super::request::RequestKind;
use super::step::{Step, StepKind};
use super::DialogueState;
use crate::nlu::reading::{Frame, Property, Source, Topic};
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

    /// Greeting, goodbye, product questions, recommendations, FAQ, or
    /// hand-off for what kefu cannot do.
    fn info_flow(
        &self,
        state: &mut DialogueState,
        u: &Understanding,
        text: &str,
    ) -> Result<Step, StoreError> {
        match u.intent {
            Intent::Greeting => return Ok(Step::new(StepKind::Greeting)),
            Intent::Goodbye => return Ok(Step::new(StepKind::Goodbye)),
            Intent::Recommendation => return Ok(self.recommend(state, u)),
            _ => {}
        }
        if u.intent == Intent::ProductInfo {
            let name = u.frame.product.as_deref().or(u.entities.first("product"));
            if let Some(step) = name.and_then(|name| self.product_step(name, &u.frame)) {
                return Ok(step);
            }
        }
        // The FAQ entry the reading names, else the best match of the words.
        let entry = match (u.frame.topic, &u.frame.faq) {
            (Topic::Faq, Some(id)) => self.knowledge.faq_by_id(id),
            _ => None,
        }
        .or_else(|| self.knowledge.faq(text));
        if u.frame.topic == Topic::OffTopic && u.frame.source == Source::Model {
            return Ok(Step::new(StepKind::OffTopic));
        }
        if let Some(entry) = entry {
            let (q, a) = match u.language {
                crate::lang::Language::Zh => (&entry.question_zh, &entry.answer_zh),
                crate::lang::Language::En => (&entry.question_en, &entry.answer_en),
            };
            return Ok(Step::new(StepKind::Faq)
                .with("question", q)
                .with("answer", a)
                .with("faq_id", &entry.id));
        }
        if u.intent == Intent::Complaint {
            return Ok(Step::new(StepKind::Complaint));
        }
        if u.intent == Intent::ProductInfo {
            return Ok(Step::new(StepKind::ProductUnknown));
        }
        // Identification without a request: verify now, then ask what to do.
        if state.customer.is_none() && (state.slots.email.is_some() || state.slots.name.is_some()) {
            return Ok(match self.verify(state)? {
                Some(step) => step,
                None => Step::new(StepKind::Verified).with("name", self.customer_name(state)?),
            });
        }
        let words = text.split_whitespace().count()
            + text.chars().filter(|c| crate::lang::is_cjk(*c)).count() / 2;
        if words >= 4 && u.entities.0.is_empty() && matches!(u.intent, Intent::Other) {
            // About the shop but nothing kefu can do: a person can. Anything
            // else (the weather, a joke): say what kefu helps with, and
            // invent nothing.
            let lower = text.to_lowercase();
            let about_shop = [
                "order", "account", "refund", "payment", "deliver", "package", "parcel", "invoice",
                "warranty", "订单", "账户", "退款", "付款", "包裹", "发票", "保修",
            ]
            .iter()
            .any(|w| lower.contains(w));
            // Details of an order with nothing asked of it ("the order
            // number ends in 66"): what should be done with it?
            let details = super::request::details_of(text, &self.catalog()?);
            if about_shop && !details.is_empty() {
                return Ok(Step::new(StepKind::Clarify));
            }
            if about_shop {
                return Ok(handoff(state, "a request kefu cannot handle"));
            }
            return Ok(Step::new(StepKind::OffTopic));
        }
        Ok(Step::new(StepKind::Clarify))
    }

    /// Whether the requests in `text` name an order, an item or an address.
    fn names_theirs(&self, text: &str) -> Result<bool, StoreError> {
        let requests = super::request::parse(text, &self.catalog()?);
        Ok(requests.iter().any(|r| {
            !r.order_ids.is_empty()
                || !r.items.is_empty()
                || r.address.is_some()
                || r.address_ref.is_some()
                || r.order_suffix.is_some()
                || r.order_by_items
        }))
    }

    /// A product's card, saying first what was asked of it.
    fn product_step(&self, name: &str, frame: &Frame) -> Option<Step> {
        let product = self.knowledge.product_by_name(name)?;
        let facts = self.knowledge.product_facts(product);
        let similar: Vec<String> = self
            .knowledge
            .similar(product, 2)
            .iter()
            .map(|p| p.name.clone())
            .collect();
        let asked = match &frame.property {
            Some(Property::Option(option)) if facts.options.contains_key(option) => {
                Some(option.clone())
            }
            Some(Property::Option(_)) | Some(Property::Unknown) => Some("unknown".to_string()),
            Some(p @ (Property::Price | Property::Availability | Property::Brand)) => {
                Some(p.label().to_string())
            }
            Some(Property::Options) | None => None,
        };
        Some(
            Step::new(StepKind::Product)
                .with("product", facts)
                .with("similar", similar)
                .with("asked", asked)
                .mention(name),
        )
    }

    fn recommend(&self, state: &DialogueState, u: &Understanding) -> Step {
        if u.entities.all("product").is_empty() {
            if let Some(need) = &u.frame.need {
                let picks: Vec<_> = self
                    .knowledge
                    .in_category(need, 3)
                    .into_iter()
                    .map(|p| self.knowledge.product_facts(p))
                    .collect();
                if !picks.is_empty() {
                    return Step::new(StepKind::Recommend).with("products", picks);
                }
            }
        }
        let mut seeds: Vec<String> = u.entities.all("product").to_vec();
        if seeds.is_empty() {
            if let Some(profile) = state
                .customer
                .as_deref()
                .and_then(|c| profile::load(&self.profiles, c))
            {
                seeds = profile.bought.clone();
            }
        }
        let picks: Vec<_> = self
            .knowledge
            .recommend(&seeds, 3)
            .into_iter()
            .map(|p| self.knowledge.product_facts(p))
            .collect();
        Step::new(StepKind::Recommend).with("products", picks)
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
