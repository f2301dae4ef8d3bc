//! Write commands on copies of caches fleche wrote: gc deletes exactly what
//! fleche's `Cache.gc()` deletes (with `--min-age 0`) and never more; tag and
//! evict change only what they say; read-only caches refuse.

use crate::support::oracle::{python, succeed};
use crate::support::{strings, value_files, TestEnv, SINGLE_CACHES};
use std::collections::BTreeSet;

/// The value keys fleche's `Cache.gc()` deletes from the fixture
/// (`answers.json`).
fn fleche_gc(dir: &TestEnv) -> BTreeSet<String> {
    strings(&dir.answers()["gc"])
}

#[test]
fn gc_deletes_exactly_what_fleche_deletes() {
    for fixture in SINGLE_CACHES {
        let dir = TestEnv::copy(fixture);
        let want = fleche_gc(&dir);
        let before = value_files(dir.root());
        let dry = dir.run(["gc", "--min-age", "0", "--dry-run", "--format", "json"]);
        let planned = dry.keys();
        assert_eq!(planned, want, "{fixture}: dry run differs from fleche's gc");
        assert_eq!(
            value_files(dir.root()),
            before,
            "{fixture}: the dry run deleted something"
        );
        let real = dir.run(["gc", "--min-age", "0", "--format", "json"]);
        let removed = real.keys();
        assert_eq!(
            removed, want,
            "{fixture}: removed set differs from fleche's gc"
        );
        let after = value_files(dir.root());
        assert_eq!(
            before.difference(&after).cloned().collect::<BTreeSet<_>>(),
            want,
            "{fixture}: files on disk"
        );
    }
}

#[test]
fn gc_keeps_young_files_and_what_they_point_at() {
    // Fresh copies are young: with the default --min-age 1h nothing goes.
    let dir = TestEnv::copy("nested");
    let out = dir.run(["gc", "--dry-run", "--format", "json"]);
    assert!(
        out.rows().is_empty(),
        "young files were planned for deletion"
    );
    let err = out.stderr;
    assert!(err.contains("kept for being younger than 1h"), "{err}");

    // Age every file, then make one orphan wrapper young again, as a call
    // still running would have just saved it: its old children stay too.
    let a = dir.answers();
    let dead = fleche_gc(&dir);
    let values = dir.path(".fleche/values");
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for name in value_files(dir.root()) {
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
    let out = dir.run(["gc", "--dry-run", "--format", "json"]);
    let planned = out.keys();
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
}

#[test]
fn gc_counts_every_cache_sharing_the_value_directory() {
    // A second cache whose records use the same values: evicting every call
    // of the first must not make the second's values dead.
    let dir = TestEnv::copy("getting-started");
    let toml = std::fs::read_to_string(dir.path("fleche.toml")).expect("toml");
    std::fs::create_dir_all(dir.path("other")).expect("mkdir");
    std::fs::copy(dir.path(".fleche/calls.db"), dir.path("other/calls.db")).expect("copy db");
    std::fs::write(
        dir.path("fleche.toml"),
        format!("{toml}\n[other]\nvalues = {{type = \"pickle\", root = \".fleche/values\"}}\ncalls = {{type = \"sql\", url = \"sqlite:///other/calls.db\"}}\n"),
    )
    .expect("write toml");
    let out = dir.run(["evict", "--all"]);
    assert!(out.success(), "{}", out.stderr);
    let out = dir.run(["gc", "--min-age", "0", "--dry-run", "--format", "json"]);
    let planned = out.keys();
    let want = fleche_gc(&dir);
    assert_eq!(
        planned, want,
        "values used by the other cache were planned for deletion"
    );
    assert!(out
        .stderr
        .contains("cache `other` shares this value directory"));
}

#[test]
fn gc_deletes_nothing_when_a_live_file_cannot_be_decoded() {
    let dir = TestEnv::copy("nested");
    // A live wrapper (a destructured list) truncated: its children are unknown.
    let a = dir.answers();
    let (wrapper, _) = a["values"]
        .as_object()
        .expect("values")
        .iter()
        .find(|(_, v)| {
            v["stored_type"] == "fleche.storage.destructuring.DigestedIterable"
                && !v["children"].as_array().expect("c").is_empty()
        })
        .expect("a wrapper");
    let path = dir.path(".fleche/values").join(wrapper);
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
    let before = value_files(dir.root());
    let out = dir.run(["gc", "--min-age", "0"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let err = out.stderr;
    assert!(
        err.contains("cannot be decoded") && err.contains("nothing was deleted"),
        "{err}"
    );
    assert_eq!(value_files(dir.root()), before);
}

#[test]
fn gc_unlinks_symlinks_without_following_them() {
    let dir = TestEnv::copy("getting-started");
    let outside = dir.path("precious.txt");
    std::fs::write(&outside, b"keep me").expect("write");
    let link =
        dir.path(".fleche/values/0000000000000000000000000000000000000000000000000000000000000000");
    std::os::unix::fs::symlink(&outside, &link).expect("symlink");
    let out = dir.run(["gc", "--min-age", "0", "--format", "json"]);
    assert!(out.success(), "{}", out.stderr);
    assert!(
        !link.exists() && std::fs::symlink_metadata(&link).is_err(),
        "the dead link stays"
    );
    assert_eq!(std::fs::read(&outside).expect("target"), b"keep me");
}

#[test]
fn tag_merges_tags_and_keeps_keys() {
    let dir = TestEnv::copy("getting-started");
    let out = dir.run([
        "tag",
        "a8a30616",
        "--set",
        "keep=True",
        "--set",
        "project=renamed",
    ]);
    assert!(out.success(), "{}", out.stderr);
    let out = dir.run(["query", "--tag", "keep=1", "--format", "json"]);
    let rows = out.rows();
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
    let out = dir.run([
        "untag", "a8a30616", "-k", "keep", "-k", "project", "-k", "category",
    ]);
    assert!(out.success());
    let out = dir.run(["show", "a8a30616", "--format", "json"]);
    assert!(
        out.rows()[0]["metadata"].get("tags").is_none(),
        "an empty tags row is removed"
    );
    // --dry-run changes nothing.
    let out = dir.run([
        "tag",
        "--name",
        "fib",
        "--set",
        "x=1",
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_eq!(out.rows().len(), 21);
    let out = dir.run(["query", "--tag", "x", "--count"]);
    assert_eq!(out.stdout.trim(), "0");
}

#[test]
fn evict_removes_records_and_keeps_values() {
    let dir = TestEnv::copy("getting-started");
    let values = value_files(dir.root());
    let out = dir.run(["evict", "--name", "fib", "--dry-run", "--format", "json"]);
    assert_eq!(out.rows().len(), 21);
    let out = dir.run(["evict", "--name", "fib", "--format", "json"]);
    assert_eq!(out.rows().len(), 21);
    let out = dir.run(["ls", "--format", "json"]);
    assert_eq!(out.rows().len(), dir.calls_written() - 21);
    assert_eq!(
        value_files(dir.root()),
        values,
        "evict must not delete values"
    );
    let out = dir.run(["evict"]);
    assert_eq!(out.code, Some(2), "evict without a selector must refuse");
}

#[test]
fn read_only_caches_refuse_writes() {
    let dir = TestEnv::copy("getting-started");
    let toml = std::fs::read_to_string(dir.path("fleche.toml")).expect("toml");
    std::fs::write(
        dir.path("fleche.toml"),
        toml.replace("[main]\n", "[main]\nread_only = true\n"),
    )
    .expect("write");
    for args in [
        &["tag", "--all", "--set", "a=1"][..],
        &["evict", "--all"],
        &["gc", "--min-age", "0"],
    ] {
        let out = dir.run(args);
        assert_eq!(out.code, Some(2), "{args:?}");
        assert!(out.stderr.contains("read_only"), "{args:?}");
    }
}

/// The call-file fixtures: records rewritten in place by tag and evict.
const CALL_FILE_FIXTURES: [&str; 2] = ["dill-files", "cloudpickle-files"];

/// A scratch copy of `fixture` in which we tag the first call `ls --sort
/// key` lists with `stage=final, n=3`; the copy, that call's key, and
/// whether its file was gzipped before.
fn tag_first_call(fixture: &str) -> (TestEnv, String, bool) {
    let dir = TestEnv::copy(fixture);
    let rows = dir.run(["ls", "--format", "json", "--sort", "key"]).rows();
    let target = rows[0]["key"].as_str().expect("a key").to_string();
    let compressed = is_gzip(&dir, &target);
    dir.ok(["tag", &target[..10], "--set", "stage=final", "--set", "n=3"]);
    (dir, target, compressed)
}

fn is_gzip(dir: &TestEnv, call: &str) -> bool {
    std::fs::read(dir.path(".fleche/calls").join(call))
        .expect("read")
        .starts_with(&[0x1f, 0x8b])
}

/// Tagging and evicting pickled call files: the rewritten file keeps its
/// compression and signature and verifies clean.
#[test]
fn tag_and_evict_on_call_files() {
    for fixture in CALL_FILE_FIXTURES {
        let (dir, target, compressed_before) = tag_first_call(fixture);
        assert_eq!(
            is_gzip(&dir, &target),
            compressed_before,
            "{fixture}: compression changed"
        );
        let rows = dir
            .run(["query", "--tag", "stage=final", "--format", "json"])
            .rows();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["key"], target.as_str());
        let out = dir.run(["verify"]);
        assert!(out.success(), "{fixture}: {}", out.stderr);
        let mut leftovers = dir.names(".fleche/calls");
        leftovers.retain(|n| n.starts_with('.'));
        assert!(
            leftovers.is_empty(),
            "{fixture}: temp files left: {leftovers:?}"
        );

        dir.ok(["evict", &target[..10]]);
        assert!(!dir.path(".fleche/calls").join(&target).exists());
    }
}

/// Real fleche finds the tag we wrote into a call file and loads every
/// record under its unchanged key.
#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a venv with real fleche; .ci/run sets it)"
)]
fn real_fleche_reads_our_rewritten_call_files() {
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
    for fixture in CALL_FILE_FIXTURES {
        let (dir, target, _) = tag_first_call(fixture);
        let mut check = python();
        check.arg("-c").arg(script).current_dir(dir.root());
        let stdout = succeed(check, &format!("{fixture}: fleche reading our files"));
        let found: Vec<String> = serde_json::from_slice(&stdout).expect("json");
        assert_eq!(
            found,
            vec![target],
            "{fixture}: fleche does not see the tag"
        );
    }
}

/// `--limit` counts calls after every filter, also the container-valued
/// metadata filters that are finished outside SQL.
#[test]
fn limit_counts_after_client_side_filters() {
    let dir = TestEnv::copy("getting-started");
    // Two more calls with a `labels` tag that does not match; both sort
    // before the matching call 7d12… by key.
    dir.ok(["tag", "1e352b53", "405dfbad", "--set", "labels=['x']"]);
    let out = dir.run([
        "query",
        "--tag",
        "labels=['a', 'b']",
        "--sort",
        "key",
        "-n",
        "1",
        "--format",
        "json",
    ]);
    let rows = out.rows();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        rows[0]["key"],
        "7d12a7351961d29f5f57e89557a2f4f852a8c33e1b5490bcf88ca2f577dca222"
    );
}

/// A call the `stack` fixture holds in both members.
const IN_BOTH_LAYERS: &str = "a1c85e65eb3a995e56c3cadfba0109a9ef3382652e246d0141f558d5bd7086b1";

/// Issue #15, item 1: `evict` on a stack removes the call from every member
/// holding it, as fleche's `CacheStack.evict` does, and says where from.
#[test]
fn evict_on_a_stack_removes_the_call_from_every_member() {
    let dir = TestEnv::copy("stack");
    let out = dir.ok(["evict", &IN_BOTH_LAYERS[..10], "--format", "json"]);
    let rows = out.json();
    let from: BTreeSet<String> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            assert_eq!(r["key"], IN_BOTH_LAYERS);
            r["cache"].as_str().expect("cache").to_string()
        })
        .collect();
    assert_eq!(
        from,
        BTreeSet::from(["main[0]".to_string(), "main[1]".to_string()])
    );
    assert!(
        out.stderr
            .contains("Removed 2 call records (1 from main[0], 1 from main[1])"),
        "{}",
        out.stderr
    );
    dir.run(["show", IN_BOTH_LAYERS]).failure(1);
    assert!(!dir
        .ok(["ls", "--format", "jsonl"])
        .jsonl_keys()
        .contains(&IN_BOTH_LAYERS.to_string()));
}

/// Issue #15, item 3: many calls named on stdin are looked up in batches
/// (SQLite binds at most 32,766 values in one statement).
#[test]
fn evict_and_tag_take_more_keys_than_one_statement_binds() {
    let dir = TestEnv::copy("getting-started");
    let keys = dir.ok(["ls", "--format", "jsonl"]).jsonl_keys();
    // Every key many times over: 40,000 lines naming the same few calls.
    let lines: String = keys
        .iter()
        .cycle()
        .take(40_000)
        .map(|k| format!("{k}\n"))
        .collect();
    for args in [
        &[
            "tag",
            "-",
            "--set",
            "batch=1",
            "--dry-run",
            "--format",
            "json",
        ][..],
        &["evict", "-", "--dry-run", "--format", "json"],
    ] {
        let out = dir.fleche().args(args).stdin(lines.as_bytes()).ok();
        assert_eq!(
            out.json().as_array().expect("rows").len(),
            keys.len(),
            "{args:?}"
        );
    }
}

/// A copy of getting-started where the call that started last is not the
/// one that stopped last (nor the first to start the first to stop): the
/// call keys that stop last and first.
pub fn start_and_stop_disagree() -> (TestEnv, String, String) {
    let dir = TestEnv::copy("getting-started");
    let rows = dir.ok(["ls", "--format", "json"]).rows();
    let key = |i: usize| rows[i]["key"].as_str().expect("key").to_string();
    // Listed newest first: stop the oldest last, and the newest first.
    let (stops_last, stops_first) = (key(rows.len() - 1), key(0));
    let conn = rusqlite::Connection::open(dir.path(".fleche/calls.db")).expect("open");
    for (k, t) in [(&stops_last, 4.0e9), (&stops_first, 1.0)] {
        conn.execute(
            "UPDATE metadata SET data = json_set(data, '$.timestop', ?2) \
             WHERE call_key = ?1 AND name = 'runtime'",
            rusqlite::params![k, t],
        )
        .expect("move the stop time");
    }
    (dir, stops_last, stops_first)
}

/// Issue #15, item 7: `--latest`/`--oldest` pick by stop time, as fleche's
/// `latest()`/`oldest()`.
#[test]
fn latest_and_oldest_go_by_stop_time() {
    let (dir, stops_last, stops_first) = start_and_stop_disagree();
    let one = |flag: &str| dir.ok(["query", flag, "--format", "json"]).keys();
    assert_eq!(one("--latest"), BTreeSet::from([stops_last]));
    assert_eq!(one("--oldest"), BTreeSet::from([stops_first]));
}

/// A copy of getting-started whose call `cb9db168` carries tags fleche
/// wrote with an int beyond 64 bits (2**70), a float and a negative int.
pub fn with_big_int_tags() -> TestEnv {
    let dir = TestEnv::copy("getting-started");
    let conn = rusqlite::Connection::open(dir.path(".fleche/calls.db")).expect("open");
    conn.execute(
        "INSERT INTO metadata (call_key, name, data) SELECT key, 'tags', ?1 FROM calls \
         WHERE key LIKE 'cb9db168%'",
        [r#"{"big": 1180591620717411303424, "f": 1e+300, "x": 1.0, "n": -5}"#],
    )
    .expect("tags");
    dir
}

/// Issue #15, item 2: tagging keeps every other tag as it was (an int
/// beyond 64 bits stays that int), and a filter compares ints exactly.
#[test]
fn tags_keep_big_ints_and_compare_them_exactly() {
    let dir = with_big_int_tags();
    dir.ok([
        "tag",
        "cb9db168",
        "--set",
        "stage=1",
        "--set",
        "huge=1180591620717411303425",
    ]);
    let conn = rusqlite::Connection::open(dir.path(".fleche/calls.db")).expect("open");
    let data: String = conn
        .query_row(
            "SELECT data FROM metadata WHERE name = 'tags' AND call_key LIKE 'cb9db168%'",
            [],
            |r| r.get(0),
        )
        .expect("tags");
    assert_eq!(
        data,
        r#"{"big": 1180591620717411303424, "f": 1e+300, "x": 1.0, "n": -5, "stage": 1, "huge": 1180591620717411303425}"#
    );
    let count = |spec: &str| dir.run(["query", "--tag", spec, "--count"]).stdout;
    assert_eq!(count("big=1180591620717411303424"), "1\n");
    assert_eq!(count("big=1180591620717411303425"), "0\n");
    assert_eq!(count("huge=1180591620717411303424"), "0\n");
    assert_eq!(count("huge=1180591620717411303425"), "1\n");
    assert_eq!(count("x=1"), "1\n");
}
