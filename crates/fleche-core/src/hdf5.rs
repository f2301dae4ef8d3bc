//! An inert reader of bagofholding's HDF5 bags (bagofholding 0.1.16, as
//! fleche's `bagofholding_hdf` value store writes them): the same [`Value`]
//! tree the pickle reader builds for the same object, so repr, JSON,
//! destructuring and digests work alike. Nothing named in a file is
//! imported or called.
//!
//! The format, read off bagofholding's `content.py` and `h5/bag.py`: a bag
//! is a group (the file's root for one file per key, else `/{key}`) whose
//! value is at `object`. Every node names its kind in a `content_type`
//! attribute (`bagofholding.content.Long`, ...). Scalars are datasets: None
//! a null dataspace, bool an enum, int an int64/uint64 or a decimal string
//! marked `_bigint`, float a float64, complex a float64\[2\], str a
//! variable-length UTF-8 string (or UTF-16 opaque bytes marked
//! `_surrogate_str`), bytes opaque (empty: a variable-length string),
//! bytearray a uint8 array. Lists, tuples, sets and unions are groups of
//! `i0..iN`; a dict is either one member per (simple) str key, which h5py
//! lists in name order, or `keys`/`values` tuples; numeric numpy arrays are
//! one dataset; anything else is a `Reducible` group holding its
//! `__reduce_ex__(4)` parts (`constructor`, `args`, `state`,
//! `item_iterator`, `kv_iterator`, `setter`), and classes and functions a
//! `Global` import string. An object met again is a `Reference`: the path,
//! inside the bag, of its first appearance. Here a reference is read again
//! from that path (charged against the limits, as the pickle reader
//! charges memo sharing), and one to an ancestor becomes a
//! [`RECURSION_CLASS`](crate::pickle::RECURSION_CLASS) placeholder, as in pickles.
//!
//! The library is `hdf5-reader` (pure Rust, read-only): it opens files with
//! positional reads (no mmap, no `flock`/`fcntl` lock, so fleche's writers
//! and their `.lock` protocol are never blocked), reads only the objects
//! asked for (a small value out of a large shared file costs a few reads),
//! and bounds what a read may allocate; we cap that at the file's size.

use crate::pickle::{global_ref, interpret, recursion, Limits};
use crate::value::{ArrayData, NdArray, Object, Value};
use hdf5_reader::group::Group;
use hdf5_reader::{Attribute, ByteOrder, Dataset, Datatype, Hdf5File, OpenOptions};
use num_bigint::BigInt;
use std::collections::HashMap;
use std::path::Path;
use thiserror::Error;

/// Where a bag's value sits inside the bag.
const STORAGE_ROOT: &str = "object";

/// Python's default limit on the digits of `int(str)`, which bagofholding
/// loads big ints with.
const MAX_INT_DIGITS: usize = 4300;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum Hdf5Error {
    #[error("not a readable HDF5 file: {error}")]
    File { error: String },
    #[error("no bag `{0}` in the file")]
    NoBag(String),
    #[error("at `{path}`: {reason}")]
    Invalid { path: String, reason: String },
    #[error("the value exceeds the limit of {limit} {what}")]
    Limit { what: &'static str, limit: u64 },
}

fn invalid(path: &str, reason: impl std::fmt::Display) -> Hdf5Error {
    Hdf5Error::Invalid {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

/// One HDF5 file of a bagofholding store.
pub struct BagFile {
    file: Hdf5File,
    len: u64,
}

thread_local! {
    /// How many files this thread opened as bags: short-key lookups must
    /// open only the files that can hold the key (tests read it).
    static OPENED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How many HDF5 files the calling thread has opened (for tests).
#[doc(hidden)]
pub fn files_opened_on_this_thread() -> usize {
    OPENED.with(std::cell::Cell::get)
}

impl BagFile {
    /// Open a file for reading: positional reads, no lock, no mapping.
    pub fn open(path: &Path) -> Result<BagFile, Hdf5Error> {
        OPENED.with(|n| n.set(n.get() + 1));
        let len = std::fs::metadata(path)
            .map_err(|e| Hdf5Error::File {
                error: e.to_string(),
            })?
            .len();
        let file =
            Hdf5File::open_with_options(path, options(len)).map_err(|e| Hdf5Error::File {
                error: e.to_string(),
            })?;
        Ok(BagFile { file, len })
    }

    /// The same from bytes in memory (tests and fuzzing).
    pub fn from_bytes(data: &[u8]) -> Result<BagFile, Hdf5Error> {
        let len = data.len() as u64;
        let file =
            Hdf5File::from_bytes_with_options(data, options(len)).map_err(|e| Hdf5Error::File {
                error: e.to_string(),
            })?;
        Ok(BagFile { file, len })
    }

    /// The file's size in bytes.
    pub fn size(&self) -> u64 {
        self.len
    }

    /// The names at the file's top level: the keys of a shared file, as
    /// fleche lists them (`h5py.File.keys()`).
    pub fn bag_names(&self) -> Result<Vec<String>, Hdf5Error> {
        let root = self.root()?;
        let (mut groups, datasets) = root.member_names().map_err(|e| invalid("/", e))?;
        groups.extend(datasets);
        groups.sort();
        Ok(groups)
    }

    fn root(&self) -> Result<Group, Hdf5Error> {
        self.file.root_group().map_err(|e| Hdf5Error::File {
            error: e.to_string(),
        })
    }

    /// The value of the bag `/{bag}` (a shared file), or of the bag at the
    /// file's root (`None`: one file per key).
    pub fn load(&self, bag: Option<&str>) -> Result<Value, Hdf5Error> {
        self.load_with(bag, &Limits::for_input(self.len as usize))
    }

    /// The `module.qualname` a bag's value names (objects and arrays), read
    /// from its attributes without decoding the value: enough to tell a
    /// destructured wrapper from anything else.
    pub fn class_of(&self, bag: Option<&str>) -> Result<Option<String>, Hdf5Error> {
        let bag = self.bag(bag)?;
        let node = child(&bag, STORAGE_ROOT).ok_or_else(|| invalid(STORAGE_ROOT, "no value"))?;
        let text = |name: &str| node.attribute(name).and_then(|a| a.read_string().ok());
        Ok(match (text("module"), text("qualname")) {
            (Some(m), Some(q)) => Some(format!("{m}.{q}")),
            _ => None,
        })
    }

    fn bag(&self, bag: Option<&str>) -> Result<Group, Hdf5Error> {
        let root = self.root()?;
        match bag {
            Some(name) => root
                .group(name)
                .map_err(|_| Hdf5Error::NoBag(name.to_owned())),
            None => Ok(root),
        }
    }

    pub fn load_with(&self, bag: Option<&str>, limits: &Limits) -> Result<Value, Hdf5Error> {
        let bag = self.bag(bag)?;
        let mut reader = Reader {
            bag,
            limits,
            on_path: Vec::new(),
            used_nodes: 0,
            used_bytes: 0,
            memo: HashMap::new(),
            cycles: 0,
            deepest: 0,
        };
        reader.value_at(STORAGE_ROOT, 0)
    }
}

/// Reads never allocate more than the file holds: bagofholding writes no
/// filters, so no dataset's bytes exceed the file's.
fn options(len: u64) -> OpenOptions {
    let cap = usize::try_from(len).unwrap_or(usize::MAX).max(1024);
    OpenOptions::default()
        .with_chunk_cache_bytes(0)
        .with_max_read_bytes(cap)
        .with_max_chunk_bytes(cap)
        .with_max_object_header_bytes(cap)
}

/// A node of a bag: a group or a dataset.
enum Node {
    Group(Group),
    Dataset(Box<Dataset>),
}

impl Node {
    fn attribute(&self, name: &str) -> Option<Attribute> {
        match self {
            Node::Group(g) => g.attribute(name).ok(),
            Node::Dataset(d) => d.attribute(name).ok(),
        }
    }
}

struct Reader<'a> {
    bag: Group,
    limits: &'a Limits,
    /// Paths of the nodes being read (a reference to one is a cycle).
    on_path: Vec<(String, &'static str)>,
    used_nodes: u64,
    used_bytes: u64,
    /// What a reference's target read as, with the nodes, bytes and levels
    /// it took: read once however often it is referenced (each use is
    /// still charged), as the pickle reader's memo does.
    memo: HashMap<String, Memo>,
    /// Cycle placeholders made so far: a target whose reading made one
    /// depends on where it was read from, and is not remembered.
    cycles: u64,
    /// The deepest level reached.
    deepest: usize,
}

struct Memo {
    value: Value,
    nodes: u64,
    bytes: u64,
    height: usize,
}

fn join(path: &str, name: &str) -> String {
    format!("{path}/{name}")
}

impl Reader<'_> {
    fn charge(&mut self, nodes: u64, bytes: u64) -> Result<(), Hdf5Error> {
        self.used_nodes += nodes;
        self.used_bytes += bytes;
        if self.used_nodes > self.limits.max_nodes {
            return Err(Hdf5Error::Limit {
                what: "values",
                limit: self.limits.max_nodes,
            });
        }
        if self.used_bytes > self.limits.max_bytes {
            return Err(Hdf5Error::Limit {
                what: "bytes of strings and arrays",
                limit: self.limits.max_bytes,
            });
        }
        Ok(())
    }

    /// The node at a path inside the bag (`object/i0/...`).
    fn node(&self, path: &str) -> Result<Node, Hdf5Error> {
        let mut parts = path.split('/').filter(|p| !p.is_empty()).peekable();
        let mut group = self.bag.clone();
        while let Some(name) = parts.next() {
            if parts.peek().is_none() {
                return child(&group, name).ok_or_else(|| invalid(path, "no such member"));
            }
            group = group
                .group(name)
                .map_err(|_| invalid(path, "no such group"))?;
        }
        Ok(Node::Group(group))
    }

    fn value_at(&mut self, path: &str, depth: usize) -> Result<Value, Hdf5Error> {
        let node = self.node(path)?;
        self.value(&node, path, depth)
    }

    fn value(&mut self, node: &Node, path: &str, depth: usize) -> Result<Value, Hdf5Error> {
        if depth > self.limits.max_depth {
            return Err(Hdf5Error::Limit {
                what: "levels of nesting",
                limit: self.limits.max_depth as u64,
            });
        }
        self.charge(1, 0)?;
        self.deepest = self.deepest.max(depth);
        let content = node
            .attribute("content_type")
            .and_then(|a| a.read_string().ok())
            .ok_or_else(|| invalid(path, "no content_type attribute"))?;
        let kind = content
            .strip_prefix("bagofholding.content.")
            .or_else(|| content.strip_prefix("bagofholding.h5.content."))
            .unwrap_or(&content);
        // Datasets too: a reference may point at a reference. With what
        // Python's repr prints where a cycle closes on this node.
        let shown = match kind {
            "List" => "[...]",
            "StrKeyDict" | "Dict" => "{...}",
            _ => "...",
        };
        self.on_path.push((path.to_owned(), shown));
        let out = match node {
            Node::Dataset(d) => self.item(d, node, kind, path, depth),
            Node::Group(g) => self.group(g, kind, path, depth),
        };
        self.on_path.pop();
        out
    }

    fn item(
        &mut self,
        d: &Dataset,
        node: &Node,
        kind: &str,
        path: &str,
        depth: usize,
    ) -> Result<Value, Hdf5Error> {
        let flag = |name: &str| {
            node.attribute(name)
                .is_some_and(|a| a.raw_data.iter().any(|&b| b != 0))
        };
        Ok(match kind {
            "NoneItem" => Value::None,
            "Str" if flag("_surrogate_str") => {
                let raw = self.raw(d, path)?;
                Value::Str(utf16(&raw))
            }
            "Str" => Value::Str(self.string(d, path)?),
            "Global" => global_ref(self.string(d, path)?),
            "Reference" => {
                let target = self.string(d, path)?;
                return self.reference(&target, path, depth);
            }
            "Bool" => Value::Bool(self.raw(d, path)?.iter().any(|&b| b != 0)),
            "Long" if flag("_bigint") => {
                let s = self.string(d, path)?;
                let digits = s.trim_start_matches(['-', '+']);
                if digits.len() > MAX_INT_DIGITS {
                    return Err(invalid(path, "an integer of more than 4300 digits"));
                }
                Value::Int(
                    s.parse::<BigInt>()
                        .map_err(|_| invalid(path, "a big int that is not decimal"))?,
                )
            }
            "Long" => match (d.dtype(), self.raw(d, path)?.as_slice()) {
                (
                    Datatype::FixedPoint {
                        size,
                        signed,
                        byte_order,
                    },
                    raw,
                ) if usize::from(*size) == raw.len() && raw.len() <= 16 => {
                    let mut b = raw.to_vec();
                    if *byte_order == ByteOrder::BigEndian {
                        b.reverse();
                    }
                    Value::Int(if *signed {
                        BigInt::from_signed_bytes_le(&b)
                    } else {
                        BigInt::from_bytes_le(num_bigint::Sign::Plus, &b)
                    })
                }
                _ => return Err(invalid(path, "an int that is not a scalar integer")),
            },
            "Float" => {
                let f = self.floats(d, path)?;
                match f.as_slice() {
                    [x] => Value::Float(*x),
                    _ => return Err(invalid(path, "a float that is not a scalar")),
                }
            }
            "Complex" => {
                let f = self.floats(d, path)?;
                match f.as_slice() {
                    [re, im] => Value::Complex(*re, *im),
                    _ => return Err(invalid(path, "a complex that is not two floats")),
                }
            }
            "Bytes" => match d.dtype() {
                Datatype::String { .. } | Datatype::VarLen { .. } => {
                    Value::Bytes(self.string(d, path)?.into_bytes())
                }
                _ => Value::Bytes(self.raw(d, path)?),
            },
            "Bytearray" => Value::ByteArray(self.raw(d, path)?),
            "Array" => self.array(d, path)?,
            other => return Err(invalid(path, format!("unknown content type `{other}`"))),
        })
    }

    fn raw(&mut self, d: &Dataset, path: &str) -> Result<Vec<u8>, Hdf5Error> {
        if d.num_elements().ok() == Some(0) {
            return Ok(Vec::new());
        }
        let raw = d.read_raw_bytes().map_err(|e| invalid(path, e))?;
        self.charge(0, raw.len() as u64)?;
        Ok(raw)
    }

    fn string(&mut self, d: &Dataset, path: &str) -> Result<String, Hdf5Error> {
        let s = d.read_string().map_err(|e| invalid(path, e))?;
        self.charge(0, s.len() as u64)?;
        Ok(s)
    }

    fn floats(&mut self, d: &Dataset, path: &str) -> Result<Vec<f64>, Hdf5Error> {
        let Datatype::FloatingPoint { size, byte_order } = d.dtype().clone() else {
            return Err(invalid(path, "not a float dataset"));
        };
        let raw = self.raw(d, path)?;
        let size = usize::from(size);
        if !matches!(size, 4 | 8) || raw.len() % size != 0 {
            return Err(invalid(path, "not a float dataset"));
        }
        Ok(raw
            .chunks(size)
            .map(|c| {
                let mut b = c.to_vec();
                if byte_order == ByteOrder::BigEndian {
                    b.reverse();
                }
                match b.try_into() {
                    Ok(b8) => f64::from_le_bytes(b8),
                    Err(b4) => f64::from(f32::from_le_bytes(
                        <[u8; 4]>::try_from(b4).unwrap_or_default(),
                    )),
                }
            })
            .collect())
    }

    /// A numpy array: the dataset's elements in C order, in its byte order.
    fn array(&mut self, d: &Dataset, path: &str) -> Result<Value, Hdf5Error> {
        let dtype = dtype_str(d.dtype())
            .ok_or_else(|| invalid(path, format!("an array of HDF5 type {:?}", d.dtype())))?;
        let shape = d.shape().to_vec();
        let raw = self.raw(d, path)?;
        if shape.is_empty() {
            // A 0-d array: h5py reads it back as a numpy scalar, which the
            // pickle reader also gives as the plain number.
            if let Some(v) = crate::numpy::scalar(&pickled_dtype(&dtype), &raw) {
                return Ok(v);
            }
        }
        Ok(Value::NdArray(NdArray {
            dtype,
            shape,
            fortran_order: false,
            data: ArrayData::Raw(raw),
            // h5py gives the dataset's bytes back as they are stored.
            native_on_load: false,
        }))
    }

    /// A `Reference`: the object first stored at `target`, read again, or a
    /// recursion placeholder when it is being read (a cycle).
    fn reference(&mut self, target: &str, path: &str, depth: usize) -> Result<Value, Hdf5Error> {
        // Paths are compared as the node they name: `a//b` is `a/b`.
        let target: String = target
            .split('/')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        if let Some((_, shown)) = self.on_path.iter().find(|(p, _)| *p == target) {
            let shown = *shown;
            self.cycles += 1;
            return Ok(recursion(shown));
        }
        let depth = depth + 1;
        if let Some(m) = self.memo.get(&target) {
            let (nodes, bytes, height) = (m.nodes, m.bytes, m.height);
            if depth + height > self.limits.max_depth {
                return Err(Hdf5Error::Limit {
                    what: "levels of nesting",
                    limit: self.limits.max_depth as u64,
                });
            }
            self.charge(nodes, bytes)?;
            self.deepest = self.deepest.max(depth + height);
            return Ok(self.memo[&target].value.clone());
        }
        let node = self
            .node(&target)
            .map_err(|_| invalid(path, format!("a reference to `{target}`, which is missing")))?;
        let before = (self.used_nodes, self.used_bytes, self.cycles, self.deepest);
        self.deepest = depth;
        let value = self.value(&node, &target, depth)?;
        let height = self.deepest - depth;
        self.deepest = self.deepest.max(before.3);
        if self.cycles == before.2 {
            let memo = Memo {
                value: value.clone(),
                nodes: self.used_nodes - before.0,
                bytes: self.used_bytes - before.1,
                height,
            };
            self.memo.insert(target, memo);
        }
        Ok(value)
    }

    fn members(&self, g: &Group, path: &str) -> Result<Vec<String>, Hdf5Error> {
        let (mut names, datasets) = g.member_names().map_err(|e| invalid(path, e))?;
        names.extend(datasets);
        Ok(names)
    }

    fn items(&mut self, g: &Group, path: &str, depth: usize) -> Result<Vec<Value>, Hdf5Error> {
        let n = self.members(g, path)?.len();
        let mut out = Vec::with_capacity(n.min(1 << 16));
        for i in 0..n {
            let name = format!("i{i}");
            let node = child(g, &name).ok_or_else(|| invalid(path, format!("no item {name}")))?;
            out.push(self.value(&node, &join(path, &name), depth + 1)?);
        }
        Ok(out)
    }

    fn member(
        &mut self,
        g: &Group,
        name: &str,
        path: &str,
        depth: usize,
    ) -> Result<Value, Hdf5Error> {
        let node = child(g, name).ok_or_else(|| invalid(path, format!("no member `{name}`")))?;
        self.value(&node, &join(path, name), depth + 1)
    }

    fn group(
        &mut self,
        g: &Group,
        kind: &str,
        path: &str,
        depth: usize,
    ) -> Result<Value, Hdf5Error> {
        Ok(match kind {
            "List" => Value::List(self.items(g, path, depth)?),
            "Tuple" => Value::Tuple(self.items(g, path, depth)?),
            // Rebuilt by adding the elements one by one.
            "Set" => Value::Set(crate::pyhash::order_by_insertion(
                self.items(g, path, depth)?,
            )),
            "FrozenSet" => Value::FrozenSet(crate::pyhash::order_by_insertion(
                self.items(g, path, depth)?,
            )),
            "Union" => Value::Object(Object {
                class: "types.UnionType".into(),
                args: self.items(g, path, depth)?,
                ..Object::default()
            }),
            // h5py lists a group's members in name order, so the dict comes
            // back with its keys sorted.
            "StrKeyDict" => {
                let mut names = self.members(g, path)?;
                names.sort();
                let mut out = Vec::with_capacity(names.len());
                for name in names {
                    let v = self.member(g, &name, path, depth)?;
                    out.push((Value::Str(name), v));
                }
                Value::Dict(out)
            }
            "Dict" => {
                let keys = self.member(g, "keys", path, depth)?;
                let values = self.member(g, "values", path, depth)?;
                match (keys, values) {
                    (Value::Tuple(k), Value::Tuple(v)) if k.len() == v.len() => {
                        Value::Dict(k.into_iter().zip(v).collect())
                    }
                    _ => return Err(invalid(path, "dict keys and values differ")),
                }
            }
            "Reducible" => self.reducible(g, path, depth)?,
            other => return Err(invalid(path, format!("unknown content type `{other}`"))),
        })
    }

    /// `__reduce_ex__(4)`'s parts, as the pickle reader represents what
    /// pickle would write for them (NEWOBJ, REDUCE, BUILD, APPEND, SETITEM).
    fn reducible(&mut self, g: &Group, path: &str, depth: usize) -> Result<Value, Hdf5Error> {
        const FIELDS: [&str; 4] = ["state", "item_iterator", "kv_iterator", "setter"];
        let n = self.members(g, path)?.len();
        let constructor = self.member(g, "constructor", path, depth)?;
        let args = match self.member(g, "args", path, depth)? {
            Value::Tuple(a) => a,
            _ => return Err(invalid(path, "reduce arguments that are not a tuple")),
        };
        let mut rest = Vec::new();
        for name in FIELDS.iter().take(n.saturating_sub(2)) {
            rest.push(self.member(g, name, path, depth)?);
        }
        let mut rest = rest.into_iter();
        let state = rest.next().filter(|s| *s != Value::None);
        let list_items = match rest.next() {
            Some(Value::List(items) | Value::Tuple(items)) => items,
            _ => Vec::new(),
        };
        let dict_items = match rest.next() {
            // A dict's item iterator reduces to `iter([(k, v), ...])`.
            Some(Value::Object(o)) if o.class == "builtins.iter" => match o.args.as_slice() {
                [Value::List(pairs) | Value::Tuple(pairs)] => pairs
                    .iter()
                    .filter_map(|p| match p {
                        Value::Tuple(kv) if kv.len() == 2 => Some((kv[0].clone(), kv[1].clone())),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let callable = crate::pickle::global_name(&constructor)
            .unwrap_or("<unknown>")
            .to_owned();
        let name = |v: &Value| {
            crate::pickle::global_name(v)
                .unwrap_or("<unknown>")
                .to_owned()
        };
        let (class, args) = match (callable.as_str(), args.as_slice()) {
            ("copyreg.__newobj__", [cls, ..]) => (name(cls), args[1..].to_vec()),
            ("copyreg.__newobj_ex__", [cls, Value::Tuple(a), kw]) => {
                let mut a = a.clone();
                if !matches!(kw, Value::Dict(d) if d.is_empty()) {
                    a.push(kw.clone());
                }
                (name(cls), a)
            }
            ("copyreg._reconstructor", [cls, base, st]) => {
                let (class, base) = (name(cls), name(base));
                if class == "fleche.digest.Digest" && base == "builtins.str" {
                    if let Value::Str(s) = st {
                        return Ok(Value::Digest(s.clone()));
                    }
                }
                let a = if *st == Value::None {
                    Vec::new()
                } else {
                    vec![st.clone()]
                };
                (class, a)
            }
            _ => (callable, args),
        };
        interpret(Object {
            class,
            args,
            state: state.map(Box::new),
            list_items,
            dict_items,
        })
        .map_err(|e| invalid(path, e))
    }
}

/// A dtype as the pickle reader has it (`numpy.dtype("f8")` with its BUILD
/// state), from its `.str`.
fn pickled_dtype(dtype: &str) -> Value {
    let (order, spec) = dtype.split_at(1);
    Value::Object(Object {
        class: "numpy.dtype".into(),
        args: vec![Value::str(spec), Value::Bool(false), Value::Bool(true)],
        state: Some(Box::new(Value::Tuple(vec![
            Value::int(3),
            Value::str(order),
            Value::None,
            Value::None,
            Value::None,
            Value::int(-1),
            Value::int(-1),
            Value::int(0),
        ]))),
        ..Object::default()
    })
}

/// A member of a group, whichever kind of node it is.
fn child(g: &Group, name: &str) -> Option<Node> {
    if let Ok(d) = g.dataset(name) {
        return Some(Node::Dataset(Box::new(d)));
    }
    g.group(name).ok().map(Node::Group)
}

/// `bytes.decode("utf-16", errors="surrogatepass")`: a byte-order mark, then
/// code units; lone surrogates have no Rust `String` form and become U+FFFD
/// (as in the pickle reader).
fn utf16(raw: &[u8]) -> String {
    let (big, body) = match raw {
        [0xfe, 0xff, rest @ ..] => (true, rest),
        [0xff, 0xfe, rest @ ..] => (false, rest),
        _ => (false, raw),
    };
    let units = body.chunks_exact(2).map(|c| {
        if big {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_le_bytes([c[0], c[1]])
        }
    });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// numpy's `dtype.str` for the HDF5 types h5py writes numpy arrays as
/// (bagofholding's whitelist: ints, floats, complex, bool).
fn dtype_str(t: &Datatype) -> Option<String> {
    let order = |o: &ByteOrder, size: u8| {
        if size == 1 {
            '|'
        } else if *o == ByteOrder::BigEndian {
            '>'
        } else {
            '<'
        }
    };
    Some(match t {
        Datatype::FixedPoint {
            size,
            signed,
            byte_order,
        } if matches!(size, 1 | 2 | 4 | 8) => {
            format!(
                "{}{}{size}",
                order(byte_order, *size),
                if *signed { 'i' } else { 'u' }
            )
        }
        Datatype::FloatingPoint { size, byte_order } if matches!(size, 2 | 4 | 8) => {
            format!("{}f{size}", order(byte_order, *size))
        }
        // h5py's bool: an enum of int8 with FALSE = 0 and TRUE = 1.
        Datatype::Enum { base, members }
            if matches!(**base, Datatype::FixedPoint { size: 1, .. })
                && members.len() == 2
                && members.iter().any(|m| m.name == "TRUE")
                && members.iter().any(|m| m.name == "FALSE") =>
        {
            "|b1".into()
        }
        // h5py's complex: a compound of two floats named r and i.
        Datatype::Compound { size, fields } if fields.len() == 2 => {
            let (r, i) = (&fields[0], &fields[1]);
            let half = size / 2;
            match (&r.datatype, &i.datatype) {
                (
                    Datatype::FloatingPoint {
                        size: a,
                        byte_order,
                    },
                    Datatype::FloatingPoint { size: b, .. },
                ) if r.name == "r"
                    && i.name == "i"
                    && u32::from(*a) == half
                    && *a == *b
                    && matches!(a, 4 | 8)
                    && r.byte_offset == 0
                    && i.byte_offset == half =>
                {
                    format!("{}c{size}", order(byte_order, *a))
                }
                _ => return None,
            }
        }
        _ => return None,
    })
}
