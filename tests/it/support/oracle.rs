//! Outside services some tests need: real fleche (the Python named by
//! `FLECHE_ORACLE_PYTHON`), which judges our answers and writes, and a
//! PostgreSQL server (`FLECHE_TEST_PG`). `.ci/run` provides both.
//!
//! Such a test is marked
//! `#[cfg_attr(not(fleche_oracle), ignore = "...")]` (or `fleche_pg`):
//! `build.rs` sets the cfg when the variable is set at build time, so
//! without it the test shows as ignored rather than as a pass that checked
//! nothing. Once running, a missing variable is a failure.

use super::{strings, TestEnv};
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn required(var: &str, what: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => v.trim().to_string(),
        _ => panic!("{var} is not set: this test needs {what} (.ci/run sets it)"),
    }
}

/// The Python with `fleche==0.22.2` (`tests/conformance/requirements.txt`),
/// to add a script to; our `FLECHE_SECRET_KEY` is not passed on.
pub fn python() -> Command {
    let mut cmd = Command::new(required(
        "FLECHE_ORACLE_PYTHON",
        "a Python with real fleche, e.g. .venv/bin/python",
    ));
    cmd.env_remove("FLECHE_SECRET_KEY");
    cmd
}

/// `postgresql://USER@HOST:PORT` of a server where USER may create databases.
pub fn test_pg() -> String {
    required("FLECHE_TEST_PG", "a throwaway PostgreSQL server")
}

/// A new, empty database on the [`test_pg`] server, named `{prefix}_{pid}`
/// (dropped first if a run before left it): a connection to the server's
/// `postgres` database, to drop it at the end, and the new database's URL.
pub fn fresh_database(prefix: &str) -> (postgres::Client, String, String) {
    let base = test_pg();
    let db = format!("{prefix}_{}", std::process::id());
    let mut admin = postgres::Client::connect(
        &format!("{}/postgres", base.trim_end_matches('/')),
        postgres::NoTls,
    )
    .expect("connect to the test server");
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
        .expect("drop");
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .expect("create");
    let url = format!("{}/{db}", base.trim_end_matches('/'));
    (admin, db, url)
}

/// A helper script in `tests/oracle/`.
pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/oracle")
        .join(name)
}

/// Run a [`python`] command to the end; its stdout. A failure fails the
/// test, showing `what` and Python's stderr.
pub fn succeed(mut cmd: Command, what: &str) -> Vec<u8> {
    let out = cmd.output().expect("start the oracle python");
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `fleche_oracle.py CMD DIR ARGS...`; a failing python fails the test.
pub fn oracle(cmd: &str, dir: &Path, args: &[&str]) -> Json {
    let mut python = python();
    python
        .arg(script("fleche_oracle.py"))
        .arg(cmd)
        .arg(dir)
        .args(args);
    let stdout = succeed(python, &format!("oracle `{cmd}`"));
    serde_json::from_slice(&stdout).unwrap_or_else(|e| {
        panic!(
            "oracle `{cmd}` printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(&stdout)
        )
    })
}

/// The value keys fleche's own `Cache.gc()` deletes, run on a copy of `dir`
/// so that `dir` stays as it is.
pub fn fleche_gc_on_a_copy(dir: &TestEnv) -> (BTreeSet<String>, TestEnv) {
    let copy = dir.duplicate();
    let deleted = strings(&oracle("gc", copy.root(), &[])["deleted"]);
    (deleted, copy)
}

/// The `records` object of an oracle `state` answer.
pub fn record_keys(state: &Json) -> BTreeSet<String> {
    state["records"]
        .as_object()
        .expect("records")
        .keys()
        .cloned()
        .collect()
}

/// A `state` answer with no load errors, every key intact and a sound database.
pub fn assert_sound(state: &Json, when: &str) {
    assert_eq!(
        state["errors"],
        Json::Array(vec![]),
        "{when}: fleche could not load some calls"
    );
    assert_eq!(state["integrity"], "ok", "{when}: PRAGMA integrity_check");
    for (key, rec) in state["records"].as_object().expect("records") {
        assert_eq!(
            rec["lookup_key"].as_str(),
            Some(key.as_str()),
            "{when}: call {key} loads under another key"
        );
    }
}
