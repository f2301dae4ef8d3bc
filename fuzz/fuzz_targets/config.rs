//! The TOML config loader (see `fleche_core::fuzzing::config`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        std::env::temp_dir().join(format!("fleche-fuzz-config-{}", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| fleche_core::fuzzing::config(data, scratch()));
