//! The calls `fleche why` compares (see [`crate::store::near`]) in one
//! statement. Each criterion alone is a query of its own; run one by one,
//! every criterion naming an argument scanned the whole `arguments` table
//! (no index serves `value`): eight scans for three arguments. Here one
//! scan finds, for every call sharing any argument given, which ones it
//! shares (a bit each), and each criterion picks its first calls by key
//! from that small set; only the same-name criterion with no argument
//! reads `calls` itself.

use super::query::RECORD_COLUMNS;
use super::rows::record;
use super::SqlCalls;
use crate::store::near::{criteria, Criterion};
use crate::store::{CallRecord, NearQuery, StoreError};
use rusqlite::types::Value as SqlValue;

impl SqlCalls {
    /// The calls of [`crate::store::near::filters`], each once, in the
    /// order asking the filters one by one gives them: by the first
    /// criterion finding the call, then by key. None when the query has
    /// more arguments than the statement can tell apart.
    pub fn near(&self, q: &NearQuery) -> Result<Option<Vec<CallRecord>>, StoreError> {
        let Some((sql, params)) = near_sql(q) else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), record)
            .map_err(|e| self.sql_err(e))?;
        let records: Result<Vec<CallRecord>, _> = rows.collect();
        records.map(Some).map_err(|e| self.sql_err(e))
    }
}

/// The statement of [`SqlCalls::near`] and its parameters.
fn near_sql(q: &NearQuery) -> Option<(String, Vec<SqlValue>)> {
    let criteria = criteria(q)?;
    let mut params = vec![SqlValue::Text(q.name.clone())];
    // `?1` is the name; argument i is `a.name = ?(2+2i) AND a.value = ?(3+2i)`.
    let mut matches = Vec::new();
    for (n, d) in &q.arguments {
        params.push(SqlValue::Text(n.clone()));
        params.push(SqlValue::Text(d.clone()));
        let p = params.len();
        matches.push(format!("(a.name = ?{} AND a.value = ?{p})", p - 1));
    }
    let limit = |l: u64| l.min(i64::MAX as u64);
    let mut with = String::new();
    if !matches.is_empty() {
        // Which of the arguments each call sharing one has: a bit each, set
        // by max() (a call has one row per argument name, but a database
        // need not say so). NOT INDEXED: for its GROUP BY, SQLite would
        // walk the (call_key, name) index and look every row up.
        let bits: Vec<String> = matches
            .iter()
            .enumerate()
            .map(|(i, m)| format!("(max({m}) << {i})"))
            .collect();
        with = format!(
            "s AS MATERIALIZED (SELECT a.call_key AS k, {} AS mask \
             FROM arguments a NOT INDEXED WHERE {} GROUP BY a.call_key), \
             sc AS MATERIALIZED (SELECT s.k AS k, s.mask AS mask, c.name = ?1 AS same \
             FROM s JOIN calls c ON c.key = s.k), ",
            bits.join(" | "),
            matches.join(" OR "),
        );
    }
    let picks: Vec<String> = criteria
        .iter()
        .enumerate()
        .map(|(rank, c)| {
            let pick = match *c {
                // Any call of the name: a scan of the calls, sorted (walking
                // the key index instead looks up every call in key order,
                // all of them for a rare name).
                Criterion::SameName { mask: 0, limit: l } => format!(
                    "SELECT c.key, {rank} FROM calls c WHERE c.name = ?1 \
                     ORDER BY +c.key LIMIT {}",
                    limit(l)
                ),
                Criterion::SameName { mask, limit: l } if mask.count_ones() > 1 => format!(
                    "SELECT k, {rank} FROM sc WHERE same AND mask & {mask} = {mask} \
                     ORDER BY k LIMIT {}",
                    limit(l)
                ),
                Criterion::SameName { mask, limit: l } => format!(
                    "SELECT k, {rank} FROM sc WHERE same AND mask & {mask} \
                     ORDER BY k LIMIT {}",
                    limit(l)
                ),
                Criterion::Sharing { index, limit: l } => format!(
                    "SELECT k, {rank} FROM sc WHERE mask & {} ORDER BY k LIMIT {}",
                    1u64 << index,
                    limit(l)
                ),
            };
            format!("SELECT * FROM ({pick})")
        })
        .collect();
    let sql = format!(
        "WITH {with}u(k, rank) AS ({}) \
         SELECT {RECORD_COLUMNS} FROM (SELECT k, min(rank) AS rank FROM u GROUP BY k) o \
         JOIN calls c ON c.key = o.k ORDER BY o.rank, o.k",
        picks.join(" UNION ALL ")
    );
    Some((sql, params))
}
