//! A running `kefu run` whose log the test reads, and signals for it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a log line may take to appear (model load included).
const WAIT: Duration = Duration::from_secs(180);

/// A running `kefu run` with its log collected.
pub struct Daemon {
    /// The process.
    pub child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Daemon {
    /// Spawn `cmd` with its stderr collected line by line.
    pub fn spawn(mut cmd: Command) -> Self {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn kefu run");
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = log.clone();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        Self { child, log }
    }

    /// The first log line containing every one of `needles`.
    pub fn line(&self, needles: &[&str]) -> Option<String> {
        let log = self.log.lock().unwrap();
        log.iter()
            .find(|l| needles.iter().all(|n| l.contains(n)))
            .cloned()
    }

    /// Wait for a log line containing every one of `needles`; panic with
    /// the log when kefu exits first or it takes too long.
    pub fn wait_log(&mut self, needles: &[&str]) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(line) = self.line(needles) {
                return line;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the reader thread catch the last lines first.
                std::thread::sleep(Duration::from_millis(200));
                if let Some(line) = self.line(needles) {
                    return line;
                }
                panic!(
                    "kefu exited ({status}) before logging {needles:?}:\n{}",
                    self.dump()
                );
            }
            assert!(
                Instant::now() < deadline,
                "kefu never logged {needles:?}:\n{}",
                self.dump()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The whole log so far.
    pub fn dump(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// `kill -SIGNAL pid`, then wait for the exit; SIGTERM must exit 0.
    pub fn kill(mut self, signal: &str) -> ExitStatus {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success());
        let status = self.child.wait().unwrap();
        if signal == "-TERM" {
            assert!(
                status.success(),
                "SIGTERM must exit 0 ({status}):\n{}",
                self.dump()
            );
        }
        status
    }
}

/// The pipeline's own time (`elapsed_ms=`) in a "reply stored" log line;
/// 0 when the line has none.
pub fn pipeline_ms(line: &str) -> u64 {
    line.split("elapsed_ms=")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
