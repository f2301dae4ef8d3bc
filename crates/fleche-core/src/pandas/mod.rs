//! pandas objects read from their pickles, inertly: `DataFrame`, `Series`,
//! the indexes and `Categorical` are decoded from the pickle reader's value
//! graph into a small typed model (`decode`), then printed as pandas 3.1
//! prints them in a script (`index`, `frame`: width 80, `max_rows` 60,
//! `min_rows` 10, a terminal of 80 columns, which makes wide frames drop
//! their middle columns rather than wrap), given as JSON (`json`) or
//! written as `to_csv()` writes them (`csv`).
//!
//! What the model cannot hold (Arrow-backed, sparse, interval and other
//! extension arrays, time zones, unusual frequencies) is said in one line
//! naming the type, shape and dtypes — never a wrong table.

mod csv;
mod decode;
mod frame;
mod index;
mod json;

use crate::value::{Object, Value};

pub use csv::{to_csv, CsvError};
pub use json::{to_json, JsonFn};

/// How a value inside a frame is printed: pandas uses `str()` of object
/// cells and `repr()` in places; the caller's `repr` keeps this module
/// below `repr` in the layering.
pub type ReprFn<'a> = &'a dyn Fn(&Value) -> String;

/// A decoded pandas object.
#[derive(Debug, Clone)]
pub enum Pandas {
    Frame(Frame),
    Series(Series),
    Index(Index),
    Categorical(Column),
}

/// The cells of one column (or of an index's level), typed as pandas
/// holds them.
#[derive(Debug, Clone)]
pub enum Column {
    /// numpy integers: the dtype's name (`int64`, `uint8`) and the values.
    Int {
        dtype: String,
        values: Vec<i128>,
    },
    /// numpy floats (`float64`, `float32`), NaN for missing.
    Float {
        dtype: String,
        values: Vec<f64>,
    },
    Bool(Vec<bool>),
    /// An object column: any Python values.
    Object(Vec<Value>),
    /// A `StringArray`: pandas 3's `str` (missing is NaN) or `string`
    /// (missing is `<NA>`).
    Str {
        values: Vec<Option<String>>,
        na_is_nan: bool,
    },
    /// datetime64 in `unit` (`s`, `ms`, `us`, `ns`), NaT as `i64::MIN`.
    Datetime {
        unit: &'static str,
        values: Vec<i64>,
    },
    /// Codes into categories, -1 for missing.
    Categorical {
        categories: Box<Column>,
        codes: Vec<i64>,
        ordered: bool,
    },
}

/// An index: a range, a flat column of labels, or levels and codes.
#[derive(Debug, Clone)]
pub enum Index {
    Range {
        start: i128,
        stop: i128,
        step: i128,
        name: Option<Value>,
    },
    Flat {
        values: Column,
        name: Option<Value>,
        /// A `DatetimeIndex`'s `freqstr` (`Some(None)`: `freq=None`).
        freq: Option<Option<String>>,
    },
    Multi {
        levels: Vec<Column>,
        codes: Vec<Vec<i64>>,
        names: Vec<Option<Value>>,
    },
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub columns: Index,
    pub index: Index,
    /// One column per label of `columns`, in order.
    pub data: Vec<Column>,
}

#[derive(Debug, Clone)]
pub struct Series {
    pub index: Index,
    pub name: Option<Value>,
    pub data: Column,
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Column::Int { values, .. } => values.len(),
            Column::Float { values, .. } => values.len(),
            Column::Bool(v) => v.len(),
            Column::Object(v) => v.len(),
            Column::Str { values, .. } => values.len(),
            Column::Datetime { values, .. } => values.len(),
            Column::Categorical { codes, .. } => codes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `str(dtype)` as pandas prints it.
    pub fn dtype(&self) -> String {
        match self {
            Column::Int { dtype, .. } | Column::Float { dtype, .. } => dtype.clone(),
            Column::Bool(_) => "bool".into(),
            Column::Object(_) => "object".into(),
            Column::Str { na_is_nan, .. } => if *na_is_nan { "str" } else { "string" }.into(),
            Column::Datetime { unit, .. } => format!("datetime64[{unit}]"),
            Column::Categorical { .. } => "category".into(),
        }
    }

    /// The rows at `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> Column {
        fn pick<T: Clone>(v: &[T], rows: &[usize]) -> Vec<T> {
            rows.iter().filter_map(|&i| v.get(i).cloned()).collect()
        }
        match self {
            Column::Int { dtype, values } => Column::Int {
                dtype: dtype.clone(),
                values: pick(values, rows),
            },
            Column::Float { dtype, values } => Column::Float {
                dtype: dtype.clone(),
                values: pick(values, rows),
            },
            Column::Bool(v) => Column::Bool(pick(v, rows)),
            Column::Object(v) => Column::Object(pick(v, rows)),
            Column::Str { values, na_is_nan } => Column::Str {
                values: pick(values, rows),
                na_is_nan: *na_is_nan,
            },
            Column::Datetime { unit, values } => Column::Datetime {
                unit,
                values: pick(values, rows),
            },
            Column::Categorical {
                categories,
                codes,
                ordered,
            } => Column::Categorical {
                categories: categories.clone(),
                codes: pick(codes, rows),
                ordered: *ordered,
            },
        }
    }

    /// Whether pandas' `is_numeric_dtype` holds (bools count).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Column::Int { .. } | Column::Float { .. } | Column::Bool(_)
        )
    }

    /// A categorical's values as the categories' own column, missing ones
    /// as pandas fills them (NaN; ints become objects when any is missing).
    pub fn decategorize(&self) -> Option<Column> {
        let Column::Categorical {
            categories, codes, ..
        } = self
        else {
            return None;
        };
        let missing = codes
            .iter()
            .any(|&c| c < 0 || c as usize >= categories.len());
        let at = |c: i64| {
            (c >= 0)
                .then_some(c as usize)
                .filter(|&c| c < categories.len())
        };
        Some(match categories.as_ref() {
            // `_internal_get_values`: ints as objects beside NaN.
            Column::Int { values, .. } if missing => Column::Object(
                codes
                    .iter()
                    .map(|&c| {
                        at(c).map_or(Value::Float(f64::NAN), |i| Value::Int(values[i].into()))
                    })
                    .collect(),
            ),
            Column::Float { dtype, values } => Column::Float {
                dtype: dtype.clone(),
                values: codes
                    .iter()
                    .map(|&c| at(c).map_or(f64::NAN, |i| values[i]))
                    .collect(),
            },
            Column::Datetime { unit, values } => Column::Datetime {
                unit,
                values: codes
                    .iter()
                    .map(|&c| at(c).map_or(crate::timelike::NAT, |i| values[i]))
                    .collect(),
            },
            Column::Str { values, .. } => Column::Object(
                codes
                    .iter()
                    .map(|&c| match at(c).and_then(|i| values[i].clone()) {
                        Some(s) => Value::Str(s),
                        None => Value::Float(f64::NAN),
                    })
                    .collect(),
            ),
            Column::Object(values) => Column::Object(
                codes
                    .iter()
                    .map(|&c| at(c).map_or(Value::Float(f64::NAN), |i| values[i].clone()))
                    .collect(),
            ),
            other => {
                let rows: Vec<usize> = codes.iter().filter_map(|&c| at(c)).collect();
                if rows.len() != codes.len() {
                    return None;
                }
                other.take(&rows)
            }
        })
    }
}

impl Index {
    pub fn len(&self) -> usize {
        match self {
            Index::Range {
                start, stop, step, ..
            } => range_len(*start, *stop, *step),
            Index::Flat { values, .. } => values.len(),
            Index::Multi { codes, .. } => codes.first().map_or(0, Vec::len),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The labels at `rows` as a flat column (a range as int64).
    pub fn take(&self, rows: &[usize]) -> Index {
        match self {
            Index::Range {
                start, step, name, ..
            } => Index::Flat {
                values: Column::Int {
                    dtype: "int64".into(),
                    values: rows.iter().map(|&i| start + step * i as i128).collect(),
                },
                name: name.clone(),
                freq: None,
            },
            Index::Flat { values, name, freq } => Index::Flat {
                values: values.take(rows),
                name: name.clone(),
                freq: freq.clone(),
            },
            Index::Multi {
                levels,
                codes,
                names,
            } => Index::Multi {
                levels: levels.clone(),
                codes: codes
                    .iter()
                    .map(|c| rows.iter().filter_map(|&i| c.get(i).copied()).collect())
                    .collect(),
                names: names.clone(),
            },
        }
    }

    /// The names, one per level.
    pub fn names(&self) -> Vec<Option<Value>> {
        match self {
            Index::Range { name, .. } | Index::Flat { name, .. } => vec![name.clone()],
            Index::Multi { names, .. } => names.clone(),
        }
    }

    pub fn has_names(&self) -> bool {
        self.names().iter().any(Option::is_some)
    }

    /// The type's name, as `type(index).__name__`.
    pub fn class_name(&self) -> &'static str {
        match self {
            Index::Range { .. } => "RangeIndex",
            Index::Flat {
                values: Column::Datetime { .. },
                ..
            } => "DatetimeIndex",
            Index::Flat {
                values: Column::Categorical { .. },
                ..
            } => "CategoricalIndex",
            Index::Flat { .. } => "Index",
            Index::Multi { .. } => "MultiIndex",
        }
    }

    /// The labels of a one-level index as a column.
    ///
    /// A range longer than [`MAX_RANGE`] is refused: its pickle is a few
    /// bytes, its labels would not be.
    pub fn column(&self) -> Option<Column> {
        match self {
            Index::Range { .. } if self.len() > MAX_RANGE => None,
            Index::Range { .. } => match self.take(&(0..self.len()).collect::<Vec<_>>()) {
                Index::Flat { values, .. } => Some(values),
                _ => None,
            },
            Index::Flat { values, .. } => Some(values.clone()),
            Index::Multi { .. } => None,
        }
    }
}

/// The longest range whose labels are listed where nothing else bounds
/// them (a level of a MultiIndex, categories, a frame without columns).
pub const MAX_RANGE: usize = 1 << 20;

fn range_len(start: i128, stop: i128, step: i128) -> usize {
    let n = if step > 0 && stop > start {
        (stop - start + step - 1) / step
    } else if step < 0 && stop < start {
        (start - stop - step - 1) / -step
    } else {
        0
    };
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Recognises a pandas object among the pickle reader's objects.
pub fn decode(o: &Object) -> Option<Pandas> {
    decode::pandas(o)
}

/// Whether `o` is a pandas object that [`repr`] has something to say about
/// (a table, or the one line that says why not).
pub fn is_pandas(o: &Object) -> bool {
    decode::kind(o).is_some()
}

/// `repr(o)` as pandas prints it, or one honest line for pandas objects
/// this reader cannot show; None for anything else.
pub fn repr(o: &Object, repr: ReprFn) -> Option<String> {
    let kind = decode::kind(o)?;
    match decode::pandas(o) {
        Some(Pandas::Frame(f)) => Some(frame::frame_repr(&f, repr)),
        Some(Pandas::Series(s)) => Some(frame::series_repr(&s, repr)),
        Some(Pandas::Index(i)) => {
            index::index_repr(&i, repr).or_else(|| Some(unsupported(o, kind)))
        }
        Some(Pandas::Categorical(c)) => Some(frame::categorical_repr(&c, repr)),
        // A frame or series without its data is no pandas pickle: the
        // generic form shows what there is.
        None if matches!(kind, "DataFrame" | "Series") && !decode::has_manager(o) => None,
        None => Some(unsupported(o, kind)),
    }
}

/// The line shown for a pandas object whose contents this reader does not
/// model: its type, shape and the dtypes it could tell.
fn unsupported(o: &Object, kind: &str) -> String {
    let detail = decode::describe(o);
    format!(
        "<pandas.{kind}{detail}: not shown (a pandas type or dtype this reader does not print)>"
    )
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    fn shown(b64: &str) -> String {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
        crate::repr::repr(&crate::pickle::load(&bytes).expect("a pickle"))
    }

    /// Extension arrays we do not model say so in one line with the
    /// shape and dtypes (pickles by pandas 3.1, protocol 4).
    #[test]
    fn unsupported_dtypes_are_one_honest_line() {
        // pd.DataFrame({"s": pd.arrays.SparseArray([0, 1, 0])})
        let sparse = "gASV3QMAAAAAAACMBnBhbmRhc5SMCURhdGFGcmFtZZSTlCmBlH2UKIwEX21ncpSMHnBhbmRhcy5jb3JlLmludGVybmFscy5tYW5hZ2Vyc5SMDEJsb2NrTWFuYWdlcpSTlIwWcGFuZGFzLl9saWJzLmludGVybmFsc5SMD191bnBpY2tsZV9ibG9ja5STlIwNcGFuZGFzLmFycmF5c5SMC1NwYXJzZUFycmF5lJOUKYGUfZQojA1fc3BhcnNlX2luZGV4lIwTcGFuZGFzLl9saWJzLnNwYXJzZZSMCEludEluZGV4lJOUSwOMFm51bXB5Ll9jb3JlLm11bHRpYXJyYXmUjAxfcmVjb25zdHJ1Y3SUk5SMBW51bXB5lIwHbmRhcnJheZSTlEsAhZRDAWKUh5RSlChLAUsBhZRoGIwFZHR5cGWUk5SMAmk0lImIh5RSlChLA4wBPJROTk5K/////0r/////SwB0lGKJQwQBAAAAlHSUYoaUUpSMDl9zcGFyc2VfdmFsdWVzlGgXaBpLAIWUaByHlFKUKEsBSwGFlGghjAJpOJSJiIeUUpQoSwNoJU5OTkr/////Sv////9LAHSUYolDCAEAAAAAAAAAlHSUYowGX2R0eXBllGgAjAtTcGFyc2VEdHlwZZSTlCmBlH2UKGg2aDKMC19maWxsX3ZhbHVllEsAdWJ1YowIYnVpbHRpbnOUjAVzbGljZZSTlEsASwFLAYeUUpRLAoeUUpSFlF2UKIwYcGFuZGFzLmNvcmUuaW5kZXhlcy5iYXNllIwKX25ld19JbmRleJSTlGgAjAVJbmRleJSTlH2UKIwEZGF0YZSME3BhbmRhcy5fbGlicy5hcnJheXOUjBxfX3B5eF91bnBpY2tsZV9OREFycmF5QmFja2VklJOUjA1wYW5kYXMuYXJyYXlzlIwLU3RyaW5nQXJyYXmUk5RKHwbxBE6HlFKUaACMC1N0cmluZ0R0eXBllJOUjAZweXRob26UR3/4AAAAAAAAhpRSlGgXaBpLAIWUaByHlFKUKEsBSwGFlGghjAJPOJSJiIeUUpQoSwOMAXyUTk5OSv////9K/////0s/dJRiiV2UjAFzlGF0lGKGlGKMBG5hbWWUTnWGlFKUaEdoAIwKUmFuZ2VJbmRleJSTlH2UKGhmTowFc3RhcnSUSwCMBHN0b3CUSwOMBHN0ZXCUSwF1hpRSlGWGlFKUjARfdHlwlIwJZGF0YWZyYW1llIwJX21ldGFkYXRhlF2UjAVhdHRyc5R9lIwGX2ZsYWdzlH2UjBdhbGxvd3NfZHVwbGljYXRlX2xhYmVsc5SIc3ViLg==";
        assert_eq!(
            shown(sparse),
            "<pandas.DataFrame (3 rows x 1 columns; dtypes: SparseArray): not shown \
             (a pandas type or dtype this reader does not print)>"
        );
        // pd.Series(pd.array([1, None], dtype="Int64"))
        let nullable = "gASV5AIAAAAAAACMBnBhbmRhc5SMBlNlcmllc5STlCmBlH2UKIwEX21ncpSMHnBhbmRhcy5jb3JlLmludGVybmFscy5tYW5hZ2Vyc5SMElNpbmdsZUJsb2NrTWFuYWdlcpSTlCmBlChdlIwYcGFuZGFzLmNvcmUuaW5kZXhlcy5iYXNllIwKX25ld19JbmRleJSTlGgAjApSYW5nZUluZGV4lJOUfZQojARuYW1llE6MBXN0YXJ0lEsAjARzdG9wlEsCjARzdGVwlEsBdYaUUpRhXZSMDXBhbmRhcy5hcnJheXOUjAxJbnRlZ2VyQXJyYXmUk5QpgZR9lCiMBV9kYXRhlIwWbnVtcHkuX2NvcmUubXVsdGlhcnJheZSMDF9yZWNvbnN0cnVjdJSTlIwFbnVtcHmUjAduZGFycmF5lJOUSwCFlEMBYpSHlFKUKEsBSwKFlGghjAVkdHlwZZSTlIwCaTiUiYiHlFKUKEsDjAE8lE5OTkr/////Sv////9LAHSUYolDEAEAAAAAAAAAAQAAAAAAAACUdJRijAVfbWFza5RoIGgjSwCFlGglh5RSlChLAUsChZRoKowCYjGUiYiHlFKUKEsDjAF8lE5OTkr/////Sv////9LAHSUYolDAgABlHSUYowGX2NhY2hllH2UjAVkdHlwZZRoAIwKSW50NjREdHlwZZSTlCmBlHN1YmFdlGgNaA99lChoEU5oEksAaBNLAmgUSwF1hpRSlGF9lIwGMC4xNC4xlH2UKIwEYXhlc5RoCowGYmxvY2tzlF2UfZQojAZ2YWx1ZXOUaBuMCG1ncl9sb2NzlIwIYnVpbHRpbnOUjAVzbGljZZSTlEsASwJLAYeUUpR1YXVzdJRijARfdHlwlIwGc2VyaWVzlIwJX21ldGFkYXRhlF2UjAVfbmFtZZRhjAVhdHRyc5R9lIwGX2ZsYWdzlH2UjBdhbGxvd3NfZHVwbGljYXRlX2xhYmVsc5SIc2hbTnViLg==";
        assert_eq!(
            shown(nullable),
            "<pandas.Series (2 rows; dtypes: Int64): not shown \
             (a pandas type or dtype this reader does not print)>"
        );
    }

    /// A range of 2**60 labels is a few bytes of pickle: as rows of a frame
    /// without columns it shows (and refuses CSV) without listing them, as
    /// columns of a frame without blocks it is an honest line.
    #[test]
    fn huge_ranges_are_never_listed() {
        // pd.DataFrame(index=pd.RangeIndex(3)), protocol 2, stop = 2**60.
        let rows = "gAJjcGFuZGFzCkRhdGFGcmFtZQpxACmBcQF9cQIoWAQAAABfbWdycQNjcGFuZGFzLmNvcmUuaW50ZXJuYWxzLm1hbmFnZXJzCkJsb2NrTWFuYWdlcgpxBCldcQUoY3BhbmRhcy5jb3JlLmluZGV4ZXMuYmFzZQpfbmV3X0luZGV4CnEGY3BhbmRhcwpSYW5nZUluZGV4CnEHfXEIKFgEAAAAbmFtZXEJTlgFAAAAc3RhcnRxCksAWAQAAABzdG9wcQtLAFgEAAAAc3RlcHEMSwF1hnENUnEOaAZoB31xDyhoCU5oCksAaAuKCAAAAAAAAAAQaAxLAXWGcRBScRFlhnESUnETWAQAAABfdHlwcRRYCQAAAGRhdGFmcmFtZXEVWAkAAABfbWV0YWRhdGFxFl1xF1gFAAAAYXR0cnNxGH1xGVgGAAAAX2ZsYWdzcRp9cRtYFwAAAGFsbG93c19kdXBsaWNhdGVfbGFiZWxzcRyIc3ViLg==";
        let text = shown(rows);
        assert!(
            text.starts_with("Empty DataFrame\nColumns: []\nIndex: [0, 1, 2, ")
                && text.ends_with(", 99, ...]\n\n[1152921504606846976 rows x 0 columns]"),
            "{text}"
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(rows)
            .expect("base64");
        let crate::value::Value::Object(o) = crate::pickle::load(&bytes).expect("a pickle") else {
            panic!("an object");
        };
        assert!(matches!(
            super::to_csv(&o, &crate::repr::repr),
            Err(super::CsvError::Unsupported(_))
        ));
        // pd.DataFrame(columns=pd.RangeIndex(3)), protocol 2, stop = 2**60.
        let columns = "gAJjcGFuZGFzCkRhdGFGcmFtZQpxACmBcQF9cQIoWAQAAABfbWdycQNjcGFuZGFzLmNvcmUuaW50ZXJuYWxzLm1hbmFnZXJzCkJsb2NrTWFuYWdlcgpxBGNwYW5kYXMuX2xpYnMuaW50ZXJuYWxzCl91bnBpY2tsZV9ibG9jawpxBWNudW1weS5fY29yZS5tdWx0aWFycmF5Cl9yZWNvbnN0cnVjdApxBmNudW1weQpuZGFycmF5CnEHSwCFcQhjX2NvZGVjcwplbmNvZGUKcQlYAQAAAGJxClgGAAAAbGF0aW4xcQuGcQxScQ2HcQ5ScQ8oSwFLA0sAhnEQY251bXB5CmR0eXBlCnERWAIAAABPOHESiYiHcRNScRQoSwNYAQAAAHxxFU5OTkr/////Sv////9LP3RxFmKJXXEXdHEYYmNfX2J1aWx0aW5fXwpzbGljZQpxGUsASwNLAYdxGlJxG0sCh3EcUnEdhXEeXXEfKGNwYW5kYXMuY29yZS5pbmRleGVzLmJhc2UKX25ld19JbmRleApxIGNwYW5kYXMKUmFuZ2VJbmRleApxIX1xIihYBAAAAG5hbWVxI05YBQAAAHN0YXJ0cSRLAFgEAAAAc3RvcHEliggAAAAAAAAAEFgEAAAAc3RlcHEmSwF1hnEnUnEoaCBoIX1xKShoI05oJEsAaCVLAGgmSwF1hnEqUnErZYZxLFJxLVgEAAAAX3R5cHEuWAkAAABkYXRhZnJhbWVxL1gJAAAAX21ldGFkYXRhcTBdcTFYBQAAAGF0dHJzcTJ9cTNYBgAAAF9mbGFnc3E0fXE1WBcAAABhbGxvd3NfZHVwbGljYXRlX2xhYmVsc3E2iHN1Yi4=";
        assert!(
            shown(columns).starts_with("<pandas.DataFrame (0 rows x 1152921504606846976 columns")
        );
    }

    /// A MultiIndex code past its level (a damaged pickle) is no table:
    /// the labels would not line up.
    #[test]
    fn codes_past_their_level_are_an_honest_line() {
        // A Series on MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)]),
        // its first level's last code 1 changed to 7.
        let damaged = "gASVZgQAAAAAAACMBnBhbmRhc5SMBlNlcmllc5STlCmBlH2UKIwEX21ncpSMHnBhbmRhcy5jb3JlLmludGVybmFscy5tYW5hZ2Vyc5SMElNpbmdsZUJsb2NrTWFuYWdlcpSTlCmBlChdlIwYcGFuZGFzLmNvcmUuaW5kZXhlcy5iYXNllIwKX25ld19JbmRleJSTlGgAjApNdWx0aUluZGV4lJOUfZQojAZsZXZlbHOUXZQoaA1oAIwFSW5kZXiUk5R9lCiMBGRhdGGUjBNwYW5kYXMuX2xpYnMuYXJyYXlzlIwcX19weXhfdW5waWNrbGVfTkRBcnJheUJhY2tlZJSTlIwNcGFuZGFzLmFycmF5c5SMC1N0cmluZ0FycmF5lJOUSh8G8QROh5RSlGgAjAtTdHJpbmdEdHlwZZSTlIwGcHl0aG9ulEd/+AAAAAAAAIaUUpSMFm51bXB5Ll9jb3JlLm11bHRpYXJyYXmUjAxfcmVjb25zdHJ1Y3SUk5SMBW51bXB5lIwHbmRhcnJheZSTlEsAhZRDAWKUh5RSlChLAUsChZRoJ4wFZHR5cGWUk5SMAk84lImIh5RSlChLA4wBfJROTk5K/////0r/////Sz90lGKJXZQojAFhlIwBYpRldJRihpRijARuYW1llE51hpRSlGgNaBR9lChoFmgmaClLAIWUaCuHlFKUKEsBSwKFlGgwjAJpOJSJiIeUUpQoSwOMATyUTk5OSv////9K/////0sAdJRiiUMQAQAAAAAAAAACAAAAAAAAAJR0lGJoO051hpRSlGWMBWNvZGVzlF2UKGgmaClLAIWUaCuHlFKUKEsBSwOFlGgwjAJpMZSJiIeUUpQoSwNoNE5OTkr/////Sv////9LAHSUYolDAwAAB5R0lGJoJmgpSwCFlGgrh5RSlChLAUsDhZRoVIlDAwABAJR0lGJljAlzb3J0b3JkZXKUTowFbmFtZXOUXZQoTk5ldYaUUpRhXZRoJmgpSwCFlGgrh5RSlChLAUsDhZRoRYlDGAEAAAAAAAAAAgAAAAAAAAADAAAAAAAAAJR0lGJhXZRoDWgPfZQoaBFdlChoDWgUfZQoaBZoHmg7TnWGlFKUaA1oFH2UKGgWaEFoO051hpRSlGVoTF2UKGgmaClLAIWUaCuHlFKUKEsBSwOFlGhUiUMDAAABlHSUYmgmaClLAIWUaCuHlFKUKEsBSwOFlGhUiUMDAAEAlHSUYmVoXk5oX12UKE5OZXWGlFKUYX2UjAYwLjE0LjGUfZQojARheGVzlGgKjAZibG9ja3OUXZR9lCiMBnZhbHVlc5RoZowIbWdyX2xvY3OUjAhidWlsdGluc5SMBXNsaWNllJOUSwBLA0sBh5RSlHVhdXN0lGKMBF90eXCUjAZzZXJpZXOUjAlfbWV0YWRhdGGUXZSMBV9uYW1llGGMBWF0dHJzlH2UjAZfZmxhZ3OUfZSMF2FsbG93c19kdXBsaWNhdGVfbGFiZWxzlIhzaJZOdWIu";
        let text = shown(damaged);
        assert!(
            text.starts_with("<pandas.Series (? rows; dtypes: int64): not shown"),
            "{text}"
        );
    }

    /// Object cells are written as their `str()`, as `to_csv()` does.
    #[test]
    fn object_cells_are_written_as_their_str() {
        // pd.DataFrame({"d": [datetime.date(2024, 5, 17)], "x": [Decimal("1.10")]})
        let frame = "gASVDAMAAAAAAACMBnBhbmRhc5SMCURhdGFGcmFtZZSTlCmBlH2UKIwEX21ncpSMHnBhbmRhcy5jb3JlLmludGVybmFscy5tYW5hZ2Vyc5SMDEJsb2NrTWFuYWdlcpSTlIwWcGFuZGFzLl9saWJzLmludGVybmFsc5SMD191bnBpY2tsZV9ibG9ja5STlIwWbnVtcHkuX2NvcmUubXVsdGlhcnJheZSMDF9yZWNvbnN0cnVjdJSTlIwFbnVtcHmUjAduZGFycmF5lJOUSwCFlEMBYpSHlFKUKEsBSwJLAYaUaA+MBWR0eXBllJOUjAJPOJSJiIeUUpQoSwOMAXyUTk5OSv////9K/////0s/dJRiiV2UKIwIZGF0ZXRpbWWUjARkYXRllJOUQwQH6AURlIWUUpSMB2RlY2ltYWyUjAdEZWNpbWFslJOUjAQxLjEwlIWUUpRldJRijAhidWlsdGluc5SMBXNsaWNllJOUSwBLAksBh5RSlEsCh5RSlIWUXZQojBhwYW5kYXMuY29yZS5pbmRleGVzLmJhc2WUjApfbmV3X0luZGV4lJOUaACMBUluZGV4lJOUfZQojARkYXRhlIwTcGFuZGFzLl9saWJzLmFycmF5c5SMHF9fcHl4X3VucGlja2xlX05EQXJyYXlCYWNrZWSUk5SMDXBhbmRhcy5hcnJheXOUjAtTdHJpbmdBcnJheZSTlEofBvEEToeUUpRoAIwLU3RyaW5nRHR5cGWUk5SMBnB5dGhvbpRHf/gAAAAAAACGlFKUaA5oEUsAhZRoE4eUUpQoSwFLAoWUaBuJXZQojAFklIwBeJRldJRihpRijARuYW1llE51hpRSlGg3aACMClJhbmdlSW5kZXiUk5R9lChoUk6MBXN0YXJ0lEsAjARzdG9wlEsBjARzdGVwlEsBdYaUUpRlhpRSlIwEX3R5cJSMCWRhdGFmcmFtZZSMCV9tZXRhZGF0YZRdlIwFYXR0cnOUfZSMBl9mbGFnc5R9lIwXYWxsb3dzX2R1cGxpY2F0ZV9sYWJlbHOUiHN1Yi4=";
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(frame)
            .expect("base64");
        let crate::value::Value::Object(o) = crate::pickle::load(&bytes).expect("a pickle") else {
            panic!("an object");
        };
        assert_eq!(
            super::to_csv(&o, &crate::repr::repr),
            Ok(",d,x\n0,2024-05-17,1.10\n".to_string())
        );
    }
}
