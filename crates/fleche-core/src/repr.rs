//! How a [`Value`] is shown: Python's `repr()` (exact for builtin types, as
//! CPython 3.11 prints them) and the documented JSON form (see
//! `docs/json-values.md`).

use crate::numpy::{
    bytes_item, element_count, fortran_to_c, parse_dtype, read_uint, storage_index, ucs4_item,
    DType, Kind,
};
use crate::shortest::{
    f16_shortest_sci, f16_to_f32, f32_shortest_sci, f64_positional, f64_shortest_sci,
    layout_digits, layout_digits_as, numpy_scientific,
};
use crate::value::{ArrayData, NdArray, Object, Record, Value};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use num_bigint::BigInt;
use num_traits::ToPrimitive;
use serde_json::{json, Map, Number};
use unicode_general_category::{get_general_category, GeneralCategory};

/// Nesting deeper than this is shown as `...` (repr) or `{"$error": ...}`
/// (JSON) instead of overflowing the stack. CPython itself gives up with a
/// RecursionError around depth 1000, so no real value is cut.
const MAX_DEPTH: usize = 500;

/// Bytes shown of an array whose dtype we cannot decode.
const RAW_PREVIEW: usize = 32;

/// `repr(v)` as CPython 3.11 prints it for builtin values; values we model
/// inertly (records, objects, arrays) get a readable Python-like form.
pub fn repr(v: &Value) -> String {
    let mut out = Out::new(usize::MAX);
    // Without a limit the writer never stops early.
    let _ = write_value(&mut out, v, 0);
    out.buf
}

/// [`repr`] with every element of every array (`show --full`): arrays are
/// otherwise summarised around `...`.
pub fn repr_full(v: &Value) -> String {
    let mut out = Out::new(usize::MAX);
    out.whole_arrays = true;
    let _ = write_value(&mut out, v, 0);
    out.buf
}

/// [`repr`] cut to at most `max_chars` characters, ending in `…` when cut.
/// Rendering stops as soon as the limit is passed, so huge values are cheap.
pub fn repr_abbrev(v: &Value, max_chars: usize) -> String {
    let mut out = Out::new(max_chars.saturating_add(1));
    let finished = write_value(&mut out, v, 0).is_ok();
    if finished && out.chars <= max_chars {
        return out.buf;
    }
    if max_chars == 0 {
        return String::new();
    }
    let keep = out
        .buf
        .char_indices()
        .nth(max_chars - 1)
        .map_or(out.buf.len(), |(i, _)| i);
    out.buf.truncate(keep);
    out.buf.push('…');
    out.buf
}

/// Signals that the character budget of [`repr_abbrev`] is spent.
struct Full;
type Res = Result<(), Full>;

/// A string sink that counts characters and refuses to grow past `limit`.
struct Out {
    buf: String,
    chars: usize,
    limit: usize,
    /// Arrays in full, not summarised.
    whole_arrays: bool,
}

impl Out {
    /// numpy's print threshold: every element with `--full`.
    fn threshold(&self) -> usize {
        if self.whole_arrays {
            usize::MAX
        } else {
            crate::arrayprint::THRESHOLD
        }
    }

    fn new(limit: usize) -> Out {
        Out {
            buf: String::new(),
            chars: 0,
            limit,
            whole_arrays: false,
        }
    }

    fn s(&mut self, s: &str) -> Res {
        // A string has at most as many chars as bytes: take the fast path
        // whenever even that many still fit.
        if self.limit - self.chars >= s.len() {
            self.buf.push_str(s);
            self.chars += s.chars().count();
            return Ok(());
        }
        s.chars().try_for_each(|ch| self.c(ch))
    }

    fn c(&mut self, ch: char) -> Res {
        if self.chars >= self.limit {
            return Err(Full);
        }
        self.buf.push(ch);
        self.chars += 1;
        Ok(())
    }
}

fn write_value(out: &mut Out, v: &Value, depth: usize) -> Res {
    if depth > MAX_DEPTH {
        return out.s("...");
    }
    let depth = depth + 1;
    match v {
        Value::None => out.s("None"),
        Value::Bool(true) => out.s("True"),
        Value::Bool(false) => out.s("False"),
        Value::Int(i) => match int_decimal(i) {
            Some(text) => out.s(&text),
            None => out.s(&format!(
                "<int of {} bits: more than {MAX_INT_DIGITS} digits, which Python's repr refuses>",
                i.bits()
            )),
        },
        Value::Float(f) => out.s(&float_repr(*f)),
        Value::Complex(re, im) => out.s(&complex_repr(*re, *im)),
        // A Digest is a str subclass without a repr of its own.
        Value::Str(s) | Value::Digest(s) => write_str(out, s),
        Value::Bytes(b) => write_bytes(out, b),
        Value::ByteArray(b) => {
            out.s("bytearray(")?;
            write_bytes(out, b)?;
            out.c(')')
        }
        Value::Tuple(items) => {
            out.c('(')?;
            write_seq(out, items, depth)?;
            if items.len() == 1 {
                out.c(',')?;
            }
            out.c(')')
        }
        Value::List(items) => {
            out.c('[')?;
            write_seq(out, items, depth)?;
            out.c(']')
        }
        Value::Dict(items) => write_dict(out, items, depth),
        Value::Set(items) if items.is_empty() => out.s("set()"),
        Value::Set(items) => {
            out.c('{')?;
            write_seq(out, iteration_order(items), depth)?;
            out.c('}')
        }
        Value::FrozenSet(items) if items.is_empty() => out.s("frozenset()"),
        Value::FrozenSet(items) => {
            out.s("frozenset({")?;
            write_seq(out, iteration_order(items), depth)?;
            out.s("})")
        }
        Value::Record(r) => write_record(out, r, depth),
        Value::NdArray(a) => write_ndarray(out, a, depth),
        Value::Object(o) => write_object(out, o, depth),
    }
}

/// A set's elements in CPython's iteration order, or in insertion order when
/// that order depends on per-process string hashing.
/// Sets are stored in CPython's iteration order already (see `Value::Set`).
fn iteration_order(items: &[Value]) -> Vec<&Value> {
    items.iter().collect()
}

fn write_seq<'a>(out: &mut Out, items: impl IntoIterator<Item = &'a Value>, depth: usize) -> Res {
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.s(", ")?;
        }
        write_value(out, item, depth)?;
    }
    Ok(())
}

fn write_dict(out: &mut Out, items: &[(Value, Value)], depth: usize) -> Res {
    out.c('{')?;
    for (i, (k, v)) in items.iter().enumerate() {
        if i > 0 {
            out.s(", ")?;
        }
        write_value(out, k, depth)?;
        out.s(": ")?;
        write_value(out, v, depth)?;
    }
    out.c('}')
}

/// Dataclass-style `Name(field=value, ...)`. Python uses `__qualname__`; we
/// only know `module.qualname` joined by dots, so Name is the last component
/// (`Outer.Inner` shows as `Inner`).
fn write_record(out: &mut Out, r: &Record, depth: usize) -> Res {
    out.s(r.type_name())?;
    out.c('(')?;
    for (i, (name, value)) in r.fields.iter().enumerate() {
        if i > 0 {
            out.s(", ")?;
        }
        out.s(name)?;
        out.c('=')?;
        write_value(out, value, depth)?;
    }
    out.c(')')
}

// ---------------------------------------------------------------------------
// Objects

/// `collections` types print as Python does; any other class as
/// `module.qualname(args..., key=value..., *[items], **{dict_items})`, where
/// `key=value` pairs are a `__dict__`-like (str-keyed dict) BUILD state and
/// any other state shows as `<state=...>`.
fn write_object(out: &mut Out, o: &Object, depth: usize) -> Res {
    if let Some(done) = write_known(out, o, depth) {
        return done;
    }
    let as_dataclass = shown_as_dataclass(o);
    if as_dataclass {
        write_name(out, o.type_name())?;
    } else {
        write_name(out, &o.class)?;
    }
    out.c('(')?;
    let mut first = true;
    let mut sep = |out: &mut Out| -> Res {
        if !std::mem::take(&mut first) {
            out.s(", ")?;
        }
        Ok(())
    };
    for arg in &o.args {
        sep(out)?;
        write_value(out, arg, depth)?;
    }
    match o.state.as_deref() {
        None => {}
        Some(Value::Dict(items)) if items.iter().all(|(k, _)| matches!(k, Value::Str(_))) => {
            for (k, v) in items {
                sep(out)?;
                if let Value::Str(name) = k {
                    out.s(name)?;
                }
                out.c('=')?;
                write_value(out, v, depth)?;
            }
        }
        Some(state) => {
            sep(out)?;
            out.s("<state=")?;
            write_value(out, state, depth)?;
            out.c('>')?;
        }
    }
    if !o.list_items.is_empty() {
        sep(out)?;
        out.s("*[")?;
        write_seq(out, &o.list_items, depth)?;
        out.c(']')?;
    }
    if !o.dict_items.is_empty() {
        sep(out)?;
        out.s("**")?;
        write_dict(out, &o.dict_items, depth)?;
    }
    out.c(')')
}

/// An object of a kind printed as Python prints it (numpy scalars, the
/// standard library, `collections`), or None.
fn write_known(out: &mut Out, o: &Object, depth: usize) -> Option<Res> {
    if let (crate::pickle::SURROGATE_STR_CLASS, [Value::Bytes(b)]) =
        (o.class.as_str(), o.args.as_slice())
    {
        if let Some(points) = crate::pickle::surrogate_code_points(b) {
            let chars = points.iter().map(|&cp| char::from_u32(cp).ok_or(cp));
            return Some(write_text(out, chars));
        }
    }
    if o.class == crate::pickle::RECURSION_CLASS {
        return Some(out.s(match o.args.first() {
            Some(Value::Str(shown)) => shown,
            _ => "...",
        }));
    }
    // A builtin named (or, by dill, spelled as `_eval_repr('Ellipsis')`).
    if let (crate::pickle::GLOBAL_CLASS | "dill._dill._eval_repr", [Value::Str(name)]) =
        (o.class.as_str(), o.args.as_slice())
    {
        let name = match name.as_str() {
            "Ellipsis" | "NotImplemented" => format!("builtins.{name}"),
            _ => name.clone(),
        };
        if let Some(text) = builtin_global_repr(&name) {
            return Some(out.s(&text));
        }
    }
    if let Some((name, inner)) = crate::numpy::scalar_parts(o) {
        if let Some(text) = numpy_scalar_repr(name, inner, o.args.get(1)) {
            return Some(out.s(&text));
        }
    }
    if let Some(text) = crate::stdrepr::known(o, &repr) {
        return Some(out.s(&text));
    }
    if let Some(text) = crate::pandas_scalars::known(o, &repr) {
        return Some(out.s(&text));
    }
    if let Some(text) = crate::pandas::repr(o, &repr) {
        return Some(out.s(&text));
    }
    if let Some((fields, itemsize, a)) = crate::numpy::structured(o) {
        let threshold = out.threshold();
        let text = crate::arrayprint::structured_repr(&fields, itemsize, &a, threshold, &repr);
        if let Some(text) = text {
            return Some(out.s(&text));
        }
    }
    let ndarray_base = o.args.get(1).and_then(crate::pickle::global_name) == Some("numpy.ndarray");
    if let Some((data, mask, fill)) = crate::numpy::masked(o).filter(|_| ndarray_base) {
        let threshold = out.threshold();
        let element = |v: &Value| {
            if out.whole_arrays {
                repr_full(v)
            } else {
                repr(v)
            }
        };
        let text = crate::arrayprint::masked_repr(&data, &mask, &fill, threshold, &element);
        if let Some(text) = text {
            return Some(out.s(&text));
        }
    }
    match o.class.as_str() {
        "collections.OrderedDict" if o.args.is_empty() && o.state.is_none() => {
            Some(write_ordered_dict(out, o, depth))
        }
        "collections.defaultdict" if o.args.len() <= 1 && o.state.is_none() => {
            Some(write_defaultdict(out, o, depth))
        }
        "collections.deque" if o.dict_items.is_empty() && o.state.is_none() => {
            write_deque(out, o, depth)
        }
        "collections.Counter" => match o.args.as_slice() {
            [Value::Dict(items)]
                if o.state.is_none() && o.list_items.is_empty() && o.dict_items.is_empty() =>
            {
                Some(write_counter(out, items, depth))
            }
            _ => None,
        },
        // Last: the specific printers above know some names better.
        _ => function_or_class(o).map(|text| out.s(&text)),
    }
}

/// An instance rebuilt from its `__dict__` alone prints as a dataclass
/// does, under its class's own name (what a plain class would print,
/// `<module.Name object at 0x...>`, holds an address).
fn shown_as_dataclass(o: &Object) -> bool {
    o.args.is_empty()
        && o.list_items.is_empty()
        && o.dict_items.is_empty()
        && matches!(o.state.as_deref(), Some(Value::Dict(items))
            if items.iter().all(|(k, _)| matches!(k, Value::Str(_))))
}

/// The class (`module.qualname`) of the first object in `v` that [`repr`]
/// can only show as the call that rebuilds it (`__main__.Level(3)`, a
/// dill `_create_*` it does not decode), not as Python prints it; None
/// when there is none. Walks the value once, printing nothing: a known
/// object is recognised by its printer's first character.
pub fn reconstruction_call(v: &Value) -> Option<String> {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(o) => {
                // An empty budget: a known printer stops at once.
                if write_known(&mut Out::new(0), o, 0).is_some() {
                    // What it prints of its own parts: enum values,
                    // namedtuple fields, `collections` contents.
                    match o.class.as_str() {
                        crate::value::ENUM_MEMBER_CLASS | crate::value::NAMEDTUPLE_CLASS => {
                            stack.extend(o.args.get(2))
                        }
                        c if c.starts_with("collections.") => {
                            stack.extend(&o.args);
                            stack.extend(&o.list_items);
                            stack.extend(o.dict_items.iter().flat_map(|(k, v)| [k, v]));
                        }
                        _ => {}
                    }
                    continue;
                }
                let placeholder = o.class == crate::pickle::GLOBAL_CLASS
                    || o.class == crate::pickle::RECURSION_CLASS;
                if !placeholder && !shown_as_dataclass(o) {
                    return Some(o.class.clone());
                }
                v.push_children(&mut stack);
            }
            _ => v.push_children(&mut stack),
        }
    }
    None
}

/// A function or class as a value: pickled by value (cloudpickle's
/// `function(CodeType(...))`, dill's `_create_function(_create_code(...))`)
/// or named (a class a skeleton made, a function by reference): Python's
/// `<function f at 0x...>` (its address masked as `0x?`: it is not in the
/// pickle) or `<class 'module.C'>`. A name says whether it is a class only
/// by custom: a capital last part is taken for a class.
fn function_or_class(o: &Object) -> Option<String> {
    let code_name = |code: Option<&Value>, class: &str, at: usize| match code {
        Some(Value::Object(c)) if c.class == class => match c.args.get(at) {
            Some(Value::Str(q)) => Some(q.clone()),
            _ => None,
        },
        _ => None,
    };
    let qualname = match o.class.as_str() {
        // CodeType(argcount, ..., filename, name, qualname, ...)
        "builtins.function" => code_name(o.args.first(), "types.CodeType", 12),
        // _create_code(linetable, argcount, ..., name, qualname, ...)
        "dill._dill._create_function" => code_name(o.args.first(), "dill._dill._create_code", 13),
        crate::pickle::GLOBAL_CLASS => {
            let Some(Value::Str(name)) = o.args.first() else {
                return None;
            };
            if name.starts_with("builtins.") {
                return None;
            }
            let last = name.rsplit('.').next().unwrap_or(name);
            if last.starts_with(char::is_uppercase) {
                return Some(format!("<class '{name}'>"));
            }
            Some(last.to_string())
        }
        _ => None,
    }?;
    Some(format!("<function {qualname} at 0x?>"))
}

/// Python's repr of a builtin named in a pickle without being called: the
/// constants by name, the classes as `<class 'int'>`, the functions as
/// `<built-in function len>`. Other globals keep their reconstruction form:
/// whether `module.name` is a class or a function is not in the pickle.
fn builtin_global_repr(name: &str) -> Option<String> {
    // Beyond the types dill and cloudpickle name: those a result may hold.
    const MORE_CLASSES: &[&str] = &[
        "staticmethod",
        "classmethod",
        "super",
        "enumerate",
        "zip",
        "map",
        "filter",
        "reversed",
        "BaseException",
        "Exception",
        "ValueError",
        "TypeError",
        "KeyError",
        "IndexError",
        "RuntimeError",
        "AttributeError",
        "ZeroDivisionError",
        "OSError",
        "NotImplementedError",
    ];
    const FUNCTIONS: &[&str] = &[
        "abs",
        "all",
        "any",
        "ascii",
        "bin",
        "callable",
        "chr",
        "divmod",
        "format",
        "getattr",
        "hasattr",
        "hash",
        "hex",
        "id",
        "isinstance",
        "issubclass",
        "iter",
        "len",
        "max",
        "min",
        "next",
        "oct",
        "ord",
        "pow",
        "print",
        "repr",
        "round",
        "setattr",
        "sorted",
        "sum",
        "vars",
    ];
    let name = name.strip_prefix("builtins.")?;
    match name {
        "Ellipsis" | "NotImplemented" | "None" => Some(name.to_string()),
        _ if crate::pickle::BUILTIN_TYPES.contains(&name) || MORE_CLASSES.contains(&name) => {
            Some(format!("<class '{name}'>"))
        }
        _ if FUNCTIONS.contains(&name) => Some(format!("<built-in function {name}>")),
        _ => None,
    }
}

/// numpy 2's repr of a scalar: `np.float32(0.1)` (the shortest digits of
/// its own width, laid out as Python lays out floats), `np.True_`,
/// `np.complex128(1+2j)`, `np.str_('a')`, `np.datetime64('2024-05-17')`,
/// `np.timedelta64(5,'s')`.
fn numpy_scalar_repr(name: &str, inner: &Value, dtype: Option<&Value>) -> Option<String> {
    let half = name == "float16";
    let single = matches!(name, "float32" | "complex64");
    let narrow = |x: f64, add_dot_0: bool, force_sign: bool| -> String {
        if !x.is_finite() || !(half || single) {
            return format_float(x, add_dot_0, force_sign);
        }
        let sign = if x.is_sign_negative() {
            "-"
        } else if force_sign {
            "+"
        } else {
            ""
        };
        let sci = if half {
            f16_shortest_sci(f16_bits(x.abs()))
        } else {
            f32_shortest_sci(x.abs() as f32)
        };
        // numpy switches narrow scalars to scientific form sooner.
        let max_positional = if half { 1e3 } else { 1e6 };
        let scientific = numpy_scientific(x.abs(), max_positional);
        layout_digits_as(sign, &sci, add_dot_0, Some(scientific))
    };
    let text = match (name, inner) {
        ("bool", Value::Bool(true)) => return Some("np.True_".into()),
        ("bool", Value::Bool(false)) => return Some("np.False_".into()),
        ("datetime64" | "timedelta64", Value::Int(n)) => {
            let Some(Value::Str(dtype)) = dtype else {
                return None;
            };
            let t = crate::timelike::TimeType::parse(dtype)?;
            let n = n.to_i64()?;
            let unit = if t.multiple == 1 {
                t.unit.to_string()
            } else {
                format!("{}{}", t.multiple, t.unit)
            };
            return Some(match (t.datetime, n == crate::timelike::NAT) {
                (_, true) => format!("np.{name}('NaT','{unit}')"),
                (true, false) if t.multiple == 1 => {
                    format!("np.datetime64('{}')", t.datetime_text(n))
                }
                (true, false) => format!("np.datetime64('{}','{unit}')", t.datetime_text(n)),
                (false, false) => format!("np.timedelta64({n},'{unit}')"),
            });
        }
        (_, Value::Int(n)) => n.to_string(),
        (_, Value::Float(x)) => narrow(*x, true, false),
        (_, Value::Complex(re, im)) => {
            if *re == 0.0 && re.is_sign_positive() {
                format!("{}j", narrow(*im, false, false))
            } else {
                format!("{}{}j", narrow(*re, false, false), narrow(*im, false, true))
            }
        }
        (_, Value::Str(_) | Value::Bytes(_)) => repr(inner),
        _ => return None,
    };
    Some(format!("np.{name}({text})"))
}

/// The bits of a half-precision float (`x` is one, as read).
fn f16_bits(x: f64) -> u16 {
    if x == 0.0 {
        return 0;
    }
    let e = x.log2().floor() as i32;
    if e < -14 {
        // Subnormal: a multiple of 2**-24.
        return (x / 2f64.powi(-24)).round() as u16;
    }
    let mantissa = ((x / 2f64.powi(e) - 1.0) * 1024.0).round() as u16;
    (((e + 15) as u16) << 10) | mantissa
}

/// Python 3.11: `OrderedDict()` / `OrderedDict([('a', 1)])` (3.12 changed
/// this to `OrderedDict({'a': 1})`).
fn write_ordered_dict(out: &mut Out, o: &Object, depth: usize) -> Res {
    out.s(o.type_name())?;
    out.c('(')?;
    if !o.dict_items.is_empty() {
        out.c('[')?;
        for (i, (k, v)) in o.dict_items.iter().enumerate() {
            if i > 0 {
                out.s(", ")?;
            }
            out.c('(')?;
            write_value(out, k, depth)?;
            out.s(", ")?;
            write_value(out, v, depth)?;
            out.c(')')?;
        }
        out.c(']')?;
    }
    out.c(')')
}

/// `defaultdict(<class 'list'>, {...})`. The factory is the one argument of
/// the pickled REDUCE; a bare class reference arrives as an argument-less
/// [`Object`] and prints as `<class '...'>`.
fn write_defaultdict(out: &mut Out, o: &Object, depth: usize) -> Res {
    out.s("defaultdict(")?;
    match o.args.first() {
        None | Some(Value::None) => out.s("None")?,
        Some(Value::Object(f))
            if f.args.is_empty()
                && f.state.is_none()
                && f.list_items.is_empty()
                && f.dict_items.is_empty() =>
        {
            out.s("<class '")?;
            write_name(out, f.class.strip_prefix("builtins.").unwrap_or(&f.class))?;
            out.s("'>")?;
        }
        // A class or function named by the pickle: Python's own text for
        // a class; a function's holds an address.
        Some(factory) => match crate::pickle::global_name(factory) {
            Some(name) => {
                let name = name.strip_prefix("builtins.").unwrap_or(name);
                let last = name.rsplit('.').next().unwrap_or(name);
                if !name.contains('.') || last.starts_with(char::is_uppercase) {
                    out.s("<class '")?;
                    write_name(out, name)?;
                    out.s("'>")?;
                } else {
                    out.s("<function ")?;
                    write_name(out, last)?;
                    out.s(" at 0x?>")?;
                }
            }
            None => write_value(out, factory, depth)?,
        },
    }
    out.s(", ")?;
    write_dict(out, &o.dict_items, depth)?;
    out.c(')')
}

/// `deque([1, 2])` / `deque([1, 2], maxlen=3)`; pickled as
/// `(deque, ((), maxlen)?, None, iter(items))`. `None` when the arguments
/// have another shape.
fn write_deque(out: &mut Out, o: &Object, depth: usize) -> Option<Res> {
    let maxlen = match o.args.as_slice() {
        [] => None,
        [Value::Tuple(t), m] if t.is_empty() => match m {
            Value::None => None,
            Value::Int(_) => Some(m),
            _ => return None,
        },
        _ => return None,
    };
    let mut render = || -> Res {
        out.s("deque([")?;
        write_seq(out, &o.list_items, depth)?;
        out.c(']')?;
        if let Some(m) = maxlen {
            out.s(", maxlen=")?;
            write_value(out, m, depth)?;
        }
        out.c(')')
    };
    Some(render())
}

/// `Counter({'a': 5, 'b': 2})`: items by decreasing count (stable), as
/// `most_common()` orders them; dict order when counts are not all ints,
/// as Python falls back to on TypeError.
fn write_counter(out: &mut Out, items: &[(Value, Value)], depth: usize) -> Res {
    if items.is_empty() {
        return out.s("Counter()");
    }
    let mut ordered: Vec<(Value, Value)> = items.to_vec();
    let counts: Option<Vec<BigInt>> = items
        .iter()
        .map(|(_, v)| match v {
            Value::Int(i) => Some(i.clone()),
            Value::Bool(b) => Some(BigInt::from(*b as u8)),
            _ => None,
        })
        .collect();
    if let Some(counts) = counts {
        let mut idx: Vec<usize> = (0..items.len()).collect();
        idx.sort_by(|&a, &b| counts[b].cmp(&counts[a]));
        ordered = idx.into_iter().map(|i| items[i].clone()).collect();
    }
    out.s("Counter(")?;
    write_dict(out, &ordered, depth)?;
    out.c(')')
}

// ---------------------------------------------------------------------------
// Numbers

/// CPython's `sys.int_info.default_max_str_digits`: `repr()` of an int with
/// more digits raises ValueError ("Exceeds the limit (4300 digits) for
/// integer string conversion"), and the conversion is quadratic (a 1 MiB
/// LONG4 took seconds).
pub const MAX_INT_DIGITS: usize = 4300;

/// An int's decimal digits as `repr()` prints them, or None past
/// [`MAX_INT_DIGITS`], found without converting a huge int: below 2**14300
/// an int has at most 4305 digits, from there on at least that many.
pub fn int_decimal(i: &BigInt) -> Option<String> {
    if i.bits() > 14_300 {
        return None;
    }
    let text = i.to_string();
    let digits = text.trim_start_matches('-').len();
    (digits <= MAX_INT_DIGITS).then_some(text)
}

/// `repr(float)`: shortest round-trip digits, fixed notation for decimal
/// exponents in -4..16, `.0` on integral fixed values.
pub fn float_repr(x: f64) -> String {
    format_float(x, true, false)
}

/// `repr(complex)`: each part formatted like a float but without the `.0`;
/// a real part of +0.0 is omitted along with the parentheses.
pub fn complex_repr(re: f64, im: f64) -> String {
    if re == 0.0 && re.is_sign_positive() {
        return format!("{}j", format_float(im, false, false));
    }
    format!(
        "({}{}j)",
        format_float(re, false, false),
        format_float(im, false, true)
    )
}

/// CPython's `PyOS_double_to_string(x, 'r', 0, flags)`: `add_dot_0` is
/// `Py_DTSF_ADD_DOT_0`, `force_sign` is `Py_DTSF_SIGN`.
fn format_float(x: f64, add_dot_0: bool, force_sign: bool) -> String {
    if x.is_nan() {
        // CPython never prints a NaN's sign.
        return if force_sign { "+nan" } else { "nan" }.into();
    }
    let sign = if x.is_sign_negative() {
        "-"
    } else if force_sign {
        "+"
    } else {
        ""
    };
    if x.is_infinite() {
        return format!("{sign}inf");
    }
    if let Some(text) = f64_positional(x.abs()) {
        let text = match text.strip_suffix(".0") {
            Some(integral) if !add_dot_0 => integral,
            _ => &text,
        };
        return format!("{sign}{text}");
    }
    layout_digits(sign, &f64_shortest_sci(x.abs()), add_dot_0)
}

// ---------------------------------------------------------------------------
// Strings and bytes

fn write_str(out: &mut Out, s: &str) -> Res {
    write_text(out, s.chars().map(Ok))
}

/// Python's repr of text whose code points are chars or (`Err`) lone
/// surrogates, which it escapes as `\udXXX`.
fn write_text<I>(out: &mut Out, text: I) -> Res
where
    I: Iterator<Item = Result<char, u32>> + Clone,
{
    let (mut single, mut double) = (false, false);
    for c in text.clone() {
        single |= c == Ok('\'');
        double |= c == Ok('"');
    }
    let quote = if single && !double { '"' } else { '\'' };
    out.c(quote)?;
    for ch in text {
        match ch {
            Ok('\\') => out.s("\\\\")?,
            Ok('\t') => out.s("\\t")?,
            Ok('\n') => out.s("\\n")?,
            Ok('\r') => out.s("\\r")?,
            Ok(c) if c == quote => {
                out.c('\\')?;
                out.c(c)?;
            }
            Ok(c) if is_printable(c) => out.c(c)?,
            other => {
                let cp = other.map_or_else(|cp| cp, |c| c as u32);
                let escape = match cp {
                    0..=0xff => format!("\\x{cp:02x}"),
                    0x100..=0xffff => format!("\\u{cp:04x}"),
                    _ => format!("\\U{cp:08x}"),
                };
                out.s(&escape)?;
            }
        }
    }
    out.c(quote)
}

/// Python's `str.isprintable()` for one character, with the Unicode data of
/// CPython 3.11 (Unicode 14.0): not printable are categories Cc, Cf, Cs, Co,
/// Cn, Zl, Zp and Zs other than the ASCII space.
pub fn is_printable(c: char) -> bool {
    use GeneralCategory::*;
    if c == ' ' {
        return true;
    }
    if c.is_ascii() {
        return !c.is_ascii_control();
    }
    if ASSIGNED_AFTER_UNICODE_14
        .binary_search_by(|&(lo, hi)| {
            if hi < c as u32 {
                std::cmp::Ordering::Less
            } else if lo > c as u32 {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
    {
        return false;
    }
    !matches!(
        get_general_category(c),
        Control
            | Format
            | Surrogate
            | PrivateUse
            | Unassigned
            | LineSeparator
            | ParagraphSeparator
            | SpaceSeparator
    )
}

/// Code points that `unicode-general-category` (Unicode 16) knows as printable
/// but that were unassigned, hence not printable, in CPython 3.11's Unicode
/// 14.0 tables. When moving to another CPython or crate version, regenerate
/// this by comparing `str.isprintable()` over all code points.
const ASSIGNED_AFTER_UNICODE_14: &[(u32, u32)] = &[
    (0x0897, 0x0897),
    (0x0CF3, 0x0CF3),
    (0x0ECE, 0x0ECE),
    (0x1B4E, 0x1B4F),
    (0x1B7F, 0x1B7F),
    (0x1C89, 0x1C8A),
    (0x2427, 0x2429),
    (0x2FFC, 0x2FFF),
    (0x31E4, 0x31E5),
    (0x31EF, 0x31EF),
    (0xA7CB, 0xA7CD),
    (0xA7DA, 0xA7DC),
    (0x105C0, 0x105F3),
    (0x10D40, 0x10D65),
    (0x10D69, 0x10D85),
    (0x10D8E, 0x10D8F),
    (0x10EC2, 0x10EC4),
    (0x10EFC, 0x10EFF),
    (0x1123F, 0x11241),
    (0x11380, 0x11389),
    (0x1138B, 0x1138B),
    (0x1138E, 0x1138E),
    (0x11390, 0x113B5),
    (0x113B7, 0x113C0),
    (0x113C2, 0x113C2),
    (0x113C5, 0x113C5),
    (0x113C7, 0x113CA),
    (0x113CC, 0x113D5),
    (0x113D7, 0x113D8),
    (0x113E1, 0x113E2),
    (0x116D0, 0x116E3),
    (0x11B00, 0x11B09),
    (0x11BC0, 0x11BE1),
    (0x11BF0, 0x11BF9),
    (0x11F00, 0x11F10),
    (0x11F12, 0x11F3A),
    (0x11F3E, 0x11F5A),
    (0x1342F, 0x1342F),
    (0x13440, 0x13455),
    (0x13460, 0x143FA),
    (0x16100, 0x16139),
    (0x16D40, 0x16D79),
    (0x18CFF, 0x18CFF),
    (0x1B132, 0x1B132),
    (0x1B155, 0x1B155),
    (0x1CC00, 0x1CCF9),
    (0x1CD00, 0x1CEB3),
    (0x1D2C0, 0x1D2D3),
    (0x1DF25, 0x1DF2A),
    (0x1E030, 0x1E06D),
    (0x1E08F, 0x1E08F),
    (0x1E4D0, 0x1E4F9),
    (0x1E5D0, 0x1E5FA),
    (0x1E5FF, 0x1E5FF),
    (0x1F6DC, 0x1F6DC),
    (0x1F774, 0x1F776),
    (0x1F77B, 0x1F77F),
    (0x1F7D9, 0x1F7D9),
    (0x1F8B2, 0x1F8BB),
    (0x1F8C0, 0x1F8C1),
    (0x1FA75, 0x1FA77),
    (0x1FA87, 0x1FA89),
    (0x1FA8F, 0x1FA8F),
    (0x1FAAD, 0x1FAAF),
    (0x1FABB, 0x1FABF),
    (0x1FAC6, 0x1FAC6),
    (0x1FACE, 0x1FACF),
    (0x1FADA, 0x1FADC),
    (0x1FADF, 0x1FADF),
    (0x1FAE8, 0x1FAE9),
    (0x1FAF7, 0x1FAF8),
    (0x1FBCB, 0x1FBEF),
    (0x2B739, 0x2B739),
    (0x2EBF0, 0x2EE5D),
    (0x31350, 0x323AF),
];

fn write_bytes(out: &mut Out, b: &[u8]) -> Res {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    out.c('b')?;
    out.c(quote)?;
    for &byte in b {
        match byte {
            b'\\' => out.s("\\\\")?,
            b'\t' => out.s("\\t")?,
            b'\n' => out.s("\\n")?,
            b'\r' => out.s("\\r")?,
            c if c as char == quote => {
                out.c('\\')?;
                out.c(quote)?;
            }
            0x20..=0x7e => out.c(byte as char)?,
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.s("\\x")?;
                out.c(HEX[(byte >> 4) as usize] as char)?;
                out.c(HEX[(byte & 15) as usize] as char)?;
            }
        }
    }
    out.c(quote)
}

// ---------------------------------------------------------------------------
// numpy arrays

/// The dtype as numpy's repr shows it: a name for native-order numbers
/// (`float64`), the quoted `.str` otherwise (`'>i4'`, `'<U3'`).
fn dtype_display(dtype: &str, parsed: Option<DType>) -> String {
    let name = match parsed {
        Some(d) if !d.big_endian || d.itemsize == 1 => match d.kind {
            Kind::Bool => Some("bool".to_string()),
            Kind::Int { signed } => Some(format!(
                "{}int{}",
                if signed { "" } else { "u" },
                d.itemsize * 8
            )),
            Kind::Float => Some(format!("float{}", d.itemsize * 8)),
            Kind::Complex => Some(format!("complex{}", d.itemsize * 8)),
            Kind::Object => Some("object".to_string()),
            Kind::Unicode | Kind::Bytes => None,
        },
        _ => None,
    };
    name.unwrap_or_else(|| {
        let mut quoted = Out::new(usize::MAX);
        let _ = write_str(&mut quoted, dtype);
        quoted.buf
    })
}

/// One decoded array element. Narrow floats keep their width so they print
/// with the shortest digits of that width, as numpy does.
enum Elem<'a> {
    Value(Value),
    Borrowed(&'a Value),
    F32(f32),
    F16(u16),
}

/// Element access in C order over either storage order.
struct ArrayView<'a> {
    arr: &'a NdArray,
    dtype: DType,
    /// Number of elements, the product of the shape.
    count: usize,
}

impl<'a> ArrayView<'a> {
    /// `None` when the dtype is not decodable or the data does not match
    /// the shape.
    fn new(arr: &'a NdArray) -> Option<ArrayView<'a>> {
        let dtype = parse_dtype(&arr.dtype)?;
        let count = element_count(&arr.shape)?;
        let ok = match (&arr.data, dtype.kind) {
            (ArrayData::Objects(items), _) => items.len() == count,
            (ArrayData::Raw(_), Kind::Object) => false,
            // Elements of no bytes would let a huge shape pass.
            (ArrayData::Raw(raw), _) => {
                count.checked_mul(dtype.itemsize) == Some(raw.len())
                    && (dtype.itemsize > 0 || count == 0)
            }
        };
        ok.then_some(ArrayView { arr, dtype, count })
    }

    fn get(&self, c_index: usize) -> Elem<'a> {
        let i = storage_index(&self.arr.shape, self.arr.fortran_order, c_index);
        match &self.arr.data {
            ArrayData::Objects(items) => items
                .get(i)
                .map_or(Elem::Value(Value::None), Elem::Borrowed),
            ArrayData::Raw(raw) => {
                let size = self.dtype.itemsize;
                let bytes = raw.get(i * size..(i + 1) * size).unwrap_or(&[]);
                decode(self.dtype, bytes)
            }
        }
    }
}

fn decode(dtype: DType, bytes: &[u8]) -> Elem<'static> {
    let be = dtype.big_endian;
    let float_at = |bytes: &[u8]| -> Elem<'static> {
        let bits = read_uint(bytes, be);
        match bytes.len() {
            2 => Elem::F16(bits as u16),
            4 => Elem::F32(f32::from_bits(bits as u32)),
            _ => Elem::Value(Value::Float(f64::from_bits(bits))),
        }
    };
    match dtype.kind {
        Kind::Bool => Elem::Value(Value::Bool(bytes.iter().any(|&b| b != 0))),
        Kind::Int { signed } => {
            let raw = read_uint(bytes, be);
            let bits = bytes.len() as u32 * 8;
            let value = if signed && bits < 64 && raw >> (bits - 1) & 1 == 1 {
                BigInt::from(raw as i64 - (1i64 << bits))
            } else if signed {
                BigInt::from(raw as i64)
            } else {
                BigInt::from(raw)
            };
            Elem::Value(Value::Int(value))
        }
        Kind::Float => float_at(bytes),
        Kind::Complex => {
            let half = bytes.len() / 2;
            let part = |b: &[u8]| -> f64 {
                match float_at(b) {
                    Elem::F32(f) => f as f64,
                    Elem::Value(Value::Float(f)) => f,
                    _ => f64::NAN,
                }
            };
            Elem::Value(Value::Complex(part(&bytes[..half]), part(&bytes[half..])))
        }
        Kind::Unicode => Elem::Value(Value::Str(ucs4_item(bytes, be))),
        Kind::Bytes => Elem::Value(Value::Bytes(bytes_item(bytes))),
        Kind::Object => Elem::Value(Value::None),
    }
}

impl Elem<'_> {
    fn to_json(&self, depth: usize) -> serde_json::Value {
        match self {
            Elem::Value(v) => json_value(v, depth),
            Elem::Borrowed(v) => json_value(v, depth),
            Elem::F32(f) => narrow_float_json(*f as f64, || f32_shortest_sci(*f)),
            Elem::F16(bits) => {
                narrow_float_json(f16_to_f32(*bits) as f64, || f16_shortest_sci(*bits))
            }
        }
    }
}

/// A float32/float16 value laid out like `repr(float)` with the shortest
/// digits of its own width.
fn narrow_float_repr(f: f64, sci: impl FnOnce() -> String) -> String {
    if !f.is_finite() {
        return float_repr(f);
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    layout_digits(sign, &sci(), true)
}

fn narrow_float_json(f: f64, sci: impl FnOnce() -> String) -> serde_json::Value {
    if !f.is_finite() {
        return float_json(f);
    }
    number_from_repr(&narrow_float_repr(f, sci)).unwrap_or_else(|| float_json(f))
}

/// A class name from a pickle, with any control character escaped as
/// Python escapes it in a string: a hostile name cannot break a line or
/// act on a terminal, and the only raw newlines in a repr are numpy's.
fn write_name(out: &mut Out, name: &str) -> Res {
    if name.chars().all(is_printable) {
        return out.s(name);
    }
    for c in name.chars() {
        match c as u32 {
            _ if is_printable(c) => out.c(c)?,
            0x0a => out.s("\\n")?,
            0x0d => out.s("\\r")?,
            0x09 => out.s("\\t")?,
            n @ 0..=0xff => out.s(&format!("\\x{n:02x}"))?,
            n @ 0x100..=0xffff => out.s(&format!("\\u{n:04x}"))?,
            n => out.s(&format!("\\U{n:08x}"))?,
        }
    }
    Ok(())
}

fn write_ndarray(out: &mut Out, a: &NdArray, depth: usize) -> Res {
    // numpy's own repr wherever the port covers the dtype.
    let threshold = out.threshold();
    let element = |v: &Value| {
        if threshold == usize::MAX {
            repr_full(v)
        } else {
            repr(v)
        }
    };
    if let Some(text) = crate::arrayprint::array_repr(a, threshold, &element) {
        return out.s(&text);
    }
    // Not decodable here (a datetime, a structured dtype, data that does
    // not fill the shape): a preview of what is stored.
    out.s("array(")?;
    write_raw_preview(out, a, depth)?;
    out.s(", dtype=")?;
    out.s(&dtype_display(&a.dtype, None))?;
    out.s(", shape=(")?;
    for (i, n) in a.shape.iter().enumerate() {
        if i > 0 {
            out.s(", ")?;
        }
        out.s(&n.to_string())?;
    }
    if a.shape.len() == 1 {
        out.c(',')?;
    }
    out.s("))")
}

/// Undecodable arrays: object elements flat, or the first raw bytes.
fn write_raw_preview(out: &mut Out, a: &NdArray, depth: usize) -> Res {
    match &a.data {
        ArrayData::Objects(items) => {
            out.c('[')?;
            write_seq(out, items.iter().take(RAW_PREVIEW), depth)?;
            if items.len() > RAW_PREVIEW {
                out.s(", ...")?;
            }
            out.c(']')
        }
        ArrayData::Raw(raw) => {
            out.s("raw=")?;
            write_bytes(out, &raw[..raw.len().min(RAW_PREVIEW)])?;
            if raw.len() > RAW_PREVIEW {
                out.s("...")?;
            }
            out.s(", nbytes=")?;
            out.s(&raw.len().to_string())
        }
    }
}

// ---------------------------------------------------------------------------
// JSON

/// The documented JSON form of a value (see `docs/json-values.md`): plain
/// JSON where it is lossless, `{"$type": ...}` wrappers elsewhere.
pub fn to_json(v: &Value) -> serde_json::Value {
    json_value(v, 0)
}

/// Write [`to_json`] of `v` as `serde_json::to_writer` would, without
/// building the tree of a numpy array's elements (nor of the lists and
/// tuples holding arrays): each element is encoded and written in turn, so
/// a 10M-element array costs its output, not a JSON node per element.
pub fn write_json(v: &Value, out: &mut impl std::io::Write) -> serde_json::Result<()> {
    write_json_at(v, 0, out)
}

fn write_json_at(v: &Value, depth: usize, out: &mut impl std::io::Write) -> serde_json::Result<()> {
    let streamed = matches!(v, Value::List(_) | Value::Tuple(_) | Value::NdArray(_));
    if depth > MAX_DEPTH || !streamed {
        return serde_json::to_writer(out, &json_value(v, depth));
    }
    let d = depth + 1;
    let raw =
        |out: &mut dyn std::io::Write, b: &[u8]| out.write_all(b).map_err(serde_json::Error::io);
    match v {
        Value::List(items) | Value::Tuple(items) => {
            let tuple = matches!(v, Value::Tuple(_));
            raw(out, if tuple { b"{\"$tuple\":[" } else { b"[" })?;
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    raw(out, b",")?;
                }
                write_json_at(x, d, out)?;
            }
            raw(out, if tuple { b"]}" } else { b"]" })
        }
        Value::NdArray(a) => {
            let Some(view) = ArrayView::new(a) else {
                return serde_json::to_writer(out, &json_value(v, depth));
            };
            raw(out, b"{\"$ndarray\":{\"dtype\":")?;
            serde_json::to_writer(&mut *out, &a.dtype)?;
            raw(out, b",\"shape\":")?;
            serde_json::to_writer(&mut *out, &a.shape)?;
            raw(out, b",\"data\":[")?;
            for i in 0..view.count {
                if i > 0 {
                    raw(out, b",")?;
                }
                serde_json::to_writer(&mut *out, &view.get(i).to_json(d))?;
            }
            raw(out, b"]}}")
        }
        _ => serde_json::to_writer(out, &json_value(v, depth)),
    }
}

/// JSON numbers carry ints exactly up to 2**53 in most readers.
const JSON_SAFE_INT: u64 = 1 << 53;

fn json_value(v: &Value, depth: usize) -> serde_json::Value {
    use serde_json::Value as J;
    // Each arm calls out to a helper so that this recursive frame stays
    // small, even in debug builds.
    if depth > MAX_DEPTH {
        return tagged("$error", "nested too deeply".into());
    }
    let depth = depth + 1;
    match v {
        Value::None => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => int_json(i),
        Value::Float(f) => float_json(*f),
        Value::Complex(re, im) => tagged("$complex", json!([float_json(*re), float_json(*im)])),
        Value::Str(s) => J::String(s.clone()),
        Value::Bytes(b) => tagged("$bytes", BASE64.encode(b).into()),
        Value::ByteArray(b) => tagged("$bytearray", BASE64.encode(b).into()),
        Value::Tuple(items) => tagged("$tuple", list_json(items, depth)),
        Value::List(items) => list_json(items, depth),
        Value::Dict(items) => dict_json(items, depth),
        Value::Set(items) => tagged("$set", list_json(iteration_order(items), depth)),
        Value::FrozenSet(items) => tagged("$frozenset", list_json(iteration_order(items), depth)),
        Value::Digest(d) => tagged("$digest", d.as_str().into()),
        Value::Record(r) => record_json(r, depth),
        Value::Object(o) => object_json(o, depth),
        Value::NdArray(a) => tagged("$ndarray", ndarray_json(a, depth)),
    }
}

/// `{tag: value}`.
fn tagged(tag: &str, value: serde_json::Value) -> serde_json::Value {
    let mut map = Map::new();
    map.insert(tag.into(), value);
    serde_json::Value::Object(map)
}

fn list_json<'a>(items: impl IntoIterator<Item = &'a Value>, depth: usize) -> serde_json::Value {
    serde_json::Value::Array(items.into_iter().map(|x| json_value(x, depth)).collect())
}

/// A JSON object when every key is a plain `str` (a Digest key would lose
/// its type) not starting with `$` (which would read as a `{"$type": ...}`
/// wrapper), else `$dict` pairs.
fn dict_json(items: &[(Value, Value)], depth: usize) -> serde_json::Value {
    let plain_key = |k: &Value| matches!(k, Value::Str(k) if !k.starts_with('$'));
    if !items.iter().all(|(k, _)| plain_key(k)) {
        return tagged("$dict", pairs_json(items, depth));
    }
    let mut map = Map::new();
    for (k, v) in items {
        if let Value::Str(k) = k {
            map.insert(k.clone(), json_value(v, depth));
        }
    }
    serde_json::Value::Object(map)
}

fn record_json(r: &Record, depth: usize) -> serde_json::Value {
    let mut fields = Map::new();
    for (name, value) in &r.fields {
        fields.insert(name.clone(), json_value(value, depth));
    }
    let mut map = Map::new();
    map.insert("$object".into(), r.class.as_str().into());
    map.insert("fields".into(), serde_json::Value::Object(fields));
    serde_json::Value::Object(map)
}

fn object_json(o: &Object, depth: usize) -> serde_json::Value {
    let mut map = Map::new();
    // A numpy scalar: its type and the Python value it equals (a
    // datetime64/timedelta64 with its dtype, the value as numpy writes it).
    if let Some((name, inner)) = crate::numpy::scalar_parts(o) {
        map.insert("$numpy".into(), name.into());
        let time = match (inner, o.args.get(1)) {
            (Value::Int(n), Some(Value::Str(dtype))) => crate::timelike::TimeType::parse(dtype)
                .zip(n.to_i64())
                .map(|(t, n)| (t, n, dtype)),
            _ => None,
        };
        match time {
            Some((t, n, dtype)) => {
                let value = match (n == crate::timelike::NAT, t.datetime) {
                    (true, _) => serde_json::Value::Null,
                    (false, true) => t.datetime_text(n).into(),
                    (false, false) => n.into(),
                };
                map.insert("value".into(), value);
                map.insert("dtype".into(), dtype.as_str().into());
            }
            None => {
                map.insert("value".into(), json_value(inner, depth + 1));
            }
        }
        return serde_json::Value::Object(map);
    }
    if let Some(j) = crate::stdrepr::known_json(o, &repr) {
        return j;
    }
    if let Some(j) = crate::pandas_scalars::known_json(o, &repr) {
        return j;
    }
    if let Some(j) = crate::pandas::to_json(o, &|v| json_value(v, depth + 1), &repr) {
        return j;
    }
    match (o.class.as_str(), o.args.as_slice()) {
        // By-value enum members and namedtuples under their own class.
        (crate::value::ENUM_MEMBER_CLASS, [Value::Str(class), name, value, _]) => {
            map.insert("$object".into(), class.as_str().into());
            map.insert("name".into(), json_value(name, depth));
            map.insert("value".into(), json_value(value, depth));
            return serde_json::Value::Object(map);
        }
        (
            crate::value::NAMEDTUPLE_CLASS,
            [Value::Str(class), Value::Tuple(names), Value::Tuple(values)],
        ) => {
            let fields = names
                .iter()
                .zip(values)
                .map(|(n, v)| match n {
                    Value::Str(n) => (n.clone(), v.clone()),
                    other => (repr(other), v.clone()),
                })
                .collect();
            return record_json(
                &Record {
                    class: class.clone(),
                    fields,
                },
                depth,
            );
        }
        _ => {}
    }
    map.insert("$object".into(), o.class.as_str().into());
    if !o.args.is_empty() {
        map.insert("args".into(), list_json(&o.args, depth));
    }
    if let Some(state) = &o.state {
        map.insert("state".into(), json_value(state, depth));
    }
    if !o.list_items.is_empty() {
        map.insert("items".into(), list_json(&o.list_items, depth));
    }
    if !o.dict_items.is_empty() {
        map.insert("dict_items".into(), pairs_json(&o.dict_items, depth));
    }
    serde_json::Value::Object(map)
}

fn pairs_json(items: &[(Value, Value)], depth: usize) -> serde_json::Value {
    serde_json::Value::Array(
        items
            .iter()
            .map(|(k, v)| json!([json_value(k, depth), json_value(v, depth)]))
            .collect(),
    )
}

fn int_json(i: &BigInt) -> serde_json::Value {
    match i.to_i64() {
        Some(n) if n.unsigned_abs() <= JSON_SAFE_INT => serde_json::Value::Number(n.into()),
        // Exact either way; hex (linear to write) past Python's digit limit.
        _ => match int_decimal(i) {
            Some(text) => json!({"$int": text}),
            None => {
                let sign = if i.sign() == num_bigint::Sign::Minus {
                    "-"
                } else {
                    ""
                };
                json!({"$int": format!("{sign}0x{:x}", i.magnitude())})
            }
        },
    }
}

/// Finite floats as JSON numbers written with `repr(float)`'s digits (always
/// with a `.` or an exponent, so readers see a float); others as `$float`.
fn float_json(f: f64) -> serde_json::Value {
    if f.is_nan() {
        return json!({"$float": "nan"});
    }
    if f.is_infinite() {
        return json!({"$float": if f > 0.0 { "inf" } else { "-inf" }});
    }
    number_from_repr(&float_repr(f))
        .or_else(|| Number::from_f64(f).map(serde_json::Value::Number))
        .unwrap_or(serde_json::Value::Null)
}

/// A JSON number holding exactly this text (serde_json's
/// `arbitrary_precision` keeps it verbatim).
fn number_from_repr(text: &str) -> Option<serde_json::Value> {
    text.parse::<Number>().ok().map(serde_json::Value::Number)
}

fn ndarray_json(a: &NdArray, depth: usize) -> serde_json::Value {
    let mut map = Map::new();
    map.insert("dtype".into(), a.dtype.clone().into());
    map.insert("shape".into(), a.shape.clone().into());
    match ArrayView::new(a) {
        Some(view) => {
            let data = (0..view.count).map(|i| view.get(i).to_json(depth));
            map.insert("data".into(), serde_json::Value::Array(data.collect()));
        }
        None => match &a.data {
            ArrayData::Objects(items) => {
                let data = items.iter().map(|x| json_value(x, depth));
                map.insert("data".into(), serde_json::Value::Array(data.collect()));
            }
            ArrayData::Raw(raw) => {
                let (bytes, fortran) = c_order_bytes(a, raw);
                if fortran {
                    map.insert("fortran_order".into(), true.into());
                }
                map.insert("base64".into(), BASE64.encode(bytes).into());
            }
        },
    }
    serde_json::Value::Object(map)
}

/// The raw buffer in C order when it can be reordered (the item size follows
/// from its length); otherwise as stored, flagged when in Fortran order.
fn c_order_bytes(a: &NdArray, raw: &[u8]) -> (Vec<u8>, bool) {
    let count = element_count(&a.shape).unwrap_or(0);
    if !a.fortran_order || a.shape.len() < 2 || count == 0 {
        return (raw.to_vec(), false);
    }
    if !raw.len().is_multiple_of(count) {
        return (raw.to_vec(), true);
    }
    let size = raw.len() / count;
    (fortran_to_c(raw, &a.shape, size), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{ArrayData, NdArray, Object, Record};
    use serde_json::json;

    fn i(n: i64) -> Value {
        Value::int(n)
    }
    fn big(digits: &str) -> Value {
        Value::Int(digits.parse().unwrap())
    }
    fn f(x: f64) -> Value {
        Value::Float(x)
    }
    fn c(re: f64, im: f64) -> Value {
        Value::Complex(re, im)
    }
    fn s(text: &str) -> Value {
        Value::str(text)
    }
    fn tup(items: Vec<Value>) -> Value {
        Value::Tuple(items)
    }
    fn list(items: Vec<Value>) -> Value {
        Value::List(items)
    }
    fn dict(items: Vec<(Value, Value)>) -> Value {
        Value::Dict(items)
    }
    /// A set built by adding `items` in order, as `set([...])` does.
    fn set(items: Vec<Value>) -> Value {
        Value::Set(crate::pyhash::order_by_insertion(items))
    }
    fn fset(items: Vec<Value>) -> Value {
        Value::FrozenSet(crate::pyhash::order_by_insertion(items))
    }
    fn object(class: &str) -> Object {
        Object {
            class: class.into(),
            ..Object::default()
        }
    }
    fn array(dtype: &str, shape: &[u64], data: Vec<u8>) -> Value {
        Value::NdArray(NdArray {
            dtype: dtype.into(),
            shape: shape.to_vec(),
            fortran_order: false,
            data: ArrayData::Raw(data),
            native_on_load: false,
        })
    }
    fn le_bytes<const N: usize, T>(items: &[T], to: impl Fn(&T) -> [u8; N]) -> Vec<u8> {
        items.iter().flat_map(to).collect()
    }

    /// Each expected string is CPython 3.11.7's `repr()` of the equivalent
    /// expression (sets built as `set([...])` so insertion order matches),
    /// generated by a script run against `/tmp/fl/venv/bin/python`.
    fn builtin_cases() -> Vec<(Value, &'static str)> {
        // Generated by running each Python expression in CPython 3.11.7 and
        // taking repr(); see the test's doc comment.
        vec![
            (Value::None, "None"),
            (Value::Bool(true), "True"),
            (Value::Bool(false), "False"),
            (i(0), "0"),
            (i(-7), "-7"),
            (big("123456789012345678901234567890"), "123456789012345678901234567890"),
            (big("-340282366920938463463374607431768211456"), "-340282366920938463463374607431768211456"),
            (f(0.0), "0.0"),
            (f(-0.0), "-0.0"),
            (f(1.0), "1.0"),
            (f(-2.5), "-2.5"),
            (f(1e16), "1e+16"),
            (f(1e15), "1000000000000000.0"),
            (f(1e-5), "1e-05"),
            (f(1e-4), "0.0001"),
            (f(0.1), "0.1"),
            (f(1.0 / 3.0), "0.3333333333333333"),
            (f(2.0 / 3.0), "0.6666666666666666"),
            (f(5e-324), "5e-324"),
            (f(1.7976931348623157e308), "1.7976931348623157e+308"),
            (f(123456789.0), "123456789.0"),
            (f(1.2345e20), "1.2345e+20"),
            (f(-1.5e-7), "-1.5e-07"),
            (f(9007199254740993.0), "9007199254740992.0"),
            (f(1e100), "1e+100"),
            (f(0.000123), "0.000123"),
            (f(1234567890123456.7), "1234567890123456.8"),
            (f(12345678901234567.0), "1.2345678901234568e+16"),
            (f(100.0), "100.0"),
            (f(1e22), "1e+22"),
            (f(f64::INFINITY), "inf"),
            (f(f64::NEG_INFINITY), "-inf"),
            (f(f64::NAN), "nan"),
            (c(0.0, 2.0), "2j"),
            (c(1.0, 2.0), "(1+2j)"),
            (c(-0.0, -1.0), "(-0-1j)"),
            (c(0.0, -0.0), "-0j"),
            (c(-0.0, 0.0), "(-0+0j)"),
            (c(0.0, 0.0), "0j"),
            (c(1.0, f64::NAN), "(1+nanj)"),
            (c(f64::NAN, 1.0), "(nan+1j)"),
            (c(0.0, f64::INFINITY), "infj"),
            (c(f64::NEG_INFINITY, f64::NEG_INFINITY), "(-inf-infj)"),
            (c(1e16, 1e-5), "(1e+16+1e-05j)"),
            (c(0.5, -2.25), "(0.5-2.25j)"),
            (c(1.5, 0.1), "(1.5+0.1j)"),
            (s(""), "''"),
            (s("abc"), "'abc'"),
            (s("it's"), "\"it's\""),
            (s("say \"hi\""), "'say \"hi\"'"),
            (s("both ' and \""), "'both \\' and \"'"),
            (s("back\\slash"), "'back\\\\slash'"),
            (s("tab\tnl\ncr\r"), "'tab\\tnl\\ncr\\r'"),
            (s("\u{0}\u{1b}\u{7f}"), "'\\x00\\x1b\\x7f'"),
            (s("caf\u{e9}"), "'caf\u{e9}'"),
            (s("\u{1f600} emoji"), "'\u{1f600} emoji'"),
            (s("zero\u{200b}width"), "'zero\\u200bwidth'"),
            (s("e\u{301}"), "'e\u{301}'"),
            (s("nbsp\u{a0}shy\u{ad}"), "'nbsp\\xa0shy\\xad'"),
            (s("\u{85}\u{2028}\u{2029}\u{3000}"), "'\\x85\\u2028\\u2029\\u3000'"),
            (s("\u{e000}\u{f0000}\u{10ffff}"), "'\\ue000\\U000f0000\\U0010ffff'"),
            (s("\u{378}\u{feff}"), "'\\u0378\\ufeff'"),
            (s("\u{1e030}\u{31350}\u{897}"), "'\\U0001e030\\U00031350\\u0897'"),
            (s("\u{4e2d}\u{6587}\u{a0}"), "'\u{4e2d}\u{6587}\\xa0'"),
            (Value::Digest("60079ab".into()), "'60079ab'"),
            (Value::Bytes(b"".to_vec()), "b''"),
            (Value::Bytes(b"a'b".to_vec()), "b\"a'b\""),
            (Value::Bytes(b"a'\"b".to_vec()), "b'a\\'\"b'"),
            (Value::Bytes(vec![0, 9, 10, 13, 92, 127, 128, 255, 65]), "b'\\x00\\t\\n\\r\\\\\\x7f\\x80\\xffA'"),
            (Value::ByteArray(b"xy".to_vec()), "bytearray(b'xy')"),
            (Value::ByteArray(vec![]), "bytearray(b'')"),
            (tup(vec![]), "()"),
            (tup(vec![i(1)]), "(1,)"),
            (tup(vec![i(1), s("a")]), "(1, 'a')"),
            (list(vec![]), "[]"),
            (list(vec![i(1), list(vec![f(2.0), tup(vec![Value::None])])]), "[1, [2.0, (None,)]]"),
            (dict(vec![]), "{}"),
            (dict(vec![(s("a"), i(1)), (i(2), list(vec![]))]), "{'a': 1, 2: []}"),
            (dict(vec![(tup(vec![i(1), i(2)]), dict(vec![(s("k"), Value::None)]))]), "{(1, 2): {'k': None}}"),
            (set(vec![]), "set()"),
            (fset(vec![]), "frozenset()"),
            (set(vec![i(3), i(1), i(2)]), "{1, 2, 3}"),
            (set(vec![i(8), i(0), i(16)]), "{8, 0, 16}"),
            (set(vec![i(16), i(8), i(0), i(24), i(1)]), "{0, 1, 8, 16, 24}"),
            (fset(vec![i(8), i(0), i(16)]), "frozenset({8, 0, 16})"),
            (fset(vec![i(1), i(2)]), "frozenset({1, 2})"),
            (set((0..20).rev().map(|n| i(n * 7)).collect()), "{0, 133, 7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 91, 98, 105, 112, 119, 126}"),
            (set(vec![f(0.5), i(-1), f(1e100), c(1.0, 1.0)]), "{0.5, 1e+100, (1+1j), -1}"),
            (set(vec![tup(vec![i(1), i(2)]), tup(vec![]), i(5)]), "{(1, 2), 5, ()}"),
            (set(vec![fset(vec![i(1)]), fset(vec![i(2), i(3)])]), "{frozenset({1}), frozenset({2, 3})}"),
            (list(vec![set(vec![i(1)]), fset(vec![i(9), i(1)]), dict(vec![(i(1), set(vec![]))])]), "[{1}, frozenset({9, 1}), {1: set()}]"),
        ]
    }

    #[test]
    fn builtin_reprs_match_cpython() {
        for (value, expected) in builtin_cases() {
            assert_eq!(repr(&value), expected, "{value:?}");
        }
    }

    #[test]
    fn abbrev_equals_repr_when_it_fits_and_cuts_with_ellipsis() {
        for (value, expected) in builtin_cases() {
            let n = expected.chars().count();
            assert_eq!(repr_abbrev(&value, n), expected);
            assert_eq!(repr_abbrev(&value, n + 5), expected);
            if n >= 2 {
                let cut = repr_abbrev(&value, n - 1);
                let mut want: String = expected.chars().take(n - 2).collect();
                want.push('…');
                assert_eq!(cut, want);
            }
        }
        assert_eq!(repr_abbrev(&i(12345), 0), "");
        assert_eq!(repr_abbrev(&i(12345), 1), "…");
    }

    #[test]
    fn abbrev_of_a_huge_list_stops_early() {
        let huge = list((0..2_000_000).map(i).collect());
        let short = repr_abbrev(&huge, 20);
        assert_eq!(short, "[0, 1, 2, 3, 4, 5, …");
        assert_eq!(short.chars().count(), 20);
    }

    #[test]
    fn refs_and_records() {
        // A dataclass Point(x: int, y: str): Python prints Point(x=1, y='a').
        let point = Value::Record(Record {
            class: "__main__.Point".into(),
            fields: vec![("x".into(), i(1)), ("y".into(), s("a"))],
        });
        assert_eq!(repr(&point), "Point(x=1, y='a')");
    }

    // Expected strings below are CPython 3.11.7's reprs of the collections
    // objects that these pickled forms come from.
    #[test]
    fn collections_objects_print_as_python_3_11() {
        let mut od = object("collections.OrderedDict");
        assert_eq!(repr(&Value::Object(od.clone())), "OrderedDict()");
        od.dict_items = vec![(s("a"), i(1)), (s("b"), list(vec![i(2)]))];
        assert_eq!(
            repr(&Value::Object(od)),
            "OrderedDict([('a', 1), ('b', [2])])"
        );

        let mut dd = object("collections.defaultdict");
        dd.args = vec![Value::Object(object("builtins.list"))];
        dd.dict_items = vec![(s("a"), list(vec![i(1)]))];
        assert_eq!(
            repr(&Value::Object(dd)),
            "defaultdict(<class 'list'>, {'a': [1]})"
        );
        let mut dd = object("collections.defaultdict");
        dd.args = vec![Value::Object(object("collections.OrderedDict"))];
        dd.dict_items = vec![(i(1), i(2))];
        assert_eq!(
            repr(&Value::Object(dd)),
            "defaultdict(<class 'collections.OrderedDict'>, {1: 2})"
        );
        let mut dd = object("collections.defaultdict");
        dd.args = vec![Value::None];
        assert_eq!(repr(&Value::Object(dd)), "defaultdict(None, {})");

        let mut counter = object("collections.Counter");
        counter.args = vec![dict(vec![
            (s("x"), i(1)),
            (s("y"), i(3)),
            (s("z"), i(1)),
            (s("w"), i(3)),
        ])];
        assert_eq!(
            repr(&Value::Object(counter)),
            "Counter({'y': 3, 'w': 3, 'x': 1, 'z': 1})"
        );
        let mut counter = object("collections.Counter");
        counter.args = vec![dict(vec![])];
        assert_eq!(repr(&Value::Object(counter)), "Counter()");

        let mut dq = object("collections.deque");
        dq.args = vec![tup(vec![]), i(3)];
        dq.list_items = vec![i(1), i(2)];
        assert_eq!(repr(&Value::Object(dq)), "deque([1, 2], maxlen=3)");
        assert_eq!(
            repr(&Value::Object(object("collections.deque"))),
            "deque([])"
        );
    }

    #[test]
    fn other_objects_show_class_args_and_state() {
        let mut o = object("pandas.core.frame.DataFrame");
        o.state = Some(Box::new(dict(vec![(s("_typ"), s("dataframe"))])));
        // Rebuilt from a `__dict__` alone: shown as a dataclass is.
        assert_eq!(repr(&Value::Object(o)), "DataFrame(_typ='dataframe')");
        let mut o = object("m.C");
        o.args = vec![i(1)];
        o.state = Some(Box::new(tup(vec![Value::None, dict(vec![])])));
        o.list_items = vec![i(2)];
        o.dict_items = vec![(i(3), i(4))];
        assert_eq!(
            repr(&Value::Object(o)),
            "m.C(1, <state=(None, {})>, *[2], **{3: 4})"
        );
        assert_eq!(repr(&Value::Object(object("m.Empty"))), "m.Empty()");
    }

    #[test]
    fn class_names_cannot_break_lines() {
        let o = object("m.Evil\n\x1b]0;title\x07");
        assert_eq!(repr(&Value::Object(o)), "m.Evil\\n\\x1b]0;title\\x07()");
    }

    #[test]
    fn arrays_show_elements_dtype_and_shape() {
        let floats = array(
            "<f8",
            &[3],
            le_bytes(&[1.0f64, 2.5, -0.0], |x| x.to_le_bytes()),
        );
        assert_eq!(repr(&floats), "array([ 1. ,  2.5, -0. ])");
        let ints = array(
            "<i8",
            &[10],
            le_bytes(&(0..10i64).collect::<Vec<_>>(), |x| x.to_le_bytes()),
        );
        assert_eq!(repr(&ints), "array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])");
        let grid = array(
            "<i2",
            &[2, 3],
            le_bytes(&[1i16, 2, 3, 4, 5, -6], |x| x.to_le_bytes()),
        );
        assert_eq!(
            repr(&grid),
            "array([[ 1,  2,  3],\n       [ 4,  5, -6]], dtype=int16)"
        );
    }

    #[test]
    fn fortran_ordered_arrays_show_in_c_order() {
        // numpy's order='F' buffer of [[1, 2, 3], [4, 5, 6]] as <i2.
        let Value::NdArray(mut fortran) =
            array("<i2", &[2, 3], vec![1, 0, 4, 0, 2, 0, 5, 0, 3, 0, 6, 0])
        else {
            unreachable!()
        };
        fortran.fortran_order = true;
        let fortran = Value::NdArray(fortran);
        assert_eq!(
            repr(&fortran),
            "array([[1, 2, 3],\n       [4, 5, 6]], dtype=int16)"
        );
        assert_eq!(
            to_json(&fortran)["$ndarray"]["data"],
            json!([1, 2, 3, 4, 5, 6])
        );
    }

    #[test]
    fn dtypes_show_as_numpy_names_them() {
        let big_endian = array(">i4", &[2], vec![0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe]);
        assert_eq!(repr(&big_endian), "array([ 1, -2], dtype='>i4')");
        let unsigned = array("|u1", &[2], vec![0, 255]);
        assert_eq!(repr(&unsigned), "array([  0, 255], dtype=uint8)");
        let bools = array("|b1", &[2], vec![1, 0]);
        assert_eq!(repr(&bools), "array([ True, False])");
    }

    #[test]
    fn narrow_floats_show_the_shortest_digits_of_their_width() {
        // numpy prints float32 1/3 as 0.33333334 and float16 0.1 as 0.1.
        let f32s = array(
            "<f4",
            &[2],
            le_bytes(&[1.0f32 / 3.0, 2.0 / 3.0], |x| x.to_le_bytes()),
        );
        assert_eq!(
            repr(&f32s),
            "array([0.33333334, 0.6666667 ], dtype=float32)"
        );
        // Half-precision bits of 0.1, 1.19e-7, 65504, 5.96e-8 (numpy's
        // scientific form carries every element to the same digits).
        let f16s = array(
            "<f2",
            &[4],
            le_bytes(&[0x2e66u16, 0x2, 0x7bff, 0x1], |x| x.to_le_bytes()),
        );
        assert_eq!(
            repr(&f16s),
            "array([1.00e-01, 1.19e-07, 6.55e+04, 5.96e-08], dtype=float16)"
        );
    }

    #[test]
    fn complex_and_text_arrays() {
        let complexes = array("<c16", &[1], le_bytes(&[1.0f64, -2.0], |x| x.to_le_bytes()));
        assert_eq!(repr(&complexes), "array([1.-2.j])");
        let strings = array(
            "<U2",
            &[2],
            le_bytes(&[0x61u32, 0x62, 0xe9, 0], |x| x.to_le_bytes()),
        );
        assert_eq!(repr(&strings), "array(['ab', 'é'], dtype='<U2')");
        let bytes = array("|S3", &[2], b"ab\0xyz".to_vec());
        assert_eq!(repr(&bytes), "array([b'ab', b'xyz'], dtype='|S3')");
    }

    #[test]
    fn scalar_empty_undecodable_and_object_arrays() {
        let scalar = array("<i8", &[], 5i64.to_le_bytes().to_vec());
        assert_eq!(repr(&scalar), "array(5)");
        let empty = array("<f8", &[2, 0], vec![]);
        assert_eq!(repr(&empty), "array([], shape=(2, 0), dtype=float64)");
        let dates = array("<M8[ns]", &[1], vec![1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            repr(&dates),
            "array(['1988-04-30T21:08:15.752307201'], dtype='datetime64[ns]')"
        );
        let void = array("|V8", &[1], vec![1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            repr(&void),
            "array(raw=b'\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08', nbytes=8, dtype='|V8', shape=(1,))"
        );
        let objects = Value::NdArray(NdArray {
            dtype: "|O".into(),
            shape: vec![2],
            fortran_order: false,
            data: ArrayData::Objects(vec![s("a"), Value::None]),
            native_on_load: false,
        });
        assert_eq!(repr(&objects), "array(['a', None], dtype=object)");
    }

    #[test]
    fn json_form_of_builtins() {
        let cases = vec![
            (Value::None, json!(null)),
            (Value::Bool(true), json!(true)),
            (i(-5), json!(-5)),
            (i(1 << 53), json!(9007199254740992i64)),
            (i((1 << 53) + 1), json!({"$int": "9007199254740993"})),
            (
                big("-123456789012345678901234567890"),
                json!({"$int": "-123456789012345678901234567890"}),
            ),
            (f(f64::NAN), json!({"$float": "nan"})),
            (f(f64::NEG_INFINITY), json!({"$float": "-inf"})),
            (
                c(1.0, f64::INFINITY),
                json!({"$complex": [1.0, {"$float": "inf"}]}),
            ),
            (s("é"), json!("é")),
            (Value::Bytes(b"hi".to_vec()), json!({"$bytes": "aGk="})),
            (Value::ByteArray(vec![255]), json!({"$bytearray": "/w=="})),
            (tup(vec![i(1)]), json!({"$tuple": [1]})),
            (list(vec![s("a"), Value::None]), json!(["a", null])),
            (
                dict(vec![(s("b"), i(1)), (s("a"), i(2))]),
                json!({"b": 1, "a": 2}),
            ),
            (dict(vec![(i(1), s("x"))]), json!({"$dict": [[1, "x"]]})),
            (
                dict(vec![(s("$int"), s("5"))]),
                json!({"$dict": [["$int", "5"]]}),
            ),
            (set(vec![i(8), i(0), i(16)]), json!({"$set": [8, 0, 16]})),
            (fset(vec![i(3), i(1)]), json!({"$frozenset": [1, 3]})),
            (Value::Digest("abc".into()), json!({"$digest": "abc"})),
        ];
        for (value, expected) in cases {
            assert_eq!(to_json(&value), expected, "{value:?}");
        }
        // Insertion order survives serialisation (preserve_order).
        let text =
            serde_json::to_string(&to_json(&dict(vec![(s("b"), i(1)), (s("a"), i(2))]))).unwrap();
        assert_eq!(text, r#"{"b":1,"a":2}"#);
    }

    #[test]
    fn json_floats_use_python_repr_digits() {
        for (x, text) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e-5, "1e-05"),
            (-0.0, "-0.0"),
            (5e-324, "5e-324"),
            (1.0 / 3.0, "0.3333333333333333"),
        ] {
            assert_eq!(serde_json::to_string(&to_json(&f(x))).unwrap(), text);
        }
        // Python's json module reads these back as the same floats.
        let parsed: f64 = serde_json::from_str("1e-05").unwrap();
        assert_eq!(parsed, 1e-5);
    }

    #[test]
    fn json_form_of_records_objects_and_arrays() {
        let point = Value::Record(Record {
            class: "__main__.Point".into(),
            fields: vec![("x".into(), i(1)), ("y".into(), f(2.0))],
        });
        assert_eq!(
            to_json(&point),
            json!({"$object": "__main__.Point", "fields": {"x": 1, "y": 2.0}})
        );
        let mut od = object("collections.OrderedDict");
        od.dict_items = vec![(s("a"), i(1))];
        assert_eq!(
            to_json(&Value::Object(od)),
            json!({"$object": "collections.OrderedDict", "dict_items": [["a", 1]]})
        );
        let mut o = object("m.C");
        o.args = vec![i(1)];
        o.state = Some(Box::new(dict(vec![(s("k"), Value::None)])));
        o.list_items = vec![i(2)];
        assert_eq!(
            to_json(&Value::Object(o)),
            json!({"$object": "m.C", "args": [1], "state": {"k": null}, "items": [2]})
        );
        let grid = array(
            "<f4",
            &[2, 2],
            le_bytes(&[0.1f32, 1.0, f32::NAN, -2.0], |x| x.to_le_bytes()),
        );
        assert_eq!(
            serde_json::to_string(&to_json(&grid)).unwrap(),
            r#"{"$ndarray":{"dtype":"<f4","shape":[2,2],"data":[0.1,1.0,{"$float":"nan"},-2.0]}}"#
        );
        let dates = array("<M8[s]", &[1], vec![1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            to_json(&dates),
            json!({"$ndarray": {"dtype": "<M8[s]", "shape": [1], "base64": "AQAAAAAAAAA="}})
        );
    }

    #[test]
    fn printability_follows_unicode_14() {
        // Unicode 15/16 additions are unassigned, so escaped, in CPython 3.11.
        assert_eq!(unicode_general_category::UNICODE_VERSION, (16, 0, 0));
        assert!(!is_printable('\u{1FADC}'));
        assert!(!is_printable('\u{2B739}'));
        assert!(is_printable('\u{1FAD9}'));
        assert!(is_printable('é'));
        assert!(!is_printable('\u{a0}'));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut v = i(0);
        for _ in 0..(MAX_DEPTH + 10) {
            v = list(vec![v]);
        }
        assert!(repr(&v).contains("[...]"));
        assert!(to_json(&v).to_string().contains("$error"));
    }

    proptest::proptest! {
        /// Every finite float's repr reads back as the same float and uses
        /// fixed notation exactly for decimal exponents -4..16.
        #[test]
        fn float_repr_round_trips(bits in proptest::prelude::any::<u64>()) {
            let x = f64::from_bits(bits);
            proptest::prop_assume!(x.is_finite());
            let text = float_repr(x);
            proptest::prop_assert_eq!(text.parse::<f64>().unwrap().to_bits(), x.to_bits());
            let exp = if x == 0.0 { 0 } else { x.abs().log10().floor() as i32 };
            if (-3..15).contains(&exp) {
                proptest::prop_assert!(!text.contains('e'), "{}", text);
            } else if !(-5..=16).contains(&exp) {
                proptest::prop_assert!(text.contains('e'), "{}", text);
            }
        }
    }

    /// Issue #15, H3: ints past CPython's 4300-digit limit are never
    /// converted to decimal (a 1 MiB LONG4 took seconds): repr says what
    /// Python would refuse, JSON keeps the exact value in hexadecimal.
    #[test]
    fn ints_past_pythons_digit_limit() {
        let ten = BigInt::from(10);
        let max: BigInt = num_traits::pow(ten.clone(), 4300) - 1;
        assert_eq!(repr(&Value::Int(max.clone())).len(), 4300);
        assert_eq!(repr(&Value::Int(-max.clone())).len(), 4301);
        let over = Value::Int(num_traits::pow(ten, 4300));
        assert_eq!(
            repr(&over),
            "<int of 14285 bits: more than 4300 digits, which Python's repr refuses>"
        );
        let huge = Value::Int(-(BigInt::from(1) << (8usize << 20)));
        let start = std::time::Instant::now();
        assert!(repr_abbrev(&huge, 80).starts_with("<int of 8388609 bits"));
        let json = to_json(&huge);
        assert!(json["$int"].as_str().unwrap().starts_with("-0x1000"));
        assert!(start.elapsed().as_secs() < 5);
    }

    /// Issue #15, H2: an empty array is shown without walking its axes,
    /// however long they claim to be or however many there are.
    #[test]
    fn empty_arrays_with_huge_axes_are_shown_at_once() {
        let long = array("<f8", &[1 << 62, 0], vec![]);
        assert_eq!(
            repr(&long),
            "array([], shape=(4611686018427387904, 0), dtype=float64)"
        );
        let mut shape = vec![7u64; 20];
        shape.push(0);
        let many = array("<f8", &shape, vec![]);
        assert!(
            repr(&many).starts_with("array([],\n      shape=(7, 7, "),
            "{}",
            &repr(&many)[..100]
        );
        // Elements of no bytes cannot stand for 10**12 of them.
        let s0 = array("|S0", &[1_000_000_000_000], vec![]);
        assert!(repr(&s0).contains("raw=b''"), "{}", repr(&s0));
    }
}
