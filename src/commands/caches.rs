//! `fleche caches`: every cache the configuration defines, and which one
//! commands use by default.

use crate::context::Context;
use crate::error::{one_line, CliError, Exit};
use crate::output::{Emitter, Format, Row};
use anyhow::Result;
use clap::Args;
use fleche_core::cache::count_stored;
use fleche_core::config::{mask_password, CacheSpec, CallStorageSpec, ValueStorageSpec};
use serde_json::json;
use std::io;

#[derive(Debug, Args)]
#[command(about = "List the caches the configuration defines (name, file, storages, counts)")]
pub struct CachesArgs {
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn values_text(v: &ValueStorageSpec) -> (String, String, bool) {
    match v {
        ValueStorageSpec::Files { backend, root, .. } => {
            (backend.clone(), root.display().to_string(), root.is_dir())
        }
        ValueStorageSpec::BagOfHolding { root } => (
            "bagofholding_hdf".into(),
            root.display().to_string(),
            root.is_dir(),
        ),
        ValueStorageSpec::Transient(t) => (t.clone(), String::new(), false),
    }
}

fn calls_text(c: &CallStorageSpec) -> (String, String, bool) {
    match c {
        CallStorageSpec::Files { backend, root, .. } => {
            (backend.clone(), root.display().to_string(), root.is_dir())
        }
        CallStorageSpec::Sqlite { path } => {
            ("sqlite".into(), path.display().to_string(), path.is_file())
        }
        CallStorageSpec::SqlServer { url } => ("sql".into(), mask_password(url), false),
        CallStorageSpec::Transient(t) => (t.clone(), String::new(), false),
    }
}

/// One row per storage pair: stacks and pools list each member.
fn flatten(
    spec: &CacheSpec,
    label: &str,
    out: &mut Vec<(String, String, ValueStorageSpec, CallStorageSpec)>,
) {
    match spec {
        CacheSpec::Single { values, calls, .. } => {
            out.push((label.into(), "cache".into(), values.clone(), calls.clone()))
        }
        CacheSpec::Stack(members) | CacheSpec::Pool(members) => {
            let kind = if matches!(spec, CacheSpec::Stack(_)) {
                "stack"
            } else {
                "pool"
            };
            for (i, m) in members.iter().enumerate() {
                let mut sub = Vec::new();
                flatten(m, &format!("{label}[{i}]"), &mut sub);
                out.extend(
                    sub.into_iter()
                        .map(|(l, _, v, c)| (l, kind.to_string(), v, c)),
                );
            }
        }
        CacheSpec::Ssh(ssh) => out.push((
            label.into(),
            "ssh".into(),
            ValueStorageSpec::Transient(format!("ssh {}", ssh.host)),
            CallStorageSpec::Transient(format!("ssh {}", ssh.host)),
        )),
    }
}

pub fn run(ctx: &Context, args: CachesArgs) -> Result<Exit> {
    let cfg = ctx.locator()?.config().map_err(fleche_core::Error::from)?;
    if cfg.files.is_empty() {
        return Err(CliError::not_found(
            "no fleche configuration found (no fleche.toml from here up to the home directory)",
        )
        .with_hint("fleche then uses an in-memory cache; point at a cache with --root DIR")
        .into());
    }
    let default = cfg.default_name();
    let headers = vec![
        "name",
        "default",
        "kind",
        "file",
        "values",
        "values at",
        "calls",
        "calls at",
        "exists",
        "calls #",
        "values #",
    ];
    let mut emitter = Emitter::new(args.format, io::stdout().lock(), headers)?;
    let mut names = cfg.cache_names();
    if default.as_deref() == Some("default") {
        names.insert(0, "default".into());
    }
    for name in names {
        let is_default = default.as_deref() == Some(name.as_str());
        let (spec, file) = match cfg.cache(Some(&name)) {
            Ok(c) => (c.spec, c.file),
            Err(e) => {
                emitter.row(Row {
                    cells: vec![
                        name.clone(),
                        is_default.to_string(),
                        "invalid".into(),
                        String::new(),
                        one_line(&e),
                    ],
                    json: json!({"name": name, "default": is_default, "error": one_line(&e)}),
                })?;
                continue;
            }
        };
        let file = file.map(|f| f.display().to_string()).unwrap_or_default();
        let mut rows = Vec::new();
        flatten(&spec, &name, &mut rows);
        for (label, kind, values, calls) in rows {
            let (vt, vl, v_exists) = values_text(&values);
            let (ct, cl, c_exists) = calls_text(&calls);
            let (nc, nv) = count_stored(&values, &calls);
            // A server is never contacted here: whether it holds the
            // records is not known.
            let c_exists =
                (!matches!(calls, CallStorageSpec::SqlServer { .. })).then_some(c_exists);
            let opt = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
            emitter.row(Row {
                cells: vec![
                    label.clone(),
                    if is_default {
                        "*".into()
                    } else {
                        String::new()
                    },
                    kind.clone(),
                    file.clone(),
                    vt.clone(),
                    vl.clone(),
                    ct.clone(),
                    cl.clone(),
                    match (v_exists, c_exists) {
                        (true, Some(true)) => "yes".into(),
                        (true, None) => "?".into(),
                        _ => "no".into(),
                    },
                    opt(nc),
                    opt(nv),
                ],
                json: json!({
                    "name": label, "default": is_default, "kind": kind, "file": file,
                    "values": {"type": vt, "location": vl, "exists": v_exists, "count": nv},
                    "calls": {"type": ct, "location": cl, "exists": c_exists, "count": nc},
                }),
            })?;
        }
    }
    emitter.finish()?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            super::mask_password("postgresql://me:s3cret@db:5432/x"),
            "postgresql://me:***@db:5432/x"
        );
        assert_eq!(
            super::mask_password("postgresql://me@db/x"),
            "postgresql://me@db/x"
        );
    }
}
