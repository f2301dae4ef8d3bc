//! The one door into a cache: [`Cache`] opens what the configuration (or a
//! directory) names — one member, or the members of a stack or pool — and
//! answers every question the command line asks, whatever the stores
//! behind it are. Nothing outside this module touches a store directly.

mod copy;
mod error;
mod gc;
mod ids;
mod near;
mod open;
mod write;

pub use copy::{CopyError, CopyPlan, CopyReport, Incomplete, Target};
pub use error::{Error, Result};
pub use gc::{CollectError, Collection, ValueStats};
pub use ids::{Candidate, ResolveError, Resolved, Shrunk};
pub use open::{count_stored, Locator};
pub use write::{WriteError, Writer};

// The values the facade hands out, named where the facade is.
pub use crate::store::files::Signature;
pub use crate::store::sql_write::{Rekey, RekeyOutcome, TagChange};
pub use crate::store::values::{StoredValue, ValueError};

use crate::config::{Config, ConfigError};
use crate::index::values::ValueIndex;
use crate::prefix::KeySet;
use crate::store::calls::CallStore;
use crate::store::files::FileError;
use crate::store::values::{load_value_from, ValueStore};
use crate::store::StoreError;
use crate::store::{callfiles, CallFilter, CallRecord, FunctionStats, ListOptions, SortKey};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum OpenError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error("cache `{0}` is a stack or pool without members")]
    NoMembers(String),
    #[error("{0} holds no fleche cache (no calls.db and no calls/ directory)")]
    NotACache(PathBuf),
    #[error("cache `{name}` is {what}, which this version of the tool cannot open yet")]
    Unsupported { name: String, what: String },
    #[error("cache `{name}` keeps its calls {what}: there is nothing on disk to inspect")]
    Transient { name: String, what: String },
    #[error("cache `{name}`: {error}")]
    Keys {
        name: String,
        error: crate::store::files::SecretKeyError,
    },
    /// A remote cache that is the only layer (or whose every layer is
    /// remote) and cannot be reached.
    #[error("cannot reach `{name}`, a remote cache over ssh ({host}): {}", .error.explained())]
    Remote {
        name: String,
        host: String,
        error: Box<crate::remote::RemoteError>,
    },
    /// A remote cache reached that failed when asked which keys it holds
    /// under a prefix (answers would not be exact without it).
    #[error(
        "`{name}`, a remote cache over ssh ({host}), did not say which keys it holds: {error}"
    )]
    RemoteExpand {
        name: String,
        host: String,
        error: Box<crate::remote::RemoteError>,
    },
    #[error("cache `{name}` is made only of remote caches over ssh, which --offline leaves out")]
    OnlyRemote { name: String },
    /// A question fleche's remote protocol has no request for.
    #[error("`{name}` is a remote cache over ssh ({host}), and {what}")]
    RemoteCannot {
        name: String,
        host: String,
        what: &'static str,
    },
}

/// How a configured cache is put together (format §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Composition {
    Single,
    /// `[[NAME]]`: saves go to the first member, reads look in all.
    Stack,
    /// `[[NAME.pool]]`: read-only, queried as one.
    Pool,
}

/// One store pair of a cache: a single cache's own, or one member of a
/// stack or pool (labelled `NAME[0]`, `NAME[1]`, ...).
pub struct Member {
    name: String,
    calls: CallStore,
    values: ValueStore,
    read_only: bool,
    /// The persistent index of its value directory (disabled unless the
    /// values are files and the index is wanted).
    value_index: ValueIndex,
    /// The storages it was opened from (a copy into a new directory makes
    /// the same kinds).
    layout: (
        crate::config::ValueStorageSpec,
        crate::config::CallStorageSpec,
    ),
}

/// A configured cache opened: one member, or the members of a stack or
/// pool, read as one.
pub struct Cache {
    name: String,
    composition: Composition,
    members: Vec<Member>,
    /// The configuration it was opened from (None for a bare directory):
    /// gc looks there for other caches sharing its value directory.
    config: Option<Config>,
    /// Remote layers of a stack or pool (`type = "ssh"`) left out of every
    /// answer: with `--offline`, or because they could not be reached.
    remote: Vec<RemoteLayer>,
    /// `--offline`: remote layers are left out on purpose, and writes to
    /// the local layers go ahead without them.
    offline: bool,
}

/// A remote layer of a stack or pool, left out.
#[derive(Debug)]
pub struct RemoteLayer {
    /// `NAME[i]`.
    pub name: String,
    pub host: String,
    /// Its place in the stack or pool.
    pub index: usize,
    /// Why it could not be reached (None: `--offline` left it out).
    pub error: Option<crate::remote::RemoteError>,
}

/// Why a write cannot go to a cache.
#[derive(Debug, Error)]
pub enum WriteRefused {
    #[error("cache `{0}` is a pool, which is read-only (fleche never writes to a pool)")]
    Pool(String),
    #[error("cache `{0}` is configured `read_only = true`")]
    ReadOnly(String),
    #[error("writes to `{name}` go to its remote layer over ssh ({host}), and fleche's remote protocol can only save and evict calls there")]
    Remote { name: String, host: String },
    #[error("writes to `{name}` go to its remote layer over ssh ({host}), which is left out (--offline) or cannot be reached")]
    RemoteLeftOut { name: String, host: String },
    #[error("`{name}` evicts from every layer, and its remote layer `{layer}` ({host}) is left out (--offline) or cannot be reached")]
    RemoteLayer {
        name: String,
        layer: String,
        host: String,
    },
}

/// A call that names a value, and how.
pub struct Use<'a> {
    pub member: &'a Member,
    pub key: String,
    /// `result` or `argument NAME`.
    pub role: String,
}

impl Member {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn get_call(&self, key: &str) -> crate::Result<Option<CallRecord>> {
        Ok(self.calls.get(key)?)
    }

    /// The records of the calls `filter` selects, sorted by key. Many
    /// named keys are looked up in batches: one statement may bind at most
    /// 32,766 values in SQLite (65,535 in PostgreSQL).
    pub fn select(&self, filter: &CallFilter) -> crate::Result<Vec<CallRecord>> {
        const BATCH: usize = 10_000;
        let mut records = Vec::new();
        let mut select = |filter: CallFilter| {
            let opts = ListOptions {
                filter,
                sort: SortKey::Key,
                ..Default::default()
            };
            self.calls.for_each(&opts, |rec| {
                records.push(rec);
                ControlFlow::Continue(())
            })
        };
        if filter.keys.len() <= BATCH {
            select(filter.clone())?;
            return Ok(records);
        }
        for part in filter.keys.chunks(BATCH) {
            select(CallFilter {
                keys: part.to_vec(),
                ..filter.clone()
            })?;
        }
        records.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        records.dedup_by(|a, b| a.key == b.key);
        Ok(records)
    }

    /// The keys of [`Self::select`].
    pub fn select_keys(&self, filter: &CallFilter) -> crate::Result<Vec<String>> {
        Ok(self.select(filter)?.into_iter().map(|r| r.key).collect())
    }

    /// A write-ahead log of this member's database that a read cannot see
    /// without writing (its records are missing from every answer).
    pub fn unread_log(&self) -> Option<PathBuf> {
        self.calls.unread_log()
    }

    /// Be told once when call files of this member cannot be decoded (they
    /// are left out of every answer); SQL stores have no such files.
    pub fn on_broken_records(&self, hook: callfiles::BrokenHook) {
        if let CallStore::Files(files) = &self.calls {
            files.on_broken(hook);
        }
    }

    /// The value keys that can matter for digests starting with `near`:
    /// every key, from a current persistent index when there is one, else
    /// from the store (listing a directory of value files once, and
    /// keeping what it found in the index).
    pub(crate) fn value_keys_near(&self, near: &str) -> Result<Cow<'_, KeySet>, FileError> {
        if let Some(keys) = self.value_index.near(near) {
            return Ok(keys);
        }
        match &self.values {
            ValueStore::Files { .. } => {
                list_values(&self.values, &self.value_index).map(Cow::Borrowed)
            }
            _ => self.values.index_near(near),
        }
    }

    /// Per-function statistics, most-called first, and what the value
    /// store holds.
    pub fn stats(&self) -> crate::Result<(Vec<FunctionStats>, ValueStats)> {
        let functions = self.calls.function_stats()?;
        Ok((functions, gc::value_stats(self)?))
    }

    /// Check this member: call keys recomputed, values present, readable
    /// and (where this tool can digest them) named by their digest; with
    /// `selected`, only those calls and the values they reach.
    pub fn verify(
        &self,
        selected: Option<&BTreeSet<String>>,
    ) -> crate::Result<crate::verify::Report> {
        if let CallStore::Remote(r) = &self.calls {
            return Err(OpenError::RemoteCannot {
                name: self.name.clone(),
                host: r.host().to_string(),
                what: "verify needs its value files, which fleche's remote protocol can neither list nor read (run `fleche verify` on that machine; --offline verifies the local layers)",
            }
            .into());
        }
        Ok(crate::verify::verify(&self.calls, &self.values, selected)?)
    }
}

impl Cache {
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The remote layers left out of every answer (with `--offline` on
    /// purpose, else because they could not be reached).
    pub fn remote_layers(&self) -> &[RemoteLayer] {
        &self.remote
    }

    /// Be told, for each remote member, what reaching its server gives
    /// (it cannot be reached, and then answers as an empty cache; it runs
    /// another fleche, which fleche's `SshCache` warns of too): when it is
    /// first asked, or now for one reached already. `f` gets the member's
    /// name and host.
    pub fn on_remote(
        &self,
        f: impl Fn(&str, &str, &crate::store::remote::Reached) + Clone + Send + Sync + 'static,
    ) {
        for m in &self.members {
            if let CallStore::Remote(r) = &m.calls {
                let (name, host, f) = (m.name.clone(), r.host().to_string(), f.clone());
                r.on_reached(Box::new(move |what| f(&name, &host, what)));
            }
        }
    }

    pub fn offline(&self) -> bool {
        self.offline
    }

    /// Whether answers need to say which member they come from.
    pub fn is_multi(&self) -> bool {
        self.members.len() > 1 || self.composition != Composition::Single
    }

    /// Where writes go: the cache itself, or the first member of a stack.
    pub fn writer(&self) -> crate::Result<Writer<'_>> {
        if self.composition == Composition::Pool {
            return Err(WriteRefused::Pool(self.name.clone()).into());
        }
        if let Some(r) = self.remote.iter().find(|r| r.index == 0) {
            return Err(WriteRefused::RemoteLeftOut {
                name: self.name.clone(),
                host: r.host.clone(),
            }
            .into());
        }
        let first = &self.members[0];
        if let CallStore::Remote(r) = &first.calls {
            return Err(WriteRefused::Remote {
                name: self.name.clone(),
                host: r.host().to_string(),
            }
            .into());
        }
        if first.read_only {
            return Err(WriteRefused::ReadOnly(first.name.clone()).into());
        }
        Ok(Writer::new(first))
    }

    /// Where an eviction goes, as fleche's `CacheStack.evict` does it: every
    /// member of a stack that takes writes (read-only ones are skipped), or
    /// the cache itself.
    pub fn evictors(&self) -> crate::Result<Vec<Writer<'_>>> {
        if self.composition != Composition::Stack {
            // A remote cache alone evicts through its server.
            if let [m @ Member {
                calls: CallStore::Remote(_),
                read_only: false,
                ..
            }] = self.members.as_slice()
            {
                return Ok(vec![Writer::new(m)]);
            }
            return Ok(vec![self.writer()?]);
        }
        if let (Some(r), false) = (self.remote.first(), self.offline) {
            return Err(WriteRefused::RemoteLayer {
                name: self.name.clone(),
                layer: r.name.clone(),
                host: r.host.clone(),
            }
            .into());
        }
        // Remote layers are reached now: an eviction goes through them.
        for m in &self.members {
            if let CallStore::Remote(r) = &m.calls {
                if r.failure().is_some() {
                    return Err(WriteRefused::RemoteLayer {
                        name: self.name.clone(),
                        layer: m.name.clone(),
                        host: r.host().to_string(),
                    }
                    .into());
                }
            }
        }
        let writers: Vec<Writer<'_>> = self
            .members
            .iter()
            .filter(|m| !m.read_only)
            .filter(|m| !matches!(&m.calls, CallStore::Remote(r) if r.read_only()))
            .map(Writer::new)
            .collect();
        if writers.is_empty() {
            return Err(WriteRefused::ReadOnly(self.members[0].name.clone()).into());
        }
        Ok(writers)
    }

    /// The calls `opts` selects, in its order, with the member holding each.
    /// A stack or pool lists each member's calls (a key held by several
    /// members once per member), merged in the requested order.
    pub fn list(
        &self,
        opts: &ListOptions,
        mut sink: impl FnMut(&Member, CallRecord) -> ControlFlow<()>,
    ) -> crate::Result<()> {
        if let [member] = self.members.as_slice() {
            return Ok(member.calls.for_each(opts, |rec| sink(member, rec))?);
        }
        let mut all: Vec<(CallRecord, &Member)> = Vec::new();
        for m in &self.members {
            m.calls.for_each(opts, |rec| {
                all.push((rec, m));
                ControlFlow::Continue(())
            })?;
        }
        callfiles::sort_by_record(&mut all, |(r, _)| r, opts.sort, opts.reverse);
        let limit = opts.limit.map(|l| l as usize).unwrap_or(usize::MAX);
        for (rec, member) in all.into_iter().take(limit) {
            if sink(member, rec).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// [`Self::list`] with `map` applied to each record (and the name of
    /// its member), on several threads where the store can read in
    /// parallel; `sink` sees the results in listing order.
    pub fn list_mapped<T: Send>(
        &self,
        opts: &ListOptions,
        map: &(dyn Fn(&str, CallRecord) -> T + Sync),
        mut sink: impl FnMut(T) -> ControlFlow<()>,
    ) -> crate::Result<()> {
        match self.members.as_slice() {
            [member] => {
                let name = member.name.as_str();
                Ok(member
                    .calls
                    .for_each_mapped(opts, &|rec| map(name, rec), sink)?)
            }
            _ => self.list(opts, |member, rec| sink(map(&member.name, rec))),
        }
    }

    /// How many calls `filter` selects, over every member.
    pub fn count(&self, filter: &CallFilter) -> crate::Result<u64> {
        let mut n = 0;
        for m in &self.members {
            n += m.calls.count_matching(filter)?;
        }
        Ok(n)
    }

    /// Run `f` while every member's value directory is listed on other
    /// threads (short keys need every value name; the listing overlaps
    /// with reading the records).
    pub fn while_indexing_values<R>(&self, f: impl FnOnce() -> R) -> R {
        std::thread::scope(|scope| {
            for m in &self.members {
                let (values, index) = (&m.values, &m.value_index);
                scope.spawn(move || {
                    if !index.is_warm() {
                        let _ = list_values(values, index);
                    }
                });
            }
            f()
        })
    }

    /// Run `f` while the value directories of members keeping values as
    /// files are listed on other threads: the short key of any digest needs
    /// the whole listing of such a directory (its names are in no order),
    /// which then overlaps with `f`. HDF5 stores are left alone: a short
    /// key opens only the few files that can hold its neighbours.
    pub fn while_listing_value_files<R>(&self, f: impl FnOnce() -> R) -> R {
        std::thread::scope(|scope| {
            for m in &self.members {
                let (values, index) = (&m.values, &m.value_index);
                if matches!(values, ValueStore::Files { .. }) {
                    scope.spawn(move || {
                        if !index.is_warm() {
                            let _ = list_values(values, index);
                        }
                    });
                }
            }
            f()
        })
    }

    /// The record of `key` in each member that has it.
    pub fn find_call(&self, key: &str) -> crate::Result<Vec<(&Member, CallRecord)>> {
        let mut out = Vec::new();
        for m in &self.members {
            if let Some(rec) = m.calls.get(key)? {
                out.push((m, rec));
            }
        }
        Ok(out)
    }

    /// Whether any member has a value file for `key`.
    pub fn has_value(&self, key: &str) -> bool {
        self.members
            .iter()
            .any(|m| m.value_keys_near(key).is_ok_and(|k| k.contains(key)))
    }

    /// Load a value from the first member that has it (as a stack reads).
    pub fn load_value(&self, key: &str) -> Result<StoredValue, ValueError> {
        self.values().load(key)
    }

    /// Every member's value store, in stack order: what reading values
    /// needs, shareable across threads (the call stores are not).
    pub fn values(&self) -> Values<'_> {
        Values(self.members.iter().map(|m| &m.values).collect())
    }

    /// Every call naming `digest` as an argument or result, per member.
    pub fn calls_using(&self, digest: &str) -> crate::Result<Vec<Use<'_>>> {
        let mut out = Vec::new();
        for member in &self.members {
            for (key, role) in member.calls.calls_using(digest)? {
                out.push(Use { member, key, role });
            }
        }
        Ok(out)
    }
}

/// Every key of `values` from one listing of its directory, kept in the
/// persistent `index` when it was read here (stamped just before).
fn list_values<'v>(values: &'v ValueStore, index: &ValueIndex) -> Result<&'v KeySet, FileError> {
    let mut pending = None;
    let keys = values.index_with(|| pending = index.before_listing())?;
    if let Some(p) = pending {
        index.after_listing(p, keys);
    }
    Ok(keys)
}

/// The value stores of a cache, in stack order; `Sync`, for loading values
/// on the threads that build rows.
pub struct Values<'a>(Vec<&'a ValueStore>);

impl Values<'_> {
    /// Load a value from the first store that has it.
    pub fn load(&self, key: &str) -> Result<StoredValue, ValueError> {
        load_value_from(self.0.iter().copied(), key)
    }
}
