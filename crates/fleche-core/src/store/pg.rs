//! SQL call storage on a PostgreSQL server (fleche's `calls = {type = "sql",
//! url = "postgresql://..."}`), with the same answers as on SQLite: filters
//! run in the server with Python's equality for metadata (`1 == 1.0 ==
//! True`, `"1" != 1`), which fleche's own casts do not always manage.

use super::filter::{count_by_listing, Residual};
use super::sql::query::{direction, join_where, sort_expr, where_clauses, Dialect};
use super::sql::rows::{metadata_of, version_of};
use super::{
    python_json_dumps, CallFilter, CallRecord, FunctionStats, ListOptions, SortKey, StoreError,
};
use crate::store::sql_write::TagChange;
use postgres::{Client, NoTls};
use serde_json::{Map, Value as Json};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Mutex;

/// A connection to a fleche call database on PostgreSQL.
pub struct PgCalls {
    /// Streams `for_each` results (held for the whole scan)...
    stream: Mutex<Client>,
    /// ...while point queries made from inside a scan use this one.
    client: Mutex<Client>,
    /// The URL with any password masked, for messages.
    shown: String,
    /// The URL as configured, for opening a writer; never shown.
    url: String,
}

pub use crate::config::mask_password;

/// A line of `~/.pgpass` (`host:port:database:user:password`, `*` matches
/// anything, `\:` and `\\` escape).
fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => field.extend(chars.next()),
            ':' => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Lock a call's row for the rest of the transaction (so that a tag and an
/// evict cannot interleave); false if there is no such call.
fn lock_call(tx: &mut postgres::Transaction<'_>, key: &str) -> Result<bool, postgres::Error> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM calls WHERE key = $1::text FOR UPDATE",
            &[&key],
        )?
        .is_some())
}

/// Whether fleche's `calls` table exists.
fn has_calls_table(c: &mut impl postgres::GenericClient) -> Result<bool, postgres::Error> {
    Ok(c.query_one("SELECT to_regclass('calls') IS NOT NULL", &[])?
        .get(0))
}

/// Remove a call's rows (explicit deletes, as the SQLite writer does).
fn delete_call(tx: &mut postgres::Transaction<'_>, key: &str) -> Result<(), postgres::Error> {
    for sql in [
        "DELETE FROM arguments WHERE call_key = $1::text",
        "DELETE FROM metadata WHERE call_key = $1::text",
        "DELETE FROM calls WHERE key = $1::text",
    ] {
        tx.execute(sql, &[&key])?;
    }
    Ok(())
}

fn pgpass_lookup(host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let path = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| crate::config::home_dir().map(|h| h.join(".pgpass")))?;
    let text = std::fs::read_to_string(path).ok()?;
    let port = port.to_string();
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f = pgpass_fields(line);
        if f.len() < 5 {
            continue;
        }
        let ok = |pat: &str, v: &str| pat == "*" || pat == v;
        if ok(&f[0], host) && ok(&f[1], &port) && ok(&f[2], db) && ok(&f[3], user) {
            return Some(f[4].clone());
        }
    }
    None
}

/// Connect with credentials from the URL, `PGPASSWORD`, or `~/.pgpass`.
/// SQLAlchemy's `postgresql+driver://` scheme is accepted.
pub fn connect(url: &str) -> Result<Client, StoreError> {
    let shown = mask_password(url);
    let (_, rest) = url.split_once("://").ok_or_else(|| StoreError::NotAUrl {
        path: PathBuf::from(&shown),
    })?;
    let libpq = format!("postgresql://{rest}");
    let mut config: postgres::Config = libpq
        .parse()
        .map_err(|e: postgres::Error| StoreError::open(&shown, e))?;
    if config.get_user().is_none() {
        if let Ok(u) = std::env::var("PGUSER").or_else(|_| std::env::var("USER")) {
            config.user(&u);
        }
    }
    if config.get_password().is_none() {
        let password = std::env::var("PGPASSWORD")
            .ok()
            .filter(|p| !p.is_empty())
            .or_else(|| {
                let host = match config.get_hosts().first() {
                    Some(postgres::config::Host::Tcp(h)) => h.clone(),
                    _ => "localhost".into(),
                };
                let port = config.get_ports().first().copied().unwrap_or(5432);
                pgpass_lookup(
                    &host,
                    port,
                    config.get_dbname().unwrap_or(""),
                    config.get_user().unwrap_or(""),
                )
            });
        if let Some(p) = password {
            config.password(p);
        }
    }
    config
        .connect(NoTls)
        .map_err(|e| StoreError::open(&shown, e))
}

/// Every parameter is bound as text and cast in SQL, so one list of
/// strings serves every query.
struct Params(Vec<String>);

impl Params {
    fn bind(&mut self, v: impl Into<String>) -> String {
        self.0.push(v.into());
        // Typed text on the wire, cast by the SQL around it.
        format!("(${}::text)", self.0.len())
    }

    fn refs(&self) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
        self.0
            .iter()
            .map(|s| s as &(dyn postgres::types::ToSql + Sync))
            .collect()
    }

    /// The value at `k` is a number or bool equal to the number `n`
    /// (`1 == 1.0 == True`).
    fn equals_numeric(&mut self, k: &str, n: String) -> String {
        let v = self.bind(n);
        format!(
            "((json_typeof(m.data -> {k}) = 'number' AND (m.data ->> {k})::numeric = {v}::numeric) \
             OR (json_typeof(m.data -> {k}) = 'boolean' \
             AND (CASE WHEN (m.data ->> {k})::boolean THEN 1 ELSE 0 END) = {v}::numeric))"
        )
    }
}

/// PostgreSQL: `$N` text parameters cast where needed, JSON read by `->`,
/// `->>` and `json_typeof`, and numbers compared as `numeric`, where
/// fleche's own casts do not always manage Python's equality.
impl Dialect for Params {
    const LISTS_LOOKUPS: bool = false;

    fn text(&mut self, s: &str) -> String {
        self.bind(s)
    }

    fn key(&mut self, key: &str) -> String {
        self.bind(key)
    }

    fn has_key(&self, k: &str) -> String {
        format!("json_typeof(m.data -> {k}) IS NOT NULL")
    }

    fn equals_bool(&mut self, k: &str, b: bool) -> String {
        self.equals_numeric(k, (b as u8).to_string())
    }

    fn equals_number(&mut self, k: &str, n: &serde_json::Number) -> String {
        self.equals_numeric(k, n.to_string())
    }

    fn equals_str(&mut self, k: &str, s: &str) -> String {
        let v = self.bind(s);
        format!("json_typeof(m.data -> {k}) = 'string' AND m.data ->> {k} = {v}")
    }

    fn timestart(&mut self, op: &str, t: f64) -> String {
        let p = self.bind(t.to_string());
        format!("(m.data ->> 'timestart')::float8 {op} {p}::float8")
    }

    fn runtime_value(field: &str) -> String {
        format!("(SELECT (m.data ->> '{field}')::float8 FROM metadata m WHERE m.call_key = c.key AND m.name = 'runtime')")
    }
}

const RECORD_COLUMNS: &str = "c.key, c.name, c.module, c.version, c.code_digest, c.result, \
     (SELECT json_agg(json_build_array(a.name, a.value) ORDER BY a.position) FROM arguments a WHERE a.call_key = c.key)::text, \
     (SELECT json_object_agg(m.name, m.data) FROM metadata m WHERE m.call_key = c.key)::text";

fn record(row: &postgres::Row) -> Result<CallRecord, postgres::Error> {
    let version: Option<String> = row.try_get(3)?;
    let args: Option<String> = row.try_get(6)?;
    let meta: Option<String> = row.try_get(7)?;
    Ok(CallRecord {
        key: row.try_get(0)?,
        name: row.try_get(1)?,
        module: row.try_get(2)?,
        version: version_of(version),
        code_digest: row.try_get(4)?,
        result: row.try_get(5)?,
        arguments: args
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
        metadata: metadata_of(meta),
        metadata_text: None,
    })
}

impl PgCalls {
    /// Connect read-only: the session refuses writes.
    pub fn open(url: &str) -> Result<PgCalls, StoreError> {
        let shown = mask_password(url);
        let read_only = |mut c: Client| -> Result<Client, StoreError> {
            c.batch_execute("SET default_transaction_read_only = on")
                .map_err(|e| StoreError::open(&shown, e))?;
            Ok(c)
        };
        let client = read_only(connect(url)?)?;
        let stream = read_only(connect(url)?)?;
        let store = PgCalls {
            stream: Mutex::new(stream),
            client: Mutex::new(client),
            shown: shown.clone(),
            url: url.to_string(),
        };
        for table in ["calls", "arguments", "metadata"] {
            let found: i64 = store
                .one(&format!("SELECT count(*) FROM information_schema.tables WHERE table_name = '{table}'"), &Params(vec![]))?
                .try_get(0)
                .map_err(|e| store.err(e))?;
            if found == 0 {
                return Err(StoreError::Schema {
                    path: PathBuf::from(&store.shown),
                    table,
                });
            }
        }
        Ok(store)
    }

    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// A separate read-write connection for `tag` and `evict`.
    pub fn writer(&self) -> Result<PgWriter, StoreError> {
        PgWriter::open(&self.url)
    }

    fn err(&self, e: postgres::Error) -> StoreError {
        StoreError::sql(&self.shown, e)
    }

    fn client(&self) -> std::sync::MutexGuard<'_, Client> {
        self.client.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn one(&self, sql: &str, p: &Params) -> Result<postgres::Row, StoreError> {
        self.client()
            .query_one(sql, &p.refs())
            .map_err(|e| self.err(e))
    }

    fn all(&self, sql: &str, p: &Params) -> Result<Vec<postgres::Row>, StoreError> {
        self.client().query(sql, &p.refs()).map_err(|e| self.err(e))
    }

    pub fn get(&self, key: &str) -> Result<Option<CallRecord>, StoreError> {
        let mut p = Params(vec![]);
        let k = p.bind(key);
        let sql = format!("SELECT {RECORD_COLUMNS} FROM calls c WHERE c.key = {k}");
        match self.all(&sql, &p)?.first() {
            Some(row) => Ok(Some(record(row).map_err(|e| self.err(e))?)),
            None => Ok(None),
        }
    }

    pub fn for_each(
        &self,
        opts: &ListOptions,
        f: impl FnMut(CallRecord) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let mut p = Params(vec![]);
        let wheres = where_clauses(&opts.filter, &mut p);
        let expr = sort_expr::<Params>(opts.sort);
        let dir = direction(opts);
        let order = if opts.sort == SortKey::Key {
            format!("c.key {dir}")
        } else {
            format!("({expr}) IS NULL, {expr} {dir}, c.key {dir}")
        };
        let mut sql = format!(
            "SELECT {RECORD_COLUMNS} FROM calls c{} ORDER BY {order}",
            join_where(&wheres)
        );
        let residual = Residual::of(&opts.filter);
        if let Some(limit) = residual.sql_options(opts).limit {
            sql.push_str(&format!(" LIMIT {}::bigint", p.bind(limit.to_string())));
        }
        let mut client = self.stream.lock().unwrap_or_else(|p| p.into_inner());
        let mut rows = client
            .query_raw(sql.as_str(), p.refs())
            .map_err(|e| self.err(e))?;
        use postgres::fallible_iterator::FallibleIterator;
        let next = || match rows.next() {
            Ok(Some(row)) => record(&row).map(Some),
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        };
        residual.feed(opts.limit, next, f).map_err(|e| self.err(e))
    }

    pub fn count_matching(&self, filter: &CallFilter) -> Result<u64, StoreError> {
        if let Some(n) = count_by_listing(filter, |opts, f| self.for_each(opts, f))? {
            return Ok(n);
        }
        let mut p = Params(vec![]);
        let wheres = where_clauses(filter, &mut p);
        let n: i64 = self
            .one(
                &format!("SELECT count(*) FROM calls c{}", join_where(&wheres)),
                &p,
            )?
            .try_get(0)
            .map_err(|e| self.err(e))?;
        Ok(n as u64)
    }

    /// Every call key, sorted.
    pub fn sorted_keys(&self) -> Result<Vec<String>, StoreError> {
        self.all("SELECT key FROM calls ORDER BY key", &Params(vec![]))?
            .iter()
            .map(|r| r.try_get(0).map_err(|e| self.err(e)))
            .collect()
    }

    pub fn keys_with_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let mut p = Params(vec![]);
        let lo = p.bind(prefix);
        // Hex keys order the same way in every collation; `~` sorts after them.
        let hi = p.bind(format!("{prefix}~"));
        let l = p.bind(limit.to_string());
        let sql = format!("SELECT key FROM calls WHERE key >= {lo} AND key < {hi} AND key LIKE {lo} || '%' ORDER BY key LIMIT {l}::bigint");
        self.all(&sql, &p)?
            .iter()
            .map(|r| r.try_get(0).map_err(|e| self.err(e)))
            .collect()
    }

    pub fn neighbours(&self, key: &str) -> Result<(Option<String>, Option<String>), StoreError> {
        let mut p = Params(vec![]);
        let k = p.bind(key);
        let row = self.one(
            &format!("SELECT (SELECT max(key) FROM calls WHERE key < {k}), (SELECT min(key) FROM calls WHERE key > {k})"),
            &p,
        )?;
        Ok((
            row.try_get(0).map_err(|e| self.err(e))?,
            row.try_get(1).map_err(|e| self.err(e))?,
        ))
    }

    pub fn calls_using(&self, digest: &str) -> Result<Vec<(String, String)>, StoreError> {
        let mut p = Params(vec![]);
        let d = p.bind(digest);
        let sql = format!(
            "SELECT call_key, 'argument ' || name FROM arguments WHERE value = {d} \
             UNION ALL SELECT key, 'result' FROM calls WHERE result = {d} ORDER BY 1"
        );
        self.all(&sql, &p)?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get(0).map_err(|e| self.err(e))?,
                    r.try_get(1).map_err(|e| self.err(e))?,
                ))
            })
            .collect()
    }

    pub fn function_stats(&self) -> Result<Vec<FunctionStats>, StoreError> {
        let sql = "SELECT c.name, c.module, count(*), \
                   coalesce(sum((m.data ->> 'walltime')::float8), 0), \
                   min((m.data ->> 'timestart')::float8), max((m.data ->> 'timestart')::float8), \
                   count(*) FILTER (WHERE c.result IS NULL) \
                   FROM calls c LEFT JOIN metadata m ON m.call_key = c.key AND m.name = 'runtime' \
                   GROUP BY c.name, c.module ORDER BY count(*) DESC, c.name";
        self.all(sql, &Params(vec![]))?
            .iter()
            .map(|r| {
                let g = |e: postgres::Error| self.err(e);
                Ok(FunctionStats {
                    name: r.try_get(0).map_err(g)?,
                    module: r.try_get(1).map_err(g)?,
                    calls: r.try_get::<_, i64>(2).map_err(g)? as u64,
                    walltime: r.try_get(3).map_err(g)?,
                    first: r.try_get(4).map_err(g)?,
                    last: r.try_get(5).map_err(g)?,
                    unfinished: r.try_get::<_, i64>(6).map_err(g)? as u64,
                })
            })
            .collect()
    }
}

/// Writes to a PostgreSQL call store, each change one transaction with the
/// call rows locked, safe beside fleche's own writers.
pub struct PgWriter {
    client: Client,
    shown: String,
}

impl PgWriter {
    pub fn open(url: &str) -> Result<PgWriter, StoreError> {
        Ok(PgWriter {
            client: connect(url)?,
            shown: mask_password(url),
        })
    }

    pub fn tag(
        &mut self,
        keys: &[String],
        set: &Map<String, Json>,
        unset: &[String],
        dry_run: bool,
    ) -> Result<Vec<TagChange>, StoreError> {
        let shown = self.shown.clone();
        let err = |e: postgres::Error| StoreError::sql(&shown, e);
        let mut tx = self.client.transaction().map_err(err)?;
        let mut changes = Vec::new();
        for key in keys {
            if !lock_call(&mut tx, key).map_err(err)? {
                continue;
            }
            let before: Option<Map<String, Json>> = tx
                .query_opt("SELECT data::text FROM metadata WHERE call_key = $1::text AND name = 'tags' FOR UPDATE", &[key])
                .map_err(err)?
                .and_then(|r| r.get::<_, Option<String>>(0))
                .and_then(|t| serde_json::from_str(&t).ok());
            let after = super::merge_tags(before.as_ref(), set, unset);
            let change = TagChange {
                key: key.clone(),
                before,
                after,
            };
            if !dry_run && change.changed() {
                match &change.after {
                    Some(t) => {
                        let text = python_json_dumps(&Json::Object(t.clone()));
                        tx.execute(
                            "INSERT INTO metadata (call_key, name, data) VALUES ($1::text, 'tags', $2::text::json) \
                             ON CONFLICT (call_key, name) DO UPDATE SET data = excluded.data",
                            &[key, &text],
                        )
                        .map_err(err)?;
                    }
                    None => {
                        tx.execute(
                            "DELETE FROM metadata WHERE call_key = $1::text AND name = 'tags'",
                            &[key],
                        )
                        .map_err(err)?;
                    }
                }
            }
            changes.push(change);
        }
        if dry_run {
            tx.rollback().map_err(err)?;
        } else {
            tx.commit().map_err(err)?;
        }
        Ok(changes)
    }

    pub fn evict(&mut self, keys: &[String], dry_run: bool) -> Result<Vec<String>, StoreError> {
        let shown = self.shown.clone();
        let err = |e: postgres::Error| StoreError::sql(&shown, e);
        let mut tx = self.client.transaction().map_err(err)?;
        let mut removed = Vec::new();
        for key in keys {
            if !lock_call(&mut tx, key).map_err(err)? {
                continue;
            }
            if !dry_run {
                delete_call(&mut tx, key).map_err(err)?;
            }
            removed.push(key.clone());
        }
        if dry_run {
            tx.rollback().map_err(err)?;
        } else {
            tx.commit().map_err(err)?;
        }
        Ok(removed)
    }

    /// File records under new keys in one transaction, as the SQLite
    /// writer does ([`super::sql_write::SqlWriter::rekey`]).
    pub fn rekey(
        &mut self,
        moves: &[super::sql_write::Rekey],
        keep: bool,
        overwrite: bool,
        dry_run: bool,
    ) -> Result<Vec<super::sql_write::RekeyOutcome>, StoreError> {
        use super::sql_write::RekeyOutcome;
        let shown = self.shown.clone();
        let err = |e: postgres::Error| StoreError::sql(&shown, e);
        let mut tx = self.client.transaction().map_err(err)?;
        let mut out = Vec::with_capacity(moves.len());
        for m in moves {
            if !lock_call(&mut tx, &m.old).map_err(err)? {
                out.push(RekeyOutcome::Missing);
                continue;
            }
            let taken = m.new != m.old && lock_call(&mut tx, &m.new).map_err(err)?;
            if taken && !overwrite {
                out.push(RekeyOutcome::Exists);
                continue;
            }
            out.push(RekeyOutcome::Done);
            if dry_run || m.new == m.old {
                continue;
            }
            if taken {
                delete_call(&mut tx, &m.new).map_err(err)?;
            }
            tx.execute(
                "INSERT INTO calls (key, name, module, version, code_digest, result) \
                 SELECT $2::text, $3::text, $4::text, COALESCE($5::text, version), code_digest, result FROM calls WHERE key = $1::text",
                &[&m.old, &m.new, &m.name, &m.module, &m.version],
            )
            .map_err(err)?;
            let children = if keep {
                [
                    "INSERT INTO arguments (call_key, position, name, value) \
                     SELECT $2::text, position, name, value FROM arguments WHERE call_key = $1::text",
                    "INSERT INTO metadata (call_key, name, data) \
                     SELECT $2::text, name, data FROM metadata WHERE call_key = $1::text",
                ]
            } else {
                [
                    "UPDATE arguments SET call_key = $2::text WHERE call_key = $1::text",
                    "UPDATE metadata SET call_key = $2::text WHERE call_key = $1::text",
                ]
            };
            for sql in children {
                tx.execute(sql, &[&m.old, &m.new]).map_err(err)?;
            }
            if !keep {
                tx.execute("DELETE FROM calls WHERE key = $1::text", &[&m.old])
                    .map_err(err)?;
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

/// fleche's tables as SQLAlchemy's `create_all` writes them for
/// PostgreSQL (its DDL for fleche 0.22's models), for a copy into a
/// database fleche has not used yet.
const PG_SCHEMA: &str = "CREATE TABLE calls (
	key VARCHAR(64) NOT NULL, 
	name VARCHAR NOT NULL, 
	module VARCHAR, 
	version VARCHAR, 
	code_digest VARCHAR(64), 
	result VARCHAR(64), 
	PRIMARY KEY (key)
);
CREATE TABLE arguments (
	id SERIAL NOT NULL, 
	call_key VARCHAR(64) NOT NULL, 
	position INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	value VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_arguments_call_name UNIQUE (call_key, name), 
	FOREIGN KEY(call_key) REFERENCES calls (key) ON DELETE CASCADE
);
CREATE TABLE metadata (
	id SERIAL NOT NULL, 
	call_key VARCHAR(64) NOT NULL, 
	name VARCHAR NOT NULL, 
	data JSON NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_metadata_call_name UNIQUE (call_key, name), 
	FOREIGN KEY(call_key) REFERENCES calls (key) ON DELETE CASCADE
);
CREATE INDEX ix_metadata_call_key ON metadata (call_key);
CREATE INDEX ix_metadata_name ON metadata (name);";

impl PgWriter {
    /// Whether fleche's `calls` table exists yet.
    pub fn has_schema(&mut self) -> Result<bool, StoreError> {
        let shown = self.shown.clone();
        has_calls_table(&mut self.client).map_err(|e| StoreError::sql(&shown, e))
    }

    /// The keys among `keys` that have a record.
    pub fn present(
        &mut self,
        keys: &[&str],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        if !self.has_schema()? {
            return Ok(Default::default());
        }
        let shown = self.shown.clone();
        let owned: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let rows = self
            .client
            .query(
                "SELECT key FROM calls WHERE key = ANY($1::text[])",
                &[&owned],
            )
            .map_err(|e| StoreError::sql(&shown, e))?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }

    /// File records in one transaction, as
    /// [`super::sql_write::SqlWriter::insert`] does; fleche's tables are
    /// created first when the database has none (under a transaction-wide
    /// advisory lock, so two copies do not both create them).
    pub fn insert(
        &mut self,
        records: &[crate::store::CallRecord],
        overwrite: bool,
    ) -> Result<Vec<super::sql_write::Filed>, StoreError> {
        use super::sql_write::{Filed, Rows};
        let shown = self.shown.clone();
        let err = |e: postgres::Error| StoreError::sql(&shown, e);
        let mut tx = self.client.transaction().map_err(err)?;
        tx.execute("SELECT pg_advisory_xact_lock(7361636865)", &[])
            .map_err(err)?;
        if !has_calls_table(&mut tx).map_err(err)? {
            tx.batch_execute(PG_SCHEMA).map_err(err)?;
        }
        let call = tx
            .prepare(
                "INSERT INTO calls (key, name, module, version, code_digest, result) \
                 VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text)",
            )
            .map_err(err)?;
        let arg = tx
            .prepare(
                "INSERT INTO arguments (call_key, position, name, value) \
                 VALUES ($1::text, $2::int4, $3::text, $4::text)",
            )
            .map_err(err)?;
        let meta = tx
            .prepare(
                "INSERT INTO metadata (call_key, name, data) VALUES ($1::text, $2::text, $3::text::json)",
            )
            .map_err(err)?;
        let mut out = Vec::with_capacity(records.len());
        for rec in records {
            let taken = lock_call(&mut tx, &rec.key).map_err(err)?;
            if taken && !overwrite {
                out.push(Filed::Present);
                continue;
            }
            if taken {
                delete_call(&mut tx, &rec.key).map_err(err)?;
            }
            let rows = Rows::of(rec);
            tx.execute(
                &call,
                &[
                    &rec.key,
                    &rec.name,
                    &rec.module,
                    &rows.version,
                    &rec.code_digest,
                    &rec.result,
                ],
            )
            .map_err(err)?;
            for (i, (name, value)) in rec.arguments.iter().enumerate() {
                tx.execute(&arg, &[&rec.key, &(i as i32), name, value])
                    .map_err(err)?;
            }
            for (name, data) in &rows.metadata {
                tx.execute(&meta, &[&rec.key, name, data]).map_err(err)?;
            }
            out.push(Filed::Written);
        }
        tx.commit().map_err(err)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgpass_lines_split_like_libpq() {
        assert_eq!(
            pgpass_fields(r"localhost:5432:*:me:pa\:ss"),
            vec!["localhost", "5432", "*", "me", "pa:ss"]
        );
    }

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            mask_password("postgresql+psycopg://me:s3cret@db:5432/x"),
            "postgresql+psycopg://me:***@db:5432/x"
        );
    }
}
