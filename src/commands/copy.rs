//! `fleche copy`: copy calls and every value they need into another cache
//! (fleche's `transfer`), as bytes, without unpickling anything; `--move`
//! removes them from the source once the target has them (fleche's `pop`).

use crate::args::{Selection, WriteSelect};
use crate::context::Context;
use crate::error::Exit;
use crate::output::{Emitter, Format, Row};
use crate::render::{human_bytes, plural, thousands};
use anyhow::Result;
use clap::Args;
use fleche_core::cache::{CopyPlan, CopyReport};
use fleche_core::store::{CallRecord, ListOptions};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::io::{self, IsTerminal};
use std::ops::ControlFlow;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(
    about = "Copy calls and the values they need into another cache",
    after_help = "Values are copied as bytes (only gzip and signature change when the target compresses or signs \
differently), destructured children with them; the records are filed last, in one transaction for a database, so an \
interrupted copy leaves no record without its values and running it again completes it. Calls the target already holds \
are skipped unless --overwrite. A directory that holds no cache gets one shaped like the source's first member.\n\n\
With --move, the copied calls (and those the target already holds with the same arguments and result) are then evicted \
from the source; their values stay there until `fleche gc`.\n\n\
--dry-run and the json/jsonl/csv formats list every selected call with what happens to it.\n\n\
Exit status: 0 when every selected call is in the target afterwards, 1 when some could not be copied, 2 on errors.\n\n\
Examples:\n  fleche copy --all --to team\n  fleche copy --name fit --to-root /shared/project/.fleche --dry-run\n  \
fleche copy --tag run=7 --to-root ~/handoff --to-sql postgresql://db/cache --move"
)]
pub struct CopyArgs {
    #[command(flatten)]
    pub select: WriteSelect,
    /// Copy into this configured cache (writes go to a stack's first member).
    #[arg(
        long,
        value_name = "NAME",
        help_heading = "Target",
        required_unless_present = "to_root",
        conflicts_with = "to_root"
    )]
    pub to: Option<String>,
    /// Copy into the cache in DIR (values in DIR/values), made if DIR holds none.
    #[arg(long, value_name = "DIR", help_heading = "Target")]
    pub to_root: Option<PathBuf>,
    /// File the records in this database (sqlite:///PATH or postgresql://…) instead.
    #[arg(long, value_name = "URL", help_heading = "Target")]
    pub to_sql: Option<String>,
    /// Evict the calls from the source once the target has them.
    #[arg(long = "move")]
    pub move_: bool,
    /// Replace records the target already holds under the same keys.
    #[arg(long)]
    pub overwrite: bool,
    /// Say what would be copied, and how many bytes, without writing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(ctx: &Context, args: CopyArgs) -> Result<Exit> {
    let writes_source = args.move_ && !args.dry_run;
    let cache = if writes_source {
        ctx.open_to_change(false)?
    } else {
        ctx.open()?
    };
    let evictors = if args.move_ {
        ctx.evictors(&cache, "moving", args.dry_run)?
    } else {
        Vec::new()
    };
    let like = &cache.members()[0];
    let target = ctx.copy_target(
        args.to.as_deref(),
        args.to_root.as_ref(),
        args.to_sql.as_deref(),
        like,
        args.dry_run,
    )?;
    let records = selected(&cache, &args.select)?;
    let selected_n = records.len();
    // Names for the listing, which only dry runs and scripts get.
    let listed = args.dry_run || args.format != Format::Table;
    let names: HashMap<String, (String, Option<String>)> = records
        .iter()
        .filter(|_| listed)
        .map(|r| (r.key.clone(), (r.name.clone(), r.module.clone())))
        .collect();
    let plan = target.plan(&cache, records, args.overwrite)?;
    let report = if args.dry_run {
        None
    } else {
        Some(write(&cache, &target, &plan, args.overwrite)?)
    };
    // --move: what the target has now, with the same arguments and result.
    let mut moved = Vec::new();
    if args.move_ {
        let mut gone: Vec<String> = match &report {
            Some(r) => r.written.clone(),
            None => plan.calls.iter().map(|c| c.key.clone()).collect(),
        };
        gone.extend(
            plan.present
                .iter()
                .filter(|(_, same)| *same)
                .map(|(k, _)| k.clone()),
        );
        gone.sort();
        for w in &evictors {
            moved.extend(w.evict(&gone, args.dry_run)?);
        }
        moved.sort();
        moved.dedup();
    }
    if listed {
        list(ctx, &cache, &args, &plan, report.as_ref(), &names)?;
    }
    summary(&args, &target, &plan, report.as_ref(), moved.len());
    let copied_or_there = match &report {
        Some(r) => r.written.len() + r.raced.len(),
        None => plan.calls.len(),
    } + plan.present.len();
    Ok(if copied_or_there == selected_n {
        Exit::Success
    } else {
        Exit::NotFound
    })
}

/// The selected records of the whole cache (a stack's members merged, the
/// first holding a key winning), sorted by key.
fn selected(cache: &fleche_core::Cache, select: &WriteSelect) -> Result<Vec<CallRecord>> {
    let Some(Selection { filter, .. }) = select.selection(cache, "copy")? else {
        return Ok(Vec::new());
    };
    let opts = ListOptions {
        filter,
        ..ListOptions::default()
    };
    let mut seen = HashSet::new();
    let mut records = Vec::new();
    cache.list(&opts, |_, rec| {
        if seen.insert(rec.key.clone()) {
            records.push(rec);
        }
        ControlFlow::Continue(())
    })?;
    records.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(records)
}

/// Do the copy, with a progress bar on a terminal.
fn write(
    cache: &fleche_core::Cache,
    target: &fleche_core::cache::Target,
    plan: &CopyPlan,
    overwrite: bool,
) -> Result<CopyReport> {
    let bar = (io::stderr().is_terminal() && !plan.values.is_empty()).then(|| {
        let bar = indicatif::ProgressBar::new(plan.bytes);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "copying values {bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |n: u64| {
        if let Some(bar) = &bar {
            bar.inc(n);
        }
    };
    let report = target.write(cache, plan, overwrite, &progress);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(report?)
}

/// Every selected call with what became (or would become) of it.
fn list(
    ctx: &Context,
    cache: &fleche_core::Cache,
    args: &CopyArgs,
    plan: &CopyPlan,
    report: Option<&CopyReport>,
    names: &HashMap<String, (String, Option<String>)>,
) -> Result<()> {
    let mut emitter = Emitter::new(
        args.format,
        io::stdout().lock(),
        vec!["key", "name", "module", "status"],
    )?;
    let raced: HashSet<&str> = report
        .map(|r| r.raced.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let copied = if args.dry_run { "would copy" } else { "copied" };
    let mut rows: Vec<(&str, String)> = plan
        .calls
        .iter()
        .map(|c| {
            let status = if raced.contains(c.key.as_str()) {
                "already there"
            } else {
                copied
            };
            (c.key.as_str(), status.to_string())
        })
        .collect();
    rows.extend(plan.present.iter().map(|(k, same)| {
        let status = if *same {
            "already there"
        } else {
            "differs in the target"
        };
        (k.as_str(), status.to_string())
    }));
    rows.extend(plan.incomplete.iter().map(|i| {
        (
            i.key.as_str(),
            format!(
                "not copied: value {} {}",
                &i.value[..i.value.len().min(12)],
                i.why
            ),
        )
    }));
    rows.extend(
        plan.running
            .iter()
            .map(|k| (k.as_str(), "not copied: still running".to_string())),
    );
    rows.sort();
    let table = args.format == Format::Table;
    let keys: Vec<&str> = rows.iter().map(|(k, _)| *k).collect();
    let shown = if table {
        ctx.short_keys(cache, &keys, false)?
    } else {
        keys.iter().map(|k| k.to_string()).collect()
    };
    for ((key, status), shown) in rows.into_iter().zip(shown) {
        let (name, module) = names.get(key).cloned().unwrap_or_default();
        let json = json!({"key": key, "name": name, "module": module, "status": status, "dry_run": args.dry_run});
        emitter.row(Row {
            cells: vec![shown, name, module.unwrap_or_default(), status],
            json,
        })?;
    }
    emitter.finish()?;
    Ok(())
}

/// The lines on stderr that say what the copy did.
fn summary(
    args: &CopyArgs,
    target: &fleche_core::cache::Target,
    plan: &CopyPlan,
    report: Option<&CopyReport>,
    moved: usize,
) {
    let (calls, values, bytes, raced) = match report {
        Some(r) => (r.written.len(), r.values, r.bytes, r.raced.len()),
        None => (plan.calls.len(), plan.values.len(), plan.bytes, 0),
    };
    let verb = if args.dry_run { "Would copy" } else { "Copied" };
    let mut line = format!(
        "{verb} {} call{} and {} value{} ({}) into `{}`",
        thousands(calls as u64),
        plural(calls),
        thousands(values as u64),
        plural(values),
        human_bytes(bytes),
        target.name()
    );
    if plan.values_present > 0 {
        line.push_str(&format!(
            "; {} value{} already there",
            thousands(plan.values_present as u64),
            plural(plan.values_present)
        ));
    }
    let present = plan.present.len() + raced;
    if present > 0 {
        line.push_str(&format!(
            "; skipped {} call{} already there",
            thousands(present as u64),
            plural(present)
        ));
    }
    say!("{line}");
    let differ = plan.present.iter().filter(|(_, same)| !same).count();
    if differ > 0 {
        say!(
            "{} call{} stored differently in the target (other arguments or result under the same key): left as they are; --overwrite replaces them",
            thousands(differ as u64),
            plural(differ)
        );
    }
    if let Some(first) = plan.incomplete.first() {
        say!(
            "Warning: {} call{} not copied: a value {} needs is missing or unreadable (first: value {} of call {}: {})",
            thousands(plan.incomplete.len() as u64),
            plural(plan.incomplete.len()),
            if plan.incomplete.len() == 1 { "it" } else { "each" },
            first.value,
            first.key,
            first.why
        );
    }
    if !plan.running.is_empty() {
        say!(
            "{} call{} still running (no result yet): not copied",
            thousands(plan.running.len() as u64),
            plural(plan.running.len())
        );
    }
    if args.move_ {
        let verb = if args.dry_run {
            "Would evict"
        } else {
            "Evicted"
        };
        say!(
            "{verb} {} call{} from the source (values stay until `fleche gc`)",
            thousands(moved as u64),
            plural(moved)
        );
    }
    if let Some(config) = target.new_root() {
        let made = if args.dry_run { "would be" } else { "is" };
        say!(
            "Hint: the new cache {made} opened by `fleche --root {}`; in fleche.toml: {config}",
            target.name()
        );
    }
}
