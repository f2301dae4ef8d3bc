//! Garbage collection of value files (format §7), safer than fleche's
//! `Cache.gc()`: values named by *every* call store sharing the value
//! directory are live; files younger than a minimum age are kept and their
//! destructured children with them (a running call saves its arguments
//! and results before its record); a live file that cannot be decoded
//! stops the collection instead of letting its children be guessed dead.

use crate::store::calls::{named, referenced, CallStore};
use crate::store::files;
use crate::store::values::ValueStore;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum GcError {
    #[error("the values are bags in HDF5 files shared between keys under {0}, which only fleche's own gc removes (it rewrites them under their `.lock` files); nothing was deleted (use fleche's `cache().gc()`)")]
    Hdf5(PathBuf),
    #[error("the cache keeps no values on disk")]
    Transient,
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    File(#[from] files::FileError),
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
    /// Some values are bags in HDF5 files shared between keys: looked at,
    /// never deleted. (One file per key is deleted as a value file is, as
    /// fleche's own gc does.)
    pub hdf5: bool,
    /// Value files on disk, and their bytes.
    pub total: usize,
    pub total_bytes: u64,
    /// How many files are live: named by a record, or reachable from one
    /// through destructured children (or from a file kept for its age).
    pub live: usize,
    /// Unreferenced but younger than the minimum age: kept.
    pub young: Vec<String>,
    pub dead: Vec<DeadValue>,
    /// Live files that could not be decoded, so their children are
    /// unknown: while any exist, nothing may be deleted.
    pub undecodable: Vec<(String, String)>,
    /// Digests records name that have no file (already missing).
    pub missing: BTreeSet<String>,
    /// Unreferenced files whose names are not fleche's (a 64-digit hex
    /// digest): never deleted, whatever the directory holds.
    pub foreign: Vec<String>,
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

/// How much of a pickle is read first: fleche names the wrapper's class
/// right after PROTO and FRAME. A longer file is searched to its end for
/// the destructuring module's name (any pickle may name its class later),
/// and decoded only if it is there.
const HEAD: usize = 1024;

/// One value file as gc sees it: its size and its destructured children,
/// or why they are unknown.
pub(crate) struct Inspected {
    pub size: u64,
    pub children: Result<Vec<String>, String>,
}

/// Open a value file: its size, and its destructured children (fleche
/// follows top-level wrappers only); decoded only when it names the
/// destructuring module.
pub(crate) fn inspect(dir: &files::Dir, keys: &[Vec<u8>], name: &str) -> Inspected {
    inspect_whole(dir, keys, name).0
}

/// [`inspect`], also giving back the file's bytes when the head read was
/// the whole (uncompressed) file: a copy then writes them without opening
/// the file again.
pub(crate) fn inspect_whole(
    dir: &files::Dir,
    keys: &[Vec<u8>],
    name: &str,
) -> (Inspected, Option<Vec<u8>>) {
    let (head, size, whole) = match dir.read_head_or_whole(name, HEAD) {
        Ok(found) => found,
        Err(e) => {
            let inspected = Inspected {
                size: 0,
                children: Err(crate::one_line(&e)),
            };
            return (inspected, None);
        }
    };
    const WRAPPERS: &[u8] = b"fleche.storage.destructuring";
    let named = contains(&head, WRAPPERS)
        || (head.len() >= HEAD && dir.payload_contains(name, WRAPPERS).unwrap_or(true));
    let whole = (whole && !named).then_some(head);
    if !named {
        let inspected = Inspected {
            size,
            children: Ok(Vec::new()),
        };
        return (inspected, whole);
    }
    let children = dir
        .read_envelope(name, keys)
        .map_err(|e| crate::one_line(&e))
        .and_then(|env| crate::pickle::load(&env.payload).map_err(|e| crate::one_line(&e)))
        .map(|value| crate::destructure::children(&value));
    (Inspected { size, children }, None)
}

/// A bag in an HDF5 store: decoded for its children (a bag has no size of
/// its own; a shared file's bytes are not divided among its bags).
pub(crate) fn inspect_hdf5(values: &ValueStore, name: &str) -> Inspected {
    let children = values.hdf5_children(name).map_err(|e| crate::one_line(&e));
    Inspected { size: 0, children }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Mark and sweep, without deleting: see [`GcPlan`]. The records are read
/// while every value file is opened once, on other threads (its head tells
/// both its children and its size); marking is then a walk in memory. Only
/// the files no record reaches are `stat`ed, for their age (and a symlink's
/// own size).
pub(crate) fn plan(
    values: &ValueStore,
    stores: &[&CallStore],
    min_age: Duration,
    now: SystemTime,
) -> Result<GcPlan, GcError> {
    let root = match values.root() {
        Some(root) => root.to_path_buf(),
        None => return Err(GcError::Transient),
    };
    let inspect_one = |name: &String| match values {
        ValueStore::Files { dir, keys, .. } => inspect(dir, keys, name),
        _ => inspect_hdf5(values, name),
    };
    let (named, files) = std::thread::scope(|scope| {
        let files = scope.spawn(
            || -> Result<(&[String], Vec<Inspected>), files::FileError> {
                let names = values.sorted_keys()?;
                let inspected: Vec<Inspected> = names.par_iter().map(inspect_one).collect();
                Ok((names, inspected))
            },
        );
        let named = named(stores);
        let files = files
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (named, files)
    });
    let (names, inspected) = files?;
    let named = named?;
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut plan = GcPlan {
        root: root.clone(),
        hdf5: matches!(values, ValueStore::Hdf5 { .. })
            && !crate::store::values::hdf5_stems(&root).is_empty(),
        total: names.len(),
        ..Default::default()
    };
    let mut live = vec![false; names.len()];
    let mut marker = Marker {
        names,
        index: &index,
        inspected: &inspected,
        live: &mut live,
        plan: &mut plan,
    };
    // Live from the records first, then from files kept for their age:
    // their children are protected too.
    for digest in &named {
        match index.get(digest.as_str()) {
            Some(&i) => marker.mark(i),
            None => {
                marker.plan.missing.insert(digest.clone());
            }
        }
    }
    let unnamed: Vec<(usize, u64, bool, bool)> = (0..names.len())
        .into_par_iter()
        .filter(|&i| !marker.live[i])
        .map(|i| {
            let meta = std::fs::symlink_metadata(root.join(&names[i]));
            let (size, young, special) = match meta {
                Ok(m) => {
                    let young = !min_age.is_zero()
                        && m.modified()
                            .ok()
                            .and_then(|t| now.duration_since(t).ok())
                            .is_none_or(|age| age < min_age);
                    let kind = m.file_type();
                    (m.len(), young, !(kind.is_file() || kind.is_symlink()))
                }
                Err(_) => (0, false, false),
            };
            (i, size, young, special)
        })
        .collect();
    let mut sizes: Vec<u64> = inspected.iter().map(|f| f.size).collect();
    let mut special = vec![false; names.len()];
    for &(i, size, young, is_special) in &unnamed {
        special[i] = is_special;
        sizes[i] = size;
        if young {
            marker.mark(i);
            marker.plan.young.push(names[i].clone());
        }
    }
    let young = marker.plan.young.len();
    for (i, name) in names.iter().enumerate() {
        plan.total_bytes += sizes[i];
        // What fleche never writes is never deleted: a name that is not a
        // digest, or a FIFO or device file in the directory.
        if !live[i] && (crate::prefix::key_bytes(name).is_none() || special[i]) {
            plan.foreign.push(name.clone());
        } else if !live[i] {
            let path = match values {
                ValueStore::Hdf5 { .. } => crate::store::values::hdf5_location(&root, name)
                    .map_or_else(|| root.join(name), |(file, _)| file),
                _ => root.join(name),
            };
            plan.dead.push(DeadValue {
                key: name.clone(),
                path,
                size: sizes[i],
            });
        }
    }
    plan.live = live.iter().filter(|&&l| l).count() - young;
    plan.undecodable.sort();
    Ok(plan)
}

/// Marks files live, with everything reachable from them.
struct Marker<'a> {
    names: &'a [String],
    index: &'a HashMap<&'a str, usize>,
    inspected: &'a [Inspected],
    live: &'a mut [bool],
    plan: &'a mut GcPlan,
}

impl Marker<'_> {
    fn mark(&mut self, root: usize) {
        let mut stack = vec![root];
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut self.live[i], true) {
                continue;
            }
            match &self.inspected[i].children {
                Ok(children) => {
                    for c in children {
                        match self.index.get(c.as_str()) {
                            Some(&j) => stack.push(j),
                            None => {
                                self.plan.missing.insert(c.clone());
                            }
                        }
                    }
                }
                Err(e) => self
                    .plan
                    .undecodable
                    .push((self.names[i].clone(), e.clone())),
            }
        }
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
pub(crate) fn sweep(
    plan: &GcPlan,
    stores: &[&CallStore],
    min_age: Duration,
) -> Result<Swept, GcError> {
    let mut out = Swept::default();
    if plan.hdf5 {
        return Err(GcError::Hdf5(plan.root.clone()));
    }
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
                out.failed.push((dead.key.clone(), crate::one_line(&e)));
                continue;
            }
        };
        if !(meta.is_file() || meta.is_symlink()) {
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
            Err(e) => out.failed.push((dead.key.clone(), crate::one_line(&e))),
        }
    }
    Ok(out)
}
