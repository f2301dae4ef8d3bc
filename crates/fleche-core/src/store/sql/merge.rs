//! A complete listing newest (or oldest) first from three sequential
//! table scans instead of three index lookups per call.
//!
//! fleche writes a call's row, then its arguments, then its metadata, in
//! one transaction: read in rowid order, the arguments and metadata tables
//! hold each call's rows together and in the calls' order. Scanning the
//! three tables side by side then builds every record from pages read
//! once, in order (a 100k-call listing: 0.25 s of scans against ~1 s of
//! lookups). Whether a database is laid out so is checked first
//! ([`layout_of`]); one that is not is listed the usual way. Records come
//! in rowid order, which in such a cache is nearly the order of their
//! start times; a bounded buffer puts them in the exact listing order
//! (from SQLite's sort of the runtime rows), and a record not met within
//! it is looked up by key.
//!
//! With two threads or more the tables are cut into [`Part`]s, checked
//! part by part on every thread, and, when the calls come in listing
//! order as read (as fleche writes them), each part is read by one thread
//! on a connection of its own: on two cores a listing takes about half as
//! long, where handing records from a reading thread to a mapping one cost
//! more than it saved.

use super::rows::{
    compact_json, compact_json_members, near_tie, runtime_field, version_cell, Member, SortValue,
};
use super::{connect, SqlCalls};
use crate::store::{CallRecord, Detail, StoreError};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Rows};
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{Map, Value as Json};
use std::collections::VecDeque;
use std::ops::ControlFlow;
use std::sync::mpsc;

/// Records read ahead of the listing order at most (bounds memory; a
/// cache written in order needs a handful).
const AHEAD: usize = 4096;
/// Records per batch between threads.
const BATCH: usize = 256;
/// Beyond this, mapping threads wait on the one reading.
const MAX_MAPPERS: usize = 7;
/// Calls' rowids per part read by one thread (calls, where none were
/// deleted): the cuts' lookups cost little (a million calls: ~1,000
/// parts, ~15 ms), and the parts in flight, a few per thread, little
/// memory.
const PART: usize = 1024;

/// A key and its record, mapped; None when the merge could not build the
/// record as `record` does (it is looked up).
type Merged<T> = (String, Option<T>);

impl SqlCalls {
    /// The whole listing by the runtime `field` (`timestart` or
    /// `timestop`), descending unless `reverse`, from merged table scans;
    /// `Ok(false)`, having sent nothing, when the tables are not laid out
    /// for it. With two `threads` or more, the tables are checked and, when
    /// the calls lie in listing order, read in parts, each part by one of
    /// them on its own connection, and this one sends the records in order
    /// (and looks up the rest).
    pub(super) fn merged_listing<T: Send>(
        &self,
        field: &str,
        reverse: bool,
        detail: Detail,
        threads: usize,
        map: &(dyn Fn(CallRecord) -> T + Sync),
        sink: &mut impl FnMut(T) -> ControlFlow<()>,
    ) -> Result<bool, StoreError> {
        self.merged_in_parts_of(PART, field, reverse, detail, threads, map, sink)
    }

    /// [`Self::merged_listing`] in parts of `per` calls' rowids.
    #[allow(clippy::too_many_arguments)]
    fn merged_in_parts_of<T: Send>(
        &self,
        per: usize,
        field: &str,
        reverse: bool,
        detail: Detail,
        threads: usize,
        map: &(dyn Fn(CallRecord) -> T + Sync),
        sink: &mut impl FnMut(T) -> ControlFlow<()>,
    ) -> Result<bool, StoreError> {
        // Newest first: the newest rows were written last.
        let dir = if reverse { "ASC" } else { "DESC" };
        let err = |e| self.sql_err(e);
        // A summary reads no arguments, so how they lie does not matter.
        let arguments = detail.arguments();
        let order = order_name(dir, field, arguments);
        let known = self.known_layout(&order);
        let threads = threads.min(MAX_MAPPERS + 1);
        // Parts only where every connection sees the same database (no
        // writer live), and only for a layout that may let them be sent
        // as read.
        let parts = if threads >= 2 && !self.live && known.is_none_or(|l| l == Layout::InOrder) {
            self.parts(per, dir, arguments).map_err(err)?
        } else {
            None
        };
        let layout = match known {
            Some(layout) => layout,
            None => self.remember_layout(&order, || match &parts {
                Some(parts) => self.layout_in_parts(parts, dir, field, arguments, threads),
                None => layout_of(&self.conn, dir, field, arguments).map_err(err),
            })?,
        };
        match (layout, parts) {
            (Layout::Apart, _) => Ok(false),
            (Layout::InOrder, Some(parts)) => std::thread::scope(|scope| {
                let mut source = self.read_parts(scope, &parts, per, threads, dir, detail, map);
                self.emit(layout, field, reverse, &mut source, map, sink)
            }),
            // On two cores the merge of a layout that is not in listing
            // order runs on one thread: handing records to a thread that
            // maps them cost more than the mapping (100k calls, load 3.5:
            // 0.62 s against 0.77 s for two threads, 0.72 s for three).
            _ if threads < 3 => {
                let mut statements = Merge::statements(&self.conn, dir, detail).map_err(err)?;
                let merge = Merge::new(&mut statements, dir, detail, &Part::WHOLE).map_err(err)?;
                let mut source = Source::Here {
                    merge: Box::new(merge),
                    map,
                    path: &self.path,
                };
                self.emit(layout, field, reverse, &mut source, map, sink)
            }
            _ => std::thread::scope(|scope| {
                let mut source = self.read_and_map(scope, threads, dir, detail, map);
                self.emit(layout, field, reverse, &mut source, map, sink)
            }),
        }
    }

    /// The tables cut into parts of about `per` calls, in rowid order
    /// `dir` (None: fewer than two). A part starts at a call, and in each
    /// other table at the first row of the first call from there that has
    /// one; when the tables line up, a part's calls own exactly its rows.
    /// A cut that would not move forward in every table is left out.
    fn parts(&self, per: usize, dir: &str, arguments: bool) -> rusqlite::Result<Option<Vec<Part>>> {
        let (lo, hi): (Option<i64>, Option<i64>) = self.conn.query_row(
            // Two subqueries: SQLite reads a lone min() or max() off the
            // b-tree's edge, but scans the table for both at once.
            "SELECT (SELECT min(rowid) FROM calls), (SELECT max(rowid) FROM calls)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return Ok(None);
        };
        let per = per.max(1) as i128;
        if i128::from(hi) - i128::from(lo) < per {
            return Ok(None);
        }
        // The arguments' rowids matter only when there are some to read.
        let arguments = arguments
            && self
                .conn
                .query_row("SELECT EXISTS (SELECT 1 FROM arguments)", [], |r| r.get(0))?;
        let mut calls_from = self
            .conn
            .prepare("SELECT rowid, key FROM calls WHERE rowid >= ?1 ORDER BY rowid")?;
        let mut first_meta = self
            .conn
            .prepare("SELECT min(rowid) FROM metadata WHERE call_key = ?1")?;
        let mut first_arg = self
            .conn
            .prepare("SELECT min(rowid) FROM arguments WHERE call_key = ?1")?;
        // Where each part after the first starts: (calls, arguments, metadata).
        let mut starts: Vec<(i64, i64, i64)> = Vec::new();
        // Each cut `per` rowids past the call the last one met: rowids may
        // be sparse, and so every cut meets a call of its own.
        let mut from = i128::from(lo) + per;
        while let Ok(at) = i64::try_from(from) {
            let mut rows = calls_from.query([at])?;
            let (mut call, mut meta, mut arg) = (None, None, None);
            // The first calls from the cut: a part cut where a few calls
            // in a row have no metadata (or no arguments) is left whole.
            for _ in 0..8 {
                let Some(row) = rows.next()? else { break };
                let rowid: i64 = row.get(0)?;
                let key = rusqlite::types::ToSqlOutput::Borrowed(row.get_ref(1)?);
                call.get_or_insert(rowid);
                if meta.is_none() {
                    meta = first_meta.query_row([&key], |r| r.get::<_, Option<i64>>(0))?;
                }
                if arg.is_none() {
                    arg = if arguments {
                        first_arg.query_row([&key], |r| r.get::<_, Option<i64>>(0))?
                    } else {
                        Some(i64::MIN)
                    };
                }
                if meta.is_some() && arg.is_some() {
                    break;
                }
            }
            let Some(call) = call else { break };
            from = i128::from(call) + per;
            let (Some(meta), Some(arg)) = (meta, arg) else {
                continue;
            };
            let forward = match starts.last() {
                Some(&(c, a, m)) => call > c && meta > m && (!arguments || arg > a),
                None => call > i64::MIN && meta > i64::MIN && (!arguments || arg > i64::MIN),
            };
            if forward {
                starts.push((call, arg, meta));
            }
        }
        if starts.is_empty() {
            return Ok(None);
        }
        let mut parts = Vec::with_capacity(starts.len() + 1);
        let mut begin = (i64::MIN, i64::MIN, i64::MIN);
        // Every cut moved forward from the last (or the first, from MIN).
        let before = |start: i64| start.saturating_sub(1);
        let whole_args = |from: i64, to: i64| if arguments { (from, to) } else { Part::ALL };
        for &(c, a, m) in &starts {
            parts.push(Part {
                calls: (begin.0, before(c)),
                args: whole_args(begin.1, before(a)),
                meta: (begin.2, before(m)),
            });
            begin = (c, a, m);
        }
        parts.push(Part {
            calls: (begin.0, i64::MAX),
            args: whole_args(begin.1, i64::MAX),
            meta: (begin.2, i64::MAX),
        });
        if dir == "DESC" {
            parts.reverse();
        }
        Ok(Some(parts))
    }

    /// [`layout_of`] of the tables cut into `parts` (in walk order), each
    /// walked by one of `threads` threads on a connection of its own.
    fn layout_in_parts(
        &self,
        parts: &[Part],
        dir: &str,
        field: &str,
        arguments: bool,
        threads: usize,
    ) -> Result<Layout, StoreError> {
        let (uri, path) = (&self.uri, &self.path);
        let serr = move |e| StoreError::sql(path, e);
        let n = threads.clamp(1, parts.len());
        // A part found apart (or left to SQLite) settles the answer: the
        // others stop.
        let settled = &std::sync::atomic::AtomicBool::new(false);
        let walked: Vec<Vec<Walked>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..n)
                .map(|w| {
                    scope.spawn(move || -> Result<Vec<Walked>, StoreError> {
                        use std::sync::atomic::Ordering::Relaxed;
                        let conn = connect(uri).map_err(serr)?;
                        let mut walker =
                            Walker::new(&conn, dir, field, arguments, true).map_err(serr)?;
                        let mut out = Vec::new();
                        for part in parts.iter().skip(w).step_by(n) {
                            if settled.load(Relaxed) {
                                break;
                            }
                            let walked = walker.walk(part);
                            if !matches!(walked, Ok(Walked::LinedUp { .. })) {
                                settled.store(true, Relaxed);
                            }
                            out.push(walked.map_err(serr)?);
                        }
                        Ok(out)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| {
                    w.join().unwrap_or(Err(StoreError::ReaderStopped {
                        path: path.to_path_buf(),
                    }))
                })
                .collect::<Result<_, _>>()
        })?;
        if walked.iter().flatten().any(|w| matches!(w, Walked::Apart)) {
            return Ok(Layout::Apart);
        }
        // Threads stop early only on a part left to SQLite.
        let all = walked.iter().map(Vec::len).sum::<usize>() == parts.len();
        let found = all.then(|| {
            let mut walked: Vec<_> = walked.into_iter().map(Vec::into_iter).collect();
            // Part `i` was walked by thread `i % n`.
            let in_walk_order = (0..parts.len()).filter_map(|i| walked[i % n].next());
            joined(in_walk_order, true, dir == "DESC")
        });
        match found.flatten() {
            Some(layout) => Ok(layout),
            None => layout_read(&self.conn, dir, field, arguments, false)
                .map(|layout| layout.unwrap_or(Layout::Apart))
                .map_err(serr),
        }
    }

    /// The merged records of `parts` (in listing order), each part read and
    /// mapped by one of `threads` threads on a connection of its own: part
    /// `i` by thread `i % n`, sent in pieces, the last one marked: of up to
    /// two parts of `per` calls, so that a part whose neighbour's cut was
    /// left out does not grow what is held.
    #[allow(clippy::too_many_arguments)]
    fn read_parts<'scope, 'env, T: Send + 'scope>(
        &'env self,
        scope: &'scope std::thread::Scope<'scope, 'env>,
        parts: &'env [Part],
        per: usize,
        threads: usize,
        dir: &'static str,
        detail: Detail,
        map: &'env (dyn Fn(CallRecord) -> T + Sync),
    ) -> Source<'env, T> {
        let (uri, path) = (&self.uri, &self.path);
        let err = move |e| StoreError::sql(path, e);
        let n = threads.clamp(1, parts.len());
        let mut from = Vec::new();
        for w in 0..n {
            let (tx, rx) = mpsc::sync_channel::<Piece<T>>(2);
            scope.spawn(move || {
                let run = || -> Result<(), StoreError> {
                    let conn = connect(uri).map_err(err)?;
                    let mut statements = Merge::statements(&conn, dir, detail).map_err(err)?;
                    for part in parts.iter().skip(w).step_by(n) {
                        let mut merge =
                            Merge::new(&mut statements, dir, detail, part).map_err(err)?;
                        let mut piece = Vec::new();
                        loop {
                            let next = merge.next().map_err(err)?;
                            let last = next.is_none();
                            if let Some((key, rec)) = next {
                                piece.push((key, rec.map(map)));
                            }
                            if last || piece.len() >= 2 * per {
                                if tx.send(Ok((std::mem::take(&mut piece), last))).is_err() {
                                    return Ok(());
                                }
                                if last {
                                    break;
                                }
                            }
                        }
                    }
                    Ok(())
                };
                if let Err(e) = run() {
                    let _ = tx.send(Err(e));
                }
            });
            from.push(rx);
        }
        Source::Parts {
            from,
            part: 0,
            parts: parts.len(),
            buffered: VecDeque::new(),
            path,
        }
    }

    /// The layout remembered for this state of the database. Only for a
    /// database read `immutable` (no writer live): a live one is read from
    /// snapshots that may be older than the state the stamp shows, so its
    /// layout is found again each time.
    fn known_layout(&self, order: &str) -> Option<Layout> {
        if self.live {
            return None;
        }
        Layout::of_code(self.layouts.known(order)?)
    }

    /// `find` the layout, and keep it when the database was settled and
    /// unchanged through the finding (and read `immutable`).
    fn remember_layout(
        &self,
        order: &str,
        find: impl FnOnce() -> Result<Layout, StoreError>,
    ) -> Result<Layout, StoreError> {
        let pending = if self.live {
            None
        } else {
            self.layouts.before_check(order)
        };
        let found = find()?;
        if let Some(pending) = pending {
            self.layouts.save(pending, found.code());
        }
        Ok(found)
    }

    /// A thread reading the merged records and `threads - 1` mapping them.
    fn read_and_map<'scope, 'env, T: Send + 'scope>(
        &'env self,
        scope: &'scope std::thread::Scope<'scope, 'env>,
        threads: usize,
        dir: &'static str,
        detail: Detail,
        map: &'env (dyn Fn(CallRecord) -> T + Sync),
    ) -> Source<'env, T> {
        let (uri, path) = (&self.uri, &self.path);
        let mappers = (threads - 1).clamp(1, MAX_MAPPERS);
        {
            let mut to = Vec::new();
            let mut from = Vec::new();
            for _ in 0..mappers {
                let (records_tx, records_rx) = mpsc::sync_channel::<Batch<CallRecord>>(2);
                let (mapped_tx, mapped_rx) = mpsc::sync_channel::<Batch<T>>(2);
                scope.spawn(move || {
                    for batch in records_rx {
                        let mapped = batch.map(|b| {
                            b.into_iter()
                                .map(|(k, rec)| (k, rec.map(map)))
                                .collect::<Vec<_>>()
                        });
                        if mapped_tx.send(mapped).is_err() {
                            return;
                        }
                    }
                });
                to.push(records_tx);
                from.push(mapped_rx);
            }
            scope.spawn(move || read_merged(uri, path, dir, detail, to));
            Source::Threads {
                from,
                received: 0,
                buffered: VecDeque::new(),
            }
        }
    }

    /// Send the merged records: as they come when they come in listing
    /// order, else through the listing order of SQLite's sort.
    fn emit<T>(
        &self,
        layout: Layout,
        field: &str,
        reverse: bool,
        source: &mut Source<'_, T>,
        map: &(dyn Fn(CallRecord) -> T + Sync),
        sink: &mut impl FnMut(T) -> ControlFlow<()>,
    ) -> Result<bool, StoreError> {
        if layout == Layout::LinedUp {
            return self.in_order(field, reverse, source, map, sink);
        }
        while let Some((key, t)) = source.next()? {
            let t = match t {
                Some(t) => Some(t),
                None => self.get(&key)?.map(map),
            };
            if let Some(t) = t {
                if sink(t).is_break() {
                    break;
                }
            }
        }
        Ok(true)
    }

    /// Send the records in listing order: those of the calls with the
    /// runtime field, then (if some are left) those without it.
    fn in_order<T>(
        &self,
        field: &str,
        reverse: bool,
        source: &mut Source<'_, T>,
        map: &(dyn Fn(CallRecord) -> T + Sync),
        sink: &mut impl FnMut(T) -> ControlFlow<()>,
    ) -> Result<bool, StoreError> {
        let mut order = Order {
            ahead: FxHashMap::default(),
            looked_up: FxHashSet::default(),
            found: 0,
            stopped: false,
        };
        let (with, without) = super::query::runtime_keys_sql(field, reverse);
        self.order_by(&with, &mut order, source, map, sink)?;
        if !order.stopped && order.found < self.count()? {
            self.order_by(&without, &mut order, source, map, sink)?;
        }
        Ok(true)
    }

    /// Send the records of the keys `sql` lists, in its order.
    fn order_by<T>(
        &self,
        sql: &str,
        order: &mut Order<T>,
        source: &mut Source<'_, T>,
        map: &(dyn Fn(CallRecord) -> T + Sync),
        sink: &mut impl FnMut(T) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let err = |e| self.sql_err(e);
        let mut stmt = self.conn.prepare(sql).map_err(err)?;
        let mut keys = stmt.query([]).map_err(err)?;
        while let Some(row) = keys.next().map_err(err)? {
            let key = row.get_ref(0).map_err(err)?;
            let Ok(key) = key.as_str() else {
                // Not a key a record can have (the lookup finds nothing).
                continue;
            };
            let t = match order.take(key, source)? {
                Some(t) => Some(t),
                None => {
                    order.looked_up.insert(key.to_string());
                    self.get(key)?.map(map)
                }
            };
            if let Some(t) = t {
                order.found += 1;
                if sink(t).is_break() {
                    order.stopped = true;
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// A batch of merged records (or the error that ended the reading).
type Batch<T> = Result<Vec<Merged<T>>, StoreError>;

/// Merged records of a part, and whether they are its last (or the error
/// that ended the reading).
type Piece<T> = Result<(Vec<Merged<T>>, bool), StoreError>;

/// The merging thread: batches of records, batch `i` to mapper `i % n`.
fn read_merged(
    uri: &str,
    path: &std::path::Path,
    dir: &str,
    detail: Detail,
    to: Vec<mpsc::SyncSender<Batch<CallRecord>>>,
) {
    let err = |e| StoreError::sql(path, e);
    let mut sent = 0;
    let mut send = |batch: Batch<CallRecord>| {
        let ok = to[sent % to.len()].send(batch).is_ok();
        sent += 1;
        ok
    };
    let run = |send: &mut dyn FnMut(Batch<CallRecord>) -> bool| -> Result<(), StoreError> {
        let conn = connect(uri).map_err(err)?;
        let mut statements = Merge::statements(&conn, dir, detail).map_err(err)?;
        let mut merge = Merge::new(&mut statements, dir, detail, &Part::WHOLE).map_err(err)?;
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(merged) = merge.next().map_err(err)? {
            batch.push(merged);
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if !send(Ok(full)) {
                    return Ok(());
                }
            }
        }
        if !batch.is_empty() {
            send(Ok(batch));
        }
        Ok(())
    };
    if let Err(e) = run(&mut send) {
        send(Err(e));
    }
}

/// Where the listing order takes the merged records from.
enum Source<'a, T> {
    /// Read and mapped on this thread.
    Here {
        merge: Box<Merge<'a>>,
        map: &'a (dyn Fn(CallRecord) -> T + Sync),
        path: &'a std::path::Path,
    },
    /// Read by one thread and mapped by others: batch `i` comes back on
    /// channel `i % n`.
    Threads {
        from: Vec<mpsc::Receiver<Batch<T>>>,
        received: usize,
        buffered: VecDeque<Merged<T>>,
    },
    /// Parts each read and mapped by one thread: part `i` comes back on
    /// channel `i % n`, in pieces.
    Parts {
        from: Vec<mpsc::Receiver<Piece<T>>>,
        /// The part being received, of `parts`.
        part: usize,
        parts: usize,
        buffered: VecDeque<Merged<T>>,
        path: &'a std::path::Path,
    },
}

impl<T> Source<'_, T> {
    fn next(&mut self) -> Result<Option<Merged<T>>, StoreError> {
        match self {
            Source::Here { merge, map, path } => Ok(merge
                .next()
                .map_err(|e| StoreError::sql(*path, e))?
                .map(|(k, rec)| (k, rec.map(map)))),
            Source::Threads {
                from,
                received,
                buffered,
            } => {
                if buffered.is_empty() {
                    let Ok(batch) = from[*received % from.len()].recv() else {
                        return Ok(None);
                    };
                    *received += 1;
                    buffered.extend(batch?);
                }
                Ok(buffered.pop_front())
            }
            Source::Parts {
                from,
                part,
                parts,
                buffered,
                path,
            } => {
                // A piece may hold no record (a part's last).
                while buffered.is_empty() {
                    if *part == *parts {
                        return Ok(None);
                    }
                    // A thread that stopped before its parts were sent.
                    let Ok(piece) = from[*part % from.len()].recv() else {
                        return Err(StoreError::ReaderStopped {
                            path: path.to_path_buf(),
                        });
                    };
                    let (records, last) = piece?;
                    *part += usize::from(last);
                    buffered.extend(records);
                }
                Ok(buffered.pop_front())
            }
        }
    }
}

/// How the tables lie for [`Merge`], read in rowid order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Some call's arguments or metadata rows are apart, or out of the
    /// calls' order, or a row belongs to no call: not merged.
    Apart,
    /// Each call's rows together and in the calls' order: merged records
    /// are whole.
    LinedUp,
    /// Lined up, and the calls already in listing order.
    InOrder,
}

impl Layout {
    /// Its byte in the persistent index.
    fn code(self) -> u8 {
        match self {
            Layout::Apart => 0,
            Layout::LinedUp => 1,
            Layout::InOrder => 2,
        }
    }

    fn of_code(code: u8) -> Option<Layout> {
        match code {
            0 => Some(Layout::Apart),
            1 => Some(Layout::LinedUp),
            2 => Some(Layout::InOrder),
            _ => None,
        }
    }
}

/// The listing order a layout answers for, as the index names it (with
/// the arguments or without).
fn order_name(dir: &str, field: &str, arguments: bool) -> String {
    if arguments {
        format!("{field} {dir}")
    } else {
        format!("{field} {dir} without arguments")
    }
}

/// The rowids of each table one part of a listing reads, from the first
/// to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Part {
    calls: (i64, i64),
    args: (i64, i64),
    meta: (i64, i64),
}

impl Part {
    const ALL: (i64, i64) = (i64::MIN, i64::MAX);
    const WHOLE: Part = Part {
        calls: Part::ALL,
        args: Part::ALL,
        meta: Part::ALL,
    };
}

/// A part's rowids, as the statements reading a [`Part`] bind them.
const RANGE: &str = "rowid BETWEEN ?1 AND ?2";

/// How the tables lie when read in rowid order `dir` (see [`Layout`]), and
/// whether the calls then come in the order of the runtime `field`
/// (descending for `DESC`; calls without it last, by key). Reads the keys
/// and the runtime rows: first reading the runtime field here
/// ([`runtime_field`], a third of the work of SQLite's JSON functions),
/// and again through SQLite's `json_extract` should a row hold anything
/// that reader leaves to SQLite. The arguments' rows too, or not (a
/// listing that reads none).
fn layout_of(
    conn: &Connection,
    dir: &str,
    field: &str,
    arguments: bool,
) -> rusqlite::Result<Layout> {
    for here in [true, false] {
        if let Some(layout) = layout_read(conn, dir, field, arguments, here)? {
            return Ok(layout);
        }
    }
    Ok(Layout::Apart)
}

/// [`layout_of`] in one walk, the runtime field read `here` or by SQLite
/// (None: a row takes SQLite's reading).
fn layout_read(
    conn: &Connection,
    dir: &str,
    field: &str,
    arguments: bool,
    here: bool,
) -> rusqlite::Result<Option<Layout>> {
    let walked = Walker::new(conn, dir, field, arguments, here)?.walk(&Part::WHOLE)?;
    Ok(joined([walked], here, dir == "DESC"))
}

/// What a walk over one part found.
#[derive(Debug)]
enum Walked {
    /// A runtime row holds what the reading here leaves to SQLite.
    Unknown,
    Apart,
    /// The part's rows line up; its calls are `in_order`, and `first` and
    /// `last` are its first and (while in order) last call.
    LinedUp {
        in_order: bool,
        first: Option<Edge>,
        last: Option<Edge>,
    },
}

/// A call where a part begins or ends: its runtime field as SQLite sorts
/// it and as written, and its key.
#[derive(Debug, Clone, Default)]
struct Edge {
    sort: Option<SortValue>,
    text: String,
    key: String,
}

/// Whether `b` comes right after `a` in the listing; None when their
/// runtime fields are too near for the reading here to tell.
fn follows(a: &Edge, b: &Edge, here: bool, descending: bool) -> Option<bool> {
    if let (Some(x), Some(y)) = (&a.sort, &b.sort) {
        if here && near_tie(x, &a.text, y, &b.text) {
            return None;
        }
    }
    Some(comes_before(
        a.sort.as_ref(),
        &a.key,
        b.sort.as_ref(),
        &b.key,
        descending,
    ))
}

/// The layout of the whole from the walks of its parts, in walk order;
/// None when it takes SQLite's reading of the runtime field. Each part
/// lined up within its rowids makes the whole lined up: the parts' rowids
/// cut every table into consecutive ranges, so runs that line up in each
/// line up end to end.
fn joined(walks: impl IntoIterator<Item = Walked>, here: bool, descending: bool) -> Option<Layout> {
    let mut in_order = true;
    let mut last: Option<Edge> = None;
    for walked in walks {
        match walked {
            Walked::Unknown => return None,
            Walked::Apart => return Some(Layout::Apart),
            Walked::LinedUp {
                in_order: part_in_order,
                first,
                last: part_last,
            } => {
                if !in_order {
                    continue;
                }
                if let (Some(a), Some(b)) = (&last, &first) {
                    in_order = follows(a, b, here, descending)?;
                }
                in_order &= part_in_order;
                if part_last.is_some() {
                    last = part_last;
                }
            }
        }
    }
    Some(if in_order {
        Layout::InOrder
    } else {
        Layout::LinedUp
    })
}

/// The statements of a [`layout_of`] walk, prepared once for every part a
/// connection walks.
struct Walker<'c> {
    statements: [rusqlite::Statement<'c>; 3],
    field: &'c str,
    /// The runtime field read here (a part with a row left to SQLite is
    /// [`Walked::Unknown`]), or by SQLite.
    here: bool,
    descending: bool,
}

impl<'c> Walker<'c> {
    fn new(
        conn: &'c Connection,
        dir: &str,
        field: &'c str,
        arguments: bool,
        here: bool,
    ) -> rusqlite::Result<Self> {
        let sql = |col: &str, table: &str, none: bool| {
            let none = if none { "0 AND" } else { "" };
            format!("SELECT {col} FROM {table} WHERE {none} {RANGE} ORDER BY rowid {dir}")
        };
        // The runtime field as the listing's sort reads it; a runtime row
        // that is not JSON (the sort fails on it) makes the layout `Apart`.
        let meta_columns = if here {
            "call_key, name, data".to_string()
        } else {
            format!(
                "call_key, CASE WHEN name = 'runtime' AND json_valid(data) \
                 THEN json_extract(data, '$.{field}') END, \
                 name = 'runtime' AND NOT json_valid(data)"
            )
        };
        Ok(Walker {
            statements: [
                conn.prepare(&sql("key", "calls", false))?,
                // A table not walked: an empty walk.
                conn.prepare(&sql("call_key", "arguments", !arguments))?,
                conn.prepare(&sql(&meta_columns, "metadata", false))?,
            ],
            field,
            here,
            descending: dir == "DESC",
        })
    }

    /// Walk the rows of `part`.
    fn walk(&mut self, part: &Part) -> rusqlite::Result<Walked> {
        let [calls, args, meta] = &mut self.statements;
        let runtime = if self.here {
            Runtime::Here(self.field)
        } else {
            Runtime::Sqlite
        };
        let mut calls = calls.query(part.calls)?;
        let mut args = KeyRuns::new(args.query(part.args)?, Runtime::None)?;
        let mut meta = KeyRuns::new(meta.query(part.meta)?, runtime)?;
        let mut in_order = true;
        let mut first: Option<Edge> = None;
        // This call and the one before, their buffers kept from call to call.
        let mut edge = Edge::default();
        let mut before = Edge::default();
        let mut none = String::new();
        while let Some(row) = calls.next()? {
            let Ok(key) = row.get_ref(0)?.as_str() else {
                return Ok(Walked::Apart);
            };
            args.skip_run(key.as_bytes(), &mut none)?;
            edge.sort = meta.skip_run(key.as_bytes(), &mut edge.text)?;
            if meta.unknown {
                return Ok(Walked::Unknown);
            }
            if meta.invalid {
                return Ok(Walked::Apart);
            }
            if in_order {
                edge.key.clear();
                edge.key.push_str(key);
                if first.is_none() {
                    first = Some(edge.clone());
                } else {
                    match follows(&before, &edge, self.here, self.descending) {
                        Some(after) => in_order = after,
                        None => return Ok(Walked::Unknown),
                    }
                }
                std::mem::swap(&mut before, &mut edge);
            }
        }
        // A row left over belongs to no call, or to one met before it.
        if args.head.is_some() || meta.head.is_some() {
            return Ok(Walked::Apart);
        }
        Ok(Walked::LinedUp {
            in_order,
            last: first.is_some().then_some(before).filter(|_| in_order),
            first,
        })
    }
}

/// Whether call `a` (its sort value and key) comes right before `b` in
/// the listing by a runtime field: by value (as SQLite orders them), then
/// key, both descending or both ascending; calls without the value last,
/// by key.
fn comes_before(
    a: Option<&SortValue>,
    a_key: &str,
    b: Option<&SortValue>,
    b_key: &str,
    descending: bool,
) -> bool {
    use std::cmp::Ordering;
    let ord = match (a, b) {
        (Some(_), None) => return true,
        (None, Some(_)) => return false,
        (None, None) => a_key.as_bytes().cmp(b_key.as_bytes()),
        (Some(x), Some(y)) => x
            .cmp(y)
            .then_with(|| a_key.as_bytes().cmp(b_key.as_bytes())),
    };
    ord == if descending {
        Ordering::Greater
    } else {
        Ordering::Less
    }
}

/// What [`KeyRuns`] reads of a metadata row besides its key.
#[derive(Clone, Copy)]
enum Runtime<'f> {
    /// Nothing (the rows of arguments).
    None,
    /// The runtime field and whether the row is JSON, from SQLite's JSON
    /// functions (columns 1 and 2).
    Sqlite,
    /// The runtime row's field read by [`runtime_field`] from the `name`
    /// and `data` columns.
    Here(&'f str),
}

/// Rows of arguments or metadata, keys only (and for metadata the
/// runtime field and whether the runtime row is JSON), run by run.
struct KeyRuns<'s> {
    rows: Rows<'s>,
    runtime: Runtime<'s>,
    /// The current row's call key; None at the end.
    head: Option<Vec<u8>>,
    /// The current row's runtime field, if it has one, and its text
    /// (read here).
    sort: Option<SortValue>,
    text: String,
    /// A runtime row was not JSON.
    invalid: bool,
    /// A runtime row held what [`runtime_field`] leaves to SQLite.
    unknown: bool,
    scratch: Vec<u8>,
}

impl<'s> KeyRuns<'s> {
    fn new(rows: Rows<'s>, runtime: Runtime<'s>) -> rusqlite::Result<Self> {
        let mut runs = KeyRuns {
            rows,
            runtime,
            head: None,
            sort: None,
            text: String::new(),
            invalid: false,
            unknown: false,
            scratch: Vec::new(),
        };
        runs.advance()?;
        Ok(runs)
    }

    fn advance(&mut self) -> rusqlite::Result<()> {
        let Some(row) = self.rows.next()? else {
            self.head = None;
            return Ok(());
        };
        let head = self.head.get_or_insert_with(Vec::new);
        head.clear();
        match row.get_ref(0)? {
            ValueRef::Text(t) => head.extend_from_slice(t),
            // Not UTF-8, so never a call's key: the check fails on it.
            _ => head.push(0xff),
        }
        match self.runtime {
            Runtime::None => {}
            Runtime::Sqlite => {
                self.sort = SortValue::of(row.get_ref(1)?);
                self.invalid |= row.get::<_, Option<bool>>(2)?.unwrap_or(false);
            }
            Runtime::Here(field) => {
                if row.get_ref(1)? != ValueRef::Text(b"runtime") {
                    self.sort = None;
                    return Ok(());
                }
                let data = match row.get_ref(2)? {
                    ValueRef::Text(t) => std::str::from_utf8(t).ok(),
                    _ => None,
                };
                match data.and_then(|d| runtime_field(d, field, &mut self.scratch)) {
                    Some(Some((sort, text))) => {
                        self.sort = Some(sort);
                        self.text.clear();
                        self.text.push_str(text);
                    }
                    Some(None) => self.sort = None,
                    None => self.unknown = true,
                }
            }
        }
        Ok(())
    }

    /// Step past the rows of `key` if they come next; the runtime field
    /// one of them has, and its text (read here) in `text` (swapped in:
    /// no allocation per call).
    fn skip_run(&mut self, key: &[u8], text: &mut String) -> rusqlite::Result<Option<SortValue>> {
        let mut sort = None;
        text.clear();
        while self.head.as_deref() == Some(key) {
            if self.sort.is_some() {
                sort = self.sort.take();
                std::mem::swap(&mut self.text, text);
            }
            self.advance()?;
        }
        Ok(sort)
    }
}

/// The records read ahead of the listing order.
struct Order<T> {
    /// A record read ahead, mapped; None for one to look up.
    ahead: FxHashMap<String, Option<T>>,
    /// Keys already looked up: their records, met later, are dropped.
    looked_up: FxHashSet<String>,
    /// Records sent.
    found: u64,
    stopped: bool,
}

impl<T> Order<T> {
    /// The record of `key` from the merge, reading ahead until it comes
    /// or the buffer is full (None: look it up).
    fn take(&mut self, key: &str, merged: &mut Source<'_, T>) -> Result<Option<T>, StoreError> {
        loop {
            if let Some(found) = self.ahead.remove(key) {
                return Ok(found);
            }
            if self.ahead.len() >= AHEAD {
                return Ok(None);
            }
            let Some((k, rec)) = merged.next()? else {
                return Ok(None);
            };
            if !self.looked_up.remove(&k) {
                self.ahead.insert(k, rec);
            }
        }
    }
}

/// The three tables read side by side in rowid order, a record per call.
struct Merge<'c> {
    calls: Rows<'c>,
    args: Rows<'c>,
    meta: Rows<'c>,
    /// The arguments row read and not yet used, if any, and its call key
    /// (kept in one buffer, not a `String` per row).
    arg: Option<ArgRow>,
    arg_key: Vec<u8>,
    meta_row: Option<MetaRow>,
    meta_key: Vec<u8>,
    /// Metadata rows come in reverse for a descending read.
    descending: bool,
    /// What the records carry.
    detail: Detail,
    scratch: Scratch,
}

/// Working space for a summary's metadata rows: a row compacted, and
/// where its members lie.
#[derive(Default)]
struct Scratch {
    text: Vec<u8>,
    members: Vec<Member>,
}

struct ArgRow {
    position: Option<SortValue>,
    name: Option<String>,
    value: Option<String>,
}

struct MetaRow {
    name: Option<String>,
    data: MetaData,
}

/// A metadata row's `data`.
enum MetaData {
    /// As serde_json writes it ([`compact_json`]); for a summary, a
    /// runtime row keeps only the fields it shows.
    Text(Vec<u8>),
    Parsed(Json),
    /// What a summary does not show, and reads as `record` does.
    Left,
    /// Not what `record` reads as JSON: the record is looked up.
    Unread,
}

impl<'c> Merge<'c> {
    /// Start reading the three tables with their [`Merge::statements`],
    /// the rows of `part` only.
    fn new(
        statements: &'c mut [rusqlite::Statement<'_>; 3],
        dir: &str,
        detail: Detail,
        part: &Part,
    ) -> rusqlite::Result<Self> {
        let [calls, args, meta] = statements;
        let mut merge = Merge {
            calls: calls.query(part.calls)?,
            args: args.query(part.args)?,
            meta: meta.query(part.meta)?,
            arg: None,
            arg_key: Vec::new(),
            meta_row: None,
            meta_key: Vec::new(),
            descending: dir == "DESC",
            detail,
            scratch: Scratch::default(),
        };
        merge.arg = merge.next_arg()?;
        merge.meta_row = merge.next_meta()?;
        Ok(merge)
    }

    /// The scans of calls, arguments and metadata in rowid order `dir`,
    /// each of the rowids from `?1` to `?2` (the arguments' reads no row for
    /// a `detail` without them).
    fn statements<'s>(
        conn: &'s rusqlite::Connection,
        dir: &str,
        detail: Detail,
    ) -> rusqlite::Result<[rusqlite::Statement<'s>; 3]> {
        let none = if detail.arguments() { "" } else { "0 AND" };
        Ok([
            conn.prepare(&format!(
                "SELECT key, name, module, version, code_digest, result FROM calls \
                 WHERE {RANGE} ORDER BY rowid {dir}"
            ))?,
            conn.prepare(&format!(
                "SELECT call_key, position, name, value FROM arguments WHERE {none} {RANGE} \
                 ORDER BY rowid {dir}"
            ))?,
            conn.prepare(&format!(
                "SELECT call_key, name, data FROM metadata WHERE {RANGE} ORDER BY rowid {dir}"
            ))?,
        ])
    }

    fn next_arg(&mut self) -> rusqlite::Result<Option<ArgRow>> {
        let Some(row) = self.args.next()? else {
            return Ok(None);
        };
        key_into(row.get_ref(0)?, &mut self.arg_key);
        Ok(Some(ArgRow {
            position: SortValue::of(row.get_ref(1)?),
            name: text(row.get_ref(2)?),
            value: text(row.get_ref(3)?),
        }))
    }

    fn next_meta(&mut self) -> rusqlite::Result<Option<MetaRow>> {
        let Some(row) = self.meta.next()? else {
            return Ok(None);
        };
        let data_text = match row.get_ref(2)? {
            ValueRef::Text(t) => std::str::from_utf8(t).ok(),
            _ => None,
        };
        let name = text(row.get_ref(1)?);
        let data = match data_text {
            None => MetaData::Unread,
            Some(t) => meta_data(self.detail, &mut self.scratch, name.as_deref(), t),
        };
        key_into(row.get_ref(0)?, &mut self.meta_key);
        Ok(Some(MetaRow { name, data }))
    }

    /// The next call's key and record (None: to look up).
    fn next(&mut self) -> rusqlite::Result<Option<Merged<CallRecord>>> {
        let Some(row) = self.calls.next()? else {
            return Ok(None);
        };
        let key = match row.get_ref(0)? {
            ValueRef::Text(t) => match std::str::from_utf8(t) {
                Ok(k) => k.to_string(),
                Err(_) => String::from_utf8_lossy(t).into_owned(),
            },
            _ => return Ok(Some((String::new(), None))),
        };
        let mut whole = true;
        let name = text(row.get_ref(1)?);
        whole &= name.is_some();
        let module = opt_text(row.get_ref(2)?, &mut whole);
        let version = version_cell(row.get_ref(3)?);
        let code_digest = opt_text(row.get_ref(4)?, &mut whole);
        let result = opt_text(row.get_ref(5)?, &mut whole);
        let mut args: Vec<(Option<SortValue>, String, String)> = Vec::new();
        while self.arg_key == key.as_bytes() {
            let Some(a) = self.arg.take() else { break };
            match (a.name, a.value) {
                (Some(n), Some(v)) => args.push((a.position, n, v)),
                _ => whole = false,
            }
            self.arg = self.next_arg()?;
        }
        let mut meta_rows = Vec::new();
        while self.meta_key == key.as_bytes() {
            let Some(m) = self.meta_row.take() else { break };
            meta_rows.push(m);
            self.meta_row = self.next_meta()?;
        }
        if self.descending {
            meta_rows.reverse();
        }
        let (metadata, metadata_text) = match metadata_of_rows(meta_rows) {
            Some(m) => m,
            None => return Ok(Some((key, None))),
        };
        if !whole {
            return Ok(Some((key, None)));
        }
        // As `record` orders them: by position as SQLite sorts it, ties by
        // name (the order of the (call_key, name) index).
        args.sort_by(|a, b| {
            let by_position = match (&a.0, &b.0) {
                (Some(x), Some(y)) => x.cmp(y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            };
            by_position.then_with(|| a.1.as_bytes().cmp(b.1.as_bytes()))
        });
        let rec = CallRecord {
            key: key.clone(),
            name: name.unwrap_or_default(),
            module,
            version,
            code_digest,
            arguments: args.into_iter().map(|(_, n, v)| (n, v)).collect(),
            result,
            metadata,
            metadata_text,
        };
        Ok(Some((key, Some(rec))))
    }
}

/// A metadata row's `data` (`t`) of kind `name` as a listing of
/// `detail` carries it (`scratch`: working space).
fn meta_data(detail: Detail, scratch: &mut Scratch, name: Option<&str>, t: &str) -> MetaData {
    let parsed =
        |t: &str| serde_json::from_str::<Json>(t).map_or(MetaData::Unread, MetaData::Parsed);
    match detail {
        Detail::Whole => parsed(t),
        Detail::MetadataAsText => {
            let mut compact = Vec::new();
            if compact_json(t, &mut compact) {
                MetaData::Text(compact)
            } else {
                parsed(t)
            }
        }
        Detail::Summary => {
            let Scratch { text, members } = scratch;
            text.clear();
            if !compact_json_members(t, text, Some(members)) {
                return match parsed(t) {
                    MetaData::Parsed(_) if name != Some("runtime") && name != Some("tags") => {
                        MetaData::Left
                    }
                    other => other,
                };
            }
            match name {
                Some("tags") => MetaData::Text(text.clone()),
                Some("runtime") => MetaData::Text(summary_runtime(text, members)),
                _ => MetaData::Left,
            }
        }
    }
}

/// A compacted runtime row as a summary carries it: only the fields a
/// summary shows, in their order (`members`: the row's, if an object).
fn summary_runtime(compact: &[u8], members: &[Member]) -> Vec<u8> {
    if compact.first() != Some(&b'{') {
        return compact.to_vec();
    }
    let mut out = Vec::with_capacity(64);
    out.push(b'{');
    for m in members {
        // Keys as serde writes them: these need no escape, so their text
        // is their name.
        let key = &compact[m.key.0..m.key.1];
        if key == b"\"timestart\"" || key == b"\"walltime\"" {
            if out.len() > 1 {
                out.push(b',');
            }
            out.extend_from_slice(&compact[m.key.0..m.end]);
        }
    }
    out.push(b'}');
    out
}

/// A call's metadata rows (in rowid order) as `record` reads them: as
/// serde_json's text when every row was kept as text (or left out), else
/// parsed; None when a row is not what `record` reads.
fn metadata_of_rows(rows: Vec<MetaRow>) -> Option<(Map<String, Json>, Option<String>)> {
    let text_or_left = |m: &MetaRow| matches!(m.data, MetaData::Text(_) | MetaData::Left);
    if rows.iter().all(text_or_left) && !rows.is_empty() {
        let mut text = Vec::with_capacity(
            rows.iter()
                .map(|m| match &m.data {
                    MetaData::Text(t) => t.len() + 16,
                    _ => 0,
                })
                .sum::<usize>()
                + 2,
        );
        text.push(b'{');
        for m in &rows {
            let (Some(name), data) = (&m.name, &m.data) else {
                return None;
            };
            let MetaData::Text(data) = data else {
                continue;
            };
            if text.len() > 1 {
                text.push(b',');
            }
            serde_json::to_writer(&mut text, name).ok()?;
            text.push(b':');
            text.extend_from_slice(data);
        }
        text.push(b'}');
        // Names are strings and data came from `str`s: the text is UTF-8.
        return Some((Map::new(), Some(String::from_utf8(text).ok()?)));
    }
    let mut metadata = Map::new();
    for m in rows {
        let data = match m.data {
            MetaData::Parsed(d) => d,
            MetaData::Text(t) => serde_json::from_slice(&t).ok()?,
            MetaData::Left => {
                m.name?;
                continue;
            }
            MetaData::Unread => return None,
        };
        metadata.insert(m.name?, data);
    }
    Some((metadata, None))
}

/// A row's call key into `buf`, as bytes: one that is not text becomes
/// `0xff`, never UTF-8, so it is no call's key (and the check has found
/// no such row before a merge).
fn key_into(v: ValueRef<'_>, buf: &mut Vec<u8>) {
    buf.clear();
    match v {
        ValueRef::Text(t) => buf.extend_from_slice(t),
        _ => buf.push(0xff),
    }
}

fn text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t).ok().map(str::to_string),
        _ => None,
    }
}

/// A nullable text column; anything but text or NULL makes the record
/// one to look up (`record` reads it as a string or fails).
fn opt_text(v: ValueRef<'_>, whole: &mut bool) -> Option<String> {
    match v {
        ValueRef::Null => None,
        v => {
            let t = text(v);
            *whole &= t.is_some();
            t
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ListOptions, SortKey};
    use std::path::PathBuf;

    /// A database in a directory removed on drop.
    struct Db(PathBuf);

    impl Drop for Db {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// fleche's schema (as SQLAlchemy creates it) and then `rows`.
    fn db(tag: &str, rows: &str) -> Db {
        let dir = std::env::temp_dir().join(format!("fleche-merge-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let conn = Connection::open(dir.join("calls.db")).unwrap();
        conn.execute_batch(
            "CREATE TABLE calls (key VARCHAR(64) NOT NULL, name VARCHAR NOT NULL, module VARCHAR, \
                 version VARCHAR, code_digest VARCHAR(64), result VARCHAR(64), PRIMARY KEY (key));
             CREATE TABLE arguments (id INTEGER NOT NULL, call_key VARCHAR(64) NOT NULL, \
                 position INTEGER NOT NULL, name VARCHAR NOT NULL, value VARCHAR(64) NOT NULL, \
                 PRIMARY KEY (id), CONSTRAINT uq_arguments_call_name UNIQUE (call_key, name));
             CREATE TABLE metadata (id INTEGER NOT NULL, call_key VARCHAR(64) NOT NULL, \
                 name VARCHAR NOT NULL, data JSON NOT NULL, PRIMARY KEY (id), \
                 CONSTRAINT uq_metadata_call_name UNIQUE (call_key, name));
             CREATE INDEX ix_metadata_call_key ON metadata (call_key);
             CREATE INDEX ix_metadata_name ON metadata (name);",
        )
        .unwrap();
        conn.execute_batch(rows).unwrap();
        Db(dir)
    }

    /// A call as fleche saves it: its row, its arguments, its metadata.
    fn call(key: &str, args: &[(i64, &str)], meta: &[(&str, &str)]) -> String {
        let mut sql =
            format!("INSERT INTO calls VALUES ('{key}', 'f', 'm', '1', 'cd', 'r{key}');\n");
        for (pos, name) in args {
            sql += &format!(
                "INSERT INTO arguments (call_key, position, name, value) \
                 VALUES ('{key}', {pos}, '{name}', 'v{name}{key}');\n"
            );
        }
        for (name, data) in meta {
            sql += &format!(
                "INSERT INTO metadata (call_key, name, data) VALUES ('{key}', '{name}', '{data}');\n"
            );
        }
        sql
    }

    fn runtime(start: f64) -> String {
        format!(
            "{{\"timestart\": {start}, \"timestop\": {}, \"walltime\": 1.5}}",
            start + 1.0
        )
    }

    /// Calls written in order, with what a cache holds besides: a call
    /// without arguments, one without runtime, one started before the
    /// previous one (written when it ended), arguments written out of
    /// position order, metadata SQLite keeps as a number.
    fn aligned() -> String {
        [
            call("k1", &[(0, "a"), (1, "b")], &[("runtime", &runtime(1.0))]),
            call(
                "k2",
                &[],
                &[
                    ("runtime", &runtime(3.0)),
                    ("tags", "{\"p\": \"\\u00e9\", \"n\": 1.0}"),
                ],
            ),
            call("k3", &[(1, "y"), (0, "z")], &[("runtime", &runtime(2.0))]),
            call("k4", &[(0, "x")], &[("tags", "{\"q\": [1, 2]}")]),
            call(
                "k5",
                &[(0, "x")],
                &[("runtime", &runtime(5.0)), ("extra", "7")],
            ),
            call(
                "k6",
                &[(2, "c"), (2, "b"), (0, "a")],
                &[("runtime", &runtime(4.0))],
            ),
        ]
        .concat()
    }

    /// A record and its metadata's text: maps compare equal whatever
    /// their order, and the order is what listings print.
    type Shown = (CallRecord, String);

    fn shown(rec: CallRecord) -> Shown {
        let text = serde_json::to_string(&rec.metadata).unwrap();
        (rec, text)
    }

    /// The listing the single-connection SQL path gives.
    fn by_sql(store: &SqlCalls, opts: &ListOptions) -> Vec<Shown> {
        let mut out = Vec::new();
        store
            .for_each(opts, |rec| {
                out.push(shown(rec));
                ControlFlow::Continue(())
            })
            .unwrap();
        out
    }

    /// Threads, and calls per part: one thread, parts of the default size
    /// (none, in these databases), and parts cut at every call or few.
    type Split = (usize, usize);
    const SPLITS: [Split; 7] = [
        (1, PART),
        (2, PART),
        (4, PART),
        (2, 1),
        (2, 2),
        (3, 3),
        (4, 1),
    ];

    /// Whether the merged listing of `detail` was used, and what it sent.
    fn merged_with<T: Send>(
        store: &SqlCalls,
        opts: &ListOptions,
        detail: Detail,
        (threads, per): Split,
        map: &(dyn Fn(CallRecord) -> T + Sync),
    ) -> (bool, Vec<T>) {
        let field = opts.sort.runtime_field().unwrap();
        let mut out = Vec::new();
        let used = store
            .merged_in_parts_of(per, field, opts.reverse, detail, threads, map, &mut |rec| {
                out.push(rec);
                ControlFlow::Continue(())
            })
            .unwrap();
        (used, out)
    }

    /// The merged listing, or None when it declines.
    fn merged(store: &SqlCalls, opts: &ListOptions, split: Split) -> Option<Vec<Shown>> {
        let (used, out) = merged_with(store, opts, Detail::Whole, split, &shown);
        assert!(used || out.is_empty(), "sent records, then declined");
        used.then_some(out)
    }

    fn every_order() -> Vec<ListOptions> {
        let mut all = Vec::new();
        for sort in [SortKey::Started, SortKey::Stopped] {
            for reverse in [false, true] {
                all.push(ListOptions {
                    sort,
                    reverse,
                    ..ListOptions::default()
                });
            }
        }
        all
    }

    #[test]
    fn merged_scans_list_what_lookups_list() {
        let d = db("aligned", &aligned());
        let store = SqlCalls::open(&d.0.join("calls.db")).unwrap();
        for opts in every_order() {
            let expected = by_sql(&store, &opts);
            assert_eq!(expected.len(), 6);
            for split in SPLITS {
                let got = merged(&store, &opts, split).expect("lined up");
                assert_eq!(got, expected, "{opts:?}, {split:?}");
            }
        }
    }

    #[test]
    fn calls_written_in_start_order_are_sent_as_read() {
        // Newest first: read backwards, the calls come in listing order,
        // the one without runtime (written first) last.
        let rows = [
            call("k0", &[(0, "a")], &[("tags", "{\"t\": 1}")]),
            call("k1", &[(1, "b"), (0, "a")], &[("runtime", &runtime(1.0))]),
            call("k2", &[], &[("runtime", &runtime(2.0)), ("extra", "7")]),
            call(
                "k3",
                &[(0, "a")],
                &[("tags", "{\"u\": 2}"), ("runtime", &runtime(3.0))],
            ),
            call("k4", &[(0, "a")], &[("runtime", &runtime(4.0))]),
            call("k5", &[(0, "a")], &[("runtime", &runtime(4.0))]),
        ]
        .concat();
        let d = db("inorder", &rows);
        let store = SqlCalls::open(&d.0.join("calls.db")).unwrap();
        for field in ["timestart", "timestop"] {
            assert_eq!(
                layout_of(&store.conn, "DESC", field, true).unwrap(),
                Layout::InOrder
            );
            // Oldest first, the call without runtime would come first.
            assert_eq!(
                layout_of(&store.conn, "ASC", field, true).unwrap(),
                Layout::LinedUp
            );
        }
        for opts in every_order() {
            let expected = by_sql(&store, &opts);
            assert_eq!(expected.len(), 6);
            for split in SPLITS {
                let got = merged(&store, &opts, split).expect("lined up");
                assert_eq!(got, expected, "{opts:?}, {split:?}");
            }
        }
        // Equal start times: the larger key first, so k5 then k4 read
        // backwards; swapped, they are not in order.
        let swapped = rows.replace("'k5'", "'k9'");
        let d = db("swapped", &swapped);
        let store = SqlCalls::open(&d.0.join("calls.db")).unwrap();
        assert_eq!(
            layout_of(&store.conn, "DESC", "timestart", true).unwrap(),
            Layout::InOrder
        );
        let swapped = rows.replace("'k4'", "'k9'");
        let d = db("swapped2", &swapped);
        let store = SqlCalls::open(&d.0.join("calls.db")).unwrap();
        assert_eq!(
            layout_of(&store.conn, "DESC", "timestart", true).unwrap(),
            Layout::LinedUp
        );
        for opts in every_order() {
            assert_eq!(
                merged(&store, &opts, (1, PART)).unwrap(),
                by_sql(&store, &opts)
            );
        }
    }

    #[test]
    fn a_runtime_row_that_is_not_json_is_listed_as_before() {
        let rows = aligned().replace(&runtime(3.0), "{not json");
        let d = db("badjson", &rows);
        let store = SqlCalls::open(&d.0.join("calls.db")).unwrap();
        assert_eq!(
            layout_of(&store.conn, "DESC", "timestart", true).unwrap(),
            Layout::Apart
        );
    }

    #[test]
    fn rows_that_do_not_line_up_are_listed_by_lookups() {
        let later = [
            // Metadata added to an earlier call.
            "INSERT INTO metadata (call_key, name, data) VALUES ('k1', 'tags', '{\"late\": 1}');",
            // Arguments of a call that is gone.
            "INSERT INTO arguments (call_key, position, name, value) VALUES ('gone', 0, 'a', 'v');",
            // A runtime row of a call that is gone.
            "INSERT INTO metadata (call_key, name, data) VALUES ('gone', 'runtime', '{\"timestart\": 9}');",
        ];
        for (i, extra) in later.iter().enumerate() {
            let d = db(&format!("split{i}"), &(aligned() + extra));
            let store = SqlCalls::open(&d.0.join("calls.db")).unwrap();
            for opts in every_order() {
                for split in SPLITS {
                    assert_eq!(merged(&store, &opts, split), None, "{extra}");
                }
                let mut got = Vec::new();
                store
                    .for_each_mapped(&opts, &shown, |rec| {
                        got.push(rec);
                        ControlFlow::Continue(())
                    })
                    .unwrap();
                assert_eq!(got, by_sql(&store, &opts), "{extra}");
            }
        }
    }

    /// `aligned`, then calls with gaps between their rowids (deleted
    /// calls), without arguments, without metadata, and ten in a row
    /// without metadata (cuts among them are left out: one part of ten).
    fn gapped() -> String {
        let mut rows = aligned();
        for i in 0..10 {
            rows += &call(&format!("n{i}"), &[(0, "a")], &[]);
        }
        for i in 0..12 {
            let args: &[(i64, &str)] = if i % 3 == 0 {
                &[]
            } else {
                &[(0, "a"), (1, "b")]
            };
            let rt = runtime(10.0 + f64::from(i));
            let meta: &[(&str, &str)] = if i % 4 == 1 { &[] } else { &[("runtime", &rt)] };
            rows += &call(&format!("g{i:02}"), args, meta);
        }
        for table in [
            "calls WHERE key",
            "arguments WHERE call_key",
            "metadata WHERE call_key",
        ] {
            rows += &format!("DELETE FROM {table} IN ('g03', 'g04', 'g05', 'g06', 'g07');\n");
        }
        rows
    }

    /// `aligned`, then calls far apart in rowid, the last near the largest.
    fn sparse() -> String {
        let mut rows = aligned();
        for (i, rowid) in [
            1_000_000_000_000_000_i64,
            2_000_000_000_000_000,
            i64::MAX - 5,
        ]
        .into_iter()
        .enumerate()
        {
            let key = format!("x{i}");
            rows += &call(&key, &[(0, "a")], &[("runtime", &runtime(9.0 + i as f64))])
                .replacen("INSERT INTO calls VALUES (", &format!("INSERT INTO calls (rowid, key, name, module, version, code_digest, result) VALUES ({rowid}, "), 1);
        }
        rows
    }

    /// Calls in start order, newest last: read newest first, in listing
    /// order.
    fn in_start_order() -> String {
        (0..9)
            .map(|i| {
                let rt = runtime(f64::from(i));
                let args: &[(i64, &str)] = if i % 2 == 0 { &[] } else { &[(0, "a")] };
                call(&format!("s{i}"), args, &[("runtime", &rt)])
            })
            .collect()
    }

    /// The rowids and call keys of a table's rows (`key`: its call key).
    fn rows_of(store: &SqlCalls, table: &str, key: &str) -> Vec<(i64, String)> {
        let mut stmt = store
            .conn
            .prepare(&format!("SELECT rowid, {key} FROM {table}"))
            .unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.map(Result::unwrap).collect()
    }

    /// Databases that line up, each under a tag starting `prefix`.
    fn lined_up(prefix: &str) -> [(String, String); 4] {
        [
            ("aligned", aligned()),
            ("gapped", gapped()),
            ("sparse", sparse()),
            ("order", in_start_order()),
        ]
        .map(|(tag, rows)| (format!("{prefix}{tag}"), rows))
    }

    #[test]
    fn parts_cut_each_table_where_a_call_begins() {
        for (tag, rows) in lined_up("cut") {
            let d = db(&tag, &rows);
            let store = SqlCalls::open(&d.0.join("calls.db")).unwrap();
            let calls = rows_of(&store, "calls", "key");
            for dir in ["ASC", "DESC"] {
                for arguments in [true, false] {
                    for per in 1..=4 {
                        let Some(mut parts) = store.parts(per, dir, arguments).unwrap() else {
                            assert!(per > 2, "{tag} {per}");
                            continue;
                        };
                        assert!(parts.len() >= 2);
                        if per == 1 {
                            assert!(parts.len() >= 5, "{tag}: {parts:?}");
                        }
                        if dir == "DESC" {
                            parts.reverse();
                        }
                        // Consecutive ranges from MIN to MAX in each table.
                        let ranges = |of: fn(&Part) -> (i64, i64)| {
                            let r: Vec<_> = parts.iter().map(of).collect();
                            assert_eq!(r[0].0, i64::MIN);
                            assert_eq!(r[r.len() - 1].1, i64::MAX);
                            for w in r.windows(2) {
                                assert_eq!(w[0].1 + 1, w[1].0, "{tag}: {r:?}");
                            }
                        };
                        ranges(|p| p.calls);
                        ranges(|p| p.meta);
                        if arguments {
                            ranges(|p| p.args);
                        } else {
                            assert!(parts.iter().all(|p| p.args == Part::ALL));
                        }
                        // A part's calls own exactly its rows.
                        let within = |(lo, hi): (i64, i64), id: i64| lo <= id && id <= hi;
                        let mut owned = vec![("metadata", rows_of(&store, "metadata", "call_key"))];
                        if arguments {
                            owned.push(("arguments", rows_of(&store, "arguments", "call_key")));
                        }
                        for part in &parts {
                            let keys: Vec<&String> = calls
                                .iter()
                                .filter(|(id, _)| within(part.calls, *id))
                                .map(|(_, k)| k)
                                .collect();
                            for (table, rows) in &owned {
                                let range = if *table == "metadata" {
                                    part.meta
                                } else {
                                    part.args
                                };
                                for (id, key) in rows {
                                    assert_eq!(
                                        within(range, *id),
                                        keys.contains(&key),
                                        "{tag} {table} row {id} of {key}, {part:?}"
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn walks_in_parts_find_what_one_walk_finds() {
        let extra = [
            "",
            "INSERT INTO metadata (call_key, name, data) VALUES ('k1', 'tags', '{\"late\": 1}');",
            "INSERT INTO arguments (call_key, position, name, value) VALUES ('gone', 0, 'a', 'v');",
            "INSERT INTO metadata (call_key, name, data) VALUES ('gone', 'runtime', '{}');",
        ];
        let mut fixtures: Vec<(String, String)> = extra
            .iter()
            .enumerate()
            .flat_map(|(i, e)| {
                [
                    (format!("walk{i}"), aligned() + e),
                    (format!("walkg{i}"), gapped() + e),
                    (format!("walks{i}"), sparse() + e),
                    (format!("walko{i}"), in_start_order() + e),
                ]
            })
            .collect();
        // Out of order at one place only, and start times too near for
        // the reading here to tell apart.
        fixtures.push(("walkswap".into(), in_start_order().replace("'s4'", "'s9x'")));
        fixtures.push((
            "walknear".into(),
            in_start_order().replace(&runtime(5.0), &runtime(4.000_000_000_000_01)),
        ));
        let mut seen = FxHashSet::default();
        for (tag, rows) in fixtures {
            let d = db(&tag, &rows);
            let store = SqlCalls::open(&d.0.join("calls.db")).unwrap();
            for dir in ["ASC", "DESC"] {
                for field in ["timestart", "timestop"] {
                    for arguments in [true, false] {
                        let one = layout_of(&store.conn, dir, field, arguments).unwrap();
                        seen.insert(one.code());
                        for per in 1..=3 {
                            let Some(parts) = store.parts(per, dir, arguments).unwrap() else {
                                continue;
                            };
                            for threads in [2, 3] {
                                let found = store
                                    .layout_in_parts(&parts, dir, field, arguments, threads)
                                    .unwrap();
                                assert_eq!(found, one, "{tag} {dir} {field} {arguments} {per}");
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(seen.len(), 3, "every layout met");
    }

    #[test]
    fn parts_read_what_one_merge_reads() {
        for (tag, rows) in lined_up("read") {
            let d = db(&tag, &rows);
            let store = SqlCalls::open(&d.0.join("calls.db")).unwrap();
            for dir in ["ASC", "DESC"] {
                for detail in [Detail::Whole, Detail::MetadataAsText, Detail::Summary] {
                    let mut statements = Merge::statements(&store.conn, dir, detail).unwrap();
                    let mut merge = Merge::new(&mut statements, dir, detail, &Part::WHOLE).unwrap();
                    let mut expected = Vec::new();
                    while let Some(merged) = merge.next().unwrap() {
                        expected.push(merged);
                    }
                    assert!(expected.len() >= 6);
                    for per in 1..=3 {
                        let parts = store.parts(per, dir, detail.arguments()).unwrap();
                        let parts = parts.expect("cut");
                        for threads in [2, 3] {
                            let got = std::thread::scope(|scope| {
                                let mut source = store.read_parts(
                                    scope,
                                    &parts,
                                    per,
                                    threads,
                                    dir,
                                    detail,
                                    &|r| r,
                                );
                                let mut got = Vec::new();
                                while let Some(merged) = source.next().unwrap() {
                                    got.push(merged);
                                }
                                got
                            });
                            assert!(got == expected, "{tag} {dir} {detail:?} {per} {threads}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn records_far_from_their_place_are_looked_up() {
        // The newest call written first and the oldest last: read newest
        // first, one is met last (past the read-ahead) and one first.
        let mut rows = call("first", &[(0, "a")], &[("runtime", &runtime(1e9))]);
        for i in 0..AHEAD + 500 {
            rows += &call(
                &format!("c{i:05}"),
                &[(0, "a")],
                &[("runtime", &runtime(i as f64))],
            );
        }
        rows += &call("last", &[], &[("runtime", &runtime(-1.0))]);
        let d = db("far", &format!("BEGIN; {rows} COMMIT;"));
        let store = SqlCalls::open(&d.0.join("calls.db")).unwrap();
        for opts in every_order() {
            let expected = by_sql(&store, &opts);
            for split in SPLITS {
                let got = merged(&store, &opts, split).expect("lined up");
                assert_eq!(got.len(), expected.len());
                assert!(got == expected, "{opts:?}, {split:?}");
            }
        }
    }

    #[test]
    fn metadata_as_text_is_what_serializing_it_parsed_writes() {
        let d = db("astext", &aligned());
        let store = SqlCalls::open(&d.0.join("calls.db")).unwrap();
        for opts in every_order() {
            let expected = by_sql(&store, &opts);
            for split in SPLITS {
                let (used, got) =
                    merged_with(&store, &opts, Detail::MetadataAsText, split, &|rec| rec);
                assert!(used);
                let mut as_text = 0;
                let got: Vec<Shown> = got
                    .into_iter()
                    .map(|mut rec| match rec.metadata_text.take() {
                        Some(text) => {
                            as_text += 1;
                            let record = rec.clone();
                            rec.metadata = serde_json::from_str(&text).unwrap();
                            // What listings read off the text.
                            let with_text = CallRecord {
                                metadata_text: Some(text.clone()),
                                ..record
                            };
                            assert_eq!(with_text.started(), rec.started());
                            assert_eq!(with_text.stopped(), rec.stopped());
                            assert_eq!(with_text.walltime(), rec.walltime());
                            assert_eq!(
                                with_text.metadata_of_kind("tags").map(|t| t.into_owned()),
                                rec.metadata.get("tags").cloned()
                            );
                            (rec, text)
                        }
                        None => shown(rec),
                    })
                    .collect();
                assert_eq!(got, expected, "{opts:?}");
                // All but k5, whose `extra` SQLite keeps as a number.
                assert_eq!(as_text, 5);
            }
        }
    }

    /// What a summary row shows of a record.
    type Summary = (
        String,
        String,
        Option<String>,
        [Option<f64>; 2],
        Option<Json>,
    );

    fn summary(rec: &CallRecord) -> Summary {
        (
            rec.key.clone(),
            rec.name.clone(),
            rec.module.clone(),
            [rec.started(), rec.walltime()],
            rec.metadata_of_kind("tags").map(|t| t.into_owned()),
        )
    }

    /// The summary listing, or None when it declines.
    fn merged_summary(
        store: &SqlCalls,
        opts: &ListOptions,
        split: Split,
    ) -> Option<Vec<CallRecord>> {
        let (used, out) = merged_with(store, opts, Detail::Summary, split, &|rec| rec);
        used.then_some(out)
    }

    #[test]
    fn summaries_show_what_whole_records_show() {
        let odd = [
            // A kind a summary leaves out, as serde reads it but the
            // compacting does not (a repeated key).
            call("o1", &[(0, "a")], &[("runtime", &runtime(6.0)), ("env", "{\"a\": 1, \"a\": 2}")]),
            // A runtime row with escapes and more fields, tags with escapes.
            call(
                "o3",
                &[(0, "a")],
                &[
                    ("tags", "{\"\\u0070\": \"caf\\u00e9\", \"n\": [1, {}]}"),
                    ("runtime", "{\"x\": [1, 2], \"walltime\": 2E-3, \"timestart\": 8.25, \"note\": \"a\\\"b\"}"),
                ],
            ),
            // A runtime that is not an object, and one with a repeated field.
            call("o4", &[], &[("runtime", "[1, 2]")]),
            call("o5", &[], &[("runtime", "{\"timestart\": 9, \"timestart\": 10}")]),
        ]
        .concat();
        let gone = "INSERT INTO arguments (call_key, position, name, value) \
                    VALUES ('gone', 0, 'a', 'v');";
        for (tag, rows, args_apart) in [
            ("sumaligned", aligned(), false),
            ("sumodd", aligned() + &odd, false),
            // Arguments that do not line up: the summary reads none.
            ("sumgone", aligned() + gone, true),
        ] {
            let d = db(tag, &rows);
            let store = SqlCalls::open(&d.0.join("calls.db")).unwrap();
            for opts in every_order() {
                let expected: Vec<Summary> = by_sql(&store, &opts)
                    .iter()
                    .map(|(r, _)| summary(r))
                    .collect();
                assert!(expected.len() >= 6);
                for split in SPLITS {
                    let got = merged_summary(&store, &opts, split).expect("lined up");
                    let shown: Vec<Summary> = got.iter().map(summary).collect();
                    assert_eq!(shown, expected, "{tag} {opts:?}, {split:?}");
                    // Merged records leave the arguments out (looked-up
                    // ones may carry them).
                    let without = got.iter().filter(|r| r.arguments.is_empty()).count();
                    assert!(without >= 5, "{tag}: {without}");
                    assert_eq!(merged(&store, &opts, split).is_none(), args_apart);
                }
            }
        }
    }
}
