//! Garbage collection over a whole configuration: the member whose value
//! directory is collected, and every other configured cache sharing that
//! directory, whose records count as live too (see [`crate::gc`]).

use super::{open, Cache, Member};
use crate::gc::{self, GcError, GcPlan, Swept};
use crate::store::calls::CallStore;
use crate::store::values::ValueStore;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};
use thiserror::Error;

/// What a member's value store holds, for `stats`.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueStats {
    Files {
        count: usize,
        bytes: u64,
        /// Files no record reaches (what gc would remove), and their bytes.
        orphans: usize,
        orphan_bytes: u64,
        /// Digests records name that have no file.
        missing: usize,
    },
    /// Bags in HDF5 files (listed from the files), and the files' bytes.
    Hdf5 {
        count: usize,
        bytes: u64,
        /// Bags no record reaches, and digests records name with no bag.
        orphans: usize,
        missing: usize,
    },
    None,
    /// A remote cache's values, which fleche's protocol cannot list.
    Remote {
        host: String,
    },
}

pub(super) fn value_stats(member: &Member) -> Result<ValueStats, GcError> {
    Ok(match &member.values {
        ValueStore::Files { .. } => {
            let plan = gc::plan(
                &member.values,
                &[&member.calls],
                Duration::ZERO,
                SystemTime::now(),
            )?;
            ValueStats::Files {
                count: plan.total,
                bytes: plan.total_bytes,
                orphans: plan.dead.len(),
                orphan_bytes: plan.dead_bytes(),
                missing: plan.missing.len(),
            }
        }
        ValueStore::Hdf5 { root, .. } => {
            let plan = gc::plan(
                &member.values,
                &[&member.calls],
                Duration::ZERO,
                SystemTime::now(),
            )?;
            let bytes = std::fs::read_dir(root)
                .map(|entries| {
                    entries
                        .flatten()
                        .filter(|e| !e.file_name().to_string_lossy().ends_with(".lock"))
                        .filter_map(|e| e.metadata().ok())
                        .filter(|m| m.is_file())
                        .map(|m| m.len())
                        .sum()
                })
                .unwrap_or(0);
            ValueStats::Hdf5 {
                count: plan.total,
                bytes,
                orphans: plan.dead.len(),
                missing: plan.missing.len(),
            }
        }
        ValueStore::Transient(_) => ValueStats::None,
        ValueStore::Remote(r) => ValueStats::Remote {
            host: r.host().to_string(),
        },
    })
}

/// Why a collection cannot go ahead.
#[derive(Debug, Error)]
pub enum CollectError {
    /// Bags are removed from shared HDF5 files by rewriting them under
    /// fleche's `.lock` protocol, which this tool does not take part in.
    #[error(transparent)]
    Hdf5Store(GcError),
    #[error("cache `{0}` keeps no values on disk")]
    NoValues(String),
    #[error("cache `{name}` keeps its values in {}, which gc will not collect", dir.display())]
    UnsafeRoot { name: String, dir: PathBuf },
    #[error("cache `{name}` shares the value directory {} but cannot be read: {error}", dir.display())]
    SharedUnreadable {
        name: String,
        dir: PathBuf,
        error: Box<super::OpenError>,
    },
    #[error("{} holds writes that cannot be read without writing to the cache (there is no -shm file beside it); nothing was deleted", log.display())]
    UnreadLog { log: PathBuf },
    #[error("{count} call records cannot be read (first: {key}: {why}); nothing was deleted")]
    BrokenRecords {
        count: usize,
        key: String,
        why: String,
    },
    #[error("{count} live value file(s) cannot be decoded, so what they point at is unknown; nothing was deleted (first: {key}: {why})")]
    Undecodable {
        count: usize,
        key: String,
        why: String,
    },
}

/// Whether `dir` is one no value store should be: the file system's root,
/// the home directory, or a system directory. A configuration pointing
/// there (a mistake, or a hostile `fleche.toml` found on the way up) must
/// not make gc delete the files in it.
fn is_unsafe_root(dir: &std::path::Path) -> bool {
    let canon = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let dir = canon(dir);
    const SYSTEM: [&str; 19] = [
        "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/media", "/mnt", "/opt",
        "/proc", "/root", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var",
    ];
    if SYSTEM.iter().any(|s| dir == std::path::Path::new(s))
        || [
            "/bin", "/boot", "/dev", "/etc", "/proc", "/sbin", "/sys", "/usr",
        ]
        .iter()
        .any(|s| dir.starts_with(s))
    {
        return true;
    }
    crate::config::home_dir().is_some_and(|home| dir == canon(&home))
}

/// A collection looked at, not made.
#[derive(Debug)]
pub struct Survey {
    pub plan: GcPlan,
    /// Why gc would delete nothing at all.
    pub refusal: Option<CollectError>,
}

/// One garbage collection of a member's value directory.
pub struct Collection<'a> {
    member: &'a Member,
    /// Other configured call stores using the same value directory.
    others: Vec<(String, CallStore)>,
}

impl Cache {
    /// The member gc looks at without writing: where writes would go, else
    /// the first member.
    pub fn gc_member(&self) -> &Member {
        self.writer()
            .map(|w| w.member())
            .unwrap_or(&self.members[0])
    }

    /// Start collecting `member`'s value directory: every other configured
    /// cache keeping its values there is opened, or the collection refused.
    pub fn collection<'a>(&'a self, member: &'a Member) -> crate::Result<Collection<'a>> {
        let root = member
            .values
            .root()
            .ok_or_else(|| CollectError::NoValues(member.name.clone()))?
            .to_path_buf();
        if is_unsafe_root(&root) {
            return Err(CollectError::UnsafeRoot {
                name: member.name.clone(),
                dir: root,
            }
            .into());
        }
        let mut others = Vec::new();
        if let Some(config) = &self.config {
            for (name, store) in open::sharing_value_dir(config, &root, &member.calls) {
                match store {
                    Ok(s) => others.push((name, s)),
                    Err(source) => {
                        return Err(CollectError::SharedUnreadable {
                            name,
                            dir: root,
                            error: Box::new(source),
                        }
                        .into())
                    }
                }
            }
        }
        Ok(Collection { member, others })
    }
}

impl Collection<'_> {
    /// The other caches whose records count as live.
    pub fn shared_with(&self) -> impl Iterator<Item = &str> {
        self.others.iter().map(|(name, _)| name.as_str())
    }

    fn stores(&self) -> Vec<&CallStore> {
        let mut stores = vec![&self.member.calls];
        stores.extend(self.others.iter().map(|(_, s)| s));
        stores
    }

    /// Whether a fleche process has one of the call databases open.
    pub fn writer_active(&self) -> bool {
        self.stores()
            .iter()
            .any(|s| matches!(s, CallStore::Sql(sql) if sql.writer_active()))
    }

    /// Mark and find the dead, deleting nothing. Refused when a record
    /// cannot be read or a live file cannot be decoded: what they name or
    /// point at is unknown.
    pub fn plan(&self, min_age: Duration, now: SystemTime) -> crate::Result<GcPlan> {
        let survey = self.survey(min_age, now)?;
        match survey.refusal {
            Some(refusal) => Err(refusal.into()),
            None => Ok(survey.plan),
        }
    }

    /// What gc would find, and why it would refuse to delete any of it, if
    /// it would: for commands that describe a collection without making it.
    pub fn survey(&self, min_age: Duration, now: SystemTime) -> crate::Result<Survey> {
        let stores = self.stores();
        // Records only in an unread log name values that would look dead.
        let unread = stores.iter().find_map(|s| s.unread_log());
        let plan = gc::plan(&self.member.values, &stores, min_age, now)?;
        let broken = stores.iter().find_map(|store| {
            store
                .broken()
                .first()
                .map(|(key, why)| CollectError::BrokenRecords {
                    count: store.broken().len(),
                    key: key.clone(),
                    why: why.clone(),
                })
        });
        let undecodable = plan
            .undecodable
            .first()
            .map(|(key, why)| CollectError::Undecodable {
                count: plan.undecodable.len(),
                key: key.clone(),
                why: why.clone(),
            });
        let hdf5 = plan
            .hdf5
            .then(|| CollectError::Hdf5Store(GcError::Hdf5(plan.root.clone())));
        let refusal = hdf5
            .or(unread.map(|log| CollectError::UnreadLog { log }))
            .or(broken)
            .or(undecodable);
        Ok(Survey { plan, refusal })
    }

    /// Delete what `plan` found dead, re-reading the records first.
    pub fn sweep(&self, plan: &GcPlan, min_age: Duration) -> crate::Result<Swept> {
        Ok(gc::sweep(plan, &self.stores(), min_age)?)
    }
}
