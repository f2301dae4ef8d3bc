//! Complete listings read by several connections at once: in rowid
//! ranges, each sorted by its own connection and merged here, or as keys
//! in listing order whose records workers build batch by batch.

use super::query::{
    first_lookup, ordered_keys_sql, ordered_records_sql, runtime_keys_sql, RECORD_COLUMNS,
};
use super::rows::{record, SortValue};
use super::{connect, SqlCalls};
use crate::store::filter::Residual;
use crate::store::{CallFilter, CallRecord, ListOptions, SortKey, StoreError};
use rusqlite::types::Value as SqlValue;
use rusqlite::Row;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::mpsc;
use std::thread::Scope;

impl SqlCalls {
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
        let whole = opts.filter == CallFilter::default() && opts.limit.is_none() && !self.live;
        if let Some(field) = opts.sort.runtime_field() {
            // By start or stop time, the order rows were written in.
            if whole
                && field != "walltime"
                && self.one_row_per_call_and_name("metadata")
                && self.one_row_per_call_and_name("arguments")
                && self.merged_listing(
                    field,
                    opts.reverse,
                    opts.detail,
                    crate::threads(),
                    map,
                    &mut sink,
                )?
            {
                return Ok(());
            }
        }
        let workers = crate::threads().min(MAX_WORKERS);
        if opts.limit.is_some() || self.live || workers < 2 {
            return self.for_each(opts, |rec| sink(map(rec)));
        }
        let opts = &*self.stored_form(opts);
        let residual = Residual::of(&opts.filter);
        let filtered = opts.filter != CallFilter::default();
        if filtered {
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
                return self.records_in_parts(opts, &sql, params, ranges, &residual, map, sink);
            }
        }
        let runtime_field = opts
            .sort
            .runtime_field()
            .filter(|_| !filtered && self.one_row_per_call_and_name("metadata"));
        std::thread::scope(|scope| {
            let mut feed = Feed::new(&mut sink, &self.path);
            for _ in 0..workers {
                let (key_tx, key_rx) = mpsc::channel::<Vec<String>>();
                let (row_tx, row_rx) = mpsc::channel();
                let (residual, uri, path) = (&residual, &self.uri, &self.path);
                scope.spawn(move || fetch(uri, path, key_rx, row_tx, residual, map));
                feed.to.push(key_tx);
                feed.from.push(row_rx);
            }
            match runtime_field {
                Some(field) => self.feed_by_runtime(field, opts.reverse, &mut feed)?,
                None => self.feed_in_order(scope, opts, workers, &mut feed)?,
            }
            feed.drain(0)
        })
    }

    /// Hand the workers the keys in the order of a runtime field: the
    /// calls with it, from one scan of the runtime rows (keys of calls that
    /// are gone are not found), then those without it, which sort last, if
    /// there are any.
    fn feed_by_runtime<T>(
        &self,
        field: &str,
        reverse: bool,
        feed: &mut Feed<'_, T, impl FnMut(T) -> ControlFlow<()>>,
    ) -> Result<(), StoreError> {
        let (with, without) = runtime_keys_sql(field, reverse);
        self.feed_keys(&with, Vec::new(), feed)?;
        feed.drain(0)?;
        if !feed.stopped && feed.found < self.count()? {
            self.feed_keys(&without, Vec::new(), feed)?;
        }
        Ok(())
    }

    /// Hand the workers the keys in listing order, each rowid range sorted
    /// by its own connection and merged here (by one sorted query when the
    /// calls have no rowid to part by).
    fn feed_in_order<'scope, 'env, T>(
        &'env self,
        scope: &'scope Scope<'scope, 'env>,
        opts: &ListOptions,
        workers: usize,
        feed: &mut Feed<'_, T, impl FnMut(T) -> ControlFlow<()>>,
    ) -> Result<(), StoreError> {
        let (sql, params) = ordered_keys_sql(opts, true);
        let (Ok(_), Some(ranges)) = (self.conn.prepare(&sql), self.rowid_ranges("calls", workers))
        else {
            let (sql, params) = ordered_keys_sql(opts, false);
            return self.feed_keys(&sql, params, feed);
        };
        let mut parts: Vec<Part<()>> = Vec::new();
        for range in ranges {
            let (sql, uri, path) = (sql.clone(), &self.uri, &self.path);
            parts.push(Part::spawn(scope, &params, range, move |params, tx| {
                order_part(uri, path, &sql, params, tx)
            }));
        }
        merge_parts(&mut parts, opts.sort, opts.descending(), |key, ()| {
            feed.push(key)?;
            Ok(if feed.stopped {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        })?;
        feed.flush()
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
        residual: &Residual,
        map: &(dyn Fn(CallRecord) -> T + Sync),
        mut sink: impl FnMut(T) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        std::thread::scope(|scope| {
            let mut parts = Vec::new();
            for range in ranges {
                let (uri, path) = (&self.uri, &self.path);
                parts.push(Part::spawn(scope, &params, range, move |params, tx| {
                    record_part(uri, path, sql, params, residual, map, tx)
                }));
            }
            merge_parts(&mut parts, opts.sort, opts.descending(), |_, t| Ok(sink(t)))
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

impl<'s, T, S: FnMut(T) -> ControlFlow<()>> Feed<'s, T, S> {
    /// No workers yet: the caller connects them.
    fn new(sink: &'s mut S, path: &'s Path) -> Self {
        Feed {
            to: Vec::new(),
            from: Vec::new(),
            pending: Vec::with_capacity(BATCH),
            sent: 0,
            received: 0,
            found: 0,
            sink,
            path,
            stopped: false,
        }
    }

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
            let fetched =
                self.from[self.received % n]
                    .recv()
                    .map_err(|_| StoreError::ReaderStopped {
                        path: self.path.to_path_buf(),
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
    residual: &Residual,
    map: &(dyn Fn(CallRecord) -> T + Sync),
) {
    let err = |e: rusqlite::Error| StoreError::sql(path, e);
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
                    if residual.keeps(&rec) {
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
    residual: &Residual,
    map: &(dyn Fn(CallRecord) -> T + Sync),
    out: PartSender<T>,
) {
    stream_part(uri, path, sql, params, out, |row| {
        let rec = record(row)?;
        if !residual.keeps(&rec) {
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
    let err = |e: rusqlite::Error| StoreError::sql(path, e);
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
