//! The persistent index: what makes `expand`, `show` and `ls -n` instant on
//! a million calls. It lives outside the cache, under the user's cache
//! directory (`$XDG_CACHE_HOME/fleche/index/`, else `~/.cache/fleche/index/`),
//! one file per indexed thing, named by the identity of what it indexes:
//!
//! - `values-*.idx`: the sorted names of a value directory (prefixes and
//!   shortest-unique display lengths without listing a million files);
//! - `times-*.idx`: a SQLite database's runtime metadata rows (call key and
//!   one of `timestart`/`timestop`/`walltime`), sorted, for `ls -n N`;
//! - `layout-*.idx`: whether a SQLite database's tables are lined up for a
//!   merged full listing (one byte per listing order).
//!
//! It is only a speed-up, never a source of truth: each file records the
//! state of what it indexes (a stamp: device, inode, size, mtime, ctime;
//! SQLite's change counter) taken *before* it was read, and is used only
//! while that state is unchanged and was already settled when it was
//! taken (git's racy-timestamp rule: a stamp not older than the snapshot by
//! more than the file system's timestamp granularity could miss a change
//! made in the same tick, so it is neither saved nor trusted). A missing,
//! truncated, corrupt or foreign file is ignored and rebuilt; an unwritable
//! directory means no index. Files are written whole to a temporary name
//! and renamed into place.

pub(crate) mod layout;
pub(crate) mod times;
pub(crate) mod values;

use sha2::{Digest, Sha256};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The first bytes of every index file.
const MAGIC: &[u8; 8] = b"FLECHEIX";
/// Bumped whenever the layout changes: other versions are rebuilt.
const VERSION: u32 = 3;
/// The coarsest timestamp granularity we allow for (FAT's 2 s; ext4, xfs,
/// btrfs and tmpfs are far finer, NFS may be 1 s).
const GRANULE: Duration = Duration::from_secs(2);

/// Where index files go: `$XDG_CACHE_HOME/fleche/index` (or
/// `~/.cache/fleche/index`); None when there is no such place.
pub fn dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("fleche").join("index"))
}

/// What the index did in this process, for `FLECHE_INDEX_DEBUG` (the core
/// never prints; the binary may show these).
static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn event(what: String) {
    if let Ok(mut e) = EVENTS.lock() {
        e.push(what);
    }
}

/// Everything the index did so far (used, rebuilt, ignored and why).
pub fn events() -> Vec<String> {
    EVENTS.lock().map(|e| e.clone()).unwrap_or_default()
}

/// The state of a file or directory that must not have changed since an
/// index of it was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    /// SQLite's file change counter (header offset 24), 0 for directories.
    counter: u32,
    /// A SQLite database's write-ahead log, if there is one: its size,
    /// times and salts (which change whenever it is restarted).
    wal: Option<Wal>,
}

/// No ctime: SQLite running as root `fchown`s the log to the database's
/// owner each time it opens it, so every reader (ours too) would make the
/// log look changed. Its content shows in its size, mtime and salts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Wal {
    size: u64,
    mtime: (i64, i64),
    salts: u64,
}

impl Stamp {
    pub(crate) fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
            counter: 0,
            wal: None,
        })
    }

    /// A SQLite database: its file and the change counter in its header.
    pub(crate) fn of_sqlite(path: &Path) -> Option<Stamp> {
        use std::os::unix::fs::FileExt;
        let mut stamp = Stamp::of(path)?;
        let file = std::fs::File::open(path).ok()?;
        let mut counter = [0u8; 4];
        file.read_exact_at(&mut counter, 24).ok()?;
        stamp.counter = u32::from_be_bytes(counter);
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let wal = Path::new(&wal);
        if let Ok(m) = std::fs::symlink_metadata(wal) {
            // Read-only: never creates the log or its index.
            let mut salts = [0u8; 8];
            if m.len() >= 32 {
                std::fs::File::open(wal)
                    .ok()?
                    .read_exact_at(&mut salts, 16)
                    .ok()?;
            }
            stamp.wal = Some(Wal {
                size: m.size(),
                mtime: (m.mtime(), m.mtime_nsec()),
                salts: u64::from_be_bytes(salts),
            });
        }
        Some(stamp)
    }

    /// Whether the stamp was settled at `snapshot` (the moment just before
    /// it was taken): its times are older than that by more than the
    /// coarsest timestamp tick, so any later change shows a newer time.
    fn settled(&self, snapshot: (i64, i64)) -> bool {
        let older = |t: (i64, i64)| {
            let (s, n) = (t.0 + GRANULE.as_secs() as i64, t.1);
            (s, n) < snapshot
        };
        older(self.mtime) && older(self.ctime) && self.wal.is_none_or(|w| older(w.mtime))
    }

    fn write(&self, out: &mut Vec<u8>) {
        for v in [
            self.dev,
            self.ino,
            self.size,
            self.mtime.0 as u64,
            self.mtime.1 as u64,
            self.ctime.0 as u64,
            self.ctime.1 as u64,
            u64::from(self.counter),
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let wal = self.wal.map_or([0; 7], |w| {
            [
                1,
                w.size,
                w.mtime.0 as u64,
                w.mtime.1 as u64,
                // Where the log's ctime was (version 2).
                0,
                0,
                w.salts,
            ]
        });
        for v in wal {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn read(r: &mut Reader<'_>) -> Option<Stamp> {
        Some(Stamp {
            dev: r.u64()?,
            ino: r.u64()?,
            size: r.u64()?,
            mtime: (r.u64()? as i64, r.u64()? as i64),
            ctime: (r.u64()? as i64, r.u64()? as i64),
            counter: u32::try_from(r.u64()?).ok()?,
            wal: {
                let present = r.u64()?;
                let w = Wal {
                    size: r.u64()?,
                    mtime: (r.u64()? as i64, r.u64()? as i64),
                    salts: {
                        r.u64()?;
                        r.u64()?;
                        r.u64()?
                    },
                };
                (present == 1).then_some(w)
            },
        })
    }
}

/// Now, as (seconds, nanoseconds) since the epoch: taken just before a
/// stamp, it bounds when the snapshot began.
pub(crate) fn now() -> (i64, i64) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs() as i64, i64::from(d.subsec_nanos()))
}

/// The identity of the index of `kind` (of `part` of it, if any) over
/// `path`, and the file in `dir` it is kept in; None without a directory
/// or when `path` is not there.
fn place(
    dir: Option<&PathBuf>,
    kind: &str,
    part: Option<&str>,
    path: &Path,
) -> Option<(String, PathBuf)> {
    let dir = dir?;
    let canon = std::fs::canonicalize(path).ok()?;
    let identity = match part {
        Some(part) => format!("{kind}\0{part}\0{}", canon.display()),
        None => format!("{kind}\0{}", canon.display()),
    };
    let file = file_for(dir, kind, &identity);
    Some((identity, file))
}

/// The file an index of `identity` (a kind and the canonical paths and
/// inode of what it indexes) is kept in.
fn file_for(dir: &Path, kind: &str, identity: &str) -> PathBuf {
    let digest = Sha256::digest(identity.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{kind}-{hex}.idx"))
}

/// The header every index file starts with: what it indexes and in which
/// state, then the kind's own header fields.
pub(crate) struct Header {
    pub identity: String,
    pub stamp: Stamp,
    pub snapshot: (i64, i64),
}

impl Header {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(self.identity.len() as u64).to_le_bytes());
        out.extend_from_slice(self.identity.as_bytes());
        self.stamp.write(out);
        out.extend_from_slice(&(self.snapshot.0 as u64).to_le_bytes());
        out.extend_from_slice(&(self.snapshot.1 as u64).to_le_bytes());
    }

    fn read(r: &mut Reader<'_>) -> Option<Header> {
        if r.take(8)? != MAGIC || r.u32()? != VERSION {
            return None;
        }
        let len = usize::try_from(r.u64()?).ok()?;
        let identity = String::from_utf8(r.take(len)?.to_vec()).ok()?;
        let stamp = Stamp::read(r)?;
        let snapshot = (r.u64()? as i64, r.u64()? as i64);
        Some(Header {
            identity,
            stamp,
            snapshot,
        })
    }

    /// Whether this header describes `identity` in the state `current`,
    /// settled when the index was built.
    fn current(&self, identity: &str, current: &Stamp) -> bool {
        self.identity == identity && self.stamp == *current && self.stamp.settled(self.snapshot)
    }
}

/// What building an index file needs kept from before the read: where it
/// goes, and the settled state of what it indexes.
pub(crate) struct Pending {
    file: PathBuf,
    header: Header,
}

impl Pending {
    /// The state of `what` (as `stamp` takes it) just before it is read,
    /// if settled: a state that may still change within the timestamp
    /// granule is never indexed.
    fn before(
        identity: String,
        file: PathBuf,
        what: &Path,
        stamp: fn(&Path) -> Option<Stamp>,
    ) -> Option<Pending> {
        let snapshot = now();
        let stamp = stamp(what)?;
        if !stamp.settled(snapshot) {
            event(format!("not indexed (changed just now) {}", what.display()));
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
}

/// A bounds-checked reader over bytes.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let out = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(out)
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    pub(crate) fn position(&self) -> usize {
        self.at
    }
}

/// A fast checksum of a whole file's bytes (word at a time): a truncated
/// or damaged index is rebuilt, not believed.
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h: u64 = bytes.len() as u64 ^ K;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(29);
    }
    h
}

/// Write `bytes` (with their checksum appended) as `path`, atomically: a
/// temporary file in the same directory renamed into place. Failures are
/// noted, never returned: an index that cannot be kept is only slower.
fn save(path: &Path, mut bytes: Vec<u8>) {
    let sum = checksum(&bytes);
    bytes.extend_from_slice(&sum.to_le_bytes());
    let Some(dir) = path.parent() else {
        return;
    };
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("index"),
        std::process::id(),
        now().1
    ));
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            Ok(())
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    match written {
        Ok(()) => event(format!("saved {}", path.display())),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            event(format!("cannot save {}: {e}", path.display()));
        }
    }
}

/// Whether building the index file `path` pays: only when the same
/// question was asked before without a current index (a `.want` file left
/// then). Building costs a little over the ordinary answer (sorting and
/// writing tens of MB on a million calls), which a question asked once
/// never earns back.
fn wanted(path: &Path) -> bool {
    let want = path.with_extension("want");
    if want.exists() {
        return true;
    }
    let _ = std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
        .and_then(|()| std::fs::write(&want, b""));
    event(format!("not indexed (first ask) {}", path.display()));
    false
}

/// The bytes of an index file whose checksum holds (without it).
fn load(path: &Path) -> Option<Vec<u8>> {
    load_bytes(path, std::fs::read(path).ok()?)
}

/// [`load`] of bytes already read.
fn load_bytes(path: &Path, mut bytes: Vec<u8>) -> Option<Vec<u8>> {
    let body = bytes.len().checked_sub(8)?;
    let sum = u64::from_le_bytes(bytes[body..].try_into().ok()?);
    if checksum(&bytes[..body]) != sum {
        event(format!("damaged {}", path.display()));
        return None;
    }
    bytes.truncate(body);
    Some(bytes)
}
