//! Sending a reply over SMTP with lettre: implicit TLS, STARTTLS (never
//! falling back to plain text) or plain per config, authenticating when the
//! server offers AUTH. Every reply carries our own Message-ID, In-Reply-To
//! and the whole References chain, so the customer's client threads it.

use super::parse::{reply_subject, Route};
use super::{EmailConfig, Security};
use crate::channel::SendError;
use crate::model::Outbound;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::Message;
use std::time::Duration;

/// How long one SMTP exchange may take before it counts as a network error.
const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

/// `Auto-Submitted: auto-replied` (RFC 3834): tells the customer's
/// autoresponder not to answer our reply, which stops loops at their end.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-replied".to_string())
    }
}

/// The reply as a complete message, and its Message-ID (with brackets).
///
/// The Message-ID is derived from the mail answered and the reply text, so
/// a send the outbox repeats (the first try's answer was lost) carries the
/// same id and mail clients show it once.
pub fn build_reply(
    config: &EmailConfig,
    outbound: &Outbound,
) -> Result<(Message, String), SendError> {
    let route = outbound
        .thread
        .route
        .as_deref()
        .and_then(Route::decode)
        .ok_or_else(|| SendError::Permanent("the email thread has no route to reply on".into()))?;
    let to: Mailbox = route
        .to
        .parse()
        .map_err(|e| SendError::Permanent(format!("bad customer address {:?}: {e}", route.to)))?;
    let from_address = config
        .address
        .parse()
        .map_err(|e| SendError::Permanent(format!("bad shop address {:?}: {e}", config.address)))?;
    let from = Mailbox::new(config.display_name.clone(), from_address);
    let parent = outbound
        .reply_to
        .clone()
        .or_else(|| route.references.last().cloned())
        .unwrap_or_default();
    let domain = config.address.rsplit('@').next().unwrap_or("kefu.invalid");
    let seed = format!("{parent}\u{0}{}", outbound.text);
    let message_id = format!(
        "<kefu.{:016x}@{domain}>",
        super::parse::stable_hash(seed.as_bytes())
    );
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        // A mail of kefu's own (a verification code) starts a thread.
        .subject(if parent.is_empty() {
            route.subject.clone()
        } else {
            reply_subject(&route.subject)
        })
        .message_id(Some(message_id.clone()))
        .header(AutoSubmitted);
    if !parent.is_empty() {
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    if !route.references.is_empty() {
        let chain: Vec<String> = route
            .references
            .iter()
            .map(|id| format!("<{id}>"))
            .collect();
        builder = builder.references(chain.join(" "));
    }
    let files = files(outbound);
    let message = if files.is_empty() {
        builder
            .header(ContentType::TEXT_PLAIN)
            .body(outbound.text.clone())
    } else {
        // The card with the customer's photos attached.
        let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(outbound.text.clone()));
        for (name, mime, bytes) in files {
            let mime = ContentType::parse(&mime).unwrap_or(ContentType::TEXT_PLAIN);
            parts = parts.singlepart(lettre::message::Attachment::new(name).body(bytes, mime));
        }
        builder.multipart(parts)
    }
    .map_err(|e| SendError::Permanent(format!("cannot build the reply: {e}")))?;
    Ok((message, message_id))
}

/// Send one message; the error says whether trying again can help.
pub async fn send(config: &EmailConfig, message: &Message) -> Result<(), SendError> {
    let domain = config
        .address
        .rsplit('@')
        .next()
        .unwrap_or("localhost")
        .to_string();
    let hello = ClientId::Domain(domain);
    let tls = || {
        TlsParameters::builder(config.smtp_host.clone())
            .build_rustls()
            .map_err(|e| SendError::Permanent(format!("TLS setup: {e}")))
    };
    let implicit = match config.smtp_security {
        Security::Tls => Some(tls()?),
        Security::Starttls | Security::None => None,
    };
    let server = (config.smtp_host.as_str(), config.smtp_port);
    let mut conn =
        AsyncSmtpConnection::connect_tokio1(server, Some(SMTP_TIMEOUT), &hello, implicit, None)
            .await
            .map_err(classify)?;
    let result = async {
        if config.smtp_security == Security::Starttls {
            // `starttls` refuses a server that does not offer it: a reply
            // is never sent in clear text when TLS was asked for.
            conn.starttls(tls()?, &hello).await.map_err(classify)?;
        }
        let mechanisms = [Mechanism::Plain, Mechanism::Login];
        if let Some(mechanism) = conn.server_info().get_auth_mechanism(&mechanisms) {
            let credentials = Credentials::new(config.username.clone(), config.password.clone());
            conn.auth(&[mechanism], &credentials)
                .await
                .map_err(classify)?;
        }
        conn.send(message.envelope(), &message.formatted())
            .await
            .map_err(classify)?;
        Ok(())
    }
    .await;
    if result.is_ok() {
        let _ = conn.quit().await;
    } else {
        conn.abort().await;
    }
    result
}

/// 5xx answers and refused logins are permanent; 4xx, timeouts and network
/// or TLS trouble may pass.
fn classify(e: lettre::transport::smtp::Error) -> SendError {
    if e.is_permanent() {
        SendError::Permanent(format!("SMTP: {e}"))
    } else {
        SendError::Transient(format!("SMTP: {e}"))
    }
}

/// The files an outbound carries with their bytes (a mail customer's
/// photos, sent with the card to the operators' mailbox).
fn files(outbound: &Outbound) -> Vec<(String, String, Vec<u8>)> {
    use base64::Engine as _;
    outbound
        .attachments
        .iter()
        .filter_map(|a| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(a.content.as_deref()?)
                .ok()?;
            let name = a.name.clone().unwrap_or_else(|| "photo".into());
            let mime = a
                .mime_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into());
            Some((name, mime, bytes))
        })
        .collect()
}
