//! `fleche digest`: fleche's digest of values typed as Python literals, or
//! the key of a call.

use crate::args::{bad_literal, parse_version, with_stdin};
use crate::context::Context;
use crate::error::{CliError, Exit};
use crate::output::{Emitter, Format, Row};
use anyhow::Result;
use clap::Args;
use fleche_core::literal::{self, Term};
use fleche_core::{call_key, digest, repr, CallKeyInput, Value};
use serde_json::json;
use std::io;

#[derive(Debug, Args)]
#[command(
    allow_negative_numbers = true,
    about = "Print fleche's digest of each VALUE, or the key of a call with --call",
    after_help = "VALUEs are Python literals: 100, -1.5, 'text', b'raw', (1, 2), {'a': [1, 2]}, {1, 2}, \
True, None, nan, Point(x=1, y=2) for a dataclass, Digest('...') for a digest. \
A bare word such as my_project is a string. `-` reads one value per line from stdin; \
negative numbers work as they are, other values starting with `-` go after `--` (fleche digest -- -inf).\n\n\
Examples:\n  fleche digest 100\n  fleche digest --call fib --module __main__ n=20"
)]
pub struct DigestArgs {
    /// Values to digest (with --call: the call's arguments as NAME=VALUE, in order).
    #[arg(value_name = "VALUE")]
    values: Vec<String>,
    /// Print the key of a call to the function NAME instead.
    #[arg(long, value_name = "NAME")]
    call: Option<String>,
    /// The call's module (default: None).
    #[arg(long, value_name = "MODULE", requires = "call")]
    module: Option<String>,
    /// The call's version: an int when it looks like one, else a string ('"3"' for the string 3).
    #[arg(
        long,
        value_name = "VERSION",
        requires = "call",
        allow_hyphen_values = true
    )]
    version: Option<String>,
    /// The function's code digest, as stored in the cache (default: None).
    #[arg(long, value_name = "DIGEST", requires = "call")]
    code_digest: Option<String>,
    /// Output format; the default prints one digest per line.
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<Format>,
}

pub fn run(_ctx: &Context, args: DigestArgs) -> Result<Exit> {
    let inputs = with_stdin(&args.values, false)?;
    match &args.call {
        Some(name) => run_call(name, &args, &inputs),
        None => run_values(&args, &inputs),
    }
}

fn parse_value(text: &str) -> Result<Value> {
    match literal::parse_term(text).map_err(|e| bad_literal("", text, &e))? {
        Term::Value(v) => Ok(v),
        Term::Stored(prefix) => Err(unexpanded(text, &prefix)),
    }
}

/// `@PREFIX` names a stored value, which `digest` (it opens no cache)
/// cannot expand.
fn unexpanded(text: &str, prefix: &str) -> anyhow::Error {
    CliError::usage(format!(
        "`{text}`: `@{prefix}` must be expanded against a cache before it can be digested"
    ))
    .into()
}

fn digest_of(text: &str, value: &Value) -> Result<String> {
    digest(value).map_err(|e| CliError::usage(format!("`{text}`: {e}")).into())
}

fn run_values(args: &DigestArgs, inputs: &[String]) -> Result<Exit> {
    if inputs.is_empty() {
        return Err(CliError::usage("no value to digest")
            .with_hint("pass values, e.g. `fleche digest 100 'text'`, or `-` to read stdin")
            .into());
    }
    let mut parsed = Vec::with_capacity(inputs.len());
    for text in inputs {
        let value = parse_value(text)?;
        let d = digest_of(text, &value)?;
        parsed.push((text, value, d));
    }
    let stdout = io::stdout().lock();
    match args.format {
        None => {
            let mut out = io::BufWriter::new(stdout);
            for (_, _, d) in &parsed {
                use io::Write;
                writeln!(out, "{d}")?;
            }
            io::Write::flush(&mut out)?;
        }
        Some(format) => {
            let mut emitter =
                Emitter::new(format, stdout, vec!["digest", "type", "repr", "input"])?;
            for (text, value, d) in parsed {
                let r = repr::repr(&value);
                emitter.row(Row {
                    cells: vec![d.clone(), value.python_type(), r.clone(), text.clone()],
                    json: json!({
                        "input": text,
                        "type": value.python_type(),
                        "repr": r,
                        "value": repr::to_json(&value),
                        "digest": d,
                    }),
                })?;
            }
            emitter.finish()?;
        }
    }
    Ok(Exit::Success)
}

fn run_call(name: &str, args: &DigestArgs, inputs: &[String]) -> Result<Exit> {
    let mut arguments = Vec::with_capacity(inputs.len());
    let mut decoded = Vec::with_capacity(inputs.len());
    for text in inputs {
        if let Some((_, value)) = text.split_once('=') {
            if let Ok(Term::Stored(prefix)) = literal::parse_term(value) {
                return Err(unexpanded(text, &prefix));
            }
        }
        let (arg, value) = literal::parse_assignment(text).map_err(|e| {
            CliError::usage(format!("cannot read argument `{text}`: {e}"))
                .with_hint("write each argument as NAME=VALUE, e.g. x=100")
        })?;
        if arguments.iter().any(|(n, _): &(String, String)| n == &arg) {
            return Err(CliError::usage(format!("argument `{arg}` is given twice")).into());
        }
        let d = digest_of(text, &value)?;
        arguments.push((arg.clone(), d.clone()));
        decoded.push((arg, value, d));
    }
    if let Some(text) = &args.version {
        // A quoted version is a literal, and says so when it cannot be read.
        let trimmed = text.trim();
        if trimmed.starts_with('\'') || trimmed.starts_with('"') {
            literal::parse(trimmed).map_err(|e| bad_literal("", trimmed, &e))?;
        }
    }
    let version = args.version.as_deref().map(parse_version).transpose()?;
    let input = CallKeyInput {
        name: name.to_string(),
        module: args.module.clone(),
        version: version.clone(),
        code_digest: args.code_digest.clone(),
        arguments,
    };
    let key = call_key(&input).map_err(fleche_core::Error::from)?;
    let stdout = io::stdout().lock();
    match args.format {
        None => {
            use io::Write;
            let mut out = stdout;
            writeln!(out, "{key}")?;
        }
        Some(format) => {
            let mut emitter = Emitter::new(
                format,
                stdout,
                vec!["key", "name", "module", "version", "code_digest"],
            )?;
            let mut args_json = serde_json::Map::new();
            for (arg, value, d) in &decoded {
                args_json.insert(
                    arg.clone(),
                    json!({"type": value.python_type(), "repr": repr::repr(value), "digest": d}),
                );
            }
            let version_json = version
                .as_ref()
                .map(repr::to_json)
                .unwrap_or(serde_json::Value::Null);
            emitter.row(Row {
                cells: vec![
                    key.clone(),
                    name.to_string(),
                    args.module.clone().unwrap_or_default(),
                    version.as_ref().map(repr::repr).unwrap_or_default(),
                    args.code_digest.clone().unwrap_or_default(),
                ],
                json: json!({
                    "kind": "call",
                    "key": key,
                    "name": name,
                    "module": args.module,
                    "version": version_json,
                    "code_digest": args.code_digest,
                    "arguments": args_json,
                }),
            })?;
            emitter.finish()?;
        }
    }
    Ok(Exit::Success)
}
