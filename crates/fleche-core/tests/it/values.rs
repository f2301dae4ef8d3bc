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
    // One hash seed: a set whose elements hash like strings (dates) comes
    // back from unpickling in an order that depends on it.
    let out = std::process::Command::new(python)
        .env("PYTHONHASHSEED", "0")
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

/// The committed case `name` in `style`, decoded.
fn committed_case(name: &str, style: &str) -> fleche_core::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/python_values.jsonl");
    let text = std::fs::read_to_string(path).expect("python_values.jsonl");
    let case: Json = text
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).expect("a JSON line"))
        .find(|c| c["name"] == name && c["style"] == style)
        .expect("the case");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(case["pickle"].as_str().expect("pickle"))
        .expect("base64");
    fleche_core::pickle::load(&bytes).expect("decodes")
}

/// Enum members and namedtuples whose class came by value are typed
/// with their own class, in JSON as in `python_type`.
#[test]
fn by_value_enums_and_namedtuples_keep_their_class() {
    let member = committed_case("intflag_combo", "cloudpickle");
    assert_eq!(member.python_type(), "__main__.Perm");
    assert_eq!(
        fleche_core::repr::to_json(&member),
        serde_json::json!({"$object": "__main__.Perm", "name": "R|W", "value": 6})
    );
    let pair = committed_case("namedtuple", "dill");
    assert_eq!(pair.python_type(), "__main__.Pair");
    assert_eq!(
        fleche_core::repr::to_json(&pair),
        serde_json::json!({"$object": "__main__.Pair", "fields": {"left": "l", "right": null}})
    );
}

/// `verify` notes a value `show` prints as a reconstruction call: exactly
/// the by-reference enums and namedtuples of the corpus, and no value that
/// prints as Python does.
#[test]
fn reconstruction_calls_are_exactly_the_values_shown_as_calls() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/python_values.jsonl");
    let text = std::fs::read_to_string(path).expect("python_values.jsonl");
    let mut wrong = Vec::new();
    for line in text.lines() {
        let case: Json = serde_json::from_str(line).expect("a JSON line");
        let label = format!(
            "{}/{}",
            case["name"].as_str().unwrap_or("?"),
            case["style"].as_str().unwrap_or("?")
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(case["pickle"].as_str().expect("pickle"))
            .expect("base64");
        let value = fleche_core::pickle::load(&bytes).expect("decodes");
        let call = fleche_core::repr::reconstruction_call(&value);
        if call.is_some() != not_yet::listed_for_style(&label) {
            wrong.push(format!("{label}: {call:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Arrays and scalars as numpy 1.x pickles them (`numpy.core`), from
/// `tests/conformance/numpy1.py`: the same reprs numpy 2 prints of them.
#[test]
fn numpy_1_pickles_print_as_python_does() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/python_values_numpy1.jsonl");
    let (n, diffs) = differences(&std::fs::read_to_string(path).expect("the numpy 1 cases"));
    assert!(n.len() >= 11 && diffs.is_empty(), "{diffs:#?}");
}

/// Random masked and structured arrays and records
/// (`tests/conformance/records.py`, a fresh seed each run) print as numpy
/// prints them.
#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a python with numpy; .ci/run sets it)"
)]
fn random_masked_and_structured_arrays_print_as_numpy_does() {
    let python = std::env::var("FLECHE_ORACLE_PYTHON").expect("FLECHE_ORACLE_PYTHON");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/records.py");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let out = std::process::Command::new(python)
        .arg(&script)
        .args([seed.to_string(), "600".into()])
        .output()
        .expect("run records.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (n, diffs) = differences(&String::from_utf8_lossy(&out.stdout));
    assert!(
        n.len() == 600 && diffs.is_empty(),
        "seed {seed}: {diffs:#?}"
    );
}

/// pandas objects pickled by pandas 2.2 and 1.5 (numpy 1.x) print as the
/// oracle's pandas 3.1 prints what it loads from them
/// (`tests/conformance/pandas2_values.py`).
#[test]
fn older_pandas_pickles_print_as_pandas3_loads_them() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let text = ["pandas2_values.jsonl", "pandas1_values.jsonl"]
        .map(|f| std::fs::read_to_string(dir.join(f)).expect(f))
        .concat();
    let (n, diffs) = differences(&text);
    assert!(n.len() >= 120, "only {} cases", n.len());
    let shown: Vec<String> = diffs
        .iter()
        .map(|(label, want, got)| format!("{label}:\n  python: {want}\n  ours:   {got}"))
        .collect();
    assert!(shown.is_empty(), "{}", shown.join("\n"));
}

/// `fleche diff` of two frames: columns added and the cells that differ,
/// by row label and column (NaN equal to NaN); equal frames have no
/// changes.
#[test]
fn frames_differ_by_column_dtype_and_cell() {
    use fleche_core::valdiff::{diff, Change};
    let a = committed_case("pd_df_small", "pickle");
    let b = committed_case("pd_df_small_changed", "pickle");
    assert!(diff(&a, &a).changes.is_empty());
    let d = diff(&a, &b);
    let shown: Vec<String> = d
        .changes
        .iter()
        .map(|c| match c {
            Change::Note { path, text } => format!("{path}: {text}"),
            Change::Changed { path, old, new } => format!(
                "{path}: {} -> {}",
                fleche_core::repr::repr(old),
                fleche_core::repr::repr(new)
            ),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        shown,
        [
            ": column 'n' added (int64)",
            ".loc[2, 'a']: 3 -> 4",
            ".loc[0, 'b']: 1.5 -> 2.5",
            ".loc[2, 's']: nan -> 'z'",
        ],
        "{shown:#?}"
    );
}

/// Dates, datetimes, times, timedeltas and Decimals are data in JSON:
/// `isoformat()`'s text (the zone beside it), total seconds, the exact
/// decimal string — the values Python's own methods give for these cases.
#[test]
fn datetimes_and_decimals_are_iso_text_in_json() {
    use serde_json::json;
    let j = |name: &str| fleche_core::repr::to_json(&committed_case(name, "pickle"));
    assert_eq!(j("date"), json!({"$date": "2024-05-17"}));
    assert_eq!(j("date_min"), json!({"$date": "0001-01-01"}));
    assert_eq!(
        j("datetime_us"),
        json!({"$datetime": "2024-05-17T12:30:05.000123", "tz": null})
    );
    assert_eq!(
        j("datetime_utc"),
        json!({"$datetime": "2024-05-17T12:30:00", "tz": "datetime.timezone.utc"})
    );
    assert_eq!(
        j("time_us"),
        json!({"$time": "00:00:01.000005", "tz": null})
    );
    assert_eq!(
        j("timedelta_neg"),
        json!({"$timedelta": -1e-06, "days": -1, "seconds": 86399, "microseconds": 999999})
    );
    assert_eq!(j("decimal_exp"), json!({"$decimal": "-1.5E+10"}));
}

/// pandas scalars are data in JSON too: a Timestamp as `isoformat()`
/// writes it (offset included) with its zone, a Timedelta as
/// `total_seconds()`, a Period as its text and frequency, NaT as null.
#[test]
fn pandas_scalars_are_iso_text_in_json() {
    use serde_json::json;
    let j = |name: &str| fleche_core::repr::to_json(&committed_case(name, "pickle"));
    assert_eq!(
        j("pd_timestamp_ns"),
        json!({"$timestamp": "2024-05-17T12:30:05.123456789", "tz": null})
    );
    assert_eq!(
        j("pd_timestamp_berlin_summer"),
        json!({"$timestamp": "2024-05-17T08:00:00+02:00", "tz": "Europe/Berlin"})
    );
    assert_eq!(j("pd_timedelta"), json!({"$timedelta": 93784.5}));
    assert_eq!(
        j("pd_period_month"),
        json!({"$period": "2024-05", "freq": "M"})
    );
    assert_eq!(j("pd_nat"), json!(null));
}
