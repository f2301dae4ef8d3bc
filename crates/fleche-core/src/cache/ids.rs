//! Short digests over a whole cache: expanding what people type, the short
//! keys shown to them, and fleche's own `shrink`.

use super::{Cache, Member, OpenError};
use crate::prefix::{self, Expansion, KeyBytes, Kind, Prefix, PrefixError, SortedQueries};
use crate::store::calls::CallStore;
use crate::store::files::FileError;
use std::borrow::Cow;
use thiserror::Error;

/// How many candidates an ambiguous prefix lists.
const CANDIDATES: usize = 20;
/// How many candidates an ambiguous `@PREFIX` of a value considers.
const VALUE_CANDIDATES: usize = 10;
/// Above this many digests, [`Cache::shrink_many`] reads every call key at
/// once instead of asking for each key's neighbours.
const BATCH: usize = 64;
/// Short keys of at most this many digests at once are checked with a
/// remote member's server (one `expand` each, and fleche's `expand` lists
/// the whole value directory each time: 0.35 s at 10k values); more (a
/// long listing) are worked out from the values known here.
const REMOTE_SHORT_KEYS: usize = 64;

/// What a prefix names: its full key, and whether it is a call, a value or
/// both (empty for a full-length digest nothing holds).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub key: String,
    pub kinds: Vec<Kind>,
}

/// One candidate of an ambiguous prefix, with what tells it apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub key: String,
    pub kind: Kind,
    /// A call's function name and start time (UNIX seconds).
    pub call: Option<(String, Option<f64>)>,
    /// A value's Python type, when it decodes.
    pub value_type: Option<String>,
}

#[derive(Debug, Error)]
pub enum ResolveError {
    #[error(transparent)]
    Prefix(#[from] PrefixError),
    #[error("no call or value starts with `{0}`")]
    NotFound(String),
    #[error("short digest `{text}` is ambiguous")]
    Ambiguous {
        text: String,
        candidates: Vec<Candidate>,
        unique_len: usize,
        /// More candidates exist than are listed.
        more: bool,
    },
    #[error("@{text}: {error}")]
    ValuePrefix { text: String, error: PrefixError },
    #[error("no stored value starts with `{0}`")]
    NoValue(String),
    #[error("value prefix `{text}` is ambiguous")]
    AmbiguousValue { text: String, unique_len: usize },
}

/// fleche's `shrink` of one digest.
#[derive(Debug, Clone, PartialEq)]
pub enum Shrunk<'a> {
    /// The shortest unique prefix.
    To(Cow<'a, str>),
    /// Every shorter prefix is ambiguous.
    Full,
    /// No call or value has this digest.
    Unknown,
}

impl Cache {
    /// The value keys of every member that can matter for digests starting
    /// with `near` (an HDF5 store opens only the files that can hold them).
    fn values_near(&self, near: &str) -> Result<Vec<Cow<'_, prefix::KeySet>>, FileError> {
        self.members
            .iter()
            .map(|m| m.value_keys_near(near))
            .collect()
    }

    /// Every member's call store beside its value keys from [`Self::values_near`].
    fn key_stores<'s>(
        &'s self,
        values: &'s [Cow<'s, prefix::KeySet>],
    ) -> Vec<(&'s crate::store::calls::CallStore, &'s prefix::KeySet)> {
        self.members
            .iter()
            .zip(values)
            .map(|(m, v)| (&m.calls, &**v))
            .collect()
    }

    /// Whether a member is a remote cache, whose values are known here
    /// only as far as its server was asked (see [`Self::learn_remote`]).
    fn has_remote(&self) -> bool {
        self.members
            .iter()
            .any(|m| matches!(m.calls, CallStore::Remote(_)))
    }

    /// Ask each remote member's server for every key it holds under
    /// `prefixes` (all in one exchange, see
    /// [`crate::store::remote::RemoteStore::learn`]): the
    /// answers below, worked out from what is known here, are then exact.
    /// Whether anything new was learned.
    fn learn_remote(&self, prefixes: &[String]) -> crate::Result<bool> {
        let mut new = false;
        for m in &self.members {
            if let CallStore::Remote(r) = &m.calls {
                let before = r.learned_count();
                r.learn(prefixes).map_err(|error| OpenError::RemoteExpand {
                    name: m.name.clone(),
                    host: r.host().to_string(),
                    error: Box::new(error),
                })?;
                new |= r.learned_count() != before;
            }
        }
        Ok(new)
    }

    /// Expand what someone typed among every member's calls and values. A
    /// full digest is already expanded (as in fleche), stored or not.
    pub fn resolve(&self, text: &str) -> crate::Result<Resolved> {
        let p = Prefix::parse(text).map_err(ResolveError::from)?;
        if self.has_remote() {
            // A full digest: whether a remote holds it as a value.
            let asked = &p.as_str()[..p.as_str().len().min(prefix::FULL_LEN - 1)];
            self.learn_remote(&[asked.to_string()])?;
        }
        if p.as_str().len() == prefix::FULL_LEN {
            let key = p.as_str().to_string();
            let mut kinds = Vec::new();
            if !self.find_call(&key)?.is_empty() {
                kinds.push(Kind::Call);
            }
            if self.has_value(&key) {
                kinds.push(Kind::Value);
            }
            return Ok(Resolved { key, kinds });
        }
        let values = self.values_near(p.as_str())?;
        match prefix::expand(&p, self.key_stores(&values), CANDIDATES)? {
            Expansion::Unique { key, kinds } => Ok(Resolved { key, kinds }),
            Expansion::NotFound => Err(ResolveError::NotFound(text.to_string()).into()),
            Expansion::Ambiguous {
                candidates,
                unique_len,
                more,
            } => Err(ResolveError::Ambiguous {
                text: text.to_string(),
                candidates: candidates
                    .into_iter()
                    .map(|(key, kind)| self.candidate(key, kind))
                    .collect(),
                unique_len,
                more,
            }
            .into()),
        }
    }

    fn candidate(&self, key: String, kind: Kind) -> Candidate {
        let (call, value_type) = match kind {
            Kind::Call => {
                let first = self.find_call(&key).ok().and_then(|v| v.into_iter().next());
                (
                    first.map(|(_, rec)| (rec.name.clone(), rec.started())),
                    None,
                )
            }
            Kind::Value => (
                None,
                self.load_value(&key).ok().map(|v| v.value.python_type()),
            ),
        };
        Candidate {
            key,
            kind,
            call,
            value_type,
        }
    }

    /// Expand `@PREFIX` (the text after `@`) among the stored values only.
    pub fn resolve_value(&self, text: &str) -> crate::Result<String> {
        let p = Prefix::parse(text).map_err(|error| ResolveError::ValuePrefix {
            text: text.to_string(),
            error,
        })?;
        if self.has_remote() {
            self.learn_remote(&[p.as_str().to_string()])?;
        }
        let mut found = Vec::new();
        for m in &self.members {
            let values = m.value_keys_near(p.as_str())?;
            let Ok(keys) =
                prefix::SortedKeys::with_prefix(&*values, p.as_str(), VALUE_CANDIDATES + 1);
            found.extend(keys.into_iter().map(|k| (k, Kind::Value)));
        }
        match prefix::resolve(found, VALUE_CANDIDATES) {
            Expansion::Unique { key, .. } => Ok(key),
            Expansion::NotFound => Err(ResolveError::NoValue(text.to_string()).into()),
            Expansion::Ambiguous { unique_len, .. } => Err(ResolveError::AmbiguousValue {
                text: text.to_string(),
                unique_len,
            }
            .into()),
        }
    }

    /// How many leading characters of `key` to show so that it is unique
    /// among every member's calls and values (and so expands back to it).
    pub fn short_len(&self, key: &str) -> crate::Result<usize> {
        Ok(self.short_lens(&[key])?.remove(0))
    }

    /// [`Self::short_len`] of each key. A remote member's server is asked
    /// once for all of them what it holds under each short key worked out
    /// here (values no record names are known only so); when it holds
    /// more, they are worked out again. Not for more than
    /// [`REMOTE_SHORT_KEYS`] keys, whose short keys come from what is
    /// known here.
    pub fn short_lens(&self, keys: &[&str]) -> crate::Result<Vec<usize>> {
        let lens = self.known_short_lens(keys)?;
        if !self.has_remote() || keys.len() > REMOTE_SHORT_KEYS {
            return Ok(lens);
        }
        let prefixes: Vec<String> = keys
            .iter()
            .zip(&lens)
            .filter_map(|(k, &l)| k.get(..l).map(str::to_ascii_lowercase))
            .collect();
        if self.learn_remote(&prefixes)? {
            return self.known_short_lens(keys);
        }
        Ok(lens)
    }

    /// [`Self::short_lens`] from what is known here.
    fn known_short_lens(&self, keys: &[&str]) -> crate::Result<Vec<usize>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        if keys.len() <= BATCH {
            return keys
                .iter()
                .map(|k| {
                    let values = self.values_near(near(k))?;
                    Ok(prefix::display_prefix(k, self.key_stores(&values))?.len())
                })
                .collect();
        }
        let values = self.values_near("")?;
        let stores = self.key_stores(&values);
        keys.iter()
            .map(|k| Ok(prefix::display_prefix(k, stores.iter().copied())?.len()))
            .collect()
    }

    /// fleche's `shrink` of each digest: within the calls of each member
    /// holding the call, the longest answer wins; a value (which fleche's
    /// stacks cannot shrink) likewise within each member's values. Keys
    /// are compared in lowercase.
    pub fn shrink_many<'k>(&self, keys: &'k [Cow<'k, str>]) -> crate::Result<Vec<Shrunk<'k>>> {
        self.learn_remote_values(keys)?;
        let batch = self.batch_lengths(keys)?;
        let mut out = Vec::with_capacity(keys.len());
        for (i, key) in keys.iter().enumerate() {
            let key: &'k str = key;
            let mut as_call: Vec<Cow<'k, str>> = Vec::new();
            let mut as_value: Vec<Cow<'k, str>> = Vec::new();
            for (n, m) in self.members.iter().enumerate() {
                let in_calls = match &batch {
                    Some(lens) => lens[n][i].map(|l| Cow::Borrowed(&key[..l])),
                    None => match m.calls.get(key)? {
                        Some(_) => Some(Cow::Owned(prefix::shrink(key, &m.calls)?)),
                        None => None,
                    },
                };
                match in_calls {
                    Some(s) => as_call.push(s),
                    None => {
                        if let Some(s) = shrink_value(m, key)? {
                            as_value.push(Cow::Owned(s));
                        }
                    }
                }
            }
            let candidates = if as_call.is_empty() {
                as_value
            } else {
                as_call
            };
            out.push(match candidates.into_iter().max_by_key(|s| s.len()) {
                Some(s) if s.len() < key.len() => Shrunk::To(s),
                Some(_) => Shrunk::Full,
                None => Shrunk::Unknown,
            });
        }
        Ok(out)
    }

    /// For many digests (a pipe of every key): each member's call keys read
    /// once, and every digest's shortest prefix among them found by one
    /// walk over both sorted lists (as bytes; a million keys are a 32 MB
    /// array). The digests are parsed and sorted on a second thread while
    /// the keys are read. Per member, per digest: the prefix length if the
    /// digest is one of its calls. None when the batch path does not apply.
    #[allow(clippy::type_complexity)]
    fn batch_lengths(&self, keys: &[Cow<str>]) -> crate::Result<Option<Vec<Vec<Option<usize>>>>> {
        if keys.len() <= BATCH {
            return Ok(None);
        }
        std::thread::scope(|scope| {
            let sorting = scope.spawn(|| {
                // A digest that is not a 64-digit hex key is no call key either.
                let parsed: Vec<Option<KeyBytes>> =
                    keys.iter().map(|k| prefix::key_bytes(k)).collect();
                SortedQueries::new(&parsed)
            });
            let mut stored = Vec::new();
            for m in &self.members {
                match m.calls.sorted_key_bytes()? {
                    Some(sorted) => stored.push(sorted),
                    None => return Ok(None),
                }
            }
            let queries = match sorting.join() {
                Ok(q) => q,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            Ok(Some(
                stored.iter().map(|s| queries.shrink_among(s)).collect(),
            ))
        })
    }
}

impl Cache {
    /// Before [`Self::shrink_many`]: what each remote member holds under
    /// the short form each key that is none of its calls would have among
    /// its values known here (one exchange with its server), so that
    /// whether it holds the key as a value, and its short form, are exact.
    fn learn_remote_values(&self, keys: &[Cow<str>]) -> crate::Result<()> {
        if !self.has_remote() {
            return Ok(());
        }
        let mut prefixes = Vec::new();
        for m in &self.members {
            let CallStore::Remote(r) = &m.calls else {
                continue;
            };
            for key in keys {
                let key = key.to_ascii_lowercase();
                if r.get(&key).is_some() {
                    continue;
                }
                let values = m.value_keys_near(near(&key))?;
                let Ok(short) = prefix::shrink(&key, &*values);
                prefixes.push(short);
            }
        }
        self.learn_remote(&prefixes).map(drop)
    }
}

/// Shrink among one member's values, listing its value directory only when
/// first needed.
fn shrink_value(member: &Member, key: &str) -> Result<Option<String>, FileError> {
    let values = member.value_keys_near(near(key))?;
    if values.contains(key) {
        let Ok(s) = prefix::shrink(key, &*values);
        Ok(Some(s))
    } else {
        Ok(None)
    }
}

/// The part of `key` every key that bounds its short form starts with:
/// short forms are at least [`prefix::MIN_PREFIX`] characters, so keys
/// differing earlier never matter.
fn near(key: &str) -> &str {
    key.char_indices()
        .nth(prefix::MIN_PREFIX)
        .map_or(key, |(i, _)| &key[..i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::remote::{Link, Probe, RemoteError, RemoteStore};
    use crate::store::CallRecord;
    use crate::value::Value;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A server holding `keys` (calls and values), answering `expand` as
    /// fleche's `_resolve_prefix` does; counts the exchanges.
    struct Server {
        keys: Vec<String>,
        exchanges: Arc<AtomicUsize>,
    }

    impl Link for Server {
        fn load_value(&self, key: &str) -> Result<Value, RemoteError> {
            Ok(Value::Str(key.to_string()))
        }
        fn evict(&self, _: &str) -> Result<(), RemoteError> {
            Ok(())
        }
        fn expand_many(&self, prefixes: &[String]) -> Result<Vec<Probe>, RemoteError> {
            self.exchanges.fetch_add(1, Ordering::SeqCst);
            Ok(prefixes
                .iter()
                .map(|p| {
                    let found: Vec<String> = self
                        .keys
                        .iter()
                        .filter(|k| k.starts_with(p.as_str()))
                        .cloned()
                        .collect();
                    match found.as_slice() {
                        [] => Probe::None,
                        [one] => Probe::One(one.clone()),
                        many => Probe::Many(many[..2].to_vec()),
                    }
                })
                .collect())
        }
    }

    fn key(head: &str) -> String {
        format!("{head}{}", "0".repeat(64 - head.len()))
    }

    /// A remote cache alone whose records are `calls` (each with the
    /// result `result`) and which also holds the values `orphans`.
    fn remote(calls: &[String], result: &str, orphans: &[String]) -> (Cache, Arc<AtomicUsize>) {
        let exchanges = Arc::new(AtomicUsize::new(0));
        let mut keys: Vec<String> = calls.to_vec();
        keys.push(result.to_string());
        keys.extend(orphans.iter().cloned());
        keys.sort();
        let records = calls
            .iter()
            .map(|k| CallRecord {
                key: k.clone(),
                name: "f".into(),
                module: None,
                version: None,
                code_digest: None,
                arguments: Vec::new(),
                result: Some(result.to_string()),
                metadata: Default::default(),
                metadata_text: None,
            })
            .collect();
        let link = Server {
            keys,
            exchanges: Arc::clone(&exchanges),
        };
        let store = RemoteStore::new("far".into(), Box::new(link), records);
        let cache = Cache {
            name: "far".into(),
            composition: super::super::Composition::Single,
            members: vec![super::super::open::remote_member("far".into(), store)],
            config: None,
            remote: Vec::new(),
            offline: false,
        };
        (cache, exchanges)
    }

    #[test]
    fn short_keys_and_prefixes_count_values_only_the_server_knows() {
        let call = key("abcdef1234");
        let result = key("555555");
        // Shares ten digits with the call, six with the result; no record
        // names them.
        let near_call = key("abcdef1234f");
        let near_result = key("555555f");
        let (cache, exchanges) = remote(
            std::slice::from_ref(&call),
            &result,
            &[near_call.clone(), near_result.clone()],
        );
        assert_eq!(cache.short_lens(&[&call, &result]).unwrap(), vec![11, 7]);
        let asked = exchanges.load(Ordering::SeqCst);
        // Asked again: nothing new to ask.
        assert_eq!(cache.short_len(&call).unwrap(), 11);
        assert_eq!(exchanges.load(Ordering::SeqCst), asked);
        match cache.resolve(&call[..6]) {
            Err(crate::Error::Resolve(ResolveError::Ambiguous {
                candidates,
                unique_len,
                ..
            })) => {
                let keys: Vec<(&str, Kind)> = candidates
                    .iter()
                    .map(|c| (c.key.as_str(), c.kind))
                    .collect();
                assert_eq!(
                    keys,
                    vec![
                        (call.as_str(), Kind::Call),
                        (near_call.as_str(), Kind::Value)
                    ]
                );
                assert_eq!(unique_len, 11);
            }
            other => panic!("{other:?}"),
        }
        let found = cache.resolve(&near_result[..7]).unwrap();
        assert_eq!(
            (found.key, found.kinds),
            (near_result.clone(), vec![Kind::Value])
        );
        assert_eq!(cache.resolve_value(&near_call[..11]).unwrap(), near_call);
        let keys = [Cow::Borrowed(near_result.as_str())];
        assert_eq!(
            cache.shrink_many(&keys).unwrap(),
            vec![Shrunk::To(Cow::Borrowed(&near_result[..7]))]
        );
        assert!(cache.load_value(&near_result).is_ok());
    }

    #[test]
    fn many_keys_take_one_exchange() {
        let calls: Vec<String> = (0..64).map(|i| key(&format!("{i:04x}"))).collect();
        let (cache, exchanges) = remote(&calls, &key("ffff"), &[]);
        let keys: Vec<&str> = calls.iter().map(String::as_str).collect();
        assert!(cache.short_lens(&keys).unwrap().iter().all(|&l| l == 4));
        assert_eq!(exchanges.load(Ordering::SeqCst), 1);
        // More short keys at once are not asked (a long listing).
        let (cache, exchanges) = remote(&calls, &key("ffff"), &[]);
        let more: Vec<&str> = keys.iter().copied().chain([&*calls[0]]).collect();
        cache.short_lens(&more).unwrap();
        assert_eq!(exchanges.load(Ordering::SeqCst), 0);
        // A shrink of many values is exact: every one asked, together.
        let values: Vec<String> = (0..5000).map(|i| key(&format!("{i:04x}f"))).collect();
        let (cache, exchanges) = remote(&calls, &key("ffff"), &values);
        let asked: Vec<Cow<str>> = values.iter().map(|v| Cow::Borrowed(v.as_str())).collect();
        let shrunk = cache.shrink_many(&asked).unwrap();
        assert!(shrunk
            .iter()
            .all(|s| matches!(s, Shrunk::To(t) if t.len() == 4)));
        // One for every prefix, one for the digits below the 64 that a
        // call makes ambiguous.
        assert_eq!(exchanges.load(Ordering::SeqCst), 2);
    }
}
