//! `repr()` of the indexes (`Index.__repr__` with `format_object_summary`)
//! and their labels as a table's rows or header show them
//! (`_format_flat`, `MultiIndex._format_multi`).

use super::frame::{
    category_strings, datetime_strings, escape, format_array, format_name, is_dates_only, len,
    py_str, rjust, sparsify, timestamp_str, Justify, DISPLAY_WIDTH,
};
use super::{Column, Index, ReprFn};
use crate::value::Value;

/// `display.max_seq_items`.
const MAX_SEQ_ITEMS: usize = 100;

/// `default_pprint`: `str()` with strings quoted.
fn default_pprint(v: &Value, repr: ReprFn) -> String {
    match v {
        Value::Str(s) => format!("'{}'", escape(s)),
        Value::List(items) | Value::Tuple(items) => {
            let inner: Vec<String> = items.iter().map(|i| default_pprint(i, repr)).collect();
            if matches!(v, Value::List(_)) {
                format!("[{}]", inner.join(", "))
            } else if inner.len() == 1 {
                format!("({},)", inner[0])
            } else {
                format!("({})", inner.join(", "))
            }
        }
        other => py_str(other, repr),
    }
}

/// Each label as the index's `_formatter_func` gives it.
fn element_strings(col: &Column, repr: ReprFn) -> Vec<String> {
    match col {
        Column::Int { values, .. } => values.iter().map(|v| v.to_string()).collect(),
        Column::Float { values, .. } => values.iter().map(|&f| repr(&Value::Float(f))).collect(),
        Column::Bool(values) => values
            .iter()
            .map(|&b| if b { "True" } else { "False" }.to_string())
            .collect(),
        Column::Object(values) => values.iter().map(|v| default_pprint(v, repr)).collect(),
        Column::Str { values, na_is_nan } => values
            .iter()
            .map(|v| match v {
                Some(s) => format!("'{}'", escape(s)),
                None if *na_is_nan => "nan".into(),
                None => "<NA>".into(),
            })
            .collect(),
        Column::Datetime { unit, values } => {
            let dates = is_dates_only(unit, values);
            values
                .iter()
                .map(|&v| format!("'{}'", timestamp_str(unit, v, dates)))
                .collect()
        }
        Column::Categorical {
            categories, codes, ..
        } => {
            let cats = element_strings(categories, repr);
            codes
                .iter()
                .map(|&c| {
                    usize::try_from(c)
                        .ok()
                        .and_then(|c| cats.get(c).cloned())
                        .unwrap_or_else(|| "nan".into())
                })
                .collect()
        }
    }
}

/// Whether the values are all strings (`inferred_type == "string"`).
fn all_strings(col: &Column) -> bool {
    match col {
        Column::Str { values, .. } => values.iter().all(Option::is_some) && !values.is_empty(),
        Column::Object(values) => {
            !values.is_empty() && values.iter().all(|v| matches!(v, Value::Str(_)))
        }
        _ => false,
    }
}

/// `printing.format_object_summary` of already formatted elements.
fn object_summary(
    items: &[String],
    name: &str,
    justify: bool,
    line_break_each_value: bool,
    multi: Option<&[Vec<String>]>,
) -> String {
    let display_width = DISPLAY_WIDTH;
    let space1 = format!("\n{}", " ".repeat(len(name) + 1));
    let space2 = format!("\n{}", " ".repeat(len(name) + 2));
    let n = items.len();
    let sep = if line_break_each_value {
        format!(",\n {}", " ".repeat(len(name)))
    } else {
        ",".to_string()
    };
    let truncated = n > MAX_SEQ_ITEMS;
    if n == 0 {
        return "[], ".into();
    }
    if n == 1 && !line_break_each_value {
        return format!("[{}], ", items[0]);
    }
    let (mut head, mut tail): (Vec<String>, Vec<String>) = if truncated {
        let k = (MAX_SEQ_ITEMS / 2).min(10);
        (items[..k].to_vec(), items[n - k..].to_vec())
    } else {
        (vec![], items.to_vec())
    };
    if let Some(tuples) = multi {
        // Each level right-aligned across the rows shown, then the
        // tuples printed whole (they always fit our widths).
        let rows: Vec<&Vec<String>> = if truncated {
            let k = (MAX_SEQ_ITEMS / 2).min(10);
            tuples[..k].iter().chain(&tuples[n - k..]).collect()
        } else {
            tuples.iter().collect()
        };
        let levels = rows.first().map_or(0, |r| r.len());
        let widths: Vec<usize> = (0..levels)
            .map(|l| rows.iter().map(|r| len(&r[l])).max().unwrap_or(0))
            .collect();
        // `_pprint_seq(row, max_seq_items=k)`: the first k labels, `...`
        // for the rest.
        let fmt = |r: &Vec<String>, k: usize| {
            let parts: Vec<String> = r.iter().zip(&widths).map(|(s, w)| rjust(s, *w)).collect();
            let mut body = parts[..k.min(parts.len())].join(", ");
            if k < parts.len() {
                body.push_str(", ...");
            } else if parts.len() == 1 {
                body.push(',');
            }
            format!("({body})")
        };
        // As many labels as keep the first row shown under the width.
        let max_space = display_width.saturating_sub(len(&space2));
        let first = if truncated {
            rows[rows.len() / 2]
        } else {
            rows[0]
        };
        let max_items = (1..=levels)
            .rev()
            .find(|&k| len(&fmt(first, k)) < max_space)
            .unwrap_or(1);
        let all: Vec<String> = rows.iter().map(|r| fmt(r, max_items)).collect();
        if truncated {
            let k = all.len() / 2;
            head = all[..k].to_vec();
            tail = all[k..].to_vec();
        } else {
            tail = all;
        }
    } else if justify {
        let joined = |v: &[String]| len(&v.join(", "));
        if truncated || !(joined(&head) < display_width && joined(&tail) < display_width) {
            let w = head.iter().chain(&tail).map(|s| len(s)).max().unwrap_or(0);
            head = head.iter().map(|s| rjust(s, w)).collect();
            tail = tail.iter().map(|s| rjust(s, w)).collect();
        }
    }
    let extend = |summary: &mut String, line: &mut String, value: &str, width: usize| {
        if len(line.trim_end()) + len(value.trim_end()) >= width {
            summary.push_str(line.trim_end());
            *line = space2.clone();
        }
        line.push_str(value);
    };
    let mut summary = String::new();
    let mut line = space2.clone();
    for h in &head {
        extend(
            &mut summary,
            &mut line,
            &format!("{h}{sep} "),
            display_width,
        );
    }
    if truncated {
        summary.push_str(line.trim_end());
        summary.push_str(&space2);
        summary.push_str("...");
        line = space2.clone();
    }
    for t in &tail[..tail.len() - 1] {
        extend(
            &mut summary,
            &mut line,
            &format!("{t}{sep} "),
            display_width,
        );
    }
    extend(
        &mut summary,
        &mut line,
        &tail[tail.len() - 1],
        display_width - 2,
    );
    summary.push_str(&line);
    summary.push_str("],");
    if len(&summary) > display_width || line_break_each_value {
        summary.push_str(&space1);
    } else {
        summary.push(' ');
    }
    format!("[{}", &summary[space2.len()..])
}

/// `repr(index)`.
pub(super) fn index_repr(index: &Index, repr: ReprFn) -> Option<String> {
    let class = index.class_name();
    let mut attrs: Vec<(String, String)> = Vec::new();
    let data = match index {
        Index::Range {
            start,
            stop,
            step,
            name,
        } => {
            attrs.push(("start".into(), start.to_string()));
            attrs.push(("stop".into(), stop.to_string()));
            attrs.push(("step".into(), step.to_string()));
            if let Some(n) = name {
                attrs.push(("name".into(), default_pprint(n, repr)));
            }
            String::new()
        }
        Index::Flat { values, name, freq } => {
            let items = element_strings(values, repr);
            let justify = match values {
                Column::Categorical { categories, .. } => {
                    !matches!(categories.as_ref(), Column::Str { .. } | Column::Object(_))
                        || !all_strings(categories)
                }
                other => !all_strings(other),
            };
            let data = object_summary(&items, class, justify, false, None);
            if let Column::Categorical {
                categories,
                ordered,
                ..
            } = values
            {
                let cats = category_strings(categories, repr);
                attrs.push(("categories".into(), format!("[{}]", cats.join(", "))));
                attrs.push((
                    "ordered".into(),
                    if *ordered { "True" } else { "False" }.into(),
                ));
            }
            attrs.push(("dtype".into(), format!("'{}'", values.dtype())));
            if let Some(n) = name {
                attrs.push(("name".into(), default_pprint(n, repr)));
            }
            if values.len() > MAX_SEQ_ITEMS {
                attrs.push(("length".into(), values.len().to_string()));
            }
            if let Some(f) = freq {
                attrs.push((
                    "freq".into(),
                    f.as_ref().map_or("None".into(), |f| format!("'{f}'")),
                ));
            }
            data
        }
        Index::Multi {
            levels,
            codes,
            names,
        } => {
            // A level of ints with a missing label is taken as floats.
            let per_level: Vec<Vec<String>> = levels
                .iter()
                .zip(codes)
                .map(|(l, c)| match l {
                    Column::Int { values, .. } if c.contains(&-1) => element_strings(
                        &Column::Float {
                            dtype: "float64".into(),
                            values: values.iter().map(|&v| v as f64).collect(),
                        },
                        repr,
                    ),
                    other => element_strings(other, repr),
                })
                .collect();
            let n = codes.first().map_or(0, Vec::len);
            let tuples: Vec<Vec<String>> = (0..n)
                .map(|r| {
                    per_level
                        .iter()
                        .zip(codes)
                        .map(|(strs, c)| {
                            usize::try_from(c[r])
                                .ok()
                                .and_then(|i| strs.get(i).cloned())
                                .unwrap_or_else(|| "nan".into())
                        })
                        .collect()
                })
                .collect();
            let flat: Vec<String> = vec![String::new(); n];
            if names.iter().any(Option::is_some) {
                let shown: Vec<String> = names
                    .iter()
                    .map(|n| {
                        n.as_ref()
                            .map_or("None".into(), |v| default_pprint(v, repr))
                    })
                    .collect();
                attrs.push(("names".into(), format!("[{}]", shown.join(", "))));
            }
            if n > MAX_SEQ_ITEMS {
                attrs.push(("length".into(), n.to_string()));
            }
            object_summary(&flat, class, true, true, Some(&tuples))
        }
    };
    let indent = len(class) + 1;
    let indent_str = " ".repeat(indent);
    let mut line_len = match data.rsplit_once('\n') {
        Some((_, last)) => len(last),
        None => indent + len(&data),
    };
    let mut parts = String::new();
    let count = attrs.len();
    let mut wrapped_first = false;
    for (i, (key, val)) in attrs.iter().enumerate() {
        let attr = format!("{key}={val}");
        let alen = len(&attr);
        let comma = usize::from(i + 1 < count);
        if i == 0 {
            if line_len + alen + comma > DISPLAY_WIDTH {
                parts.push('\n');
                parts.push_str(&indent_str);
                parts.push_str(&attr);
                line_len = indent + alen;
                wrapped_first = true;
            } else {
                parts.push_str(&attr);
                line_len += alen;
            }
        } else if line_len + 2 + alen + comma > DISPLAY_WIDTH {
            parts.push_str(",\n");
            parts.push_str(&indent_str);
            parts.push_str(&attr);
            line_len = indent + alen;
        } else {
            parts.push_str(", ");
            parts.push_str(&attr);
            line_len += 2 + alen;
        }
    }
    let data = if wrapped_first {
        data.trim_end().to_string()
    } else {
        data
    };
    Some(format!("{class}({data}{parts})"))
}

/// `Index._format_flat`: the labels as a table shows them, under the
/// name when asked.
pub(super) fn format_flat(index: &Index, include_name: bool, repr: ReprFn) -> Vec<String> {
    let mut out = Vec::new();
    if include_name {
        out.push(format_name(
            &index.names().into_iter().next().flatten(),
            repr,
        ));
    }
    match index {
        Index::Range {
            start, stop, step, ..
        } => {
            let n = index.len();
            if n == 0 {
                return out;
            }
            let first = start.to_string();
            let last = (start + step * (n as i128 - 1)).to_string();
            let w = len(&first).max(len(&last));
            let _ = stop;
            out.extend((0..n).map(|i| {
                let v = (start + step * i as i128).to_string();
                format!("{v:<w$}")
            }));
        }
        Index::Flat { values, .. } => out.extend(flat_labels(values, repr)),
        Index::Multi { .. } => {}
    }
    out
}

/// `_format_with_header` without the header.
fn flat_labels(values: &Column, repr: ReprFn) -> Vec<String> {
    if let Column::Datetime { unit, values } = values {
        return datetime_strings(unit, values, "NaT");
    }
    let justify = match values {
        Column::Object(_) | Column::Str { .. } | Column::Categorical { .. } => Justify::All,
        _ => Justify::Left,
    };
    trim_front(format_array(values, true, justify, repr))
}

fn trim_front(strings: Vec<String>) -> Vec<String> {
    let least = strings
        .iter()
        .map(|s| len(s) - len(s.trim_start()))
        .min()
        .unwrap_or(0);
    if least == 0 {
        return strings;
    }
    strings
        .into_iter()
        .map(|s| s.chars().skip(least).collect())
        .collect()
}

/// `MultiIndex._format_multi(sparsify=...)`: one list per level (the
/// name first when asked), repeated labels blanked.
pub(super) fn format_multi(index: &Index, include_names: bool, repr: ReprFn) -> Vec<Vec<String>> {
    let Index::Multi {
        levels,
        codes,
        names,
    } = index
    else {
        return vec![format_flat(index, include_names, repr)];
    };
    if codes.first().is_none_or(Vec::is_empty) {
        return vec![];
    }
    let mut out = Vec::new();
    for ((level, level_codes), name) in levels.iter().zip(codes).zip(names) {
        let na = match level {
            Column::Datetime { .. } => "NaT",
            Column::Str {
                na_is_nan: false, ..
            } => "<NA>",
            _ => "NaN",
        };
        let rows: Vec<usize> = level_codes
            .iter()
            .map(|&c| usize::try_from(c).unwrap_or(0))
            .collect();
        let mut labels = if level.is_empty() {
            vec![na.to_string(); rows.len()]
        } else {
            flat_labels(&level.take(&rows), repr)
        };
        for (l, &c) in labels.iter_mut().zip(level_codes) {
            if c < 0 {
                *l = na.to_string();
            }
        }
        let mut col = Vec::new();
        if include_names {
            col.push(format_name(name, repr));
        }
        col.extend(labels);
        out.push(col);
    }
    sparsify(out, usize::from(include_names))
}

/// `pprint_thing(index)`: `[a, b]`, as an empty frame lists its axes.
pub(super) fn pprint_index(index: &Index, repr: ReprFn) -> String {
    let n = index.len();
    let rows: Vec<usize> = (0..n.min(MAX_SEQ_ITEMS)).collect();
    let items: Vec<String> = match index.take(&rows) {
        Index::Flat { values, .. } => match &values {
            Column::Object(v) => v.iter().map(|x| py_str(x, repr)).collect(),
            Column::Str { values, .. } => values
                .iter()
                .map(|v| v.clone().unwrap_or_else(|| "nan".into()))
                .collect(),
            other => element_strings(other, repr),
        },
        Index::Multi { .. } | Index::Range { .. } => vec![],
    };
    let more = if n > MAX_SEQ_ITEMS { ", ..." } else { "" };
    format!("[{}{more}]", items.join(", "))
}
