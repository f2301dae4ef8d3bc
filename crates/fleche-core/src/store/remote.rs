//! A remote cache (fleche's `SshCache`) behind the same call and value
//! stores as local ones. Its records come over once, when the cache opens
//! (`query` with an empty template: the protocol has no narrower listing
//! than fleche's own filters), and every question about calls is then
//! answered from them in memory, exactly as call files are; values are
//! loaded one by one through the server (`load_value`), evictions go
//! through its `evict`. The link itself (`crate::remote`) sits above the
//! stores: they only see [`Link`].

use crate::prefix::KeySet;
use crate::store::filter::record_matches;
use crate::store::{callfiles, CallRecord, ListOptions};
use crate::value::Value;
use std::ops::ControlFlow;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum RemoteError {
    #[error("cannot start `{command}`: {error}")]
    Spawn {
        command: String,
        error: std::io::Error,
    },
    /// The server (or ssh) went away: `error` is what reading or writing
    /// its pipes gave, `status` how it ended, `said` its last stderr line.
    #[error("the remote cache stopped answering during `{method}` ({error}{}{})",
        .status.as_ref().map(|s| format!("; ssh ended with {s}")).unwrap_or_default(),
        .said.as_ref().map(|s| format!("; it said: {s}")).unwrap_or_default())]
    Lost {
        method: String,
        error: String,
        status: Option<String>,
        said: Option<String>,
    },
    #[error(
        "the remote cache sent a frame of {size} bytes for `{method}` (more than {})",
        crate::store::remote::MAX_FRAME
    )]
    TooLarge { method: String, size: u64 },
    #[error("the remote cache's answer to `{method}` does not decode: {error}")]
    Decode {
        method: String,
        error: crate::pickle::PickleError,
    },
    #[error("the remote cache refused `{method}`: {exception}")]
    Remote { method: String, exception: String },
    #[error("the remote cache answered `{method}` with {what}")]
    Unexpected { method: String, what: String },
    #[error("cannot write the request `{method}`: {error}")]
    Request {
        method: String,
        error: crate::pickle_write::Unsupported,
    },
}

impl RemoteError {
    /// What the remote side last said on stderr before it went away (ssh's
    /// own "Permission denied (publickey).", Python's "No module named
    /// fleche"), the line that explains a failure.
    pub fn said(&self) -> Option<&str> {
        match self {
            RemoteError::Lost { said, .. } => said.as_deref(),
            _ => None,
        }
    }

    /// The line that explains why a server could not be reached: what it
    /// said last, else the error itself.
    pub fn explained(&self) -> String {
        self.said().map_or_else(|| self.to_string(), String::from)
    }
}

/// The largest answer taken (a frame announcing more is refused before
/// anything is read): far above any listing or value fleche sends in one
/// piece, far below what a hostile length could make us hold.
pub const MAX_FRAME: u64 = 4 << 30;

/// The requests a store makes of a running server after it opened.
pub trait Link: Send + Sync {
    /// A value as the remote cache loads it (destructured values mended).
    fn load_value(&self, key: &str) -> Result<Value, RemoteError>;
    /// Remove a call's record there (fleche's `evict`: values stay).
    fn evict(&self, key: &str) -> Result<(), RemoteError>;
    /// What the remote cache's `expand` (its calls and values) says of
    /// each prefix, asked together.
    fn expand_many(&self, prefixes: &[String]) -> Result<Vec<Probe>, RemoteError>;
}

/// What fleche's `expand` says of a prefix.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// Nothing starts with it (`KeyError`).
    None,
    /// Exactly one key does.
    One(String),
    /// More than one (`AmbiguousDigestError`): the candidates it names
    /// (the two smallest of the store that found them; the other store is
    /// then not asked).
    Many(Vec<String>),
}

/// At most this many `expand` requests beyond one per prefix asked, to
/// learn what starts with the prefixes of one question: a walk down an
/// ambiguity asks 16 per level.
const PROBES: usize = 4096;

/// A remote cache's records, and the link that loads its values.
pub struct RemoteStore {
    host: String,
    /// How to reach the server: started on first use, not when the cache
    /// opens, so that a command that never asks the remote starts no ssh.
    reach: std::sync::Mutex<Option<Reach>>,
    state: std::sync::OnceLock<State>,
    /// Told once what reaching it gave (a failure, a version skew).
    hook: std::sync::OnceLock<Hook>,
    told: std::sync::atomic::AtomicBool,
    /// Values no record names that the server's `expand` revealed, and
    /// the prefixes under which every key the remote holds is known.
    learned: std::sync::Mutex<Learned>,
    /// Every value known (named or learned), rebuilt once per `learn`
    /// that found new ones, into the next free slot (a slot, once set,
    /// stays, so that it can be lent out); `current` is the latest.
    known: [std::sync::OnceLock<KeySet>; GENERATIONS],
    current: std::sync::atomic::AtomicUsize,
}

/// How many times the known values are rebuilt before each question
/// builds its own copy (a command learns a few times at most).
const GENERATIONS: usize = 16;

/// Starts the server, shakes hands and reads every record.
pub type Reach = Box<dyn FnOnce() -> Result<Connected, RemoteError> + Send>;
/// Told what reaching a remote layer gave that a user should hear of.
pub type Hook = Box<dyn Fn(&Reached) + Send + Sync>;

/// A server reached: the link to it, its records and what it said.
pub struct Connected {
    pub link: Box<dyn Link>,
    pub records: Vec<CallRecord>,
    pub read_only: bool,
    /// The fleche version it runs, when it is not the one this tool reads.
    pub skew: Option<String>,
}

/// What reaching a remote layer gave.
pub enum Reached<'a> {
    /// It cannot be reached: it answers as an empty cache.
    Failed(&'a RemoteError),
    /// It runs another fleche (the version).
    Skew(&'a str),
}

struct State {
    link: Option<Box<dyn Link>>,
    /// Sorted by key.
    records: Vec<CallRecord>,
    keys: Vec<String>,
    /// The value digests the records name: the protocol cannot list the
    /// values a remote cache holds, so these are the values it is known to.
    values: KeySet,
    read_only: bool,
    skew: Option<String>,
    error: Option<RemoteError>,
}

/// The link of a layer that could not be reached (never asked: it holds
/// nothing).
struct Unreached;

impl Link for Unreached {
    fn load_value(&self, key: &str) -> Result<Value, RemoteError> {
        Err(RemoteError::Unexpected {
            method: "load_value".into(),
            what: format!("nothing for {key}: it could not be reached"),
        })
    }
    fn evict(&self, key: &str) -> Result<(), RemoteError> {
        Err(RemoteError::Unexpected {
            method: "evict".into(),
            what: format!("nothing for {key}: it could not be reached"),
        })
    }
    fn expand_many(&self, _: &[String]) -> Result<Vec<Probe>, RemoteError> {
        Ok(Vec::new())
    }
}

#[derive(Default)]
struct Learned {
    values: std::collections::BTreeSet<String>,
    prefixes: std::collections::BTreeSet<String>,
}

impl State {
    fn new(reached: Result<Connected, RemoteError>) -> State {
        let (link, mut records, read_only, skew, error) = match reached {
            Ok(c) => (Some(c.link), c.records, c.read_only, c.skew, None),
            Err(e) => (None, Vec::new(), true, None, Some(e)),
        };
        records.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        records.dedup_by(|a, b| a.key == b.key);
        let keys = records.iter().map(|r| r.key.clone()).collect();
        let values = KeySet::from_names(records.iter().flat_map(|r| {
            r.arguments
                .iter()
                .map(|(_, d)| d.as_str())
                .chain(r.result.as_deref())
        }));
        State {
            link,
            records,
            keys,
            values,
            read_only,
            skew,
            error,
        }
    }
}

impl RemoteStore {
    /// A remote cache already reached.
    pub fn new(host: String, link: Box<dyn Link>, records: Vec<CallRecord>) -> RemoteStore {
        Self::connected(
            host,
            Connected {
                link,
                records,
                read_only: false,
                skew: None,
            },
        )
    }

    /// A remote cache reached (or not) already.
    pub fn connected(host: String, connected: Connected) -> RemoteStore {
        let store = Self::lazy(host, Box::new(unreachable_reach));
        let _ = store.state.set(State::new(Ok(connected)));
        store
    }

    /// A remote cache reached by `reach` when first asked.
    pub fn lazy(host: String, reach: Reach) -> RemoteStore {
        RemoteStore {
            host,
            reach: std::sync::Mutex::new(Some(reach)),
            state: std::sync::OnceLock::new(),
            hook: std::sync::OnceLock::new(),
            told: Default::default(),
            learned: Default::default(),
            known: Default::default(),
            current: Default::default(),
        }
    }

    fn state(&self) -> &State {
        let state = self.state.get_or_init(|| {
            let reach = self.reach.lock().unwrap_or_else(|p| p.into_inner()).take();
            State::new(match reach {
                Some(reach) => reach(),
                None => unreachable_reach(),
            })
        });
        self.tell();
        state
    }

    /// Whether the server was started already.
    pub fn is_reached(&self) -> bool {
        self.state.get().is_some()
    }

    /// Why it cannot be reached (reaching it first).
    pub fn failure(&self) -> Option<&RemoteError> {
        self.state().error.as_ref()
    }

    /// Whether its server refuses writes (reaching it first).
    pub fn read_only(&self) -> bool {
        self.state().read_only
    }

    /// Be told what reaching it gives (at once if it was reached already).
    pub fn on_reached(&self, hook: Hook) {
        let _ = self.hook.set(hook);
        if self.is_reached() {
            self.tell();
        }
    }

    fn tell(&self) {
        let (Some(hook), Some(state)) = (self.hook.get(), self.state.get()) else {
            return;
        };
        if self.told.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        if let Some(error) = &state.error {
            hook(&Reached::Failed(error));
        }
        if let Some(version) = &state.skew {
            hook(&Reached::Skew(version));
        }
    }

    fn learned(&self) -> std::sync::MutexGuard<'_, Learned> {
        self.learned.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many values are known here besides those the records name
    /// (see [`Self::learn`]); usually none.
    pub fn learned_count(&self) -> usize {
        self.learned().values.len()
    }

    /// Every value known here: the records' and the learned ones.
    pub fn known_values(&self) -> std::borrow::Cow<'_, KeySet> {
        let at = self.current.load(std::sync::atomic::Ordering::SeqCst);
        if at == 0 {
            return std::borrow::Cow::Borrowed(self.values());
        }
        match self.known[at - 1].get() {
            Some(set) if at < GENERATIONS || set.len() == self.merged_len() => {
                std::borrow::Cow::Borrowed(set)
            }
            _ => std::borrow::Cow::Owned(self.merged()),
        }
    }

    fn merged_len(&self) -> usize {
        self.values().len() + self.learned_count()
    }

    fn merged(&self) -> KeySet {
        let mut names = self.values().to_strings();
        names.extend(self.learned().values.iter().cloned());
        KeySet::from_names(names.iter().map(String::as_str))
    }

    /// After a `learn` that found new values: the next generation.
    fn remember(&self) {
        let at = self.current.load(std::sync::atomic::Ordering::SeqCst);
        if at < GENERATIONS && self.known[at].set(self.merged()).is_ok() {
            self.current
                .store(at + 1, std::sync::atomic::Ordering::SeqCst);
        } else {
            // Out of slots: each question builds its own (see above).
            self.current
                .store(GENERATIONS, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// Whether the remote is known to hold this value.
    pub fn knows_value(&self, key: &str) -> bool {
        self.state().values.contains(key) || self.learned().values.contains(key)
    }

    /// Learn every key the remote cache holds that starts with one of
    /// `prefixes` (each of at least 4 and fewer than 64 characters, as
    /// fleche's `expand` takes them), asking its server: the protocol
    /// cannot list values, so a value no record names (an orphan, a
    /// destructured child) is known only this way. One `expand` per
    /// prefix, all sent together; a prefix it finds ambiguous is walked
    /// down one hex digit at a time, level by level. Prefixes already
    /// learned are not asked again.
    pub fn learn(&self, prefixes: &[String]) -> Result<(), RemoteError> {
        let mut frontier: Vec<String> = {
            let learned = self.learned();
            let mut todo: Vec<String> = prefixes
                .iter()
                .filter(|p| (MIN_LEN..crate::prefix::FULL_LEN).contains(&p.len()))
                .filter(|p| !learned.covers(p))
                .cloned()
                .collect();
            todo.sort();
            todo.dedup();
            todo
        };
        let state = self.state();
        if state.link.is_none() {
            return Ok(());
        }
        let before = self.learned_count();
        let roots = frontier.clone();
        let mut asked = 0;
        let mut complete = true;
        while !frontier.is_empty() {
            // Every prefix asked is asked; the walk below is bounded.
            if asked > 0 && asked + frontier.len() > PROBES + roots.len() {
                complete = false;
                break;
            }
            asked += frontier.len();
            let answers = self.link().expand_many(&frontier)?;
            let mut next = Vec::new();
            let mut learned = self.learned();
            for (prefix, answer) in frontier.iter().zip(answers) {
                let found = match answer {
                    Probe::None => Vec::new(),
                    Probe::One(key) => vec![key],
                    Probe::Many(keys) => {
                        if prefix.len() + 1 < crate::prefix::FULL_LEN {
                            next.extend("0123456789abcdef".chars().map(|c| format!("{prefix}{c}")));
                        }
                        keys
                    }
                };
                for key in found {
                    let key = key.to_ascii_lowercase();
                    if key.starts_with(prefix.as_str())
                        && state.keys.binary_search(&key).is_err()
                        && !state.values.contains(&key)
                    {
                        learned.values.insert(key);
                    }
                }
            }
            frontier = next;
        }
        if complete {
            self.learned().prefixes.extend(roots);
        }
        if self.learned_count() != before {
            self.remember();
        }
        Ok(())
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn records(&self) -> &[CallRecord] {
        &self.state().records
    }

    pub fn keys(&self) -> &[String] {
        &self.state().keys
    }

    /// The value digests the records name.
    pub fn values(&self) -> &KeySet {
        &self.state().values
    }

    pub fn link(&self) -> &dyn Link {
        match &self.state().link {
            Some(link) => &**link,
            None => &Unreached,
        }
    }

    pub fn get(&self, key: &str) -> Option<CallRecord> {
        let records = self.records();
        records
            .binary_search_by(|r| r.key.as_str().cmp(key))
            .ok()
            .map(|i| records[i].clone())
    }

    /// The records `opts` selects, in its order: what a call directory does.
    pub fn for_each(&self, opts: &ListOptions, mut f: impl FnMut(CallRecord) -> ControlFlow<()>) {
        let mut selected: Vec<&CallRecord> = self
            .records()
            .iter()
            .filter(|r| record_matches(r, &opts.filter))
            .collect();
        callfiles::sort_records(&mut selected, opts.sort, opts.reverse);
        let limit = opts.limit.map(|l| l as usize).unwrap_or(usize::MAX);
        for rec in selected.into_iter().take(limit) {
            if f(rec.clone()).is_break() {
                break;
            }
        }
    }

    pub fn count_matching(&self, filter: &crate::store::CallFilter) -> u64 {
        self.records()
            .iter()
            .filter(|r| record_matches(r, filter))
            .count() as u64
    }
}

/// The reach of a store made reached: never called.
fn unreachable_reach() -> Result<Connected, RemoteError> {
    Err(RemoteError::Unexpected {
        method: "info".into(),
        what: "nothing: it was reached once already".into(),
    })
}

/// fleche's `expand` refuses shorter prefixes.
const MIN_LEN: usize = crate::prefix::MIN_PREFIX;

impl Learned {
    /// Whether every key starting with `prefix` is known already.
    fn covers(&self, prefix: &str) -> bool {
        (MIN_LEN..=prefix.len()).any(|n| self.prefixes.contains(&prefix[..n]))
    }
}

impl crate::prefix::SortedKeys for RemoteStore {
    type Error = std::convert::Infallible;

    fn with_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<String>, Self::Error> {
        self.keys().with_prefix(prefix, limit)
    }

    fn neighbours(&self, key: &str) -> Result<(Option<String>, Option<String>), Self::Error> {
        self.keys().neighbours(key)
    }
}

#[cfg(test)]
mod tests {
    use crate::value::Value;

    /// Metadata that comes pickled (over ssh, in call files) reads as the
    /// JSON fleche's SQL store holds for it: Python's float repr.
    #[test]
    fn pickled_floats_read_as_pythons_json() {
        for (f, text) in [
            (6.642214752710985e-05, "6.642214752710985e-05"),
            (1e16, "1e+16"),
            (0.000125, "0.000125"),
            (1774227002.1889, "1774227002.1889"),
            (2.0, "2.0"),
        ] {
            let json = crate::store::callfiles::plain_json(&Value::Float(f));
            assert_eq!(json.to_string(), text);
        }
    }
}
