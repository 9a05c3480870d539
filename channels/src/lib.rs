//! kefu's common conversation model and its platform adapters.
//!
//! Every platform (Telegram, Discord, email, the console) turns its traffic
//! into [`Inbound`] messages and sends [`Outbound`] replies through the
//! [`Channel`] trait. This crate knows nothing of LLMs, shops or storage: the
//! daemon stores each inbound before acknowledging it, and only then may an
//! adapter advance its platform cursor.

mod channel;
mod cursor;
mod model;
#[cfg(any(feature = "telegram", feature = "discord"))]
mod split;

#[cfg(feature = "console")]
pub mod console;
#[cfg(feature = "discord")]
pub mod discord;
#[cfg(feature = "email")]
pub mod email;
#[cfg(feature = "telegram")]
pub mod telegram;

pub use channel::{Ack, Channel, Delivery, InboundSink, SendError, SinkClosed};
pub use cursor::{CursorStore, MemoryCursorStore};
pub use model::{now_millis, Attachment, Button, ChannelKind, Inbound, Outbound, Sender, Thread};
