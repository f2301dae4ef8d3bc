//! `fleche gc`: delete value files no call record needs, without the
//! hazards of fleche's own `Cache.gc()` (see `fleche_core::gc`).

use crate::context::Context;
use crate::error::{CliError, Exit};
use crate::output::{Emitter, Format, Row};
use crate::render::{human_bytes, plural, thousands};
use crate::style::Progress;
use anyhow::Result;
use clap::Args;
use fleche_core::gc;
use serde_json::json;
use std::io;
use std::time::SystemTime;

#[derive(Debug, Args)]
#[command(
    about = "Delete value files that no call record needs (safe beside running fleche jobs)",
    long_about = "Delete value files that no call record needs.\n\n\
A value is live when a record of this cache, or of any other configured cache sharing the same \
value directory, names it as an argument or result, or when a live destructured container \
points at it. Files younger than --min-age are kept, with everything they point at, because a \
running call saves its values before its record. If a live file cannot be decoded, nothing is \
deleted.",
    after_help = "Examples:\n  fleche gc --dry-run\n  fleche gc --min-age 1d\n  fleche gc --format json > removed.json"
)]
pub struct GcArgs {
    /// Keep value files modified more recently than this (0, 90s, 30m, 2h, 1d, 1w).
    #[arg(long, value_name = "AGE", default_value = crate::context::GC_MIN_AGE)]
    pub min_age: String,
    /// List each file that would be deleted, with its size, and the total; delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format of the list of files (a real run in table format prints only the summary).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(ctx: &Context, args: GcArgs) -> Result<Exit> {
    let min_age = crate::time::parse_age(&args.min_age)
        .map_err(|e| CliError::usage(format!("--min-age: {e}")))?;
    let cache = ctx.open()?;
    let member = if args.dry_run {
        cache.gc_member()
    } else {
        ctx.writer(&cache, "gc", false)?.member()
    };
    let collection = cache.collection(member)?;
    for name in collection.shared_with() {
        say!("Note: cache `{name}` shares this value directory; its records count as live too");
    }
    if min_age.is_zero() && collection.writer_active() && !args.dry_run {
        say!(
            "Warning: a fleche process has the call database open; with --min-age 0 the argument values \
             of calls still running (saved before their record) can be deleted"
        );
    }
    let progress = Progress::start("Scanning records and values…");
    let plan = collection.plan(min_age, SystemTime::now())?;
    drop(progress);
    if let Some(first) = plan.foreign.first() {
        say!(
            "Note: {} file{} in {} {} no fleche value{} (a name or file type fleche never writes; first: {first}); gc never deletes {}",
            thousands(plan.foreign.len() as u64),
            plural(plan.foreign.len()),
            plan.root.display(),
            if plan.foreign.len() == 1 { "is" } else { "are" },
            plural(plan.foreign.len()),
            if plan.foreign.len() == 1 { "it" } else { "them" },
        );
    }
    let mut emitter = Emitter::new(
        args.format,
        io::stdout().lock(),
        vec!["key", "size", "path"],
    )?;
    let list = |emitter: &mut Emitter<_>, dead: &[gc::DeadValue]| -> Result<()> {
        for d in dead {
            let size = if args.format == Format::Table {
                human_bytes(d.size)
            } else {
                d.size.to_string()
            };
            emitter.row(Row {
                cells: vec![d.key.clone(), size, d.path.display().to_string()],
                json: json!({"key": d.key, "size": d.size, "path": d.path.to_string_lossy(), "dry_run": args.dry_run}),
            })?;
        }
        Ok(())
    };
    if args.dry_run {
        list(&mut emitter, &plan.dead)?;
        emitter.finish()?;
        say!(
            "Would remove {} value{}, {} ({} live, {} kept for being younger than {})",
            thousands(plan.dead.len() as u64),
            plural(plan.dead.len()),
            human_bytes(plan.dead_bytes()),
            thousands(plan.live as u64),
            thousands(plan.young.len() as u64),
            args.min_age
        );
        return Ok(Exit::Success);
    }
    let swept = collection.sweep(&plan, min_age)?;
    if args.format != Format::Table {
        list(&mut emitter, &swept.removed)?;
    }
    emitter.finish()?;
    let bytes: u64 = swept.removed.iter().map(|d| d.size).sum();
    let mut line = format!(
        "Removed {} value{}, {}",
        thousands(swept.removed.len() as u64),
        plural(swept.removed.len()),
        human_bytes(bytes)
    );
    if !swept.spared.is_empty() {
        line.push_str(&format!(
            "; spared {} that were used again meanwhile",
            swept.spared.len()
        ));
    }
    say!("{line}");
    if let Some((key, why)) = swept.failed.first() {
        return Err(CliError::usage(format!(
            "could not remove {} file(s) (first: {key}: {why})",
            swept.failed.len()
        ))
        .into());
    }
    Ok(Exit::Success)
}
