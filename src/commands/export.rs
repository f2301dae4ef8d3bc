//! `fleche export`: one cached value as a file a CI job or another tool
//! reads without Python — a numpy array as the `.npy` `np.save` writes, a
//! pandas DataFrame or Series as the CSV `to_csv()` writes, any value as our
//! JSON form. The file appears whole or not at all.

use crate::context::Context;
use crate::error::{one_line, CliError, Exit};
use anyhow::Result;
use clap::{Args, ValueEnum};
use fleche_core::cache::ValueError;
use fleche_core::pandas::CsvError;
use fleche_core::prefix::Kind;
use fleche_core::{Cache, Value};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A numpy array, byte for byte as `np.save` writes it.
    Npy,
    /// Any value, as `show --format json` gives it.
    Json,
    /// A pandas DataFrame or Series, as `to_csv()` writes it.
    Csv,
}

#[derive(Debug, Args)]
#[command(
    about = "Write a cached value to a file: a numpy array as .npy (as np.save writes it), a pandas DataFrame or Series as CSV (as to_csv writes it), any value as JSON",
    after_help = "Examples:\n  fleche export 4722bb12 -o weights.npy\n  fleche export a1c627f8 -o table.csv\n  fleche export cb9db168 -o - --as json   # a call's result"
)]
pub struct ExportArgs {
    /// The value, or the call whose result to export, by (short) digest.
    #[arg(value_name = "PREFIX")]
    pub prefix: String,
    /// The file to write (replaced whole), or `-` for standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// The format; by default the output file's extension (.npy, .json, .csv).
    #[arg(long = "as", value_enum, value_name = "FORMAT")]
    pub format: Option<ExportFormat>,
}

pub fn run(ctx: &Context, args: ExportArgs) -> Result<Exit> {
    let to_stdout = args.output.as_os_str() == "-";
    let format = match (args.format, extension_format(&args.output)) {
        (Some(f), _) | (None, Some(f)) => f,
        (None, None) => {
            return Err(CliError::usage(format!(
                "cannot tell the format of {} from its name",
                if to_stdout {
                    "standard output".to_string()
                } else {
                    args.output.display().to_string()
                }
            ))
            .with_hint("name a .npy, .csv or .json file, or say --as npy|csv|json")
            .into())
        }
    };
    let cache = ctx.open()?;
    let key = value_key(&cache, &args.prefix)?;
    let value = cache
        .load_value(&key)
        .map_err(|e| load_error(&key, &e))?
        .value;
    let bytes = encode(&value, format, &key)?;
    if to_stdout {
        let mut out = std::io::stdout().lock();
        if format == ExportFormat::Npy && out.is_terminal() {
            return Err(
                CliError::usage("refusing to write .npy bytes to a terminal")
                    .with_hint("write to a file with -o FILE, or redirect standard output")
                    .into(),
            );
        }
        out.write_all(&bytes)?;
        out.flush()?;
    } else {
        write_whole(&args.output, &bytes)?;
    }
    Ok(Exit::Success)
}

fn extension_format(path: &Path) -> Option<ExportFormat> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "npy" => Some(ExportFormat::Npy),
        "json" => Some(ExportFormat::Json),
        "csv" => Some(ExportFormat::Csv),
        _ => None,
    }
}

/// The value a prefix names: a value, or the result of a call.
fn value_key(cache: &Cache, prefix: &str) -> Result<String> {
    let found = cache.resolve(prefix)?;
    if found.kinds.contains(&Kind::Value) {
        return Ok(found.key);
    }
    if !found.kinds.contains(&Kind::Call) {
        return Err(CliError::not_found(format!(
            "no call or value has the digest `{}`",
            found.key
        ))
        .into());
    }
    let calls = cache.find_call(&found.key)?;
    match calls.iter().find_map(|(_, rec)| rec.result.clone()) {
        Some(result) => Ok(result),
        None => Err(CliError::not_found(format!(
            "call {} has no result yet (it is still running, or was interrupted)",
            found.key
        ))
        .into()),
    }
}

fn load_error(key: &str, e: &ValueError) -> anyhow::Error {
    match e {
        ValueError::Missing(_) => {
            CliError::not_found(format!("value {key} has no file in the value store")).into()
        }
        other => CliError::usage(format!("cannot read value {key}: {}", one_line(other))).into(),
    }
}

fn encode(value: &Value, format: ExportFormat, key: &str) -> Result<Vec<u8>> {
    let short = &key[..key.len().min(8)];
    let type_name = value.python_type();
    let article = if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    let what = format!("{article} {type_name}");
    match format {
        ExportFormat::Npy => match value {
            Value::NdArray(a) => fleche_core::npy::to_npy(a).map_err(|e| {
                CliError::usage(format!("value {short} cannot be written as .npy: {e}"))
                    .with_hint("export it with --as json")
                    .into()
            }),
            _ => Err(CliError::usage(format!(
                "value {short} is {what}, not a numpy array: it cannot be written as .npy"
            ))
            .with_hint("export it with --as json")
            .into()),
        },
        ExportFormat::Json => {
            // Streamed: a huge array's JSON tree is never built.
            let mut bytes = Vec::new();
            fleche_core::repr::write_json(value, &mut bytes)?;
            bytes.push(b'\n');
            Ok(bytes)
        }
        ExportFormat::Csv => {
            let csv = match value {
                Value::Object(o) => fleche_core::pandas::to_csv(o, &fleche_core::repr::repr),
                _ => Err(CsvError::NotTable),
            };
            csv.map(String::into_bytes).map_err(|e| {
                let why = match e {
                    CsvError::NotTable => {
                        "CSV export is for pandas DataFrames and Series".to_string()
                    }
                    CsvError::Unsupported(why) => why.to_string(),
                };
                CliError::usage(format!(
                    "value {short} is {what}: it cannot be written as CSV ({why})"
                ))
                .with_hint("export it with --as json")
                .into()
            })
        }
    }
}

/// Write through a temporary file in the same directory, renamed over the
/// target: a reader never sees half a file, an error leaves none behind.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |e: std::io::Error| CliError::usage(format!("cannot write {}: {e}", path.display()));
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
