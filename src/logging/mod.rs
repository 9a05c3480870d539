//! Log setup: plain lines on stderr that journald reads well.

mod redact;

pub use redact::{mask_emails, mask_numbers, redact, show_personal_data};
use std::io::Write;
use tracing_subscriber::EnvFilter;

/// Start logging. `RUST_LOG` overrides `default_filter`. Under journald
/// (`JOURNAL_STREAM` set) lines carry no timestamp of their own.
pub fn init(default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| Redacting(std::io::stderr()))
        .with_ansi(ansi)
        .with_target(false);
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().init();
    } else {
        builder.init();
    }
}

/// Writes each formatted line through [`redact`] (the formatter writes one
/// event per call).
struct Redacting<W: Write>(W);

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let line = String::from_utf8_lossy(buf);
        self.0.write_all(redact(&line).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
