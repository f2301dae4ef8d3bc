//! Finding the cache: the fleche.toml walk, --root, --config, --cache, and
//! `fleche caches`.

use crate::support::{fixtures_dir, Run, TestEnv};
use std::path::Path;

/// `fleche ARGS` started in `cwd` (no `-C`: the walk starts there).
fn fleche(cwd: &Path, args: &[&str]) -> Run {
    crate::support::fleche().current_dir(cwd).args(args).run()
}

/// The calls real fleche wrote in the `getting-started` fixture.
fn calls() -> usize {
    TestEnv::fixture("getting-started").calls_written()
}

fn count(out: &Run) -> usize {
    assert!(out.success(), "{}", out.stderr);
    out.rows().len()
}

#[test]
fn the_walk_finds_fleche_toml_above_the_working_directory() {
    // .fleche/values is below the directory holding fleche.toml.
    let deep = fixtures_dir().join("getting-started/.fleche/values");
    assert_eq!(count(&fleche(&deep, &["ls", "--format", "json"])), calls());
}

#[test]
fn root_opens_a_cache_directory_without_configuration() {
    let dir = fixtures_dir().join("getting-started/.fleche");
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
        calls()
    );
    let err = fleche(Path::new("/"), &["--root", "/tmp", "ls"]).failure(2);
    assert!(
        err.starts_with("Error: /tmp holds no fleche cache"),
        "{err}"
    );
}

#[test]
fn config_and_cache_name_select_the_cache() {
    let cfg = fixtures_dir().join("nested/fleche.toml");
    let cfg = cfg.to_str().expect("utf-8");
    let with_cache = |name: &str, args: &[&str]| {
        let mut all = vec!["--config", cfg, "--cache", name];
        all.extend(args);
        fleche(Path::new("/"), &all)
    };
    assert_eq!(count(&with_cache("main", &["ls", "--format", "json"])), 7);
    let err = with_cache("nope", &["ls"]).failure(2);
    assert!(err.contains("cache `nope` is not defined"), "{err}");
    assert!(err.contains("Hint: `fleche caches`"), "{err}");
}

#[test]
fn no_configuration_points_at_a_local_cache() {
    let dir = fixtures_dir().join("getting-started");
    // A directory holding .fleche but no fleche.toml on the walk: copy it.
    let tmp = TestEnv::empty();
    std::fs::create_dir_all(tmp.path(".fleche/values")).expect("mkdir");
    std::fs::copy(dir.join(".fleche/calls.db"), tmp.path(".fleche/calls.db")).expect("copy");
    let err = fleche(tmp.root(), &["ls"]).failure(2);
    assert!(
        err.contains("Hint: a cache is right here: try `fleche --root"),
        "{err}"
    );
}

#[test]
fn caches_lists_storages_and_counts() {
    let out = fleche(
        &fixtures_dir().join("getting-started"),
        &["caches", "--format", "json"],
    );
    let rows = out.json();
    let main = &rows[0];
    assert_eq!(main["name"], "main");
    assert_eq!(main["default"], true);
    assert_eq!(main["calls"]["type"], "sqlite");
    assert_eq!(main["calls"]["count"], calls());
    assert_eq!(main["values"]["type"], "pickle");
    let values = TestEnv::fixture("getting-started").answers()["values"]
        .as_object()
        .expect("answers.json values")
        .len();
    assert_eq!(main["values"]["count"], values);
    let out = fleche(
        &fixtures_dir().join("pool"),
        &["caches", "--format", "json"],
    );
    let rows = out.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["kind"], "pool");
}

#[test]
fn since_and_until_bound_the_start_time() {
    let dir = TestEnv::fixture("getting-started");
    // Every call in the fixture started on 2026-03-23 (UTC), between 00:50:00 and 00:50:03.
    let q = |extra: &[&str]| {
        let mut args = vec!["query", "--format", "json"];
        args.extend_from_slice(extra);
        // The stable environment's TZ=UTC reads the dates below as UTC.
        fleche(dir.root(), &args).rows().len()
    };
    assert_eq!(q(&["--since", "2026-03-22"]), calls());
    assert_eq!(q(&["--until", "2026-03-22"]), 0);
    // Expected from the records fleche itself wrote (answers.json).
    let answers = dir.answers();
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
    assert_eq!(q(&["--until", "2026-03-23T00:50:02"]), calls() - later);
    assert_eq!(q(&["--since", "1d"]), 0);
}
