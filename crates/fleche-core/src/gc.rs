//! Garbage collection of value files (format §7), safer than fleche's
//! `Cache.gc()`: values named by *every* call store sharing the value
//! directory are live; files younger than a minimum age are kept and their
//! destructured children with them (a running call saves its arguments
//! and results before its record); a live file that cannot be decoded
//! stops the collection instead of letting its children be guessed dead.

use crate::cache::{CallStore, ValueStore};
use crate::store::files;
use crate::store::ListOptions;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum GcError {
    #[error("the values are in HDF5 (bagofholding) files under {0}, which this tool cannot follow; nothing was deleted")]
    Hdf5(PathBuf),
    #[error("the cache keeps no values on disk")]
    Transient,
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    File(#[from] files::FileError),
    #[error("cannot read {path}: {message}")]
    Io { path: PathBuf, message: String },
}

/// A value file gc would delete.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadValue {
    pub key: String,
    pub path: PathBuf,
    pub size: u64,
}

/// What a collection found.
#[derive(Debug, Clone, Default)]
pub struct GcPlan {
    pub root: PathBuf,
    /// Value files on disk, and their bytes.
    pub total: usize,
    pub total_bytes: u64,
    /// Live: named by a record, or reachable from one through destructured
    /// children (or from a file kept for its age).
    pub live: BTreeSet<String>,
    /// Unreferenced but younger than the minimum age: kept.
    pub young: Vec<String>,
    pub dead: Vec<DeadValue>,
    /// Live files that could not be decoded, so their children are
    /// unknown: while any exist, nothing may be deleted.
    pub undecodable: Vec<(String, String)>,
    /// Digests records name that have no file (already missing).
    pub missing: BTreeSet<String>,
}

impl GcPlan {
    pub fn dead_bytes(&self) -> u64 {
        self.dead.iter().map(|d| d.size).sum()
    }

    /// Whether deleting is safe: every live file's children are known.
    pub fn safe(&self) -> bool {
        self.undecodable.is_empty()
    }
}

/// Every value digest the records of `stores` name.
pub fn referenced(stores: &[&CallStore]) -> Result<BTreeSet<String>, crate::store::StoreError> {
    let mut out = BTreeSet::new();
    for store in stores {
        match store {
            CallStore::Sql(sql) => {
                sql.referenced(&mut out)?;
                continue;
            }
            CallStore::Files(files) => {
                out.extend(files.named_digests().iter().cloned());
                continue;
            }
            #[cfg(feature = "postgres")]
            CallStore::Pg(_) => {}
        }
        store.for_each(
            &ListOptions {
                sort: crate::store::SortKey::Key,
                ..Default::default()
            },
            |rec| {
                out.extend(rec.arguments.into_iter().map(|(_, d)| d));
                out.extend(rec.result);
                ControlFlow::Continue(())
            },
        )?;
    }
    Ok(out)
}

/// How far into a pickle the class of its top-level object is named: the
/// wrapper's global comes first (after PROTO and FRAME), so a file whose
/// head does not name the destructuring module has no children.
const HEAD: usize = 1024;

/// A value file's children and size.
type Children = (Vec<String>, u64);

/// The children of one value file and its size, reading only its head
/// unless it is a destructured wrapper (fleche follows top-level wrappers
/// only).
fn children_of(values: &ValueStore, key: &str) -> Result<Children, String> {
    let ValueStore::Files { root, keys, .. } = values else {
        return Ok((Vec::new(), 0));
    };
    let path = root.join(key);
    let (head, size) = files::read_head(&path, HEAD).map_err(|e| e.to_string())?;
    if !contains(&head, b"fleche.storage.destructuring") {
        return Ok((Vec::new(), size));
    }
    let env = files::read_envelope(&path, keys).map_err(|e| e.to_string())?;
    let value = crate::pickle::load(&env.payload).map_err(|e| e.to_string())?;
    Ok((crate::destructure::children(&value), size))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Mark and sweep, without deleting: see [`GcPlan`]. Live files are opened
/// once each (their head tells both children and size); only the files no
/// record names are `stat`ed, for their age.
pub fn plan(
    values: &ValueStore,
    stores: &[&CallStore],
    min_age: Duration,
    now: SystemTime,
) -> Result<GcPlan, GcError> {
    let root = match values {
        ValueStore::Files { root, .. } => root.clone(),
        ValueStore::Hdf5 { root, .. } => return Err(GcError::Hdf5(root.clone())),
        ValueStore::Transient(_) => return Err(GcError::Transient),
    };
    let names = values.sorted_keys()?;
    let on_disk: HashSet<&str> = names.iter().map(String::as_str).collect();
    let referenced = referenced(stores)?;
    let mut plan = GcPlan {
        root: root.clone(),
        total: names.len(),
        ..Default::default()
    };
    let mut sizes: HashMap<String, u64> = HashMap::with_capacity(names.len());
    plan.missing = referenced
        .iter()
        .filter(|d| !on_disk.contains(d.as_str()))
        .cloned()
        .collect();

    // Live from the records first, then from files kept for their age:
    // their children are protected too.
    let from_records: Vec<String> = referenced
        .into_iter()
        .filter(|d| on_disk.contains(d.as_str()))
        .collect();
    mark(values, from_records, &on_disk, &mut plan, &mut sizes);
    let unnamed: Vec<(&str, u64, bool)> = names
        .par_iter()
        .filter(|n| !plan.live.contains(n.as_str()))
        .map(|n| {
            let meta = std::fs::symlink_metadata(root.join(n));
            let (size, young) = match meta {
                Ok(m) => {
                    let young = !min_age.is_zero()
                        && m.modified()
                            .ok()
                            .and_then(|t| now.duration_since(t).ok())
                            .is_none_or(|age| age < min_age);
                    (m.len(), young)
                }
                Err(_) => (0, false),
            };
            (n.as_str(), size, young)
        })
        .collect();
    let young: Vec<String> = unnamed
        .iter()
        .filter(|(_, _, young)| *young)
        .map(|(n, _, _)| n.to_string())
        .collect();
    let mut unnamed_sizes: HashMap<&str, u64> = HashMap::with_capacity(unnamed.len());
    for (n, size, _) in &unnamed {
        unnamed_sizes.insert(n, *size);
    }
    mark(values, young.clone(), &on_disk, &mut plan, &mut sizes);
    plan.young = young;
    for name in names {
        let size = unnamed_sizes
            .get(name.as_str())
            .or_else(|| sizes.get(name))
            .copied()
            .unwrap_or(0);
        plan.total_bytes += size;
        if !plan.live.contains(name) {
            plan.dead.push(DeadValue {
                key: name.clone(),
                path: root.join(name),
                size,
            });
        }
    }
    for y in &plan.young {
        plan.live.remove(y);
    }
    Ok(plan)
}

/// Add `roots` and everything reachable from them through destructured
/// children to `plan.live`, decoding level by level in parallel.
fn mark(
    values: &ValueStore,
    roots: Vec<String>,
    on_disk: &HashSet<&str>,
    plan: &mut GcPlan,
    sizes: &mut HashMap<String, u64>,
) {
    let mut frontier: Vec<String> = roots
        .into_iter()
        .filter(|r| plan.live.insert(r.clone()))
        .collect();
    while !frontier.is_empty() {
        let found: Vec<(String, Result<Children, String>)> = frontier
            .into_par_iter()
            .map(|k| {
                let c = children_of(values, &k);
                (k, c)
            })
            .collect();
        let mut next = Vec::new();
        for (key, result) in found {
            match result {
                Ok((children, size)) => {
                    for c in children {
                        if !on_disk.contains(c.as_str()) {
                            plan.missing.insert(c);
                        } else if plan.live.insert(c.clone()) {
                            next.push(c);
                        }
                    }
                    sizes.insert(key, size);
                }
                Err(e) => plan.undecodable.push((key, e)),
            }
        }
        frontier = next;
    }
}

/// The outcome of deleting.
#[derive(Debug, Clone, Default)]
pub struct Swept {
    pub removed: Vec<DeadValue>,
    /// Kept at the last moment: re-saved or newly referenced meanwhile.
    pub spared: Vec<String>,
    pub failed: Vec<(String, String)>,
}

/// Delete the plan's dead files. Just before, the records are read again
/// and any value they now name is spared, and so is any file modified since
/// it was judged too old. Only regular files and symlinks named exactly by
/// the plan are unlinked; a symlink is removed, never followed.
pub fn sweep(plan: &GcPlan, stores: &[&CallStore], min_age: Duration) -> Result<Swept, GcError> {
    let mut out = Swept::default();
    if !plan.safe() {
        return Ok(out);
    }
    let now_referenced = referenced(stores)?;
    for dead in &plan.dead {
        if now_referenced.contains(&dead.key) {
            out.spared.push(dead.key.clone());
            continue;
        }
        let meta = match std::fs::symlink_metadata(&dead.path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                out.failed.push((dead.key.clone(), e.to_string()));
                continue;
            }
        };
        if meta.is_dir() {
            out.spared.push(dead.key.clone());
            continue;
        }
        let fresh = !min_age.is_zero()
            && meta
                .modified()
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_none_or(|a| a < min_age);
        if fresh {
            out.spared.push(dead.key.clone());
            continue;
        }
        match std::fs::remove_file(&dead.path) {
            Ok(()) => out.removed.push(dead.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => out.failed.push((dead.key.clone(), e.to_string())),
        }
    }
    Ok(out)
}
