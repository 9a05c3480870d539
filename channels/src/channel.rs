//! The `Channel` trait and the sink adapters hand inbound messages to.

use crate::model::{ChannelKind, Inbound, Outbound};
use async_trait::async_trait;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// What the daemon answers once it has stored (and flushed) an inbound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    /// Stored for the first time; it will be answered.
    Stored,
    /// Already stored earlier (a replay); it will not be answered again.
    Duplicate,
}

/// The daemon no longer accepts messages (it is shutting down, or the store
/// failed). The adapter must not advance its cursor and should stop.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the daemon is not accepting messages: {0}")]
pub struct SinkClosed(pub String);

/// One inbound waiting to be stored, with the way back for the answer.
#[derive(Debug)]
pub struct Delivery {
    /// The message.
    pub inbound: Inbound,
    /// Receives the result of storing it.
    pub ack: oneshot::Sender<Result<Ack, SinkClosed>>,
}

/// Where an adapter delivers inbound messages. `deliver` returns only after
/// the message is durably stored, so the adapter may then advance its
/// platform cursor (Telegram offset, IMAP UID) without ever losing mail.
#[derive(Debug, Clone)]
pub struct InboundSink {
    tx: mpsc::Sender<Delivery>,
}

impl InboundSink {
    /// A sink and the receiving end the daemon reads deliveries from.
    pub fn new(capacity: usize) -> (Self, mpsc::Receiver<Delivery>) {
        let (tx, rx) = mpsc::channel(capacity);
        (Self { tx }, rx)
    }

    /// Hand one message to the daemon and wait until it is stored.
    pub async fn deliver(&self, inbound: Inbound) -> Result<Ack, SinkClosed> {
        let (ack, answer) = oneshot::channel();
        self.tx
            .send(Delivery { inbound, ack })
            .await
            .map_err(|_| SinkClosed("intake stopped".into()))?;
        answer
            .await
            .map_err(|_| SinkClosed("intake dropped the message".into()))?
    }
}

/// Why a send failed, and whether trying again can help.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The platform asked us to slow down; retry after the given time.
    #[error("rate limited, retry after {0:?}")]
    RateLimited(Duration),
    /// A network error or a 5xx: retry with backoff.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// The platform refused the message for good (bad chat id, blocked bot):
    /// retrying cannot help.
    #[error("permanent failure: {0}")]
    Permanent(String),
    /// The thread the message was for is gone (a deleted forum topic);
    /// the same message may go to a new one.
    #[error("the thread is gone: {0}")]
    ThreadGone(String),
}

impl SendError {
    /// Whether the same send may succeed later.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, SendError::Permanent(_))
    }
}

/// A platform adapter.
///
/// `run` pulls messages from the platform and delivers each to the sink,
/// advancing the platform cursor only after the sink acknowledged it; it
/// returns when the platform ends (console EOF) or on a fatal error, and is
/// cancelled (dropped) when the daemon stops intake. `send` delivers one
/// reply and returns the platform's id for it.
#[async_trait]
pub trait Channel: Send + Sync + 'static {
    /// Which platform this is.
    fn kind(&self) -> ChannelKind;

    /// Receive messages until the platform ends or an error stops intake.
    async fn run(&self, sink: InboundSink) -> anyhow::Result<()>;

    /// Send one reply; returns the platform message id of what was sent
    /// (the first part, when the platform forced a split).
    async fn send(&self, outbound: &Outbound) -> Result<String, SendError>;

    /// Told when the daemon decided not to answer an inbound (a hand-off,
    /// an auto-reply). Channels that pace input on replies use it.
    fn skipped(&self, _inbound: &Inbound) {}

    /// Whether the channel is connected to its platform now (the last poll
    /// or session worked); `/readyz` reports it.
    fn connected(&self) -> bool {
        true
    }

    /// Open a new thread titled `title` in the place `chat` (a forum topic
    /// of a Telegram supergroup), where one conversation is followed;
    /// returns its id for [`crate::Thread::route`]. Platforms without such
    /// threads refuse.
    async fn open_topic(&self, chat: &str, _title: &str) -> Result<String, SendError> {
        Err(SendError::Permanent(format!(
            "{} cannot open topics (in {chat})",
            self.kind()
        )))
    }
}
