//! How the bot is doing, end to end: a scripted day of conversations on the
//! Telegram stand-in (and one by mail) ends in outcomes and CSAT answers
//! (inline-keyboard presses, a digit by mail); a real Prometheus scrapes
//! kefu's /metrics and its queries return the counts; `kefu stats --json`
//! gives the same figures.
#![cfg(all(feature = "telegram", feature = "email"))]

use support::email_server;
use support::telegram as telegram_standin;

use email_server::{customer_mail, mail_server, unique_id, wait_for_mail};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::daemon::Daemon;
use support::{free_port, Sandbox};
use telegram_standin::TelegramStandin;

const WAIT: Duration = Duration::from_secs(120);
const TOKEN: &str = "stats-admin-token";
const ALICE: i64 = 2001;
const BOB: i64 = 2002;
const CAROL: i64 = 2003;
const DAVE: i64 = 2004;

/// `GET http://127.0.0.1:port/path`: status and body.
fn get(port: u16, path: &str) -> (u16, String) {
    support::http_get(port, path, None)
}

fn env(extra: &[(&str, String)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("RUST_LOG", "info".to_string()),
        ("KEFU__LLM__PHRASE", "never".to_string()),
        ("KEFU__CSAT__ENABLED", "true".to_string()),
        ("KEFU__HTTP__ADMIN_TOKEN", TOKEN.to_string()),
        // Quiet for 3.6 s: resolved (assumed) or abandoned.
        ("KEFU__OUTCOMES__ASSUME_AFTER_HOURS", "0.001".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    env
}

fn kefu_json(sandbox: &Sandbox, env: &[(String, String)], args: &[&str]) -> serde_json::Value {
    serde_json::from_slice(&sandbox.run_with(env, args).stdout).unwrap()
}

/// The bot's messages in chat `chat`.
fn sent_to(standin: &TelegramStandin, chat: i64) -> Vec<serde_json::Value> {
    standin
        .state()
        .sent
        .iter()
        .filter(|m| m["chat"]["id"] == chat)
        .cloned()
        .collect()
}

fn wait_sent(standin: &TelegramStandin, chat: i64, count: usize, daemon: &Daemon) {
    let deadline = Instant::now() + WAIT;
    while sent_to(standin, chat).len() < count {
        assert!(
            Instant::now() < deadline,
            "{chat}: fewer than {count} messages: {:#?}\n{}",
            sent_to(standin, chat),
            daemon.dump()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The survey among a chat's messages: its id; it carries buttons 1–5.
fn survey_in(standin: &TelegramStandin, chat: i64) -> i64 {
    let sent = sent_to(standin, chat);
    let survey = sent
        .iter()
        .find(|m| m["request"]["reply_markup"].is_object())
        .unwrap_or_else(|| panic!("no survey: {sent:#?}"));
    let buttons = &survey["request"]["reply_markup"]["inline_keyboard"][0];
    assert_eq!(buttons.as_array().unwrap().len(), 5, "{survey:#}");
    assert_eq!(buttons[4]["callback_data"], "csat:5");
    survey["message_id"].as_i64().unwrap()
}

/// A Prometheus of its own, scraping kefu every second.
struct Prometheus {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(target: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: kefu\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n"
            ),
        )
        .unwrap();
        let port = free_port();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus (run scripts/setup)");
        Self {
            child,
            port,
            _dir: dir,
        }
    }

    /// The value of a PromQL query once it has one equal to `want`.
    fn wait_for(&self, query: &str, want: f64) {
        let path = format!("/api/v1/query?query={}", encode(query));
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                let (status, body) = get(self.port, &path);
                if status == 200 {
                    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
                    let value = answer["data"]["result"][0]["value"][1]
                        .as_str()
                        .and_then(|v| v.parse::<f64>().ok());
                    if value == Some(want) {
                        return;
                    }
                    last = body;
                }
            }
            assert!(
                Instant::now() < deadline,
                "Prometheus: {query} never gave {want}; last answer {last}"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encode a query for a URL.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// [`env`] for Telegram on `standin` with the admin API on `port`.
fn telegram_env(
    standin: &TelegramStandin,
    port: u16,
    extra: &[(&str, String)],
) -> Vec<(String, String)> {
    let mut all = vec![
        ("KEFU__TELEGRAM__ENABLED", "true".to_string()),
        ("KEFU__TELEGRAM__TOKEN", telegram_standin::TOKEN.to_string()),
        ("KEFU__TELEGRAM__API_URL", standin.api_url.clone()),
        ("KEFU__HTTP__LISTEN", format!("127.0.0.1:{port}")),
    ];
    all.extend(extra.iter().cloned());
    env(&all)
}

#[test]
fn a_scripted_day_in_outcomes_csat_metrics_and_stats() {
    let rt = runtime();
    let standin = rt.block_on(TelegramStandin::start());
    let sandbox = Sandbox::new();
    let port = free_port();
    let env = telegram_env(&standin, port, &[]);
    let mut daemon = sandbox.daemon_with(&env, "admin API listening");
    let prometheus = Prometheus::start(port);

    // Alice: a question, then goodbye: resolved by the bot, confirmed;
    // she rates it 5 on the keyboard.
    standin.customer_says(ALICE, "Is the store open on Sunday?");
    wait_sent(&standin, ALICE, 1, &daemon);
    standin.customer_says(ALICE, "thanks, bye");
    wait_sent(&standin, ALICE, 3, &daemon);
    let survey = survey_in(&standin, ALICE);
    standin.press_button(ALICE, survey, "csat:5");
    wait_sent(&standin, ALICE, 4, &daemon);
    assert!(sent_to(&standin, ALICE)[3]["text"]
        .as_str()
        .unwrap()
        .contains("Thank you for your rating"));
    assert_eq!(standin.state().answered_presses.len(), 1);

    // Bob: asks for a person; an operator closes it; he rates it 2.
    standin.customer_says(BOB, "I want to talk to a human agent");
    wait_sent(&standin, BOB, 1, &daemon);
    let closed = kefu_json(&sandbox, &env, &["handoff", "list", "--json"]);
    assert_eq!(closed[0]["id"], format!("telegram:{BOB}"));
    sandbox.run_with(&env, &["handoff", "close", &format!("telegram:{BOB}")]);
    wait_sent(&standin, BOB, 2, &daemon);
    let survey = survey_in(&standin, BOB);
    standin.press_button(BOB, survey, "csat:2");
    wait_sent(&standin, BOB, 3, &daemon);

    // Carol leaves in the middle of a cancellation: abandoned. Dave's
    // question is answered and he says nothing more: resolved, assumed.
    standin.customer_says(CAROL, "I want to cancel my order #W2378156");
    wait_sent(&standin, CAROL, 1, &daemon);
    standin.customer_says(DAVE, "Do you ship to Canada?");
    wait_sent(&standin, DAVE, 1, &daemon);
    daemon.wait_log(&["quiet conversation settled", &format!("telegram:{CAROL}")]);
    daemon.wait_log(&["quiet conversation settled", &format!("telegram:{DAVE}")]);
    // Dave is surveyed once; Carol is not.
    wait_sent(&standin, DAVE, 2, &daemon);
    survey_in(&standin, DAVE);
    assert_eq!(sent_to(&standin, CAROL).len(), 1);

    // Prometheus scrapes the counts.
    prometheus.wait_for(
        "sum(kefu_conversations_started_total{channel=\"telegram\"})",
        4.0,
    );
    prometheus.wait_for("sum(kefu_csat_responses_total)", 2.0);
    prometheus.wait_for("kefu_csat_responses_total{score=\"5\"}", 1.0);
    prometheus.wait_for(
        "kefu_handoffs_total{reason=\"the customer asked for a person\"}",
        1.0,
    );
    prometheus.wait_for("kefu_outcomes_total{who=\"bot\",how=\"confirmed\"}", 1.0);
    prometheus.wait_for("kefu_outcomes_total{who=\"bot\",how=\"assumed\"}", 1.0);
    prometheus.wait_for(
        "kefu_outcomes_total{who=\"operator\",how=\"confirmed\"}",
        1.0,
    );
    prometheus.wait_for(
        "kefu_outcomes_total{who=\"customer\",how=\"abandoned\"}",
        1.0,
    );
    prometheus.wait_for(
        "count(sum(kefu_replies_total{source=\"template\"}) >= 5)",
        1.0,
    );
    prometheus.wait_for("kefu_first_response_seconds_count", 4.0);

    // Ready: the store answers and Telegram is connected.
    let (status, body) = get(port, "/readyz");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"telegram\":true"), "{body}");

    // The same day in `kefu stats`, from the running daemon.
    let stats = kefu_json(&sandbox, &env, &["stats", "--since", "1d", "--json"]);
    let all = &stats["all"];
    assert_eq!(all["conversations"], 4, "{stats:#}");
    assert_eq!(all["resolved_by_bot"], 2);
    assert_eq!(all["resolved_by_operator"], 1);
    assert_eq!(all["abandoned"], 1);
    assert_eq!(all["handed_off"], 1);
    assert_eq!(all["resolution_rate"], 0.5);
    assert_eq!(all["handoff_rate"], 0.25);
    assert_eq!(all["csat_count"], 2);
    assert_eq!(all["csat_average"], 3.5);
    assert!(all["first_response_p95_ms"].as_u64().is_some());
    assert_eq!(stats["by_channel"]["telegram"]["conversations"], 4);
    assert_eq!(stats["by_intent"]["human_agent"]["handed_off"], 1);
    daemon.kill("-TERM");

    // And from the store, with the daemon stopped.
    let stored = kefu_json(&sandbox, &env, &["stats", "--since", "all", "--json"]);
    assert_eq!(stored["all"], stats["all"]);
}

#[test]
fn a_mail_customer_rates_with_a_digit_and_a_comment() {
    let server = mail_server();
    let sandbox = Sandbox::new();
    let (shop, customer) = ("shop6@example.test", "cust8@example.test");
    let mut extra: Vec<(&str, String)> = Vec::new();
    let mail_env = server.kefu_env("shop6");
    for (k, v) in &mail_env {
        extra.push((k.as_str(), v.clone()));
    }
    let env = env(&extra);
    let daemon = sandbox.daemon_with(&env, "IMAP inbox opened");
    let inbox = server.maildir("cust8");
    let before = email_server::read_maildir(&inbox).len();
    let first = unique_id("rate");
    server.send(
        customer,
        shop,
        &customer_mail(
            customer,
            shop,
            "Shipping",
            &first,
            "",
            "Do you ship to Canada?",
        ),
    );
    // The answer; 3.6 s later, quiet, it counts as resolved: the survey.
    let mails = wait_for_mail(&inbox, before + 2, WAIT, &|| daemon.dump());
    let survey = &mails[before + 1];
    assert!(
        survey.text.contains("1 (poor) to 5 (great)"),
        "{}",
        survey.text
    );
    let reply = unique_id("rating");
    let references = format!("<{first}> <{}>", survey.message_id);
    server.send(
        customer,
        shop,
        &customer_mail(
            customer,
            shop,
            &format!("Re: {}", survey.subject),
            &reply,
            &format!(
                "In-Reply-To: <{}>\r\nReferences: {references}\r\n",
                survey.message_id
            ),
            "4 - quick, but I had to ask twice",
        ),
    );
    let mails = wait_for_mail(&inbox, before + 3, WAIT, &|| daemon.dump());
    assert!(mails[before + 2].text.contains("Thank you for your rating"));
    daemon.kill("-TERM");
    let conversation = format!("email:{first}/{customer}");
    let shown = kefu_json(
        &sandbox,
        &env,
        &["handoff", "show", &conversation, "--json"],
    );
    let csat = &shown["measures"]["csat"];
    assert_eq!(csat["score"], 4, "{shown:#}");
    assert_eq!(csat["comment"], "quick, but I had to ask twice");
    assert_eq!(csat["handled_by"], "bot");
}

#[test]
fn an_approved_operator_answer_answers_the_question_next_time() {
    const ASKS: i64 = 2101;
    const LATER: i64 = 2102;
    const BEFORE: i64 = 2103;
    let rt = runtime();
    let standin = rt.block_on(TelegramStandin::start());
    let sandbox = Sandbox::new();
    let port = free_port();
    let env = telegram_env(
        &standin,
        port,
        &[
            // The rules alone read the question (the small model's guess at
            // an unclear message varies).
            ("KEFU__LLM__NLU_FALLBACK", "false".into()),
        ],
    );
    let question = "Can I collect my purchases at your warehouse myself?";
    let daemon = sandbox.daemon_with(&env, "admin API listening");
    // Before: the bot does not know.
    standin.customer_says(BEFORE, question);
    wait_sent(&standin, BEFORE, 1, &daemon);
    assert!(!sent_to(&standin, BEFORE)[0]["text"]
        .as_str()
        .unwrap()
        .contains("Leipzig"));
    // A customer asks and wants a person; an operator answers.
    standin.customer_says(ASKS, question);
    wait_sent(&standin, ASKS, 1, &daemon);
    standin.customer_says(ASKS, "I want to talk to a human");
    wait_sent(&standin, ASKS, 2, &daemon);
    let answer = "Yes: pick-ups are possible at our Leipzig warehouse on weekdays from 9 to 17.";
    let conversation = format!("telegram:{ASKS}");
    kefu_json(&sandbox, &env, &["handoff", "list", "--json"]);
    sandbox.run_with(&env, &["handoff", "reply", &conversation, answer]);
    wait_sent(&standin, ASKS, 3, &daemon);
    let list = kefu_json(&sandbox, &env, &["learn", "list", "--json"]);
    let suggestion = &list.as_array().unwrap()[0];
    assert_eq!(suggestion["conversation"], conversation.as_str());
    assert!(
        suggestion["question"]
            .as_str()
            .unwrap()
            .contains("warehouse"),
        "{suggestion:#}"
    );
    assert_eq!(suggestion["answer"], answer);
    sandbox.run_with(
        &env,
        &["learn", "approve", &conversation, "--question", question],
    );
    let list = kefu_json(&sandbox, &env, &["learn", "list", "--json"]);
    assert!(list.as_array().unwrap().is_empty(), "{list:#}");
    // The approved question is a regression case: it finds its entry.
    let checks = kefu_json(&sandbox, &env, &["learn", "check", "--json"]);
    assert_eq!(checks[0]["id"], "learned-1", "{checks:#}");
    assert_eq!(checks[0]["found"], "learned-1", "{checks:#}");
    daemon.kill("-TERM");

    // Next start: the same question is answered from what was learned.
    let mut daemon = sandbox.daemon_with(&env, "admin API listening");
    daemon.wait_log(&["FAQ entries learned from operators loaded"]);
    standin.customer_says(LATER, "can I collect my purchases at the warehouse myself?");
    wait_sent(&standin, LATER, 1, &daemon);
    let reply = sent_to(&standin, LATER)[0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reply.contains("Leipzig warehouse"), "{reply}");
    daemon.kill("-TERM");
}
