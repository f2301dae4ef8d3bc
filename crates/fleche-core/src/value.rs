//! The Python value model: what a typed literal or an (inertly) decoded pickle
//! becomes. It keeps enough of Python's semantics to digest, compare and
//! `repr()` values exactly as CPython and fleche do.

use num_bigint::BigInt;
use num_traits::Zero;

/// A Python value, as far as this tool needs to understand one.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(BigInt),
    Float(f64),
    /// `complex(real, imag)`.
    Complex(f64, f64),
    Str(String),
    Bytes(Vec<u8>),
    ByteArray(Vec<u8>),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    /// A `dict` in insertion order; keys are unique under Python equality.
    Dict(Vec<(Value, Value)>),
    /// A `set` with its elements in CPython's *iteration* order, unique
    /// under Python equality. Whoever builds one computes that order from
    /// how the set was made ([`crate::pyhash::order_by_insertion`],
    /// [`crate::pyhash::order_by_merge`]); digests and repr iterate as stored.
    Set(Vec<Value>),
    /// A `frozenset`, like [`Value::Set`].
    FrozenSet(Vec<Value>),
    /// A `fleche.digest.Digest`: a `str` subclass that is its own digest.
    Digest(String),
    /// A dataclass- or attrs-shaped instance: class name and fields in
    /// declaration order. fleche digests these as the class name salting the
    /// digest of the `{field: value}` dict (format §5).
    Record(Record),
    /// A numpy array.
    NdArray(NdArray),
    /// An instance of a class we do not model, kept inert: the class named
    /// `module.qualname`, its constructor arguments and its BUILD state.
    Object(Object),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The class as `module.qualname` when known, or just the name as typed.
    pub class: String,
    pub fields: Vec<(String, Value)>,
}

impl Record {
    /// `type(v).__name__`: the last dotted component of the qualified name.
    pub fn type_name(&self) -> &str {
        short_name(&self.class)
    }
}

/// A numpy array: the dtype's `.str` (`<f8`, `|b1`, `<U3`, ...), the shape,
/// and the elements.
#[derive(Debug, Clone)]
pub struct NdArray {
    pub dtype: String,
    pub shape: Vec<u64>,
    /// True when `data` holds the elements in Fortran (column-major) order.
    pub fortran_order: bool,
    /// numpy's `__setstate__` (the `_reconstruct` pickles of protocols
    /// below 5) byte-swaps big-endian data to native on load: the array
    /// fleche gives back, which `show` prints and `export` writes, is
    /// native, while the digest fleche stored was taken before pickling, of
    /// the array as it is here. See [`crate::numpy::loaded`].
    pub native_on_load: bool,
    pub data: ArrayData,
}

/// The same array: `native_on_load` only tells anything about a
/// big-endian one.
impl PartialEq for NdArray {
    fn eq(&self, other: &NdArray) -> bool {
        self.dtype == other.dtype
            && self.shape == other.shape
            && self.fortran_order == other.fortran_order
            && self.data == other.data
            && (self.native_on_load == other.native_on_load || !self.dtype.starts_with('>'))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ArrayData {
    /// The raw buffer, as `tobytes()` would give in `fortran_order`'s order.
    Raw(Vec<u8>),
    /// The elements of an object array (dtype `|O`).
    Objects(Vec<Value>),
}

/// An instance of a class we keep inert.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object {
    /// `module.qualname` of the class.
    pub class: String,
    /// Arguments of the REDUCE/NEWOBJ that created it.
    pub args: Vec<Value>,
    /// State passed to BUILD (`__setstate__` or `__dict__` update).
    pub state: Option<Box<Value>>,
    /// Items appended with APPEND(S) (list subclasses).
    pub list_items: Vec<Value>,
    /// Items set with SETITEM(S) (dict subclasses such as `defaultdict`).
    pub dict_items: Vec<(Value, Value)>,
}

/// Class of the [`Object`] standing for a member of an enum whose class a
/// pickle carries by value (cloudpickle): args are the class's
/// `module.qualname`, the member's name (`R|W` for a composite flag, None
/// for a flag of no named bits), its value, and the builtin type the enum
/// mixes in (`"int"`, `"str"`) or None — what fleche digests it as.
pub const ENUM_MEMBER_CLASS: &str = "<enum member>";

/// Class of the [`Object`] standing for a namedtuple whose class a pickle
/// carries by value (cloudpickle, dill): args are the class's
/// `module.qualname`, the field names (a tuple of str) and the values (a
/// tuple as long).
pub const NAMEDTUPLE_CLASS: &str = "<namedtuple>";

impl Object {
    pub fn type_name(&self) -> &str {
        short_name(self.python_class())
    }

    /// `module.qualname` of the instance's class: its own, or for the
    /// by-value markers ([`ENUM_MEMBER_CLASS`], [`NAMEDTUPLE_CLASS`]) the
    /// one they carry.
    pub fn python_class(&self) -> &str {
        match (self.class.as_str(), self.args.first()) {
            (ENUM_MEMBER_CLASS | NAMEDTUPLE_CLASS, Some(Value::Str(class))) => class,
            _ => &self.class,
        }
    }
}

fn short_name(qualified: &str) -> &str {
    qualified.rsplit('.').next().unwrap_or(qualified)
}

impl Value {
    pub fn int(i: i64) -> Value {
        Value::Int(BigInt::from(i))
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    /// `type(v).__name__`, which fleche uses as the digest salt.
    pub fn type_name(&self) -> &str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Complex(..) => "complex",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::ByteArray(_) => "bytearray",
            Value::Tuple(_) => "tuple",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::FrozenSet(_) => "frozenset",
            Value::Digest(_) => "Digest",
            Value::Record(r) => r.type_name(),
            Value::NdArray(_) => "ndarray",
            Value::Object(o) => o.type_name(),
        }
    }

    /// The Python type as people write it: `int`, `numpy.ndarray`,
    /// `__main__.Particle`, `fleche.digest.Digest`.
    pub fn python_type(&self) -> String {
        match self {
            Value::Digest(_) => "fleche.digest.Digest".into(),
            Value::NdArray(_) => "numpy.ndarray".into(),
            Value::Record(r) => r.class.clone(),
            Value::Object(o) => o.python_class().to_owned(),
            other => other.type_name().into(),
        }
    }

    /// Python's `==` between values, needed to deduplicate dict keys and set
    /// elements the way CPython does (`1 == 1.0 == True`, `"1" != 1`).
    pub fn py_eq(&self, other: &Value) -> bool {
        if let (Some(a), Some(b)) = (self.as_number(), other.as_number()) {
            return a.eq(&b);
        }
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Str(a) | Value::Digest(a), Value::Str(b) | Value::Digest(b)) => a == b,
            (Value::Bytes(a) | Value::ByteArray(a), Value::Bytes(b) | Value::ByteArray(b)) => {
                a == b
            }
            (Value::Tuple(a), Value::Tuple(b)) | (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.py_eq(y))
            }
            (Value::Dict(a), Value::Dict(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.iter().any(|(k2, v2)| k.py_eq(k2) && v.py_eq(v2)))
            }
            (Value::Set(a) | Value::FrozenSet(a), Value::Set(b) | Value::FrozenSet(b)) => {
                a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| x.py_eq(y)))
            }
            (Value::Record(a), Value::Record(b)) => {
                a.class == b.class
                    && a.fields.len() == b.fields.len()
                    && a.fields
                        .iter()
                        .zip(&b.fields)
                        .all(|((n1, v1), (n2, v2))| n1 == n2 && v1.py_eq(v2))
            }
            (a, b) => a == b,
        }
    }

    fn as_number(&self) -> Option<Number> {
        match self {
            Value::Bool(b) => Some(Number::Int(BigInt::from(*b as u8))),
            Value::Int(i) => Some(Number::Int(i.clone())),
            Value::Float(f) => Some(Number::Complex(*f, 0.0)),
            Value::Complex(r, i) => Some(Number::Complex(*r, *i)),
            _ => None,
        }
    }

    /// How many values this one holds, itself included: the work of
    /// copying it. Iterative, so any depth is counted.
    pub fn node_count(&self) -> u64 {
        let mut stack = vec![self];
        let mut n = 0u64;
        while let Some(v) = stack.pop() {
            n += 1;
            v.push_children(&mut stack);
        }
        n
    }

    /// Pushes the values this one holds directly (an object's arguments,
    /// state and items included), for walks that must not recurse.
    pub fn push_children<'a>(&'a self, stack: &mut Vec<&'a Value>) {
        match self {
            Value::Tuple(items)
            | Value::List(items)
            | Value::Set(items)
            | Value::FrozenSet(items) => stack.extend(items),
            Value::Dict(items) => stack.extend(items.iter().flat_map(|(k, v)| [k, v])),
            Value::Record(r) => stack.extend(r.fields.iter().map(|(_, v)| v)),
            Value::NdArray(a) => {
                if let ArrayData::Objects(items) = &a.data {
                    stack.extend(items);
                }
            }
            Value::Object(o) => {
                stack.extend(&o.args);
                stack.extend(o.state.as_deref());
                stack.extend(&o.list_items);
                stack.extend(o.dict_items.iter().flat_map(|(k, v)| [k, v]));
            }
            _ => {}
        }
    }

    /// How deeply this value nests (a scalar is 1, `[[]]` is 2).
    /// Iterative, so any depth is measured.
    pub fn depth(&self) -> usize {
        let mut stack = vec![(self, 1usize)];
        let mut deepest = 0;
        while let Some((v, d)) = stack.pop() {
            deepest = deepest.max(d);
            let below = d + 1;
            match v {
                Value::Tuple(items)
                | Value::List(items)
                | Value::Set(items)
                | Value::FrozenSet(items) => stack.extend(items.iter().map(|x| (x, below))),
                Value::Dict(items) => {
                    stack.extend(items.iter().flat_map(|(k, v)| [(k, below), (v, below)]))
                }
                Value::Record(r) => stack.extend(r.fields.iter().map(|(_, v)| (v, below))),
                Value::NdArray(a) => {
                    if let ArrayData::Objects(items) = &a.data {
                        stack.extend(items.iter().map(|x| (x, below)));
                    }
                }
                Value::Object(o) => {
                    stack.extend(o.args.iter().map(|x| (x, below)));
                    stack.extend(o.state.as_deref().map(|x| (x, below)));
                    stack.extend(o.list_items.iter().map(|x| (x, below)));
                    stack.extend(
                        o.dict_items
                            .iter()
                            .flat_map(|(k, v)| [(k, below), (v, below)]),
                    );
                }
                _ => {}
            }
        }
        deepest
    }

    /// Whether CPython would accept this as a dict key or set element.
    pub fn is_hashable(&self) -> bool {
        match self {
            Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::ByteArray(_) => false,
            Value::NdArray(_) | Value::Object(_) => false,
            Value::Tuple(items) => items.iter().all(Value::is_hashable),
            Value::Record(_) => false,
            _ => true,
        }
    }
}

enum Number {
    Int(BigInt),
    Complex(f64, f64),
}

impl Number {
    fn eq(&self, other: &Number) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            (Number::Int(a), Number::Complex(r, i)) | (Number::Complex(r, i), Number::Int(a)) => {
                *i == 0.0 && int_eq_float(a, *r)
            }
            (Number::Complex(r1, i1), Number::Complex(r2, i2)) => r1 == r2 && i1 == i2,
        }
    }
}

/// Exact comparison of an int with a float, as CPython does (no rounding of
/// the int to a float first).
fn int_eq_float(i: &BigInt, f: f64) -> bool {
    if !f.is_finite() || f.fract() != 0.0 {
        return false;
    }
    if f == 0.0 {
        return i.is_zero();
    }
    // Exact: an integral float's value converts without rounding.
    num_traits::FromPrimitive::from_f64(f).is_some_and(|b: BigInt| &b == i)
}

/// A str holding bytes as latin-1 characters (how Python 2 pickles carry
/// bytes), as those bytes; None if a character is above U+00FF.
pub(crate) fn latin1(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::int(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_equal_floats_exactly_as_in_python() {
        let int = |s: &str| Value::Int(s.parse().expect("an int"));
        let two53 = 9007199254740992.0;
        assert!(int("9007199254740992").py_eq(&Value::Float(two53)));
        assert!(!int("9007199254740993").py_eq(&Value::Float(two53)));
        // 1e30 is 1000000000000000019884624838656 exactly.
        assert!(!int("1000000000000000000000000000000").py_eq(&Value::Float(1e30)));
        assert!(int("1000000000000000019884624838656").py_eq(&Value::Float(1e30)));
        assert!(int("-3").py_eq(&Value::Float(-3.0)));
        assert!(int("0").py_eq(&Value::Float(-0.0)));
        assert!(!int("1").py_eq(&Value::Float(1.5)));
        assert!(!int("1").py_eq(&Value::Float(f64::NAN)));
        assert!(Value::Bool(true).py_eq(&Value::Complex(1.0, 0.0)));
    }
}
