//! `fleche tag` / `fleche untag`: set and remove tags (the `tags` metadata
//! fleche's `tags(...)` context writes) on selected calls. Tags are
//! metadata, so a call's key never changes.

use super::select::{parse_literal, WriteSelect};
use super::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::output::{Emitter, Format, Row};
use crate::{cache, style};
use anyhow::Result;
use clap::Args;
use fleche_core::cache::{Cache, Caches, CallStore};
use fleche_core::store::callfiles;
use fleche_core::store::sql_write::{SqlWriter, TagChange};
use fleche_core::store::{json_from_value, python_json_dumps};
use serde_json::{json, Map, Value as Json};
use std::io;

#[derive(Debug, Args)]
#[command(
    about = "Set or remove tags on calls (selected by key prefix or by query filters)",
    after_help = "Examples:\n  fleche tag cb9db168 --set keep=True --set note='final run'\n  \
fleche tag --name fib --set project=fibonacci --dry-run\n  fleche tag --tag project=old --unset project"
)]
pub struct TagArgs {
    #[command(flatten)]
    pub select: WriteSelect,
    /// KEY=VALUE to set (VALUE is a Python literal; a bare word is a string).
    #[arg(long = "set", value_name = "KEY=VALUE", allow_hyphen_values = true)]
    pub set: Vec<String>,
    /// KEY to remove.
    #[arg(long = "unset", value_name = "KEY")]
    pub unset: Vec<String>,
    /// Show what would change without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
#[command(about = "Remove tags from calls (selected by key prefix or by query filters)")]
pub struct UntagArgs {
    #[command(flatten)]
    pub select: WriteSelect,
    /// Tag keys to remove.
    #[arg(long = "key", short = 'k', value_name = "KEY", required = true)]
    pub keys: Vec<String>,
    /// Show what would change without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run_untag(global: &GlobalArgs, args: UntagArgs) -> Result<Exit> {
    run(
        global,
        TagArgs {
            select: args.select,
            set: Vec::new(),
            unset: args.keys,
            dry_run: args.dry_run,
            format: args.format,
        },
    )
}

pub fn sql_writer(cache: &Cache, verb: &str) -> Result<SqlWriter> {
    match &cache.calls {
        CallStore::Sql(s) => Ok(SqlWriter::open(s.path())?),
        CallStore::Files(f) => Err(CliError::usage(format!(
            "{verb} on call files goes through the file store ({})",
            f.root().display()
        ))
        .into()),
        #[cfg(feature = "postgresql")]
        CallStore::Pg(p) => Err(CliError::usage(format!(
            "{verb} on {} goes through its own writer",
            p.shown()
        ))
        .into()),
    }
}

/// Change tags in whichever call storage the cache has.
fn retag(
    cache: &Cache,
    keys: &[String],
    set: &Map<String, Json>,
    unset: &[String],
    dry_run: bool,
) -> Result<Vec<TagChange>> {
    match &cache.calls {
        CallStore::Sql(_) => Ok(sql_writer(cache, "tag")?.tag(keys, set, unset, dry_run)?),
        #[cfg(feature = "postgresql")]
        CallStore::Pg(p) => Ok(p.writer()?.tag(keys, set, unset, dry_run)?),
        CallStore::Files(f) => {
            let mut changes = Vec::with_capacity(keys.len());
            for key in keys {
                let (before, after) =
                    callfiles::retag_file(f.root(), key, set, unset, &f.secret_keys, dry_run)
                        .map_err(|e| CliError::usage(format!("cannot tag call {key}: {e}")))?;
                changes.push(TagChange {
                    key: key.clone(),
                    before,
                    after,
                });
            }
            Ok(changes)
        }
    }
}

fn tags_text(tags: &Option<Map<String, Json>>) -> String {
    match tags {
        None => "-".into(),
        Some(t) => python_json_dumps(&Json::Object(t.clone())),
    }
}

pub fn run(global: &GlobalArgs, args: TagArgs) -> Result<Exit> {
    if args.set.is_empty() && args.unset.is_empty() {
        return Err(CliError::usage("nothing to change")
            .with_hint("give --set KEY=VALUE or --unset KEY")
            .into());
    }
    let mut set = Map::new();
    for spec in &args.set {
        let Some((k, text)) = spec.split_once('=') else {
            return Err(CliError::usage(format!("--set `{spec}`: expected KEY=VALUE")).into());
        };
        let k = k.trim();
        if k.is_empty() {
            return Err(CliError::usage(format!("--set `{spec}`: the key is empty")).into());
        }
        let value = parse_literal(&format!("--set {k}"), text)?;
        let j = json_from_value(&value).map_err(|e| CliError::usage(format!("--set {k}: {e}")))?;
        set.insert(k.to_string(), j);
    }
    if let Some(k) = args.unset.iter().find(|k| set.contains_key(*k)) {
        return Err(CliError::usage(format!("tag `{k}` is both set and unset")).into());
    }
    let caches = cache::open(global)?;
    let cache = cache::writable(&caches, "tagging")?;
    let keys = args.select.keys(&caches, cache, "tag")?;
    let changes = retag(cache, &keys, &set, &args.unset, args.dry_run)?;
    report(&caches, &changes, args.dry_run, args.format, global)?;
    Ok(if changes.is_empty() {
        Exit::NotFound
    } else {
        Exit::Success
    })
}

fn report(
    caches: &Caches,
    changes: &[TagChange],
    dry_run: bool,
    format: Format,
    global: &GlobalArgs,
) -> Result<()> {
    let color = format == Format::Table && style::color_enabled(global);
    let mut emitter = Emitter::new(format, io::stdout().lock(), vec!["key", "before", "after"])?;
    for c in changes.iter().filter(|c| c.changed()) {
        let key = if format == Format::Table {
            super::ls::short_key(caches, &c.key, color)?
        } else {
            c.key.clone()
        };
        emitter.row(Row {
            cells: vec![key, tags_text(&c.before), tags_text(&c.after)],
            json: json!({"key": c.key, "before": c.before, "after": c.after, "dry_run": dry_run}),
        })?;
    }
    emitter.finish()?;
    let changed = changes.iter().filter(|c| c.changed()).count();
    let same = changes.len() - changed;
    let verb = if dry_run { "Would change" } else { "Changed" };
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut line = format!("{verb} the tags of {changed} call{}", plural(changed));
    if same > 0 {
        line.push_str(&format!("; {same} already as asked"));
    }
    eprintln!("{line}");
    Ok(())
}
