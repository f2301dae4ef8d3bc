//! `fleche expand`: full digests from short ones, looking in call keys and
//! value keys together (format §6).

use crate::args::with_stdin;
use crate::context::Context;
use crate::error::{self, CliError, Exit};
use crate::output::{Emitter, Format, Row};
use crate::style::printable;
use anyhow::Result;
use clap::Args;
use serde_json::json;
use std::io;

#[derive(Debug, Args)]
#[command(
    about = "Expand short digests to full ones (calls and values); `-` reads one per line from stdin"
)]
pub struct ExpandArgs {
    /// Short digests (at least 4 hex characters), or `-` for stdin.
    #[arg(value_name = "PREFIX", required = true)]
    pub prefixes: Vec<String>,
    /// Output format; the default prints one full digest per line.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

pub fn run(ctx: &Context, args: ExpandArgs) -> Result<Exit> {
    let cache = ctx.open()?;
    let prefixes = with_stdin(&args.prefixes, true)?;
    let mut exit = Exit::Success;
    let stdout = io::stdout().lock();
    let mut emitter = args
        .format
        .map(|f| Emitter::new(f, io::stdout().lock(), vec!["prefix", "key", "kind"]))
        .transpose()?;
    let mut plain = io::BufWriter::new(stdout);
    for text in &prefixes {
        match cache.resolve(text) {
            Ok(found) => {
                let (key, kinds) = (found.key, found.kinds);
                let kind = match kinds.is_empty() {
                    true => "unknown".to_string(),
                    false => kinds
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join("+"),
                };
                match emitter.as_mut() {
                    Some(e) => e.row(Row {
                        cells: vec![text.clone(), key.clone(), kind.clone()],
                        json: json!({"prefix": text, "key": key, "kind": kind}),
                    })?,
                    // A key fleche did not write may hold any text.
                    None => io::Write::write_all(
                        &mut plain,
                        format!("{}\n", printable(&key)).as_bytes(),
                    )?,
                }
            }
            Err(e) => {
                io::Write::flush(&mut plain)?;
                exit = exit.max(error::print(&CliError::from(&e)));
            }
        }
    }
    io::Write::flush(&mut plain)?;
    if let Some(e) = emitter {
        e.finish()?;
    }
    Ok(exit)
}
