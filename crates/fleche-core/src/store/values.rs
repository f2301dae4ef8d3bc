//! Value stores: value files (pickles, compressed or signed), bagofholding
//! HDF5 files (read by [`crate::hdf5`]), or none; loading and mending values.

use crate::prefix::KeySet;
use crate::store::files::{self, FileError};
use std::borrow::Cow;
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
/// a [`KeySet`].
pub(crate) enum ValueStore {
    Files {
        root: PathBuf,
        /// The same directory, for opening its files by name.
        dir: files::Dir,
        keys: Vec<Vec<u8>>,
        /// Read once, by whichever thread asks first (others wait).
        index: OnceLock<Result<KeySet, FileError>>,
    },
    /// Values in bagofholding HDF5 files: `{key[:n]}.h5` files holding one
    /// bag per key (fleche 0.20+, any prefix length n > 0), and files named
    /// by the full key holding one bag at their root (prefix length 0, and
    /// fleche ≤ 0.19). Keys are listed from the bags themselves, once.
    Hdf5 {
        root: PathBuf,
        listing: OnceLock<Result<Hdf5Listing, FileError>>,
    },
    Transient(String),
    /// A remote cache's values, loaded through its server one by one; the
    /// keys known are those its records name (the protocol lists none).
    Remote(std::sync::Arc<crate::store::remote::RemoteStore>),
}

static NO_KEYS: KeySet = KeySet::empty();

impl ValueStore {
    /// Value files under `root`, read with the signing `keys`; listed on
    /// first use.
    pub(crate) fn files(root: PathBuf, keys: Vec<Vec<u8>>) -> ValueStore {
        ValueStore::Files {
            dir: files::Dir::new(&root),
            root,
            keys,
            index: OnceLock::new(),
        }
    }

    /// bagofholding HDF5 files under `root`; listed on first use.
    pub(crate) fn hdf5(root: PathBuf) -> ValueStore {
        ValueStore::Hdf5 {
            root,
            listing: OnceLock::new(),
        }
    }

    /// Every value key, for prefix and neighbour questions (one directory
    /// read, cached).
    pub fn index(&self) -> Result<&KeySet, FileError> {
        match self {
            ValueStore::Files { root, index, .. } => index
                .get_or_init(|| files::key_set(root))
                .as_ref()
                .map_err(Clone::clone),
            ValueStore::Hdf5 { .. } => Ok(&self.hdf5_listing()?.index),
            ValueStore::Transient(_) => Ok(&NO_KEYS),
            ValueStore::Remote(r) => Ok(r.values()),
        }
    }

    /// [`Self::index`], calling `first` just before the directory is read
    /// if this call reads it (the persistent index stamps the directory
    /// then).
    pub(crate) fn index_with(&self, first: impl FnOnce()) -> Result<&KeySet, FileError> {
        match self {
            ValueStore::Files { root, index, .. } => index
                .get_or_init(|| {
                    first();
                    files::key_set(root)
                })
                .as_ref()
                .map_err(Clone::clone),
            _ => self.index(),
        }
    }

    /// The listing if it has been read already (by another thread), for
    /// work that can go on without it meanwhile.
    pub fn listed(&self) -> Option<&KeySet> {
        match self {
            ValueStore::Files { index, .. } => index.get()?.as_ref().ok(),
            ValueStore::Hdf5 { listing, .. } => Some(&listing.get()?.as_ref().ok()?.index),
            ValueStore::Transient(_) => Some(&NO_KEYS),
            ValueStore::Remote(r) => Some(r.values()),
        }
    }

    /// The value keys that can matter for a digest starting with `near`
    /// (a prefix to expand, or a key's first [`crate::prefix::MIN_PREFIX`]
    /// characters for its short form): every key, except in an HDF5 store
    /// not yet listed, where only the shared files whose name `near` can
    /// start with are opened (a key lives in `{key[:n]}.h5`, so a prefix of
    /// n or more characters in exactly one file) and every other key is
    /// known not to start with `near`.
    pub fn index_near(&self, near: &str) -> Result<Cow<'_, KeySet>, FileError> {
        match self {
            ValueStore::Hdf5 { root, listing } if !near.is_empty() => match listing.get() {
                Some(l) => Ok(Cow::Borrowed(&l.as_ref().map_err(Clone::clone)?.index)),
                None => Ok(Cow::Owned(list_hdf5(root, Some(near))?.index)),
            },
            // The values the records name, and any the server revealed.
            ValueStore::Remote(r) => Ok(r.known_values()),
            _ => self.index().map(Cow::Borrowed),
        }
    }

    pub fn root(&self) -> Option<&Path> {
        match self {
            ValueStore::Files { root, .. } | ValueStore::Hdf5 { root, .. } => Some(root),
            ValueStore::Transient(_) | ValueStore::Remote(_) => None,
        }
    }
}

/// What an HDF5 value store holds, read from its files once.
#[derive(Debug)]
pub(crate) struct Hdf5Listing {
    pub index: KeySet,
    /// Files that are there but could not be read, with why (fleche logs
    /// and skips these too; `verify` reports them).
    pub unreadable: Vec<(PathBuf, crate::hdf5::Hdf5Error)>,
}

impl ValueStore {
    /// An HDF5 store's keys, listed from its files on first use.
    pub(crate) fn hdf5_listing(&self) -> Result<&Hdf5Listing, FileError> {
        match self {
            ValueStore::Hdf5 { root, listing } => listing
                .get_or_init(|| list_hdf5(root, None))
                .as_ref()
                .map_err(Clone::clone),
            _ => Err(FileError::io(
                self.root().unwrap_or(Path::new("")),
                std::io::Error::other("not an HDF5 store"),
            )),
        }
    }
}

/// One file per key (prefix length 0, fleche ≤ 0.19): named by the full
/// 64-character key, no extension, as fleche's `list()` recognises them.
fn is_per_key_file(name: &str) -> bool {
    name.len() == 64 && !name.starts_with('.') && files::is_key_name(name)
}

/// List the keys of an HDF5 store; with `near`, open only the shared files
/// whose stem is a prefix of `near` or starts with it (the only ones that
/// can hold a key starting with `near`; per-key files are listed by name).
fn list_hdf5(root: &Path, near: Option<&str>) -> Result<Hdf5Listing, FileError> {
    let entries = match std::fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Hdf5Listing {
                index: KeySet::from_names(std::iter::empty::<&str>()),
                unreadable: Vec::new(),
            })
        }
        Err(e) => return Err(FileError::io(root, e)),
    };
    let mut keys = Vec::new();
    let mut unreadable = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| FileError::io(root, e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if name.starts_with('.') || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        if is_per_key_file(&name) {
            keys.push(name);
        } else if let Some(stem) = name.strip_suffix(".h5") {
            if stem.is_empty() || near.is_some_and(|p| !stem.starts_with(p) && !p.starts_with(stem))
            {
                continue;
            }
            let path = root.join(&name);
            match crate::hdf5::BagFile::open(&path).and_then(|f| f.bag_names()) {
                Ok(names) => keys.extend(names),
                Err(e) => unreadable.push((path, e)),
            }
        }
    }
    let index = KeySet::from_names(keys.iter().map(String::as_str));
    Ok(Hdf5Listing { index, unreadable })
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
        .filter(|stem| !stem.starts_with('.') && !stem.is_empty())
        .collect()
}

/// Which stem holds `key`: `{key[:n]}` for a prefix length n read off the
/// files present.
pub(crate) fn hdf5_stem_for<'a>(
    stems: &'a std::collections::BTreeSet<String>,
    key: &str,
) -> Option<&'a String> {
    let lengths: std::collections::BTreeSet<usize> = stems.iter().map(String::len).collect();
    lengths
        .into_iter()
        .find_map(|n| key.get(..n).and_then(|p| stems.get(p)))
}

/// Where `key`'s bag is: its own file (bag at the root), else the shared
/// `ROOT/{key[:n]}.h5` holding a bag named `key`.
pub fn hdf5_location(root: &Path, key: &str) -> Option<(PathBuf, bool)> {
    if is_per_key_file(key) && !key.contains('/') {
        let own = root.join(key);
        if own.is_file() {
            return Some((own, false));
        }
    }
    let stems = hdf5_stems(root);
    hdf5_stem_for(&stems, key).map(|s| (root.join(format!("{s}.h5")), true))
}

/// The HDF5 file that holds `key`, opened, and whether the bag is one of
/// several in it.
fn open_bag(root: &Path, key: &str) -> Result<(crate::hdf5::BagFile, PathBuf, bool), ValueError> {
    let Some((file, shared)) = hdf5_location(root, key) else {
        return Err(ValueError::Missing(key.to_string()));
    };
    let bag = crate::hdf5::BagFile::open(&file).map_err(|e| hdf5_error(key, &file, e))?;
    Ok((bag, file, shared))
}

fn hdf5_error(key: &str, file: &Path, error: crate::hdf5::Hdf5Error) -> ValueError {
    ValueError::Hdf5 {
        key: key.to_string(),
        file: file.to_path_buf(),
        error,
    }
}

/// Why a stored value could not be shown.
#[derive(Debug, Error)]
pub enum ValueError {
    #[error("value `{0}` is not in the value store")]
    Missing(String),
    /// An HDF5 file that holds (or should hold) the value but does not
    /// read as a bag.
    #[error("{}: value `{key}`: {error}", .file.display())]
    Hdf5 {
        key: String,
        file: PathBuf,
        error: crate::hdf5::Hdf5Error,
    },
    #[error("the cache keeps no values on disk ({0})")]
    Transient(String),
    #[error("value `{key}` on {host}: {error}")]
    Remote {
        key: String,
        host: String,
        error: Box<crate::store::remote::RemoteError>,
    },
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
    /// The host of a remote cache it was loaded from over ssh: its file
    /// (size, compression, signature) stays there, and the value comes
    /// mended.
    pub remote: Option<String>,
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
                let (bag, file, shared) = open_bag(root, key)?;
                let err = |error| hdf5_error(key, &file, error);
                let value = match bag.load(shared.then_some(key)) {
                    Ok(v) => v,
                    Err(crate::hdf5::Hdf5Error::NoBag(_)) => {
                        return Err(ValueError::Missing(key.to_string()))
                    }
                    Err(e) => return Err(err(e)),
                };
                let env = files::Envelope {
                    compressed: false,
                    signature: files::Signature::NotChecked,
                    size: bag.size(),
                    payload: Vec::new(),
                };
                Ok((env, file, value))
            }
            ValueStore::Transient(t) => Err(ValueError::Transient(t.clone())),
            // Asked only for values its records name or its server revealed
            // (resolving a prefix asks it, see `RemoteStore::learn`): any
            // other is missing there as far as this tool can know (and a
            // stack's next layer is not kept waiting on a round trip).
            ValueStore::Remote(r) if !r.knows_value(key) => {
                Err(ValueError::Missing(key.to_string()))
            }
            ValueStore::Remote(r) => {
                let value = r.link().load_value(key).map_err(|error| match error {
                    // What fleche's stores raise for a value they lack.
                    crate::store::remote::RemoteError::Remote { exception, .. }
                        if exception.starts_with("KeyError") =>
                    {
                        ValueError::Missing(key.to_string())
                    }
                    error => ValueError::Remote {
                        key: key.to_string(),
                        host: r.host().to_string(),
                        error: Box::new(error),
                    },
                })?;
                let env = files::Envelope {
                    compressed: false,
                    signature: files::Signature::NotChecked,
                    size: 0,
                    payload: Vec::new(),
                };
                Ok((env, PathBuf::from(r.host()), value))
            }
        }
    }

    /// The destructured children of an HDF5 bag, decoding only a wrapper
    /// (told by the class its attributes name).
    pub(crate) fn hdf5_children(&self, key: &str) -> Result<Vec<String>, ValueError> {
        let ValueStore::Hdf5 { root, .. } = self else {
            return self
                .load_raw(key)
                .map(|(_, _, v)| crate::destructure::children(&v));
        };
        let (bag, file, shared) = open_bag(root, key)?;
        let err = |error| hdf5_error(key, &file, error);
        let bag_name = shared.then_some(key);
        let class = bag.class_of(bag_name).map_err(err)?;
        if !class.is_some_and(|c| c.starts_with("fleche.storage.destructuring.")) {
            return Ok(Vec::new());
        }
        let value = bag.load(bag_name).map_err(err)?;
        Ok(crate::destructure::children(&value))
    }

    /// Load and mend one value (destructured children loaded recursively).
    pub fn load(&self, key: &str) -> Result<StoredValue, ValueError> {
        let (env, path, raw) = self.load_raw(key)?;
        let children = crate::destructure::children(&raw);
        let remote = matches!(self, ValueStore::Remote(_)).then(|| path.display().to_string());
        if !crate::destructure::is_wrapper(&raw) {
            return Ok(StoredValue {
                key: key.to_string(),
                path,
                compressed: env.compressed,
                signature: env.signature,
                size: env.size,
                raw: None,
                remote,
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
            remote: None,
        })
    }

    /// Whether a value file exists for `key` (no decoding).
    pub fn contains(&self, key: &str) -> bool {
        self.index_near(key).is_ok_and(|k| k.contains(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With a prefix length longer than a short key (6 here), a short key
    /// may live in several files: exactly those whose name starts with it
    /// are opened, and a longer prefix opens only its own file.
    #[test]
    fn a_prefix_opens_only_the_files_that_can_hold_it() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/hdf5-values/.fleche/values");
        let dir = std::env::temp_dir().join(format!("fleche-near-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (from, to) in [
            ("81.h5", "81a8c3.h5"),
            ("81.h5", "81a8ff.h5"),
            ("03.h5", "03aaaa.h5"),
            ("04.h5", "81b000.h5"),
        ] {
            std::fs::copy(fixture.join(from), dir.join(to)).expect("copy");
        }
        let opened = crate::hdf5::files_opened_on_this_thread;
        let count = |near: &str| {
            let before = opened();
            let listing = list_hdf5(&dir, Some(near)).expect("listing");
            (opened() - before, listing.index.len())
        };
        assert_eq!(count("81a8").0, 2);
        assert_eq!(count("81a8c337").0, 1);
        assert_eq!(count("81").0, 3);
        assert_eq!(count("ffff").0, 0);
        let (all, keys) = (list_hdf5(&dir, None).expect("all"), count("81a8c3").1);
        assert!(
            keys > 0 && keys < all.index.len(),
            "{keys} of {}",
            all.index.len()
        );
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
