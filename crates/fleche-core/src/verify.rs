//! `verify`: recompute what can be recomputed and compare it with what is
//! stored — call keys from records, value digests from decoded values —
//! and check that every referenced value is there and readable. Reads
//! only; never changes anything.

use crate::digest::{call_key, digest, CallKeyInput, DigestError};
use crate::prefix::KeySet;
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

/// One record checked: its key, a key mismatch if any, the slots of the
/// values it names, and the digests it names that have no file (with the
/// argument naming each, or None for the result).
struct CheckedCall {
    key: String,
    mismatch: Option<Finding>,
    slots: Vec<u32>,
    missing: Vec<(String, Option<String>)>,
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

fn check_call(rec: CallRecord, keys: &KeySet) -> CheckedCall {
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
    let mut slots = Vec::with_capacity(rec.arguments.len() + 1);
    let mut missing = Vec::new();
    let named = rec
        .arguments
        .into_iter()
        .map(|(name, d)| (d, Some(name)))
        .chain(rec.result.map(|r| (r, None)));
    for (d, role) in named {
        match keys.slot(&d) {
            Some(i) => slots.push(i as u32),
            None => missing.push((d, role)),
        }
    }
    CheckedCall {
        key: rec.key,
        mismatch,
        slots,
        missing,
    }
}

/// A value file's check as kept for a whole cache: 16 bytes, boxed only
/// when something is worth saying (a problem, children, a reconstruction
/// call), which is rare.
enum Small {
    Ok,
    Unchecked,
    Other(Box<Checked>),
}

impl Small {
    fn new(c: Checked) -> Small {
        match c.check {
            ValueCheck::Ok if c.children.is_empty() && c.call.is_none() => Small::Ok,
            ValueCheck::Unchecked if c.children.is_empty() && c.call.is_none() => Small::Unchecked,
            _ => Small::Other(Box::new(c)),
        }
    }

    fn children(&self) -> &[String] {
        match self {
            Small::Other(c) => &c.children,
            _ => &[],
        }
    }

    fn into_parts(self) -> (ValueCheck, Option<String>) {
        match self {
            Small::Ok => (ValueCheck::Ok, None),
            Small::Unchecked => (ValueCheck::Unchecked, None),
            Small::Other(c) => (c.check, c.call),
        }
    }
}

/// Every value file checked, by slot.
fn check_all(values: &ValueStore, keys: &KeySet) -> Vec<Small> {
    (0..keys.len())
        .into_par_iter()
        .map(|i| Small::new(check_value(values, &keys.name(i))))
        .collect()
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

/// What the records said, kept per value slot: whether one names it.
#[derive(Default)]
struct Named {
    calls: usize,
    /// By slot: whether a record names the value.
    rooted: Vec<bool>,
    /// Digests named with no file, each as named by the first record (by
    /// key) naming it.
    missing: FxHashMap<String, String>,
}

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
    // A store that cannot be listed is an error, not every value missing.
    let keys = values.index()?;
    let (named, everything, strays) = read_records(calls, values, keys, selected, &mut report)?;
    report.calls_checked = named.calls;
    // After the records: a call-file store has decoded them by now.
    for (key, why) in calls.broken() {
        report.findings.push(Finding {
            kind: Kind::UnreadableRecord,
            key: key.clone(),
            path: None,
            detail: why.clone(),
        });
    }
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
    for (d, by) in named.missing {
        report.findings.push(Finding {
            kind: Kind::MissingValue,
            path: root.as_ref().map(|r| r.join(&d)),
            key: d,
            detail: format!("named as the {by}"),
        });
    }
    let mut live = vec![false; keys.len()];
    let mut reported = vec![false; keys.len()];
    let mut take = |i: usize, small: Small, live: &[bool], report: &mut Report| {
        let (check, call) = small.into_parts();
        let name = || keys.name(i);
        if let Some(class) = call {
            report.findings.push(Finding {
                kind: Kind::ShownAsCall,
                key: name(),
                path: root.as_ref().map(|r| r.join(name())),
                detail: format!(
                    "value {} ({class}) is shown as a reconstruction call, not as Python prints it",
                    name()
                ),
            });
        }
        if !matches!(check, ValueCheck::Ok) {
            if let Some(finding) = value_finding(check, &name(), live[i], root.as_deref(), report) {
                reported[i] = true;
                report.findings.push(finding);
            }
        }
    };
    match check_reached(values, keys, named.rooted, everything, &mut live) {
        Reached::All(all) => {
            report.values_checked = all.len();
            for (i, small) in all.into_iter().enumerate() {
                take(i, small, &live, &mut report);
            }
        }
        Reached::Some(some) => {
            report.values_checked = some.len();
            for (i, small) in some {
                take(i, small, &live, &mut report);
            }
        }
    }
    if selected.is_none() {
        for i in (0..keys.len()).filter(|&i| !live[i] && !reported[i]) {
            let key = keys.name(i);
            report.findings.push(Finding {
                kind: Kind::Orphan,
                path: root.as_ref().map(|r| r.join(&key)),
                key,
                detail: if keys.is_digest(i) {
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

/// What the records said; every value file checked and the stray files
/// found, when the whole cache is checked.
type Read = (Named, Option<Vec<Small>>, Option<Vec<Finding>>);

/// Read and check every selected record (its key recomputed), while other
/// threads check every value file and look for stray files when the whole
/// cache of value files is checked.
fn read_records(
    calls: &CallStore,
    values: &ValueStore,
    keys: &KeySet,
    selected: Option<&BTreeSet<String>>,
    report: &mut Report,
) -> Result<Read, crate::store::StoreError> {
    let opts = ListOptions {
        sort: crate::store::SortKey::Key,
        ..Default::default()
    };
    let mut named = Named {
        rooted: vec![false; keys.len()],
        ..Default::default()
    };
    let (read, everything, strays) = std::thread::scope(|scope| {
        let whole = selected.is_none() && !matches!(values, ValueStore::Transient(_));
        let everything = whole.then(|| scope.spawn(|| check_all(values, keys)));
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
            Some(check_call(rec, keys))
        };
        let read = calls.for_each_mapped(&opts, &map, |checked| {
            if let Some(call) = checked {
                report.findings.extend(call.mismatch);
                named.calls += 1;
                for s in call.slots {
                    named.rooted[s as usize] = true;
                }
                for (d, role) in call.missing {
                    if named.missing.contains_key(&d) {
                        continue;
                    }
                    let by = match role {
                        Some(name) => format!("argument `{name}` of call {}", call.key),
                        None => format!("result of call {}", call.key),
                    };
                    named.missing.insert(d, by);
                }
            }
            ControlFlow::Continue(())
        });
        (read, everything.map(join), strays.map(join))
    });
    read?;
    Ok((named, everything, strays))
}

/// The checks of the value files looked at: every file when all were
/// checked, else (by slot) only what the selection reaches.
enum Reached {
    All(Vec<Small>),
    Some(Vec<(usize, Small)>),
}

/// Mark what the records name reaches (in `live`) and give the check of
/// each value file looked at: every file when all were checked
/// (`everything`), else only what the selection reaches, checked level by
/// level.
fn check_reached(
    values: &ValueStore,
    keys: &KeySet,
    rooted: Vec<bool>,
    everything: Option<Vec<Small>>,
    live: &mut [bool],
) -> Reached {
    let roots = rooted
        .iter()
        .enumerate()
        .filter(|(_, &r)| r)
        .map(|(i, _)| i);
    let Some(checked) = everything else {
        let mut frontier: Vec<usize> = roots
            .filter(|&i| !std::mem::replace(&mut live[i], true))
            .collect();
        let mut results = Vec::new();
        while !frontier.is_empty() {
            let checked: Vec<(usize, Small)> = frontier
                .par_iter()
                .map(|&i| (i, Small::new(check_value(values, &keys.name(i)))))
                .collect();
            frontier = Vec::new();
            for (i, checked) in checked {
                for c in checked.children() {
                    if let Some(j) = keys.slot(c) {
                        if !std::mem::replace(&mut live[j], true) {
                            frontier.push(j);
                        }
                    }
                }
                results.push((i, checked));
            }
        }
        return Reached::Some(results);
    };
    // Every file was decoded once, for its digest and its children: what
    // is live follows from the children in memory.
    let mut stack: Vec<usize> = roots.collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut live[i], true) {
            continue;
        }
        for c in checked[i].children() {
            if let Some(j) = keys.slot(c) {
                stack.push(j);
            }
        }
    }
    Reached::All(checked)
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
