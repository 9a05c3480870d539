//! The console channel: `kefu chat` reads customer lines from stdin and
//! prints each reply on stdout, one reply per input line.
//!
//! It waits for the reply to one line before reading the next, so a piped
//! script behaves like a person typing: each turn sees the previous ones.

use crate::channel::{Ack, Channel, InboundSink, SendError};
use crate::cursor::CursorStore;
use crate::model::{now_millis, ChannelKind, Inbound, Outbound, Sender, Thread};
use async_trait::async_trait;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::oneshot;

/// How replies are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleFormat {
    /// The reply text, then a newline.
    Text,
    /// One JSON object per reply: `reply`, `conversation` and whatever
    /// the pipeline annotated (intent, entities, actions, guard).
    Json,
}

type Input = Box<dyn AsyncBufRead + Send + Unpin>;
type Output = Box<dyn AsyncWrite + Send + Unpin>;

/// A console session: one customer, one conversation.
pub struct ConsoleChannel {
    session: String,
    user: String,
    format: ConsoleFormat,
    input: tokio::sync::Mutex<Option<Input>>,
    output: tokio::sync::Mutex<Output>,
    /// The message id whose reply we are waiting for, and who to wake.
    waiting: Mutex<Option<(String, oneshot::Sender<()>)>>,
    counter: AtomicU64,
    /// Others write in this session too: it is a group.
    shared: bool,
}

impl ConsoleChannel {
    /// A console over stdin/stdout.
    pub fn stdio(session: &str, user: &str, format: ConsoleFormat) -> Self {
        let input = tokio::io::BufReader::new(tokio::io::stdin());
        Self::new(
            session,
            user,
            format,
            Box::new(input),
            Box::new(tokio::io::stdout()),
        )
    }

    /// A console over any reader and writer (used by tests and embedders).
    pub fn new(
        session: &str,
        user: &str,
        format: ConsoleFormat,
        input: Input,
        output: Output,
    ) -> Self {
        Self {
            session: session.to_string(),
            user: user.to_string(),
            format,
            input: tokio::sync::Mutex::new(Some(input)),
            output: tokio::sync::Mutex::new(output),
            waiting: Mutex::new(None),
            counter: AtomicU64::new(0),
            shared: false,
        }
    }

    /// Mark the session as a group (others read it, each sender has their
    /// own conversation in it), as [`join`] decides.
    pub fn shared(mut self, shared: bool) -> Self {
        self.shared = shared;
        self
    }

    fn inbound(&self, text: String) -> Inbound {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let at = now_millis();
        Inbound {
            channel: ChannelKind::Console,
            // Unique across runs of the same session: a restart must not
            // look like a replay of an earlier line.
            platform_message_id: format!("{}-{}-{}", self.session, at, n),
            sender: Sender {
                id: self.user.clone(),
                display_name: Some(self.user.clone()),
            },
            thread: Thread {
                id: self.session.clone(),
                route: None,
            },
            text,
            attachments: Vec::new(),
            received_at: at,
            reply_to: None,
            auto: false,
            shared: self.shared,
            unauthenticated: false,
            original_chars: None,
        }
    }

    fn settle(&self, message_id: Option<&str>) {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((id, _)) = waiting.as_ref() {
            if Some(id.as_str()) == message_id {
                if let Some((_, wake)) = waiting.take() {
                    let _ = wake.send(());
                }
            }
        }
    }

    async fn print(&self, outbound: &Outbound) -> std::io::Result<()> {
        let line = match self.format {
            ConsoleFormat::Text => format!("{}\n", outbound.text),
            ConsoleFormat::Json => {
                let mut object = serde_json::Map::new();
                object.insert("reply".into(), outbound.text.clone().into());
                for (k, v) in &outbound.annotations {
                    object.insert(k.clone(), v.clone());
                }
                format!("{}\n", serde_json::Value::Object(object))
            }
        };
        let mut out = self.output.lock().await;
        out.write_all(line.as_bytes()).await?;
        out.flush().await
    }
}

/// Record that `user` writes in console session `session` and tell
/// whether the session is a group: once two users have written in it, it
/// is one for everybody, as a Telegram group is (each sender has their own
/// conversation there, and nothing of an account is shown in it).
pub fn join(store: &dyn CursorStore, session: &str, user: &str) -> anyhow::Result<bool> {
    let key = format!("console:members:{session}");
    let mut members: Vec<String> = store
        .load(&key)
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default();
    if !members.iter().any(|m| m == user) {
        members.push(user.to_string());
        store.save(&key, &serde_json::to_string(&members)?)?;
    }
    Ok(members.len() > 1)
}

/// A typed line as text: invalid UTF-8 (a lone surrogate, 0xFF 0xFE) becomes
/// U+FFFD, terminal escape sequences and other control characters (NUL)
/// are removed, as the platforms' own adapters never pass them on.
pub fn readable(line: &[u8]) -> String {
    let decoded = String::from_utf8_lossy(line);
    let mut text = String::with_capacity(decoded.len());
    let mut chars = decoded.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI (ESC [ … final byte) or a two-character escape.
            if chars.next_if_eq(&'[').is_some() {
                for c in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&c) {
                        break;
                    }
                }
            } else {
                chars.next();
            }
        } else if c == '\t' || !c.is_control() {
            text.push(c);
        }
    }
    text.trim().to_string()
}

#[async_trait]
impl Channel for ConsoleChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Console
    }

    async fn run(&self, sink: InboundSink) -> anyhow::Result<()> {
        let Some(mut input) = self.input.lock().await.take() else {
            anyhow::bail!("the console was already read to its end");
        };
        let mut line = Vec::new();
        loop {
            line.clear();
            // Bytes, not `read_line`: one line that is not UTF-8 must not end
            // the session (it did, and every later line went unanswered).
            if input.read_until(b'\n', &mut line).await? == 0 {
                return Ok(());
            }
            let text = readable(&line);
            if text.is_empty() {
                continue;
            }
            let inbound = self.inbound(text);
            let (wake, replied) = oneshot::channel();
            *self.waiting.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((inbound.platform_message_id.clone(), wake));
            if sink.deliver(inbound).await? == Ack::Stored {
                // The next line waits for this reply (or a decision not to reply).
                let _ = replied.await;
            }
        }
    }

    async fn send(&self, outbound: &Outbound) -> Result<String, SendError> {
        self.print(outbound)
            .await
            .map_err(|e| SendError::Transient(format!("console write failed: {e}")))?;
        self.settle(outbound.reply_to.as_deref());
        Ok(format!("console-reply-{}", now_millis()))
    }

    fn skipped(&self, inbound: &Inbound) {
        self.settle(Some(&inbound.platform_message_id));
    }
}

#[cfg(test)]
mod tests {
    use super::{join, readable};
    use crate::cursor::MemoryCursorStore;

    #[test]
    fn a_session_with_two_users_is_a_group() {
        let store = MemoryCursorStore::default();
        assert!(!join(&store, "g", "alice").unwrap());
        assert!(!join(&store, "g", "alice").unwrap());
        assert!(!join(&store, "other", "bob").unwrap());
        assert!(join(&store, "g", "bob").unwrap());
        assert!(join(&store, "g", "alice").unwrap());
    }

    #[test]
    fn bad_bytes_escapes_and_controls_are_cleaned() {
        assert_eq!(
            readable(b"\xed\xa0\x80 \xff\xfe hi\x00 \x1b[1;31mred\x1b[0m\r\n"),
            "\u{fffd}\u{fffd}\u{fffd} \u{fffd}\u{fffd} hi red"
        );
        assert_eq!(readable(b"\x1b]\x07  \n"), "");
        assert_eq!(readable("好的\tyes\n".as_bytes()), "好的\tyes");
    }
}
