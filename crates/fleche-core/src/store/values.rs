//! Value stores: value files (pickles, compressed or signed), bagofholding
//! HDF5 files (named, not decoded), or none; loading and mending values.

use crate::prefix::KeySet;
use crate::store::files::{self, FileError};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use thiserror::Error;

/// Load a value from the first store that has it (as a stack reads).
pub(crate) fn load_value_from<'a>(
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
pub(crate) enum ValueStore {
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
pub(crate) fn hdf5_stems(root: &Path) -> std::collections::BTreeSet<String> {
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
pub(crate) fn hdf5_stem_for<'a>(
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
    #[error("{path}: {error}")]
    Pickle {
        path: PathBuf,
        error: crate::pickle::PickleError,
    },
    /// A destructured value that cannot be rebuilt; `path` is the file
    /// whose value it is (unknown while its children are mended).
    #[error("{}{error}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Mend {
        path: Option<PathBuf>,
        error: crate::destructure::MendError,
    },
}

impl From<crate::destructure::MendError> for ValueError {
    fn from(error: crate::destructure::MendError) -> Self {
        ValueError::Mend { path: None, error }
    }
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
    /// The destructured wrapper as stored, when `value` was mended from
    /// one (else the value is as stored, and not kept twice).
    pub raw: Option<crate::Value>,
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
                    crate::pickle::load(&env.payload).map_err(|error| ValueError::Pickle {
                        path: path.clone(),
                        error,
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
        if !crate::destructure::is_wrapper(&raw) {
            return Ok(StoredValue {
                key: key.to_string(),
                path,
                compressed: env.compressed,
                signature: env.signature,
                size: env.size,
                raw: None,
                value: raw,
                children,
            });
        }
        let value =
            crate::destructure::mend(&raw, &mut |k: &str| self.load_raw(k).map(|(_, _, v)| v))
                .map_err(|e| match e {
                    ValueError::Mend { path: None, error } => ValueError::Mend {
                        path: Some(path.clone()),
                        error,
                    },
                    e => e,
                })?;
        let raw = Some(raw);
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
