//! An inert pickle reader: protocols 0–5, every opcode CPython emits.
//!
//! Nothing named in a pickle is ever imported or called. Opcodes build a graph
//! of inert nodes (a REDUCE is a record of "this callable with these
//! arguments"); at STOP the graph becomes a [`Value`] tree, and only then are
//! the few callables this tool understands recognised *by name*: builtin
//! containers, `fleche.digest.Digest`, numpy arrays and scalars,
//! `OrderedDict`/`defaultdict`. Everything else stays an [`Object`] naming
//! `module.qualname` with its arguments and state.
//!
//! A hostile or truncated file gives a [`PickleError`]: every read is bounds
//! checked, the memo is capped, and expanding memo-shared nodes into a tree
//! (which can blow up exponentially, "billion laughs") is charged against
//! [`Limits`]. A container that contains itself becomes a
//! [`RECURSION_CLASS`] placeholder where the cycle closes.
//!
//! Conventions of the inert form: a class or function that is named but not
//! called is a [`GLOBAL_CLASS`] object; NEWOBJ_EX keyword arguments, when
//! present, are the last entry of `args`; cloudpickle/dill classes made by
//! value are named `module.qualname` from their skeleton, cloudpickled
//! functions are `builtins.function` objects. Set elements and dict keys are
//! kept as pickled (Python's writer never repeats them), not deduplicated.

use crate::numpy;
use crate::value::{Object, Value};
use num_bigint::BigInt;
use num_traits::ToPrimitive;
use std::collections::HashMap;
use thiserror::Error;

/// Class of the [`Object`] that stands for a class or function named in the
/// pickle but not called (a `defaultdict`'s factory, a `DigestedDataclass`'s
/// `cls`): its only argument is the `module.qualname` string.
pub const GLOBAL_CLASS: &str = "<global>";

/// Class of the [`Object`] placed where a container refers back to one of its
/// own ancestors (`l = []; l.append(l)`), which a tree cannot hold.
pub const RECURSION_CLASS: &str = "<recursion>";

/// Class of the [`Object`] that holds a `str` with lone surrogates (valid
/// in Python, not in a Rust `String`): its argument is the text's UTF-8
/// bytes as `surrogatepass` writes them.
pub const SURROGATE_STR_CLASS: &str = "<str with surrogates>";

/// The code points of UTF-8 that may encode surrogates (as CPython's
/// `surrogatepass` writes lone ones); `None` when it is not that.
pub fn surrogate_code_points(bytes: &[u8]) -> Option<Vec<u32>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (len, init) = match b {
            0x00..=0x7f => (1, u32::from(b)),
            0xc2..=0xdf => (2, u32::from(b & 0x1f)),
            0xe0..=0xef => (3, u32::from(b & 0x0f)),
            0xf0..=0xf4 => (4, u32::from(b & 0x07)),
            _ => return None,
        };
        let tail = bytes.get(i + 1..i + len)?;
        let mut cp = init;
        for &t in tail {
            if t & 0xc0 != 0x80 {
                return None;
            }
            cp = (cp << 6) | u32::from(t & 0x3f);
        }
        // Overlong forms and values past U+10FFFF are not text.
        let min = [0, 0, 0x80, 0x800, 0x10000][len];
        if cp < min || cp > 0x10ffff {
            return None;
        }
        out.push(cp);
        i += len;
    }
    Some(out)
}

/// `module.qualname` when `v` is a [`GLOBAL_CLASS`] reference.
pub fn global_name(v: &Value) -> Option<&str> {
    match v {
        Value::Object(o) if o.class == GLOBAL_CLASS => match o.args.first() {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// Bounds that keep a hostile pickle from exhausting stack, memory or time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Nesting depth of the value tree. Python cannot pickle much deeper
    /// than its recursion limit (1000); the default stays lower so that this
    /// reader and recursive consumers (digest, repr, drop) fit a 2 MiB thread
    /// stack even in debug builds.
    pub max_depth: usize,
    /// Entries in the memo.
    pub max_memo: usize,
    /// Values in the finished tree, weighed by what they cost once shown
    /// (an object or dict four, a tuple or set two, anything else one);
    /// only memo sharing makes this exceed a few per opcode.
    pub max_nodes: u64,
    /// Bytes of str/bytes payload in the finished tree.
    pub max_bytes: u64,
    /// [`RECURSION_CLASS`] placeholders: references of a value back to a
    /// value containing it. Real data holds few (fleche cannot digest a
    /// cyclic value unless its class digests itself), while two bytes of
    /// pickle make one (a 4 MB list of 2M references to itself took 2 GB
    /// to show).
    pub max_cycles: u64,
}

impl Limits {
    /// Limits for an input of `len` bytes: a tree may hold as many values
    /// (weighed as [`Limits::max_nodes`] says) as the file has bytes (a
    /// file spells out about one per byte without sharing), plus 262,144,
    /// and four times its bytes of text. Each value costs a few hundred
    /// bytes once decoded and shown, so sharing must not multiply them: a
    /// 4 KB pickle listing one 1,000-element list 1,000 times took 450 MB
    /// to show, a 4 MB one listing one object 2M times 1.7 GB.
    pub fn for_input(len: usize) -> Limits {
        let len = len as u64;
        Limits {
            max_nodes: (1 << 18) + len,
            max_bytes: (1 << 26) + len.saturating_mul(4),
            max_cycles: (1 << 16) + len / 64,
            ..Limits::default()
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 500,
            max_memo: 1 << 24,
            max_nodes: 1 << 24,
            max_bytes: 1 << 30,
            max_cycles: 1 << 16,
        }
    }
}

#[derive(Debug, Error, Clone, PartialEq)]
pub enum PickleError {
    #[error("the pickle ends early: opcode {opcode} at byte {offset} needs more bytes")]
    Truncated { offset: usize, opcode: &'static str },
    #[error("the pickle ends at byte {offset} without a STOP opcode")]
    NoStop { offset: usize },
    #[error("unknown pickle opcode 0x{byte:02x} at byte {offset}")]
    UnknownOpcode { offset: usize, byte: u8 },
    #[error("invalid pickle: opcode {opcode} at byte {offset}: {reason}")]
    Invalid {
        offset: usize,
        opcode: &'static str,
        reason: String,
    },
    #[error("unsupported pickle feature: opcode {opcode} at byte {offset}: {reason}")]
    Unsupported {
        offset: usize,
        opcode: &'static str,
        reason: String,
    },
    #[error("the pickle exceeds the limit of {limit} {what}")]
    Limit { what: &'static str, limit: u64 },
    /// A numpy array whose data does not fill its shape: numpy refuses to
    /// load it, and its size cannot be trusted.
    #[error("invalid numpy array: {reason}")]
    Array { reason: String },
}

/// Decode a pickle into a value tree, with [`Limits::for_input`].
pub fn load(bytes: &[u8]) -> Result<Value, PickleError> {
    load_with(bytes, &Limits::for_input(bytes.len()))
}

/// Decode a pickle into a value tree under explicit limits. Bytes after STOP
/// (such as a signature) are ignored, as `pickle.loads` does.
pub fn load_with(bytes: &[u8], limits: &Limits) -> Result<Value, PickleError> {
    let mut machine = Machine {
        data: bytes,
        pos: 0,
        op_start: 0,
        op: "PROTO",
        nodes: Vec::new(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: Memo::default(),
        limits,
    };
    let root = machine.run()?;
    let movable = movable_leaves(&mut machine.nodes, root);
    let mut builder = Builder {
        nodes: &machine.nodes,
        limits,
        on_path: vec![false; machine.nodes.len()],
        used_nodes: 0,
        used_bytes: 0,
        used_cycles: 0,
        movable,
    };
    builder.value(root, 0)
}

/// Byte strings this long are moved into the tree rather than copied when
/// nothing else refers to them: an array's buffer is then held twice while
/// loading (the file and the tree), not four times.
const MOVABLE_LEN: usize = 1024;

/// The long byte strings only one place of the tree refers to, taken out
/// of `nodes`: referred to once, by a node itself referred to once, and so
/// on up to the root (a buffer inside an array that a list holds twice,
/// `[a, a]`, is needed twice).
fn movable_leaves(nodes: &mut [Node], root: Id) -> HashMap<Id, Value> {
    let is_long = |n: &Node| matches!(n, Node::Leaf(Value::Bytes(b) | Value::ByteArray(b)) if b.len() >= MOVABLE_LEN);
    if !nodes.iter().any(is_long) {
        return HashMap::new();
    }
    // How often each node is referred to, and by which node (the last).
    let mut refs = vec![0u32; nodes.len()];
    let mut referrer: Vec<Option<Id>> = vec![None; nodes.len()];
    let mut see = |from: Option<Id>, id: &Id| {
        if let Some(count) = refs.get_mut(*id) {
            *count = count.saturating_add(1);
            referrer[*id] = from;
        }
    };
    see(None, &root);
    for (from, node) in nodes.iter().enumerate() {
        let mut see = |id: &Id| see(Some(from), id);
        match node {
            Node::Tuple(items) | Node::List(items) | Node::Set(items) | Node::FrozenSet(items) => {
                items.iter().for_each(&mut see)
            }
            Node::Dict(pairs) => pairs.iter().for_each(|(k, v)| {
                see(k);
                see(v);
            }),
            Node::Obj(o) => {
                see(&o.callable);
                o.args.iter().for_each(&mut see);
                o.kwargs.iter().for_each(&mut see);
                o.state.iter().for_each(&mut see);
                o.list_items.iter().for_each(&mut see);
                o.dict_items.iter().for_each(|(k, v)| {
                    see(k);
                    see(v);
                });
            }
            Node::Leaf(_) | Node::Global(_) => {}
        }
    }
    // Once in the tree: each node from the leaf up to the root referred to
    // once (a cycle, which never reaches the root, is not).
    let once = |leaf: Id| {
        let mut id = leaf;
        for _ in 0..nodes.len() {
            if refs[id] != 1 {
                return false;
            }
            match referrer[id] {
                None => return id == root,
                Some(up) => id = up,
            }
        }
        false
    };
    let movable: Vec<Id> = (0..nodes.len())
        .filter(|&id| is_long(&nodes[id]) && once(id))
        .collect();
    movable
        .into_iter()
        .filter_map(
            |id| match std::mem::replace(&mut nodes[id], Node::Leaf(Value::None)) {
                Node::Leaf(v) => Some((id, v)),
                _ => None,
            },
        )
        .collect()
}

type Id = usize;

/// The memo: indices are dense (MEMOIZE numbers entries 0, 1, 2, …), so a
/// vector serves them; a far-off index from PUT goes to a map instead of
/// growing the vector.
#[derive(Default)]
struct Memo {
    dense: Vec<Option<Id>>,
    sparse: HashMap<u64, Id>,
    len: usize,
}

impl Memo {
    fn get(&self, index: u64) -> Option<Id> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.dense.get(i).copied().flatten())
            .or_else(|| self.sparse.get(&index).copied())
    }

    fn contains(&self, index: u64) -> bool {
        self.get(index).is_some()
    }

    fn insert(&mut self, index: u64, id: Id) {
        let new = !self.contains(index);
        match usize::try_from(index) {
            Ok(i) if i < self.dense.len() => self.dense[i] = Some(id),
            Ok(i) if i <= self.dense.len() + 1024 && !self.sparse.contains_key(&index) => {
                self.dense.resize(i + 1, None);
                self.dense[i] = Some(id);
            }
            _ => {
                self.sparse.insert(index, id);
            }
        }
        self.len += new as usize;
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// An inert pickle object. Containers hold node ids so that later opcodes
/// (APPENDS after a memo PUT, BUILD) can mutate them, as CPython does.
enum Node {
    Leaf(Value),
    Tuple(Vec<Id>),
    List(Vec<Id>),
    Dict(Vec<(Id, Id)>),
    Set(Vec<Id>),
    FrozenSet(Vec<Id>),
    Global(String),
    Obj(Obj),
}

/// The result of calling `callable` (REDUCE) or instantiating it (NEWOBJ,
/// INST, OBJ), recorded instead of performed. Both are shown the same way:
/// an object named after the callable.
struct Obj {
    callable: Id,
    args: Vec<Id>,
    kwargs: Option<Id>,
    state: Option<Id>,
    list_items: Vec<Id>,
    dict_items: Vec<(Id, Id)>,
}

struct Machine<'a> {
    data: &'a [u8],
    pos: usize,
    op_start: usize,
    op: &'static str,
    nodes: Vec<Node>,
    stack: Vec<Id>,
    marks: Vec<usize>,
    memo: Memo,
    limits: &'a Limits,
}

fn opcode_name(b: u8) -> Option<&'static str> {
    Some(match b {
        b'(' => "MARK",
        b'.' => "STOP",
        b'0' => "POP",
        b'1' => "POP_MARK",
        b'2' => "DUP",
        b'F' => "FLOAT",
        b'I' => "INT",
        b'J' => "BININT",
        b'K' => "BININT1",
        b'L' => "LONG",
        b'M' => "BININT2",
        b'N' => "NONE",
        b'P' => "PERSID",
        b'Q' => "BINPERSID",
        b'R' => "REDUCE",
        b'S' => "STRING",
        b'T' => "BINSTRING",
        b'U' => "SHORT_BINSTRING",
        b'V' => "UNICODE",
        b'X' => "BINUNICODE",
        b'a' => "APPEND",
        b'b' => "BUILD",
        b'c' => "GLOBAL",
        b'd' => "DICT",
        b'}' => "EMPTY_DICT",
        b'e' => "APPENDS",
        b'g' => "GET",
        b'h' => "BINGET",
        b'i' => "INST",
        b'j' => "LONG_BINGET",
        b'l' => "LIST",
        b']' => "EMPTY_LIST",
        b'o' => "OBJ",
        b'p' => "PUT",
        b'q' => "BINPUT",
        b'r' => "LONG_BINPUT",
        b's' => "SETITEM",
        b't' => "TUPLE",
        b')' => "EMPTY_TUPLE",
        b'u' => "SETITEMS",
        b'G' => "BINFLOAT",
        0x80 => "PROTO",
        0x81 => "NEWOBJ",
        0x82 => "EXT1",
        0x83 => "EXT2",
        0x84 => "EXT4",
        0x85 => "TUPLE1",
        0x86 => "TUPLE2",
        0x87 => "TUPLE3",
        0x88 => "NEWTRUE",
        0x89 => "NEWFALSE",
        0x8a => "LONG1",
        0x8b => "LONG4",
        b'B' => "BINBYTES",
        b'C' => "SHORT_BINBYTES",
        0x8c => "SHORT_BINUNICODE",
        0x8d => "BINUNICODE8",
        0x8e => "BINBYTES8",
        0x8f => "EMPTY_SET",
        0x90 => "ADDITEMS",
        0x91 => "FROZENSET",
        0x92 => "NEWOBJ_EX",
        0x93 => "STACK_GLOBAL",
        0x94 => "MEMOIZE",
        0x95 => "FRAME",
        0x96 => "BYTEARRAY8",
        0x97 => "NEXT_BUFFER",
        0x98 => "READONLY_BUFFER",
        _ => return None,
    })
}

/// Python's default `sys.int_info.default_max_str_digits`: CPython refuses
/// longer decimal literals, and parsing them is quadratic.
const MAX_INT_DIGITS: usize = 4300;

impl<'a> Machine<'a> {
    fn invalid(&self, reason: impl Into<String>) -> PickleError {
        PickleError::Invalid {
            offset: self.op_start,
            opcode: self.op,
            reason: reason.into(),
        }
    }

    fn unsupported(&self, reason: impl Into<String>) -> PickleError {
        PickleError::Unsupported {
            offset: self.op_start,
            opcode: self.op,
            reason: reason.into(),
        }
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], PickleError> {
        let remaining = (self.data.len() - self.pos) as u64;
        if n > remaining {
            return Err(PickleError::Truncated {
                offset: self.op_start,
                opcode: self.op,
            });
        }
        let start = self.pos;
        self.pos += n as usize;
        Ok(&self.data[start..self.pos])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], PickleError> {
        let bytes = self.take(N as u64)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, PickleError> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Result<u32, PickleError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, PickleError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A text argument of the protocol 0 opcodes, without its newline.
    fn line(&mut self) -> Result<&'a [u8], PickleError> {
        let rest = &self.data[self.pos..];
        match rest.iter().position(|&b| b == b'\n') {
            Some(n) => {
                self.pos += n + 1;
                Ok(&rest[..n])
            }
            None => Err(PickleError::Truncated {
                offset: self.op_start,
                opcode: self.op,
            }),
        }
    }

    fn line_str(&mut self) -> Result<&'a str, PickleError> {
        let line = self.line()?;
        std::str::from_utf8(line).map_err(|_| self.invalid("the argument is not UTF-8 text"))
    }

    fn add(&mut self, node: Node) -> Id {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn push(&mut self, node: Node) {
        let id = self.add(node);
        self.stack.push(id);
    }

    fn push_leaf(&mut self, v: Value) {
        self.push(Node::Leaf(v));
    }

    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> Result<Id, PickleError> {
        if self.stack.len() <= self.floor() {
            return Err(self.invalid("the stack is empty"));
        }
        self.stack
            .pop()
            .ok_or_else(|| self.invalid("the stack is empty"))
    }

    fn top(&self) -> Result<Id, PickleError> {
        if self.stack.len() <= self.floor() {
            return Err(self.invalid("the stack is empty"));
        }
        self.stack
            .last()
            .copied()
            .ok_or_else(|| self.invalid("the stack is empty"))
    }

    fn pop_mark(&mut self) -> Result<Vec<Id>, PickleError> {
        let mark = self
            .marks
            .pop()
            .ok_or_else(|| self.invalid("no MARK to pop back to"))?;
        Ok(self.stack.split_off(mark.min(self.stack.len())))
    }

    fn pairs(&self, items: Vec<Id>) -> Result<Vec<(Id, Id)>, PickleError> {
        if !items.len().is_multiple_of(2) {
            return Err(self.invalid("an odd number of items for key/value pairs"));
        }
        Ok(items.chunks(2).map(|c| (c[0], c[1])).collect())
    }

    /// PUT, BINPUT, LONG_BINPUT, MEMOIZE: the top item into the memo, at
    /// the index the opcode gives (MEMOIZE: the next one).
    #[inline]
    fn memo_put(&mut self, byte: u8) -> Result<(), PickleError> {
        let index = match byte {
            b'p' => self.line_index()?,
            b'q' => self.u8()?.into(),
            b'r' => self.u32()?.into(),
            _ => self.memo.len() as u64,
        };
        let top = self.top()?;
        if self.memo.len() >= self.limits.max_memo && !self.memo.contains(index) {
            return Err(PickleError::Limit {
                what: "memo entries",
                limit: self.limits.max_memo as u64,
            });
        }
        self.memo.insert(index, top);
        Ok(())
    }

    /// GET, BINGET, LONG_BINGET: the memo entry at the index the opcode
    /// gives.
    #[inline]
    fn memo_get(&mut self, byte: u8) -> Result<(), PickleError> {
        let index = match byte {
            b'g' => self.line_index()?,
            b'h' => self.u8()?.into(),
            _ => self.u32()?.into(),
        };
        let id = self
            .memo
            .get(index)
            .ok_or_else(|| self.invalid(format!("memo entry {index} is missing")))?;
        self.stack.push(id);
        Ok(())
    }

    fn line_index(&mut self) -> Result<u64, PickleError> {
        let s = self.line_str()?;
        s.trim()
            .parse()
            .map_err(|_| self.invalid(format!("`{s}` is not a memo index")))
    }

    fn str_of(&self, id: Id) -> Option<&str> {
        match self.nodes.get(id) {
            Some(Node::Leaf(Value::Str(s))) => Some(s),
            _ => None,
        }
    }

    fn tuple_items(&self, id: Id) -> Result<Vec<Id>, PickleError> {
        match self.nodes.get(id) {
            Some(Node::Tuple(items)) => Ok(items.clone()),
            _ => Err(self.invalid("the arguments are not a tuple")),
        }
    }

    fn obj_mut(&mut self, id: Id) -> Result<&mut Obj, PickleError> {
        let kind = node_kind(self.nodes.get(id));
        match self.nodes.get_mut(id) {
            Some(Node::Obj(o)) => Ok(o),
            _ => Err(PickleError::Invalid {
                offset: self.op_start,
                opcode: self.op,
                reason: format!("cannot apply it to a {kind}"),
            }),
        }
    }

    fn new_obj(&mut self, callable: Id, args: Vec<Id>, kwargs: Option<Id>) {
        self.push(Node::Obj(Obj {
            callable,
            args,
            kwargs,
            state: None,
            list_items: Vec::new(),
            dict_items: Vec::new(),
        }));
    }

    fn global(&mut self, module: &str, name: &str) {
        let name = fix_import(module, name);
        self.push(Node::Global(name));
    }

    fn append(&mut self, target: Id, items: Vec<Id>) -> Result<(), PickleError> {
        match self.nodes.get_mut(target) {
            Some(Node::List(list)) => list.extend(items),
            Some(Node::Obj(o)) => o.list_items.extend(items),
            other => {
                let kind = node_kind(other.map(|n| &*n));
                return Err(self.invalid(format!("cannot append to a {kind}")));
            }
        }
        Ok(())
    }

    fn set_items(&mut self, target: Id, pairs: Vec<(Id, Id)>) -> Result<(), PickleError> {
        match self.nodes.get_mut(target) {
            Some(Node::Dict(dict)) => dict.extend(pairs),
            Some(Node::Obj(o)) => o.dict_items.extend(pairs),
            other => {
                let kind = node_kind(other.map(|n| &*n));
                return Err(self.invalid(format!("cannot set items of a {kind}")));
            }
        }
        Ok(())
    }

    fn int_text(&self, text: &[u8]) -> Result<BigInt, PickleError> {
        let s = std::str::from_utf8(text)
            .map_err(|_| self.invalid("the integer is not text"))?
            .trim();
        let s = s.strip_suffix('L').unwrap_or(s);
        if s.len() > MAX_INT_DIGITS {
            return Err(self.invalid(format!(
                "an integer literal longer than {MAX_INT_DIGITS} digits"
            )));
        }
        let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.invalid(format!("`{s}` is not an integer")));
        }
        BigInt::parse_bytes(s.as_bytes(), 10)
            .ok_or_else(|| self.invalid(format!("`{s}` is not an integer")))
    }

    /// Run the opcodes up to STOP; the id of the node it returns. The
    /// opcodes are grouped by what they do; all but the shortest have a
    /// method, which reads the opcode's argument where it has one.
    fn run(&mut self) -> Result<Id, PickleError> {
        loop {
            self.op_start = self.pos;
            let Some(&byte) = self.data.get(self.pos) else {
                return Err(PickleError::NoStop { offset: self.pos });
            };
            self.pos += 1;
            self.op = opcode_name(byte).ok_or(PickleError::UnknownOpcode {
                offset: self.op_start,
                byte,
            })?;
            match byte {
                // Framing and the stack.
                b'.' => return self.pop(),
                0x80 => self.proto()?,
                // Frames only group opcodes for buffered reading.
                0x95 => _ = self.u64()?,
                b'(' => self.marks.push(self.stack.len()),
                b'0' => self.pop_top()?,
                b'1' => _ = self.pop_mark()?,
                b'2' => self.dup()?,
                // None, bools, ints, floats.
                b'N' => self.push_leaf(Value::None),
                0x88 => self.push_leaf(Value::Bool(true)),
                0x89 => self.push_leaf(Value::Bool(false)),
                b'I' => self.int_line()?,
                b'L' => self.long_line()?,
                b'J' | b'K' | b'M' => self.bin_int(byte)?,
                0x8a | 0x8b => self.long_bytes(byte)?,
                b'F' => self.float_line()?,
                b'G' => self.bin_float()?,
                // Strings and bytes.
                b'S' => self.string_line()?,
                b'T' | b'U' => self.py2_string(byte)?,
                b'V' => self.unicode_line()?,
                b'X' | 0x8c | 0x8d => self.unicode(byte)?,
                b'B' | b'C' | 0x8e | 0x96 => self.bytes(byte)?,
                // Containers, empty or from the stack.
                b')' => self.push(Node::Tuple(Vec::new())),
                b']' => self.push(Node::List(Vec::new())),
                b'}' => self.push(Node::Dict(Vec::new())),
                0x8f => self.push(Node::Set(Vec::new())),
                0x85..=0x87 => self.tuple_of((byte - 0x84) as usize)?,
                b't' | b'l' | b'd' | 0x91 => self.collect_mark(byte)?,
                // Items into the container on top of the stack.
                b'a' | b'e' => self.append_op(byte)?,
                b's' | b'u' => self.set_items_op(byte)?,
                0x90 => self.add_items()?,
                // The memo.
                b'p' | b'q' | b'r' | 0x94 => self.memo_put(byte)?,
                b'g' | b'h' | b'j' => self.memo_get(byte)?,
                // Classes and the objects made from them.
                b'c' => self.global_line()?,
                0x93 => self.stack_global()?,
                b'R' => self.reduce_op()?,
                0x81 | 0x92 => self.new_obj_op(byte)?,
                b'i' => self.inst()?,
                b'o' => self.obj()?,
                b'b' => self.build()?,
                // What refers to objects outside the pickle.
                b'P' | b'Q' | 0x82..=0x84 | 0x97 | 0x98 => return Err(self.refusal(byte)),
                _ => {
                    return Err(PickleError::UnknownOpcode {
                        offset: self.op_start,
                        byte,
                    })
                }
            }
        }
    }

    /// PROTO: protocols up to 5 are read.
    fn proto(&mut self) -> Result<(), PickleError> {
        let proto = self.u8()?;
        if proto > 5 {
            return Err(self.unsupported(format!("protocol {proto}")));
        }
        Ok(())
    }

    /// POP: the top item, or the topmost mark when nothing is above it.
    fn pop_top(&mut self) -> Result<(), PickleError> {
        if self.stack.len() > self.floor() {
            self.pop()?;
        } else {
            self.pop_mark()?;
        }
        Ok(())
    }

    /// DUP.
    fn dup(&mut self) -> Result<(), PickleError> {
        let top = self.top()?;
        self.stack.push(top);
        Ok(())
    }

    /// INT: decimal text; `00` and `01` are the bools of protocol 0.
    fn int_line(&mut self) -> Result<(), PickleError> {
        let v = match self.line()? {
            b"00" => Value::Bool(false),
            b"01" => Value::Bool(true),
            text => Value::Int(self.int_text(text)?),
        };
        self.push_leaf(v);
        Ok(())
    }

    /// LONG: decimal text, perhaps with Python 2's `L`.
    fn long_line(&mut self) -> Result<(), PickleError> {
        let line = self.line()?;
        let n = self.int_text(line)?;
        self.push_leaf(Value::Int(n));
        Ok(())
    }

    /// BININT, BININT1, BININT2: 4 signed, 1 or 2 unsigned bytes.
    #[inline]
    fn bin_int(&mut self, byte: u8) -> Result<(), PickleError> {
        let n: i64 = match byte {
            b'J' => i32::from_le_bytes(self.array()?).into(),
            b'K' => self.u8()?.into(),
            _ => u16::from_le_bytes(self.array()?).into(),
        };
        self.push_leaf(Value::int(n));
        Ok(())
    }

    /// LONG1 and LONG4: two's complement, little-endian.
    #[inline]
    fn long_bytes(&mut self, byte: u8) -> Result<(), PickleError> {
        let len = match byte {
            0x8a => self.u8()?.into(),
            _ => self.i32_len()?,
        };
        let bytes = self.take(len)?;
        self.push_leaf(Value::Int(BigInt::from_signed_bytes_le(bytes)));
        Ok(())
    }

    /// A 4-byte signed length, which must not be negative.
    #[inline]
    fn i32_len(&mut self) -> Result<u64, PickleError> {
        let n = i32::from_le_bytes(self.array()?);
        u64::try_from(n).map_err(|_| self.invalid("a negative length"))
    }

    /// FLOAT: `repr()` text.
    fn float_line(&mut self) -> Result<(), PickleError> {
        let line = self.line_str()?;
        let f: f64 = line
            .trim()
            .parse()
            .map_err(|_| self.invalid(format!("`{line}` is not a float")))?;
        self.push_leaf(Value::Float(f));
        Ok(())
    }

    /// BINFLOAT: 8 bytes, big-endian.
    fn bin_float(&mut self) -> Result<(), PickleError> {
        let f = f64::from_be_bytes(self.array()?);
        self.push_leaf(Value::Float(f));
        Ok(())
    }

    /// STRING: a quoted, escaped Python 2 `str`.
    fn string_line(&mut self) -> Result<(), PickleError> {
        let line = self.line()?;
        let body =
            unquote(line).ok_or_else(|| self.invalid("the STRING argument is not quoted"))?;
        let bytes = escape_decode(body);
        self.push_leaf(py2_str(bytes));
        Ok(())
    }

    /// BINSTRING and SHORT_BINSTRING: the bytes of a Python 2 `str`.
    fn py2_string(&mut self, byte: u8) -> Result<(), PickleError> {
        let len = match byte {
            b'T' => self.i32_len()?,
            _ => self.u8()?.into(),
        };
        let bytes = self.take(len)?.to_vec();
        self.push_leaf(py2_str(bytes));
        Ok(())
    }

    /// UNICODE: raw-unicode-escaped text.
    fn unicode_line(&mut self) -> Result<(), PickleError> {
        let line = self.line()?;
        self.push_leaf(Value::Str(raw_unicode_escape(line)));
        Ok(())
    }

    /// The BINUNICODE opcodes: UTF-8.
    #[inline]
    fn unicode(&mut self, byte: u8) -> Result<(), PickleError> {
        let len = match byte {
            b'X' => self.u32()?.into(),
            0x8c => self.u8()?.into(),
            _ => self.u64()?,
        };
        let bytes = self.take(len)?;
        // CPython decodes with `surrogatepass`: text with lone surrogates
        // has no Rust `String` form and keeps its bytes.
        let v = match std::str::from_utf8(bytes) {
            Ok(s) => Value::Str(s.to_owned()),
            Err(_) if surrogate_code_points(bytes).is_some() => Value::Object(Object {
                class: SURROGATE_STR_CLASS.into(),
                args: vec![Value::Bytes(bytes.to_vec())],
                ..Object::default()
            }),
            Err(_) => Value::Str(String::from_utf8_lossy(bytes).into_owned()),
        };
        self.push_leaf(v);
        Ok(())
    }

    /// The BINBYTES opcodes and BYTEARRAY8.
    #[inline]
    fn bytes(&mut self, byte: u8) -> Result<(), PickleError> {
        let len = match byte {
            b'B' => self.u32()?.into(),
            b'C' => self.u8()?.into(),
            _ => self.u64()?,
        };
        let bytes = self.take(len)?.to_vec();
        self.push_leaf(if byte == 0x96 {
            Value::ByteArray(bytes)
        } else {
            Value::Bytes(bytes)
        });
        Ok(())
    }

    /// TUPLE1, TUPLE2, TUPLE3: the top `n` items.
    #[inline]
    fn tuple_of(&mut self, n: usize) -> Result<(), PickleError> {
        if self.stack.len() < self.floor() + n {
            return Err(self.invalid("the stack is empty"));
        }
        let items = self.stack.split_off(self.stack.len() - n);
        self.push(Node::Tuple(items));
        Ok(())
    }

    /// TUPLE, LIST, DICT, FROZENSET: the items above the mark.
    #[inline]
    fn collect_mark(&mut self, byte: u8) -> Result<(), PickleError> {
        let items = self.pop_mark()?;
        let node = match byte {
            b't' => Node::Tuple(items),
            b'l' => Node::List(items),
            b'd' => Node::Dict(self.pairs(items)?),
            _ => Node::FrozenSet(items),
        };
        self.push(node);
        Ok(())
    }

    /// APPEND and APPENDS: the top item, or the items above the mark, onto
    /// the list below.
    #[inline]
    fn append_op(&mut self, byte: u8) -> Result<(), PickleError> {
        let items = match byte {
            b'a' => vec![self.pop()?],
            _ => self.pop_mark()?,
        };
        let target = self.top()?;
        self.append(target, items)
    }

    /// SETITEM and SETITEMS: the top key and value, or the pairs above the
    /// mark, into the dict below.
    #[inline]
    fn set_items_op(&mut self, byte: u8) -> Result<(), PickleError> {
        let pairs = match byte {
            b's' => {
                let value = self.pop()?;
                let key = self.pop()?;
                vec![(key, value)]
            }
            _ => {
                let items = self.pop_mark()?;
                self.pairs(items)?
            }
        };
        let target = self.top()?;
        self.set_items(target, pairs)
    }

    /// ADDITEMS: the items above the mark into the set below it.
    fn add_items(&mut self) -> Result<(), PickleError> {
        let items = self.pop_mark()?;
        let target = self.top()?;
        match self.nodes.get_mut(target) {
            Some(Node::Set(set)) => set.extend(items),
            Some(Node::Obj(o)) => o.list_items.extend(items),
            _ => return Err(self.invalid("cannot add items to this object")),
        }
        Ok(())
    }

    /// GLOBAL: module and name as two text lines.
    fn global_line(&mut self) -> Result<(), PickleError> {
        let module = self.line_str()?;
        let name = self.line_str()?;
        self.global(module, name);
        Ok(())
    }

    /// STACK_GLOBAL: module and name from the stack.
    fn stack_global(&mut self) -> Result<(), PickleError> {
        let name = self.pop()?;
        let module = self.pop()?;
        match (self.str_of(module), self.str_of(name)) {
            (Some(m), Some(n)) => {
                let (m, n) = (m.to_owned(), n.to_owned());
                self.global(&m, &n);
                Ok(())
            }
            _ => Err(self.invalid("module and name must be strings")),
        }
    }

    /// REDUCE: a callable and its argument tuple.
    fn reduce_op(&mut self) -> Result<(), PickleError> {
        let args = self.pop()?;
        let callable = self.pop()?;
        let args = self.tuple_items(args)?;
        self.reduce(callable, args)
    }

    /// NEWOBJ and NEWOBJ_EX (with keyword arguments):
    /// `cls.__new__(cls, *args)`.
    fn new_obj_op(&mut self, byte: u8) -> Result<(), PickleError> {
        let kwargs = match byte {
            0x92 => Some(self.pop()?),
            _ => None,
        };
        let args = self.pop()?;
        let cls = self.pop()?;
        let args = self.tuple_items(args)?;
        self.new_obj(cls, args, kwargs);
        Ok(())
    }

    /// INST: a class named by two text lines, its arguments above the mark.
    fn inst(&mut self) -> Result<(), PickleError> {
        let module = self.line_str()?;
        let name = self.line_str()?;
        let args = self.pop_mark()?;
        let cls = self.add(Node::Global(fix_import(module, name)));
        self.new_obj(cls, args, None);
        Ok(())
    }

    /// OBJ: the class and its arguments above the mark.
    fn obj(&mut self) -> Result<(), PickleError> {
        let mut items = self.pop_mark()?;
        if items.is_empty() {
            return Err(self.invalid("no class to instantiate"));
        }
        let cls = items.remove(0);
        self.new_obj(cls, items, None);
        Ok(())
    }

    /// BUILD: the top item as the state of the object below it.
    fn build(&mut self) -> Result<(), PickleError> {
        let state = self.pop()?;
        let target = self.top()?;
        self.obj_mut(target)?.state = Some(state);
        Ok(())
    }

    /// Why an opcode that refers to something outside the pickle (a
    /// persistent ID, an extension code, an out-of-band buffer) is refused.
    fn refusal(&mut self, byte: u8) -> PickleError {
        let code: Result<u32, PickleError> = match byte {
            0x82 => self.u8().map(u32::from),
            0x83 => self.array().map(|b| u16::from_le_bytes(b).into()),
            0x84 => self.u32(),
            0x97 | 0x98 => {
                return self.unsupported("out-of-band buffers are not part of the pickle bytes")
            }
            _ => return self.unsupported("persistent IDs refer to objects outside the pickle"),
        };
        match code {
            Ok(code) => self.unsupported(format!(
                "extension code {code} names a class registered in the writing process"
            )),
            Err(e) => e,
        }
    }

    /// REDUCE. cloudpickle's state setters (`_class_setstate(cls, state)`)
    /// are applied as a BUILD on their first argument, so the class they
    /// complete keeps its name and module.
    fn reduce(&mut self, callable: Id, args: Vec<Id>) -> Result<(), PickleError> {
        if let Some(Node::Global(name)) = self.nodes.get(callable) {
            let setter = name.starts_with("cloudpickle.")
                && (name.ends_with("._class_setstate") || name.ends_with("._function_setstate"));
            if let (true, [target, state]) = (setter, args.as_slice()) {
                let (target, state) = (*target, *state);
                if let Some(Node::Obj(o)) = self.nodes.get_mut(target) {
                    o.state = Some(state);
                    self.stack.push(target);
                    return Ok(());
                }
            }
        }
        self.new_obj(callable, args, None);
        Ok(())
    }
}

fn node_kind(node: Option<&Node>) -> &'static str {
    match node {
        Some(Node::Leaf(_)) => "scalar",
        Some(Node::Tuple(_)) => "tuple",
        Some(Node::List(_)) => "list",
        Some(Node::Dict(_)) => "dict",
        Some(Node::Set(_)) => "set",
        Some(Node::FrozenSet(_)) => "frozenset",
        Some(Node::Global(_)) => "global name",
        Some(Node::Obj(_)) => "object",
        None => "missing object",
    }
}

/// The Python 2 names protocols 0–2 write, mapped as `pickle.loads` does with
/// `fix_imports=True` (the subset of `_compat_pickle` that data pickles use).
fn fix_import(module: &str, name: &str) -> String {
    let (module, name) = match (module, name) {
        ("__builtin__", "unicode" | "basestring") => ("builtins", "str"),
        ("__builtin__", "long") => ("builtins", "int"),
        ("__builtin__", "xrange") => ("builtins", "range"),
        ("__builtin__", "unichr") => ("builtins", "chr"),
        ("__builtin__", "reduce") => ("functools", "reduce"),
        ("__builtin__" | "exceptions", n) => ("builtins", n),
        ("copy_reg", n) => ("copyreg", n),
        ("UserDict", "UserDict") => ("collections", "UserDict"),
        ("UserList", "UserList") => ("collections", "UserList"),
        (m, n) => (m, n),
    };
    format!("{module}.{name}")
}

fn unquote(line: &[u8]) -> Option<&[u8]> {
    let line = line.trim_ascii_end();
    if line.len() >= 2 {
        let (q, last) = (line[0], line[line.len() - 1]);
        if (q == b'\'' || q == b'"') && q == last {
            return Some(&line[1..line.len() - 1]);
        }
    }
    None
}

/// `codecs.escape_decode`, which protocol 0 STRING arguments go through.
fn escape_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        i += 1;
        if b != b'\\' || i >= s.len() {
            out.push(b);
            continue;
        }
        let c = s[i];
        i += 1;
        match c {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(c),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut n = u32::from(c - b'0');
                for _ in 0..2 {
                    match s.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            n = n * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(n as u8);
            }
            b'x' => match s.get(i..i + 2).and_then(hex_value) {
                Some(n) => {
                    out.push(n as u8);
                    i += 2;
                }
                None => out.extend_from_slice(b"\\x"),
            },
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    out
}

fn hex_value(digits: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// A Python 2 `str`: `pickle.loads` decodes it as ASCII by default. Other
/// bytes are kept as `bytes` rather than refused.
fn py2_str(bytes: Vec<u8>) -> Value {
    if bytes.is_ascii() {
        Value::Str(bytes.into_iter().map(char::from).collect())
    } else {
        Value::Bytes(bytes)
    }
}

/// `raw-unicode-escape`: `\uXXXX` and `\UXXXXXXXX`, every other byte Latin-1.
fn raw_unicode_escape(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'\\' {
            let width = match s.get(i + 1) {
                Some(b'u') => 4,
                Some(b'U') => 8,
                _ => 0,
            };
            if width > 0 {
                if let Some(n) = s.get(i + 2..i + 2 + width).and_then(hex_value) {
                    out.push(char::from_u32(n).unwrap_or(char::REPLACEMENT_CHARACTER));
                    i += 2 + width;
                    continue;
                }
            }
        }
        out.push(char::from(b));
        i += 1;
    }
    out
}

fn payload_len(v: &Value) -> u64 {
    match v {
        Value::Str(s) => s.len() as u64,
        Value::Bytes(b) | Value::ByteArray(b) => b.len() as u64,
        _ => 0,
    }
}

/// Turns the node graph into a tree, charging every node against the limits.
struct Builder<'a> {
    nodes: &'a [Node],
    limits: &'a Limits,
    on_path: Vec<bool>,
    used_nodes: u64,
    used_bytes: u64,
    used_cycles: u64,
    /// Leaves to move rather than copy, by node.
    movable: HashMap<Id, Value>,
}

const RECONSTRUCT: [&str; 2] = [
    "numpy._core.multiarray._reconstruct",
    "numpy.core.multiarray._reconstruct",
];
const FROMBUFFER: [&str; 2] = [
    "numpy._core.numeric._frombuffer",
    "numpy.core.numeric._frombuffer",
];
const SCALAR: [&str; 2] = [
    "numpy._core.multiarray.scalar",
    "numpy.core.multiarray.scalar",
];

impl Builder<'_> {
    fn charge(&mut self, nodes: u64, bytes: u64) -> Result<(), PickleError> {
        self.used_nodes += nodes;
        self.used_bytes += bytes;
        if self.used_nodes > self.limits.max_nodes {
            return Err(PickleError::Limit {
                what: "values",
                limit: self.limits.max_nodes,
            });
        }
        if self.used_bytes > self.limits.max_bytes {
            return Err(PickleError::Limit {
                what: "bytes of strings",
                limit: self.limits.max_bytes,
            });
        }
        Ok(())
    }

    fn value(&mut self, id: Id, depth: usize) -> Result<Value, PickleError> {
        if depth > self.limits.max_depth {
            return Err(PickleError::Limit {
                what: "levels of nesting",
                limit: self.limits.max_depth as u64,
            });
        }
        // What a value costs once shown: an object or dict (a JSON map
        // each) four, a tuple or set (a tagged array) two.
        let weight = match self.nodes.get(id) {
            Some(Node::Obj(_) | Node::Dict(_) | Node::Global(_)) => 4,
            Some(Node::Tuple(_) | Node::Set(_) | Node::FrozenSet(_)) => 2,
            _ => 1,
        };
        self.charge(weight, 0)?;
        if self.on_path.get(id).copied().unwrap_or(true) {
            self.used_cycles += 1;
            if self.used_cycles > self.limits.max_cycles {
                return Err(PickleError::Limit {
                    what: "references of a value to a value containing it",
                    limit: self.limits.max_cycles,
                });
            }
            // What Python's repr prints where the cycle closes.
            let shown = match self.nodes.get(id) {
                Some(Node::List(_)) => "[...]",
                Some(Node::Dict(_)) => "{...}",
                _ => "...",
            };
            return Ok(recursion(shown));
        }
        self.on_path[id] = true;
        let nodes = self.nodes;
        // Few temporaries per level: this frame repeats `max_depth` times.
        let out = match &nodes[id] {
            Node::Leaf(v) => match self.movable.remove(&id) {
                Some(v) => self.leaf_owned(v),
                None => self.leaf(v),
            },
            Node::Tuple(items) => self.values(items, depth).map(Value::Tuple),
            Node::List(items) => self.values(items, depth).map(Value::List),
            // Unpickling adds elements one by one (ADDITEMS, FROZENSET).
            Node::Set(items) => self
                .values(items, depth)
                .and_then(set_order)
                .map(Value::Set),
            Node::FrozenSet(items) => self
                .values(items, depth)
                .and_then(set_order)
                .map(Value::FrozenSet),
            Node::Dict(items) => self.pairs(items, depth).map(Value::Dict),
            Node::Global(name) => Ok(global_ref(name.clone())),
            Node::Obj(obj) => self.object(obj, depth),
        };
        self.on_path[id] = false;
        out
    }

    fn leaf(&mut self, v: &Value) -> Result<Value, PickleError> {
        self.charge(0, payload_len(v))?;
        Ok(v.clone())
    }

    /// A leaf moved out of the graph ([`movable_leaves`]).
    fn leaf_owned(&mut self, v: Value) -> Result<Value, PickleError> {
        self.charge(0, payload_len(&v))?;
        Ok(v)
    }

    // Plain loops rather than iterator adapters: this recursion runs up to
    // `max_depth` deep, and every adapter is a stack frame in debug builds.
    fn values(&mut self, ids: &[Id], depth: usize) -> Result<Vec<Value>, PickleError> {
        let mut out = Vec::with_capacity(ids.len());
        for &i in ids {
            out.push(self.value(i, depth + 1)?);
        }
        Ok(out)
    }

    fn pairs(
        &mut self,
        ids: &[(Id, Id)],
        depth: usize,
    ) -> Result<Vec<(Value, Value)>, PickleError> {
        let mut out = Vec::with_capacity(ids.len());
        for &(k, v) in ids {
            let k = self.value(k, depth + 1)?;
            out.push((k, self.value(v, depth + 1)?));
        }
        Ok(out)
    }

    fn str_node(&self, id: Id) -> Option<&str> {
        match self.nodes.get(id) {
            Some(Node::Leaf(Value::Str(s))) => Some(s),
            _ => None,
        }
    }

    fn dict_str(&self, id: Option<Id>, key: &str) -> Option<&str> {
        self.str_node(self.dict_entry(id, key)?)
    }

    /// The entry `key` of a class dict (or cloudpickle's `(dict, slotstate)`).
    fn dict_entry(&self, id: Option<Id>, key: &str) -> Option<Id> {
        let items = match self.nodes.get(id?)? {
            Node::Dict(items) => items,
            // cloudpickle class state: (dict, slotstate)
            Node::Tuple(t) => match self.nodes.get(*t.first()?)? {
                Node::Dict(items) => items,
                _ => return None,
            },
            _ => return None,
        };
        items
            .iter()
            .find(|(k, _)| self.str_node(*k) == Some(key))
            .map(|&(_, v)| v)
    }

    /// The `module.qualname` a callable node stands for: a global, or a class
    /// made by cloudpickle/dill, or `getattr(obj, name)`.
    fn name_of(&self, id: Id, depth: usize) -> Option<String> {
        if depth > self.limits.max_depth {
            return None;
        }
        match self.nodes.get(id)? {
            Node::Global(name) => Some(name.clone()),
            Node::Obj(o) => {
                let callable = self.name_of(o.callable, depth + 1)?;
                let arg = |i: usize| o.args.get(i).copied();
                match callable.as_str() {
                    "builtins.getattr" => {
                        let base = self.name_of(arg(0)?, depth + 1)?;
                        Some(format!("{base}.{}", self.str_node(arg(1)?)?))
                    }
                    c if is_skeleton(c) => {
                        let name = self.str_node(arg(1)?)?;
                        let qualname = self.dict_str(o.state, "__qualname__").unwrap_or(name);
                        Some(match self.dict_str(o.state, "__module__") {
                            Some(m) => format!("{m}.{qualname}"),
                            None => qualname.to_owned(),
                        })
                    }
                    "cloudpickle.cloudpickle._make_skeleton_enum"
                    | "cloudpickle.cloudpickle_fast._make_skeleton_enum" => {
                        let qualname = self.str_node(arg(2)?)?;
                        Some(match arg(4).and_then(|m| self.str_node(m)) {
                            Some(m) => format!("{m}.{qualname}"),
                            None => qualname.to_owned(),
                        })
                    }
                    "dill._dill._create_namedtuple" => {
                        let name = self.str_node(arg(0)?)?;
                        Some(match arg(2).and_then(|m| self.str_node(m)) {
                            Some(m) => format!("{m}.{name}"),
                            None => name.to_owned(),
                        })
                    }
                    "dill._dill._create_type" => {
                        let name = self.str_node(arg(1)?)?;
                        Some(match self.dict_str(arg(3), "__module__") {
                            Some(m) => format!("{m}.{name}"),
                            None => name.to_owned(),
                        })
                    }
                    "dill._dill._load_type"
                    | "cloudpickle.cloudpickle._builtin_type"
                    | "cloudpickle.cloudpickle_fast._builtin_type" => {
                        Some(builtin_type(self.str_node(arg(0)?)?))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn object(&mut self, obj: &Obj, depth: usize) -> Result<Value, PickleError> {
        if let Some(v) = self.defined_by_value(obj, depth)? {
            return Ok(v);
        }
        let callable = self
            .name_of(obj.callable, depth)
            .unwrap_or_else(|| "<unknown>".into());
        let nodes = self.nodes;
        // What a callable means is decided by its name alone.
        let (class, arg_ids, kwargs): (String, &[Id], Option<Id>) = match callable.as_str() {
            "copyreg.__newobj__" if !obj.args.is_empty() => {
                (self.class_name(obj.args[0], depth), &obj.args[1..], None)
            }
            "copyreg.__newobj_ex__" if obj.args.len() == 3 => {
                let args = match nodes.get(obj.args[1]) {
                    Some(Node::Tuple(t)) => t.as_slice(),
                    _ => &obj.args[1..2],
                };
                (self.class_name(obj.args[0], depth), args, Some(obj.args[2]))
            }
            "copyreg._reconstructor" if obj.args.len() == 3 => {
                let class = self.class_name(obj.args[0], depth);
                let base = self.class_name(obj.args[1], depth);
                let state = obj.args[2];
                if class == "fleche.digest.Digest" && base == "builtins.str" {
                    if let Some(s) = self.str_node(state) {
                        return Ok(Value::Digest(s.to_owned()));
                    }
                }
                let has_state = self.movable.contains_key(&state)
                    || !matches!(nodes.get(state), Some(Node::Leaf(Value::None)));
                let args = if has_state {
                    &obj.args[2..]
                } else {
                    &obj.args[..0]
                };
                (class, args, None)
            }
            c if is_skeleton(c) || c == "dill._dill._create_type" => {
                let name = self
                    .name_of_obj_as_class(obj, depth)
                    .unwrap_or_else(|| "<class>".into());
                return Ok(global_ref(name));
            }
            "dill._dill._load_type"
            | "cloudpickle.cloudpickle._builtin_type"
            | "cloudpickle.cloudpickle_fast._builtin_type" => {
                if let Some(name) = obj.args.first().and_then(|&a| self.str_node(a)) {
                    return Ok(global_ref(builtin_type(name)));
                }
                (callable.clone(), &obj.args[..], None)
            }
            _ => (callable.clone(), &obj.args[..], obj.kwargs),
        };

        let mut args = self.values(arg_ids, depth)?;
        if let Some(kw) = kwargs {
            let kw = self.value(kw, depth + 1)?;
            if !matches!(&kw, Value::Dict(d) if d.is_empty()) {
                args.push(kw);
            }
        }
        let state = match obj.state {
            Some(s) => Some(self.value(s, depth + 1)?),
            None => None,
        };
        let list_items = self.values(&obj.list_items, depth)?;
        let dict_items = self.pairs(&obj.dict_items, depth)?;
        let value = interpret(Object {
            class,
            args,
            state: state.map(Box::new),
            list_items,
            dict_items,
        })?;
        if let Value::NdArray(a) = &value {
            crate::numpy::check(a).map_err(|reason| PickleError::Array { reason })?;
        }
        Ok(value)
    }

    /// An instance of a class pickled by value whose definition says how
    /// Python prints it: a member of a cloudpickled enum (the skeleton
    /// lists the members), or a namedtuple (cloudpickle's skeleton class
    /// with `_fields`, dill's `_create_namedtuple`). By reference, a pickle
    /// names the class only, and the instance stays an [`Object`].
    fn defined_by_value(&mut self, obj: &Obj, depth: usize) -> Result<Option<Value>, PickleError> {
        let nodes = self.nodes;
        let Some(Node::Obj(class)) = nodes.get(obj.callable) else {
            return Ok(None);
        };
        let plain = obj.state.is_none()
            && obj.kwargs.is_none()
            && obj.list_items.is_empty()
            && obj.dict_items.is_empty();
        let (Some(maker), Some(name), true) = (
            self.name_of(class.callable, depth + 1),
            self.name_of(obj.callable, depth + 1),
            plain,
        ) else {
            return Ok(None);
        };
        let arg = |i: usize| class.args.get(i).and_then(|&a| nodes.get(a));
        let bases = |i: usize| -> Vec<String> {
            match arg(i) {
                Some(Node::Tuple(b)) => b
                    .iter()
                    .filter_map(|&b| self.name_of(b, depth + 1))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let fields = match maker.as_str() {
            "cloudpickle.cloudpickle._make_skeleton_enum"
            | "cloudpickle.cloudpickle_fast._make_skeleton_enum" => {
                let (Some(Node::Dict(members)), [value]) = (arg(3), obj.args.as_slice()) else {
                    return Ok(None);
                };
                let bases = bases(0);
                let members = self.pairs(members, depth)?;
                let value = self.value(*value, depth + 1)?;
                return Ok(crate::stdrepr::enum_member(name, &bases, &members, value));
            }
            // cloudpickle names a typing.NamedTuple's original base.
            c if is_skeleton(c)
                && bases(2)
                    .iter()
                    .any(|b| b == "builtins.tuple" || b == "typing.NamedTuple") =>
            {
                match self
                    .dict_entry(class.state, "_fields")
                    .and_then(|f| nodes.get(f))
                {
                    Some(Node::Tuple(f)) => f,
                    _ => return Ok(None),
                }
            }
            "dill._dill._create_namedtuple" => match arg(1) {
                Some(Node::Tuple(f)) => f,
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        let fields: Option<Vec<Value>> = fields
            .iter()
            .map(|&f| self.str_node(f).map(Value::str))
            .collect();
        let Some(fields) = fields.filter(|f| f.len() == obj.args.len()) else {
            return Ok(None);
        };
        let values = self.values(&obj.args, depth)?;
        Ok(Some(Value::Object(Object {
            class: crate::value::NAMEDTUPLE_CLASS.into(),
            args: vec![Value::Str(name), Value::Tuple(fields), Value::Tuple(values)],
            ..Object::default()
        })))
    }

    fn class_name(&self, id: Id, depth: usize) -> String {
        self.name_of(id, depth + 1)
            .unwrap_or_else(|| "<unknown>".into())
    }

    /// The name of the class a cloudpickle skeleton or dill `_create_type`
    /// call makes, found the same way as for instances of it.
    fn name_of_obj_as_class(&self, obj: &Obj, depth: usize) -> Option<String> {
        let callable = self.name_of(obj.callable, depth + 1)?;
        let arg = |i: usize| obj.args.get(i).copied();
        let name = self.str_node(arg(1)?)?;
        let (module, qualname) = if callable == "dill._dill._create_type" {
            (self.dict_str(arg(3), "__module__"), name)
        } else {
            (
                self.dict_str(obj.state, "__module__"),
                self.dict_str(obj.state, "__qualname__").unwrap_or(name),
            )
        };
        Some(match module {
            Some(m) => format!("{m}.{qualname}"),
            None => qualname.to_owned(),
        })
    }
}

fn is_skeleton(name: &str) -> bool {
    matches!(
        name,
        "cloudpickle.cloudpickle._make_skeleton_class"
            | "cloudpickle.cloudpickle_fast._make_skeleton_class"
    )
}

/// The builtin types dill and cloudpickle name by `_load_type`, which
/// `repr` also shows as classes (`<class 'int'>`).
pub(crate) const BUILTIN_TYPES: [&str; 18] = [
    "bool",
    "bytearray",
    "bytes",
    "complex",
    "dict",
    "float",
    "frozenset",
    "int",
    "list",
    "memoryview",
    "object",
    "property",
    "range",
    "set",
    "slice",
    "str",
    "tuple",
    "type",
];

/// dill's and cloudpickle's `_load_type('dict')`: builtin types by name,
/// everything else lives in `types`.
fn builtin_type(name: &str) -> String {
    if BUILTIN_TYPES.contains(&name) {
        format!("builtins.{name}")
    } else {
        format!("types.{name}")
    }
}

/// A [`RECURSION_CLASS`] placeholder; its argument is what Python's repr
/// prints there (`[...]`, `{...}`, `...`).
pub(crate) fn recursion(shown: &str) -> Value {
    Value::Object(Object {
        class: RECURSION_CLASS.into(),
        args: vec![Value::Str(shown.into())],
        ..Object::default()
    })
}

pub(crate) fn global_ref(name: String) -> Value {
    Value::Object(Object {
        class: GLOBAL_CLASS.into(),
        args: vec![Value::Str(name)],
        ..Object::default()
    })
}

/// Elements added one by one to a set, as unpickling does: in CPython's
/// iteration order, equal ones dropped. Hashes that collide on purpose
/// would make that quadratic, here as in CPython: refused past a budget.
fn set_order(items: Vec<Value>) -> Result<Vec<Value>, PickleError> {
    let budget = crate::pyhash::probe_budget(items.len());
    crate::pyhash::order_by_insertion_within(items, budget).map_err(|_| PickleError::Limit {
        what: "hash-table probes building a set (its elements' hashes collide)",
        limit: budget as u64,
    })
}

/// Give the callables this tool understands their meaning; anything that
/// does not have the expected shape stays an inert object.
pub(crate) fn interpret(mut o: Object) -> Result<Value, PickleError> {
    if RECONSTRUCT.contains(&o.class.as_str()) {
        if let Some(a) = numpy::reconstructed(&mut o) {
            return Ok(Value::NdArray(a));
        }
    }
    // dill's `_create_array(f, args, state, npdict)`: the array numpy's own
    // reduce would give, `f(*args)` then `__setstate__(state)`.
    if o.class == "dill._dill._create_array" && o.state.is_none() {
        if let [f, Value::Tuple(args), state, ..] = o.args.as_slice() {
            if let Some(class) = global_name(f).filter(|c| RECONSTRUCT.contains(c)) {
                let mut inner = Object {
                    class: class.to_string(),
                    args: args.clone(),
                    state: Some(Box::new(state.clone())),
                    ..Object::default()
                };
                if let Some(a) = numpy::reconstructed(&mut inner) {
                    return Ok(Value::NdArray(a));
                }
            }
        }
    }
    let plain = o.state.is_none() && o.list_items.is_empty() && o.dict_items.is_empty();
    Ok(match (o.class.as_str(), o.args.as_slice()) {
        ("fleche.digest.Digest", [Value::Str(s)]) if plain => Value::Digest(s.clone()),
        ("cloudpickle.cloudpickle._make_function", _) => Value::Object(Object {
            class: "builtins.function".into(),
            ..o
        }),
        ("builtins.set" | "builtins.frozenset", [] | [Value::List(_) | Value::Tuple(_)])
            if o.state.is_none() && o.dict_items.is_empty() =>
        {
            let mut items = match o.args.into_iter().next() {
                Some(Value::List(v) | Value::Tuple(v)) => v,
                _ => Vec::new(),
            };
            items.extend(o.list_items);
            // `set(list)` on load adds the elements one by one.
            let items = set_order(items)?;
            if o.class == "builtins.set" {
                Value::Set(items)
            } else {
                Value::FrozenSet(items)
            }
        }
        ("builtins.bytes", []) if plain => Value::Bytes(Vec::new()),
        ("builtins.bytes", [Value::Bytes(b)]) if plain => Value::Bytes(b.clone()),
        ("builtins.bytearray", []) if plain => Value::ByteArray(Vec::new()),
        ("builtins.bytearray", [Value::Bytes(b)]) if plain => Value::ByteArray(b.clone()),
        ("builtins.bytearray", [Value::Str(s), Value::Str(enc)]) if plain && is_latin1(enc) => {
            match crate::value::latin1(s) {
                Some(b) => Value::ByteArray(b),
                None => Value::Object(o),
            }
        }
        ("_codecs.encode", [Value::Str(s), Value::Str(enc)]) if plain && is_latin1(enc) => {
            match crate::value::latin1(s) {
                Some(b) => Value::Bytes(b),
                None => Value::Object(o),
            }
        }
        ("builtins.complex", [re, im]) if plain => match (as_f64(re), as_f64(im)) {
            (Some(re), Some(im)) => Value::Complex(re, im),
            _ => Value::Object(o),
        },
        ("collections.OrderedDict", [Value::List(pairs)]) if o.dict_items.is_empty() => {
            // OrderedDict([[k, v], ...]), as very old pickles spell it.
            let mut items = Vec::new();
            for p in pairs {
                match p {
                    Value::List(kv) | Value::Tuple(kv) if kv.len() == 2 => {
                        items.push((kv[0].clone(), kv[1].clone()))
                    }
                    _ => return Ok(Value::Object(o)),
                }
            }
            Value::Object(Object {
                args: Vec::new(),
                dict_items: items,
                ..o
            })
        }
        // Not an array numpy's way (above): named after the array class
        // (`numpy.ndarray`, `numpy.ma.MaskedArray`).
        (c, args) if RECONSTRUCT.contains(&c) => match args.first().and_then(global_name) {
            Some(class) => Value::Object(Object {
                class: class.to_owned(),
                ..o
            }),
            None => Value::Object(o),
        },
        // Protocol 5: `_frombuffer(buffer, dtype, shape, order)`, the buffer
        // in band as a bytearray (or bytes when read-only).
        (
            c,
            [Value::ByteArray(raw) | Value::Bytes(raw), dtype, Value::Tuple(shape), Value::Str(order)],
        ) if FROMBUFFER.contains(&c) && plain => match numpy::from_buffer(raw, dtype, shape, order)
        {
            Some(a) => Value::NdArray(a),
            // Structured dtypes, kept inert like `_reconstruct` ones.
            None => Value::Object(Object {
                class: "numpy.ndarray".into(),
                ..o
            }),
        },
        (c, [dtype, Value::Bytes(raw)]) if SCALAR.contains(&c) && plain => {
            match numpy::scalar(dtype, raw) {
                Some(v) => v,
                None => Value::Object(o),
            }
        }
        _ => Value::Object(o),
    })
}

fn is_latin1(enc: &str) -> bool {
    matches!(enc, "latin1" | "latin-1" | "latin_1" | "iso-8859-1")
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        Value::Int(i) => i.to_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_zero_text_opcodes() {
        // pickle.dumps([1, 'a', 2.5, True, 12345678901234567890], 0)
        let p = b"(lp0\nI1\naVa\np1\naF2.5\naI01\naL12345678901234567890L\na.";
        let v = load(p).unwrap();
        assert_eq!(
            v,
            Value::List(vec![
                Value::int(1),
                Value::str("a"),
                Value::Float(2.5),
                Value::Bool(true),
                Value::Int("12345678901234567890".parse().unwrap()),
            ])
        );
    }

    #[test]
    fn escape_decoding() {
        assert_eq!(escape_decode(br"a\x41\101\n\\"), b"aAA\n\\".to_vec());
        assert_eq!(raw_unicode_escape(br"\u00e9\U0001f600x\q"), "é😀x\\q");
    }

    #[test]
    fn errors_name_the_opcode_and_offset() {
        assert_eq!(
            load(b"\x80\x04\xff").unwrap_err(),
            PickleError::UnknownOpcode {
                offset: 2,
                byte: 0xff
            }
        );
        assert_eq!(
            load(b"X\x05\x00\x00\x00ab").unwrap_err(),
            PickleError::Truncated {
                offset: 0,
                opcode: "BINUNICODE"
            }
        );
        assert_eq!(load(b"N").unwrap_err(), PickleError::NoStop { offset: 1 });
        let err = load(b"Q.").unwrap_err().to_string();
        assert!(err.contains("BINPERSID"), "{err}");
    }

    #[test]
    fn billion_laughs_is_refused() {
        // a = [None]; then 40 times: a = [a, a] via memo.
        let mut p = b"\x80\x02]q\x00N a".to_vec();
        p.retain(|&b| b != b' ');
        for i in 0..40u32 {
            // EMPTY_LIST, h i, h i, APPENDS... simpler: (h i h i l, put i+1
            p.extend_from_slice(b"(j");
            p.extend_from_slice(&i.to_le_bytes());
            p.extend_from_slice(b"j");
            p.extend_from_slice(&i.to_le_bytes());
            p.extend_from_slice(b"lr");
            p.extend_from_slice(&(i + 1).to_le_bytes());
        }
        p.push(b'.');
        let err = load(&p).unwrap_err();
        assert!(matches!(err, PickleError::Limit { .. }), "{err}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut p = vec![0x80, 2];
        p.extend(std::iter::repeat_n(b']', 100_000));
        p.extend(std::iter::repeat_n(b'a', 99_999));
        p.push(b'.');
        let err = load(&p).unwrap_err();
        assert_eq!(
            err,
            PickleError::Limit {
                what: "levels of nesting",
                limit: 500
            }
        );
    }

    #[test]
    fn nesting_up_to_the_limit_loads() {
        let depth = 500;
        let mut p = vec![0x80, 2];
        p.extend(std::iter::repeat_n(b']', depth + 1));
        p.extend(std::iter::repeat_n(b'a', depth));
        p.push(b'.');
        let mut v = load(&p).unwrap();
        for _ in 0..depth {
            let Value::List(mut items) = v else { panic!() };
            v = items.pop().unwrap();
        }
        assert_eq!(v, Value::List(Vec::new()));
    }

    /// numpy's pickle of an array (protocol 2 opcodes) with the shape
    /// `dims` (BININT each) and `data` as its buffer.
    fn array_pickle(dims: &[i32], fortran: bool, data: &[u8]) -> Vec<u8> {
        let mut p = b"\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R(K\x01(".to_vec();
        for d in dims {
            p.push(b'J');
            p.extend_from_slice(&d.to_le_bytes());
        }
        p.extend_from_slice(b"tcnumpy\ndtype\nX\x02\x00\x00\x00f8\x89\x88\x87R(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb");
        p.push(if fortran { 0x88 } else { 0x89 });
        p.push(b'B');
        p.extend_from_slice(&(data.len() as u32).to_le_bytes());
        p.extend_from_slice(data);
        p.extend_from_slice(b"tb.");
        p
    }

    /// Issue #15, item 4: a file of 150 bytes declaring a (2**20, 2**20)
    /// array is refused as numpy refuses it, before anything is sized by
    /// the shape.
    #[test]
    fn arrays_whose_data_does_not_fill_their_shape_are_refused() {
        let v = load(&array_pickle(&[2, 1], true, &[0; 16])).unwrap();
        assert!(matches!(v, Value::NdArray(_)), "{v:?}");
        let p = array_pickle(&[1 << 20, 1 << 20], true, &[0; 24]);
        assert!(p.len() < 200);
        let err = load(&p).unwrap_err();
        assert!(matches!(err, PickleError::Array { .. }), "{err}");
        assert!(
            err.to_string().contains("shape (1048576, 1048576)"),
            "{err}"
        );
    }

    /// Issue #15, H3: a set pickled with 200,000 equal elements is one
    /// element, as `pickle.loads` makes it.
    #[test]
    fn sets_keep_one_of_equal_elements() {
        let mut p = b"\x80\x04\x8f(".to_vec();
        p.extend(b"K\x01".repeat(200_000));
        p.extend(b"\x90.");
        assert_eq!(load(&p).unwrap(), Value::Set(vec![Value::int(1)]));
    }

    /// Issue #15, H3: references of a list to itself are placeholders, up
    /// to a limit (2M of them in a 4 MB file took 2 GB to show).
    #[test]
    fn references_to_a_containing_value_are_bounded() {
        let list = |n: usize| {
            let mut p = b"\x80\x04]\x94(".to_vec();
            p.extend(b"h\x00".repeat(n));
            p.extend(b"e.");
            p
        };
        let Value::List(items) = load(&list(3)).unwrap() else {
            panic!()
        };
        assert_eq!(items.len(), 3);
        assert!(items.iter().all(|i| repr_class(i) == Some(RECURSION_CLASS)));
        let err = load(&list(2_000_000)).unwrap_err();
        assert!(
            matches!(err, PickleError::Limit { limit, .. } if limit == (1 << 16) + 4_000_007 / 64),
            "{err}"
        );
    }

    fn repr_class(v: &Value) -> Option<&str> {
        match v {
            Value::Object(o) => Some(&o.class),
            _ => None,
        }
    }
}
