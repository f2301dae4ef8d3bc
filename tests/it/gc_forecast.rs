//! `stats` and `verify --notes` say what `fleche gc` would actually do with
//! the files no record of a cache needs: delete them, keep them for their
//! age or for another cache sharing the directory, or refuse outright —
//! never a bare "gc would remove N" when gc removes nothing.

use crate::support::TestEnv;
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

fn age_values(dir: &TestEnv, age: Duration) {
    let when = SystemTime::now() - age;
    for name in dir.names(".fleche/values") {
        let file = std::fs::File::options()
            .write(true)
            .open(dir.path(".fleche/values").join(name))
            .expect("open");
        file.set_modified(when).expect("mtime");
    }
}

fn stats_values(dir: &TestEnv) -> Json {
    dir.ok(["stats", "--format", "json"]).rows()[0]["values"].clone()
}

/// Orphan keys and the detail verify gives each.
fn orphan_notes(dir: &TestEnv) -> Vec<(String, String)> {
    // A broken record makes verify exit 1: the notes are listed all the same.
    dir.run(["verify", "--notes", "--format", "json"])
        .rows()
        .into_iter()
        .filter(|r| r["kind"] == "orphan")
        .map(|r| {
            (
                r["key"].as_str().expect("key").to_string(),
                r["detail"].as_str().expect("detail").to_string(),
            )
        })
        .collect()
}

fn gc_would_remove(dir: &TestEnv) -> BTreeSet<String> {
    dir.ok(["gc", "--dry-run", "--format", "json"]).keys()
}

#[test]
fn young_orphans_are_kept_and_old_ones_removed() {
    let dir = TestEnv::copy("getting-started");
    age_values(&dir, Duration::ZERO);
    let v = stats_values(&dir);
    assert_eq!(v["orphans"], 2);
    assert_eq!(v["gc"]["would_remove"], 0, "{v}");
    assert_eq!(v["gc"]["kept_young"], 2, "{v}");
    assert!(gc_would_remove(&dir).is_empty());
    let table = dir.ok(["stats"]).stdout;
    assert!(
        table.contains("gc           would remove 0 files (0 B), keep 2 younger than 1h"),
        "{table}"
    );
    for (_, detail) in orphan_notes(&dir) {
        assert_eq!(
            detail,
            "no record of this cache needs it; gc keeps it while it is younger than 1h"
        );
    }

    age_values(&dir, Duration::from_secs(7200));
    let v = stats_values(&dir);
    let removed = gc_would_remove(&dir);
    assert_eq!(v["gc"]["would_remove"], removed.len(), "{v}");
    assert_eq!(removed.len(), 2);
    let notes = orphan_notes(&dir);
    assert_eq!(
        notes
            .iter()
            .map(|(k, _)| k.clone())
            .collect::<BTreeSet<_>>(),
        removed
    );
    for (_, detail) in notes {
        assert_eq!(
            detail,
            "no record of this cache needs it; gc would delete it"
        );
    }
}

#[test]
fn orphans_another_cache_needs_are_kept() {
    // A second cache whose records name the same values: once the first
    // forgets every call, its values are its orphans, but gc keeps them.
    let dir = TestEnv::copy("getting-started");
    let toml = std::fs::read_to_string(dir.path("fleche.toml")).expect("toml");
    std::fs::create_dir_all(dir.path("other")).expect("mkdir");
    std::fs::copy(dir.path(".fleche/calls.db"), dir.path("other/calls.db")).expect("copy db");
    std::fs::write(
        dir.path("fleche.toml"),
        format!("{toml}\n[other]\nvalues = {{type = \"pickle\", root = \".fleche/values\"}}\ncalls = {{type = \"sql\", url = \"sqlite:///other/calls.db\"}}\n"),
    )
    .expect("write toml");
    dir.ok(["evict", "--all"]);
    age_values(&dir, Duration::from_secs(7200));
    let v = stats_values(&dir);
    let removed = gc_would_remove(&dir);
    assert!(v["orphans"].as_u64().expect("orphans") > 2, "{v}");
    assert_eq!(v["gc"]["would_remove"], removed.len(), "{v}");
    assert_eq!(removed.len(), 2, "only the fixture's own orphans go");
    assert_eq!(v["gc"]["shared_with"], serde_json::json!(["other"]));
    let notes = orphan_notes(&dir);
    let kept: Vec<&String> = notes
        .iter()
        .filter(|(k, _)| k.len() == 64 && !removed.contains(k))
        .map(|(_, d)| d)
        .collect();
    assert!(!kept.is_empty());
    for detail in kept {
        assert!(
            detail.contains("gc keeps it: a record of `other` (sharing this directory)"),
            "{detail}"
        );
    }
}

#[test]
fn a_refused_collection_is_named() {
    // A call record that cannot be read: gc deletes nothing, and says why.
    let dir = TestEnv::copy("nested");
    age_values(&dir, Duration::from_secs(7200));
    let name = dir.names(".fleche/calls")[0].clone();
    std::fs::write(dir.path(".fleche/calls").join(&name), b"\x80\x04garbage").expect("write");
    let v = stats_values(&dir);
    assert!(v["orphans"].as_u64().expect("orphans") > 0, "{v}");
    let why = v["gc"]["refuses"].as_str().expect("a refusal");
    assert!(
        why.contains("cannot be read") && why.contains(&name),
        "{why}"
    );
    let gc = dir.run(["gc", "--dry-run"]);
    assert_eq!(gc.code, Some(1), "gc refuses too: {}", gc.stderr);
    for (_, detail) in orphan_notes(&dir) {
        assert!(detail.contains("gc would delete nothing: "), "{detail}");
    }
}
