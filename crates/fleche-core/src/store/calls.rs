//! Call stores: SQLite, PostgreSQL or pickled call files, answering the same
//! questions the same way.

use crate::store::callfiles::{self, FileCalls};
use crate::store::remote::RemoteStore;
use crate::store::sql::SqlCalls;
use crate::store::{CallFilter, CallRecord, ListOptions, StoreError};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// Call records, in SQLite, in pickled files or in a remote cache; the same
/// questions answered the same way by all.
pub(crate) enum CallStore {
    Sql(SqlCalls),
    Files(FileCalls),
    /// A remote cache over ssh, its records read when it opened (shared
    /// with its [`crate::store::values::ValueStore::Remote`]).
    Remote(std::sync::Arc<RemoteStore>),
    #[cfg(feature = "postgres")]
    Pg(Box<crate::store::pg::PgCalls>),
}

impl CallStore {
    /// A write-ahead log this store holds but cannot read (see
    /// [`SqlCalls::unread_log`]).
    pub fn unread_log(&self) -> Option<std::path::PathBuf> {
        match self {
            CallStore::Sql(s) => s.unread_log(),
            _ => None,
        }
    }

    /// Every call key, sorted, as bytes (what a batch of shrinks needs at
    /// once); None if some key is not a 64-digit lowercase hex digest (then
    /// only the string form orders them right).
    pub fn sorted_key_bytes(&self) -> Result<Option<Vec<crate::prefix::KeyBytes>>, StoreError> {
        let from = |keys: &[String]| keys.iter().map(|k| crate::prefix::key_bytes(k)).collect();
        match self {
            CallStore::Sql(s) => s.sorted_key_bytes(),
            CallStore::Files(f) => Ok(from(f.keys())),
            CallStore::Remote(r) => Ok(from(r.keys())),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => Ok(from(&p.sorted_keys()?)),
        }
    }

    pub fn get(&self, key: &str) -> Result<Option<CallRecord>, StoreError> {
        match self {
            CallStore::Sql(s) => s.get(key),
            CallStore::Files(f) => Ok(f.get(key)),
            CallStore::Remote(r) => Ok(r.get(key)),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.get(key),
        }
    }

    pub fn for_each(
        &self,
        opts: &ListOptions,
        f: impl FnMut(CallRecord) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        match self {
            CallStore::Sql(s) => s.for_each(opts, f),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.for_each(opts, f),
            CallStore::Files(files) => {
                files.for_each(opts, f);
                Ok(())
            }
            CallStore::Remote(r) => {
                r.for_each(opts, f);
                Ok(())
            }
        }
    }

    /// [`Self::for_each`] with `map` applied to each record, on several
    /// threads where the store can read in parallel; `sink` sees the results
    /// in listing order.
    pub fn for_each_mapped<T: Send>(
        &self,
        opts: &ListOptions,
        map: &(dyn Fn(CallRecord) -> T + Sync),
        mut sink: impl FnMut(T) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        match self {
            CallStore::Sql(s) => match s.in_start_range(opts)? {
                // A few calls by key: no worker threads needed.
                Some(records) => {
                    for rec in records {
                        if sink(map(rec)).is_break() {
                            break;
                        }
                    }
                    Ok(())
                }
                None => s.for_each_mapped(opts, map, sink),
            },
            // Every record in key order is the files' own order: decode and
            // map in parallel, keeping no records.
            CallStore::Files(f)
                if opts.filter == CallFilter::default()
                    && opts.sort == crate::store::SortKey::Key
                    && !opts.reverse
                    && opts.limit.is_none() =>
            {
                for t in f.map_all(map).into_iter().flatten() {
                    if sink(t).is_break() {
                        break;
                    }
                }
                Ok(())
            }
            _ => self.for_each(opts, |rec| sink(map(rec))),
        }
    }

    pub fn count_matching(&self, filter: &CallFilter) -> Result<u64, StoreError> {
        match self {
            CallStore::Sql(s) => s.count_matching(filter),
            CallStore::Files(f) => Ok(f.count_matching(filter)),
            CallStore::Remote(r) => Ok(r.count_matching(filter)),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.count_matching(filter),
        }
    }

    /// The calls worth comparing with `q` in one statement, where the store
    /// can (SQLite); None where it cannot, to be asked filter by filter.
    pub fn near(&self, q: &crate::store::NearQuery) -> Result<Option<Vec<CallRecord>>, StoreError> {
        match self {
            CallStore::Sql(s) => s.near(q),
            _ => Ok(None),
        }
    }

    /// (call key, role) of every call naming `digest` as argument or result.
    pub fn calls_using(&self, digest: &str) -> Result<Vec<(String, String)>, StoreError> {
        match self {
            CallStore::Sql(s) => s.calls_using(digest),
            CallStore::Files(f) => Ok(f.calls_using(digest)),
            CallStore::Remote(r) => Ok(callfiles::calls_using(r.records(), digest)),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.calls_using(digest),
        }
    }

    /// Per-function statistics, most-called first.
    pub fn function_stats(&self) -> Result<Vec<crate::store::FunctionStats>, StoreError> {
        match self {
            CallStore::Sql(s) => s.function_stats(),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.function_stats(),
            CallStore::Files(f) => Ok(stats_of(f.records())),
            CallStore::Remote(r) => Ok(stats_of(r.records())),
        }
    }

    /// Call files that could not be decoded (always empty for SQL); decodes
    /// every call file.
    pub fn broken(&self) -> &[(String, String)] {
        match self {
            CallStore::Files(f) => f.broken(),
            _ => &[],
        }
    }

    pub fn describe(&self) -> String {
        match self {
            CallStore::Sql(s) => format!("sqlite {}", s.path().display()),
            CallStore::Files(f) => format!("files {}", f.root().display()),
            CallStore::Remote(r) => format!("ssh {}", r.host()),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => format!("sql {}", p.shown()),
        }
    }
}

impl crate::prefix::SortedKeys for CallStore {
    type Error = StoreError;

    fn with_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        match self {
            CallStore::Sql(s) => s.keys_with_prefix(prefix, limit),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.keys_with_prefix(prefix, limit),
            CallStore::Files(f) => {
                let Ok(keys) = f.with_prefix(prefix, limit);
                Ok(keys)
            }
            CallStore::Remote(r) => {
                let Ok(keys) = r.with_prefix(prefix, limit);
                Ok(keys)
            }
        }
    }

    fn neighbours(&self, key: &str) -> Result<(Option<String>, Option<String>), StoreError> {
        match self {
            CallStore::Sql(s) => s.neighbours(key),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => p.neighbours(key),
            CallStore::Files(f) => {
                let Ok(n) = f.neighbours(key);
                Ok(n)
            }
            CallStore::Remote(r) => {
                let Ok(n) = r.neighbours(key);
                Ok(n)
            }
        }
    }
}

/// Per-function statistics of records held in memory, most-called first.
fn stats_of(records: &[CallRecord]) -> Vec<crate::store::FunctionStats> {
    let mut by: BTreeMap<(String, Option<String>), crate::store::FunctionStats> = BTreeMap::new();
    for r in records {
        let e = by
            .entry((r.name.clone(), r.module.clone()))
            .or_insert_with(|| crate::store::FunctionStats {
                name: r.name.clone(),
                module: r.module.clone(),
                ..Default::default()
            });
        e.calls += 1;
        e.walltime += r.walltime().unwrap_or(0.0);
        if let Some(t) = r.started() {
            e.first = Some(e.first.map_or(t, |x| x.min(t)));
            e.last = Some(e.last.map_or(t, |x| x.max(t)));
        }
        e.unfinished += r.result.is_none() as u64;
    }
    let mut out: Vec<_> = by.into_values().collect();
    out.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.name.cmp(&b.name)));
    out
}

/// Every value digest the records of `stores` name, with repeats, to `f`:
/// streamed, because a million records name three million digests, which
/// as strings would take more memory than everything else gc holds.
pub(crate) fn for_each_named(
    stores: &[&CallStore],
    mut f: impl FnMut(&str),
) -> Result<(), StoreError> {
    for store in stores {
        match store {
            CallStore::Sql(sql) => {
                sql.referenced(&mut f)?;
                continue;
            }
            CallStore::Files(files) => {
                files.named_digests().iter().for_each(|d| f(d));
                continue;
            }
            CallStore::Remote(_) => {}
            #[cfg(feature = "postgres")]
            CallStore::Pg(_) => {}
        }
        store.for_each(
            &ListOptions {
                sort: crate::store::SortKey::Key,
                ..Default::default()
            },
            |rec| {
                rec.arguments.iter().for_each(|(_, d)| f(d));
                if let Some(r) = &rec.result {
                    f(r);
                }
                ControlFlow::Continue(())
            },
        )?;
    }
    Ok(())
}
