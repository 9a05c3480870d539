//! The platform adapters alone (no daemon, no model), one binary: each
//! against its stand-in (Telegram, Discord, from `kefu-test-support`, named
//! `support` here) or real mail servers (Dovecot, OpenSMTPD).

mod discord;
mod email;
mod telegram;
