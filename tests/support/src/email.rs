//! `kefu run` with the email channel, its log collected (the mail system
//! it talks to is in `email_server.rs`).
#![allow(dead_code)]

use crate::Sandbox;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A `kefu run` with the email channel, its stderr collected.
pub struct Kefu {
    child: Child,
    /// What it logged.
    pub log: KefuLog,
}

/// The lines a kefu logged so far.
#[derive(Clone, Default)]
pub struct KefuLog(Arc<Mutex<Vec<String>>>);

impl KefuLog {
    /// All lines, joined.
    pub fn text(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }

    /// Lines containing `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// Wait until `count` lines contain `needle`; panics after `limit`.
    pub fn wait_for(&self, needle: &str, count: usize, limit: Duration) {
        let start = Instant::now();
        while self.count(needle) < count {
            assert!(
                start.elapsed() < limit,
                "no {count}× {needle:?} after {limit:?}; kefu log:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Kefu {
    /// Start `kefu run` in `sandbox` with `env`, and wait until the inbox is open.
    pub fn start(sandbox: &Sandbox, env: &[(String, String)]) -> Self {
        let mut cmd = sandbox.kefu(&["run"]);
        cmd.env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn kefu");
        let log = KefuLog::default();
        let lines = log.0.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let kefu = Self { child, log };
        kefu.log
            .wait_for("IMAP inbox opened", 1, Duration::from_secs(120));
        kefu
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn stop(mut self) -> KefuLog {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().unwrap();
        assert!(
            status.success(),
            "kefu exited with {status}; log:\n{}",
            self.log.text()
        );
        self.log.clone()
    }
}

impl Drop for Kefu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
