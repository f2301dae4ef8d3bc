//! `fleche diff A B`: what differs between two calls (name, module,
//! version, code digest, each argument, the result, metadata) or two
//! values (a structural diff: dict keys, items, fields, array elements,
//! lines of text). Exit 0 when equal, 1 when different, as `diff` does.

use crate::args::with_stdin;
use crate::context::Context;
use crate::error::{CliError, Exit};
use crate::render::{json_repr, value_repr};
use crate::style::printable;
use anyhow::Result;
use clap::{Args, ValueEnum};
use fleche_core::prefix::Kind;
use fleche_core::store::CallRecord;
use fleche_core::valdiff::{self, Change};
use fleche_core::{repr, Cache, Value};
use serde_json::{json, Value as Json};
use std::collections::BTreeSet;
use std::io::{self, Write};

#[derive(Debug, Args)]
#[command(
    about = "Show what differs between two calls or two values (exit 1 when they differ)",
    after_help = "A and B are (short) digests of two calls or of two values; `-` reads the two from stdin.\n\n\
Examples:\n  fleche diff cb9db168 4435e292\n  fleche ls --format jsonl -n 2 | jq -r .key | fleche diff -"
)]
pub struct DiffArgs {
    /// Two digests or prefixes; `-` reads them from stdin, one per line.
    #[arg(value_name = "A B", required = true, num_args = 1..=2)]
    keys: Vec<String>,
    /// Show every row of two calls, not only those that differ.
    #[arg(long)]
    all: bool,
    /// Show values in full instead of abbreviating long ones.
    #[arg(long)]
    full: bool,
    #[arg(long, value_enum, default_value = "text")]
    format: DiffFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DiffFormat {
    /// Lines for people (coloured on a terminal).
    Text,
    /// One JSON object.
    Json,
}

pub fn run(ctx: &Context, args: DiffArgs) -> Result<Exit> {
    let keys = with_stdin(&args.keys, true)?;
    let [a, b] = keys.as_slice() else {
        return Err(CliError::usage(format!(
            "diff compares two calls or two values; {} given",
            keys.len()
        ))
        .with_hint("give two digests, e.g. `fleche diff cb9db168 4435e292`, or `-` with two lines on stdin")
        .into());
    };
    let cache = ctx.open()?;
    let (ra, rb) = (cache.resolve(a)?, cache.resolve(b)?);
    let color = ctx.color() && matches!(args.format, DiffFormat::Text);
    let mut out = io::BufWriter::new(io::stdout().lock());
    let is = |r: &fleche_core::cache::Resolved, k: Kind| r.kinds.contains(&k);
    let differ = if is(&ra, Kind::Call) && is(&rb, Kind::Call) {
        let ca = call(&cache, &ra.key)?;
        let cb = call(&cache, &rb.key)?;
        diff_calls(ctx, &cache, &ca, &cb, &args, color, &mut out)?
    } else if is(&ra, Kind::Value) && is(&rb, Kind::Value) {
        let va = cache.load_value(&ra.key)?.value;
        let vb = cache.load_value(&rb.key)?.value;
        diff_values(
            ctx,
            &cache,
            (&ra.key, &va),
            (&rb.key, &vb),
            &args,
            color,
            &mut out,
        )?
    } else {
        return Err(CliError::usage(format!(
            "`{a}` is a {} and `{b}` a {}: diff compares two calls or two values",
            kind_name(&ra.kinds),
            kind_name(&rb.kinds)
        ))
        .into());
    };
    out.flush()?;
    Ok(if differ {
        Exit::NotFound
    } else {
        Exit::Success
    })
}

fn kind_name(kinds: &[Kind]) -> &'static str {
    match kinds.first() {
        Some(Kind::Call) => "call",
        Some(Kind::Value) => "value",
        None => "digest of nothing stored",
    }
}

fn call(cache: &Cache, key: &str) -> Result<CallRecord> {
    match cache.find_call(key)?.into_iter().next() {
        Some((_, rec)) => Ok(rec),
        None => Err(CliError::not_found(format!("no call {key}")).into()),
    }
}

/// One compared row of two calls: the part, and each side as shown (None
/// where that side has no such part).
struct Row {
    part: String,
    a: Option<String>,
    b: Option<String>,
    same: bool,
}

fn diff_calls(
    ctx: &Context,
    cache: &Cache,
    a: &CallRecord,
    b: &CallRecord,
    args: &DiffArgs,
    color: bool,
    out: &mut impl Write,
) -> Result<bool> {
    let shown = |d: &str| -> String {
        match cache.load_value(d) {
            Ok(v) => value_repr(&v.value, args.full),
            Err(_) => format!("<value {} not readable>", &d[..d.len().min(8)]),
        }
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "None".into());
    // The call's own fields: equal when shown alike.
    let field = |part: &str, a: String, b: String| Row {
        part: part.into(),
        same: a == b,
        a: Some(a),
        b: Some(b),
    };
    let version = |v: &Option<Json>| v.as_ref().map_or("None".into(), json_repr);
    let mut rows = vec![
        field("name", a.name.clone(), b.name.clone()),
        field("module", text(&a.module), text(&b.module)),
        field("version", version(&a.version), version(&b.version)),
        field("code digest", text(&a.code_digest), text(&b.code_digest)),
    ];
    // Arguments in A's order, then those only B has.
    let mut names: Vec<&str> = a.arguments.iter().map(|(n, _)| n.as_str()).collect();
    for (n, _) in &b.arguments {
        if !names.contains(&n.as_str()) {
            names.push(n);
        }
    }
    for name in names {
        let da = a.arguments.iter().find(|(n, _)| n == name).map(|(_, d)| d);
        let db = b.arguments.iter().find(|(n, _)| n == name).map(|(_, d)| d);
        rows.push(Row {
            part: format!("argument {name}"),
            a: da.map(|d| shown(d)),
            b: db.map(|d| shown(d)),
            same: da == db,
        });
    }
    rows.push(Row {
        part: "result".into(),
        a: Some(a.result.as_deref().map_or("(running)".into(), shown)),
        b: Some(b.result.as_deref().map_or("(running)".into(), shown)),
        same: a.result == b.result,
    });
    let kinds: BTreeSet<&String> = a.metadata.keys().chain(b.metadata.keys()).collect();
    for kind in kinds {
        let (ma, mb) = (a.metadata.get(kind), b.metadata.get(kind));
        let keys: BTreeSet<&String> = [ma, mb]
            .into_iter()
            .flatten()
            .filter_map(Json::as_object)
            .flat_map(|m| m.keys())
            .collect();
        if keys.is_empty() {
            rows.push(Row {
                part: kind.clone(),
                a: ma.map(json_repr),
                b: mb.map(json_repr),
                same: ma == mb,
            });
        }
        for key in keys {
            let va = ma.and_then(|m| m.get(key));
            let vb = mb.and_then(|m| m.get(key));
            rows.push(Row {
                part: format!("{kind}.{key}"),
                a: va.map(json_repr),
                b: vb.map(json_repr),
                same: va == vb,
            });
        }
    }
    let differ = rows.iter().any(|r| !r.same);
    let shown_rows: Vec<&Row> = rows.iter().filter(|r| args.all || !r.same).collect();
    match args.format {
        DiffFormat::Json => {
            let doc = json!({
                "kind": "calls",
                "a": a.key,
                "b": b.key,
                "equal": !differ,
                "rows": shown_rows.iter().map(|r| json!({
                    "part": r.part, "a": r.a, "b": r.b, "equal": r.same,
                })).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        DiffFormat::Text => {
            let shorts = ctx.short_keys(cache, &[&a.key, &b.key], color)?;
            writeln!(out, "--- a {}  {}", shorts[0], printable(&a.name))?;
            writeln!(out, "+++ b {}  {}", shorts[1], printable(&b.name))?;
            if !differ {
                writeln!(out, "the two calls are equal in every part")?;
            }
            let width = shown_rows
                .iter()
                .map(|r| r.part.chars().count())
                .max()
                .unwrap_or(0);
            for r in shown_rows {
                let part = format!("{:width$}", printable(&r.part));
                if r.same {
                    writeln!(out, "  {part}  {}", printable(&text(&r.a)))?;
                    continue;
                }
                let side = |v: &Option<String>| {
                    v.as_deref()
                        .map_or("(none)".to_string(), |s| printable(s).into_owned())
                };
                writeln!(
                    out,
                    "{} {part}  {}",
                    paint("-", RED, color),
                    paint(&side(&r.a), RED, color)
                )?;
                writeln!(
                    out,
                    "{} {part}  {}",
                    paint("+", GREEN, color),
                    paint(&side(&r.b), GREEN, color)
                )?;
            }
        }
    }
    Ok(differ)
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";

fn paint(s: &str, code: &str, color: bool) -> String {
    if color {
        format!("{code}{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn path_text(path: &str) -> String {
    if path.is_empty() {
        "value".into()
    } else {
        format!("value{path}")
    }
}

fn diff_values(
    ctx: &Context,
    cache: &Cache,
    (ka, va): (&str, &Value),
    (kb, vb): (&str, &Value),
    args: &DiffArgs,
    color: bool,
    out: &mut impl Write,
) -> Result<bool> {
    let d = valdiff::diff(va, vb);
    let differ = !d.changes.is_empty() || ka != kb && va != vb;
    let show = |v: &Value| value_repr(v, args.full);
    match args.format {
        DiffFormat::Json => {
            let changes: Vec<Json> = d.changes.iter().map(|c| change_json(c, &show)).collect();
            let doc = json!({
                "kind": "values",
                "a": ka,
                "b": kb,
                "equal": !differ,
                "changes": changes,
                "more": d.more,
            });
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        DiffFormat::Text => {
            let shorts = ctx.short_keys(cache, &[ka, kb], color)?;
            writeln!(out, "--- a {}  ({})", shorts[0], va.python_type())?;
            writeln!(out, "+++ b {}  ({})", shorts[1], vb.python_type())?;
            if !differ {
                writeln!(out, "the two values are equal")?;
            }
            for c in &d.changes {
                change_text(c, &show, color, out)?;
            }
            if d.more > 0 {
                writeln!(out, "… and {} more differences", d.more)?;
            }
        }
    }
    Ok(differ)
}

fn change_text(
    c: &Change,
    show: &dyn Fn(&Value) -> String,
    color: bool,
    out: &mut impl Write,
) -> Result<()> {
    let line =
        |out: &mut dyn Write, sign: &str, code: &str, path: &str, text: &str| -> io::Result<()> {
            let text = text
                .split('\n')
                .map(|l| printable(l).into_owned())
                .collect::<Vec<_>>()
                .join("\n    ");
            writeln!(
                out,
                "{} {}: {}",
                paint(sign, code, color),
                printable(&path_text(path)),
                paint(&text, code, color)
            )
        };
    match c {
        Change::Added { path, new } => line(out, "+", GREEN, path, &show(new))?,
        Change::Removed { path, old } => line(out, "-", RED, path, &show(old))?,
        Change::Changed { path, old, new } => {
            line(out, "-", RED, path, &show(old))?;
            line(out, "+", GREEN, path, &show(new))?;
        }
        Change::Lines { path, old, new } => {
            writeln!(out, "~ {}: lines differ", printable(&path_text(path)))?;
            let diff = similar::TextDiff::from_lines(old.as_str(), new.as_str());
            for group in diff.grouped_ops(3) {
                for op in group {
                    for change in diff.iter_changes(&op) {
                        let (sign, code) = match change.tag() {
                            similar::ChangeTag::Delete => ("-", RED),
                            similar::ChangeTag::Insert => ("+", GREEN),
                            similar::ChangeTag::Equal => (" ", ""),
                        };
                        let text = printable(change.value().trim_end_matches('\n')).into_owned();
                        let shown = if code.is_empty() {
                            format!("{sign} {text}")
                        } else {
                            paint(&format!("{sign} {text}"), code, color)
                        };
                        writeln!(out, "    {shown}")?;
                    }
                }
            }
        }
        Change::Note { path, text } => writeln!(
            out,
            "{} {}: {}",
            paint("~", CYAN, color),
            printable(&path_text(path)),
            printable(text)
        )?,
        Change::ArrayLayout { path, old, new } => writeln!(
            out,
            "{} {}: dtype {} shape {:?} → dtype {} shape {:?}",
            paint("~", CYAN, color),
            printable(&path_text(path)),
            old.0,
            old.1,
            new.0,
            new.1
        )?,
        Change::ArrayElements {
            path,
            differing,
            total,
            first,
            max_abs,
            max_rel,
        } => {
            let mut text = format!("{differing} of {total} elements differ, first at {first:?}");
            if let Some(a) = max_abs {
                text.push_str(&format!("; max abs diff {}", repr::float_repr(*a)));
            }
            if let Some(r) = max_rel {
                text.push_str(&format!(", max rel diff {}", repr::float_repr(*r)));
            }
            writeln!(
                out,
                "{} {}: {text}",
                paint("~", CYAN, color),
                printable(&path_text(path))
            )?
        }
    }
    Ok(())
}

fn change_json(c: &Change, show: &dyn Fn(&Value) -> String) -> Json {
    match c {
        Change::Added { path, new } => json!({"change": "added", "path": path, "b": show(new)}),
        Change::Removed { path, old } => json!({"change": "removed", "path": path, "a": show(old)}),
        Change::Changed { path, old, new } => {
            json!({"change": "changed", "path": path, "a": show(old), "b": show(new)})
        }
        Change::Lines { path, old, new } => {
            json!({"change": "lines", "path": path, "a": old, "b": new})
        }
        Change::Note { path, text } => json!({"change": "note", "path": path, "text": text}),
        Change::ArrayLayout { path, old, new } => json!({"change": "array_layout", "path": path,
            "a": {"dtype": old.0, "shape": old.1}, "b": {"dtype": new.0, "shape": new.1}}),
        Change::ArrayElements {
            path,
            differing,
            total,
            first,
            max_abs,
            max_rel,
        } => json!({
            "change": "array_elements", "path": path, "differing": differing, "total": total,
            "first": first, "max_abs": max_abs, "max_rel": max_rel}),
    }
}
