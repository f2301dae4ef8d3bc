//! The on-disk format of the Python caching library fleche (0.22.x), read and
//! written without Python: digests, the value model, and the stores.
//!
//! See `../shared/fleche-format.md` in the project workspace for the format in
//! prose; fleche's own source is the final word.

pub mod cache;
pub mod config;
pub mod destructure;
pub mod digest;
pub mod gc;
pub mod literal;
pub mod numpy;
pub mod pickle;
pub mod pickle_write;
pub mod prefix;
pub mod pyhash;
pub mod repr;
pub mod store;
pub mod value;
pub mod verify;

pub use cache::{Cache, Locator, Member};
pub use cache::{Error, Result};
pub use digest::{call_key, digest, CallKeyInput, DigestError};
pub use value::Value;

/// How many threads parallel work may use: `RAYON_NUM_THREADS` when set (as
/// for the rayon pools gc and verify use), else the available cores.
pub fn threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// An error and its causes on one line (`outer: inner: innermost`), where a
/// reason is kept as text (a finding's detail, a file gc could not read).
pub(crate) fn one_line(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
