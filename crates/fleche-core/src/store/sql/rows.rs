//! A result row of the record SELECTs as a [`CallRecord`], and column
//! values as SQLite sorts them.

use crate::store::CallRecord;
use rusqlite::Row;
use serde_json::{Map, Value as Json};

pub(super) fn record(row: &Row<'_>) -> rusqlite::Result<CallRecord> {
    let version = version_cell(row.get_ref(3)?);
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
    Ok(CallRecord {
        key: row.get(0)?,
        name: row.get(1)?,
        module: row.get(2)?,
        version,
        code_digest: row.get(4)?,
        result: row.get(5)?,
        arguments,
        metadata: metadata_of(meta_json),
    })
}

/// The `version` column: the JSON fleche stores (an int or a string), or
/// the text itself when it is not JSON.
pub(in crate::store) fn version_of(text: Option<String>) -> Option<Json> {
    text.map(|v| serde_json::from_str(&v).unwrap_or(Json::String(v)))
}

/// The `version` cell as fleche reads it back: JSON text since fleche
/// 0.11; fleche 0.10 declared the column `INTEGER`, so SQLite kept
/// `version=2` as the integer 2, `"1.2"` as the real 1.2 and a non-numeric
/// string as its text, and fleche 0.10 returns them as such.
pub(super) fn version_cell(cell: rusqlite::types::ValueRef<'_>) -> Option<Json> {
    use rusqlite::types::ValueRef;
    match cell {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(Json::from(i)),
        ValueRef::Real(r) => Some(
            serde_json::Number::from_f64(r)
                .map(Json::Number)
                .unwrap_or_else(|| Json::String(r.to_string())),
        ),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            version_of(Some(String::from_utf8_lossy(t).into_owned()))
        }
    }
}

/// The metadata column, a JSON object by kind (empty when there is none
/// or it does not read).
pub(in crate::store) fn metadata_of(text: Option<String>) -> Map<String, Json> {
    text.and_then(|s| serde_json::from_str::<Map<String, Json>>(&s).ok())
        .unwrap_or_default()
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

/// A sort field as SQLite orders it: numbers (integers and reals compared
/// by value) before text (compared bytewise) before blobs.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum SortValue {
    Int(i64),
    Real(f64),
    Text(Box<str>),
    Blob(Box<[u8]>),
}

impl SortValue {
    pub fn of(v: rusqlite::types::ValueRef<'_>) -> Option<SortValue> {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(SortValue::Int(i)),
            ValueRef::Real(r) => Some(SortValue::Real(r)),
            ValueRef::Text(t) => Some(SortValue::Text(String::from_utf8_lossy(t).into())),
            ValueRef::Blob(b) => Some(SortValue::Blob(b.into())),
        }
    }

    pub fn cmp(&self, other: &SortValue) -> std::cmp::Ordering {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::query::RECORD_COLUMNS;
    use rusqlite::Connection;

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
}
