//! `DataFrame.to_csv()` / `Series.to_csv()` at their defaults: `,`
//! separated, `\n` ended, the index first, missing values empty, floats at
//! their shortest digits (`str()`, as numpy's `astype(str)`), datetimes
//! as the table shows them, fields quoted as Python's `csv` module does
//! under `QUOTE_MINIMAL`.

use super::frame::{datetime_strings, str_value};
use super::{Column, Index, Pandas, ReprFn};
use crate::value::{Object, Value};
use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum CsvError {
    /// Not a DataFrame or Series (or one whose contents are not decoded).
    #[error("not a pandas DataFrame or Series this tool decodes")]
    NotTable,
    /// A table whose shape CSV export does not write yet.
    #[error("{0}")]
    Unsupported(&'static str),
}

/// The bytes `to_csv()` writes for the frame or series `o`.
pub fn to_csv(o: &Object, repr: ReprFn) -> Result<String, CsvError> {
    // The header: one row per level of the columns, each under that
    // level's name (`to_frame()` of a series named by a tuple has one
    // level per item).
    let (index, header_levels, level_names, data): (
        Index,
        Vec<Vec<String>>,
        Vec<String>,
        Vec<Column>,
    ) = match super::decode(o) {
        Some(Pandas::Frame(f)) => {
            let (levels, names) = match &f.columns {
                Index::Multi {
                    levels,
                    codes,
                    names,
                } => {
                    let rows = level_labels(levels, codes, repr);
                    let names = names
                        .iter()
                        .map(|n| n.as_ref().map_or_else(String::new, |v| label_text(v, repr)))
                        .collect();
                    (rows, names)
                }
                other => (vec![flat_csv(other, repr)?], vec![String::new()]),
            };
            (f.index, levels, names, f.data)
        }
        Some(Pandas::Series(s)) => {
            // `to_frame()`: the column is the name, or 0.
            let levels = match &s.name {
                Some(Value::Tuple(items)) if !items.is_empty() => {
                    items.iter().map(|v| vec![label_text(v, repr)]).collect()
                }
                Some(n) => vec![vec![label_text(n, repr)]],
                None => vec![vec!["0".to_string()]],
            };
            let names = vec![String::new(); levels.len()];
            (s.index, levels, names, vec![s.data])
        }
        _ => return Err(CsvError::NotTable),
    };
    let names = index.names();
    let named = names.iter().any(Option::is_some);
    let mut out = String::new();
    let multi_columns = header_levels.len() > 1;
    for (level, level_name) in header_levels.into_iter().zip(&level_names) {
        let mut row: Vec<String> = if multi_columns {
            // The level's name in the first index column.
            let mut r = vec![String::new(); names.len()];
            r[0] = level_name.clone();
            r
        } else if named {
            names
                .iter()
                .map(|n| n.as_ref().map_or_else(String::new, |v| label_text(v, repr)))
                .collect()
        } else {
            vec![String::new(); names.len()]
        };
        row.extend(level);
        write_row(&mut out, &row);
    }
    if multi_columns && named {
        let mut row: Vec<String> = names
            .iter()
            .map(|n| n.as_ref().map_or_else(String::new, |v| label_text(v, repr)))
            .collect();
        row.extend(std::iter::repeat_n(String::new(), data.len()));
        write_row(&mut out, &row);
    }
    let index_cols: Vec<Vec<String>> = match &index {
        Index::Multi { levels, codes, .. } => level_labels(levels, codes, repr),
        other => vec![flat_csv(other, repr)?],
    };
    let data: Vec<Vec<String>> = data.iter().map(|c| cells(c, repr)).collect();
    for r in 0..index.len() {
        let row: Vec<String> = index_cols
            .iter()
            .chain(&data)
            .map(|c| c.get(r).cloned().unwrap_or_default())
            .collect();
        write_row(&mut out, &row);
    }
    Ok(out)
}

/// A label as a header cell: `str(label)`.
fn label_text(v: &Value, repr: ReprFn) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Float(f) => float_text(*f, repr),
        other => str_value(other, repr),
    }
}

fn flat_csv(index: &Index, repr: ReprFn) -> Result<Vec<String>, CsvError> {
    match index.column() {
        Some(c) => Ok(cells(&c, repr)),
        None => Err(CsvError::Unsupported(
            "an axis is a range of more labels than this tool lists",
        )),
    }
}

fn float_text(f: f64, repr: ReprFn) -> String {
    if f.is_nan() {
        String::new()
    } else {
        repr(&Value::Float(f))
    }
}

/// Each cell as `get_values_for_csv` makes it, missing ones empty.
fn cells(col: &Column, repr: ReprFn) -> Vec<String> {
    match col {
        Column::Int { values, .. } => values.iter().map(|v| v.to_string()).collect(),
        Column::Float { dtype, values } if dtype != "float64" => values
            .iter()
            .map(|&f| {
                let short = crate::shortest::f32_shortest_sci(f as f32);
                let g = short.parse::<f64>().map_or(f, |x| x.copysign(f));
                float_text(if f.is_nan() { f } else { g }, repr)
            })
            .collect(),
        Column::Float { values, .. } => values.iter().map(|&f| float_text(f, repr)).collect(),
        Column::Bool(values) => values
            .iter()
            .map(|&b| if b { "True" } else { "False" }.to_string())
            .collect(),
        Column::Object(values) => values
            .iter()
            .map(|v| match v {
                Value::None => String::new(),
                Value::Float(f) => float_text(*f, repr),
                Value::Str(s) => s.clone(),
                Value::Object(o)
                    if o.class == "pandas._libs.missing.NAType" || o.class.ends_with("NaTType") =>
                {
                    String::new()
                }
                other => str_value(other, repr),
            })
            .collect(),
        Column::Str { values, .. } => values
            .iter()
            .map(|v| v.clone().unwrap_or_default())
            .collect(),
        Column::Datetime { unit, values } => datetime_strings(unit, values, ""),
        Column::Categorical { .. } => match col.decategorize() {
            Some(c) => cells(&c, repr),
            None => vec![],
        },
    }
}

/// One row as Python's `csv.writer` writes it (`QUOTE_MINIMAL`).
fn write_row(out: &mut String, fields: &[String]) {
    if let [only] = fields {
        if only.is_empty() {
            out.push_str("\"\"\n");
            return;
        }
    }
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push('\n');
}

/// Each level of a MultiIndex as the CSV text of its labels row by row (a
/// missing code empty).
fn level_labels(levels: &[Column], codes: &[Vec<i64>], repr: ReprFn) -> Vec<Vec<String>> {
    levels
        .iter()
        .zip(codes)
        .map(|(level, c)| {
            let strs = cells(level, repr);
            c.iter()
                .map(|&i| {
                    usize::try_from(i)
                        .ok()
                        .and_then(|i| strs.get(i).cloned())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect()
}
