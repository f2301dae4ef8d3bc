//! Rendering rows for people (a table) and for scripts (JSON, JSONL, CSV,
//! TSV), chosen by one `--format` flag on every listing command.

use crate::style::printable_cell;
use clap::ValueEnum;
use comfy_table::{presets, ContentArrangement, Table};
use serde_json::Value as Json;
use std::borrow::Cow;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated, with a header line.
    Csv,
    /// Tab-separated, with a header line.
    Tsv,
}

/// Standard output for a long listing: block-buffered into a pipe or a file
/// (Rust's stdout flushes at every newline, a write per row: a third of a
/// million-row listing's time), line by line on a terminal.
pub fn listing_stdout() -> Box<dyn Write> {
    use std::io::IsTerminal;
    let out = io::stdout();
    if out.is_terminal() {
        Box::new(out.lock())
    } else {
        Box::new(io::BufWriter::with_capacity(1 << 16, out.lock()))
    }
}

/// One output row: its cells for the table/CSV columns and its full JSON.
pub struct Row {
    pub cells: Vec<String>,
    pub json: Json,
}

/// A row in its output form: table cells (laid out at the end), or the
/// bytes of its line (JSON: of its object).
pub enum Encoded {
    Cells(Vec<String>),
    Bytes(Vec<u8>),
}

/// Encode a row for `format`; independent of the rows around it, so rows
/// can be encoded in parallel and written in order.
pub fn encode(format: Format, row: Row) -> io::Result<Encoded> {
    Ok(match format {
        Format::Table => Encoded::Cells(row.cells),
        Format::Csv | Format::Tsv => {
            // Quoted as the `csv` crate quotes.
            let delimiter = if format == Format::Csv { b',' } else { b'\t' };
            // A small buffer: the default 8 KiB, zeroed, per row was a
            // tenth of a CSV listing's work.
            let mut writer = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .buffer_capacity(256)
                .from_writer(Vec::new());
            writer.write_record(&row.cells).map_err(io::Error::other)?;
            Encoded::Bytes(
                writer
                    .into_inner()
                    .map_err(|e| io::Error::other(e.to_string()))?,
            )
        }
        Format::Json => Encoded::Bytes(serde_json::to_vec(&row.json)?),
        Format::Jsonl => {
            let mut line = serde_json::to_vec(&row.json)?;
            line.push(b'\n');
            Encoded::Bytes(line)
        }
    })
}

/// Writes rows in the chosen format as they come, so large listings stream
/// (the table format must see every row to size its columns).
pub struct Emitter<W: Write> {
    format: Format,
    out: W,
    headers: Vec<String>,
    /// Table rows, kept until the end to size (and fit) the columns.
    table: Option<Vec<Vec<String>>>,
    count: usize,
}

impl<W: Write> Emitter<W> {
    pub fn new<S: Into<String>>(format: Format, out: W, headers: Vec<S>) -> io::Result<Self> {
        let headers: Vec<String> = headers.into_iter().map(Into::into).collect();
        let mut emitter = Emitter {
            format,
            out,
            headers,
            table: None,
            count: 0,
        };
        match format {
            Format::Table => emitter.table = Some(Vec::new()),
            Format::Csv | Format::Tsv => {
                let header = Row {
                    cells: emitter.headers.clone(),
                    json: Json::Null,
                };
                if let Encoded::Bytes(line) = encode(format, header)? {
                    emitter.out.write_all(&line)?;
                }
            }
            Format::Json => emitter.out.write_all(b"[")?,
            Format::Jsonl => {}
        }
        Ok(emitter)
    }

    pub fn row(&mut self, row: Row) -> io::Result<()> {
        let encoded = encode(self.format, row)?;
        self.push(encoded)
    }

    /// A row already encoded by [`encode`] (perhaps on another thread).
    pub fn push(&mut self, row: Encoded) -> io::Result<()> {
        match row {
            Encoded::Cells(cells) => {
                if let Some(rows) = self.table.as_mut() {
                    rows.push(cells);
                }
            }
            Encoded::Bytes(bytes) => {
                if self.format == Format::Json {
                    let sep = if self.count == 0 { "\n  " } else { ",\n  " };
                    self.out.write_all(sep.as_bytes())?;
                }
                self.out.write_all(&bytes)?;
            }
        }
        self.count += 1;
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<usize> {
        match self.format {
            Format::Table => {
                if let Some(mut rows) = self.table.take() {
                    if self.count > 0 {
                        // Whatever verb built them, no cell acts on the
                        // terminal (only the short keys' own colours pass).
                        for cell in rows.iter_mut().flatten().chain(&mut self.headers) {
                            if let Cow::Owned(safe) = printable_cell(cell) {
                                *cell = safe;
                            }
                        }
                        if let Some(width) = terminal_width() {
                            fit(&self.headers, &mut rows, width);
                        }
                        if rows.iter().flatten().any(|c| c.len() > WIDEST_CELL) {
                            return self.plain_table(&rows);
                        }
                        let mut table = Table::new();
                        table
                            .load_preset(presets::NOTHING)
                            .set_content_arrangement(ContentArrangement::Disabled)
                            .set_header(self.headers.clone());
                        for r in rows {
                            table.add_row(r);
                        }
                        for line in table.lines() {
                            writeln!(self.out, "{}", line.trim_end())?;
                        }
                    }
                }
            }
            Format::Json => {
                let tail: &[u8] = if self.count == 0 { b"]\n" } else { b"\n]\n" };
                self.out.write_all(tail)?;
            }
            Format::Csv | Format::Tsv | Format::Jsonl => {}
        }
        self.out.flush()?;
        Ok(self.count)
    }
}

/// comfy-table keeps widths in 16 bits: a wider cell (a call's 40k
/// arguments with `--args all`) was wrapped mid-row, in time quadratic in
/// the cell (32 s). Bytes bound columns from above, so narrower tables stay
/// comfy-table's.
const WIDEST_CELL: usize = u16::MAX as usize / 2;

impl<W: Write> Emitter<W> {
    /// A table laid out as comfy-table's `NOTHING` preset lays out one
    /// line per row: each cell padded to its column's width with a space
    /// either side, the line's end trimmed.
    fn plain_table(mut self, rows: &[Vec<String>]) -> io::Result<usize> {
        let ncols = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| display_width(h)).collect();
        for r in rows {
            for (i, c) in r.iter().enumerate().take(ncols) {
                widths[i] = widths[i].max(display_width(c));
            }
        }
        let headers = std::mem::take(&mut self.headers);
        for r in std::iter::once(&headers).chain(rows) {
            let mut line = String::new();
            for (c, w) in r.iter().zip(&widths) {
                line.push(' ');
                line.push_str(c);
                line.extend(std::iter::repeat_n(' ', w - display_width(c) + 1));
            }
            writeln!(self.out, "{}", line.trim_end())?;
        }
        self.out.flush()?;
        Ok(self.count)
    }
}

/// The width to fit tables to: the terminal's, or `COLUMNS`; none when the
/// output is not a terminal (pipes get full cells).
fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() {
        return None;
    }
    if let Some(cols) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return Some(cols);
    }
    terminal_size::terminal_size().map(|(w, _)| w.0 as usize)
}

/// Display width, not counting ANSI colour sequences.
fn display_width(s: &str) -> usize {
    let mut width = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
            continue;
        }
        width += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
    }
    width
}

/// Cut `s` to `max` columns, ending in `…` when cut.
fn truncate(s: &str, max: usize) -> String {
    if display_width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut width = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if width + w + 1 > max {
            break;
        }
        out.push(c);
        width += w;
    }
    out.push('…');
    out
}

/// Columns whose cells are short and must stay whole (keys, times, sizes).
const KEEP_WHOLE: [&str; 12] = [
    "key", "started", "walltime", "size", "calls", "kind", "problem", "cache", "digest", "type",
    "default", "latest",
];

/// Shrink the widest free-text columns until the table fits `width`,
/// truncating their cells with `…`; keys, times and sizes stay whole.
pub fn fit(headers: &[String], rows: &mut [Vec<String>], width: usize) {
    const GAP: usize = 2;
    const MIN: usize = 8;
    let ncols = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for r in rows.iter() {
        for (i, c) in r.iter().enumerate().take(ncols) {
            widths[i] = widths[i].max(display_width(c));
        }
    }
    let total = |w: &[usize]| w.iter().sum::<usize>() + GAP * w.len();
    let mut caps = widths.clone();
    while total(&caps) > width {
        let Some((i, w)) = caps
            .iter()
            .enumerate()
            .filter(|(i, w)| **w > MIN && *i > 0 && !KEEP_WHOLE.contains(&headers[*i].as_str()))
            .max_by_key(|(_, w)| **w)
            .map(|(i, w)| (i, *w))
        else {
            break;
        };
        if w <= MIN {
            break;
        }
        caps[i] = w.saturating_sub(total(&caps) - width).max(MIN).min(w - 1);
    }
    for r in rows.iter_mut() {
        for (i, c) in r.iter_mut().enumerate().take(ncols) {
            if caps[i] < widths[i] {
                *c = truncate(c, caps[i]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_tables_are_cut_to_fit_with_an_ellipsis() {
        let headers: Vec<String> = ["key", "name", "tags"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut rows = vec![vec![
            "abcd1234".to_string(),
            "fib".to_string(),
            "x".repeat(100),
        ]];
        fit(&headers, &mut rows, 40);
        let line_width: usize = rows[0].iter().map(|c| display_width(c) + 2).sum();
        assert!(line_width <= 40, "{rows:?}");
        assert!(rows[0][2].ends_with('…'));
        assert_eq!(rows[0][0], "abcd1234");
    }

    #[test]
    fn fitting_never_fails_whatever_the_width() {
        let headers: Vec<String> = ["key", "name", "module", "started", "tags", "result"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for width in 0..160 {
            let mut rows = vec![
                vec![
                    "k".repeat(8),
                    "n".repeat(30),
                    String::new(),
                    "2026-01-01 00:00:00".into(),
                    "t".repeat(70),
                    "é".repeat(40),
                ],
                vec![
                    "k".repeat(12),
                    "日".repeat(9),
                    "m".into(),
                    String::new(),
                    String::new(),
                    "r".into(),
                ],
            ];
            fit(&headers, &mut rows, width);
            assert_eq!(rows[0][0], "k".repeat(8));
        }
    }

    #[test]
    fn colour_codes_take_no_width() {
        assert_eq!(display_width("\x1b[1mab\x1b[0m\x1b[2mcd\x1b[0m"), 4);
        assert_eq!(truncate("日本語のテキスト", 7), "日本語…");
    }
}
