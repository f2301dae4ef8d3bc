//! Shared by the tests that run real fleche (`FLECHE_ORACLE_PYTHON`) beside
//! the CLI: finding the oracle, running `fleche_oracle.py`, running the CLI.

#![allow(dead_code)]

use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The oracle python, or `None` after a visible SKIPPED line on the real
/// stderr (cargo's capture does not hide it).
pub fn oracle_python(what: &str) -> Option<String> {
    match std::env::var("FLECHE_ORACLE_PYTHON") {
        Ok(p) if !p.trim().is_empty() => Some(p.trim().to_string()),
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {what}: set FLECHE_ORACLE_PYTHON to a python with fleche==0.22.2"
            );
            None
        }
    }
}

pub fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/oracle")
        .join(name)
}

/// A fresh, empty scratch directory.
pub fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fleche-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir scratch");
    dir
}

/// `fleche_oracle.py CMD DIR ARGS...`; a failing python fails the test.
pub fn oracle(python: &str, cmd: &str, dir: &Path, args: &[&str]) -> Json {
    let out = Command::new(python)
        .arg(script("fleche_oracle.py"))
        .arg(cmd)
        .arg(dir)
        .args(args)
        .env_remove("FLECHE_SECRET_KEY")
        .output()
        .expect("start the oracle python");
    assert!(
        out.status.success(),
        "oracle `{cmd}` failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "oracle `{cmd}` printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

pub fn fleche(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleche"))
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_remove("FLECHE_SECRET_KEY")
        .env("NO_COLOR", "1")
        .output()
        .expect("run fleche")
}

/// Run the CLI and insist on exit 0.
pub fn fleche_ok(dir: &Path, args: &[&str]) -> Output {
    let out = fleche(dir, args);
    assert!(
        out.status.success(),
        "fleche {args:?} exited {}:\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The `key` field of every row of a `--format json` listing.
pub fn json_keys(out: &Output) -> BTreeSet<String> {
    match serde_json::from_slice::<Json>(&out.stdout) {
        Ok(Json::Array(rows)) => rows
            .iter()
            .map(|r| r["key"].as_str().expect("key").to_string())
            .collect(),
        _ => panic!(
            "not a JSON array: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

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

/// Names of the value files (dot-files are fleche's in-flight temporaries).
pub fn value_files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir.join(".fleche/values"))
        .expect("values dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect()
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
