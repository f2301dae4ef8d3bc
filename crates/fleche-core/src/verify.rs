//! `verify`: recompute what can be recomputed and compare it with what is
//! stored — call keys from records, value digests from decoded values —
//! and check that every referenced value is there and readable. Reads
//! only; never changes anything.

use crate::digest::{call_key, digest, CallKeyInput, DigestError};
use crate::store::calls::CallStore;
use crate::store::files;
use crate::store::files::FileError;
use crate::store::values::{ValueError, ValueStore};
use crate::store::{CallRecord, ListOptions};
use crate::value::Value;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// What is wrong (or worth knowing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A record's stored key is not the key computed from its contents.
    KeyMismatch,
    /// A record names a value that has no file.
    MissingValue,
    /// A value file cannot be read, unwrapped (gzip, signature) or decoded.
    UnreadableValue,
    /// A value decodes, but its digest is not its file name.
    DigestMismatch,
    /// A call file cannot be decoded into a record.
    UnreadableRecord,
    /// Not referenced by any record of the member: a note (whether gc
    /// deletes it depends on its age and on caches sharing the directory).
    Orphan,
    /// A temp file, or a name that is not UTF-8, in a store: a note.
    StrayFile,
    /// A value `show` can only print as the call that rebuilds it
    /// (`__main__.Level(3)`), not as Python prints it: a note.
    ShownAsCall,
}

impl Kind {
    /// Notes do not make a cache unclean.
    pub fn is_note(self) -> bool {
        matches!(self, Kind::Orphan | Kind::StrayFile | Kind::ShownAsCall)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    /// The call or value key (or file name) concerned.
    pub key: String,
    /// Serialized lossily: a stray file's name need not be UTF-8.
    #[serde(serialize_with = "lossy_path")]
    pub path: Option<PathBuf>,
    pub detail: String,
}

fn lossy_path<S: serde::Serializer>(p: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.serialize_some(&p.to_string_lossy()),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub calls_checked: usize,
    pub values_checked: usize,
    /// Values whose type this tool cannot digest (objects fleche digests
    /// with code, sets of strings): present and decodable, digest unchecked.
    pub digests_unchecked: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn problems(&self) -> usize {
        self.findings.iter().filter(|f| !f.kind.is_note()).count()
    }
}

/// The key input of a record (format §5).
pub fn key_input(rec: &CallRecord) -> CallKeyInput {
    let version = rec.version.as_ref().map(|v| match v {
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::int(i),
            None => n
                .to_string()
                .parse()
                .map(Value::Int)
                .unwrap_or_else(|_| Value::Str(n.to_string())),
        },
        serde_json::Value::Bool(b) => Value::Bool(*b),
        other => Value::Str(other.to_string()),
    });
    CallKeyInput {
        name: rec.name.clone(),
        module: rec.module.clone(),
        version,
        code_digest: rec.code_digest.clone(),
        arguments: rec.arguments.clone(),
    }
}

/// Whether every part of `v` is something whose digest this tool computes
/// exactly as fleche does (no inert objects, which fleche may digest with
/// their own `__digest__`).
fn digestible(v: &Value) -> bool {
    match v {
        Value::Object(_) => false,
        Value::Tuple(items) | Value::List(items) | Value::Set(items) | Value::FrozenSet(items) => {
            items.iter().all(digestible)
        }
        Value::Dict(items) => items.iter().all(|(k, v)| digestible(k) && digestible(v)),
        Value::Record(r) => r.fields.iter().all(|(_, v)| digestible(v)),
        Value::NdArray(a) => match &a.data {
            crate::value::ArrayData::Objects(items) => items.iter().all(digestible),
            crate::value::ArrayData::Raw(_) => true,
        },
        _ => true,
    }
}

enum ValueCheck {
    Ok,
    Unchecked,
    Bad(Kind, String),
    /// Its signature does not match, or it is unsigned where keys are
    /// configured, or it is a FIFO or device file: a problem whether or not
    /// a record needs it.
    AlwaysAProblem(String),
}

/// One value file checked: its digest, its destructured children (none if
/// it cannot be read), and the class of an object in it that `show` prints
/// as a reconstruction call.
struct Checked {
    check: ValueCheck,
    children: Vec<String>,
    call: Option<String>,
}

fn check_value(values: &ValueStore, key: &str) -> Checked {
    let (check, children, call) = check_value_parts(values, key);
    Checked {
        check,
        children,
        call,
    }
}

fn check_value_parts(values: &ValueStore, key: &str) -> (ValueCheck, Vec<String>, Option<String>) {
    let loaded = match values.load(key) {
        Ok(v) => v,
        Err(e @ ValueError::File(FileError::Signature { .. })) => {
            return (
                ValueCheck::AlwaysAProblem(crate::one_line(&e)),
                Vec::new(),
                None,
            )
        }
        Err(ValueError::File(ref e)) if e.is_not_regular() => {
            return (
                ValueCheck::AlwaysAProblem(crate::one_line(e)),
                Vec::new(),
                None,
            )
        }
        Err(e) => {
            return (
                ValueCheck::Bad(Kind::UnreadableValue, crate::one_line(&e)),
                Vec::new(),
                None,
            )
        }
    };
    let call = crate::repr::reconstruction_call(&loaded.value);
    let is_digest_name = key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_digest_name || !digestible(&loaded.value) {
        return (ValueCheck::Unchecked, loaded.children, call);
    }
    let check = match digest(&loaded.value) {
        Ok(d) if d == key => ValueCheck::Ok,
        Ok(d) => ValueCheck::Bad(Kind::DigestMismatch, format!("its content digests to {d}")),
        Err(DigestError::UnstableSetOrder(_)) | Err(DigestError::Indigestible(_)) => {
            ValueCheck::Unchecked
        }
        Err(e) => ValueCheck::Bad(Kind::DigestMismatch, crate::one_line(&e)),
    };
    (check, loaded.children, call)
}

/// One record checked: its key, a key mismatch if any, and the values it
/// names (digest, and the argument naming it or None for the result).
struct CheckedCall {
    key: String,
    mismatch: Option<Finding>,
    names: Vec<(String, Option<String>)>,
}

/// The key a record computes to, or the stored key when the record's
/// version read back as an int computes to it as text: fleche 0.10's
/// `INTEGER` version column turned `version="3"` into the integer 3 after
/// the call was keyed with the string (a float like 1.2 already keys as its
/// text in [`key_input`]).
fn computed_key(rec: &CallRecord) -> Result<String, DigestError> {
    let input = key_input(rec);
    let key = call_key(&input)?;
    if key == rec.key {
        return Ok(key);
    }
    if let Some(serde_json::Value::Number(n)) = &rec.version {
        let as_text = CallKeyInput {
            version: Some(Value::Str(n.to_string())),
            ..input
        };
        if call_key(&as_text).is_ok_and(|k| k == rec.key) {
            return Ok(rec.key.clone());
        }
    }
    Ok(key)
}

fn check_call(rec: CallRecord) -> CheckedCall {
    let mismatch = match computed_key(&rec) {
        Ok(k) if k == rec.key => None,
        Ok(k) => Some(Finding {
            kind: Kind::KeyMismatch,
            key: rec.key.clone(),
            path: None,
            detail: format!("the record of `{}` computes to key {k}", rec.name),
        }),
        Err(e) => Some(Finding {
            kind: Kind::KeyMismatch,
            key: rec.key.clone(),
            path: None,
            detail: crate::one_line(&e),
        }),
    };
    let mut names: Vec<(String, Option<String>)> = rec
        .arguments
        .into_iter()
        .map(|(name, d)| (d, Some(name)))
        .collect();
    names.extend(rec.result.map(|r| (r, None)));
    CheckedCall {
        key: rec.key,
        mismatch,
        names,
    }
}

/// Every value file checked, in name order, with its children.
type CheckedValues<'a> = (&'a [String], Vec<Checked>);

fn check_all(values: &ValueStore) -> Result<CheckedValues<'_>, files::FileError> {
    let names = values.sorted_keys()?;
    let checked = names.par_iter().map(|k| check_value(values, k)).collect();
    Ok((names, checked))
}

/// A scoped thread's result; its panic goes on in this thread.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Whether `name` is a lock file of the format: `KEY.lock` beside a value
/// or call file (fleche before 0.22 takes one per read and write; 0.20 and
/// 0.21 leave them behind, as bagofholding does beside its `.h5` files).
/// fleche's own listing skips them and its gc leaves them alone.
fn is_lock_file(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.ends_with(".lock"))
}

/// Temp files and names that are not UTF-8 in `dirs` (not lock files,
/// which are part of the format).
fn strays(dirs: &[PathBuf]) -> Vec<Finding> {
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(names) = files::stray_names(dir) else {
            continue;
        };
        for name in names.into_iter().filter(|n| !is_lock_file(n)) {
            let detail = if name.to_str().is_none() {
                "a name that is not UTF-8, so not a fleche key"
            } else {
                "a temp file (from an interrupted write)"
            };
            out.push(Finding {
                kind: Kind::StrayFile,
                key: name.to_string_lossy().into_owned(),
                path: Some(dir.join(&name)),
                detail: detail.into(),
            });
        }
    }
    out
}

/// Each record's key and the values it names (with the argument name, or
/// None for the result), in key order.
#[derive(Default)]
struct Named {
    keys: Vec<String>,
    values: Vec<Vec<(String, Option<String>)>>,
}

type Everything<'a> = Option<Result<CheckedValues<'a>, files::FileError>>;

/// Verify one cache. `selected` limits the check to those calls and the
/// values they reach; orphans and stray files are only looked for when
/// the whole cache is checked.
///
/// A whole check reads the records (keys recomputed where they are
/// decoded) while other threads check every value file and look for
/// stray files; what is live then follows in memory.
pub(crate) fn verify(
    calls: &CallStore,
    values: &ValueStore,
    selected: Option<&BTreeSet<String>>,
) -> Result<Report, crate::store::StoreError> {
    let root = values.root().map(PathBuf::from);
    let mut report = Report::default();
    let (named, everything, strays) = read_records(calls, values, selected, &mut report)?;
    report.calls_checked = named.keys.len();
    // After the records: a call-file store has decoded them by now.
    for (key, why) in calls.broken() {
        report.findings.push(Finding {
            kind: Kind::UnreadableRecord,
            key: key.clone(),
            path: None,
            detail: why.clone(),
        });
    }
    let everything = everything.transpose()?;
    // A store that cannot be listed is an error, not every value missing.
    let names = match &everything {
        Some((names, _)) => names,
        None => values.sorted_keys()?,
    };
    if matches!(values, ValueStore::Transient(_)) {
        return Ok(report);
    }
    if let ValueStore::Hdf5 { .. } = values {
        // A file that does not open hides every value in it: a problem,
        // whether or not a record needs one of them.
        for (path, error) in &values.hdf5_listing()?.unreadable {
            report.findings.push(Finding {
                kind: Kind::UnreadableValue,
                key: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                path: Some(path.clone()),
                detail: format!(
                    "the HDF5 file cannot be read, so its values cannot be listed: {error}"
                ),
            });
        }
    }
    let index: FxHashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    // Live roots: every value a record names that has a file.
    let roots: Vec<usize> = named
        .values
        .par_iter()
        .flat_map_iter(|names| {
            names
                .iter()
                .filter_map(|(d, _)| index.get(d.as_str()).copied())
        })
        .collect();
    if roots.len() < named.values.iter().map(Vec::len).sum::<usize>() {
        report_missing(&named, &index, root.as_deref(), &mut report);
    }
    let mut live = vec![false; names.len()];
    let results = check_reached(values, names, &index, roots, everything, &mut live);
    report.values_checked = results.len();
    let mut reported = vec![false; names.len()];
    for (i, result) in results {
        if let Some(class) = result.call {
            report.findings.push(Finding {
                kind: Kind::ShownAsCall,
                key: names[i].clone(),
                path: root.as_ref().map(|r| r.join(&names[i])),
                detail: format!(
                    "value {} ({class}) is shown as a reconstruction call, not as Python prints it",
                    names[i]
                ),
            });
        }
        if let Some(finding) = value_finding(
            result.check,
            &names[i],
            live[i],
            root.as_deref(),
            &mut report,
        ) {
            reported[i] = true;
            report.findings.push(finding);
        }
    }
    if selected.is_none() {
        for (i, key) in names.iter().enumerate() {
            if live[i] || reported[i] {
                continue;
            }
            report.findings.push(Finding {
                kind: Kind::Orphan,
                key: key.clone(),
                path: root.as_ref().map(|r| r.join(key)),
                detail: if crate::prefix::key_bytes(key).is_some() {
                    "no record of this cache needs it".into()
                } else {
                    "not named like a fleche value (gc leaves it)".into()
                },
            });
        }
        report.findings.extend(strays.unwrap_or_default());
    }
    if let ValueStore::Hdf5 { root, .. } = values {
        // A bag's file is the one holding it, not one named by its key;
        // a value missing because its file cannot be read says so.
        let unreadable = &values.hdf5_listing()?.unreadable;
        for f in &mut report.findings {
            if f.path.as_deref() != Some(root.join(&f.key).as_path()) {
                continue;
            }
            if let Some((file, _)) = crate::store::values::hdf5_location(root, &f.key) {
                if f.kind == Kind::MissingValue && unreadable.iter().any(|(p, _)| *p == file) {
                    f.detail.push_str(&format!(
                        "; {} would hold it but cannot be read",
                        file.display()
                    ));
                }
                f.path = Some(file);
            }
        }
    }
    report
        .findings
        .sort_by(|a, b| (a.kind, &a.key).cmp(&(b.kind, &b.key)));
    Ok(report)
}

/// Read and check every selected record (its key recomputed), while other
/// threads check every value file and look for stray files when the whole
/// cache of value files is checked.
fn read_records<'v>(
    calls: &CallStore,
    values: &'v ValueStore,
    selected: Option<&BTreeSet<String>>,
    report: &mut Report,
) -> Result<(Named, Everything<'v>, Option<Vec<Finding>>), crate::store::StoreError> {
    let opts = ListOptions {
        sort: crate::store::SortKey::Key,
        ..Default::default()
    };
    let mut named = Named::default();
    let (read, everything, strays) = std::thread::scope(|scope| {
        let whole = selected.is_none() && !matches!(values, ValueStore::Transient(_));
        let everything = whole.then(|| scope.spawn(|| check_all(values)));
        let strays = whole.then(|| {
            // An HDF5 store's `.h5` files are not named like keys.
            let value_dir = match values {
                ValueStore::Files { .. } => values.root().map(PathBuf::from),
                _ => None,
            };
            let mut dirs: Vec<PathBuf> = value_dir.into_iter().collect();
            if let CallStore::Files(f) = calls {
                dirs.push(f.root().to_path_buf());
            }
            scope.spawn(move || strays(&dirs))
        });
        let map = |rec: CallRecord| {
            if selected.is_some_and(|s| !s.contains(&rec.key)) {
                return None;
            }
            Some(check_call(rec))
        };
        let read = calls.for_each_mapped(&opts, &map, |checked| {
            if let Some(call) = checked {
                report.findings.extend(call.mismatch);
                named.values.push(call.names);
                named.keys.push(call.key);
            }
            ControlFlow::Continue(())
        });
        (read, everything.map(join), strays.map(join))
    });
    read?;
    Ok((named, everything, strays))
}

/// Every value a record names that has no file, reported once, as named
/// by the first record (by key) naming it.
fn report_missing(
    named: &Named,
    index: &FxHashMap<&str, usize>,
    root: Option<&Path>,
    report: &mut Report,
) {
    let mut missing: FxHashMap<&str, String> = FxHashMap::default();
    for (i, names) in named.values.iter().enumerate() {
        for (d, role) in names {
            if index.contains_key(d.as_str()) || missing.contains_key(d.as_str()) {
                continue;
            }
            let by = match role {
                Some(name) => format!("argument `{name}` of call {}", named.keys[i]),
                None => format!("result of call {}", named.keys[i]),
            };
            missing.insert(d, by);
        }
    }
    for (d, by) in missing {
        report.findings.push(Finding {
            kind: Kind::MissingValue,
            key: d.to_string(),
            path: root.map(|r| r.join(d)),
            detail: format!("named as the {by}"),
        });
    }
}

/// Mark what the roots reach (in `live`) and give the check of each value
/// file looked at: every file when all were checked (`everything`), else
/// only what the selection reaches, checked level by level.
fn check_reached(
    values: &ValueStore,
    names: &[String],
    index: &FxHashMap<&str, usize>,
    roots: Vec<usize>,
    everything: Option<CheckedValues<'_>>,
    live: &mut [bool],
) -> Vec<(usize, Checked)> {
    let Some((_, checked)) = everything else {
        let mut frontier: Vec<usize> = roots
            .into_iter()
            .filter(|&i| !std::mem::replace(&mut live[i], true))
            .collect();
        let mut results = Vec::new();
        while !frontier.is_empty() {
            let checked: Vec<(usize, Checked)> = frontier
                .par_iter()
                .map(|&i| (i, check_value(values, &names[i])))
                .collect();
            frontier = Vec::new();
            for (i, checked) in checked {
                for c in &checked.children {
                    if let Some(&j) = index.get(c.as_str()) {
                        if !std::mem::replace(&mut live[j], true) {
                            frontier.push(j);
                        }
                    }
                }
                results.push((i, checked));
            }
        }
        return results;
    };
    // Every file was decoded once, for its digest and its children: what
    // is live follows from the children in memory.
    let mut stack = roots;
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut live[i], true) {
            continue;
        }
        for c in &checked[i].children {
            if let Some(&j) = index.get(c.as_str()) {
                stack.push(j);
            }
        }
    }
    checked.into_iter().enumerate().collect()
}

/// The finding of one checked value file, if any (counting digests not
/// recomputable in `report`). An orphan that cannot be read is only a
/// note: nothing needs it.
fn value_finding(
    result: ValueCheck,
    name: &str,
    live: bool,
    root: Option<&Path>,
    report: &mut Report,
) -> Option<Finding> {
    let (kind, detail) = match result {
        ValueCheck::Ok => return None,
        ValueCheck::Unchecked => {
            report.digests_unchecked += 1;
            return None;
        }
        ValueCheck::Bad(kind, detail) => (kind, detail),
        ValueCheck::AlwaysAProblem(detail) => {
            return Some(Finding {
                path: root.map(|r| r.join(name)),
                kind: Kind::UnreadableValue,
                key: name.to_string(),
                detail,
            })
        }
    };
    let (kind, detail) = if kind == Kind::UnreadableValue && !live {
        (
            Kind::Orphan,
            format!("unreferenced, and unreadable: {detail}"),
        )
    } else {
        (kind, detail)
    };
    Some(Finding {
        path: root.map(|r| r.join(name)),
        kind,
        key: name.to_string(),
        detail,
    })
}
