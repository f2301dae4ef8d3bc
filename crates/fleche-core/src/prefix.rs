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

/// In characters, as the prefixes shown and typed are counted.
pub fn common_prefix_len(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// Expand `prefix` among the calls and values of every member of a cache;
/// identical keys count once. `limit` caps how many candidates an
/// ambiguity lists.
pub fn expand<'a, C, V>(
    prefix: &Prefix,
    stores: impl IntoIterator<Item = (&'a C, &'a V)>,
    limit: usize,
) -> Result<Expansion, C::Error>
where
    C: SortedKeys + ?Sized + 'a,
    V: SortedKeys<Error = std::convert::Infallible> + ?Sized + 'a,
{
    let mut found = Vec::new();
    for (calls, values) in stores {
        let keys = calls.with_prefix(prefix.as_str(), limit + 1)?;
        found.extend(keys.into_iter().map(|k| (k, Kind::Call)));
        let Ok(vals) = values.with_prefix(prefix.as_str(), limit + 1);
        found.extend(vals.into_iter().map(|k| (k, Kind::Value)));
    }
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

/// The short key to *display*: unique among the calls and values of every
/// member together, so it always expands back to exactly `key`.
pub fn display_prefix<'a, C, V>(
    key: &str,
    stores: impl IntoIterator<Item = (&'a C, &'a V)>,
) -> Result<String, C::Error>
where
    C: SortedKeys + ?Sized + 'a,
    V: SortedKeys<Error = std::convert::Infallible> + ?Sized + 'a,
{
    let mut neighbours = Vec::new();
    for (calls, values) in stores {
        let (a, b) = calls.neighbours(key)?;
        let Ok((c, d)) = values.neighbours(key);
        neighbours.extend([a, b, c, d]);
    }
    Ok(shortest_unique(key, &neighbours))
}

/// A full SHA-256 key as its 32 bytes: a million of them sort and compare
/// in one flat array, where strings would be a pointer chase each.
pub type KeyBytes = [u8; 32];

/// The bytes of a 64-digit lowercase hex key (None for anything else, so
/// that a byte comparison orders keys exactly as their text).
pub fn key_bytes(key: &str) -> Option<KeyBytes> {
    // One table lookup per digit, one check at the end: this runs a
    // million times for `shrink` of every key.
    const NIBBLE: [u8; 256] = {
        let mut t = [0xffu8; 256];
        let mut c = 0;
        while c < 10 {
            t[b'0' as usize + c] = c as u8;
            c += 1;
        }
        let mut c = 0;
        while c < 6 {
            t[b'a' as usize + c] = 10 + c as u8;
            c += 1;
        }
        t
    };
    let b: &[u8; 64] = key.as_bytes().try_into().ok()?;
    let mut out = [0u8; 32];
    let mut bad = 0u8;
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        let (hi, lo) = (NIBBLE[pair[0] as usize], NIBBLE[pair[1] as usize]);
        bad |= hi | lo;
        *o = (hi << 4) | (lo & 0x0f);
    }
    (bad & 0xf0 == 0).then_some(out)
}

/// Common leading hex digits of two keys.
fn common_nibbles(a: &KeyBytes, b: &KeyBytes) -> usize {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        None => 64,
        Some(i) => 2 * i + usize::from(a[i] >> 4 == b[i] >> 4),
    }
}

/// Sort digests: many of them by their first two bytes into 65,536 bins
/// (a counting sort, two passes), then each small bin by comparison. A
/// digest is a hash, so bins hold one or two keys each; a value directory
/// of 100k files sorted so in a fifth of the time of a comparison sort.
fn sort_keys(hex: &mut Vec<KeyBytes>) {
    *hex = sort_chunks(vec![std::mem::take(hex)]);
}

/// [`sort_keys`] of keys gathered in chunks: each chunk is freed once
/// scattered, so a million keys peak at the chunks plus one exact array
/// (one vector grown by doubling would hold twice the keys, then copy).
fn sort_chunks(chunks: Vec<Vec<KeyBytes>>) -> Vec<KeyBytes> {
    const BINS: usize = 1 << 16;
    let total: usize = chunks.iter().map(Vec::len).sum();
    if total < BINS / 4 {
        let mut hex = chunks.concat();
        hex.sort_unstable_by_key(wide);
        return hex;
    }
    // starts[b] is where bin b begins in the sorted order.
    let mut starts = vec![0usize; BINS + 1];
    for k in chunks.iter().flatten() {
        starts[bin(k) + 1] += 1;
    }
    for b in 0..BINS {
        starts[b + 1] += starts[b];
    }
    let mut next = starts.clone();
    let mut out = vec![[0u8; 32]; total];
    for chunk in chunks {
        for k in &chunk {
            let b = bin(k);
            out[next[b]] = *k;
            next[b] += 1;
        }
    }
    for b in 0..BINS {
        out[starts[b]..starts[b + 1]].sort_unstable_by_key(wide);
    }
    out
}

/// A key's bin: its first two bytes.
fn bin(k: &KeyBytes) -> usize {
    (usize::from(k[0]) << 8) | usize::from(k[1])
}

/// Where each bin starts in sorted `hex` (and where the last ends), for
/// sets big enough that it pays; empty otherwise.
fn bin_starts(hex: &[KeyBytes]) -> Vec<u32> {
    const BINS: usize = 1 << 16;
    if hex.len() < BINS / 4 || u32::try_from(hex.len()).is_err() {
        return Vec::new();
    }
    let mut starts = vec![0u32; BINS + 1];
    for k in hex {
        starts[bin(k) + 1] += 1;
    }
    for b in 0..BINS {
        starts[b + 1] += starts[b];
    }
    starts
}

/// Compared as two big-endian u128s: the same order as the bytes, without
/// a memcmp call per comparison.
fn wide(k: &KeyBytes) -> (u128, u128) {
    let (hi, lo) = k.split_at(16);
    (
        u128::from_be_bytes(hi.try_into().unwrap_or_default()),
        u128::from_be_bytes(lo.try_into().unwrap_or_default()),
    )
}

fn hex_of(k: &KeyBytes) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in k.iter().enumerate() {
        out[2 * i] = DIGITS[(b >> 4) as usize];
        out[2 * i + 1] = DIGITS[(b & 0x0f) as usize];
    }
    out
}

pub(crate) fn hex_string(k: &KeyBytes) -> String {
    String::from_utf8_lossy(&hex_of(k)).into_owned()
}

/// A big key listing (a value directory of a million files) held as 32-byte
/// keys in one sorted array, with any name that is not a digest kept aside
/// as text: a tenth of the memory and time of a million strings. Ordered
/// and answered exactly as the sorted list of names would be.
#[derive(Debug, Default, Clone)]
pub struct KeySet {
    hex: Vec<KeyBytes>,
    other: Vec<String>,
    /// For a big set: where each first-two-bytes bin starts in `hex`, so
    /// that a lookup is one small search instead of twenty cache misses
    /// (three million lookups for `verify` of a million calls).
    bins: Vec<u32>,
}

impl KeySet {
    /// From names in any order (duplicates are kept once).
    pub fn new(mut hex: Vec<KeyBytes>, mut other: Vec<String>) -> KeySet {
        sort_keys(&mut hex);
        hex.dedup();
        other.sort_unstable();
        other.dedup();
        let bins = bin_starts(&hex);
        KeySet { hex, other, bins }
    }

    /// From digests gathered in chunks (see [`sort_chunks`]) and other
    /// names, in any order.
    pub fn from_chunks(chunks: Vec<Vec<KeyBytes>>, mut other: Vec<String>) -> KeySet {
        let mut hex = sort_chunks(chunks);
        hex.dedup();
        other.sort_unstable();
        other.dedup();
        let bins = bin_starts(&hex);
        KeySet { hex, other, bins }
    }

    /// From names already sorted and distinct (an index file's): None if
    /// they are not, so a damaged file is never searched.
    pub fn from_sorted(hex: Vec<KeyBytes>, other: Vec<String>) -> Option<KeySet> {
        let ascending = hex.windows(2).all(|w| wide(&w[0]) < wide(&w[1]))
            && other.windows(2).all(|w| w[0] < w[1])
            && other.iter().all(|o| key_bytes(o).is_none());
        ascending.then(|| KeySet {
            bins: bin_starts(&hex),
            hex,
            other,
        })
    }

    /// The digests (sorted) and the other names (sorted), as kept.
    pub fn parts(&self) -> (&[KeyBytes], &[String]) {
        (&self.hex, &self.other)
    }

    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> KeySet {
        let (mut hex, mut other) = (Vec::new(), Vec::new());
        for n in names {
            match key_bytes(n) {
                Some(k) => hex.push(k),
                None => other.push(n.to_string()),
            }
        }
        KeySet::new(hex, other)
    }

    pub fn len(&self) -> usize {
        self.hex.len() + self.other.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, key: &str) -> bool {
        match key_bytes(key) {
            Some(k) => self.slot_of(&k).is_some(),
            None => self.other.binary_search_by(|o| o.as_str().cmp(key)).is_ok(),
        }
    }

    pub const fn empty() -> KeySet {
        KeySet {
            hex: Vec::new(),
            other: Vec::new(),
            bins: Vec::new(),
        }
    }

    /// Every name, sorted.
    pub fn to_strings(&self) -> Vec<String> {
        let mut out: Vec<String> = self.hex.iter().map(hex_string).collect();
        if !self.other.is_empty() {
            out.extend(self.other.iter().cloned());
            out.sort_unstable();
        }
        out
    }

    /// How many stored digests sort before `key` (as text).
    fn hex_before(&self, key: &str) -> usize {
        self.hex
            .partition_point(|k| hex_of(k).as_slice() < key.as_bytes())
    }
}

/// Slots: every name of a [`KeySet`] numbered densely (the digests in
/// order, then the other names), so that a pass over a million values keeps
/// one byte or one `u32` per value instead of one string and a hash entry.
impl KeySet {
    /// The slot of `key`, if the set holds it.
    pub fn slot(&self, key: &str) -> Option<usize> {
        match key_bytes(key) {
            Some(k) => self.slot_of(&k),
            None => self
                .other
                .binary_search_by(|o| o.as_str().cmp(key))
                .ok()
                .map(|i| self.hex.len() + i),
        }
    }

    /// The slot of a digest, if the set holds it.
    pub fn slot_of(&self, key: &KeyBytes) -> Option<usize> {
        let (lo, hi) = match self.bins.is_empty() {
            true => (0, self.hex.len()),
            false => {
                let b = bin(key);
                (self.bins[b] as usize, self.bins[b + 1] as usize)
            }
        };
        self.hex[lo..hi]
            .binary_search_by_key(&wide(key), wide)
            .ok()
            .map(|i| lo + i)
    }

    /// The name in `slot` (a slot below [`KeySet::len`]).
    pub fn name(&self, slot: usize) -> String {
        match self.hex.get(slot) {
            Some(k) => hex_string(k),
            None => self
                .other
                .get(slot - self.hex.len())
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// Whether the name in `slot` is a digest (fleche names values so).
    pub fn is_digest(&self, slot: usize) -> bool {
        slot < self.hex.len()
    }
}

impl SortedKeys for KeySet {
    type Error = std::convert::Infallible;

    fn with_prefix(&self, prefix: &str, limit: usize) -> Result<Vec<String>, Self::Error> {
        let start = self.hex_before(prefix);
        let mut out: Vec<String> = self.hex[start..]
            .iter()
            .map(hex_of)
            .take_while(|h| h.starts_with(prefix.as_bytes()))
            .take(limit)
            .map(|h| String::from_utf8_lossy(&h).into_owned())
            .collect();
        let Ok(other) = self.other[..].with_prefix(prefix, limit);
        if !other.is_empty() {
            out.extend(other);
            out.sort_unstable();
            out.truncate(limit);
        }
        Ok(out)
    }

    fn neighbours(&self, key: &str) -> Result<(Option<String>, Option<String>), Self::Error> {
        let lo = self.hex_before(key);
        let hi = lo
            + self.hex[lo..]
                .iter()
                .take_while(|k| hex_of(k).as_slice() == key.as_bytes())
                .count();
        let before = lo.checked_sub(1).map(|i| hex_string(&self.hex[i]));
        let after = self.hex.get(hi).map(hex_string);
        let Ok((other_before, other_after)) = self.other[..].neighbours(key);
        Ok((before.max(other_before), {
            match (after, other_after) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        }))
    }
}

/// Many keys to [`shrink`] at once, sorted once (a million in ~0.1 s) so
/// that each sorted key list is walked only once for all of them.
pub struct SortedQueries {
    order: Vec<((u128, u128), u32)>,
    len: usize,
}

impl SortedQueries {
    /// None stands for a query that is no key (it is never found).
    pub fn new(queries: &[Option<KeyBytes>]) -> SortedQueries {
        let mut order: Vec<((u128, u128), u32)> = queries
            .iter()
            .enumerate()
            .filter_map(|(i, q)| q.as_ref().map(|q| (wide(q), i as u32)))
            .collect();
        order.sort_unstable();
        SortedQueries {
            order,
            len: queries.len(),
        }
    }

    /// For each query, in the given order, the length of its shortest
    /// unique prefix among `sorted` (sorted, distinct), or None when it is
    /// not one of them.
    pub fn shrink_among(&self, sorted: &[KeyBytes]) -> Vec<Option<usize>> {
        let mut out = vec![None; self.len];
        let mut j = 0;
        for &(qw, i) in &self.order {
            while j < sorted.len() && wide(&sorted[j]) < qw {
                j += 1;
            }
            if j == sorted.len() || wide(&sorted[j]) != qw {
                continue;
            }
            let q = &sorted[j];
            let mut len = MIN_PREFIX;
            if let Some(before) = j.checked_sub(1).map(|k| &sorted[k]) {
                len = len.max(common_nibbles(q, before) + 1);
            }
            if let Some(after) = sorted.get(j + 1) {
                len = len.max(common_nibbles(q, after) + 1);
            }
            out[i as usize] = Some(len.min(64));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        out.sort();
        out
    }

    /// Binned or not, digests come out in byte order: random ones (bins of
    /// one or two), many sharing their first bytes (one big bin), and
    /// duplicates.
    #[test]
    fn many_digests_sort_in_byte_order() {
        let mut rng = fastrand::Rng::with_seed(20);
        let random = |rng: &mut fastrand::Rng| {
            let mut k = [0u8; 32];
            k.iter_mut().for_each(|b| *b = rng.u8(..));
            k
        };
        for (n, shared) in [(100, 0), (40_000, 0), (40_000, 2), (40_000, 1)] {
            let mut hex: Vec<KeyBytes> = (0..n)
                .map(|i| {
                    let mut k = random(&mut rng);
                    k[..shared].fill(7);
                    if i % 10 == 0 {
                        k[31] = 0;
                    }
                    k
                })
                .collect();
            let dup = hex[3];
            hex.push(dup);
            let mut want = hex.clone();
            want.sort_unstable();
            let chunks: Vec<Vec<KeyBytes>> = hex.chunks(n / 3 + 1).map(<[_]>::to_vec).collect();
            assert_eq!(sort_chunks(chunks), want, "{n} keys in chunks");
            sort_keys(&mut hex);
            assert_eq!(hex, want, "{n} keys sharing {shared} bytes");
        }
    }

    /// Slots number every name in sorted order, digests first; binned
    /// lookups (big sets) find exactly what a whole search finds, in bins
    /// of one key, empty bins, and one crowded bin.
    #[test]
    fn slots_find_every_name_and_nothing_else() {
        let mut rng = fastrand::Rng::with_seed(21);
        for (n, shared) in [(50, 0), (40_000, 0), (40_000, 1)] {
            let names: Vec<String> = (0..n)
                .map(|_| {
                    let mut k = [0u8; 32];
                    k.iter_mut().for_each(|b| *b = rng.u8(..));
                    k[..shared].fill(9);
                    hex_string(&k)
                })
                .chain(["foreign".to_string(), "zz.tmp".to_string()])
                .collect();
            let set = KeySet::from_names(names.iter().map(String::as_str));
            assert_eq!(set.bins.is_empty(), n < 16_384, "{n}");
            let mut seen = vec![false; set.len()];
            for name in &names {
                let slot = set.slot(name).expect("a stored name has a slot");
                assert_eq!(set.name(slot), *name);
                assert_eq!(set.is_digest(slot), key_bytes(name).is_some());
                seen[slot] = true;
            }
            assert!(seen.iter().all(|&s| s), "slots are dense");
            for name in names.iter().filter(|n| n.len() == 64).take(200) {
                let mut other = name.clone().into_bytes();
                other[63] = if other[63] == b'0' { b'1' } else { b'0' };
                let other = String::from_utf8(other).expect("hex");
                assert_eq!(set.slot(&other).is_some(), names.contains(&other));
            }
            assert_eq!(set.slot(&"f".repeat(64)), None);
            assert_eq!(set.slot("foreigner"), None);
        }
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
            expand(&p("aaaa"), [(calls.as_slice(), values.as_slice())], 10).expect("x"),
            Expansion::Ambiguous { unique_len: 5, .. }
        ));
        assert_eq!(
            expand(&p("bbbb"), [(calls.as_slice(), values.as_slice())], 10).expect("x"),
            Expansion::Unique {
                key: "bbbb0000".into(),
                kinds: vec![Kind::Call, Kind::Value]
            }
        );
        assert_eq!(
            expand(&p("dddd"), [(calls.as_slice(), values.as_slice())], 10).expect("x"),
            Expansion::NotFound
        );
    }

    #[test]
    fn sorted_queries_agree_with_shrink() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut hex = || {
            (0..64)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // Few distinct digits, so that neighbours share long prefixes.
                    ["0", "1", "a", "f"][(state % 4) as usize]
                })
                .collect::<String>()
        };
        let mut stored: Vec<String> = (0..500).map(|_| hex()).collect();
        stored.sort();
        stored.dedup();
        let mut queries: Vec<String> = stored.iter().rev().step_by(3).cloned().collect();
        queries.push(hex()); // almost surely absent
        queries.push(stored[0].clone());
        let bins: Vec<KeyBytes> = stored.iter().map(|k| key_bytes(k).unwrap()).collect();
        let qbins: Vec<Option<KeyBytes>> = queries.iter().map(|k| key_bytes(k)).collect();
        let got = SortedQueries::new(&qbins).shrink_among(&bins);
        for (q, g) in queries.iter().zip(got) {
            let want = stored
                .binary_search(q)
                .ok()
                .map(|_| shrink(q, &stored[..]).unwrap().len());
            assert_eq!(g, want, "{q}");
        }
        assert_eq!(key_bytes(&"A".repeat(64)), None);
        assert_eq!(key_bytes("abc"), None);
    }

    #[test]
    fn a_key_set_answers_as_the_sorted_names_do() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut names: Vec<String> = (0..400)
            .map(|i| {
                let hex: String = (0..64)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        ["0", "3", "a", "c"][(state % 4) as usize]
                    })
                    .collect();
                // Some names that are not digests, sorting among them.
                match i % 50 {
                    0 => format!("{}x", &hex[..10]),
                    1 => hex[..63].to_string(),
                    2 => hex.to_uppercase(),
                    _ => hex,
                }
            })
            .collect();
        names.push("notes.txt".into());
        let set = KeySet::from_names(names.iter().map(String::as_str));
        names.sort();
        names.dedup();
        assert_eq!(set.to_strings(), names);
        assert_eq!(set.len(), names.len());
        let mut probes: Vec<String> = names.iter().step_by(7).cloned().collect();
        probes.extend(names.iter().map(|n| n[..n.len().min(3)].to_string()));
        probes.extend(["", "0", "zzz", "a0", "ccc"].map(String::from));
        for p in &probes {
            let Ok(want) = names[..].with_prefix(p, 3);
            let Ok(got) = set.with_prefix(p, 3);
            assert_eq!(got, want, "with_prefix {p}");
            let Ok(want) = names[..].neighbours(p);
            let Ok(got) = set.neighbours(p);
            assert_eq!(got, want, "neighbours {p}");
            assert_eq!(set.contains(p), names.binary_search(p).is_ok(), "{p}");
        }
    }

    #[test]
    fn shrink_uses_neighbours() {
        let calls = keys(&["abcd0000", "abcd1000", "ffff0000"]);
        assert_eq!(shrink("abcd0000", calls.as_slice()).expect("x"), "abcd0");
        assert_eq!(shrink("ffff0000", calls.as_slice()).expect("x"), "ffff");
        let values = keys(&["ffff0001"]);
        assert_eq!(
            display_prefix("ffff0000", [(calls.as_slice(), values.as_slice())]).expect("x"),
            "ffff0000"
        );
    }
}
