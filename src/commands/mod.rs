//! The command line: global options, one enum of subcommands, one dispatch.

use crate::error::{self, CliError, Exit};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

mod caches;
mod completions;
mod digest;
mod evict;
mod expand;
mod gc;
mod ls;
mod query;
mod select;
mod show;
mod shrink;
mod stats;
mod tag;
mod verify;

#[derive(Debug, Parser)]
#[command(
    name = "fleche",
    version,
    about = "Inspect, query, tag and clean caches written by the Python library fleche",
    long_about = None,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the cache is: options every command shares.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Run as if started in DIR (affects where fleche.toml is looked for).
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub chdir: Option<PathBuf>,
    /// Use the cache of this name from the configuration.
    #[arg(long, value_name = "NAME", global = true)]
    pub cache: Option<String>,
    /// Read this configuration file instead of searching for fleche.toml.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Open the cache in DIR directly (calls.db or calls/ plus values/), without configuration.
    #[arg(long, value_name = "DIR", global = true)]
    pub root: Option<PathBuf>,
    /// Read call records from this database URL (e.g. postgresql://user@host/db) instead of the configured one.
    #[arg(long, value_name = "URL", global = true)]
    pub sql: Option<String>,
    /// When to colour output: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = crate::style::ColorChoice::Auto, global = true)]
    pub color: crate::style::ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Ls(ls::LsArgs),
    Query(query::QueryArgs),
    Show(show::ShowArgs),
    Expand(expand::ExpandArgs),
    Shrink(shrink::ShrinkArgs),
    Tag(tag::TagArgs),
    Untag(tag::UntagArgs),
    Evict(evict::EvictArgs),
    Gc(gc::GcArgs),
    Verify(verify::VerifyArgs),
    Stats(stats::StatsArgs),
    Caches(caches::CachesArgs),
    Digest(digest::DigestArgs),
    Completions(completions::CompletionsArgs),
    Man(completions::ManArgs),
}

/// Parse the command line, run the command, and map the outcome to an exit
/// code. Usage errors are reported in the same one-line form as every other
/// error.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return report_clap(err),
    };
    let result = match cli.command {
        Command::Ls(args) => ls::run(&cli.global, args),
        Command::Query(args) => query::run(&cli.global, args),
        Command::Show(args) => show::run(&cli.global, args),
        Command::Expand(args) => expand::run(&cli.global, args),
        Command::Shrink(args) => shrink::run(&cli.global, args),
        Command::Tag(args) => tag::run(&cli.global, args),
        Command::Untag(args) => tag::run_untag(&cli.global, args),
        Command::Evict(args) => evict::run(&cli.global, args),
        Command::Gc(args) => gc::run(&cli.global, args),
        Command::Verify(args) => verify::run(&cli.global, args),
        Command::Stats(args) => stats::run(&cli.global, args),
        Command::Caches(args) => caches::run(&cli.global, args),
        Command::Digest(args) => digest::run(&cli.global, args),
        Command::Completions(args) => completions::run(&cli.global, args),
        Command::Man(args) => completions::run_man(&cli.global, args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(err) => error::report(&err),
    }
}

/// clap renders usage errors over several lines; fold them into our
/// `Error:`/`Hint:` form. Help and version output pass through unchanged.
fn report_clap(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = err.print();
            return Exit::Success.into();
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            return Exit::Usage.into();
        }
        _ => {}
    }
    let rendered = err.render().to_string();
    let mut first = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid usage")
        .trim_start_matches("error: ")
        .to_string();
    let hint = match err.get(clap::error::ContextKind::InvalidArg) {
        // clap names only the first short flag of `-inf`; quote the whole word.
        Some(clap::error::ContextValue::String(arg))
            if err.kind() == ErrorKind::UnknownArgument && !arg.starts_with("--") =>
        {
            let word = std::env::args()
                .find(|a| a.starts_with(arg.as_str()))
                .unwrap_or_else(|| arg.clone());
            first = format!("unexpected argument '{word}'");
            format!("values starting with '-' go after `--`, as in `fleche ... -- {word}`")
        }
        _ => rendered
            .lines()
            .find_map(|l| l.trim().strip_prefix("tip: ").map(str::to_string))
            .unwrap_or_else(|| "see `fleche --help`".to_string()),
    };
    error::report(&anyhow::Error::new(CliError::usage(first).with_hint(hint)))
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
