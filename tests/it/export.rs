//! `fleche export` writes what numpy and our JSON form say, whole or not at
//! all, and refuses with one line what a format cannot hold.

use crate::support::oracle::{oracle, python, succeed};
use crate::support::TestEnv;
use base64::Engine;

/// Every numpy array of the fixture, exported, is the file `np.save` makes
/// of the array fleche's own `load_value` gives back.
#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a python with fleche==0.22.2; .ci/run sets it)"
)]
fn arrays_export_as_np_save_writes_them() {
    let dir = TestEnv::copy("nested");
    let values = dir.answers()["values"].clone();
    let arrays: Vec<String> = values
        .as_object()
        .expect("values")
        .iter()
        .filter(|(_, v)| v["type"] == "numpy.ndarray")
        .map(|(k, _)| k.clone())
        .collect();
    assert!(arrays.len() >= 3, "the fixture has arrays");
    let args: Vec<&str> = arrays.iter().map(String::as_str).collect();
    let want = oracle("npy", dir.root(), &args);
    for key in &arrays {
        let out = dir.path(format!("{}.npy", &key[..8]));
        dir.ok(["export", &key[..8], "-o", out.to_str().expect("utf-8")]);
        let expected = base64::engine::general_purpose::STANDARD
            .decode(want[key].as_str().expect("an array"))
            .expect("base64");
        assert_eq!(std::fs::read(&out).expect("written"), expected, "{key}");
    }
}

#[test]
fn a_call_exports_its_result_as_json() {
    let dir = TestEnv::fixture("getting-started");
    // cb9db168 is long_running_calculation(x=100) = 10000.
    let out = dir.ok(["export", "cb9db168", "-o", "-", "--as", "json"]);
    assert_eq!(out.stdout, "10000\n");
    let value = dir.ok(["export", "0bc2b590", "-o", "-", "--as", "json"]);
    assert_eq!(value.stdout, out.stdout);
}

#[test]
fn what_a_format_cannot_hold_is_one_line_naming_its_type() {
    let dir = TestEnv::copy("getting-started");
    let npy = dir.run(["export", "0bc2b590", "-o", "x.npy"]);
    let err = npy.failure(2);
    assert!(
        err.starts_with("Error: value 0bc2b590 is an int, not a numpy array"),
        "{err}"
    );
    assert!(!dir.path("x.npy").exists(), "nothing is left behind");
    let csv = dir.run(["export", "0bc2b590", "-o", "x.csv"]).failure(2);
    assert!(
        csv.starts_with("Error: value 0bc2b590 is an int: it cannot be written as CSV (CSV export is for pandas DataFrames and Series)"),
        "{csv}"
    );
    let unknown = dir.run(["export", "0bc2b590", "-o", "x.txt"]).failure(2);
    assert!(unknown.contains("cannot tell the format of"), "{unknown}");
    let missing = dir.run(["export", "ffffffff", "-o", "x.json"]);
    assert_eq!(missing.code, Some(1), "{}", missing.stderr);
}

/// The DataFrame of the `nested` fixture (written by real fleche) exports
/// as the CSV pandas writes of it, to a file by extension or to stdout.
#[test]
fn a_dataframe_exports_as_csv() {
    let dir = TestEnv::copy("nested");
    // a1c627f8 is frame(3): columns a (int), b (float), c (str).
    let want = ",a,b,c\n0,0,0.0,r0\n1,1,0.5,r1\n2,2,1.0,r2\n";
    let file = dir.path("t.csv");
    dir.ok(["export", "a1c627f8", "-o", file.to_str().expect("utf-8")]);
    assert_eq!(std::fs::read_to_string(&file).expect("t.csv"), want);
    let out = dir.ok(["export", "a1c627f8", "-o", "-", "--as", "csv"]);
    assert_eq!(out.stdout, want);
}

/// The same DataFrame as JSON: `$dataframe` with its columns, index,
/// dtypes and cells (`docs/json-values.md`).
#[test]
fn a_dataframe_exports_as_json() {
    let dir = TestEnv::fixture("nested");
    let out = dir.ok(["export", "a1c627f8", "-o", "-", "--as", "json"]);
    let got: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let want = serde_json::json!({"$dataframe": {
        "columns": ["a", "b", "c"],
        "index": {"$index": {"dtype": "int64", "name": null, "start": 0, "stop": 3, "step": 1}},
        "dtypes": ["int64", "float64", "str"],
        "data": {"a": [0, 1, 2], "b": [0.0, 0.5, 1.0], "c": ["r0", "r1", "r2"]},
    }});
    assert_eq!(got, want);
}

/// Every DataFrame and Series of the conformance values
/// (`tests/conformance/values.py`), stored by real fleche, exports as the
/// bytes pandas' own `to_csv()` writes of what fleche loads back.
#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a python with fleche==0.22.2 and pandas; .ci/run sets it)"
)]
fn frames_and_series_export_as_to_csv_writes_them() {
    let dir = TestEnv::empty();
    std::fs::write(
        dir.path("fleche.toml"),
        "[default]\nroot = true\ncache = \"main\"\n\n[main]\n\
         values = { type = \"pickle\", root = \".fleche/values\" }\n\
         calls = { type = \"pickle\", root = \".fleche/calls\" }\n",
    )
    .expect("fleche.toml");
    std::fs::create_dir_all(dir.path(".fleche/calls")).expect("calls/");
    let values = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let script = r#"
import base64, json, os, sys
sys.path.insert(0, sys.argv[1])
os.chdir(sys.argv[2])
import pandas as pd
import values
from fleche import cache
out = {}
for name, v in values.pandas_values():
    if isinstance(v, (pd.DataFrame, pd.Series)):
        try:
            key = str(cache().values.save(v))
        except Exception:  # a value fleche does not digest
            continue
        out[key] = [name, base64.b64encode(cache().load_value(key).to_csv().encode()).decode()]
print(json.dumps(out))
"#;
    let mut cmd = python();
    cmd.arg("-c").arg(script).arg(&values).arg(dir.root());
    let stored: serde_json::Value =
        serde_json::from_slice(&succeed(cmd, "store the pandas values")).expect("JSON");
    let stored = stored.as_object().expect("an object");
    assert!(
        stored.len() >= 40,
        "only {} frames and series",
        stored.len()
    );
    let mut wrong = Vec::new();
    for (key, case) in stored {
        let want = base64::engine::general_purpose::STANDARD
            .decode(case[1].as_str().expect("csv"))
            .expect("base64");
        let out = dir.path(format!("{}.csv", &key[..12]));
        let run = dir.run(["export", &key[..12], "-o", out.to_str().expect("utf-8")]);
        let got = std::fs::read(&out).unwrap_or_else(|_| run.stderr.clone().into_bytes());
        if got != want {
            wrong.push(format!(
                "{}:\n--- pandas\n{}--- ours\n{}",
                case[0],
                String::from_utf8_lossy(&want),
                String::from_utf8_lossy(&got)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
