//! One dispatch point: parse, run the verb, map the outcome to an exit code.
//! Each verb is one file with its arguments and one `run`; verbs share
//! pieces only through `context`, `args`, `render` and `output`.

pub mod caches;
pub mod completions;
pub mod copy;
pub mod diff;
pub mod digest;
pub mod evict;
pub mod expand;
pub mod export;
pub mod gc;
pub mod ls;
pub mod man;
pub mod query;
pub mod rekey;
pub mod show;
pub mod shrink;
pub mod stats;
pub mod tag;
pub mod untag;
pub mod verify;
pub mod why;

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::error;
use clap::Parser;
use std::process::ExitCode;

pub fn main() -> ExitCode {
    let argv = crate::args::mark_negative_numbers(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(err) => return error::report_clap(err),
    };
    let ctx = Context::new(cli.global);
    let result = match cli.command {
        Command::Ls(args) => ls::run(&ctx, args),
        Command::Query(args) => query::run(&ctx, args),
        Command::Show(args) => show::run(&ctx, args),
        Command::Expand(args) => expand::run(&ctx, args),
        Command::Export(args) => export::run(&ctx, args),
        Command::Shrink(args) => shrink::run(&ctx, args),
        Command::Tag(args) => tag::run(&ctx, args),
        Command::Untag(args) => untag::run(&ctx, args),
        Command::Evict(args) => evict::run(&ctx, args),
        Command::Gc(args) => gc::run(&ctx, args),
        Command::Verify(args) => verify::run(&ctx, args),
        Command::Stats(args) => stats::run(&ctx, args),
        Command::Caches(args) => caches::run(&ctx, args),
        Command::Digest(args) => digest::run(&ctx, args),
        Command::Why(args) => why::run(&ctx, args),
        Command::Diff(args) => diff::run(&ctx, args),
        Command::Rekey(args) => rekey::run(&ctx, args),
        Command::Copy(args) => copy::run(&ctx, args),
        Command::Completions(args) => completions::run(&ctx, args),
        Command::Man(args) => man::run(&ctx, args),
    };
    // What the persistent index did, for tests and the curious.
    if std::env::var_os("FLECHE_INDEX_DEBUG").is_some_and(|v| v == "1") {
        for e in fleche_core::index::events() {
            say!("index: {e}");
        }
    }
    match result {
        Ok(exit) => exit.into(),
        Err(err) => error::report(&err),
    }
}

#[cfg(test)]
mod tests {
    /// ARCHITECTURE.md's first rule: a verb uses the shared modules and the
    /// core, never another verb.
    #[test]
    fn verbs_never_import_verbs() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).expect("src/commands") {
            let path = entry.expect("entry").path();
            if path.file_name().is_some_and(|n| n == "mod.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a verb file");
            // A verb's own tests may name the verb as `super`.
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for bad in ["super::", "crate::commands", "crate::cli::Command"] {
                assert!(
                    !text.contains(bad),
                    "{} refers to `{bad}`: move what it shares to context, args or render",
                    path.display()
                );
            }
            checked += 1;
        }
        assert!(checked >= 15, "only {checked} verb files found");
    }
}
