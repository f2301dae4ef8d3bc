//! `fleche query`: the calls matching filters, with fleche's semantics.

use crate::args::{ListArgs, SelectArgs, Sort};
use crate::context::Context;
use crate::error::{CliError, Exit};
use crate::output::Format;
use crate::render::listing::{emit_calls, Decode};
use anyhow::Result;
use clap::Args;
use std::io::Write;
use std::ops::ControlFlow;

#[derive(Debug, Args)]
#[command(
    about = "Find calls by name, module, version, arguments, result, metadata and time",
    after_help = "Examples:\n  fleche query --name long_running_calculation --arg x=100\n  \
fleche query --tag project=my_project --format json\n  fleche query --arg x=@60079f79 --count\n\n\
Exit status is 1 when no call matches."
)]
pub struct QueryArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub list: ListArgs,
    /// Print only the number of matching calls.
    #[arg(long, conflicts_with_all = ["latest", "oldest"])]
    pub count: bool,
    /// Only the matching call that stopped last (fleche's `latest()`).
    #[arg(long, conflicts_with = "oldest")]
    pub latest: bool,
    /// Only the matching call that stopped first (fleche's `oldest()`).
    #[arg(long)]
    pub oldest: bool,
    /// Add decoded arguments as columns: a comma-separated list of names, or `all`.
    #[arg(long = "args", value_name = "NAMES|all", value_delimiter = ',')]
    pub decode_args: Vec<String>,
    /// Add the decoded result as a column.
    #[arg(long = "results")]
    pub decode_result: bool,
    /// Do not abbreviate decoded values.
    #[arg(long)]
    pub full: bool,
}

pub fn run(ctx: &Context, mut args: QueryArgs) -> Result<Exit> {
    let cache = ctx.open()?;
    let filter = args.select.filter(&cache)?;
    if args.count {
        let n = cache.count(&filter)?;
        writeln!(std::io::stdout(), "{n}")?;
        return Ok(if n == 0 {
            Exit::NotFound
        } else {
            Exit::Success
        });
    }
    if args.latest || args.oldest {
        // fleche's `latest()`/`oldest()`: by stop time, and an error when no
        // matching call has one.
        args.list.sort = Sort::Stopped;
        args.list.reverse = args.oldest;
        args.list.limit = Some(1);
    }
    let opts = args.list.options(filter);
    if args.latest || args.oldest {
        let mut first = None;
        cache.list(&opts, |_, rec| {
            first = Some(rec);
            ControlFlow::Break(())
        })?;
        if first.is_some_and(|rec| rec.stopped().is_none()) {
            return Err(CliError::not_found(format!(
                "cannot tell the {} call: none of the matching calls has a stop time (runtime metadata)",
                if args.latest { "latest" } else { "oldest" }
            ))
            .with_hint("fleche records it with meta=['Runtime'], the default")
            .into());
        }
    }
    let all = args.decode_args.iter().any(|a| a == "all");
    let decode = Decode {
        arguments: (!all && !args.decode_args.is_empty()).then(|| args.decode_args.clone()),
        all_arguments: all,
        result: args.decode_result,
        full: args.full,
    };
    let shown = emit_calls(ctx, &cache, &opts, args.list.format, &decode)?;
    if shown > 0 {
        return Ok(Exit::Success);
    }
    // An empty table is no answer to a person; the other formats print
    // their empty form, which is one.
    if args.list.format == Format::Table {
        say!("No call matches");
        for hint in args.select.string_hints(&cache, &opts.filter)? {
            say!("Hint: {hint}");
        }
    }
    Ok(Exit::NotFound)
}
