//! `fleche tag`: set and remove tags (the `tags` metadata fleche's
//! `tags(...)` context writes) on selected calls. Tags are
//! metadata, so a call's key never changes.

use crate::args::{metadata_json, parse_metadata_literal, WriteSelect};
use crate::context::Context;
use crate::error::{CliError, Exit};
use crate::output::Format;
use crate::render::tags::tag_changes;
use anyhow::Result;
use clap::Args;
use serde_json::Map;

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

pub fn run(ctx: &Context, args: TagArgs) -> Result<Exit> {
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
        let label = format!("--set {k}");
        let j = metadata_json(&label, &parse_metadata_literal(&label, text)?)?;
        set.insert(k.to_string(), j);
    }
    if let Some(k) = args.unset.iter().find(|k| set.contains_key(*k)) {
        return Err(CliError::usage(format!("tag `{k}` is both set and unset")).into());
    }
    let cache = ctx.open_to_change(args.dry_run)?;
    let writer = ctx.writer(&cache, "tagging", args.dry_run)?;
    let keys = args.select.keys(&cache, &writer, "tag")?;
    let changes = writer.tag(&keys, &set, &args.unset, args.dry_run)?;
    tag_changes(ctx, &cache, &changes, args.dry_run, args.format)?;
    Ok(if changes.is_empty() {
        Exit::NotFound
    } else {
        Exit::Success
    })
}
