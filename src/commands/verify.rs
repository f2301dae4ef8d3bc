//! `fleche verify`: recompute call keys and value digests and compare them
//! with what is stored; check that every referenced value is present and
//! readable. Never modifies anything.

use crate::args::{with_stdin, SelectArgs};
use crate::context::{Context, GcForecast, GC_MIN_AGE};
use crate::error::{CliError, Exit};
use crate::output::{Emitter, Format, Row};
use crate::render::plural;
use crate::style::Progress;
use anyhow::Result;
use clap::Args;
use fleche_core::prefix::Kind as PrefixKind;
use fleche_core::verify::{Finding, Kind};
use fleche_core::{Cache, Member};
use serde_json::json;
use std::collections::{BTreeSet, HashSet};
use std::io;

#[derive(Debug, Args)]
#[command(
    about = "Check a cache: call keys, value digests, missing or unreadable values, orphans, stray files",
    long_about = "Check a cache without changing it: recompute every call key from its record, check \
that every value a record names exists, decodes and passes its signature, recompute the digest of \
every value whose type this tool can digest and compare it with the file name, and list orphan values \
and stray temp files, and values `show` can only print as the call that rebuilds them (notes, not \
problems; lock files are fleche's own). Exit status 1 when a problem is found.",
    after_help = "Examples:\n  fleche verify\n  fleche verify --name fib\n  fleche verify --format json | jq '.[] | select(.kind == \"digest-mismatch\")'"
)]
pub struct VerifyArgs {
    /// Only these calls (by key prefix) and the values they reach.
    #[arg(value_name = "CALL")]
    pub prefixes: Vec<String>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Also list notes (orphans, stray files, values shown as reconstruction calls) in the
    /// output; they never fail the check.
    #[arg(long)]
    pub notes: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::KeyMismatch => "key-mismatch",
        Kind::MissingValue => "missing-value",
        Kind::UnreadableValue => "unreadable-value",
        Kind::DigestMismatch => "digest-mismatch",
        Kind::UnreadableRecord => "unreadable-record",
        Kind::Orphan => "orphan",
        Kind::StrayFile => "stray-file",
        Kind::ShownAsCall => "shown-as-call",
    }
}

/// Add to each orphan note what `fleche gc` would do with the file: delete
/// it, keep it for its age, keep it for another cache sharing the
/// directory, or refuse to delete anything.
fn say_what_gc_does(
    ctx: &Context,
    cache: &Cache,
    member: &Member,
    findings: &mut [Finding],
) -> Result<()> {
    let is_orphan = |f: &Finding| f.kind == Kind::Orphan && f.key.len() == 64;
    if !findings.iter().any(is_orphan) {
        return Ok(());
    }
    let forecast = ctx.gc_forecast(cache, member)?;
    let (dead, young): (HashSet<&str>, HashSet<&str>) = match &forecast {
        GcForecast::Removes { plan, .. } => (
            plan.dead.iter().map(|d| d.key.as_str()).collect(),
            plan.young.iter().map(String::as_str).collect(),
        ),
        GcForecast::Refuses(_) => Default::default(),
    };
    for f in findings.iter_mut().filter(|f| is_orphan(f)) {
        let fate = match &forecast {
            GcForecast::Refuses(why) => format!("gc would delete nothing: {why}"),
            GcForecast::Removes { .. } if dead.contains(f.key.as_str()) => {
                "gc would delete it".to_string()
            }
            GcForecast::Removes { .. } if young.contains(f.key.as_str()) => {
                format!("gc keeps it while it is younger than {GC_MIN_AGE}")
            }
            GcForecast::Removes { shared_with, .. } if !shared_with.is_empty() => format!(
                "gc keeps it: a record of {} (sharing this directory), or a file younger than {GC_MIN_AGE}, needs it",
                shared_with.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
            ),
            GcForecast::Removes { .. } => {
                format!("gc keeps it: a file younger than {GC_MIN_AGE} needs it")
            }
        };
        f.detail = format!("{}; {fate}", f.detail);
    }
    Ok(())
}

pub fn run(ctx: &Context, args: VerifyArgs) -> Result<Exit> {
    let cache = ctx.open()?;
    let color = args.format == Format::Table && ctx.color();
    let mut filter = args.select.filter(&cache)?;
    let filtered = filter != Default::default() || !args.prefixes.is_empty();
    // Prefixes (and stdin) are read once, for every member.
    for text in with_stdin(&args.prefixes, true)? {
        let found = cache.resolve(&text)?;
        if !found.kinds.contains(&PrefixKind::Call) {
            return Err(CliError::not_found(format!("`{text}` is not a call")).into());
        }
        filter.keys.push(found.key);
    }
    // Prefixes that named nothing (an empty stdin) select nothing, not all.
    let nothing = !args.prefixes.is_empty() && filter.keys.is_empty();
    let mut emitter = Emitter::new(
        args.format,
        io::stdout().lock(),
        vec!["problem", "key", "cache", "detail"],
    )?;
    let (mut problems, mut notes, mut calls, mut values, mut unchecked) = (0, 0, 0, 0, 0);
    for member in cache.members() {
        let selected: Option<BTreeSet<String>> = match (filtered, nothing) {
            (false, _) => None,
            (true, true) => Some(BTreeSet::new()),
            (true, false) => Some(member.select_keys(&filter)?.into_iter().collect()),
        };
        let progress = Progress::start("Verifying…");
        let mut report = member.verify(selected.as_ref())?;
        drop(progress);
        if args.notes {
            say_what_gc_does(ctx, &cache, member, &mut report.findings)?;
        }
        calls += report.calls_checked;
        values += report.values_checked;
        unchecked += report.digests_unchecked;
        for f in &report.findings {
            if f.kind.is_note() {
                notes += 1;
                if !args.notes {
                    continue;
                }
            } else {
                problems += 1;
            }
            let key = if args.format == Format::Table && f.key.len() == 64 {
                ctx.short_key(&cache, &f.key, color)
                    .unwrap_or_else(|_| f.key.clone())
            } else {
                f.key.clone()
            };
            emitter.row(Row {
                cells: vec![
                    kind_name(f.kind).into(),
                    key,
                    member.name().to_string(),
                    f.detail.clone(),
                ],
                json: json!({
                    "kind": kind_name(f.kind), "key": f.key, "cache": member.name(),
                    // Lossy: a stray file's name need not be UTF-8.
                    "path": f.path.as_ref().map(|p| p.to_string_lossy()), "detail": f.detail, "note": f.kind.is_note(),
                }),
            })?;
        }
    }
    emitter.finish()?;
    let mut line = format!(
        "Checked {calls} call{} and {values} value{}: {problems} problem{}",
        plural(calls),
        plural(values),
        plural(problems)
    );
    if notes > 0 {
        line.push_str(&format!(", {notes} note{}", plural(notes)));
        if !args.notes {
            line.push_str(" (--notes lists them)");
        }
    }
    if unchecked > 0 {
        line.push_str(&format!(
            "; {unchecked} digest{} not recomputable here (objects fleche digests with their own code)",
            plural(unchecked)
        ));
    }
    say!("{line}");
    Ok(if problems > 0 {
        Exit::NotFound
    } else {
        Exit::Success
    })
}
