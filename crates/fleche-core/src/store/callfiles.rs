//! File call storage (format §3): one pickled `fleche.call.DigestedCall`
//! (fleche 0.10: `fleche.call.Call`) per file under `calls/`, named by the
//! call key. Opening lists the keys only; records are decoded (in parallel, with rayon) the first time a
//! question needs them, since a prefix lookup or a `show` of one call
//! should not pay for decoding every file. Questions about many records are
//! then answered from memory: fleche's own query on this layout loads every
//! record too.

use super::files::{self, FileError};
use super::{record_matches, CallFilter, CallRecord, ListOptions, SortKey};
use crate::pickle::PickleError;
use crate::value::Value;
use rayon::prelude::*;
use serde_json::{Map, Value as Json};
use std::cmp::Ordering;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use thiserror::Error;

/// Why a decoded pickle is not a fleche call record.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    /// The Python type or class of what the file holds.
    #[error("not a call record but a `{0}`")]
    NotACall(String),
    #[error("the call record has no state")]
    NoState,
    #[error("the call record has no name")]
    NoName,
    #[error("an argument is not a digest")]
    ArgumentNotDigest,
    #[error("the call record has no metadata")]
    NoMetadata,
    #[error("the call record's metadata is not a mapping")]
    MetadataNotMapping,
}

/// Why a call file cannot be read or rewritten (the convention of
/// [`crate::store::StoreError`]: the text says it all, the wrapped error is
/// kept typed in `error`).
#[derive(Debug, Error)]
pub enum CallFileError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{path}: {error}")]
    Pickle { path: PathBuf, error: PickleError },
    #[error("{path}: {error}")]
    Record { path: PathBuf, error: RecordError },
    /// The record being rewritten is not a call record, before its edit or
    /// read back after it (the message names no file).
    #[error("{0}")]
    Rewrite(RecordError),
    #[error("{path}: {error}")]
    Unwritable {
        path: PathBuf,
        error: crate::pickle_write::Unsupported,
    },
    #[error("BUG: rewritten record does not load: {0}")]
    RewriteUnreadable(PickleError),
    #[error("{path}: refusing to rewrite: the new record would not read back as intended")]
    WouldNotReadBack { path: PathBuf },
    #[error("{0}")]
    Compress(std::io::Error),
    #[error("{path}: {error}")]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// Told about call files that cannot be decoded, once per decode.
pub type BrokenHook = Box<dyn Fn(&[(String, String)]) + Send + Sync>;

/// A call directory: its listing, and its records once something asked.
pub struct FileCalls {
    root: PathBuf,
    dir: files::Dir,
    /// Every call file's key, sorted (what `fleche`'s `calls.list()` gives).
    names: Vec<String>,
    decoded: OnceLock<Decoded>,
    scanned: OnceLock<Scanned>,
    /// Files that could not be read or decoded: (key, reason), from
    /// whichever pass over every file ran first.
    broken: OnceLock<Vec<(String, String)>>,
    hook: OnceLock<BrokenHook>,
    /// The secret keys the files are signed with (first signs new ones).
    pub secret_keys: Vec<Vec<u8>>,
}

/// Every record's value digests, without the records (what gc needs).
struct Scanned {
    digests: Vec<String>,
}

struct Decoded {
    /// Decodable records, sorted by key.
    records: Vec<CallRecord>,
}

impl FileCalls {
    pub fn open(root: &Path, keys: &[Vec<u8>]) -> Result<FileCalls, FileError> {
        Ok(FileCalls {
            root: root.to_path_buf(),
            dir: files::Dir::new(root),
            names: files::list_keys(root)?,
            decoded: OnceLock::new(),
            scanned: OnceLock::new(),
            broken: OnceLock::new(),
            hook: OnceLock::new(),
            secret_keys: keys.to_vec(),
        })
    }

    /// Call `hook` with the undecodable files when the records are decoded
    /// (or when a single undecodable file is asked for).
    pub fn on_broken(&self, hook: BrokenHook) {
        let _ = self.hook.set(hook);
    }

    fn decoded(&self) -> &Decoded {
        self.decoded.get_or_init(|| {
            let mut records = Vec::with_capacity(self.names.len());
            for rec in self.map_all(|rec| rec).into_iter().flatten() {
                records.push(rec);
            }
            Decoded { records }
        })
    }

    /// Decode every file in parallel and map each record there, keeping no
    /// records: the results in key order, None for a file that cannot be
    /// decoded (which [`Self::broken`] then lists).
    pub fn map_all<T: Send>(&self, map: impl Fn(CallRecord) -> T + Sync) -> Vec<Option<T>> {
        let keys = &self.secret_keys;
        let results: Vec<Result<T, CallFileError>> = self
            .names
            .par_iter()
            .map(|key| read_record(&self.dir, key, keys).map(&map))
            .collect();
        let mut broken = Vec::new();
        let mapped = results
            .into_iter()
            .zip(&self.names)
            .map(|(r, key)| match r {
                Ok(t) => Some(t),
                Err(e) => {
                    broken.push((key.clone(), e.to_string()));
                    None
                }
            })
            .collect();
        self.set_broken(broken);
        mapped
    }

    /// The first pass over every file tells which are broken (and warns).
    fn set_broken(&self, broken: Vec<(String, String)>) {
        if self.broken.set(broken).is_ok() {
            if let Some(broken) = self.broken.get().filter(|b| !b.is_empty()) {
                if let Some(hook) = self.hook.get() {
                    hook(broken);
                }
            }
        }
    }

    /// Decode every file for its digests only, keeping no records: a
    /// fraction of the memory and time of [`Self::records`].
    fn scanned(&self) -> &Scanned {
        self.scanned.get_or_init(|| {
            if let Some(d) = self.decoded.get() {
                let mut digests = Vec::new();
                for r in &d.records {
                    digests.extend(r.arguments.iter().map(|(_, d)| d.clone()));
                    digests.extend(r.result.iter().cloned());
                }
                return Scanned { digests };
            }
            let keys = &self.secret_keys;
            let results: Vec<(&String, Result<Vec<String>, CallFileError>)> = self
                .names
                .par_iter()
                .map(|key| (key, read_digests(&self.dir, key, keys)))
                .collect();
            let mut digests = Vec::with_capacity(results.len() * 3);
            let mut broken = Vec::new();
            for (key, found) in results {
                match found {
                    Ok(d) => digests.extend(d),
                    Err(e) => broken.push((key.clone(), e.to_string())),
                }
            }
            self.set_broken(broken);
            Scanned { digests }
        })
    }

    pub fn named_digests(&self) -> &[String] {
        &self.scanned().digests
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Decodable records (decodes every file).
    pub fn count(&self) -> u64 {
        self.decoded().records.len() as u64
    }

    /// One record; decodes only its file unless everything already is.
    pub fn get(&self, key: &str) -> Option<CallRecord> {
        if let Some(d) = self.decoded.get() {
            return d
                .records
                .binary_search_by(|r| r.key.as_str().cmp(key))
                .ok()
                .map(|i| d.records[i].clone());
        }
        self.names.binary_search_by(|n| n.as_str().cmp(key)).ok()?;
        match read_record(&self.dir, key, &self.secret_keys) {
            Ok(r) => Some(r),
            Err(e) => {
                if let Some(hook) = self.hook.get() {
                    hook(&[(key.to_string(), e.to_string())]);
                }
                None
            }
        }
    }

    pub fn for_each(&self, opts: &ListOptions, mut f: impl FnMut(CallRecord) -> ControlFlow<()>) {
        let mut selected: Vec<&CallRecord> = self
            .records()
            .iter()
            .filter(|r| record_matches(r, &opts.filter))
            .collect();
        sort_records(&mut selected, opts.sort, opts.reverse);
        let limit = opts.limit.map(|l| l as usize).unwrap_or(usize::MAX);
        for rec in selected.into_iter().take(limit) {
            if f(rec.clone()).is_break() {
                break;
            }
        }
    }

    pub fn count_matching(&self, filter: &CallFilter) -> u64 {
        self.records()
            .iter()
            .filter(|r| record_matches(r, filter))
            .count() as u64
    }

    /// Every call file's key, sorted, from the listing (nothing decoded).
    pub fn keys(&self) -> &[String] {
        &self.names
    }

    pub fn calls_using(&self, digest: &str) -> Vec<(String, String)> {
        calls_using(self.records(), digest)
    }

    /// Every decodable record, sorted by key (decodes every file).
    pub fn records(&self) -> &[CallRecord] {
        &self.decoded().records
    }

    /// Files that could not be read or decoded (decodes every file, for
    /// its digests only unless the records are wanted too).
    pub fn broken(&self) -> &[(String, String)] {
        if self.broken.get().is_none() {
            self.scanned();
        }
        self.broken.get().map_or(&[], Vec::as_slice)
    }
}

/// (call key, role) of every record naming `digest` as argument or result.
pub fn calls_using(records: &[CallRecord], digest: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in records {
        for (name, d) in &r.arguments {
            if d == digest {
                out.push((r.key.clone(), format!("argument {name}")));
            }
        }
        if r.result.as_deref() == Some(digest) {
            out.push((r.key.clone(), "result".into()));
        }
    }
    out
}

/// The same order the SQL store produces: missing sort fields last, ties by key.
pub fn sort_records(records: &mut [&CallRecord], sort: SortKey, reverse: bool) {
    sort_by_record(records, |r| r, sort, reverse)
}

/// [`sort_records`] for items that carry a record.
pub fn sort_by_record<T>(
    items: &mut [T],
    record: impl Fn(&T) -> &CallRecord,
    sort: SortKey,
    reverse: bool,
) {
    let field = |r: &CallRecord| match sort {
        SortKey::Started => r.started(),
        SortKey::Stopped => r.stopped(),
        SortKey::Walltime => r.walltime(),
        _ => None,
    };
    let descending = sort.runtime_field().is_some() != reverse;
    items.sort_by(|x, y| {
        let (a, b) = (record(x), record(y));
        let primary = match sort {
            SortKey::Name => a.name.cmp(&b.name),
            SortKey::Key => Ordering::Equal,
            _ => match (field(a), field(b)) {
                (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        };
        let ord = primary.then_with(|| a.key.cmp(&b.key));
        if descending {
            ord.reverse()
        } else {
            ord
        }
    });
}

/// A call file decoded, errors naming it.
fn read_call(dir: &files::Dir, key: &str, keys: &[Vec<u8>]) -> Result<Value, CallFileError> {
    let env = dir.read_envelope(key, keys)?;
    crate::pickle::load(&env.payload).map_err(|error| CallFileError::Pickle {
        path: dir.path().join(key),
        error,
    })
}

fn read_record(dir: &files::Dir, key: &str, keys: &[Vec<u8>]) -> Result<CallRecord, CallFileError> {
    record_from_value(key, &read_call(dir, key, keys)?).map_err(|error| CallFileError::Record {
        path: dir.path().join(key),
        error,
    })
}

/// The value digests a call file names, failing exactly where
/// [`read_record`] would.
fn read_digests(
    dir: &files::Dir,
    key: &str,
    keys: &[Vec<u8>],
) -> Result<Vec<String>, CallFileError> {
    let value = read_call(dir, key, keys)?;
    let named = || -> Result<Vec<String>, RecordError> {
        let state = call_state(&value)?;
        text(state_field(state, "name")).ok_or(RecordError::NoName)?;
        let mut out: Vec<String> = arguments_of(state)?.into_iter().map(|(_, d)| d).collect();
        out.extend(text(state_field(state, "result")));
        Ok(out)
    };
    named().map_err(|error| CallFileError::Record {
        path: dir.path().join(key),
        error,
    })
}

fn state_field<'a>(state: &'a [(Value, Value)], name: &str) -> Option<&'a Value> {
    state
        .iter()
        .find(|(k, _)| matches!(k, Value::Str(s) if s == name))
        .map(|(_, v)| v)
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Str(s) | Value::Digest(s) => Some(s.clone()),
        _ => None,
    }
}

/// The classes of call records: fleche 0.10 pickled its `Call` dataclass
/// (arguments and result already `Digest`s), later releases `DigestedCall`;
/// both have the same seven fields.
const CALL_CLASSES: [&str; 2] = ["fleche.call.DigestedCall", "fleche.call.Call"];

/// The state dict of a decoded call record (`DigestedCall`, or fleche
/// 0.10's `Call`).
fn call_state(v: &Value) -> Result<&[(Value, Value)], RecordError> {
    let Value::Object(o) = v else {
        return Err(RecordError::NotACall(v.python_type()));
    };
    if !CALL_CLASSES.contains(&o.class.as_str()) {
        return Err(RecordError::NotACall(o.class.clone()));
    }
    let Some(Value::Dict(state)) = o.state.as_deref() else {
        return Err(RecordError::NoState);
    };
    Ok(state)
}

/// (name, digest) of each argument, in stored order.
fn arguments_of(state: &[(Value, Value)]) -> Result<Vec<(String, String)>, RecordError> {
    let items = match state_field(state, "arguments") {
        Some(Value::Dict(items)) => items,
        Some(Value::Object(d)) => &d.dict_items,
        _ => return Ok(Vec::new()),
    };
    items
        .iter()
        .map(|(k, v)| match (k, v) {
            (Value::Str(k), Value::Digest(d) | Value::Str(d)) => Ok((k.clone(), d.clone())),
            _ => Err(RecordError::ArgumentNotDigest),
        })
        .collect()
}

/// A decoded `DigestedCall` as a record.
pub fn record_from_value(key: &str, v: &Value) -> Result<CallRecord, RecordError> {
    let state = call_state(v)?;
    let name = text(state_field(state, "name")).ok_or(RecordError::NoName)?;
    let arguments = arguments_of(state)?;
    let metadata = match state_field(state, "metadata") {
        Some(Value::Dict(items)) => mapping_json(items),
        Some(Value::Object(o)) => mapping_json(&o.dict_items),
        _ => Map::new(),
    };
    let version = match state_field(state, "version") {
        None | Some(Value::None) => None,
        Some(v) => Some(plain_json(v)),
    };
    Ok(CallRecord {
        key: key.to_string(),
        name,
        module: text(state_field(state, "module")),
        version,
        code_digest: text(state_field(state, "code_digest")),
        arguments,
        result: text(state_field(state, "result")),
        metadata,
        metadata_text: None,
    })
}

fn mapping_json(items: &[(Value, Value)]) -> Map<String, Json> {
    items
        .iter()
        .map(|(k, v)| {
            let key = match k {
                Value::Str(s) | Value::Digest(s) => s.clone(),
                other => crate::repr::repr(other),
            };
            (key, plain_json(v))
        })
        .collect()
}

/// A Python value as the JSON fleche's SQL store would hold for it
/// (`json.dumps`): tuples become arrays; what JSON cannot say becomes its
/// repr.
pub fn plain_json(v: &Value) -> Json {
    match v {
        Value::None => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => match i64::try_from(i) {
            Ok(small) => Json::from(small),
            Err(_) => serde_json::from_str(&i.to_string()).unwrap_or(Json::Null),
        },
        // As Python's json.dumps writes it (float repr: `6.6e-05`, `1e+16`),
        // which is what SQL stores hold: the same record reads the same
        // from a call file, over ssh or from a database.
        // (`parse`, not `from_str`: the same number, without serde's
        // visitor for arbitrary precision, a tenth of a dill listing.)
        Value::Float(f) => crate::repr::repr(v)
            .parse::<serde_json::Number>()
            .ok()
            .or_else(|| serde_json::Number::from_f64(*f))
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Value::Str(s) | Value::Digest(s) => Json::String(s.clone()),
        Value::List(items) | Value::Tuple(items) => {
            Json::Array(items.iter().map(plain_json).collect())
        }
        Value::Dict(items) => Json::Object(mapping_json(items)),
        Value::Object(o) if !o.dict_items.is_empty() => Json::Object(mapping_json(&o.dict_items)),
        other => Json::String(crate::repr::repr(other)),
    }
}

impl crate::prefix::SortedKeys for FileCalls {
    type Error = std::convert::Infallible;

    fn with_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<String>, Self::Error> {
        self.names[..].with_prefix(prefix, limit)
    }

    fn neighbours(&self, key: &str) -> Result<(Option<String>, Option<String>), Self::Error> {
        self.names[..].neighbours(key)
    }
}

/// A call's tags, if it has any.
pub type Tags = Option<Map<String, Json>>;

/// A JSON metadata value as the Python value fleche would hold.
fn value_from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::None,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::int(i),
            None => match n.to_string().parse::<num_bigint::BigInt>() {
                Ok(b) => Value::Int(b),
                Err(_) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
        },
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(items) => Value::List(items.iter().map(value_from_json).collect()),
        Json::Object(m) => Value::Dict(
            m.iter()
                .map(|(k, v)| (Value::Str(k.clone()), value_from_json(v)))
                .collect(),
        ),
    }
}

fn is_key(k: &Value, name: &str) -> bool {
    matches!(k, Value::Str(s) if s == name)
}

/// Set and unset tags in one call file, rewriting it the way fleche writes
/// files: same compression, signed with the first key when keys are set,
/// a dot-prefixed temp file renamed into place. The new file is decoded
/// again and compared with the intended record before it replaces the old
/// one. Returns (tags before, tags after); with `dry_run` nothing is written.
pub fn retag_file(
    root: &Path,
    key: &str,
    set: &Map<String, Json>,
    unset: &[String],
    keys: &[Vec<u8>],
    dry_run: bool,
) -> Result<(Tags, Tags), CallFileError> {
    let path = root.join(key);
    let env = files::read_envelope(&path, keys)?;
    let mut value = crate::pickle::load(&env.payload).map_err(|error| CallFileError::Pickle {
        path: path.clone(),
        error,
    })?;
    let before_rec = record_from_value(key, &value).map_err(|error| CallFileError::Record {
        path: path.clone(),
        error,
    })?;
    let before = before_rec.tags().cloned();
    let after = super::merge_tags(before.as_ref(), set, unset);
    if dry_run || after == before {
        return Ok((before, after));
    }
    set_tags(&mut value, after.as_ref(), set).map_err(CallFileError::Rewrite)?;
    let pickled =
        crate::pickle_write::dumps(&value).map_err(|error| CallFileError::Unwritable {
            path: path.clone(),
            error,
        })?;
    check_rewrite(&pickled, &before_rec, after.as_ref(), &path)?;
    let bytes = files::wrap_envelope(pickled, keys.first(), env.compressed)
        .map_err(CallFileError::Compress)?;
    write_atomic(&path, &bytes).map_err(|error| CallFileError::Write { path, error })?;
    Ok((before, after))
}

/// Set the `tags` entry of a decoded call record's metadata mapping to
/// `after` (removed when None), leaving the rest as loaded. Tags that `set`
/// does not change keep their Python values.
fn set_tags(
    value: &mut Value,
    after: Option<&Map<String, Json>>,
    set: &Map<String, Json>,
) -> Result<(), RecordError> {
    let Value::Object(call) = value else {
        return Err(RecordError::NotACall(value.python_type()));
    };
    let Some(Value::Dict(state)) = call.state.as_deref_mut() else {
        return Err(RecordError::NoState);
    };
    let meta = state
        .iter_mut()
        .find(|(k, _)| is_key(k, "metadata"))
        .map(|(_, v)| v)
        .ok_or(RecordError::NoMetadata)?;
    let items: &mut Vec<(Value, Value)> = match meta {
        Value::Dict(items) => items,
        Value::Object(o) if !o.dict_items.is_empty() || o.class == "collections.defaultdict" => {
            &mut o.dict_items
        }
        _ => return Err(RecordError::MetadataNotMapping),
    };
    let new_tags = after.map(|t| {
        let old: Vec<(Value, Value)> = match items
            .iter()
            .find(|(k, _)| is_key(k, "tags"))
            .map(|(_, v)| v)
        {
            Some(Value::Dict(d)) => d.clone(),
            _ => Vec::new(),
        };
        Value::Dict(
            t.iter()
                .map(|(k, v)| {
                    let kept = (!set.contains_key(k))
                        .then(|| {
                            old.iter()
                                .find(|(ok, _)| is_key(ok, k))
                                .map(|(_, ov)| ov.clone())
                        })
                        .flatten();
                    (
                        Value::Str(k.clone()),
                        kept.unwrap_or_else(|| value_from_json(v)),
                    )
                })
                .collect(),
        )
    });
    match (items.iter().position(|(k, _)| is_key(k, "tags")), new_tags) {
        (Some(i), Some(t)) => items[i].1 = t,
        (Some(i), None) => {
            items.remove(i);
        }
        (None, Some(t)) => items.push((Value::str("tags"), t)),
        (None, None) => {}
    }
    Ok(())
}

/// Whether a rewritten record's pickle reads back as the record it was,
/// with `after` as its tags.
fn check_rewrite(
    pickled: &[u8],
    before: &CallRecord,
    after: Option<&Map<String, Json>>,
    path: &Path,
) -> Result<(), CallFileError> {
    let check = crate::pickle::load(pickled).map_err(CallFileError::RewriteUnreadable)?;
    let mut want = before.clone();
    match after {
        Some(t) => {
            want.metadata.insert("tags".into(), Json::Object(t.clone()));
        }
        None => {
            want.metadata.shift_remove("tags");
        }
    }
    let got = record_from_value(&before.key, &check).map_err(CallFileError::Rewrite)?;
    if !super::json_py_eq(
        &Json::Object(got.metadata.clone()),
        &Json::Object(want.metadata.clone()),
    ) || got.arguments != want.arguments
        || got.result != want.result
        || got.name != want.name
    {
        return Err(CallFileError::WouldNotReadBack {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Write `bytes` to a dot-prefixed sibling temp file and rename it over
/// `path` (fleche's own `_atomic_write`): readers see the old or the new
/// file, never a partial one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, bytes, true)
}

/// [`write_atomic`], with the file's data flushed to disk before the
/// rename only when `sync` (a copy of many values flushes them all at
/// once instead, before it files the records that need them).
pub fn write_atomic_with(path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    use std::io::Write;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let tmp = path.with_file_name(format!(".{name}.{}{nonce:x}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        if sync {
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Remove a call file (fleche's evict on file storage).
pub fn evict_file(root: &Path, key: &str) -> std::io::Result<bool> {
    match std::fs::remove_file(root.join(key)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// File the call record `m.old` under `m.new` with its new name and module,
/// rewritten the way fleche writes files (same compression, signed with the
/// first key), atomically; the old file goes unless `keep`. A taken new key
/// is left alone unless `overwrite`.
pub fn rekey_file(
    root: &Path,
    m: &super::sql_write::Rekey,
    keys: &[Vec<u8>],
    keep: bool,
    overwrite: bool,
    dry_run: bool,
) -> Result<super::sql_write::RekeyOutcome, CallFileError> {
    use super::sql_write::RekeyOutcome;
    let (old, new) = (root.join(&m.old), root.join(&m.new));
    if !old.is_file() {
        return Ok(RekeyOutcome::Missing);
    }
    if m.new != m.old && new.exists() && !overwrite {
        return Ok(RekeyOutcome::Exists);
    }
    let env = files::read_envelope(&old, keys)?;
    let mut value = crate::pickle::load(&env.payload).map_err(|error| CallFileError::Pickle {
        path: old.clone(),
        error,
    })?;
    let before = record_from_value(&m.old, &value).map_err(|error| CallFileError::Record {
        path: old.clone(),
        error,
    })?;
    if dry_run || m.new == m.old {
        return Ok(RekeyOutcome::Done);
    }
    // The new version as the record will hold it (None: unchanged).
    let new_version: Option<Option<Json>> = m.version.as_ref().map(|text| {
        serde_json::from_str::<Json>(text)
            .ok()
            .filter(|j| !j.is_null())
    });
    let want_version = match &new_version {
        Some(v) => v.clone(),
        None => before.version.clone(),
    };
    {
        let Value::Object(call) = &mut value else {
            return Err(CallFileError::Rewrite(RecordError::NotACall(
                value.python_type(),
            )));
        };
        let Some(Value::Dict(state)) = call.state.as_deref_mut() else {
            return Err(CallFileError::Rewrite(RecordError::NoState));
        };
        for (k, v) in state.iter_mut() {
            if is_key(k, "name") {
                *v = Value::Str(m.name.clone());
            } else if is_key(k, "module") {
                *v = m.module.clone().map_or(Value::None, Value::Str);
            } else if is_key(k, "version") {
                if let Some(version) = &new_version {
                    *v = version.as_ref().map_or(Value::None, value_from_json);
                }
            }
        }
    }
    let pickled =
        crate::pickle_write::dumps(&value).map_err(|error| CallFileError::Unwritable {
            path: new.clone(),
            error,
        })?;
    let want = CallRecord {
        key: m.new.clone(),
        name: m.name.clone(),
        module: m.module.clone(),
        version: want_version,
        ..before
    };
    reads_back_as(&pickled, &want, &new)?;
    let bytes = files::wrap_envelope(pickled, keys.first(), env.compressed)
        .map_err(CallFileError::Compress)?;
    write_atomic(&new, &bytes).map_err(|error| CallFileError::Write {
        path: new.clone(),
        error,
    })?;
    if !keep {
        std::fs::remove_file(&old).map_err(|error| CallFileError::Write { path: old, error })?;
    }
    Ok(RekeyOutcome::Done)
}

/// A record as fleche's file store pickles it: a `DigestedCall` whose
/// state holds its fields in their dataclass order, digests as
/// `fleche.digest.Digest`, metadata a dict of dicts (what fleche's
/// `transfer` files for a call it loaded from a SQL store). The pickle is
/// read back and must give the record again.
pub fn record_pickle(rec: &CallRecord) -> Result<Vec<u8>, CallFileError> {
    let digest = |d: &str| {
        if files::is_key_name(d) {
            Value::Digest(d.to_string())
        } else {
            Value::Str(d.to_string())
        }
    };
    let opt = |d: &Option<String>, f: &dyn Fn(&str) -> Value| d.as_deref().map_or(Value::None, f);
    let state = Value::Dict(vec![
        (Value::str("name"), Value::Str(rec.name.clone())),
        (
            Value::str("arguments"),
            Value::Dict(
                rec.arguments
                    .iter()
                    .map(|(k, v)| (Value::Str(k.clone()), digest(v)))
                    .collect(),
            ),
        ),
        (Value::str("result"), opt(&rec.result, &digest)),
        (
            Value::str("metadata"),
            Value::Dict(
                rec.metadata
                    .iter()
                    .map(|(k, v)| (Value::Str(k.clone()), value_from_json(v)))
                    .collect(),
            ),
        ),
        (
            Value::str("module"),
            opt(&rec.module, &|m| Value::Str(m.to_string())),
        ),
        (
            Value::str("version"),
            rec.version.as_ref().map_or(Value::None, value_from_json),
        ),
        (Value::str("code_digest"), opt(&rec.code_digest, &digest)),
    ]);
    let call = Value::Object(crate::value::Object {
        class: "fleche.call.DigestedCall".into(),
        args: Vec::new(),
        state: Some(Box::new(state)),
        list_items: Vec::new(),
        dict_items: Vec::new(),
    });
    let path = PathBuf::from(&rec.key);
    let pickled = crate::pickle_write::dumps(&call).map_err(|error| CallFileError::Unwritable {
        path: path.clone(),
        error,
    })?;
    reads_back_as(&pickled, rec, &path)?;
    Ok(pickled)
}

/// Refuse a pickle that does not read back as the record `want` (metadata
/// compared as Python compares it).
fn reads_back_as(pickled: &[u8], want: &CallRecord, path: &Path) -> Result<(), CallFileError> {
    let check = crate::pickle::load(pickled).map_err(CallFileError::RewriteUnreadable)?;
    let got = record_from_value(&want.key, &check).map_err(CallFileError::Rewrite)?;
    if got.name != want.name
        || got.module != want.module
        || got.arguments != want.arguments
        || got.result != want.result
        || got.version != want.version
        || got.code_digest != want.code_digest
        || !super::json_py_eq(
            &Json::Object(got.metadata.clone()),
            &Json::Object(want.metadata.clone()),
        )
    {
        return Err(CallFileError::WouldNotReadBack {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}
