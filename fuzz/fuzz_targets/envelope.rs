//! The value file envelope (gzip + HMAC) and the pickle inside (see
//! `fleche_core::fuzzing::envelope`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fleche_core::fuzzing::envelope(data));
