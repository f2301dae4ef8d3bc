//! Our answers against fleche's own, on caches fleche itself wrote
//! (`tests/fixtures/*/answers.json`, made by `tests/fixtures/make_fixtures.py`
//! with fleche's API): every query filter set, every expand and shrink.

use crate::support::{strings, TestEnv, SINGLE_CACHES};
use serde_json::Value as Json;
use std::collections::BTreeSet;

/// A JSON value from the answers as a Python literal for the command line.
fn literal(v: &Json) -> String {
    match v {
        Json::Null => "None".into(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => serde_json::to_string(s).expect("string"),
        Json::Array(items) => format!(
            "[{}]",
            items.iter().map(literal).collect::<Vec<_>>().join(", ")
        ),
        Json::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", literal(&Json::String(k.clone())), literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// fleche's query filter (as recorded in the answers) as our options.
pub(crate) fn query_args(filter: &Json) -> Vec<String> {
    let mut args = vec!["query".to_string(), "--format".into(), "json".into()];
    let f = filter.as_object().expect("filter object");
    for (field, v) in f {
        match field.as_str() {
            "name" | "module" => {
                args.extend([format!("--{field}"), v.as_str().expect("str").into()])
            }
            "version" => args.extend(["--version".into(), literal(v)]),
            "result" => args.extend(["--result".into(), v.as_str().expect("literal").into()]),
            "arguments" => {
                for (name, value) in v.as_object().expect("arguments") {
                    args.push("--arg".into());
                    args.push(match value {
                        Json::Null => name.clone(),
                        Json::String(lit) => format!("{name}={lit}"),
                        Json::Object(d) => {
                            format!("{name}=@{}", d["digest"].as_str().expect("digest"))
                        }
                        other => panic!("unexpected argument filter {other}"),
                    });
                }
            }
            "metadata" => {
                for (kind, keys) in v.as_object().expect("metadata") {
                    let keys = keys.as_object().expect("keys");
                    if keys.is_empty() {
                        args.extend(["--meta".into(), kind.clone()]);
                    }
                    for (key, value) in keys {
                        args.push("--meta".into());
                        args.push(match value {
                            Json::Null => format!("{kind}.{key}"),
                            other => format!("{kind}.{key}={}", literal(other)),
                        });
                    }
                }
            }
            other => panic!("filter field {other} has no translation"),
        }
    }
    args
}

pub(crate) fn check_queries(name: &str) {
    let dir = TestEnv::fixture(name);
    let mut failures = Vec::new();
    for q in dir.answers()["queries"].as_array().expect("queries") {
        let args = query_args(&q["filter"]);
        let out = dir.run(&args);
        let expected = strings(&q["keys"]);
        let code = out.code;
        let got: BTreeSet<String> = match serde_json::from_str::<Json>(&out.stdout) {
            Ok(Json::Array(rows)) => rows
                .iter()
                .map(|r| r["key"].as_str().expect("key").to_string())
                .collect(),
            _ => {
                failures.push(format!("{args:?}: {}", out.stderr));
                continue;
            }
        };
        let want_code = if expected.is_empty() {
            Some(1)
        } else {
            Some(0)
        };
        if got != expected || code != want_code {
            failures.push(format!(
                "{args:?}: got {got:?} (exit {code:?}), fleche says {expected:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: {} query mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

pub(crate) fn check_expand_and_shrink(name: &str) {
    let dir = TestEnv::fixture(name);
    let a = dir.answers();
    let mut failures = Vec::new();
    for (prefix, expected) in a["expand"].as_object().expect("expand") {
        let out = dir.run(["expand", prefix]);
        let got = out.stdout.trim();
        let stderr = &out.stderr;
        // Fewer than 4 characters: fleche raises KeyError; we refuse the
        // prefix outright as a usage error (exit 2), as documented.
        if prefix.len() < 4 {
            if out.code != Some(2) {
                failures.push(format!(
                    "expand {prefix:?}: should be refused, got exit {:?}",
                    out.code
                ));
            }
            continue;
        }
        let ok = match expected.as_str() {
            Some(full) if full.len() == 64 => got == full && out.code == Some(0),
            Some("ambiguous") => out.code == Some(1) && stderr.contains("ambiguous"),
            Some("not found") => out.code == Some(1) && stderr.contains("no call or value"),
            Some("too short") => out.code == Some(2),
            other => {
                failures.push(format!("{prefix}: unknown expectation {other:?}"));
                continue;
            }
        };
        if !ok {
            failures.push(format!(
                "expand {prefix}: got {got:?} / {stderr:?}, fleche says {expected}"
            ));
        }
    }
    for (key, expected) in a["shrink"].as_object().expect("shrink") {
        let Some(expected) = expected.as_str() else {
            continue;
        };
        if expected.len() > 64 || !expected.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        let out = dir.run(["shrink", key]);
        let got = out.stdout.trim();
        if got != expected {
            failures.push(format!("shrink {key}: got {got:?}, fleche says {expected}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: {} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn getting_started_queries() {
    check_queries("getting-started");
}

#[test]
fn signed_gzip_queries() {
    check_queries("signed-gzip");
}

#[test]
fn nested_queries() {
    check_queries("nested");
}

#[test]
fn getting_started_expand_shrink() {
    check_expand_and_shrink("getting-started");
}

#[test]
fn signed_gzip_expand_shrink() {
    check_expand_and_shrink("signed-gzip");
}

#[test]
fn nested_expand_shrink() {
    check_expand_and_shrink("nested");
}

#[test]
fn dill_files_queries() {
    check_queries("dill-files");
}

#[test]
fn dill_files_expand_shrink() {
    check_expand_and_shrink("dill-files");
}

#[test]
fn cloudpickle_files_queries() {
    check_queries("cloudpickle-files");
}

#[test]
fn cloudpickle_files_expand_shrink() {
    check_expand_and_shrink("cloudpickle-files");
}

const BUILTIN_TYPES: &[&str] = &[
    "int",
    "float",
    "complex",
    "bool",
    "NoneType",
    "str",
    "bytes",
    "bytearray",
    "list",
    "tuple",
    "dict",
    "set",
    "frozenset",
];

/// `show` of every value file: the Python type, the destructured children,
/// and for builtin values, numpy arrays and pandas objects the exact
/// `repr()` fleche's load gives.
pub(crate) fn check_values(name: &str) {
    let dir = TestEnv::fixture(name);
    let mut failures = Vec::new();
    for (key, want) in dir.answers()["values"].as_object().expect("values") {
        if want.get("error").is_some() {
            continue;
        }
        let out = dir.run(["show", "--full", "--format", "json", key]);
        let got: Json = match serde_json::from_str::<Json>(&out.stdout) {
            Ok(Json::Array(mut items)) if !items.is_empty() => {
                let i = items.iter().position(|x| x["kind"] == "value").unwrap_or(0);
                items.swap_remove(i)
            }
            _ => {
                failures.push(format!("show {key}: {}", out.stderr));
                continue;
            }
        };
        let ty = want["type"].as_str().expect("type");
        if got["type"] != want["type"] {
            failures.push(format!(
                "{key}: type {} but fleche loads a {ty}",
                got["type"]
            ));
        }
        // Values made of builtins and numpy arrays all the way down have a
        // repr we promise to equal Python's (user classes are not yet).
        let value_text = got["value"].to_string();
        let promised = !value_text.contains("\"$object\"");
        let typed =
            BUILTIN_TYPES.contains(&ty) || ty == "numpy.ndarray" || ty.starts_with("pandas.");
        if typed && promised && got["repr"] != want["repr"] {
            failures.push(format!(
                "{key}: repr {} but fleche's is {}",
                got["repr"], want["repr"]
            ));
        }
        let sorted = |v: &Json| {
            let mut items: Vec<String> = v
                .as_array()
                .map(|a| a.iter().map(|x| x.to_string()).collect())
                .unwrap_or_default();
            items.sort();
            items
        };
        if sorted(&got["children"]) != sorted(&want["children"]) {
            failures.push(format!(
                "{key}: children {} but fleche's are {}",
                got["children"], want["children"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: {} value mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn getting_started_values() {
    check_values("getting-started");
}

#[test]
fn signed_gzip_values() {
    check_values("signed-gzip");
}

#[test]
fn nested_values() {
    check_values("nested");
}

#[test]
fn dill_files_values() {
    check_values("dill-files");
}

#[test]
fn cloudpickle_files_values() {
    check_values("cloudpickle-files");
}

/// `ls` lists every call fleche's `cache().table()` lists; each short key
/// it shows expands back to that call.
pub(crate) fn check_table(name: &str) {
    let dir = TestEnv::fixture(name);
    let want = strings(&dir.answers()["table"]["keys"]);
    let got = dir.run(["ls", "--format", "json"]).keys();
    assert_eq!(got, want, "{name}: ls and fleche's table() differ");

    // Table rows (once per member in a stack or pool): every short key is
    // a prefix of exactly one listed call and expands back to it.
    let table = dir.run(["ls", "--sort", "key", "--color", "never"]);
    let mut seen = BTreeSet::new();
    for line in table.stdout.lines().skip(1) {
        let short = line.split_whitespace().next().expect("short key");
        let matching: Vec<&String> = want.iter().filter(|k| k.starts_with(short)).collect();
        assert_eq!(matching.len(), 1, "{name}: {short} matches {matching:?}");
        let back = dir.run(["expand", short]);
        assert_eq!(
            back.stdout.trim(),
            matching[0].as_str(),
            "{name}: {short} does not expand back"
        );
        seen.insert(matching[0].clone());
    }
    assert_eq!(seen, want, "{name}: the table does not show every call");
}

#[test]
fn ls_lists_what_fleche_lists() {
    for name in SINGLE_CACHES {
        check_table(name);
    }
}

#[test]
fn stack_answers() {
    check_queries("stack");
    check_expand_and_shrink("stack");
    check_values("stack");
    check_table("stack");
}

#[test]
fn pool_answers() {
    check_queries("pool");
    check_expand_and_shrink("pool");
    check_values("pool");
    check_table("pool");
}

#[test]
fn hdf5_answers() {
    check_queries("hdf5");
    check_expand_and_shrink("hdf5");
    check_table("hdf5");
}

/// `stats` counts what fleche wrote: calls per function, value files, and
/// as orphans exactly what fleche's gc would remove.
#[test]
fn stats_count_what_fleche_wrote() {
    for name in SINGLE_CACHES {
        let dir = TestEnv::fixture(name);
        let a = dir.answers();
        let rows = dir.run(["stats", "--format", "json"]).rows();
        let s = &rows[0];
        let records = a["records"].as_array().expect("records");
        assert_eq!(s["calls"].as_u64(), Some(records.len() as u64), "{name}");
        let mut per_function = std::collections::BTreeMap::new();
        for r in records {
            *per_function
                .entry(r["name"].as_str().expect("name").to_string())
                .or_insert(0u64) += 1;
        }
        for f in s["functions"].as_array().expect("functions") {
            assert_eq!(
                per_function.get(f["name"].as_str().expect("name")),
                f["calls"].as_u64().as_ref(),
                "{name}: calls of {}",
                f["name"]
            );
        }
        assert_eq!(
            s["values"]["count"].as_u64(),
            Some(a["values"].as_object().expect("values").len() as u64),
            "{name}"
        );
        assert_eq!(
            s["values"]["orphans"].as_u64(),
            Some(a["gc"].as_array().expect("gc").len() as u64),
            "{name}"
        );
    }
}
