//! `ls -n N` sorted by start or wall time, without a filter: the first N
//! from one pass over the `runtime` rows.

use super::rows::SortValue;
use super::SqlCalls;
use crate::store::{CallFilter, CallRecord, ListOptions, StoreError};

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
