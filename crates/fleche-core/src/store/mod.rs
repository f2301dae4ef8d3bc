//! Call records, what selects and orders them, and the stores that hold
//! them: SQLite (`sql`, written by `sql_write`), PostgreSQL (`pg`),
//! pickled call files ([`callfiles`]) and the envelope of every pickled
//! file ([`files`]).

pub mod callfiles;
pub(crate) mod calls;
pub mod files;
pub mod filter;
pub mod near;
#[cfg(feature = "postgres")]
pub(crate) mod pg;
pub mod remote;
pub(crate) mod sql;
pub(crate) mod sql_write;
pub mod values;

pub use filter::{json_py_eq, metadata_matches, record_matches, CallFilter, MetaFilter};
pub use near::{NearLimits, NearQuery};

use serde_json::{Map, Value as Json};
use std::path::PathBuf;
use thiserror::Error;

/// Why a call store cannot be opened, read or changed.
///
/// The errors of the stores ([`StoreError`], [`files::FileError`],
/// [`callfiles::CallFileError`]) and of the configuration
/// ([`crate::config::ConfigError`]) follow one convention: the text is the
/// whole one-line message, including the text of the error wrapped, which
/// is kept typed in a field (`error`) and is not also the `source()`, so
/// that printing the text alone or the text and its chain says it once.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot open {path}: no such file")]
    NoFile { path: PathBuf },
    #[error("cannot open {path}: not a URL")]
    NotAUrl { path: PathBuf },
    #[error("cannot open {path}: {error}")]
    Open { path: PathBuf, error: DbError },
    #[error("{path}: {error}")]
    Sql { path: PathBuf, error: DbError },
    #[error("{path} is not a fleche call database: it has no `{table}` table")]
    Schema { path: PathBuf, table: &'static str },
    #[error("{path}: a reader thread stopped")]
    ReaderStopped { path: PathBuf },
    #[error("{path}: the tags of call {key} are not a JSON object: {error}")]
    Tags {
        path: PathBuf,
        key: String,
        error: serde_json::Error,
    },
    #[error(transparent)]
    Files(#[from] files::FileError),
}

impl StoreError {
    /// The database at `path` (a file, or a URL with its password masked)
    /// cannot be opened.
    pub fn open(path: impl Into<PathBuf>, error: impl Into<DbError>) -> StoreError {
        StoreError::Open {
            path: path.into(),
            error: error.into(),
        }
    }

    /// A statement on the database at `path` failed.
    pub fn sql(path: impl Into<PathBuf>, error: impl Into<DbError>) -> StoreError {
        StoreError::Sql {
            path: path.into(),
            error: error.into(),
        }
    }
}

/// An error of the database client under a SQL call store.
#[derive(Debug, Error)]
pub enum DbError {
    #[error("{}", sqlite_text(.0))]
    Sqlite(#[from] rusqlite::Error),
    #[cfg(feature = "postgres")]
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
}

/// SQLite's message without the statement it quotes: ours can be long (a
/// batch of keys), and an error is one line naming the database.
fn sqlite_text(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError { msg, offset, .. } => {
            format!("{msg} (at byte {offset} of the statement)")
        }
        other => other.to_string(),
    }
}

/// One call record as fleche stores it (format §2).
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub key: String,
    pub name: String,
    pub module: Option<String>,
    /// The decoded version (stored JSON-encoded): an int, a str, or null.
    pub version: Option<Json>,
    pub code_digest: Option<String>,
    /// (argument name, value digest) in stored position order (none for
    /// a [`Detail::Summary`] listing that left them out).
    pub arguments: Vec<(String, String)>,
    /// None while the call is still running (prepared, not committed).
    pub result: Option<String>,
    /// Metadata by kind (`runtime`, `tags`, ...).
    pub metadata: Map<String, Json>,
    /// `metadata` as serde_json writes it (compact), for a listing that
    /// asked for it so ([`Detail::MetadataAsText`], or in part for
    /// [`Detail::Summary`]): `metadata` is then empty. Saves parsing and
    /// writing again what is only printed.
    pub metadata_text: Option<String>,
}

impl CallRecord {
    /// `runtime.timestart`, UNIX seconds.
    pub fn started(&self) -> Option<f64> {
        self.runtime("timestart")
    }

    pub fn stopped(&self) -> Option<f64> {
        self.runtime("timestop")
    }

    pub fn walltime(&self) -> Option<f64> {
        self.runtime("walltime")
    }

    /// A number of the runtime metadata, read off the text when the
    /// metadata came as text (as [`Json::as_f64`] reads it).
    fn runtime(&self, field: &str) -> Option<f64> {
        match &self.metadata_text {
            Some(text) => {
                let runtime = sql::rows::compact_member_on(text, "runtime")?;
                let v = sql::rows::compact_member(runtime, field)?;
                if !v.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
                    return None;
                }
                v.parse::<f64>().ok().filter(|f| f.is_finite())
            }
            None => self.metadata.get("runtime")?.get(field)?.as_f64(),
        }
    }

    /// The tags (see [`Self::metadata_of_kind`] for metadata as text).
    pub fn tags(&self) -> Option<&Map<String, Json>> {
        self.metadata.get("tags")?.as_object()
    }

    /// The metadata of `kind`, parsed off the text when it came as text.
    pub fn metadata_of_kind(&self, kind: &str) -> Option<std::borrow::Cow<'_, Json>> {
        use std::borrow::Cow;
        match &self.metadata_text {
            Some(text) => {
                // Written `"kind":` if there: most listings' calls have no
                // tags, and a search for that text is cheaper than walking
                // the members.
                let b = text.as_bytes();
                let written = text.match_indices(kind).any(|(i, _)| {
                    i > 0 && b[i - 1] == b'"' && b[i + kind.len()..].starts_with(b"\":")
                });
                if !written {
                    return None;
                }
                let v = sql::rows::compact_member(text, kind)?;
                serde_json::from_str(v).ok().map(Cow::Owned)
            }
            None => self.metadata.get(kind).map(Cow::Borrowed),
        }
    }
}

/// Calls of one function, for `stats`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct FunctionStats {
    pub name: String,
    pub module: Option<String>,
    pub calls: u64,
    /// Sum of `runtime.walltime`, seconds.
    pub walltime: f64,
    /// Earliest and latest `runtime.timestart`.
    pub first: Option<f64>,
    pub last: Option<f64>,
    /// Calls whose result is not recorded (running, or failed).
    pub unfinished: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Newest first by `runtime.timestart`.
    #[default]
    Started,
    /// Newest first by `runtime.timestop` (fleche's `latest()`/`oldest()`).
    Stopped,
    Name,
    Walltime,
    Key,
}

impl SortKey {
    /// The field of the `runtime` metadata this sort reads, if any.
    pub fn runtime_field(self) -> Option<&'static str> {
        match self {
            SortKey::Started => Some("timestart"),
            SortKey::Stopped => Some("timestop"),
            SortKey::Walltime => Some("walltime"),
            SortKey::Name | SortKey::Key => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub filter: CallFilter,
    pub sort: SortKey,
    pub reverse: bool,
    pub limit: Option<u64>,
    /// How much of each record the caller reads.
    pub detail: Detail,
}

/// How much of each record a listing's caller reads: a store may then
/// hand over less, when that saves work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    #[default]
    Whole,
    /// All of it, but the metadata only to print it: it may come as text
    /// ([`CallRecord::metadata_text`]).
    MetadataAsText,
    /// Only what a summary row shows (key, name, module, the runtime's
    /// `timestart` and `walltime`, the tags): the arguments may be left
    /// out, and the metadata may come as text holding only those. A CSV
    /// listing's rows need no more, and the arguments were a third of
    /// its reading.
    Summary,
}

impl Detail {
    /// Whether records carry their arguments (a summary leaves them out).
    pub(crate) fn arguments(self) -> bool {
        self != Detail::Summary
    }
}

impl ListOptions {
    /// Whether the listing runs descending: newest and longest first,
    /// names and keys A-Z, unless reversed.
    pub fn descending(&self) -> bool {
        self.sort.runtime_field().is_some() != self.reverse
    }
}

/// `json.dumps(v)` with Python's defaults (`", "` and `": "` separators,
/// `ensure_ascii=True`, floats as `repr()`), the text SQLAlchemy stores in
/// fleche's `metadata.data` column.
pub fn python_json_dumps(v: &Json) -> String {
    match v {
        Json::Null => "null".into(),
        Json::Bool(b) => if *b { "true" } else { "false" }.into(),
        // Numbers keep their text (serde_json's arbitrary precision): an
        // int of any size prints as Python prints it; a float as `repr()`.
        Json::Number(n) => {
            let text = n.to_string();
            if is_int_text(&text) {
                text
            } else {
                match n.as_f64() {
                    Some(f) => crate::repr::repr(&crate::Value::Float(f)),
                    None => text,
                }
            }
        }
        Json::String(s) => python_json_dumps_str(s),
        Json::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(python_json_dumps)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Json::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", python_json_dumps_str(k), python_json_dumps(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Whether a JSON number's text is an int (`-12`, not `1.0` or `1e3`).
pub(crate) fn is_int_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A call's tags after setting `set` and removing `unset`: `None` when no
/// tag is left (the `tags` entry goes), shared by every call storage.
pub fn merge_tags(
    before: Option<&Map<String, Json>>,
    set: &Map<String, Json>,
    unset: &[String],
) -> Option<Map<String, Json>> {
    let mut after = before.cloned().unwrap_or_default();
    for (k, v) in set {
        after.insert(k.clone(), v.clone());
    }
    for k in unset {
        after.shift_remove(k);
    }
    (!after.is_empty()).then_some(after)
}

/// Why a value cannot be kept in metadata, which is JSON.
#[derive(Debug, Error)]
pub enum JsonValueError {
    /// An int whose digits JSON does not take.
    #[error("{0}")]
    Int(serde_json::Error),
    #[error("a float JSON cannot hold")]
    Float,
    #[error("metadata is JSON, so dict keys must be strings")]
    DictKey,
    /// The Python type of the value.
    #[error("metadata is JSON and cannot hold a `{0}`")]
    Type(String),
}

/// A value typed on the command line as the JSON fleche keeps in metadata;
/// what JSON cannot hold exactly is an error naming its type.
pub fn json_from_value(v: &crate::Value) -> Result<Json, JsonValueError> {
    use crate::Value;
    Ok(match v {
        Value::None => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => serde_json::from_str(&i.to_string()).map_err(JsonValueError::Int)?,
        Value::Float(f) if f.is_finite() => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .ok_or(JsonValueError::Float)?,
        Value::Str(s) => Json::String(s.clone()),
        Value::List(items) | Value::Tuple(items) => Json::Array(
            items
                .iter()
                .map(json_from_value)
                .collect::<Result<_, _>>()?,
        ),
        Value::Dict(items) => {
            let mut m = Map::new();
            for (k, v) in items {
                let crate::Value::Str(k) = k else {
                    return Err(JsonValueError::DictKey);
                };
                m.insert(k.clone(), json_from_value(v)?);
            }
            Json::Object(m)
        }
        other => return Err(JsonValueError::Type(other.python_type())),
    })
}

/// `json.dumps(v)` for a version (ints and strings; `ensure_ascii=True`).
pub fn python_json_dumps_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_failing_statement_is_not_quoted() {
        let conn = rusqlite::Connection::open_in_memory().expect("memory");
        // More parameters than SQLite allows, as a batch of keys once was.
        let long = format!("SELECT 1 WHERE 1 IN ({})", vec!["?"; 40_000].join(", "));
        let err = conn
            .prepare(&long)
            .map(|_| ())
            .expect_err("too many variables");
        let text = StoreError::sql("calls.db", err).to_string();
        assert!(text.len() < 200 && !text.contains("?, ?"), "{text}");
        assert!(
            text.starts_with("calls.db: too many SQL variables"),
            "{text}"
        );
    }
    use super::*;
    use serde_json::json;

    #[test]
    fn full_json_dumps_matches_python() {
        // json.dumps({"a": [1, 2.5, True, None], "é": {"x": 1e16}})
        let v = json!({"a": [1, 2.5, true, null], "é": {"x": 1e16}});
        assert_eq!(
            python_json_dumps(&v),
            r#"{"a": [1, 2.5, true, null], "\u00e9": {"x": 1e+16}}"#
        );
    }

    #[test]
    fn json_dumps_matches_python() {
        // json.dumps("é\"x\n") == '"\\u00e9\\"x\\n"'
        assert_eq!(python_json_dumps_str("é\"x\n"), "\"\\u00e9\\\"x\\n\"");
        assert_eq!(python_json_dumps_str("😀"), "\"\\ud83d\\ude00\"");
    }
}
