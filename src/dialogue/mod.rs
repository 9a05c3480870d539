//! The dialogue: per-conversation state and the flows that decide each
//! step under the shop's policy.

mod address;
mod catalog;
pub mod confirm;
mod flows;
mod proof;
mod request;
mod resolve;
mod state;
mod step;
mod tasks;
mod words;

pub use address::{parse_address, PostalAddress};
pub use flows::{handoff, is_task, Brain, Decision};
pub use proof::MAX_VERIFY_FAILURES;
pub use state::{DialogueState, Slots};
pub use step::{ActionRecord, Mail, Step, StepKind};
