//! The command line's value parser (see `fleche_core::fuzzing::literal`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fleche_core::fuzzing::literal(data));
