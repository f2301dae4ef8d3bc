//! The pickle reader's value graph of a pandas object, as the typed model.
//! pandas 3.1 pickles (and 1.x/2.x where they are shaped alike): a frame
//! is `DataFrame.__new__` with a state dict holding `_mgr` (`_data` before
//! 1.1), a `BlockManager(blocks, axes)` or its 4-tuple state with the
//! `"0.14.1"` dict; blocks are `_unpickle_block(values, placement, ndim)`
//! (`new_block` in 1.x/2.x); extension arrays are
//! `__pyx_unpickle_NDArrayBacked(cls, checksum, None)` with a
//! `(dtype, ndarray[, attributes])` state; indexes are `_new_Index(cls, dict)`.

use super::{Column, Frame, Index, Pandas, Series};
use crate::numpy::{parse_dtype, read_uint, storage_index, Kind};
use crate::pickle::global_name;
use crate::timelike::TimeType;
use crate::value::{ArrayData, NdArray, Object, Value};
use num_traits::ToPrimitive;

const NEW_INDEX: &str = "pandas.core.indexes.base._new_Index";
const NEW_DATETIME_INDEX: &str = "pandas.core.indexes.datetimes._new_DatetimeIndex";
const NDARRAY_BACKED: &str = "pandas._libs.arrays.__pyx_unpickle_NDArrayBacked";

/// What kind of pandas object `o` is, by name only.
pub(super) fn kind(o: &Object) -> Option<&'static str> {
    match o.class.as_str() {
        "pandas.DataFrame" | "pandas.core.frame.DataFrame" => Some("DataFrame"),
        "pandas.Series" | "pandas.core.series.Series" => Some("Series"),
        NEW_INDEX | NEW_DATETIME_INDEX => Some(match index_class(o)? {
            "RangeIndex" => "RangeIndex",
            "DatetimeIndex" => "DatetimeIndex",
            "MultiIndex" => "MultiIndex",
            "CategoricalIndex" => "CategoricalIndex",
            _ => "Index",
        }),
        NDARRAY_BACKED if backed_class(o)?.ends_with("Categorical") => Some("Categorical"),
        c if c.starts_with("pandas.") && c.ends_with(".Categorical") && o.state.is_some() => {
            Some("Categorical")
        }
        _ => None,
    }
}

fn index_class(o: &Object) -> Option<&str> {
    let name = global_name(o.args.first()?)?;
    let short = name.rsplit('.').next()?;
    short.ends_with("Index").then_some(short)
}

fn backed_class(o: &Object) -> Option<&str> {
    global_name(o.args.first()?)
}

pub(super) fn pandas(o: &Object) -> Option<Pandas> {
    Some(match kind(o)? {
        "DataFrame" => Pandas::Frame(frame(o)?),
        "Series" => Pandas::Series(series(o)?),
        "Categorical" => {
            let mut cols = extension(&Value::Object(o.clone()))?;
            (cols.len() == 1).then_some(())?;
            Pandas::Categorical(cols.pop()?)
        }
        _ => Pandas::Index(index(&Value::Object(o.clone()))?),
    })
}

/// Whether a frame or series holds a manager (`_mgr`, `_data` before 1.1).
pub(super) fn has_manager(o: &Object) -> bool {
    o.state
        .as_deref()
        .is_some_and(|s| get(s, "_mgr").or_else(|| get(s, "_data")).is_some())
}

/// Shape and dtypes of a pandas object we do not print, as far as its
/// pickle tells them: ` (3 rows x 2 columns; dtypes: Int64, bool)`.
pub(super) fn describe(o: &Object) -> String {
    let Some(mgr) = o
        .state
        .as_deref()
        .and_then(|s| get(s, "_mgr").or_else(|| get(s, "_data")))
    else {
        return String::new();
    };
    let Some((axes, blocks)) = manager(mgr) else {
        return String::new();
    };
    let dtypes: Vec<String> = blocks.iter().map(|(_, v)| dtype_name(v)).collect();
    // An axis that does not decode is of unknown length, not empty.
    let len = |v: &Value| length(v).map_or_else(|| "?".to_string(), |n| n.to_string());
    let shape = match axes.as_slice() {
        [index] => format!("{} rows", len(index)),
        [columns, index] => format!("{} rows x {} columns", len(index), len(columns)),
        _ => String::new(),
    };
    format!(" ({shape}; dtypes: {})", dtypes.join(", "))
}

/// An axis's length without decoding its labels.
fn length(v: &Value) -> Option<usize> {
    index(v).map(|i| i.len())
}

/// A dtype's name as far as the pickle shows it: numpy's, or the
/// extension dtype's class.
fn dtype_name(v: &Value) -> String {
    if let Some(cols) = extension(v) {
        if let Some(c) = cols.first() {
            return c.dtype();
        }
    }
    match v {
        Value::NdArray(a) => array_columns(a)
            .and_then(|c| c.first().map(Column::dtype))
            .unwrap_or_else(|| a.dtype.clone()),
        Value::Object(o) => {
            let dtype = o
                .state
                .as_deref()
                .and_then(|s| get(s, "_cache"))
                .and_then(|c| get(c, "dtype"))
                .map(|d| match d {
                    Value::Object(d) => d.type_name().trim_end_matches("Dtype").to_string(),
                    _ => String::new(),
                });
            match dtype {
                Some(d) if !d.is_empty() => d,
                _ => match (
                    o.class.as_str(),
                    global_name(o.args.first().unwrap_or(&Value::None)),
                ) {
                    (NDARRAY_BACKED, Some(c)) => c.rsplit('.').next().unwrap_or(c).to_string(),
                    _ => o.type_name().to_string(),
                },
            }
        }
        other => other.type_name().to_string(),
    }
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Dict(items) => items
            .iter()
            .find(|(k, _)| matches!(k, Value::Str(s) if s == key))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn int(v: &Value) -> Option<i128> {
    match v {
        Value::Int(i) => i.to_i128(),
        Value::Bool(b) => Some(*b as i128),
        Value::Object(o) => {
            let (_, inner) = crate::numpy::scalar_parts(o)?;
            int(inner)
        }
        _ => None,
    }
}

/// A label (an index's or series' name): None stays None.
fn name(v: Option<&Value>) -> Option<Value> {
    match v {
        None | Some(Value::None) => None,
        Some(v) => Some(v.clone()),
    }
}

fn frame(o: &Object) -> Option<Frame> {
    let state = o.state.as_deref()?;
    let mgr = get(state, "_mgr").or_else(|| get(state, "_data"))?;
    let (axes, blocks) = manager(mgr)?;
    let [columns, index_v] = axes.as_slice() else {
        return None;
    };
    let columns = index(columns)?;
    let index = index(index_v)?;
    let n = index.len();
    let mut decoded = Vec::with_capacity(blocks.len());
    for (placement, values) in &blocks {
        let cols = extension(values).or_else(|| match values {
            Value::NdArray(a) => array_columns(a),
            _ => None,
        })?;
        decoded.push((placement, cols));
    }
    // As many labels as columns the blocks hold (a range of labels is a
    // few bytes however long).
    let total: usize = decoded.iter().map(|(_, c)| c.len()).sum();
    (columns.len() == total).then_some(())?;
    let mut data: Vec<Option<Column>> = vec![None; total];
    for (placement, cols) in decoded {
        let places = positions(placement, cols.len())?;
        for (p, c) in places.into_iter().zip(cols) {
            (c.len() == n).then_some(())?;
            *data.get_mut(p)? = Some(c);
        }
    }
    let data = data.into_iter().collect::<Option<Vec<Column>>>()?;
    Some(Frame {
        columns,
        index,
        data,
    })
}

fn series(o: &Object) -> Option<Series> {
    let state = o.state.as_deref()?;
    let mgr = get(state, "_mgr").or_else(|| get(state, "_data"))?;
    let (axes, blocks) = manager(mgr)?;
    let [index_v] = axes.as_slice() else {
        return None;
    };
    let index = index(index_v)?;
    let [(_, values)] = blocks.as_slice() else {
        return None;
    };
    let mut cols = extension(values).or_else(|| match values {
        Value::NdArray(a) => array_columns(a),
        _ => None,
    })?;
    (cols.len() == 1).then_some(())?;
    let data = cols.pop()?;
    (data.len() == index.len()).then_some(())?;
    Some(Series {
        index,
        name: name(get(state, "_name").or_else(|| get(state, "name"))),
        data,
    })
}

/// A manager's blocks as (placement, values).
type Blocks = Vec<(Value, Value)>;

/// A manager's axes and its blocks.
fn manager(v: &Value) -> Option<(Vec<Value>, Blocks)> {
    let Value::Object(o) = v else { return None };
    if !o.class.ends_with("BlockManager") {
        return None;
    }
    match (o.args.as_slice(), o.state.as_deref()) {
        ([blocks, axes], None) => {
            let blocks: Vec<&Value> = match blocks {
                Value::Tuple(b) | Value::List(b) => b.iter().collect(),
                single => vec![single],
            };
            let axes = match axes {
                Value::List(a) | Value::Tuple(a) => a.clone(),
                single => vec![single.clone()],
            };
            let blocks = blocks
                .into_iter()
                .map(|b| match b {
                    Value::Object(b)
                        if b.class == "pandas._libs.internals._unpickle_block"
                            || b.class.ends_with(".new_block") =>
                    {
                        Some((b.args.get(1)?.clone(), b.args.first()?.clone()))
                    }
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some((axes, blocks))
        }
        ([], Some(Value::Tuple(parts))) => {
            let extra = get(parts.get(3)?, "0.14.1")?;
            let axes = match get(extra, "axes")? {
                Value::List(a) | Value::Tuple(a) => a.clone(),
                _ => return None,
            };
            let Value::List(blocks) = get(extra, "blocks")? else {
                return None;
            };
            let blocks = blocks
                .iter()
                .map(|b| Some((get(b, "mgr_locs")?.clone(), get(b, "values")?.clone())))
                .collect::<Option<Vec<_>>>()?;
            Some((axes, blocks))
        }
        _ => None,
    }
}

/// A block's placement of its `count` columns: a slice or an array of
/// positions.
fn positions(v: &Value, count: usize) -> Option<Vec<usize>> {
    match v {
        Value::Object(o) if o.class == "builtins.slice" => {
            let [start, stop, step] = o.args.as_slice() else {
                return None;
            };
            let start = if matches!(start, Value::None) {
                0
            } else {
                int(start)?
            };
            let step = if matches!(step, Value::None) {
                1
            } else {
                int(step)?
            };
            let stop = int(stop)?;
            let n = super::range_len(start, stop, step);
            (n == count).then_some(())?;
            (0..n)
                .map(|i| usize::try_from(start + step * i as i128).ok())
                .collect()
        }
        Value::NdArray(a) => match array_columns(a)?.as_slice() {
            [Column::Int { values, .. }] if values.len() == count => {
                values.iter().map(|&v| usize::try_from(v).ok()).collect()
            }
            _ => None,
        },
        Value::List(items) | Value::Tuple(items) if items.len() == count => items
            .iter()
            .map(|v| int(v).and_then(|i| usize::try_from(i).ok()))
            .collect(),
        _ => None,
    }
}

/// An index from `_new_Index(cls, dict)`.
pub(super) fn index(v: &Value) -> Option<Index> {
    let Value::Object(o) = v else { return None };
    if o.class != NEW_INDEX && o.class != NEW_DATETIME_INDEX {
        return None;
    }
    let class = index_class(o)?;
    let d = o.args.get(1)?;
    if class == "RangeIndex" {
        let start = get(d, "start").map_or(Some(0), int)?;
        let stop = int(get(d, "stop")?)?;
        let step = get(d, "step").map_or(Some(1), int)?;
        (step != 0).then_some(())?;
        return Some(Index::Range {
            start,
            stop,
            step,
            name: name(get(d, "name")),
        });
    }
    if class == "MultiIndex" {
        let (Value::List(levels), Value::List(codes)) = (get(d, "levels")?, get(d, "codes")?)
        else {
            return None;
        };
        let levels = levels
            .iter()
            .map(|l| index(l)?.column())
            .collect::<Option<Vec<_>>>()?;
        let codes = codes
            .iter()
            .map(|c| match c {
                Value::NdArray(a) => match array_columns(a)?.pop()? {
                    Column::Int { values, .. } => {
                        values.into_iter().map(|v| i64::try_from(v).ok()).collect()
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect::<Option<Vec<Vec<i64>>>>()?;
        let n = codes.first().map_or(0, Vec::len);
        (levels.len() == codes.len() && codes.iter().all(|c| c.len() == n)).then_some(())?;
        // A code is a level's position, or -1 for a missing label.
        let valid = codes.iter().zip(&levels).all(|(c, l)| {
            c.iter()
                .all(|&x| x == -1 || usize::try_from(x).is_ok_and(|x| x < l.len()))
        });
        valid.then_some(())?;
        let names = match get(d, "names") {
            Some(Value::List(names) | Value::Tuple(names)) => {
                names.iter().map(|n| name(Some(n))).collect()
            }
            _ => vec![None; levels.len()],
        };
        (names.len() == levels.len()).then_some(())?;
        return Some(Index::Multi {
            levels,
            codes,
            names,
        });
    }
    let data = get(d, "data")?;
    let mut cols = extension(data).or_else(|| match data {
        Value::NdArray(a) => array_columns(a),
        _ => None,
    })?;
    (cols.len() == 1).then_some(())?;
    let values = cols.pop()?;
    let freq = match (&values, class) {
        // pandas 2 keeps the frequency with the array (`_freq`).
        (Column::Datetime { .. }, _) => Some(match get(d, "freq").or_else(|| array_freq(data)) {
            None | Some(Value::None) => None,
            Some(f) => Some(freq(f)?),
        }),
        (_, "DatetimeIndex") => return None,
        _ => None,
    };
    Some(Index::Flat {
        values,
        name: name(get(d, "name")),
        freq,
    })
}

/// The `_freq` an extension array's state carries (pandas 2).
fn array_freq(data: &Value) -> Option<&Value> {
    let Value::Object(o) = data else { return None };
    let Some(Value::Tuple(state)) = o.state.as_deref() else {
        return None;
    };
    get(state.get(2)?, "_freq")
}

/// `freqstr` of the fixed offsets; None for any other (we would print it
/// wrong).
fn freq(v: &Value) -> Option<String> {
    let Value::Object(o) = v else { return None };
    let unit = match o.class.strip_prefix("pandas._libs.tslibs.offsets.")? {
        "Day" => "D",
        "Hour" => "h",
        "Minute" => "min",
        "Second" => "s",
        "Milli" => "ms",
        "Micro" => "us",
        "Nano" => "ns",
        _ => return None,
    };
    let n = int(o.args.first()?)?;
    matches!(o.args.get(1), None | Some(Value::Bool(false))).then_some(())?;
    Some(if n == 1 {
        unit.to_string()
    } else {
        format!("{n}{unit}")
    })
}

/// The columns of an extension array (a 2-D one holds several).
fn extension(v: &Value) -> Option<Vec<Column>> {
    let Value::Object(o) = v else { return None };
    let (class, dtype, array) = if o.class == NDARRAY_BACKED {
        let Some(Value::Tuple(state)) = o.state.as_deref() else {
            return None;
        };
        (backed_class(o)?, state.first()?, state.get(1)?)
    } else if o.class.starts_with("pandas.") {
        // pandas 1.x: `__reduce__` of the class with an attribute dict.
        let state = o.state.as_deref()?;
        let dtype = get(state, "_dtype")?;
        let array = get(state, "_codes")
            .or_else(|| get(state, "_ndarray"))
            .or_else(|| get(state, "_data"))?;
        (o.class.as_str(), dtype, array)
    } else {
        return None;
    };
    let Value::NdArray(a) = array else {
        return None;
    };
    let short = class.rsplit('.').next()?;
    match short {
        "StringArray" => {
            let Value::Object(d) = dtype else { return None };
            d.class.ends_with("StringDtype").then_some(())?;
            // `StringDtype(storage, na_value)` (pandas 3), or an instance
            // with a `storage` attribute (pandas 2, missing is `<NA>`).
            let state = d.state.as_deref();
            let storage = d.args.first().or_else(|| get(state?, "storage"));
            (matches!(storage, Some(Value::Str(s)) if s == "python")).then_some(())?;
            let na = d
                .args
                .get(1)
                .or_else(|| state.and_then(|s| get(s, "_na_value")));
            let na_is_nan = matches!(na, Some(Value::Float(f)) if f.is_nan());
            let cols = array_columns(a)?;
            cols.into_iter()
                .map(|c| match c {
                    Column::Object(items) => Some(Column::Str {
                        values: items
                            .into_iter()
                            .map(|v| match v {
                                Value::Str(s) => Some(s),
                                _ => None,
                            })
                            .collect(),
                        na_is_nan,
                    }),
                    _ => None,
                })
                .collect()
        }
        "DatetimeArray" => {
            // A zone (DatetimeTZDtype) is not modelled.
            if let Value::Object(d) = dtype {
                if d.class.ends_with("DatetimeTZDtype") {
                    return None;
                }
            }
            let cols = array_columns(a)?;
            cols.iter()
                .all(|c| matches!(c, Column::Datetime { .. }))
                .then_some(cols)
        }
        "Categorical" => {
            let Value::Object(d) = dtype else { return None };
            let state = d.state.as_deref()?;
            let categories = index(get(state, "categories")?)?.column()?;
            let ordered = matches!(get(state, "ordered"), Some(Value::Bool(true)));
            array_columns(a)?
                .into_iter()
                .map(|c| match c {
                    Column::Int { values, .. } => Some(Column::Categorical {
                        categories: Box::new(categories.clone()),
                        codes: values
                            .into_iter()
                            .map(|v| i64::try_from(v).ok())
                            .collect::<Option<_>>()?,
                        ordered,
                    }),
                    _ => None,
                })
                .collect()
        }
        _ => None,
    }
}

/// A 1-D array as one column, a 2-D block `(columns, rows)` as columns.
fn array_columns(a: &NdArray) -> Option<Vec<Column>> {
    let (k, n) = match a.shape.as_slice() {
        [n] => (1, *n as usize),
        [k, n] => (*k as usize, *n as usize),
        _ => return None,
    };
    let total = k.checked_mul(n)?;
    let element = |i: usize| storage_index(&a.shape, a.fortran_order, i);
    if let Some(t) = TimeType::parse(&a.dtype) {
        let unit = match (t.datetime, t.multiple, t.unit) {
            (true, 1, "s") => "s",
            (true, 1, "ms") => "ms",
            (true, 1, "us") => "us",
            (true, 1, "ns") => "ns",
            _ => return None,
        };
        let ArrayData::Raw(raw) = &a.data else {
            return None;
        };
        (raw.len() >= total.checked_mul(8)?).then_some(())?;
        let cells: Vec<i64> = (0..total)
            .map(|i| {
                let s = element(i) * 8;
                read_uint(&raw[s..s + 8], t.big_endian) as i64
            })
            .collect();
        return Some(
            split_columns(cells, k, n)
                .into_iter()
                .map(|values| Column::Datetime { unit, values })
                .collect(),
        );
    }
    let dt = parse_dtype(&a.dtype)?;

    if let (Kind::Object, ArrayData::Objects(items)) = (dt.kind, &a.data) {
        (items.len() >= total).then_some(())?;
        let cells: Vec<Value> = (0..total).map(|i| items[element(i)].clone()).collect();
        return Some(
            split_columns(cells, k, n)
                .into_iter()
                .map(Column::Object)
                .collect(),
        );
    }
    let ArrayData::Raw(raw) = &a.data else {
        return None;
    };
    let size = dt.itemsize;
    (raw.len() >= total.checked_mul(size)?).then_some(())?;
    let big = dt.big_endian;
    let bytes = |i: usize| {
        let s = element(i) * size;
        &raw[s..s + size]
    };
    Some(match dt.kind {
        Kind::Bool => split_columns((0..total).map(|i| bytes(i)[0] != 0).collect(), k, n)
            .into_iter()
            .map(Column::Bool)
            .collect(),
        Kind::Int { signed } => {
            let dtype = format!("{}int{}", if signed { "" } else { "u" }, size * 8);
            let cells = (0..total)
                .map(|i| {
                    let u = read_uint(bytes(i), big);
                    if signed {
                        let shift = 64 - size as u32 * 8;
                        (((u << shift) as i64) >> shift) as i128
                    } else {
                        u as i128
                    }
                })
                .collect();
            split_columns(cells, k, n)
                .into_iter()
                .map(|values| Column::Int {
                    dtype: dtype.clone(),
                    values,
                })
                .collect()
        }
        Kind::Float => {
            let dtype = format!("float{}", size * 8);
            let cells = (0..total)
                .map(|i| {
                    let u = read_uint(bytes(i), big);
                    match size {
                        2 => crate::shortest::f16_to_f32(u as u16) as f64,
                        4 => f32::from_bits(u as u32) as f64,
                        _ => f64::from_bits(u),
                    }
                })
                .collect();
            split_columns(cells, k, n)
                .into_iter()
                .map(|values| Column::Float {
                    dtype: dtype.clone(),
                    values,
                })
                .collect()
        }
        _ => return None,
    })
}

/// Cells in C order of a `(k, n)` block as its k columns.
fn split_columns<T>(cells: Vec<T>, k: usize, n: usize) -> Vec<Vec<T>> {
    let mut cols = Vec::with_capacity(k.min(cells.len()));
    let mut it = cells.into_iter();
    for _ in 0..k {
        cols.push(it.by_ref().take(n).collect());
    }
    cols
}
