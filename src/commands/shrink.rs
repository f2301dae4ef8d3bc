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
    let cache = cache::open(global)?;
    let digests = with_stdin(&args.digests)?;
    // Many digests (a pipe of every key): read all call keys once, sorted,
    // instead of a lookup and two neighbour queries per digest.
    let all_calls = if digests.len() > BATCH {
        Some(cache.calls.sorted_keys()?)
    } else {
        None
    };
    // Each key's place in the sorted list by hash: a binary search per key
    // over a million scattered strings is bound by cache misses.
    let position: Option<HashMap<&str, usize>> = all_calls.as_ref().map(|calls| {
        calls
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect()
    });
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut exit = Exit::Success;
    for d in &digests {
        let key = d.trim().to_ascii_lowercase();
        let shrunk = if let (Some(calls), Some(position)) = (&all_calls, &position) {
            match position.get(key.as_str()) {
                Some(&i) => {
                    let before = i.checked_sub(1).and_then(|j| calls.get(j)).cloned();
                    let after = calls.get(i + 1).cloned();
                    Some(prefix::shortest_unique(&key, &[before, after]))
                }
                None => shrink_value(&cache, &key)?,
            }
        } else if cache.calls.get(&key)?.is_some() {
            Some(prefix::shrink(&key, &cache.calls)?)
        } else {
            shrink_value(&cache, &key)?
        };
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
