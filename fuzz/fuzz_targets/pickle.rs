//! The pickle reader and everything that consumes what it loads: repr, JSON,
//! digest, call records, and `mend` with a loader serving more fuzzed
//! pickles. The input is split at `\xff\xfe\xfd` into the root pickle and
//! the pickles the loader returns (chosen by the requested digest, so
//! cycles and deep chains are possible).
#![no_main]

use fleche_core::destructure::{self, MendError};
use fleche_core::pickle::{self, PickleError};
use fleche_core::store::callfiles;
use fleche_core::{digest, repr, Value};
use libfuzzer_sys::fuzz_target;

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

fn consume(v: &Value) {
    let _ = repr::repr(v);
    let _ = repr::repr_abbrev(v, 40);
    let _ = repr::to_json(v);
    let _ = digest(v);
    let _ = callfiles::record_from_value("k", v);
    let _ = callfiles::plain_json(v);
    let _ = destructure::children(v);
}

fn split(data: &[u8]) -> Vec<&[u8]> {
    let sep = b"\xff\xfe\xfd";
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(sep.len()).position(|w| w == sep) {
        parts.push(&rest[..i]);
        rest = &rest[i + sep.len()..];
    }
    parts.push(rest);
    parts
}

fuzz_target!(|data: &[u8]| {
    let parts = split(data);
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
});
