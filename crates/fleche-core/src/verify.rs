//! `verify`: recompute what can be recomputed and compare it with what is
//! stored — call keys from records, value digests from decoded values —
//! and check that every referenced value is there and readable. Reads
//! only; never changes anything.

use crate::cache::{Cache, ValueStore};
use crate::digest::{call_key, digest, CallKeyInput, DigestError};
use crate::store::files;
use crate::store::{CallRecord, ListOptions};
use crate::value::Value;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::ControlFlow;
use std::path::PathBuf;

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
    /// Not referenced by any record (gc would delete it): a note.
    Orphan,
    /// A temp or lock file, or a name that is not UTF-8, in a store: a note.
    StrayFile,
}

impl Kind {
    /// Notes do not make a cache unclean.
    pub fn is_note(self) -> bool {
        matches!(self, Kind::Orphan | Kind::StrayFile)
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
        Value::Object(_) | Value::Ref(_) => false,
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
}

/// Check one value file; also its destructured children (none if it
/// cannot be read).
fn check_value(values: &ValueStore, key: &str) -> (ValueCheck, Vec<String>) {
    let loaded = match values.load(key) {
        Ok(v) => v,
        Err(e) => {
            return (
                ValueCheck::Bad(Kind::UnreadableValue, e.to_string()),
                Vec::new(),
            )
        }
    };
    let is_digest_name = key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_digest_name || !digestible(&loaded.value) {
        return (ValueCheck::Unchecked, loaded.children);
    }
    let check = match digest(&loaded.value) {
        Ok(d) if d == key => ValueCheck::Ok,
        Ok(d) => ValueCheck::Bad(Kind::DigestMismatch, format!("its content digests to {d}")),
        Err(DigestError::UnstableSetOrder(_)) | Err(DigestError::Indigestible(_)) => {
            ValueCheck::Unchecked
        }
        Err(e) => ValueCheck::Bad(Kind::DigestMismatch, e.to_string()),
    };
    (check, loaded.children)
}

/// Verify one cache. `selected` limits the check to those calls and the
/// values they reach; orphans and stray files are only looked for when
/// the whole cache is checked.
pub fn verify(
    cache: &Cache,
    selected: Option<&BTreeSet<String>>,
) -> Result<Report, crate::store::StoreError> {
    let mut report = Report::default();
    let mut referenced: HashMap<String, String> = HashMap::new();
    let opts = ListOptions {
        sort: crate::store::SortKey::Key,
        ..Default::default()
    };
    // Keys are recomputed in parallel once the records are read.
    let mut inputs: Vec<(String, String, CallKeyInput)> = Vec::new();
    cache.calls.for_each(&opts, |rec| {
        if selected.is_some_and(|s| !s.contains(&rec.key)) {
            return ControlFlow::Continue(());
        }
        for (name, d) in &rec.arguments {
            referenced
                .entry(d.clone())
                .or_insert_with(|| format!("argument `{name}` of call {}", rec.key));
        }
        if let Some(r) = &rec.result {
            referenced
                .entry(r.clone())
                .or_insert_with(|| format!("result of call {}", rec.key));
        }
        let input = key_input(&rec);
        inputs.push((rec.key, rec.name, input));
        ControlFlow::Continue(())
    })?;
    report.calls_checked = inputs.len();
    let mismatches: Vec<Finding> = inputs
        .par_iter()
        .filter_map(|(key, name, input)| match call_key(input) {
            Ok(k) if k == *key => None,
            Ok(k) => Some(Finding {
                kind: Kind::KeyMismatch,
                key: key.clone(),
                path: None,
                detail: format!("the record of `{name}` computes to key {k}"),
            }),
            Err(e) => Some(Finding {
                kind: Kind::KeyMismatch,
                key: key.clone(),
                path: None,
                detail: e.to_string(),
            }),
        })
        .collect();
    drop(inputs);
    report.findings.extend(mismatches);

    // After the records: a call-file store has decoded them by now.
    for (key, why) in cache.calls.broken() {
        report.findings.push(Finding {
            kind: Kind::UnreadableRecord,
            key: key.clone(),
            path: None,
            detail: why.clone(),
        });
    }
    let root = cache.values.root().map(PathBuf::from);
    // A store that cannot be listed is an error, not every value missing.
    let names = cache.values.sorted_keys()?;
    let on_disk: HashSet<&str> = names.iter().map(String::as_str).collect();
    if matches!(
        cache.values,
        ValueStore::Hdf5 { .. } | ValueStore::Transient(_)
    ) {
        return Ok(report);
    }
    for (d, by) in &referenced {
        if !on_disk.contains(d.as_str()) {
            report.findings.push(Finding {
                kind: Kind::MissingValue,
                key: d.clone(),
                path: root.as_ref().map(|r| r.join(d)),
                detail: format!("named as the {by}"),
            });
        }
    }
    // Which values to decode: everything, or what the selection reaches.
    let values = &cache.values;
    let mut live: HashSet<String> = referenced
        .keys()
        .filter(|d| on_disk.contains(d.as_str()))
        .cloned()
        .collect();
    let results: Vec<(String, ValueCheck)> = if selected.is_some() {
        let mut frontier: Vec<String> = live.iter().cloned().collect();
        while !frontier.is_empty() {
            let kids: Vec<Vec<String>> = frontier
                .par_iter()
                .map(|k| {
                    values
                        .load_raw(k)
                        .map(|(_, _, v)| crate::destructure::children(&v))
                        .unwrap_or_default()
                })
                .collect();
            frontier = kids
                .into_iter()
                .flatten()
                .filter(|c| on_disk.contains(c.as_str()) && live.insert(c.clone()))
                .collect();
        }
        live.par_iter()
            .map(|k| (k.clone(), check_value(values, k).0))
            .collect()
    } else {
        // Every file is decoded once, for its digest and its children; what
        // is live follows from the children in memory.
        let checked: Vec<(String, ValueCheck, Vec<String>)> = names
            .par_iter()
            .map(|k| {
                let (check, children) = check_value(values, k);
                (k.clone(), check, children)
            })
            .collect();
        let children: HashMap<&str, &[String]> = checked
            .iter()
            .map(|(k, _, c)| (k.as_str(), c.as_slice()))
            .collect();
        let mut frontier: Vec<String> = live.iter().cloned().collect();
        while let Some(k) = frontier.pop() {
            for c in children.get(k.as_str()).copied().unwrap_or_default() {
                if on_disk.contains(c.as_str()) && live.insert(c.clone()) {
                    frontier.push(c.clone());
                }
            }
        }
        checked
            .into_iter()
            .map(|(k, check, _)| (k, check))
            .collect()
    };
    report.values_checked = results.len();
    for (key, result) in results {
        match result {
            ValueCheck::Ok => {}
            ValueCheck::Unchecked => report.digests_unchecked += 1,
            ValueCheck::Bad(kind, detail) => {
                // An orphan that cannot be read is only a note: nothing needs it.
                let kind = if kind == Kind::UnreadableValue && !live.contains(&key) {
                    Kind::Orphan
                } else {
                    kind
                };
                let detail = if kind == Kind::Orphan {
                    format!("unreferenced, and unreadable: {detail}")
                } else {
                    detail
                };
                report.findings.push(Finding {
                    path: root.as_ref().map(|r| r.join(&key)),
                    kind,
                    key,
                    detail,
                });
            }
        }
    }
    if selected.is_none() {
        let reported: std::collections::HashSet<String> =
            report.findings.iter().map(|f| f.key.clone()).collect();
        for key in names.iter().filter(|k| !live.contains(*k)) {
            if reported.contains(key) {
                continue;
            }
            report.findings.push(Finding {
                kind: Kind::Orphan,
                key: key.clone(),
                path: root.as_ref().map(|r| r.join(key)),
                detail: "no record needs it (gc would delete it)".into(),
            });
        }
        let mut dirs: Vec<PathBuf> = root.into_iter().collect();
        if let crate::cache::CallStore::Files(f) = &cache.calls {
            dirs.push(f.root().to_path_buf());
        }
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let detail = match e.file_name().to_str() {
                    None => "a name that is not UTF-8, so not a fleche key",
                    Some(name) if !files::is_key_name(name) => {
                        "a temp or lock file (from an interrupted write or an old fleche)"
                    }
                    Some(_) => continue,
                };
                report.findings.push(Finding {
                    kind: Kind::StrayFile,
                    key: e.file_name().to_string_lossy().into_owned(),
                    path: Some(e.path()),
                    detail: detail.into(),
                });
            }
        }
    }
    report
        .findings
        .sort_by(|a, b| (a.kind, &a.key).cmp(&(b.kind, &b.key)));
    Ok(report)
}
