//! The email tests' mail system: one private Dovecot + OpenSMTPD per test
//! process (tests/support/mailserver.sh), a STARTTLS + AUTH SMTP server
//! (aiosmtpd, tests/support/mailserver_tls.py) on demand, and helpers to
//! send customer mail and read replies. Used by `tests/email.rs` (with
//! `kefu run`) and `channels/tests/email.rs` (the channel alone).
#![allow(dead_code)]

use kefu_channels::email::parse::{parse, ParsedMail};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A file of this crate's (`tests/support/`): the mail servers' launchers.
fn support_file(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    assert!(path.is_file(), "tests/support/{name} not found");
    path
}

/// Every account's password.
pub const PASSWORD: &str = "secret";

/// The running Dovecot and OpenSMTPD.
pub struct MailServer {
    _dir: tempfile::TempDir,
    /// IMAP with STARTTLS available.
    pub imap_port: u16,
    /// IMAP over TLS.
    pub imaps_port: u16,
    /// Plain SMTP (OpenSMTPD), delivering to every `…@example.test`.
    pub smtp_port: u16,
    /// The CA that signed the servers' certificate (for `SSL_CERT_FILE`).
    pub ca: PathBuf,
    /// The server certificate and key (for aiosmtpd).
    pub cert: (PathBuf, PathBuf),
    /// `MAIL/<user>/Maildir` for each account.
    pub mail: PathBuf,
}

/// The process-wide mail server. OpenSMTPD's queue and control socket are
/// fixed paths, so one instance serves every test; each test uses its own
/// accounts (`shopN`, `custN`).
pub fn mail_server() -> &'static MailServer {
    static SERVER: OnceLock<MailServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        // The servers deliver and read mail as nobody: let it through.
        let open = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755);
        std::fs::set_permissions(dir.path(), open).unwrap();
        let script = support_file("mailserver.sh");
        let mut users = Vec::new();
        for n in 1..=11 {
            users.push(format!("shop{n}"));
            users.push(format!("cust{n}"));
        }
        let out = Command::new("bash")
            .arg(&script)
            .arg(dir.path().join("mail-system"))
            .arg(std::process::id().to_string())
            .arg(PASSWORD)
            .args(&users)
            .stderr(Stdio::inherit())
            .output()
            .expect("run tests/support/mailserver.sh");
        assert!(
            out.status.success(),
            "mailserver.sh failed: is scripts/setup run (dovecot, opensmtpd)?"
        );
        let vars = String::from_utf8_lossy(&out.stdout).to_string();
        let var = |name: &str| {
            vars.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("mailserver.sh printed no {name}: {vars}"))
                .to_string()
        };
        let tls = dir.path().join("mail-system/tls");
        MailServer {
            imap_port: var("IMAP_PORT").parse().unwrap(),
            imaps_port: var("IMAPS_PORT").parse().unwrap(),
            smtp_port: var("SMTP_PORT").parse().unwrap(),
            ca: var("CA").into(),
            cert: (tls.join("server.pem"), tls.join("server.key")),
            mail: var("MAIL").into(),
            _dir: dir,
        }
    })
}

impl MailServer {
    /// Hand a raw message to OpenSMTPD, as a customer's mail client would.
    pub fn send(&self, from: &str, to: &str, raw: &[u8]) {
        let mut child = Command::new("swaks")
            .args(["--server", &format!("127.0.0.1:{}", self.smtp_port)])
            .args(["--from", from, "--to", to, "--data", "-", "--silent", "2"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("swaks (run scripts/setup)");
        child.stdin.take().unwrap().write_all(raw).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "swaks failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The Maildir of `user` (`cust1`, …).
    pub fn maildir(&self, user: &str) -> PathBuf {
        self.mail.join(user).join("Maildir")
    }

    /// Environment for `kefu run` answering `shop` over IMAPS and plain SMTP.
    pub fn kefu_env(&self, shop: &str) -> Vec<(String, String)> {
        let address = format!("{shop}@example.test");
        [
            ("KEFU__EMAIL__ENABLED", "true".to_string()),
            ("KEFU__EMAIL__ADDRESS", address.clone()),
            ("KEFU__EMAIL__USERNAME", address),
            ("KEFU__EMAIL__PASSWORD", PASSWORD.to_string()),
            ("KEFU__EMAIL__IMAP_HOST", "127.0.0.1".to_string()),
            ("KEFU__EMAIL__IMAP_PORT", self.imaps_port.to_string()),
            ("KEFU__EMAIL__IMAP_SECURITY", "tls".to_string()),
            ("KEFU__EMAIL__SMTP_HOST", "127.0.0.1".to_string()),
            ("KEFU__EMAIL__SMTP_PORT", self.smtp_port.to_string()),
            ("KEFU__EMAIL__SMTP_SECURITY", "none".to_string()),
            ("SSL_CERT_FILE", self.ca.display().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// aiosmtpd requiring STARTTLS and AUTH, writing into `maildir`; stopped
/// when the test process exits. Returns its port.
pub fn starttls_server(maildir: &Path, user: &str) -> u16 {
    let server = mail_server();
    let (cert, key) = (server.cert.0.display(), server.cert.1.display());
    aiosmtpd(
        "mailserver_tls.py",
        &[
            &cert.to_string(),
            &key.to_string(),
            &maildir.display().to_string(),
            user,
            PASSWORD,
        ],
    )
}

/// A plain SMTP server (aiosmtpd) on which `full` is a full mailbox (452 on
/// RCPT TO), every other recipient's mail landing in `maildir`; its port.
pub fn full_mailbox_server(maildir: &Path, full: &str) -> u16 {
    aiosmtpd(
        "mailserver_full.py",
        &[&maildir.display().to_string(), full],
    )
}

/// Start one of the aiosmtpd scripts with `args` and this process's id
/// (it exits with the test process); its port, from the "PORT=" line.
fn aiosmtpd(script: &str, args: &[&str]) -> u16 {
    let mut child = Command::new("python3")
        .arg(support_file(script))
        .args(args)
        .arg(std::process::id().to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with aiosmtpd (run scripts/setup)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // It exits by itself with the test process; reap it if it ends sooner.
    std::thread::spawn(move || child.wait());
    line.trim()
        .strip_prefix("PORT=")
        .unwrap_or_else(|| panic!("aiosmtpd did not start: {line:?}"))
        .parse()
        .unwrap()
}

/// Every message in a Maildir (new and cur), oldest first, parsed.
pub fn read_maildir(dir: &Path) -> Vec<ParsedMail> {
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = ["new", "cur"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(dir.join(sub)).into_iter().flatten())
        .filter_map(|e| e.ok())
        .map(|e| {
            (
                e.metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH),
                e.path(),
            )
        })
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|(_, path)| parse(&std::fs::read(path).ok()?))
        .collect()
}

/// Wait until the Maildir holds `count` messages; panics after `limit`,
/// showing `context()` (a daemon's log).
pub fn wait_for_mail(
    dir: &Path,
    count: usize,
    limit: Duration,
    context: &dyn Fn() -> String,
) -> Vec<ParsedMail> {
    let start = Instant::now();
    loop {
        let mails = read_maildir(dir);
        if mails.len() >= count {
            return mails;
        }
        assert!(
            start.elapsed() < limit,
            "{} of {count} mails after {limit:?}:\n{}",
            mails.len(),
            context()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A Message-ID unique to this run.
pub fn unique_id(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{tag}.{}.{nanos}@example.test", std::process::id())
}

/// A plain-text UTF-8 mail.
pub fn customer_mail(
    from: &str,
    to: &str,
    subject: &str,
    message_id: &str,
    extra: &str,
    body: &str,
) -> Vec<u8> {
    format!(
        "From: Customer <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\nDate: {}\r\n{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        "Mon, 1 Jan 2024 10:00:00 +0000"
    )
    .into_bytes()
}
