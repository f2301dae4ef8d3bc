//! `fleche evict`: remove call records. Their values stay until `gc`, as
//! in fleche.

use crate::args::WriteSelect;
use crate::context::Context;
use crate::error::Exit;
use crate::output::{Emitter, Format, Row};
use crate::render::plural;
use anyhow::Result;
use clap::Args;
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

pub fn run(ctx: &Context, args: EvictArgs) -> Result<Exit> {
    let cache = ctx.open()?;
    let writer = ctx.writer(&cache, "evicting")?;
    let keys = args.select.keys(&cache, &writer, "evict")?;
    let member = writer.member();
    let records: Vec<_> = keys
        .iter()
        .filter_map(|k| member.get_call(k).ok().flatten())
        .collect();
    let record_keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
    let shorts = ctx.short_keys(&cache, &record_keys, false)?;
    let removed = writer.evict(&keys, args.dry_run)?;
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
    eprintln!("{verb} {n} call record{}", plural(n));
    Ok(if n == 0 {
        Exit::NotFound
    } else {
        Exit::Success
    })
}
