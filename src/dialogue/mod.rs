//! The dialogue: per-conversation state and the flows that decide each
//! step under the shop's policy.

mod address;
pub mod confirm;
mod state;

pub use address::{parse_address, PostalAddress};
pub use state::{handed_off, release, DialogueState, Slots};
