//! The TOML config loader: a fuzzed `fleche.toml` (written to a scratch
//! file, as the loader reads paths) is loaded and every cache it names is
//! resolved.
#![no_main]

use fleche_core::config::Config;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("fleche-fuzz-config-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).expect("scratch dir");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = scratch();
    let first = dir.join("sub").join("fleche.toml");
    let second = dir.join("fleche.toml");
    // Two files so that merging and `root = true` are exercised: the input
    // is split at the first NUL (not valid in TOML anyway).
    let (a, b) = match data.iter().position(|&c| c == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    if std::fs::write(&first, a).is_err() || std::fs::write(&second, b).is_err() {
        return;
    }
    let Ok(config) = Config::from_files(&[first, second]) else {
        return;
    };
    let _ = config.default_name();
    let _ = config.cache(None);
    for name in config.cache_names() {
        let _ = config.cache(Some(&name));
    }
});
