//! `fleche rekey` after a rename: each call filed under the key fleche
//! computes for the new module or name, checked against fleche's own keys
//! (`why_cases.json` of the `why` fixture) and, where the oracle is set
//! up, by real fleche loading every record and recomputing its key.

use crate::support::oracle::oracle;
use crate::support::TestEnv;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// Each record's key and the key real fleche computes from it.
fn fleche_keys(dir: &TestEnv) -> BTreeMap<String, String> {
    oracle("calls", dir.root(), &[])["records"]
        .as_object()
        .expect("records")
        .iter()
        .map(|(k, r)| {
            (
                k.clone(),
                r["lookup_key"].as_str().expect("key").to_string(),
            )
        })
        .collect()
}

/// fleche's own key of `analysis.fit(1)`, a miss before the rekey.
fn analysis_fit_1(dir: &TestEnv) -> String {
    let cases: Vec<Json> =
        serde_json::from_str(&std::fs::read_to_string(dir.path("why_cases.json")).expect("cases"))
            .expect("JSON");
    cases[0]["key"].as_str().expect("key").to_string()
}

#[test]
fn a_module_rename_files_calls_under_fleches_new_keys() {
    let dir = TestEnv::copy("why");
    let want = analysis_fit_1(&dir);
    let before = std::fs::read(dir.path(".fleche/calls.db")).expect("db");
    // A dry run lists the move and changes nothing.
    let plan = dir
        .ok([
            "rekey",
            "--module",
            "__main__=analysis",
            "--dry-run",
            "--format",
            "json",
        ])
        .rows();
    assert_eq!(plan.len(), 6, "{plan:?}");
    assert!(plan.iter().any(|r| r["new"] == want.as_str()), "{plan:?}");
    assert_eq!(
        std::fs::read(dir.path(".fleche/calls.db")).expect("db"),
        before
    );
    dir.ok(["rekey", "--module", "__main__=analysis"]);
    let hit = dir
        .fleche()
        .args([
            "why", "fit", "--module", "analysis", "x=1", "lr=0.1", "--format", "json",
        ])
        .ok()
        .json();
    assert_eq!(hit["stored"], want.as_str());
    // Nothing is left under __main__; the call moved with its result.
    assert_eq!(dir.run(["query", "--module", "__main__"]).code, Some(1));
    let shown = dir.ok(["show", &want[..8]]).stdout;
    assert!(shown.contains("module       analysis"), "{shown}");
    assert!(shown.contains("result       0.1"), "{shown}");
    // Again: nothing is stored under __main__ any more.
    let again = dir.run(["rekey", "--module", "__main__=analysis"]);
    assert_eq!(again.code, Some(1), "{}", again.stderr);
    assert!(
        again.stderr.contains("no call to rekey"),
        "{}",
        again.stderr
    );
}

#[test]
fn keep_leaves_both_and_a_taken_key_needs_overwrite() {
    let dir = TestEnv::copy("why");
    let calls = |dir: &TestEnv| dir.ok(["ls", "--format", "json"]).rows().len();
    let n = calls(&dir);
    // fit(1) and fit(2, lr=0.5) in __main__, fit(3) in analysis.
    dir.ok(["rekey", "--name", "fit=fit_model", "--keep"]);
    assert_eq!(calls(&dir), n + 3);
    let again = dir.run([
        "rekey",
        "--name",
        "fit=fit_model",
        "--keep",
        "--format",
        "json",
    ]);
    assert_eq!(again.code, Some(1));
    assert!(again.rows().iter().all(|r| r["outcome"]
        .as_str()
        .unwrap_or("")
        .starts_with("skipped: new key taken")));
    dir.ok(["rekey", "--name", "fit=fit_model", "--overwrite"]);
    assert_eq!(calls(&dir), n);
    assert_eq!(dir.run(["query", "--name", "fit"]).code, Some(1));
}

#[test]
fn rekey_refuses_a_bad_rename() {
    let dir = TestEnv::fixture("why");
    let err = dir
        .fleche()
        .args(["rekey", "--module", "analysis"])
        .run()
        .failure(2);
    assert!(err.contains("--module takes OLD=NEW"), "{err}");
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (real fleche; .ci/run sets it)"
)]
fn real_fleche_finds_every_rekeyed_call_under_its_key() {
    // SQLite records, and pickled call files (dill).
    for (fixture, rename) in [
        ("why", ["--module", "__main__=analysis"]),
        ("dill-files", ["--name", "scale=rescale"]),
    ] {
        let dir = TestEnv::copy(fixture);
        let n = fleche_keys(&dir).len();
        dir.fleche().arg("rekey").args(rename).ok();
        let keys = fleche_keys(&dir);
        assert_eq!(keys.len(), n, "{fixture}");
        for (key, lookup) in &keys {
            assert_eq!(
                key, lookup,
                "{fixture}: fleche keys the record {key} otherwise"
            );
        }
        dir.ok(["verify"]);
    }
    // A new version, on SQLite records and on call files.
    for (fixture, select) in [("why", "x=1"), ("dill-files", "x")] {
        let dir = TestEnv::copy(fixture);
        let n = fleche_keys(&dir).len();
        dir.ok(["rekey", "--version", "7", "--arg", select]);
        let keys = fleche_keys(&dir);
        assert_eq!(keys.len(), n, "{fixture}");
        for (key, lookup) in &keys {
            assert_eq!(key, lookup, "{fixture}: fleche keys {key} otherwise");
        }
        let versions = dir
            .ok(["query", "--version", "7", "--format", "json"])
            .rows();
        assert!(
            !versions.is_empty(),
            "{fixture}: no call filed under version 7"
        );
    }
}

#[test]
fn a_new_version_files_calls_where_the_bumped_function_looks() {
    let dir = TestEnv::copy("why");
    let cases: Vec<Json> =
        serde_json::from_str(&std::fs::read_to_string(dir.path("why_cases.json")).expect("cases"))
            .expect("JSON");
    // fleche's key of smooth(1) under version=3: a miss, the stored call has version 2.
    let want = cases[2]["key"].as_str().expect("key").to_string();
    assert_eq!(cases[2]["why"][4], "3");
    let why = [
        "why",
        "smooth",
        "--module",
        "__main__",
        "--version",
        "3",
        "x=1",
    ];
    dir.run(why).failure(1);
    let smooth = dir
        .ok(["query", "--name", "smooth", "--format", "json"])
        .rows();
    let old = smooth[0]["key"].as_str().expect("key").to_string();
    let run = dir.ok(["rekey", "--version", "3", &old, "--format", "json"]);
    assert_eq!(run.rows()[0]["new"], want.as_str(), "{}", run.stdout);
    dir.ok(why);
    let shown = dir.ok(["show", &want[..12]]).stdout;
    assert!(shown.contains("version      3"), "{shown}");
    // --version alone selects nothing by accident.
    let err = dir.run(["rekey", "--version", "4"]).failure(2);
    assert!(err.contains("rekey needs calls to act on"), "{err}");
}
