//! tag, untag, evict and gc on a cache real fleche wrote, judged by a fresh
//! fleche process after each step: it finds exactly the tagged calls through
//! its own query, every key is unchanged, every call still loads (arguments
//! and result decoded), evicted calls are gone, and gc deletes the same
//! value files as fleche's `Cache.gc()` on a copy. Needs
//! `FLECHE_ORACLE_PYTHON` (ignored without it).

use crate::support::oracle::*;
use crate::support::{strings, value_files, TestEnv};
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;

const QUERIES: [&str; 3] = ["stage=\"final\"", "kind=\"sq\"", "owner=\"me\""];

fn state(dir: &TestEnv) -> Json {
    oracle("state", dir.root(), &QUERIES)
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
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a venv with real fleche; .ci/run sets it)"
)]
fn write_commands_agree_with_real_fleche() {
    let dir = TestEnv::empty();
    oracle("write", dir.root(), &[]);
    let before = state(&dir);
    assert_sound(&before, "as written");
    assert_eq!(before["records"].as_object().expect("records").len(), 9);
    assert!(query(&before, QUERIES[0]).is_empty());
    let owned = query(&before, QUERIES[2]);
    assert_eq!(owned.len(), 2, "fleche's own tags(...)");

    // Tag by key prefix and by filter.
    let add0 = one(calls_where(&before, "add", &[("a", "0")]));
    let add1 = one(calls_where(&before, "add", &[("a", "1")]));
    dir.ok(["tag", &add0[..8], &add1[..10], "--set", "stage=final"]);
    let squares = calls_where(&before, "square", &[]);
    let square5 = one(calls_where(&before, "square", &[("x", "5")]));
    dir.ok(["tag", "--name", "square", "--set", "kind=sq"]);

    let tagged = state(&dir);
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
    dir.ok(["untag", "--tag", "kind", "-k", "kind"]);
    let untagged = state(&dir);
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
    let out = dir.ok(["evict", &nest3[..9], "--format", "json"]);
    assert_eq!(out.keys(), BTreeSet::from([nest3.clone()]));
    let out = dir.ok(["evict", "--name", "add", "--arg", "a=2", "--format", "json"]);
    assert_eq!(out.keys(), BTreeSet::from([add2.clone()]));
    let again = dir.run(["evict", "--name", "add", "--arg", "a=2"]);
    assert_eq!(again.code, Some(1), "nothing left to evict");

    let evicted = state(&dir);
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
    let (fleche_deleted, copy) = fleche_gc_on_a_copy(&dir);
    assert!(
        !fleche_deleted.is_empty(),
        "the evicted calls left orphans for gc"
    );
    let files = value_files(dir.root());
    let out = dir.ok(["gc", "--min-age", "0", "--format", "json"]);
    assert_eq!(out.keys(), fleche_deleted, "gc differs from fleche's");
    assert_eq!(
        files
            .difference(&value_files(dir.root()))
            .cloned()
            .collect::<BTreeSet<_>>(),
        fleche_deleted,
        "files removed from disk"
    );
    assert_eq!(value_files(dir.root()), value_files(copy.root()));
    let collected = state(&dir);
    assert_sound(&collected, "after gc");
    assert_eq!(collected["records"], evicted["records"]);
}

/// Issue #15, item 1: `evict` on a stack leaves what fleche's own
/// `CacheStack.evict` leaves, for a call in both members and for one only
/// in the second.
#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a venv with real fleche; .ci/run sets it)"
)]
fn evict_on_a_stack_agrees_with_real_fleche() {
    let everything = |dir: &TestEnv| -> BTreeSet<String> {
        strings(&oracle("calls", dir.root(), &["{}"])["queries"][0])
    };
    let ours = TestEnv::copy("stack");
    let before = everything(&ours);
    let rows = ours.ok(["ls", "--format", "json"]).rows();
    let keys_in = |member: &str| -> BTreeSet<String> {
        rows.iter()
            .filter(|r| r["cache"] == member)
            .map(|r| r["key"].as_str().expect("key").to_string())
            .collect()
    };
    let in_second_only = keys_in("main[1]")
        .difference(&keys_in("main[0]"))
        .next()
        .expect("a call only in the second member")
        .clone();
    for key in [
        "a1c85e65eb3a995e56c3cadfba0109a9ef3382652e246d0141f558d5bd7086b1",
        &in_second_only,
    ] {
        let theirs = ours.duplicate();
        ours.ok(["evict", key]);
        oracle("evict", theirs.root(), &[key]);
        let after = everything(&ours);
        assert_eq!(after, everything(&theirs), "after evicting {key}");
        assert!(before.contains(key) && !after.contains(key), "{key}");
    }
}

/// Issue #15, item 7: `--latest`/`--oldest` answer as fleche's `latest()`
/// and `oldest()` where start and stop order disagree.
#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a venv with real fleche; .ci/run sets it)"
)]
fn latest_and_oldest_agree_with_real_fleche() {
    let (dir, _, _) = crate::write::start_and_stop_disagree();
    for (query, args) in [
        ("{}", &[][..]),
        (
            r#"{"name": "another_calculation"}"#,
            &["--name", "another_calculation"][..],
        ),
    ] {
        let fleche = oracle("extremes", dir.root(), &[query]);
        for which in ["latest", "oldest"] {
            let ours = dir
                .ok(["query", &format!("--{which}"), "--format", "json"]
                    .into_iter()
                    .chain(args.iter().copied()))
                .keys();
            let theirs = fleche[which].as_str().expect("a key").to_string();
            assert_eq!(ours, BTreeSet::from([theirs]), "{which} {query}");
        }
    }
}

/// Issue #15, item 2: after `tag`, real fleche loads the other tags as
/// they were, an int beyond 64 bits included.
#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a venv with real fleche; .ci/run sets it)"
)]
fn tags_fleche_wrote_survive_tagging_in_real_fleche() {
    let dir = crate::write::with_big_int_tags();
    dir.ok(["tag", "cb9db168", "--set", "stage=1"]);
    let calls = oracle("calls", dir.root(), &[]);
    let tags = calls["records"]
        .as_object()
        .expect("records")
        .iter()
        .find(|(k, _)| k.starts_with("cb9db168"))
        .map(|(_, r)| r["tags"].clone())
        .expect("the tagged call");
    assert_eq!(
        tags.to_string(),
        r#"{"big":1180591620717411303424,"f":1e+300,"n":-5,"stage":1,"x":1.0}"#
    );
}
