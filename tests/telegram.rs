//! `kefu run` on Telegram end to end: the real binary and model against the
//! Bot API stand-in; 429 and 500 before success deliver the reply exactly
//! once; restarts between messages and after a reply lose and repeat
//! nothing.
#![cfg(feature = "telegram")]

mod support;
#[path = "support/telegram.rs"]
mod telegram_standin;

use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::Sandbox;
use telegram_standin::TelegramStandin;

const WAIT: Duration = Duration::from_secs(180);

fn start(sandbox: &Sandbox, standin: &TelegramStandin) -> Child {
    sandbox
        .kefu(&["run"])
        .env("KEFU__TELEGRAM__ENABLED", "true")
        .env("KEFU__TELEGRAM__TOKEN", telegram_standin::TOKEN)
        .env("KEFU__TELEGRAM__API_URL", &standin.api_url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn kefu run")
}

fn stop(mut child: Child) {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "kefu run exited with {status}");
}

fn replies_to(standin: &TelegramStandin, message_id: i64) -> usize {
    standin
        .state()
        .sent
        .iter()
        .filter(|m| m["request"]["reply_parameters"]["message_id"] == message_id)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn questions_are_answered_once_across_failures_and_restarts() {
    let standin = TelegramStandin::start().await;
    let sandbox = Sandbox::new();
    standin.state().send_failures = vec![429, 500];
    let daemon = start(&sandbox, &standin);
    let started = std::time::Instant::now();
    let first = standin.customer_says(1001, "Hello! Do you sell tea?");
    standin
        .wait(WAIT, "the reply to the first question", |s| {
            s.sent.len() == 1
        })
        .await;
    eprintln!(
        "first reply after {:?} (incl. model and 429 retry_after 1 s)",
        started.elapsed()
    );
    assert_eq!(replies_to(&standin, first), 1);
    assert_eq!(
        standin.state().send_attempts,
        3,
        "429, then 500, then delivered"
    );
    assert!(!standin.state().sent[0]["text"].as_str().unwrap().is_empty());

    // Restart after the reply: nothing is sent again.
    stop(daemon);
    let second = standin.customer_says(1001, "And where is my order #W2611340?");
    let daemon = start(&sandbox, &standin);
    standin
        .wait(
            WAIT,
            "the reply to the message sent while kefu was down",
            |s| s.sent.len() == 2,
        )
        .await;
    assert_eq!(replies_to(&standin, second), 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        replies_to(&standin, first),
        1,
        "the first question was answered twice"
    );

    // kill -9 right after a message arrives: it is answered once after restart.
    let mut daemon = daemon;
    let third = standin.customer_says(1001, "Thanks, bye!");
    standin
        .wait(WAIT, "the message to be fetched", |s| {
            s.updates.is_empty() || s.sent.len() == 3
        })
        .await;
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    let daemon = start(&sandbox, &standin);
    standin
        .wait(WAIT, "the reply to the third message", |s| {
            s.sent
                .iter()
                .any(|m| m["request"]["reply_parameters"]["message_id"] == third)
        })
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop(daemon);
    for id in [first, second, third] {
        assert_eq!(
            replies_to(&standin, id),
            1,
            "message {id} answered more or less than once"
        );
    }
}
