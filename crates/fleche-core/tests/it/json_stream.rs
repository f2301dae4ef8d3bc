//! `repr::write_json` (the streamed JSON of `show --format json` and
//! `export --as json`) writes exactly the bytes of the `to_json` tree.

use fleche_core::repr::{to_json, write_json};
use fleche_core::Value;
use std::path::Path;

fn same(v: &Value, what: &str) {
    let tree = serde_json::to_vec(&to_json(v)).expect("tree");
    let mut streamed = Vec::new();
    write_json(v, &mut streamed).expect("stream");
    assert!(
        tree == streamed,
        "{what}:\n{}\n{}",
        String::from_utf8_lossy(&tree),
        String::from_utf8_lossy(&streamed)
    );
}

/// Every plain pickle value of the committed fixtures (numpy arrays of
/// many dtypes and orders, a DataFrame, containers), alone, in a list, in
/// a tuple and nested deeper than the JSON depth limit.
#[test]
fn streamed_json_is_the_trees_bytes() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut values = Vec::new();
    for name in ["nested", "getting-started", "dill-files", "stack"] {
        let dirs = [
            fixtures.join(name).join(".fleche/values"),
            fixtures.join(name).join("layer0/values"),
            fixtures.join(name).join("layer1/values"),
        ];
        for dir in dirs.iter().filter(|d| d.is_dir()) {
            for entry in std::fs::read_dir(dir).expect("values").flatten() {
                let bytes = std::fs::read(entry.path()).expect("read");
                if let Ok(v) = fleche_core::pickle::load(&bytes) {
                    values.push((entry.path().display().to_string(), v));
                }
            }
        }
    }
    let arrays = values
        .iter()
        .filter(|(_, v)| matches!(v, Value::NdArray(_)))
        .count();
    assert!(
        values.len() > 20 && arrays > 5,
        "{} values, {arrays} arrays",
        values.len()
    );
    for (what, v) in &values {
        same(v, what);
        same(&Value::List(vec![v.clone(), Value::None]), what);
        same(&Value::Tuple(vec![Value::Tuple(vec![v.clone()])]), what);
        let mut deep = v.clone();
        for _ in 0..600 {
            deep = Value::List(vec![deep]);
        }
        same(&deep, what);
    }
}
