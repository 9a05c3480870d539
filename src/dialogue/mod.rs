//! The dialogue: per-conversation state and the flows that decide each
//! step under the shop's policy.

mod brain;
mod catalog;
pub mod confirm;
pub mod fields;
mod flows;
mod info;
mod pointing;
mod proof;
mod proposal;
mod purchase;
mod request;
mod resolve;
mod state;
mod step;
mod tasks;
mod words;

pub use brain::{handoff, Brain};
pub use flows::{is_task, Decision};
pub use proof::MAX_VERIFY_FAILURES;
pub use purchase::shown_writes;
pub use state::{DialogueState, Slots};
pub use step::{ActionRecord, ActionState, Mail, Step, StepKind};
