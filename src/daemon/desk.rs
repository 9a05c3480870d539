//! The daemon's side of the operators' desk: operators' messages are acted
//! on instead of answered, every turn is committed with the desk's routes
//! (so its copies are written in the same transaction), hand-offs outside
//! business hours say when someone will reply, and waiting hand-offs are
//! reminded.

use super::outbox::OutboxSender;
use crate::desk::Desk;
use crate::pipeline::{Outcome, Reply};
use crate::store::{Conversation, Owner, PendingItem, Store};
use kefu_channels::{Inbound, Outbound};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Act on an operator's message; `false` when it is not one.
pub(super) async fn operator_message(
    desk: &Desk,
    outbox: &OutboxSender,
    item: &PendingItem,
) -> bool {
    let inbound = &item.record.inbound;
    if !desk.claims(inbound) {
        return false;
    }
    match desk.handle(item.seq, inbound).await {
        Ok(keys) => {
            tracing::info!(message = %inbound.key(), "operator message handled");
            outbox.enqueue_all(keys);
        }
        // It stays queued and is tried again at the next start.
        Err(e) => {
            tracing::error!(message = %inbound.key(), "cannot act on an operator message: {e:#}")
        }
    }
    true
}

/// Give the turn the desk's routes, and outside business hours tell a
/// customer being handed off (or writing while they wait) when someone
/// will reply, once a day; gives the day to record once committed.
pub(super) fn follow_turn(
    desk: &Desk,
    store: &Store,
    inbound: &Inbound,
    conversation: Option<&Conversation>,
    outcome: &mut Outcome,
) -> Option<String> {
    outcome.writes.desk = Some(desk.routes());
    let owner = conversation.map(|c| &c.owner);
    let handing_now = outcome.writes.handoff.is_some() && !owner.is_some_and(Owner::is_person);
    let waiting = matches!(owner, Some(Owner::Waiting { .. }));
    if !handing_now && !waiting {
        return None;
    }
    let now = chrono::Utc::now();
    let day = desk.day_of(now);
    let id = inbound.conversation_id();
    if store.last_notice(&id).ok().flatten().as_deref() == Some(day.as_str()) {
        return None;
    }
    let notice = desk.closed_notice(outcome.language(conversation), now)?;
    match &mut outcome.reply {
        Some(reply) if handing_now => {
            let text = &mut reply.outbound.text;
            *text = format!("{text}\n\n{notice}");
        }
        None if waiting => {
            let outbound = Outbound {
                channel: inbound.channel,
                thread: inbound.thread.clone(),
                text: notice,
                reply_to: Some(inbound.platform_message_id.clone()),
                attachments: Vec::new(),
                annotations: Default::default(),
                buttons: Vec::new(),
            };
            outcome.reply = Some(Reply {
                outbound,
                annotations: Default::default(),
            });
            outcome.writes.notice = true;
        }
        _ => return None,
    }
    Some(day)
}

/// Record that today's after-hours notice went to conversation `id`.
pub(super) fn noticed(store: &Store, id: &str, day: Option<String>) {
    if let Some(day) = day {
        if let Err(e) = store.set_last_notice(id, &day) {
            tracing::warn!(conversation = %id, "cannot record the after-hours notice: {e}");
        }
    }
}

/// Remind the operators of hand-offs nobody took, and send the digest
/// when due, until `stop`.
pub(super) fn spawn_reminders(desk: Arc<Desk>, outbox: Arc<OutboxSender>, stop: CancellationToken) {
    tokio::spawn(async move {
        // The first digest is due one period after the first start.
        if let Err(e) = desk.digest().await {
            tracing::warn!("cannot schedule the operators' digest: {e:#}");
        }
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(desk.remind_every()) => {}
            }
            match desk.remind().await {
                Ok(keys) => outbox.enqueue_all(keys),
                Err(e) => tracing::warn!("cannot remind the operators: {e}"),
            }
            match desk.digest().await {
                Ok(keys) if !keys.is_empty() => {
                    tracing::info!("digest sent to the operators");
                    outbox.enqueue_all(keys);
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("cannot send the operators' digest: {e:#}"),
            }
        }
    });
}
