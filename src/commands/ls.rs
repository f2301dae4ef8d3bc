//! `fleche ls`: one row per call, newest first.

use super::GlobalArgs;
use crate::error::Exit;
use crate::output::{Emitter, Format, Row};
use crate::{cache, style, time};
use anyhow::Result;
use clap::{Args, ValueEnum};
use fleche_core::cache::Cache;
use fleche_core::prefix;
use fleche_core::store::{CallRecord, ListOptions, SortKey};
use serde_json::{json, Value as Json};
use std::io;
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
    let cache = cache::open(global)?;
    let opts = list_options(&args.list, Default::default());
    emit_calls(&cache, &opts, args.list.format, global)?;
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

/// The short key people see: unique among calls and values together.
pub fn short_key(cache: &Cache, key: &str, color: bool) -> Result<String> {
    let values = cache.values.sorted_keys()?;
    let short = prefix::display_prefix(key, &cache.calls, values)?;
    Ok(style::short_id(key, short.len(), color))
}

/// Stream the selected calls in the chosen format. Table rows carry short
/// keys; machine formats carry full keys and exact numbers.
pub fn emit_calls(
    cache: &Cache,
    opts: &ListOptions,
    format: Format,
    global: &GlobalArgs,
) -> Result<usize> {
    let color = format == Format::Table && style::color_enabled(global);
    let stdout = io::stdout().lock();
    let mut emitter = Emitter::new(format, stdout, HEADERS.to_vec())?;
    let mut failure: Option<anyhow::Error> = None;
    cache.calls.for_each(opts, |rec| {
        let row = || -> Result<Row> {
            let key = if format == Format::Table {
                short_key(cache, &rec.key, color)?
            } else {
                rec.key.clone()
            };
            let (started, walltime) = if format == Format::Table {
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
            Ok(Row {
                cells: vec![
                    key,
                    rec.name.clone(),
                    rec.module.clone().unwrap_or_default(),
                    started,
                    walltime,
                    tags_text(&rec),
                ],
                json: call_json(&rec),
            })
        };
        match row().and_then(|r| emitter.row(r).map_err(Into::into)) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                failure = Some(e);
                ControlFlow::Break(())
            }
        }
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(emitter.finish()?)
}
