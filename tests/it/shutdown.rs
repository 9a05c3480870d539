//! SIGTERM while a reply is being written: clean exit, nothing lost.

use crate::OpenStore;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use support::{assert_success, json_lines, Sandbox};

/// Start a chat, send one line, wait until it is stored, then SIGTERM.
fn sigterm_mid_reply(sandbox: &Sandbox, grace: &str) -> (std::process::Output, String) {
    let mut child: Child = sandbox
        .kefu(&["chat", "--json", "--session", "term"])
        .env("RUST_LOG", "info")
        .env("KEFU__LLM__MAX_TOKENS", "64")
        .env("KEFU__DAEMON__SHUTDOWN_GRACE_SECS", grace)
        // The signal lands after the inbound is stored and before it is
        // handed to a worker: the narrowest window for losing the reply.
        .env("KEFU_FAILPOINT", "after_accept=sleep:300")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // stdin stays open: only the signal can end this run.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"Do you ship to Canada?\n").unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("inbound stored") {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "kefu exited before storing"
        );
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut stderr, &mut rest);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "SIGTERM must exit 0, got {}: {rest}",
        output.status
    );
    assert!(
        rest.contains("state flushed"),
        "shutdown should flush: {rest}"
    );
    drop(stdin);
    (output, rest)
}

#[test]
fn sigterm_with_grace_finishes_the_reply_in_flight() {
    let sandbox = Sandbox::new();
    let (first, log) = sigterm_mid_reply(&sandbox, "30");
    let mut replies = json_lines(&first);
    let after = sandbox.chat(&["--json", "--session", "term"], "", &[]);
    assert_success(&after);
    replies.extend(json_lines(&after));
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(
        json_lines(&first).len(),
        1,
        "the reply in flight finished before exit: {log}"
    );
}

#[test]
fn sigterm_without_grace_abandons_the_reply_and_the_next_start_sends_it() {
    let sandbox = Sandbox::new();
    let (first, _) = sigterm_mid_reply(&sandbox, "0");
    assert!(
        json_lines(&first).is_empty(),
        "no time to finish: nothing sent"
    );
    {
        let store = sandbox.store();
        assert_eq!(store.pending().unwrap().len(), 1, "the question is kept");
    }
    let after = sandbox.chat(&["--json", "--session", "term"], "", &[]);
    assert_success(&after);
    assert_eq!(json_lines(&after).len(), 1, "answered on the next start");
    let conversation = sandbox
        .store()
        .conversation("console:term")
        .unwrap()
        .unwrap();
    assert_eq!(conversation.turns.len(), 2);
}
