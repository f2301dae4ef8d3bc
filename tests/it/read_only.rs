//! Read commands never modify a cache: every file's bytes and mtime are the
//! same afterwards, and no file (SQLite's `-wal`/`-shm` included) appears —
//! also when the cache directory is not writable by the user.

use crate::support::{assert_can_drop_privileges, TestEnv};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode();
            if meta.is_dir() {
                stack.push(path.clone());
                out.insert(path, (Vec::new(), meta.modified().expect("mtime"), mode));
            } else {
                out.insert(
                    path.clone(),
                    (
                        std::fs::read(&path).expect("read"),
                        meta.modified().expect("mtime"),
                        mode,
                    ),
                );
            }
        }
    }
    out
}

const READS: &[&[&str]] = &[
    &["ls"],
    &["ls", "--format", "jsonl"],
    &["query", "--name", "fib", "--format", "json"],
    &["query", "--tag", "project=my_project"],
    &["query", "--arg", "x=@60079f79", "--count"],
    &["show", "60079f79", "cb9db168"],
    &["expand", "60079f79", "a8a3"],
    &[
        "shrink",
        "cb9db168b7a8eb99bda637a54241ad5d4e2726b5cd67ad4cfb21baa5874c2b9e",
    ],
    &["caches"],
];

/// Every read command in `dir`; `unprivileged` drops root's privileges.
fn run_all(dir: &TestEnv, unprivileged: bool) {
    for args in READS {
        let mut cmd = dir.fleche().args(*args);
        if unprivileged {
            cmd = cmd.unprivileged();
        }
        let out = cmd.run();
        assert!(
            out.code == Some(0) || out.code == Some(1),
            "{args:?} failed: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("panicked"), "{args:?} panicked");
    }
}

#[test]
fn read_commands_change_nothing() {
    let dir = TestEnv::copy("getting-started");
    let before = snapshot(dir.root());
    run_all(&dir, false);
    let after = snapshot(dir.root());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "files appeared or vanished"
    );
    assert!(before == after, "a file changed");
}

/// As root (CI), drop to `nobody` so the read-only directory really is
/// read-only for the process; elsewhere the test user already cannot write.
#[test]
#[cfg_attr(
    not(fleche_modes),
    ignore = "needs file modes that bite: not root, or /usr/bin/setpriv"
)]
fn read_commands_work_in_a_read_only_directory() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TestEnv::copy("getting-started");
    let mut paths: Vec<PathBuf> = snapshot(dir.root()).into_keys().collect();
    paths.push(dir.root().to_path_buf());
    for p in &paths {
        let mode = if p.is_dir() { 0o555 } else { 0o444 };
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    let before = snapshot(dir.root());
    assert_can_drop_privileges();
    run_all(&dir, true);
    assert!(before == snapshot(dir.root()), "files changed or appeared");
}
