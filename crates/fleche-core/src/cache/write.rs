//! Changing a cache's records: tags and evictions, each as one transaction
//! (SQL) or one atomic file operation per call (call files), whatever the
//! store.

use super::Member;
use crate::store::callfiles;
use crate::store::calls::CallStore;
use crate::store::sql_write::{Rekey, RekeyOutcome, SqlWriter, TagChange};
use crate::store::StoreError;
use serde_json::{Map, Value as Json};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum WriteError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot tag call {key}: {error}")]
    TagFile {
        key: String,
        error: callfiles::CallFileError,
    },
    #[error("cannot remove call file {key}: {error}")]
    EvictFile { key: String, error: std::io::Error },
    #[error("cannot rekey call {key}: {error}")]
    RekeyFile {
        key: String,
        error: callfiles::CallFileError,
    },
    /// fleche's remote protocol has requests to save and evict, none to
    /// change a stored call.
    #[error("`{name}` is a remote cache over ssh ({host}): fleche's remote protocol cannot {what} (it can only save and evict calls)")]
    RemoteCannot {
        name: String,
        host: String,
        what: &'static str,
    },
    #[error("cannot evict call {key} from `{name}`: {error}")]
    RemoteEvict {
        name: String,
        key: String,
        error: Box<crate::store::remote::RemoteError>,
    },
}

/// Writes to the member a cache's writes go to (the first of a stack).
pub struct Writer<'a> {
    member: &'a Member,
}

impl<'a> Writer<'a> {
    pub(super) fn new(member: &'a Member) -> Self {
        Writer { member }
    }

    pub fn member(&self) -> &'a Member {
        self.member
    }

    fn remote_cannot(
        &self,
        r: &crate::store::remote::RemoteStore,
        what: &'static str,
    ) -> WriteError {
        WriteError::RemoteCannot {
            name: self.member.name.clone(),
            host: r.host().to_string(),
            what,
        }
    }

    /// Merge `set` into and remove `unset` from the tags of each call; with
    /// `dry_run`, only say what would change.
    pub fn tag(
        &self,
        keys: &[String],
        set: &Map<String, Json>,
        unset: &[String],
        dry_run: bool,
    ) -> crate::Result<Vec<TagChange>> {
        match &self.member.calls {
            CallStore::Sql(s) => Ok(SqlWriter::open(s.path(), dry_run)?.tag(keys, set, unset)?),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => Ok(p.writer()?.tag(keys, set, unset, dry_run)?),
            CallStore::Remote(r) => Err(self.remote_cannot(r, "change tags").into()),
            CallStore::Files(f) => {
                let mut changes = Vec::with_capacity(keys.len());
                for key in keys {
                    let (before, after) =
                        callfiles::retag_file(f.root(), key, set, unset, &f.secret_keys, dry_run)
                            .map_err(|error| WriteError::TagFile {
                            key: key.clone(),
                            error,
                        })?;
                    changes.push(TagChange {
                        key: key.clone(),
                        before,
                        after,
                    });
                }
                Ok(changes)
            }
        }
    }

    /// Remove the records of `keys`; the keys actually removed (with
    /// `dry_run`: those that would be).
    pub fn evict(&self, keys: &[String], dry_run: bool) -> crate::Result<Vec<String>> {
        match &self.member.calls {
            CallStore::Sql(s) => Ok(SqlWriter::open(s.path(), dry_run)?.evict(keys)?),
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => Ok(p.writer()?.evict(keys, dry_run)?),
            // One `evict` request per call the remote holds (it answers
            // nothing, so what it held when it opened says what went).
            CallStore::Remote(r) => {
                let mut removed = Vec::new();
                for key in keys {
                    if r.get(key).is_none() {
                        continue;
                    }
                    if !dry_run {
                        r.link()
                            .evict(key)
                            .map_err(|error| WriteError::RemoteEvict {
                                name: self.member.name.clone(),
                                key: key.clone(),
                                error: Box::new(error),
                            })?;
                    }
                    removed.push(key.clone());
                }
                Ok(removed)
            }
            CallStore::Files(f) => {
                let mut removed = Vec::new();
                for key in keys {
                    let gone = if dry_run {
                        f.get(key).is_some()
                    } else {
                        callfiles::evict_file(f.root(), key).map_err(|error| {
                            WriteError::EvictFile {
                                key: key.clone(),
                                error,
                            }
                        })?
                    };
                    if gone {
                        removed.push(key.clone());
                    }
                }
                Ok(removed)
            }
        }
    }

    /// File each record under its new key ([`Rekey`]); with `keep` the old
    /// record stays too. SQL: one transaction for all; call files: one
    /// atomic write per call, the old file removed after the new one is in
    /// place.
    pub fn rekey(
        &self,
        moves: &[Rekey],
        keep: bool,
        overwrite: bool,
        dry_run: bool,
    ) -> crate::Result<Vec<RekeyOutcome>> {
        match &self.member.calls {
            CallStore::Sql(s) => {
                Ok(SqlWriter::open(s.path(), dry_run)?.rekey(moves, keep, overwrite)?)
            }
            #[cfg(feature = "postgres")]
            CallStore::Pg(p) => Ok(p.writer()?.rekey(moves, keep, overwrite, dry_run)?),
            CallStore::Remote(r) => Err(self.remote_cannot(r, "rekey calls").into()),
            CallStore::Files(f) => {
                let mut out = Vec::with_capacity(moves.len());
                for m in moves {
                    let done = callfiles::rekey_file(
                        f.root(),
                        m,
                        &f.secret_keys,
                        keep,
                        overwrite,
                        dry_run,
                    )
                    .map_err(|error| WriteError::RekeyFile {
                        key: m.old.clone(),
                        error,
                    })?;
                    out.push(done);
                }
                Ok(out)
            }
        }
    }
}
