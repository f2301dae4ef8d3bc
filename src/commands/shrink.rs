//! `fleche shrink`: the shortest unique prefix of full digests, as fleche's
//! `shrink` computes it within the key's own storage (calls or values).

use super::GlobalArgs;
use crate::cache;
use crate::error::{CliError, Exit};
use anyhow::Result;
use clap::Args;
use fleche_core::prefix;
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

/// Above this many digests, `shrink` reads every call key at once.
const BATCH: usize = 64;

/// For many digests (a pipe of every key): each member's call keys read
/// once, and every digest's shortest prefix among them found by one walk
/// over both sorted lists (as bytes; a million keys are a 32 MB array).
/// The digests are parsed and sorted on a second thread while the keys
/// are read. Per member, per digest: the prefix length if the digest is
/// one of its calls. None when the batch path does not apply.
fn batch_lengths(
    caches: &fleche_core::cache::Caches,
    keys: &[Cow<str>],
) -> Result<Option<Vec<Vec<Option<usize>>>>> {
    if keys.len() <= BATCH {
        return Ok(None);
    }
    std::thread::scope(|scope| {
        let sorting = scope.spawn(|| {
            // A digest that is not a 64-digit hex key is no call key either.
            let parsed: Vec<Option<prefix::KeyBytes>> =
                keys.iter().map(|k| prefix::key_bytes(k)).collect();
            prefix::SortedQueries::new(&parsed)
        });
        let mut stored = Vec::new();
        for m in &caches.members {
            match m.calls.sorted_key_bytes()? {
                Some(sorted) => stored.push(sorted),
                None => return Ok(None),
            }
        }
        let queries = sorting
            .join()
            .map_err(|_| anyhow::anyhow!("sorting the digests failed"))?;
        Ok(Some(
            stored.iter().map(|s| queries.shrink_among(s)).collect(),
        ))
    })
}

/// Shrink among values, listing the value directory only when first needed.
fn shrink_value(cache: &fleche_core::cache::Cache, key: &str) -> Result<Option<String>> {
    let values = cache.values.index()?;
    if values.contains(key) {
        let Ok(s) = prefix::shrink(key, values);
        Ok(Some(s))
    } else {
        Ok(None)
    }
}

pub fn run(global: &GlobalArgs, args: ShrinkArgs) -> Result<Exit> {
    let caches = cache::open(global)?;
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
    let batch = batch_lengths(&caches, &keys)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut exit = Exit::Success;
    for (i, (d, key)) in digests.iter().zip(&keys).enumerate() {
        let key: &str = key;
        // fleche: within the calls of each member holding the call, the
        // longest answer wins; a value (which fleche's stacks cannot
        // shrink) likewise within each member's values.
        let mut as_call: Vec<Cow<str>> = Vec::new();
        let mut as_value: Vec<Cow<str>> = Vec::new();
        for (n, m) in caches.members.iter().enumerate() {
            let in_calls = match &batch {
                Some(lens) => lens[n][i].map(|l| Cow::Borrowed(&key[..l])),
                None => match m.calls.get(key)? {
                    Some(_) => Some(Cow::Owned(prefix::shrink(key, &m.calls)?)),
                    None => None,
                },
            };
            match in_calls {
                Some(s) => as_call.push(s),
                None => {
                    if let Some(s) = shrink_value(m, key)? {
                        as_value.push(Cow::Owned(s));
                    }
                }
            }
        }
        let candidates = if as_call.is_empty() {
            as_value
        } else {
            as_call
        };
        let shrunk = candidates.into_iter().max_by_key(|s| s.len());
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
