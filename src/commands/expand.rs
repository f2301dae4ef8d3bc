//! `fleche expand`: full digests from short ones, looking in call keys and
//! value keys together (format §6).

use super::GlobalArgs;
use crate::cache;
use crate::error::{CliError, Exit};
use crate::output::{Emitter, Format, Row};
use anyhow::Result;
use clap::Args;
use fleche_core::cache::Caches;
use fleche_core::prefix::{self, Expansion, Kind, Prefix};
use serde_json::json;
use std::io::{self, BufRead};

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

/// Arguments, with `-` replaced by the lines of standard input.
pub fn with_stdin(items: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for item in items {
        if item == "-" {
            for line in io::stdin().lock().lines() {
                let line = line?;
                let t = line.trim();
                if !t.is_empty() {
                    out.push(t.to_string());
                }
            }
        } else {
            out.push(item.clone());
        }
    }
    Ok(out)
}

/// Describe a candidate for an ambiguity message: kind, name or type, date.
pub fn describe(caches: &Caches, key: &str, kind: Kind) -> String {
    let short: String = key.chars().take(12).collect();
    match kind {
        Kind::Call => match caches
            .find_call(key)
            .ok()
            .and_then(|mut v| (!v.is_empty()).then(|| v.remove(0)))
        {
            Some((_, rec)) => {
                let when = rec
                    .started()
                    .map(|t| format!(", {}", crate::time::local(t)))
                    .unwrap_or_default();
                format!("call {short} ({}{when})", rec.name)
            }
            None => format!("call {short}"),
        },
        Kind::Value => match caches.load_value(key) {
            Ok(v) => format!("value {short} ({})", v.value.python_type()),
            Err(_) => format!("value {short}"),
        },
    }
}

/// Expand one prefix among every member's calls and values, or explain in
/// one line why not.
pub fn expand_one(caches: &Caches, text: &str) -> Result<(String, Vec<Kind>), CliError> {
    let p = Prefix::parse(text).map_err(|e| CliError::usage(e.to_string()))?;
    if p.as_str().len() == prefix::FULL_LEN {
        // A full digest is already expanded (as in fleche), stored or not.
        let key = p.as_str().to_string();
        let mut kinds = Vec::new();
        if !caches
            .find_call(&key)
            .map_err(|e| CliError::usage(e.to_string()))?
            .is_empty()
        {
            kinds.push(Kind::Call);
        }
        if caches.has_value(&key) {
            kinds.push(Kind::Value);
        }
        return Ok((key, kinds));
    }
    match caches
        .expand(&p, 20)
        .map_err(|e| CliError::usage(e.to_string()))?
    {
        Expansion::Unique { key, kinds } => Ok((key, kinds)),
        Expansion::NotFound => Err(CliError::not_found(format!(
            "no call or value starts with `{text}`"
        ))
        .with_hint("`fleche ls` lists the calls")),
        Expansion::Ambiguous {
            candidates,
            unique_len,
            more,
        } => {
            let list: Vec<String> = candidates
                .iter()
                .map(|(k, kind)| describe(caches, k, *kind))
                .collect();
            let more = if more { ", and more" } else { "" };
            Err(CliError::not_found(format!(
                "short digest `{text}` is ambiguous: {}{more}",
                list.join("; ")
            ))
            .with_hint(format!("type at least {unique_len} characters")))
        }
    }
}

pub fn run(global: &GlobalArgs, args: ExpandArgs) -> Result<Exit> {
    let caches = cache::open(global)?;
    let prefixes = with_stdin(&args.prefixes)?;
    let mut exit = Exit::Success;
    let stdout = io::stdout().lock();
    let mut emitter = args
        .format
        .map(|f| Emitter::new(f, io::stdout().lock(), vec!["prefix", "key", "kind"]))
        .transpose()?;
    let mut plain = io::BufWriter::new(stdout);
    for text in &prefixes {
        match expand_one(&caches, text) {
            Ok((key, kinds)) => {
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
                    None => io::Write::write_all(&mut plain, format!("{key}\n").as_bytes())?,
                }
            }
            Err(e) => {
                io::Write::flush(&mut plain)?;
                crate::error::report(&anyhow::Error::new(CliError {
                    exit: e.exit,
                    message: e.message,
                    hint: e.hint,
                }));
                exit = exit.max(e.exit);
            }
        }
    }
    io::Write::flush(&mut plain)?;
    if let Some(e) = emitter {
        e.finish()?;
    }
    Ok(exit)
}
