//! `fleche ls`: one row per call, newest first.

use super::GlobalArgs;
use crate::error::Exit;
use crate::output::{encode, Emitter, Encoded, Format, Row};
use crate::{cache, style, time};
use anyhow::Result;
use clap::{Args, ValueEnum};
use fleche_core::cache::{load_value_from, Caches, ValueStore};
use fleche_core::store::{CallRecord, ListOptions, SortKey};
use serde_json::{json, Value as Json};
use std::ops::ControlFlow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sort {
    /// Start time, newest first.
    Started,
    /// Function name, A to Z.
    Name,
    /// Wall time, longest first.
    Walltime,
    /// Call key.
    Key,
}

/// Ordering and paging shared by `ls` and `query`.
#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    /// Show at most N calls.
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<u64>,
    /// Order of the rows.
    #[arg(long, value_enum, default_value_t = Sort::Started)]
    pub sort: Sort,
    /// Reverse the order.
    #[arg(long, short = 'r')]
    pub reverse: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
#[command(about = "List the calls in the cache, newest first")]
pub struct LsArgs {
    #[command(flatten)]
    pub list: ListArgs,
}

pub fn run(global: &GlobalArgs, args: LsArgs) -> Result<Exit> {
    let caches = cache::open(global)?;
    let opts = list_options(&args.list, Default::default());
    emit_calls(&caches, &opts, args.list.format, global)?;
    Ok(Exit::Success)
}

pub fn list_options(list: &ListArgs, filter: fleche_core::store::CallFilter) -> ListOptions {
    ListOptions {
        filter,
        sort: match list.sort {
            Sort::Started => SortKey::Started,
            Sort::Name => SortKey::Name,
            Sort::Walltime => SortKey::Walltime,
            Sort::Key => SortKey::Key,
        },
        reverse: list.reverse,
        limit: list.limit,
    }
}

/// The JSON form of a call, as documented in the README.
pub fn call_json(rec: &CallRecord) -> Json {
    let arguments: serde_json::Map<String, Json> = rec
        .arguments
        .iter()
        .map(|(n, d)| (n.clone(), Json::String(d.clone())))
        .collect();
    json!({
        "kind": "call",
        "key": rec.key,
        "name": rec.name,
        "module": rec.module,
        "version": rec.version,
        "code_digest": rec.code_digest,
        "arguments": arguments,
        "result": rec.result,
        "metadata": rec.metadata,
    })
}

/// [`call_json`] serialized straight from the record, without building a
/// JSON tree first: the same bytes (the same fields in the same order), a
/// third of the work per row of a long listing.
struct CallJson<'a>(&'a CallRecord);

impl serde::Serialize for CallJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let rec = self.0;
        let mut m = s.serialize_map(Some(9))?;
        m.serialize_entry("kind", "call")?;
        m.serialize_entry("key", &rec.key)?;
        m.serialize_entry("name", &rec.name)?;
        m.serialize_entry("module", &rec.module)?;
        m.serialize_entry("version", &rec.version)?;
        m.serialize_entry("code_digest", &rec.code_digest)?;
        m.serialize_entry("arguments", &Arguments(&rec.arguments))?;
        m.serialize_entry("result", &rec.result)?;
        m.serialize_entry("metadata", &rec.metadata)?;
        m.end()
    }
}

/// The arguments as a JSON object, as [`call_json`] builds it.
struct Arguments<'a>(&'a [(String, String)]);

impl serde::Serialize for Arguments<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let args = self.0;
        let repeated = args
            .iter()
            .enumerate()
            .any(|(i, (n, _))| args[..i].iter().any(|(m, _)| m == n));
        if repeated {
            // A map keeps the first position and the last value.
            let map: serde_json::Map<String, Json> = args
                .iter()
                .map(|(n, d)| (n.clone(), Json::String(d.clone())))
                .collect();
            return map.serialize(s);
        }
        let mut m = s.serialize_map(Some(args.len()))?;
        for (n, d) in args {
            m.serialize_entry(n, d)?;
        }
        m.end()
    }
}

/// `k=v, k2=v2` for the tags column.
pub fn tags_text(rec: &CallRecord) -> String {
    rec.tags()
        .map(|t| {
            t.iter()
                .map(|(k, v)| match v {
                    Json::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

pub const HEADERS: [&str; 6] = ["key", "name", "module", "started", "walltime", "tags"];

/// The short key people see: unique among every member's calls and values.
pub fn short_key(caches: &Caches, key: &str, color: bool) -> Result<String> {
    let short = caches.display_prefix(key)?;
    Ok(style::short_id(key, short.len(), color))
}

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

fn decoded(values: &[&ValueStore], digest: &str, full: bool) -> (String, Json) {
    match load_value_from(values.iter().copied(), digest) {
        Ok(v) => {
            let j = super::show::decoded_json(&v.value, full);
            (j["repr"].as_str().unwrap_or_default().to_string(), j)
        }
        Err(e) => (format!("<{e}>"), json!({"error": e.to_string()})),
    }
}

/// Builds output rows; needs no call store, so it can run on any thread.
struct RowMaker<'a> {
    format: Format,
    multi: bool,
    named: Vec<String>,
    decode: &'a Decode,
    values: Vec<&'a ValueStore>,
}

impl RowMaker<'_> {
    /// The encoded row of `rec` for a machine format (full key).
    fn encode(&self, rec: &CallRecord, member: &str) -> std::io::Result<Encoded> {
        if !self.multi && self.decode.is_empty() {
            match self.format {
                Format::Jsonl => {
                    let mut line = serde_json::to_vec(&CallJson(rec))?;
                    line.push(b'\n');
                    return Ok(Encoded::Bytes(line));
                }
                Format::Json => return Ok(Encoded::Bytes(serde_json::to_vec(&CallJson(rec))?)),
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
        let mut cells = vec![
            key,
            rec.name.clone(),
            rec.module.clone().unwrap_or_default(),
            started,
            walltime,
            tags_text(rec),
        ];
        let mut json = call_json(rec);
        if self.multi {
            cells.push(member.to_string());
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
                    let (text, j) = decoded(values, d, decode.full);
                    cells.push(text);
                    args_json.insert(name.clone(), j);
                }
                None => cells.push(String::new()),
            }
        }
        if decode.all_arguments {
            let mut parts = Vec::new();
            for (name, d) in &rec.arguments {
                let (text, j) = decoded(values, d, decode.full);
                parts.push(format!("{name}={text}"));
                args_json.insert(name.clone(), j);
            }
            cells.push(parts.join(", "));
        }
        let mut dj = json!({"arguments": args_json});
        if decode.result {
            match &rec.result {
                Some(d) => {
                    let (text, j) = decoded(values, d, decode.full);
                    cells.push(text);
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

pub fn emit_calls(
    caches: &Caches,
    opts: &ListOptions,
    format: Format,
    global: &GlobalArgs,
) -> Result<usize> {
    emit_calls_decoded(caches, opts, format, global, &Decode::default())
}

/// Stream the selected calls in the chosen format. Table rows carry short
/// keys; machine formats carry full keys and exact numbers. A stack or pool
/// lists each member's calls (a key held by several members once per
/// member) with a `cache` column, merged in the requested order.
pub fn emit_calls_decoded(
    caches: &Caches,
    opts: &ListOptions,
    format: Format,
    global: &GlobalArgs,
    decode: &Decode,
) -> Result<usize> {
    // Short keys need every value file's name: list the value directories
    // on other threads while the records are read.
    std::thread::scope(|scope| {
        if format == Format::Table {
            for m in &caches.members {
                let values = &m.values;
                scope.spawn(move || {
                    let _ = values.index();
                });
            }
        }
        emit_rows(caches, opts, format, global, decode)
    })
}

/// A sink that runs `step` on each item and stops at the first error,
/// which it leaves in `failure`.
fn until_error<'a, T>(
    failure: &'a mut Option<anyhow::Error>,
    mut step: impl FnMut(T) -> Result<()> + 'a,
) -> impl FnMut(T) -> ControlFlow<()> + 'a {
    move |item| match step(item) {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => {
            *failure = Some(e);
            ControlFlow::Break(())
        }
    }
}

fn emit_rows(
    caches: &Caches,
    opts: &ListOptions,
    format: Format,
    global: &GlobalArgs,
    decode: &Decode,
) -> Result<usize> {
    let color = format == Format::Table && style::color_enabled(global);
    let multi = caches.is_multi();
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
        values: caches.value_stores(),
    };
    let key_text = |rec: &CallRecord| -> Result<String> {
        if format == Format::Table {
            short_key(caches, &rec.key, color)
        } else {
            Ok(rec.key.clone())
        }
    };
    if !multi && format != Format::Table {
        // Machine formats need no call store per row: rows are built and
        // encoded where the records are read, in parallel when possible.
        let member = &caches.members[0];
        let name = member.name.as_str();
        let map = |rec: CallRecord| maker.encode(&rec, name);
        let mut failure = None;
        let sink = until_error(&mut failure, |encoded: std::io::Result<Encoded>| {
            Ok(emitter.push(encoded?)?)
        });
        member.calls.for_each_mapped(opts, &map, sink)?;
        return failure.map_or_else(|| Ok(emitter.finish()?), Err);
    }
    if !multi {
        let member = &caches.members[0];
        let mut failure = None;
        let sink = until_error(&mut failure, |rec: CallRecord| {
            let key = key_text(&rec)?;
            Ok(emitter.row(maker.row(&rec, key, &member.name))?)
        });
        member.calls.for_each(opts, sink)?;
        return failure.map_or_else(|| Ok(emitter.finish()?), Err);
    }
    // Several members: each sorted and limited, then merged.
    let mut all: Vec<(CallRecord, String)> = Vec::new();
    for m in &caches.members {
        m.calls.for_each(opts, |rec| {
            all.push((rec, m.name.clone()));
            ControlFlow::Continue(())
        })?;
    }
    fleche_core::store::callfiles::sort_by_record(&mut all, |(r, _)| r, opts.sort, opts.reverse);
    let limit = opts.limit.map(|l| l as usize).unwrap_or(usize::MAX);
    for (rec, member) in all.iter().take(limit) {
        emitter.row(maker.row(rec, key_text(rec)?, member))?;
    }
    Ok(emitter.finish()?)
}
