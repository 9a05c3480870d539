//! The email channel alone (no daemon, no model) against real Dovecot and
//! OpenSMTPD on 127.0.0.1: the UID cursor across restarts, a renumbered
//! mailbox, an unacknowledged mail, \Seen left alone, and SMTP sends with
//! their errors classified.
#![cfg(feature = "email")]

use support::email_server;

use email_server::{customer_mail, mail_server, unique_id, wait_for_mail, MailServer, PASSWORD};
use kefu_channels::email::parse::Route;
use kefu_channels::email::{EmailChannel, EmailConfig, Security};
use kefu_channels::{
    Ack, Channel, ChannelKind, CursorStore, Inbound, InboundSink, MemoryCursorStore, Outbound,
    SendError, Thread,
};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(30);

/// The mail system, with its CA trusted by this process's TLS clients.
fn server() -> &'static MailServer {
    static TRUST: Once = Once::new();
    let server = mail_server();
    TRUST.call_once(|| std::env::set_var("SSL_CERT_FILE", &server.ca));
    server
}

fn config(server: &MailServer, shop: &str) -> EmailConfig {
    let address = format!("{shop}@example.test");
    let mut config = EmailConfig::new(&address, &address, PASSWORD);
    config.imap_host = "127.0.0.1".into();
    config.imap_port = server.imaps_port;
    config.imap_security = Security::Tls;
    config.smtp_host = "127.0.0.1".into();
    config.smtp_port = server.smtp_port;
    config.smtp_security = Security::None;
    config.poll_interval = Duration::from_secs(5);
    config
}

/// Run the channel with a sink that stores (acknowledges) everything, or
/// refuses everything when `refuse` is set.
fn run(
    channel: Arc<EmailChannel>,
    refuse: bool,
) -> (
    JoinHandle<anyhow::Result<()>>,
    mpsc::UnboundedReceiver<Inbound>,
) {
    let (sink, mut deliveries) = InboundSink::new(8);
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(delivery) = deliveries.recv().await {
            let _ = tx.send(delivery.inbound);
            if !refuse {
                let _ = delivery.ack.send(Ok(Ack::Stored));
            }
        }
    });
    (tokio::spawn(async move { channel.run(sink).await }), rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Inbound>) -> Inbound {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("a mail within the wait")
        .expect("the channel is running")
}

/// Wait until the channel saved its cursor past `uid` (it does so right
/// after the sink acknowledged the mail).
async fn cursor_at(cursors: &MemoryCursorStore, key: &str, uid: u32) {
    let start = Instant::now();
    loop {
        let saved = cursors
            .load(key)
            .and_then(|v| v.split_once(':')?.1.parse::<u32>().ok());
        if saved >= Some(uid) {
            return;
        }
        assert!(start.elapsed() < WAIT, "cursor still {saved:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn nothing_more(rx: &mut mpsc::UnboundedReceiver<Inbound>) {
    let more = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await;
    assert!(more.is_err(), "unexpected delivery: {more:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cursor_resumes_after_a_restart_and_mail_stays_unread() {
    let server = server();
    let (shop, customer) = ("shop5@example.test", "cust5@example.test");
    let cursors = Arc::new(MemoryCursorStore::default());
    let channel = Arc::new(EmailChannel::new(config(server, "shop5"), cursors.clone()));
    let (task, mut rx) = run(channel.clone(), false);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let first = unique_id("c1");
    let sent = Instant::now();
    server.send(
        customer,
        shop,
        &customer_mail(customer, shop, "Lamp", &first, "", "Is the lamp in stock?"),
    );
    let inbound = next(&mut rx).await;
    eprintln!(
        "IMAP IDLE: mail handed to the daemon {} ms after it was sent",
        sent.elapsed().as_millis()
    );
    assert_eq!(inbound.channel, ChannelKind::Email);
    assert_eq!(inbound.platform_message_id, first);
    assert_eq!(inbound.sender.id, customer);
    assert_eq!(inbound.text, "Is the lamp in stock?");
    assert_eq!(inbound.thread.id, first);
    let route = Route::decode(inbound.thread.route.as_deref().unwrap()).unwrap();
    assert_eq!(
        (route.to.as_str(), route.references.clone()),
        (customer, vec![first.clone()])
    );
    assert!(!inbound.auto);
    cursor_at(
        &cursors,
        "email:cursor:shop5@example.test@127.0.0.1/INBOX",
        1,
    )
    .await;
    task.abort();

    let second = unique_id("c2");
    server.send(
        customer,
        shop,
        &customer_mail(customer, shop, "Lamp", &second, "", "And in blue?"),
    );
    let channel = Arc::new(EmailChannel::new(config(server, "shop5"), cursors.clone()));
    let (task, mut rx) = run(channel, false);
    let inbound = next(&mut rx).await;
    assert_eq!(
        inbound.platform_message_id, second,
        "only the mail that came while down"
    );
    assert_eq!(
        inbound.thread.id, second,
        "a subject proves nothing: without References a mail starts its own thread"
    );
    nothing_more(&mut rx).await;
    task.abort();

    // BODY.PEEK[]: neither mail is marked \Seen.
    let cur = std::fs::read_dir(server.maildir("shop5").join("cur")).unwrap();
    for entry in cur.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let flags = name
            .rsplit_once(":2,")
            .map(|(_, f)| f.to_string())
            .unwrap_or_default();
        assert!(!flags.contains('S'), "{name} was marked seen");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renumbered_mailbox_is_rescanned_not_crashed_on() {
    let server = server();
    let (shop, customer) = ("shop6@example.test", "cust6@example.test");
    let cursors = Arc::new(MemoryCursorStore::default());
    let key = "email:cursor:shop6@example.test@127.0.0.1/INBOX";
    let (task, mut rx) = run(
        Arc::new(EmailChannel::new(config(server, "shop6"), cursors.clone())),
        false,
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let first = unique_id("v1");
    server.send(
        customer,
        shop,
        &customer_mail(customer, shop, "Hello", &first, "", "First"),
    );
    assert_eq!(next(&mut rx).await.platform_message_id, first);
    cursor_at(&cursors, key, 1).await;
    task.abort();
    let saved = cursors.load(key).expect("cursor saved");
    let (validity, uid) = saved.split_once(':').unwrap();
    assert_eq!(uid, "1");

    // As if the server renumbered the mailbox.
    cursors.save(key, "4242:77").unwrap();
    let (task, mut rx) = run(
        Arc::new(EmailChannel::new(config(server, "shop6"), cursors.clone())),
        false,
    );
    assert_eq!(
        next(&mut rx).await.platform_message_id,
        first,
        "unread mail is delivered again (the daemon dedups)"
    );
    nothing_more(&mut rx).await;
    assert_eq!(cursors.load(key).unwrap(), format!("{validity}:1"));
    let second = unique_id("v2");
    server.send(
        customer,
        shop,
        &customer_mail(customer, shop, "Hello", &second, "", "Second"),
    );
    assert_eq!(next(&mut rx).await.platform_message_id, second);
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_the_daemon_did_not_store_is_delivered_again() {
    let server = server();
    let (shop, customer) = ("shop7@example.test", "cust7@example.test");
    let cursors = Arc::new(MemoryCursorStore::default());
    let (task, mut rx) = run(
        Arc::new(EmailChannel::new(config(server, "shop7"), cursors.clone())),
        true,
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let id = unique_id("lost");
    server.send(
        customer,
        shop,
        &customer_mail(customer, shop, "Refund", &id, "", "Refund please"),
    );
    assert_eq!(next(&mut rx).await.platform_message_id, id);
    let stopped = tokio::time::timeout(WAIT, task)
        .await
        .expect("run stops")
        .unwrap();
    assert!(stopped.is_err(), "a refused delivery stops intake");

    let (task, mut rx) = run(
        Arc::new(EmailChannel::new(config(server, "shop7"), cursors)),
        false,
    );
    assert_eq!(next(&mut rx).await.platform_message_id, id, "not lost");
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_are_threaded_and_send_errors_classified() {
    let server = server();
    let (shop, customer) = ("shop8@example.test", "cust8@example.test");
    let channel = EmailChannel::new(
        config(server, "shop8"),
        Arc::new(MemoryCursorStore::default()),
    );
    let route = Route {
        to: customer.into(),
        subject: "回复: 订单".into(),
        references: vec!["a@x".into(), "b@x".into()],
    };
    let outbound = Outbound {
        channel: ChannelKind::Email,
        thread: Thread {
            id: "a@x".into(),
            route: Some(route.encode()),
        },
        text: "您的订单已发货。".into(),
        reply_to: Some("b@x".into()),
        attachments: vec![],
        annotations: Default::default(),
        buttons: Vec::new(),
    };
    let id = channel.send(&outbound).await.expect("sent over plain SMTP");
    let mails = wait_for_mail(&server.maildir("cust8"), 1, WAIT, &String::new);
    assert_eq!(mails[0].message_id, id);
    assert_eq!(mails[0].in_reply_to.as_deref(), Some("b@x"));
    assert_eq!(mails[0].references, ["a@x", "b@x"]);
    assert_eq!(mails[0].subject, "Re: 订单");
    assert_eq!(mails[0].text, "您的订单已发货。");

    // STARTTLS with a wrong password: refused for good.
    let port = email_server::starttls_server(&server.mail.join("../aiosmtpd"), shop);
    let mut config = config(server, "shop8");
    (config.smtp_port, config.smtp_security, config.password) =
        (port, Security::Starttls, "wrong".into());
    let wrong = EmailChannel::new(config.clone(), Arc::new(MemoryCursorStore::default()));
    let refused = wrong.send(&outbound).await;
    assert!(
        matches!(refused, Err(SendError::Permanent(_))),
        "{refused:?}"
    );
    // Nobody listening: worth retrying.
    config.smtp_port = 1;
    let down = EmailChannel::new(config, Arc::new(MemoryCursorStore::default()));
    assert!(matches!(
        down.send(&outbound).await,
        Err(SendError::Transient(_))
    ));
}
