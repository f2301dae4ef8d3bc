//! Read commands never modify a cache: every file's bytes and mtime are the
//! same afterwards, and no file (SQLite's `-wal`/`-shm` included) appears —
//! also when the cache directory is not writable by the user.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
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

use crate::support;

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fleche-ro-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    support::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/getting-started"),
        &dir,
    );
    dir
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

fn run_all(dir: &Path, wrap: &[&str]) {
    for args in READS {
        let mut cmd = match wrap.split_first() {
            Some((prog, rest)) => {
                let mut c = Command::new(prog);
                c.args(rest).arg(env!("CARGO_BIN_EXE_fleche"));
                c
            }
            None => Command::new(env!("CARGO_BIN_EXE_fleche")),
        };
        let out = cmd
            .arg("-C")
            .arg(dir)
            .args(*args)
            .output()
            .expect("run fleche");
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{args:?} panicked"
        );
    }
}

#[test]
fn read_commands_change_nothing() {
    let dir = scratch("plain");
    let before = snapshot(&dir);
    run_all(&dir, &[]);
    let after = snapshot(&dir);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "files appeared or vanished"
    );
    assert!(before == after, "a file changed");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// As root (CI), drop to `nobody` so the read-only directory really is
/// read-only for the process; elsewhere the test user already cannot write.
#[test]
fn read_commands_work_in_a_read_only_directory() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("ro");
    let mut paths: Vec<PathBuf> = snapshot(&dir).into_keys().collect();
    paths.push(dir.clone());
    for p in &paths {
        let mode = if p.is_dir() { 0o555 } else { 0o444 };
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    let before = snapshot(&dir);
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let setpriv = Path::new("/usr/bin/setpriv").exists();
    if is_root && !setpriv {
        eprintln!(
            "SKIPPED read-only directory check: running as root without setpriv to drop privileges"
        );
    } else {
        let wrap: &[&str] = if is_root {
            &[
                "/usr/bin/setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
            ]
        } else {
            &[]
        };
        run_all(&dir, wrap);
    }
    assert!(before == snapshot(&dir), "files changed or appeared");
    for p in &paths {
        let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755));
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
