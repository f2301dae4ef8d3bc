//! Copying calls into another cache (`fleche copy`), as fleche's
//! `transfer` does but without unpickling anything: each value file is
//! copied as bytes (only its envelope — gzip, HMAC signature — is redone
//! when the target compresses or signs differently), destructured
//! children with their parents, and the records are filed last, in one
//! transaction where the target is a database, so an interrupted copy
//! leaves no record without its values and a rerun completes it.

use super::{Cache, Member};
use crate::config::{CacheSpec, CallStorageSpec, ValueStorageSpec};
use crate::store::callfiles::{self, CallFileError};
use crate::store::calls::CallStore;
use crate::store::files::{self, FileError};
use crate::store::sql_write::{Filed, SqlWriter};
use crate::store::values::ValueStore;
use crate::store::CallRecord;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CopyError {
    #[error("cannot copy into `{name}`: {why}")]
    Refused { name: String, why: String },
    #[error("value {key} is an HDF5 bag in {root}, which cannot be copied as bytes (this tool does not write HDF5)")]
    Hdf5Source { key: String, root: PathBuf },
    #[error("value {key} is in `{member}`, a remote cache over ssh ({host}): fleche's remote protocol sends values, not their files, which copy copies as bytes (run `fleche copy` on that machine)")]
    RemoteSource {
        key: String,
        member: String,
        host: String,
    },
    #[error("cannot copy value {key} into {root}: it holds HDF5 bags, and this tool does not write HDF5 (values in pickle files cannot become bags without Python)")]
    Hdf5Target { key: String, root: PathBuf },
    #[error("cannot read value {key}: {error}")]
    Read { key: String, error: FileError },
    #[error("cannot write {path}: {error}")]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot write call {key}: {error}")]
    CallFile { key: String, error: CallFileError },
}

/// Where a copy's records go.
enum TargetCalls {
    Sqlite(PathBuf),
    #[cfg(feature = "postgres")]
    Pg(String),
    Files {
        root: PathBuf,
        keys: Vec<Vec<u8>>,
        compress: bool,
    },
}

/// Where a copy's values go.
enum TargetValues {
    Files { store: ValueStore, compress: bool },
    Hdf5(ValueStore),
}

/// The cache a copy writes into: one that exists, or a directory to make
/// one in. Opened without requiring anything on disk yet.
pub struct Target {
    name: String,
    calls: TargetCalls,
    calls_spec: CallStorageSpec,
    values: TargetValues,
    /// A directory that holds no cache yet: the fleche configuration that
    /// opens what the copy makes there.
    new_root: Option<String>,
}

/// A call the copy cannot file, because a value it needs is in neither
/// the source nor the target (or cannot be read).
#[derive(Debug, Clone, PartialEq)]
pub struct Incomplete {
    pub key: String,
    pub value: String,
    pub why: String,
}

/// What a copy will do, worked out before anything is written.
#[derive(Debug, Default)]
pub struct CopyPlan {
    /// Records to file, sorted by key.
    pub calls: Vec<CallRecord>,
    /// Calls the target already holds (skipped without `overwrite`), and
    /// whether its record there is the same (name, arguments, result).
    pub present: Vec<(String, bool)>,
    /// Calls whose values cannot all be found.
    pub incomplete: Vec<Incomplete>,
    /// Calls still running in the source (no result yet): not copied.
    pub running: Vec<String>,
    /// Values to copy: key, the source member holding it, its size.
    pub values: Vec<(String, usize, u64)>,
    /// Values the calls need that the target holds already.
    pub values_present: usize,
    pub bytes: u64,
    /// Small value files read whole while planning, by key: written from
    /// here, without opening them again.
    held: Held,
}

/// Value files' bytes kept from the survey (at most [`HELD_LIMIT`] in all).
#[derive(Default)]
struct Held(HashMap<String, Vec<u8>>);

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Held({} files)", self.0.len())
    }
}

/// How many bytes of small value files a plan keeps for the write.
const HELD_LIMIT: u64 = 64 << 20;

/// What a copy did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CopyReport {
    /// Records filed.
    pub written: Vec<String>,
    /// Records found in the target when filing (a writer filed them after
    /// the copy was planned): left alone.
    pub raced: Vec<String>,
    pub values: usize,
    pub bytes: u64,
}

/// What one value needed by the copy is.
#[derive(Debug, Clone)]
enum Found {
    /// In source member `member`, not in the target; `whole` is the file
    /// itself when it was small enough to read whole.
    Copy {
        member: usize,
        size: u64,
        children: Vec<String>,
        whole: Option<Vec<u8>>,
    },
    /// In the target already (children from the source's copy, if any).
    Present {
        children: Vec<String>,
    },
    Missing(String),
}

impl Target {
    /// The target a configured cache or a directory describes. `spec` is
    /// None for a directory holding no cache yet: then it gets the kinds
    /// of storage `like` has (a SQLite database when `like` keeps records
    /// in SQL, call files otherwise; values in the same style), under
    /// `dir`, as fleche's `sql` or symmetric templates lay them out; `sql`
    /// puts the records in that database instead.
    pub fn open(
        name: String,
        spec: Option<CacheSpec>,
        dir: Option<&Path>,
        sql: Option<&str>,
        like: &Member,
    ) -> crate::Result<Target> {
        let refused = |why: String| CopyError::Refused {
            name: name.clone(),
            why,
        };
        let (values, calls, new_root) = match spec {
            Some(spec) => {
                let single = match spec {
                    CacheSpec::Stack(members) => members.into_iter().next(),
                    CacheSpec::Pool(_) => {
                        return Err(refused("it is a pool, which is read-only".into()).into())
                    }
                    single => Some(single),
                };
                match single {
                    Some(CacheSpec::Single {
                        values,
                        calls,
                        read_only,
                        ..
                    }) => {
                        if read_only {
                            return Err(
                                refused("it is configured `read_only = true`".into()).into()
                            );
                        }
                        (values, calls, None)
                    }
                    Some(CacheSpec::Ssh(ssh)) => {
                        let host = &ssh.host;
                        return Err(
                            refused(format!("it is a remote cache over ssh ({host})")).into()
                        );
                    }
                    _ => return Err(refused("it is a stack without members".into()).into()),
                }
            }
            None => {
                let dir = dir.ok_or_else(|| refused("it names no directory".into()))?;
                let (values, calls) = new_layout(dir, &like.layout, sql).ok_or_else(|| {
                    refused(format!("`{}` keeps its values in memory", like.name))
                })?;
                let shown = template_of(dir, &values, &calls);
                (values, calls, Some(shown))
            }
        };
        let values = match values {
            ValueStorageSpec::Files {
                root,
                compress,
                secret_keys,
                ..
            } => TargetValues::Files {
                store: ValueStore::files(
                    root,
                    files::resolve_keys(&secret_keys).map_err(|e| refused(e.to_string()))?,
                ),
                compress,
            },
            ValueStorageSpec::BagOfHolding { root } => TargetValues::Hdf5(ValueStore::hdf5(root)),
            ValueStorageSpec::Transient(t) => {
                return Err(refused(format!("it keeps its values in `{t}`")).into())
            }
        };
        let calls_spec = calls.clone();
        let calls = match calls {
            CallStorageSpec::Sqlite { path } => TargetCalls::Sqlite(path),
            CallStorageSpec::Files {
                root,
                compress,
                secret_keys,
                ..
            } => TargetCalls::Files {
                root,
                keys: files::resolve_keys(&secret_keys).map_err(|e| refused(e.to_string()))?,
                compress,
            },
            #[cfg(feature = "postgres")]
            CallStorageSpec::SqlServer { url }
                if url.starts_with("postgresql") || url.starts_with("postgres:") =>
            {
                TargetCalls::Pg(url)
            }
            CallStorageSpec::SqlServer { url } => {
                return Err(refused(format!(
                    "this build cannot write call records to `{}`",
                    crate::config::mask_password(&url)
                ))
                .into())
            }
            CallStorageSpec::Transient(t) => {
                return Err(refused(format!("it keeps its calls in `{t}`")).into())
            }
        };
        Ok(Target {
            name,
            calls,
            calls_spec,
            values,
            new_root,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// For a directory that held no cache: the fleche configuration that
    /// opens the cache the copy made there.
    pub fn new_root(&self) -> Option<&str> {
        self.new_root.as_deref()
    }

    /// Whether the target's records are `member`'s own (a copy into the
    /// cache it reads from).
    fn is_source(&self, member: &Member) -> bool {
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        };
        match (&self.calls_spec, &member.layout.1) {
            (CallStorageSpec::Sqlite { path: a }, CallStorageSpec::Sqlite { path: b }) => {
                same(a, b)
            }
            (CallStorageSpec::Files { root: a, .. }, CallStorageSpec::Files { root: b, .. }) => {
                same(a, b)
            }
            (CallStorageSpec::SqlServer { url: a }, CallStorageSpec::SqlServer { url: b }) => {
                a == b
            }
            _ => false,
        }
    }

    /// A reader of the target's records, if it has any store yet.
    fn reader(&self) -> crate::Result<Option<CallStore>> {
        let exists = match &self.calls {
            TargetCalls::Sqlite(path) => {
                path.is_file() && SqlWriter::open(path, true)?.has_schema()?
            }
            TargetCalls::Files { root, .. } => root.is_dir(),
            #[cfg(feature = "postgres")]
            TargetCalls::Pg(url) => crate::store::pg::PgWriter::open(url)?.has_schema()?,
        };
        if !exists {
            return Ok(None);
        }
        Ok(Some(super::open::open_calls(
            &self.name,
            self.calls_spec.clone(),
        )?))
    }

    /// Which of `records` the target holds (looked up in batches).
    fn present_keys(&self, records: &[CallRecord]) -> crate::Result<HashSet<String>> {
        let keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
        Ok(match &self.calls {
            TargetCalls::Sqlite(path) => SqlWriter::open(path, true)?.present(&keys)?,
            #[cfg(feature = "postgres")]
            TargetCalls::Pg(url) => crate::store::pg::PgWriter::open(url)?.present(&keys)?,
            TargetCalls::Files { root, .. } => keys
                .into_iter()
                .filter(|k| root.join(k).is_file())
                .map(String::from)
                .collect(),
        })
    }

    fn value_store(&self) -> &ValueStore {
        match &self.values {
            TargetValues::Files { store, .. } | TargetValues::Hdf5(store) => store,
        }
    }

    /// Work out what copying `records` (read from `source`) needs: which
    /// calls the target has, which values it lacks and where they are.
    pub fn plan(
        &self,
        source: &Cache,
        records: Vec<CallRecord>,
        overwrite: bool,
    ) -> crate::Result<CopyPlan> {
        if let Some(m) = source.members.iter().find(|m| self.is_source(m)) {
            return Err(CopyError::Refused {
                name: self.name.clone(),
                why: format!(
                    "its call records are those of `{}`, the cache copied from",
                    m.name
                ),
            }
            .into());
        }
        let mut plan = CopyPlan::default();
        let reader = self.reader()?;
        let taken = match &reader {
            Some(_) => self.present_keys(&records)?,
            None => HashSet::new(),
        };
        let mut wanted = Vec::with_capacity(records.len());
        for rec in records {
            if rec.result.is_none() {
                plan.running.push(rec.key);
                continue;
            }
            if let (Some(reader), true) = (&reader, taken.contains(&rec.key)) {
                if let Some(there) = reader.get(&rec.key)? {
                    if !overwrite {
                        let same = there.name == rec.name
                            && there.module == rec.module
                            && there.arguments == rec.arguments
                            && there.result == rec.result;
                        plan.present.push((rec.key, same));
                        continue;
                    }
                }
            }
            wanted.push(rec);
        }
        let stores: Vec<&ValueStore> = source.members.iter().map(|m| &m.values).collect();
        let mut found = self.survey_values(&stores, &wanted);
        // Keys borrowed from `found`; the buffers are reused call to call.
        let mut copy: HashSet<&str> = HashSet::new();
        let mut present: HashSet<&str> = HashSet::new();
        let mut closure: Vec<&str> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for rec in wanted {
            let mut stack: Vec<&str> = rec
                .arguments
                .iter()
                .map(|(_, v)| v.as_str())
                .chain(rec.result.as_deref())
                .collect();
            closure.clear();
            seen.clear();
            let mut broken = None;
            while let Some(k) = stack.pop() {
                match found.get_key_value(k) {
                    Some((k, Found::Copy { children, .. }))
                    | Some((k, Found::Present { children })) => {
                        if seen.insert(k) {
                            closure.push(k);
                            stack.extend(children.iter().map(String::as_str));
                        }
                    }
                    Some((_, Found::Missing(why))) => {
                        broken = Some((k.to_string(), why.clone()));
                        break;
                    }
                    None => {
                        broken = Some((k.to_string(), "not looked at".into()));
                        break;
                    }
                }
            }
            if let Some((value, why)) = broken {
                plan.incomplete.push(Incomplete {
                    key: rec.key.clone(),
                    value,
                    why,
                });
                continue;
            }
            for &k in &closure {
                match found.get(k) {
                    Some(Found::Copy { .. }) => copy.insert(k),
                    _ => present.insert(k),
                };
            }
            plan.calls.push(rec);
        }
        plan.values_present = present.len();
        let copy: Vec<String> = copy.into_iter().map(String::from).collect();
        let mut values: Vec<(String, usize, u64)> = Vec::with_capacity(copy.len());
        for k in copy {
            if let Some(Found::Copy {
                member,
                size,
                whole,
                ..
            }) = found.get_mut(&k)
            {
                values.push((k.clone(), *member, *size));
                if let Some(bytes) = whole.take() {
                    plan.held.0.insert(k, bytes);
                }
            }
        }
        values.sort();
        plan.bytes = values.iter().map(|v| v.2).sum();
        if let (Some((key, ..)), TargetValues::Hdf5(store)) = (values.first(), &self.values) {
            return Err(CopyError::Hdf5Target {
                key: key.clone(),
                root: store.root().map(Path::to_path_buf).unwrap_or_default(),
            }
            .into());
        }
        if let Some((key, m, _)) = values
            .iter()
            .find(|(_, m, _)| matches!(source.members[*m].values, ValueStore::Remote(_)))
        {
            let member = &source.members[*m];
            return Err(CopyError::RemoteSource {
                key: key.clone(),
                member: member.name.clone(),
                host: member
                    .calls
                    .describe()
                    .trim_start_matches("ssh ")
                    .to_string(),
            }
            .into());
        }
        if let Some((key, m, _)) = values
            .iter()
            .find(|(_, m, _)| matches!(source.members[*m].values, ValueStore::Hdf5 { .. }))
        {
            return Err(CopyError::Hdf5Source {
                key: key.clone(),
                root: source.members[*m]
                    .values
                    .root()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
            }
            .into());
        }
        plan.values = values;
        Ok(plan)
    }

    /// Every value the records reach (destructured children included),
    /// looked at level by level, each level on every core: where it is,
    /// its size, its children.
    fn survey_values(
        &self,
        stores: &[&ValueStore],
        records: &[CallRecord],
    ) -> HashMap<String, Found> {
        let mut found: HashMap<String, Found> = HashMap::new();
        let mut level: Vec<String> = records
            .iter()
            .flat_map(|r| {
                r.arguments
                    .iter()
                    .map(|(_, v)| v.clone())
                    .chain(r.result.clone())
            })
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        // The target's values are looked up only if its store exists (one
        // `stat`, not one per value).
        let target = self.value_store();
        let target = target.root().is_some_and(Path::is_dir).then_some(target);
        let budget = AtomicU64::new(HELD_LIMIT);
        while !level.is_empty() {
            let looked: Vec<(String, Found)> = level
                .into_par_iter()
                .map(|k| {
                    let f = look_at(target, stores, &k, &budget);
                    (k, f)
                })
                .collect();
            let mut next = HashSet::new();
            for (k, f) in looked {
                if let Found::Copy { children, .. } | Found::Present { children } = &f {
                    next.extend(children.iter().filter(|c| !found.contains_key(*c)).cloned());
                }
                found.insert(k, f);
            }
            next.retain(|c| !found.contains_key(c));
            level = next.into_iter().collect();
        }
        found
    }

    /// Copy the plan's values, flush them to disk, then file its records
    /// (one transaction for a database). `progress` hears of each value
    /// copied, with its size.
    pub fn write(
        &self,
        source: &Cache,
        plan: &CopyPlan,
        overwrite: bool,
        progress: &(dyn Fn(u64) + Sync),
    ) -> crate::Result<CopyReport> {
        let mut report = CopyReport::default();
        if !plan.values.is_empty() {
            let TargetValues::Files { store, compress } = &self.values else {
                return Err(CopyError::Hdf5Target {
                    key: plan.values[0].0.clone(),
                    root: PathBuf::new(),
                }
                .into());
            };
            let (ValueStore::Files { root, keys, .. }, compress) = (store, *compress) else {
                unreachable!("a file target holds a file store");
            };
            std::fs::create_dir_all(root).map_err(|error| CopyError::Write {
                path: root.clone(),
                error,
            })?;
            let stores: Vec<&ValueStore> = source.members.iter().map(|m| &m.values).collect();
            let out = ValueWriter::new(root);
            plan.values
                .par_iter()
                .try_for_each(|(key, member, size)| -> crate::Result<()> {
                    let held = plan.held.0.get(key).map(Vec::as_slice);
                    let bytes = rewrap(stores[*member], key, held, keys, compress)?;
                    out.write(key, &bytes).map_err(|error| CopyError::Write {
                        path: root.join(key),
                        error,
                    })?;
                    progress(*size);
                    Ok(())
                })?;
            flush(root).map_err(|error| CopyError::Write {
                path: root.clone(),
                error,
            })?;
            report.values = plan.values.len();
            report.bytes = plan.bytes;
        }
        let filed = self.file_records(source, &plan.calls, overwrite)?;
        for (rec, f) in plan.calls.iter().zip(filed) {
            match f {
                Filed::Written => report.written.push(rec.key.clone()),
                Filed::Present => report.raced.push(rec.key.clone()),
            }
        }
        Ok(report)
    }

    fn file_records(
        &self,
        source: &Cache,
        records: &[CallRecord],
        overwrite: bool,
    ) -> crate::Result<Vec<Filed>> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        match &self.calls {
            TargetCalls::Sqlite(path) => Ok(SqlWriter::create(path)?.insert(records, overwrite)?),
            #[cfg(feature = "postgres")]
            TargetCalls::Pg(url) => {
                Ok(crate::store::pg::PgWriter::open(url)?.insert(records, overwrite)?)
            }
            TargetCalls::Files {
                root,
                keys,
                compress,
            } => {
                std::fs::create_dir_all(root).map_err(|error| CopyError::Write {
                    path: root.clone(),
                    error,
                })?;
                let mut out = Vec::with_capacity(records.len());
                for rec in records {
                    let path = root.join(&rec.key);
                    if !overwrite && path.exists() {
                        out.push(Filed::Present);
                        continue;
                    }
                    let err = |error| CopyError::CallFile {
                        key: rec.key.clone(),
                        error,
                    };
                    let pickled = match source_call_file(source, &rec.key) {
                        Some((dir, src_keys)) => {
                            files::read_envelope(&dir.join(&rec.key), src_keys)
                                .map_err(|e| err(CallFileError::File(e)))?
                                .payload
                        }
                        None => callfiles::record_pickle(rec).map_err(err)?,
                    };
                    let bytes = files::wrap_envelope(pickled, keys.first(), *compress)
                        .map_err(|e| err(CallFileError::Compress(e)))?;
                    callfiles::write_atomic(&path, &bytes)
                        .map_err(|error| CopyError::Write { path, error })?;
                    out.push(Filed::Written);
                }
                Ok(out)
            }
        }
    }
}

/// Where the value `key` is: in the target (`target`, when its store
/// exists) or which source member, its size and children. A small file's
/// bytes come back with it while `budget` lasts.
fn look_at(
    target: Option<&ValueStore>,
    stores: &[&ValueStore],
    key: &str,
    budget: &AtomicU64,
) -> Found {
    let in_target = target.is_some_and(|t| t.contains(key));
    let held = stores.iter().position(|s| s.contains(key));
    let Some(member) = held else {
        return if in_target {
            Found::Present {
                children: Vec::new(),
            }
        } else {
            Found::Missing("in neither cache".into())
        };
    };
    let (inspected, whole) = match stores[member] {
        ValueStore::Files { dir, keys, .. } if !in_target => {
            crate::gc::inspect_whole(dir, keys, key)
        }
        ValueStore::Files { dir, keys, .. } => (crate::gc::inspect(dir, keys, key), None),
        store => (crate::gc::inspect_hdf5(store, key), None),
    };
    let whole = whole.filter(|bytes| {
        let n = bytes.len() as u64;
        budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(n)
            })
            .is_ok()
    });
    match (inspected.children, in_target) {
        (Ok(children), true) => Found::Present { children },
        (Err(_), true) => Found::Present {
            children: Vec::new(),
        },
        (Ok(children), false) => Found::Copy {
            member,
            size: inspected.size,
            children,
            whole,
        },
        (Err(why), false) => Found::Missing(why),
    }
}

/// The call-file directory of the first source member holding `key` as a
/// call file, with its keys: its pickle is copied as it is.
fn source_call_file<'a>(source: &'a Cache, key: &str) -> Option<(&'a Path, &'a [Vec<u8>])> {
    source.members.iter().find_map(|m| match &m.calls {
        CallStore::Files(f) if f.get(key).is_some() => Some((f.root(), f.secret_keys.as_slice())),
        _ => None,
    })
}

/// A value file's bytes as the target stores them: the same bytes when
/// neither side signs and both compress alike, else the same pickle in
/// the target's envelope (the source's signature checked first). `held`
/// is the file's bytes if the plan kept them (else it is read).
fn rewrap<'a>(
    from: &ValueStore,
    key: &str,
    held: Option<&'a [u8]>,
    to_keys: &[Vec<u8>],
    compress: bool,
) -> crate::Result<Cow<'a, [u8]>> {
    let ValueStore::Files {
        dir, keys, root, ..
    } = from
    else {
        return Err(CopyError::Hdf5Source {
            key: key.to_string(),
            root: from.root().map(Path::to_path_buf).unwrap_or_default(),
        }
        .into());
    };
    let path = root.join(key);
    let raw: Cow<'a, [u8]> = match held {
        Some(bytes) => Cow::Borrowed(bytes),
        None => Cow::Owned(dir.read(key).map_err(|e| CopyError::Read {
            key: key.to_string(),
            error: FileError::io(&path, e),
        })?),
    };
    let gzipped = raw.starts_with(&[0x1f, 0x8b]);
    if keys.is_empty() && to_keys.is_empty() && gzipped == compress {
        return Ok(raw);
    }
    let env =
        files::envelope_of(&path, raw.into_owned(), keys).map_err(|error| CopyError::Read {
            key: key.to_string(),
            error,
        })?;
    files::wrap_envelope(env.payload, to_keys.first(), compress)
        .map(Cow::Owned)
        .map_err(|error| CopyError::Write { path, error }.into())
}

/// Writes value files into one directory so that a reader sees each whole
/// or not at all, as fleche's `_atomic_write` does. On Linux a new file is
/// written unnamed (`O_TMPFILE`) and linked in under its key: a third less
/// kernel work than a named temp file renamed into place, which is still
/// the way where that is not supported or the key is taken (replaced, as
/// fleche's rename replaces it).
struct ValueWriter<'a> {
    dir: &'a Path,
    #[cfg(target_os = "linux")]
    fd: Option<std::os::fd::OwnedFd>,
    #[cfg(target_os = "linux")]
    unnamed: std::sync::atomic::AtomicBool,
}

impl<'a> ValueWriter<'a> {
    fn new(dir: &'a Path) -> ValueWriter<'a> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{Mode, OFlags, CWD};
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            let fd = rustix::fs::openat(CWD, dir, flags, Mode::empty()).ok();
            ValueWriter {
                dir,
                unnamed: std::sync::atomic::AtomicBool::new(fd.is_some()),
                fd,
            }
        }
        #[cfg(not(target_os = "linux"))]
        ValueWriter { dir }
    }

    fn write(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        if let (Some(fd), true) = (&self.fd, self.unnamed.load(Ordering::Relaxed)) {
            match write_unnamed(fd, key, bytes) {
                Unnamed::Linked => return Ok(()),
                Unnamed::Unsupported => self.unnamed.store(false, Ordering::Relaxed),
                // Taken, or failed: the named way replaces it, or says why.
                Unnamed::NotLinked => {}
            }
        }
        callfiles::write_atomic_with(&self.dir.join(key), bytes, false)
    }
}

#[cfg(target_os = "linux")]
enum Unnamed {
    Linked,
    NotLinked,
    /// The file system makes no unnamed files: never try again.
    Unsupported,
}

/// Write `bytes` to an unnamed file in `dir` and link it in as `key`
/// (through `/proc/self/fd`, which needs no privilege, unlike
/// `AT_EMPTY_PATH`); never replaces a file already there.
#[cfg(target_os = "linux")]
fn write_unnamed(dir: &std::os::fd::OwnedFd, key: &str, bytes: &[u8]) -> Unnamed {
    use rustix::fs::{AtFlags, Mode, OFlags, CWD};
    use rustix::io::Errno;
    use std::io::Write;
    use std::os::fd::AsRawFd;
    // 0o666 less the umask, as for any new file (fleche's `write_bytes`).
    let flags = OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC;
    let fd = match rustix::fs::openat(dir, ".", flags, Mode::from_raw_mode(0o666)) {
        Ok(fd) => fd,
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL | Errno::NOENT) => {
            return Unnamed::Unsupported
        }
        Err(_) => return Unnamed::NotLinked,
    };
    let mut f = std::fs::File::from(fd);
    if f.write_all(bytes).is_err() {
        return Unnamed::NotLinked;
    }
    let proc = format!("/proc/self/fd/{}", f.as_raw_fd());
    match rustix::fs::linkat(CWD, &proc, dir, key, AtFlags::SYMLINK_FOLLOW) {
        Ok(()) => Unnamed::Linked,
        // No /proc: the unnamed way cannot link anything.
        Err(Errno::NOENT) if !Path::new("/proc/self/fd").is_dir() => Unnamed::Unsupported,
        Err(_) => Unnamed::NotLinked,
    }
}

/// Flush what was written under `dir` to disk (the whole file system, in
/// one call, on Linux: one `fsync` per value file costs more than the
/// copy), so that no record filed afterwards can outlive its values in a
/// power cut.
fn flush(dir: &Path) -> std::io::Result<()> {
    let f = std::fs::File::open(dir)?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: syncfs only reads the descriptor, which `f` keeps open.
        if unsafe { libc::syncfs(f.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        f.sync_all()
    }
}

/// The storages of a new cache under `dir` shaped like `like`'s: fleche's
/// `sql` template (or records in `sql`) when `like` keeps records in a
/// database, its symmetric file template otherwise; values in `like`'s
/// style, unsigned and uncompressed unless `FLECHE_SECRET_KEY` is set, as
/// a template makes them.
fn new_layout(
    dir: &Path,
    like: &(ValueStorageSpec, CallStorageSpec),
    sql: Option<&str>,
) -> Option<(ValueStorageSpec, CallStorageSpec)> {
    let values = match &like.0 {
        ValueStorageSpec::Files {
            backend,
            remaining_depth,
            ..
        } => ValueStorageSpec::Files {
            backend: backend.clone(),
            root: dir.join("values"),
            compress: false,
            secret_keys: Vec::new(),
            remaining_depth: *remaining_depth,
        },
        ValueStorageSpec::BagOfHolding { .. } => ValueStorageSpec::BagOfHolding {
            root: dir.join("values"),
        },
        ValueStorageSpec::Transient(_) => return None,
    };
    let calls = match (sql, &like.1) {
        (Some(url), _) => crate::config::sql_url(Some(url)),
        (None, CallStorageSpec::Files { backend, .. }) => CallStorageSpec::Files {
            backend: backend.clone(),
            root: dir.join("calls"),
            compress: false,
            secret_keys: Vec::new(),
        },
        (None, _) => CallStorageSpec::Sqlite {
            path: dir.join("calls.db"),
        },
    };
    Some((values, calls))
}

/// The `fleche.toml` entry that opens a cache made by [`new_layout`].
fn template_of(dir: &Path, values: &ValueStorageSpec, calls: &CallStorageSpec) -> String {
    let style = match values {
        ValueStorageSpec::Files { backend, .. } => backend.as_str(),
        _ => "bagofholding_hdf",
    };
    let root = crate::store::python_json_dumps_str(&dir.display().to_string());
    match calls {
        CallStorageSpec::Files { backend, .. } if backend == style => {
            format!("template = \"{style}\", root = {root}")
        }
        CallStorageSpec::Files { backend, .. } => format!(
            "values = {{ type = \"{style}\", root = {} }}, calls = {{ type = \"{backend}\", root = {} }}",
            crate::store::python_json_dumps_str(&dir.join("values").display().to_string()),
            crate::store::python_json_dumps_str(&dir.join("calls").display().to_string()),
        ),
        CallStorageSpec::Sqlite { path } if path == &dir.join("calls.db") => {
            format!("template = \"sql\", root = {root}, values = \"{style}\"")
        }
        CallStorageSpec::Sqlite { path } => format!(
            "template = \"sql\", root = {root}, values = \"{style}\", url = {}",
            crate::store::python_json_dumps_str(&format!("sqlite:///{}", path.display()))
        ),
        CallStorageSpec::SqlServer { url } => format!(
            "template = \"sql\", root = {root}, values = \"{style}\", url = {}",
            crate::store::python_json_dumps_str(&crate::config::mask_password(url))
        ),
        CallStorageSpec::Transient(_) => String::new(),
    }
}
