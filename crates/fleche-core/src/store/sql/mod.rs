//! SQL call storage on SQLite (format §2), read without ever changing the
//! database: no `-wal`/`-shm` files are created, nothing is checkpointed.
//!
//! Filters are pushed into SQL with the meaning of fleche's `Sql.query`;
//! the few metadata comparisons SQL cannot make exactly (lists, dicts) are
//! finished on the loaded rows, as fleche does.
//!
//! - `query`: the SQL text: a filter as WHERE clauses (shared with
//!   PostgreSQL through a dialect), the ordered SELECTs of listings;
//! - `rows`: a result row as a [`CallRecord`], and sort values in
//!   SQLite's order;
//! - `parallel`: complete listings read by several connections at once;
//! - `top`: `ls -n N` from one pass over the runtime rows;
//! - `near`: the calls `fleche why` compares, in one statement.

mod merge;
mod near;
mod parallel;
pub(super) mod query;
pub(super) mod rows;
mod top;

use super::filter::{count_by_listing, Residual};
use super::{CallFilter, CallRecord, ListOptions, StoreError};
use query::{count_sql, select_sql, RECORD_COLUMNS};
use rows::record;
use rusqlite::{Connection, OpenFlags};
use std::borrow::Cow;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A read-only handle on a fleche `calls.db`.
pub struct SqlCalls {
    conn: Connection,
    path: PathBuf,
    /// How `conn` was opened, for the extra connections of parallel reads.
    uri: String,
    /// Opened in WAL read mode (a writer was live): one connection only, so
    /// that every row comes from the same snapshot.
    live: bool,
    /// fleche 0.10's schema: `calls.version` is an `INTEGER` column holding
    /// the version itself (SQLite's affinity made `"1.2"` the real 1.2), not
    /// its JSON text.
    raw_versions: bool,
    /// The persistent index of its runtime rows (`ls -n N`); disabled
    /// unless [`Self::use_index`] is called.
    times: crate::index::times::TimesIndex,
    /// How its tables lie for a merged listing, remembered (same switch).
    layouts: crate::index::layout::LayoutIndex,
}

impl SqlCalls {
    /// Open read-only. A database with a live `-wal` file (a fleche process
    /// is writing, or crashed mid-write) is opened in WAL read mode so we see
    /// committed data, with `readonly_shm` so that reading never writes the
    /// `-shm` index (a reader otherwise records its snapshot there, and
    /// rebuilds the index after a crashed writer); SQLite then takes only
    /// shared locks and, when it cannot use the index, reads the log into
    /// its own memory. Otherwise it is opened `immutable`, which creates no
    /// sidecar files and needs no write access to the directory.
    pub fn open(path: &Path) -> Result<SqlCalls, StoreError> {
        SqlCalls::open_with(path, false)
    }

    /// Open read-only for a command that then writes through another
    /// connection: SQLite shares one `-shm` index among a process's
    /// connections to a file, and the first to open it decides whether it
    /// is writable, so these readers must not open it read-only.
    pub fn open_beside_writer(path: &Path) -> Result<SqlCalls, StoreError> {
        SqlCalls::open_with(path, true)
    }

    fn open_with(path: &Path, beside_writer: bool) -> Result<SqlCalls, StoreError> {
        if !path.is_file() {
            return Err(StoreError::NoFile {
                path: path.to_path_buf(),
            });
        }
        // The last writer may close between our look at the sidecar files
        // and the first read, taking its `-wal` and `-shm` with it, or a
        // first writer may be setting the `-shm` up: a read-only WAL
        // reader then cannot open (SQLITE_CANTOPEN, SQLITE_READONLY_*).
        // Looking again finds the database quiet (opened `immutable`) or
        // the index ready.
        let mut attempt = 0;
        let store = loop {
            attempt += 1;
            let (uri, live) = read_uri(path, beside_writer);
            let opened = connect(&uri)
                .map_err(|e| StoreError::open(path, e))
                .map(|conn| SqlCalls {
                    conn,
                    path: path.to_path_buf(),
                    uri,
                    live,
                    raw_versions: false,
                    times: Default::default(),
                    layouts: Default::default(),
                })
                .and_then(|store| store.check_schema().map(|()| store))
                .and_then(|store| store.version_column_type().map(|t| (store, t)));
            match opened {
                Err(e) if live && attempt < 12 && is_cantopen(&e) => {
                    std::thread::sleep(Duration::from_millis(5 * attempt));
                    continue;
                }
                other => break other?,
            }
        };
        let (store, version_type) = store;
        let raw_versions = version_type.eq_ignore_ascii_case("INTEGER");
        Ok(SqlCalls {
            raw_versions,
            ..store
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Keep and use a persistent index in `dir` (see [`crate::index`]).
    pub(crate) fn use_index(&mut self, dir: PathBuf) {
        self.layouts = crate::index::layout::LayoutIndex::new(Some(dir.clone()), &self.path);
        self.times = crate::index::times::TimesIndex::new(Some(dir), &self.path);
    }

    /// A write-ahead log holding writes this read-only connection cannot
    /// see: a non-empty `-wal` without its `-shm` (a cache copied while a
    /// writer was active, or a writer that crashed). Reading it would mean
    /// creating the `-shm` file; the database was opened `immutable`.
    pub fn unread_log(&self) -> Option<PathBuf> {
        let wal = sidecar(&self.path, "-wal");
        let unread = !self.live && std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
        unread.then_some(wal)
    }

    /// Whether some process has the database open for writing right now
    /// (SQLite keeps a `-wal` file while a WAL-mode connection is open).
    pub fn writer_active(&self) -> bool {
        sidecar(&self.path, "-wal").exists()
    }

    fn sql_err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::sql(&self.path, e)
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        let tables: Vec<String> = self
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| StoreError::open(&self.path, e))?;
        for table in ["calls", "arguments", "metadata"] {
            if !tables.iter().any(|t| t == table) {
                return Err(StoreError::Schema {
                    path: self.path.clone(),
                    table,
                });
            }
        }
        Ok(())
    }

    /// The declared type of `calls.version` (`VARCHAR` since fleche 0.11,
    /// `INTEGER` in 0.10).
    fn version_column_type(&self) -> Result<String, StoreError> {
        self.conn
            .query_row(
                "SELECT type FROM pragma_table_info('calls') WHERE name = 'version'",
                [],
                |r| r.get::<_, String>(0),
            )
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(String::new()),
                e => Err(StoreError::open(&self.path, e)),
            })
    }

    /// `opts` with its version filter as this database holds versions.
    /// fleche 0.10 binds the version itself, and the column's `INTEGER`
    /// affinity turns a numeric text into a number before comparing: its
    /// `version="1.2"` matches the stored real 1.2 and `"2"` matches the
    /// integer 2. Binding the text of the version does the same here.
    fn stored_form<'a>(&self, opts: &'a ListOptions) -> Cow<'a, ListOptions> {
        match &opts.filter.version_json {
            Some(json) if self.raw_versions => {
                let raw = match serde_json::from_str::<serde_json::Value>(json) {
                    Ok(serde_json::Value::String(s)) => s,
                    _ => json.clone(),
                };
                let mut opts = opts.clone();
                opts.filter.version_json = Some(raw);
                Cow::Owned(opts)
            }
            _ => Cow::Borrowed(opts),
        }
    }

    pub fn count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM calls", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| self.sql_err(e))
    }

    /// Every call key, sorted (one scan of the primary-key index), as bytes
    /// without a string per key; None if a key is not 64 lowercase hex digits.
    pub fn sorted_key_bytes(&self) -> Result<Option<Vec<crate::prefix::KeyBytes>>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key FROM calls ORDER BY key")
            .map_err(|e| self.sql_err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql_err(e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            let key = row.get_ref(0).map_err(|e| self.sql_err(e))?;
            match key.as_str().ok().and_then(crate::prefix::key_bytes) {
                Some(b) => out.push(b),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    /// Every value digest a record names (arguments and results), with
    /// repeats, to `f`: two plain scans instead of building every record.
    pub fn referenced(&self, mut f: impl FnMut(&str)) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT value FROM arguments WHERE call_key IN (SELECT key FROM calls) \
                 UNION ALL SELECT result FROM calls WHERE result IS NOT NULL",
            )
            .map_err(|e| self.sql_err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql_err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            let digest = row.get_ref(0).map_err(|e| self.sql_err(e))?;
            f(digest.as_str().map_err(|e| self.sql_err(e.into()))?);
        }
        Ok(())
    }

    /// One record by full key.
    pub fn get(&self, key: &str) -> Result<Option<CallRecord>, StoreError> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM calls c WHERE c.key = ?1");
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| self.sql_err(e))?;
        let mut rows = stmt.query([key]).map_err(|e| self.sql_err(e))?;
        match rows.next().map_err(|e| self.sql_err(e))? {
            Some(row) => Ok(Some(record(row).map_err(|e| self.sql_err(e))?)),
            None => Ok(None),
        }
    }

    /// Stream the selected records to `f` in the requested order.
    pub fn for_each(
        &self,
        opts: &ListOptions,
        mut f: impl FnMut(CallRecord) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let opts = &*self.stored_form(opts);
        let indexed = match self.in_start_range(opts)? {
            Some(records) => Some(records),
            None => self.first_by_runtime(opts)?,
        };
        if let Some(records) = indexed {
            for rec in records {
                if f(rec).is_break() {
                    break;
                }
            }
            return Ok(());
        }
        let residual = Residual::of(&opts.filter);
        let (sql, params) = select_sql(&residual.sql_options(opts));
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(|e| self.sql_err(e))?;
        let next = || match rows.next() {
            Ok(Some(row)) => record(row).map(Some),
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        };
        residual
            .feed(opts.limit, next, f)
            .map_err(|e| self.sql_err(e))
    }

    /// Count the selected records without loading them.
    pub fn count_matching(&self, filter: &CallFilter) -> Result<u64, StoreError> {
        if let Some(n) = count_by_listing(filter, |opts, f| self.for_each(opts, f))? {
            return Ok(n);
        }
        let (sql, params) = count_sql(
            &self
                .stored_form(&ListOptions {
                    filter: filter.clone(),
                    ..ListOptions::default()
                })
                .filter,
        );
        self.conn
            .query_row(&sql, rusqlite::params_from_iter(params), |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(|e| self.sql_err(e))
    }

    /// Per-function counts, walltime and time span, in one aggregate query.
    pub fn function_stats(&self) -> Result<Vec<super::FunctionStats>, StoreError> {
        let sql = "SELECT c.name, c.module, count(*), \
                   total(json_extract(m.data, '$.walltime')), \
                   min(json_extract(m.data, '$.timestart')), max(json_extract(m.data, '$.timestart')), \
                   sum(c.result IS NULL) \
                   FROM calls c LEFT JOIN metadata m ON m.call_key = c.key AND m.name = 'runtime' \
                   GROUP BY c.name, c.module ORDER BY count(*) DESC, c.name";
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(super::FunctionStats {
                    name: r.get(0)?,
                    module: r.get(1)?,
                    calls: r.get::<_, i64>(2)? as u64,
                    walltime: r.get::<_, Option<f64>>(3)?.unwrap_or(0.0),
                    first: r.get(4)?,
                    last: r.get(5)?,
                    unfinished: r.get::<_, Option<i64>>(6)?.unwrap_or(0) as u64,
                })
            })
            .map_err(|e| self.sql_err(e))?;
        let out: Result<Vec<_>, _> = rows.collect();
        out.map_err(|e| self.sql_err(e))
    }

    /// Keys starting with `prefix` (lowercase hex), by an indexed range on
    /// the primary key; at most `limit`.
    pub fn keys_with_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let (lo, hi) = prefix_range(prefix);
        let sql = match hi {
            Some(_) => "SELECT key FROM calls WHERE key >= ?1 AND key < ?2 ORDER BY key LIMIT ?3",
            None => "SELECT key FROM calls WHERE key >= ?1 AND ?2 IS NULL ORDER BY key LIMIT ?3",
        };
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(rusqlite::params![lo, hi, limit as i64], |r| {
                r.get::<_, String>(0)
            })
            .map_err(|e| self.sql_err(e))?;
        let keys: Result<Vec<String>, _> = rows.collect();
        keys.map_err(|e| self.sql_err(e))
    }

    /// The keys just before and after `key` in sorted order (for shrink).
    pub fn neighbours(&self, key: &str) -> Result<(Option<String>, Option<String>), StoreError> {
        let before: Option<String> = self
            .conn
            .query_row("SELECT max(key) FROM calls WHERE key < ?1", [key], |r| {
                r.get(0)
            })
            .map_err(|e| self.sql_err(e))?;
        let after: Option<String> = self
            .conn
            .query_row("SELECT min(key) FROM calls WHERE key > ?1", [key], |r| {
                r.get(0)
            })
            .map_err(|e| self.sql_err(e))?;
        Ok((before, after))
    }

    /// Every value digest the records name (arguments and results), with
    /// the key of one call that names it, for gc and `show` of a value.
    pub fn calls_using(&self, digest: &str) -> Result<Vec<(String, String)>, StoreError> {
        let sql = "SELECT call_key, 'argument ' || name FROM arguments WHERE value = ?1 \
                   UNION ALL SELECT key, 'result' FROM calls WHERE result = ?1 ORDER BY 1";
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map([digest], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.sql_err(e))?;
        let out: Result<Vec<_>, _> = rows.collect();
        out.map_err(|e| self.sql_err(e))
    }
}

/// Whether SQLite could not open the file or use its `-shm` index (gone,
/// or being set up by the writer that just opened it), or lost a race for
/// the index's locks (SQLITE_PROTOCOL, which SQLite's documentation says
/// to retry: seen once in a loaded test run, reading a cache whose writer
/// had just been killed): a passing state.
fn is_cantopen(e: &StoreError) -> bool {
    let db = match e {
        StoreError::Open { error, .. } | StoreError::Sql { error, .. } => error,
        _ => return false,
    };
    matches!(
        db,
        super::DbError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            if matches!(
                f.code,
                rusqlite::ErrorCode::CannotOpen
                    | rusqlite::ErrorCode::ReadOnly
                    | rusqlite::ErrorCode::FileLockingProtocolFailed
            )
    )
}

/// The URI a reader opens `path` with, and whether a writer may be live
/// (a `-wal` with its `-shm`: read in WAL mode, else `immutable`).
pub(crate) fn read_uri(path: &Path, beside_writer: bool) -> (String, bool) {
    let live = sidecar(path, "-wal").exists() && sidecar(path, "-shm").exists();
    let query = match (live, beside_writer) {
        (false, _) => "mode=ro&immutable=1",
        (true, false) => "mode=ro&readonly_shm=1",
        (true, true) => "mode=ro",
    };
    (file_uri(path, query), live)
}

/// A reading connection (see [`snapshot`]).
pub(crate) fn connect(uri: &str) -> rusqlite::Result<Connection> {
    let conn = connect_plain(uri)?;
    if uri.contains("readonly_shm=1") {
        snapshot(&conn)?;
    }
    Ok(conn)
}

/// A read-only connection that starts no transaction (a dry run's writer
/// starts its own).
pub(crate) fn connect_plain(uri: &str) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

/// A reader that may not write the `-shm` index keeps one read transaction
/// for its whole life: every statement then reads the same snapshot, and
/// only its first read looks at the index. Each later look could land
/// while a fleche process opens or closes the database and find the index
/// being set up or gone (SQLITE_READONLY_CANTINIT, SQLITE_CANTOPEN): that
/// first look is retried, with a short back-off, until the index is ready
/// or the writer has gone.
fn snapshot(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("BEGIN")?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())) {
            Err(rusqlite::Error::SqliteFailure(f, _))
                if attempt < 40
                    && matches!(
                        f.code,
                        rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly
                    ) =>
            {
                std::thread::sleep(Duration::from_millis(2 * attempt));
            }
            other => return other,
        }
    }
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// A `file:` URI for SQLite, percent-encoding what URIs reserve.
fn file_uri(path: &Path, query: &str) -> String {
    let mut out = String::from("file:");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out.push('?');
    out.push_str(query);
    out
}

/// `[lo, hi)` covering every string that starts with `prefix`.
fn prefix_range(prefix: &str) -> (String, Option<String>) {
    let mut hi: Vec<char> = prefix.chars().collect();
    while let Some(last) = hi.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            hi.push(next);
            return (prefix.to_string(), Some(hi.into_iter().collect()));
        }
    }
    (prefix.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ranges_cover_exactly_the_prefix() {
        assert_eq!(
            prefix_range("60079f"),
            ("60079f".to_string(), Some("60079g".to_string()))
        );
        assert_eq!(
            prefix_range("ab9"),
            ("ab9".to_string(), Some("ab:".to_string()))
        );
    }

    #[test]
    fn uris_escape_reserved_characters() {
        assert_eq!(
            file_uri(Path::new("/a b/c?d#.db"), "mode=ro"),
            "file:/a%20b/c%3Fd%23.db?mode=ro"
        );
    }
}
