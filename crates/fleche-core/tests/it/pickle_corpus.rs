//! The inert pickle reader against a corpus written by real Python
//! (`tests/pickles/make_corpus.py`): every file loads, digestible values
//! digest as fleche does, fleche's own cache files mend and key correctly,
//! and damaged input fails cleanly.

use fleche_core::destructure::{children, mend, MendError};
use fleche_core::digest::{call_key, CallKeyInput};
use fleche_core::pickle::{global_name, load, GLOBAL_CLASS, RECURSION_CLASS};
use fleche_core::value::{ArrayData, Object, Record};
use fleche_core::{digest, Value};
use proptest::prelude::*;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pickles")
}

fn manifest() -> Json {
    let text = std::fs::read_to_string(corpus_dir().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(corpus_dir().join(rel)).unwrap()
}

fn all_files() -> Vec<Vec<u8>> {
    let m = manifest();
    let mut out = Vec::new();
    for name in m["values"].as_object().unwrap().keys() {
        out.push(read(&format!("values/{name}")));
    }
    for name in m["cache"].as_object().unwrap().keys() {
        out.push(read(&format!("cache/{name}")));
    }
    out
}

/// An object whose state is a `{field: value}` dict viewed as the dataclass
/// record fleche digests (format §5); everything else unchanged.
fn as_record(v: Value) -> Value {
    match v {
        Value::Object(Object {
            class,
            args,
            state: Some(state),
            ..
        }) if args.is_empty() && matches!(*state, Value::Dict(_)) => {
            let Value::Dict(items) = *state else {
                unreachable!()
            };
            let fields = items
                .into_iter()
                .map(|(k, v)| match k {
                    Value::Str(s) => (s, v),
                    other => panic!("field name {other:?}"),
                })
                .collect();
            Value::Record(Record { class, fields })
        }
        other => other,
    }
}

/// What Python's `type(v)` is called for the value the reader produced.
fn python_type(v: &Value) -> String {
    if let Value::Object(o) = v {
        if o.class == GLOBAL_CLASS {
            return "type".into();
        }
    }
    let t = v.python_type();
    t.strip_prefix("builtins.").unwrap_or(&t).to_owned()
}

#[test]
fn every_corpus_value_loads_with_its_type_and_digest() {
    let m = manifest();
    let mut digests_checked = 0;
    for (name, entry) in m["values"].as_object().unwrap() {
        let value =
            load(&read(&format!("values/{name}"))).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want_type = entry["type"].as_str().unwrap();
        // numpy scalars keep their own type, as Python's `type(v)` says.
        assert_eq!(python_type(&value), want_type, "{name}: {value:?}");
        if let Some(want) = entry.get("digest").and_then(Json::as_str) {
            let got = digest(&as_record(value.clone()))
                .unwrap_or_else(|e| panic!("{name}: {e}: {value:?}"));
            assert_eq!(got, want, "{name}: {value:?}");
            digests_checked += 1;
        }
    }
    assert!(
        digests_checked > 200,
        "only {digests_checked} digests checked"
    );
}

#[test]
fn integers_of_every_opcode_size() {
    for p in 0..6 {
        let get = |name: &str| load(&read(&format!("values/{name}.pickle.p{p}.pkl"))).unwrap();
        assert_eq!(get("int_neg_byte"), Value::int(-200));
        assert_eq!(get("int_binint"), Value::int(-(1 << 31)));
        assert_eq!(
            get("int_long1_neg"),
            Value::Int((-(1i128 << 63) - 5).into())
        );
        assert_eq!(get("int_binint2"), Value::int(65535));
        assert_eq!(get("true"), Value::Bool(true));
    }
}

#[test]
fn bytes_in_every_protocol() {
    for p in 0..6 {
        let v = load(&read(&format!("values/bytes.pickle.p{p}.pkl"))).unwrap();
        assert_eq!(
            v,
            Value::Bytes(b"\x00\x01\xfe\xff ascii\n'\"\\".to_vec()),
            "p{p}"
        );
        let v = load(&read(&format!("values/bytes_empty.pickle.p{p}.pkl"))).unwrap();
        assert_eq!(v, Value::Bytes(Vec::new()), "p{p}");
        let v = load(&read(&format!("values/bytearray.pickle.p{p}.pkl"))).unwrap();
        assert_eq!(v, Value::ByteArray(b"\x00abc\xff".to_vec()), "p{p}");
    }
}

#[test]
fn numpy_arrays_keep_dtype_shape_and_order() {
    let get = |name: &str| match load(&read(&format!("values/{name}"))).unwrap() {
        Value::NdArray(a) => a,
        other => panic!("{name}: {other:?}"),
    };
    let a = get("np_i4_be.pickle.p2.pkl");
    assert_eq!((a.dtype.as_str(), a.shape.as_slice()), (">i4", &[3u64][..]));
    assert_eq!(
        a.data,
        ArrayData::Raw(vec![0, 0, 0, 1, 255, 255, 255, 254, 0, 0, 0, 3])
    );
    let a = get("np_fortran.pickle.p5.pkl");
    assert_eq!((a.dtype.as_str(), a.fortran_order), (">f4", true));
    assert_eq!(a.shape, vec![2, 3]);
    assert_eq!(get("np_unicode.pickle.p2.pkl").dtype, "<U2");
    assert_eq!(get("np_datetime.pickle.p5.pkl").dtype, "<M8[ns]");
    assert_eq!(get("np_bool.pickle.p5.pkl").dtype, "|b1");
    let a = get("np_object.pickle.p5.pkl");
    assert_eq!(a.dtype, "|O");
    assert_eq!(
        a.data,
        ArrayData::Objects(vec![Value::int(1), Value::str("x"), Value::None])
    );
}

#[test]
fn recursive_list_becomes_a_placeholder() {
    for p in [0, 2, 5] {
        let v = load(&read(&format!("values/recursive_list.pickle.p{p}.pkl"))).unwrap();
        let Value::List(items) = v else { panic!() };
        assert!(matches!(&items[..], [Value::Object(o)] if o.class == RECURSION_CLASS));
    }
}

#[test]
fn cloudpickle_and_dill_constructs_load_inertly() {
    let v = load(&read("values/dill_dict_type.dill.p4.pkl")).unwrap();
    assert_eq!(global_name(&v), Some("builtins.dict"));
    let v = load(&read("values/class_by_value.cloudpickle.p5.pkl")).unwrap();
    assert_eq!(v.python_type(), "__main__.Local");
    let v = load(&read("values/dill_defaultdict.dill.p4.pkl")).unwrap();
    let Value::Object(o) = &v else {
        panic!("{v:?}")
    };
    assert_eq!(o.class, "collections.defaultdict");
    assert_eq!(global_name(&o.args[0]), Some("builtins.dict"));
}

fn cache_loader(key: &str) -> Result<Value, MendError> {
    let bytes = read(&format!("cache/values/{key}"));
    Ok(load(&bytes).unwrap())
}

#[test]
fn fleche_destructured_values_mend_to_their_key() {
    let m = manifest();
    let mut wrappers = 0;
    for (name, entry) in m["cache"].as_object().unwrap() {
        let Some(key) = name.strip_prefix("values/") else {
            continue;
        };
        let raw = load(&read(&format!("cache/{name}"))).unwrap();
        assert_eq!(
            raw.python_type(),
            entry["raw_type"].as_str().unwrap(),
            "{name}"
        );
        let mut got = children(&raw);
        got.sort();
        let want: Vec<String> = entry["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, want, "{name}");
        if !want.is_empty() {
            wrappers += 1;
        }
        let mended = mend(&raw, &mut cache_loader).unwrap();
        let mended_type = entry["mended_type"].as_str().unwrap();
        assert_eq!(python_type(&mended), mended_type, "{name}");
        assert_eq!(digest(&mended).unwrap(), key, "{name}: {mended:?}");
    }
    assert!(wrappers >= 10);
}

fn field<'a>(state: &'a Value, name: &str) -> &'a Value {
    let Value::Dict(items) = state else {
        panic!("{state:?}")
    };
    items
        .iter()
        .find(|(k, _)| *k == Value::str(name))
        .map(|(_, v)| v)
        .unwrap()
}

#[test]
fn fleche_call_records_load_and_key() {
    let m = manifest();
    for (name, entry) in m["cache"].as_object().unwrap() {
        let Some(key) = name.strip_prefix("calls/") else {
            continue;
        };
        let v = load(&read(&format!("cache/{name}"))).unwrap();
        let Value::Object(o) = &v else {
            panic!("{v:?}")
        };
        assert_eq!(o.class, "fleche.call.DigestedCall");
        let state = o.state.as_deref().unwrap();
        let Value::Dict(args) = field(state, "arguments") else {
            panic!()
        };
        let arguments: Vec<(String, String)> = args
            .iter()
            .map(|(k, v)| match (k, v) {
                (Value::Str(k), Value::Digest(d)) => (k.clone(), d.clone()),
                other => panic!("{other:?}"),
            })
            .collect();
        for (k, d) in &arguments {
            assert_eq!(entry["arguments"][k].as_str(), Some(d.as_str()));
        }
        assert_eq!(
            field(state, "result"),
            &Value::Digest(entry["result"].as_str().unwrap().into())
        );
        let Value::Object(meta) = field(state, "metadata") else {
            panic!()
        };
        assert_eq!(meta.class, "collections.defaultdict");
        let meta_keys: Vec<&Value> = meta.dict_items.iter().map(|(k, _)| k).collect();
        assert_eq!(meta_keys, vec![&Value::str("runtime")]);
        let text = |f: &str| match field(state, f) {
            Value::Str(s) => Some(s.clone()),
            Value::Digest(s) => Some(s.clone()),
            _ => None,
        };
        assert_eq!(text("name").as_deref(), entry["name"].as_str());
        let input = CallKeyInput {
            name: text("name").unwrap(),
            module: text("module"),
            version: match field(state, "version") {
                Value::None => None,
                v => Some(v.clone()),
            },
            code_digest: text("code_digest"),
            arguments,
        };
        assert_eq!(call_key(&input).unwrap(), key);
    }
}

fn assert_fails_cleanly(bytes: &[u8]) {
    let start = Instant::now();
    let _ = load(bytes);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn every_truncation_fails_cleanly() {
    for file in all_files() {
        for end in 0..file.len() {
            let cut = &file[..end];
            // A prefix may still end in STOP only if it is the whole pickle.
            if load(cut).is_ok() {
                assert!(end + 1 >= file.len() || cut.last() == Some(&b'.'));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn bit_flips_never_panic(file in 0usize..1000, flips in prop::collection::vec((any::<usize>(), 0u8..8), 1..4)) {
        let mut bytes = CORPUS.with(|c| c[file % c.len()].clone());
        for (pos, bit) in flips {
            let n = bytes.len();
            bytes[pos % n] ^= 1 << bit;
        }
        assert_fails_cleanly(&bytes);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        assert_fails_cleanly(&bytes);
    }

    #[test]
    fn opcode_soup_never_panics(bytes in prop::collection::vec(
        prop::sample::select(b"()0125NJKMXCBehjqrpgtlds}]ua.\x80\x85\x86\x87\x88\x8a\x8c\x8f\x90\x91\x93\x94\x95Rb\x81\x92".to_vec()), 0..300)) {
        assert_fails_cleanly(&bytes);
    }
}

thread_local! {
    static CORPUS: Vec<Vec<u8>> = all_files();
}
