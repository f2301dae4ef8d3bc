//! One dispatch point: parse, run the verb, map the outcome to an exit code.
//! Each verb is one file with its arguments and one `run`; verbs share
//! pieces only through `context`, `args`, `render` and `output`.

pub mod caches;
pub mod completions;
pub mod digest;
pub mod evict;
pub mod expand;
pub mod gc;
pub mod ls;
pub mod man;
pub mod query;
pub mod show;
pub mod shrink;
pub mod stats;
pub mod tag;
pub mod untag;
pub mod verify;

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::error;
use clap::Parser;
use std::process::ExitCode;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return error::report_clap(err),
    };
    let ctx = Context::new(cli.global);
    let result = match cli.command {
        Command::Ls(args) => ls::run(&ctx, args),
        Command::Query(args) => query::run(&ctx, args),
        Command::Show(args) => show::run(&ctx, args),
        Command::Expand(args) => expand::run(&ctx, args),
        Command::Shrink(args) => shrink::run(&ctx, args),
        Command::Tag(args) => tag::run(&ctx, args),
        Command::Untag(args) => untag::run(&ctx, args),
        Command::Evict(args) => evict::run(&ctx, args),
        Command::Gc(args) => gc::run(&ctx, args),
        Command::Verify(args) => verify::run(&ctx, args),
        Command::Stats(args) => stats::run(&ctx, args),
        Command::Caches(args) => caches::run(&ctx, args),
        Command::Digest(args) => digest::run(&ctx, args),
        Command::Completions(args) => completions::run(&ctx, args),
        Command::Man(args) => man::run(&ctx, args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(err) => error::report(&err),
    }
}
