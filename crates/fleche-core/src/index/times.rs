//! The index of a SQLite database's runtime metadata: for one field
//! (`timestart`, `timestop` or `walltime`), every `runtime` row's call key
//! and number, sorted by (number, key), so that the first or last N calls
//! of `ls -n N` are read from the file's ends. Valid while the database
//! file's stamp and change counter, and its write-ahead log's (size,
//! times, salts), are unchanged.

use super::{event, place, save, Header, Pending, Reader, Stamp};
use crate::prefix::KeyBytes;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// One entry: the field's value, then the call key.
const ENTRY: usize = 40;

/// The runtime index of one SQLite database, as its store uses it.
#[derive(Debug, Default)]
pub(crate) struct TimesIndex {
    /// Where index files are kept; None: no index.
    dir: Option<PathBuf>,
    db: PathBuf,
}

/// What the index says about the first N calls by a runtime field.
pub(crate) enum First {
    /// Their keys, in listing order.
    Keys(Vec<String>),
    /// Fewer calls than N have the field: the general query is needed.
    Short,
    /// No current index.
    Unknown,
}

/// What the index says about the calls in a range of a runtime field.
pub(crate) enum Range {
    /// Their keys, ascending by (field, key).
    Keys(Vec<KeyBytes>),
    /// More than asked for.
    TooMany,
    /// No current index, or one that cannot answer.
    Unknown,
}

/// A current index file, its header checked.
struct Current {
    file: std::fs::File,
    /// Where the entries begin.
    start: usize,
    /// How many there are.
    n: usize,
    path: PathBuf,
}

impl Current {
    /// Entries `from..to`, checked to be in order.
    fn entries(&self, from: usize, to: usize) -> Option<Vec<(f64, KeyBytes)>> {
        let mut window = vec![0u8; (to - from) * ENTRY];
        self.file
            .read_exact_at(&mut window, (self.start + from * ENTRY) as u64)
            .ok()?;
        let entries: Vec<(f64, KeyBytes)> = window.chunks_exact(ENTRY).map(entry).collect();
        if !entries.windows(2).all(|w| order(&w[0], &w[1]).is_le()) {
            event(format!("unsorted {}", self.path.display()));
            return None;
        }
        Some(entries)
    }

    /// The number of leading entries whose value passes `below` (a
    /// binary search: the values ascend), reading one entry per step.
    fn partition(&self, below: impl Fn(f64) -> bool) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.n);
        let mut e = [0u8; ENTRY];
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            self.file
                .read_exact_at(&mut e, (self.start + mid * ENTRY) as u64)
                .ok()?;
            if below(entry(&e).0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Some(lo)
    }
}

fn entry(e: &[u8]) -> (f64, KeyBytes) {
    let v = f64::from_le_bytes(e[..8].try_into().unwrap_or_default());
    (v, e[8..].try_into().unwrap_or([0; 32]))
}

impl TimesIndex {
    pub(crate) fn new(dir: Option<PathBuf>, db: &Path) -> TimesIndex {
        TimesIndex {
            dir,
            db: db.to_path_buf(),
        }
    }

    fn place(&self, field: &str) -> Option<(String, PathBuf)> {
        place(self.dir.as_ref(), "times", Some(field), &self.db)
    }

    /// The first `limit` calls by `field` (descending unless `reverse`),
    /// from a current index.
    pub(crate) fn first(&self, field: &str, limit: usize, reverse: bool) -> First {
        self.read_first(field, limit, reverse)
            .unwrap_or(First::Unknown)
    }

    /// The current index file of `field`, checked: None when there is none.
    fn current(&self, field: &str) -> Option<Current> {
        let (identity, path) = self.place(field)?;
        let current = Stamp::of_sqlite(&self.db)?;
        let file = std::fs::File::open(&path).ok()?;
        let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
        let mut head = vec![0u8; len.min(64 * 1024)];
        file.read_exact_at(&mut head, 0).ok()?;
        let mut r = Reader::new(&head);
        let header = Header::read(&mut r)?;
        if !header.current(&identity, &current) {
            event(format!("stale {}", path.display()));
            return None;
        }
        let n = usize::try_from(r.u64()?).ok()?;
        let start = r.position();
        // The entries, then the whole file's checksum.
        if n.checked_mul(ENTRY)?.checked_add(start + 8)? != len {
            event(format!("damaged {}", path.display()));
            return None;
        }
        Some(Current {
            file,
            start,
            n,
            path,
        })
    }

    fn read_first(&self, field: &str, limit: usize, reverse: bool) -> Option<First> {
        let cur = self.current(field)?;
        if cur.n < limit {
            event(format!("used {}", cur.path.display()));
            return Some(First::Short);
        }
        let from = if reverse { 0 } else { cur.n - limit };
        let entries = cur.entries(from, from + limit)?;
        let mut keys: Vec<String> = entries.iter().map(|(_, k)| hex(k)).collect();
        if !reverse {
            keys.reverse();
        }
        event(format!("used {}", cur.path.display()));
        Some(First::Keys(keys))
    }

    /// The keys of the calls whose `field` is at least `lo` and at most
    /// `hi` (None: unbounded), ascending by (field, key), from a current
    /// index: a binary search for each bound, then one read. Unknown
    /// without a current index, or when a key is there twice (two runtime
    /// rows: the index cannot say what SQL lists).
    pub(crate) fn range(&self, field: &str, lo: Option<f64>, hi: Option<f64>, max: usize) -> Range {
        self.read_range(field, lo, hi, max)
            .unwrap_or(Range::Unknown)
    }

    fn read_range(
        &self,
        field: &str,
        lo: Option<f64>,
        hi: Option<f64>,
        max: usize,
    ) -> Option<Range> {
        let cur = self.current(field)?;
        // The first entry not below `lo`, and the first above `hi`.
        let from = match lo {
            Some(lo) => cur.partition(|v| v < lo)?,
            None => 0,
        };
        let to = match hi {
            Some(hi) => cur.partition(|v| v <= hi)?,
            None => cur.n,
        };
        let to = to.max(from);
        if to - from > max {
            event(format!("used {} (too many in range)", cur.path.display()));
            return Some(Range::TooMany);
        }
        let entries = cur.entries(from, to)?;
        let inside = entries
            .iter()
            .all(|(v, _)| lo.is_none_or(|lo| *v >= lo) && hi.is_none_or(|hi| *v <= hi));
        if !inside {
            event(format!("unsorted {}", cur.path.display()));
            return None;
        }
        let keys: Vec<KeyBytes> = entries.into_iter().map(|(_, k)| k).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0] == w[1]) {
            event(format!("repeated keys in {}", cur.path.display()));
            return None;
        }
        event(format!("used {}", cur.path.display()));
        Some(Range::Keys(keys))
    }

    /// Call just before the runtime rows are read: the database's state
    /// then, if an index is wanted and the state is settled.
    pub(crate) fn before_scan(&self, field: &str) -> Option<Pending> {
        let (identity, file) = self.place(field)?;
        let pending = Pending::before(identity, file, &self.db, Stamp::of_sqlite)?;
        super::wanted(&pending.file).then_some(pending)
    }

    /// Keep every runtime row's (value, key) of a scan begun after
    /// [`Self::before_scan`].
    pub(crate) fn save(&self, pending: Pending, mut entries: Vec<(f64, KeyBytes)>) {
        if Stamp::of_sqlite(&self.db) != Some(pending.header.stamp) {
            return;
        }
        entries.sort_unstable_by(order);
        let mut out = Vec::with_capacity(256 + entries.len() * ENTRY);
        pending.header.write(&mut out);
        out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        for (v, k) in &entries {
            out.extend_from_slice(&v.to_le_bytes());
            out.extend_from_slice(k);
        }
        save(&pending.file, out);
    }
}

/// Ascending by value (SQLite's numeric order: -0.0 equals 0.0), then key.
pub(crate) fn order(a: &(f64, KeyBytes), b: &(f64, KeyBytes)) -> std::cmp::Ordering {
    a.0.partial_cmp(&b.0)
        .unwrap_or(std::cmp::Ordering::Equal)
        .then_with(|| a.1.cmp(&b.1))
}

pub(crate) fn hex(k: &KeyBytes) -> String {
    k.iter().map(|b| format!("{b:02x}")).collect()
}
