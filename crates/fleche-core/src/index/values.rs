//! The index of a value directory: its names, sorted, as a [`KeySet`].
//! Valid while the directory's stamp (device, inode, mtime, ctime) is
//! unchanged: adding, removing or renaming a file changes the directory's
//! times; rewriting a file in place leaves its name, all we keep.

use super::{event, file_for, load, save, Header, Reader, Stamp};
use crate::prefix::{KeyBytes, KeySet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The index of one value directory, as a member of a cache uses it.
#[derive(Debug, Default)]
pub(crate) struct ValueIndex {
    /// Where index files are kept; None: no index (`--no-index`, or a
    /// store that is not a directory of value files).
    dir: Option<PathBuf>,
    /// The value directory.
    root: PathBuf,
    /// The keys from a current index file, looked for once.
    warm: OnceLock<Option<KeySet>>,
}

/// What a listing about to start must be saved with: the directory's state
/// before it was read.
pub(crate) struct Pending {
    file: PathBuf,
    header: Header,
}

impl ValueIndex {
    /// The index of the value files in `root`, kept in `dir` (None: none).
    pub(crate) fn new(dir: Option<PathBuf>, root: &Path) -> ValueIndex {
        ValueIndex {
            dir,
            root: root.to_path_buf(),
            warm: OnceLock::new(),
        }
    }

    /// The canonical directory and the index file for it.
    fn place(&self) -> Option<(String, PathBuf)> {
        let dir = self.dir.as_ref()?;
        let canon = std::fs::canonicalize(&self.root).ok()?;
        let identity = format!("values\0{}", canon.display());
        let file = file_for(dir, "values", &identity);
        Some((identity, file))
    }

    /// Every value key, from an index file that is current; None when
    /// there is none (then list the directory).
    pub(crate) fn warm(&self) -> Option<&KeySet> {
        self.warm.get_or_init(|| self.read()).as_ref()
    }

    fn read(&self) -> Option<KeySet> {
        let (identity, file) = self.place()?;
        let current = Stamp::of(&self.root)?;
        let bytes = load(&file)?;
        let mut r = Reader::new(&bytes);
        let header = Header::read(&mut r)?;
        if !header.current(&identity, &current) {
            event(format!("stale {}", file.display()));
            return None;
        }
        let n_hex = usize::try_from(r.u64()?).ok()?;
        let n_other = usize::try_from(r.u64()?).ok()?;
        let hex: Vec<KeyBytes> = r
            .take(n_hex.checked_mul(32)?)?
            .chunks_exact(32)
            .map(|c| c.try_into().unwrap_or([0; 32]))
            .collect();
        let mut other = Vec::with_capacity(n_other.min(r.rest().len()));
        for _ in 0..n_other {
            let len = usize::try_from(r.u32()?).ok()?;
            other.push(String::from_utf8(r.take(len)?.to_vec()).ok()?);
        }
        if !r.rest().is_empty() {
            return None;
        }
        let keys = KeySet::from_sorted(hex, other);
        match &keys {
            Some(_) => event(format!("used {}", file.display())),
            None => event(format!("unsorted {}", file.display())),
        }
        keys
    }

    /// Call just before the directory is listed: its state then, if it is
    /// worth an index (settled, and indexing enabled).
    pub(crate) fn before_listing(&self) -> Option<Pending> {
        let (identity, file) = self.place()?;
        let snapshot = super::now();
        let stamp = Stamp::of(&self.root)?;
        if !stamp.settled(snapshot) {
            event(format!(
                "not indexed (changed just now) {}",
                self.root.display()
            ));
            return None;
        }
        Some(Pending {
            file,
            header: Header {
                identity,
                stamp,
                snapshot,
            },
        })
    }

    /// Keep what a listing begun after [`Self::before_listing`] found.
    pub(crate) fn after_listing(&self, pending: Pending, keys: &KeySet) {
        // Changed while it was listed: the listing may be either.
        if Stamp::of(&self.root) != Some(pending.header.stamp) {
            return;
        }
        let (hex, other) = keys.parts();
        let mut out = Vec::with_capacity(256 + hex.len() * 32);
        pending.header.write(&mut out);
        out.extend_from_slice(&(hex.len() as u64).to_le_bytes());
        out.extend_from_slice(&(other.len() as u64).to_le_bytes());
        for k in hex {
            out.extend_from_slice(k);
        }
        for o in other {
            out.extend_from_slice(&(o.len() as u32).to_le_bytes());
            out.extend_from_slice(o.as_bytes());
        }
        save(&pending.file, out);
    }
}
