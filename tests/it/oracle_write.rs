//! tag, untag, evict and gc on a cache real fleche wrote, judged by a fresh
//! fleche process after each step: it finds exactly the tagged calls through
//! its own query, every key is unchanged, every call still loads (arguments
//! and result decoded), evicted calls are gone, and gc deletes the same
//! value files as fleche's `Cache.gc()` on a copy. Needs
//! `FLECHE_ORACLE_PYTHON`; without it the test says SKIPPED and passes.


use crate::support::oracle::*;
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;

const QUERIES: [&str; 3] = ["stage=\"final\"", "kind=\"sq\"", "owner=\"me\""];

fn state(python: &str, dir: &std::path::Path) -> Json {
    oracle(python, "state", dir, &QUERIES)
}

fn query(state: &Json, spec: &str) -> BTreeSet<String> {
    state["queries"][spec]
        .as_array()
        .expect("query answer")
        .iter()
        .map(|k| k.as_str().expect("key").to_string())
        .collect()
}

/// Keys of the calls named `name` whose argument reprs include `args`.
fn calls_where(state: &Json, name: &str, args: &[(&str, &str)]) -> BTreeSet<String> {
    state["records"]
        .as_object()
        .expect("records")
        .iter()
        .filter(|(_, r)| {
            r["name"] == name
                && args
                    .iter()
                    .all(|(a, v)| r["argument_reprs"][*a].as_str() == Some(*v))
        })
        .map(|(k, _)| k.clone())
        .collect()
}

fn one(keys: BTreeSet<String>) -> String {
    assert_eq!(keys.len(), 1, "expected one call: {keys:?}");
    keys.into_iter().next().expect("one")
}

/// The record without its tags: what tagging must leave alone.
fn without_tags(rec: &Json) -> Json {
    let mut r = rec.clone();
    r.as_object_mut().expect("record").remove("tags");
    r
}

#[test]
fn write_commands_agree_with_real_fleche() {
    let Some(python) = oracle_python("oracle_write (tag/evict/gc judged by real fleche)") else {
        return;
    };
    let dir = scratch("oracle-write");
    oracle(&python, "write", &dir, &[]);
    let before = state(&python, &dir);
    assert_sound(&before, "as written");
    assert_eq!(before["records"].as_object().expect("records").len(), 9);
    assert!(query(&before, QUERIES[0]).is_empty());
    let owned = query(&before, QUERIES[2]);
    assert_eq!(owned.len(), 2, "fleche's own tags(...)");

    // Tag by key prefix and by filter.
    let add0 = one(calls_where(&before, "add", &[("a", "0")]));
    let add1 = one(calls_where(&before, "add", &[("a", "1")]));
    fleche_ok(
        &dir,
        &["tag", &add0[..8], &add1[..10], "--set", "stage=final"],
    );
    let squares = calls_where(&before, "square", &[]);
    let square5 = one(calls_where(&before, "square", &[("x", "5")]));
    fleche_ok(&dir, &["tag", "--name", "square", "--set", "kind=sq"]);

    let tagged = state(&python, &dir);
    assert_sound(&tagged, "after tag");
    assert_eq!(record_keys(&tagged), record_keys(&before), "keys changed");
    for (key, rec) in before["records"].as_object().expect("records") {
        assert_eq!(
            without_tags(&tagged["records"][key]),
            without_tags(rec),
            "tagging changed call {key} beyond its tags"
        );
    }
    assert_eq!(
        query(&tagged, QUERIES[0]),
        BTreeSet::from([add0.clone(), add1.clone()])
    );
    assert_eq!(query(&tagged, QUERIES[1]), squares);
    assert_eq!(query(&tagged, QUERIES[2]), owned, "fleche's tags kept");
    assert_eq!(
        tagged["records"][&square5]["tags"],
        json!({"owner": "me", "run": 1, "kind": "sq"})
    );

    // Untag by filter: the tags fleche wrote stay, ours go; a call left
    // with no tags loses its tags row (fleche then reports none).
    fleche_ok(&dir, &["untag", "--tag", "kind", "-k", "kind"]);
    let untagged = state(&python, &dir);
    assert_sound(&untagged, "after untag");
    assert!(query(&untagged, QUERIES[1]).is_empty());
    assert_eq!(
        untagged["records"][&square5]["tags"],
        json!({"owner": "me", "run": 1})
    );
    for key in squares.iter().filter(|k| **k != square5) {
        assert_eq!(untagged["records"][key]["tags"], Json::Null, "{key}");
    }

    // Evict by prefix and by filter.
    let nest3 = one(calls_where(&before, "nest", &[("n", "3")]));
    let add2 = one(calls_where(&before, "add", &[("a", "2")]));
    let out = fleche_ok(&dir, &["evict", &nest3[..9], "--format", "json"]);
    assert_eq!(json_keys(&out), BTreeSet::from([nest3.clone()]));
    let out = fleche_ok(
        &dir,
        &["evict", "--name", "add", "--arg", "a=2", "--format", "json"],
    );
    assert_eq!(json_keys(&out), BTreeSet::from([add2.clone()]));
    let again = fleche(&dir, &["evict", "--name", "add", "--arg", "a=2"]);
    assert_eq!(again.status.code(), Some(1), "nothing left to evict");

    let evicted = state(&python, &dir);
    assert_sound(&evicted, "after evict");
    let mut want = record_keys(&before);
    want.remove(&nest3);
    want.remove(&add2);
    assert_eq!(record_keys(&evicted), want);
    assert_eq!(
        query(&evicted, QUERIES[0]),
        BTreeSet::from([add0.clone(), add1.clone()])
    );

    // gc --min-age 0 deletes what fleche's gc deletes on a copy.
    let copy = scratch("oracle-write-copy");
    copy_dir(&dir, &copy);
    let fleche_deleted: BTreeSet<String> = oracle(&python, "gc", &copy, &[])["deleted"]
        .as_array()
        .expect("deleted")
        .iter()
        .map(|k| k.as_str().expect("key").to_string())
        .collect();
    assert!(
        !fleche_deleted.is_empty(),
        "the evicted calls left orphans for gc"
    );
    let files = value_files(&dir);
    let out = fleche_ok(&dir, &["gc", "--min-age", "0", "--format", "json"]);
    assert_eq!(json_keys(&out), fleche_deleted, "gc differs from fleche's");
    assert_eq!(
        files
            .difference(&value_files(&dir))
            .cloned()
            .collect::<BTreeSet<_>>(),
        fleche_deleted,
        "files removed from disk"
    );
    assert_eq!(value_files(&dir), value_files(&copy));
    let collected = state(&python, &dir);
    assert_sound(&collected, "after gc");
    assert_eq!(collected["records"], evicted["records"]);

    std::fs::remove_dir_all(&dir).expect("cleanup");
    std::fs::remove_dir_all(&copy).expect("cleanup");
}
