//! Hostile files end to end: corrupt or truncated databases and values,
//! wrong signatures, unreadable directories and files, names that are not
//! UTF-8, a config that is not TOML. Every command fails (or carries on)
//! with one `Error:` line naming the offending path, never a panic.

use crate::support::{assert_can_drop_privileges, Run, TestEnv};
use fleche_core::store::files::unwrap_envelope;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The result of `long_running_calculation` in getting-started.
const GS_VALUE: &str = "83ada2198553b88cb3d0882f7fca8c4e9531049b978df3e9e3b5d6301c6c0bfa";

/// Run fleche in `dir` with backtraces on (so a panic cannot hide); when
/// `unprivileged`, as `nobody` if running as root.
fn fleche(dir: &TestEnv, args: &[&str], unprivileged: bool, env: &[(&str, &str)]) -> Run {
    let mut cmd = dir.fleche().args(args).env("RUST_BACKTRACE", "1");
    if unprivileged {
        cmd = cmd.unprivileged();
    }
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    cmd.run()
}

/// Exit 1 or 2, exactly one `Error:` line naming `path` and at most one
/// `Hint:` line on stderr, nothing else there, no panic.
fn assert_error_naming(run: &Run, args: &[&str], path: &Path) {
    let what = format!("{args:?}: stderr {:?}", run.stderr);
    assert!(
        matches!(run.code, Some(1 | 2)),
        "{what}: exit {:?}",
        run.code
    );
    assert_no_panic(run, args);
    let lines: Vec<&str> = run.stderr.lines().collect();
    let errors: Vec<&&str> = lines.iter().filter(|l| l.starts_with("Error: ")).collect();
    assert_eq!(errors.len(), 1, "{what}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("Error: ") || l.starts_with("Hint: ")),
        "{what}"
    );
    assert!(
        lines.iter().filter(|l| l.starts_with("Hint: ")).count() <= 1,
        "{what}"
    );
    let shown = path.display().to_string();
    assert!(errors[0].contains(&shown), "{what}: does not name {shown}");
}

/// `show` and `verify` report a bad value in their output (an `error` field,
/// an `unreadable-value` finding) and exit 1.
fn assert_shown_inline(run: &Run, args: &[&str], path: &Path) {
    assert_eq!(run.code, Some(1), "{args:?}: {}", run.stderr);
    assert_no_panic(run, args);
    let shown = path.display().to_string();
    assert!(
        run.stdout.lines().any(|l| l.contains(&shown)),
        "{args:?}: {shown} not in {}",
        run.stdout
    );
    assert!(
        run.stderr.lines().count() <= 1 && !run.stderr.contains("Error"),
        "{args:?}: {}",
        run.stderr
    );
}

fn assert_no_panic(run: &Run, args: &[&str]) {
    assert_ne!(run.code, Some(101), "{args:?} panicked: {}", run.stderr);
    for bad in [
        "internal error",
        "panicked",
        "stack backtrace",
        "RUST_BACKTRACE",
    ] {
        assert!(
            !run.stderr.contains(bad),
            "{args:?}: `{bad}` in {}",
            run.stderr
        );
    }
}

/// Commands that read the call database.
const DB_READS: &[&[&str]] = &[
    &["ls"],
    &["show", "83ada219"],
    &["verify"],
    &["gc", "--dry-run"],
    &["stats"],
];

#[test]
fn a_database_of_garbage_is_named() {
    let dir = TestEnv::copy("getting-started");
    let db = dir.path(".fleche/calls.db");
    std::fs::write(&db, b"this is not an SQLite database at all\n".repeat(200)).expect("write");
    for args in DB_READS {
        assert_error_naming(&fleche(&dir, args, false, &[]), args, &db);
    }
}

#[test]
fn a_truncated_database_is_named() {
    let dir = TestEnv::copy("getting-started");
    let db = dir.path(".fleche/calls.db");
    let bytes = std::fs::read(&db).expect("read");
    for keep in [50, 4096 + 100] {
        std::fs::write(&db, &bytes[..keep.min(bytes.len() - 1)]).expect("write");
        for args in DB_READS {
            assert_error_naming(&fleche(&dir, args, false, &[]), args, &db);
        }
    }
}

#[test]
fn a_truncated_value_is_named() {
    let dir = TestEnv::copy("getting-started");
    let file = dir.path(format!(".fleche/values/{GS_VALUE}"));
    let bytes = std::fs::read(&file).expect("read");
    std::fs::write(&file, &bytes[..bytes.len() / 2]).expect("write");
    for args in [&["show", &GS_VALUE[..8]][..], &["verify"]] {
        assert_shown_inline(&fleche(&dir, args, false, &[]), args, &file);
    }
    let args = ["gc", "--dry-run"];
    let run = fleche(&dir, &args, false, &[]);
    assert_no_panic(&run, &args);
}

#[test]
fn a_wrong_signature_is_named() {
    let dir = TestEnv::copy("signed-gzip");
    let key = dir.names(".fleche/values")[0].clone();
    let file = dir.path(".fleche/values").join(&key);
    // Gunzip (no keys: the signature stays on), spoil the last hex digit.
    let raw = std::fs::read(&file).expect("read");
    let mut content = unwrap_envelope(raw, &[]).expect("gzip").payload;
    let last = content.last_mut().expect("signed");
    *last = if *last == b'0' { b'1' } else { b'0' };
    std::fs::write(&file, &content).expect("write");
    for args in [&["show", &key[..8]][..], &["verify"]] {
        let run = fleche(&dir, args, false, &[]);
        assert_shown_inline(&run, args, &file);
        assert!(
            run.stdout.contains("signature does not match"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn an_unsigned_value_under_a_key_is_named() {
    let dir = TestEnv::copy("getting-started");
    let file = dir.path(format!(".fleche/values/{GS_VALUE}"));
    let args = ["show", &GS_VALUE[..8]];
    let run = fleche(&dir, &args, false, &[("FLECHE_SECRET_KEY", "00ff")]);
    assert_shown_inline(&run, &args, &file);
    assert!(run.stdout.contains("not signed"), "{}", run.stdout);
}

/// A copy of `fixture` with `rel` made unreadable (mode 000), and the path
/// of `rel`.
fn locked(fixture: &str, rel: &str) -> (TestEnv, PathBuf) {
    assert_can_drop_privileges();
    let dir = TestEnv::copy(fixture);
    let path = dir.path(rel);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    (dir, path)
}

#[test]
#[cfg_attr(
    not(fleche_modes),
    ignore = "needs file modes that bite: not root, or /usr/bin/setpriv"
)]
fn an_unreadable_values_directory_is_named() {
    let (dir, values) = locked("getting-started", ".fleche/values");
    for args in [
        &["show", &GS_VALUE[..8]][..],
        &["verify"],
        &["gc", "--dry-run"],
        &["stats"],
    ] {
        assert_error_naming(&fleche(&dir, args, true, &[]), args, &values);
    }
}

#[test]
#[cfg_attr(
    not(fleche_modes),
    ignore = "needs file modes that bite: not root, or /usr/bin/setpriv"
)]
fn an_unreadable_calls_directory_is_named() {
    let (dir, calls) = locked("nested", ".fleche/calls");
    for args in [&["ls"][..], &["verify"], &["gc", "--dry-run"], &["stats"]] {
        assert_error_naming(&fleche(&dir, args, true, &[]), args, &calls);
    }
}

#[test]
#[cfg_attr(
    not(fleche_modes),
    ignore = "needs file modes that bite: not root, or /usr/bin/setpriv"
)]
fn a_permission_denied_database_is_named() {
    let (dir, db) = locked("getting-started", ".fleche/calls.db");
    for args in DB_READS {
        assert_error_naming(&fleche(&dir, args, true, &[]), args, &db);
    }
}

#[test]
#[cfg_attr(
    not(fleche_modes),
    ignore = "needs file modes that bite: not root, or /usr/bin/setpriv"
)]
fn a_permission_denied_value_is_named() {
    let (dir, file) = locked("getting-started", &format!(".fleche/values/{GS_VALUE}"));
    for args in [&["show", &GS_VALUE[..8]][..], &["verify"]] {
        let run = fleche(&dir, args, true, &[]);
        assert_shown_inline(&run, args, &file);
        assert!(run.stdout.contains("Permission denied"), "{}", run.stdout);
    }
}

#[test]
#[cfg_attr(
    not(fleche_modes),
    ignore = "needs file modes that bite: not root, or /usr/bin/setpriv"
)]
fn a_permission_denied_config_is_named() {
    let (dir, config) = locked("getting-started", "fleche.toml");
    assert_error_naming(&fleche(&dir, &["ls"], true, &[]), &["ls"], &config);
}

#[test]
fn a_config_that_is_not_toml_is_named() {
    let dir = TestEnv::copy("getting-started");
    let config = dir.path("fleche.toml");
    std::fs::write(&config, "[default\nroot = true\n").expect("write");
    for args in [&["ls"][..], &["verify"], &["caches"]] {
        assert_error_naming(&fleche(&dir, args, false, &[]), args, &config);
    }
    std::fs::write(&config, b"[default]\ncache = \"\xff\xfe\"\n").expect("write");
    assert_error_naming(&fleche(&dir, &["ls"], false, &[]), &["ls"], &config);
}

/// A file whose name is not UTF-8 cannot be a fleche key: read commands
/// skip it, verify lists it as a stray file, gc leaves it alone.
#[test]
fn names_that_are_not_utf8_are_stray_files() {
    let dir = TestEnv::copy("nested");
    let name = OsStr::from_bytes(b"caf\xe9");
    let stray_value = dir.path(".fleche/values").join(name);
    let stray_call = dir.path(".fleche/calls").join(name);
    std::fs::write(&stray_value, b"not a pickle").expect("write");
    std::fs::write(&stray_call, b"not a pickle").expect("write");
    for args in [&["ls"][..], &["stats"], &["gc", "--dry-run"]] {
        let run = fleche(&dir, args, false, &[]);
        assert_eq!(run.code, Some(0), "{args:?}: {}", run.stderr);
        assert_no_panic(&run, args);
        assert!(
            !run.stderr.contains("Error") && !run.stderr.contains("Warning"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = fleche(&dir, &["verify", "--notes", "--format", "json"], false, &[]);
    assert_no_panic(&run, &["verify"]);
    let findings: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let stray: Vec<&str> = findings
        .as_array()
        .expect("array")
        .iter()
        .filter(|f| f["kind"] == "stray-file")
        .map(|f| f["path"].as_str().expect("path"))
        .collect();
    assert_eq!(stray.len(), 2, "{}", run.stdout);
    assert!(
        stray.iter().all(|p| p.ends_with("caf\u{fffd}")),
        "{stray:?}"
    );
    assert!(stray_value.exists() && stray_call.exists());
}

/// An undecodable call file is left out with one warning naming it.
#[test]
fn a_corrupt_call_file_is_a_warning() {
    let dir = TestEnv::copy("nested");
    let name = dir.names(".fleche/calls")[0].clone();
    std::fs::write(dir.path(".fleche/calls").join(&name), b"\x80\x04garbage").expect("write");
    let run = fleche(&dir, &["ls"], false, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_no_panic(&run, &["ls"]);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("Warning: ") && run.stderr.contains(&name),
        "{}",
        run.stderr
    );
}

/// Call files are decoded only when a command needs their records: a
/// corrupt one does not disturb `expand` or `show` of another call, and
/// `show` of the corrupt one says which file it is.
#[test]
fn a_corrupt_call_file_only_matters_when_read() {
    let dir = TestEnv::copy("nested");
    let names = dir.names(".fleche/calls");
    assert!(names.len() >= 2, "two calls");
    let (bad, good) = (names[0].as_str(), names[1].as_str());
    std::fs::write(dir.path(".fleche/calls").join(bad), b"\x80\x04garbage").expect("write");

    let run = fleche(&dir, &["expand", good], false, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout.trim(), good);
    assert_eq!(run.stderr, "");
    let run = fleche(&dir, &["show", good], false, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stderr, "");

    let run = fleche(&dir, &["show", bad], false, &[]);
    assert_no_panic(&run, &["show", bad]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.starts_with("Warning: ") && run.stderr.contains(bad),
        "{}",
        run.stderr
    );
}

/// Issue #15, H7: gc deletes only files named as fleche names values (a
/// 64-digit hex digest); anything else in the value directory stays, and
/// the dry run says so.
#[test]
fn gc_never_deletes_files_not_named_like_values() {
    let dir = TestEnv::copy("getting-started");
    let values = dir.path(".fleche/values");
    for name in ["thesis.tex", "results.csv", "ABCDEF", &"f".repeat(63)] {
        std::fs::write(values.join(name), "user data").expect("write");
    }
    let orphans_before: Vec<String> = dir
        .ok(["gc", "--dry-run", "--min-age", "0", "--format", "json"])
        .json()
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["key"].as_str().expect("key").to_string())
        .collect();
    assert!(!orphans_before.is_empty(), "the fixture has orphan values");
    assert!(
        orphans_before
            .iter()
            .all(|k| k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit())),
        "{orphans_before:?}"
    );
    let run = dir.ok(["gc", "--min-age", "0"]);
    assert!(
        run.stderr.contains("4 files in") && run.stderr.contains("gc never deletes them"),
        "{}",
        run.stderr
    );
    for name in ["thesis.tex", "results.csv", "ABCDEF", &"f".repeat(63)] {
        assert_eq!(
            std::fs::read_to_string(values.join(name)).expect("still there"),
            "user data"
        );
    }
    for key in &orphans_before {
        assert!(!values.join(key).exists(), "{key} was not collected");
    }
}

/// Issue #15, H7: a configuration whose values live in `/`, the home
/// directory or a system directory makes gc refuse, before reading a file.
#[test]
fn gc_refuses_a_values_root_that_is_no_cache_of_its_own() {
    let dir = TestEnv::copy("getting-started");
    let home = TestEnv::empty();
    std::fs::write(home.path("thesis.tex"), "user data").expect("write");
    let db = dir.path(".fleche/calls.db");
    for root in ["/", "~", "/etc", "/usr/share"] {
        std::fs::write(
            dir.path("fleche.toml"),
            format!(
                "[default]\nroot = true\ncache = \"x\"\n\n[x]\nvalues = {{type = \"pickle\", root = \"{root}\"}}\ncalls = {{type = \"sql\", url = \"sqlite:///{}\"}}\n",
                db.display()
            ),
        )
        .expect("config");
        for args in [&["gc", "--dry-run"][..], &["gc", "--min-age", "0"]] {
            let run = dir.fleche().args(args).env("HOME", home.root()).run();
            let err = run.failure(2);
            assert!(
                err.contains("which gc will not collect") && err.contains("Hint: "),
                "{root} {args:?}: {err}"
            );
        }
    }
    assert!(home.path("thesis.tex").exists());
}

/// Issue #15, item 5: a call key that is not hex (any text in a database
/// fleche did not write) is shown, never sliced inside a character.
#[test]
fn a_call_key_that_is_not_ascii_is_listed() {
    let dir = TestEnv::copy("getting-started");
    let conn = rusqlite::Connection::open(dir.path(".fleche/calls.db")).expect("open the copy");
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         UPDATE calls SET key = 'cb9é' || substr(key, 5) WHERE key LIKE 'cb9db168%';
         UPDATE arguments SET call_key = 'cb9é' || substr(call_key, 5) WHERE call_key LIKE 'cb9db168%';
         UPDATE metadata SET call_key = 'cb9é' || substr(call_key, 5) WHERE call_key LIKE 'cb9db168%';",
    )
    .expect("rename a key");
    drop(conn);
    for args in [
        &["ls"][..],
        &["ls", "--format", "json"],
        &["query", "--name", "long_running_calculation"],
        &["verify"],
    ] {
        let run = fleche(&dir, args, false, &[]);
        assert_no_panic(&run, args);
        assert!(matches!(run.code, Some(0 | 1)), "{args:?}: {}", run.stderr);
    }
    assert!(fleche(&dir, &["ls"], false, &[])
        .stdout
        .contains("cb9éb168"));
}

/// Issue #15, H1: records that are only in a `-wal` without its `-shm` (a
/// cache copied while fleche was writing) are not visible to a read that
/// writes nothing: reads warn, and gc refuses instead of deleting the
/// values those records name.
#[test]
fn gc_refuses_when_a_write_ahead_log_cannot_be_read() {
    let source = TestEnv::copy("getting-started");
    let db = source.path(".fleche/calls.db");
    let key = "cb9db168b7a8eb99bda637a54241ad5d4e2726b5cd67ad4cfb21baa5874c2b9e";
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         CREATE TEMP TABLE c AS SELECT * FROM calls WHERE key = '{key}';
         CREATE TEMP TABLE a AS SELECT * FROM arguments WHERE call_key = '{key}';
         CREATE TEMP TABLE m AS SELECT * FROM metadata WHERE call_key = '{key}';
         DELETE FROM arguments WHERE call_key = '{key}';
         DELETE FROM metadata WHERE call_key = '{key}';
         DELETE FROM calls WHERE key = '{key}';
         PRAGMA wal_checkpoint(TRUNCATE);
         PRAGMA wal_autocheckpoint = 0;
         INSERT INTO calls SELECT * FROM temp.c;
         INSERT INTO arguments SELECT * FROM temp.a;
         INSERT INTO metadata SELECT * FROM temp.m;"
    ))
    .expect("a record only in the log");
    // Copied while the writer is still open: the log without its index.
    let copy = source.duplicate();
    drop(conn);
    let _ = std::fs::remove_file(copy.path(".fleche/calls.db-shm"));
    assert!(copy.path(".fleche/calls.db-wal").exists());
    let before = crate::support::value_files(&copy.path(".fleche/values"));
    for args in [
        &["gc", "--min-age", "0"][..],
        &["gc", "--dry-run", "--min-age", "0"],
    ] {
        let run = fleche(&copy, args, false, &[]);
        assert_no_panic(&run, args);
        let err = run.failure(2);
        assert!(err.contains("calls.db-wal holds writes"), "{err}");
    }
    assert_eq!(
        before,
        crate::support::value_files(&copy.path(".fleche/values"))
    );
    let ls = fleche(&copy, &["ls"], false, &[]);
    assert!(ls.stderr.starts_with("Warning: "), "{}", ls.stderr);
    assert!(
        !copy.path(".fleche/calls.db-shm").exists(),
        "a read wrote -shm"
    );
}

/// Issue #15, H10: a destructured wrapper whose class is named past the
/// first kilobyte of its pickle still keeps its children alive.
#[test]
fn gc_follows_wrappers_that_name_their_class_late() {
    let plain = TestEnv::copy("nested");
    let dead = |dir: &TestEnv| {
        dir.ok(["gc", "--dry-run", "--min-age", "0", "--format", "json"])
            .keys()
    };
    let expected = dead(&plain);
    let padded = TestEnv::copy("nested");
    let values = padded.path(".fleche/values");
    let mut rewritten = 0;
    for name in padded.names(".fleche/values") {
        let path = values.join(&name);
        let bytes = std::fs::read(&path).expect("read");
        let Some(body) = bytes.strip_prefix(b"\x80\x04\x95".as_slice()) else {
            continue;
        };
        if !bytes
            .windows(28)
            .any(|w| w == b"fleche.storage.destructuring")
        {
            continue;
        }
        // PROTO 4, a 2,000-character string dropped at once, then the
        // original opcodes (after its FRAME).
        let mut late = b"\x80\x04X".to_vec();
        late.extend_from_slice(&2000u32.to_le_bytes());
        late.extend(std::iter::repeat_n(b'x', 2000));
        late.push(b'0');
        late.extend_from_slice(&body[8..]);
        std::fs::write(&path, late).expect("write");
        rewritten += 1;
    }
    assert!(rewritten > 0, "the fixture has destructured wrappers");
    assert_eq!(dead(&padded), expected);
}

/// Run fleche in `dir`, killed and failed after `secs` seconds.
fn within(dir: &TestEnv, args: &[&str], secs: u64) -> std::process::ExitStatus {
    let mut child = dir
        .fleche()
        .args(args)
        .command()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("fleche {args:?} still running after {secs}s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Issue #15, H6 and H8: a FIFO, or a link to `/dev/zero`, named like a
/// value never blocks or floods a read; verify calls the FIFO a problem and
/// gc never deletes it.
#[test]
fn special_files_in_a_value_directory_are_not_read() {
    let dir = TestEnv::copy("getting-started");
    let values = dir.path(".fleche/values");
    let fifo = values.join("cd".repeat(32));
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", values.join("ef".repeat(32))).expect("symlink");
    for args in [
        &["verify"][..],
        &["stats"],
        &["show", "cdcd"],
        &["show", "efef"],
        &["gc", "--dry-run", "--min-age", "0"],
    ] {
        let status = within(&dir, args, 20);
        assert!(status.code().is_some(), "{args:?}: {status}");
    }
    let verify = fleche(&dir, &["verify", "--format", "json"], false, &[]);
    assert_eq!(verify.code, Some(1), "{}", verify.stderr);
    assert!(
        verify.stdout.contains("not a regular file"),
        "{}",
        verify.stdout
    );
    within(&dir, &["gc", "--min-age", "0"], 20);
    assert!(
        std::fs::symlink_metadata(&fifo).is_ok(),
        "gc deleted the FIFO"
    );
}
