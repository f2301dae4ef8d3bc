//! Finding caches the way fleche does (format §1, fleche 0.22 `config.py`):
//! the `fleche.toml` walk from the working directory up to `$HOME`, the XDG
//! fallback (computed XDG-style on every OS, as fleche does), last the
//! `~/.fleche.toml` of fleche up to 0.13, shallow merge,
//! `[default] root = true`, templates, relative paths rebased on the
//! declaring file, and `~`. When fleche's config.py changes, change this.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use thiserror::Error;
use toml::Value as Toml;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {}", .error.message())]
    Parse {
        path: PathBuf,
        error: toml::de::Error,
    },
    #[error("cache `{name}` is not defined in {files}")]
    UnknownCache { name: String, files: String },
    #[error("no default cache: {files} define no `[default] cache`")]
    NoDefault { files: String },
    #[error("no fleche configuration found (no fleche.toml from {cwd} up to the home directory, and no {xdg})")]
    NoConfig { cwd: PathBuf, xdg: PathBuf },
    #[error("cache `{name}` in {file}: {error}")]
    Invalid {
        name: String,
        file: PathBuf,
        error: SpecError,
    },
}

/// What is wrong with a cache's table in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpecError {
    #[error("a cache must be a table or an array of tables")]
    NotATable,
    #[error("`pool` must be an array of tables")]
    PoolNotArray,
    #[error("`template` must be a string")]
    TemplateNotString,
    #[error("template `{0}` needs a `root`")]
    TemplateNeedsRoot(String),
    #[error("unknown template `{0}` (fleche knows bagofholding_hdf, cloudpickle, dill, memory, pickle, sql)")]
    UnknownTemplate(String),
    #[error("no `values` storage and no `template`")]
    NoValues,
    #[error("no `calls` storage and no `template`")]
    NoCalls,
    #[error("a storage must be a table with a `type`")]
    StorageNotTable,
    #[error("a storage needs a `type`")]
    StorageNoType,
    /// The storage type.
    #[error("`{0}` storage needs a `root`")]
    StorageNeedsRoot(String),
    #[error("`secret_key` must be a list of hex strings")]
    SecretKeyNotList,
    #[error("`secret_key` entry `{0}` is not hex")]
    SecretKeyNotHex(String),
    #[error("`sql` is a call storage; values need a file storage")]
    SqlValues,
    #[error("unknown value storage type `{0}`")]
    UnknownValueStorage(String),
    #[error("HDF5 call storage (`bagofholding_hdf`) is not supported")]
    Hdf5Calls,
    #[error("unknown call storage type `{0}`")]
    UnknownCallStorage(String),
}

/// The merged configuration: each top-level table with the file that
/// declared it (closer files win, whole tables at a time).
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The files read, closest first.
    pub files: Vec<PathBuf>,
    pub tables: BTreeMap<String, (Toml, PathBuf)>,
}

/// Where a cache's values live.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueStorageSpec {
    /// `pickle`, `cloudpickle` or `dill`: one file per value under `root`.
    Files {
        backend: String,
        root: PathBuf,
        compress: bool,
        /// Raw HMAC keys (decoded from hex); empty means unsigned unless
        /// `FLECHE_SECRET_KEY` is set.
        secret_keys: Vec<Vec<u8>>,
        remaining_depth: i64,
    },
    /// `bagofholding_hdf`: values in HDF5 files (bagofholding bags).
    BagOfHolding { root: PathBuf },
    /// `memory` or `void`: nothing on disk.
    Transient(String),
}

/// Where a cache's call records live.
#[derive(Debug, Clone, PartialEq)]
pub enum CallStorageSpec {
    /// Pickled `DigestedCall` files under `root`.
    Files {
        backend: String,
        root: PathBuf,
        compress: bool,
        secret_keys: Vec<Vec<u8>>,
    },
    /// SQLite database file.
    Sqlite { path: PathBuf },
    /// Another SQL server (`postgresql://...`), kept as the URL.
    SqlServer { url: String },
    /// Nothing on disk (`memory`, `void`, `sqlite:///:memory:`).
    Transient(String),
}

/// A cache as the configuration describes it.
#[derive(Debug, Clone, PartialEq)]
pub enum CacheSpec {
    Single {
        values: ValueStorageSpec,
        calls: CallStorageSpec,
        read_only: bool,
        max_size: Option<i64>,
    },
    /// `[[NAME]]`: saves go to the first member.
    Stack(Vec<CacheSpec>),
    /// `[[NAME.pool]]`: read-only, queried as one.
    Pool(Vec<CacheSpec>),
    /// `type = "ssh"`: a remote cache served by fleche over ssh.
    Ssh(Box<SshSpec>),
}

/// A remote cache layer (`type = "ssh"`): what fleche's `SshCache` is
/// made of, with its defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct SshSpec {
    pub host: String,
    pub cache_name: Option<String>,
    /// The remote Python (fleche's default: `python3`).
    pub python: String,
    pub ssh_options: Vec<String>,
    pub setup_commands: Vec<String>,
    pub workdir: Option<String>,
}

/// A cache picked from the configuration, with where it came from.
#[derive(Debug, Clone)]
pub struct NamedCache {
    pub name: String,
    pub file: Option<PathBuf>,
    pub spec: CacheSpec,
}

/// The user's home directory: `$HOME` as Python's `Path.home()` reads it.
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(dirs::home_dir)
}

/// `$XDG_CONFIG_HOME/fleche/cache.toml`, defaulting to
/// `~/.config/fleche/cache.toml` on every OS, as fleche computes it.
pub fn xdg_config_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home_dir().map(|h| h.join(".config")))?;
    Some(base.join("fleche").join("cache.toml"))
}

/// `~/.fleche.toml`, the file fleche up to 0.13 read when there was no
/// `./fleche.toml` and `XDG_CONFIG_HOME` was not set at all (set, even
/// empty, it read `$XDG_CONFIG_HOME/fleche/cache.toml` instead); later
/// releases never read it. None when it does not apply.
pub fn legacy_home_file() -> Option<PathBuf> {
    if std::env::var_os("XDG_CONFIG_HOME").is_some() {
        return None;
    }
    Some(home_dir()?.join(".fleche.toml"))
}

/// Config files fleche would read from `cwd`, closest first; last, with
/// the lowest priority, `~/.fleche.toml` as fleche up to 0.13 read it.
pub fn discover(cwd: &Path) -> Vec<PathBuf> {
    let home = home_dir().map(|h| absolute(&h));
    let mut paths = Vec::new();
    let mut current = absolute(cwd);
    loop {
        let candidate = current.join("fleche.toml");
        if candidate.exists() {
            paths.push(candidate);
        }
        if home.as_deref() == Some(current.as_path()) {
            break;
        }
        match current.parent() {
            Some(parent) => current = parent.to_path_buf(),
            None => break,
        }
    }
    if let Some(xdg) = xdg_config_file() {
        if xdg.exists() && !paths.contains(&xdg) {
            paths.push(xdg);
        }
    }
    if let Some(legacy) = legacy_home_file() {
        if legacy.is_file() {
            paths.push(legacy);
        }
    }
    paths
}

/// The variable naming the directories whose configuration files may be
/// written through although another user owns them (git's
/// `safe.directory`): a `:`-separated list, `*` for all.
pub const SAFE_DIRECTORIES_VAR: &str = "FLECHE_SAFE_DIRECTORIES";

/// A configuration file found on the way that another user owns, or that
/// lies in a directory another user owns: writes must not go through it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file} was found in {}, which belongs to another user (uid {owner})", .dir.display())]
pub struct ForeignConfig {
    pub file: PathBuf,
    /// The directory holding it, as given to [`SAFE_DIRECTORIES_VAR`].
    pub dir: PathBuf,
    pub owner: u32,
}

/// Whether writes through `file` must be refused: it or its directory is
/// owned by a user other than the one running (as root under sudo, the
/// user who ran sudo, as git allows), and [`SAFE_DIRECTORIES_VAR`] does not
/// name its directory. A cache described there could point gc, tag or
/// evict at anything that user chose.
pub fn foreign_config(file: &Path) -> Option<ForeignConfig> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let file = absolute(file);
        let dir = file.parent()?.to_path_buf();
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        let sudo = (me == 0)
            .then(|| std::env::var("SUDO_UID").ok()?.parse::<u32>().ok())
            .flatten();
        let owner = [&file, &dir]
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok().map(|m| m.uid()))
            .find(|&uid| uid != me && Some(uid) != sudo)?;
        let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| normalize(p));
        let trusted = std::env::var_os(SAFE_DIRECTORIES_VAR).is_some_and(|list| {
            std::env::split_paths(&list)
                .any(|entry| entry.as_os_str() == "*" || canon(&absolute(&entry)) == canon(&dir))
        });
        (!trusted).then_some(ForeignConfig { file, dir, owner })
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        None
    }
}

/// `Path.absolute()`: joined onto the working directory, not resolved.
fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

impl Config {
    /// Read and shallow-merge the files fleche would read from `cwd`.
    /// Relative paths in `~/.fleche.toml` are relative to `cwd`: the only
    /// releases that read it (up to 0.13) resolved them from where the job
    /// ran.
    pub fn load(cwd: &Path) -> Result<Config, ConfigError> {
        let legacy = legacy_home_file();
        let files: Vec<(PathBuf, Option<PathBuf>)> = discover(cwd)
            .into_iter()
            .map(|f| {
                let base = (Some(&f) == legacy.as_ref()).then(|| absolute(cwd));
                (f, base)
            })
            .collect();
        Config::merge(&files)
    }

    /// Read and shallow-merge `files` (closest first), stopping after a file
    /// with `[default] root = true`.
    pub fn from_files(files: &[PathBuf]) -> Result<Config, ConfigError> {
        let files: Vec<(PathBuf, Option<PathBuf>)> =
            files.iter().map(|f| (f.clone(), None)).collect();
        Config::merge(&files)
    }

    /// [`Config::from_files`], each file's relative paths based on the
    /// directory given with it, else its own.
    fn merge(files: &[(PathBuf, Option<PathBuf>)]) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        for (path, base) in files {
            let table = read_file(path, base.as_deref())?;
            config.files.push(path.clone());
            let is_root = table
                .get("default")
                .and_then(|d| d.get("root"))
                .is_some_and(truthy);
            for (key, value) in table {
                config.tables.entry(key).or_insert((value, path.clone()));
            }
            if is_root {
                break;
            }
        }
        Ok(config)
    }

    fn files_text(&self) -> String {
        match self.files.len() {
            0 => "no config file".into(),
            _ => self
                .files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// Every cache table the configuration defines, in name order.
    pub fn cache_names(&self) -> Vec<String> {
        self.tables
            .keys()
            .filter(|k| k.as_str() != "default")
            .cloned()
            .collect()
    }

    /// The name of the default cache (`[default] cache = "NAME"`), or
    /// `default` for an inline table.
    pub fn default_name(&self) -> Option<String> {
        match self.tables.get("default")?.0.get("cache")? {
            Toml::String(s) => Some(s.clone()),
            Toml::Table(_) => Some("default".into()),
            _ => None,
        }
    }

    /// The cache fleche would use for `name` (None: the default cache).
    pub fn cache(&self, name: Option<&str>) -> Result<NamedCache, ConfigError> {
        let name = match name {
            Some("default") | None => {
                let (default, file) =
                    self.tables
                        .get("default")
                        .ok_or_else(|| ConfigError::NoDefault {
                            files: self.files_text(),
                        })?;
                match default.get("cache") {
                    Some(Toml::String(s)) if s != "default" => s.clone(),
                    Some(inline @ Toml::Table(_)) => {
                        return Ok(NamedCache {
                            name: "default".into(),
                            file: Some(file.clone()),
                            spec: cache_spec(inline, "default", file)?,
                        })
                    }
                    _ => {
                        return Err(ConfigError::NoDefault {
                            files: self.files_text(),
                        })
                    }
                }
            }
            Some(n) => n.to_string(),
        };
        let (table, file) = self
            .tables
            .get(&name)
            .ok_or_else(|| ConfigError::UnknownCache {
                name: name.clone(),
                files: self.files_text(),
            })?;
        Ok(NamedCache {
            name: name.clone(),
            file: Some(file.clone()),
            spec: cache_spec(table, &name, file)?,
        })
    }
}

fn truthy(v: &Toml) -> bool {
    match v {
        Toml::Boolean(b) => *b,
        Toml::Integer(i) => *i != 0,
        Toml::String(s) => !s.is_empty(),
        Toml::Float(f) => *f != 0.0,
        Toml::Array(a) => !a.is_empty(),
        Toml::Table(t) => !t.is_empty(),
        Toml::Datetime(_) => true,
    }
}

/// Read one file with relative `root`/`url` values rebased on `base`, by
/// default its directory.
fn read_file(path: &Path, base: Option<&Path>) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let table: toml::Table = text.parse().map_err(|error| ConfigError::Parse {
        path: path.to_path_buf(),
        error,
    })?;
    let base = match base {
        Some(b) => b.to_path_buf(),
        None => path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    Ok(rebase_table(table, &base))
}

fn rebase_table(table: toml::Table, base: &Path) -> toml::Table {
    table
        .into_iter()
        .map(|(key, value)| {
            let value = match (key.as_str(), value) {
                ("root", Toml::String(s)) => Toml::String(rebase_path(&s, base)),
                ("url", Toml::String(s)) => Toml::String(rebase_url(&s, base)),
                (_, v) => rebase_value(v, base),
            };
            (key, value)
        })
        .collect()
}

fn rebase_value(value: Toml, base: &Path) -> Toml {
    match value {
        Toml::Table(t) => Toml::Table(rebase_table(t, base)),
        Toml::Array(a) => Toml::Array(a.into_iter().map(|v| rebase_value(v, base)).collect()),
        v => v,
    }
}

/// `_rebase_relative_path`: `~` and absolute paths stay as they are.
fn rebase_path(value: &str, base: &Path) -> String {
    if value.starts_with('~') || Path::new(value).is_absolute() {
        return value.to_string();
    }
    base.join(value).to_string_lossy().into_owned()
}

/// `_rebase_url`: only a relative `sqlite:///PATH` or a bare path moves.
fn rebase_url(value: &str, base: &Path) -> String {
    if let Some(db) = value.strip_prefix("sqlite:///") {
        if db.is_empty() || db == ":memory:" || db.starts_with('/') || db.starts_with('~') {
            return value.to_string();
        }
        return format!("sqlite:///{}", base.join(db).to_string_lossy());
    }
    if value.contains("://") || value.starts_with("sqlite:") {
        return value.to_string();
    }
    rebase_path(value, base)
}

/// `Path(p).expanduser()`.
pub fn expand_user(p: &str) -> PathBuf {
    if p == "~" {
        return home_dir().unwrap_or_else(|| PathBuf::from(p));
    }
    if let Some(rest) = p.strip_prefix("~/") {
        if let Some(home) = home_dir() {
            return home.join(rest);
        }
    }
    PathBuf::from(p)
}

/// `Path(p).expanduser().absolute().resolve()` as the file backends do, but
/// without requiring the path to exist.
fn storage_root(p: &str) -> PathBuf {
    let abs = absolute(&expand_user(p));
    std::fs::canonicalize(&abs).unwrap_or_else(|_| normalize(&abs))
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn cache_spec(v: &Toml, name: &str, file: &Path) -> Result<CacheSpec, ConfigError> {
    let invalid = |error: SpecError| ConfigError::Invalid {
        name: name.into(),
        file: file.to_path_buf(),
        error,
    };
    match v {
        Toml::Array(members) => Ok(CacheSpec::Stack(
            members
                .iter()
                .map(|m| cache_spec(m, name, file))
                .collect::<Result<_, _>>()?,
        )),
        Toml::Table(t) => {
            if let Some(pool) = t.get("pool") {
                let members = pool
                    .as_array()
                    .ok_or_else(|| invalid(SpecError::PoolNotArray))?;
                return Ok(CacheSpec::Pool(
                    members
                        .iter()
                        .map(|m| cache_spec(m, name, file))
                        .collect::<Result<_, _>>()?,
                ));
            }
            let read_only = t.get("read_only").is_some_and(truthy);
            let max_size = t.get("max_size").and_then(Toml::as_integer);
            if let Some(template) = t.get("template") {
                let template = template
                    .as_str()
                    .ok_or_else(|| invalid(SpecError::TemplateNotString))?;
                let (values, calls) = from_template(template, t).map_err(invalid)?;
                return Ok(CacheSpec::Single {
                    values,
                    calls,
                    read_only,
                    max_size,
                });
            }
            if t.get("type").and_then(Toml::as_str) == Some("ssh") {
                let text = |k: &str| t.get(k).and_then(Toml::as_str).map(String::from);
                let list = |k: &str| -> Vec<String> {
                    t.get(k)
                        .and_then(Toml::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                return Ok(CacheSpec::Ssh(Box::new(SshSpec {
                    host: text("host").unwrap_or_else(|| "?".into()),
                    cache_name: text("cache_name"),
                    python: text("python").unwrap_or_else(|| "python3".into()),
                    ssh_options: list("ssh_options"),
                    setup_commands: list("setup_commands"),
                    workdir: text("workdir"),
                })));
            }
            let values = t
                .get("values")
                .ok_or_else(|| invalid(SpecError::NoValues))?;
            let calls = t.get("calls").ok_or_else(|| invalid(SpecError::NoCalls))?;
            Ok(CacheSpec::Single {
                values: value_storage(values).map_err(invalid)?,
                calls: call_storage(calls).map_err(invalid)?,
                read_only,
                max_size,
            })
        }
        _ => Err(invalid(SpecError::NotATable)),
    }
}

const FILE_BACKENDS: [&str; 3] = ["pickle", "cloudpickle", "dill"];

fn from_template(
    template: &str,
    t: &toml::Table,
) -> Result<(ValueStorageSpec, CallStorageSpec), SpecError> {
    let root = || -> Result<PathBuf, SpecError> {
        t.get("root")
            .and_then(Toml::as_str)
            .map(PathBuf::from)
            .ok_or_else(|| SpecError::TemplateNeedsRoot(template.to_string()))
    };
    let sub = |root: &Path, leaf: &str| root.join(leaf).to_string_lossy().into_owned();
    match template {
        "memory" => Ok((
            ValueStorageSpec::Transient("memory".into()),
            CallStorageSpec::Transient("memory".into()),
        )),
        "pickle" | "cloudpickle" | "dill" | "bagofholding_hdf" => {
            let root = root()?;
            let mut values = toml::Table::new();
            values.insert("type".into(), Toml::String(template.into()));
            values.insert("root".into(), Toml::String(sub(&root, "values")));
            let mut calls = values.clone();
            calls.insert("root".into(), Toml::String(sub(&root, "calls")));
            Ok((
                value_storage(&Toml::Table(values))?,
                call_storage(&Toml::Table(calls))?,
            ))
        }
        "sql" => {
            let root = root()?;
            let backend = t
                .get("values")
                .and_then(Toml::as_str)
                .unwrap_or("bagofholding_hdf");
            let mut values = toml::Table::new();
            values.insert("type".into(), Toml::String(backend.into()));
            values.insert("root".into(), Toml::String(sub(&root, "values")));
            let url = match t.get("url").and_then(Toml::as_str) {
                Some(u) => u.to_string(),
                None => format!("sqlite:///{}", sub(&root, "calls.db")),
            };
            let mut calls = toml::Table::new();
            calls.insert("type".into(), Toml::String("sql".into()));
            calls.insert("url".into(), Toml::String(url));
            Ok((
                value_storage(&Toml::Table(values))?,
                call_storage(&Toml::Table(calls))?,
            ))
        }
        other => Err(SpecError::UnknownTemplate(other.to_string())),
    }
}

fn secret_keys(t: &toml::Table) -> Result<Vec<Vec<u8>>, SpecError> {
    let Some(v) = t.get("secret_key") else {
        return Ok(Vec::new());
    };
    let items: Vec<&str> = match v {
        Toml::String(s) => vec![s.as_str()],
        Toml::Array(a) => a.iter().filter_map(Toml::as_str).collect(),
        _ => return Err(SpecError::SecretKeyNotList),
    };
    items
        .iter()
        .map(|h| decode_hex(h).ok_or_else(|| SpecError::SecretKeyNotHex(h.to_string())))
        .collect()
}

/// Decode a hex string (as `bytes.fromhex`, which also allows spaces).
pub fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !clean.len().is_multiple_of(2) {
        return None;
    }
    clean
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

fn storage_type(v: &Toml) -> Result<(&toml::Table, &str), SpecError> {
    let t = v.as_table().ok_or(SpecError::StorageNotTable)?;
    let ty = t
        .get("type")
        .and_then(Toml::as_str)
        .ok_or(SpecError::StorageNoType)?;
    Ok((t, ty))
}

fn required_root(t: &toml::Table, ty: &str) -> Result<PathBuf, SpecError> {
    t.get("root")
        .and_then(Toml::as_str)
        .map(storage_root)
        .ok_or_else(|| SpecError::StorageNeedsRoot(ty.to_string()))
}

fn value_storage(v: &Toml) -> Result<ValueStorageSpec, SpecError> {
    let (t, ty) = storage_type(v)?;
    match ty {
        _ if FILE_BACKENDS.contains(&ty) => Ok(ValueStorageSpec::Files {
            backend: ty.into(),
            root: required_root(t, ty)?,
            compress: t.get("compress").is_some_and(truthy),
            secret_keys: secret_keys(t)?,
            remaining_depth: t
                .get("remaining_depth")
                .and_then(Toml::as_integer)
                .unwrap_or(1),
        }),
        "bagofholding_hdf" => Ok(ValueStorageSpec::BagOfHolding {
            root: required_root(t, ty)?,
        }),
        "memory" | "void" => Ok(ValueStorageSpec::Transient(ty.into())),
        "sql" => Err(SpecError::SqlValues),
        other => Err(SpecError::UnknownValueStorage(other.to_string())),
    }
}

fn call_storage(v: &Toml) -> Result<CallStorageSpec, SpecError> {
    let (t, ty) = storage_type(v)?;
    match ty {
        _ if FILE_BACKENDS.contains(&ty) => Ok(CallStorageSpec::Files {
            backend: ty.into(),
            root: required_root(t, ty)?,
            compress: t.get("compress").is_some_and(truthy),
            secret_keys: secret_keys(t)?,
        }),
        "sql" => Ok(sql_url(t.get("url").and_then(Toml::as_str))),
        "memory" | "void" => Ok(CallStorageSpec::Transient(ty.into())),
        "bagofholding_hdf" => Err(SpecError::Hdf5Calls),
        other => Err(SpecError::UnknownCallStorage(other.to_string())),
    }
}

/// `_coerce_sqlite_url` plus SQLAlchemy's reading of `sqlite:///PATH`.
pub fn sql_url(url: Option<&str>) -> CallStorageSpec {
    let Some(url) = url else {
        return CallStorageSpec::Transient("sqlite:///:memory:".into());
    };
    if let Some(rest) = url.strip_prefix("sqlite:///") {
        let path = rest.split('?').next().unwrap_or(rest);
        if path.is_empty() || path == ":memory:" {
            return CallStorageSpec::Transient(url.into());
        }
        return CallStorageSpec::Sqlite {
            path: absolute(&expand_user(path)),
        };
    }
    if url == "sqlite://" || url.starts_with("sqlite:") {
        return CallStorageSpec::Transient(url.into());
    }
    if url.contains("://") {
        return CallStorageSpec::SqlServer { url: url.into() };
    }
    CallStorageSpec::Sqlite {
        path: absolute(&expand_user(url)),
    }
}

/// Values under `DIR/values` (detected as in [`cache_at`]) with call
/// records in the database `url` (`--root DIR --sql URL`).
pub fn values_at(dir: &Path, url: &str) -> CacheSpec {
    let calls = sql_url(Some(url));
    match cache_at(dir) {
        Some(CacheSpec::Single {
            values,
            read_only,
            max_size,
            ..
        }) => CacheSpec::Single {
            values,
            calls,
            read_only,
            max_size,
        },
        _ => CacheSpec::Single {
            values: ValueStorageSpec::Files {
                backend: "pickle".into(),
                root: absolute(dir).join("values"),
                compress: false,
                secret_keys: vec![],
                remaining_depth: 1,
            },
            calls,
            read_only: false,
            max_size: None,
        },
    }
}

/// A cache opened by directory (`--root DIR`), without any configuration:
/// `DIR/calls.db` or `DIR/calls/`, and `DIR/values/`.
pub fn cache_at(dir: &Path) -> Option<CacheSpec> {
    let dir = absolute(dir);
    let values_dir = dir.join("values");
    let calls = if dir.join("calls.db").is_file() {
        CallStorageSpec::Sqlite {
            path: dir.join("calls.db"),
        }
    } else if dir.join("calls").is_dir() {
        CallStorageSpec::Files {
            backend: "pickle".into(),
            root: dir.join("calls"),
            compress: false,
            secret_keys: vec![],
        }
    } else {
        return None;
    };
    // HDF5 values: `.h5` files, or (one file per key) files that begin
    // with HDF5's signature; the first value file decides.
    let hdf5 = std::fs::read_dir(&values_dir)
        .map(|entries| {
            entries.flatten().find_map(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name.ends_with(".h5") {
                    return Some(true);
                }
                if name.starts_with('.') || name.ends_with(".lock") || name.len() != 64 {
                    return None;
                }
                let mut head = [0u8; 8];
                let read = std::fs::File::open(e.path())
                    .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head));
                Some(read.is_ok() && head == *b"\x89HDF\r\n\x1a\n")
            })
        })
        .ok()
        .flatten()
        .unwrap_or(false);
    let values = if hdf5 {
        ValueStorageSpec::BagOfHolding { root: values_dir }
    } else {
        ValueStorageSpec::Files {
            backend: "pickle".into(),
            root: values_dir,
            compress: false,
            secret_keys: vec![],
            remaining_depth: 1,
        }
    };
    Some(CacheSpec::Single {
        values,
        calls,
        read_only: false,
        max_size: None,
    })
}

/// `scheme://user:secret@host/db` with the password masked, for anything
/// shown to people.
pub fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((creds, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match creds.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
        p
    }

    /// A scratch directory, removed when dropped.
    struct Scratch(PathBuf);

    impl std::ops::Deref for Scratch {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn tempdir(tag: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("fleche-config-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("mkdir");
        Scratch(d.canonicalize().expect("canonical"))
    }

    #[test]
    fn closer_files_win_whole_tables_and_root_stops_the_walk() {
        let d = tempdir("merge");
        let outer = write(&d, "fleche.toml", "[default]\ncache = \"far\"\n[far]\ntemplate = \"pickle\"\nroot = \"x\"\n[shared]\ntemplate = \"dill\"\nroot = \"outer\"\n");
        let inner = write(
            &d,
            "a/fleche.toml",
            "[shared]\ntemplate = \"sql\"\nroot = \"inner\"\nvalues = \"pickle\"\n",
        );
        let cfg = Config::from_files(&[inner.clone(), outer.clone()]).expect("load");
        let shared = cfg.cache(Some("shared")).expect("shared");
        match shared.spec {
            CacheSpec::Single {
                calls: CallStorageSpec::Sqlite { path },
                values: ValueStorageSpec::Files { root, backend, .. },
                ..
            } => {
                assert_eq!(path, d.join("a/inner/calls.db"));
                assert_eq!(root, d.join("a/inner/values"));
                assert_eq!(backend, "pickle");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(cfg.cache(None).expect("default").name, "far");

        let rooted = write(
            &d,
            "a/fleche.toml",
            "[default]\nroot = true\n[shared]\ntemplate = \"pickle\"\nroot = \"r\"\n",
        );
        let cfg = Config::from_files(&[rooted, outer]).expect("load");
        assert_eq!(cfg.files.len(), 1);
        assert!(cfg.cache(Some("far")).is_err());
    }

    #[test]
    fn urls_rebase_like_fleche() {
        let base = Path::new("/proj");
        assert_eq!(
            rebase_url("sqlite:///calls.db", base),
            "sqlite:////proj/calls.db"
        );
        assert_eq!(rebase_url("sqlite:////abs.db", base), "sqlite:////abs.db");
        assert_eq!(rebase_url("sqlite:///~/c.db", base), "sqlite:///~/c.db");
        assert_eq!(
            rebase_url("postgresql://u@h/db", base),
            "postgresql://u@h/db"
        );
        assert_eq!(rebase_url("rel/c.db", base), "/proj/rel/c.db");
        assert_eq!(rebase_path("~/x", base), "~/x");
    }

    #[test]
    fn explicit_storages_and_pools() {
        let d = tempdir("explicit");
        let f = write(
            &d,
            "fleche.toml",
            "[signed]\nvalues = {type = \"cloudpickle\", root = \"v\", compress = true, secret_key = [\"00ff\"], remaining_depth = 2}\ncalls = {type = \"sql\", url = \"sqlite:///c.db\"}\nread_only = true\n\n[[p.pool]]\ntemplate = \"pickle\"\nroot = \"a\"\n[[p.pool]]\ntemplate = \"pickle\"\nroot = \"b\"\n\n[[s]]\ntemplate = \"memory\"\n[[s]]\ntemplate = \"dill\"\nroot = \"d\"\n",
        );
        let cfg = Config::from_files(&[f]).expect("load");
        let signed = cfg.cache(Some("signed")).expect("signed").spec;
        assert_eq!(
            signed,
            CacheSpec::Single {
                values: ValueStorageSpec::Files {
                    backend: "cloudpickle".into(),
                    root: d.join("v"),
                    compress: true,
                    secret_keys: vec![vec![0, 255]],
                    remaining_depth: 2
                },
                calls: CallStorageSpec::Sqlite {
                    path: d.join("c.db")
                },
                read_only: true,
                max_size: None,
            }
        );
        assert!(
            matches!(cfg.cache(Some("p")).expect("p").spec, CacheSpec::Pool(m) if m.len() == 2)
        );
        assert!(
            matches!(cfg.cache(Some("s")).expect("s").spec, CacheSpec::Stack(m) if m.len() == 2)
        );
        assert!(matches!(
            cfg.cache(Some("nope")),
            Err(ConfigError::UnknownCache { .. })
        ));
    }
}
