//! Garbage collection of value files (format §7), safer than fleche's
//! `Cache.gc()`: values named by *every* call store sharing the value
//! directory are live; files younger than a minimum age are kept and their
//! destructured children with them (a running call saves its arguments
//! and results before its record); a live file that cannot be decoded
//! stops the collection instead of letting its children be guessed dead.

use crate::prefix::{hex_string, key_bytes, KeyBytes, KeySet};
use crate::store::calls::{for_each_named, CallStore};
use crate::store::files;
use crate::store::values::ValueStore;
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use std::collections::BTreeSet;
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

/// A value file as the plan keeps it: 16 bytes, the children boxed only
/// when there are any (or they are unknown), which is rare.
struct Seen {
    size: u64,
    children: Option<Box<Result<Vec<String>, String>>>,
}

impl From<Inspected> for Seen {
    fn from(i: Inspected) -> Seen {
        Seen {
            size: i.size,
            children: match i.children {
                Ok(c) if c.is_empty() => None,
                other => Some(Box::new(other)),
            },
        }
    }
}

/// Which value files the records name (by slot), and the digests they name
/// that have no file. The records are read while another thread lists the
/// value files: digests named before the listing is there wait as bytes.
fn named_slots(
    stores: &[&CallStore],
    values: &ValueStore,
) -> Result<(Vec<bool>, BTreeSet<String>), GcError> {
    struct Marks<'k> {
        keys: &'k KeySet,
        named: Vec<bool>,
        missing: BTreeSet<String>,
    }
    impl<'k> Marks<'k> {
        fn new(keys: &'k KeySet) -> Marks<'k> {
            Marks {
                keys,
                named: vec![false; keys.len()],
                missing: BTreeSet::new(),
            }
        }

        fn add_digest(&mut self, k: &KeyBytes) {
            match self.keys.slot_of(k) {
                Some(i) => self.named[i] = true,
                None => self.add(&hex_string(k)),
            }
        }

        fn add(&mut self, d: &str) {
            match self.keys.slot(d) {
                Some(i) => self.named[i] = true,
                None => {
                    if !self.missing.contains(d) {
                        self.missing.insert(d.to_string());
                    }
                }
            }
        }
    }
    // Digests as 32 bytes each, anything else as text.
    let mut waiting: (Vec<KeyBytes>, Vec<String>) = Default::default();
    let drain = |waiting: &mut (Vec<KeyBytes>, Vec<String>), m: &mut Marks| {
        waiting.0.drain(..).for_each(|k| m.add_digest(&k));
        waiting.1.drain(..).for_each(|w| m.add(&w));
    };
    // At most this many wait (32 MiB); then the listing is waited for.
    const WAITING: usize = 1 << 20;
    let mut marks: Option<Marks> = None;
    let mut listing_failed = false;
    for_each_named(stores, |d| {
        if marks.is_none() && !listing_failed && waiting.0.len() >= WAITING {
            // An error comes back below, from the same cached listing.
            listing_failed = values.index().is_err();
        }
        if marks.is_none() {
            match values.listed() {
                Some(keys) => drain(&mut waiting, marks.insert(Marks::new(keys))),
                None => {
                    match key_bytes(d) {
                        Some(k) => waiting.0.push(k),
                        None => waiting.1.push(d.to_string()),
                    }
                    return;
                }
            }
        }
        if let Some(m) = &mut marks {
            m.add(d);
        }
    })?;
    let mut marks = match marks {
        Some(m) => m,
        None => Marks::new(values.index()?),
    };
    drain(&mut waiting, &mut marks);
    Ok((marks.named, marks.missing))
}

/// Mark and sweep, without deleting: see [`GcPlan`]. The records are read
/// while every value file is opened once, on other threads (its head tells
/// both its children and its size); marking is then a walk in memory. Only
/// the files no record reaches are `stat`ed, for their age (and a symlink's
/// own size). Memory is a few bytes per value file: names stay in the
/// listing's [`KeySet`], everything else is indexed by slot.
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
    let inspect_one = |keys: &KeySet, slot: usize| -> Seen {
        let name = keys.name(slot);
        match values {
            ValueStore::Files { dir, keys, .. } => inspect(dir, keys, &name),
            _ => inspect_hdf5(values, &name),
        }
        .into()
    };
    let (named, seen) = std::thread::scope(|scope| {
        let seen = scope.spawn(|| -> Result<Vec<Seen>, files::FileError> {
            let keys = values.index()?;
            Ok((0..keys.len())
                .into_par_iter()
                .map(|i| inspect_one(keys, i))
                .collect())
        });
        let named = named_slots(stores, values);
        let seen = seen
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (named, seen)
    });
    let seen = seen?;
    let (named, missing) = named?;
    let keys = values.index()?;
    let mut plan = GcPlan {
        root: root.clone(),
        hdf5: matches!(values, ValueStore::Hdf5 { .. })
            && !crate::store::values::hdf5_stems(&root).is_empty(),
        total: keys.len(),
        missing,
        ..Default::default()
    };
    let mut live = vec![false; keys.len()];
    let mut marker = Marker {
        keys,
        seen: &seen,
        live: &mut live,
        plan: &mut plan,
    };
    // Live from the records first, then from files kept for their age:
    // their children are protected too.
    for (i, _) in named.iter().enumerate().filter(|(_, &n)| n) {
        marker.mark(i);
    }
    drop(named);
    let unnamed: Vec<(usize, u64, bool, bool)> = (0..keys.len())
        .into_par_iter()
        .filter(|&i| !marker.live[i])
        .map(|i| {
            let meta = std::fs::symlink_metadata(root.join(keys.name(i)));
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
    let mut sizes: Vec<u64> = seen.iter().map(|f| f.size).collect();
    let mut special = vec![false; keys.len()];
    for &(i, size, young, is_special) in &unnamed {
        special[i] = is_special;
        sizes[i] = size;
        if young {
            marker.mark(i);
            marker.plan.young.push(keys.name(i));
        }
    }
    let young = marker.plan.young.len();
    for (i, &size) in sizes.iter().enumerate() {
        plan.total_bytes += size;
        if live[i] {
            continue;
        }
        let name = keys.name(i);
        // What fleche never writes is never deleted: a name that is not a
        // digest, or a FIFO or device file in the directory.
        if !keys.is_digest(i) || special[i] {
            plan.foreign.push(name);
        } else {
            let path = match values {
                ValueStore::Hdf5 { .. } => crate::store::values::hdf5_location(&root, &name)
                    .map_or_else(|| root.join(&name), |(file, _)| file),
                _ => root.join(&name),
            };
            plan.dead.push(DeadValue {
                key: name,
                path,
                size,
            });
        }
    }
    // In name order, as the directory sorts (slots put digests first).
    plan.young.sort_unstable();
    plan.foreign.sort_unstable();
    plan.dead.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    plan.live = live.iter().filter(|&&l| l).count() - young;
    plan.undecodable.sort();
    Ok(plan)
}

/// Marks files live, with everything reachable from them.
struct Marker<'a> {
    keys: &'a KeySet,
    seen: &'a [Seen],
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
            match self.seen[i].children.as_deref() {
                None => {}
                Some(Ok(children)) => {
                    for c in children {
                        match self.keys.slot(c) {
                            Some(j) => stack.push(j),
                            None => {
                                self.plan.missing.insert(c.clone());
                            }
                        }
                    }
                }
                Some(Err(e)) => self.plan.undecodable.push((self.keys.name(i), e.clone())),
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
    // Only whether a dead file is named now matters: the records are
    // streamed against the (usually few) dead keys.
    let dead: FxHashSet<&str> = plan.dead.iter().map(|d| d.key.as_str()).collect();
    let mut named_now: FxHashSet<String> = FxHashSet::default();
    for_each_named(stores, |d| {
        if dead.contains(d) && !named_now.contains(d) {
            named_now.insert(d.to_string());
        }
    })?;
    for dead in &plan.dead {
        if named_now.contains(dead.key.as_str()) {
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
