//! What every verb receives: the global options, and the ways to reach the
//! cache and the terminal they imply (jj's `CommandHelper`).

use crate::cli::GlobalArgs;
use crate::error::{self, CliError};
use crate::style;
use anyhow::Result;
use fleche_core::cache::Writer;
use fleche_core::gc::GcPlan;
use fleche_core::remote::Reached;
use fleche_core::{Cache, Locator, Member};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// `fleche gc`'s default minimum age, which `stats` and `verify` assume
/// when they say what gc would do.
pub const GC_MIN_AGE: &str = "1h";

/// What `fleche gc` with its defaults would do to a member's values.
pub enum GcForecast {
    Removes {
        plan: GcPlan,
        /// Other caches sharing the value directory, whose records count.
        shared_with: Vec<String>,
    },
    /// It would delete nothing, for this reason (one line).
    Refuses(String),
}

pub struct Context {
    global: GlobalArgs,
}

impl Context {
    pub fn new(global: GlobalArgs) -> Context {
        Context { global }
    }

    /// Where the cache is, as the global options say (relative paths from
    /// `-C DIR`, else the working directory).
    pub fn locator(&self) -> Result<Locator> {
        let global = &self.global;
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
            writes: false,
            offline: global.offline,
            index: !global.no_index && !no_index_env(),
        })
    }

    /// Open the cache; call files that cannot be decoded are left out of
    /// every answer, with one warning per member.
    pub fn open(&self) -> Result<Cache> {
        self.open_with(self.locator()?)
    }

    /// Open the cache for a command that changes call records; a dry run
    /// reads exactly as read commands do.
    pub fn open_to_change(&self, dry_run: bool) -> Result<Cache> {
        let locator = Locator {
            writes: !dry_run,
            ..self.locator()?
        };
        self.open_with(locator)
    }

    fn open_with(&self, locator: Locator) -> Result<Cache> {
        let cache = match locator.open() {
            Ok(cache) => cache,
            Err(e) if locator.root.is_none() => {
                return Err(error::open_failed(e.into(), &locator.cwd))
            }
            Err(e) => return Err(fleche_core::Error::from(e).into()),
        };
        for r in cache.remote_layers() {
            // --offline leaves remote layers out on purpose, silently.
            if let Some(error) = &r.error {
                say!(
                    "Warning: left out `{}`, a remote cache over ssh ({}) that cannot be reached: {}; the other layers answer (--offline leaves it out without this warning)",
                    r.name,
                    r.host,
                    error.explained()
                );
            }
        }
        // Remote layers are reached when first asked: said then, once.
        cache.on_remote(|name, host, what| match what {
            Reached::Failed(error) => say!(
                "Warning: left out `{name}`, a remote cache over ssh ({host}) that cannot be reached: {}; the other layers answer (--offline leaves it out without this warning)",
                error.explained()
            ),
            Reached::Skew(version) => say!(
                "Warning: fleche version skew: `{name}` ({host}) runs fleche {version}, this tool reads fleche {}; schemas may differ",
                fleche_core::remote::FLECHE_VERSION
            ),
        });
        for m in cache.members() {
            if let Some(log) = m.unread_log() {
                say!(
                    "Warning: {} holds writes this read cannot see without changing the cache (there is no -shm file); open the cache once with fleche to recover them",
                    log.display()
                );
            }
            let name = m.name().to_string();
            m.on_broken_records(Box::new(move |broken: &[(String, String)]| {
                if let Some((key, why)) = broken.first() {
                    say!(
                        "Warning: {} call record(s) of `{name}` cannot be read and are left out (first: {key}: {why})",
                        broken.len()
                    );
                }
            }));
        }
        Ok(cache)
    }

    /// The writer of the member write commands change, or why there is
    /// none; `verb` (`tagging`, `gc`) says what was refused. A dry run
    /// writes nothing, so any configuration may describe it.
    pub fn writer<'a>(&self, cache: &'a Cache, verb: &str, dry_run: bool) -> Result<Writer<'a>> {
        if !dry_run {
            self.trusted(verb)?;
        }
        cache.writer().map_err(|e| error::refused(e, verb))
    }

    /// The writers an eviction goes through (every writable member of a
    /// stack), or why there are none.
    pub fn evictors<'a>(
        &self,
        cache: &'a Cache,
        verb: &str,
        dry_run: bool,
    ) -> Result<Vec<Writer<'a>>> {
        if !dry_run {
            self.trusted(verb)?;
        }
        cache.evictors().map_err(|e| error::refused(e, verb))
    }

    /// What `fleche gc` would do now to `member`'s value directory, looked
    /// at over every configured cache sharing it, as gc itself does.
    pub fn gc_forecast(&self, cache: &Cache, member: &Member) -> Result<GcForecast> {
        let refused = |e: &fleche_core::Error| GcForecast::Refuses(error::one_line(e));
        let collection = match cache.collection(member) {
            Ok(c) => c,
            Err(e) => return Ok(refused(&e)),
        };
        let min_age = crate::time::parse_age(GC_MIN_AGE).unwrap_or(Duration::from_secs(3600));
        let survey = collection.survey(min_age, SystemTime::now())?;
        Ok(match survey.refusal {
            Some(why) => refused(&fleche_core::Error::from(why)),
            None => GcForecast::Removes {
                plan: survey.plan,
                shared_with: collection.shared_with().map(String::from).collect(),
            },
        })
    }

    /// Refuse a write when the configuration file of the cache was found on
    /// the way in a place another user owns (git's `safe.directory`); reads
    /// go on as usual, and so do dry runs.
    fn trusted(&self, verb: &str) -> Result<()> {
        match self.locator()?.foreign_config() {
            Ok(Some(foreign)) => Err(error::untrusted(&foreign, verb)),
            // The cache opened from the same configuration already.
            Ok(None) | Err(_) => Ok(()),
        }
    }

    /// The cache `fleche copy` writes into: a configured cache by name, or
    /// a directory (made like `like` when it holds no cache yet), with its
    /// records in `sql` when given. A real copy is refused through a
    /// configuration another user owns, as every write is.
    pub fn copy_target(
        &self,
        name: Option<&str>,
        dir: Option<&PathBuf>,
        sql: Option<&str>,
        like: &Member,
        dry_run: bool,
    ) -> Result<fleche_core::cache::Target> {
        let base = self.locator()?;
        let locator = Locator {
            root: dir.map(|d| {
                if d.is_absolute() {
                    d.clone()
                } else {
                    base.cwd.join(d)
                }
            }),
            name: name.map(String::from),
            sql: sql.map(String::from),
            writes: !dry_run,
            ..base
        };
        if !dry_run {
            if let Ok(Some(foreign)) = locator.foreign_config() {
                return Err(error::untrusted(&foreign, "copying"));
            }
        }
        let root = locator.root_dir();
        let (shown, spec, _) = match &root {
            // A directory without a cache is made like the source.
            Some(dir) if fleche_core::config::cache_at(dir).is_none() => {
                (dir.display().to_string(), None, None)
            }
            _ => locator
                .spec()
                .map_err(|e| error::open_failed(fleche_core::Error::from(e), &locator.cwd))?,
        };
        // A directory is named as it was typed.
        let shown = dir.map_or(shown, |d| d.display().to_string());
        Ok(fleche_core::cache::Target::open(
            shown,
            spec,
            root.as_deref(),
            sql,
            like,
        )?)
    }

    /// Whether to colour output meant for people.
    pub fn color(&self) -> bool {
        style::color_enabled(self.global.color)
    }

    /// The short key people see: unique among every member's calls and
    /// values, bold and dim on a colour terminal.
    pub fn short_key(&self, cache: &Cache, key: &str, color: bool) -> Result<String> {
        let len = cache.short_len(key)?;
        Ok(style::short_id(key, len, color))
    }

    /// [`Self::short_key`] of many keys at once.
    pub fn short_keys(&self, cache: &Cache, keys: &[&str], color: bool) -> Result<Vec<String>> {
        let lens = cache.short_lens(keys)?;
        Ok(keys
            .iter()
            .zip(lens)
            .map(|(key, len)| style::short_id(key, len, color))
            .collect())
    }
}

/// `FLECHE_NO_INDEX` set to anything but empty or `0`: as `--no-index`.
fn no_index_env() -> bool {
    std::env::var_os("FLECHE_NO_INDEX").is_some_and(|v| !v.is_empty() && v != "0")
}
