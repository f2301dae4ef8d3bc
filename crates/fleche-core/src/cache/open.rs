//! Opening a cache: from the configuration by name, or from a directory.

use super::{Cache, Composition, Member, OpenError};
use crate::config::{self, CacheSpec, CallStorageSpec, Config, ConfigError, ValueStorageSpec};
use crate::index::values::ValueIndex;
use crate::store::callfiles::FileCalls;
use crate::store::calls::CallStore;
use crate::store::files;
use crate::store::sql::SqlCalls;
use crate::store::values::ValueStore;
use std::path::{Path, PathBuf};

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
    /// The command will change call records (not a dry run): its readers
    /// must share SQLite's `-shm` index with the writer instead of opening
    /// it read-only.
    pub writes: bool,
    /// `--offline`: remote layers are left out on purpose.
    pub offline: bool,
    /// Keep and use the persistent index (see [`crate::index`]); off unless
    /// asked for, so that library users and tests write nothing outside
    /// the cache by default.
    pub index: bool,
}

impl Locator {
    /// The configuration this locator reads (empty for `--root`).
    pub fn config(&self) -> Result<Config, ConfigError> {
        match &self.config {
            Some(file) => Config::from_files(std::slice::from_ref(file)),
            None => Config::load(&self.cwd),
        }
    }

    /// The configuration file a write to the cache would go through, when
    /// it was found on the way (not named by `--config` or `--root`) in a
    /// place another user owns (see [`config::foreign_config`]).
    pub fn foreign_config(&self) -> Result<Option<config::ForeignConfig>, ConfigError> {
        if self.root.is_some() || self.config.is_some() {
            return Ok(None);
        }
        let named = self.config()?.cache(self.name.as_deref())?;
        Ok(named.file.as_deref().and_then(config::foreign_config))
    }

    pub fn open(&self) -> Result<Cache, OpenError> {
        let (name, spec, config) = self.spec()?;
        let spec = match spec {
            Some(spec) => spec,
            None => return Err(OpenError::NotACache(self.root_dir().unwrap_or_default())),
        };
        let index = if self.index {
            crate::index::dir()
        } else {
            None
        };
        open_cache(name, spec, config, self.writes, self.offline, index)
    }

    /// `--root DIR` made absolute.
    pub fn root_dir(&self) -> Option<PathBuf> {
        self.root.as_ref().map(|dir| {
            if dir.is_absolute() {
                dir.clone()
            } else {
                self.cwd.join(dir)
            }
        })
    }

    /// What [`Self::open`] would open, without opening it: the cache's
    /// name, its description (None for a directory that holds no cache
    /// yet) and the configuration it came from.
    pub fn spec(&self) -> Result<(String, Option<CacheSpec>, Option<Config>), OpenError> {
        if let Some(dir) = self.root_dir() {
            let spec = match &self.sql {
                // Values under DIR/values, records in the database.
                Some(url) => Some(config::values_at(&dir, url)),
                None => config::cache_at(&dir),
            };
            return Ok((dir.display().to_string(), spec, None));
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
        Ok((named.name, Some(spec), Some(cfg)))
    }
}

fn open_member(
    name: String,
    spec: CacheSpec,
    writes: bool,
    index: &Option<PathBuf>,
) -> Result<Member, OpenError> {
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
        CacheSpec::Ssh(ssh) => {
            return match crate::remote::connect(&ssh) {
                Ok(c) => Ok(remote_member(
                    name,
                    crate::store::remote::RemoteStore::connected(ssh.host, c),
                )),
                Err(error) => Err(OpenError::Remote {
                    name,
                    host: ssh.host,
                    error: Box::new(error),
                }),
            }
        }
    };
    let layout = (values.clone(), calls.clone());
    let mut calls = open_calls_for(&name, calls, writes)?;
    if let (CallStore::Sql(sql), Some(dir)) = (&mut calls, index) {
        sql.use_index(dir.clone());
    }
    let value_index = match &values {
        ValueStorageSpec::Files { root, .. } => ValueIndex::new(index.clone(), root),
        _ => ValueIndex::default(),
    };
    let values = match values {
        ValueStorageSpec::Files {
            root, secret_keys, ..
        } => ValueStore::files(
            root,
            files::resolve_keys(&secret_keys).map_err(|error| OpenError::Keys {
                name: name.clone(),
                error,
            })?,
        ),
        ValueStorageSpec::BagOfHolding { root } => ValueStore::hdf5(root),
        ValueStorageSpec::Transient(t) => ValueStore::Transient(t),
    };
    Ok(Member {
        name,
        calls,
        values,
        read_only,
        value_index,
        layout,
    })
}

/// A remote cache as a member: its records and values through the one
/// connection (read-only when its server says so, which a store not yet
/// reached is asked when a write needs to know).
pub(super) fn remote_member(name: String, store: crate::store::remote::RemoteStore) -> Member {
    let store = std::sync::Arc::new(store);
    let what = format!("ssh {}", store.host());
    let read_only = store.is_reached() && store.read_only();
    Member {
        name,
        calls: CallStore::Remote(std::sync::Arc::clone(&store)),
        values: ValueStore::Remote(store),
        read_only,
        value_index: ValueIndex::default(),
        layout: (
            ValueStorageSpec::Transient(what.clone()),
            CallStorageSpec::Transient(what),
        ),
    }
}

fn open_cache(
    name: String,
    spec: CacheSpec,
    config: Option<Config>,
    writes: bool,
    offline: bool,
    index: Option<PathBuf>,
) -> Result<Cache, OpenError> {
    let (composition, specs) = match spec {
        CacheSpec::Stack(m) => (Composition::Stack, m),
        CacheSpec::Pool(m) => (Composition::Pool, m),
        CacheSpec::Ssh(_) if offline => return Err(OpenError::OnlyRemote { name }),
        // Alone, it is reached now: nothing else could answer.
        CacheSpec::Ssh(ssh) => {
            let c = crate::remote::connect(&ssh).map_err(|error| OpenError::Remote {
                name: name.clone(),
                host: ssh.host.clone(),
                error: Box::new(error),
            })?;
            let store = crate::store::remote::RemoteStore::connected(ssh.host, c);
            return Ok(Cache {
                members: vec![remote_member(name.clone(), store)],
                name,
                composition: Composition::Single,
                config,
                remote: Vec::new(),
                offline,
            });
        }
        single => {
            let member = open_member(name.clone(), single, writes, &index)?;
            return Ok(Cache {
                name,
                composition: Composition::Single,
                members: vec![member],
                config,
                remote: Vec::new(),
                offline,
            });
        }
    };
    if specs.is_empty() {
        return Err(OpenError::NoMembers(name));
    }
    let mut members = Vec::with_capacity(specs.len());
    let mut remote = Vec::new();
    // Remote layers are reached when first asked, unless nothing else
    // could answer.
    let only_remote = specs.iter().all(|s| matches!(s, CacheSpec::Ssh(_)));
    for (i, spec) in specs.into_iter().enumerate() {
        let label = format!("{name}[{i}]");
        // A remote layer that cannot be reached (or that --offline leaves
        // out) is left out, and said so, instead of failing every command:
        // the local layers still answer (one reached later and failing
        // answers as an empty cache, said through `Cache::on_remote`).
        if let CacheSpec::Ssh(ssh) = spec {
            let store = if offline {
                Err(None)
            } else if only_remote {
                crate::remote::connect(&ssh)
                    .map(|c| crate::store::remote::RemoteStore::connected(ssh.host.clone(), c))
                    .map_err(Some)
            } else {
                Ok(crate::remote::lazy(&ssh))
            };
            match store {
                Ok(store) => {
                    let mut member = remote_member(label, store);
                    member.read_only |= composition == Composition::Pool;
                    members.push(member);
                }
                Err(error) => remote.push(super::RemoteLayer {
                    name: label,
                    host: ssh.host,
                    index: i,
                    error,
                }),
            }
            continue;
        }
        let mut member = open_member(label, spec, writes, &index)?;
        if composition == Composition::Pool {
            member.read_only = true;
        }
        members.push(member);
    }
    if members.is_empty() {
        // Nothing answers: the first remote layer's failure, in one line.
        return Err(match remote.into_iter().find(|r| r.error.is_some()) {
            Some(super::RemoteLayer {
                name,
                host,
                error: Some(error),
                ..
            }) => OpenError::Remote {
                name,
                host,
                error: Box::new(error),
            },
            _ => OpenError::OnlyRemote { name },
        });
    }
    Ok(Cache {
        name,
        composition,
        members,
        config,
        remote,
        offline,
    })
}

/// Open the call storage a configuration describes.
pub(crate) fn open_calls(name: &str, calls: CallStorageSpec) -> Result<CallStore, OpenError> {
    open_calls_for(name, calls, false)
}

fn open_calls_for(
    name: &str,
    calls: CallStorageSpec,
    writes: bool,
) -> Result<CallStore, OpenError> {
    let name = name.to_string();
    Ok(match calls {
        CallStorageSpec::Sqlite { path } if writes => {
            CallStore::Sql(SqlCalls::open_beside_writer(&path)?)
        }
        CallStorageSpec::Sqlite { path } => CallStore::Sql(SqlCalls::open(&path)?),
        CallStorageSpec::Files {
            root, secret_keys, ..
        } => {
            let keys = files::resolve_keys(&secret_keys).map_err(|error| OpenError::Keys {
                name: name.clone(),
                error,
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

/// Every other call storage in `config` whose cache keeps its values in
/// `values_root`: gc must count their records as live too. Caches named
/// differently but pointing at the same storages are listed once.
pub(crate) fn sharing_value_dir(
    config: &Config,
    values_root: &Path,
    own_calls: &CallStore,
) -> Vec<(String, Result<CallStore, OpenError>)> {
    fn singles(spec: &CacheSpec, out: &mut Vec<(ValueStorageSpec, CallStorageSpec)>) {
        match spec {
            CacheSpec::Single { values, calls, .. } => out.push((values.clone(), calls.clone())),
            CacheSpec::Stack(m) | CacheSpec::Pool(m) => m.iter().for_each(|c| singles(c, out)),
            CacheSpec::Ssh(_) => {}
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

/// How many calls and values a configured storage pair holds, where that
/// can be counted cheaply from local files (None where it cannot, or the
/// store is absent). A database server is never contacted: describing a
/// configuration found on the way must not send credentials
/// (`PGPASSWORD`, a `.pgpass` wildcard) to whatever host it names.
pub fn count_stored(
    values: &ValueStorageSpec,
    calls: &CallStorageSpec,
) -> (Option<u64>, Option<u64>) {
    let calls = match calls {
        CallStorageSpec::Sqlite { path } if path.is_file() => {
            SqlCalls::open(path).ok().and_then(|s| s.count().ok())
        }
        CallStorageSpec::Files { root, .. } => files::list_keys(root).ok().map(|k| k.len() as u64),
        _ => None,
    };
    let values = match values {
        ValueStorageSpec::Files { root, .. } => files::list_keys(root).ok().map(|k| k.len() as u64),
        _ => None,
    };
    (calls, values)
}
