//! Short digests (format §6): expanding a prefix among call keys and value
//! keys together, and the shortest prefix that names a key uniquely.
//! Lookups are range scans over sorted keys (an index in SQL, one sorted
//! directory listing for values), never one probe per candidate length.

use thiserror::Error;

/// fleche refuses prefixes shorter than this (as gitoxide's MIN_HEX_LEN).
pub const MIN_PREFIX: usize = 4;
pub const FULL_LEN: usize = 64;

#[derive(Debug, Error, PartialEq)]
pub enum PrefixError {
    #[error("short digest `{0}` is too short: type at least {MIN_PREFIX} characters")]
    TooShort(String),
    #[error("`{0}` is not a hex digest prefix")]
    NotHex(String),
    #[error("`{0}` is longer than a digest ({FULL_LEN} characters)")]
    TooLong(String),
}

/// Which store a key was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Call,
    Value,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Call => "call",
            Kind::Value => "value",
        }
    }
}

/// A validated, lowercased hex prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix(String);

impl Prefix {
    pub fn parse(text: &str) -> Result<Prefix, PrefixError> {
        let t = text.trim();
        if !t.chars().all(|c| c.is_ascii_hexdigit()) || t.is_empty() {
            return Err(PrefixError::NotHex(text.to_string()));
        }
        if t.len() < MIN_PREFIX {
            return Err(PrefixError::TooShort(text.to_string()));
        }
        if t.len() > FULL_LEN {
            return Err(PrefixError::TooLong(text.to_string()));
        }
        Ok(Prefix(t.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A sorted set of keys that can answer range and neighbour questions.
pub trait SortedKeys {
    type Error;
    /// Keys starting with `prefix`, sorted, at most `limit`.
    fn with_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<String>, Self::Error>;
    /// The greatest key below and the least key above `key`.
    fn neighbours(&self, key: &str) -> Result<(Option<String>, Option<String>), Self::Error>;
}

/// A sorted in-memory list (a value directory listing, a call directory).
impl SortedKeys for [String] {
    type Error = std::convert::Infallible;

    fn with_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<String>, Self::Error> {
        let start = self.partition_point(|k| k.as_str() < prefix);
        Ok(self[start..]
            .iter()
            .take_while(|k| k.starts_with(prefix))
            .take(limit)
            .cloned()
            .collect())
    }

    fn neighbours(&self, key: &str) -> Result<(Option<String>, Option<String>), Self::Error> {
        let lo = self.partition_point(|k| k.as_str() < key);
        let hi = self.partition_point(|k| k.as_str() <= key);
        Ok((
            lo.checked_sub(1).map(|i| self[i].clone()),
            self.get(hi).cloned(),
        ))
    }
}

/// What a prefix expands to.
#[derive(Debug, Clone, PartialEq)]
pub enum Expansion {
    Unique {
        key: String,
        kinds: Vec<Kind>,
    },
    NotFound,
    /// Every candidate (up to the limit asked for), with the length that
    /// would be unique among them (the longest common prefix of the two
    /// smallest, plus one).
    Ambiguous {
        candidates: Vec<(String, Kind)>,
        unique_len: usize,
        more: bool,
    },
}

pub fn common_prefix_len(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}

/// Expand `prefix` among calls and values together; identical keys in
/// both count once. `limit` caps how many candidates an ambiguity lists.
pub fn expand<C, V>(
    prefix: &Prefix,
    calls: &C,
    values: &V,
    limit: usize,
) -> Result<Expansion, C::Error>
where
    C: SortedKeys + ?Sized,
    V: SortedKeys<Error = std::convert::Infallible> + ?Sized,
{
    let mut found: Vec<(String, Kind)> = calls
        .with_prefix(prefix.as_str(), limit + 1)?
        .into_iter()
        .map(|k| (k, Kind::Call))
        .collect();
    let Ok(vals) = values.with_prefix(prefix.as_str(), limit + 1);
    found.extend(vals.into_iter().map(|k| (k, Kind::Value)));
    Ok(resolve(found, limit))
}

/// Decide what a set of candidates (key, where found) means: one distinct
/// key expands, none is not found, more are ambiguous.
pub fn resolve(mut found: Vec<(String, Kind)>, limit: usize) -> Expansion {
    found.sort();
    found.dedup();
    let mut distinct: Vec<String> = found.iter().map(|(k, _)| k.clone()).collect();
    distinct.dedup();
    match distinct.len() {
        0 => Expansion::NotFound,
        1 => Expansion::Unique {
            kinds: found.iter().map(|(_, kind)| *kind).collect(),
            key: distinct.remove(0),
        },
        n => {
            let unique_len = common_prefix_len(&distinct[0], &distinct[1]) + 1;
            let more = n > limit;
            found.truncate(limit.max(2));
            Expansion::Ambiguous {
                candidates: found,
                unique_len,
                more,
            }
        }
    }
}

/// The shortest prefix (at least 4) that tells `key` apart from its sorted
/// neighbours — fleche's `shrink`, given the neighbours from one storage.
pub fn shortest_unique(key: &str, neighbours: &[Option<String>]) -> String {
    let mut len = MIN_PREFIX;
    for n in neighbours.iter().flatten() {
        if n != key {
            len = len.max(common_prefix_len(key, n) + 1);
        }
    }
    key.chars().take(len.min(key.len())).collect()
}

/// Shrink within one store: fleche's answer for `fleche shrink`.
pub fn shrink<S: SortedKeys + ?Sized>(key: &str, store: &S) -> Result<String, S::Error> {
    let (before, after) = store.neighbours(key)?;
    Ok(shortest_unique(key, &[before, after]))
}

/// The short key to *display*: unique among calls and values together, so
/// it always expands back to exactly `key`.
pub fn display_prefix<C, V>(key: &str, calls: &C, values: &V) -> Result<String, C::Error>
where
    C: SortedKeys + ?Sized,
    V: SortedKeys<Error = std::convert::Infallible> + ?Sized,
{
    let (a, b) = calls.neighbours(key)?;
    let Ok((c, d)) = values.neighbours(key);
    Ok(shortest_unique(key, &[a, b, c, d]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        out.sort();
        out
    }

    #[test]
    fn prefixes_are_validated() {
        assert_eq!(
            Prefix::parse("abc"),
            Err(PrefixError::TooShort("abc".into()))
        );
        assert_eq!(
            Prefix::parse("abcg"),
            Err(PrefixError::NotHex("abcg".into()))
        );
        assert_eq!(Prefix::parse("ABCD").expect("ok").as_str(), "abcd");
    }

    #[test]
    fn expand_looks_in_calls_and_values_together() {
        let calls = keys(&["aaaa1111", "bbbb0000"]);
        let values = keys(&["aaaa2222", "bbbb0000", "cccc0000"]);
        let p = |s| Prefix::parse(s).expect("prefix");
        assert!(matches!(
            expand(&p("aaaa"), calls.as_slice(), values.as_slice(), 10).expect("x"),
            Expansion::Ambiguous { unique_len: 5, .. }
        ));
        assert_eq!(
            expand(&p("bbbb"), calls.as_slice(), values.as_slice(), 10).expect("x"),
            Expansion::Unique {
                key: "bbbb0000".into(),
                kinds: vec![Kind::Call, Kind::Value]
            }
        );
        assert_eq!(
            expand(&p("dddd"), calls.as_slice(), values.as_slice(), 10).expect("x"),
            Expansion::NotFound
        );
    }

    #[test]
    fn shrink_uses_neighbours() {
        let calls = keys(&["abcd0000", "abcd1000", "ffff0000"]);
        assert_eq!(shrink("abcd0000", calls.as_slice()).expect("x"), "abcd0");
        assert_eq!(shrink("ffff0000", calls.as_slice()).expect("x"), "ffff");
        let values = keys(&["ffff0001"]);
        assert_eq!(
            display_prefix("ffff0000", calls.as_slice(), values.as_slice()).expect("x"),
            "ffff0000"
        );
    }
}
