//! Opening a cache: from the configuration by name, or from a directory.

use crate::config::{self, CacheSpec, CallStorageSpec, Config, ConfigError, ValueStorageSpec};
use crate::store::callfiles::FileCalls;
use crate::store::files::{self, FileError};
use crate::store::sql::SqlCalls;
use crate::store::{CallFilter, CallRecord, ListOptions, StoreError};
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
}

/// A value store that is opened lazily: its sorted listing is read once.
pub enum ValueStore {
    Files {
        root: PathBuf,
        keys: Vec<Vec<u8>>,
        listing: OnceLock<Vec<String>>,
    },
    Hdf5 {
        root: PathBuf,
    },
    Transient(String),
}

impl ValueStore {
    /// Every value key, sorted (one directory read, cached).
    pub fn sorted_keys(&self) -> Result<&[String], FileError> {
        match self {
            ValueStore::Files { root, listing, .. } => {
                if let Some(l) = listing.get() {
                    return Ok(l);
                }
                let l = files::list_keys(root)?;
                Ok(listing.get_or_init(|| l))
            }
            ValueStore::Hdf5 { .. } | ValueStore::Transient(_) => Ok(&[]),
        }
    }

    pub fn root(&self) -> Option<&Path> {
        match self {
            ValueStore::Files { root, .. } | ValueStore::Hdf5 { root } => Some(root),
            ValueStore::Transient(_) => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            ValueStore::Files { root, .. } => format!("files {}", root.display()),
            ValueStore::Hdf5 { root } => format!("bagofholding_hdf {}", root.display()),
            ValueStore::Transient(t) => t.clone(),
        }
    }
}

/// Call records, in SQLite or in pickled files; the same questions answered
/// the same way by both.
pub enum CallStore {
    Sql(SqlCalls),
    Files(FileCalls),
}

impl CallStore {
    pub fn count(&self) -> Result<u64, StoreError> {
        match self {
            CallStore::Sql(s) => s.count(),
            CallStore::Files(f) => Ok(f.count()),
        }
    }

    /// Every call key, sorted (what a batch of prefix questions needs at once).
    pub fn sorted_keys(&self) -> Result<Vec<String>, StoreError> {
        match self {
            CallStore::Sql(s) => s.sorted_keys(),
            CallStore::Files(f) => {
                let mut keys: Vec<String> = f.keys().map(str::to_string).collect();
                keys.sort_unstable();
                Ok(keys)
            }
        }
    }

    pub fn get(&self, key: &str) -> Result<Option<CallRecord>, StoreError> {
        match self {
            CallStore::Sql(s) => s.get(key),
            CallStore::Files(f) => Ok(f.get(key)),
        }
    }

    pub fn for_each(
        &self,
        opts: &ListOptions,
        f: impl FnMut(CallRecord) -> std::ops::ControlFlow<()>,
    ) -> Result<(), StoreError> {
        match self {
            CallStore::Sql(s) => s.for_each(opts, f),
            CallStore::Files(files) => {
                files.for_each(opts, f);
                Ok(())
            }
        }
    }

    pub fn count_matching(&self, filter: &CallFilter) -> Result<u64, StoreError> {
        match self {
            CallStore::Sql(s) => s.count_matching(filter),
            CallStore::Files(f) => Ok(f.count_matching(filter)),
        }
    }

    /// (call key, role) of every call naming `digest` as argument or result.
    pub fn calls_using(&self, digest: &str) -> Result<Vec<(String, String)>, StoreError> {
        match self {
            CallStore::Sql(s) => s.calls_using(digest),
            CallStore::Files(f) => Ok(f.calls_using(digest)),
        }
    }

    /// Call files that could not be decoded (always empty for SQL).
    pub fn broken(&self) -> &[(String, String)] {
        match self {
            CallStore::Sql(_) => &[],
            CallStore::Files(f) => &f.broken,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            CallStore::Sql(s) => format!("sqlite {}", s.path().display()),
            CallStore::Files(f) => format!("files {}", f.root().display()),
        }
    }
}

impl crate::prefix::SortedKeys for CallStore {
    type Error = StoreError;

    fn with_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        match self {
            CallStore::Sql(s) => s.keys_with_prefix(prefix, limit),
            CallStore::Files(f) => {
                let Ok(keys) = f.with_prefix(prefix, limit);
                Ok(keys)
            }
        }
    }

    fn neighbours(&self, key: &str) -> Result<(Option<String>, Option<String>), StoreError> {
        match self {
            CallStore::Sql(s) => s.neighbours(key),
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

    pub fn open(&self) -> Result<Cache, OpenError> {
        if let Some(dir) = &self.root {
            let dir = if dir.is_absolute() {
                dir.clone()
            } else {
                self.cwd.join(dir)
            };
            let spec = config::cache_at(&dir).ok_or_else(|| OpenError::NotACache(dir.clone()))?;
            return open_spec(dir.display().to_string(), None, spec);
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
        open_spec(named.name, named.file, named.spec)
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
        CacheSpec::Stack(_) => {
            return Err(OpenError::Unsupported {
                name,
                what: "a stack of caches".into(),
            })
        }
        CacheSpec::Pool(_) => {
            return Err(OpenError::Unsupported {
                name,
                what: "a pool of caches".into(),
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
            root,
            keys: files::resolve_keys(&secret_keys).map_err(|message| OpenError::Keys {
                name: name.clone(),
                message,
            })?,
            listing: OnceLock::new(),
        },
        ValueStorageSpec::BagOfHolding { root } => ValueStore::Hdf5 { root },
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
                message,
            })?;
            if !root.is_dir() {
                return Err(OpenError::NotACache(root));
            }
            CallStore::Files(FileCalls::open(&root, &keys)?)
        }
        CallStorageSpec::SqlServer { url } => {
            let scheme = url.split("://").next().unwrap_or("?").to_string();
            return Err(OpenError::Unsupported {
                name,
                what: format!("on a `{scheme}` server"),
            });
        }
        CallStorageSpec::Transient(what) => {
            return Err(OpenError::Transient {
                name,
                what: format!("in `{what}`"),
            })
        }
    })
}

/// Why a stored value could not be shown.
#[derive(Debug, Error)]
pub enum ValueError {
    #[error("value `{0}` is not in the value store")]
    Missing(String),
    #[error("value `{key}` is in HDF5 (bagofholding) files under {root}, which this tool does not decode")]
    Hdf5 { key: String, root: PathBuf },
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
            ValueStore::Files { root, keys, .. } => {
                if !files::is_key_name(key) || key.contains('/') || key.contains('\\') {
                    return Err(ValueError::Missing(key.to_string()));
                }
                let path = root.join(key);
                if !path.is_file() {
                    return Err(ValueError::Missing(key.to_string()));
                }
                let env = files::read_envelope(&path, keys)?;
                let value =
                    crate::pickle::load(&env.payload).map_err(|source| ValueError::Pickle {
                        path: path.clone(),
                        source,
                    })?;
                Ok((env, path, value))
            }
            ValueStore::Hdf5 { root } => Err(ValueError::Hdf5 {
                key: key.into(),
                root: root.clone(),
            }),
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
        self.sorted_keys()
            .is_ok_and(|k| k.binary_search_by(|x| x.as_str().cmp(key)).is_ok())
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
                other => format!("{other:?}"),
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
