//! numpy arrays ([`NdArray`]) and scalars: how numpy pickles them (read by
//! the pickle reader), what a dtype string (`<f8`, `|b1`, `<U3`, `<M8[ns]`)
//! says about each element, and where the element at a C-order position is
//! in a buffer stored in C or Fortran order. `repr` decodes elements with
//! it; `digest` hashes them in C order, as fleche does.

use crate::value::{ArrayData, NdArray, Object, Value};
use num_bigint::BigInt;
use num_traits::ToPrimitive;

/// How the elements of a dtype are decoded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Bool,
    Int {
        signed: bool,
    },
    Float,
    Complex,
    /// `U`: UCS-4 code units, NUL-padded.
    Unicode,
    /// `S`: NUL-padded bytes.
    Bytes,
    Object,
}

/// A decodable dtype: element kind, byte order, item size.
#[derive(Clone, Copy, Debug)]
pub struct DType {
    pub kind: Kind,
    pub big_endian: bool,
    pub itemsize: usize,
}

/// A dtype string as (big-endian, kind character, what follows the kind).
/// The byte-order character (`<`, `>`, `|`, `=`) may be missing.
fn split(s: &str) -> Option<(bool, char, &str)> {
    let mut chars = s.chars();
    let (big_endian, rest) = match chars.next()? {
        '<' | '|' | '=' => (false, chars.as_str()),
        '>' => (true, chars.as_str()),
        _ => (false, s),
    };
    let kind = rest.chars().next()?;
    Some((big_endian, kind, &rest[kind.len_utf8()..]))
}

/// The dtype's elements, when they can be decoded (booleans, numbers,
/// fixed-width text and bytes, objects); None otherwise.
pub fn parse_dtype(s: &str) -> Option<DType> {
    let (big_endian, kind_char, size_str) = split(s)?;
    if kind_char == 'O' {
        return Some(DType {
            kind: Kind::Object,
            big_endian,
            itemsize: 8,
        });
    }
    let size: usize = size_str.parse().ok()?;
    let (kind, itemsize) = match (kind_char, size) {
        ('b', 1) => (Kind::Bool, 1),
        ('i', 1 | 2 | 4 | 8) => (Kind::Int { signed: true }, size),
        ('u', 1 | 2 | 4 | 8) => (Kind::Int { signed: false }, size),
        ('f', 2 | 4 | 8) => (Kind::Float, size),
        ('c', 8 | 16) => (Kind::Complex, size),
        ('U', n) => (Kind::Unicode, n.checked_mul(4)?),
        ('S', n) => (Kind::Bytes, n),
        _ => return None,
    };
    Some(DType {
        kind,
        big_endian,
        itemsize,
    })
}

/// Bytes per element of any dtype string, decodable or not (`<M8[ns]`: 8).
pub fn itemsize(dtype: &str) -> Option<usize> {
    let (_, kind, rest) = split(dtype)?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .map_or(rest, |end| &rest[..end]);
    let n: usize = digits.parse().ok()?;
    if kind == 'U' {
        n.checked_mul(4)
    } else {
        Some(n)
    }
}

/// The number of elements of an array of this shape, if it fits a usize.
pub fn element_count(shape: &[u64]) -> Option<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(usize::try_from(n).ok()?))
}

/// The storage position of the element at C-order position `c_index`
/// (the last axis varies fastest) of a buffer in C or Fortran order.
pub fn storage_index(shape: &[u64], fortran: bool, c_index: usize) -> usize {
    if !fortran || shape.len() < 2 {
        return c_index;
    }
    let mut rest = c_index;
    let mut multi = vec![0usize; shape.len()];
    for (axis, &len) in shape.iter().enumerate().rev() {
        let len = len as usize;
        multi[axis] = rest % len.max(1);
        rest /= len.max(1);
    }
    let mut index = 0;
    let mut stride = 1;
    for (axis, &len) in shape.iter().enumerate() {
        index += multi[axis] * stride;
        stride *= len as usize;
    }
    index
}

/// The storage positions of every element, in C order: [`storage_index`]
/// of 0, 1, 2, … computed in one pass.
pub fn c_order(shape: &[u64], fortran: bool) -> Vec<usize> {
    c_order_iter(shape, fortran).collect()
}

/// [`c_order`] as an iterator: nothing allocated per element, so visiting
/// an array costs no memory beyond its own.
pub fn c_order_iter(shape: &[u64], fortran: bool) -> impl Iterator<Item = usize> + '_ {
    let total = element_count(shape).unwrap_or(0);
    let fortran = fortran && shape.len() > 1;
    // Fortran strides: the first axis varies fastest in storage.
    let mut strides = vec![1usize; shape.len()];
    for axis in 1..shape.len() {
        strides[axis] = strides[axis - 1].saturating_mul(shape[axis - 1] as usize);
    }
    let mut idx = vec![0u64; shape.len()];
    let mut off = 0usize;
    (0..total).map(move |c| {
        if !fortran {
            return c;
        }
        let here = off;
        // Advance the C-order counter (last axis fastest), keeping the
        // Fortran offset in step.
        for ax in (0..shape.len()).rev() {
            idx[ax] += 1;
            off += strides[ax];
            if idx[ax] < shape[ax] {
                break;
            }
            off -= strides[ax] * idx[ax] as usize;
            idx[ax] = 0;
        }
        here
    })
}

/// A Fortran-ordered buffer of `itemsize`-byte elements in C order
/// (elements missing from a short buffer are left out).
pub fn fortran_to_c(raw: &[u8], shape: &[u64], itemsize: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    if itemsize == 0 {
        return out;
    }
    for i in c_order_iter(shape, true) {
        let item = i
            .checked_mul(itemsize)
            .and_then(|start| raw.get(start..start.checked_add(itemsize)?));
        out.extend_from_slice(item.unwrap_or(&[]));
    }
    out
}

/// numpy's `NPY_MAXDIMS` (numpy 2; 32 before).
pub const MAX_DIMS: usize = 64;

/// Why an array cannot be what its pickle says: its data does not fill its
/// shape. numpy refuses such a pickle ("buffer size does not match array
/// size"; an object list of the wrong length it reads past), and nothing
/// here may trust a shape the bytes present do not back: a 161-byte file
/// can declare 2**40 elements.
pub fn check(a: &NdArray) -> Result<(), String> {
    let shape = || {
        let dims: Vec<String> = a.shape.iter().map(u64::to_string).collect();
        let comma = if dims.len() == 1 { "," } else { "" };
        format!("shape ({}{comma})", dims.join(", "))
    };
    if a.shape.len() > MAX_DIMS {
        // numpy refuses these too; each axis is a level of recursion here.
        return Err(format!(
            "{} axes, more than numpy's {MAX_DIMS}",
            a.shape.len()
        ));
    }
    let Some(count) = element_count(&a.shape) else {
        return Err(format!(
            "{} has more elements than memory can hold",
            shape()
        ));
    };
    match &a.data {
        ArrayData::Objects(items) if items.len() != count => Err(format!(
            "an object array of {} holds {} element(s), not {count}",
            shape(),
            items.len()
        )),
        ArrayData::Objects(_) => Ok(()),
        ArrayData::Raw(raw) => {
            let fits = match itemsize(&a.dtype) {
                Some(size) => count.checked_mul(size) == Some(raw.len()),
                // Unknown item size: whole elements of at least a byte.
                None => count == 0 || (raw.len() >= count && raw.len() % count == 0),
            };
            // Elements of no bytes: numpy refuses those too.
            let empty_items = count > 0 && raw.is_empty();
            if fits && !empty_items {
                Ok(())
            } else {
                Err(format!(
                    "an array of {} and dtype {} needs {} bytes of data, the pickle holds {}",
                    shape(),
                    a.dtype,
                    itemsize(&a.dtype)
                        .and_then(|s| count.checked_mul(s))
                        .map_or_else(|| "more".to_string(), |n| n.to_string()),
                    raw.len()
                ))
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Arrays, dtypes and scalars as numpy pickles them

/// A pickled shape tuple as dimensions.
fn shape_of(dims: &[Value]) -> Option<Vec<u64>> {
    dims.iter()
        .map(|d| match d {
            Value::Int(n) => n.to_u64(),
            _ => None,
        })
        .collect()
}

/// `_reconstruct(ndarray, (0,), b'b')` + BUILD
/// `(version, shape, dtype, fortran_order, data)`. Structured dtypes are left
/// as objects: fleche digests them field by field, which a raw buffer can't.
/// The buffer is moved out of `o` (an array's bytes are not copied); `o` is
/// left as it was when None.
pub fn reconstructed(o: &mut Object) -> Option<NdArray> {
    let Some(Value::Tuple(state)) = o.state.as_deref_mut() else {
        return None;
    };
    let [_, Value::Tuple(shape), dtype, fortran, data] = state.as_mut_slice() else {
        return None;
    };
    let shape = shape_of(shape)?;
    let fortran_order = match fortran {
        Value::Bool(b) => *b,
        Value::Int(n) => n.to_u64()? != 0,
        _ => return None,
    };
    let dtype = dtype_str(dtype)?;
    let data = match data {
        Value::Bytes(b) => ArrayData::Raw(std::mem::take(b)),
        // Protocol 0/1 without codecs: the buffer as a latin-1 str.
        Value::Str(s) => ArrayData::Raw(crate::value::latin1(s)?),
        Value::List(items) => ArrayData::Objects(std::mem::take(items)),
        _ => return None,
    };
    Some(NdArray {
        dtype,
        shape,
        fortran_order,
        data,
        native_on_load: true,
    })
}

/// A masked array as `numpy.ma.core._mareconstruct` pickles it: BUILD
/// state `(ver, shape, dtype, is_fortran, data, mask, fill_value)`, as the
/// data array, the mask array (bools of the same shape) and the fill value
/// (a 0-d array, or a plain value). None for another shape of state; the
/// caller checks the base class (`numpy.ndarray`).
pub fn masked(o: &Object) -> Option<(NdArray, NdArray, Value)> {
    if o.class != "numpy.ma.core._mareconstruct"
        || !o.list_items.is_empty()
        || !o.dict_items.is_empty()
    {
        return None;
    }
    let Some(Value::Tuple(state)) = o.state.as_deref() else {
        return None;
    };
    let [ver, shape, dtype, fortran, data, mask, fill] = state.as_slice() else {
        return None;
    };
    let array = |dtype: Value, data: &Value| {
        reconstructed(&mut Object {
            state: Some(Box::new(Value::Tuple(vec![
                ver.clone(),
                shape.clone(),
                dtype,
                fortran.clone(),
                data.clone(),
            ]))),
            ..Object::default()
        })
    };
    let bools = Value::Object(Object {
        class: "numpy.dtype".into(),
        args: vec![Value::str("b1")],
        ..Object::default()
    });
    let data = array(dtype.clone(), data)?;
    let mask = array(bools, mask)?;
    Some((data, mask, fill.clone()))
}

/// A field of a structured dtype: name, dtype string, byte offset.
pub type Field = (String, String, usize);

/// A structured array (`numpy.ndarray` kept inert, its dtype a record of
/// named fields): the fields as (name, dtype string, offset), the record
/// size, and the array with its records as `|V{size}` items. None for
/// anything else, and for fields that nest records, hold subarrays or
/// carry titles (not printed here).
pub fn structured(o: &Object) -> Option<(Vec<Field>, usize, NdArray)> {
    if !o.list_items.is_empty() || !o.dict_items.is_empty() {
        return None;
    }
    // `_reconstruct` + BUILD (kept as `numpy.ndarray`), dill's
    // `_create_array(f, args, state)`, protocol 5's `_frombuffer`.
    let (shape, dtype, fortran, raw) = match (o.class.as_str(), o.state.as_deref(), &o.args[..]) {
        ("numpy.ndarray", Some(Value::Tuple(state)), _)
        | ("dill._dill._create_array", None, [_, _, Value::Tuple(state), ..]) => {
            match state.as_slice() {
                [_, Value::Tuple(shape), Value::Object(dtype), fortran, Value::Bytes(raw)] => (
                    shape.as_slice(),
                    dtype,
                    matches!(fortran, Value::Bool(true)),
                    raw,
                ),
                _ => return None,
            }
        }
        (
            "numpy.ndarray",
            None,
            [Value::ByteArray(raw) | Value::Bytes(raw), Value::Object(dtype), Value::Tuple(shape), Value::Str(order)],
        ) => (shape.as_slice(), dtype, order == "F", raw),
        // A record on its own, `np.void`: an array of no axes here.
        (
            "numpy._core.multiarray.scalar" | "numpy.core.multiarray.scalar",
            None,
            [Value::Object(dtype), Value::Bytes(raw)],
        ) => (&[][..], dtype, false, raw),
        _ => return None,
    };
    if dtype.class != "numpy.dtype" {
        return None;
    }
    let Some(Value::Tuple(dstate)) = dtype.state.as_deref() else {
        return None;
    };
    let (Some(Value::Tuple(names)), Some(Value::Dict(fields)), Some(Value::Int(size))) =
        (dstate.get(3), dstate.get(4), dstate.get(5))
    else {
        return None;
    };
    if !matches!(dstate.get(2), Some(Value::None)) {
        return None;
    }
    let size = size.to_usize()?;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let Value::Str(name) = name else { return None };
        let (_, field) = fields
            .iter()
            .find(|(k, _)| matches!(k, Value::Str(k) if k == name))?;
        let Value::Tuple(field) = field else {
            return None;
        };
        let [fdtype, Value::Int(offset)] = field.as_slice() else {
            return None;
        };
        out.push((name.clone(), dtype_str(fdtype)?, offset.to_usize()?));
    }
    let array = NdArray {
        dtype: format!("|V{size}"),
        shape: shape_of(shape)?,
        fortran_order: fortran,
        data: ArrayData::Raw(raw.clone()),
        native_on_load: false,
    };
    Some((out, size, array))
}

/// Protocol 5's `_frombuffer(buffer, dtype, shape, order)`, the buffer in
/// band; None for a structured dtype.
pub fn from_buffer(raw: &[u8], dtype: &Value, shape: &[Value], order: &str) -> Option<NdArray> {
    let shape = shape_of(shape);
    Some(NdArray {
        dtype: dtype_str(dtype)?,
        shape: shape?,
        fortran_order: order == "F",
        data: ArrayData::Raw(raw.to_vec()),
        native_on_load: false,
    })
}

/// A pickled `numpy.dtype(str, align, copy)` + BUILD
/// `(ver, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])`
/// as numpy's `dtype.str`: `<f8`, `>i4`, `|b1`, `<U5`, `|O`, `<M8[ns]`.
fn dtype_str(v: &Value) -> Option<String> {
    let Value::Object(o) = v else { return None };
    if o.class != "numpy.dtype" {
        return None;
    }
    let Some(Value::Str(spec)) = o.args.first() else {
        return None;
    };
    let state = match o.state.as_deref() {
        Some(Value::Tuple(t)) => t.as_slice(),
        _ => &[],
    };
    // Structured or subarray dtypes.
    if matches!(state.get(2), Some(v) if *v != Value::None)
        || matches!(state.get(3), Some(v) if *v != Value::None)
    {
        return None;
    }
    let mut chars = spec.chars();
    let kind = chars.next()?;
    let size = chars.as_str();
    if !"biufcmMOSUV".contains(kind) || !size.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let order = match state.get(1) {
        Some(Value::Str(o)) if o == "=" => "<".to_owned(),
        Some(Value::Str(o)) if matches!(o.as_str(), "<" | ">" | "|") => o.clone(),
        _ => {
            if matches!(kind, 'b' | 'O' | 'S' | 'V') || size == "1" {
                "|".to_owned()
            } else {
                "<".to_owned()
            }
        }
    };
    Some(match kind {
        'O' => "|O".to_owned(),
        'M' | 'm' => {
            let unit = state.get(8).and_then(datetime_unit).unwrap_or_default();
            format!("{order}{kind}8{unit}")
        }
        _ => format!("{order}{spec}"),
    })
}

/// `(metadata, (b'ns', num, den, events))` as `[ns]` or `[5ns]`.
fn datetime_unit(v: &Value) -> Option<String> {
    let Value::Tuple(t) = v else { return None };
    let Some(Value::Tuple(unit)) = t.get(1) else {
        return None;
    };
    let name = match unit.first()? {
        Value::Bytes(b) => String::from_utf8(b.clone()).ok()?,
        Value::Str(s) => s.clone(),
        _ => return None,
    };
    if name == "generic" {
        return Some(String::new());
    }
    let num = match unit.get(1) {
        Some(Value::Int(n)) => n.to_u64()?,
        _ => 1,
    };
    Some(if num == 1 {
        format!("[{name}]")
    } else {
        format!("[{num}{name}]")
    })
}

/// An unsigned integer of `bytes.len()` (at most 8) bytes.
pub fn read_uint(bytes: &[u8], big_endian: bool) -> u64 {
    let fold = |acc: u64, &b: &u8| (acc << 8) | b as u64;
    if big_endian {
        bytes.iter().fold(0, fold)
    } else {
        bytes.iter().rev().fold(0, fold)
    }
}

/// A `U` element as `.item()` gives it: UCS-4 code units, the trailing NULs
/// of the fixed width dropped.
pub fn ucs4_item(bytes: &[u8], big_endian: bool) -> String {
    let text: String = bytes
        .chunks_exact(4)
        .map(|c| read_uint(c, big_endian) as u32)
        .map(|cp| char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    text.trim_end_matches('\0').to_string()
}

/// An `S` element as `.item()` gives it: the trailing NULs dropped.
pub fn bytes_item(bytes: &[u8]) -> Vec<u8> {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    bytes[..end].to_vec()
}

/// `scalar(dtype, raw)`: a numpy scalar, kept with its type as an object
/// of class `numpy.<type>` (`numpy.float32`) whose one argument is the
/// Python value it equals (a datetime64 or timedelta64 also has its unit).
/// `show` prints it as numpy does (`np.float32(0.1)`), and the digest
/// follows fleche: numbers through `hash()`, NaN salted with the type name.
pub fn scalar(dtype: &Value, raw: &[u8]) -> Option<Value> {
    let dtype = dtype_str(dtype)?;
    let code = dtype.trim_start_matches(['<', '>', '=', '|']);
    let (name, args) = if let Some(t) = crate::timelike::TimeType::parse(&dtype) {
        let bytes: [u8; 8] = raw.try_into().ok()?;
        let count = if t.big_endian {
            i64::from_be_bytes(bytes)
        } else {
            i64::from_le_bytes(bytes)
        };
        let kind = if t.datetime {
            "datetime64"
        } else {
            "timedelta64"
        };
        (
            kind.to_string(),
            vec![Value::int(count), Value::Str(dtype.clone())],
        )
    } else {
        let name = match code {
            "b1" => "bool".to_string(),
            c if c.starts_with('U') => "str_".to_string(),
            c if c.starts_with('S') => "bytes_".to_string(),
            c => {
                let kind = match c.chars().next()? {
                    'i' => "int",
                    'u' => "uint",
                    'f' => "float",
                    'c' => "complex",
                    _ => return None,
                };
                let bytes: usize = c[1..].parse().ok()?;
                format!("{kind}{}", bytes * 8)
            }
        };
        (name, vec![number(&dtype, raw)?])
    };
    Some(Value::Object(Object {
        class: format!("numpy.{name}"),
        args,
        ..Object::default()
    }))
}

/// The type name (`float32`) and the value of a [`scalar`].
pub fn scalar_parts(o: &Object) -> Option<(&str, &Value)> {
    let name = o.class.strip_prefix("numpy.")?;
    let known = matches!(
        name,
        "bool" | "str_" | "bytes_" | "datetime64" | "timedelta64"
    ) || ["int", "uint", "float", "complex"].iter().any(|k| {
        name.strip_prefix(k)
            .is_some_and(|b| b.parse::<u32>().is_ok())
    });
    if !known || o.state.is_some() || !o.list_items.is_empty() || !o.dict_items.is_empty() {
        return None;
    }
    Some((name, o.args.first()?))
}

/// The number a dtype's bytes hold (booleans, integers, floats of 4 or 8
/// bytes, complex numbers); None for any other dtype.
fn number(dtype: &str, raw: &[u8]) -> Option<Value> {
    let big = dtype.starts_with('>');
    let code = &dtype[1..];
    let bytes = |n: usize| -> Option<Vec<u8>> {
        if raw.len() != n {
            return None;
        }
        let mut b = raw.to_vec();
        if big {
            b.reverse();
        }
        Some(b)
    };
    let f64_of = |b: &[u8]| -> Option<f64> {
        Some(match b.len() {
            2 => f64::from(crate::shortest::f16_to_f32(u16::from_le_bytes(
                b.try_into().ok()?,
            ))),
            4 => f64::from(f32::from_le_bytes(b.try_into().ok()?)),
            8 => f64::from_le_bytes(b.try_into().ok()?),
            _ => return None,
        })
    };
    Some(match code {
        "b1" => Value::Bool(*raw.first()? != 0),
        "i1" | "i2" | "i4" | "i8" => {
            let b = bytes(code[1..].parse().ok()?)?;
            Value::Int(BigInt::from_signed_bytes_le(&b))
        }
        "u1" | "u2" | "u4" | "u8" => {
            let b = bytes(code[1..].parse().ok()?)?;
            Value::Int(BigInt::from_bytes_le(num_bigint::Sign::Plus, &b))
        }
        "f2" | "f4" | "f8" => Value::Float(f64_of(&bytes(code[1..].parse().ok()?)?)?),
        "c8" | "c16" => {
            let n: usize = code[1..].parse().ok()?;
            if raw.len() != n {
                return None;
            }
            let half = n / 2;
            let part = |chunk: &[u8]| {
                let mut b = chunk.to_vec();
                if big {
                    b.reverse();
                }
                f64_of(&b)
            };
            Value::Complex(part(&raw[..half])?, part(&raw[half..])?)
        }
        c if c.starts_with('U') && raw.len().is_multiple_of(4) => Value::Str(ucs4_item(raw, big)),
        c if c.starts_with('S') => Value::Bytes(bytes_item(raw)),
        _ => return None,
    })
}

/// The array as numpy gives it back from the pickle: `__setstate__`
/// byte-swaps a big-endian buffer to native (elements swapped whole,
/// complex numbers per part, text per code unit); `_frombuffer` does not.
pub fn loaded(a: &NdArray) -> std::borrow::Cow<'_, NdArray> {
    use std::borrow::Cow;
    let (true, Some(rest), ArrayData::Raw(raw)) =
        (a.native_on_load, a.dtype.strip_prefix('>'), &a.data)
    else {
        return Cow::Borrowed(a);
    };
    let unit = match (rest.chars().next(), itemsize(&a.dtype)) {
        (Some('U'), _) => 4,
        (Some('c'), Some(n)) => n / 2,
        (_, Some(n)) => n,
        (_, None) => return Cow::Borrowed(a),
    };
    let mut raw = raw.clone();
    if unit > 1 {
        for chunk in raw.chunks_exact_mut(unit) {
            chunk.reverse();
        }
    }
    Cow::Owned(NdArray {
        dtype: format!("<{rest}"),
        data: ArrayData::Raw(raw),
        ..a.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fortran_order_is_visited_in_c_order() {
        // shape (2, 3) stored column-major: element (r, c) at r + 2c.
        assert_eq!(c_order(&[2, 3], true), vec![0, 2, 4, 1, 3, 5]);
        for shape in [&[2u64, 3][..], &[3, 1, 4], &[2, 2, 2, 3], &[5], &[]] {
            for fortran in [false, true] {
                let all: Vec<usize> = (0..element_count(shape).unwrap_or(0))
                    .map(|c| storage_index(shape, fortran, c))
                    .collect();
                assert_eq!(all, c_order(shape, fortran), "{shape:?} {fortran}");
            }
        }
    }

    #[test]
    fn dtypes() {
        assert_eq!(itemsize("<M8[ns]"), Some(8));
        assert_eq!(itemsize("<U3"), Some(12));
        assert_eq!(itemsize("|V16"), Some(16));
        assert_eq!(itemsize("<U"), None);
        assert!(parse_dtype("<M8[ns]").is_none());
        let d = parse_dtype(">i4").map(|d| (d.kind, d.big_endian, d.itemsize));
        assert_eq!(d, Some((Kind::Int { signed: true }, true, 4)));
        assert_eq!(parse_dtype("|O").map(|d| d.kind), Some(Kind::Object));
    }

    fn raw(shape: &[u64], dtype: &str, fortran: bool, bytes: usize) -> NdArray {
        NdArray {
            dtype: dtype.into(),
            shape: shape.to_vec(),
            fortran_order: fortran,
            data: ArrayData::Raw(vec![0; bytes]),
            native_on_load: false,
        }
    }

    /// Issue #15, item 4 and H2: the data must fill the shape exactly, so
    /// that nothing sized by the shape can outgrow the bytes present.
    #[test]
    fn arrays_must_hold_the_data_their_shape_needs() {
        assert!(check(&raw(&[2, 3], "<f8", false, 48)).is_ok());
        assert!(check(&raw(&[1 << 62, 0], "<f8", false, 0)).is_ok());
        assert!(check(&raw(&[], "<i8", false, 8)).is_ok());
        let err = check(&raw(&[1 << 20, 1 << 20], "<f8", true, 24)).unwrap_err();
        assert!(err.contains("8796093022208 bytes"), "{err}");
        assert!(check(&raw(&[100_000, 100_000], "<f8", true, 0)).is_err());
        assert!(check(&raw(&[u64::MAX, 2], "<f8", false, 0)).is_err());
        // Elements of no bytes (`S0`), and unknown item sizes.
        assert!(check(&raw(&[1_000_000_000_000], "|S0", false, 0)).is_err());
        assert!(check(&raw(&[4], "|V", false, 8)).is_ok());
        assert!(check(&raw(&[4], "|V", false, 2)).is_err());
        assert!(check(&raw(&[1; 64], "<f8", false, 8)).is_ok());
        assert!(check(&raw(&[1; 65], "<f8", false, 8)).is_err());
        let objects = |shape: &[u64], n: usize| NdArray {
            dtype: "|O".into(),
            shape: shape.to_vec(),
            fortran_order: false,
            data: ArrayData::Objects(vec![Value::None; n]),
            native_on_load: false,
        };
        assert!(check(&objects(&[3], 3)).is_ok());
        let err = check(&objects(&[1_000_000_000], 1)).unwrap_err();
        assert_eq!(
            err,
            "an object array of shape (1000000000,) holds 1 element(s), not 1000000000"
        );
        assert!(check(&objects(&[1 << 62], 1)).is_err());
    }
}
