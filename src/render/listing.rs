//! Calls as rows: one per call (per member holding it, in a stack or
//! pool), in the table people read or the formats scripts read, optionally
//! with decoded arguments and results as columns.

use super::{call_json, call_json_bytes, decoded_json, tags_text};
use crate::context::Context;
use crate::error::one_line;
use crate::output::{encode, Emitter, Encoded, Format, Row};
use crate::style::printable;
use crate::time;
use anyhow::Result;
use fleche_core::cache::Values;
use fleche_core::store::{CallRecord, ListOptions};
use fleche_core::Cache;
use serde_json::{json, Value as Json};
use std::ops::ControlFlow;

pub const HEADERS: [&str; 6] = ["key", "name", "module", "started", "walltime", "tags"];

/// Which decoded values to add as columns (`query --args`, `--results`).
#[derive(Debug, Clone, Default)]
pub struct Decode {
    /// Argument names to decode as their own columns.
    pub arguments: Option<Vec<String>>,
    /// Every argument, in one column.
    pub all_arguments: bool,
    pub result: bool,
    pub full: bool,
}

impl Decode {
    fn is_empty(&self) -> bool {
        self.arguments.is_none() && !self.all_arguments && !self.result
    }
}

fn decoded(values: &Values, digest: &str, full: bool) -> (String, Json) {
    match values.load(digest) {
        Ok(v) => {
            let j = decoded_json(&v.value, full);
            (j["repr"].as_str().unwrap_or_default().to_string(), j)
        }
        Err(e) => {
            let text = one_line(&e);
            (format!("<{text}>"), json!({"error": text}))
        }
    }
}

/// Builds output rows; needs no call store, so it can run on any thread.
struct RowMaker<'a> {
    format: Format,
    multi: bool,
    named: Vec<String>,
    decode: &'a Decode,
    values: Values<'a>,
}

impl RowMaker<'_> {
    /// The encoded row of `rec` for a machine format (full key).
    fn encode(&self, rec: &CallRecord, member: &str) -> std::io::Result<Encoded> {
        if !self.multi && self.decode.is_empty() {
            match self.format {
                Format::Jsonl => {
                    let mut line = call_json_bytes(rec)?;
                    line.push(b'\n');
                    return Ok(Encoded::Bytes(line));
                }
                Format::Json => return Ok(Encoded::Bytes(call_json_bytes(rec)?)),
                _ => {}
            }
        }
        encode(self.format, self.row(rec, rec.key.clone(), member))
    }

    /// The row of `rec`, showing `key` (full, or short for tables).
    fn row(&self, rec: &CallRecord, key: String, member: &str) -> Row {
        let (started, walltime) = if self.format == Format::Table {
            (
                rec.started().map(time::local).unwrap_or_default(),
                rec.walltime().map(time::human_duration).unwrap_or_default(),
            )
        } else {
            (
                rec.started().map(|t| t.to_string()).unwrap_or_default(),
                rec.walltime().map(|t| t.to_string()).unwrap_or_default(),
            )
        };
        // Tables are for terminals: text from the cache is made printable
        // there; CSV and TSV keep it exact.
        let table = self.format == Format::Table;
        let text = |s: &str| {
            if table {
                printable(s).into_owned()
            } else {
                s.to_string()
            }
        };
        let mut cells = vec![
            key,
            text(&rec.name),
            text(rec.module.as_deref().unwrap_or_default()),
            started,
            walltime,
            text(&tags_text(rec)),
        ];
        // Only the JSON formats print it: a tree per row is a third of a
        // CSV listing's work.
        let json_format = matches!(self.format, Format::Json | Format::Jsonl);
        let mut json = if json_format {
            call_json(rec)
        } else {
            Json::Null
        };
        if self.multi {
            cells.push(text(member));
            json["cache"] = Json::String(member.to_string());
        }
        let decode = self.decode;
        if decode.is_empty() {
            return Row { cells, json };
        }
        let values = &self.values;
        let mut args_json = serde_json::Map::new();
        for name in &self.named {
            match rec.arguments.iter().find(|(n, _)| n == name) {
                Some((_, d)) => {
                    let (shown, j) = decoded(values, d, decode.full);
                    cells.push(text(&shown));
                    args_json.insert(name.clone(), j);
                }
                None => cells.push(String::new()),
            }
        }
        if decode.all_arguments {
            let mut parts = Vec::new();
            for (name, d) in &rec.arguments {
                let (shown, j) = decoded(values, d, decode.full);
                parts.push(text(&format!("{name}={shown}")));
                args_json.insert(name.clone(), j);
            }
            cells.push(parts.join(", "));
        }
        let mut dj = json!({"arguments": args_json});
        if decode.result {
            match &rec.result {
                Some(d) => {
                    let (shown, j) = decoded(values, d, decode.full);
                    cells.push(text(&shown));
                    dj["result"] = j;
                }
                None => {
                    cells.push(String::new());
                    dj["result"] = Json::Null;
                }
            }
        }
        json["decoded"] = dj;
        Row { cells, json }
    }
}

/// Stream the selected calls in the chosen format. Table rows carry short
/// keys; machine formats carry full keys and exact numbers. A stack or pool
/// lists each member's calls (a key held by several members once per
/// member) with a `cache` column, merged in the requested order.
pub fn emit_calls(
    ctx: &Context,
    cache: &Cache,
    opts: &ListOptions,
    format: Format,
    decode: &Decode,
) -> Result<usize> {
    let rows = || emit_rows(ctx, cache, opts, format, decode);
    if format == Format::Table {
        // Short keys need every value file's name.
        cache.while_indexing_values(rows)
    } else {
        rows()
    }
}

/// Where a streaming sink keeps the first error it met: the stream stops
/// there, and the error is returned once the store has let go.
#[derive(Default)]
struct FirstError(Option<anyhow::Error>);

impl FirstError {
    fn check(&mut self, step: Result<()>) -> ControlFlow<()> {
        match step {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.0 = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

fn emit_rows(
    ctx: &Context,
    cache: &Cache,
    opts: &ListOptions,
    format: Format,
    decode: &Decode,
) -> Result<usize> {
    let color = format == Format::Table && ctx.color();
    let multi = cache.is_multi();
    let mut headers: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    if multi {
        headers.push("cache".into());
    }
    let named: Vec<String> = decode.arguments.clone().unwrap_or_default();
    headers.extend(named.iter().cloned());
    if decode.all_arguments {
        headers.push("arguments".into());
    }
    if decode.result {
        headers.push("result".into());
    }
    let mut emitter = Emitter::new(format, crate::output::listing_stdout(), headers)?;
    let maker = RowMaker {
        format,
        multi,
        named,
        decode,
        values: cache.values(),
    };
    let mut failure = FirstError::default();
    if format != Format::Table {
        // Machine formats need no call store per row: rows are built and
        // encoded where the records are read, in parallel when possible.
        let map = |member: &str, rec: CallRecord| maker.encode(&rec, member);
        // Rows of one cache without decoded columns only print the
        // metadata (CSV: its runtime and tags, read off the text): the
        // store may hand it over as text.
        let opts = &ListOptions {
            metadata_as_text: !multi && decode.is_empty(),
            ..opts.clone()
        };
        cache.list_mapped(opts, &map, |encoded: std::io::Result<Encoded>| {
            failure.check(
                encoded
                    .and_then(|row| emitter.push(row))
                    .map_err(Into::into),
            )
        })?;
    } else {
        cache.list(opts, |member, rec| {
            let row = ctx
                .short_key(cache, &rec.key, color)
                .and_then(|key| Ok(emitter.row(maker.row(&rec, key, member.name()))?));
            failure.check(row)
        })?;
    }
    failure.0.map_or_else(|| Ok(emitter.finish()?), Err)
}
