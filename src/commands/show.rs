//! `fleche show`: everything about calls and values named by short digests.

use super::expand::{expand_one, with_stdin};
use super::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::{cache, style, time};
use anyhow::Result;
use clap::{Args, ValueEnum};
use fleche_core::cache::{Caches, StoredValue, ValueError};
use fleche_core::prefix::{self, Kind};
use fleche_core::repr;
use fleche_core::store::files::Signature;
use fleche_core::store::CallRecord;
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

const ABBREV: usize = 200;

pub fn run(global: &GlobalArgs, args: ShowArgs) -> Result<Exit> {
    let caches = cache::open(global)?;
    let color = args.format == ShowFormat::Text && style::color_enabled(global);
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut exit = Exit::Success;
    let mut first = true;
    if args.format == ShowFormat::Json {
        write!(out, "[")?;
    }
    for text in with_stdin(&args.prefixes)? {
        let (key, kinds) = match expand_one(&caches, &text) {
            Ok(found) if !found.1.is_empty() => found,
            Ok((key, _)) => {
                report(
                    &mut out,
                    CliError::not_found(format!("no call or value has the digest `{key}`")),
                )?;
                exit = Exit::NotFound;
                continue;
            }
            Err(e) => {
                exit = exit.max(e.exit);
                report(&mut out, e)?;
                continue;
            }
        };
        let mut items = Vec::new();
        for kind in kinds {
            match kind {
                Kind::Call => {
                    for (member, rec) in caches.find_call(&key)? {
                        let label = caches.is_multi().then_some(member.name.as_str());
                        items.push(call_item(&caches, label, &rec, args.full, color)?);
                    }
                }
                Kind::Value => items.push(value_item(&caches, &key, args.full, color)?),
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
                    serde_json::to_writer(&mut out, &item.json)?;
                }
                ShowFormat::Jsonl => {
                    serde_json::to_writer(&mut out, &item.json)?;
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

fn report(out: &mut impl Write, e: CliError) -> Result<()> {
    out.flush()?;
    crate::error::report(&e.into());
    Ok(())
}

struct Item {
    text: String,
    json: Json,
    /// Something referenced is missing or unreadable.
    problem: bool,
}

/// `{"type", "repr", "value"}` of a decoded value, as in the README.
pub fn decoded_json(v: &fleche_core::Value, full: bool) -> Json {
    let r = if full {
        repr::repr(v)
    } else {
        repr::repr_abbrev(v, ABBREV)
    };
    json!({"type": v.python_type(), "repr": r, "value": repr::to_json(v)})
}

fn value_repr(v: &fleche_core::Value, full: bool) -> String {
    if full {
        repr::repr(v)
    } else {
        repr::repr_abbrev(v, ABBREV)
    }
}

fn short(caches: &Caches, key: &str, color: bool) -> Result<String> {
    if key.len() != prefix::FULL_LEN {
        return Ok(key.to_string());
    }
    let p = caches.display_prefix(key)?;
    Ok(style::short_id(key, p.len(), color))
}

/// A referenced value, decoded or with the reason it is not.
fn describe_ref(
    caches: &Caches,
    digest: &str,
    full: bool,
    color: bool,
) -> Result<(String, Json, bool)> {
    let s = short(caches, digest, color)?;
    Ok(match caches.load_value(digest) {
        Ok(v) => {
            let text = format!(
                "{}  ({s}, {})",
                value_repr(&v.value, full),
                v.value.python_type()
            );
            (text, decoded_json(&v.value, full), false)
        }
        Err(ValueError::Missing(_)) => (
            format!("<missing>  ({s})"),
            json!({"error": "missing"}),
            true,
        ),
        Err(e) => (
            format!("<{e}>  ({s})"),
            json!({"error": e.to_string()}),
            true,
        ),
    })
}

fn call_item(
    caches: &Caches,
    member: Option<&str>,
    rec: &CallRecord,
    full: bool,
    color: bool,
) -> Result<Item> {
    let mut text = String::new();
    let mut problem = false;
    let mut missing = Vec::new();
    let line = |t: &mut String, label: &str, v: &str| t.push_str(&format!("  {label:<12} {v}\n"));
    text.push_str(&format!("call {}\n", rec.key));
    if let Some(m) = member {
        line(&mut text, "cache", m);
    }
    line(&mut text, "name", &rec.name);
    line(&mut text, "module", rec.module.as_deref().unwrap_or("None"));
    line(
        &mut text,
        "version",
        &rec.version
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or("None".into()),
    );
    line(
        &mut text,
        "code digest",
        rec.code_digest.as_deref().unwrap_or("None"),
    );
    let mut decoded_args = serde_json::Map::new();
    text.push_str("  arguments\n");
    if rec.arguments.is_empty() {
        text.push_str("    (none)\n");
    }
    for (name, d) in &rec.arguments {
        let (t, j, bad) = describe_ref(caches, d, full, color)?;
        if bad {
            problem = true;
            missing.push(d.clone());
        }
        text.push_str(&format!("    {name} = {t}\n"));
        decoded_args.insert(name.clone(), j);
    }
    let decoded_result = match &rec.result {
        Some(d) => {
            let (t, j, bad) = describe_ref(caches, d, full, color)?;
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
                        _ => v.to_string(),
                    };
                    text.push_str(&format!("    {kind}.{k} = {shown}\n"));
                }
            }
            _ => text.push_str(&format!("    {kind} = {data}\n")),
        }
    }
    if !missing.is_empty() {
        line(&mut text, "missing", &missing.join(", "));
    }
    let mut j = super::ls::call_json(rec);
    j["decoded"] = json!({"arguments": decoded_args, "result": decoded_result});
    j["missing"] = json!(missing);
    if let Some(m) = member {
        j["cache"] = json!(m);
    }
    Ok(Item {
        text,
        json: j,
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

fn value_item(caches: &Caches, key: &str, full: bool, color: bool) -> Result<Item> {
    let used_by = caches.calls_using(key)?;
    let used_json: Vec<Json> = used_by
        .iter()
        .map(|(_, k, _)| Json::String(k.clone()))
        .collect();
    let mut text = format!("value {key}\n");
    let line = |t: &mut String, label: &str, v: &str| t.push_str(&format!("  {label:<12} {v}\n"));
    let loaded: Result<StoredValue, ValueError> = caches.load_value(key);
    let (j, problem) = match &loaded {
        Ok(v) => {
            line(&mut text, "type", &v.value.python_type());
            line(&mut text, "value", &value_repr(&v.value, full));
            line(&mut text, "size", &format!("{} bytes on disk", v.size));
            line(
                &mut text,
                "compressed",
                if v.compressed { "gzip" } else { "no" },
            );
            line(&mut text, "signature", signature_text(v.signature));
            let kids: Vec<String> = v
                .children
                .iter()
                .map(|c| short(caches, c, color))
                .collect::<Result<_>>()?;
            line(
                &mut text,
                "children",
                &if kids.is_empty() {
                    "-".to_string()
                } else {
                    kids.join(", ")
                },
            );
            let d = decoded_json(&v.value, full);
            (
                json!({
                    "kind": "value", "key": key, "type": d["type"], "repr": d["repr"], "value": d["value"],
                    "size": v.size, "compressed": v.compressed,
                    "signed": matches!(v.signature, Signature::Valid(_)),
                    "children": v.children, "used_by": used_json,
                }),
                false,
            )
        }
        Err(e) => {
            line(&mut text, "error", &e.to_string());
            (
                json!({"kind": "value", "key": key, "error": e.to_string(), "used_by": used_json}),
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
        for (i, (member, k, role)) in used_by.iter().enumerate() {
            let name = member.calls.get(k)?.map(|r| r.name).unwrap_or_default();
            let label = if i == 0 { "used by" } else { "" };
            let within = if caches.is_multi() {
                format!(" in {}", member.name)
            } else {
                String::new()
            };
            line(
                &mut text,
                label,
                &format!("{} {name} ({role}){within}", short(caches, k, color)?),
            );
        }
    }
    Ok(Item {
        text,
        json: j,
        problem,
    })
}
