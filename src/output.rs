//! Rendering rows for people (a table) and for scripts (JSON, JSONL, CSV,
//! TSV), chosen by one `--format` flag on every listing command.

use clap::ValueEnum;
use comfy_table::{presets, ContentArrangement, Table};
use serde_json::Value as Json;
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

/// One output row: its cells for the table/CSV columns and its full JSON.
pub struct Row {
    pub cells: Vec<String>,
    pub json: Json,
}

/// Writes rows in the chosen format as they come, so large listings stream
/// (the table format must see every row to size its columns).
pub struct Emitter<W: Write> {
    format: Format,
    out: W,
    headers: Vec<String>,
    table: Option<Table>,
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
            Format::Table => {
                let mut table = Table::new();
                table
                    .load_preset(presets::NOTHING)
                    .set_content_arrangement(ContentArrangement::Disabled)
                    .set_header(emitter.headers.clone());
                emitter.table = Some(table);
            }
            Format::Csv | Format::Tsv => {
                let headers = emitter.headers.clone();
                emitter.write_delimited(&headers)?;
            }
            Format::Json => emitter.out.write_all(b"[")?,
            Format::Jsonl => {}
        }
        Ok(emitter)
    }

    /// One CSV/TSV record, quoted as the `csv` crate does.
    fn write_delimited<S: AsRef<[u8]>>(&mut self, cells: &[S]) -> io::Result<()> {
        let delimiter = if self.format == Format::Csv {
            b','
        } else {
            b'\t'
        };
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(Vec::new());
        writer.write_record(cells).map_err(io::Error::other)?;
        let line = writer
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))?;
        self.out.write_all(&line)
    }

    pub fn row(&mut self, row: Row) -> io::Result<()> {
        match self.format {
            Format::Table => {
                if let Some(table) = self.table.as_mut() {
                    table.add_row(row.cells);
                }
            }
            Format::Csv | Format::Tsv => {
                self.write_delimited(&row.cells)?;
            }
            Format::Json => {
                let sep = if self.count == 0 { "\n  " } else { ",\n  " };
                self.out.write_all(sep.as_bytes())?;
                serde_json::to_writer(&mut self.out, &row.json)?;
            }
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, &row.json)?;
                self.out.write_all(b"\n")?;
            }
        }
        self.count += 1;
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<usize> {
        match self.format {
            Format::Table => {
                if let Some(table) = self.table.take() {
                    if self.count > 0 {
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
