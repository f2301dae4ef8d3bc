//! Changing a SQLite call store safely beside live fleche writers: every
//! change is one `BEGIN IMMEDIATE` transaction (read-modify-write under the
//! write lock), with a busy timeout; the journal mode and schema are never
//! touched. Rows are written the way fleche's SQLAlchemy models write them.

use super::{python_json_dumps, StoreError};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde_json::{Map, Value as Json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a write waits for a fleche process holding the lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub struct SqlWriter {
    conn: Connection,
    path: PathBuf,
    /// Opened for a dry run: a read-only connection that never creates or
    /// touches `-wal`/`-shm`, in a deferred (read) transaction.
    dry_run: bool,
}

/// A call's tags before and after a change.
#[derive(Debug, Clone, PartialEq)]
pub struct TagChange {
    pub key: String,
    pub before: Option<Map<String, Json>>,
    pub after: Option<Map<String, Json>>,
}

impl TagChange {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

impl SqlWriter {
    /// Open for writing, or with `dry_run` as a reader does (a dry run
    /// writes nothing, not even SQLite's sidecar files, and works on a
    /// cache it may not write).
    pub fn open(path: &Path, dry_run: bool) -> Result<SqlWriter, StoreError> {
        let err = |e: rusqlite::Error| StoreError::Open {
            path: path.to_path_buf(),
            error: e.into(),
        };
        let conn = if dry_run {
            if !path.is_file() {
                return Err(StoreError::NoFile {
                    path: path.to_path_buf(),
                });
            }
            super::sql::connect(&super::sql::read_uri(path, false).0).map_err(err)?
        } else {
            // READ_WRITE without CREATE: a missing database is an error, never a new file.
            let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = Connection::open_with_flags(path, flags).map_err(err)?;
            conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
            conn.execute_batch("PRAGMA foreign_keys=ON").map_err(err)?;
            conn
        };
        Ok(SqlWriter {
            conn,
            path: path.to_path_buf(),
            dry_run,
        })
    }

    fn behavior(&self) -> TransactionBehavior {
        if self.dry_run {
            TransactionBehavior::Deferred
        } else {
            TransactionBehavior::Immediate
        }
    }

    fn sql_err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::Sql {
            path: self.path.clone(),
            error: e.into(),
        }
    }

    /// Merge `set` into and remove `unset` from the `tags` metadata of each
    /// call, in one transaction. A call left without tags loses its `tags`
    /// row. A dry run writes nothing. Keys that are not (or no
    /// longer) in the store are skipped.
    pub fn tag(
        &mut self,
        keys: &[String],
        set: &Map<String, Json>,
        unset: &[String],
    ) -> Result<Vec<TagChange>, StoreError> {
        let (dry_run, behavior) = (self.dry_run, self.behavior());
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(behavior)
            .map_err(|e| StoreError::Sql {
                path: path.clone(),
                error: e.into(),
            })?;
        let mut changes = Vec::with_capacity(keys.len());
        {
            let err = |e: rusqlite::Error| StoreError::Sql {
                path: path.clone(),
                error: e.into(),
            };
            let mut exists = tx
                .prepare("SELECT 1 FROM calls WHERE key = ?1")
                .map_err(err)?;
            let mut read = tx
                .prepare("SELECT data FROM metadata WHERE call_key = ?1 AND name = 'tags'")
                .map_err(err)?;
            let mut upsert = tx
                .prepare(
                    "INSERT INTO metadata (call_key, name, data) VALUES (?1, 'tags', ?2) \
                     ON CONFLICT (call_key, name) DO UPDATE SET data = excluded.data",
                )
                .map_err(err)?;
            let mut delete = tx
                .prepare("DELETE FROM metadata WHERE call_key = ?1 AND name = 'tags'")
                .map_err(err)?;
            for key in keys {
                if exists
                    .query_row([key], |_| Ok(()))
                    .optional()
                    .map_err(err)?
                    .is_none()
                {
                    continue;
                }
                let before: Option<String> = read
                    .query_row([key], |r| r.get(0))
                    .optional()
                    .map_err(err)?;
                let before: Option<Map<String, Json>> = match before {
                    Some(text) => {
                        Some(serde_json::from_str(&text).map_err(|e| StoreError::Tags {
                            path: path.clone(),
                            key: key.clone(),
                            error: e,
                        })?)
                    }
                    None => None,
                };
                let after = super::merge_tags(before.as_ref(), set, unset);
                let change = TagChange {
                    key: key.clone(),
                    before,
                    after,
                };
                if !dry_run && change.changed() {
                    match &change.after {
                        Some(tags) => upsert.execute(rusqlite::params![
                            key,
                            python_json_dumps(&Json::Object(tags.clone()))
                        ]),
                        None => delete.execute([key]),
                    }
                    .map_err(err)?;
                }
                changes.push(change);
            }
        }
        if dry_run {
            tx.rollback().map_err(|e| self.sql_err(e))?;
        } else {
            tx.commit().map_err(|e| self.sql_err(e))?;
        }
        Ok(changes)
    }

    /// Delete call records (their arguments and metadata with them) in one
    /// transaction; values stay until gc, as in fleche. Returns the keys
    /// that were present.
    pub fn evict(&mut self, keys: &[String]) -> Result<Vec<String>, StoreError> {
        let (dry_run, behavior) = (self.dry_run, self.behavior());
        let path = self.path.clone();
        let err = |e: rusqlite::Error| StoreError::Sql {
            path: path.clone(),
            error: e.into(),
        };
        let tx = self.conn.transaction_with_behavior(behavior).map_err(err)?;
        let mut removed = Vec::new();
        {
            let mut exists = tx
                .prepare("SELECT 1 FROM calls WHERE key = ?1")
                .map_err(err)?;
            for key in keys {
                if exists
                    .query_row([key], |_| Ok(()))
                    .optional()
                    .map_err(err)?
                    .is_none()
                {
                    continue;
                }
                if !dry_run {
                    delete_call(&tx, key).map_err(err)?;
                }
                removed.push(key.clone());
            }
        }
        if dry_run {
            tx.rollback().map_err(err)?;
        } else {
            tx.commit().map_err(err)?;
        }
        Ok(removed)
    }
}

/// Remove a call's rows: explicit deletes, not only ON DELETE CASCADE, so
/// correct whatever the connection's foreign_keys setting.
fn delete_call(tx: &rusqlite::Transaction, key: &str) -> rusqlite::Result<()> {
    for sql in [
        "DELETE FROM arguments WHERE call_key = ?1",
        "DELETE FROM metadata WHERE call_key = ?1",
        "DELETE FROM calls WHERE key = ?1",
    ] {
        tx.prepare_cached(sql)?.execute([key])?;
    }
    Ok(())
}

/// A call record to file under another key, with a new name or module
/// (`fleche rekey`): everything else — arguments, result, metadata — moves
/// with it unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct Rekey {
    pub old: String,
    pub new: String,
    pub name: String,
    pub module: Option<String>,
}

/// What became of one [`Rekey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RekeyOutcome {
    /// Filed under the new key; the old record is gone (or, with `keep`,
    /// stays beside it).
    Done,
    /// The new key is taken and `overwrite` was not given: nothing changed.
    Exists,
    /// The old record is no longer there (evicted meanwhile).
    Missing,
}

impl SqlWriter {
    /// File each record under its new key, in one transaction: the new
    /// call row first, then its arguments and metadata moved (copied with
    /// `keep`), then the old row removed. A taken new key is left alone
    /// unless `overwrite` (then its record is replaced). A dry run writes
    /// nothing and says what would happen.
    pub fn rekey(
        &mut self,
        moves: &[Rekey],
        keep: bool,
        overwrite: bool,
    ) -> Result<Vec<RekeyOutcome>, StoreError> {
        let (dry_run, behavior) = (self.dry_run, self.behavior());
        let path = self.path.clone();
        let err = |e: rusqlite::Error| StoreError::Sql {
            path: path.clone(),
            error: e.into(),
        };
        let tx = self.conn.transaction_with_behavior(behavior).map_err(err)?;
        let mut out = Vec::with_capacity(moves.len());
        {
            let exists = |key: &str| {
                tx.query_row("SELECT 1 FROM calls WHERE key = ?1", [key], |_| Ok(()))
                    .optional()
                    .map(|o| o.is_some())
            };
            for m in moves {
                if !exists(&m.old).map_err(err)? {
                    out.push(RekeyOutcome::Missing);
                    continue;
                }
                let taken = m.new != m.old && exists(&m.new).map_err(err)?;
                if taken && !overwrite {
                    out.push(RekeyOutcome::Exists);
                    continue;
                }
                out.push(RekeyOutcome::Done);
                if dry_run || m.new == m.old {
                    continue;
                }
                if taken {
                    delete_call(&tx, &m.new).map_err(err)?;
                }
                tx.execute(
                    "INSERT INTO calls (key, name, module, version, code_digest, result) \
                     SELECT ?2, ?3, ?4, version, code_digest, result FROM calls WHERE key = ?1",
                    rusqlite::params![m.old, m.new, m.name, m.module],
                )
                .map_err(err)?;
                let children = if keep {
                    [
                        "INSERT INTO arguments (call_key, position, name, value) \
                         SELECT ?2, position, name, value FROM arguments WHERE call_key = ?1",
                        "INSERT INTO metadata (call_key, name, data) \
                         SELECT ?2, name, data FROM metadata WHERE call_key = ?1",
                    ]
                } else {
                    [
                        "UPDATE arguments SET call_key = ?2 WHERE call_key = ?1",
                        "UPDATE metadata SET call_key = ?2 WHERE call_key = ?1",
                    ]
                };
                for sql in children {
                    tx.execute(sql, [&m.old, &m.new]).map_err(err)?;
                }
                if !keep {
                    tx.execute("DELETE FROM calls WHERE key = ?1", [&m.old])
                        .map_err(err)?;
                }
            }
        }
        if dry_run {
            tx.rollback().map_err(err)?;
        } else {
            tx.commit().map_err(err)?;
        }
        Ok(out)
    }
}
