//! Platform cursors (an IMAP UID with its UIDVALIDITY, an update offset)
//! in the `meta` tree, behind the channels' [`CursorStore`] trait, so the
//! adapters need not know sled.

use super::Store;
use kefu_channels::CursorStore;

/// Keys are prefixed so cursors never collide with the store's own meta
/// entries (`schema_version`).
const PREFIX: &str = "cursor:";

impl CursorStore for Store {
    fn load(&self, key: &str) -> Option<String> {
        match self.meta.get(format!("{PREFIX}{key}")) {
            Ok(value) => value.map(|v| String::from_utf8_lossy(&v).into_owned()),
            Err(e) => {
                tracing::warn!(key, "cannot read a cursor: {e}");
                None
            }
        }
    }

    fn save(&self, key: &str, value: &str) -> anyhow::Result<()> {
        let meta = &self.meta;
        if meta.get(format!("{PREFIX}{key}"))?.as_deref() == Some(value.as_bytes()) {
            return Ok(());
        }
        meta.insert(format!("{PREFIX}{key}"), value.as_bytes())?;
        meta.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.load("email:cursor:x"), None);
        store.save("email:cursor:x", "7:42").unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.load("email:cursor:x").as_deref(), Some("7:42"));
    }

    #[test]
    fn a_store_held_open_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let _held = Store::open(dir.path()).unwrap();
        let err = Store::open(dir.path())
            .err()
            .expect("second open must fail");
        let text = err.to_string();
        assert!(text.contains("in use by another kefu process"), "{text}");
        assert!(text.contains("store.path"), "{text}");
    }
}
