//! `fleche export` writes what numpy and our JSON form say, whole or not at
//! all, and refuses with one line what a format cannot hold.

use crate::support::oracle::oracle;
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
        csv.contains("CSV export is for pandas DataFrames and Series"),
        "{csv}"
    );
    let unknown = dir.run(["export", "0bc2b590", "-o", "x.txt"]).failure(2);
    assert!(unknown.contains("cannot tell the format of"), "{unknown}");
    let missing = dir.run(["export", "ffffffff", "-o", "x.json"]);
    assert_eq!(missing.code, Some(1), "{}", missing.stderr);
}
