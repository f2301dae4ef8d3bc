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
            super::sql::connect_plain(&super::sql::read_uri(path, false).0).map_err(err)?
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
                if !has_call(&tx, key).map_err(err)? {
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
            for key in keys {
                if !has_call(&tx, key).map_err(err)? {
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

/// Whether a record is filed under `key` (a cached statement: asked once
/// per call of a batch).
fn has_call(conn: &Connection, key: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM calls WHERE key = ?1")?
        .query_row([key], |_| Ok(()))
        .optional()
        .map(|o| o.is_some())
}

/// Whether fleche's `calls` table exists.
fn has_calls_table(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'calls'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
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
    /// A new version, as stored (`json.dumps`); None keeps the old one.
    pub version: Option<String>,
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
            let exists = |key: &str| has_call(&tx, key);
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
                     SELECT ?2, ?3, ?4, COALESCE(?5, version), code_digest, result FROM calls WHERE key = ?1",
                    rusqlite::params![m.old, m.new, m.name, m.module, m.version],
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

/// fleche's tables as SQLAlchemy's `create_all` writes them for SQLite
/// (copied from a `calls.db` fleche 0.22 created), for a copy into a cache
/// that has no database yet.
const SQLITE_SCHEMA: &str = "CREATE TABLE calls (
\t\"key\" VARCHAR(64) NOT NULL, 
\tname VARCHAR NOT NULL, 
\tmodule VARCHAR, 
\tversion VARCHAR, 
\tcode_digest VARCHAR(64), 
\tresult VARCHAR(64), 
\tPRIMARY KEY (\"key\")
);
CREATE TABLE arguments (
\tid INTEGER NOT NULL, 
\tcall_key VARCHAR(64) NOT NULL, 
\tposition INTEGER NOT NULL, 
\tname VARCHAR NOT NULL, 
\tvalue VARCHAR(64) NOT NULL, 
\tPRIMARY KEY (id), 
\tCONSTRAINT uq_arguments_call_name UNIQUE (call_key, name), 
\tFOREIGN KEY(call_key) REFERENCES calls (\"key\") ON DELETE CASCADE
);
CREATE TABLE metadata (
\tid INTEGER NOT NULL, 
\tcall_key VARCHAR(64) NOT NULL, 
\tname VARCHAR NOT NULL, 
\tdata JSON NOT NULL, 
\tPRIMARY KEY (id), 
\tCONSTRAINT uq_metadata_call_name UNIQUE (call_key, name), 
\tFOREIGN KEY(call_key) REFERENCES calls (\"key\") ON DELETE CASCADE
);
CREATE INDEX ix_metadata_call_key ON metadata (call_key);
CREATE INDEX ix_metadata_name ON metadata (name);";

/// What became of one record a copy files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filed {
    /// Written (replacing the record under its key, with `overwrite`).
    Written,
    /// A record under its key was already there (a writer filed it since
    /// the copy was planned): left alone.
    Present,
}

/// A record's rows as fleche's SQLAlchemy models write them: the version
/// `json.dumps`ed, metadata `json.dumps`ed per kind, arguments numbered
/// in their stored order.
pub(crate) struct Rows<'a> {
    pub version: Option<String>,
    pub metadata: Vec<(&'a str, String)>,
}

impl<'a> Rows<'a> {
    pub(crate) fn of(rec: &'a crate::store::CallRecord) -> Rows<'a> {
        Rows {
            version: rec.version.as_ref().map(python_json_dumps),
            metadata: rec
                .metadata
                .iter()
                .map(|(k, v)| (k.as_str(), python_json_dumps(v)))
                .collect(),
        }
    }
}

impl SqlWriter {
    /// Open a database to copy records into, creating it with fleche's
    /// schema (in WAL mode, as fleche sets it) when there is none yet. The
    /// tables are made in one `BEGIN IMMEDIATE` transaction after checking
    /// they are still missing, so a fleche process creating the same
    /// database at the same time is not disturbed.
    pub fn create(path: &Path) -> Result<SqlWriter, StoreError> {
        let err = |e: rusqlite::Error| StoreError::Open {
            path: path.to_path_buf(),
            error: e.into(),
        };
        if !path.exists() {
            // Made complete under a temporary name, then linked into place
            // (never over a database someone made meanwhile): a copy
            // killed here leaves no empty database behind.
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Files(super::files::FileError::io(dir, e)))?;
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("calls.db");
            let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
            let made = (|| {
                let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let conn = Connection::open_with_flags(&tmp, flags)?;
                conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
                conn.execute_batch(&format!("BEGIN; {SQLITE_SCHEMA}; COMMIT;"))?;
                conn.close().map_err(|(_, e)| e)
            })();
            let linked = made
                .map_err(err)
                .and_then(|()| match std::fs::hard_link(&tmp, path) {
                    Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                        Err(StoreError::Files(super::files::FileError::io(path, e)))
                    }
                    _ => Ok(()),
                });
            let _ = std::fs::remove_file(&tmp);
            linked?;
        }
        let mut w = SqlWriter::open(path, false)?;
        let tx = w
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        if !has_calls_table(&tx).map_err(err)? {
            tx.execute_batch(SQLITE_SCHEMA).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(w)
    }

    /// Whether fleche's `calls` table exists (a database fleche is
    /// creating at this moment may not have it yet).
    pub fn has_schema(&self) -> Result<bool, StoreError> {
        has_calls_table(&self.conn).map_err(|e| self.sql_err(e))
    }

    /// The keys among `keys` that have a record (read in batches under
    /// SQLite's bind limit).
    pub fn present(
        &mut self,
        keys: &[&str],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| StoreError::Sql {
            path: path.clone(),
            error: e.into(),
        };
        let mut found = std::collections::HashSet::new();
        for chunk in keys.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let mut stmt = self
                .conn
                .prepare(&format!("SELECT key FROM calls WHERE key IN ({marks})"))
                .map_err(err)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(chunk.iter()), |r| {
                    r.get::<_, String>(0)
                })
                .map_err(err)?;
            for k in rows {
                found.insert(k.map_err(err)?);
            }
        }
        Ok(found)
    }

    /// File records in one transaction, the way fleche's `save` writes
    /// them. A key already taken is left alone, unless `overwrite` (then
    /// its record is replaced, as fleche's `_persist_call` does).
    pub fn insert(
        &mut self,
        records: &[crate::store::CallRecord],
        overwrite: bool,
    ) -> Result<Vec<Filed>, StoreError> {
        let path = self.path.clone();
        let err = |e: rusqlite::Error| StoreError::Sql {
            path: path.clone(),
            error: e.into(),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut out = Vec::with_capacity(records.len());
        {
            let mut call = tx
                .prepare(
                    "INSERT INTO calls (key, name, module, version, code_digest, result) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err)?;
            let mut arg = tx
                .prepare(
                    "INSERT INTO arguments (call_key, position, name, value) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(err)?;
            let mut meta = tx
                .prepare("INSERT INTO metadata (call_key, name, data) VALUES (?1, ?2, ?3)")
                .map_err(err)?;
            for rec in records {
                let taken = has_call(&tx, &rec.key).map_err(err)?;
                if taken && !overwrite {
                    out.push(Filed::Present);
                    continue;
                }
                if taken {
                    delete_call(&tx, &rec.key).map_err(err)?;
                }
                let rows = Rows::of(rec);
                call.execute(rusqlite::params![
                    rec.key,
                    rec.name,
                    rec.module,
                    rows.version,
                    rec.code_digest,
                    rec.result
                ])
                .map_err(err)?;
                for (i, (name, value)) in rec.arguments.iter().enumerate() {
                    arg.execute(rusqlite::params![rec.key, i as i64, name, value])
                        .map_err(err)?;
                }
                for (name, data) in &rows.metadata {
                    meta.execute(rusqlite::params![rec.key, name, data])
                        .map_err(err)?;
                }
                out.push(Filed::Written);
            }
        }
        tx.commit().map_err(err)?;
        Ok(out)
    }
}
