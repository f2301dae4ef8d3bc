//! `fleche shrink`: the shortest unique prefix of full digests, as fleche's
//! `shrink` computes it within the key's own storage (calls or values).

use crate::context::Context;
use crate::error::{self, CliError, Exit};
use crate::style::printable;
use anyhow::Result;
use clap::Args;
use fleche_core::cache::Shrunk;
use std::borrow::Cow;
use std::io::{self, Read, Write};

#[derive(Debug, Args)]
#[command(
    about = "Shorten full digests to the shortest unique prefix; `-` reads one per line from stdin"
)]
pub struct ShrinkArgs {
    /// Full digests of calls or values, or `-` for stdin.
    #[arg(value_name = "DIGEST", required = true)]
    pub digests: Vec<String>,
}

pub fn run(ctx: &Context, args: ShrinkArgs) -> Result<Exit> {
    let cache = ctx.open()?;
    // `-` is every non-empty stdin line, kept in one buffer (a million
    // lines need no million strings).
    let mut stdin = String::new();
    if args.digests.iter().any(|d| d == "-") {
        io::stdin().lock().read_to_string(&mut stdin)?;
    }
    let mut digests: Vec<&str> = Vec::new();
    for item in &args.digests {
        if item == "-" {
            digests.extend(stdin.lines().map(str::trim).filter(|l| !l.is_empty()));
        } else {
            digests.push(item.trim());
        }
    }
    let keys: Vec<Cow<str>> = digests
        .iter()
        .map(|d| {
            if d.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(d.to_ascii_lowercase())
            } else {
                Cow::Borrowed(*d)
            }
        })
        .collect();
    let shrunk = cache.shrink_many(&keys)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut exit = Exit::Success;
    for (d, s) in digests.iter().zip(shrunk) {
        let problem = match s {
            Shrunk::To(s) => {
                writeln!(out, "{}", printable(&s))?;
                continue;
            }
            Shrunk::Full => CliError::not_found(format!(
                "`{d}` cannot be shortened without becoming ambiguous"
            )),
            Shrunk::Unknown => {
                CliError::not_found(format!("no call or value has the digest `{d}`"))
                    .with_hint("shrink takes full digests; `fleche expand` takes short ones")
            }
        };
        out.flush()?;
        exit = exit.max(error::print(&problem));
    }
    out.flush()?;
    Ok(exit)
}
