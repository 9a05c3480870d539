//! What kefu's integration tests share (crate `kefu-test-support`, a
//! dev-dependency of kefu and kefu-channels, named `support` there): a
//! sandbox that runs the real `kefu` binary on a fresh state directory with
//! the real model, and the stand-ins for the platforms (Telegram, Discord,
//! an OpenAI-compatible server) and the real mail servers (Dovecot,
//! OpenSMTPD, aiosmtpd) the tests talk to, all on 127.0.0.1.

pub mod daemon;
pub mod discord;
pub mod email;
pub mod email_server;
pub mod openai;
pub mod telegram;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository's root (this crate is `tests/support/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `kefu` binary cargo built for the tests running now: next to the
/// test binary's `deps/` directory (what `CARGO_BIN_EXE_kefu` names in
/// kefu's own tests; this crate is not compiled as one of them).
pub fn kefu_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|profile| profile.join("kefu"))
        .expect("the test binary lives in <target>/<profile>/deps");
    assert!(
        bin.is_file(),
        "{} is missing: run kefu's tests through cargo (cargo test builds the binary)",
        bin.display()
    );
    bin
}

/// The default model, fetched by `scripts/fetch-model`.
pub fn model_path() -> PathBuf {
    let path = repo_root().join("models/SmolLM2-135M-Instruct.Q8_0.gguf");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-model first",
        path.display()
    );
    path
}

/// A state directory and config for one test.
pub struct Sandbox {
    /// Holds the state directory; removed on drop.
    pub dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// A fresh, empty sandbox.
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// The sled directory.
    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// `kefu ARGS` with the model, state and a short reply limit configured
    /// through the environment (the way systemd's EnvironmentFile does).
    pub fn kefu(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(kefu_bin());
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("RUST_LOG")
            .env_remove("NOTIFY_SOCKET")
            .env("KEFU__LLM__MODEL", model_path())
            .env("KEFU__STORE__PATH", self.state())
            .env("KEFU__LLM__MAX_TOKENS", "24")
            .env("KEFU__LLM__TEMPERATURE", "0")
            // The model phrases every reply (the guard checks each draft);
            // tests of `llm.phrase = "auto"` set it themselves.
            .env("KEFU__LLM__PHRASE", "always")
            // The rules read alone: a model reading (and the background
            // reading score) would add requests most tests do not count;
            // tests of reading set it themselves.
            .env("KEFU__LLM__READ", "never")
            // One reply per message, as most tests count them; the flood
            // tests set their own.
            .env("KEFU__DAEMON__DEBOUNCE_MS", "0")
            .env("KEFU__DAEMON__TURNS_PER_MINUTE", "0");
        cmd
    }

    /// Run `kefu chat ARGS` with `input` on stdin; wait for it to exit.
    pub fn chat(&self, args: &[&str], input: &str, env: &[(&str, &str)]) -> Output {
        self.chat_bytes(args, input.as_bytes(), env)
    }

    /// Run `kefu chat ARGS` with raw bytes on stdin (not necessarily UTF-8).
    pub fn chat_bytes(&self, args: &[&str], input: &[u8], env: &[(&str, &str)]) -> Output {
        let mut all = vec!["chat"];
        all.extend_from_slice(args);
        let mut cmd = self.kefu(&all);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kefu");
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().expect("kefu output")
    }
}

/// A port free on 127.0.0.1 now (for a listener a test configures).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One plain HTTP/1.1 GET of `path` on 127.0.0.1:`port`, with `token` as
/// a bearer token if given: the status code and the body.
pub fn http_get(port: u16, path: &str, token: Option<&str>) -> (u16, String) {
    use std::io::{Read as _, Write as _};
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        tcp,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_string())
}

impl Sandbox {
    /// `kefu ARGS` with `env` on top of [`Sandbox::kefu`]'s, quiet (no
    /// `RUST_LOG`): a command beside a running daemon.
    pub fn kefu_with(&self, env: &[(String, String)], args: &[&str]) -> Command {
        let mut cmd = self.kefu(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.env_remove("RUST_LOG");
        cmd
    }

    /// [`Sandbox::kefu_with`], run to success; its stdout.
    pub fn run_with(&self, env: &[(String, String)], args: &[&str]) -> Output {
        let out = self.kefu_with(env, args).output().unwrap();
        assert_success(&out);
        out
    }

    /// `kefu run` with `env`, once it logged "kefu is ready" and `ready`.
    pub fn daemon_with(&self, env: &[(String, String)], ready: &str) -> daemon::Daemon {
        let mut cmd = self.kefu(&["run"]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut daemon = daemon::Daemon::spawn(cmd);
        daemon.wait_log(&["kefu is ready"]);
        daemon.wait_log(&[ready]);
        daemon
    }
}

/// Non-empty stdout lines parsed as JSON objects.
pub fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Panic with the process's stderr when it failed.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "kefu failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}
