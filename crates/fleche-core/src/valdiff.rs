//! Structural differences between two decoded values (`fleche diff`):
//! where two results differ — a dict key, a list item, a dataclass field, the
//! elements of an array — rather than that their digests do.

use crate::numpy::{c_order_iter, parse_dtype, DType, Kind};
use crate::repr::repr;
use crate::value::{ArrayData, NdArray, Object, Value};

/// At most this many changes are listed; [`Diff::more`] counts the rest.
pub const MAX_CHANGES: usize = 1_000;

/// One difference, at a Python-like path from the root (`['k'][0].field`;
/// empty for the values themselves).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Only the second value has it.
    Added { path: String, new: Value },
    /// Only the first value has it.
    Removed { path: String, old: Value },
    /// Both have it, unequal (and not comparable further).
    Changed {
        path: String,
        old: Value,
        new: Value,
    },
    /// Two texts with several lines: compare them line by line.
    Lines {
        path: String,
        old: String,
        new: String,
    },
    /// What else differs at `path` (a pandas frame's columns, rows or
    /// dtypes), said in words.
    Note { path: String, text: String },
    /// Two arrays of another dtype or shape.
    ArrayLayout {
        path: String,
        old: (String, Vec<u64>),
        new: (String, Vec<u64>),
    },
    /// Two arrays of one dtype and shape with unequal elements.
    ArrayElements {
        path: String,
        differing: usize,
        total: usize,
        /// The first differing element's index, in C order.
        first: Vec<u64>,
        /// Largest `|a - b|` and `|a - b| / |a|` over numeric elements.
        max_abs: Option<f64>,
        max_rel: Option<f64>,
    },
}

/// Every change found (up to [`MAX_CHANGES`]) and how many more there were.
#[derive(Debug, Default)]
pub struct Diff {
    pub changes: Vec<Change>,
    pub more: usize,
}

impl Diff {
    fn push(&mut self, c: Change) {
        if self.changes.len() < MAX_CHANGES {
            self.changes.push(c);
        } else {
            self.more += 1;
        }
    }
}

/// What differs between `a` and `b`; empty when they are equal.
pub fn diff(a: &Value, b: &Value) -> Diff {
    let mut out = Diff::default();
    walk(String::new(), a, b, &mut out, 0);
    out
}

/// Deeper than this, values are compared whole.
const MAX_DEPTH: usize = 64;

fn walk(path: String, a: &Value, b: &Value, out: &mut Diff, depth: usize) {
    if a == b {
        return;
    }
    if depth >= MAX_DEPTH {
        return out.push(Change::Changed {
            path,
            old: a.clone(),
            new: b.clone(),
        });
    }
    match (a, b) {
        (Value::Dict(x), Value::Dict(y)) => {
            for (k, va) in x {
                let key = format!("{path}[{}]", repr(k));
                match y.iter().find(|(kb, _)| kb == k) {
                    Some((_, vb)) => walk(key, va, vb, out, depth + 1),
                    None => out.push(Change::Removed {
                        path: key,
                        old: va.clone(),
                    }),
                }
            }
            for (k, vb) in y {
                if !x.iter().any(|(ka, _)| ka == k) {
                    out.push(Change::Added {
                        path: format!("{path}[{}]", repr(k)),
                        new: vb.clone(),
                    });
                }
            }
        }
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                walk(format!("{path}[{i}]"), va, vb, out, depth + 1);
            }
            for (i, va) in x.iter().enumerate().skip(y.len()) {
                out.push(Change::Removed {
                    path: format!("{path}[{i}]"),
                    old: va.clone(),
                });
            }
            for (i, vb) in y.iter().enumerate().skip(x.len()) {
                out.push(Change::Added {
                    path: format!("{path}[{i}]"),
                    new: vb.clone(),
                });
            }
        }
        (Value::Record(x), Value::Record(y)) if x.class == y.class => {
            for (name, va) in &x.fields {
                let field = format!("{path}.{name}");
                match y.fields.iter().find(|(n, _)| n == name) {
                    Some((_, vb)) => walk(field, va, vb, out, depth + 1),
                    None => out.push(Change::Removed {
                        path: field,
                        old: va.clone(),
                    }),
                }
            }
            for (name, vb) in &y.fields {
                if !x.fields.iter().any(|(n, _)| n == name) {
                    out.push(Change::Added {
                        path: format!("{path}.{name}"),
                        new: vb.clone(),
                    });
                }
            }
        }
        (Value::Str(x), Value::Str(y)) if x.contains('\n') || y.contains('\n') => {
            out.push(Change::Lines {
                path,
                old: x.clone(),
                new: y.clone(),
            })
        }
        (Value::NdArray(x), Value::NdArray(y)) => arrays(path, x, y, out),
        (Value::Object(x), Value::Object(y))
            if crate::pandas::is_pandas(x) && crate::pandas::is_pandas(y) =>
        {
            pandas_objects(path, x, y, out)
        }
        _ => out.push(Change::Changed {
            path,
            old: a.clone(),
            new: b.clone(),
        }),
    }
}

fn arrays(path: String, x: &NdArray, y: &NdArray, out: &mut Diff) {
    let same_dtype =
        x.dtype.trim_start_matches(['<', '=', '|']) == y.dtype.trim_start_matches(['<', '=', '|']);
    if !same_dtype || x.shape != y.shape {
        return out.push(Change::ArrayLayout {
            path,
            old: (x.dtype.clone(), x.shape.clone()),
            new: (y.dtype.clone(), y.shape.clone()),
        });
    }
    let total = crate::numpy::element_count(&x.shape).unwrap_or(0);
    let (mut differing, mut first, mut max_abs, mut max_rel) = (0usize, None, None, None);
    let mut note = |i: usize, abs: Option<f64>, rel: Option<f64>| {
        differing += 1;
        first.get_or_insert(i);
        if let Some(a) = abs {
            max_abs = Some(max_abs.map_or(a, |m: f64| m.max(a)));
        }
        if let Some(r) = rel {
            max_rel = Some(max_rel.map_or(r, |m: f64| m.max(r)));
        }
    };
    match (
        &x.data,
        &y.data,
        parse_dtype(&x.dtype),
        parse_dtype(&y.dtype),
    ) {
        (ArrayData::Raw(ra), ArrayData::Raw(rb), Some(da), Some(db))
            if da.itemsize == db.itemsize =>
        {
            let size = da.itemsize;
            let ia = c_order_iter(&x.shape, x.fortran_order);
            let ib = c_order_iter(&y.shape, y.fortran_order);
            for (i, (sa, sb)) in ia.zip(ib).enumerate() {
                let (Some(ea), Some(eb)) = (
                    ra.get(sa * size..(sa + 1) * size),
                    rb.get(sb * size..(sb + 1) * size),
                ) else {
                    break;
                };
                match (number(da, ea), number(db, eb)) {
                    (Some(a), Some(b)) => {
                        let equal = a == b || (a.is_nan() && b.is_nan());
                        if !equal {
                            let abs = (a - b).abs();
                            let rel = if a != 0.0 { Some(abs / a.abs()) } else { None };
                            note(i, Some(abs), rel);
                        }
                    }
                    // Text, bytes, complex: equal when their bytes are.
                    _ => {
                        if ea != eb {
                            note(i, None, None);
                        }
                    }
                }
            }
        }
        (ArrayData::Objects(oa), ArrayData::Objects(ob), _, _) => {
            let ia = c_order_iter(&x.shape, x.fortran_order);
            let ib = c_order_iter(&y.shape, y.fortran_order);
            for (i, (sa, sb)) in ia.zip(ib).enumerate() {
                if oa.get(sa) != ob.get(sb) {
                    note(i, None, None);
                }
            }
        }
        _ => {
            return out.push(Change::Changed {
                path,
                old: Value::NdArray(x.clone()),
                new: Value::NdArray(y.clone()),
            })
        }
    }
    if let Some(i) = first {
        out.push(Change::ArrayElements {
            path,
            differing,
            total,
            first: unravel(i, &x.shape),
            max_abs,
            max_rel,
        });
    }
}

/// Two pandas objects: frames by columns, index, dtypes and cells; series
/// alike; anything else whole.
fn pandas_objects(path: String, x: &Object, y: &Object, out: &mut Diff) {
    use crate::pandas::Pandas;
    match (crate::pandas::decode(x), crate::pandas::decode(y)) {
        (Some(Pandas::Frame(a)), Some(Pandas::Frame(b))) => {
            let (la, lb) = (labels(&a.columns), labels(&b.columns));
            for (i, l) in la.iter().enumerate() {
                if !lb.contains(l) {
                    out.push(Change::Note {
                        path: path.clone(),
                        text: format!("column {l} removed ({})", a.data[i].dtype()),
                    });
                }
            }
            for (i, l) in lb.iter().enumerate() {
                if !la.contains(l) {
                    out.push(Change::Note {
                        path: path.clone(),
                        text: format!("column {l} added ({})", b.data[i].dtype()),
                    });
                }
            }
            let rows = index_note(&path, &a.index, &b.index, out);
            for (i, l) in la.iter().enumerate() {
                if let Some(j) = lb.iter().position(|m| m == l) {
                    columns(&path, l, &a.data[i], &b.data[j], &rows, out);
                }
            }
        }
        (Some(Pandas::Series(a)), Some(Pandas::Series(b))) => {
            let rows = index_note(&path, &a.index, &b.index, out);
            let name = a.name.as_ref().map_or("None".to_string(), repr);
            columns(&path, &name, &a.data, &b.data, &rows, out);
        }
        _ => out.push(Change::Changed {
            path,
            old: Value::Object(x.clone()),
            new: Value::Object(y.clone()),
        }),
    }
}

/// At most this many differing cells are listed per column.
const CELLS_PER_COLUMN: usize = 5;

/// The labels of an index, as Python's repr writes them.
fn labels(index: &crate::pandas::Index) -> Vec<String> {
    use crate::pandas::Index;
    match index {
        Index::Range { start, step, .. } => (0..index.len())
            .map(|i| (start + step * i as i128).to_string())
            .collect(),
        Index::Flat { values, .. } => (0..values.len()).map(|i| repr(&cell(values, i))).collect(),
        Index::Multi { levels, codes, .. } => (0..index.len())
            .map(|i| {
                let parts: Vec<String> = levels
                    .iter()
                    .zip(codes)
                    .map(|(level, c)| match c.get(i) {
                        Some(&k) if k >= 0 => repr(&cell(level, k as usize)),
                        _ => "nan".into(),
                    })
                    .collect();
                format!("({})", parts.join(", "))
            })
            .collect(),
    }
}

/// Says how the row indexes differ; the row labels to name cells by.
fn index_note(
    path: &str,
    a: &crate::pandas::Index,
    b: &crate::pandas::Index,
    out: &mut Diff,
) -> Vec<String> {
    let (la, lb) = (labels(a), labels(b));
    if la.len() != lb.len() {
        out.push(Change::Note {
            path: path.to_string(),
            text: format!("{} rows -> {} rows", la.len(), lb.len()),
        });
    } else if let Some(i) = (0..la.len()).find(|&i| la[i] != lb[i]) {
        out.push(Change::Note {
            path: path.to_string(),
            text: format!(
                "index labels differ, first at row {i}: {} -> {}",
                la[i], lb[i]
            ),
        });
    }
    la
}

fn columns(
    path: &str,
    label: &str,
    a: &crate::pandas::Column,
    b: &crate::pandas::Column,
    rows: &[String],
    out: &mut Diff,
) {
    if a.dtype() != b.dtype() {
        out.push(Change::Note {
            path: path.to_string(),
            text: format!("column {label}: dtype {} -> {}", a.dtype(), b.dtype()),
        });
    }
    let mut differing = 0;
    for i in 0..a.len().min(b.len()) {
        let (ca, cb) = (cell(a, i), cell(b, i));
        let same = ca == cb
            || matches!((&ca, &cb), (Value::Float(p), Value::Float(q)) if p.is_nan() && q.is_nan());
        if same {
            continue;
        }
        differing += 1;
        if differing <= CELLS_PER_COLUMN {
            let row = rows.get(i).cloned().unwrap_or_else(|| i.to_string());
            out.push(Change::Changed {
                path: format!("{path}.loc[{row}, {label}]"),
                old: ca,
                new: cb,
            });
        }
    }
    if differing > CELLS_PER_COLUMN {
        out.push(Change::Note {
            path: path.to_string(),
            text: format!(
                "column {label}: {differing} cells differ ({} more not listed)",
                differing - CELLS_PER_COLUMN
            ),
        });
    }
}

/// One cell as a value: numbers and text as Python holds them, a missing
/// string as NaN, a datetime as its text.
fn cell(c: &crate::pandas::Column, i: usize) -> Value {
    use crate::pandas::Column;
    match c {
        Column::Int { values, .. } => values
            .get(i)
            .map_or(Value::None, |&v| Value::Int(num_bigint::BigInt::from(v))),
        Column::Float { values, .. } => values.get(i).map_or(Value::None, |&v| Value::Float(v)),
        Column::Bool(v) => v.get(i).map_or(Value::None, |&b| Value::Bool(b)),
        Column::Object(v) => v.get(i).cloned().unwrap_or(Value::None),
        Column::Str { values, .. } => match values.get(i) {
            Some(Some(s)) => Value::Str(s.clone()),
            _ => Value::Float(f64::NAN),
        },
        Column::Datetime { unit, values } => {
            let t = crate::timelike::TimeType::parse(&format!("M8[{unit}]"));
            match (t, values.get(i)) {
                (Some(t), Some(&v)) => Value::Str(t.datetime_text(v)),
                _ => Value::None,
            }
        }
        Column::Categorical { .. } => c
            .decategorize()
            .map_or(Value::None, |plain| cell(&plain, i)),
    }
}

/// A real element as f64 (bools, ints, 32/64-bit floats).
fn number(d: DType, b: &[u8]) -> Option<f64> {
    let bytes8 = |b: &[u8]| -> Option<[u8; 8]> {
        let mut buf = [0u8; 8];
        if d.big_endian {
            buf[8 - b.len()..].copy_from_slice(b);
            buf.reverse();
        } else {
            buf[..b.len()].copy_from_slice(b);
        }
        Some(buf)
    };
    match (d.kind, d.itemsize) {
        (Kind::Bool, 1) => Some(f64::from(b[0] != 0)),
        (Kind::Int { signed }, 1 | 2 | 4 | 8) => {
            let raw = u64::from_le_bytes(bytes8(b)?);
            let bits = 8 * d.itemsize as u32;
            Some(if signed {
                // Sign-extend from the element's width.
                ((raw << (64 - bits)) as i64 >> (64 - bits)) as f64
            } else {
                raw as f64
            })
        }
        (Kind::Float, 4) => {
            let raw = u64::from_le_bytes(bytes8(b)?) as u32;
            Some(f64::from(f32::from_bits(raw)))
        }
        (Kind::Float, 8) => Some(f64::from_bits(u64::from_le_bytes(bytes8(b)?))),
        _ => None,
    }
}

/// The multi-index of the `i`-th element in C order.
fn unravel(mut i: usize, shape: &[u64]) -> Vec<u64> {
    let mut index = vec![0; shape.len()];
    for (slot, &n) in index.iter_mut().zip(shape).rev() {
        let n = n.max(1) as usize;
        *slot = (i % n) as u64;
        i /= n;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Value {
        crate::literal::parse(text).expect("a literal")
    }

    fn array(dtype: &str, shape: &[u64], data: Vec<u8>) -> Value {
        Value::NdArray(NdArray {
            dtype: dtype.into(),
            shape: shape.to_vec(),
            fortran_order: false,
            native_on_load: false,
            data: ArrayData::Raw(data),
        })
    }

    fn f8(xs: &[f64]) -> Vec<u8> {
        xs.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn equal_values_have_no_changes() {
        assert!(diff(&v("{'a': [1, 2.5]}"), &v("{'a': [1, 2.5]}"))
            .changes
            .is_empty());
    }

    #[test]
    fn dicts_lists_and_fields_name_their_paths() {
        let d = diff(
            &v("{'a': 1, 'b': [1, 2, 3], 'gone': None, 'r': Run(x=1, y='s')}"),
            &v("{'a': 1, 'b': [1, 5], 'new': True, 'r': Run(x=2, y='s')}"),
        );
        assert_eq!(
            d.changes,
            vec![
                Change::Changed {
                    path: "['b'][1]".into(),
                    old: v("2"),
                    new: v("5")
                },
                Change::Removed {
                    path: "['b'][2]".into(),
                    old: v("3")
                },
                Change::Removed {
                    path: "['gone']".into(),
                    old: Value::None
                },
                Change::Changed {
                    path: "['r'].x".into(),
                    old: v("1"),
                    new: v("2")
                },
                Change::Added {
                    path: "['new']".into(),
                    new: Value::Bool(true)
                },
            ]
        );
    }

    #[test]
    fn texts_with_lines_compare_by_line_and_types_whole() {
        let d = diff(&v("'a\\nb'"), &v("'a\\nc'"));
        assert!(matches!(&d.changes[..], [Change::Lines { .. }]), "{d:?}");
        let d = diff(&v("1"), &v("'1'"));
        assert!(matches!(&d.changes[..], [Change::Changed { .. }]), "{d:?}");
    }

    #[test]
    fn arrays_count_differing_elements() {
        let a = array("<f8", &[2, 2], f8(&[1.0, 2.0, f64::NAN, 4.0]));
        let b = array("<f8", &[2, 2], f8(&[1.0, 2.5, f64::NAN, 2.0]));
        let d = diff(&a, &b);
        assert_eq!(
            d.changes,
            vec![Change::ArrayElements {
                path: String::new(),
                differing: 2,
                total: 4,
                first: vec![0, 1],
                max_abs: Some(2.0),
                max_rel: Some(0.5),
            }]
        );
        let c = array("<f8", &[4], f8(&[1.0, 2.0, 3.0, 4.0]));
        assert!(matches!(
            &diff(&a, &c).changes[..],
            [Change::ArrayLayout { .. }]
        ));
    }

    #[test]
    fn unravel_is_c_order() {
        assert_eq!(unravel(5, &[2, 3]), vec![1, 2]);
        assert_eq!(unravel(0, &[]), Vec::<u64>::new());
    }

    #[test]
    fn signed_ints_sign_extend() {
        let d = parse_dtype("<i2").expect("dtype");
        assert_eq!(number(d, &(-3i16).to_le_bytes()), Some(-3.0));
        let d = parse_dtype(">i4").expect("dtype");
        assert_eq!(number(d, &(-70000i32).to_be_bytes()), Some(-70000.0));
    }
}
