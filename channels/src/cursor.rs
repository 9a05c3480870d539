//! Where adapters keep their platform cursors (an IMAP UID with its
//! UIDVALIDITY, an update offset) so a restart resumes where the last run
//! stopped. The daemon implements [`CursorStore`] over its database; this
//! crate only sees the trait, so it stays free of any storage engine.

use std::collections::HashMap;
use std::sync::Mutex;

/// Durable key/value storage for small cursor strings.
pub trait CursorStore: Send + Sync {
    /// The value saved under `key`, if any.
    fn load(&self, key: &str) -> Option<String>;

    /// Save `value` under `key`; returns once it is durable (a cursor that
    /// is not on disk only makes the adapter fetch again what the daemon
    /// already stored, which it ignores as replays).
    fn save(&self, key: &str, value: &str) -> anyhow::Result<()>;
}

/// A [`CursorStore`] in memory only (tests, `kefu chat`): nothing survives
/// the process.
#[derive(Debug, Default)]
pub struct MemoryCursorStore {
    values: Mutex<HashMap<String, String>>,
}

impl CursorStore for MemoryCursorStore {
    fn load(&self, key: &str) -> Option<String> {
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        values.get(key).cloned()
    }

    fn save(&self, key: &str, value: &str) -> anyhow::Result<()> {
        let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        values.insert(key.to_string(), value.to_string());
        Ok(())
    }
}
