//! `fleche gc`: delete value files no call record needs, without the
//! hazards of fleche's own `Cache.gc()` (see `fleche_core::gc`).

use super::GlobalArgs;
use crate::cache;
use crate::error::{CliError, Exit};
use crate::output::{Emitter, Format, Row};
use anyhow::Result;
use clap::Args;
use fleche_core::cache::{sharing_value_dir, CallStore};
use fleche_core::gc;
use serde_json::json;
use std::io;
use std::time::{Duration, SystemTime};

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
    #[arg(long, value_name = "AGE", default_value = "1h")]
    pub min_age: String,
    /// List each file that would be deleted, with its size, and the total; delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format of the list of files (a real run in table format prints only the summary).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `0`, `90s`, `30m`, `2h`, `1d`, `1w` (a bare number is seconds).
pub fn parse_age(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let n: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not an age such as 0, 30m, 2h or 1d"))?;
    let secs = match unit {
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        "w" => 604800.0,
        other => {
            return Err(format!(
                "`{text}`: unknown unit `{other}` (use s, m, h, d or w)"
            ))
        }
    };
    if n.is_nan() || n < 0.0 || !n.is_finite() {
        return Err(format!("`{text}` must be zero or more"));
    }
    Ok(Duration::from_secs_f64(n * secs))
}

/// `1,234`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `3.4 GiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = "B";
    for u in UNITS {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

pub fn run(global: &GlobalArgs, args: GcArgs) -> Result<Exit> {
    let min_age =
        parse_age(&args.min_age).map_err(|e| CliError::usage(format!("--min-age: {e}")))?;
    let caches = cache::open(global)?;
    let cache = if args.dry_run {
        caches.writable().unwrap_or(&caches.members[0])
    } else {
        cache::writable(&caches, "gc")?
    };
    let values_root = cache
        .values
        .root()
        .ok_or_else(|| CliError::usage(format!("cache `{}` keeps no values on disk", cache.name)))?
        .to_path_buf();
    let loc = cache::locator(global)?;
    let mut others: Vec<(String, CallStore)> = Vec::new();
    if global.root.is_none() {
        for (name, store) in sharing_value_dir(&loc.config()?, &values_root, &cache.calls) {
            match store {
                Ok(s) => others.push((name, s)),
                Err(e) => return Err(CliError::usage(format!(
                    "cache `{name}` shares the value directory {} but cannot be read: {e}",
                    values_root.display()
                ))
                .with_hint(
                    "gc must see every record that may use a value; fix or remove that cache first",
                )
                .into()),
            }
        }
    }
    for (name, _) in &others {
        eprintln!(
            "Note: cache `{name}` shares this value directory; its records count as live too"
        );
    }
    let mut stores: Vec<&CallStore> = vec![&cache.calls];
    stores.extend(others.iter().map(|(_, s)| s));
    let writing = stores
        .iter()
        .any(|s| matches!(s, CallStore::Sql(sql) if sql.writer_active()));
    if min_age.is_zero() && writing && !args.dry_run {
        eprintln!(
            "Warning: a fleche process has the call database open; with --min-age 0 the argument values \
             of calls still running (saved before their record) can be deleted"
        );
    }
    let progress = crate::style::Progress::start("Scanning records and values…");
    let plan = gc::plan(&cache.values, &stores, min_age, SystemTime::now())?;
    drop(progress);
    // Checked after the plan, which reads the records anyway.
    for store in &stores {
        if let Some((key, why)) = store.broken().first() {
            return Err(CliError::not_found(format!(
                "{} call records cannot be read (first: {key}: {why}); nothing was deleted",
                store.broken().len()
            ))
            .with_hint("a record gc cannot read may name values; repair or remove it first")
            .into());
        }
    }
    if !plan.safe() {
        let (key, why) = &plan.undecodable[0];
        return Err(CliError::not_found(format!(
            "{} live value file(s) cannot be decoded, so what they point at is unknown; nothing was deleted (first: {key}: {why})",
            plan.undecodable.len()
        ))
        .with_hint("check the secret keys (FLECHE_SECRET_KEY) or repair the file; `fleche show` on it tells more")
        .into());
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
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if args.dry_run {
        list(&mut emitter, &plan.dead)?;
        emitter.finish()?;
        eprintln!(
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
    let swept = gc::sweep(&plan, &stores, min_age)?;
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
    eprintln!("{line}");
    if let Some((key, why)) = swept.failed.first() {
        return Err(CliError::usage(format!(
            "could not remove {} file(s) (first: {key}: {why})",
            swept.failed.len()
        ))
        .into());
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_sizes_read_well() {
        assert_eq!(parse_age("0"), Ok(Duration::ZERO));
        assert_eq!(parse_age("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_age("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_age("-1h").is_err());
        assert!(parse_age("1y").is_err());
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(human_bytes(3_650_722_201), "3.4 GiB");
        assert_eq!(human_bytes(512), "512 B");
    }
}
