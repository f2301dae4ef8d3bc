//! SQL call storage on SQLite (format §2), read without ever changing the
//! database: no `-wal`/`-shm` files are created, nothing is checkpointed.
//!
//! Filters are pushed into SQL with the meaning of fleche's `Sql.query`;
//! the few metadata comparisons SQL cannot make exactly (lists, dicts) are
//! finished on the loaded rows, as fleche does.

use super::{json_py_eq, CallFilter, CallRecord, ListOptions, MetaFilter, SortKey, StoreError};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, Row};
use serde_json::{Map, Value as Json};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
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
}

/// The columns every record query selects, in this order.
/// Arguments come with their positions and are put in order by `record`:
/// an `ORDER BY` in the subquery sorts each call's few rows in a temporary
/// b-tree (a seventh of SQLite's work in a listing).
const RECORD_COLUMNS: &str = "c.key, c.name, c.module, c.version, c.code_digest, c.result, \
     (SELECT json_group_array(json_array(CASE typeof(a.position) \
            WHEN 'blob' THEN json_array(hex(a.position)) ELSE a.position END, a.name, a.value)) \
        FROM arguments a WHERE a.call_key = c.key), \
     (SELECT json_group_object(m.name, json(m.data)) FROM metadata m WHERE m.call_key = c.key)";

impl SqlCalls {
    /// Open read-only. A database with a live `-wal` file (a fleche process
    /// is writing, or crashed mid-write) is opened in WAL read mode so we see
    /// committed data; otherwise it is opened `immutable`, which creates no
    /// sidecar files and needs no write access to the directory.
    pub fn open(path: &Path) -> Result<SqlCalls, StoreError> {
        let open_err = |message: String| StoreError::Open {
            path: path.to_path_buf(),
            message,
        };
        if !path.is_file() {
            return Err(open_err("no such file".into()));
        }
        let wal = sidecar(path, "-wal");
        let shm = sidecar(path, "-shm");
        let live = wal.exists() && shm.exists();
        let uri = file_uri(
            path,
            if live {
                "mode=ro"
            } else {
                "mode=ro&immutable=1"
            },
        );
        let conn = connect(&uri).map_err(|e| open_err(e.to_string()))?;
        let store = SqlCalls {
            conn,
            path: path.to_path_buf(),
            uri,
            live,
        };
        store.check_schema()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether some process has the database open for writing right now
    /// (SQLite keeps a `-wal` file while a WAL-mode connection is open).
    pub fn writer_active(&self) -> bool {
        sidecar(&self.path, "-wal").exists()
    }

    fn sql_err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::Sql {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        let tables: Vec<String> = self
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| StoreError::Open {
                path: self.path.clone(),
                message: e.to_string(),
            })?;
        for needed in ["calls", "arguments", "metadata"] {
            if !tables.iter().any(|t| t == needed) {
                return Err(StoreError::Schema {
                    path: self.path.clone(),
                    message: format!("it has no `{needed}` table"),
                });
            }
        }
        Ok(())
    }

    pub fn count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM calls", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| self.sql_err(e))
    }

    /// Every call key, sorted: one scan of the primary-key index.
    pub fn sorted_keys(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key FROM calls ORDER BY key")
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.sql_err(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql_err(e))
    }

    /// [`Self::sorted_keys`] as bytes, without a string per key; None if a
    /// key is not 64 lowercase hex digits.
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
        if let Some(records) = self.first_by_runtime(opts)? {
            for rec in records {
                if f(rec).is_break() {
                    break;
                }
            }
            return Ok(());
        }
        let client_side: Vec<&MetaFilter> = opts
            .filter
            .metadata
            .iter()
            .filter(|m| !m.pushed_down())
            .collect();
        // With filters finished here, a LIMIT in SQL would count rows these
        // filters drop: count the kept ones instead.
        let sql_opts = if client_side.is_empty() {
            opts.clone()
        } else {
            ListOptions {
                limit: None,
                ..opts.clone()
            }
        };
        let (sql, params) = select_sql(&sql_opts);
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(|e| self.sql_err(e))?;
        let mut left = opts.limit.unwrap_or(u64::MAX);
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            if left == 0 {
                break;
            }
            let rec = record(row).map_err(|e| self.sql_err(e))?;
            if !client_side
                .iter()
                .all(|m| super::metadata_matches(&rec, std::slice::from_ref(*m)))
            {
                continue;
            }
            left -= 1;
            if f(rec).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// [`Self::for_each`] with `map` run on worker threads. A filtered
    /// listing is read in rowid ranges, one per thread, each sorted by its
    /// own connection, and merged (see `records_in_parts`). Otherwise the
    /// listing order comes first, as keys (sorted in rowid ranges and
    /// merged, unless one scan of the runtime rows gives it), and workers
    /// with their own connections build the records of consecutive batches
    /// of them, which are handed to `sink` in order. Sorting whole records
    /// in SQLite spills them to temporary files and keeps the work on one
    /// core (`sqlite3`, a million calls: 42 s, against 26 s for the same
    /// records unsorted, same run); sorting keys takes a few seconds and
    /// leaves the record building to every core. Only for complete
    /// listings of a database no writer is using: a second connection
    /// could see another snapshot.
    pub fn for_each_mapped<T: Send>(
        &self,
        opts: &ListOptions,
        map: &(dyn Fn(CallRecord) -> T + Sync),
        mut sink: impl FnMut(T) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let workers = crate::threads().min(MAX_WORKERS);
        if opts.limit.is_some() || self.live || workers < 2 {
            return self.for_each(opts, |rec| sink(map(rec)));
        }
        let client_side: Vec<&MetaFilter> = opts
            .filter
            .metadata
            .iter()
            .filter(|m| !m.pushed_down())
            .collect();
        let runtime_field = match opts.sort {
            _ if opts.filter != CallFilter::default() => None,
            SortKey::Started => Some("timestart"),
            SortKey::Walltime => Some("walltime"),
            SortKey::Name | SortKey::Key => None,
        }
        .filter(|_| self.one_row_per_call_and_name("metadata"));
        if opts.filter != CallFilter::default() {
            // Split by the rows of the filter's first lookup table when each
            // call has at most one matching row there (then every call is
            // found by one part), by the calls otherwise.
            let source = first_lookup(&opts.filter)
                .filter(|t| self.one_row_per_call_and_name(t))
                .unwrap_or("calls");
            let (sql, params) = ordered_records_sql(opts, source);
            if let (Ok(_), Some(ranges)) =
                (self.conn.prepare(&sql), self.rowid_ranges(source, workers))
            {
                return self.records_in_parts(opts, &sql, params, ranges, &client_side, map, sink);
            }
        }
        std::thread::scope(|scope| {
            let mut feed = Feed {
                to: Vec::new(),
                from: Vec::new(),
                pending: Vec::with_capacity(BATCH),
                sent: 0,
                received: 0,
                found: 0,
                sink: &mut sink,
                path: &self.path,
                stopped: false,
            };
            for _ in 0..workers {
                let (key_tx, key_rx) = mpsc::channel::<Vec<String>>();
                let (row_tx, row_rx) = mpsc::channel();
                let (client_side, uri, path) = (&client_side, &self.uri, &self.path);
                scope.spawn(move || fetch(uri, path, key_rx, row_tx, client_side, map));
                feed.to.push(key_tx);
                feed.from.push(row_rx);
            }
            match runtime_field {
                Some(field) => {
                    // The calls with the field, from one scan of the runtime
                    // rows (keys of calls that are gone are not found), then
                    // those without it, which sort last, if there are any.
                    let dir = if opts.reverse { "ASC" } else { "DESC" };
                    let with = format!(
                        "SELECT call_key FROM metadata WHERE +name = 'runtime' \
                         AND json_extract(data, '$.{field}') IS NOT NULL \
                         ORDER BY json_extract(data, '$.{field}') {dir}, call_key {dir}"
                    );
                    self.feed_keys(&with, Vec::new(), &mut feed)?;
                    feed.drain(0)?;
                    if !feed.stopped && feed.found < self.count()? {
                        let without = format!(
                            "SELECT c.key FROM calls c WHERE NOT EXISTS (SELECT 1 FROM metadata m \
                             WHERE m.call_key = c.key AND m.name = 'runtime' \
                             AND json_extract(m.data, '$.{field}') IS NOT NULL) ORDER BY c.key {dir}"
                        );
                        self.feed_keys(&without, Vec::new(), &mut feed)?;
                    }
                }
                None => {
                    let (sql, params) = ordered_keys_sql(opts, true);
                    if let (Ok(_), Some(ranges)) =
                        (self.conn.prepare(&sql), self.rowid_ranges("calls", workers))
                    {
                        // Each part sorted by its own connection, merged here.
                        let mut parts: Vec<Part<()>> = Vec::new();
                        for range in ranges {
                            let (sql, uri, path) = (sql.clone(), &self.uri, &self.path);
                            parts.push(Part::spawn(scope, &params, range, move |params, tx| {
                                order_part(uri, path, &sql, params, tx)
                            }));
                        }
                        merge_parts(&mut parts, opts.sort, desc(opts), |key, ()| {
                            feed.push(key)?;
                            Ok(if feed.stopped {
                                ControlFlow::Break(())
                            } else {
                                ControlFlow::Continue(())
                            })
                        })?;
                        feed.flush()?;
                    } else {
                        // No rowid to part by: one sorted query.
                        let (sql, params) = ordered_keys_sql(opts, false);
                        self.feed_keys(&sql, params, &mut feed)?;
                    }
                }
            }
            feed.drain(0)
        })
    }

    /// A filtered listing in one pass per rowid range: each part's
    /// connection selects, builds and sorts the records it keeps, and its
    /// thread maps them; the parts are merged in order here. A filter
    /// keeps a share of the calls, so sorting whole records costs little,
    /// and each record is looked up once instead of twice (its key to
    /// order it, then its record).
    #[allow(clippy::too_many_arguments)]
    fn records_in_parts<T: Send>(
        &self,
        opts: &ListOptions,
        sql: &str,
        params: Vec<SqlValue>,
        ranges: Vec<(i64, i64)>,
        client_side: &[&MetaFilter],
        map: &(dyn Fn(CallRecord) -> T + Sync),
        mut sink: impl FnMut(T) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        std::thread::scope(|scope| {
            let mut parts = Vec::new();
            for range in ranges {
                let (uri, path) = (&self.uri, &self.path);
                parts.push(Part::spawn(scope, &params, range, move |params, tx| {
                    record_part(uri, path, sql, params, client_side, map, tx)
                }));
            }
            merge_parts(&mut parts, opts.sort, desc(opts), |_, t| Ok(sink(t)))
        })
    }

    /// `n` consecutive rowid ranges covering `table` (calls, arguments or
    /// metadata), none empty of rowids; None for a table without rowids.
    fn rowid_ranges(&self, table: &str, n: usize) -> Option<Vec<(i64, i64)>> {
        let (lo, hi): (Option<i64>, Option<i64>) = self
            .conn
            // Two subqueries: SQLite reads a lone min() or max() off the
            // b-tree's edge, but scans the table for both at once.
            .query_row(
                &format!(
                    "SELECT (SELECT min(rowid) FROM {table}), (SELECT max(rowid) FROM {table})"
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok()?;
        let (lo, hi) = (lo.unwrap_or(0), hi.unwrap_or(0));
        let span = (hi as i128 - lo as i128 + 1) as u128;
        let n = (n as u128).min(span).max(1);
        let mut ranges = Vec::new();
        let mut start = lo as i128;
        for i in 0..n {
            let len = span / n + u128::from(i < span % n);
            let end = start + len as i128 - 1;
            ranges.push((start as i64, end as i64));
            start = end + 1;
        }
        // Rowids below and above are not ours to miss.
        ranges.first_mut()?.0 = i64::MIN;
        ranges.last_mut()?.1 = i64::MAX;
        Some(ranges)
    }

    /// Hand the keys `sql` lists to the workers, batch by batch.
    fn feed_keys<T>(
        &self,
        sql: &str,
        params: Vec<SqlValue>,
        feed: &mut Feed<'_, T, impl FnMut(T) -> ControlFlow<()>>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(|e| self.sql_err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            feed.push(row.get::<_, String>(0).map_err(|e| self.sql_err(e))?)?;
            if feed.stopped {
                return Ok(());
            }
        }
        feed.flush()
    }

    /// Whether `table` (arguments or metadata) has fleche's unique
    /// (call_key, name) index: then a call has at most one runtime row (as
    /// the scalar subquery of the general ordering assumes) and at most
    /// one row a filter's lookup by name matches.
    fn one_row_per_call_and_name(&self, table: &str) -> bool {
        self.conn
            .query_row(
                // Not partial, and no expression column (its name is NULL).
                "SELECT count(*) FROM pragma_index_list(?1) l WHERE l.\"unique\" AND NOT l.partial \
                 AND (SELECT group_concat(coalesce(name, '?')) FROM pragma_index_info(l.name)) \
                     = 'call_key,name'",
                [table],
                |r| r.get::<_, i64>(0),
            )
            .is_ok_and(|n| n > 0)
    }

    /// `ls -n N` (no filter, sorted by start or wall time): the first N from
    /// one pass over the `runtime` rows, kept in a bounded heap, instead of
    /// a lookup of every call's runtime row (a million random B-tree probes
    /// at a million calls; SQLite's own `ORDER BY … LIMIT` over the pass is
    /// twice as slow as the pass). None when this does not apply, or when
    /// fewer than N calls have the field (the calls without it, sorted
    /// last, need the general query).
    fn first_by_runtime(&self, opts: &ListOptions) -> Result<Option<Vec<CallRecord>>, StoreError> {
        let field = match opts.sort {
            SortKey::Started => "timestart",
            SortKey::Walltime => "walltime",
            _ => return Ok(None),
        };
        let Some(limit) = opts.limit.filter(|&l| l > 0 && l <= 10_000) else {
            return Ok(None);
        };
        if opts.filter != CallFilter::default() {
            return Ok(None);
        }
        let limit = limit as usize;
        let sql = format!(
            "SELECT call_key, json_extract(data, '$.{field}') FROM metadata WHERE name = 'runtime'"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql_err(e))?;
        // The heap's top is the entry that would go first *out* of the kept
        // set: with newest first, the oldest kept.
        let mut heap: std::collections::BinaryHeap<Ranked> = std::collections::BinaryHeap::new();
        let reverse = opts.reverse;
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            let Some(value) = SortValue::of(row.get_ref(1).map_err(|e| self.sql_err(e))?) else {
                continue;
            };
            let key = row.get_ref(0).map_err(|e| self.sql_err(e))?;
            let Ok(key) = key.as_str() else {
                return Ok(None);
            };
            if heap.len() == limit {
                let worst = heap.peek().map(|r| (&r.value, r.key.as_str()));
                if let Some((wv, wk)) = worst {
                    let better = Ranked::order(&value, key, wv, wk, reverse).is_lt();
                    if !better {
                        continue;
                    }
                }
                heap.pop();
            }
            heap.push(Ranked {
                value,
                key: key.to_string(),
                reverse,
            });
        }
        if heap.len() < limit {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(limit);
        for ranked in heap.into_sorted_vec() {
            match self.get(&ranked.key)? {
                Some(rec) => out.push(rec),
                // Metadata of a call that is gone: the general query knows.
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    /// Count the selected records without loading them.
    pub fn count_matching(&self, filter: &CallFilter) -> Result<u64, StoreError> {
        if filter.metadata.iter().any(|m| !m.pushed_down()) {
            let mut n = 0;
            let opts = ListOptions {
                filter: filter.clone(),
                sort: SortKey::Key,
                ..Default::default()
            };
            self.for_each(&opts, |_| {
                n += 1;
                ControlFlow::Continue(())
            })?;
            return Ok(n);
        }
        let mut params = Vec::new();
        let wheres = where_clauses(filter, &mut params);
        let sql = format!("SELECT count(*) FROM calls c{}", join_where(&wheres));
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

/// Keys per batch handed to a worker: channel traffic stays noise, and the
/// first rows come out at once.
const BATCH: usize = 256;
/// Batches handed out and not yet written, per worker (bounds memory).
const AHEAD: usize = 4;
/// Beyond this, workers mostly wait on each other's pages.
const MAX_WORKERS: usize = 8;

/// What a worker sends back for one batch.
struct Fetched<T> {
    /// Records that exist (a runtime row can outlive its call).
    found: u64,
    /// Those that passed the client-side filters, mapped.
    mapped: Vec<T>,
}

/// The batches in flight: batch `i` goes to worker `i % n` and comes back,
/// in order, on that worker's channel, so the output order is the input's.
struct Feed<'s, T, S: FnMut(T) -> ControlFlow<()>> {
    to: Vec<mpsc::Sender<Vec<String>>>,
    from: Vec<mpsc::Receiver<Result<Fetched<T>, StoreError>>>,
    /// Keys not yet sent, fewer than a batch.
    pending: Vec<String>,
    sent: usize,
    received: usize,
    found: u64,
    sink: &'s mut S,
    path: &'s Path,
    /// The sink asked to stop.
    stopped: bool,
}

impl<T, S: FnMut(T) -> ControlFlow<()>> Feed<'_, T, S> {
    /// The next key in listing order; sent with a full batch.
    fn push(&mut self, key: String) -> Result<(), StoreError> {
        self.pending.push(key);
        if self.pending.len() < BATCH {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        self.send(batch)
    }

    /// Send the keys of a last, partial batch.
    fn flush(&mut self) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.pending);
        self.send(batch)
    }

    fn send(&mut self, batch: Vec<String>) -> Result<(), StoreError> {
        self.drain(self.to.len() * AHEAD - 1)?;
        if self.stopped {
            return Ok(());
        }
        let n = self.to.len();
        // A worker that hung up has sent its error, which drain returns.
        let _ = self.to[self.sent % n].send(batch);
        self.sent += 1;
        Ok(())
    }

    /// Write finished batches until at most `left` are in flight.
    fn drain(&mut self, left: usize) -> Result<(), StoreError> {
        while self.sent - self.received > left && !self.stopped {
            let n = self.from.len();
            let fetched = self.from[self.received % n]
                .recv()
                .map_err(|_| StoreError::Sql {
                    path: self.path.to_path_buf(),
                    message: "a reader thread stopped".into(),
                })??;
            self.received += 1;
            self.found += fetched.found;
            for t in fetched.mapped {
                if (self.sink)(t).is_break() {
                    self.stopped = true;
                    break;
                }
            }
        }
        Ok(())
    }
}

/// A worker: the records of each batch of keys, mapped, in key order.
fn fetch<T>(
    uri: &str,
    path: &Path,
    keys: mpsc::Receiver<Vec<String>>,
    rows: mpsc::Sender<Result<Fetched<T>, StoreError>>,
    client_side: &[&MetaFilter],
    map: &(dyn Fn(CallRecord) -> T + Sync),
) {
    let err = |e: rusqlite::Error| StoreError::Sql {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let sql = format!("SELECT {RECORD_COLUMNS} FROM calls c WHERE c.key = ?1");
    let conn = match connect(uri) {
        Ok(c) => c,
        Err(e) => {
            let _ = rows.send(Err(err(e)));
            return;
        }
    };
    let mut stmt = match conn.prepare(&sql) {
        Ok(s) => s,
        Err(e) => {
            let _ = rows.send(Err(err(e)));
            return;
        }
    };
    for batch in keys {
        let mut fetched = Fetched {
            found: 0,
            mapped: Vec::with_capacity(batch.len()),
        };
        for key in &batch {
            let rec = stmt.query_row([key], record);
            match rec {
                Ok(rec) => {
                    fetched.found += 1;
                    if client_side
                        .iter()
                        .all(|m| super::metadata_matches(&rec, std::slice::from_ref(*m)))
                    {
                        fetched.mapped.push(map(rec));
                    }
                }
                Err(rusqlite::Error::QueryReturnedNoRows) => {}
                Err(e) => {
                    let _ = rows.send(Err(err(e)));
                    return;
                }
            }
        }
        if rows.send(Ok(fetched)).is_err() {
            return;
        }
    }
}

/// Whether the listing runs descending (newest or longest first, unless
/// reversed; names and keys A-Z unless reversed).
fn desc(opts: &ListOptions) -> bool {
    matches!(opts.sort, SortKey::Started | SortKey::Walltime) != opts.reverse
}

/// (sort value, key, what goes with it) rows of one part, in its order.
type Ordered<P> = Vec<(Option<SortValue>, String, P)>;

/// One part of the listing order, sorted by its own connection.
struct Part<P> {
    rx: mpsc::Receiver<Result<Ordered<P>, StoreError>>,
    buffered: std::collections::VecDeque<(Option<SortValue>, String, P)>,
}

/// Where a part's thread sends its rows.
type PartSender<P> = mpsc::SyncSender<Result<Ordered<P>, StoreError>>;

impl<P: Send> Part<P> {
    /// Start a part's thread: `run` gets `params` with the rowid range
    /// `lo..=hi` bound after them.
    fn spawn<'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        params: &[SqlValue],
        (lo, hi): (i64, i64),
        run: impl FnOnce(Vec<SqlValue>, PartSender<P>) + Send + 'scope,
    ) -> Part<P>
    where
        P: 'scope,
    {
        let (tx, rx) = mpsc::sync_channel(AHEAD);
        let mut params = params.to_vec();
        params.extend([SqlValue::Integer(lo), SqlValue::Integer(hi)]);
        scope.spawn(move || run(params, tx));
        Part {
            rx,
            buffered: std::collections::VecDeque::new(),
        }
    }
}

impl<P> Part<P> {
    /// Buffer the part's next rows if it has none left (none at its end).
    fn peek(&mut self) -> Result<(), StoreError> {
        if self.buffered.is_empty() {
            if let Ok(rows) = self.rx.recv() {
                self.buffered.extend(rows?);
            }
        }
        Ok(())
    }
}

/// A part's thread for a listing sorted as keys first: its keys and sort
/// values.
fn order_part(uri: &str, path: &Path, sql: &str, params: Vec<SqlValue>, out: PartSender<()>) {
    stream_part(uri, path, sql, params, out, |row| {
        Ok(Some((SortValue::of(row.get_ref(1)?), row.get(0)?, ())))
    })
}

/// A part's thread for a filtered listing: its records, filtered and
/// mapped.
fn record_part<T>(
    uri: &str,
    path: &Path,
    sql: &str,
    params: Vec<SqlValue>,
    client_side: &[&MetaFilter],
    map: &(dyn Fn(CallRecord) -> T + Sync),
    out: PartSender<T>,
) {
    stream_part(uri, path, sql, params, out, |row| {
        let rec = record(row)?;
        if !client_side
            .iter()
            .all(|m| super::metadata_matches(&rec, std::slice::from_ref(*m)))
        {
            return Ok(None);
        }
        let sort = SortValue::of(row.get_ref(8)?);
        Ok(Some((sort, rec.key.clone(), map(rec))))
    })
}

/// Run a part's query on its own connection and send the rows `each`
/// keeps, in its order, in batches (an error as the last message).
fn stream_part<P>(
    uri: &str,
    path: &Path,
    sql: &str,
    params: Vec<SqlValue>,
    out: PartSender<P>,
    mut each: impl FnMut(&Row<'_>) -> rusqlite::Result<Option<(Option<SortValue>, String, P)>>,
) {
    let err = |e: rusqlite::Error| StoreError::Sql {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let run = || -> Result<(), StoreError> {
        let conn = connect(uri).map_err(err)?;
        let mut stmt = conn.prepare(sql).map_err(err)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(err)?;
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(row) = rows.next().map_err(err)? {
            if let Some(kept) = each(row).map_err(err)? {
                batch.push(kept);
            }
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if out.send(Ok(full)).is_err() {
                    return Ok(());
                }
            }
        }
        if !batch.is_empty() {
            let _ = out.send(Ok(batch));
        }
        Ok(())
    };
    if let Err(e) = run() {
        let _ = out.send(Err(e));
    }
}

/// Merge the parts' rows in listing order (what `ORDER BY s IS NULL, s,
/// key` says, in SQLite's collation), handing each to `emit`.
fn merge_parts<P>(
    parts: &mut [Part<P>],
    sort: SortKey,
    desc: bool,
    mut emit: impl FnMut(String, P) -> Result<ControlFlow<()>, StoreError>,
) -> Result<(), StoreError> {
    use std::cmp::Ordering;
    let before = |a: &(Option<SortValue>, String, P), b: &(Option<SortValue>, String, P)| {
        let ord = match (&a.0, &b.0) {
            _ if sort == SortKey::Key => a.1.cmp(&b.1),
            (Some(_), None) => return Ordering::Less,
            (None, Some(_)) => return Ordering::Greater,
            (None, None) => a.1.cmp(&b.1),
            (Some(x), Some(y)) => x.cmp(y).then_with(|| a.1.cmp(&b.1)),
        };
        if desc {
            ord.reverse()
        } else {
            ord
        }
    };
    loop {
        for part in parts.iter_mut() {
            part.peek()?;
        }
        let mut best: Option<usize> = None;
        for i in 0..parts.len() {
            let Some(head) = parts[i].buffered.front() else {
                continue;
            };
            let better = match best.and_then(|j| parts[j].buffered.front()) {
                None => true,
                Some(current) => before(head, current) == Ordering::Less,
            };
            if better {
                best = Some(i);
            }
        }
        let Some(i) = best else {
            break;
        };
        if let Some((_, key, p)) = parts[i].buffered.pop_front() {
            if emit(key, p)?.is_break() {
                return Ok(());
            }
        }
    }
    Ok(())
}

fn connect(uri: &str) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
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

fn record(row: &Row<'_>) -> rusqlite::Result<CallRecord> {
    let version: Option<String> = row.get(3)?;
    let args_json: Option<String> = row.get(6)?;
    let meta_json: Option<String> = row.get(7)?;
    let arguments = args_json
        .and_then(|s| serde_json::from_str::<Vec<(Json, String, String)>>(&s).ok())
        .map(|mut args| {
            // Stable: ties keep the index's order, as SQLite's sort did.
            args.sort_by(|a, b| position_cmp(&a.0, &b.0));
            args.into_iter().map(|(_, n, v)| (n, v)).collect()
        })
        .unwrap_or_default();
    let metadata = meta_json
        .and_then(|s| serde_json::from_str::<Map<String, Json>>(&s).ok())
        .unwrap_or_default();
    Ok(CallRecord {
        key: row.get(0)?,
        name: row.get(1)?,
        module: row.get(2)?,
        version: version.map(|v| serde_json::from_str(&v).unwrap_or(Json::String(v))),
        code_digest: row.get(4)?,
        result: row.get(5)?,
        arguments,
        metadata,
    })
}

/// SQLite's order of two `position` values as `record` receives them
/// (an INTEGER column, so numbers; NULL first, then numbers, text, and
/// blobs, which come as `[hex]`, should a row hold one).
fn position_cmp(a: &Json, b: &Json) -> std::cmp::Ordering {
    let value = |v: &Json| match v {
        Json::Number(n) => Some(match n.as_i64() {
            Some(i) => SortValue::Int(i),
            None => SortValue::Real(n.as_f64().unwrap_or(0.0)),
        }),
        Json::String(t) => Some(SortValue::Text(t.as_str().into())),
        // Upper-case hex sorts as the bytes it spells.
        Json::Array(h) => Some(SortValue::Blob(
            h.first()
                .and_then(Json::as_str)
                .unwrap_or("")
                .as_bytes()
                .into(),
        )),
        _ => None,
    };
    match (value(a), value(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (x, y) => x.is_some().cmp(&y.is_some()),
    }
}

/// A JSON path for one top-level key, quoted as SQLAlchemy quotes it.
fn json_path(key: &str) -> String {
    format!("$.\"{}\"", key.replace('"', "\\\""))
}

/// The table whose rows the first `IN` lookup of `where_clauses` reads:
/// arguments for an argument with a value, else metadata for a metadata
/// filter; None when there is no such lookup.
fn first_lookup(filter: &CallFilter) -> Option<&'static str> {
    if filter.arguments.iter().any(|(_, v)| v.is_some()) {
        Some("arguments")
    } else if !filter.metadata.is_empty() {
        Some("metadata")
    } else {
        None
    }
}

/// Where `where_clauses` puts the rowid range of a split lookup.
const RANGE: &str = "{rowid range}";

fn where_clauses(filter: &CallFilter, params: &mut Vec<SqlValue>) -> Vec<String> {
    where_split(filter, params, false)
}

/// With `split`, the first `IN` lookup (see [`first_lookup`]) reads only
/// the rows of its table in the range `RANGE` marks.
fn where_split(filter: &CallFilter, params: &mut Vec<SqlValue>, mut split: bool) -> Vec<String> {
    let mut w = Vec::new();
    let mut range = |alias: &str| {
        let marked = split;
        split = false;
        if marked {
            format!(" AND {alias}.rowid BETWEEN {RANGE}")
        } else {
            String::new()
        }
    };
    let bind = |params: &mut Vec<SqlValue>, v: SqlValue| {
        params.push(v);
        format!("?{}", params.len())
    };
    if !filter.keys.is_empty() {
        let slots: Vec<String> = filter
            .keys
            .iter()
            .map(|k| bind(params, SqlValue::Text(k.clone())))
            .collect();
        w.push(format!("c.key IN ({})", slots.join(", ")));
    }
    for (column, value) in [
        ("c.name", &filter.name),
        ("c.module", &filter.module),
        ("c.version", &filter.version_json),
        ("c.code_digest", &filter.code_digest),
        ("c.result", &filter.result),
    ] {
        if let Some(v) = value {
            let p = bind(params, SqlValue::Text(v.clone()));
            w.push(format!("{column} = {p}"));
        }
    }
    for (name, value) in &filter.arguments {
        let n = bind(params, SqlValue::Text(name.clone()));
        // A value: one pass over `arguments` collecting the few matching
        // calls (no index serves `value`), instead of a lookup per call.
        w.push(match value {
            Some(v) => {
                let p = bind(params, SqlValue::Text(v.clone()));
                format!(
                    "c.key IN (SELECT a.call_key FROM arguments a WHERE a.name = {n} AND a.value = {p}{})",
                    range("a")
                )
            }
            None => format!(
                "EXISTS (SELECT 1 FROM arguments a WHERE a.call_key = c.key AND a.name = {n})"
            ),
        });
    }
    for m in &filter.metadata {
        let (kind, cond) = match m {
            MetaFilter::Has { kind } => (kind, String::new()),
            MetaFilter::HasKey { kind, key } => {
                let p = bind(params, SqlValue::Text(json_path(key)));
                (kind, format!(" AND json_type(m.data, {p}) IS NOT NULL"))
            }
            MetaFilter::Equals { kind, key, value } => {
                let path = bind(params, SqlValue::Text(json_path(key)));
                let cond = match value {
                    Json::Bool(b) => {
                        let p = bind(params, SqlValue::Integer(*b as i64));
                        format!(" AND json_extract(m.data, {path}) = {p}")
                    }
                    Json::Number(n) => {
                        let v = match n.as_i64() {
                            Some(i) => SqlValue::Integer(i),
                            None => SqlValue::Real(n.as_f64().unwrap_or(f64::NAN)),
                        };
                        let p = bind(params, v);
                        format!(" AND json_extract(m.data, {path}) = {p}")
                    }
                    Json::String(s) => {
                        let p = bind(params, SqlValue::Text(s.clone()));
                        format!(" AND json_type(m.data, {path}) = 'text' AND json_extract(m.data, {path}) = {p}")
                    }
                    // null: fleche treats a None filter as "has the key".
                    Json::Null => format!(" AND json_type(m.data, {path}) IS NOT NULL"),
                    // Containers: narrowed to calls having the key; compared after loading.
                    _ => format!(" AND json_type(m.data, {path}) IS NOT NULL"),
                };
                (kind, cond)
            }
        };
        // The calls having this kind come from `ix_metadata_name` in one
        // pass (tags are on few calls), not from a lookup per call.
        let k = bind(params, SqlValue::Text(kind.clone()));
        w.push(format!(
            "c.key IN (SELECT m.call_key FROM metadata m WHERE m.name = {k}{cond}{})",
            range("m")
        ));
    }
    if filter.since.is_some() || filter.until.is_some() {
        let mut cond = String::new();
        if let Some(since) = filter.since {
            let p = bind(params, SqlValue::Real(since));
            cond.push_str(&format!(" AND json_extract(m.data, '$.timestart') >= {p}"));
        }
        if let Some(until) = filter.until {
            let p = bind(params, SqlValue::Real(until));
            cond.push_str(&format!(" AND json_extract(m.data, '$.timestart') <= {p}"));
        }
        w.push(format!("EXISTS (SELECT 1 FROM metadata m WHERE m.call_key = c.key AND m.name = 'runtime'{cond})"));
    }
    w
}

fn join_where(w: &[String]) -> String {
    if w.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", w.join(" AND "))
    }
}

/// A sort field as SQLite orders it: numbers (integers and reals compared
/// by value) before text (compared bytewise) before blobs.
#[derive(Debug, Clone, PartialEq)]
enum SortValue {
    Int(i64),
    Real(f64),
    Text(Box<str>),
    Blob(Box<[u8]>),
}

impl SortValue {
    fn of(v: rusqlite::types::ValueRef<'_>) -> Option<SortValue> {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(SortValue::Int(i)),
            ValueRef::Real(r) => Some(SortValue::Real(r)),
            ValueRef::Text(t) => Some(SortValue::Text(String::from_utf8_lossy(t).into())),
            ValueRef::Blob(b) => Some(SortValue::Blob(b.into())),
        }
    }

    fn cmp(&self, other: &SortValue) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        use SortValue::*;
        let class = |v: &SortValue| match v {
            Int(_) | Real(_) => 0,
            Text(_) => 1,
            Blob(_) => 2,
        };
        match (self, other) {
            (Int(a), Int(b)) => a.cmp(b),
            (Int(a), Real(b)) => int_real_cmp(*a, *b),
            (Real(a), Int(b)) => int_real_cmp(*b, *a).reverse(),
            (Real(a), Real(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Text(a), Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Blob(a), Blob(b)) => a.cmp(b),
            (a, b) => class(a).cmp(&class(b)),
        }
    }
}

/// An integer against a real exactly, as SQLite compares them
/// (`sqlite3IntFloatCompare`): `i as f64` rounds above 2^53.
fn int_real_cmp(i: i64, r: f64) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    if r.is_nan() || r < -9_223_372_036_854_775_808.0 {
        return Ordering::Greater;
    }
    if r >= 9_223_372_036_854_775_808.0 {
        return Ordering::Less;
    }
    i.cmp(&(r as i64))
        .then_with(|| (i as f64).partial_cmp(&r).unwrap_or(Ordering::Equal))
}

/// A call in the running top N of [`SqlCalls::first_by_runtime`], ordered
/// as listed (field, then key; descending unless reversed).
struct Ranked {
    value: SortValue,
    key: String,
    reverse: bool,
}

impl Ranked {
    /// Listing order (what `select_sql`'s ORDER BY says): the field
    /// descending unless reversed, ties by key the same way. Less goes first.
    fn order(
        av: &SortValue,
        ak: &str,
        bv: &SortValue,
        bk: &str,
        reverse: bool,
    ) -> std::cmp::Ordering {
        let ascending = av.cmp(bv).then_with(|| ak.cmp(bk));
        if reverse {
            ascending
        } else {
            ascending.reverse()
        }
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        Ranked::order(
            &self.value,
            &self.key,
            &other.value,
            &other.key,
            self.reverse,
        )
    }
}

fn runtime_field(field: &str) -> String {
    format!(
        "(SELECT json_extract(m.data, '$.{field}') FROM metadata m WHERE m.call_key = c.key AND m.name = 'runtime')"
    )
}

/// What a listing sorts by: the expression, its direction, the ORDER BY.
struct Order {
    expr: String,
    dir: &'static str,
    by: String,
}

fn order(opts: &ListOptions, filtered: bool) -> Order {
    // Default directions: newest first, longest first, names and keys A-Z.
    let (expr, descending) = match opts.sort {
        SortKey::Started => (runtime_field("timestart"), true),
        SortKey::Walltime => (runtime_field("walltime"), true),
        SortKey::Name => ("c.name".to_string(), false),
        SortKey::Key => ("c.key".to_string(), false),
    };
    let desc = descending != opts.reverse;
    let dir = if desc { "DESC" } else { "ASC" };
    // Calls without the sort field go last either way; ties break by key.
    let by = if opts.sort == SortKey::Key {
        // With a filter, scan and sort what it keeps: walking the key index
        // instead reads the table in random order (2x slower at 1M calls).
        let plus = if filtered { "+" } else { "" };
        format!("{plus}c.key {dir}")
    } else {
        format!("{expr} IS NULL, {expr} {dir}, c.key {dir}")
    };
    Order { expr, dir, by }
}

/// The keys of the selected calls, in listing order, each with its sort
/// value (NULL for a key sort); with `part`, only the calls whose rowid is
/// in a range bound by the last two parameters, per part.
fn ordered_keys_sql(opts: &ListOptions, part: bool) -> (String, Vec<SqlValue>) {
    let mut params = Vec::new();
    let mut wheres = where_clauses(&opts.filter, &mut params);
    let filtered = !wheres.is_empty();
    if part {
        // A range, not a residue: each part reads only its share of pages.
        let n = params.len();
        wheres.push(format!("c.rowid BETWEEN ?{} AND ?{}", n + 1, n + 2));
    }
    let Order { expr, dir, by } = order(opts, filtered);
    let sql = match opts.sort {
        // The runtime field once per call: in ORDER BY it is looked up for
        // each term that names it (a quarter of a 1M-call `query --name`).
        SortKey::Started | SortKey::Walltime => format!(
            "WITH o AS MATERIALIZED (SELECT c.key AS k, {expr} AS s FROM calls c{}) \
             SELECT k, s FROM o ORDER BY s IS NULL, s {dir}, k {dir}",
            join_where(&wheres)
        ),
        SortKey::Name | SortKey::Key => by_name_or_key("c.key", opts, &by, &wheres),
    };
    (sql, params)
}

/// The records of a filtered listing whose row in `source` (calls, or
/// the table of the filter's first lookup) is in one rowid range (the last
/// two parameters), in listing order, each with its sort value last.
fn ordered_records_sql(opts: &ListOptions, source: &str) -> (String, Vec<SqlValue>) {
    let mut params = Vec::new();
    let mut wheres = where_split(&opts.filter, &mut params, source != "calls");
    if source == "calls" {
        wheres.push(format!("c.rowid BETWEEN {RANGE}"));
    }
    let bounds = format!("?{} AND ?{}", params.len() + 1, params.len() + 2);
    for w in &mut wheres {
        *w = w.replace(RANGE, &bounds);
    }
    let Order { expr, dir, by } = order(opts, true);
    let sql = match opts.sort {
        // The runtime row found by the call's key alone, like the metadata
        // column finds its rows: its pages are then in the cache (a third
        // fewer page reads than through the (call_key, name) index).
        SortKey::Started | SortKey::Walltime => format!(
            "SELECT {RECORD_COLUMNS}, {} FROM calls c{} ORDER BY 9 {dir} NULLS LAST, c.key {dir}",
            expr.replace("AND m.name =", "AND +m.name ="),
            join_where(&wheres)
        ),
        SortKey::Name | SortKey::Key => by_name_or_key(RECORD_COLUMNS, opts, &by, &wheres),
    };
    (sql, params)
}

/// `columns` and the sort value (the name, or NULL for a key sort) of
/// the selected calls, sorted by name or key.
fn by_name_or_key(columns: &str, opts: &ListOptions, by: &str, wheres: &[String]) -> String {
    let value = if opts.sort == SortKey::Name {
        "c.name"
    } else {
        "NULL"
    };
    format!(
        "SELECT {columns}, {value} FROM calls c{} ORDER BY {by}",
        join_where(wheres)
    )
}

fn select_sql(opts: &ListOptions) -> (String, Vec<SqlValue>) {
    let mut params = Vec::new();
    let wheres = where_clauses(&opts.filter, &mut params);
    let Order {
        expr,
        dir,
        by: order,
    } = order(opts, !wheres.is_empty());
    let Some(limit) = opts.limit else {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM calls c{} ORDER BY {order}",
            join_where(&wheres)
        );
        return (sql, params);
    };
    params.push(SqlValue::Integer(limit.min(i64::MAX as u64) as i64));
    // With a limit, sort only (key, sort field) and build the few records
    // kept: SQLite computes every result column before sorting, so sorting
    // whole records builds the arguments and metadata of every call.
    let (sort_expr, outer_order) = if opts.sort == SortKey::Key {
        ("NULL".to_string(), format!("o.k {dir}"))
    } else {
        (expr, format!("o.s IS NULL, o.s {dir}, o.k {dir}"))
    };
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM \
         (SELECT c.key AS k, {sort_expr} AS s FROM calls c{} ORDER BY {order} LIMIT ?{}) o \
         JOIN calls c ON c.key = o.k ORDER BY {outer_order}",
        join_where(&wheres),
        params.len()
    );
    (sql, params)
}

/// Used by tests and by file stores: does `record` pass `filter`?
pub fn record_matches(record: &CallRecord, filter: &CallFilter) -> bool {
    let eq = |want: &Option<String>, have: Option<&String>| {
        want.as_ref().is_none_or(|w| have == Some(w))
    };
    (filter.keys.is_empty() || filter.keys.contains(&record.key))
        && eq(&filter.name, Some(&record.name))
        && eq(&filter.module, record.module.as_ref())
        && eq(&filter.code_digest, record.code_digest.as_ref())
        && eq(&filter.result, record.result.as_ref())
        && filter.version_json.as_ref().is_none_or(|v| {
            record.version.as_ref().is_some_and(|rv| {
                serde_json::from_str::<Json>(v)
                    .is_ok_and(|want| json_py_eq(&want, rv) && want.is_string() == rv.is_string())
            })
        })
        && filter.arguments.iter().all(|(name, value)| {
            record
                .arguments
                .iter()
                .any(|(n, d)| n == name && value.as_ref().is_none_or(|v| v == d))
        })
        && super::metadata_matches(record, &filter.metadata)
        && filter
            .since
            .is_none_or(|s| record.started().is_some_and(|t| t >= s))
        && filter
            .until
            .is_none_or(|u| record.started().is_some_and(|t| t <= u))
}

impl crate::prefix::SortedKeys for SqlCalls {
    type Error = StoreError;

    fn with_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        self.keys_with_prefix(prefix, limit)
    }

    fn neighbours(&self, key: &str) -> Result<(Option<String>, Option<String>), StoreError> {
        SqlCalls::neighbours(self, key)
    }
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
    fn arguments_come_in_the_order_sqlite_sorts_positions() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE calls (key TEXT PRIMARY KEY, name TEXT, module TEXT, version TEXT, \
                 code_digest TEXT, result TEXT);
             CREATE TABLE arguments (id INTEGER PRIMARY KEY, call_key TEXT, position INTEGER, \
                 name TEXT, value TEXT, UNIQUE (call_key, name));
             CREATE TABLE metadata (id INTEGER PRIMARY KEY, call_key TEXT, name TEXT, data JSON, \
                 UNIQUE (call_key, name));
             INSERT INTO calls VALUES ('k', 'f', 'm', NULL, NULL, NULL);
             INSERT INTO arguments (call_key, position, name, value) VALUES
                 ('k', 2, 'a', 'v2'), ('k', 0, 'z', 'v0'), ('k', 10, 'b', 'v10'),
                 ('k', 1, 'y', 'v1'), ('k', 3, 'd', 'v3'), ('k', 3, 'c', 'v3b'),
                 ('k', 9007199254740993, 'e', 'big+1'), ('k', 9007199254740992, 'f', 'big'),
                 ('k', 9007199254740992.0, 'g', 'real'), ('k', 2.5, 'h', 'half'),
                 ('k', 'text', 'i', 't'), ('k', x'00ff', 'j', 'b1'), ('k', x'0001', 'l', 'b0');",
        )
        .unwrap();
        let rec = conn
            .query_row(&format!("SELECT {RECORD_COLUMNS} FROM calls c"), [], record)
            .unwrap();
        let mut stmt = conn
            .prepare("SELECT name, value FROM arguments WHERE call_key = 'k' ORDER BY position")
            .unwrap();
        let sqlite: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rec.arguments, sqlite);
        assert_eq!(rec.arguments[0].0, "z");
    }

    #[test]
    fn uris_escape_reserved_characters() {
        assert_eq!(
            file_uri(Path::new("/a b/c?d#.db"), "mode=ro"),
            "file:/a%20b/c%3Fd%23.db?mode=ro"
        );
    }
}
