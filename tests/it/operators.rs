//! A person takes over, end to end: the real `kefu run` against the
//! Telegram stand-in with a forum supergroup for the operators (and the
//! real mail servers for an email customer and the operators' mailbox).
//! A hand-off opens a topic with the card; an operator's words there reach
//! the customer; the bot stays silent until `/release`; `kefu handoff`
//! works while the daemon runs; strangers in the group are ignored; a
//! deleted topic is opened again; an operator's reply survives kill -9.
#![cfg(all(feature = "telegram", feature = "email"))]

use support::email_server;
use support::telegram as telegram_standin;

use email_server::{mail_server, read_maildir, unique_id, wait_for_mail};
use std::time::{Duration, Instant};
use support::daemon::Daemon;
use support::{free_port, Sandbox};
use telegram_standin::TelegramStandin;

const WAIT: Duration = Duration::from_secs(120);
const GROUP: i64 = -1_009_001;
const OLGA: i64 = 4242;
const MALLORY: i64 = 4343;
const ALICE: i64 = 1001;
const ADMIN_TOKEN: &str = "admin-token-for-tests";

/// The environment of a kefu with the operators' group, the admin API on
/// `port`, and `extra`.
fn env(standin: &TelegramStandin, port: u16, extra: &[(String, String)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("RUST_LOG", "info".to_string()),
        ("KEFU__LLM__PHRASE", "never".to_string()),
        ("KEFU__TELEGRAM__ENABLED", "true".to_string()),
        ("KEFU__TELEGRAM__TOKEN", telegram_standin::TOKEN.to_string()),
        ("KEFU__TELEGRAM__API_URL", standin.api_url.clone()),
        ("KEFU__OPERATORS__TELEGRAM_CHAT", GROUP.to_string()),
        ("KEFU__OPERATORS__TELEGRAM_IDS", OLGA.to_string()),
        ("KEFU__HTTP__LISTEN", format!("127.0.0.1:{port}")),
        ("KEFU__HTTP__ADMIN_TOKEN", ADMIN_TOKEN.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    env.extend_from_slice(extra);
    env
}

/// Texts the bot sent in private chat `chat`.
fn texts_to(standin: &TelegramStandin, chat: i64) -> Vec<String> {
    standin.texts_to(chat)
}

fn replies_to(standin: &TelegramStandin, chat: i64, message: i64) -> usize {
    standin
        .state()
        .sent
        .iter()
        .filter(|m| m["chat"]["id"] == chat && m["reply_to_message"]["message_id"] == message)
        .count()
}

/// Wait for the topic's n-th opening and give its id.
fn wait_topic(standin: &TelegramStandin, n: usize, daemon: &Daemon) -> i64 {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some((_, topic)) = standin.state().topics_created.get(n - 1) {
            return *topic;
        }
        assert!(
            Instant::now() < deadline,
            "no topic {n}:\n{}",
            daemon.dump()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_topic_text(standin: &TelegramStandin, topic: i64, needle: &str, daemon: &Daemon) {
    let deadline = Instant::now() + WAIT;
    while !standin
        .topic_messages(GROUP, topic)
        .iter()
        .any(|t| t.contains(needle))
    {
        assert!(
            Instant::now() < deadline,
            "topic {topic} never got {needle:?}: {:#?}\n{}",
            standin.topic_messages(GROUP, topic),
            daemon.dump()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_text_to(standin: &TelegramStandin, chat: i64, needle: &str, daemon: &Daemon) {
    let deadline = Instant::now() + WAIT;
    while !texts_to(standin, chat).iter().any(|t| t.contains(needle)) {
        assert!(
            Instant::now() < deadline,
            "{chat} never got {needle:?}: {:#?}\n{}",
            texts_to(standin, chat),
            daemon.dump()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_telegram_customer_is_answered_from_the_topic_until_released() {
    let rt = runtime();
    let standin = rt.block_on(TelegramStandin::start());
    standin.make_forum(GROUP);
    let sandbox = Sandbox::new();
    let snippets = sandbox.dir.path().join("snippets.toml");
    std::fs::write(
        &snippets,
        "shipping = \"Orders ship within 2 business days.\"\n",
    )
    .unwrap();
    let extra = [
        (
            "KEFU__OPERATORS__SNIPPETS".to_string(),
            snippets.display().to_string(),
        ),
        // Reminded after 3 s.
        (
            "KEFU__OPERATORS__REMIND_MINUTES".to_string(),
            "0.05".to_string(),
        ),
    ];
    let env = env(&standin, free_port(), &extra);
    let mut daemon = sandbox.daemon_with(&env, "admin API listening");

    // The customer asks for a person: a topic opens with the card.
    let asked = standin.customer_says(ALICE, "I want to talk to a real person please");
    wait_text_to(&standin, ALICE, "colleague", &daemon);
    assert_eq!(replies_to(&standin, ALICE, asked), 1);
    let topic = wait_topic(&standin, 1, &daemon);
    wait_topic_text(
        &standin,
        topic,
        "Hand-off: the customer asked for a person",
        &daemon,
    );
    let card = standin.topic_messages(GROUP, topic)[0].clone();
    assert!(card.contains("Verified: no"), "{card}");
    assert!(
        card.contains("👤 I want to talk to a real person please"),
        "{card}"
    );
    assert!(
        card.contains("🤖 "),
        "the bot's words are on the card: {card}"
    );
    // Nobody took it: the group is reminded, once.
    wait_topic_text(&standin, topic, "⏰ Still waiting", &daemon);

    // A stranger in the group is ignored; the operator's words go out.
    standin.topic_says(GROUP, topic, MALLORY, "Mallory", "You win a free TV");
    daemon.wait_log(&["not in operators.telegram_ids"]);
    standin.topic_says(
        GROUP,
        topic,
        OLGA,
        "Olga",
        "Hi, Olga here: your refund left today.",
    );
    wait_text_to(
        &standin,
        ALICE,
        "Olga here: your refund left today.",
        &daemon,
    );
    assert!(!texts_to(&standin, ALICE)
        .iter()
        .any(|t| t.contains("free TV")));
    standin.topic_says(GROUP, topic, OLGA, "Olga", "/snippet Shipping");
    wait_text_to(
        &standin,
        ALICE,
        "Orders ship within 2 business days.",
        &daemon,
    );
    standin.topic_says(
        GROUP,
        topic,
        OLGA,
        "Olga",
        "/note VIP customer, be generous",
    );
    standin.topic_says(GROUP, topic, OLGA, "Olga", "/frobnicate");
    wait_topic_text(&standin, topic, "unknown command /frobnicate", &daemon);

    // The customer writes again: copied to the topic, the bot stays silent.
    let again = standin.customer_says(ALICE, "Thanks! When will it arrive?");
    wait_topic_text(&standin, topic, "👤 Thanks! When will it arrive?", &daemon);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        replies_to(&standin, ALICE, again),
        0,
        "the bot answered over a person"
    );

    // The command line works while the daemon holds the store.
    let list = sandbox.run_with(&env, &["handoff", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "telegram:1001")
        .unwrap_or_else(|| panic!("not listed: {list}"));
    assert_eq!(row["kind"], "operator");
    assert_eq!(row["detail"], "Olga");
    let out = sandbox.run_with(
        &env,
        &[
            "handoff",
            "reply",
            "telegram:1001",
            "--as",
            "Sam",
            "Allow 3-5 business days.",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("running daemon"));
    wait_text_to(&standin, ALICE, "Allow 3-5 business days.", &daemon);
    wait_topic_text(&standin, topic, "🧑‍💼 Sam: Allow 3-5 business days.", &daemon);

    // The operator deletes the topic; the next copy opens a new one.
    standin.delete_topic(GROUP, topic);
    standin.customer_says(ALICE, "ok great");
    let second = wait_topic(&standin, 2, &daemon);
    assert_ne!(second, topic);
    wait_topic_text(&standin, second, "👤 ok great", &daemon);
    // The new topic opens with the card: Sam answered last.
    wait_topic_text(&standin, second, "Answered by Sam", &daemon);

    // Released with a note: the bot answers again, knowing the note.
    let release = standin.topic_says(
        GROUP,
        second,
        OLGA,
        "Olga",
        "/release refunded the shipping",
    );
    daemon.wait_log(&["operator message handled", &format!("{GROUP}:{release}")]);
    let question = standin.customer_says(ALICE, "Is the store open on Sunday?");
    let deadline = Instant::now() + WAIT;
    while replies_to(&standin, ALICE, question) == 0 {
        assert!(
            Instant::now() < deadline,
            "no answer after release:\n{}",
            daemon.dump()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let shown = sandbox.run_with(&env, &["handoff", "show", "telegram:1001", "--json"]);
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["owner"]["who"], "bot");
    let turns = shown["turns"].as_array().unwrap();
    assert!(turns.iter().any(|t| t["role"] == "note"
        && t["text"]
            .as_str()
            .unwrap()
            .contains("refunded the shipping")));
    assert!(
        turns
            .iter()
            .any(|t| t["role"] == "note" && t["text"] == "VIP customer, be generous"),
        "{shown:#}"
    );
    assert_eq!(
        turns.iter().filter(|t| t["role"] == "operator").count(),
        3,
        "{shown:#}"
    );
    daemon.kill("-TERM");
    // Every operator reply went out once.
    let alice = texts_to(&standin, ALICE);
    assert_eq!(alice.iter().filter(|t| t.contains("Olga here")).count(), 1);
    assert_eq!(
        alice.iter().filter(|t| t.contains("3-5 business")).count(),
        1
    );
    let reminders = standin
        .topic_messages(GROUP, topic)
        .iter()
        .filter(|t| t.contains("⏰"))
        .count();
    assert_eq!(reminders, 1);
}

#[test]
fn after_hours_a_handoff_says_when_someone_replies_once_a_day() {
    let rt = runtime();
    let standin = rt.block_on(TelegramStandin::start());
    standin.make_forum(GROUP);
    let sandbox = Sandbox::new();
    // Open only on the weekday three days from now: closed today.
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(3);
    let name = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        [chrono::Datelike::weekday(&day).num_days_from_monday() as usize];
    let extra = [
        (
            format!("KEFU__HOURS__{}", name.to_uppercase()),
            "09:00-17:00".to_string(),
        ),
        // A digest every 4.3 s (the first one 4.3 s after the first start).
        (
            "KEFU__OPERATORS__DIGEST_DAYS".to_string(),
            "0.00005".to_string(),
        ),
    ];
    let env = env(&standin, free_port(), &extra);
    let daemon = sandbox.daemon_with(&env, "admin API listening");
    let asked = standin.customer_says(ALICE, "let me talk to a human");
    wait_text_to(&standin, ALICE, "away right now", &daemon);
    let reply = texts_to(&standin, ALICE)[0].clone();
    assert!(reply.contains("colleague"), "{reply}");
    assert!(reply.contains("09:00 (UTC)"), "{reply}");
    assert_eq!(replies_to(&standin, ALICE, asked), 1);
    // The same day, writing again while waiting gets no second notice.
    let again = standin.customer_says(ALICE, "hello? anyone?");
    let topic = wait_topic(&standin, 1, &daemon);
    wait_topic_text(&standin, topic, "👤 hello? anyone?", &daemon);
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(replies_to(&standin, ALICE, again), 0);
    // The digest reaches the group's General topic.
    let deadline = Instant::now() + WAIT;
    let digest = loop {
        let general = standin
            .state()
            .sent
            .iter()
            .filter(|m| m["chat"]["id"] == GROUP && m["message_thread_id"].is_null())
            .map(|m| m["text"].as_str().unwrap_or_default().to_string())
            .find(|t| t.contains("kefu digest"));
        if let Some(digest) = general {
            break digest;
        }
        assert!(Instant::now() < deadline, "no digest:\n{}", daemon.dump());
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(digest.contains("1 conversations"), "{digest}");
    assert!(
        digest.contains("1× the customer asked for a person"),
        "{digest}"
    );
    daemon.kill("-TERM");
}

#[test]
fn an_operator_reply_stored_before_a_crash_is_delivered_once() {
    let rt = runtime();
    let standin = rt.block_on(TelegramStandin::start());
    standin.make_forum(GROUP);
    let sandbox = Sandbox::new();
    let env = env(&standin, free_port(), &[]);
    let daemon = sandbox.daemon_with(&env, "admin API listening");
    standin.customer_says(ALICE, "can I speak to a human agent");
    let topic = wait_topic(&standin, 1, &daemon);
    wait_topic_text(&standin, topic, "Hand-off", &daemon);
    daemon.kill("-TERM");

    // The reply is committed, then kefu dies before sending it.
    let mut crash_env = env.clone();
    crash_env.push(("KEFU_FAILPOINT".into(), "before_send".into()));
    let mut daemon = sandbox.daemon_with(&crash_env, "admin API listening");
    standin.topic_says(
        GROUP,
        topic,
        OLGA,
        "Olga",
        "Olga here, looking into it now.",
    );
    daemon.wait_log(&["failpoint before_send reached"]);
    assert!(!daemon.child.wait().unwrap().success());
    assert!(!texts_to(&standin, ALICE)
        .iter()
        .any(|t| t.contains("Olga here")));

    let mut daemon = sandbox.daemon_with(&env, "admin API listening");
    wait_text_to(&standin, ALICE, "Olga here, looking into it now.", &daemon);
    daemon.wait_log(&["reply sent"]);
    std::thread::sleep(Duration::from_millis(1500));
    daemon.kill("-TERM");
    let alice = texts_to(&standin, ALICE);
    assert_eq!(
        alice.iter().filter(|t| t.contains("Olga here")).count(),
        1,
        "{alice:#?}"
    );
}

#[test]
fn an_email_customer_is_answered_from_the_group_and_the_team_mailbox_in_thread() {
    let rt = runtime();
    let standin = rt.block_on(TelegramStandin::start());
    standin.make_forum(GROUP);
    let server = mail_server();
    let sandbox = Sandbox::new();
    let (shop, customer, team) = (
        "shop5@example.test",
        "cust5@example.test",
        "cust6@example.test",
    );
    let mut extra = server.kefu_env("shop5");
    extra.push(("KEFU__OPERATORS__EMAIL".into(), team.into()));
    extra.push((
        "KEFU__EMAIL__TRUSTED_AUTHSERV_IDS".into(),
        "mx.shop.test".into(),
    ));
    let env = env(&standin, free_port(), &extra);
    let daemon = sandbox.daemon_with(&env, "IMAP inbox opened");
    let (inbox, team_inbox) = (server.maildir("cust5"), server.maildir("cust6"));

    let first = unique_id("handoff");
    // With a photo of the damage (trust II, 14: the operators see it).
    let photo = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQ==";
    let mail = format!(
        "From: Customer <{customer}>\r\nTo: <{shop}>\r\nSubject: Damaged parcel\r\n\
         Message-ID: <{first}>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         My parcel arrived broken. I want to talk to a human agent.\r\n--b1\r\n\
         Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename=\"broken.jpg\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{photo}\r\n--b1--\r\n"
    );
    server.send(customer, shop, mail.as_bytes());
    let replies = wait_for_mail(&inbox, 1, WAIT, &|| daemon.dump());
    assert!(replies[0].text.contains("colleague"), "{}", replies[0].text);
    let topic = wait_topic(&standin, 1, &daemon);
    wait_topic_text(&standin, topic, "Customer: cust5@example.test", &daemon);
    let cards = wait_for_mail(&team_inbox, 1, WAIT, &|| daemon.dump());
    let card = &cards[0];
    assert!(card.subject.contains("Hand-off"), "{}", card.subject);
    assert!(
        card.text.contains("My parcel arrived broken"),
        "{}",
        card.text
    );
    // The customer's photo goes with the card, to the mailbox and the topic.
    let sent: Vec<_> = card.attachments.iter().map(|a| a.name.as_deref()).collect();
    assert_eq!(sent, [Some("broken.jpg")], "{:?}", card.attachments);
    assert!(card.attachments[0].content.is_some());
    let deadline = Instant::now() + WAIT;
    while !standin
        .photos_sent(GROUP, Some(topic))
        .contains(&"upload:broken.jpg".to_string())
    {
        assert!(
            Instant::now() < deadline,
            "no photo in the topic:\n{}",
            daemon.dump()
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // From the group: the customer gets it in their thread.
    standin.topic_says(
        GROUP,
        topic,
        OLGA,
        "Olga",
        "Sorry about that! A new one ships today.",
    );
    let replies = wait_for_mail(&inbox, 2, WAIT, &|| daemon.dump());
    let answer = &replies[1];
    assert!(
        answer.text.contains("A new one ships today."),
        "{}",
        answer.text
    );
    assert_eq!(answer.subject, "Re: Damaged parcel");
    assert!(
        answer.references.contains(&first),
        "{:?}",
        answer.references
    );

    // From the team's mailbox: a reply to the card reaches the customer,
    // without the quoted card — when the shop's server vouches for its
    // From; a team list's List-Id does not make it machine mail.
    let team_mail = |auth: &str, body: &str| {
        format!(
            "From: Team <{team}>\r\nTo: <{shop}>\r\n{auth}List-Id: <team.example.test>\r\nSubject: Re: {}\r\nMessage-ID: <{}>\r\nIn-Reply-To: <{}>\r\nReferences: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n\r\nOn Monday the shop wrote:\r\n> Hand-off: the customer asked for a person\r\n",
            card.subject,
            unique_id("team"),
            card.message_id,
            card.references
                .iter()
                .chain([&card.message_id])
                .map(|r| format!("<{r}>"))
                .collect::<Vec<_>>()
                .join(" ")
        )
    };
    // A forged From (anyone Cc'd on the card has its token): ignored.
    server.send(
        team,
        shop,
        team_mail("", "Forged: send your card number to me.").as_bytes(),
    );
    let reply = team_mail(
        "Authentication-Results: mx.shop.test; dmarc=pass header.from=example.test\r\n",
        "Your tracking number is 1Z999.",
    );
    server.send(team, shop, reply.as_bytes());
    let replies = wait_for_mail(&inbox, 3, WAIT, &|| daemon.dump());
    let from_team = &replies[2];
    assert!(
        from_team.text.contains("tracking number is 1Z999"),
        "{}",
        from_team.text
    );
    assert!(!from_team.text.contains("Hand-off"), "{}", from_team.text);
    assert!(
        read_maildir(&inbox)
            .iter()
            .all(|m| !m.text.contains("Forged")),
        "a forged operator mail reached the customer"
    );
    assert!(from_team.references.contains(&first));
    daemon.kill("-TERM");
    assert_eq!(read_maildir(&inbox).len(), 3, "nothing twice");
}

/// Trust II, 9: a customer who asks for a person in a group is answered in
/// the group, so the card warns the operator that their words are public;
/// a private chat's card does not.
#[test]
fn a_group_customers_card_says_the_conversation_is_public() {
    let rt = runtime();
    let standin = rt.block_on(TelegramStandin::start());
    standin.make_forum(GROUP);
    let sandbox = Sandbox::new();
    let env = env(&standin, free_port(), &[]);
    let daemon = sandbox.daemon_with(&env, "admin API listening");
    let fans = -1_007_777;
    standin.member_says(fans, ALICE, "I want to talk to a real person please");
    let topic = wait_topic(&standin, 1, &daemon);
    wait_topic_text(&standin, topic, "Hand-off", &daemon);
    let card = standin.topic_messages(GROUP, topic)[0].clone();
    assert!(card.contains("⚠️ Public"), "{card}");
    standin.customer_says(ALICE, "I want to talk to a real person please");
    let topic = wait_topic(&standin, 2, &daemon);
    wait_topic_text(&standin, topic, "Hand-off", &daemon);
    let card = standin.topic_messages(GROUP, topic)[0].clone();
    assert!(!card.contains("Public"), "{card}");
}

/// Trust II, 11: an operator's answer over the size kept is not cut on its
/// way to the customer: nothing goes out and the operator is told.
#[test]
fn an_operator_answer_over_the_cap_is_not_sent_cut() {
    let rt = runtime();
    let standin = rt.block_on(TelegramStandin::start());
    standin.make_forum(GROUP);
    let sandbox = Sandbox::new();
    let env = env(&standin, free_port(), &[]);
    let daemon = sandbox.daemon_with(&env, "admin API listening");
    standin.customer_says(ALICE, "I want to talk to a real person please");
    let topic = wait_topic(&standin, 1, &daemon);
    wait_topic_text(&standin, topic, "Hand-off", &daemon);
    let long = "Thank you for waiting. ".repeat(250);
    standin.topic_says(GROUP, topic, OLGA, "Olga", &long);
    wait_topic_text(
        &standin,
        topic,
        "Not sent: your message has 5750 characters",
        &daemon,
    );
    standin.topic_says(GROUP, topic, OLGA, "Olga", "Short answer: it ships today.");
    wait_text_to(&standin, ALICE, "it ships today", &daemon);
    assert!(
        !texts_to(&standin, ALICE)
            .iter()
            .any(|t| t.contains("Thank you for waiting")),
        "{:?}",
        texts_to(&standin, ALICE)
    );
}

/// Trust II, 10: on the daemon's machine the CLI talks to it over the
/// store's Unix socket (owner only), with no token and no port anyone
/// could bind first; on HTTP a short token is refused at start and wrong
/// tokens lock the API for a minute.
#[test]
fn the_cli_uses_the_owner_only_socket_and_http_limits_wrong_tokens() {
    use std::os::unix::fs::PermissionsExt as _;
    let rt = runtime();
    let standin = rt.block_on(TelegramStandin::start());
    standin.make_forum(GROUP);
    let sandbox = Sandbox::new();
    let port = free_port();
    let env = env(&standin, port, &[]);
    let daemon = sandbox.daemon_with(&env, "admin socket listening");
    let socket = sandbox.state().join("admin.sock");
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    standin.customer_says(ALICE, "I want to talk to a real person please");
    wait_topic(&standin, 1, &daemon);
    // No HTTP settings and no token: the socket serves the CLI.
    let bare: Vec<(String, String)> = env
        .iter()
        .filter(|(k, _)| !k.starts_with("KEFU__HTTP__"))
        .cloned()
        .collect();
    let out = sandbox.run_with(&bare, &["handoff", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["id"], format!("telegram:{ALICE}"), "{list:#}");
    // Over HTTP, wrong tokens lock the admin API, the right one included.
    let status = |token: &str| support::http_get(port, "/admin/handoffs", Some(token)).0;
    assert_eq!(status(ADMIN_TOKEN), 200);
    for _ in 0..10 {
        assert_eq!(status("guess-guess-guess"), 401);
    }
    assert_eq!(status(ADMIN_TOKEN), 429);
    // The socket still serves.
    sandbox.run_with(&bare, &["handoff", "list", "--json"]);
    drop(daemon);
    // A short token is a configuration error, said at start.
    let mut short = env.clone();
    short.retain(|(k, _)| k != "KEFU__HTTP__ADMIN_TOKEN");
    short.push(("KEFU__HTTP__ADMIN_TOKEN".into(), "secret".into()));
    let out = sandbox
        .kefu_with(&short, &["handoff", "list"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("http.admin_token") && err.contains("16"),
        "{err}"
    );
}

/// Trust II, 5: where the desk is a mailbox only, an operator mail kefu
/// does not act on (an unknown command) is answered to the mailbox in the
/// conversation's thread, never only logged.
#[test]
fn a_mailbox_only_desk_hears_why_a_mail_was_not_acted_on() {
    let server = mail_server();
    let sandbox = Sandbox::new();
    let (shop, customer, team) = (
        "shop10@example.test",
        "cust10@example.test",
        "cust11@example.test",
    );
    let mut env = server.kefu_env("shop10");
    env.push(("KEFU__OPERATORS__EMAIL".into(), team.into()));
    env.push((
        "KEFU__EMAIL__TRUSTED_AUTHSERV_IDS".into(),
        "mx.shop.test".into(),
    ));
    env.push(("KEFU__LLM__PHRASE".into(), "never".into()));
    let daemon = sandbox.daemon_with(&env, "IMAP inbox opened");
    let (inbox, team_inbox) = (server.maildir("cust10"), server.maildir("cust11"));
    let first = unique_id("desk-only");
    let ask = format!(
        "From: Customer <{customer}>\r\nTo: <{shop}>\r\nSubject: Help\r\nMessage-ID: <{first}>\r\n\
         Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         I want to talk to a human agent.\r\n"
    );
    server.send(customer, shop, ask.as_bytes());
    wait_for_mail(&inbox, 1, WAIT, &|| daemon.dump());
    let cards = wait_for_mail(&team_inbox, 1, WAIT, &|| daemon.dump());
    let card = &cards[0];
    let refs = card
        .references
        .iter()
        .chain([&card.message_id])
        .map(|r| format!("<{r}>"))
        .collect::<Vec<_>>()
        .join(" ");
    let bogus = format!(
        "From: Team <{team}>\r\nTo: <{shop}>\r\n\
         Authentication-Results: mx.shop.test; dmarc=pass header.from=example.test\r\n\
         Subject: Re: {}\r\nMessage-ID: <{}>\r\nIn-Reply-To: <{}>\r\nReferences: {refs}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n/refund everything\r\n",
        card.subject,
        unique_id("bogus"),
        card.message_id
    );
    server.send(team, shop, bogus.as_bytes());
    let mails = wait_for_mail(&team_inbox, 2, WAIT, &|| daemon.dump());
    let notice = &mails[1];
    assert!(notice.subject.contains("Not sent"), "{}", notice.subject);
    assert!(
        notice.text.contains("unknown command /refund"),
        "{}",
        notice.text
    );
    assert!(
        notice
            .references
            .iter()
            .any(|r| r.starts_with("kefu-desk.")),
        "{:?}",
        notice.references
    );
    drop(daemon);
    assert_eq!(
        read_maildir(&inbox).len(),
        1,
        "the customer got nothing of it"
    );
}
