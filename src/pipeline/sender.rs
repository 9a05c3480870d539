//! Who the sender is known to be before the brain decides, and the mails a
//! turn sends besides its reply.

use super::Pipeline;
use crate::dialogue::{DialogueState, Mail};
use crate::lang::Language;
use crate::store::StoreError;
use crate::verify::links;
use kefu_channels::{now_millis, ChannelKind, Inbound, Outbound, Thread};

impl Pipeline {
    /// Start the turn from what is known of the sender: a live link, or a
    /// mail From the receiving server authenticated (with
    /// `email.verify_sender`). Nothing is taken from a From that is only a
    /// claim, nor in a thread others read. Returns whether the customer
    /// was proven for changes before the turn.
    pub(super) fn known_sender(
        &self,
        inbound: &Inbound,
        state: &mut DialogueState,
    ) -> Result<bool, StoreError> {
        let trusted = !inbound.unauthenticated && !inbound.shared;
        if state.customer.is_none() && trusted {
            if let Some(link) = links::linked(&self.brain.profiles, &state.identity, now_millis()) {
                state.customer = Some(link.customer);
                state.code_ok = link.proof == links::Proof::Code;
                state.two_facts = link.proof == links::Proof::Facts;
            }
        }
        if state.customer.is_none()
            && trusted
            && inbound.channel == ChannelKind::Email
            && self.settings.email_verifies_sender
        {
            if let Some(id) = self.brain.shop.user_id_by_email(&inbound.sender.id)? {
                state.customer = Some(id);
                // The server vouched for the From: as good as a mailed code.
                state.code_ok = true;
            }
        }
        Ok(state.code_ok || state.two_facts)
    }

    /// A mail of kefu's own, rendered from its template (subject on the
    /// first line), as an outbound for the email channel. Its route has
    /// the shape of the email channel's `Route`: no References, so it
    /// starts a thread of its own.
    pub(super) fn mail(&self, mail: &Mail, language: Language) -> anyhow::Result<Outbound> {
        let mut context = mail.facts.as_object().cloned().unwrap_or_default();
        context.insert("shop".into(), self.settings.shop_name.clone().into());
        let text = self.prompts.render(mail.template, language, context)?;
        let (subject, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
        let route = serde_json::json!({
            "to": mail.to,
            "subject": subject.trim(),
            "references": [],
        });
        // A mail is stored as it is sent: its annotations as JSON here.
        let annotations = super::Annotations {
            mail: Some(mail.template),
            ..Default::default()
        }
        .to_map();
        Ok(Outbound {
            channel: ChannelKind::Email,
            thread: Thread {
                // One chain per recipient: a mail another customer's
                // server keeps refusing never holds back this one's code.
                id: format!("kefu:{}/{}", mail.template, mail.to),
                route: Some(route.to_string()),
            },
            text: body.trim().to_string(),
            reply_to: None,
            attachments: Vec::new(),
            annotations,
            buttons: Vec::new(),
        })
    }
}

/// Order numbers in full only for a customer proven for changes, or the
/// ones they typed themselves: to one who gave only a public fact (their
/// email), `…68` — enough to recognise an order, not to prove one.
pub(super) fn mask_untyped_orders(state: &DialogueState, text: String) -> String {
    if !state.proved_public_fact_only() {
        return text;
    }
    let mut out = text;
    for id in crate::nlu::order_ids(&out) {
        if !state.typed_orders.contains(&id) {
            out = out.replace(&id, &mask_order_id(&id));
        }
    }
    out
}

/// `#W3942868` → `…68`: the last two digits, as a card is shown by its
/// last four, and nothing that reads as a number to type back.
fn mask_order_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(2)..].iter().collect();
    format!("…{tail}")
}
