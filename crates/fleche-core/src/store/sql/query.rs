//! The SQL text of listings and counts: a [`CallFilter`] as WHERE clauses
//! in the dialect of SQLite or of PostgreSQL, and the SELECTs that list
//! records in order, whole or in rowid ranges for the parallel listing.

use crate::store::{CallFilter, ListOptions, MetaFilter, SortKey};
use rusqlite::types::Value as SqlValue;
use serde_json::{Number, Value as Json};

/// The columns every record query selects, in this order.
/// Arguments come with their positions and are put in order by `record`:
/// an `ORDER BY` in the subquery sorts each call's few rows in a temporary
/// b-tree (a seventh of SQLite's work in a listing).
pub(super) const RECORD_COLUMNS: &str =
    "c.key, c.name, c.module, c.version, c.code_digest, c.result, \
     (SELECT json_group_array(json_array(CASE typeof(a.position) \
            WHEN 'blob' THEN json_array(hex(a.position)) ELSE a.position END, a.name, a.value)) \
        FROM arguments a WHERE a.call_key = c.key), \
     (SELECT json_group_object(m.name, json(m.data)) FROM metadata m WHERE m.call_key = c.key)";

/// What the filter translation says differently in SQLite and in
/// PostgreSQL: how parameters are bound, and how the metadata JSON in
/// `m.data` is read. A dialect collects the parameters it binds.
pub(in crate::store) trait Dialect {
    /// Whether a lookup in `arguments` or `metadata` lists the calls it
    /// finds (`c.key IN (SELECT call_key …)`, one pass over the table)
    /// rather than testing each call (a correlated `EXISTS`). SQLite
    /// lists: no index serves `value`, and the calls having a metadata
    /// kind come from `ix_metadata_name` in one pass (tags are on few
    /// calls), where a lookup per call costs a probe each.
    const LISTS_LOOKUPS: bool;

    /// Bind a text parameter; the SQL that stands for it.
    fn text(&mut self, s: &str) -> String;

    /// Bind how `m.data` addresses the top-level key `key`.
    fn key(&mut self, key: &str) -> String;

    /// `m.data` has the key `k` (as [`Dialect::key`] bound it).
    fn has_key(&self, k: &str) -> String;

    /// The value at `k` equals the bool `b` under Python's `==`.
    fn equals_bool(&mut self, k: &str, b: bool) -> String;

    /// The value at `k` equals the number `n` under Python's `==`.
    fn equals_number(&mut self, k: &str, n: &Number) -> String;

    /// The value at `k` is the string `s`.
    fn equals_str(&mut self, k: &str, s: &str) -> String;

    /// The runtime row's `timestart` compared by `op` (`>=`, `<=`) with `t`.
    fn timestart(&mut self, op: &str, t: f64) -> String;

    /// The call's runtime `field` (`timestart`, `walltime`), looked up by a
    /// scalar subquery, for sorting.
    fn runtime_value(field: &str) -> String;
}

/// SQLite: `?N` parameters of their own SQL type, JSON read by `json_type`
/// and `json_extract`.
#[derive(Default)]
pub(super) struct Sqlite {
    pub params: Vec<SqlValue>,
}

impl Sqlite {
    pub fn bind(&mut self, v: SqlValue) -> String {
        self.params.push(v);
        format!("?{}", self.params.len())
    }
}

impl Dialect for Sqlite {
    const LISTS_LOOKUPS: bool = true;

    fn text(&mut self, s: &str) -> String {
        self.bind(SqlValue::Text(s.to_string()))
    }

    fn key(&mut self, key: &str) -> String {
        self.text(&json_path(key))
    }

    fn has_key(&self, k: &str) -> String {
        format!("json_type(m.data, {k}) IS NOT NULL")
    }

    fn equals_bool(&mut self, k: &str, b: bool) -> String {
        let p = self.bind(SqlValue::Integer(b as i64));
        format!("json_extract(m.data, {k}) = {p}")
    }

    fn equals_number(&mut self, k: &str, n: &Number) -> String {
        let v = match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or(f64::NAN)),
        };
        let p = self.bind(v);
        format!("json_extract(m.data, {k}) = {p}")
    }

    fn equals_str(&mut self, k: &str, s: &str) -> String {
        let p = self.text(s);
        format!("json_type(m.data, {k}) = 'text' AND json_extract(m.data, {k}) = {p}")
    }

    fn timestart(&mut self, op: &str, t: f64) -> String {
        let p = self.bind(SqlValue::Real(t));
        format!("json_extract(m.data, '$.timestart') {op} {p}")
    }

    fn runtime_value(field: &str) -> String {
        format!(
            "(SELECT json_extract(m.data, '$.{field}') FROM metadata m WHERE m.call_key = c.key AND m.name = 'runtime')"
        )
    }
}

/// A JSON path for one top-level key, quoted as SQLAlchemy quotes it.
fn json_path(key: &str) -> String {
    format!("$.\"{}\"", key.replace('"', "\\\""))
}

/// The table whose rows the first lookup of [`where_clauses`] reads:
/// arguments for an argument with a value, else metadata for a metadata
/// filter; None when there is no such lookup.
pub(super) fn first_lookup(filter: &CallFilter) -> Option<&'static str> {
    if filter.arguments.iter().any(|(_, v)| v.is_some()) {
        Some("arguments")
    } else if !filter.metadata.is_empty() {
        Some("metadata")
    } else {
        None
    }
}

/// Where [`where_split`] puts the rowid range of a split lookup.
const RANGE: &str = "{rowid range}";

/// The conditions of `filter`, to be joined by AND (see [`join_where`]).
pub(in crate::store) fn where_clauses(filter: &CallFilter, d: &mut impl Dialect) -> Vec<String> {
    where_split(filter, d, false)
}

/// [`where_clauses`]; with `split`, the first lookup (see [`first_lookup`])
/// reads only the rows of its table in the range `RANGE` marks.
fn where_split<D: Dialect>(filter: &CallFilter, d: &mut D, mut split: bool) -> Vec<String> {
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
    if !filter.keys.is_empty() {
        let slots: Vec<String> = filter.keys.iter().map(|k| d.text(k)).collect();
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
            let p = d.text(v);
            w.push(format!("{column} = {p}"));
        }
    }
    for (name, value) in &filter.arguments {
        let n = d.text(name);
        w.push(match value {
            Some(v) => {
                let p = d.text(v);
                let conds = format!("a.name = {n} AND a.value = {p}");
                lookup::<D>("arguments", "a", &conds, &range("a"))
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
                let k = d.key(key);
                (kind, format!(" AND {}", d.has_key(&k)))
            }
            MetaFilter::Equals { kind, key, value } => {
                let k = d.key(key);
                let cond = match value {
                    Json::Bool(b) => d.equals_bool(&k, *b),
                    Json::Number(n) => d.equals_number(&k, n),
                    Json::String(s) => d.equals_str(&k, s),
                    // null: fleche treats a None filter as "has the key".
                    Json::Null => d.has_key(&k),
                    // Containers: narrowed to calls having the key; compared after loading.
                    _ => d.has_key(&k),
                };
                (kind, format!(" AND {cond}"))
            }
        };
        let k = d.text(kind);
        let conds = format!("m.name = {k}{cond}");
        w.push(lookup::<D>("metadata", "m", &conds, &range("m")));
    }
    if filter.since.is_some() || filter.until.is_some() {
        let mut cond = String::new();
        if let Some(since) = filter.since {
            cond.push_str(&format!(" AND {}", d.timestart(">=", since)));
        }
        if let Some(until) = filter.until {
            cond.push_str(&format!(" AND {}", d.timestart("<=", until)));
        }
        w.push(format!("EXISTS (SELECT 1 FROM metadata m WHERE m.call_key = c.key AND m.name = 'runtime'{cond})"));
    }
    w
}

/// The calls having a row in `table` (named `alias`) that meets `conds`,
/// the way the dialect looks them up (see [`Dialect::LISTS_LOOKUPS`]);
/// `range` narrows the rows read.
fn lookup<D: Dialect>(table: &str, alias: &str, conds: &str, range: &str) -> String {
    if D::LISTS_LOOKUPS {
        format!("c.key IN (SELECT {alias}.call_key FROM {table} {alias} WHERE {conds}{range})")
    } else {
        format!(
            "EXISTS (SELECT 1 FROM {table} {alias} WHERE {alias}.call_key = c.key AND {conds}{range})"
        )
    }
}

/// ` WHERE` and the conditions joined by AND; nothing without conditions.
pub(in crate::store) fn join_where(w: &[String]) -> String {
    if w.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", w.join(" AND "))
    }
}

/// The expression a listing sorts by, in the dialect `D`.
pub(in crate::store) fn sort_expr<D: Dialect>(sort: SortKey) -> String {
    match sort.runtime_field() {
        Some(field) => D::runtime_value(field),
        None if sort == SortKey::Name => "c.name".to_string(),
        None => "c.key".to_string(),
    }
}

/// `DESC` or `ASC`, as the listing runs.
pub(in crate::store) fn direction(opts: &ListOptions) -> &'static str {
    if opts.descending() {
        "DESC"
    } else {
        "ASC"
    }
}

/// What a listing sorts by: the expression, its direction, the ORDER BY.
struct Order {
    expr: String,
    dir: &'static str,
    by: String,
}

fn order(opts: &ListOptions, filtered: bool) -> Order {
    let expr = sort_expr::<Sqlite>(opts.sort);
    let dir = direction(opts);
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

/// The records of the selected calls in listing order; with a limit, the
/// first so many.
pub(super) fn select_sql(opts: &ListOptions) -> (String, Vec<SqlValue>) {
    let mut q = Sqlite::default();
    let wheres = where_clauses(&opts.filter, &mut q);
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
        return (sql, q.params);
    };
    let limit = q.bind(SqlValue::Integer(limit.min(i64::MAX as u64) as i64));
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
         (SELECT c.key AS k, {sort_expr} AS s FROM calls c{} ORDER BY {order} LIMIT {limit}) o \
         JOIN calls c ON c.key = o.k ORDER BY {outer_order}",
        join_where(&wheres),
    );
    (sql, q.params)
}

/// The number of selected calls.
pub(super) fn count_sql(filter: &CallFilter) -> (String, Vec<SqlValue>) {
    let mut q = Sqlite::default();
    let wheres = where_clauses(filter, &mut q);
    let sql = format!("SELECT count(*) FROM calls c{}", join_where(&wheres));
    (sql, q.params)
}

/// The keys of the selected calls, in listing order, each with its sort
/// value (NULL for a key sort); with `part`, only the calls whose rowid is
/// in a range bound by the last two parameters, per part.
pub(super) fn ordered_keys_sql(opts: &ListOptions, part: bool) -> (String, Vec<SqlValue>) {
    let mut q = Sqlite::default();
    let mut wheres = where_clauses(&opts.filter, &mut q);
    let filtered = !wheres.is_empty();
    if part {
        // A range, not a residue: each part reads only its share of pages.
        let n = q.params.len();
        wheres.push(format!("c.rowid BETWEEN ?{} AND ?{}", n + 1, n + 2));
    }
    let Order { expr, dir, by } = order(opts, filtered);
    let sql = match opts.sort {
        // The runtime field once per call: in ORDER BY it is looked up for
        // each term that names it (a quarter of a 1M-call `query --name`).
        SortKey::Started | SortKey::Stopped | SortKey::Walltime => format!(
            "WITH o AS MATERIALIZED (SELECT c.key AS k, {expr} AS s FROM calls c{}) \
             SELECT k, s FROM o ORDER BY s IS NULL, s {dir}, k {dir}",
            join_where(&wheres)
        ),
        SortKey::Name | SortKey::Key => by_name_or_key("c.key", opts, &by, &wheres),
    };
    (sql, q.params)
}

/// The records of a filtered listing whose row in `source` (calls, or
/// the table of the filter's first lookup) is in one rowid range (the last
/// two parameters), in listing order, each with its sort value last.
pub(super) fn ordered_records_sql(opts: &ListOptions, source: &str) -> (String, Vec<SqlValue>) {
    let mut q = Sqlite::default();
    let mut wheres = where_split(&opts.filter, &mut q, source != "calls");
    if source == "calls" {
        wheres.push(format!("c.rowid BETWEEN {RANGE}"));
    }
    let bounds = format!("?{} AND ?{}", q.params.len() + 1, q.params.len() + 2);
    for w in &mut wheres {
        *w = w.replace(RANGE, &bounds);
    }
    let Order { expr, dir, by } = order(opts, true);
    let sql = match opts.sort {
        // The runtime row found by the call's key alone, like the metadata
        // column finds its rows: its pages are then in the cache (a third
        // fewer page reads than through the (call_key, name) index).
        SortKey::Started | SortKey::Stopped | SortKey::Walltime => format!(
            "SELECT {RECORD_COLUMNS}, {} FROM calls c{} ORDER BY 9 {dir} NULLS LAST, c.key {dir}",
            expr.replace("AND m.name =", "AND +m.name ="),
            join_where(&wheres)
        ),
        SortKey::Name | SortKey::Key => by_name_or_key(RECORD_COLUMNS, opts, &by, &wheres),
    };
    (sql, q.params)
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

/// The keys of the calls whose runtime row has `field`, in listing order
/// (one scan of the runtime rows; keys of calls that are gone come too),
/// and the keys of the calls without it, which sort last.
pub(super) fn runtime_keys_sql(field: &str, reverse: bool) -> (String, String) {
    let dir = if reverse { "ASC" } else { "DESC" };
    let with = format!(
        "SELECT call_key FROM metadata WHERE +name = 'runtime' \
         AND json_extract(data, '$.{field}') IS NOT NULL \
         ORDER BY json_extract(data, '$.{field}') {dir}, call_key {dir}"
    );
    let without = format!(
        "SELECT c.key FROM calls c WHERE NOT EXISTS (SELECT 1 FROM metadata m \
         WHERE m.call_key = c.key AND m.name = 'runtime' \
         AND json_extract(m.data, '$.{field}') IS NOT NULL) ORDER BY c.key {dir}"
    );
    (with, without)
}
