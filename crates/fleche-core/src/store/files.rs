//! Pickle-family files (`pickle`, `cloudpickle`, `dill` backends, format §3):
//! one file per key named by its digest, optionally gzip-compressed and
//! HMAC-signed. This module reads the envelope; `crate::pickle` decodes
//! what is inside.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;

/// Why a file of a store cannot be read (the convention of
/// [`crate::store::StoreError`]: the text says it all, the wrapped error is
/// kept typed in `error`). Cloned for every command that asks for a store's
/// listing, hence the shared I/O errors.
#[derive(Debug, Clone, Error)]
pub enum FileError {
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: Arc<std::io::Error>,
    },
    #[error("{path}: {error}")]
    Gzip { path: PathBuf, error: GzipError },
    #[error("{path}: {error}")]
    Signature {
        path: PathBuf,
        error: SignatureError,
    },
}

impl FileError {
    pub fn io(path: impl Into<PathBuf>, error: std::io::Error) -> FileError {
        FileError::Io {
            path: path.into(),
            error: Arc::new(error),
        }
    }
}

/// Why a compressed file does not decompress.
#[derive(Debug, Clone, Error)]
pub enum GzipError {
    #[error("not valid gzip: {0}")]
    Corrupt(Arc<std::io::Error>),
    /// The payload would pass [`payload_limit`] of the file's size:
    /// decompression stopped there.
    #[error("decompresses to more than {} MiB, the most this tool reads from a gzip file of {compressed} bytes ({} times its size, at least {} MiB; FLECHE_MAX_INFLATE=4G raises that floor)", limit >> 20, PAYLOAD_RATIO, min_payload_limit() >> 20)]
    TooLarge { compressed: u64, limit: u64 },
}

/// Why a file's signature does not check out under the configured keys.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    #[error("no pickle STOP opcode, so no signature can be found (corrupt or not a pickle)")]
    NoStop,
    #[error("the file is not signed, but signing keys are configured")]
    Unsigned,
    #[error("signature does not match any of the {keys} configured key(s)")]
    NoMatch { keys: usize },
}

/// `FLECHE_SECRET_KEY` holds a part that is not hex.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("FLECHE_SECRET_KEY holds `{part}`, which is not hex")]
pub struct SecretKeyError {
    pub part: String,
}

/// How a file's signature checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// No keys are configured, so the file is read as plain pickle.
    NotChecked,
    /// Verified under the key at this index (0 is the signing key).
    Valid(usize),
}

/// A file's payload and how it was wrapped.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub compressed: bool,
    pub signature: Signature,
    /// Size on disk.
    pub size: u64,
    /// The pickle bytes.
    pub payload: Vec<u8>,
}

/// Secret keys as fleche resolves them: the configured ones, else
/// `FLECHE_SECRET_KEY` (colon-separated hex).
pub fn resolve_keys(configured: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, SecretKeyError> {
    if !configured.is_empty() {
        return Ok(configured.to_vec());
    }
    match std::env::var("FLECHE_SECRET_KEY") {
        Ok(v) if !v.is_empty() => v
            .split(':')
            .map(|part| {
                crate::config::decode_hex(part).ok_or_else(|| SecretKeyError {
                    part: part.to_string(),
                })
            })
            .collect(),
        _ => Ok(Vec::new()),
    }
}

/// The decompressed payload any compressed file may have, whatever its
/// size.
pub const MIN_PAYLOAD_LIMIT: u64 = 128 << 20;

/// How many times its own size a compressed file may decompress to, past
/// [`MIN_PAYLOAD_LIMIT`]. Memory then stays proportional to the bytes on
/// disk: the payload is held whole and decoded into a tree several times
/// its size, so a 10 MB gzip of 10 GiB of zeros must stop long before
/// 10 GiB (pickles of real data compress far less than this; an array of
/// zeros more than this and over 128 MiB is refused).
pub const PAYLOAD_RATIO: u64 = 8;

/// The largest payload a compressed file of `compressed` bytes may hold.
pub fn payload_limit(compressed: u64) -> u64 {
    compressed
        .saturating_mul(PAYLOAD_RATIO)
        .max(min_payload_limit())
}

/// [`MIN_PAYLOAD_LIMIT`], or `FLECHE_MAX_INFLATE` (bytes, or with a K, M or
/// G suffix): a cache that holds a genuinely huge, highly compressible
/// value (a large array of zeros) is read by raising the floor for it.
pub fn min_payload_limit() -> u64 {
    static LIMIT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::env::var("FLECHE_MAX_INFLATE")
            .ok()
            .and_then(|v| parse_size(&v))
            .unwrap_or(MIN_PAYLOAD_LIMIT)
    })
}

/// `4G`, `512M`, `64K`, `1000`.
fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, shift) = match t.chars().last()?.to_ascii_uppercase() {
        'K' => (&t[..t.len() - 1], 10),
        'M' => (&t[..t.len() - 1], 20),
        'G' => (&t[..t.len() - 1], 30),
        _ => (t, 0),
    };
    digits.trim().parse::<u64>().ok()?.checked_mul(1 << shift)
}

/// Decompress `raw` (gzip, perhaps several members), stopping as soon as
/// the payload passes `limit`. The first buffer is as large as the gzip
/// trailer says its (last) member is, which is the whole payload of a
/// file fleche wrote; a longer payload goes on in further pieces, joined
/// at the end, so that a payload cut at the limit never cost more than
/// the limit (a growing buffer would hold its old and new copies at once).
fn gunzip(raw: &[u8], limit: u64) -> Result<Vec<u8>, GzipError> {
    const PIECE: usize = 8 << 20;
    let mut gz = flate2::read::MultiGzDecoder::new(raw);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    // ISIZE: the last member's length modulo 2**32.
    let trailer = raw
        .len()
        .checked_sub(4)
        .and_then(|at| raw.get(at..))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, |b| u32::from_le_bytes(b) as usize);
    let guess = if trailer > 0 {
        trailer
    } else {
        raw.len().saturating_mul(2)
    };
    let guess = guess.max(1 << 16).min(limit);
    let mut pieces: Vec<Vec<u8>> = vec![Vec::with_capacity(guess)];
    let mut total = 0usize;
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = match gz.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(GzipError::Corrupt(Arc::new(e))),
        };
        if n > limit - total {
            return Err(GzipError::TooLarge {
                compressed: raw.len() as u64,
                limit: limit as u64,
            });
        }
        total += n;
        let mut rest = &chunk[..n];
        while !rest.is_empty() {
            let room = pieces
                .last()
                .map_or(0, |p: &Vec<u8>| p.capacity() - p.len());
            if room == 0 {
                pieces.push(Vec::with_capacity(PIECE.min(limit - total + rest.len())));
                continue;
            }
            let (now, later) = rest.split_at(room.min(rest.len()));
            if let Some(p) = pieces.last_mut() {
                p.extend_from_slice(now);
            }
            rest = later;
        }
    }
    if pieces.len() == 1 {
        return Ok(pieces.pop().unwrap_or_default());
    }
    let mut out = Vec::with_capacity(total);
    for p in pieces {
        out.extend_from_slice(&p);
    }
    Ok(out)
}

/// Read `path` and unwrap gzip and signature.
pub fn read_envelope(path: &Path, keys: &[Vec<u8>]) -> Result<Envelope, FileError> {
    let io = |e| FileError::io(path, e);
    let mut f = std::fs::File::open(path).and_then(regular).map_err(io)?;
    let size = f.metadata().map_err(io)?.len();
    let mut raw = Vec::with_capacity(size as usize);
    (&mut f).take(size).read_to_end(&mut raw).map_err(io)?;
    envelope_of(path, raw, keys)
}

/// The file if it is a regular one. A FIFO, a device (a link to
/// `/dev/zero`) or a directory in a store is no value: reading it could
/// block forever or never end. Nor is a file mostly made of holes (a
/// sparse file of 1 TiB, `truncate -s 1T`): its size is no measure of
/// what it holds, and reading it would allocate and read the size.
pub fn regular(f: std::fs::File) -> std::io::Result<std::fs::File> {
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(NotRegular));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let on_disk = meta.blocks().saturating_mul(512);
        if meta.len() > payload_limit(on_disk) && has_holes(&f, meta.len())? {
            return Err(std::io::Error::other(Sparse {
                size: meta.len(),
                on_disk,
            }));
        }
    }
    Ok(f)
}

/// Whether a file has a hole before its end. Some file systems count no
/// blocks at all (FUSE), so few blocks alone do not make a file sparse;
/// where holes cannot be asked for, the blocks decide.
fn has_holes(f: &std::fs::File, len: u64) -> std::io::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{seek, SeekFrom};
        let hole = match seek(f, SeekFrom::Hole(0)) {
            Ok(hole) => hole,
            Err(_) => return Ok(true),
        };
        seek(f, SeekFrom::Start(0))?;
        Ok(hole < len)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (f, len);
        Ok(true)
    }
}

/// A file whose size is more than [`payload_limit`] of what it holds on
/// disk: see [`regular`].
#[derive(Debug, Error)]
#[error("a sparse file of {size} bytes, {on_disk} of them on disk (this tool reads at most {} times what a file holds, and at least {} MiB)", PAYLOAD_RATIO, MIN_PAYLOAD_LIMIT >> 20)]
pub struct Sparse {
    pub size: u64,
    pub on_disk: u64,
}

/// Why a store file was not read: see [`regular`].
#[derive(Debug, Error)]
#[error("not a regular file (a FIFO, a device or a directory)")]
pub struct NotRegular;

impl FileError {
    /// Whether the file is no regular file (a FIFO, a device).
    pub fn is_not_regular(&self) -> bool {
        matches!(self, FileError::Io { error, .. }
            if error.get_ref().is_some_and(|e| e.is::<NotRegular>()))
    }
}

/// [`unwrap_envelope`] of bytes read from `path`, errors naming it.
pub fn envelope_of(path: &Path, raw: Vec<u8>, keys: &[Vec<u8>]) -> Result<Envelope, FileError> {
    unwrap_envelope(raw, keys).map_err(|e| match e {
        EnvelopeError::Gzip(error) => FileError::Gzip {
            path: path.to_path_buf(),
            error,
        },
        EnvelopeError::Signature(error) => FileError::Signature {
            path: path.to_path_buf(),
            error,
        },
    })
}

/// Why a file's bytes do not unwrap; [`read_envelope`] adds the path.
#[derive(Debug, Clone, Error)]
pub enum EnvelopeError {
    #[error("{0}")]
    Gzip(GzipError),
    #[error("{0}")]
    Signature(SignatureError),
}

/// Unwrap gzip and signature from a value file's bytes (kept apart from
/// the file read so that it can be fuzzed).
pub fn unwrap_envelope(raw: Vec<u8>, keys: &[Vec<u8>]) -> Result<Envelope, EnvelopeError> {
    let size = raw.len() as u64;
    let compressed = raw.starts_with(&[0x1f, 0x8b]);
    let content = if compressed {
        gunzip(&raw, payload_limit(size)).map_err(EnvelopeError::Gzip)?
    } else {
        raw
    };
    let (payload, signature) = verify_owned(content, keys).map_err(EnvelopeError::Signature)?;
    Ok(Envelope {
        compressed,
        signature,
        size,
        payload,
    })
}

/// A value or call file's bytes as fleche writes them: the pickle, signed
/// with `key` (the first configured key) if there is one, gzipped when
/// `compress`.
pub fn wrap_envelope(
    pickle: Vec<u8>,
    key: Option<&Vec<u8>>,
    compress: bool,
) -> std::io::Result<Vec<u8>> {
    let mut bytes = pickle;
    if let Some(key) = key {
        bytes.extend_from_slice(hmac_hex(key, &bytes).as_bytes());
    }
    if compress {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&bytes)?;
        bytes = gz.finish()?;
    }
    Ok(bytes)
}

/// A store directory whose files are opened by name. On Linux it is kept
/// open and files are opened relative to it, so the kernel looks up one
/// path component instead of the whole path: passes over every file of a
/// big store spent a tenth of their time walking paths.
#[derive(Debug)]
pub struct Dir {
    path: PathBuf,
    #[cfg(target_os = "linux")]
    fd: std::sync::OnceLock<Option<rustix::fd::OwnedFd>>,
}

impl Dir {
    pub fn new(path: &Path) -> Dir {
        Dir {
            path: path.to_path_buf(),
            #[cfg(target_os = "linux")]
            fd: std::sync::OnceLock::new(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Open the file `name` (a bare file name) for reading: a regular file
    /// only (see [`regular`]); on Linux without blocking on a FIFO.
    pub fn open(&self, name: &str) -> std::io::Result<std::fs::File> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{Mode, OFlags, CWD};
            let dir = self.fd.get_or_init(|| {
                let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
                rustix::fs::openat(CWD, &self.path, flags, Mode::empty()).ok()
            });
            if let Some(dir) = dir {
                let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK;
                return rustix::fs::openat(dir, name, flags, Mode::empty())
                    .map(std::fs::File::from)
                    .map_err(Into::into)
                    .and_then(regular);
            }
        }
        std::fs::File::open(self.path.join(name)).and_then(regular)
    }

    /// The whole file `name`: its size from the open file, then that many
    /// bytes (no read past the end to find it, as `std::fs::read` does).
    pub fn read(&self, name: &str) -> std::io::Result<Vec<u8>> {
        let mut f = self.open(name)?;
        let size = f.metadata()?.len();
        let mut raw = Vec::with_capacity(size as usize);
        if size == 0 {
            // Perhaps a file that reports no size: read it to its end.
            f.read_to_end(&mut raw)?;
        } else {
            // Store files are written whole and renamed into place.
            (&mut f).take(size).read_to_end(&mut raw)?;
        }
        Ok(raw)
    }

    /// [`read_envelope`] of the file `name`.
    pub fn read_envelope(&self, name: &str, keys: &[Vec<u8>]) -> Result<Envelope, FileError> {
        let raw = self
            .read(name)
            .map_err(|e| FileError::io(self.path.join(name), e))?;
        envelope_of(&self.path.join(name), raw, keys)
    }

    /// [`read_head`] of the file `name`.
    pub fn read_head(&self, name: &str, n: usize) -> Result<(Vec<u8>, u64), FileError> {
        let f = self
            .open(name)
            .map_err(|e| FileError::io(self.path.join(name), e))?;
        head_of(f, &self.path.join(name), n)
    }

    /// [`read_head`](Dir::read_head), and whether the bytes are the whole
    /// file as stored (a small uncompressed file): then a copy need not
    /// open it again.
    pub fn read_head_or_whole(
        &self,
        name: &str,
        n: usize,
    ) -> Result<(Vec<u8>, u64, bool), FileError> {
        let f = self
            .open(name)
            .map_err(|e| FileError::io(self.path.join(name), e))?;
        head_or_whole(f, &self.path.join(name), n)
    }
}

impl Dir {
    /// Whether a file's pickle (gunzipped if needed) holds `needle`
    /// anywhere, read as a stream: no more than a buffer in memory, whatever
    /// the file's size.
    pub fn payload_contains(&self, name: &str, needle: &[u8]) -> Result<bool, FileError> {
        let path = self.path.join(name);
        let io = |e: std::io::Error| FileError::io(&path, e);
        let mut f = self.open(name).map_err(io)?;
        let mut magic = [0u8; 2];
        let got = f.read(&mut magic).map_err(io)?;
        let raw = std::io::Cursor::new(magic[..got].to_vec());
        if magic[..got] == [0x1f, 0x8b] {
            // No further than a full read would go (a gzip bomb).
            let size = f.metadata().map_err(io)?.len();
            let limit = payload_limit(size);
            let gz = flate2::read::MultiGzDecoder::new(raw.chain(f)).take(limit + 1);
            let gz_error = |error| FileError::Gzip {
                path: path.clone(),
                error,
            };
            let (found, read) = stream_contains(gz, needle)
                .map_err(|e| gz_error(GzipError::Corrupt(Arc::new(e))))?;
            if !found && read > limit {
                return Err(gz_error(GzipError::TooLarge {
                    compressed: size,
                    limit,
                }));
            }
            Ok(found)
        } else {
            stream_contains(raw.chain(f), needle)
                .map(|(found, _)| found)
                .map_err(io)
        }
    }
}

/// Whether `reader` holds `needle`, read in chunks that overlap by its
/// length so that a match across two chunks is found; and how many bytes
/// were read.
fn stream_contains(mut reader: impl Read, needle: &[u8]) -> std::io::Result<(bool, u64)> {
    let keep = needle.len().saturating_sub(1);
    let mut buf = vec![0u8; (1 << 16) + keep];
    let mut filled = 0;
    let mut read = 0u64;
    loop {
        let n = reader.read(&mut buf[filled..])?;
        if n == 0 {
            return Ok((false, read));
        }
        read += n as u64;
        filled += n;
        if contains(&buf[..filled], needle) {
            return Ok((true, read));
        }
        let tail = filled.saturating_sub(keep);
        buf.copy_within(tail..filled, 0);
        filled -= tail;
    }
}

/// Whether `haystack` holds `needle`: candidates found by their first byte
/// (a fast scan), then compared.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, _)) = needle.split_first() else {
        return true;
    };
    let mut at = 0;
    while let Some(i) = haystack[at..].iter().position(|&b| b == first) {
        let start = at + i;
        if haystack[start..].starts_with(needle) {
            return true;
        }
        at = start + 1;
    }
    false
}

/// The first `n` bytes of a file's pickle (gunzipped if needed), without
/// reading the rest or checking a signature: enough to tell what class the
/// top-level object is, which is all gc needs for most files. Also the
/// file's size, from the open file (no second path lookup).
pub fn read_head(path: &Path, n: usize) -> Result<(Vec<u8>, u64), FileError> {
    let f = std::fs::File::open(path)
        .and_then(regular)
        .map_err(|e| FileError::io(path, e))?;
    head_of(f, path, n)
}

fn head_of(f: std::fs::File, path: &Path, n: usize) -> Result<(Vec<u8>, u64), FileError> {
    head_or_whole(f, path, n).map(|(head, size, _)| (head, size))
}

/// [`head_of`], and whether the bytes are the whole file as stored (not
/// gunzipped, not cut short).
fn head_or_whole(
    mut f: std::fs::File,
    path: &Path,
    n: usize,
) -> Result<(Vec<u8>, u64, bool), FileError> {
    let io = |e: std::io::Error| FileError::io(path, e);
    let size = f.metadata().map_err(io)?.len();
    let mut raw = Vec::with_capacity(n.min(size as usize));
    // No more than the size: a read past the end would be one more syscall.
    (&mut f)
        .take((n as u64).min(size.max(1)))
        .read_to_end(&mut raw)
        .map_err(io)?;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        // An empty size may be a file that reports none: never "whole".
        let whole = size > 0 && raw.len() as u64 == size;
        return Ok((raw, size, whole));
    }
    // Compressed: the head of the payload, reading on past `raw` if needed.
    let mut head = Vec::with_capacity(n);
    flate2::read::MultiGzDecoder::new(std::io::Cursor::new(raw).chain(f))
        .take(n as u64)
        .read_to_end(&mut head)
        .map_err(|e| FileError::Gzip {
            path: path.to_path_buf(),
            error: GzipError::Corrupt(Arc::new(e)),
        })?;
    Ok((head, size, false))
}

/// `SignedBytes.loads`: split after the last `.` (pickle STOP) and check the
/// 64-hex HMAC-SHA256 that follows under each key.
pub fn verify(content: &[u8], keys: &[Vec<u8>]) -> Result<(Vec<u8>, Signature), SignatureError> {
    verify_owned(content.to_vec(), keys)
}

/// [`verify`] of bytes it may keep: the payload is `content` itself, cut
/// before the signature (no copy of what may be a large file).
fn verify_owned(
    mut content: Vec<u8>,
    keys: &[Vec<u8>],
) -> Result<(Vec<u8>, Signature), SignatureError> {
    if keys.is_empty() {
        return Ok((content, Signature::NotChecked));
    }
    let stop = content
        .iter()
        .rposition(|&b| b == b'.')
        .ok_or(SignatureError::NoStop)?;
    let (data, signature) = content.split_at(stop + 1);
    if signature.is_empty() {
        return Err(SignatureError::Unsigned);
    }
    let valid = keys
        .iter()
        .position(|key| hmac_hex(key, data).as_bytes() == signature);
    match valid {
        Some(i) => {
            content.truncate(stop + 1);
            Ok((content, Signature::Valid(i)))
        }
        None => Err(SignatureError::NoMatch { keys: keys.len() }),
    }
}

/// Hex HMAC-SHA256, the signature fleche appends.
pub fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("BUG: HMAC takes keys of any length");
    mac.update(data);
    let bytes = mac.finalize().into_bytes();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a directory entry is a stored key (not an in-flight temp file
/// or a stale lock of fleche < 0.22).
pub fn is_key_name(name: &str) -> bool {
    !name.starts_with('.') && !name.ends_with(".lock")
}

/// Every key in a file store, sorted; one directory read and no `stat`.
/// Names that cannot be keys (temp and lock files, names that are not
/// UTF-8) are skipped here; `verify` reports them as stray files.
pub fn list_keys(root: &Path) -> Result<Vec<String>, FileError> {
    let mut keys = Vec::new();
    scan_keys(root, |k| keys.push(k.to_string()))?;
    keys.sort_unstable();
    Ok(keys)
}

/// [`list_keys`] as a [`crate::prefix::KeySet`]: no string per digest.
pub fn key_set(root: &Path) -> Result<crate::prefix::KeySet, FileError> {
    // In chunks of 2 MiB: a million keys never sit in a vector grown by
    // doubling (see `KeySet::from_chunks`).
    const CHUNK: usize = 1 << 16;
    let (mut chunks, mut other) = (vec![Vec::with_capacity(CHUNK)], Vec::new());
    scan_keys(root, |k| match crate::prefix::key_bytes(k) {
        Some(b) => {
            if chunks.last().is_some_and(|c: &Vec<_>| c.len() == CHUNK) {
                chunks.push(Vec::with_capacity(CHUNK));
            }
            if let Some(c) = chunks.last_mut() {
                c.push(b);
            }
        }
        None => other.push(k.to_string()),
    })?;
    Ok(crate::prefix::KeySet::from_chunks(chunks, other))
}

/// Call `f` with every key name in `root`, in directory order; a missing
/// directory has none.
pub fn scan_keys(root: &Path, mut f: impl FnMut(&str)) -> Result<(), FileError> {
    scan_names(root, |name, is_dir| {
        let Some(name) = name.to_str() else {
            return;
        };
        if !is_key_name(name) {
            return;
        }
        let is_dir = is_dir.unwrap_or_else(|| {
            std::fs::symlink_metadata(root.join(name))
                .map(|m| m.is_dir())
                .unwrap_or(false)
        });
        if !is_dir {
            f(name);
        }
    })
}

/// The names in `root` that cannot be keys: temp and lock files, names
/// that are not UTF-8.
pub fn stray_names(root: &Path) -> Result<Vec<std::ffi::OsString>, FileError> {
    let mut out = Vec::new();
    scan_names(root, |name, _| {
        if name.to_str().is_none_or(|n| !is_key_name(n)) {
            out.push(name.to_os_string());
        }
    })?;
    Ok(out)
}

/// Call `f` with every entry's name in `root` (not `.` or `..`) and whether
/// it is a directory, when the listing says. On Linux the entries are read
/// with getdents into one buffer (no allocation per entry: a value
/// directory can hold a million files).
fn scan_names(
    root: &Path,
    mut f: impl FnMut(&std::ffi::OsStr, Option<bool>),
) -> Result<(), FileError> {
    let io = |e: std::io::Error| FileError::io(root, e);
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{FileType, Mode, OFlags, RawDir, CWD};
        use std::mem::MaybeUninit;
        use std::os::unix::ffi::OsStrExt;
        let fd = match rustix::fs::openat(
            CWD,
            root,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::NOENT) => return Ok(()),
            Err(e) => return Err(io(e.into())),
        };
        let mut buf: Vec<MaybeUninit<u8>> = Vec::with_capacity(256 * 1024);
        buf.resize(256 * 1024, MaybeUninit::uninit());
        let mut dir = RawDir::new(&fd, &mut buf);
        while let Some(entry) = dir.next() {
            let entry = entry.map_err(|e| io(e.into()))?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let is_dir = match entry.file_type() {
                FileType::Directory => Some(true),
                FileType::Unknown => None,
                _ => Some(false),
            };
            f(std::ffi::OsStr::from_bytes(name), is_dir);
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let entries = match std::fs::read_dir(root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io)?;
            let is_dir = entry.file_type().ok().map(|t| t.is_dir());
            f(&entry.file_name(), is_dir);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_under_any_key_and_fail_clearly() {
        let data = b"\x80\x04K\x01.".to_vec();
        let mut signed = data.clone();
        signed.extend_from_slice(hmac_hex(b"k2", &data).as_bytes());
        let keys = vec![b"k1".to_vec(), b"k2".to_vec()];
        assert_eq!(
            verify(&signed, &keys).expect("valid"),
            (data.clone(), Signature::Valid(1))
        );
        assert!(verify(&signed, &keys[..1]).is_err());
        assert_eq!(
            verify(&data, &keys).expect_err("unsigned"),
            SignatureError::Unsigned
        );
        assert_eq!(
            verify(&data, &[]).expect("no keys").1,
            Signature::NotChecked
        );
    }

    #[test]
    fn hmac_matches_python() {
        // hmac.new(b"key", b"data", hashlib.sha256).hexdigest()
        assert_eq!(
            hmac_hex(b"key", b"data"),
            "5031fe3d989c6d1537a013fa6e739da23463fdaec3b70137d828e36ace221bd0"
        );
    }

    /// Issue #15, H4: decompression stops at the limit while streaming,
    /// and reads several gzip members as one payload.
    #[test]
    fn gunzip_stops_at_the_limit() {
        let member = wrap_envelope(vec![0; 1 << 20], None, true).expect("gzip");
        let two = [member.clone(), member].concat();
        assert_eq!(gunzip(&two, 2 << 20).expect("fits").len(), 2 << 20);
        match gunzip(&two, (2 << 20) - 1) {
            Err(GzipError::TooLarge { limit, .. }) => assert_eq!(limit, (2 << 20) - 1),
            other => panic!("{other:?}"),
        }
        assert_eq!(payload_limit(1000), min_payload_limit());
        assert_eq!(parse_size("4G"), Some(4 << 30));
        assert_eq!(parse_size("64k"), Some(64 << 10));
        assert_eq!(parse_size("1000"), Some(1000));
        assert_eq!(parse_size("x"), None);
        assert_eq!(payload_limit(1 << 30), 8 << 30);
    }
}
