//! `fleche rekey`: after a module or function is renamed, file each
//! selected call under the key fleche computes for the new name (arguments,
//! result and metadata unchanged), so the renamed code hits the cache
//! instead of recomputing everything.

use crate::args::{parse_version, version_json, SelectArgs, WriteSelect};
use crate::context::Context;
use crate::error::{CliError, Exit};
use crate::output::{Emitter, Format, Row};
use crate::render::plural;
use anyhow::Result;
use clap::Args;
use fleche_core::cache::{Rekey, RekeyOutcome};
use fleche_core::verify::key_input;
use fleche_core::{call_key, CallKeyInput};
use serde_json::json;
use std::io;

#[derive(Debug, Args)]
#[command(
    about = "File calls under the keys fleche computes after a module or function rename",
    after_help = "Selects the calls stored under the OLD module or name (narrowed by CALL keys, --arg or --tag) and \
files each under the key fleche computes with the NEW one, in one transaction; the old record goes unless --keep. \
A call whose code digest is part of its key (hash_code=True) keeps that digest. --version V files the selected calls \
under version V as well (after `@fleche(version=V)` was bumped for a change that leaves results as they were); alone, \
it needs CALL keys, --arg or --tag to select calls.\n\n\
Exit status: 0 when every selected call was rekeyed (or would be, with --dry-run), 1 when some were not.\n\n\
Examples:\n  fleche rekey --module __main__=analysis --dry-run\n  fleche rekey --name fit=fit_model --keep\n  fleche rekey --version 3 --tag model=smooth"
)]
pub struct RekeyArgs {
    /// The module was renamed: OLD=NEW (`__main__=analysis` when a notebook's code moved to a module).
    #[arg(
        long = "module",
        value_name = "OLD=NEW",
        required_unless_present_any = ["name", "version"]
    )]
    module: Option<String>,
    /// The function was renamed: OLD=NEW (qualified names, e.g. `fit=fit_model`).
    #[arg(long = "name", value_name = "OLD=NEW")]
    name: Option<String>,
    /// File the calls under this version too (the function's `version=` was bumped, its results still hold):
    /// an int when it reads as one, else a string.
    #[arg(long = "version", value_name = "V")]
    version: Option<String>,
    /// Only these calls, by (short) key; `-` reads them from stdin.
    #[arg(value_name = "CALL")]
    prefixes: Vec<String>,
    /// Only calls with this argument (NAME=VALUE or NAME), as for `query --arg`.
    #[arg(long = "arg", value_name = "NAME[=VALUE]", allow_hyphen_values = true)]
    args: Vec<String>,
    /// Only calls with this tag (KEY[=VALUE]).
    #[arg(long = "tag", value_name = "KEY[=VALUE]", allow_hyphen_values = true)]
    tags: Vec<String>,
    /// Keep the old records too, so that both the old and the new code hit.
    #[arg(long)]
    keep: bool,
    /// Replace a record already stored under a new key.
    #[arg(long)]
    overwrite: bool,
    /// List old -> new keys without changing anything.
    #[arg(long)]
    dry_run: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// `OLD=NEW`, both non-empty.
fn rename(flag: &str, text: &Option<String>) -> Result<Option<(String, String)>> {
    let Some(text) = text else { return Ok(None) };
    match text.split_once('=') {
        Some((old, new)) if !old.trim().is_empty() && !new.trim().is_empty() => {
            Ok(Some((old.trim().to_string(), new.trim().to_string())))
        }
        _ => Err(
            CliError::usage(format!("{flag} takes OLD=NEW, not `{text}`"))
                .with_hint(format!("e.g. {flag} __main__=analysis"))
                .into(),
        ),
    }
}

pub fn run(ctx: &Context, args: RekeyArgs) -> Result<Exit> {
    let module = rename("--module", &args.module)?;
    let name = rename("--name", &args.name)?;
    let new_version = args.version.as_deref().map(parse_version).transpose()?;
    let cache = ctx.open_to_change(args.dry_run)?;
    let writer = ctx.writer(&cache, "rekeying", args.dry_run)?;
    let select = WriteSelect {
        prefixes: args.prefixes.clone(),
        select: SelectArgs {
            name: name.as_ref().map(|(old, _)| old.clone()),
            module: module.as_ref().map(|(old, _)| old.clone()),
            args: args.args.clone(),
            tags: args.tags.clone(),
            ..SelectArgs::default()
        },
        all: false,
    };
    let records = select.records(&cache, &writer, "rekey")?;
    let mut moves = Vec::with_capacity(records.len());
    // Calls whose stored key is not fleche's key of their record (written
    // by another tool, or with a custom `__digest__`) are not moved: the
    // new key could not be trusted either.
    let mut unsure = Vec::new();
    for rec in records {
        let input = key_input(&rec);
        if call_key(&input).ok().as_deref() != Some(rec.key.as_str()) {
            unsure.push(rec);
            continue;
        }
        let new_name = match &name {
            Some((old, new)) if &rec.name == old => new.clone(),
            _ => rec.name.clone(),
        };
        let new_module = match &module {
            Some((old, new)) if rec.module.as_deref() == Some(old.as_str()) => Some(new.clone()),
            _ => rec.module.clone(),
        };
        let new = call_key(&CallKeyInput {
            name: new_name.clone(),
            module: new_module.clone(),
            version: new_version.clone().or(input.version.clone()),
            ..input
        })
        .map_err(fleche_core::Error::from)?;
        moves.push((
            Rekey {
                old: rec.key.clone(),
                new,
                name: new_name,
                module: new_module,
                version: new_version.as_ref().map(version_json),
            },
            rec.code_digest.is_some(),
        ));
    }
    if moves.is_empty() && unsure.is_empty() {
        return Err(
            CliError::not_found("no call to rekey: none is stored under the old name")
                .with_hint(
                    "`fleche query --module OLD` (or --name OLD) lists what a rename would move",
                )
                .into(),
        );
    }
    let plan: Vec<Rekey> = moves.iter().map(|(m, _)| m.clone()).collect();
    let outcomes = writer.rekey(&plan, args.keep, args.overwrite, args.dry_run)?;
    let mut emitter = Emitter::new(
        args.format,
        io::stdout().lock(),
        vec!["old", "new", "name", "module", "outcome"],
    )?;
    let (mut done, mut not_done) = (0usize, unsure.len());
    for ((m, coded), outcome) in moves.iter().zip(&outcomes) {
        let text = match (outcome, args.dry_run) {
            (RekeyOutcome::Done, true) => "would rekey",
            (RekeyOutcome::Done, false) if args.keep => "copied",
            (RekeyOutcome::Done, false) => "rekeyed",
            (RekeyOutcome::Exists, _) => "skipped: new key taken (--overwrite replaces it)",
            (RekeyOutcome::Missing, _) => "skipped: no longer stored",
        };
        match outcome {
            RekeyOutcome::Done => done += 1,
            _ => not_done += 1,
        }
        let text = if *coded {
            format!("{text} (keeps its code digest)")
        } else {
            text.to_string()
        };
        emitter.row(Row {
            cells: vec![
                m.old.clone(),
                m.new.clone(),
                m.name.clone(),
                m.module.clone().unwrap_or_else(|| "None".into()),
                text.clone(),
            ],
            json: json!({"old": m.old, "new": m.new, "name": m.name, "module": m.module, "outcome": text}),
        })?;
    }
    for rec in &unsure {
        let text = "skipped: its key is not fleche's key of its record";
        emitter.row(Row {
            cells: vec![
                rec.key.clone(),
                String::new(),
                rec.name.clone(),
                rec.module.clone().unwrap_or_else(|| "None".into()),
                text.into(),
            ],
            json: json!({"old": rec.key, "new": null, "name": rec.name, "module": rec.module, "outcome": text}),
        })?;
    }
    emitter.finish()?;
    let verb = if args.dry_run {
        "Would rekey"
    } else if args.keep {
        "Copied"
    } else {
        "Rekeyed"
    };
    eprintln!(
        "{verb} {done} call{}{}",
        plural(done),
        if not_done > 0 {
            format!("; {not_done} not (see above)")
        } else {
            String::new()
        }
    );
    Ok(if not_done > 0 {
        Exit::NotFound
    } else {
        Exit::Success
    })
}
