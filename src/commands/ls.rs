//! `fleche ls`: one row per call, newest first.

use crate::args::ListArgs;
use crate::context::Context;
use crate::error::Exit;
use crate::render::listing::{emit_calls, Decode};
use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
#[command(about = "List the calls in the cache, newest first")]
pub struct LsArgs {
    #[command(flatten)]
    pub list: ListArgs,
}

pub fn run(ctx: &Context, args: LsArgs) -> Result<Exit> {
    let cache = ctx.open()?;
    let opts = args.list.options(Default::default());
    emit_calls(ctx, &cache, &opts, args.list.format, &Decode::default())?;
    Ok(Exit::Success)
}
