//! Durable state in sled.
//!
//! Trees: `inbox` (every inbound, keyed by channel + platform message id, so
//! replays are recognised), `pending` (inbounds not yet answered, in arrival
//! order), `outbox` (one reply per inbound, keyed by the inbound's key),
//! `conversations`, `customers` (sender identities, profiles, links, codes),
//! `shop` (users, orders, products), `meta` (schema version, cursors),
//! `quarantine` (queued messages that could not be read, set aside),
//! `turns` (what was said, one record per line, by conversation), `desk`
//! (conversations' forum topics and mail tokens for the operators).
//! Every write a promise depends on is flushed before it is acknowledged.

mod conversations;
mod cursor;
mod customers;
pub use customers::Customers;
mod desk;
pub use desk::{copy_text, to_group, DeskChange, DeskRoutes};
mod inbox;
mod measures;
pub use inbox::Accepted;
pub use measures::Settled;
mod outbox;
mod turn;
pub use turn::{CustomerWrite, ShopWrite, TurnMeasure, TurnWrites};
mod records;
mod retention;
pub use retention::{Pruned, Retention};

pub use records::{
    Conversation, Csat, DeskNote, Identity, InboxRecord, Measures, OutboxRecord, OutboxState,
    Owner, PendingItem, Resolution, Role, Turn,
};

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The layout version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The state directory cannot be opened (in use, unreadable).
    #[error("cannot open state directory {path}: {reason}")]
    Open {
        /// The directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The directory was written by a kefu with another layout.
    #[error(
        "state directory {path} has schema version {found}, this kefu needs {expected}; \
         use a kefu release that matches it, or move the directory away to start fresh"
    )]
    Schema {
        /// The directory.
        path: PathBuf,
        /// The version found on disk.
        found: String,
        /// The version this build needs.
        expected: u32,
    },
    /// A shop record or a counter changed between reading and committing
    /// it (another conversation acted on the same order, or counted a
    /// failed verification); the turn is retried.
    #[error("record {0} changed concurrently")]
    Conflict(String),
    /// An operator action that does not apply (no such conversation, not
    /// handed off); the reason says what to do.
    #[error("{0}")]
    Refused(String),
    /// sled failed.
    #[error("storage error: {0}")]
    Sled(#[from] sled::Error),
    /// A record could not be (de)serialized.
    #[error("corrupt record in tree `{tree}`: {reason}")]
    Corrupt {
        /// The tree.
        tree: &'static str,
        /// Why.
        reason: String,
    },
}

/// Shorthand for store results.
pub type Result<T> = std::result::Result<T, StoreError>;

/// How long `Store::open` waits for a lock held by a store that is closing.
///
/// sled's background threads keep the directory locked for a moment after
/// its last handle is dropped (and a restarted daemon may start while its
/// predecessor is still exiting); a lock still held after this is another
/// live kefu.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// Open the sled database, waiting out a lock that is being released.
fn open_db(path: &Path) -> Result<sled::Db> {
    let started = Instant::now();
    loop {
        match sled::Config::new().path(path).open() {
            Ok(db) => return Ok(db),
            Err(e) if lock_is_held(&e) && started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => {
                return Err(StoreError::Open {
                    path: path.to_path_buf(),
                    reason: if lock_is_held(&e) {
                        "it is in use by another kefu process; stop that one first \
                         (systemctl stop kefu) or give this one another store.path"
                            .into()
                    } else {
                        e.to_string()
                    },
                })
            }
        }
    }
}

/// Whether sled refused because another handle holds the directory's lock.
///
/// sled wraps the `WouldBlock` from flock in an `Other` error with the text
/// "could not acquire lock", so both shapes are recognised.
fn lock_is_held(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock
                || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

/// The daemon's state. Cheap to clone; all clones share one database.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    inbox: sled::Tree,
    pending: sled::Tree,
    outbox: sled::Tree,
    conversations: sled::Tree,
    customers: sled::Tree,
    shop: sled::Tree,
    meta: sled::Tree,
    quarantine: sled::Tree,
    turns: sled::Tree,
    desk: sled::Tree,
}

/// The key of one turn in the `turns` tree: the conversation id, a 0 byte
/// (no id contains one, so one id is never another's prefix) and an
/// ever-growing number, so a conversation's turns are one ordered range.
fn turn_key(conversation: &str, n: u64) -> Vec<u8> {
    let mut key = turn_prefix(conversation);
    key.extend_from_slice(&n.to_be_bytes());
    key
}

/// The range of `conversation`'s turns in the `turns` tree.
fn turn_prefix(conversation: &str) -> Vec<u8> {
    let mut key = conversation.as_bytes().to_vec();
    key.push(0);
    key
}

impl Store {
    /// Open (or create) the store at `path` and check its schema version.
    pub fn open(path: &Path) -> Result<Self> {
        let db = open_db(path)?;
        let meta = db.open_tree("meta")?;
        match meta.get("schema_version")? {
            None => {
                meta.insert("schema_version", SCHEMA_VERSION.to_string().as_bytes())?;
                db.flush()?;
            }
            Some(found) if found.as_ref() != SCHEMA_VERSION.to_string().as_bytes() => {
                return Err(StoreError::Schema {
                    path: path.to_path_buf(),
                    found: String::from_utf8_lossy(&found).into_owned(),
                    expected: SCHEMA_VERSION,
                });
            }
            Some(_) => {}
        }
        Ok(Self {
            inbox: db.open_tree("inbox")?,
            pending: db.open_tree("pending")?,
            outbox: db.open_tree("outbox")?,
            conversations: db.open_tree("conversations")?,
            customers: db.open_tree("customers")?,
            shop: db.open_tree("shop")?,
            quarantine: db.open_tree("quarantine")?,
            turns: db.open_tree("turns")?,
            desk: db.open_tree("desk")?,
            meta,
            db,
        })
    }

    /// Write everything to disk.
    ///
    /// sled 0.34's `flush_async` can hang for good when several run at
    /// once (spacejam/sled#1308, seen here with eight workers, the outbox
    /// and intake flushing together), so the blocking flush runs on the
    /// blocking pool instead.
    pub async fn flush(&self) -> Result<()> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.flush())
            .await
            .map_err(|e| {
                StoreError::Sled(sled::Error::Io(std::io::Error::other(e.to_string())))
            })??;
        Ok(())
    }

    /// Whether the store answers a read (for readiness checks).
    pub fn is_readable(&self) -> bool {
        self.meta.get("schema_version").is_ok()
    }

    /// The `shop` tree, for [`crate::shop::Shop`], its typed API (users,
    /// orders and products).
    pub(crate) fn shop_tree(&self) -> &sled::Tree {
        &self.shop
    }

    /// Customers' profiles, sender links, codes and failed attempts.
    pub fn customers(&self) -> Customers {
        Customers::new(self.customers.clone())
    }

    /// A small value kefu keeps for itself under `key` (a cached phrasing
    /// score, the count of forgotten customers); `None` when missing or not
    /// of this shape.
    pub fn setting<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        let bytes = self.meta.get(key).ok()??;
        serde_json::from_slice(&bytes).ok()
    }

    /// Keep `value` under `key` (see [`Store::setting`]).
    pub fn set_setting<T: serde::Serialize>(&self, key: &str, value: &T) -> Result<()> {
        self.meta.insert(key, encode(value))?;
        Ok(())
    }
}

fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("records serialize")
}

fn decode<T: serde::de::DeserializeOwned>(tree: &'static str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        tree,
        reason: e.to_string(),
    })
}
