//! `fleche stats`: what a cache holds, at a glance — calls per function,
//! values and bytes on disk, time span, total walltime, orphans.

use crate::context::{Context, GcForecast, GC_MIN_AGE};
use crate::error::Exit;
use crate::output::{Emitter, Format, Row};
use crate::render::{human_bytes, plural, thousands};
use crate::style::Progress;
use crate::time;
use anyhow::Result;
use clap::Args;
use fleche_core::cache::ValueStats;
use fleche_core::{Cache, Member};
use serde_json::{json, Value as Json};
use std::io::{self, Write};

#[derive(Debug, Args)]
#[command(
    about = "Summarise a cache: calls per function, values, bytes, time span, walltime, orphans"
)]
pub struct StatsArgs {
    /// `table` prints a summary and a table of functions; other formats one object per cache.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn member_stats(ctx: &Context, cache: &Cache, m: &Member) -> Result<Json> {
    let (functions, values) = m.stats()?;
    let calls: u64 = functions.iter().map(|f| f.calls).sum();
    let walltime: f64 = functions.iter().map(|f| f.walltime).sum();
    let first = functions.iter().filter_map(|f| f.first).reduce(f64::min);
    let last = functions.iter().filter_map(|f| f.last).reduce(f64::max);
    let unfinished: u64 = functions.iter().map(|f| f.unfinished).sum();
    let values = match values {
        ValueStats::Files {
            count,
            bytes,
            orphans,
            orphan_bytes,
            missing,
        } => json!({
            "count": count, "bytes": bytes,
            "orphans": orphans, "orphan_bytes": orphan_bytes,
            "missing": missing,
            "gc": gc_forecast(ctx, cache, m, orphans)?,
        }),
        ValueStats::Hdf5 {
            count,
            bytes,
            orphans,
            missing,
        } => json!({
            "count": count, "bytes": bytes, "hdf5": true,
            "orphans": orphans, "missing": missing,
            "gc": gc_forecast(ctx, cache, m, orphans)?,
        }),
        ValueStats::None => json!({"count": 0}),
        // The protocol has no request that lists values.
        ValueStats::Remote { host } => json!({"count": null, "remote": host}),
    };
    let mut modules: Vec<(String, u64)> = Vec::new();
    for f in &functions {
        let module = f.module.clone().unwrap_or_else(|| "None".into());
        match modules.iter_mut().find(|(m, _)| *m == module) {
            Some((_, n)) => *n += f.calls,
            None => modules.push((module, f.calls)),
        }
    }
    Ok(json!({
        "cache": m.name(),
        "calls": calls,
        "unfinished": unfinished,
        "walltime": walltime,
        "oldest": first,
        "newest": last,
        "values": values,
        "modules": modules.iter().map(|(m, n)| json!({"module": m, "calls": n})).collect::<Vec<_>>(),
        "functions": functions,
    }))
}

/// What `fleche gc` would do, as JSON. Without orphans (files no record of
/// this member needs) it removes nothing whatever the other caches hold, so
/// the second look over the records is spared.
fn gc_forecast(ctx: &Context, cache: &Cache, m: &Member, orphans: usize) -> Result<Json> {
    if orphans == 0 {
        return Ok(json!({"would_remove": 0, "bytes": 0}));
    }
    Ok(match ctx.gc_forecast(cache, m)? {
        GcForecast::Refuses(why) => json!({"refuses": why}),
        GcForecast::Removes { plan, shared_with } => json!({
            "would_remove": plan.dead.len(), "bytes": plan.dead_bytes(),
            "kept_young": plan.young.len(), "min_age": GC_MIN_AGE,
            "shared_with": shared_with,
        }),
    })
}

/// The `gc` line of the summary: what gc would do with the orphans.
fn gc_line(gc: &Json) -> Option<String> {
    if let Some(why) = gc["refuses"].as_str() {
        return Some(format!("would delete nothing: {why}"));
    }
    gc.get("kept_young")?;
    let n = gc["would_remove"].as_u64().unwrap_or(0);
    let mut line = format!(
        "would remove {} file{} ({})",
        thousands(n),
        plural(n as usize),
        human_bytes(gc["bytes"].as_u64().unwrap_or(0))
    );
    let young = gc["kept_young"].as_u64().unwrap_or(0);
    if young > 0 {
        line.push_str(&format!(
            ", keep {} younger than {}",
            thousands(young),
            gc["min_age"].as_str().unwrap_or_default()
        ));
    }
    let shared: Vec<String> = gc["shared_with"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(|s| format!("`{s}`")))
        .collect();
    if !shared.is_empty() {
        line.push_str(&format!(
            ", and keep what {} sharing this directory need{}",
            shared.join(", "),
            if shared.len() == 1 { "s" } else { "" }
        ));
    }
    Some(line)
}

pub fn run(ctx: &Context, args: StatsArgs) -> Result<Exit> {
    let cache = ctx.open()?;
    let progress = Progress::start("Counting…");
    let stats: Vec<Json> = cache
        .members()
        .iter()
        .map(|m| member_stats(ctx, &cache, m))
        .collect::<Result<_>>()?;
    drop(progress);
    if args.format != Format::Table {
        let mut emitter = Emitter::new(
            args.format,
            io::stdout().lock(),
            vec!["cache", "calls", "values", "bytes", "orphans"],
        )?;
        for s in stats {
            emitter.row(Row {
                cells: vec![
                    s["cache"].as_str().unwrap_or_default().to_string(),
                    s["calls"].to_string(),
                    s["values"]["count"].to_string(),
                    s["values"]["bytes"].to_string(),
                    s["values"]["orphans"].to_string(),
                ],
                json: s,
            })?;
        }
        emitter.finish()?;
        return Ok(Exit::Success);
    }
    let mut out = io::stdout().lock();
    for (i, s) in stats.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        summary(&mut out, s)?;
    }
    Ok(Exit::Success)
}

/// One member's summary for people: counts and times, then its functions.
fn summary(out: &mut impl Write, s: &Json) -> Result<()> {
    let n = |v: &Json| thousands(v.as_u64().unwrap_or(0));
    let when = |v: &Json| v.as_f64().map(time::local).unwrap_or_else(|| "-".into());
    writeln!(
        out,
        "cache        {}",
        crate::style::printable(s["cache"].as_str().unwrap_or_default())
    )?;
    let unfinished = s["unfinished"].as_u64().unwrap_or(0);
    let extra = if unfinished > 0 {
        format!(" ({} unfinished)", thousands(unfinished))
    } else {
        String::new()
    };
    writeln!(out, "calls        {}{extra}", n(&s["calls"]))?;
    let v = &s["values"];
    if let Some(host) = v["remote"].as_str() {
        writeln!(
            out,
            "values       on {}: fleche's remote protocol cannot list them",
            crate::style::printable(host)
        )?;
    } else if v.get("hdf5").is_some() {
        writeln!(
            out,
            "values       {} in HDF5 files of {}",
            n(&v["count"]),
            human_bytes(v["bytes"].as_u64().unwrap_or(0))
        )?;
        writeln!(
            out,
            "orphans      {} no record of this cache needs",
            n(&v["orphans"])
        )?;
    } else {
        writeln!(
            out,
            "values       {} files, {}",
            n(&v["count"]),
            human_bytes(v["bytes"].as_u64().unwrap_or(0))
        )?;
        writeln!(
            out,
            "orphans      {} ({}) no record of this cache needs",
            n(&v["orphans"]),
            human_bytes(v["orphan_bytes"].as_u64().unwrap_or(0))
        )?;
    }
    if v.get("count").is_some() && v.get("gc").is_some() {
        if let Some(line) = gc_line(&v["gc"]) {
            writeln!(out, "gc           {}", crate::style::printable(&line))?;
        }
        if v["missing"].as_u64().unwrap_or(0) > 0 {
            writeln!(
                out,
                "missing      {} values named by records have no file",
                n(&v["missing"])
            )?;
        }
    }
    writeln!(out, "oldest call  {}", when(&s["oldest"]))?;
    writeln!(out, "newest call  {}", when(&s["newest"]))?;
    writeln!(
        out,
        "walltime     {} in all",
        time::human_duration(s["walltime"].as_f64().unwrap_or(0.0))
    )?;
    writeln!(out)?;
    let mut emitter = Emitter::new(
        Format::Table,
        &mut *out,
        vec!["function", "module", "calls", "walltime", "latest"],
    )?;
    for f in s["functions"].as_array().into_iter().flatten() {
        emitter.row(Row {
            cells: vec![
                f["name"].as_str().unwrap_or_default().to_string(),
                f["module"].as_str().unwrap_or("None").to_string(),
                n(&f["calls"]),
                time::human_duration(f["walltime"].as_f64().unwrap_or(0.0)),
                when(&f["last"]),
            ],
            json: f.clone(),
        })?;
    }
    emitter.finish()?;
    Ok(())
}
