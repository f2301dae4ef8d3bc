//! Values stored by real fleche print as fleche's own `load` gives them
//! back: every value of `tests/conformance/values.py` is the result of a
//! call in a `pickle`, a `cloudpickle` and a `dill` cache real fleche
//! writes here, and `query --results --format json` must give
//! `repr(cache().load(key).result)` for each (loaded by a fresh process) (destructured children reassembled, as fleche's load
//! does); `verify` must find every value where fleche filed it.

use crate::support::{oracle, TestEnv};
use serde_json::Value as Json;
use std::collections::BTreeMap;

#[path = "../conformance/not_yet.rs"]
mod not_yet;

const STYLES: [&str; 3] = ["pickle", "cloudpickle", "dill"];

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (real fleche, numpy, pandas, cloudpickle, dill; .ci/run sets it)"
)]
fn values_stored_by_fleche_print_as_its_load_gives_them_back() {
    let dir = TestEnv::empty();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/values.py");
    let (mut compared, mut diffs) = (Vec::new(), Vec::new());
    for style in STYLES {
        let root = dir.path(style);
        // Written by one process, loaded by another, as a user's next
        // session would (the writer still holds the objects it stored);
        // one hash seed for both: a set of strings keeps the order it was
        // pickled in.
        let phase = |phase: &str| {
            let mut python = oracle::python();
            python
                .env("PYTHONHASHSEED", "0")
                .arg(&script)
                .arg("--fleche")
                .arg(&root)
                .arg(style)
                .arg(phase);
            oracle::succeed(python, &format!("values.py --fleche {style} {phase}"))
        };
        phase("write");
        let stdout = phase("load");
        let rows = dir
            .fleche()
            .args(["query", "--results", "--format", "json", "--root"])
            .arg(&root)
            .ok()
            .rows();
        let ours: BTreeMap<String, String> = rows
            .iter()
            .map(|r| {
                (
                    r["key"].as_str().expect("key").to_string(),
                    r["decoded"]["result"]["repr"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_string(),
                )
            })
            .collect();
        let mut stored = 0;
        for line in String::from_utf8_lossy(&stdout).lines() {
            let case: Json = serde_json::from_str(line).expect("a JSON line");
            let label = format!("{}/{style}", case["name"].as_str().expect("name"));
            let Some(key) = case["key"].as_str() else {
                continue; // fleche does not store it (it cannot digest it)
            };
            stored += 1;
            let Some(want) = case["repr"].as_str() else {
                continue; // stored, but fleche's own load fails
            };
            compared.push(label.clone());
            let got = ours.get(key).map_or("<no such call>", String::as_str);
            if got != want {
                diffs.push((label, want.to_string(), got.to_string()));
            }
        }
        assert_eq!(ours.len(), stored, "{style}: calls listed vs stored");
        // Every value where fleche filed it, under the digest we compute.
        dir.fleche().arg("verify").arg("--root").arg(&root).ok();
    }
    assert!(
        compared.len() >= 150,
        "only {} values stored by fleche",
        compared.len()
    );
    not_yet::judge(&compared, &diffs);
}
