//! `fleche show`: everything about calls and values named by short digests.

use crate::args::with_stdin;
use crate::context::Context;
use crate::error::{self, one_line, CliError, Exit};
use crate::render::{call_json, value_lines, value_repr};
use crate::style::printable;
use crate::time;
use anyhow::Result;
use clap::{Args, ValueEnum};
use fleche_core::cache::{Signature, StoredValue, ValueError};
use fleche_core::prefix::{self, Kind};
use fleche_core::store::CallRecord;
use fleche_core::Cache;
use serde_json::{json, Value as Json};
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// Labelled lines for people.
    Text,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Debug, Args)]
#[command(
    about = "Show calls and values by (short) digest: arguments, result, metadata, decoded values"
)]
pub struct ShowArgs {
    /// Digests or prefixes (at least 4 hex characters) of calls or values; `-` reads stdin.
    #[arg(value_name = "PREFIX", required = true)]
    pub prefixes: Vec<String>,
    /// Show values in full instead of abbreviating long ones.
    #[arg(long)]
    pub full: bool,
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

pub fn run(ctx: &Context, args: ShowArgs) -> Result<Exit> {
    let cache = ctx.open()?;
    let color = args.format == ShowFormat::Text && ctx.color();
    let view = View {
        full: args.full,
        color,
        json: args.format != ShowFormat::Text,
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut exit = Exit::Success;
    let mut first = true;
    if args.format == ShowFormat::Json {
        write!(out, "[")?;
    }
    for text in with_stdin(&args.prefixes, true)? {
        let (key, kinds) = match cache.resolve(&text) {
            Ok(found) if !found.kinds.is_empty() => (found.key, found.kinds),
            Ok(found) => {
                let e =
                    CliError::not_found(format!("no call or value has the digest `{}`", found.key));
                exit = exit.max(report(&mut out, &e)?);
                continue;
            }
            Err(e) => {
                exit = exit.max(report(&mut out, &CliError::from(&e))?);
                continue;
            }
        };
        let mut items = Vec::new();
        for kind in kinds {
            match kind {
                Kind::Call => {
                    for (member, rec) in cache.find_call(&key)? {
                        let label = cache.is_multi().then_some(member.name());
                        items.push(call_item(ctx, &cache, label, &rec, view)?);
                    }
                }
                Kind::Value => items.push(value_item(ctx, &cache, &key, view)?),
            }
        }
        for item in items {
            match args.format {
                ShowFormat::Text => {
                    if !first {
                        writeln!(out)?;
                    }
                    write!(out, "{}", item.text)?;
                }
                ShowFormat::Json => {
                    write!(out, "{}\n  ", if first { "" } else { "," })?;
                    write_json(&mut out, &item)?;
                }
                ShowFormat::Jsonl => {
                    write_json(&mut out, &item)?;
                    writeln!(out)?;
                }
            }
            first = false;
            if item.problem {
                exit = exit.max(Exit::NotFound);
            }
        }
    }
    if args.format == ShowFormat::Json {
        writeln!(out, "{}]", if first { "" } else { "\n" })?;
    }
    out.flush()?;
    Ok(exit)
}

/// Report a prefix that names nothing, between the items shown.
fn report(out: &mut impl Write, e: &CliError) -> Result<Exit> {
    out.flush()?;
    Ok(error::print(e))
}

struct Item {
    text: String,
    /// The item's JSON, with a [`marker`] in place of each decoded value's.
    json: Json,
    /// The decoded values, written where their markers are.
    values: Vec<fleche_core::Value>,
    /// Something referenced is missing or unreadable.
    problem: bool,
}

/// What stands for the JSON of decoded value `i` in an item's tree, as
/// serde_json writes it (a string no cache holds: NUL-free control
/// characters around this process's id and start time).
fn marker(i: usize) -> String {
    static NONCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let nonce = NONCE.get_or_init(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        format!("\u{1}fleche-{}-{t}-", std::process::id())
    });
    format!("{nonce}{i}\u{1}")
}

/// Write an item's JSON, each decoded value streamed in place of its
/// marker: the tree of a huge array's elements is never built (a
/// 10M-element array took ~1.9 GB that way), only its text is written.
fn write_json(out: &mut impl Write, item: &Item) -> Result<()> {
    let bytes = serde_json::to_vec(&item.json)?;
    let quoted = serde_json::to_string(&marker(0))?;
    let prefix = quoted.as_bytes();
    let prefix = &prefix[..prefix.len() - r#"0\u0001""#.len()];
    let mut rest = &bytes[..];
    while let Some(at) = rest.windows(prefix.len()).position(|w| w == prefix) {
        out.write_all(&rest[..at])?;
        let after = &rest[at + prefix.len()..];
        let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
        let i: usize = std::str::from_utf8(&after[..digits])?.parse()?;
        let value = item
            .values
            .get(i)
            .ok_or_else(|| anyhow::anyhow!("no decoded value {i}"))?;
        fleche_core::repr::write_json(value, out)?;
        rest = &after[digits + r#"\u0001""#.len()..];
    }
    out.write_all(rest)?;
    Ok(())
}

fn short(ctx: &Context, cache: &Cache, key: &str, color: bool) -> Result<String> {
    if key.len() != prefix::FULL_LEN {
        return Ok(printable(key).into_owned());
    }
    ctx.short_key(cache, key, color)
}

/// A referenced value, decoded or with the reason it is not.
/// A value a call names, for the text view; `indent` is the column its
/// text starts at.
/// How items are shown: in full or abbreviated, coloured, and whether the
/// JSON of decoded values is wanted at all (building it for a huge value
/// costs more than printing its summary).
#[derive(Clone, Copy)]
struct View {
    full: bool,
    color: bool,
    json: bool,
}

impl View {
    /// The JSON of a decoded value (its type, repr and a marker for the
    /// value itself, kept in `values` to be streamed).
    fn decoded(&self, v: fleche_core::Value, values: &mut Vec<fleche_core::Value>) -> Json {
        if !self.json {
            return Json::Null;
        }
        let j = json!({"type": v.python_type(), "repr": value_repr(&v, self.full), "value": marker(values.len())});
        values.push(v);
        j
    }
}

/// Where the text of a labelled line (`  result       ...`) starts.
const LABEL_WIDTH: usize = 15;

fn describe_ref(
    ctx: &Context,
    cache: &Cache,
    digest: &str,
    view: View,
    indent: usize,
    values: &mut Vec<fleche_core::Value>,
) -> Result<(String, Json, bool)> {
    let View { full, color, .. } = view;
    let s = short(ctx, cache, digest, color)?;
    Ok(match cache.load_value(digest) {
        Ok(v) => {
            let text = format!(
                "{}  ({s}, {})",
                value_lines(&v.value, full, indent),
                printable(&v.value.python_type())
            );
            (text, view.decoded(v.value, values), false)
        }
        Err(ValueError::Missing(_)) => (
            format!("<missing>  ({s})"),
            json!({"error": "missing"}),
            true,
        ),
        Err(e) => (
            format!("<{}>  ({s})", printable(&one_line(&e))),
            json!({"error": one_line(&e)}),
            true,
        ),
    })
}

fn call_item(
    ctx: &Context,
    cache: &Cache,
    member: Option<&str>,
    rec: &CallRecord,
    view: View,
) -> Result<Item> {
    let mut text = String::new();
    let mut problem = false;
    let mut missing = Vec::new();
    let mut values = Vec::new();
    let line = |t: &mut String, label: &str, v: &str| t.push_str(&format!("  {label:<12} {v}\n"));
    text.push_str(&format!("call {}\n", printable(&rec.key)));
    if let Some(m) = member {
        line(&mut text, "cache", &printable(m));
    }
    line(&mut text, "name", &printable(&rec.name));
    line(
        &mut text,
        "module",
        &printable(rec.module.as_deref().unwrap_or("None")),
    );
    line(
        &mut text,
        "version",
        &rec.version
            .as_ref()
            .map(|v| printable(&v.to_string()).into_owned())
            .unwrap_or("None".into()),
    );
    line(
        &mut text,
        "code digest",
        &printable(rec.code_digest.as_deref().unwrap_or("None")),
    );
    let mut decoded_args = serde_json::Map::new();
    text.push_str("  arguments\n");
    if rec.arguments.is_empty() {
        text.push_str("    (none)\n");
    }
    for (name, d) in &rec.arguments {
        let shown_name = printable(name);
        let indent = 4 + shown_name.chars().count() + 3;
        let (t, j, bad) = describe_ref(ctx, cache, d, view, indent, &mut values)?;
        if bad {
            problem = true;
            missing.push(d.clone());
        }
        text.push_str(&format!("    {shown_name} = {t}\n"));
        decoded_args.insert(name.clone(), j);
    }
    let decoded_result = match &rec.result {
        Some(d) => {
            let (t, j, bad) = describe_ref(ctx, cache, d, view, LABEL_WIDTH, &mut values)?;
            if bad {
                problem = true;
                missing.push(d.clone());
            }
            line(&mut text, "result", &t);
            j
        }
        None => {
            line(
                &mut text,
                "result",
                "None (the call has not finished, or failed)",
            );
            Json::Null
        }
    };
    text.push_str("  metadata\n");
    for (kind, data) in &rec.metadata {
        match data.as_object() {
            Some(m) if !m.is_empty() => {
                for (k, v) in m {
                    let shown = match (kind.as_str(), k.as_str(), v.as_f64()) {
                        ("runtime", "timestart" | "timestop", Some(t)) => {
                            format!("{}  ({v})", time::local(t))
                        }
                        ("runtime", _, Some(t)) => format!("{}  ({v})", time::human_duration(t)),
                        _ => printable(&v.to_string()).into_owned(),
                    };
                    text.push_str(&format!(
                        "    {}.{} = {shown}\n",
                        printable(kind),
                        printable(k)
                    ));
                }
            }
            _ => text.push_str(&format!(
                "    {} = {}\n",
                printable(kind),
                printable(&data.to_string())
            )),
        }
    }
    if !missing.is_empty() {
        line(&mut text, "missing", &printable(&missing.join(", ")));
    }
    let mut j = call_json(rec);
    j["decoded"] = json!({"arguments": decoded_args, "result": decoded_result});
    j["missing"] = json!(missing);
    if let Some(m) = member {
        j["cache"] = json!(m);
    }
    Ok(Item {
        text,
        json: j,
        values,
        problem,
    })
}

fn signature_text(s: Signature) -> &'static str {
    match s {
        Signature::NotChecked => "not checked (no keys configured)",
        Signature::Valid(0) => "valid",
        Signature::Valid(_) => "valid (under an older key)",
    }
}

fn value_item(ctx: &Context, cache: &Cache, key: &str, view: View) -> Result<Item> {
    let View { full, color, .. } = view;
    let used_by = cache.calls_using(key)?;
    let used_json: Vec<Json> = used_by
        .iter()
        .map(|u| Json::String(u.key.clone()))
        .collect();
    let mut text = format!("value {}\n", printable(key));
    let line = |t: &mut String, label: &str, v: &str| t.push_str(&format!("  {label:<12} {v}\n"));
    let loaded: Result<StoredValue, ValueError> = cache.load_value(key);
    let mut values = Vec::new();
    let (j, problem) = match loaded {
        Ok(v) => {
            line(&mut text, "type", &printable(&v.value.python_type()));
            line(
                &mut text,
                "value",
                &value_lines(&v.value, full, LABEL_WIDTH),
            );
            // A bag in a shared HDF5 file has no size of its own.
            let size = if let Some(host) = &v.remote {
                format!(
                    "unknown: loaded over ssh from {} (its file stays there)",
                    printable(host)
                )
            } else if v.path.file_name().is_some_and(|n| n != key) {
                format!(
                    "in {}, a file of {} bytes shared with other keys",
                    printable(&v.path.display().to_string()),
                    v.size
                )
            } else {
                format!("{} bytes on disk", v.size)
            };
            line(&mut text, "size", &size);
            if v.remote.is_none() {
                line(
                    &mut text,
                    "compressed",
                    if v.compressed { "gzip" } else { "no" },
                );
                line(&mut text, "signature", signature_text(v.signature));
            }
            let kids: Vec<String> = v
                .children
                .iter()
                .map(|c| short(ctx, cache, c, color))
                .collect::<Result<_>>()?;
            line(
                &mut text,
                "children",
                &if v.remote.is_some() {
                    // fleche's `load_value` sends a destructured value mended.
                    "unknown: its server sends the value whole".to_string()
                } else if kids.is_empty() {
                    "-".to_string()
                } else {
                    kids.join(", ")
                },
            );
            let remote = v.remote.clone();
            let d = view.decoded(v.value, &mut values);
            let mut j = json!({
                "kind": "value", "key": key, "type": d["type"], "repr": d["repr"], "value": d["value"],
                "size": v.size, "compressed": v.compressed,
                "signed": matches!(v.signature, Signature::Valid(_)),
                "children": v.children, "used_by": used_json,
            });
            // Over ssh only the value travels: what its file is stays there.
            if let Some(host) = remote {
                for field in ["size", "compressed", "signed", "children"] {
                    j[field] = Json::Null;
                }
                j["remote"] = Json::String(host);
            }
            (j, false)
        }
        Err(e) => {
            line(&mut text, "error", &printable(&one_line(&e)));
            (
                json!({"kind": "value", "key": key, "error": one_line(&e), "used_by": used_json}),
                true,
            )
        }
    };
    if used_by.is_empty() {
        line(
            &mut text,
            "used by",
            "no call record (an orphan, a destructured child, or stored by a running call)",
        );
    } else {
        for (i, u) in used_by.iter().enumerate() {
            let name = u
                .member
                .get_call(&u.key)?
                .map(|r| r.name)
                .unwrap_or_default();
            let label = if i == 0 { "used by" } else { "" };
            let within = if cache.is_multi() {
                format!(" in {}", printable(u.member.name()))
            } else {
                String::new()
            };
            line(
                &mut text,
                label,
                &format!(
                    "{} {} ({}){within}",
                    short(ctx, cache, &u.key, color)?,
                    printable(&name),
                    u.role
                ),
            );
        }
    }
    Ok(Item {
        text,
        json: j,
        values,
        problem,
    })
}
