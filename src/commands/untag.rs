//! `fleche untag`: remove tags from selected calls (`tag --unset`, with the
//! keys as the only change).

use crate::args::WriteSelect;
use crate::context::Context;
use crate::error::Exit;
use crate::output::Format;
use crate::render::tags::tag_changes;
use anyhow::Result;
use clap::Args;
use serde_json::Map;

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

pub fn run(ctx: &Context, args: UntagArgs) -> Result<Exit> {
    let cache = ctx.open_to_change(args.dry_run)?;
    let writer = ctx.writer(&cache, "tagging", args.dry_run)?;
    let keys = args.select.keys(&cache, &writer, "tag")?;
    let changes = writer.tag(&keys, &Map::new(), &args.keys, args.dry_run)?;
    tag_changes(ctx, &cache, &changes, args.dry_run, args.format)?;
    Ok(if changes.is_empty() {
        Exit::NotFound
    } else {
        Exit::Success
    })
}
