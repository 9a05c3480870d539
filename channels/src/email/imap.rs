//! The IMAP side: connecting (implicit TLS, STARTTLS or plain, rustls with
//! the system's roots, which honour `SSL_CERT_FILE`), finding the UIDs to
//! fetch from the cursor, fetching with `BODY.PEEK[]` (a crash never marks
//! mail seen), and waiting for new mail with IDLE, or by polling where the
//! server has no IDLE.

use super::{EmailConfig, Security};
use anyhow::{bail, Context as _};
use futures::TryStreamExt;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// Anything an IMAP session can run over.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Io for T {}

/// A logged-in IMAP session over TLS or TCP.
pub type Session = async_imap::Session<Box<dyn Io>>;

/// How long connecting, logging in and each command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The mailbox kefu answers.
pub const MAILBOX: &str = "INBOX";

/// On a first start, or after the server renumbered the mailbox
/// (UIDVALIDITY changed), unread mail of this many days is taken; older or
/// read mail is left to people.
pub const RESCAN_DAYS: u64 = 14;

/// What SELECT told us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selected {
    /// The mailbox's UIDVALIDITY.
    pub validity: u32,
    /// The UID the next message will get (0 when the server did not say).
    pub uid_next: u32,
}

/// Connect, log in and select [`MAILBOX`].
pub async fn open(config: &EmailConfig) -> anyhow::Result<(Session, Selected, bool)> {
    let host = config.imap_host.as_str();
    let tcp = timeout(
        COMMAND_TIMEOUT,
        TcpStream::connect((host, config.imap_port)),
    )
    .await
    .context("IMAP connect timed out")?
    .with_context(|| format!("cannot connect to IMAP {host}:{}", config.imap_port))?;
    let _ = tcp.set_nodelay(true);
    let stream: Box<dyn Io> = match config.imap_security {
        Security::Tls => Box::new(tls(tcp, host).await?),
        Security::None => Box::new(tcp),
        Security::Starttls => {
            let mut client = async_imap::Client::new(tcp);
            greeting(&mut client).await?;
            timeout(
                COMMAND_TIMEOUT,
                client.run_command_and_check_ok("STARTTLS", None),
            )
            .await
            .context("IMAP STARTTLS timed out")?
            .context("the IMAP server refused STARTTLS")?;
            Box::new(tls(client.into_inner(), host).await?)
        }
    };
    let mut client = async_imap::Client::new(stream);
    if config.imap_security != Security::Starttls {
        greeting(&mut client).await?;
    }
    let login = client.login(&config.username, &config.password);
    let mut session = timeout(COMMAND_TIMEOUT, login)
        .await
        .context("IMAP login timed out")?
        .map_err(|(e, _)| anyhow::anyhow!("IMAP login as {} failed: {e}", config.username))?;
    let idle = timeout(COMMAND_TIMEOUT, session.capabilities())
        .await
        .context("IMAP CAPABILITY timed out")??
        .has_str("IDLE");
    let mailbox = timeout(COMMAND_TIMEOUT, session.select(MAILBOX))
        .await
        .context("IMAP SELECT timed out")??;
    let Some(validity) = mailbox.uid_validity else {
        bail!("the IMAP server gave no UIDVALIDITY for {MAILBOX}");
    };
    let selected = Selected {
        validity,
        uid_next: mailbox.uid_next.unwrap_or(0),
    };
    Ok((session, selected, idle))
}

async fn greeting<T: Io>(client: &mut async_imap::Client<T>) -> anyhow::Result<()> {
    match timeout(COMMAND_TIMEOUT, client.read_response()).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) => bail!("the IMAP server closed the connection before its greeting"),
        Ok(Err(e)) => Err(e).context("reading the IMAP greeting"),
        Err(_) => bail!("no IMAP greeting"),
    }
}

async fn tls(
    tcp: TcpStream,
    host: &str,
) -> anyhow::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let name = ServerName::try_from(host.to_string())
        .with_context(|| format!("bad IMAP host name {host:?}"))?;
    let handshake = TlsConnector::from(tls_config()?).connect(name, tcp);
    timeout(COMMAND_TIMEOUT, handshake)
        .await
        .context("IMAP TLS handshake timed out")?
        .with_context(|| format!("IMAP TLS handshake with {host} failed"))
}

/// rustls with ring and the system's trusted roots (`SSL_CERT_FILE` and
/// `SSL_CERT_DIR` replace them, as with OpenSSL).
fn tls_config() -> anyhow::Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    let (added, _) = roots.add_parsable_certificates(native.certs);
    if added == 0 {
        bail!(
            "no trusted root certificates found (errors: {:?})",
            native.errors
        );
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// UIDs above `after`, ascending.
pub async fn uids_after(session: &mut Session, after: u32) -> anyhow::Result<Vec<u32>> {
    // `N:*` always matches the highest UID, even below N: filter.
    let query = format!("UID {}:*", after.saturating_add(1));
    let found = timeout(COMMAND_TIMEOUT, session.uid_search(query))
        .await
        .context("IMAP UID SEARCH timed out")??;
    let mut uids: Vec<u32> = found.into_iter().filter(|u| *u > after).collect();
    uids.sort_unstable();
    Ok(uids)
}

/// Unread mail of the last [`RESCAN_DAYS`] days, ascending.
pub async fn uids_to_rescan(session: &mut Session) -> anyhow::Result<Vec<u32>> {
    let query = format!("UNSEEN SINCE {}", imap_date(days_ago(RESCAN_DAYS)));
    let found = timeout(COMMAND_TIMEOUT, session.uid_search(query))
        .await
        .context("IMAP UID SEARCH timed out")??;
    let mut uids: Vec<u32> = found.into_iter().collect();
    uids.sort_unstable();
    Ok(uids)
}

/// The raw messages with these UIDs, ascending by UID, fetched with
/// `BODY.PEEK[]` so their \Seen flag is left alone.
pub async fn fetch(session: &mut Session, uids: &[u32]) -> anyhow::Result<Vec<(u32, Vec<u8>)>> {
    let set: Vec<String> = uids.iter().map(u32::to_string).collect();
    let fetched = async {
        let stream = session
            .uid_fetch(set.join(","), "(UID BODY.PEEK[])")
            .await?;
        stream.try_collect::<Vec<_>>().await
    };
    let fetched = timeout(COMMAND_TIMEOUT, fetched)
        .await
        .context("IMAP UID FETCH timed out")??;
    let mut out: Vec<(u32, Vec<u8>)> = fetched
        .iter()
        .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
        .filter(|(uid, _)| uids.contains(uid))
        .collect();
    out.sort_by_key(|(uid, _)| *uid);
    Ok(out)
}

/// Wait until the mailbox changes or `limit` passes: IDLE where the server
/// has it (re-issued every `limit`, well within the 29 minutes RFC 2177
/// allows), else a NOOP after sleeping `limit`.
pub async fn wait_for_change(
    session: Session,
    idle: bool,
    limit: Duration,
) -> anyhow::Result<Session> {
    if !idle {
        let mut session = session;
        tokio::time::sleep(limit).await;
        timeout(COMMAND_TIMEOUT, session.noop())
            .await
            .context("IMAP NOOP timed out")??;
        return Ok(session);
    }
    let mut handle = session.idle();
    timeout(COMMAND_TIMEOUT, handle.init())
        .await
        .context("IMAP IDLE timed out")??;
    let (wait, _stop) = handle.wait_with_timeout(limit);
    // The server's keepalives ("* OK Still here") restart the wait's own
    // timeout, so bound it here: the mailbox is looked at every `limit`
    // even if a notification was missed.
    match timeout(limit, wait).await {
        Ok(response) => tracing::debug!(response = ?response?, "IMAP IDLE woke"),
        Err(_) => tracing::debug!("IMAP IDLE refresh"),
    }
    let session = timeout(COMMAND_TIMEOUT, handle.done())
        .await
        .context("IMAP DONE timed out")??;
    while session.unsolicited_responses.try_recv().is_ok() {}
    Ok(session)
}

fn days_ago(days: u64) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    now.saturating_sub(days * 86_400)
}

/// An IMAP date (`1-Jan-2024`) for a Unix time.
pub fn imap_date(unix_secs: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // Civil from days (Howard Hinnant's algorithm).
    let z = (unix_secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{day}-{}-{year}", MONTHS[(month - 1) as usize])
}
