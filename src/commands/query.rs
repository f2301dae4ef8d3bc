//! `fleche query`: the calls matching filters, with fleche's semantics.

use super::ls::{self, ListArgs, Sort};
use super::select::SelectArgs;
use super::GlobalArgs;
use crate::cache;
use crate::error::Exit;
use anyhow::Result;
use clap::Args;
use std::io::Write;

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
    /// Only the most recently started matching call.
    #[arg(long, conflicts_with = "oldest")]
    pub latest: bool,
    /// Only the earliest started matching call.
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

pub fn run(global: &GlobalArgs, mut args: QueryArgs) -> Result<Exit> {
    let caches = cache::open(global)?;
    let filter = args.select.filter(&caches)?;
    if args.count {
        let mut n = 0;
        for m in &caches.members {
            n += m.calls.count_matching(&filter)?;
        }
        writeln!(std::io::stdout(), "{n}")?;
        return Ok(if n == 0 {
            Exit::NotFound
        } else {
            Exit::Success
        });
    }
    if args.latest || args.oldest {
        args.list.sort = Sort::Started;
        args.list.reverse = args.oldest;
        args.list.limit = Some(1);
    }
    let opts = ls::list_options(&args.list, filter);
    let all = args.decode_args.iter().any(|a| a == "all");
    let decode = ls::Decode {
        arguments: (!all && !args.decode_args.is_empty()).then(|| args.decode_args.clone()),
        all_arguments: all,
        result: args.decode_result,
        full: args.full,
    };
    let shown = ls::emit_calls_decoded(&caches, &opts, args.list.format, global, &decode)?;
    Ok(if shown == 0 {
        Exit::NotFound
    } else {
        Exit::Success
    })
}
