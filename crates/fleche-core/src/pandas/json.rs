//! The JSON form of pandas objects (`docs/json-values.md`): `$dataframe`,
//! `$series`, `$index` and `$categorical`, cells as plain JSON with
//! missing values (NaN, None in a `str` column, NaT) as `null`.

use super::frame::{escape, py_str};
use super::{Column, Index, Pandas, ReprFn};
use crate::timelike::NAT;
use crate::value::{Object, Value};
use serde_json::{json, Map, Value as J};

/// The JSON of one Python value, as the rest of the value is written.
pub type JsonFn<'a> = &'a dyn Fn(&Value) -> J;

/// `{"$dataframe": …}`, `{"$series": …}`, `{"$index": …}` or
/// `{"$categorical": …}`; None when `o` is not a pandas object we decode.
pub fn to_json(o: &Object, json: JsonFn, repr: ReprFn) -> Option<J> {
    let tagged = |tag: &str, v: J| {
        let mut m = Map::new();
        m.insert(tag.into(), v);
        J::Object(m)
    };
    Some(match super::decode(o)? {
        Pandas::Frame(f) => {
            let labels = labels(&f.columns, json);
            let mut data = Map::new();
            let mut keys = Vec::with_capacity(f.data.len());
            for (i, col) in f.data.iter().enumerate() {
                let label = match &labels {
                    Some(J::Array(l)) => key_text(&l[i], i, &f.columns, repr),
                    _ => i.to_string(),
                };
                let key = if data.contains_key(&label) {
                    format!("{label}#{i}")
                } else {
                    label
                };
                data.insert(key.clone(), cells(col, json));
                keys.push(key);
            }
            tagged(
                "$dataframe",
                json!({
                    "columns": labels.unwrap_or(J::Null),
                    "index": index_json(&f.index, json),
                    "dtypes": f.data.iter().map(|c| J::String(c.dtype())).collect::<Vec<_>>(),
                    "data": J::Object(data),
                }),
            )
        }
        Pandas::Series(s) => tagged(
            "$series",
            json!({
                "name": s.name.as_ref().map_or(J::Null, json),
                "dtype": s.data.dtype(),
                "index": index_json(&s.index, json),
                "data": cells(&s.data, json),
            }),
        ),
        Pandas::Index(i) => index_json(&i, json),
        Pandas::Categorical(c) => {
            let Column::Categorical {
                categories,
                ordered,
                ..
            } = &c
            else {
                return None;
            };
            tagged(
                "$categorical",
                json!({
                    "categories": cells(categories, json),
                    "ordered": ordered,
                    "data": cells(&c, json),
                }),
            )
        }
    })
}

/// A column label as a key of `data`: `str(label)`.
fn key_text(label: &J, i: usize, columns: &Index, repr: ReprFn) -> String {
    if let Some(s) = label.as_str() {
        return s.to_string();
    }
    match columns.take(&[i]) {
        Index::Flat {
            values: Column::Object(v),
            ..
        } => v.first().map_or_else(String::new, |x| py_str(x, repr)),
        _ => match label {
            J::Array(parts) => {
                let texts: Vec<String> = parts
                    .iter()
                    .map(|p| p.as_str().map_or_else(|| p.to_string(), escape))
                    .collect();
                format!("({})", texts.join(", "))
            }
            other => other.to_string(),
        },
    }
}

/// The labels of an index as a list (a MultiIndex's as lists); None for
/// none.
fn labels(index: &Index, json: JsonFn) -> Option<J> {
    match index {
        Index::Multi { levels, codes, .. } => {
            let per_level: Vec<J> = levels.iter().map(|l| cells(l, json)).collect();
            let n = codes.first().map_or(0, Vec::len);
            Some(J::Array(
                (0..n)
                    .map(|r| {
                        J::Array(
                            per_level
                                .iter()
                                .zip(codes)
                                .map(|(l, c)| {
                                    usize::try_from(c[r])
                                        .ok()
                                        .and_then(|i| l.get(i).cloned())
                                        .unwrap_or(J::Null)
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            ))
        }
        other => Some(cells(&other.column()?, json)),
    }
}

/// `{"$index": {"dtype", "name", "data"}}`; a RangeIndex as its
/// `start`/`stop`/`step`, a MultiIndex with `names` and rows as lists.
fn index_json(index: &Index, json: JsonFn) -> J {
    let name = |n: &Option<Value>| n.as_ref().map_or(J::Null, json);
    let body = match index {
        Index::Range {
            start,
            stop,
            step,
            name: n,
        } => json!({
            "dtype": "int64",
            "name": name(n),
            "start": int(*start),
            "stop": int(*stop),
            "step": int(*step),
        }),
        Index::Flat {
            values, name: n, ..
        } => json!({
            "dtype": values.dtype(),
            "name": name(n),
            "data": cells(values, json),
        }),
        Index::Multi { names, .. } => json!({
            "names": names.iter().map(name).collect::<Vec<_>>(),
            "data": labels(index, json).unwrap_or(J::Null),
        }),
    };
    json!({ "$index": body })
}

fn int(i: i128) -> J {
    match (i64::try_from(i), u64::try_from(i)) {
        (Ok(v), _) => J::from(v),
        (_, Ok(v)) => J::from(v),
        _ => J::String(i.to_string()),
    }
}

/// A column's cells.
fn cells(col: &Column, json: JsonFn) -> J {
    let float = |f: f64| {
        if f.is_nan() {
            J::Null
        } else {
            json(&Value::Float(f))
        }
    };
    J::Array(match col {
        Column::Int { values, .. } => values
            .iter()
            .map(|&v| json(&Value::Int(v.into())))
            .collect(),
        Column::Float { dtype, values } if dtype == "float32" || dtype == "float16" => values
            .iter()
            .map(|&f| {
                let short = crate::shortest::f32_shortest_sci(f as f32);
                let parsed = short.parse::<f64>().map_or(f, |x| x.copysign(f));
                float(parsed)
            })
            .collect(),
        Column::Float { values, .. } => values.iter().map(|&f| float(f)).collect(),
        Column::Bool(values) => values.iter().map(|&b| J::Bool(b)).collect(),
        Column::Object(values) => values.iter().map(json).collect(),
        Column::Str { values, .. } => values
            .iter()
            .map(|v| v.as_ref().map_or(J::Null, |s| J::String(s.clone())))
            .collect(),
        Column::Datetime { unit, values } => values
            .iter()
            .map(|&v| {
                if v == NAT {
                    J::Null
                } else {
                    J::String(super::frame::timestamp_str(unit, v, false).replacen(' ', "T", 1))
                }
            })
            .collect(),
        Column::Categorical {
            categories, codes, ..
        } => {
            let J::Array(cats) = cells(categories, json) else {
                return J::Null;
            };
            codes
                .iter()
                .map(|&c| {
                    usize::try_from(c)
                        .ok()
                        .and_then(|i| cats.get(i).cloned())
                        .unwrap_or(J::Null)
                })
                .collect()
        }
    })
}
