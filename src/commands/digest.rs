//! `fleche digest`: fleche's digest of values typed as Python literals, or
//! the key of a call.

use crate::args::{bad_literal, read_call, with_stdin, Stored, NUMBER_MARK};
use crate::context::Context;
use crate::error::{CliError, Exit};
use crate::output::{Emitter, Format, Row};
use anyhow::Result;
use clap::Args;
use fleche_core::literal::{self, Term};
use fleche_core::{call_key, repr, Value};
use serde_json::json;
use std::io;

#[derive(Debug, Args)]
#[command(
    allow_negative_numbers = true,
    about = "Print fleche's digest of each VALUE, or the key of a call with --call",
    after_help = "VALUEs are Python literals: 100, -1.5, 'text', b'raw', (1, 2), {'a': [1, 2]}, {1, 2}, \
True, None, nan, Point(x=1, y=2) for a dataclass, Digest('...') for a digest. \
A bare word such as my_project is a string. `-` reads one value per line from stdin; \
numbers work as they are (-1, -inf, -5e-324), other values starting with `-` go after `--` (fleche digest -- -x).\n\n\
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

pub fn run(ctx: &Context, mut args: DigestArgs) -> Result<Exit> {
    for value in &mut args.values {
        if let Some(number) = value.strip_prefix(NUMBER_MARK) {
            *value = number.to_string();
        }
    }
    let inputs = with_stdin(&args.values, false)?;
    let mut stored = Stored::lazy(ctx, args.format.is_some());
    match &args.call {
        Some(name) => run_call(name, &args, &inputs, &mut stored),
        None => run_values(&args, &inputs, &mut stored),
    }
}

/// A value typed (or a stored one named): its digest, and the value when
/// it is known or wanted.
fn read_value(stored: &mut Stored, text: &str) -> Result<(String, Option<Value>)> {
    match literal::parse_term(text).map_err(|e| bad_literal("", text, &e))? {
        Term::Value(v) => Ok((digest_of(text, &v)?, Some(v))),
        Term::Stored(prefix) => stored.expand(text, &prefix),
    }
}

fn digest_of(text: &str, value: &Value) -> Result<String> {
    crate::args::digest_value(value).map_err(|e| CliError::usage(format!("`{text}`: {e}")).into())
}

/// The type, repr and JSON form of a value for `--format`.
fn described(value: &Option<Value>) -> (String, String, serde_json::Value) {
    match value {
        Some(v) => (v.python_type(), repr::repr(v), repr::to_json(v)),
        None => Default::default(),
    }
}

fn run_values(args: &DigestArgs, inputs: &[String], stored: &mut Stored) -> Result<Exit> {
    if inputs.is_empty() {
        return Err(CliError::usage("no value to digest")
            .with_hint("pass values, e.g. `fleche digest 100 'text'`, or `-` to read stdin")
            .into());
    }
    let mut parsed = Vec::with_capacity(inputs.len());
    for text in inputs {
        let (d, value) = read_value(stored, text)?;
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
                let (ty, r, json) = described(&value);
                emitter.row(Row {
                    cells: vec![d.clone(), ty.clone(), r.clone(), text.clone()],
                    json: json!({
                        "input": text,
                        "type": ty,
                        "repr": r,
                        "value": json,
                        "digest": d,
                    }),
                })?;
            }
            emitter.finish()?;
        }
    }
    Ok(Exit::Success)
}

fn run_call(name: &str, args: &DigestArgs, inputs: &[String], stored: &mut Stored) -> Result<Exit> {
    let spec = read_call(
        stored,
        name,
        inputs,
        args.module.clone(),
        args.version.as_deref(),
        args.code_digest.clone(),
    )?;
    let version = spec.version.clone();
    let decoded = &spec.arguments;
    let input = spec.key_input();
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
            for (arg, d, value) in decoded {
                let (ty, r, _) = described(value);
                args_json.insert(arg.clone(), json!({"type": ty, "repr": r, "digest": d}));
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
