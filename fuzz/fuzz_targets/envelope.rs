//! The value file envelope (gzip + HMAC signature) and the pickle inside.
//! The first byte picks the keys and whether the harness signs and/or
//! gzips the rest itself, so valid envelopes around fuzzed pickles are
//! reached as well as raw hostile bytes.
#![no_main]

use fleche_core::pickle;
use fleche_core::repr;
use fleche_core::store::files::{hmac_hex, unwrap_envelope, verify};
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
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
            let _ = repr::repr(&v);
            let _ = fleche_core::digest(&v);
        }
    }
});
