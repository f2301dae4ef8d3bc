//! Helpers shared by the integration tests: scratch copies of the fixture
//! caches, so tests that change a cache never touch the committed one.

#![allow(dead_code)]

pub mod oracle;

use std::path::{Path, PathBuf};

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A fresh copy of `tests/fixtures/<fixture>` in a temp dir named by `tag`.
pub fn fixture_copy(fixture: &str, tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fleche-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture),
        &dir,
    );
    dir
}
