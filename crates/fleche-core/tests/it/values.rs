//! Values scientists cache print as Python prints them and digest as fleche
//! digests them: `repr` (and `digest`) of each value
//! the inert reader gives back, against `repr()` of what Python unpickles,
//! for pickles of the three styles fleche stores (pickle, cloudpickle,
//! dill) — `tests/conformance/values.py`, committed as
//! `tests/data/python_values.jsonl` and regenerated from the oracle's
//! Python where it is set up.

use base64::Engine;
use serde_json::Value as Json;
use std::path::Path;

/// The cases whose repr differs: (name/style, Python's, ours).
fn differences(lines: &str) -> (Vec<String>, Vec<(String, String, String)>) {
    let mut compared = Vec::new();
    let mut out = Vec::new();
    for line in lines.lines() {
        let case: Json = serde_json::from_str(line).expect("a JSON line");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(case["pickle"].as_str().expect("pickle"))
            .expect("base64");
        let want = case["repr"].as_str().expect("repr").to_string();
        let label = format!(
            "{}/{}",
            case["name"].as_str().unwrap_or("?"),
            case["style"].as_str().unwrap_or("?")
        );
        compared.push(label.clone());
        let loaded = fleche_core::pickle::load(&bytes);
        let got = match &loaded {
            Ok(v) => fleche_core::repr::repr(v),
            Err(e) => format!("<error: {e}>"),
        };
        if got != want {
            out.push((label.clone(), want, got));
        }
        // Where fleche digests the value, ours is the same (or we say we
        // cannot: a digest we do not compute is not a wrong one).
        if let (Some(key), Ok(v)) = (case["digest"].as_str(), &loaded) {
            if let Ok(ours) = fleche_core::digest(v) {
                if ours != key {
                    out.push((label, format!("digest {key}"), format!("digest {ours}")));
                }
            }
        }
    }
    (compared, out)
}

#[path = "../../../../tests/conformance/not_yet.rs"]
mod not_yet;

fn check(text: &str) {
    let (compared, diffs) = differences(text);
    not_yet::judge(&compared, &diffs);
}

#[test]
fn committed_values_print_as_python_does() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/python_values.jsonl");
    check(&std::fs::read_to_string(path).expect("python_values.jsonl"));
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a python with numpy, cloudpickle, dill; .ci/run sets it)"
)]
fn values_print_as_the_oracles_python_does() {
    let python = std::env::var("FLECHE_ORACLE_PYTHON").expect("FLECHE_ORACLE_PYTHON");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/values.py");
    let out = std::process::Command::new(python)
        .arg(&script)
        .output()
        .expect("run values.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check(&String::from_utf8_lossy(&out.stdout));
}
