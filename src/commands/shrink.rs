//! `fleche shrink`: the shortest unique prefix of full digests, as fleche's
//! `shrink` computes it within the key's own storage (calls or values).

use super::expand::with_stdin;
use super::GlobalArgs;
use crate::cache;
use crate::error::{CliError, Exit};
use anyhow::Result;
use clap::Args;
use fleche_core::prefix;
use std::io::{self, Write};

#[derive(Debug, Args)]
#[command(
    about = "Shorten full digests to the shortest unique prefix; `-` reads one per line from stdin"
)]
pub struct ShrinkArgs {
    /// Full digests of calls or values, or `-` for stdin.
    #[arg(value_name = "DIGEST", required = true)]
    pub digests: Vec<String>,
}

pub fn run(global: &GlobalArgs, args: ShrinkArgs) -> Result<Exit> {
    let caches = cache::open(global)?;
    let digests = with_stdin(&args.digests)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut exit = Exit::Success;
    for d in &digests {
        let key = d.trim().to_ascii_lowercase();
        // fleche: within the calls of each member holding the call, the
        // longest answer wins; a value (which fleche's stacks cannot
        // shrink) likewise within each member's values.
        let mut as_call = Vec::new();
        let mut as_value = Vec::new();
        for m in &caches.members {
            if m.calls.get(&key)?.is_some() {
                as_call.push(prefix::shrink(&key, &m.calls)?);
            } else if m.values.contains(&key) {
                let Ok(s) = prefix::shrink(&key, m.values.sorted_keys()?);
                as_value.push(s);
            }
        }
        let candidates = if as_call.is_empty() {
            as_value
        } else {
            as_call
        };
        let shrunk = candidates.into_iter().max_by_key(String::len);
        match shrunk {
            Some(s) if s.len() < key.len() => writeln!(out, "{s}")?,
            Some(_) => {
                out.flush()?;
                let e = CliError::not_found(format!(
                    "`{d}` cannot be shortened without becoming ambiguous"
                ));
                crate::error::report(&e.into());
                exit = Exit::NotFound;
            }
            None => {
                out.flush()?;
                let e = CliError::not_found(format!("no call or value has the digest `{d}`"))
                    .with_hint("shrink takes full digests; `fleche expand` takes short ones");
                crate::error::report(&e.into());
                exit = Exit::NotFound;
            }
        }
    }
    out.flush()?;
    Ok(exit)
}
