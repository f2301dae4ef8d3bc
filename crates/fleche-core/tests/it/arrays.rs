//! numpy arrays print as numpy 2.x prints them and export as `np.save`
//! writes them: `arrayprint::array_repr` and `npy::to_npy` against numpy
//! on random arrays (`tests/conformance/arrays.py`): the
//! committed small vectors always, and 2,500 fresh ones of every size
//! (summarised ones included) from the oracle's numpy where it is set up.

use base64::Engine;
use fleche_core::arrayprint::{array_repr, THRESHOLD};
use fleche_core::value::{ArrayData, NdArray};
use serde_json::Value as Json;
use std::path::Path;

fn b64(case: &Json, field: &str) -> Option<Vec<u8>> {
    let text = case.get(field)?.as_str().expect("base64 text");
    Some(
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .expect("base64"),
    )
}

/// The array as the pickle reader gives it back.
fn unpickled(case: &Json) -> Option<NdArray> {
    match fleche_core::pickle::load(&b64(case, "pickle")?) {
        Ok(fleche_core::Value::NdArray(a)) => Some(a),
        other => panic!("{}: not read as an array: {other:?}", case["repr"]),
    }
}

/// The array from its raw buffer, where the case has one.
fn from_raw(case: &Json) -> Option<NdArray> {
    Some(NdArray {
        dtype: case["dtype"].as_str().expect("dtype").to_string(),
        shape: case["shape"]
            .as_array()
            .expect("shape")
            .iter()
            .map(|d| d.as_u64().expect("dim"))
            .collect(),
        fortran_order: case["fortran"].as_bool().expect("fortran"),
        data: ArrayData::Raw(b64(case, "data")?),
        native_on_load: false,
    })
}

/// Every case whose repr differs, described; none may be left unprinted.
fn differences(lines: &str) -> (usize, Vec<String>) {
    let mut n = 0;
    let mut out = Vec::new();
    for line in lines.lines() {
        let case: Json = serde_json::from_str(line).expect("a JSON line");
        n += 1;
        if let (Some(want), Some(a)) = (b64(&case, "npy"), unpickled(&case)) {
            if fleche_core::npy::to_npy(&a).as_ref() != Ok(&want) {
                out.push(format!(
                    "{} {:?}: np.save writes other bytes",
                    a.dtype, a.shape
                ));
            }
        }
        // The pickled array is what fleche gives back: numpy byte-swaps
        // big-endian data to native on a protocol < 5 pickle-read.
        for (how, a, field) in [
            ("raw", from_raw(&case), "repr"),
            ("pickled", unpickled(&case), "loaded_repr"),
        ] {
            let Some(a) = a else { continue };
            let want = case[field].as_str().expect("repr");
            let got = array_repr(&a, THRESHOLD, &fleche_core::repr::repr);
            if got.as_deref() != Some(want) {
                out.push(format!(
                    "{} {:?} ({how}):\n  numpy: {want}\n  ours:  {}",
                    a.dtype,
                    a.shape,
                    got.unwrap_or_else(|| "(not printed)".into())
                ));
            }
        }
    }
    (n, out)
}

fn report(n: usize, diffs: &[String]) {
    assert!(
        diffs.is_empty(),
        "{} of {n} arrays print otherwise; first ones:\n{}",
        diffs.len(),
        diffs.iter().take(8).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn committed_arrays_print_as_numpy_does() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/numpy_repr.jsonl");
    let text = std::fs::read_to_string(&path).expect("numpy_repr.jsonl");
    let (n, diffs) = differences(&text);
    assert!(n >= 300);
    report(n, &diffs);
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a python with numpy; .ci/run sets it)"
)]
fn random_arrays_print_as_numpy_does() {
    // A new seed each run widens what CI covers; the failure names it.
    let seed: u64 = std::env::var("FLECHE_ARRAY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..u32::MAX as u64));
    let (n, diffs) = differences(&oracle_arrays(&[&seed.to_string(), "2500"]));
    assert_eq!(n, 2500);
    if !diffs.is_empty() {
        eprintln!("FLECHE_ARRAY_SEED={seed}");
    }
    report(n, &diffs);
}

/// The shortest digits of the narrow widths: every finite float16 and
/// 20,000 random float32 bit patterns (nan and inf among them).
#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a python with numpy; .ci/run sets it)"
)]
fn every_half_and_many_singles_print_as_numpy_does() {
    let (n, diffs) = differences(&oracle_arrays(&["--narrow"]));
    assert_eq!(n, 0x7c00 + 20000);
    report(n, &diffs);
}

/// What `tests/conformance/arrays.py ARGS` prints, run by the oracle's
/// Python.
fn oracle_arrays(args: &[&str]) -> String {
    let python = std::env::var("FLECHE_ORACLE_PYTHON").expect("FLECHE_ORACLE_PYTHON");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/arrays.py");
    let out = std::process::Command::new(python)
        .arg(&script)
        .args(args)
        .output()
        .expect("run arrays.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
