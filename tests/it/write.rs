//! Write commands on copies of caches fleche wrote: gc deletes exactly what
//! fleche's `Cache.gc()` deletes (with `--min-age 0`) and never more; tag and
//! evict change only what they say; read-only caches refuse.

use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support;

/// A scratch copy of a fixture.
fn scratch(fixture: &str, tag: &str) -> PathBuf {
    support::fixture_copy(fixture, &format!("write-{tag}"))
}

fn fleche(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleche"))
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_remove("FLECHE_SECRET_KEY")
        .output()
        .expect("run fleche")
}

fn json_rows(out: &Output) -> Vec<Json> {
    match serde_json::from_slice::<Json>(&out.stdout) {
        Ok(Json::Array(rows)) => rows,
        _ => panic!(
            "not a JSON array: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn answers(dir: &Path) -> Json {
    serde_json::from_str(&std::fs::read_to_string(dir.join("answers.json")).expect("answers"))
        .expect("json")
}

fn value_files(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let e = e.expect("entry");
            if e.file_type().expect("type").is_dir() {
                stack.push(e.path());
            } else if d.file_name().is_some_and(|n| n == "values") {
                out.insert(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    out
}

#[test]
fn gc_deletes_exactly_what_fleche_deletes() {
    for fixture in [
        "getting-started",
        "signed-gzip",
        "nested",
        "dill-files",
        "cloudpickle-files",
    ] {
        let dir = scratch(fixture, &format!("gc-{fixture}"));
        let want: BTreeSet<String> = answers(&dir)["gc"]
            .as_array()
            .expect("gc")
            .iter()
            .map(|k| k.as_str().expect("key").to_string())
            .collect();
        let before = value_files(&dir);
        let dry = fleche(
            &dir,
            &["gc", "--min-age", "0", "--dry-run", "--format", "json"],
        );
        let planned: BTreeSet<String> = json_rows(&dry)
            .iter()
            .map(|r| r["key"].as_str().expect("key").to_string())
            .collect();
        assert_eq!(planned, want, "{fixture}: dry run differs from fleche's gc");
        assert_eq!(
            value_files(&dir),
            before,
            "{fixture}: the dry run deleted something"
        );
        let real = fleche(&dir, &["gc", "--min-age", "0", "--format", "json"]);
        let removed: BTreeSet<String> = json_rows(&real)
            .iter()
            .map(|r| r["key"].as_str().expect("key").to_string())
            .collect();
        assert_eq!(
            removed, want,
            "{fixture}: removed set differs from fleche's gc"
        );
        let after = value_files(&dir);
        assert_eq!(
            before.difference(&after).cloned().collect::<BTreeSet<_>>(),
            want,
            "{fixture}: files on disk"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}

#[test]
fn gc_keeps_young_files_and_what_they_point_at() {
    // Fresh copies are young: with the default --min-age 1h nothing goes.
    let dir = scratch("nested", "young");
    let out = fleche(&dir, &["gc", "--dry-run", "--format", "json"]);
    assert!(
        json_rows(&out).is_empty(),
        "young files were planned for deletion"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("kept for being younger than 1h"), "{err}");

    // Age every file, then make one orphan wrapper young again, as a call
    // still running would have just saved it: its old children stay too.
    let a = answers(&dir);
    let dead: BTreeSet<String> = a["gc"]
        .as_array()
        .expect("gc")
        .iter()
        .map(|k| k.as_str().expect("k").to_string())
        .collect();
    let values = dir.join(".fleche/values");
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for name in value_files(&dir) {
        let f = std::fs::File::options()
            .write(true)
            .open(values.join(&name))
            .expect("open");
        f.set_modified(two_hours_ago).expect("set mtime");
    }
    let root = dead
        .iter()
        .find(|k| {
            a["values"][k.as_str()]["children"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| dead.contains(c.as_str().expect("c"))))
        })
        .expect("an orphan wrapper with orphan children");
    let f = std::fs::File::options()
        .write(true)
        .open(values.join(root))
        .expect("open");
    f.set_modified(std::time::SystemTime::now()).expect("touch");
    let out = fleche(&dir, &["gc", "--dry-run", "--format", "json"]);
    let planned: BTreeSet<String> = json_rows(&out)
        .iter()
        .map(|r| r["key"].as_str().expect("key").to_string())
        .collect();
    assert!(
        !planned.contains(root.as_str()),
        "the young wrapper was planned for deletion"
    );
    for child in a["values"][root.as_str()]["children"]
        .as_array()
        .expect("children")
    {
        assert!(
            !planned.contains(child.as_str().expect("c")),
            "a child of the young wrapper was planned for deletion"
        );
    }
    assert!(
        !planned.is_empty(),
        "old orphans outside the young tree should still go"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn gc_counts_every_cache_sharing_the_value_directory() {
    // A second cache whose records use the same values: evicting every call
    // of the first must not make the second's values dead.
    let dir = scratch("getting-started", "shared");
    let toml = std::fs::read_to_string(dir.join("fleche.toml")).expect("toml");
    std::fs::create_dir_all(dir.join("other")).expect("mkdir");
    std::fs::copy(dir.join(".fleche/calls.db"), dir.join("other/calls.db")).expect("copy db");
    std::fs::write(
        dir.join("fleche.toml"),
        format!("{toml}\n[other]\nvalues = {{type = \"pickle\", root = \".fleche/values\"}}\ncalls = {{type = \"sql\", url = \"sqlite:///other/calls.db\"}}\n"),
    )
    .expect("write toml");
    let out = fleche(&dir, &["evict", "--all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = fleche(
        &dir,
        &["gc", "--min-age", "0", "--dry-run", "--format", "json"],
    );
    let planned: BTreeSet<String> = json_rows(&out)
        .iter()
        .map(|r| r["key"].as_str().expect("key").to_string())
        .collect();
    let want: BTreeSet<String> = answers(&dir)["gc"]
        .as_array()
        .expect("gc")
        .iter()
        .map(|k| k.as_str().expect("k").to_string())
        .collect();
    assert_eq!(
        planned, want,
        "values used by the other cache were planned for deletion"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cache `other` shares this value directory")
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn gc_deletes_nothing_when_a_live_file_cannot_be_decoded() {
    let dir = scratch("nested", "corrupt");
    // A live wrapper (a destructured list) truncated: its children are unknown.
    let a = answers(&dir);
    let (wrapper, _) = a["values"]
        .as_object()
        .expect("values")
        .iter()
        .find(|(_, v)| {
            v["stored_type"] == "fleche.storage.destructuring.DigestedIterable"
                && !v["children"].as_array().expect("c").is_empty()
        })
        .expect("a wrapper");
    let path = dir.join(".fleche/values").join(wrapper);
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
    let before = value_files(&dir);
    let out = fleche(&dir, &["gc", "--min-age", "0"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot be decoded") && err.contains("nothing was deleted"),
        "{err}"
    );
    assert_eq!(value_files(&dir), before);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn gc_unlinks_symlinks_without_following_them() {
    let dir = scratch("getting-started", "symlink");
    let outside = dir.join("precious.txt");
    std::fs::write(&outside, b"keep me").expect("write");
    let link =
        dir.join(".fleche/values/0000000000000000000000000000000000000000000000000000000000000000");
    std::os::unix::fs::symlink(&outside, &link).expect("symlink");
    let out = fleche(&dir, &["gc", "--min-age", "0", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !link.exists() && std::fs::symlink_metadata(&link).is_err(),
        "the dead link stays"
    );
    assert_eq!(std::fs::read(&outside).expect("target"), b"keep me");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn tag_merges_tags_and_keeps_keys() {
    let dir = scratch("getting-started", "tag");
    let out = fleche(
        &dir,
        &[
            "tag",
            "a8a30616",
            "--set",
            "keep=True",
            "--set",
            "project=renamed",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = fleche(&dir, &["query", "--tag", "keep=1", "--format", "json"]);
    let rows = json_rows(&out);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        row["key"],
        "a8a3061653183cff08e5c414f9a4087550ab5e33cc186ae7a2e91aa1fbac8c80"
    );
    assert_eq!(
        row["metadata"]["tags"],
        serde_json::json!({"project": "renamed", "category": "testing", "keep": true})
    );
    let out = fleche(
        &dir,
        &[
            "untag", "a8a30616", "-k", "keep", "-k", "project", "-k", "category",
        ],
    );
    assert!(out.status.success());
    let out = fleche(&dir, &["show", "a8a30616", "--format", "json"]);
    assert!(
        json_rows(&out)[0]["metadata"].get("tags").is_none(),
        "an empty tags row is removed"
    );
    // --dry-run changes nothing.
    let out = fleche(
        &dir,
        &[
            "tag",
            "--name",
            "fib",
            "--set",
            "x=1",
            "--dry-run",
            "--format",
            "json",
        ],
    );
    assert_eq!(json_rows(&out).len(), 21);
    let out = fleche(&dir, &["query", "--tag", "x", "--count"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn evict_removes_records_and_keeps_values() {
    let dir = scratch("getting-started", "evict");
    let values = value_files(&dir);
    let out = fleche(
        &dir,
        &["evict", "--name", "fib", "--dry-run", "--format", "json"],
    );
    assert_eq!(json_rows(&out).len(), 21);
    let out = fleche(&dir, &["evict", "--name", "fib", "--format", "json"]);
    assert_eq!(json_rows(&out).len(), 21);
    let out = fleche(&dir, &["ls", "--format", "json"]);
    assert_eq!(json_rows(&out).len(), 34 - 21);
    assert_eq!(value_files(&dir), values, "evict must not delete values");
    let out = fleche(&dir, &["evict"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "evict without a selector must refuse"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn read_only_caches_refuse_writes() {
    let dir = scratch("getting-started", "ro");
    let toml = std::fs::read_to_string(dir.join("fleche.toml")).expect("toml");
    std::fs::write(
        dir.join("fleche.toml"),
        toml.replace("[main]\n", "[main]\nread_only = true\n"),
    )
    .expect("write");
    for args in [
        &["tag", "--all", "--set", "a=1"][..],
        &["evict", "--all"],
        &["gc", "--min-age", "0"],
    ] {
        let out = fleche(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("read_only"),
            "{args:?}"
        );
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Tagging and evicting pickled call files: the rewritten file keeps its
/// compression and signature, verifies clean, and (with the oracle) real
/// fleche finds the tag and loads every record under its unchanged key.
#[test]
fn tag_and_evict_on_call_files() {
    for fixture in ["dill-files", "cloudpickle-files"] {
        let dir = scratch(fixture, &format!("files-{fixture}"));
        let out = fleche(&dir, &["ls", "--format", "json", "--sort", "key"]);
        let keys: Vec<String> = json_rows(&out)
            .iter()
            .map(|r| r["key"].as_str().expect("k").to_string())
            .collect();
        let target = keys[0].clone();
        let compressed_before = std::fs::read(dir.join(".fleche/calls").join(&target))
            .expect("read")
            .starts_with(&[0x1f, 0x8b]);
        let out = fleche(
            &dir,
            &["tag", &target[..10], "--set", "stage=final", "--set", "n=3"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let raw = std::fs::read(dir.join(".fleche/calls").join(&target)).expect("read");
        assert_eq!(
            raw.starts_with(&[0x1f, 0x8b]),
            compressed_before,
            "{fixture}: compression changed"
        );
        let out = fleche(&dir, &["query", "--tag", "stage=final", "--format", "json"]);
        let rows = json_rows(&out);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["key"], target.as_str());
        let out = fleche(&dir, &["verify"]);
        assert!(
            out.status.success(),
            "{fixture}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let leftovers: Vec<String> = std::fs::read_dir(dir.join(".fleche/calls"))
            .expect("dir")
            .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(
            leftovers.is_empty(),
            "{fixture}: temp files left: {leftovers:?}"
        );

        if let Ok(python) = std::env::var("FLECHE_ORACLE_PYTHON") {
            let script = r#"
import json, sys
from fleche import cache
from fleche.call import QueryCall
c = cache()
found = [x.to_lookup_key() for x in c.query(QueryCall(metadata={"tags": {"stage": "final", "n": 3}}))]
for k in c.calls.list():
    assert c.calls.load(k).to_lookup_key() == k, k
print(json.dumps(found))
"#;
            let out = Command::new(python.trim())
                .arg("-c")
                .arg(script)
                .current_dir(&dir)
                .output()
                .expect("python");
            assert!(
                out.status.success(),
                "{fixture}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let found: Vec<String> = serde_json::from_slice(&out.stdout).expect("json");
            assert_eq!(
                found,
                vec![target.clone()],
                "{fixture}: fleche does not see the tag"
            );
        } else {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED fleche reading our rewritten call files: set FLECHE_ORACLE_PYTHON"
            );
        }

        let out = fleche(&dir, &["evict", &target[..10]]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!dir.join(".fleche/calls").join(&target).exists());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}

/// `--limit` counts calls after every filter, also the container-valued
/// metadata filters that are finished outside SQL.
#[test]
fn limit_counts_after_client_side_filters() {
    let dir = scratch("getting-started", "limit");
    // Two more calls with a `labels` tag that does not match; both sort
    // before the matching call 7d12… by key.
    let out = fleche(
        &dir,
        &["tag", "1e352b53", "405dfbad", "--set", "labels=['x']"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = fleche(
        &dir,
        &[
            "query",
            "--tag",
            "labels=['a', 'b']",
            "--sort",
            "key",
            "-n",
            "1",
            "--format",
            "json",
        ],
    );
    let rows = json_rows(&out);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        rows[0]["key"],
        "7d12a7351961d29f5f57e89557a2f4f852a8c33e1b5490bcf88ca2f577dca222"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
