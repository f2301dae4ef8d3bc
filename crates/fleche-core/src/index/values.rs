//! The index of a value directory: its names, sorted. Valid while the
//! directory's stamp (device, inode, mtime, ctime) is unchanged: adding,
//! removing or renaming a file changes the directory's times; rewriting a
//! file in place leaves its name, all we keep.
//!
//! Layout after the [`Header`]: the counts; a fan-out table (where the
//! digests starting with each two bytes begin) and a checksum of each such
//! bin; the names that are not digests; a checksum of all that; then the
//! digests, sorted, 32 bytes each. A prefix of four or more hex digits
//! reads its own bin and the nearest non-empty bins on either side (which
//! hold its neighbours), each checked against its checksum: a few reads,
//! not the 32 MB of a million names.

use super::{checksum, event, load, place, save, Header, Pending, Reader, Stamp};
use crate::prefix::{KeyBytes, KeySet};
use std::borrow::Cow;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

const BINS: usize = 1 << 16;

/// The index of one value directory, as a member of a cache uses it.
#[derive(Debug, Default)]
pub(crate) struct ValueIndex {
    /// Where index files are kept; None: no index (`--no-index`, or a
    /// store that is not a directory of value files).
    dir: Option<PathBuf>,
    /// The value directory.
    root: PathBuf,
    /// A current index file, opened once.
    open: OnceLock<Option<Opened>>,
    /// Every key from it, read once when a question needs them all.
    all: OnceLock<Option<KeySet>>,
    /// How many questions read their bins: past [`BIN_READS`], reading
    /// every key once is cheaper (a table of every call's short key).
    bin_reads: AtomicUsize,
}

/// Questions answered from their bins before the whole index is read.
const BIN_READS: usize = 64;

/// A current index file: its fan-out and bin checksums, its other names.
#[derive(Debug)]
struct Opened {
    path: PathBuf,
    file: std::fs::File,
    /// Where digests starting with each two bytes begin (BINS + 1 entries).
    fanout: Vec<u32>,
    sums: Vec<u64>,
    other: Vec<String>,
    /// Where the digests begin in the file.
    keys_at: u64,
}

impl ValueIndex {
    /// The index of the value files in `root`, kept in `dir` (None: none).
    pub(crate) fn new(dir: Option<PathBuf>, root: &Path) -> ValueIndex {
        ValueIndex {
            dir,
            root: root.to_path_buf(),
            ..ValueIndex::default()
        }
    }

    /// The canonical directory and the index file for it.
    fn place(&self) -> Option<(String, PathBuf)> {
        place(self.dir.as_ref(), "values", None, &self.root)
    }

    /// Whether a current index file is there (then [`Self::near`] answers).
    pub(crate) fn is_warm(&self) -> bool {
        self.opened().is_some()
    }

    fn opened(&self) -> Option<&Opened> {
        self.open.get_or_init(|| self.open_file()).as_ref()
    }

    /// The value keys that can matter for a digest starting with `near`,
    /// from a current index file; None when there is none (then list the
    /// directory).
    pub(crate) fn near(&self, near: &str) -> Option<Cow<'_, KeySet>> {
        let opened = self.opened()?;
        let bytes = near.as_bytes();
        let nibble = |c: u8| (c as char).to_digit(16);
        let bin = match bytes {
            [a, b, c, d, ..] => {
                let mut v = 0usize;
                for &x in [a, b, c, d] {
                    v = (v << 4) | nibble(x)? as usize;
                }
                Some(v)
            }
            _ => None,
        };
        // A prefix that is not lowercase hex matches no digest: only the
        // other names can answer, and the whole set does that simply.
        let lower = bytes.iter().take(4).all(|c| !c.is_ascii_uppercase());
        let few = self.bin_reads.fetch_add(1, Ordering::Relaxed) < BIN_READS;
        match bin {
            Some(b) if lower && few => match opened.bins_around(b) {
                Some(keys) => Some(Cow::Owned(keys)),
                None => {
                    event(format!("damaged {}", opened.path.display()));
                    None
                }
            },
            _ => self.all().map(Cow::Borrowed),
        }
    }

    /// Every key, from a current index file.
    fn all(&self) -> Option<&KeySet> {
        self.all
            .get_or_init(|| {
                let opened = self.opened()?;
                let bytes = load(&opened.path)?;
                let keys = bytes.get(usize::try_from(opened.keys_at).ok()?..)?;
                let hex: Vec<KeyBytes> = keys
                    .chunks_exact(32)
                    .map(|c| c.try_into().unwrap_or([0; 32]))
                    .collect();
                if hex.len() * 32 != keys.len() {
                    return None;
                }
                KeySet::from_sorted(hex, opened.other.clone())
            })
            .as_ref()
    }

    fn open_file(&self) -> Option<Opened> {
        let (identity, path) = self.place()?;
        let current = Stamp::of(&self.root)?;
        let file = std::fs::File::open(&path).ok()?;
        let len = file.metadata().ok()?.len();
        let mut head = vec![0u8; usize::try_from(len.min(1 << 20)).ok()?];
        file.read_exact_at(&mut head, 0).ok()?;
        let mut r = Reader::new(&head);
        let header = Header::read(&mut r)?;
        if !header.current(&identity, &current) {
            event(format!("stale {}", path.display()));
            return None;
        }
        let n_hex = r.u64()?;
        let n_other = usize::try_from(r.u64()?).ok()?;
        let other_bytes = usize::try_from(r.u64()?).ok()?;
        let head_len = r
            .position()
            .checked_add((BINS + 1) * 4 + BINS * 8)?
            .checked_add(other_bytes)?;
        if head_len as u64 + 8 > len {
            return None;
        }
        if head.len() < head_len + 8 {
            head = vec![0u8; head_len + 8];
            file.read_exact_at(&mut head, 0).ok()?;
            r = Reader::new(&head);
            Header::read(&mut r)?;
            r.take(24)?;
        }
        let sum = u64::from_le_bytes(head[head_len..head_len + 8].try_into().ok()?);
        if checksum(&head[..head_len]) != sum {
            event(format!("damaged {}", path.display()));
            return None;
        }
        let fanout: Vec<u32> = (0..=BINS).map(|_| r.u32()).collect::<Option<_>>()?;
        let sums: Vec<u64> = (0..BINS).map(|_| r.u64()).collect::<Option<_>>()?;
        let mut other = Vec::with_capacity(n_other.min(other_bytes));
        for _ in 0..n_other {
            let len = usize::try_from(r.u32()?).ok()?;
            other.push(String::from_utf8(r.take(len)?.to_vec()).ok()?);
        }
        let keys_at = head_len as u64 + 8;
        let ordered = fanout.windows(2).all(|w| w[0] <= w[1])
            && fanout[0] == 0
            && u64::from(fanout[BINS]) == n_hex
            && keys_at + n_hex * 32 + 8 == len
            && other.windows(2).all(|w| w[0] < w[1]);
        if !ordered {
            event(format!("damaged {}", path.display()));
            return None;
        }
        event(format!("used {}", path.display()));
        Some(Opened {
            path,
            file,
            fanout,
            sums,
            other,
            keys_at,
        })
    }

    /// Call just before the directory is listed: its state then, if it is
    /// worth an index (settled, and indexing enabled).
    pub(crate) fn before_listing(&self) -> Option<Pending> {
        let (identity, file) = self.place()?;
        let pending = Pending::before(identity, file, &self.root, Stamp::of)?;
        super::wanted(&pending.file).then_some(pending)
    }

    /// Keep what a listing begun after [`Self::before_listing`] found.
    pub(crate) fn after_listing(&self, pending: Pending, keys: &KeySet) {
        // Changed while it was listed: the listing may be either.
        if Stamp::of(&self.root) != Some(pending.header.stamp) {
            return;
        }
        let (hex, other) = keys.parts();
        let Ok(n) = u32::try_from(hex.len()) else {
            return;
        };
        let mut fanout = vec![0u32; BINS + 1];
        for k in hex {
            fanout[bin_of(k) + 1] += 1;
        }
        for b in 0..BINS {
            fanout[b + 1] += fanout[b];
        }
        debug_assert_eq!(fanout[BINS], n);
        let mut out = Vec::with_capacity((1 << 20) + hex.len() * 32);
        pending.header.write(&mut out);
        let other_bytes: usize = other.iter().map(|o| 4 + o.len()).sum();
        for v in [hex.len(), other.len(), other_bytes] {
            out.extend_from_slice(&(v as u64).to_le_bytes());
        }
        for f in &fanout {
            out.extend_from_slice(&f.to_le_bytes());
        }
        for b in 0..BINS {
            let bin = &hex[fanout[b] as usize..fanout[b + 1] as usize];
            out.extend_from_slice(&checksum(bin.as_flattened()).to_le_bytes());
        }
        for o in other {
            out.extend_from_slice(&(o.len() as u32).to_le_bytes());
            out.extend_from_slice(o.as_bytes());
        }
        let head_sum = checksum(&out);
        out.extend_from_slice(&head_sum.to_le_bytes());
        out.extend_from_slice(hex.as_flattened());
        save(&pending.file, out);
    }
}

fn bin_of(k: &KeyBytes) -> usize {
    (usize::from(k[0]) << 8) | usize::from(k[1])
}

impl Opened {
    /// The digests of bin `b` and of the nearest non-empty bins before and
    /// after it (where its keys' neighbours are), with every other name;
    /// None if a bin's checksum fails.
    fn bins_around(&self, b: usize) -> Option<KeySet> {
        let start = (0..b).rev().find(|&p| self.fanout[p] < self.fanout[p + 1]);
        let end = (b + 1..BINS).find(|&q| self.fanout[q] < self.fanout[q + 1]);
        let lo = start.unwrap_or(b);
        let hi = end.unwrap_or(b) + 1;
        let (first, last) = (self.fanout[lo] as usize, self.fanout[hi] as usize);
        let mut bytes = vec![0u8; (last - first) * 32];
        self.file
            .read_exact_at(&mut bytes, self.keys_at + first as u64 * 32)
            .ok()?;
        for bin in lo..hi {
            let (s, e) = (
                self.fanout[bin] as usize - first,
                self.fanout[bin + 1] as usize - first,
            );
            if checksum(&bytes[s * 32..e * 32]) != self.sums[bin] {
                return None;
            }
        }
        let hex: Vec<KeyBytes> = bytes
            .chunks_exact(32)
            .map(|c| c.try_into().unwrap_or([0; 32]))
            .collect();
        let in_bins = hex.iter().enumerate().all(|(i, k)| {
            let bin = bin_of(k);
            let at = first + i;
            bin >= lo
                && bin < hi
                && self.fanout[bin] as usize <= at
                && at < self.fanout[bin + 1] as usize
        });
        if !in_bins {
            return None;
        }
        KeySet::from_sorted(hex, self.other.clone())
    }
}
