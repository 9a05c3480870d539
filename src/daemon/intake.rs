//! Intake: every delivered inbound is stored and flushed before it is
//! acknowledged (the platform's cursor moves only then), then queued for
//! an answer. Deliveries that arrive together (a Telegram poll's updates)
//! are stored with one flush, so a flood costs one fsync per batch, not
//! one per message.

use super::dispatch::Dispatcher;
use crate::pipeline::Pipeline;
use crate::store::{Accepted, InboxRecord, PendingItem, Store};
use kefu_channels::{Ack, Delivery, SinkClosed};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Most deliveries stored under one flush.
const BATCH: usize = 64;

/// Store, acknowledge and queue deliveries until `stop` or the end of input.
pub(super) async fn run(
    pipeline: Arc<Pipeline>,
    store: Store,
    mut deliveries: mpsc::Receiver<Delivery>,
    dispatcher: Arc<Dispatcher>,
    stop: CancellationToken,
) {
    loop {
        let first = tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            delivery = deliveries.recv() => delivery,
        };
        let Some(first) = first else {
            break;
        };
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match deliveries.try_recv() {
                Ok(delivery) => batch.push(delivery),
                Err(_) => break,
            }
        }
        let stored: Vec<_> = batch
            .into_iter()
            .map(|delivery| store_one(&pipeline, &store, delivery))
            .collect();
        // Nothing is acknowledged before it is on disk.
        let flushed = store.flush().await.map_err(|e| e.to_string());
        for (delivery, accepted) in stored {
            let Delivery { inbound, ack } = delivery;
            let key = inbound.key();
            let answer = match (accepted, &flushed) {
                (Ok(Accepted::New(seq)), Ok(())) => {
                    tracing::info!(message = %key, "inbound stored");
                    crate::failpoint::hit("after_accept");
                    let record = InboxRecord {
                        seq,
                        inbound,
                        stored_at: kefu_channels::now_millis(),
                    };
                    dispatcher.dispatch(PendingItem { seq, record });
                    Ok(Ack::Stored)
                }
                (Ok(Accepted::Duplicate), Ok(())) => {
                    tracing::info!(message = %key, "replayed inbound ignored");
                    Ok(Ack::Duplicate)
                }
                (Err(e), _) => {
                    tracing::error!(message = %key, "cannot store inbound: {e}");
                    Err(SinkClosed(e.to_string()))
                }
                (Ok(_), Err(e)) => {
                    tracing::error!(message = %key, "cannot flush the stored inbound: {e}");
                    Err(SinkClosed(e.clone()))
                }
            };
            let _ = ack.send(answer);
        }
    }
}

/// Store one delivery, cut to its channel's cap first (flagged; the reply
/// asks for a shorter message).
fn store_one(
    pipeline: &Pipeline,
    store: &Store,
    mut delivery: Delivery,
) -> (Delivery, crate::store::Result<Accepted>) {
    let inbound = &mut delivery.inbound;
    if inbound.truncate_to(pipeline.message_cap(inbound.channel)) {
        tracing::warn!(
            message = %inbound.key(),
            chars = inbound.original_chars,
            "message over the size cap stored cut"
        );
    }
    let accepted = store.accept_unflushed(inbound);
    (delivery, accepted)
}
