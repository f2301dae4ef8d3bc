//! `ls -n N` sorted by start or wall time, without a filter: the first N
//! from the persistent index when it is current, else from one pass over
//! the `runtime` rows (which builds the index). The same for `--since` /
//! `--until` alone, sorted by start time: the calls in the range.

use super::rows::SortValue;
use super::SqlCalls;
use crate::index::times::{hex, First, Range};
use crate::prefix::{self, KeyBytes};
use crate::store::{CallFilter, CallRecord, ListOptions, SortKey, StoreError};

/// The most calls a time range answers by looking each up: past that, the
/// general listing (parallel, one pass) builds their records faster.
const RANGE_MAX: usize = 200_000;

impl SqlCalls {
    /// `ls -n N` (no filter, sorted by start or wall time): the first N from
    /// one pass over the `runtime` rows, kept in a bounded heap, instead of
    /// a lookup of every call's runtime row (a million random B-tree probes
    /// at a million calls; SQLite's own `ORDER BY … LIMIT` over the pass is
    /// twice as slow as the pass). None when this does not apply, or when
    /// fewer than N calls have the field (the calls without it, sorted
    /// last, need the general query).
    pub(super) fn first_by_runtime(
        &self,
        opts: &ListOptions,
    ) -> Result<Option<Vec<CallRecord>>, StoreError> {
        let Some(field) = opts.sort.runtime_field() else {
            return Ok(None);
        };
        let Some(limit) = opts.limit.filter(|&l| l > 0 && l <= 10_000) else {
            return Ok(None);
        };
        if opts.filter != CallFilter::default() {
            return Ok(None);
        }
        let limit = limit as usize;
        match self.times.first(field, limit, opts.reverse) {
            First::Keys(keys) => return self.records_of(&keys),
            First::Short => return Ok(None),
            First::Unknown => {}
        }
        // No current index: this pass over every runtime row builds one.
        let pending = self.times.before_scan(field);
        let mut every: Option<Vec<(f64, KeyBytes)>> = pending.as_ref().map(|_| Vec::new());
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
            if let Some(all) = every.as_mut() {
                match (as_number(&value), prefix::key_bytes(key)) {
                    (Some(v), Some(k)) => all.push((v, k)),
                    // A value or key the index cannot order as SQLite does.
                    _ => every = None,
                }
            }
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
        drop(rows);
        drop(stmt);
        if let (Some(pending), Some(all)) = (pending, every) {
            self.times.save(pending, all);
        }
        if heap.len() < limit {
            return Ok(None);
        }
        let keys: Vec<String> = heap.into_sorted_vec().into_iter().map(|r| r.key).collect();
        self.records_of(&keys)
    }

    /// `--since`/`--until` and nothing else, sorted by start time: the
    /// calls whose runtime `timestart` is in the range, from the index's
    /// sorted rows (two binary searches) or, on the question that builds
    /// it, from that pass over the runtime rows, instead of a
    /// lookup of every call's runtime row (1.4-2.2 s at a million calls). None
    /// when this does not apply or cannot be exact (a `timestart` that is
    /// no number, a call that is gone, too many calls in range).
    pub(crate) fn in_start_range(
        &self,
        opts: &ListOptions,
    ) -> Result<Option<Vec<CallRecord>>, StoreError> {
        let f = &opts.filter;
        if opts.sort != SortKey::Started || (f.since.is_none() && f.until.is_none()) {
            return Ok(None);
        }
        let only_times = CallFilter {
            since: f.since,
            until: f.until,
            ..CallFilter::default()
        };
        let (lo, hi) = (f.since, f.until);
        if *f != only_times || lo.is_some_and(f64::is_nan) || hi.is_some_and(f64::is_nan) {
            return Ok(None);
        }
        let keys = match self.times.range("timestart", lo, hi, RANGE_MAX) {
            Range::Keys(keys) => keys,
            Range::TooMany => return Ok(None),
            Range::Unknown => match self.scan_start_range(lo, hi)? {
                Some(keys) => keys,
                None => return Ok(None),
            },
        };
        let limit = opts
            .limit
            .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        // Ascending by (timestart, key): newest first unless reversed.
        let keys: Vec<String> = if opts.reverse {
            keys.iter().take(limit).map(hex).collect()
        } else {
            keys.iter().rev().take(limit).map(hex).collect()
        };
        self.records_of(&keys)
    }

    /// One pass over the runtime rows that builds the index, when it is
    /// wanted: the keys whose `timestart` is in the range, ascending by
    /// (timestart, key). None when the index is not wanted yet, a value or
    /// key is one the index cannot order as SQLite does, too many are in
    /// range, or a key repeats.
    fn scan_start_range(
        &self,
        lo: Option<f64>,
        hi: Option<f64>,
    ) -> Result<Option<Vec<KeyBytes>>, StoreError> {
        // Without an index to build, SQL's own plan costs no more (1.4 s
        // against 1.6 s at a million calls): a question asked once is
        // answered as before.
        let Some(pending) = self.times.before_scan("timestart") else {
            return Ok(None);
        };
        let mut every: Vec<(f64, KeyBytes)> = Vec::new();
        let mut inside: Vec<(f64, KeyBytes)> = Vec::new();
        let sql = "SELECT call_key, json_extract(data, '$.timestart') FROM metadata WHERE name = 'runtime'";
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.sql_err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql_err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql_err(e))? {
            let Some(value) = SortValue::of(row.get_ref(1).map_err(|e| self.sql_err(e))?) else {
                continue;
            };
            let key = row.get_ref(0).map_err(|e| self.sql_err(e))?;
            let (Some(v), Some(k)) = (
                as_number(&value),
                key.as_str().ok().and_then(prefix::key_bytes),
            ) else {
                return Ok(None);
            };
            every.push((v, k));
            if lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi) {
                inside.push((v, k));
            }
        }
        drop(rows);
        drop(stmt);
        self.times.save(pending, every);
        if inside.len() > RANGE_MAX {
            return Ok(None);
        }
        inside.sort_unstable_by(crate::index::times::order);
        let keys: Vec<KeyBytes> = inside.into_iter().map(|(_, k)| k).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0] == w[1]) {
            return Ok(None);
        }
        Ok(Some(keys))
    }

    /// The records of `keys`, in order; None when one is gone (metadata of
    /// a call that is not there: the general query knows what to list).
    fn records_of(&self, keys: &[String]) -> Result<Option<Vec<CallRecord>>, StoreError> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            match self.get(key)? {
                Some(rec) => out.push(rec),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }
}

/// The value as an f64 that orders exactly as SQLite orders it among
/// numbers (None for text, blobs, and integers beyond 2^53).
fn as_number(v: &SortValue) -> Option<f64> {
    match v {
        SortValue::Int(i) if i.unsigned_abs() <= 1 << 53 => Some(*i as f64),
        SortValue::Real(r) if !r.is_nan() => Some(*r),
        _ => None,
    }
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
