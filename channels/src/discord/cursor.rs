//! Per-channel resume points: how far each Discord channel is known to be
//! stored, so messages the gateway never delivered (the daemon was down, a
//! session could not be resumed) are fetched from the channel's history.
//!
//! Discord does not redeliver a MESSAGE_CREATE once a session is gone. The
//! mark of a channel is a lower bound: every message in it with an id up to
//! the mark is stored in the daemon. It only moves past a message once the
//! sink acknowledged it, never past one still in flight or refused, and a
//! channel seen for the first time is saved before its first message is
//! delivered. Fetching from the mark may hand the daemon messages it
//! already has; it recognises those as replays.

use crate::cursor::CursorStore;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// The [`CursorStore`] key the marks are saved under.
pub const CURSOR_KEY: &str = "discord.marks";

/// One channel's mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Every message in the channel with an id up to this one is stored.
    pub last: u64,
    /// Whether the channel is a direct-message channel (every message in
    /// it is meant for the bot).
    pub dm: bool,
}

#[derive(Debug, Default)]
struct Entry {
    /// What the store holds now.
    saved: Option<u64>,
    /// Highest message id acknowledged by the sink.
    acked: Option<u64>,
    /// Messages handed to the sink and not (successfully) acknowledged.
    pending: BTreeSet<u64>,
    dm: bool,
}

impl Entry {
    /// The highest id below which everything is stored, as far as we know.
    fn bound(&self) -> Option<u64> {
        let below_pending = self.pending.first().map(|p| p.saturating_sub(1));
        match (self.acked, below_pending) {
            (Some(a), Some(p)) => Some(a.min(p)),
            (a, p) => a.or(p),
        }
    }
}

/// The marks of every channel the bot has taken messages from.
pub struct Cursors {
    store: Arc<dyn CursorStore>,
    entries: Mutex<BTreeMap<u64, Entry>>,
    /// Advances not yet written, and when the marks were last written:
    /// forward moves are written in batches (a lagging mark only fetches
    /// again what the daemon ignores as replays); a mark that must move
    /// back is written at once.
    unsaved: Mutex<(usize, std::time::Instant)>,
}

/// Forward moves written together at most this many at a time…
const SAVE_EVERY: usize = 32;
/// …or this long apart.
const SAVE_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

impl std::fmt::Debug for Cursors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cursors")
            .field("channels", &self.lock().len())
            .finish()
    }
}

impl Cursors {
    /// Load the marks from `store`; unreadable marks start empty (with a
    /// warning).
    pub fn load(store: Arc<dyn CursorStore>) -> Self {
        let mut entries = BTreeMap::new();
        if let Some(saved) = store.load(CURSOR_KEY) {
            match serde_json::from_str::<BTreeMap<String, Mark>>(&saved) {
                Ok(marks) => {
                    for (id, mark) in marks {
                        if let Ok(id) = id.parse::<u64>() {
                            let (saved, acked) = (Some(mark.last), Some(mark.last));
                            let entry = Entry {
                                saved,
                                acked,
                                pending: BTreeSet::new(),
                                dm: mark.dm,
                            };
                            entries.insert(id, entry);
                        }
                    }
                }
                Err(e) => tracing::warn!("ignoring unreadable Discord marks: {e}"),
            }
        }
        Self {
            store,
            entries: Mutex::new(entries),
            unsaved: Mutex::new((0, std::time::Instant::now())),
        }
    }

    /// Write the marks now (after a batch of forward moves).
    pub fn flush(&self) {
        let entries = self.lock();
        self.save(&entries);
    }

    /// Every channel with a mark: `(channel id, mark)`.
    pub fn marks(&self) -> Vec<(u64, Mark)> {
        let entries = self.lock();
        entries
            .iter()
            .filter_map(|(id, e)| e.saved.map(|last| (*id, Mark { last, dm: e.dm })))
            .collect()
    }

    /// Whether `channel` has a mark (or a message in flight).
    pub fn knows(&self, channel: u64) -> bool {
        self.lock().contains_key(&channel)
    }

    /// A message of `channel` is about to be delivered. A channel seen for
    /// the first time (or a message older than the mark) is saved before
    /// this returns, so a crash during delivery cannot skip it.
    pub fn begin(&self, channel: u64, message: u64, dm: bool) {
        let mut entries = self.lock();
        let entry = entries.entry(channel).or_default();
        entry.pending.insert(message);
        let changed_kind = dm && !entry.dm;
        entry.dm |= dm;
        let bound = entry.bound();
        if changed_kind || entry.saved.is_none() || bound < entry.saved {
            entry.saved = bound;
            self.save(&entries);
        }
    }

    /// The sink answered for a message: `stored` when it acknowledged it.
    /// A refused message keeps holding the mark back for this process's
    /// lifetime, so it is fetched again after a restart.
    pub fn finish(&self, channel: u64, message: u64, stored: bool) {
        let mut entries = self.lock();
        let Some(entry) = entries.get_mut(&channel) else {
            return;
        };
        if stored {
            entry.pending.remove(&message);
            entry.acked = entry.acked.max(Some(message));
        }
        let bound = entry.bound();
        if bound > entry.saved {
            entry.saved = bound;
            let due = {
                let mut unsaved = self.unsaved.lock().unwrap_or_else(|e| e.into_inner());
                unsaved.0 += 1;
                unsaved.0 >= SAVE_EVERY || unsaved.1.elapsed() >= SAVE_AFTER
            };
            if due {
                self.save(&entries);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn save(&self, entries: &BTreeMap<u64, Entry>) {
        let marks: BTreeMap<String, Mark> = entries
            .iter()
            .filter_map(|(id, e)| {
                e.saved
                    .map(|last| (id.to_string(), Mark { last, dm: e.dm }))
            })
            .collect();
        let saved = serde_json::to_string(&marks).map_err(anyhow::Error::from);
        if let Err(e) = saved.and_then(|json| self.store.save(CURSOR_KEY, &json)) {
            tracing::warn!("cannot save the Discord marks: {e:#}");
        }
        *self.unsaved.lock().unwrap_or_else(|e| e.into_inner()) = (0, std::time::Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cursor::MemoryCursorStore;

    #[test]
    fn the_mark_never_passes_a_message_in_flight() {
        let cursors = Cursors::load(Arc::new(MemoryCursorStore::default()));
        cursors.begin(7, 100, true);
        assert_eq!(cursors.marks(), vec![(7, Mark { last: 99, dm: true })]);
        cursors.begin(7, 101, true);
        cursors.finish(7, 101, true);
        assert_eq!(cursors.marks()[0].1.last, 99, "100 is still in flight");
        cursors.finish(7, 100, true);
        assert_eq!(cursors.marks()[0].1.last, 101);
        cursors.begin(7, 102, true);
        cursors.finish(7, 102, false);
        cursors.begin(7, 103, true);
        cursors.finish(7, 103, true);
        assert_eq!(
            cursors.marks()[0].1.last,
            101,
            "a refused message holds the mark"
        );
    }

    #[test]
    fn marks_survive_a_reload_from_the_store() {
        let store: Arc<dyn CursorStore> = Arc::new(MemoryCursorStore::default());
        let reload = || Cursors::load(store.clone()).marks();
        let cursors = Cursors::load(store.clone());
        cursors.begin(5, 50, false);
        assert_eq!(
            reload(),
            vec![(
                5,
                Mark {
                    last: 49,
                    dm: false
                }
            )]
        );
        cursors.finish(5, 50, true);
        // A forward move waits for its batch; a flush writes it.
        assert_eq!(reload()[0].1.last, 49);
        cursors.flush();
        assert_eq!(
            reload(),
            vec![(
                5,
                Mark {
                    last: 50,
                    dm: false
                }
            )]
        );
    }
}
