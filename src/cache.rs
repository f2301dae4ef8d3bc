//! Opening the cache the global options point at, with errors that say how
//! to point at another one.

use crate::commands::GlobalArgs;
use crate::error::CliError;
use fleche_core::cache::{Cache, Caches, CallStore, Locator, OpenError, WriteRefused};
use fleche_core::config::ConfigError;
use std::path::PathBuf;

pub fn locator(global: &GlobalArgs) -> anyhow::Result<Locator> {
    let cwd = std::env::current_dir()
        .map_err(|e| CliError::usage(format!("cannot read the working directory: {e}")))?;
    let cwd = match &global.chdir {
        Some(dir) if dir.is_absolute() => dir.clone(),
        Some(dir) => cwd.join(dir),
        None => cwd,
    };
    if !cwd.is_dir() {
        return Err(CliError::usage(format!("-C {}: no such directory", cwd.display())).into());
    }
    let rel = |p: &Option<PathBuf>| {
        p.as_ref().map(|p| {
            if p.is_absolute() {
                p.clone()
            } else {
                cwd.join(p)
            }
        })
    };
    Ok(Locator {
        root: rel(&global.root),
        config: rel(&global.config),
        name: global.cache.clone(),
        cwd,
        sql: global.sql.clone(),
    })
}

pub fn open(global: &GlobalArgs) -> anyhow::Result<Caches> {
    let loc = locator(global)?;
    let caches = loc.open().map_err(|e| open_error(e, &loc))?;
    for m in &caches.members {
        if let CallStore::Files(files) = &m.calls {
            let name = m.name.clone();
            files.on_broken(Box::new(move |broken: &[(String, String)]| {
                if let Some((key, why)) = broken.first() {
                    eprintln!(
                        "Warning: {} call record(s) of `{name}` cannot be read and are left out (first: {key}: {why})",
                        broken.len()
                    );
                }
            }));
        }
    }
    Ok(caches)
}

/// The member that write commands change, or why there is none.
pub fn writable<'a>(caches: &'a Caches, verb: &str) -> anyhow::Result<&'a Cache> {
    caches.writable().map_err(|e| {
        let hint = match e {
            WriteRefused::Pool(_) => "a pool never takes writes; open one member directly with --root DIR (`fleche caches` lists them)",
            WriteRefused::ReadOnly(_) => "remove read_only from its configuration if you mean to change it",
        };
        CliError::usage(format!("{e}; {verb} would change it")).with_hint(hint).into()
    })
}

fn open_error(e: OpenError, loc: &Locator) -> CliError {
    let hint = match &e {
        OpenError::Config(ConfigError::NoConfig { .. }) => {
            let local = loc.cwd.join(".fleche");
            if local.join("calls.db").exists() || local.join("calls").exists() {
                format!(
                    "a cache is right here: try `fleche --root {}`",
                    local.display()
                )
            } else {
                "point at a cache with --root DIR, --cache NAME, --config FILE or -C DIR".into()
            }
        }
        OpenError::Config(ConfigError::UnknownCache { .. } | ConfigError::NoDefault { .. }) => {
            "`fleche caches` lists the caches the configuration defines".into()
        }
        OpenError::NotACache(_) => {
            "--root takes the directory holding calls.db (or calls/) and values/".into()
        }
        _ => "check the cache's configuration and files".into(),
    };
    CliError::usage(e.to_string()).with_hint(hint)
}
