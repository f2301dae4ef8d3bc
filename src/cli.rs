//! The command line's shape: global options and one enum of subcommands,
//! each with its arguments defined in its own file under `commands/`.

use crate::commands::{
    caches, completions, copy, diff, digest, evict, expand, export, gc, ls, man, query, rekey,
    show, shrink, stats, tag, untag, verify, why,
};
use crate::style::ColorChoice;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

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
    /// Leave remote layers (`type = "ssh"`) out on purpose: no warning, and evictions go to the local layers only.
    #[arg(long, global = true)]
    pub offline: bool,
    /// Neither read nor write the persistent index under ~/.cache/fleche (also FLECHE_NO_INDEX=1); answers are the same, only slower on big caches.
    #[arg(long, global = true)]
    pub no_index: bool,
    /// When to colour output: auto (a terminal without NO_COLOR), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Ls(ls::LsArgs),
    Query(query::QueryArgs),
    Show(show::ShowArgs),
    Expand(expand::ExpandArgs),
    Shrink(shrink::ShrinkArgs),
    Export(export::ExportArgs),
    Tag(tag::TagArgs),
    Untag(untag::UntagArgs),
    Evict(evict::EvictArgs),
    Gc(gc::GcArgs),
    Verify(verify::VerifyArgs),
    Stats(stats::StatsArgs),
    Caches(caches::CachesArgs),
    Digest(digest::DigestArgs),
    Why(why::WhyArgs),
    Diff(diff::DiffArgs),
    Rekey(rekey::RekeyArgs),
    Copy(copy::CopyArgs),
    Completions(completions::CompletionsArgs),
    Man(man::ManArgs),
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
