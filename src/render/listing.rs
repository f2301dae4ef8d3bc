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
use fleche_core::shortest::display_text;
use fleche_core::store::{CallRecord, Detail, ListOptions};
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

/// [`call_json_bytes`] of a call whose arguments have different names
/// (None otherwise), written here: serde escapes strings byte by byte
/// through its writer, a tenth of a JSONL listing's instructions, while
/// keys, digests and names almost never hold anything to escape and are
/// copied whole.
fn call_line(rec: &CallRecord) -> Option<Vec<u8>> {
    let args = &rec.arguments;
    let repeated = if args.len() <= 16 {
        args.iter()
            .enumerate()
            .any(|(i, (n, _))| args[..i].iter().any(|(m, _)| m == n))
    } else {
        let mut seen = std::collections::HashSet::with_capacity(args.len());
        !args.iter().all(|(n, _)| seen.insert(n.as_str()))
    };
    if repeated {
        return None;
    }
    let mut out = Vec::with_capacity(
        512 + rec.metadata_text.as_ref().map_or(0, String::len) + 140 * args.len(),
    );
    let opt = |out: &mut Vec<u8>, s: &Option<String>| match s {
        Some(s) => json_str(out, s),
        None => out.extend_from_slice(b"null"),
    };
    out.extend_from_slice(b"{\"kind\":\"call\",\"key\":");
    json_str(&mut out, &rec.key);
    out.extend_from_slice(b",\"name\":");
    json_str(&mut out, &rec.name);
    out.extend_from_slice(b",\"module\":");
    opt(&mut out, &rec.module);
    out.extend_from_slice(b",\"version\":");
    match &rec.version {
        None => out.extend_from_slice(b"null"),
        Some(v) => serde_json::to_writer(&mut out, v).ok()?,
    }
    out.extend_from_slice(b",\"code_digest\":");
    opt(&mut out, &rec.code_digest);
    out.extend_from_slice(b",\"arguments\":{");
    for (i, (name, digest)) in args.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_str(&mut out, name);
        out.push(b':');
        json_str(&mut out, digest);
    }
    out.extend_from_slice(b"},\"result\":");
    opt(&mut out, &rec.result);
    out.extend_from_slice(b",\"metadata\":");
    match &rec.metadata_text {
        Some(text) => out.extend_from_slice(text.as_bytes()),
        None => serde_json::to_writer(&mut out, &rec.metadata).ok()?,
    }
    out.push(b'}');
    Some(out)
}

/// A JSON string as serde_json writes it: copied when nothing in it needs
/// escaping, else by serde.
fn json_str(out: &mut Vec<u8>, s: &str) {
    let escaped = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    // Whole chunks without an early exit, which the compiler vectorizes.
    let mut chunks = s.as_bytes().chunks_exact(16);
    let plain = chunks
        .by_ref()
        .all(|c| !c.iter().fold(false, |any, &b| any | escaped(b)))
        && !chunks.remainder().iter().any(|&b| escaped(b));
    if plain {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
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
                    let mut line = match call_line(rec) {
                        Some(line) => line,
                        None => call_json_bytes(rec)?,
                    };
                    line.push(b'\n');
                    return Ok(Encoded::Bytes(line));
                }
                Format::Json => {
                    return Ok(Encoded::Bytes(match call_line(rec) {
                        Some(line) => line,
                        None => call_json_bytes(rec)?,
                    }))
                }
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
                rec.started().map(display_text).unwrap_or_default(),
                rec.walltime().map(display_text).unwrap_or_default(),
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
        // store may hand it over as text, and for CSV and TSV leave out
        // what they do not show.
        let detail = match format {
            _ if multi || !decode.is_empty() => Detail::Whole,
            Format::Csv | Format::Tsv => Detail::Summary,
            _ => Detail::MetadataAsText,
        };
        let opts = &ListOptions {
            detail,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings with nothing to escape, and with each thing serde escapes
    /// at the start, in a whole 16-byte chunk and in the remainder.
    const TEXTS: &[&str] = &[
        "",
        "f",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "quote\"in the first chunk",
        "a whole sixteen-byte chunk and then a quote\"",
        "back\\slash",
        "0123456789abcdef\n",
        "tab\tand\u{1}and\u{1f}and\u{7f}",
        "Zoë 日本 😀",
        "0123456789abcde\u{8}\u{c}\r",
    ];

    fn record(i: usize) -> CallRecord {
        let text = |j: usize| TEXTS[(i + j) % TEXTS.len()].to_string();
        let mut metadata = serde_json::Map::new();
        metadata.insert("runtime".into(), json!({"timestart": 1.5, "k": text(3)}));
        let versions = [None, Some(json!(2)), Some(json!("1.2")), Some(json!(1.5))];
        CallRecord {
            key: text(0),
            name: text(1),
            module: (!i.is_multiple_of(3)).then(|| text(2)),
            version: versions[i % versions.len()].clone(),
            code_digest: i.is_multiple_of(2).then(|| text(4)),
            arguments: (0..i % 4)
                .map(|j| (format!("{}{j}", text(j)), text(j + 5)))
                .collect(),
            result: (!i.is_multiple_of(5)).then(|| text(6)),
            metadata_text: (i % 2 == 1).then(|| serde_json::to_string(&metadata).unwrap()),
            metadata,
        }
    }

    #[test]
    fn call_lines_are_what_serde_writes() {
        for i in 0..200 {
            let rec = record(i);
            let line = call_line(&rec).expect("names differ");
            assert_eq!(
                String::from_utf8(line).unwrap(),
                String::from_utf8(call_json_bytes(&rec).unwrap()).unwrap(),
                "{rec:?}"
            );
        }
        // More arguments than are compared pairwise.
        let mut rec = record(1);
        rec.arguments = (0..40)
            .map(|j| (format!("a{j}"), TEXTS[j % 10].into()))
            .collect();
        assert_eq!(call_line(&rec).unwrap(), call_json_bytes(&rec).unwrap());
        // A repeated name is left to serde's map (first place, last value).
        for n in [3, 40] {
            rec.arguments = (0..n).map(|j| (format!("a{j}"), format!("d{j}"))).collect();
            rec.arguments.push(("a1".into(), "again".into()));
            assert_eq!(call_line(&rec), None);
        }
    }
}
