//! `fleche evict`: remove call records, from every member of a stack that
//! holds them (as fleche's `CacheStack.evict`). Their values stay until
//! `gc`, as in fleche.

use crate::args::{Selection, WriteSelect};
use crate::context::Context;
use crate::error::{CliError, Exit};
use crate::output::{Emitter, Format, Row};
use crate::render::plural;
use anyhow::Result;
use clap::Args;
use serde_json::json;
use std::collections::HashSet;
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

pub fn run(ctx: &Context, args: EvictArgs) -> Result<Exit> {
    let cache = ctx.open_to_change(args.dry_run)?;
    let writers = ctx.evictors(&cache, "evicting", args.dry_run)?;
    let selection = args.select.selection(&cache, "evict")?;
    // Per member: the selected records, read before anything is removed.
    let mut selected = Vec::with_capacity(writers.len());
    if let Some(Selection { filter, named }) = &selection {
        for (text, key) in named {
            let mut held = false;
            for w in &writers {
                held |= w.member().get_call(key)?.is_some();
            }
            if !held {
                return Err(CliError::usage(format!(
                    "call `{text}` is only in read-only members of `{}`",
                    cache.members()[0].name()
                ))
                .with_hint("fleche never evicts from a read-only cache")
                .into());
            }
        }
        for w in &writers {
            let records = w.member().select(filter)?;
            let keys: Vec<String> = records.iter().map(|r| r.key.clone()).collect();
            selected.push((w, keys, records));
        }
    }
    let all_keys: Vec<&str> = selected
        .iter()
        .flat_map(|(_, _, records)| records.iter().map(|r| r.key.as_str()))
        .collect();
    let shorts = ctx.short_keys(&cache, &all_keys, false)?;
    let multi = cache.is_multi();
    let mut headers = vec!["key", "name", "module"];
    if multi {
        headers.push("cache");
    }
    let mut emitter = Emitter::new(args.format, io::stdout().lock(), headers)?;
    let mut shorts = shorts.into_iter();
    let mut counts = Vec::new();
    for (w, keys, records) in &selected {
        let removed: HashSet<String> = w.evict(keys, args.dry_run)?.into_iter().collect();
        let member = w.member().name();
        counts.push((member, removed.len()));
        for rec in records {
            let short = shorts.next().unwrap_or_default();
            if !removed.contains(&rec.key) {
                continue;
            }
            let key = if args.format == Format::Table {
                short
            } else {
                rec.key.clone()
            };
            let mut cells = vec![
                key,
                rec.name.clone(),
                rec.module.clone().unwrap_or_default(),
            ];
            let mut json = json!({"key": rec.key, "name": rec.name, "module": rec.module, "dry_run": args.dry_run});
            if multi {
                cells.push(member.to_string());
                json["cache"] = json!(member);
            }
            emitter.row(Row { cells, json })?;
        }
    }
    emitter.finish()?;
    let n: usize = counts.iter().map(|(_, n)| n).sum();
    let verb = if args.dry_run {
        "Would remove"
    } else {
        "Removed"
    };
    let mut line = format!("{verb} {n} call record{}", plural(n));
    if multi && n > 0 {
        let per: Vec<String> = counts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(m, n)| format!("{n} from {m}"))
            .collect();
        line.push_str(&format!(" ({})", per.join(", ")));
    }
    say!("{line}");
    Ok(if n == 0 {
        Exit::NotFound
    } else {
        Exit::Success
    })
}
