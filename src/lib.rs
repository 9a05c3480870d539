//! kefu (客服): a self-hosted customer-service daemon.
//!
//! Messages arrive from platforms (see the `kefu-channels` crate), are
//! stored before anything else happens ([`store`]), answered by the reply
//! [`pipeline`] (understand → decide → phrase → guard) with a local LLM
//! ([`llm`]), stored again and sent by the [`daemon`]'s outbox.

pub mod admin;
pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod desk;
pub mod dialogue;
pub mod failpoint;
pub mod knowledge;
pub mod lang;
pub mod learn;
pub mod llm;
pub mod logging;
pub mod metrics;
pub mod nlu;
pub mod outcomes;
pub mod pipeline;
pub mod privacy;
pub mod prompts;
pub mod scores;
pub mod shop;
pub mod stats;
pub mod store;
pub mod verify;
