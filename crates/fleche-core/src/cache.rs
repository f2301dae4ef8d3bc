//! Opening a cache: from the configuration by name, or from a directory.

use crate::config::{self, CacheSpec, CallStorageSpec, Config, ConfigError, ValueStorageSpec};
use crate::prefix::KeySet;
use crate::store::callfiles::FileCalls;
use crate::store::files::{self, FileError};
use crate::store::sql::SqlCalls;
use crate::store::{CallFilter, CallRecord, ListOptions, StoreError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum OpenError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{0} holds no fleche cache (no calls.db and no calls/ directory)")]
    NotACache(PathBuf),
    #[error("cache `{name}` is {what}, which this version of the tool cannot open yet")]
    Unsupported { name: String, what: String },
    #[error("cache `{name}` keeps its calls {what}: there is nothing on disk to inspect")]
    Transient { name: String, what: String },
    #[error("cache `{name}`: {message}")]
    Keys { name: String, message: String },
}

/// Where a cache is to be found, as the command line said.
#[derive(Debug, Clone, Default)]
pub struct Locator {
    /// `--root DIR`: a cache directory, no configuration.
    pub root: Option<PathBuf>,
    /// `--config FILE`: only this file.
    pub config: Option<PathBuf>,
    /// `--cache NAME`.
    pub name: Option<String>,
    /// The directory the config walk starts from (`-C`, else the cwd).
    pub cwd: PathBuf,
    /// `--sql URL`: the call records are in this database instead.
    pub sql: Option<String>,
}

/// Load a value from the first store that has it (as a stack reads).
pub fn load_value_from<'a>(
    stores: impl IntoIterator<Item = &'a ValueStore>,
    key: &str,
) -> Result<StoredValue, ValueError> {
    let mut first_err = None;
    for store in stores {
        match store.load(key) {
            Ok(v) => return Ok(v),
            Err(ValueError::Missing(_)) => {}
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or_else(|| ValueError::Missing(key.to_string())))
}

/// A value store that is opened lazily: its directory is read once, into
/// a [`KeySet`] (and into strings only for commands that want every name).
pub enum ValueStore {
    Files {
        root: PathBuf,
        /// The same directory, for opening its files by name.
        dir: files::Dir,
        keys: Vec<Vec<u8>>,
        /// Read once, by whichever thread asks first (others wait).
        index: OnceLock<Result<KeySet, FileError>>,
        listing: OnceLock<Vec<String>>,
    },
    /// Values in bagofholding HDF5 files, which this tool does not parse:
    /// the keys it knows are those the call records name whose HDF5 file
    /// exists (unreferenced values are invisible here).
    Hdf5 {
        root: PathBuf,
        keys: Vec<String>,
        index: KeySet,
    },
    Transient(String),
}

static NO_KEYS: KeySet = KeySet::empty();

impl ValueStore {
    /// Every value key, for prefix and neighbour questions (one directory
    /// read, cached).
    pub fn index(&self) -> Result<&KeySet, FileError> {
        match self {
            ValueStore::Files { root, index, .. } => index
                .get_or_init(|| files::key_set(root))
                .as_ref()
                .map_err(Clone::clone),
            ValueStore::Hdf5 { index, .. } => Ok(index),
            ValueStore::Transient(_) => Ok(&NO_KEYS),
        }
    }

    /// Every value key as text, sorted (from the same directory read).
    pub fn sorted_keys(&self) -> Result<&[String], FileError> {
        match self {
            ValueStore::Files { listing, .. } => {
                if let Some(l) = listing.get() {
                    return Ok(l);
                }
                let l = self.index()?.to_strings();
                Ok(listing.get_or_init(|| l))
            }
            ValueStore::Hdf5 { keys, .. } => Ok(keys),
            ValueStore::Transient(_) => Ok(&[]),
        }
    }

    pub fn root(&self) -> Option<&Path> {
        match self {
            ValueStore::Files { root, .. } | ValueStore::Hdf5 { root, .. } => Some(root),
            ValueStore::Transient(_) => None,
        }
    }
}

/// Call records, in SQLite or in pickled files; the same questions answered
/// the same way by both.
pub enum CallStore {
    Sql(SqlCalls),
    Files(FileCalls),
    #[cfg(feature = "postgres")]
    Pg(Box<crate::store::pg::PgCalls>),
}

impl CallStore {
    pub fn count(&self) -> Result<u64, StoreError> {
        match self {
            CallStore::Sql(s) => s.count(),
            CallStore::Files(f) => Ok(f.count()),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.count(),
        }
    }

    /// Every call key, sorted (what a batch of prefix questions needs at once).
    pub fn sorted_keys(&self) -> Result<Vec<String>, StoreError> {
        match self {
            CallStore::Sql(s) => s.sorted_keys(),
            CallStore::Files(f) => Ok(f.keys().to_vec()),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.sorted_keys(),
        }
    }

    /// [`Self::sorted_keys`] as bytes; None if some key is not a 64-digit
    /// lowercase hex digest (then only the string form orders them right).
    pub fn sorted_key_bytes(&self) -> Result<Option<Vec<crate::prefix::KeyBytes>>, StoreError> {
        let from = |keys: &[String]| keys.iter().map(|k| crate::prefix::key_bytes(k)).collect();
        match self {
            CallStore::Sql(s) => s.sorted_key_bytes(),
            CallStore::Files(f) => Ok(from(f.keys())),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => Ok(from(&p.sorted_keys()?)),
        }
    }

    pub fn get(&self, key: &str) -> Result<Option<CallRecord>, StoreError> {
        match self {
            CallStore::Sql(s) => s.get(key),
            CallStore::Files(f) => Ok(f.get(key)),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.get(key),
        }
    }

    pub fn for_each(
        &self,
        opts: &ListOptions,
        f: impl FnMut(CallRecord) -> std::ops::ControlFlow<()>,
    ) -> Result<(), StoreError> {
        match self {
            CallStore::Sql(s) => s.for_each(opts, f),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.for_each(opts, f),
            CallStore::Files(files) => {
                files.for_each(opts, f);
                Ok(())
            }
        }
    }

    /// [`Self::for_each`] with `map` applied to each record, on several
    /// threads where the store can read in parallel; `sink` sees the results
    /// in listing order.
    pub fn for_each_mapped<T: Send>(
        &self,
        opts: &ListOptions,
        map: &(dyn Fn(CallRecord) -> T + Sync),
        mut sink: impl FnMut(T) -> std::ops::ControlFlow<()>,
    ) -> Result<(), StoreError> {
        match self {
            CallStore::Sql(s) => s.for_each_mapped(opts, map, sink),
            // Every record in key order is the files' own order: decode and
            // map in parallel, keeping no records.
            CallStore::Files(f)
                if opts.filter == CallFilter::default()
                    && opts.sort == crate::store::SortKey::Key
                    && !opts.reverse
                    && opts.limit.is_none() =>
            {
                for t in f.map_all(map).into_iter().flatten() {
                    if sink(t).is_break() {
                        break;
                    }
                }
                Ok(())
            }
            _ => self.for_each(opts, |rec| sink(map(rec))),
        }
    }

    pub fn count_matching(&self, filter: &CallFilter) -> Result<u64, StoreError> {
        match self {
            CallStore::Sql(s) => s.count_matching(filter),
            CallStore::Files(f) => Ok(f.count_matching(filter)),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.count_matching(filter),
        }
    }

    /// (call key, role) of every call naming `digest` as argument or result.
    pub fn calls_using(&self, digest: &str) -> Result<Vec<(String, String)>, StoreError> {
        match self {
            CallStore::Sql(s) => s.calls_using(digest),
            CallStore::Files(f) => Ok(f.calls_using(digest)),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.calls_using(digest),
        }
    }

    /// Per-function statistics, most-called first.
    pub fn function_stats(&self) -> Result<Vec<crate::store::FunctionStats>, StoreError> {
        match self {
            CallStore::Sql(s) => s.function_stats(),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.function_stats(),
            CallStore::Files(f) => {
                let mut by: BTreeMap<(String, Option<String>), crate::store::FunctionStats> =
                    BTreeMap::new();
                for r in f.records() {
                    let e = by
                        .entry((r.name.clone(), r.module.clone()))
                        .or_insert_with(|| crate::store::FunctionStats {
                            name: r.name.clone(),
                            module: r.module.clone(),
                            ..Default::default()
                        });
                    e.calls += 1;
                    e.walltime += r.walltime().unwrap_or(0.0);
                    if let Some(t) = r.started() {
                        e.first = Some(e.first.map_or(t, |x| x.min(t)));
                        e.last = Some(e.last.map_or(t, |x| x.max(t)));
                    }
                    e.unfinished += r.result.is_none() as u64;
                }
                let mut out: Vec<_> = by.into_values().collect();
                out.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.name.cmp(&b.name)));
                Ok(out)
            }
        }
    }

    /// Call files that could not be decoded (always empty for SQL); decodes
    /// every call file.
    pub fn broken(&self) -> &[(String, String)] {
        match self {
            CallStore::Files(f) => f.broken(),
            _ => &[],
        }
    }

    pub fn describe(&self) -> String {
        match self {
            CallStore::Sql(s) => format!("sqlite {}", s.path().display()),
            CallStore::Files(f) => format!("files {}", f.root().display()),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => format!("sql {}", p.shown()),
        }
    }
}

impl crate::prefix::SortedKeys for CallStore {
    type Error = StoreError;

    fn with_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        match self {
            CallStore::Sql(s) => s.keys_with_prefix(prefix, limit),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.keys_with_prefix(prefix, limit),
            CallStore::Files(f) => {
                let Ok(keys) = f.with_prefix(prefix, limit);
                Ok(keys)
            }
        }
    }

    fn neighbours(&self, key: &str) -> Result<(Option<String>, Option<String>), StoreError> {
        match self {
            CallStore::Sql(s) => s.neighbours(key),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.neighbours(key),
            CallStore::Files(f) => {
                let Ok(n) = f.neighbours(key);
                Ok(n)
            }
        }
    }
}

/// An opened cache.
pub struct Cache {
    pub name: String,
    /// The config file that declared it, if any.
    pub file: Option<PathBuf>,
    pub calls: CallStore,
    pub values: ValueStore,
    pub read_only: bool,
}

impl Locator {
    /// The configuration this locator reads (empty for `--root`).
    pub fn config(&self) -> Result<Config, ConfigError> {
        match &self.config {
            Some(file) => Config::from_files(std::slice::from_ref(file)),
            None => Config::load(&self.cwd),
        }
    }

    pub fn open(&self) -> Result<Caches, OpenError> {
        if let Some(dir) = &self.root {
            let dir = if dir.is_absolute() {
                dir.clone()
            } else {
                self.cwd.join(dir)
            };
            let spec = match &self.sql {
                // Values under DIR/values, records in the database.
                Some(url) => config::values_at(&dir, url),
                None => config::cache_at(&dir).ok_or_else(|| OpenError::NotACache(dir.clone()))?,
            };
            return open_caches(dir.display().to_string(), None, spec);
        }
        let cfg = self.config()?;
        if cfg.files.is_empty() {
            return Err(ConfigError::NoConfig {
                cwd: self.cwd.clone(),
                xdg: config::xdg_config_file()
                    .unwrap_or_else(|| PathBuf::from("~/.config/fleche/cache.toml")),
            }
            .into());
        }
        let named = cfg.cache(self.name.as_deref())?;
        let spec = match (&self.sql, named.spec) {
            (Some(url), CacheSpec::Single { values, read_only, max_size, .. }) => CacheSpec::Single {
                values,
                calls: config::sql_url(Some(url)),
                read_only,
                max_size,
            },
            (Some(_), _) => {
                return Err(OpenError::Unsupported {
                    name: named.name,
                    what: "a stack or pool, whose members have their own databases (--sql needs a single cache)".into(),
                })
            }
            (None, spec) => spec,
        };
        open_caches(named.name, named.file, spec)
    }
}

fn open_spec(name: String, file: Option<PathBuf>, spec: CacheSpec) -> Result<Cache, OpenError> {
    let (values, calls, read_only) = match spec {
        CacheSpec::Single {
            values,
            calls,
            read_only,
            ..
        } => (values, calls, read_only),
        CacheSpec::Stack(_) | CacheSpec::Pool(_) => {
            return Err(OpenError::Unsupported {
                name,
                what: "a nested stack or pool".into(),
            })
        }
        CacheSpec::Ssh { host } => {
            return Err(OpenError::Unsupported {
                name,
                what: format!("a remote cache over ssh ({host})"),
            })
        }
    };
    let calls = open_calls(&name, calls)?;
    let values = match values {
        ValueStorageSpec::Files {
            root, secret_keys, ..
        } => ValueStore::Files {
            dir: files::Dir::new(&root),
            root,
            keys: files::resolve_keys(&secret_keys).map_err(|message| OpenError::Keys {
                name: name.clone(),
                message: message.to_string(),
            })?,
            index: OnceLock::new(),
            listing: OnceLock::new(),
        },
        ValueStorageSpec::BagOfHolding { root } => {
            let stems = hdf5_stems(&root);
            let mut keys: Vec<String> = crate::gc::referenced(&[&calls])?
                .into_iter()
                .filter(|k| hdf5_stem_for(&stems, k).is_some())
                .collect();
            keys.sort();
            let index = KeySet::from_names(keys.iter().map(String::as_str));
            ValueStore::Hdf5 { root, keys, index }
        }
        ValueStorageSpec::Transient(t) => ValueStore::Transient(t),
    };
    Ok(Cache {
        name,
        file,
        calls,
        values,
        read_only,
    })
}

/// How a configured cache is put together (format §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Composition {
    Single,
    /// `[[NAME]]`: saves go to the first member, reads look in all.
    Stack,
    /// `[[NAME.pool]]`: read-only, queried as one.
    Pool,
}

/// A configured cache opened: one member, or the members of a stack or
/// pool (labelled `NAME[0]`, `NAME[1]`, ...).
pub struct Caches {
    pub name: String,
    pub file: Option<PathBuf>,
    pub composition: Composition,
    pub members: Vec<Cache>,
}

fn open_caches(name: String, file: Option<PathBuf>, spec: CacheSpec) -> Result<Caches, OpenError> {
    let (composition, specs) = match spec {
        CacheSpec::Stack(m) => (Composition::Stack, m),
        CacheSpec::Pool(m) => (Composition::Pool, m),
        single => {
            let cache = open_spec(name.clone(), file.clone(), single)?;
            return Ok(Caches {
                name,
                file,
                composition: Composition::Single,
                members: vec![cache],
            });
        }
    };
    let mut members = Vec::with_capacity(specs.len());
    for (i, spec) in specs.into_iter().enumerate() {
        let mut member = open_spec(format!("{name}[{i}]"), file.clone(), spec)?;
        if composition == Composition::Pool {
            member.read_only = true;
        }
        members.push(member);
    }
    Ok(Caches {
        name,
        file,
        composition,
        members,
    })
}

/// Why a write cannot go to a cache.
#[derive(Debug, Error)]
pub enum WriteRefused {
    #[error("cache `{0}` is a pool, which is read-only (fleche never writes to a pool)")]
    Pool(String),
    #[error("cache `{0}` is configured `read_only = true`")]
    ReadOnly(String),
}

impl Caches {
    pub fn is_multi(&self) -> bool {
        self.members.len() > 1 || self.composition != Composition::Single
    }

    /// Where writes go: the cache itself, or the first member of a stack.
    pub fn writable(&self) -> Result<&Cache, WriteRefused> {
        if self.composition == Composition::Pool {
            return Err(WriteRefused::Pool(self.name.clone()));
        }
        let first = &self.members[0];
        if first.read_only {
            return Err(WriteRefused::ReadOnly(first.name.clone()));
        }
        Ok(first)
    }

    /// Expand among the calls and values of every member.
    pub fn expand(
        &self,
        prefix: &crate::prefix::Prefix,
        limit: usize,
    ) -> Result<crate::prefix::Expansion, OpenError> {
        use crate::prefix::{Kind, SortedKeys};
        let mut found = Vec::new();
        for m in &self.members {
            found.extend(
                m.calls
                    .with_prefix(prefix.as_str(), limit + 1)?
                    .into_iter()
                    .map(|k| (k, Kind::Call)),
            );
            let values = m.values.index()?;
            let Ok(v) = values.with_prefix(prefix.as_str(), limit + 1);
            found.extend(v.into_iter().map(|k| (k, Kind::Value)));
        }
        Ok(crate::prefix::resolve(found, limit))
    }

    /// The short key to display: unique among every member's calls and values.
    pub fn display_prefix(&self, key: &str) -> Result<String, OpenError> {
        use crate::prefix::SortedKeys;
        let mut neighbours = Vec::new();
        for m in &self.members {
            let (a, b) = m.calls.neighbours(key)?;
            let values = m.values.index()?;
            let Ok((c, d)) = values.neighbours(key);
            neighbours.extend([a, b, c, d]);
        }
        Ok(crate::prefix::shortest_unique(key, &neighbours))
    }

    /// The record of `key` in each member that has it.
    pub fn find_call(&self, key: &str) -> Result<Vec<(&Cache, CallRecord)>, StoreError> {
        let mut out = Vec::new();
        for m in &self.members {
            if let Some(rec) = m.calls.get(key)? {
                out.push((m, rec));
            }
        }
        Ok(out)
    }

    /// Whether any member has a value file for `key`.
    pub fn has_value(&self, key: &str) -> bool {
        self.members.iter().any(|m| m.values.contains(key))
    }

    /// Load a value from the first member that has it (as a stack reads).
    pub fn load_value(&self, key: &str) -> Result<StoredValue, ValueError> {
        load_value_from(self.value_stores(), key)
    }

    /// Every member's value store, in stack order: what reading values
    /// needs, shareable across threads (the call stores are not).
    pub fn value_stores(&self) -> Vec<&ValueStore> {
        self.members.iter().map(|m| &m.values).collect()
    }

    /// (member, call key, role) of every call naming `digest`.
    pub fn calls_using(&self, digest: &str) -> Result<Vec<(&Cache, String, String)>, StoreError> {
        let mut out = Vec::new();
        for m in &self.members {
            for (k, role) in m.calls.calls_using(digest)? {
                out.push((m, k, role));
            }
        }
        Ok(out)
    }
}

/// Open the call storage a configuration describes.
pub fn open_calls(name: &str, calls: CallStorageSpec) -> Result<CallStore, OpenError> {
    let name = name.to_string();
    Ok(match calls {
        CallStorageSpec::Sqlite { path } => CallStore::Sql(SqlCalls::open(&path)?),
        CallStorageSpec::Files {
            root, secret_keys, ..
        } => {
            let keys = files::resolve_keys(&secret_keys).map_err(|message| OpenError::Keys {
                name: name.clone(),
                message: message.to_string(),
            })?;
            if !root.is_dir() {
                return Err(OpenError::NotACache(root));
            }
            CallStore::Files(FileCalls::open(&root, &keys)?)
        }
        CallStorageSpec::SqlServer { url } => {
            let scheme = url.split("://").next().unwrap_or("?").to_string();
            let base = scheme.split('+').next().unwrap_or("").to_string();
            #[cfg(feature = "postgres")]
            if base == "postgresql" || base == "postgres" {
                return Ok(CallStore::Pg(Box::new(crate::store::pg::PgCalls::open(
                    &url,
                )?)));
            }
            let what = match base.as_str() {
                "mysql" | "mariadb" => format!(
                    "on a `{scheme}` server (MySQL/MariaDB call stores are not supported yet)"
                ),
                "postgresql" | "postgres" => {
                    format!("on a `{scheme}` server (this build has no PostgreSQL support)")
                }
                _ => format!("on a `{scheme}` server, which this tool does not know"),
            };
            return Err(OpenError::Unsupported { name, what });
        }
        CallStorageSpec::Transient(what) => {
            return Err(OpenError::Transient {
                name,
                what: format!("in `{what}`"),
            })
        }
    })
}

fn hdf5_where(file: &Option<PathBuf>, size: &Option<u64>, root: &Path) -> String {
    match (file, size) {
        (Some(f), Some(n)) => format!(
            "in {}, a file of {n} bytes shared by keys with the same prefix",
            f.display()
        ),
        _ => format!("no HDF5 file under {} holds it", root.display()),
    }
}

/// The `.h5` files of a bagofholding store, by stem.
fn hdf5_stems(root: &Path) -> std::collections::BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Default::default();
    };
    entries
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".h5"))
                .map(str::to_string)
        })
        .filter(|stem| !stem.starts_with('.'))
        .collect()
}

/// Which stem holds `key`: `{key[:n]}` for a prefix length n read off the
/// files present (default 2; a full key when 0), as fleche infers it.
fn hdf5_stem_for<'a>(
    stems: &'a std::collections::BTreeSet<String>,
    key: &str,
) -> Option<&'a String> {
    let lengths: std::collections::BTreeSet<usize> = stems.iter().map(String::len).collect();
    lengths
        .into_iter()
        .find_map(|n| key.get(..n).and_then(|p| stems.get(p)))
}

/// The bagofholding file that holds `key`: `ROOT/{key[:n]}.h5`.
pub fn hdf5_container(root: &Path, key: &str) -> Option<PathBuf> {
    let stems = hdf5_stems(root);
    hdf5_stem_for(&stems, key).map(|s| root.join(format!("{s}.h5")))
}

/// Why a stored value could not be shown.
#[derive(Debug, Error)]
pub enum ValueError {
    #[error("value `{0}` is not in the value store")]
    Missing(String),
    #[error("value `{key}` is kept in HDF5 ({}), which this tool does not decode", hdf5_where(.file, .size, .root))]
    Hdf5 {
        key: String,
        root: PathBuf,
        /// The bagofholding file holding it, if one exists, and its size.
        file: Option<PathBuf>,
        size: Option<u64>,
    },
    #[error("the cache keeps no values on disk ({0})")]
    Transient(String),
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{path}: {source}")]
    Pickle {
        path: PathBuf,
        source: crate::pickle::PickleError,
    },
    #[error(transparent)]
    Mend(#[from] crate::destructure::MendError),
}

/// A value as stored: its envelope, the raw unpickled tree (which may be a
/// destructured wrapper) and the plain value rebuilt from its children.
#[derive(Debug, Clone)]
pub struct StoredValue {
    pub key: String,
    pub path: PathBuf,
    pub compressed: bool,
    pub signature: files::Signature,
    pub size: u64,
    pub raw: crate::Value,
    pub value: crate::Value,
    /// Digests a destructured wrapper points at directly.
    pub children: Vec<String>,
}

impl ValueStore {
    /// The raw unpickled content of one value file.
    pub fn load_raw(
        &self,
        key: &str,
    ) -> Result<(files::Envelope, PathBuf, crate::Value), ValueError> {
        match self {
            ValueStore::Files {
                root, dir, keys, ..
            } => {
                if !files::is_key_name(key) || key.contains('/') || key.contains('\\') {
                    return Err(ValueError::Missing(key.to_string()));
                }
                let path = root.join(key);
                // No stat first: a missing file (or a directory) is found
                // out by reading it.
                let raw = match dir.read(key) {
                    Ok(raw) => raw,
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::NotFound | std::io::ErrorKind::IsADirectory
                        ) =>
                    {
                        return Err(ValueError::Missing(key.to_string()))
                    }
                    Err(e) => {
                        return Err(FileError::Io {
                            path,
                            error: e.into(),
                        }
                        .into())
                    }
                };
                let env = files::envelope_of(&path, raw, keys)?;
                let value =
                    crate::pickle::load(&env.payload).map_err(|source| ValueError::Pickle {
                        path: path.clone(),
                        source,
                    })?;
                Ok((env, path, value))
            }
            ValueStore::Hdf5 { root, .. } => {
                let file = hdf5_container(root, key);
                let size = file
                    .as_ref()
                    .and_then(|f| std::fs::metadata(f).ok())
                    .map(|m| m.len());
                Err(ValueError::Hdf5 {
                    key: key.into(),
                    root: root.clone(),
                    file,
                    size,
                })
            }
            ValueStore::Transient(t) => Err(ValueError::Transient(t.clone())),
        }
    }

    /// Load and mend one value (destructured children loaded recursively).
    pub fn load(&self, key: &str) -> Result<StoredValue, ValueError> {
        let (env, path, raw) = self.load_raw(key)?;
        let children = crate::destructure::children(&raw);
        let value =
            crate::destructure::mend(&raw, &mut |k: &str| self.load_raw(k).map(|(_, _, v)| v))?;
        Ok(StoredValue {
            key: key.to_string(),
            path,
            compressed: env.compressed,
            signature: env.signature,
            size: env.size,
            raw,
            value,
            children,
        })
    }

    /// Whether a value file exists for `key` (no decoding).
    pub fn contains(&self, key: &str) -> bool {
        self.index().is_ok_and(|k| k.contains(key))
    }
}

/// Every other call storage in `config` whose cache keeps its values in
/// `values_root`: gc must count their records as live too. Caches named
/// differently but pointing at the same storages are listed once.
pub fn sharing_value_dir(
    config: &Config,
    values_root: &Path,
    own_calls: &CallStore,
) -> Vec<(String, Result<CallStore, OpenError>)> {
    fn singles(spec: &CacheSpec, out: &mut Vec<(ValueStorageSpec, CallStorageSpec)>) {
        match spec {
            CacheSpec::Single { values, calls, .. } => out.push((values.clone(), calls.clone())),
            CacheSpec::Stack(m) | CacheSpec::Pool(m) => m.iter().for_each(|c| singles(c, out)),
            CacheSpec::Ssh { .. } => {}
        }
    }
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let ours = canon(values_root);
    let own = own_calls.describe();
    let mut seen = vec![own];
    let mut out = Vec::new();
    for name in config.cache_names() {
        let Ok(named) = config.cache(Some(&name)) else {
            continue;
        };
        let mut pairs = Vec::new();
        singles(&named.spec, &mut pairs);
        for (values, calls) in pairs {
            let root = match &values {
                ValueStorageSpec::Files { root, .. } | ValueStorageSpec::BagOfHolding { root } => {
                    root
                }
                ValueStorageSpec::Transient(_) => continue,
            };
            if canon(root) != ours {
                continue;
            }
            let described = match &calls {
                CallStorageSpec::Sqlite { path } => format!("sqlite {}", path.display()),
                CallStorageSpec::Files { root, .. } => format!("files {}", root.display()),
                CallStorageSpec::SqlServer { url } => {
                    format!("sql {}", crate::config::mask_password(url))
                }
                CallStorageSpec::Transient(t) => t.clone(),
            };
            if seen.contains(&described) {
                continue;
            }
            seen.push(described);
            out.push((name.clone(), open_calls(&name, calls)));
        }
    }
    out
}
