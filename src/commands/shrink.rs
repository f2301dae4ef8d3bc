//! `fleche shrink`: the shortest unique prefix of full digests, as fleche's
//! `shrink` computes it within the key's own storage (calls or values).

use super::expand::with_stdin;
use super::GlobalArgs;
use crate::cache;
use crate::error::{CliError, Exit};
use anyhow::Result;
use clap::Args;
use fleche_core::prefix;
use std::collections::HashMap;
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

/// A member's call keys, sorted, with each key's position.
type Batch = (Vec<String>, HashMap<String, usize>);

/// Above this many digests, `shrink` reads every call key at once.
const BATCH: usize = 64;

/// Shrink among values, listing the value directory only when first needed.
fn shrink_value(cache: &fleche_core::cache::Cache, key: &str) -> Result<Option<String>> {
    let values = cache.values.sorted_keys()?;
    if values.binary_search_by(|v| v.as_str().cmp(key)).is_ok() {
        let Ok(s) = prefix::shrink(key, values);
        Ok(Some(s))
    } else {
        Ok(None)
    }
}

pub fn run(global: &GlobalArgs, args: ShrinkArgs) -> Result<Exit> {
    let caches = cache::open(global)?;
    let digests = with_stdin(&args.digests)?;
    // Many digests (a pipe of every key): read each member's call keys
    // once, sorted, and place keys by hash, instead of a lookup and two
    // neighbour queries per digest.
    let batches: Vec<Option<Batch>> = caches
        .members
        .iter()
        .map(|m| -> Result<_> {
            if digests.len() <= BATCH {
                return Ok(None);
            }
            let calls = m.calls.sorted_keys()?;
            let position = calls
                .iter()
                .enumerate()
                .map(|(i, k)| (k.clone(), i))
                .collect();
            Ok(Some((calls, position)))
        })
        .collect::<Result<_>>()?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut exit = Exit::Success;
    for d in &digests {
        let key = d.trim().to_ascii_lowercase();
        // fleche: within the calls of each member holding the call, the
        // longest answer wins; a value (which fleche's stacks cannot
        // shrink) likewise within each member's values.
        let mut as_call = Vec::new();
        let mut as_value = Vec::new();
        for (m, batch) in caches.members.iter().zip(&batches) {
            let in_calls = match batch {
                Some((calls, position)) => position.get(key.as_str()).map(|&i| {
                    let before = i.checked_sub(1).and_then(|j| calls.get(j)).cloned();
                    let after = calls.get(i + 1).cloned();
                    prefix::shortest_unique(&key, &[before, after])
                }),
                None => match m.calls.get(&key)? {
                    Some(_) => Some(prefix::shrink(&key, &m.calls)?),
                    None => None,
                },
            };
            match in_calls {
                Some(s) => as_call.push(s),
                None => {
                    if let Some(s) = shrink_value(m, &key)? {
                        as_value.push(s);
                    }
                }
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
