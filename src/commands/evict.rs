//! `fleche evict`: remove call records. Their values stay until `gc`, as
//! in fleche.

use super::select::WriteSelect;
use super::tag::sql_writer;
use super::GlobalArgs;
use crate::cache;
use crate::error::{CliError, Exit};
use crate::output::{Emitter, Format, Row};
use anyhow::Result;
use clap::Args;
use fleche_core::cache::CallStore;
use fleche_core::store::callfiles;
use serde_json::json;
use std::io;

#[derive(Debug, Args)]
#[command(
    about = "Remove call records (values stay until `fleche gc`)",
    after_help = "Examples:\n  fleche evict 4435e292\n  fleche evict --name fib --dry-run\n  fleche evict --tag keep=False"
)]
pub struct EvictArgs {
    #[command(flatten)]
    pub select: WriteSelect,
    /// List what would be removed without removing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(global: &GlobalArgs, args: EvictArgs) -> Result<Exit> {
    let caches = cache::open(global)?;
    let cache = cache::writable(&caches, "evicting")?;
    let keys = args.select.keys(&caches, cache, "evict")?;
    let records: Vec<_> = keys
        .iter()
        .filter_map(|k| cache.calls.get(k).ok().flatten())
        .collect();
    let shorts: Vec<String> = records
        .iter()
        .map(|r| super::ls::short_key(&caches, &r.key, false))
        .collect::<Result<_>>()?;
    let removed = match &cache.calls {
        CallStore::Sql(_) => sql_writer(cache, "evict")?.evict(&keys, args.dry_run)?,
        #[cfg(feature = "postgresql")]
        CallStore::Pg(p) => p.writer()?.evict(&keys, args.dry_run)?,
        CallStore::Files(f) => {
            let mut removed = Vec::new();
            for key in &keys {
                let gone = if args.dry_run {
                    f.get(key).is_some()
                } else {
                    callfiles::evict_file(f.root(), key).map_err(|e| {
                        CliError::usage(format!("cannot remove call file {key}: {e}"))
                    })?
                };
                if gone {
                    removed.push(key.clone());
                }
            }
            removed
        }
    };
    let mut emitter = Emitter::new(
        args.format,
        io::stdout().lock(),
        vec!["key", "name", "module"],
    )?;
    for (rec, short) in records
        .iter()
        .zip(&shorts)
        .filter(|(r, _)| removed.contains(&r.key))
    {
        let key = if args.format == Format::Table {
            short.clone()
        } else {
            rec.key.clone()
        };
        emitter.row(Row {
            cells: vec![key, rec.name.clone(), rec.module.clone().unwrap_or_default()],
            json: json!({"key": rec.key, "name": rec.name, "module": rec.module, "dry_run": args.dry_run}),
        })?;
    }
    emitter.finish()?;
    let n = removed.len();
    let verb = if args.dry_run {
        "Would remove"
    } else {
        "Removed"
    };
    eprintln!("{verb} {n} call record{}", if n == 1 { "" } else { "s" });
    Ok(if n == 0 {
        Exit::NotFound
    } else {
        Exit::Success
    })
}
