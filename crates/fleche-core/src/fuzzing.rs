//! The fuzz targets' bodies, shared by the libFuzzer binaries in `fuzz/`
//! (run by hand, with coverage guidance) and by the core's test suite,
//! which replays the committed corpus and mutates it for a bounded time on
//! every CI run (stable Rust, no sanitizer). Each feeds hostile bytes to a
//! reader and everything that consumes what it returns; none may panic.

use crate::destructure::{self, MendError};
use crate::pickle::{self, PickleError};
use crate::store::callfiles;
use crate::store::files::{hmac_hex, unwrap_envelope, verify};
use crate::{digest, literal, repr, Value};
use std::io::Write;
use std::path::Path;

fn consume(v: &Value) {
    let _ = repr::repr(v);
    if let Value::NdArray(a) = v {
        let _ = crate::npy::to_npy(a);
    }
    if let Value::Object(o) = v {
        let _ = crate::pandas::to_csv(o, &repr::repr);
    }
    let _ = repr::repr_abbrev(v, 40);
    let _ = repr::to_json(v);
    let _ = digest(v);
    let _ = callfiles::record_from_value("k", v);
    let _ = callfiles::plain_json(v);
    let _ = destructure::children(v);
}

fn split<'a>(data: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(sep.len()).position(|w| w == sep) {
        parts.push(&rest[..i]);
        rest = &rest[i + sep.len()..];
    }
    parts.push(rest);
    parts
}

#[derive(Debug)]
#[allow(dead_code)]
enum LoadError {
    Pickle(PickleError),
    Mend(MendError),
    Missing,
}

impl From<MendError> for LoadError {
    fn from(e: MendError) -> Self {
        LoadError::Mend(e)
    }
}

/// The pickle reader and its consumers: repr, JSON, digest, call records,
/// and `mend` with a loader serving more pickles. The input is split at
/// `\xff\xfe\xfd` into the root pickle and the pickles the loader returns
/// (chosen by the requested digest, so cycles and deep chains happen).
pub fn pickle(data: &[u8]) {
    let parts = split(data, b"\xff\xfe\xfd");
    let Ok(root) = pickle::load(parts[0]) else {
        return;
    };
    consume(&root);
    let others = &parts[1..];
    let mut load = |key: &str| -> Result<Value, LoadError> {
        if others.is_empty() {
            return Err(LoadError::Missing);
        }
        let i = key.bytes().map(usize::from).sum::<usize>() % others.len();
        pickle::load(others[i]).map_err(LoadError::Pickle)
    };
    if let Ok(mended) = destructure::mend(&root, &mut load) {
        consume(&mended);
    }
}

/// The HDF5 bag reader and the consumers of what it loads: the input is
/// one HDF5 file, read as a bag at its root (one file per key) and as a
/// shared file (each of its first bags), then mended with bags of the same
/// file standing in for children.
pub fn hdf5(data: &[u8]) {
    let Ok(file) = crate::hdf5::BagFile::from_bytes(data) else {
        return;
    };
    let _ = file.class_of(None);
    if let Ok(v) = file.load(None) {
        consume(&v);
    }
    let names = file.bag_names().unwrap_or_default();
    for name in names.iter().take(4) {
        let _ = file.class_of(Some(name));
        let Ok(root) = file.load(Some(name)) else {
            continue;
        };
        consume(&root);
        let mut load = |key: &str| -> Result<Value, LoadError> {
            if names.is_empty() {
                return Err(LoadError::Missing);
            }
            let i = key.bytes().map(usize::from).sum::<usize>() % names.len();
            file.load(Some(&names[i])).map_err(|_| LoadError::Missing)
        };
        if let Ok(mended) = destructure::mend(&root, &mut load) {
            consume(&mended);
        }
    }
}

/// The value file envelope (gzip + HMAC signature) and the pickle inside.
/// The first byte picks the keys and whether the harness signs and/or
/// gzips the rest itself, so valid envelopes around hostile pickles are
/// reached as well as raw hostile bytes.
pub fn envelope(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let keys: Vec<Vec<u8>> = match mode & 3 {
        0 => Vec::new(),
        1 => vec![b"key".to_vec()],
        2 => vec![b"old".to_vec(), b"key".to_vec()],
        _ => vec![Vec::new()],
    };
    let mut raw = rest.to_vec();
    if mode & 4 != 0 && !keys.is_empty() {
        let sig = hmac_hex(&keys[keys.len() - 1], &raw);
        raw.extend_from_slice(sig.as_bytes());
    }
    if mode & 8 != 0 {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        if gz.write_all(&raw).is_ok() {
            if let Ok(z) = gz.finish() {
                raw = z;
            }
        }
    }
    let _ = verify(rest, &keys);
    if let Ok(env) = unwrap_envelope(raw, &keys) {
        if let Ok(v) = pickle::load(&env.payload) {
            consume(&v);
        }
    }
}

/// The command line's value parser, then rendering and digesting whatever
/// parses.
pub fn literal(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(v) = literal::parse(text) {
        let _ = repr::repr(&v);
        let _ = repr::to_json(&v);
        let _ = digest(&v);
    }
    if let Ok((_, v)) = literal::parse_assignment(text) {
        let _ = repr::repr(&v);
    }
    let _ = literal::parse_term(text);
}

/// The configuration loader: two `fleche.toml` files in `scratch` (`sub/`
/// and its parent, so merging and `root = true` are exercised; the input is
/// split at the first NUL, which TOML cannot hold), then every cache named.
pub fn config(data: &[u8], scratch: &Path) {
    let first = scratch.join("sub").join("fleche.toml");
    let second = scratch.join("fleche.toml");
    let (a, b) = match data.iter().position(|&c| c == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    if std::fs::create_dir_all(scratch.join("sub")).is_err()
        || std::fs::write(&first, a).is_err()
        || std::fs::write(&second, b).is_err()
    {
        return;
    }
    let Ok(config) = crate::config::Config::from_files(&[first, second]) else {
        return;
    };
    let _ = config.default_name();
    let _ = config.cache(None);
    for name in config.cache_names() {
        let _ = config.cache(Some(&name));
    }
}
