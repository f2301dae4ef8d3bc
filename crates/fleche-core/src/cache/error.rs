//! Every error the core returns, in one type the command line maps to its
//! messages and exit codes in one place. Errors keep what went wrong typed
//! (an `io::Error`, a `rusqlite::Error`, a `PickleError`) in a field named
//! `error`, and say it in their own message: the one line a user reads.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Open(#[from] crate::cache::OpenError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    File(#[from] crate::store::files::FileError),
    #[error(transparent)]
    Resolve(#[from] crate::cache::ResolveError),
    #[error(transparent)]
    Refused(#[from] crate::cache::WriteRefused),
    #[error(transparent)]
    Write(#[from] crate::cache::WriteError),
    #[error(transparent)]
    Copy(#[from] crate::cache::CopyError),
    #[error(transparent)]
    Gc(#[from] crate::gc::GcError),
    #[error(transparent)]
    Collect(#[from] crate::cache::CollectError),
    #[error(transparent)]
    Digest(#[from] crate::digest::DigestError),
}
pub type Result<T, E = Error> = std::result::Result<T, E>;
