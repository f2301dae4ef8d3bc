//! HDF5 value stores (bagofholding, fleche's `sql` template default) against
//! what real fleche loaded from them: `hdf5-values` (prefix length 2, every
//! value kind), `hdf5-flat` (prefix length 0: one file per key, the layout
//! of fleche ≤ 0.19 too), `hdf5` (the first fixture) and `fleche019-hdf5`
//! (written by fleche 0.19.2 itself with bagofholding 0.1.12: one file per
//! key, destructured lists and dicts).

use crate::fixture_answers::{check_expand_and_shrink, check_queries, check_table};
use crate::support::{strings, TestEnv};
use serde_json::Value as Json;
use std::collections::BTreeSet;

const FIXTURES: [&str; 4] = ["hdf5-values", "hdf5-flat", "hdf5", "fleche019-hdf5"];

/// The items of a set's or frozenset's repr, split at top-level commas, so
/// that sets of strings (whose order is Python's per-process hash order)
/// compare as sets.
fn set_items(repr: &str) -> Option<BTreeSet<String>> {
    let inner = repr
        .strip_prefix("frozenset({")
        .and_then(|r| r.strip_suffix("})"))
        .or_else(|| repr.strip_prefix('{').and_then(|r| r.strip_suffix('}')))?;
    let (mut items, mut depth, mut quote, mut cur) = (BTreeSet::new(), 0, None, String::new());
    for c in inner.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                items.insert(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    items.insert(cur.trim().to_string());
    Some(items)
}

/// Our JSON form of an array against fleche's dtype, shape and items
/// (complex items as `[re, im]`).
fn same_array(got: &Json, want: &Json) -> bool {
    let a = &got["$ndarray"];
    let items: Vec<Json> = a["data"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|x| match x.get("$complex") {
                    Some(c) => c.clone(),
                    None => x.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    // fleche's items are Python floats of the elements: compare f4 and f2
    // elements at their own precision.
    let narrow = matches!(want["dtype"].as_str(), Some("<f4" | "<f2" | "<c8"));
    let num = |v: &Json| {
        v.as_f64()
            .map(|f| if narrow { f64::from(f as f32) } else { f }.to_bits())
    };
    let same_items = items.len() == want["items"].as_array().map_or(0, Vec::len)
        && items
            .iter()
            .zip(want["items"].as_array().into_iter().flatten())
            .all(|(g, w)| {
                g == w
                    || num(g) == num(w)
                    || (g.is_array()
                        && g.as_array().map(|v| v.iter().map(num).collect::<Vec<_>>())
                            == w.as_array().map(|v| v.iter().map(num).collect::<Vec<_>>()))
            });
    a["dtype"] == want["dtype"] && a["shape"] == want["shape"] && same_items
}

/// `show` of every value: its type, its destructured children, and its
/// repr as fleche's loaded value gives it (arrays compared by structure;
/// sets of strings as sets; user classes by type only).
fn check_values(name: &str) {
    let dir = TestEnv::fixture(name);
    let mut failures = Vec::new();
    let values = dir.answers()["values"].clone();
    let values = values.as_object().expect("values");
    assert!(!values.is_empty(), "{name}: no values in the answers");
    for (key, want) in values {
        let out = dir.run(["show", "--full", "--format", "json", key]);
        let got = match serde_json::from_str::<Json>(&out.stdout) {
            Ok(Json::Array(items)) => items.into_iter().find(|x| x["kind"] == "value"),
            _ => None,
        };
        let Some(got) = got else {
            failures.push(format!("show {key}: exit {:?}: {}", out.code, out.stderr));
            continue;
        };
        if got["type"] != want["type"] {
            failures.push(format!(
                "{key}: type {} but fleche loads a {}",
                got["type"], want["type"]
            ));
            continue;
        }
        let (got_repr, want_repr) = (
            got["repr"].as_str().unwrap_or_default(),
            want["repr"].as_str().unwrap_or_default(),
        );
        let value_text = got["value"].to_string();
        let ok = if let Some(array) = want.get("array") {
            same_array(&got["value"], array)
        } else if value_text.contains("\"$object\"") {
            true
        } else if matches!(want["type"].as_str(), Some("set" | "frozenset")) {
            set_items(got_repr) == set_items(want_repr)
        } else {
            got_repr == want_repr
        };
        if !ok {
            failures.push(format!(
                "{key}: {got_repr} / {value_text} but fleche's is {want_repr}"
            ));
        }
        let sorted = |v: &Json| strings(v).into_iter().collect::<Vec<_>>();
        if want.get("children").is_some() && sorted(&got["children"]) != sorted(&want["children"]) {
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
fn show_prints_what_fleche_loads_from_hdf5() {
    for name in FIXTURES {
        check_values(name);
    }
}

/// A dataclass and an object holding itself come back with their fields
/// (the cycle closed by a placeholder, as in pickles).
#[test]
fn hdf5_objects_keep_their_fields_and_cycles() {
    let dir = TestEnv::fixture("hdf5-values");
    let show = |prefix: &str| dir.ok(["show", "--format", "json", prefix]).rows()[0].clone();
    let point = show("81a8c337");
    assert_eq!(point["type"], "__main__.Point");
    assert!(
        point["repr"]
            .as_str()
            .unwrap()
            .ends_with("Point(x=1.5, y=2)"),
        "{point}"
    );
    let ring = show("82f3e9c6");
    assert_eq!(ring["type"], "__main__.Ring");
    assert_eq!(ring["value"]["state"]["name"], "r1", "{ring}");
    assert_eq!(
        ring["value"]["state"]["me"]["$object"], "<recursion>",
        "{ring}"
    );
    // A list shared three times is read each time it is referenced.
    assert_eq!(show("70c14a2d")["repr"], "[[1, 2], [1, 2], ([1, 2],)]");
}

/// `query --results` decodes every result, as fleche's `load` does.
#[test]
fn query_results_decode_hdf5_values() {
    for name in ["hdf5-values", "hdf5-flat", "fleche019-hdf5"] {
        let dir = TestEnv::fixture(name);
        let a = dir.answers();
        let rows = dir
            .ok(["query", "--results", "--full", "--format", "json"])
            .rows();
        assert_eq!(rows.len(), a["records"].as_array().unwrap().len(), "{name}");
        for row in rows {
            let result = row["result"].as_str().expect("a result digest");
            let want = &a["values"][result];
            let got = &row["decoded"]["result"];
            assert_eq!(got["type"], want["type"], "{name} {result}: {row}");
            assert!(got.get("error").is_none(), "{name} {result}: {got}");
        }
    }
}

#[test]
fn hdf5_queries_expand_shrink_and_ls() {
    for name in FIXTURES {
        check_queries(name);
        check_expand_and_shrink(name);
        check_table(name);
    }
}

/// Every bag is listed, including the one no record names (an argument of
/// a call whose None result fleche did not keep): expand finds it, stats
/// counts it and fleche's gc set is our orphan set.
#[test]
fn every_bag_is_seen_and_orphans_are_fleches() {
    for name in FIXTURES {
        let dir = TestEnv::fixture(name);
        let a = dir.answers();
        let values = a["values"].as_object().unwrap();
        let gc = strings(&a["gc"]);
        for key in values.keys() {
            assert_eq!(dir.ok(["expand", &key[..12]]).stdout.trim(), key, "{name}");
        }
        let stats = &dir.ok(["stats", "--format", "json"]).rows()[0]["values"];
        assert_eq!(
            stats["count"].as_u64(),
            Some(values.len() as u64),
            "{name}: {stats}"
        );
        assert_eq!(
            stats["orphans"].as_u64(),
            Some(gc.len() as u64),
            "{name}: {stats}"
        );
        let notes = dir.ok(["verify", "--notes", "--format", "json"]).rows();
        let orphans: BTreeSet<String> = notes
            .iter()
            .filter(|f| f["kind"] == "orphan")
            .map(|f| f["key"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(orphans, gc, "{name}");
        for f in notes.iter().filter(|f| f["kind"] == "orphan") {
            let path = f["path"].as_str().unwrap();
            assert!(std::path::Path::new(path).is_file(), "{name}: {f}");
        }
    }
    assert!(!strings(&TestEnv::fixture("hdf5-values").answers()["gc"]).is_empty());
}

/// verify decodes every bag and recomputes each digest it can: the values
/// fleche's own digest of the loaded value matches are all checked, and
/// nothing is a problem.
#[test]
fn verify_recomputes_hdf5_digests() {
    for name in ["hdf5-values", "hdf5-flat", "fleche019-hdf5"] {
        let dir = TestEnv::fixture(name);
        let a = dir.answers();
        let values = a["values"].as_object().unwrap();
        let out = dir.ok(["verify"]);
        let text = out.stdout + &out.stderr;
        let checked = format!(
            "Checked {} calls and {} values: 0 problems",
            a["records"].as_array().unwrap().len(),
            values.len()
        );
        assert!(text.contains(&checked), "{name}: {text}");
        // Objects (fleche digests them with their own code) and sets of
        // strings (their order, hence digest, is per process) are not
        // recomputed; everything else is.
        let unchecked = values
            .values()
            .filter(|v| {
                let repr = v["repr"].as_str().unwrap();
                let ty = v["type"].as_str().unwrap();
                ty.starts_with("__main__.")
                    || (matches!(ty, "set" | "frozenset") && repr.contains('\''))
            })
            .count();
        let plural = if unchecked == 1 { "" } else { "s" };
        assert!(
            text.contains(&format!("{unchecked} digest{plural} not recomputable")),
            "{name}: {text}"
        );
    }
}

/// Reading takes no lock: a writer holding an exclusive lock on the HDF5
/// file itself (as the HDF5 library does while h5py writes) and on its
/// `.lock` file (fleche's own protocol) does not stop `show` or `verify`.
#[test]
fn reads_do_not_wait_for_a_writers_locks() {
    use std::os::fd::AsRawFd;
    let dir = TestEnv::copy("hdf5-values");
    let values = dir.path(".fleche/values");
    let mut held = Vec::new();
    for name in ["81.h5", "81.h5.lock"] {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(values.join(name))
            .expect("open");
        // SAFETY: flock on a descriptor we own.
        let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        assert_eq!(r, 0, "lock {name}");
        held.push(f);
    }
    let start = std::time::Instant::now();
    let out = dir.ok(["show", "81a8c337"]);
    assert!(out.stdout.contains("Point(x=1.5, y=2)"), "{}", out.stdout);
    // Its size is its file's, which other keys share.
    assert!(
        out.stdout
            .contains("81.h5, a file of 9264 bytes shared with other keys"),
        "{}",
        out.stdout
    );
    dir.ok(["verify"]);
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    drop(held);
}

/// A damaged file is one line naming the file and the key; verify counts
/// what it could not read (never "0 problems" for a store it cannot read).
#[test]
fn a_damaged_hdf5_file_is_named_with_the_key() {
    let dir = TestEnv::copy("hdf5-values");
    let file = dir.path(".fleche/values/81.h5");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 3]).unwrap();
    let key = "81a8c337301688fc81ba73e7cb82d81c216589badad68c5fe61174a919100d81";
    let out = dir.run(["show", key]);
    let text = format!("{}{}", out.stdout, out.stderr);
    let line = text
        .lines()
        .find(|l| l.contains("81.h5"))
        .unwrap_or_else(|| panic!("no line names the file: {text}"));
    assert!(line.contains(key) || line.contains(&key[..8]), "{text}");
    assert!(!text.contains("panicked"), "{text}");

    let out = dir.run(["verify"]);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    let text = out.stdout + &out.stderr;
    assert!(!text.contains(" 0 problems"), "{text}");

    // Every file unreadable: still problems, not an empty clean store.
    for name in dir.names(".fleche/values") {
        if name.ends_with(".h5") {
            std::fs::write(dir.path(".fleche/values").join(&name), b"not hdf5").unwrap();
        }
    }
    let out = dir.run(["verify", "--format", "json"]);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    let rows = out.rows();
    let unreadable = rows
        .iter()
        .filter(|f| f["kind"] == "unreadable-value")
        .count();
    assert!(unreadable > 0, "{}", out.stdout);
    // The values the records name are missing, and say which file hides them.
    let missing: Vec<&Json> = rows
        .iter()
        .filter(|f| f["kind"] == "missing-value")
        .collect();
    assert!(!missing.is_empty());
    for f in missing {
        let detail = f["detail"].as_str().unwrap();
        assert!(detail.ends_with("would hold it but cannot be read"), "{f}");
        assert!(f["path"].as_str().unwrap().ends_with(".h5"), "{f}");
    }
}

/// gc refuses on shared HDF5 files (fleche's own gc rewrites them under
/// its lock protocol), dry run or not, and deletes nothing.
#[test]
fn gc_refuses_on_shared_hdf5_files() {
    let dir = TestEnv::copy("hdf5-values");
    let before = dir.names(".fleche/values");
    for args in [&["gc", "--dry-run"][..], &["gc", "--min-age", "0"][..]] {
        let err = dir.run(args).failure(2);
        assert!(
            err.contains("HDF5 files shared between keys") && err.contains("nothing was deleted"),
            "{err}"
        );
    }
    assert_eq!(dir.names(".fleche/values"), before);
}

/// With one HDF5 file per key (prefix length 0, and fleche 0.19's layout),
/// fleche's gc unlinks files as for pickles: so does ours, deleting exactly
/// what fleche's `gc()` deleted, and every live value still reads.
#[test]
fn gc_on_one_file_per_key_deletes_what_fleche_deletes() {
    for name in ["hdf5-flat", "fleche019-hdf5"] {
        gc_deletes_what_fleche_deletes(name);
    }
}

fn gc_deletes_what_fleche_deletes(name: &str) {
    let dir = TestEnv::copy(name);
    let want = strings(&dir.answers()["gc"]);
    assert!(!want.is_empty(), "{name}");
    let before: BTreeSet<String> = dir.names(".fleche/values").into_iter().collect();
    let planned = dir
        .ok(["gc", "--min-age", "0", "--dry-run", "--format", "json"])
        .keys();
    assert_eq!(planned, want, "{name}");
    assert_eq!(
        dir.names(".fleche/values")
            .into_iter()
            .collect::<BTreeSet<_>>(),
        before,
        "{name}"
    );
    let removed = dir.ok(["gc", "--min-age", "0", "--format", "json"]).keys();
    assert_eq!(removed, want, "{name}");
    let after: BTreeSet<String> = dir.names(".fleche/values").into_iter().collect();
    assert_eq!(
        before.difference(&after).cloned().collect::<BTreeSet<_>>(),
        want,
        "{name}"
    );
    let out = dir.ok(["verify"]);
    assert!(
        out.stdout.contains("0 problems") || out.stderr.contains("0 problems"),
        "{name}"
    );
    // Young files (a fresh copy) are kept, as for value files.
    let young = TestEnv::copy(name);
    assert!(
        young
            .ok(["gc", "--dry-run", "--format", "json"])
            .rows()
            .is_empty(),
        "{name}"
    );
}

/// `--root` on a directory of per-key HDF5 files (no `.h5` name) reads
/// them as HDF5, not as pickles.
#[test]
fn root_finds_per_key_hdf5_files() {
    let dir = TestEnv::fixture("hdf5-flat");
    let out = dir.ok(["--root", ".fleche", "show", "81a8c337"]);
    assert!(out.stdout.contains("Point(x=1.5, y=2)"), "{}", out.stdout);
}
