//! `repr()` of a Series, a DataFrame and a Categorical: a port of pandas
//! 3.1's `io/formats/format.py` (`format_array` and its formatters,
//! `SeriesFormatter`, `DataFrameFormatter`) and `io/formats/string.py`, at
//! the options a script runs with. `max_columns` is 0 there (pandas sets it
//! so when it believes it runs in a terminal), so a frame wider than the
//! 80-column terminal drops its middle columns behind ` ...`.

use super::index::{format_flat, format_multi};
use super::{Column, Frame, Index, ReprFn, Series};
use crate::timelike::{TimeType, NAT};
use crate::value::Value;

const MAX_ROWS: usize = 60;
const MIN_ROWS: usize = 10;
const PRECISION: usize = 6;
const MAX_COLWIDTH: usize = 50;
const MAX_CATEGORIES: usize = 8;
const TERMINAL_WIDTH: usize = 80;
pub(super) const DISPLAY_WIDTH: usize = 80;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Justify {
    Left,
    Right,
    /// No padding at all.
    All,
}

pub(super) fn len(s: &str) -> usize {
    s.chars().count()
}

pub(super) fn rjust(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(len(s))))
}

pub(super) fn ljust(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(len(s))))
}

/// Python's `str.center`.
fn center(s: &str, width: usize) -> String {
    let n = len(s);
    if width <= n {
        return s.to_string();
    }
    let marg = width - n;
    let left = marg / 2 + (marg & width & 1);
    format!("{}{s}{}", " ".repeat(left), " ".repeat(marg - left))
}

/// `printing.adjoin`: columns of lines side by side, each but the last
/// padded to its width plus `space`; shorter columns padded at the top.
pub(super) fn adjoin(space: usize, cols: &[Vec<String>]) -> String {
    let Some(last) = cols.len().checked_sub(1) else {
        return String::new();
    };
    let widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.iter().map(|s| len(s)).max().unwrap_or(0) + if i < last { space } else { 0 }
        })
        .collect();
    let rows = cols.iter().map(Vec::len).max().unwrap_or(0);
    let mut lines = vec![String::new(); rows];
    for (c, w) in cols.iter().zip(&widths) {
        let pad = rows - c.len();
        for (r, line) in lines.iter_mut().enumerate() {
            let cell = if r < pad { "" } else { c[r - pad].as_str() };
            line.push_str(&ljust(cell, *w));
        }
    }
    lines.join("\n")
}

/// `_make_fixed_width`: every string to the widest (at most
/// `max_colwidth`, longer ones cut with `...`).
fn fixed_width(strings: Vec<String>, justify: Justify, minimum: usize) -> (Vec<String>, usize) {
    let widest = strings.iter().map(|s| len(s)).max().unwrap_or(0);
    if strings.is_empty() || justify == Justify::All {
        return (strings, widest);
    }
    let max_len = widest.max(minimum).min(MAX_COLWIDTH);
    let keep = max_len.saturating_sub(3);
    let out = strings
        .into_iter()
        .map(|s| {
            let s = if len(&s) > max_len {
                let cut: String = s.chars().take(keep).collect();
                format!("{cut}{}", &"..."[..max_len - keep])
            } else {
                s
            };
            match justify {
                Justify::Left => ljust(&s, max_len),
                _ => rjust(&s, max_len),
            }
        })
        .collect();
    (out, max_len)
}

/// The sign a `" "`-flagged (`space`) or plain format spec writes.
fn sign(x: f64, space: bool) -> &'static str {
    if x.is_sign_negative() && !x.is_nan() {
        "-"
    } else if space {
        " "
    } else {
        ""
    }
}

/// Python's `format(x, " .6f")` (or `".6f"` without the sign space).
fn fixed(x: f64, space: bool) -> String {
    let sign = sign(x, space);
    if x.is_infinite() {
        return format!("{sign}inf");
    }
    format!("{sign}{:.*}", PRECISION, x.abs())
}

/// Python's `format(x, " .6e")`: at least two exponent digits.
fn scientific(x: f64, space: bool) -> String {
    let sign = sign(x, space);
    if x.is_infinite() {
        return format!("{sign}inf");
    }
    let text = format!("{:.*e}", PRECISION, x.abs());
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let esign = if exp < 0 { '-' } else { '+' };
    format!("{sign}{mantissa}e{esign}{:02}", exp.abs())
}

/// `_trim_zeros_single_float`.
fn trim_single(s: String) -> String {
    let mut s = s.trim_end_matches('0').to_string();
    if s.ends_with('.') {
        s.push('0');
    }
    s
}

/// `^\s*[+-]?[0-9]+\.[0-9]*$`
fn is_decimal(s: &str) -> bool {
    let t = s.trim_start();
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let Some((int, frac)) = t.split_once('.') else {
        return false;
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// `_trim_zeros_float`: trailing zeros cut equally from all the numbers.
fn trim_zeros(mut strs: Vec<String>) -> Vec<String> {
    let is_num: Vec<bool> = strs.iter().map(|s| is_decimal(s)).collect();
    if !is_num.iter().any(|&b| b) {
        return strs;
    }
    while strs
        .iter()
        .zip(&is_num)
        .filter(|(_, &n)| n)
        .all(|(s, _)| s.ends_with('0'))
    {
        for (s, &n) in strs.iter_mut().zip(&is_num) {
            if n {
                s.pop();
            }
        }
    }
    for (s, &n) in strs.iter_mut().zip(&is_num) {
        if n && s.ends_with('.') {
            s.push('0');
        }
    }
    strs
}

/// `FloatArrayFormatter.get_result_as_array` at the default options.
fn format_floats(values: &[f64], leading_space: bool, na_rep: &str) -> Vec<String> {
    let with = |f: &dyn Fn(f64) -> String| -> Vec<String> {
        trim_zeros(
            values
                .iter()
                .map(|&v| if v.is_nan() { na_rep.to_string() } else { f(v) })
                .collect(),
        )
    };
    let out = with(&|v| fixed(v, leading_space));
    let too_long = out.iter().map(|s| len(s)).max().unwrap_or(0) > PRECISION + 6;
    let large = values.iter().any(|v| v.abs() > 1e6);
    let small = values
        .iter()
        .any(|v| v.abs() < 10f64.powi(-(PRECISION as i32)) && v.abs() > 0.0);
    if small || (too_long && large) {
        return with(&|v| scientific(v, leading_space));
    }
    out
}

/// `str(x)` of a Python value, escaping tabs and line breaks as pandas'
/// `pprint_thing` does.
pub(super) fn py_str(v: &Value, repr: ReprFn) -> String {
    escape(&str_value(v, repr))
}

/// `str(v)`.
pub(super) fn str_value(v: &Value, repr: ReprFn) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => {
            let text = repr(other);
            str_of_repr(&text).unwrap_or(text)
        }
    }
}

/// `str()` of the standard-library values whose `str` is not their
/// `repr` (dates, times, Decimal, paths, ...), from the repr; None for
/// the rest, whose `str` is their repr.
fn str_of_repr(text: &str) -> Option<String> {
    let call = |prefix: &str| -> Option<&str> { text.strip_prefix(prefix)?.strip_suffix(')') };
    let ints =
        |args: &str| -> Option<Vec<i64>> { args.split(", ").map(|a| a.parse().ok()).collect() };
    let fraction = |us: i64| {
        if us == 0 {
            String::new()
        } else {
            format!(".{us:06}")
        }
    };
    for quoted in [
        "Decimal(",
        "UUID(",
        "PurePosixPath(",
        "PosixPath(",
        "Timestamp(",
    ] {
        if let Some(arg) = call(quoted) {
            let inner = arg.strip_prefix('\'')?.strip_suffix('\'')?;
            return (!inner.contains(['\'', '\\'])).then(|| inner.to_string());
        }
    }
    if let Some(args) = call("Fraction(") {
        return match ints(args)?.as_slice() {
            [n, 1] => Some(n.to_string()),
            [n, d] => Some(format!("{n}/{d}")),
            _ => None,
        };
    }
    if let Some(args) = call("datetime.date(") {
        let [y, m, d] = ints(args)?[..] else {
            return None;
        };
        return Some(format!("{y:04}-{m:02}-{d:02}"));
    }
    if let Some(args) = call("datetime.datetime(") {
        let v = ints(args)?;
        let at = |i: usize| v.get(i).copied().unwrap_or(0);
        (3..=7).contains(&v.len()).then_some(())?;
        return Some(format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}{}",
            at(0),
            at(1),
            at(2),
            at(3),
            at(4),
            at(5),
            fraction(at(6))
        ));
    }
    if let Some(args) = call("datetime.time(") {
        let v = ints(args)?;
        let at = |i: usize| v.get(i).copied().unwrap_or(0);
        (2..=4).contains(&v.len()).then_some(())?;
        return Some(format!(
            "{:02}:{:02}:{:02}{}",
            at(0),
            at(1),
            at(2),
            fraction(at(3))
        ));
    }
    if let Some(args) = call("datetime.timedelta(") {
        let (mut days, mut secs, mut us) = (0i64, 0i64, 0i64);
        if !args.is_empty() {
            for part in args.split(", ") {
                let (key, n) = part.split_once('=')?;
                let n: i64 = n.parse().ok()?;
                match key {
                    "days" => days = n,
                    "seconds" => secs = n,
                    "microseconds" => us = n,
                    _ => return None,
                }
            }
        }
        let day_part = match days {
            0 => String::new(),
            1 | -1 => format!("{days} day, "),
            _ => format!("{days} days, "),
        };
        return Some(format!(
            "{day_part}{}:{:02}:{:02}{}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            fraction(us)
        ));
    }
    None
}

pub(super) fn escape(s: &str) -> String {
    s.replace('\t', "\\t")
        .replace('\r', "\\r")
        .replace('\n', "\\n")
}

/// A missing value among objects as `_GenericArrayFormatter` shows it.
fn missing_text(v: &Value, na_rep: &str) -> Option<String> {
    match v {
        Value::None => Some("None".into()),
        Value::Float(f) if f.is_nan() => Some(na_rep.into()),
        Value::Object(o) if o.class == "pandas._libs.missing.NAType" => Some("<NA>".into()),
        Value::Object(o) if o.class.ends_with("NaTType") => Some("NaT".into()),
        _ => None,
    }
}

/// Whether the datetimes are all midnights (NaT aside).
fn dates_only(unit: &str, values: &[i64]) -> bool {
    let per_day = per_day(unit);
    values
        .iter()
        .all(|&v| v == NAT || v.rem_euclid(per_day) == 0)
}

fn per_day(unit: &str) -> i64 {
    86_400 * per_second(unit)
}

fn per_second(unit: &str) -> i64 {
    match unit {
        "ms" => 1_000,
        "us" => 1_000_000,
        "ns" => 1_000_000_000,
        _ => 1,
    }
}

/// `YYYY-MM-DD` of a datetime.
fn date_text(unit: &str, v: i64) -> String {
    let day = TimeType {
        datetime: true,
        big_endian: false,
        unit: "D",
        multiple: 1,
    };
    day.datetime_text(v.div_euclid(per_day(unit)))
}

/// `YYYY-MM-DD HH:MM:SS` and `digits` of fraction.
fn datetime_text(unit: &str, v: i64, digits: usize) -> String {
    let rest = v.rem_euclid(per_day(unit));
    let ps = per_second(unit);
    let (secs, frac) = (rest / ps, rest % ps);
    let mut text = format!(
        "{} {:02}:{:02}:{:02}",
        date_text(unit, v),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if digits > 0 {
        // The fraction in nanoseconds, cut to `digits`.
        let nanos = frac as i128 * 1_000_000_000 / ps as i128;
        let shown = nanos / 10i128.pow(9 - digits as u32);
        text.push_str(&format!(".{shown:0digits$}"));
    }
    text
}

/// Fraction digits the finest of the values needs (`get_resolution`).
fn fraction_digits(unit: &str, values: &[i64]) -> usize {
    let ps = per_second(unit);
    let mut digits = 0;
    for &v in values.iter().filter(|&&v| v != NAT) {
        let nanos = v.rem_euclid(ps) as i128 * 1_000_000_000 / ps as i128;
        let need = if nanos % 1000 != 0 {
            9
        } else if nanos % 1_000_000 != 0 {
            6
        } else if nanos != 0 {
            3
        } else {
            0
        };
        digits = digits.max(need);
    }
    digits
}

/// `DatetimeArray._format_native_types`: all as dates, or all with the
/// same time precision.
pub(super) fn datetime_strings(unit: &str, values: &[i64], na_rep: &str) -> Vec<String> {
    let dates = dates_only(unit, values);
    let digits = fraction_digits(unit, values);
    values
        .iter()
        .map(|&v| match (v == NAT, dates) {
            (true, _) => na_rep.to_string(),
            (false, true) => date_text(unit, v),
            (false, false) => datetime_text(unit, v, digits),
        })
        .collect()
}

/// `str(Timestamp)`: the time's fraction as that one value needs it.
pub(super) fn timestamp_str(unit: &str, v: i64, date_only: bool) -> String {
    if v == NAT {
        return "NaT".into();
    }
    if date_only {
        return date_text(unit, v);
    }
    let digits = match fraction_digits(unit, &[v]) {
        0 => 0,
        9 => 9,
        _ => 6,
    };
    datetime_text(unit, v, digits)
}

pub(super) fn is_dates_only(unit: &str, values: &[i64]) -> bool {
    dates_only(unit, values)
}

/// `format_array(values, None, leading_space=...)` before the final
/// fixed-width step, which the caller applies with its justification.
fn format_strings(col: &Column, leading_space: bool, repr: ReprFn) -> Vec<String> {
    let space = if leading_space { " " } else { "" };
    match col {
        Column::Int { values, .. } => values
            .iter()
            .map(|v| format!("{}{v}", if *v < 0 { "" } else { space }))
            .collect(),
        Column::Float { values, .. } => format_floats(values, leading_space, "NaN"),
        Column::Bool(values) => values
            .iter()
            .map(|&b| format!("{space}{}", if b { "True" } else { "False" }))
            .collect(),
        Column::Object(values) => values
            .iter()
            .map(|v| match v {
                Value::Float(f) if !f.is_nan() => trim_single(fixed(*f, true)),
                other => {
                    let text = missing_text(other, "NaN").unwrap_or_else(|| py_str(other, repr));
                    format!("{space}{text}")
                }
            })
            .collect(),
        Column::Str { values, na_is_nan } => values
            .iter()
            .map(|v| match v {
                Some(s) => format!("{space}{}", escape(s)),
                None if *na_is_nan => format!("{space}NaN"),
                None => format!("{space}<NA>"),
            })
            .collect(),
        Column::Datetime { unit, values } => datetime_strings(unit, values, "NaT"),
        Column::Categorical { .. } => match col.decategorize() {
            Some(c) => format_strings(&c, leading_space, repr),
            None => vec!["?".into(); col.len()],
        },
    }
}

/// `format_array(values, None, justify=..., leading_space=...)`.
pub(super) fn format_array(
    col: &Column,
    leading_space: bool,
    justify: Justify,
    repr: ReprFn,
) -> Vec<String> {
    fixed_width(format_strings(col, leading_space, repr), justify, 0).0
}

/// `format_name`: an axis or series name as a header shows it.
pub(super) fn format_name(name: &Option<Value>, repr: ReprFn) -> String {
    match name {
        None => String::new(),
        Some(Value::Float(f)) if !f.is_nan() => format_floats(&[*f], false, "NaN").remove(0),
        Some(v) => pprint(v, repr),
    }
}

/// `pprint_thing`: `str()`, but a tuple or list shows its items' `str()`
/// (`(a, 1)`, not `('a', 1)`).
fn pprint(v: &Value, repr: ReprFn) -> String {
    match v {
        Value::Tuple(items) | Value::List(items) => {
            let inner: Vec<String> = items.iter().map(|i| pprint(i, repr)).collect();
            match v {
                Value::List(_) => format!("[{}]", inner.join(", ")),
                _ if inner.len() == 1 => format!("({},)", inner[0]),
                _ => format!("({})", inner.join(", ")),
            }
        }
        other => py_str(other, repr),
    }
}

/// The rows shown of `n`: all, or the first and last `MIN_ROWS / 2`.
fn shown_rows(n: usize) -> Option<Vec<usize>> {
    (n > MAX_ROWS).then(|| {
        let half = MIN_ROWS / 2;
        (0..half).chain(n - half..n).collect()
    })
}

/// A row index's label strings with its header lines: `format_flat` or
/// the levels of a MultiIndex adjoined.
fn index_lines(index: &Index, include_name: bool, space: usize, repr: ReprFn) -> Vec<String> {
    match index {
        Index::Multi { .. } => {
            let levels = format_multi(index, include_name, repr);
            let levels: Vec<Vec<String>> = levels
                .into_iter()
                .map(|l| fixed_width(l, Justify::Left, 0).0)
                .collect();
            if levels.first().is_none_or(Vec::is_empty) {
                return vec![];
            }
            adjoin(space, &levels)
                .split('\n')
                .map(str::to_string)
                .collect()
        }
        _ => format_flat(index, include_name, repr),
    }
}

pub(super) fn series_repr(s: &Series, repr: ReprFn) -> String {
    let n = s.data.len();
    let shown = shown_rows(n);
    let (index, data) = match &shown {
        Some(rows) => (s.index.take(rows), s.data.take(rows)),
        None => (s.index.clone(), s.data.clone()),
    };
    let mut footer = Vec::new();
    if let Index::Flat {
        freq: Some(Some(f)),
        ..
    } = &s.index
    {
        footer.push(format!("Freq: {f}"));
    }
    if s.name.is_some() {
        footer.push(format!("Name: {}", format_name(&s.name, repr)));
    }
    if shown.is_some() {
        footer.push(format!("Length: {n}"));
    }
    footer.push(format!("dtype: {}", s.data.dtype()));
    let mut footer = footer.join(", ");
    if let Column::Categorical { .. } = &s.data {
        footer.push('\n');
        footer.push_str(&categories_footer(&s.data, repr));
    }
    if n == 0 {
        return format!("Series([], {footer})");
    }
    let have_header = s.index.has_names();
    let mut fmt_index = if matches!(index, Index::Multi { .. }) {
        index_lines(&index, true, 2, repr)
    } else {
        format_flat(&index, true, repr)
    };
    let mut values = format_array(&data, true, Justify::Right, repr);
    if shown.is_some() {
        let row = MIN_ROWS / 2;
        let width = len(&values[row - 1]);
        let dots = if width > 3 { "..." } else { ".." };
        values.insert(row, center(dots, width));
        fmt_index.insert(row + 1, String::new());
    }
    let head = fmt_index.first().cloned().unwrap_or_default();
    let mut result = adjoin(3, &[fmt_index.into_iter().skip(1).collect(), values]);
    if have_header {
        result = format!("{head}\n{result}");
    }
    format!("{result}\n{footer}")
}

pub(super) fn frame_repr(f: &Frame, repr: ReprFn) -> String {
    let (nrows, ncols) = (f.index.len(), f.columns.len());
    if nrows == 0 || ncols == 0 {
        let text = format!(
            "Empty DataFrame\nColumns: {}\nIndex: {}",
            super::index::pprint_index(&f.columns, repr),
            super::index::pprint_index(&f.index, repr)
        );
        // Truncated, were it shown: the dimensions follow.
        if ncols > TERMINAL_WIDTH || nrows > MAX_ROWS {
            return format!("{text}\n\n[{nrows} rows x {ncols} columns]");
        }
        return text;
    }
    // More than 80 columns: the first and last 40 (the terminal's width).
    let mut col_pos: Vec<usize> = (0..ncols).collect();
    let mut truncated_h = false;
    if ncols > TERMINAL_WIDTH {
        let half = TERMINAL_WIDTH / 2;
        col_pos = (0..half).chain(ncols - half..ncols).collect();
        truncated_h = true;
    }
    let shown = shown_rows(nrows);
    let (index, data): (Index, Vec<Column>) = match &shown {
        Some(rows) => (
            f.index.take(rows),
            col_pos.iter().map(|&c| f.data[c].take(rows)).collect(),
        ),
        None => (
            f.index.clone(),
            col_pos.iter().map(|&c| f.data[c].clone()).collect(),
        ),
    };
    let columns = f.columns.take(&col_pos);
    let show_row_names = f.index.has_names();
    let show_col_names = f.columns.has_names();

    // Column headers: one line per level of the columns.
    let labels: Vec<Vec<String>> = match &columns {
        Index::Multi { .. } => {
            let levels = format_multi(&columns, false, repr);
            let levels = sparsify(levels, 0);
            (0..col_pos.len())
                .map(|i| levels.iter().map(|l| l[i].clone()).collect())
                .collect()
        }
        // pandas pairs the shown labels with the dtypes of the frame's
        // first columns, not of the shown ones (past 80 columns they differ).
        _ => format_flat(&columns, false, repr)
            .into_iter()
            .zip(&f.data)
            .map(|(x, c)| vec![if c.is_numeric() { format!(" {x}") } else { x }])
            .collect(),
    };
    let mut strcols: Vec<Vec<String>> = Vec::new();
    for (mut header, col) in labels.into_iter().zip(&data) {
        if show_row_names {
            header.push(String::new());
        }
        let header_width = header.iter().map(|s| len(s)).max().unwrap_or(0);
        let values = format_strings(col, true, repr);
        let (values, max_len) = fixed_width(values, Justify::Right, header_width);
        let max_len = max_len.max(header_width);
        let mut out: Vec<String> = header.iter().map(|h| rjust(h, max_len)).collect();
        out.extend(values);
        strcols.push(out);
    }
    // The index column, under the columns' names (or blanks).
    let levels = index_lines(&index, show_row_names, 1, repr);
    let levels = fixed_width(levels, Justify::Left, 0).0;
    let mut index_col: Vec<String> = if show_col_names {
        columns
            .names()
            .iter()
            .map(|n| format_name(n, repr))
            .collect()
    } else {
        vec![String::new(); columns.names().len()]
    };
    index_col.extend(levels);
    strcols.insert(0, index_col);

    if shown.is_some() {
        let row = MIN_ROWS / 2;
        let header_rows = strcols[0].len() - 2 * row;
        for (i, col) in strcols.iter_mut().enumerate() {
            let width = col.get(row).map_or(0, |s| len(s));
            let dots = if width > 3 { "..." } else { ".." };
            let cell = if i == 0 {
                ljust(dots, width)
            } else {
                rjust(dots, width)
            };
            col.insert(row + header_rows, cell);
        }
    }
    let (text, dropped) = fit_to_terminal(strcols);
    let truncated = truncated_h || dropped || shown.is_some();
    if truncated {
        format!("{text}\n\n[{nrows} rows x {ncols} columns]")
    } else {
        text
    }
}

/// `_fit_strcols_to_terminal_width`: drop middle columns until the table
/// fits 80 columns, then show the first and last halves around ` ...`.
fn fit_to_terminal(strcols: Vec<Vec<String>>) -> (String, bool) {
    let widths: Vec<usize> = strcols
        .iter()
        .map(|c| c.iter().map(|s| len(s)).max().unwrap_or(0))
        .collect();
    let mut n_cols = widths.len();
    let total: usize = widths.iter().sum::<usize>() + n_cols - 1;
    let mut adj_dif = total as i64 - TERMINAL_WIDTH as i64 + 1;
    if adj_dif <= 0 {
        return (adjoin(1, &strcols), false);
    }
    adj_dif += 5;
    let mut lens = widths;
    while adj_dif > 0 && n_cols > 1 {
        // Python's round(n / 2): halves to even.
        let mid = if n_cols.is_multiple_of(2) {
            n_cols / 2
        } else {
            let k = n_cols / 2;
            if k.is_multiple_of(2) {
                k
            } else {
                k + 1
            }
        };
        adj_dif -= lens.remove(mid) as i64 + 1;
        n_cols -= 1;
    }
    let fitted = (n_cols - 1).max(2);
    let data_cols = strcols.len() - 1;
    if fitted >= data_cols {
        return (adjoin(1, &strcols), false);
    }
    let half = fitted / 2;
    let rows = strcols[0].len();
    let mut kept: Vec<Vec<String>> = strcols[..=half].to_vec();
    kept.push(vec![" ...".to_string(); rows]);
    kept.extend_from_slice(&strcols[strcols.len() - half..]);
    (adjoin(1, &kept), true)
}

/// `sparsify_labels`: a label equal to the one above it (with all the
/// labels left of it) is blanked.
pub(super) fn sparsify(levels: Vec<Vec<String>>, start: usize) -> Vec<Vec<String>> {
    let k = levels.len();
    let n = levels.first().map_or(0, Vec::len);
    if k == 0 || n <= start {
        return levels;
    }
    let rows: Vec<Vec<String>> = (0..n)
        .map(|r| levels.iter().map(|l| l[r].clone()).collect())
        .collect();
    let mut out: Vec<Vec<String>> = rows[..=start].to_vec();
    for r in start + 1..n {
        let (prev, cur) = (&rows[r - 1], &rows[r]);
        let mut sparse = Vec::with_capacity(k);
        for i in 0..k {
            if i == k - 1 {
                sparse.push(cur[i].clone());
                break;
            }
            if prev[i] == cur[i] {
                sparse.push(String::new());
            } else {
                sparse.extend(cur[i..].iter().cloned());
                break;
            }
        }
        out.push(sparse);
    }
    (0..k)
        .map(|i| out.iter().map(|row| row[i].clone()).collect())
        .collect()
}

/// The categories as a Categorical's repr lists them.
pub(super) fn category_strings(categories: &Column, repr: ReprFn) -> Vec<String> {
    let quoted = |c: &Column| -> Vec<String> {
        match c {
            Column::Str { values, .. } => values
                .iter()
                .map(|v| match v {
                    Some(s) => format!("'{}'", escape(s)),
                    None => "NaN".into(),
                })
                .collect(),
            Column::Object(values) => values
                .iter()
                .map(|v| match v {
                    Value::Str(s) => format!("'{}'", escape(s)),
                    Value::Float(f) if !f.is_nan() => {
                        trim_single(fixed(*f, true)).trim().to_string()
                    }
                    other => missing_text(other, "NaN").unwrap_or_else(|| py_str(other, repr)),
                })
                .collect(),
            other => format_strings(other, true, repr)
                .into_iter()
                .map(|s| s.trim().to_string())
                .collect(),
        }
    };
    // `display.max_categories` is 8: the first and last 4.
    let n = categories.len();
    if n > MAX_CATEGORIES {
        let head: Vec<usize> = (0..MAX_CATEGORIES / 2).collect();
        let tail: Vec<usize> = (n - MAX_CATEGORIES / 2..n).collect();
        let mut out = quoted(&categories.take(&head));
        out.push("...".into());
        out.extend(quoted(&categories.take(&tail)));
        out.into_iter().map(|s| s.trim().to_string()).collect()
    } else {
        quoted(categories)
            .into_iter()
            .map(|s| s.trim().to_string())
            .collect()
    }
}

/// `Categorical._get_repr_footer`: `Categories (2, str): ['a', 'b']`.
fn categories_footer(col: &Column, repr: ReprFn) -> String {
    let Column::Categorical {
        categories,
        ordered,
        ..
    } = col
    else {
        return String::new();
    };
    let strs = category_strings(categories, repr);
    let header = format!(
        "Categories ({}, {}): ",
        categories.len(),
        categories.dtype()
    );
    let (sep_len, sep) = if *ordered { (3, " < ") } else { (2, ", ") };
    let linesep = format!("{}\n", sep.trim_end());
    let mut parts = String::new();
    let mut cur = len(&header);
    for (i, val) in strs.iter().enumerate() {
        if cur + sep_len + len(val) > DISPLAY_WIDTH {
            parts.push_str(&linesep);
            parts.push_str(&" ".repeat(len(&header) + 1));
            cur = len(&header) + 1;
        } else if i > 0 {
            parts.push_str(sep);
            cur += sep_len;
        }
        parts.push_str(val);
        cur += len(val);
    }
    format!("{header}[{}]", parts.replace(" < ... < ", " ... "))
}

/// `repr(Categorical)`: the values in brackets, then the categories.
pub(super) fn categorical_repr(col: &Column, repr: ReprFn) -> String {
    let footer = categories_footer(col, repr);
    let n = col.len();
    let values = |rows: Vec<usize>| -> Vec<String> {
        let part = col.take(&rows);
        let strs = match part.decategorize() {
            Some(Column::Object(items)) => items
                .iter()
                .map(|v| match v {
                    Value::Str(s) => format!("'{}'", escape(s)),
                    other => missing_text(other, "NaN").unwrap_or_else(|| py_str(other, repr)),
                })
                .collect(),
            Some(c) => format_strings(&c, true, repr),
            None => vec![],
        };
        fixed_width(strs, Justify::Right, 0)
            .0
            .into_iter()
            .map(|s| s.trim().to_string())
            .collect()
    };
    if n == 0 {
        return format!("[], {footer}");
    }
    let line = |vals: Vec<String>| {
        let mut out = String::from("[");
        let mut cur = 1;
        for (i, v) in vals.iter().enumerate() {
            if i > 0 {
                if cur + 2 + len(v) > DISPLAY_WIDTH {
                    out.push_str(",\n ");
                    cur = 1;
                } else {
                    out.push_str(", ");
                    cur += 2;
                }
            }
            out.push_str(v);
            cur += len(v);
        }
        out.push(']');
        out
    };
    if n > 10 {
        let mut all = values((0..5).collect());
        all.push("...".into());
        all.extend(values((n - 5..n).collect()));
        format!("{}\nLength: {n}\n{footer}", line(all))
    } else {
        format!("{}\n{footer}", line(values((0..n).collect())))
    }
}
