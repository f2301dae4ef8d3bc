//! The HDF5 bag reader builds the value tree the pickle reader builds for
//! the same object: real bagofholding writes each value of
//! `tests/conformance/hdf5_pairs.py` as a bag, Python's pickle as a
//! protocol-4 pickle, and both are read back and compared.

use fleche_core::hdf5::BagFile;
use fleche_core::value::NdArray;
use fleche_core::Value;
use std::path::Path;

/// What h5py gives back differs from the pickle in one way: a dict with
/// simple string keys comes back with its keys sorted.
fn sorted_str_keys(v: Value) -> Value {
    match v {
        Value::Dict(mut items) if items.iter().all(|(k, _)| matches!(k, Value::Str(_))) => {
            items.sort_by(|a, b| match (&a.0, &b.0) {
                (Value::Str(x), Value::Str(y)) => x.cmp(y),
                _ => std::cmp::Ordering::Equal,
            });
            Value::Dict(items)
        }
        other => other,
    }
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a python with fleche==0.22.2 and bagofholding; .ci/run sets it)"
)]
fn hdf5_bags_read_as_the_same_pickled_values() {
    let python = std::env::var("FLECHE_ORACLE_PYTHON").expect("FLECHE_ORACLE_PYTHON");
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/hdf5_pairs.py");
    let dir = std::env::temp_dir().join(format!("fleche-hdf5-pairs-{}", std::process::id()));
    let out = std::process::Command::new(python)
        .arg(&script)
        .arg(&dir)
        .output()
        .expect("run hdf5_pairs.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<String> =
        serde_json::from_slice(&std::fs::read(dir.join("names.json")).expect("names.json"))
            .expect("a list of names");
    assert!(names.len() > 30);
    let mut failures = Vec::new();
    for name in &names {
        let pickled = std::fs::read(dir.join(format!("{name}.pkl"))).expect("pickle");
        let want = fleche_core::pickle::load(&pickled).expect("the pickle loads");
        let got = BagFile::open(&dir.join(format!("{name}.h5")))
            .and_then(|f| f.load(None))
            .map_err(|e| e.to_string());
        let want = match name.as_str() {
            "str_key_order" => sorted_str_keys(want),
            // A protocol-4 pickle comes back byte-swapped to native; h5py
            // gives the dataset's big-endian bytes back as they are.
            "big_endian" => match want {
                fleche_core::Value::NdArray(a) => fleche_core::Value::NdArray(NdArray {
                    native_on_load: false,
                    ..a
                }),
                other => other,
            },
            _ => want,
        };
        match got {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!("{name}:\n  hdf5   {got:?}\n  pickle {want:?}")),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {} values differ:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
}

/// A short value key in an HDF5 store with shared `{key[:2]}.h5` files
/// (fleche 0.20+) is looked up in the one file that can hold it, not by
/// opening every file of the store (71 in this fixture): expanding it,
/// telling whether a full key is stored, its short form and fleche's
/// shrink. A shorter prefix opens only the files whose name starts with it.
#[test]
fn short_value_keys_open_only_the_files_that_can_hold_them() {
    use fleche_core::hdf5::files_opened_on_this_thread as opened;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/hdf5-values");
    let open = || {
        fleche_core::Locator {
            cwd: dir.clone(),
            ..Default::default()
        }
        .open()
        .expect("open the fixture")
    };
    let key = "81a8c337301688fc81ba73e7cb82d81c216589badad68c5fe61174a919100d81";
    let files = std::fs::read_dir(dir.join(".fleche/values"))
        .expect("values")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".h5"))
        .count();
    assert!(files > 50, "{files}");
    let count = |f: &dyn Fn(&fleche_core::Cache)| {
        let cache = open();
        let before = opened();
        f(&cache);
        opened() - before
    };
    let n = count(&|c| assert_eq!(c.resolve("81a8c337").expect("expands").key, key));
    assert_eq!(n, 1, "expand");
    let n = count(&|c| assert!(c.has_value(key)));
    assert_eq!(n, 1, "has_value");
    let n = count(&|c| assert_eq!(c.short_len(key).expect("short"), 4));
    assert_eq!(n, 1, "short_len");
    let n = count(&|c| {
        let keys = [std::borrow::Cow::Borrowed(key)];
        let shrunk = c.shrink_many(&keys).expect("shrink");
        assert!(matches!(&shrunk[0], fleche_core::cache::Shrunk::To(s) if s == "81a8"));
    });
    assert_eq!(n, 1, "shrink");
    let n = count(&|c| assert_eq!(c.resolve_value("81a8c").expect("@prefix"), key));
    assert_eq!(n, 1, "@prefix");
}
