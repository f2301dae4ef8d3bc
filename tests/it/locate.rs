//! Finding the cache: the fleche.toml walk, --root, --config, --cache, and
//! `fleche caches`.

use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fleche(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleche"))
        .current_dir(cwd)
        .args(args)
        .env("HOME", "/nonexistent-home")
        .env("XDG_CONFIG_HOME", "/nonexistent-xdg")
        .env_remove("FLECHE_SECRET_KEY")
        .output()
        .expect("run fleche")
}

fn count(out: &Output) -> usize {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Json = serde_json::from_slice(&out.stdout).expect("json");
    rows.as_array().expect("array").len()
}

#[test]
fn the_walk_finds_fleche_toml_above_the_working_directory() {
    // .fleche/values is below the directory holding fleche.toml.
    let deep = fixtures().join("getting-started/.fleche/values");
    assert_eq!(count(&fleche(&deep, &["ls", "--format", "json"])), 34);
}

#[test]
fn root_opens_a_cache_directory_without_configuration() {
    let dir = fixtures().join("getting-started/.fleche");
    assert_eq!(
        count(&fleche(
            Path::new("/"),
            &[
                "--root",
                dir.to_str().expect("utf-8"),
                "ls",
                "--format",
                "json"
            ]
        )),
        34
    );
    let out = fleche(Path::new("/"), &["--root", "/tmp", "ls"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("Error: /tmp holds no fleche cache"),
        "{err}"
    );
}

#[test]
fn config_and_cache_name_select_the_cache() {
    let cfg = fixtures().join("nested/fleche.toml");
    let out = fleche(
        Path::new("/"),
        &[
            "--config",
            cfg.to_str().expect("utf-8"),
            "--cache",
            "main",
            "ls",
            "--format",
            "json",
        ],
    );
    assert_eq!(count(&out), 7);
    let out = fleche(
        Path::new("/"),
        &[
            "--config",
            cfg.to_str().expect("utf-8"),
            "--cache",
            "nope",
            "ls",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cache `nope` is not defined"), "{err}");
    assert!(err.contains("Hint: `fleche caches`"), "{err}");
}

#[test]
fn no_configuration_points_at_a_local_cache() {
    let dir = fixtures().join("getting-started");
    // A directory holding .fleche but no fleche.toml on the walk: copy it.
    let tmp = std::env::temp_dir().join(format!("fleche-locate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join(".fleche/values")).expect("mkdir");
    std::fs::copy(dir.join(".fleche/calls.db"), tmp.join(".fleche/calls.db")).expect("copy");
    let out = fleche(&tmp, &["ls"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Hint: a cache is right here: try `fleche --root"),
        "{err}"
    );
    std::fs::remove_dir_all(&tmp).expect("cleanup");
}

#[test]
fn caches_lists_storages_and_counts() {
    let out = fleche(
        &fixtures().join("getting-started"),
        &["caches", "--format", "json"],
    );
    let rows: Json = serde_json::from_slice(&out.stdout).expect("json");
    let main = &rows[0];
    assert_eq!(main["name"], "main");
    assert_eq!(main["default"], true);
    assert_eq!(main["calls"]["type"], "sqlite");
    assert_eq!(main["calls"]["count"], 34);
    assert_eq!(main["values"]["type"], "pickle");
    assert_eq!(main["values"]["count"], 44);
    let out = fleche(&fixtures().join("pool"), &["caches", "--format", "json"]);
    let rows: Json = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(rows.as_array().expect("rows").len(), 2);
    assert_eq!(rows[0]["kind"], "pool");
}

#[test]
fn since_and_until_bound_the_start_time() {
    let dir = fixtures().join("getting-started");
    // Every call in the fixture started on 2026-03-23 (UTC), between 00:50:00 and 00:50:03.
    let q = |extra: &[&str]| {
        let mut args = vec!["query", "--format", "json"];
        args.extend_from_slice(extra);
        let out = Command::new(env!("CARGO_BIN_EXE_fleche"))
            .current_dir(&dir)
            .args(&args)
            .env("TZ", "UTC")
            .output()
            .expect("run");
        serde_json::from_slice::<Json>(&out.stdout)
            .expect("json")
            .as_array()
            .expect("rows")
            .len()
    };
    assert_eq!(q(&["--since", "2026-03-22"]), 34);
    assert_eq!(q(&["--until", "2026-03-22"]), 0);
    // Expected from the records fleche itself wrote (answers.json).
    let answers: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.join("answers.json")).expect("answers"))
            .expect("json");
    let cut = 1_774_227_002.0; // 2026-03-23T00:50:02Z
    let later = answers["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| {
            r["metadata"]["runtime"]["timestart"]
                .as_f64()
                .expect("timestart")
                >= cut
        })
        .count();
    assert_eq!(q(&["--since", "2026-03-23T00:50:02"]), later);
    assert_eq!(q(&["--until", "2026-03-23T00:50:02"]), 34 - later);
    assert_eq!(q(&["--since", "1d"]), 0);
}
