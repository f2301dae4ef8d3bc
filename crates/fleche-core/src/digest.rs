//! fleche's `digest()` (format §5, fleche 0.22.2 `digest.py`) and call keys.
//!
//! Every arm salts a SHA-256 with `type(v).__name__` and feeds content; a
//! child contributes its digest as 64 ASCII hex bytes (or, for a `Digest`,
//! whatever string it holds). When fleche changes an arm, change it here and
//! regenerate `tests/conformance/vectors.json`.

use crate::value::{ArrayData, NdArray, Value};
use crate::{numpy, pyhash};
use num_bigint::{BigInt, Sign};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum DigestError {
    #[error(
        "cannot digest a value of type `{0}`: fleche digests it with code this tool does not run"
    )]
    Indigestible(String),
    #[error("cannot digest a set containing a `{0}`: its order depends on the Python process (string hashes are randomised); only sets of numbers, bools and tuples of those are reproducible")]
    UnstableSetOrder(String),
    #[error("cannot digest a numpy array of dtype `{0}`")]
    UnsupportedArray(String),
}

/// `fleche.digest.digest(v)`: 64 lowercase hex characters, or the string a
/// `Digest` holds.
pub fn digest(v: &Value) -> Result<String, DigestError> {
    let bytes = digest_bytes(v)?;
    Ok(String::from_utf8(bytes).expect("BUG: digests are ASCII hex or a Digest's str"))
}

fn hasher(salt: &str) -> Sha256 {
    let mut m = Sha256::new();
    m.update(salt.as_bytes());
    m
}

fn finish(m: Sha256) -> Vec<u8> {
    let out = m.finalize();
    let mut hex = Vec::with_capacity(64);
    for b in out {
        hex.push(HEX[(b >> 4) as usize]);
        hex.push(HEX[(b & 15) as usize]);
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `int.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)`. Python
/// always reserves a sign bit beyond `bit_length`, so -128 takes two bytes
/// (`num-bigint` would give one).
pub fn int_bytes(n: &BigInt) -> Vec<u8> {
    let len = (n.bits() as usize + 8) / 8;
    let mut bytes = n.to_signed_bytes_le();
    let fill = if n.sign() == Sign::Minus { 0xff } else { 0 };
    bytes.resize(len, fill);
    bytes
}

fn digest_int(n: &BigInt, salt: &str) -> Vec<u8> {
    let mut m = hasher(salt);
    m.update(int_bytes(n));
    finish(m)
}

fn digest_bytes(v: &Value) -> Result<Vec<u8>, DigestError> {
    if let Value::Object(o) = v {
        if let Some((name, inner)) = numpy::scalar_parts(o) {
            return digest_numpy_scalar(name, inner);
        }
    }
    digest_salted(v, v.type_name())
}

/// `v` digested under `salt`, the name of its Python type.
fn digest_salted(v: &Value, salt: &str) -> Result<Vec<u8>, DigestError> {
    let mut m = hasher(salt);
    match v {
        Value::None => m.update(b"__None__"),
        Value::Bool(b) => m.update([*b as u8]),
        Value::Int(n) => m.update(int_bytes(n)),
        Value::Float(f) => match pyhash::hash_float(*f) {
            Some(h) => return Ok(digest_int(&BigInt::from(h), "int")),
            // A float is a `numbers.Complex`, so fleche packs NaN as "<dd"
            // with a zero imaginary part.
            None => {
                m.update(f.to_le_bytes());
                m.update(0f64.to_le_bytes());
            }
        },
        Value::Complex(re, im) => match pyhash::hash_complex(*re, *im) {
            Some(h) => return Ok(digest_int(&BigInt::from(h), "int")),
            None => {
                m.update(re.to_le_bytes());
                m.update(im.to_le_bytes());
            }
        },
        Value::Str(s) => m.update(s.as_bytes()),
        Value::Bytes(b) => m.update(b),
        Value::ByteArray(b) => {
            for byte in b {
                m.update(digest_int(&BigInt::from(*byte), "int"));
            }
        }
        Value::Tuple(items) | Value::List(items) => {
            for item in items {
                m.update(digest_bytes(item)?);
            }
        }
        Value::Dict(items) => digest_mapping(&mut m, items)?,
        Value::Set(items) | Value::FrozenSet(items) => {
            if let Some(bad) = pyhash::unstable_element(items) {
                return Err(DigestError::UnstableSetOrder(bad.type_name().into()));
            }
            for item in items {
                m.update(digest_bytes(item)?);
            }
        }
        Value::Digest(d) => return Ok(d.as_bytes().to_vec()),
        Value::Record(r) => {
            let fields: Vec<(Value, Value)> = r
                .fields
                .iter()
                .map(|(k, v)| (Value::Str(k.clone()), v.clone()))
                .collect();
            m.update(digest_bytes(&Value::Dict(fields))?);
        }
        Value::NdArray(a) => digest_array(&mut m, a)?,
        Value::Object(o) => match o.class.as_str() {
            // Mapping subclasses fleche digests through the Mapping arm,
            // salted with their own type name.
            "collections.OrderedDict" | "collections.defaultdict" => {
                digest_mapping(&mut m, &o.dict_items)?
            }
            // A namedtuple is a tuple, an int or str enum an int or str,
            // under its own class's name.
            crate::value::NAMEDTUPLE_CLASS => match o.args.get(2) {
                Some(Value::Tuple(items)) => {
                    for item in items {
                        m.update(digest_bytes(item)?);
                    }
                }
                _ => return Err(DigestError::Indigestible(o.python_class().into())),
            },
            crate::value::ENUM_MEMBER_CLASS => match (o.args.get(3), o.args.get(2)) {
                (Some(Value::Str(t)), Some(Value::Int(n))) if t == "int" => m.update(int_bytes(n)),
                (Some(Value::Str(t)), Some(Value::Str(s))) if t == "str" => m.update(s.as_bytes()),
                _ => return Err(DigestError::Indigestible(o.python_class().into())),
            },
            _ => return Err(DigestError::Indigestible(o.class.clone())),
        },
    }
    Ok(finish(m))
}

/// Items sorted by key digest (a stable sort, as Python's `sorted`).
fn digest_mapping(m: &mut Sha256, items: &[(Value, Value)]) -> Result<(), DigestError> {
    let mut keyed = Vec::with_capacity(items.len());
    for (k, v) in items {
        keyed.push((digest_bytes(k)?, v));
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, v) in keyed {
        m.update(&k);
        m.update(digest_bytes(v)?);
    }
    Ok(())
}

/// A numpy scalar as fleche digests it: `np.bool_` as the bool, a `str_`
/// or `bytes_` as text under its own type name, any other number (numpy
/// numbers are `numbers.Number`, not `int`) through Python's `hash()`, and
/// NaN packed under the numpy type's name.
fn digest_numpy_scalar(name: &str, inner: &Value) -> Result<Vec<u8>, DigestError> {
    match inner {
        Value::Bool(_) => digest_bytes(inner),
        Value::Int(n) => Ok(digest_int(&BigInt::from(pyhash::hash_int(n)), "int")),
        Value::Float(_) | Value::Complex(..) | Value::Str(_) | Value::Bytes(_) => {
            digest_salted(inner, name)
        }
        _ => Err(DigestError::Indigestible(format!("numpy.{name}"))),
    }
}

fn digest_array(m: &mut Sha256, a: &NdArray) -> Result<(), DigestError> {
    // The shape decides how much is visited: only when the data backs it.
    numpy::check(a).map_err(|_| DigestError::UnsupportedArray(a.dtype.clone()))?;
    m.update(digest_bytes(&Value::Str(a.dtype.clone()))?);
    let shape = Value::Tuple(a.shape.iter().map(|&d| Value::Int(d.into())).collect());
    m.update(digest_bytes(&shape)?);
    match &a.data {
        ArrayData::Raw(raw) => {
            if a.fortran_order && a.shape.len() > 1 {
                let itemsize = numpy::itemsize(&a.dtype)
                    .ok_or_else(|| DigestError::UnsupportedArray(a.dtype.clone()))?;
                m.update(numpy::fortran_to_c(raw, &a.shape, itemsize));
            } else {
                m.update(raw);
            }
        }
        // numpy pickles an object array's items in C order whatever the
        // array's own order: they are digested as they come.
        ArrayData::Objects(items) => {
            for item in items {
                m.update(digest_bytes(item)?);
            }
        }
    }
    Ok(())
}

/// What a call key is computed from (format §5).
#[derive(Debug, Clone, PartialEq)]
pub struct CallKeyInput {
    pub name: String,
    pub module: Option<String>,
    /// The decoded version: an int, a str, or (rarely) another JSON value.
    pub version: Option<Value>,
    pub code_digest: Option<String>,
    /// (argument name, value digest) in stored position order.
    pub arguments: Vec<(String, String)>,
}

/// The key of a call record: the digest of fleche's `Call` dataclass with the
/// arguments as a tuple of `(name, Digest)` pairs and metadata and result
/// set to None.
pub fn call_key(call: &CallKeyInput) -> Result<String, DigestError> {
    // What never changes between calls is digested once: the field names
    // (and so their order, by digest), `None`, and the salts. The rest is
    // `digest()` of the same `Call` record, arm by arm.
    struct Fixed {
        /// (field index, digest of its name), sorted by that digest.
        fields: Vec<(usize, Vec<u8>)>,
        none: Vec<u8>,
        record_salt: String,
    }
    static FIXED: std::sync::OnceLock<Fixed> = std::sync::OnceLock::new();
    let fixed = FIXED.get_or_init(|| {
        let mut fields: Vec<(usize, Vec<u8>)> = CALL_FIELDS
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let d = digest_bytes(&Value::Str((*f).into())).expect("a str digests");
                (i, d)
            })
            .collect();
        fields.sort_by(|a, b| a.1.cmp(&b.1));
        Fixed {
            fields,
            none: digest_bytes(&Value::None).expect("None digests"),
            record_salt: call_record(Vec::new()).type_name().to_string(),
        }
    });
    let str_digest = |s: &str| {
        let mut m = hasher("str");
        m.update(s.as_bytes());
        finish(m)
    };
    let mut arguments = hasher("tuple");
    for (name, d) in &call.arguments {
        let mut pair = hasher("tuple");
        pair.update(str_digest(name));
        pair.update(d.as_bytes());
        arguments.update(finish(pair));
    }
    let none = || fixed.none.clone();
    let values: [Vec<u8>; 7] = [
        str_digest(&call.name),
        finish(arguments),
        none(),
        call.module.as_deref().map_or_else(none, str_digest),
        match &call.version {
            Some(v) => digest_bytes(v)?,
            None => none(),
        },
        call.code_digest
            .as_ref()
            .map_or_else(none, |d| d.as_bytes().to_vec()),
        none(),
    ];
    let mut dict = hasher("dict");
    for (i, key) in &fixed.fields {
        dict.update(key);
        dict.update(&values[*i]);
    }
    let mut record = hasher(&fixed.record_salt);
    record.update(finish(dict));
    Ok(String::from_utf8(finish(record)).expect("BUG: digests are ASCII hex"))
}

/// The fields of fleche's `Call` dataclass, in declaration order (its
/// `QueryCall` has the same).
pub(crate) const CALL_FIELDS: [&str; 7] = [
    "name",
    "arguments",
    "metadata",
    "module",
    "version",
    "code_digest",
    "result",
];

fn call_record(fields: Vec<(String, Value)>) -> Value {
    Value::Record(crate::value::Record {
        class: "fleche.call.Call".into(),
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{ArrayData, NdArray};

    #[test]
    fn int_bytes_reserve_a_sign_bit() {
        assert_eq!(int_bytes(&BigInt::from(-128)), vec![0x80, 0xff]);
        assert_eq!(int_bytes(&BigInt::from(127)), vec![0x7f]);
        assert_eq!(int_bytes(&BigInt::from(128)), vec![0x80, 0x00]);
        assert_eq!(int_bytes(&BigInt::from(0)), vec![0]);
        assert_eq!(int_bytes(&BigInt::from(-1)), vec![0xff]);
        assert_eq!(int_bytes(&BigInt::from(-32768)), vec![0x00, 0x80, 0xff]);
    }

    #[test]
    fn notebook_digests() {
        assert_eq!(
            digest(&Value::int(100)).unwrap(),
            "60079f7901a9295349d1796c037afc132e81286f785ddeeb763104ef02363102"
        );
        let key = call_key(&CallKeyInput {
            name: "long_running_calculation".into(),
            module: Some("__main__".into()),
            version: None,
            code_digest: None,
            arguments: vec![("x".into(), digest(&Value::int(100)).unwrap())],
        })
        .unwrap();
        assert_eq!(
            key,
            "cb9db168b7a8eb99bda637a54241ad5d4e2726b5cd67ad4cfb21baa5874c2b9e"
        );
    }

    /// The call key as `digest()` of the whole `Call` record: what the
    /// fast path in [`call_key`] must equal.
    fn call_key_generic(call: &CallKeyInput) -> Result<String, DigestError> {
        let pairs = call
            .arguments
            .iter()
            .map(|(name, d)| Value::Tuple(vec![Value::Str(name.clone()), Value::Digest(d.clone())]))
            .collect();
        let opt_str = |s: &Option<String>| s.clone().map(Value::Str).unwrap_or(Value::None);
        let record = Value::Record(crate::value::Record {
            class: "fleche.call.Call".into(),
            fields: vec![
                ("name".into(), Value::Str(call.name.clone())),
                ("arguments".into(), Value::Tuple(pairs)),
                ("metadata".into(), Value::None),
                ("module".into(), opt_str(&call.module)),
                (
                    "version".into(),
                    call.version.clone().unwrap_or(Value::None),
                ),
                (
                    "code_digest".into(),
                    call.code_digest
                        .clone()
                        .map(Value::Digest)
                        .unwrap_or(Value::None),
                ),
                ("result".into(), Value::None),
            ],
        });
        digest(&record)
    }

    #[test]
    fn call_keys_equal_the_digest_of_the_whole_record() {
        let d = |i: i64| digest(&Value::int(i)).unwrap();
        let mut n = 0;
        for module in [None, Some("__main__"), Some("pkg.mod")] {
            for version in [None, Some(Value::int(3)), Some(Value::Str("1.2".into()))] {
                for code_digest in [None, Some(d(7))] {
                    for args in 0..4 {
                        let input = CallKeyInput {
                            name: format!("f{args}"),
                            module: module.map(String::from),
                            version: version.clone(),
                            code_digest: code_digest.clone(),
                            arguments: (0..args).map(|i| (format!("a{i}"), d(i))).collect(),
                        };
                        assert_eq!(call_key(&input), call_key_generic(&input), "{input:?}");
                        n += 1;
                    }
                }
            }
        }
        assert_eq!(n, 72);
    }

    /// Issue #15, item 4: an array whose shape its data does not back is
    /// not digested (a Fortran (2**20, 2**20) array of 24 bytes allocated
    /// an index for every declared element and aborted).
    #[test]
    fn arrays_that_do_not_fill_their_shape_are_not_digested() {
        let a = Value::NdArray(NdArray {
            dtype: "<f8".into(),
            shape: vec![1 << 20, 1 << 20],
            fortran_order: true,
            data: ArrayData::Raw(vec![0; 24]),
            native_on_load: false,
        });
        assert_eq!(digest(&a), Err(DigestError::UnsupportedArray("<f8".into())));
        let objects = Value::NdArray(NdArray {
            dtype: "|O".into(),
            shape: vec![1 << 62],
            fortran_order: false,
            data: ArrayData::Objects(vec![Value::None]),
            native_on_load: false,
        });
        assert!(digest(&objects).is_err());
    }
}
