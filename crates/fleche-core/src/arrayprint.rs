//! numpy's `repr()` of an array, byte for byte as numpy 2.x prints it at
//! its default print options (`numpy/_core/arrayprint.py`: linewidth 75,
//! precision 8, floatmode `maxprec`, threshold 1000, edgeitems 3, no
//! legacy mode). The layout (`_formatArray`, `_extendLine_pretty`), the
//! per-dtype formatters (`FloatingFormat`, `IntegerFormat`, `BoolFormat`,
//! `ComplexFloatingFormat`) and the `shape=`/`dtype=` extras are ported
//! line by line; Dragon4's digits are Rust's exact formatting (both round
//! the exact binary value, ties to even) and the shortest round-trip
//! digits of the element's own width.
//!
//! Only what is printed is decoded: a summarised array formats its corners.

use crate::numpy::{
    bytes_item, element_count, parse_dtype, read_uint, storage_index, ucs4_item, DType, Kind,
};
use crate::shortest::{
    f16_shortest_sci, f16_to_f32, f32_shortest_sci, f64_shortest_sci, layout_digits_as,
    numpy_scientific,
};
use crate::timelike::{TimeType, NAT};
use crate::value::{ArrayData, NdArray, Value};
use num_bigint::BigInt;
use num_traits::ToPrimitive;

/// Python's `repr` of an element that is a Python object (a string or
/// bytes item, an object array's element): `repr` itself, passed in so
/// that arrays inside object arrays print through this module again.
pub type ElementRepr<'a> = &'a dyn Fn(&Value) -> String;

const LINEWIDTH: usize = 75;
const EDGEITEMS: usize = 3;
const PRECISION: usize = 8;
/// numpy's default: arrays with more elements are summarised.
pub const THRESHOLD: usize = 1000;

/// `repr()` of the array as numpy prints it, summarising above `threshold`
/// elements (`usize::MAX`: never). None for what this port does not cover
/// yet (structured dtypes) or data that does not match the shape.
pub fn array_repr(a: &NdArray, threshold: usize, repr: ElementRepr) -> Option<String> {
    let a = &*crate::numpy::loaded(a);
    // datetime64/timedelta64 elements are int64 counts of their unit.
    let time = TimeType::parse(&a.dtype);
    let dtype = match &time {
        Some(t) => DType {
            kind: Kind::Int { signed: true },
            big_endian: t.big_endian,
            itemsize: 8,
        },
        None => parse_dtype(&a.dtype)?,
    };
    // numpy's NPY_MAXDIMS: no array it writes has more axes.
    if a.shape.len() > 64 {
        return None;
    }
    let size = element_count(&a.shape)?;
    let fits = match (&a.data, dtype.kind) {
        (ArrayData::Objects(items), Kind::Object) => items.len() == size,
        (ArrayData::Raw(raw), kind) if kind != Kind::Object => {
            size.checked_mul(dtype.itemsize) == Some(raw.len())
        }
        _ => false,
    };
    // Elements of no bytes (`S0`) are not bounded by the data present:
    // a pickle could declare 10**12 of them for `--full` to walk.
    if !fits || (dtype.itemsize == 0 && size > 1 << 16) {
        return None;
    }
    let prefix = "array(";
    let summarise = size > threshold;
    let body = if size == 0 {
        "[]".to_string()
    } else {
        let view = View::new(a, dtype, summarise, repr);
        let format = match &time {
            Some(t) => Formatter::time(t, &view.elements),
            None => Formatter::new(dtype, &view.elements, a.shape.is_empty()),
        };
        let strings: Vec<String> = view.elements.iter().map(|e| format.format(e)).collect();
        let next_line_prefix = " ".repeat(1 + prefix.len());
        let mut layout = Layout {
            shape: &a.shape,
            view_lens: &view.lens,
            strings: &strings,
            summarise,
        };
        layout.recurse(&mut Vec::new(), &next_line_prefix, LINEWIDTH - 1)
    };
    let mut extras = Vec::new();
    if (size == 0 && a.shape != [0]) || summarise {
        extras.push(format!("shape={}", shape_repr(&a.shape)));
    }
    match &time {
        Some(t) if t.big_endian => extras.push(format!("dtype='{}'", t.code())),
        Some(t) => extras.push(format!("dtype='{}'", t.name())),
        None if !dtype_is_implied(dtype) || size == 0 => {
            extras.push(format!("dtype={}", dtype_short_repr(dtype)))
        }
        None => {}
    }
    if extras.is_empty() {
        return Some(format!("{prefix}{body})"));
    }
    Some(with_extras(prefix, &body, &extras))
}

/// numpy's `MaskedArray.__repr__` of a masked array of numbers, bools or
/// text (`masked_array(data=[1, --, 3], mask=[False,  True, False],
/// fill_value=999999)`): the data as the object array
/// `_insert_masked_print` makes (each element's Python repr, `--` where
/// masked, unpadded), the mask as a bool array, the fill value as `str()`
/// of its numpy scalar. None for what this port does not cover (datetime
/// or structured dtypes, 0-d arrays, arrays `_insert_masked_print` cuts to
/// corners without summarising).
pub fn masked_repr(
    data: &NdArray,
    mask: &NdArray,
    fill: &Value,
    threshold: usize,
    repr: ElementRepr,
) -> Option<String> {
    let data = &*crate::numpy::loaded(data);
    let dtype = parse_dtype(&data.dtype)?;
    let bools = parse_dtype("|b1")?;
    let size = element_count(&data.shape)?;
    let fits = |a: &NdArray, d: DType| matches!(&a.data, ArrayData::Raw(raw) if size.checked_mul(d.itemsize) == Some(raw.len()));
    if data.shape.is_empty()
        || data.shape.len() > 64
        || dtype.kind == Kind::Object
        || mask.shape != data.shape
        || !fits(data, dtype)
        || !fits(mask, bools)
        || dtype.itemsize == 0
    {
        return None;
    }
    // `_insert_masked_print` keeps the corners of axes longer than its
    // print width; that matches summarising only when it summarises.
    let print_width: u64 = if data.shape.len() > 1 { 100 } else { 1500 };
    let cut: Vec<u64> = data.shape.iter().map(|&n| n.min(print_width)).collect();
    let summarise_data = element_count(&cut)? > threshold;
    let summarise_mask = size > threshold;
    if cut != data.shape && !summarise_data {
        return None;
    }
    let mask_view = View::new(mask, bools, summarise_mask, repr);
    let masked: Vec<bool> = View::new(mask, bools, summarise_data, repr)
        .elements
        .iter()
        .map(|e| matches!(e, Elem::Bool(true)))
        .collect();
    let data_view = View::new(data, dtype, summarise_data, repr);
    let data_strings: Vec<String> = data_view
        .elements
        .iter()
        .zip(&masked)
        .map(|(e, &m)| if m { "--".into() } else { python_item(e, repr) })
        .collect();
    let all_masked = mask_view
        .elements
        .iter()
        .all(|e| matches!(e, Elem::Bool(true)))
        && (!summarise_mask || all_set(mask));
    let dtype_needed = !dtype_is_implied(dtype) || all_masked || size == 0;
    let mut keys = vec!["data", "mask", "fill_value"];
    if dtype_needed {
        keys.push("dtype");
    }
    let prefix = "masked_array(";
    let one_row = data.shape[..data.shape.len() - 1].iter().all(|&n| n == 1);
    let indent = |k: &str| -> String {
        if !one_row {
            "  ".into()
        } else if k == "data" {
            prefix.into()
        } else {
            " ".repeat(2.max(prefix.len() + 4 - k.len()))
        }
    };
    let body = |strings: &[String], lens: &[usize], summarise: bool, key: &str| -> String {
        if size == 0 {
            return "[]".into();
        }
        let lead = indent(key).chars().count() + key.len() + 1;
        let mut layout = Layout {
            shape: &data.shape,
            view_lens: lens,
            strings,
            summarise,
        };
        layout.recurse(&mut Vec::new(), &" ".repeat(1 + lead), LINEWIDTH - 1)
    };
    let mask_format = Formatter::new(bools, &mask_view.elements, false);
    let mask_strings: Vec<String> = mask_view
        .elements
        .iter()
        .map(|e| mask_format.format(e))
        .collect();
    let fill = fill_str(fill, dtype, repr)?;
    let reprs = [
        body(&data_strings, &data_view.lens, summarise_data, "data"),
        body(&mask_strings, &mask_view.lens, summarise_mask, "mask"),
        fill,
        dtype_short_repr(dtype),
    ];
    let fields: Vec<String> = keys
        .iter()
        .zip(reprs)
        .map(|(k, r)| format!("{}{k}={r}", indent(k)))
        .collect();
    let head = if one_row {
        String::new()
    } else {
        format!("{prefix}\n")
    };
    Some(format!("{head}{})", fields.join(",\n")))
}

/// numpy's repr of a structured array whose fields are plain numbers,
/// bools or text laid out back to back (`array([(1, 2.5)], dtype=[('a',
/// '<i4'), ('b', '<f8')])`): each field formatted over the printed
/// records as its own column (`StructuredVoidFormat`), a record as a
/// tuple. None for what this port does not cover.
pub fn structured_repr(
    fields: &[crate::numpy::Field],
    itemsize: usize,
    a: &NdArray,
    threshold: usize,
    repr: ElementRepr,
) -> Option<String> {
    let ArrayData::Raw(raw) = &a.data else {
        return None;
    };
    let size = element_count(&a.shape)?;
    let mut next = 0;
    let mut parsed = Vec::with_capacity(fields.len());
    for (name, dtype, offset) in fields {
        let d = parse_dtype(dtype)?;
        // numpy prints other layouts as a dict of offsets.
        if *offset != next || d.kind == Kind::Object || (d.itemsize > 1 && dtype.starts_with('>')) {
            return None;
        }
        next += d.itemsize;
        parsed.push((name, dtype, d));
    }
    if fields.is_empty()
        || next != itemsize
        || a.shape.len() > 64
        || size.checked_mul(itemsize) != Some(raw.len())
    {
        return None;
    }
    let void = a.shape.is_empty();
    let summarise = size > threshold;
    let (lens, indices) = corner_indices(&a.shape, summarise);
    let records: Vec<&[u8]> = indices
        .iter()
        .map(|&c| {
            let s = storage_index(&a.shape, a.fortran_order, c as usize);
            &raw[s * itemsize..(s + 1) * itemsize]
        })
        .collect();
    let mut columns: Vec<Vec<String>> = Vec::with_capacity(parsed.len());
    let mut start = 0;
    for (_, _, d) in &parsed {
        let elems: Vec<Elem> = records
            .iter()
            .map(|r| decode(*d, &r[start..start + d.itemsize], repr))
            .collect();
        let format = Formatter::new(*d, &elems, void);
        // `np.void`'s repr formats its float fields with `str`.
        columns.push(
            elems
                .iter()
                .map(|e| match e {
                    Elem::Float(x) if void => scalar_str(*x),
                    _ => format.format(e),
                })
                .collect(),
        );
        start += d.itemsize;
    }
    let strings: Vec<String> = (0..records.len())
        .map(|i| {
            let parts: Vec<&str> = columns.iter().map(|c| c[i].as_str()).collect();
            if parts.len() == 1 {
                format!("({},)", parts[0])
            } else {
                format!("({})", parts.join(", "))
            }
        })
        .collect();
    let descr: Vec<String> = parsed
        .iter()
        .map(|(name, dtype, d)| {
            // The short form numpy's descr shows: no byte order where
            // none applies, `?` for bool.
            let bare = dtype.trim_start_matches(['<', '>', '|', '=']);
            let code = match d.kind {
                Kind::Bool => "?".to_string(),
                Kind::Bytes => bare.to_string(),
                _ if d.itemsize == 1 => bare.to_string(),
                _ => dtype.to_string(),
            };
            format!("({}, '{code}')", repr(&Value::Str(name.to_string())))
        })
        .collect();
    if void {
        let record = strings.first()?;
        return Some(format!("np.void({record}, dtype=[{}])", descr.join(", ")));
    }
    let prefix = "array(";
    let body = if size == 0 {
        "[]".to_string()
    } else {
        let mut layout = Layout {
            shape: &a.shape,
            view_lens: &lens,
            strings: &strings,
            summarise,
        };
        layout.recurse(
            &mut Vec::new(),
            &" ".repeat(1 + prefix.len()),
            LINEWIDTH - 1,
        )
    };
    let mut extras = Vec::new();
    if (size == 0 && a.shape != [0]) || summarise {
        extras.push(format!("shape={}", shape_repr(&a.shape)));
    }
    extras.push(format!("dtype=[{}]", descr.join(", ")));
    Some(with_extras(prefix, &body, &extras))
}

/// `array(...)`'s closing extras (`shape=`, `dtype=`) after the body: on
/// the last line when they fit in the line width, else on a line of their
/// own under the prefix, as numpy's `_array_repr_implementation`.
fn with_extras(prefix: &str, body: &str, extras: &[String]) -> String {
    let arr_str = format!("{prefix}{body},");
    let extra_str = format!("{})", extras.join(", "));
    let last_line_len = arr_str.chars().count()
        - arr_str
            .rfind('\n')
            .map_or(0, |i| arr_str[..=i].chars().count());
    let spacer = if last_line_len + extra_str.chars().count() + 1 > LINEWIDTH {
        format!("\n{}", " ".repeat(prefix.len()))
    } else {
        " ".to_string()
    };
    format!("{arr_str}{spacer}{extra_str}")
}

/// Per axis how many indices are printed, and the C-order indices of the
/// printed elements: every one, or a summarised array's corners.
fn corner_indices(shape: &[u64], summarise: bool) -> (Vec<usize>, Vec<u64>) {
    let kept: Vec<Vec<u64>> = shape
        .iter()
        .map(|&n| {
            if summarise && n > 2 * EDGEITEMS as u64 {
                let e = EDGEITEMS as u64;
                (0..e).chain(n - e..n).collect()
            } else {
                (0..n).collect()
            }
        })
        .collect();
    let lens: Vec<usize> = kept.iter().map(Vec::len).collect();
    let count: usize = lens.iter().product();
    let mut out = Vec::with_capacity(count);
    let mut at = vec![0usize; kept.len()];
    for _ in 0..count {
        let mut c_index: u64 = 0;
        for (axis, &i) in at.iter().enumerate() {
            c_index = c_index * shape[axis] + kept[axis][i];
        }
        out.push(c_index);
        for axis in (0..at.len()).rev() {
            at[axis] += 1;
            if at[axis] < lens[axis] {
                break;
            }
            at[axis] = 0;
        }
    }
    (lens, out)
}

/// Whether every byte of a bool array is set.
fn all_set(a: &NdArray) -> bool {
    matches!(&a.data, ArrayData::Raw(raw) if raw.iter().all(|&b| b != 0))
}

/// Python's repr of `.astype(object)` of an element: a Python bool, int,
/// float (a float32 widened), complex or the text's repr.
fn python_item(e: &Elem, repr: ElementRepr) -> String {
    match e {
        Elem::Bool(b) => repr(&Value::Bool(*b)),
        Elem::Int(i) => i.to_string(),
        Elem::Float(x) => repr(&Value::Float(x.value())),
        Elem::Complex(re, im) => repr(&Value::Complex(re.value(), im.value())),
        Elem::Text(t) => t.clone(),
    }
}

/// The fill value as `MaskedArray.__repr__` shows it. Loading casts a
/// stored fill value to the data's dtype (`_check_fill_value`: 999999 in
/// an int8 array is 63, 'N/A' in a `<U2` array 'N/'), shown as `str()` of
/// its numpy scalar (text: the repr of its item). Never set (None in the
/// pickle), it is the default of the data's kind in numpy's default dtype
/// for it, shown as that scalar's repr when the dtypes differ
/// (`np.float64(1e+20)` for a float32 array).
fn fill_str(fill: &Value, dtype: DType, repr: ElementRepr) -> Option<String> {
    let float_str = |x: f64| repr(&Value::Float(x));
    if *fill == Value::None {
        let wide = dtype.itemsize == 8;
        return Some(match dtype.kind {
            Kind::Bool => "True".into(),
            Kind::Int { .. } if wide && !dtype.big_endian => "999999".into(),
            Kind::Int { signed: true } => "np.int64(999999)".into(),
            Kind::Int { signed: false } => "np.uint64(999999)".into(),
            Kind::Float if wide => "1e+20".into(),
            Kind::Float => "np.float64(1e+20)".into(),
            Kind::Complex if dtype.itemsize == 16 => "(1e+20+0j)".into(),
            Kind::Complex => "np.complex128(1e+20+0j)".into(),
            Kind::Unicode => "'N/A'".into(),
            Kind::Bytes => "b'N/A'".into(),
            Kind::Object => return None,
        });
    }
    // The stored value as a Python value: a 0-d array's element, or itself.
    let item = match fill {
        Value::NdArray(a) => {
            let a = &*crate::numpy::loaded(a);
            let d = parse_dtype(&a.dtype)?;
            let ArrayData::Raw(raw) = &a.data else {
                return None;
            };
            if !a.shape.is_empty() || raw.len() != d.itemsize || d.itemsize == 0 {
                return None;
            }
            match decode(d, raw, repr) {
                Elem::Bool(b) => Value::Bool(b),
                Elem::Int(i) => Value::Int(i.into()),
                Elem::Float(x) => Value::Float(x.value()),
                Elem::Complex(re, im) => Value::Complex(re.value(), im.value()),
                Elem::Text(_) => match d.kind {
                    Kind::Unicode => Value::Str(crate::numpy::ucs4_item(raw, d.big_endian)),
                    _ => Value::Bytes(crate::numpy::bytes_item(raw)),
                },
            }
        }
        other => other.clone(),
    };
    let as_f64 = |v: &Value| match v {
        Value::Float(x) => Some(*x),
        Value::Int(i) => i.to_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    };
    // Cast to the data's dtype, then `str()` of that scalar.
    Some(match (dtype.kind, &item) {
        (Kind::Bool, v) => repr(&Value::Bool(as_f64(v)? != 0.0)),
        (Kind::Int { signed }, Value::Int(i)) => {
            let bits = dtype.itemsize as u32 * 8;
            let modulus = BigInt::from(1) << bits;
            let mut v = ((i % &modulus) + &modulus) % &modulus;
            if signed && v >= (BigInt::from(1) << (bits - 1)) {
                v -= modulus;
            }
            v.to_string()
        }
        (Kind::Float, v) => {
            let x = as_f64(v)?;
            match dtype.itemsize {
                8 => float_str(x),
                4 => scalar_str(Float::F32(x as f32)),
                _ => return None,
            }
        }
        (Kind::Complex, Value::Complex(re, im)) if dtype.itemsize == 16 => {
            repr(&Value::Complex(*re, *im))
        }
        (Kind::Unicode, Value::Str(t)) => {
            repr(&Value::Str(t.chars().take(dtype.itemsize / 4).collect()))
        }
        (Kind::Bytes, Value::Bytes(b)) => repr(&Value::Bytes(
            b.iter().take(dtype.itemsize).copied().collect(),
        )),
        _ => return None,
    })
}

/// `str()` of a numpy float scalar: the shortest digits of its own width,
/// laid out as Python's `repr(float)` but in scientific form outside
/// numpy's range for the width ([`numpy_scientific`]).
fn scalar_str(x: Float) -> String {
    let v = x.value();
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf" } else { "inf" }.into();
    }
    let max_positional = match x {
        Float::F16(_) => 1e3,
        Float::F32(_) => 1e6,
        Float::F64(_) => 1e16,
    };
    let (digits, exp) = x.shortest();
    let sign = if v.is_sign_negative() { "-" } else { "" };
    let scientific = numpy_scientific(v.abs(), max_positional);
    layout_digits_as(sign, &format!("{digits}e{exp}"), true, Some(scientific))
}

/// A Python tuple's repr of the shape: `(5,)`, `(2, 3)`, `()`.
fn shape_repr(shape: &[u64]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `dtype_is_implied`: numpy leaves out `dtype=` for native int64,
/// float64, complex128 and bool.
fn dtype_is_implied(d: DType) -> bool {
    let native = !d.big_endian || d.itemsize == 1;
    native
        && matches!(
            (d.kind, d.itemsize),
            (Kind::Bool, 1)
                | (Kind::Int { signed: true }, 8)
                | (Kind::Float, 8)
                | (Kind::Complex, 16)
        )
}

/// `dtype_short_repr`: the type's name, or its quoted `str` when it is not
/// native.
fn dtype_short_repr(d: DType) -> String {
    // Flexible types: their quoted `str`, numpy's own spelling.
    match d.kind {
        Kind::Unicode => {
            let order = if d.big_endian { '>' } else { '<' };
            return format!("'{order}U{}'", d.itemsize / 4);
        }
        Kind::Bytes => return format!("'|S{}'", d.itemsize),
        Kind::Object => return "object".into(),
        _ => {}
    }
    let (code, name) = match d.kind {
        Kind::Bool => ('b', "bool".to_string()),
        Kind::Int { signed: true } => ('i', format!("int{}", d.itemsize * 8)),
        Kind::Int { signed: false } => ('u', format!("uint{}", d.itemsize * 8)),
        Kind::Float => ('f', format!("float{}", d.itemsize * 8)),
        Kind::Complex => ('c', format!("complex{}", d.itemsize * 8)),
        _ => ('?', String::new()),
    };
    if d.big_endian && d.itemsize > 1 {
        format!("'>{code}{}'", d.itemsize)
    } else {
        name
    }
}

/// A float element, kept at its own width (its shortest digits differ).
#[derive(Clone, Copy, Debug)]
enum Float {
    F64(f64),
    F32(f32),
    F16(u16),
}

impl Float {
    fn value(self) -> f64 {
        match self {
            Float::F64(x) => x,
            Float::F32(x) => x as f64,
            Float::F16(bits) => f16_to_f32(bits) as f64,
        }
    }

    /// The shortest digits that read back as this value at its width, as
    /// (digits, exponent): the value is `d.ddd × 10**exponent`.
    fn shortest(self) -> (String, i32) {
        let x = self.value();
        if x == 0.0 {
            return ("0".into(), 0);
        }
        let sci = match self {
            Float::F64(x) => f64_shortest_sci(x.abs()),
            Float::F32(x) => f32_shortest_sci(x.abs()),
            Float::F16(bits) => f16_shortest_sci(bits & 0x7fff),
        };
        split_sci(&sci)
    }
}

/// `1.2345e-5` as ("12345", -5); trailing zeros of the digits dropped.
fn split_sci(sci: &str) -> (String, i32) {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let trimmed = digits.trim_end_matches('0');
    let digits = if trimmed.is_empty() { "0" } else { trimmed };
    (digits.to_string(), exp)
}

#[derive(Clone, Debug)]
enum Elem {
    Bool(bool),
    Int(i128),
    Float(Float),
    Complex(Float, Float),
    /// A string or bytes element, as Python's repr of its `.item()`.
    Text(String),
}

fn float_at(bytes: &[u8], big_endian: bool) -> Float {
    let bits = read_uint(bytes, big_endian);
    match bytes.len() {
        2 => Float::F16(bits as u16),
        4 => Float::F32(f32::from_bits(bits as u32)),
        _ => Float::F64(f64::from_bits(bits)),
    }
}

fn decode(d: DType, bytes: &[u8], repr: ElementRepr) -> Elem {
    match d.kind {
        Kind::Bool => Elem::Bool(bytes.iter().any(|&b| b != 0)),
        Kind::Int { signed } => {
            let raw = read_uint(bytes, d.big_endian);
            let bits = bytes.len() as u32 * 8;
            let v = if signed && bits < 64 && (raw >> (bits - 1)) & 1 == 1 {
                raw as i128 - (1i128 << bits)
            } else if signed {
                raw as i64 as i128
            } else {
                raw as i128
            };
            Elem::Int(v)
        }
        Kind::Complex => {
            let half = bytes.len() / 2;
            Elem::Complex(
                float_at(&bytes[..half], d.big_endian),
                float_at(&bytes[half..], d.big_endian),
            )
        }
        Kind::Unicode => Elem::Text(repr(&Value::Str(ucs4_item(bytes, d.big_endian)))),
        Kind::Bytes => Elem::Text(repr(&Value::Bytes(bytes_item(bytes)))),
        _ => Elem::Float(float_at(bytes, d.big_endian)),
    }
}

/// `_object_format`: an element's repr, a list's marked as such (a nested
/// list would read as another axis).
fn object_repr(v: &Value, repr: ElementRepr) -> String {
    match v {
        Value::List(_) => format!("list({})", repr(v)),
        _ => repr(v),
    }
}

/// The elements that are printed: every one, or the corners of a
/// summarised array (`_leading_trailing`), in C order of the view.
struct View {
    /// Per axis, how many indices the view keeps.
    lens: Vec<usize>,
    elements: Vec<Elem>,
}

impl View {
    fn new(a: &NdArray, dtype: DType, summarise: bool, repr: ElementRepr) -> View {
        let (lens, indices) = corner_indices(&a.shape, summarise);
        let elements = indices
            .into_iter()
            .map(|c_index| match &a.data {
                ArrayData::Raw(raw) => {
                    let s = storage_index(&a.shape, a.fortran_order, c_index as usize);
                    decode(
                        dtype,
                        &raw[s * dtype.itemsize..(s + 1) * dtype.itemsize],
                        repr,
                    )
                }
                // numpy pickles an object array's items in C order, whatever
                // the order of the array it came from.
                ArrayData::Objects(items) => {
                    Elem::Text(object_repr(&items[c_index as usize], repr))
                }
            })
            .collect();
        View { lens, elements }
    }
}

/// `_formatArray`, over the view's formatted elements.
struct Layout<'a> {
    shape: &'a [u64],
    view_lens: &'a [usize],
    strings: &'a [String],
    summarise: bool,
}

fn width(s: &str) -> usize {
    s.chars().count()
}

impl Layout<'_> {
    fn element(&self, index: &[usize]) -> &str {
        let mut flat = 0;
        for (axis, &i) in index.iter().enumerate() {
            flat = flat * self.view_lens[axis] + i;
        }
        &self.strings[flat]
    }

    fn recurse(
        &mut self,
        index: &mut Vec<usize>,
        hanging_indent: &str,
        curr_width: usize,
    ) -> String {
        let axis = index.len();
        let axes_left = self.shape.len() - axis;
        if axes_left == 0 {
            return self.element(index).to_string();
        }
        let next_hanging_indent = format!("{hanging_indent} ");
        let next_width = curr_width.saturating_sub(1);
        let a_len = self.shape[axis];
        let view_len = self.view_lens[axis];
        let show_summary = self.summarise && a_len > 2 * EDGEITEMS as u64;
        let (leading, trailing) = if show_summary {
            (EDGEITEMS, EDGEITEMS)
        } else {
            (0, view_len)
        };
        let separator = ", ";
        let mut s = String::new();
        let mut sub = |layout: &mut Self, i: usize| {
            index.push(i);
            let out = layout.recurse(index, &next_hanging_indent, next_width);
            index.pop();
            out
        };
        if axes_left == 1 {
            let elem_width = curr_width.saturating_sub(1);
            let mut line = hanging_indent.to_string();
            for i in 0..leading {
                let word = sub(self, i);
                extend_line_pretty(&mut s, &mut line, &word, elem_width, hanging_indent);
                line.push_str(separator);
            }
            if show_summary {
                extend_line(&mut s, &mut line, "...", elem_width, hanging_indent);
                line.push_str(separator);
            }
            for i in (2..=trailing).rev() {
                let word = sub(self, view_len - i);
                extend_line_pretty(&mut s, &mut line, &word, elem_width, hanging_indent);
                line.push_str(separator);
            }
            let word = sub(self, view_len - 1);
            extend_line_pretty(&mut s, &mut line, &word, elem_width, hanging_indent);
            s.push_str(&line);
        } else {
            let line_sep = format!(",{}", "\n".repeat(axes_left - 1));
            for i in 0..leading {
                let nested = sub(self, i);
                s.push_str(&format!("{hanging_indent}{nested}{line_sep}"));
            }
            if show_summary {
                s.push_str(&format!("{hanging_indent}...{line_sep}"));
            }
            for i in (2..=trailing).rev() {
                let nested = sub(self, view_len - i);
                s.push_str(&format!("{hanging_indent}{nested}{line_sep}"));
            }
            let nested = sub(self, view_len - 1);
            s.push_str(&format!("{hanging_indent}{nested}"));
        }
        format!("[{}]", &s[hanging_indent.len()..])
    }
}

/// `_extendLine`.
fn extend_line(
    s: &mut String,
    line: &mut String,
    word: &str,
    line_width: usize,
    next_line_prefix: &str,
) {
    let mut needs_wrap = width(line) + width(word) > line_width;
    // Don't wrap lines if it won't help.
    if width(line) <= width(next_line_prefix) {
        needs_wrap = false;
    }
    if needs_wrap {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = next_line_prefix.to_string();
    }
    line.push_str(word);
}

/// `_extendLine_pretty`: a word of several lines keeps its own indent.
fn extend_line_pretty(
    s: &mut String,
    line: &mut String,
    word: &str,
    line_width: usize,
    next_line_prefix: &str,
) {
    let words: Vec<&str> = word.lines().collect();
    if words.len() <= 1 {
        return extend_line(s, line, word, line_width, next_line_prefix);
    }
    let max_word_length = words.iter().map(|w| width(w)).max().unwrap_or(0);
    let indent;
    if width(line) + max_word_length > line_width && width(line) > width(next_line_prefix) {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = format!("{next_line_prefix}{}", words[0]);
        indent = next_line_prefix.to_string();
    } else {
        indent = " ".repeat(width(line));
        line.push_str(words[0]);
    }
    for w in &words[1..] {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = format!("{indent}{w}");
    }
    let suffix_length = max_word_length - width(words[words.len() - 1]);
    line.push_str(&" ".repeat(suffix_length));
}

/// The formatter of the dtype, set up from the printed elements.
enum Formatter {
    /// `repr_format`: strings and bytes, unpadded.
    Repr,
    Bool {
        zero_d: bool,
    },
    Int {
        width: usize,
    },
    Float(FloatFormat),
    Complex(FloatFormat, FloatFormat),
    /// `_TimelikeFormat`: each element's text right-aligned to the width
    /// of the largest and smallest element's (not every element's).
    Time {
        kind: TimeType,
        width: usize,
    },
}

impl Formatter {
    fn time(kind: &TimeType, elements: &[Elem]) -> Formatter {
        let values: Vec<i64> = elements
            .iter()
            .filter_map(|e| match e {
                Elem::Int(i) => Some(*i as i64),
                _ => None,
            })
            .collect();
        let text = |v: i64| Self::time_text(kind, v);
        let real: Vec<i64> = values.iter().copied().filter(|&v| v != NAT).collect();
        let mut width = match (real.iter().max(), real.iter().min()) {
            (Some(&max), Some(&min)) => text(max).chars().count().max(text(min).chars().count()),
            _ => 0,
        };
        if real.len() < values.len() {
            width = width.max(5);
        }
        Formatter::Time {
            kind: kind.clone(),
            width,
        }
    }

    fn time_text(kind: &TimeType, v: i64) -> String {
        if v == NAT {
            "'NaT'".into()
        } else if kind.datetime {
            format!("'{}'", kind.datetime_text(v))
        } else {
            v.to_string()
        }
    }

    fn new(dtype: DType, elements: &[Elem], zero_d: bool) -> Formatter {
        let floats = |pick: fn(&Elem) -> Option<Float>| -> Vec<Float> {
            elements.iter().filter_map(pick).collect()
        };
        match dtype.kind {
            Kind::Unicode | Kind::Bytes | Kind::Object => Formatter::Repr,
            Kind::Bool => Formatter::Bool { zero_d },
            Kind::Int { .. } => {
                let ints = elements.iter().filter_map(|e| match e {
                    Elem::Int(i) => Some(*i),
                    _ => None,
                });
                let (min, max) =
                    ints.fold((i128::MAX, i128::MIN), |(lo, hi), i| (lo.min(i), hi.max(i)));
                Formatter::Int {
                    width: max.to_string().len().max(min.to_string().len()),
                }
            }
            Kind::Complex => Formatter::Complex(
                FloatFormat::new(
                    &floats(|e| match e {
                        Elem::Complex(re, _) => Some(*re),
                        _ => None,
                    }),
                    false,
                ),
                FloatFormat::new(
                    &floats(|e| match e {
                        Elem::Complex(_, im) => Some(*im),
                        _ => None,
                    }),
                    true,
                ),
            ),
            _ => Formatter::Float(FloatFormat::new(
                &floats(|e| match e {
                    Elem::Float(f) => Some(*f),
                    _ => None,
                }),
                false,
            )),
        }
    }

    fn format(&self, e: &Elem) -> String {
        match (self, e) {
            (Formatter::Repr, Elem::Text(t)) => t.clone(),
            (Formatter::Bool { zero_d }, Elem::Bool(b)) => match (b, zero_d) {
                (true, true) => "True".into(),
                (true, false) => " True".into(),
                (false, _) => "False".into(),
            },
            (Formatter::Int { width }, Elem::Int(i)) => format!("{i:>width$}"),
            (Formatter::Time { kind, width }, Elem::Int(i)) => {
                format!("{:>width$}", Self::time_text(kind, *i as i64))
            }
            (Formatter::Float(f), Elem::Float(x)) => f.format(*x),
            (Formatter::Complex(re, im), Elem::Complex(r, i)) => {
                let r = re.format(*r);
                let i = im.format(*i);
                // The 'j' goes before the imaginary part's padding.
                let sp = i.trim_end().len();
                format!("{r}{}j{}", &i[..sp], &i[sp..])
            }
            _ => String::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Trim {
    /// 'k': keep trailing zeros.
    Keep,
    /// '.': trim trailing zeros, keep the point.
    Dot,
}

/// `FloatingFormat` in `maxprec` mode, with Dragon4's options.
struct FloatFormat {
    exp_format: bool,
    precision: usize,
    min_digits: usize,
    trim: Trim,
    sign_plus: bool,
    pad_left: usize,
    pad_right: usize,
    exp_size: usize,
}

impl FloatFormat {
    fn new(data: &[Float], sign_plus: bool) -> FloatFormat {
        let finite: Vec<Float> = data
            .iter()
            .copied()
            .filter(|f| f.value().is_finite())
            .collect();
        let mut f = FloatFormat {
            exp_format: false,
            precision: PRECISION,
            min_digits: 0,
            trim: Trim::Dot,
            sign_plus,
            pad_left: 0,
            pad_right: 0,
            exp_size: 0,
        };
        let non_zero: Vec<Float> = finite
            .iter()
            .copied()
            .filter(|f| f.value() != 0.0)
            .collect();
        if let Some(first) = non_zero.first() {
            let abs = |f: &Float| f.value().abs();
            let max = non_zero.iter().map(abs).fold(0.0, f64::max);
            let min = non_zero.iter().map(abs).fold(f64::INFINITY, f64::min);
            // Python floats meet numpy scalars at the scalars' width (NEP 50).
            let (cutoff, small, ratio) = match first {
                Float::F64(_) => (1e8, 1e-4, max / min),
                Float::F32(_) => (1e6, 1e-4f32 as f64, (max as f32 / min as f32) as f64),
                Float::F16(_) => (1e3, round_f16(1e-4), round_f16(max / min)),
            };
            if max >= cutoff || min < small || ratio > 1000.0 {
                f.exp_format = true;
            }
        }
        if finite.is_empty() {
            f.pad_left = 0;
            f.pad_right = 0;
            f.trim = Trim::Dot;
            f.min_digits = 0;
        } else if f.exp_format {
            let strs: Vec<String> = finite
                .iter()
                .map(|&x| scientific(x, Some(PRECISION), 0, Trim::Dot, sign_plus, 0, 0))
                .collect();
            let mut exp_len = 0;
            let mut precision = 0;
            let mut pad_left = 0;
            for s in &strs {
                let (mantissa, exp) = s.split_once('e').unwrap_or((s, ""));
                exp_len = exp_len.max(exp.len());
                let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
                precision = precision.max(frac.len());
                pad_left = pad_left.max(int.len());
            }
            f.exp_size = exp_len.saturating_sub(1);
            f.trim = Trim::Keep;
            f.precision = precision;
            f.min_digits = precision;
            f.pad_left = pad_left;
            f.pad_right = f.exp_size + 2 + precision;
        } else {
            let mut pad_left = 0;
            let mut pad_right = 0;
            for &x in &finite {
                let s = positional(x, Some(PRECISION), 0, Trim::Dot, sign_plus, 0, 0);
                let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
                pad_left = pad_left.max(int.len());
                pad_right = pad_right.max(frac.len());
            }
            f.pad_left = pad_left;
            f.pad_right = pad_right;
            f.trim = Trim::Dot;
            f.min_digits = 0;
        }
        if finite.len() != data.len() {
            let neginf = sign_plus
                || data
                    .iter()
                    .any(|x| x.value().is_infinite() && x.value() < 0.0);
            let offset = f.pad_right + 1;
            f.pad_left = f
                .pad_left
                .max(3usize.saturating_sub(offset))
                .max((3 + neginf as usize).saturating_sub(offset));
        }
        f
    }

    fn format(&self, x: Float) -> String {
        let v = x.value();
        if !v.is_finite() {
            let ret = if v.is_nan() {
                format!("{}nan", if self.sign_plus { "+" } else { "" })
            } else {
                let sign = if v < 0.0 {
                    "-"
                } else if self.sign_plus {
                    "+"
                } else {
                    ""
                };
                format!("{sign}inf")
            };
            let pad = (self.pad_left + self.pad_right + 1).saturating_sub(ret.len());
            return format!("{}{ret}", " ".repeat(pad));
        }
        if self.exp_format {
            scientific(
                x,
                Some(self.precision),
                self.min_digits,
                self.trim,
                self.sign_plus,
                self.pad_left,
                self.exp_size,
            )
        } else {
            positional(
                x,
                Some(self.precision),
                self.min_digits,
                self.trim,
                self.sign_plus,
                self.pad_left,
                self.pad_right,
            )
        }
    }
}

/// A value rounded to half precision (to the nearest, ties to even).
fn round_f16(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let e = x.abs().log2().floor() as i32;
    // 11 significant bits for normal halves; subnormals have a fixed step.
    let step = 2f64.powi(e.max(-14) - 10);
    let r = (x / step).round_ties_even() * step;
    if r.abs() >= 65520.0 {
        f64::INFINITY.copysign(x)
    } else {
        r
    }
}

/// How many digits Dragon4 prints, unique mode with a cutoff: the shortest
/// round-trip digits when they fit in `precision` (padded with exact digits
/// up to `min_digits`), else the exact value rounded at `precision`. `needed`
/// is how many the shortest form has.
fn digits_to_print(needed: usize, precision: Option<usize>, min_digits: usize) -> Option<usize> {
    match precision {
        Some(p) if needed > p => Some(p),
        _ if needed < min_digits => Some(min_digits),
        _ => None,
    }
}

fn sign_of(x: f64, sign_plus: bool) -> &'static str {
    if x.is_sign_negative() {
        "-"
    } else if sign_plus {
        "+"
    } else {
        ""
    }
}

/// `dragon4_positional(x, precision, min_digits, unique=True,
/// fractional=True, trim, sign, pad_left, pad_right)`.
fn positional(
    x: Float,
    precision: Option<usize>,
    min_digits: usize,
    trim: Trim,
    sign_plus: bool,
    pad_left: usize,
    pad_right: usize,
) -> String {
    let v = x.value();
    let (digits, exp) = x.shortest();
    let n = digits.len() as i32;
    let needed = (n - 1 - exp).max(0) as usize;
    let (mut int, mut frac) = match digits_to_print(needed, precision, min_digits) {
        Some(count) => {
            let s = format!("{:.*}", count, v.abs());
            let (i, f) = s.split_once('.').unwrap_or((&s, ""));
            (i.to_string(), f.to_string())
        }
        None if exp >= 0 => {
            let e = exp as usize;
            let int: String = if digits.len() > e {
                digits[..=e].to_string()
            } else {
                format!("{digits}{}", "0".repeat(e + 1 - digits.len()))
            };
            let frac = digits.get(e + 1..).unwrap_or("").to_string();
            (int, frac)
        }
        None => (
            "0".to_string(),
            format!("{}{digits}", "0".repeat((-exp - 1) as usize)),
        ),
    };
    if digits == "0" {
        int = "0".into();
        if frac.chars().all(|c| c == '0') && min_digits == 0 {
            frac.clear();
        }
    }
    if trim == Trim::Dot {
        while frac.ends_with('0') && frac.len() > min_digits {
            frac.pop();
        }
    }
    let whole = format!("{}{int}", sign_of(v, sign_plus));
    let left = pad_left.saturating_sub(whole.len());
    let right = pad_right.saturating_sub(frac.len());
    format!("{}{whole}.{frac}{}", " ".repeat(left), " ".repeat(right))
}

/// `dragon4_scientific(x, precision, min_digits, unique=True, trim, sign,
/// pad_left, exp_digits)`; `exp_digits` 0 means numpy's default of 2.
fn scientific(
    x: Float,
    precision: Option<usize>,
    min_digits: usize,
    trim: Trim,
    sign_plus: bool,
    pad_left: usize,
    exp_digits: usize,
) -> String {
    let v = x.value();
    let (short, short_exp) = x.shortest();
    let needed = short.len() - 1;
    let (digits, exp) = match digits_to_print(needed, precision, min_digits) {
        Some(count) if v != 0.0 => {
            let s = format!("{:.*e}", count, v.abs());
            let (mantissa, e) = s.split_once('e').unwrap_or((&s, "0"));
            let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
            (digits, e.parse().unwrap_or(0))
        }
        Some(count) => (format!("0{}", "0".repeat(count)), 0),
        None => (short, short_exp),
    };
    let mut frac = digits[1..].to_string();
    if trim == Trim::Dot {
        while frac.ends_with('0') && frac.len() > min_digits {
            frac.pop();
        }
    }
    let whole = format!("{}{}", sign_of(v, sign_plus), &digits[..1]);
    let left = pad_left.saturating_sub(whole.len());
    let exp_width = exp_digits.max(2);
    format!(
        "{}{whole}.{frac}e{}{:0exp_width$}",
        " ".repeat(left),
        if exp < 0 { '-' } else { '+' },
        exp.unsigned_abs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arr(dtype: &str, shape: &[u64], raw: Vec<u8>) -> NdArray {
        NdArray {
            dtype: dtype.into(),
            shape: shape.to_vec(),
            fortran_order: false,
            data: ArrayData::Raw(raw),
            native_on_load: false,
        }
    }

    fn f64s(xs: &[f64]) -> Vec<u8> {
        xs.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn i64s(xs: impl IntoIterator<Item = i64>) -> Vec<u8> {
        xs.into_iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn floats_as_numpy_prints_them() {
        let cases: &[(&[f64], &str)] = &[
            (
                &[0.0, 0.25, 0.5, 0.75, 1.0],
                "array([0.  , 0.25, 0.5 , 0.75, 1.  ])",
            ),
            (&[0.125, 1e-5], "array([1.25e-01, 1.00e-05])"),
            (&[0.125, 0.25], "array([0.125, 0.25 ])"),
            (
                &[f64::NAN, 1.0, f64::NEG_INFINITY],
                "array([ nan,   1., -inf])",
            ),
            (&[-0.0], "array([-0.])"),
            (&[1.0 / 3.0], "array([0.33333333])"),
        ];
        for (xs, want) in cases {
            let a = arr("<f8", &[xs.len() as u64], f64s(xs));
            assert_eq!(
                array_repr(&a, THRESHOLD, &crate::repr::repr).as_deref(),
                Some(*want)
            );
        }
    }

    #[test]
    fn ints_wrap_and_summarise() {
        let a = arr("<i8", &[3, 4], i64s(0..12));
        assert_eq!(
            array_repr(&a, THRESHOLD, &crate::repr::repr).as_deref(),
            Some("array([[ 0,  1,  2,  3],\n       [ 4,  5,  6,  7],\n       [ 8,  9, 10, 11]])")
        );
        let a = arr("<i8", &[2000], i64s(0..2000));
        assert_eq!(
            array_repr(&a, THRESHOLD, &crate::repr::repr).as_deref(),
            Some("array([   0,    1,    2, ..., 1997, 1998, 1999], shape=(2000,))")
        );
        let a = arr("<i4", &[0, 3], Vec::new());
        assert_eq!(
            array_repr(&a, THRESHOLD, &crate::repr::repr).as_deref(),
            Some("array([], shape=(0, 3), dtype=int32)")
        );
    }
}
