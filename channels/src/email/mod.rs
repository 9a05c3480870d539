//! The email channel: an IMAP inbox in (async-imap), SMTP replies out
//! (lettre), MIME through mail-parser.
//!
//! **Nothing lost.** New mail is found by UID above a cursor that is saved
//! (with the mailbox's UIDVALIDITY) only after the daemon stored the
//! message; mail is fetched with `BODY.PEEK[]`, so kefu never changes its
//! \Seen flag. When the server renumbers the mailbox (UIDVALIDITY changed)
//! the unread mail of the last [`imap::RESCAN_DAYS`] days is delivered
//! again; the daemon ignores what it already has (the key is the
//! Message-ID). New mail wakes an IMAP IDLE; servers without IDLE are
//! polled. A dropped connection is reopened with backoff.
//!
//! **Nothing doubled.** The daemon's inbox is keyed by Message-ID, so a
//! message delivered again after a crash is recognised; each reply's own
//! Message-ID is derived from what it answers, so a resent reply is the
//! same mail to the customer's client.
//!
//! **Threads.** A thread of mail is one conversation: `Thread.id` is the
//! root Message-ID (the first of References, else In-Reply-To); a mail
//! without either starts its own thread: a subject proves nothing, so it
//! never joins one. Each sender has their own conversation in a thread
//! (see [`Inbound::conversation_id`]). `Thread.route` carries the
//! References chain, subject and customer address a reply needs (see
//! [`parse::Route`]).
//!
//! **Who wrote it.** The From address is the sender's identity only when
//! the receiving server vouches for it (`Authentication-Results` from one
//! of [`EmailConfig::trusted_authserv_ids`] with DMARC, or aligned DKIM,
//! passing; see [`auth`]); otherwise the inbound is marked
//! [`Inbound::unauthenticated`] and the From is a claim. Mail with other
//! recipients (Cc, several To) is [`Inbound::shared`].
//!
//! **No loops.** Auto-replies, bounces, list mail, robots and our own
//! address are delivered with [`Inbound::auto`] set (stored, never
//! answered), and so is mail from a sender who already got
//! [`EmailConfig::max_replies_per_hour`] answers in the last hour.

pub mod auth;
pub mod clean;
pub mod imap;
pub mod parse;
pub mod smtp;
#[cfg(test)]
mod tests;

use crate::channel::{Ack, Channel, InboundSink, SendError, SinkClosed};
use crate::cursor::CursorStore;
use crate::model::{now_millis, ChannelKind, Inbound, Outbound, Sender, Thread};
use async_trait::async_trait;
use parse::{header_root, route_for, ParsedMail};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a mail connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// A plain connection upgraded with STARTTLS; never used without it.
    Starttls,
    /// No encryption (a server on the same host).
    None,
}

/// How the email channel is set up.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// The shop's address: replies come from it, mail from it is ignored.
    pub address: String,
    /// The name shown with the address in replies.
    pub display_name: Option<String>,
    /// Login for IMAP and SMTP.
    pub username: String,
    /// Password for IMAP and SMTP.
    pub password: String,
    /// IMAP server host (a name or an IP address; TLS checks it).
    pub imap_host: String,
    /// IMAP port.
    pub imap_port: u16,
    /// IMAP security.
    pub imap_security: Security,
    /// SMTP server host.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: u16,
    /// SMTP security.
    pub smtp_security: Security,
    /// Longest wait between two looks at the mailbox: the IDLE refresh, or
    /// the polling interval where the server has no IDLE.
    pub poll_interval: Duration,
    /// Most mails per sender per hour that are answered; more are stored
    /// and left unanswered (a mail loop with another robot).
    pub max_replies_per_hour: usize,
    /// The authserv-ids of the receiving servers whose
    /// `Authentication-Results` are believed (the shop's own MX). Empty:
    /// no mail's From is authenticated.
    pub trusted_authserv_ids: Vec<String>,
    /// The operators' addresses (`operators.email`): their mail is never
    /// held to the customers' reply rate, and a team list's `List-Id` or
    /// `Precedence: list` does not make it machine mail.
    pub operators: Vec<String>,
}

impl EmailConfig {
    /// The defaults for everything but the account: a 5-minute IDLE
    /// refresh and at most 10 answers per sender per hour.
    pub fn new(address: &str, username: &str, password: &str) -> Self {
        Self {
            address: address.to_string(),
            display_name: None,
            username: username.to_string(),
            password: password.to_string(),
            imap_host: String::new(),
            imap_port: 993,
            imap_security: Security::Tls,
            smtp_host: String::new(),
            smtp_port: 465,
            smtp_security: Security::Tls,
            poll_interval: Duration::from_secs(300),
            max_replies_per_hour: 10,
            trusted_authserv_ids: Vec::new(),
            operators: Vec::new(),
        }
    }
}

/// An email inbox as a kefu channel.
pub struct EmailChannel {
    config: EmailConfig,
    cursors: Arc<dyn CursorStore>,
    /// When each sender's recent answered mails arrived.
    recent: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// The IMAP inbox is open.
    connected: std::sync::atomic::AtomicBool,
}

impl EmailChannel {
    /// A channel for `config`, keeping its cursor and thread index in
    /// `cursors`.
    pub fn new(config: EmailConfig, cursors: Arc<dyn CursorStore>) -> Self {
        Self {
            config,
            cursors,
            recent: Mutex::new(HashMap::new()),
            connected: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn cursor_key(&self) -> String {
        format!(
            "email:cursor:{}@{}/{}",
            self.config.username,
            self.config.imap_host,
            imap::MAILBOX
        )
    }

    /// The saved `(UIDVALIDITY, last stored UID)`.
    fn cursor(&self) -> Option<(u32, u32)> {
        let value = self.cursors.load(&self.cursor_key())?;
        let (validity, uid) = value.split_once(':')?;
        Some((validity.parse().ok()?, uid.parse().ok()?))
    }

    fn save_cursor(&self, validity: u32, uid: u32) -> anyhow::Result<()> {
        self.cursors
            .save(&self.cursor_key(), &format!("{validity}:{uid}"))
    }

    /// One connection's life: catch up, then wait for more, until an error.
    async fn serve(&self, sink: &InboundSink) -> anyhow::Result<()> {
        let (mut session, selected, idle) = imap::open(&self.config).await?;
        tracing::info!(validity = selected.validity, idle, "IMAP inbox opened");
        self.connected
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let mut last = match self.cursor() {
            Some((validity, uid)) if validity == selected.validity => uid,
            saved => {
                if let Some((old, _)) = saved {
                    tracing::warn!(old, new = selected.validity, "the IMAP server renumbered the inbox (UIDVALIDITY changed): rescanning unread mail");
                }
                let uids = imap::uids_to_rescan(&mut session).await?;
                let floor = match uids.first() {
                    Some(first) => first - 1,
                    None => selected.uid_next.saturating_sub(1),
                };
                self.save_cursor(selected.validity, floor)?;
                let last = self
                    .deliver(&mut session, selected.validity, &uids, sink)
                    .await?;
                // Read or older mail below UIDNEXT is left to people.
                let last = last
                    .unwrap_or(floor)
                    .max(selected.uid_next.saturating_sub(1));
                self.save_cursor(selected.validity, last)?;
                last
            }
        };
        loop {
            let uids = imap::uids_after(&mut session, last).await?;
            if let Some(newest) = self
                .deliver(&mut session, selected.validity, &uids, sink)
                .await?
            {
                last = newest;
            }
            session = imap::wait_for_change(session, idle, self.config.poll_interval).await?;
        }
    }

    /// Fetch and deliver `uids` in order, saving the cursor after each is
    /// stored; returns the last UID handled.
    async fn deliver(
        &self,
        session: &mut imap::Session,
        validity: u32,
        uids: &[u32],
        sink: &InboundSink,
    ) -> anyhow::Result<Option<u32>> {
        let mut last = None;
        for chunk in uids.chunks(20) {
            for (uid, raw) in imap::fetch(session, chunk).await? {
                match parse::parse(&raw) {
                    Some(mail) => {
                        let inbound = self.inbound(&mail)?;
                        let (key, auto) = (inbound.key(), inbound.auto);
                        let ack = sink.deliver(inbound).await?;
                        tracing::info!(uid, message = %key, auto, ?ack, "mail delivered");
                        if ack == Ack::Stored && !auto {
                            self.count_answered(&mail.from);
                        }
                    }
                    None => tracing::warn!(uid, "skipping a mail without a sender address"),
                }
                self.save_cursor(validity, uid)?;
                last = Some(uid);
            }
        }
        Ok(last)
    }

    /// The inbound for a parsed mail.
    pub fn inbound(&self, mail: &ParsedMail) -> anyhow::Result<Inbound> {
        let thread_id = header_root(mail).unwrap_or(&mail.message_id).to_string();
        let authenticated = mail.auth_results.as_deref().is_some_and(|results| {
            auth::from_is_authenticated(
                results,
                &self.config.trusted_authserv_ids,
                auth::domain_of(&mail.from),
            )
        });
        let own = mail.from.eq_ignore_ascii_case(self.config.address.trim());
        // Only an operator the shop's server vouches for: a forged operator
        // From gets no exemption.
        let operator = authenticated
            && self
                .config
                .operators
                .iter()
                .any(|o| o.trim().eq_ignore_ascii_case(&mail.from));
        // An operator writes through a team list: its list headers do not
        // make the mail a robot's, and no reply rate applies to them.
        let auto = mail
            .auto_reason
            .filter(|r| !(operator && matches!(*r, "List-Id" | "Precedence: list")));
        let reason = auto.or(own.then_some("our own address"));
        let reason = reason
            .or_else(|| (!operator && self.over_limit(&mail.from)).then_some("reply rate limit"));
        if let Some(reason) = reason {
            tracing::info!(message_id = %mail.message_id, reason, "mail will not be answered");
        }
        let text = if mail.text.is_empty() {
            mail.subject.clone()
        } else {
            mail.text.clone()
        };
        Ok(Inbound {
            channel: ChannelKind::Email,
            platform_message_id: mail.message_id.clone(),
            sender: Sender {
                id: mail.from.clone(),
                display_name: mail.from_name.clone(),
            },
            thread: Thread {
                id: thread_id,
                route: Some(route_for(mail).encode()),
            },
            text,
            attachments: mail.attachments.clone(),
            received_at: mail.date_millis.unwrap_or_else(now_millis),
            reply_to: mail.in_reply_to.clone(),
            auto: reason.is_some(),
            shared: mail.has_other_recipients(&self.config.address),
            unauthenticated: !authenticated,
            original_chars: None,
        })
    }

    fn over_limit(&self, sender: &str) -> bool {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        // Senders quiet for an hour are forgotten, so the map stays as
        // small as the last hour's senders.
        recent.retain(|_, times| {
            while times
                .front()
                .is_some_and(|t| t.elapsed() > Duration::from_secs(3600))
            {
                times.pop_front();
            }
            !times.is_empty()
        });
        recent
            .get(sender)
            .is_some_and(|times| times.len() >= self.config.max_replies_per_hour)
    }

    fn count_answered(&self, sender: &str) {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent
            .entry(sender.to_string())
            .or_default()
            .push_back(Instant::now());
    }
}

#[async_trait]
impl Channel for EmailChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }

    async fn run(&self, sink: InboundSink) -> anyhow::Result<()> {
        let mut backoff = Duration::from_secs(1);
        loop {
            let started = Instant::now();
            let served = self.serve(&sink).await;
            self.connected
                .store(false, std::sync::atomic::Ordering::SeqCst);
            let Err(e) = served else {
                continue;
            };
            if e.downcast_ref::<SinkClosed>().is_some() {
                return Err(e);
            }
            if started.elapsed() > Duration::from_secs(120) {
                backoff = Duration::from_secs(1);
            }
            tracing::warn!("email inbox: {e:#}; reconnecting in {backoff:?}");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(60));
        }
    }

    fn connected(&self) -> bool {
        self.connected.load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn send(&self, outbound: &Outbound) -> Result<String, SendError> {
        let (message, message_id) = smtp::build_reply(&self.config, outbound)?;
        smtp::send(&self.config, &message).await?;
        Ok(message_id
            .trim_matches(|c| c == '<' || c == '>')
            .to_string())
    }
}
