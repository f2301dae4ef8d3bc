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

/// The state a crashed fleche writer leaves: committed records only in
/// `calls.db-wal`, with its `-shm` index (copied while the writer's
/// connection was open, as a crash or a copy of a live cache would).
fn after_a_crashed_writer() -> TestEnv {
    let live = TestEnv::copy("getting-started");
    let dir = TestEnv::copy("getting-started");
    let db = live.path(".fleche/calls.db");
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; \
         UPDATE metadata SET data = '{\"crashed\": 1}' WHERE name = 'tags' \
         AND call_key = (SELECT min(call_key) FROM metadata WHERE name = 'tags');",
    )
    .expect("write");
    for suffix in ["", "-wal", "-shm"] {
        let name = format!(".fleche/calls.db{suffix}");
        std::fs::copy(live.path(&name), dir.path(&name)).expect("copy");
    }
    drop(conn);
    assert!(
        std::fs::metadata(dir.path(".fleche/calls.db-wal"))
            .expect("wal")
            .len()
            > 0
    );
    dir
}

const DRY_RUNS: &[&[&str]] = &[
    &["tag", "--all", "--set", "checked=1", "--dry-run"],
    &["untag", "--all", "--key", "project", "--dry-run"],
    &["evict", "--all", "--dry-run"],
    &["gc", "--dry-run", "--min-age", "0s"],
];

fn run_each(dir: &TestEnv, commands: &[&[&str]], unprivileged: bool) {
    for args in commands {
        let mut cmd = dir.fleche().args(*args);
        if unprivileged {
            cmd = cmd.unprivileged();
        }
        let out = cmd.run();
        assert_eq!(out.code, Some(0), "{args:?} failed: {}", out.stderr);
    }
}

#[test]
fn reads_after_a_crashed_writer_see_its_records_and_change_nothing() {
    let dir = after_a_crashed_writer();
    let before = snapshot(dir.root());
    let found = dir.ok(["query", "--tag", "crashed=1", "--count"]);
    assert_eq!(found.stdout.trim(), "1", "the log's record is read");
    run_all(&dir, false);
    run_each(&dir, DRY_RUNS, false);
    assert!(
        before == snapshot(dir.root()),
        "a read or dry run wrote to the cache"
    );
}

#[test]
fn dry_runs_change_nothing() {
    let dir = TestEnv::copy("getting-started");
    let before = snapshot(dir.root());
    run_each(&dir, DRY_RUNS, false);
    assert!(
        before == snapshot(dir.root()),
        "a dry run wrote to the cache"
    );
}

/// Readers that open SQLite's index read-only must not stop the same
/// process from writing through it.
#[test]
fn writes_after_a_crashed_writer_see_its_records() {
    let dir = after_a_crashed_writer();
    dir.ok(["tag", "--tag", "crashed=1", "--set", "seen=1"]);
    let found = dir.ok(["query", "--tag", "seen=1", "--tag", "crashed=1", "--count"]);
    assert_eq!(found.stdout.trim(), "1");
}

#[test]
#[cfg_attr(
    not(fleche_modes),
    ignore = "needs file modes that bite: not root, or /usr/bin/setpriv"
)]
fn dry_runs_work_in_a_read_only_directory() {
    use std::os::unix::fs::PermissionsExt;
    for dir in [TestEnv::copy("getting-started"), after_a_crashed_writer()] {
        let mut paths: Vec<PathBuf> = snapshot(dir.root()).into_keys().collect();
        paths.push(dir.root().to_path_buf());
        for p in &paths {
            let mode = if p.is_dir() { 0o555 } else { 0o444 };
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        let before = snapshot(dir.root());
        assert_can_drop_privileges();
        run_each(&dir, DRY_RUNS, true);
        run_all(&dir, true);
        assert!(before == snapshot(dir.root()), "files changed or appeared");
    }
}

/// A fleche process opening and closing the database over and over makes
/// and removes its `-wal` and `-shm`: a read starting at any moment of that
/// still reads (before: about 1 in 100 failed with "unable to open database
/// file" or "attempt to write a readonly database").
#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a Python for the writer; .ci/run sets it)"
)]
fn reads_beside_a_writer_opening_and_closing_never_fail() {
    let env = TestEnv::copy("getting-started");
    let db = env.path(".fleche/calls.db");
    let mut flap = crate::support::oracle::python();
    flap.arg("-c")
        .arg(
            "import sqlite3, sys, time\n\
             end = time.time() + float(sys.argv[2])\n\
             while time.time() < end:\n\
             \x20   c = sqlite3.connect(sys.argv[1])\n\
             \x20   c.execute('PRAGMA journal_mode=WAL')\n\
             \x20   c.execute('SELECT count(*) FROM calls').fetchall()\n\
             \x20   c.close()\n",
        )
        .arg(&db)
        .arg("120");
    let mut writer = flap.spawn().expect("start the writer");
    // A count of reads, not a time window: a loaded machine reads slower,
    // and the race needs enough reads beside the writer to show.
    let started = std::time::Instant::now();
    let (mut runs, mut failed) = (0, Vec::new());
    while runs < 300 && started.elapsed() < std::time::Duration::from_secs(110) {
        let run = env.run(["ls", "-n", "1"]);
        runs += 1;
        if !run.success() {
            failed.push(run.stderr);
        }
    }
    let writing = writer.try_wait().expect("the writer's state").is_none();
    let _ = writer.kill();
    let _ = writer.wait();
    assert!(writing, "the writer stopped before the reads ended");
    assert!(runs >= 300, "only {runs} reads");
    assert!(
        failed.is_empty(),
        "{} of {runs} reads failed: {:?}",
        failed.len(),
        failed.first()
    );
}
