//! A result row of the record SELECTs as a [`CallRecord`], and column
//! values as SQLite sorts them.

use crate::store::CallRecord;
use rusqlite::Row;
use serde_json::{Map, Value as Json};

pub(super) fn record(row: &Row<'_>) -> rusqlite::Result<CallRecord> {
    let version = version_cell(row.get_ref(3)?);
    let args_json: Option<String> = row.get(6)?;
    let meta_json: Option<String> = row.get(7)?;
    let arguments = args_json
        .and_then(|s| serde_json::from_str::<Vec<(Json, String, String)>>(&s).ok())
        .map(|mut args| {
            // Stable: ties keep the index's order, as SQLite's sort did.
            args.sort_by(|a, b| position_cmp(&a.0, &b.0));
            args.into_iter().map(|(_, n, v)| (n, v)).collect()
        })
        .unwrap_or_default();
    Ok(CallRecord {
        key: row.get(0)?,
        name: row.get(1)?,
        module: row.get(2)?,
        version,
        code_digest: row.get(4)?,
        result: row.get(5)?,
        arguments,
        metadata: metadata_of(meta_json),
        metadata_text: None,
    })
}

/// The `version` column: the JSON fleche stores (an int or a string), or
/// the text itself when it is not JSON.
pub(in crate::store) fn version_of(text: Option<String>) -> Option<Json> {
    text.map(|v| serde_json::from_str(&v).unwrap_or(Json::String(v)))
}

/// The `version` cell as fleche reads it back: JSON text since fleche
/// 0.11; fleche 0.10 declared the column `INTEGER`, so SQLite kept
/// `version=2` as the integer 2, `"1.2"` as the real 1.2 and a non-numeric
/// string as its text, and fleche 0.10 returns them as such.
pub(super) fn version_cell(cell: rusqlite::types::ValueRef<'_>) -> Option<Json> {
    use rusqlite::types::ValueRef;
    match cell {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(Json::from(i)),
        ValueRef::Real(r) => Some(
            serde_json::Number::from_f64(r)
                .map(Json::Number)
                .unwrap_or_else(|| Json::String(r.to_string())),
        ),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            version_of(Some(String::from_utf8_lossy(t).into_owned()))
        }
    }
}

/// The metadata column, a JSON object by kind (empty when there is none
/// or it does not read).
pub(in crate::store) fn metadata_of(text: Option<String>) -> Map<String, Json> {
    text.and_then(|s| serde_json::from_str::<Map<String, Json>>(&s).ok())
        .unwrap_or_default()
}

/// SQLite's order of two `position` values as `record` receives them
/// (an INTEGER column, so numbers; NULL first, then numbers, text, and
/// blobs, which come as `[hex]`, should a row hold one).
fn position_cmp(a: &Json, b: &Json) -> std::cmp::Ordering {
    let value = |v: &Json| match v {
        Json::Number(n) => Some(match n.as_i64() {
            Some(i) => SortValue::Int(i),
            None => SortValue::Real(n.as_f64().unwrap_or(0.0)),
        }),
        Json::String(t) => Some(SortValue::Text(t.as_str().into())),
        // Upper-case hex sorts as the bytes it spells.
        Json::Array(h) => Some(SortValue::Blob(
            h.first()
                .and_then(Json::as_str)
                .unwrap_or("")
                .as_bytes()
                .into(),
        )),
        _ => None,
    };
    match (value(a), value(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (x, y) => x.is_some().cmp(&y.is_some()),
    }
}

/// A sort field as SQLite orders it: numbers (integers and reals compared
/// by value) before text (compared bytewise) before blobs.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum SortValue {
    Int(i64),
    Real(f64),
    Text(Box<str>),
    Blob(Box<[u8]>),
}

impl SortValue {
    pub fn of(v: rusqlite::types::ValueRef<'_>) -> Option<SortValue> {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(SortValue::Int(i)),
            ValueRef::Real(r) => Some(SortValue::Real(r)),
            ValueRef::Text(t) => Some(SortValue::Text(String::from_utf8_lossy(t).into())),
            ValueRef::Blob(b) => Some(SortValue::Blob(b.into())),
        }
    }

    pub fn cmp(&self, other: &SortValue) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        use SortValue::*;
        let class = |v: &SortValue| match v {
            Int(_) | Real(_) => 0,
            Text(_) => 1,
            Blob(_) => 2,
        };
        match (self, other) {
            (Int(a), Int(b)) => a.cmp(b),
            (Int(a), Real(b)) => int_real_cmp(*a, *b),
            (Real(a), Int(b)) => int_real_cmp(*b, *a).reverse(),
            (Real(a), Real(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Text(a), Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Blob(a), Blob(b)) => a.cmp(b),
            (a, b) => class(a).cmp(&class(b)),
        }
    }
}

/// An integer against a real exactly, as SQLite compares them
/// (`sqlite3IntFloatCompare`): `i as f64` rounds above 2^53.
fn int_real_cmp(i: i64, r: f64) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    if r.is_nan() || r < -9_223_372_036_854_775_808.0 {
        return Ordering::Greater;
    }
    if r >= 9_223_372_036_854_775_808.0 {
        return Ordering::Less;
    }
    i.cmp(&(r as i64))
        .then_with(|| (i as f64).partial_cmp(&r).unwrap_or(Ordering::Equal))
}

/// Append to `out` the text `serde_json` writes for the JSON value `text`
/// holds, as parsing it into a [`Json`] and serializing that would
/// (compact; strings unescaped but for what serde escapes; numbers as
/// serde's arbitrary precision keeps them), without building the tree: a
/// listing's metadata is mostly printed, not read. False, with `out` as it
/// was, for anything it does not copy exactly (a duplicate key, a lone
/// surrogate, deep nesting, text that is not JSON): parse that.
pub(crate) fn compact_json(text: &str, out: &mut Vec<u8>) -> bool {
    compact_json_members(text, out, None)
}

/// [`compact_json`], noting in `members` where each member of a top-level
/// object lies in `out` (its key's quotes, and the end of its value after
/// the colon): reading a member then needs no second pass.
pub(crate) fn compact_json_members(
    text: &str,
    out: &mut Vec<u8>,
    mut members: Option<&mut Vec<Member>>,
) -> bool {
    if let Some(m) = members.as_deref_mut() {
        m.clear();
    }
    let start = out.len();
    let mut c = Compact {
        s: text.as_bytes(),
        i: 0,
        out,
        members,
    };
    let ok = c.value(0).is_some() && {
        c.ws();
        c.i == c.s.len()
    };
    if !ok {
        c.out.truncate(start);
    }
    ok
}

/// What `json_extract(text, '$.<field>')` gives on a runtime row, as the
/// check before a merged listing reads it without SQLite's JSON parser:
/// `Some(None)` when the row is a JSON object without the field (or with
/// it null), `Some(Some((value, its text)))` for a number, and None for
/// anything it does not read exactly as SQLite does (not an object, not
/// JSON, a repeated or escaped key, a field that is not a number or an
/// integer beyond 64 bits): the caller asks SQLite then. `scratch` is
/// working space.
pub(super) fn runtime_field<'t>(
    text: &'t str,
    field: &str,
    scratch: &mut Vec<u8>,
) -> Option<Option<(SortValue, &'t str)>> {
    if let Some(found) = plain_runtime_field(text, field) {
        return Some(found);
    }
    scratch.clear();
    let s = text.as_bytes();
    let mut c = Compact {
        s,
        i: 0,
        out: scratch,
        members: None,
    };
    if c.peek()? != b'{' {
        return None;
    }
    c.i += 1;
    let mut found = None;
    // The keys' places in `text` (unescaped, so their text is their
    // name), for repeats: fleche's rows have five; a row with more than
    // this is left to SQLite. No allocation per row.
    let mut keys = [(0usize, 0usize); RUNTIME_KEYS];
    let mut nkeys = 0;
    if c.peek()? == b'}' {
        c.i += 1;
    } else {
        loop {
            if c.peek()? != b'"' {
                return None;
            }
            let raw = c.i;
            c.string()?;
            if s[raw..c.i].contains(&b'\\') || nkeys == RUNTIME_KEYS {
                return None;
            }
            let name = &s[raw..c.i];
            if keys[..nkeys].iter().any(|&(a, b)| &s[a..b] == name) {
                return None;
            }
            keys[nkeys] = (raw, c.i);
            nkeys += 1;
            let is_field = &s[raw + 1..c.i - 1] == field.as_bytes();
            if c.peek()? != b':' {
                return None;
            }
            c.i += 1;
            let start = {
                c.peek()?;
                c.i
            };
            c.value(1)?;
            if is_field {
                let v = &text[start..c.i];
                found = match v.as_bytes()[0] {
                    b'n' => None,
                    b'-' | b'0'..=b'9' if v.contains(['.', 'e', 'E']) => {
                        let f = v.parse::<f64>().ok().filter(|f| f.is_finite())?;
                        Some((SortValue::Real(f), v))
                    }
                    b'-' | b'0'..=b'9' => Some((SortValue::Int(v.parse::<i64>().ok()?), v)),
                    _ => return None,
                };
            }
            match c.peek()? {
                b',' => c.i += 1,
                b'}' => {
                    c.i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    c.ws();
    (c.i == s.len()).then_some(found)
}

/// [`runtime_field`] of a row as `json.dumps` writes fleche's runtime: an
/// object of numbers under keys without escapes, `": "` and `", "` between
/// (a third of the general reading's work: the walk before a listing
/// reads every runtime row). None for any other row, which the general
/// reading then reads (or leaves to SQLite).
fn plain_runtime_field<'t>(text: &'t str, field: &str) -> Option<Option<(SortValue, &'t str)>> {
    let s = text.as_bytes();
    if s.first() != Some(&b'{') {
        return None;
    }
    let mut i = 1;
    let mut keys = [(0usize, 0usize); RUNTIME_KEYS];
    let mut nkeys = 0;
    let mut found = None;
    loop {
        if s.get(i) != Some(&b'"') || nkeys == RUNTIME_KEYS {
            return None;
        }
        let raw = i;
        i += 1;
        loop {
            match *s.get(i)? {
                b'"' => break,
                b'\\' => return None,
                b if b < 0x20 => return None,
                _ => i += 1,
            }
        }
        i += 1;
        let name = &s[raw..i];
        if keys[..nkeys].iter().any(|&(a, b)| &s[a..b] == name) {
            return None;
        }
        keys[nkeys] = (raw, i);
        nkeys += 1;
        if s.get(i..i + 2) != Some(b": ") {
            return None;
        }
        i += 2;
        let start = i;
        let number = json_number(s, i)?;
        i = number.end;
        if &name[1..name.len() - 1] == field.as_bytes() {
            let v = &text[start..i];
            found = Some(if number.fraction.is_some() || number.exponent.is_some() {
                (
                    SortValue::Real(v.parse::<f64>().ok().filter(|f| f.is_finite())?),
                    v,
                )
            } else {
                (SortValue::Int(v.parse::<i64>().ok()?), v)
            });
        }
        match s.get(i..i + 2) {
            Some(b", ") => i += 2,
            _ if s.get(i) == Some(&b'}') && i + 1 == s.len() => return Some(found),
            _ => return None,
        }
    }
}

/// Where a JSON number ends, and where its fraction's point and its
/// exponent's `e` are, if it has them.
struct Number {
    end: usize,
    fraction: Option<usize>,
    exponent: Option<usize>,
}

/// The JSON number at `s[i..]`: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn json_number(s: &[u8], mut i: usize) -> Option<Number> {
    let digits = |i: &mut usize| {
        let from = *i;
        while s.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > from
    };
    if s.get(i) == Some(&b'-') {
        i += 1;
    }
    let int_start = i;
    if !digits(&mut i) || (s[int_start] == b'0' && i - int_start > 1) {
        return None;
    }
    let mut number = Number {
        end: i,
        fraction: None,
        exponent: None,
    };
    if s.get(i) == Some(&b'.') {
        number.fraction = Some(i);
        i += 1;
        if !digits(&mut i) {
            return None;
        }
    }
    if let Some(b'e' | b'E') = s.get(i) {
        number.exponent = Some(i);
        i += 1;
        if let Some(b'+' | b'-') = s.get(i) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    number.end = i;
    Some(number)
}

/// Keys of a runtime row [`runtime_field`] reads at most.
const RUNTIME_KEYS: usize = 16;

/// Whether two runtime numbers read by [`runtime_field`] might compare
/// otherwise in SQLite, whose text-to-double conversion may round a last
/// bit differently: different texts within a few units of the last place.
pub(super) fn near_tie(a: &SortValue, a_text: &str, b: &SortValue, b_text: &str) -> bool {
    let as_f64 = |v: &SortValue| match v {
        SortValue::Int(i) => Some(*i as f64),
        SortValue::Real(r) => Some(*r),
        _ => None,
    };
    if a_text == b_text || matches!((a, b), (SortValue::Int(_), SortValue::Int(_))) {
        return false;
    }
    match (as_f64(a), as_f64(b)) {
        (Some(x), Some(y)) => (x - y).abs() <= x.abs().max(y.abs()) * 1e-13,
        _ => false,
    }
}

/// The text of `key`'s value in `text`, an object as [`compact_json`]
/// writes it (no space, no repeated key); None when it has no such key or
/// is not an object. `key` needs no escaping.
pub(crate) fn compact_member<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let from = text.len() - compact_member_on(text, key)?.len();
    let end = skip_compact_value(text.as_bytes(), from)?;
    text.get(from..end)
}

/// [`compact_member`]'s value and all the text after it (a member read
/// from it needs no end).
pub(crate) fn compact_member_on<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let s = text.as_bytes();
    if s.first() != Some(&b'{') {
        return None;
    }
    let mut i = 1;
    while s.get(i) == Some(&b'"') {
        let key_end = skip_compact_string(s, i)?;
        let value = key_end + 1;
        if s.get(key_end) != Some(&b':') {
            return None;
        }
        if &s[i + 1..key_end - 1] == key.as_bytes() {
            return text.get(value..);
        }
        let end = skip_compact_value(s, value)?;
        match s.get(end) {
            Some(b',') => i = end + 1,
            _ => return None,
        }
    }
    None
}

/// Past the string starting at `s[i]` (a quote).
fn skip_compact_string(s: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        i += s.get(i..)?.iter().position(|&b| b == b'"' || b == b'\\')?;
        if s[i] == b'"' {
            return Some(i + 1);
        }
        i += 2;
    }
}

/// Past the value starting at `s[i]` in compact JSON.
fn skip_compact_value(s: &[u8], mut i: usize) -> Option<usize> {
    match *s.get(i)? {
        b'"' => skip_compact_string(s, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            loop {
                match *s.get(i)? {
                    b'"' => i = skip_compact_string(s, i)?,
                    b'{' | b'[' => {
                        depth += 1;
                        i += 1;
                    }
                    b'}' | b']' => {
                        depth -= 1;
                        i += 1;
                        if depth == 0 {
                            return Some(i);
                        }
                    }
                    _ => {
                        i += s[i..]
                            .iter()
                            .position(|&b| matches!(b, b'"' | b'{' | b'}' | b'[' | b']'))?
                    }
                }
            }
        }
        _ => Some(
            i + s[i..]
                .iter()
                .position(|&b| matches!(b, b',' | b'}' | b']'))?,
        ),
    }
}

/// Deeper than this, [`compact_json`] leaves the text to serde (whose
/// limit is 128).
const COMPACT_DEPTH: usize = 64;

/// A member of a compacted object: its key from `key.0` to `key.1` in the
/// output (with the quotes), its value from `key.1 + 1` to `end`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member {
    pub key: (usize, usize),
    pub end: usize,
}

struct Compact<'a> {
    s: &'a [u8],
    i: usize,
    out: &'a mut Vec<u8>,
    /// Where the members of a top-level object go, if noted.
    members: Option<&'a mut Vec<Member>>,
}

impl Compact<'_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > COMPACT_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => {
                self.i += 1;
                self.out.push(b'[');
                if self.peek()? == b']' {
                    self.i += 1;
                    self.out.push(b']');
                    return Some(());
                }
                loop {
                    self.value(depth + 1)?;
                    match self.peek()? {
                        b',' => self.out.push(b','),
                        b']' => {
                            self.i += 1;
                            self.out.push(b']');
                            return Some(());
                        }
                        _ => return None,
                    }
                    self.i += 1;
                }
            }
            b'"' => self.string(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        self.i += 1;
        self.out.push(b'{');
        if self.peek()? == b'}' {
            self.i += 1;
            self.out.push(b'}');
            return Some(());
        }
        // Where each key's text starts and ends in `out`: a repeated key
        // (serde keeps its first place and last value) is left to serde.
        // The top level's are the members noted, if they are.
        let noted = if depth == 0 {
            self.members.take()
        } else {
            None
        };
        let mut own: Vec<Member> = Vec::new();
        let keys = noted.unwrap_or(&mut own);
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let from = self.out.len();
            self.string()?;
            let to = self.out.len();
            let key = &self.out[from..to];
            if keys.iter().any(|m| &self.out[m.key.0..m.key.1] == key) {
                return None;
            }
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            self.out.push(b':');
            self.value(depth + 1)?;
            keys.push(Member {
                key: (from, to),
                end: self.out.len(),
            });
            match self.peek()? {
                b',' => self.out.push(b','),
                b'}' => {
                    self.i += 1;
                    self.out.push(b'}');
                    return Some(());
                }
                _ => return None,
            }
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if !self.s[self.i..].starts_with(word) {
            return None;
        }
        self.i += word.len();
        self.out.extend_from_slice(word);
        Some(())
    }

    /// A number as serde's arbitrary precision keeps it: as written, but
    /// the exponent as `e` with its sign (`1E5` is `1e+5`).
    fn number(&mut self) -> Option<()> {
        let s = self.s;
        let number = json_number(s, self.i)?;
        match number.exponent {
            None => self.out.extend_from_slice(&s[self.i..number.end]),
            Some(e) => {
                self.out.extend_from_slice(&s[self.i..e]);
                self.out.push(b'e');
                if !matches!(s[e + 1], b'+' | b'-') {
                    self.out.push(b'+');
                }
                self.out.extend_from_slice(&s[e + 1..number.end]);
            }
        }
        self.i = number.end;
        Some(())
    }

    /// A string, its escapes decoded and written again as serde writes
    /// them: `"` and `\\` escaped, control characters as `\n` and the like or
    /// `\u00xx`, everything else as itself.
    fn string(&mut self) -> Option<()> {
        self.i += 1;
        self.out.push(b'"');
        loop {
            let from = self.i;
            while let Some(&b) = self.s.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            self.out.extend_from_slice(&self.s[from..self.i]);
            match *self.s.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    self.out.push(b'"');
                    return Some(());
                }
                b'\\' => {
                    let c = self.escape()?;
                    self.push_char(c);
                }
                // A raw control character: serde refuses it.
                _ => return None,
            }
        }
    }

    /// The character of the escape at `self.i` (a backslash).
    fn escape(&mut self) -> Option<char> {
        let c = *self.s.get(self.i + 1)?;
        self.i += 2;
        Some(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                match hi {
                    0xD800..=0xDBFF => {
                        // A pair, or left to serde.
                        if self.s.get(self.i..self.i + 2)? != b"\\u" {
                            return None;
                        }
                        self.i += 2;
                        let lo = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return None;
                        }
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?
                    }
                    _ => char::from_u32(hi)?,
                }
            }
            _ => return None,
        })
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.i..self.i + 4)?;
        let mut v = 0;
        for &b in h {
            v = v * 16 + (b as char).to_digit(16)?;
        }
        self.i += 4;
        Some(v)
    }

    /// A decoded character of a string as serde writes it.
    fn push_char(&mut self, c: char) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        match c {
            '"' => self.out.extend_from_slice(b"\\\""),
            '\\' => self.out.extend_from_slice(b"\\\\"),
            '\u{8}' => self.out.extend_from_slice(b"\\b"),
            '\u{c}' => self.out.extend_from_slice(b"\\f"),
            '\n' => self.out.extend_from_slice(b"\\n"),
            '\r' => self.out.extend_from_slice(b"\\r"),
            '\t' => self.out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                let b = c as usize;
                self.out
                    .extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[b >> 4], HEX[b & 15]]);
            }
            c => {
                let mut buf = [0; 4];
                self.out
                    .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::query::RECORD_COLUMNS;
    use rusqlite::Connection;

    #[test]
    fn arguments_come_in_the_order_sqlite_sorts_positions() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE calls (key TEXT PRIMARY KEY, name TEXT, module TEXT, version TEXT, \
                 code_digest TEXT, result TEXT);
             CREATE TABLE arguments (id INTEGER PRIMARY KEY, call_key TEXT, position INTEGER, \
                 name TEXT, value TEXT, UNIQUE (call_key, name));
             CREATE TABLE metadata (id INTEGER PRIMARY KEY, call_key TEXT, name TEXT, data JSON, \
                 UNIQUE (call_key, name));
             INSERT INTO calls VALUES ('k', 'f', 'm', NULL, NULL, NULL);
             INSERT INTO arguments (call_key, position, name, value) VALUES
                 ('k', 2, 'a', 'v2'), ('k', 0, 'z', 'v0'), ('k', 10, 'b', 'v10'),
                 ('k', 1, 'y', 'v1'), ('k', 3, 'd', 'v3'), ('k', 3, 'c', 'v3b'),
                 ('k', 9007199254740993, 'e', 'big+1'), ('k', 9007199254740992, 'f', 'big'),
                 ('k', 9007199254740992.0, 'g', 'real'), ('k', 2.5, 'h', 'half'),
                 ('k', 'text', 'i', 't'), ('k', x'00ff', 'j', 'b1'), ('k', x'0001', 'l', 'b0');",
        )
        .unwrap();
        let rec = conn
            .query_row(&format!("SELECT {RECORD_COLUMNS} FROM calls c"), [], record)
            .unwrap();
        let mut stmt = conn
            .prepare("SELECT name, value FROM arguments WHERE call_key = 'k' ORDER BY position")
            .unwrap();
        let sqlite: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rec.arguments, sqlite);
        assert_eq!(rec.arguments[0].0, "z");
    }

    /// Texts that parse as JSON (and some that do not), as fleche and
    /// people write them.
    const JSON_TEXTS: &[&str] = &[
        r#"{"timestart": 1756224078.6042824, "cputime": 0.07640168284447416, "timestop": 1756224078.6891599, "walltime": 0.08487742731067444}"#,
        r#"{"p": "\u00e9\ud83d\ude00", "n": 1.0, "q": [1, 2, {"r": null}], "t": true, "f": false}"#,
        r#" { "a" : -0 , "b" : 1E5, "c": 1e-7, "d": 2.5E+3, "e": 123456789012345678901234567890, "g": -12 } "#,
        r#"{"esc": "\" \\ \/ \b \f \n \r \t \u0001 \u001f \u007f \u0041", "": {}}"#,
        r#"[]"#,
        r#"7"#,
        r#""text""#,
        r#"{"dup": 1, "dup": 2}"#,
        r#"{"nested": {"dup": 1, "x": {"dup": 3}, "dup": 2}}"#,
        r#"{"lone": "\ud800"}"#,
        r#"{"low": "\udc00x"}"#,
        r#"{"raw": "tab	in"}"#,
        r#"{"a": 01}"#,
        r#"{"a": 1.}"#,
        r#"{"a": .5}"#,
        r#"{"a": 1e}"#,
        r#"{"a": +1}"#,
        r#"{"a": NaN}"#,
        r#"{"a": 1,}"#,
        r#"{"a" 1}"#,
        r#"{"a": 1} x"#,
        r#"{"a": "\x"}"#,
        r#"{"a": [1 2]}"#,
        r#"{"a": tru}"#,
        r#""#,
        r#"{"non-ascii": "ünï", "ключ": "значение"}"#,
    ];

    #[test]
    fn compact_json_writes_what_serde_writes_or_declines() {
        let mut deep = String::new();
        for _ in 0..100 {
            deep.push('[');
        }
        for _ in 0..100 {
            deep.push(']');
        }
        let mut texts: Vec<String> = JSON_TEXTS.iter().map(|t| t.to_string()).collect();
        texts.push(deep);
        let mut copied = 0;
        for text in &texts {
            let serde = serde_json::from_str::<Json>(text)
                .ok()
                .map(|v| serde_json::to_string(&v).unwrap());
            let mut out = b"prefix".to_vec();
            if compact_json(text, &mut out) {
                copied += 1;
                let ours = String::from_utf8(out[6..].to_vec()).unwrap();
                assert_eq!(Some(ours), serde, "{text}");
                // The members noted are the object's, in its order.
                let mut again = b"prefix".to_vec();
                let mut members = vec![Member {
                    key: (9, 9),
                    end: 9,
                }];
                assert!(compact_json_members(text, &mut again, Some(&mut members)));
                assert_eq!(again, out);
                let parsed: Json = serde_json::from_str(text).unwrap();
                let noted: Vec<(Json, Json)> = members
                    .iter()
                    .map(|m| {
                        let key = serde_json::from_slice(&out[m.key.0..m.key.1]).unwrap();
                        let value = serde_json::from_slice(&out[m.key.1 + 1..m.end]).unwrap();
                        (key, value)
                    })
                    .collect();
                let expected: Vec<(Json, Json)> = match parsed {
                    Json::Object(map) => {
                        map.into_iter().map(|(k, v)| (Json::String(k), v)).collect()
                    }
                    _ => Vec::new(),
                };
                assert_eq!(noted, expected, "{text}");
            } else {
                assert_eq!(out, b"prefix", "{text}");
                // Declined: valid JSON it leaves to serde is only a
                // repeated key, a lone surrogate or deep nesting.
                if serde.is_some() {
                    assert!(
                        text.contains("dup") || text.contains("\\ud") || text.starts_with("[["),
                        "{text}"
                    );
                }
            }
        }
        assert_eq!(copied, 8);
    }

    #[test]
    fn runtime_fields_read_here_are_what_sqlite_extracts() {
        let conn = Connection::open_in_memory().unwrap();
        let mut texts: Vec<&str> = JSON_TEXTS.to_vec();
        texts.extend([
            r#"{"timestart": 12, "x": [1, {"timestart": 3}]}"#,
            r#"{"timestart": -0.5e3}"#,
            r#"{"timestart": null}"#,
            r#"{"timestart": "12"}"#,
            r#"{"timestart": true}"#,
            r#"{"timestart": 99999999999999999999}"#,
            r#"{"time\u0073tart": 1}"#,
            r#"{"timestart": 1, "timestart": 2}"#,
            r#"{"other": 1}"#,
        ]);
        let mut scratch = Vec::new();
        let mut read = 0;
        for text in texts {
            let Some(here) = runtime_field(text, "timestart", &mut scratch) else {
                continue;
            };
            read += 1;
            let sqlite: Option<SortValue> = conn
                .query_row(
                    "SELECT CASE WHEN json_valid(?1) THEN json_extract(?1, '$.timestart') END, \
                     json_valid(?1)",
                    [text],
                    |r| {
                        assert!(r.get::<_, bool>(1)?, "{text}");
                        Ok(SortValue::of(r.get_ref(0)?))
                    },
                )
                .unwrap();
            assert_eq!(here.map(|(v, _)| v), sqlite, "{text}");
        }
        assert_eq!(read, 9);
    }

    /// The general reading of [`runtime_field`], without the fast way.
    fn runtime_field_general<'t>(
        text: &'t str,
        field: &str,
    ) -> Option<Option<(SortValue, &'t str)>> {
        // A leading space is no plain row, and changes nothing else.
        let spaced = format!(" {text}");
        let mut scratch = Vec::new();
        let found = runtime_field(&spaced, field, &mut scratch)?;
        Some(found.map(|(v, t)| {
            let at = t.as_ptr() as usize - spaced.as_ptr() as usize - 1;
            (v, &text[at..at + t.len()])
        }))
    }

    #[test]
    fn plain_runtime_rows_read_as_the_general_reading_reads_them() {
        let rows = [
            r#"{"timestart": 1756224008.111582, "cputime": 0.30427360862318165, "systime": 0.015213680431159083, "timestop": 1756224008.6679525, "walltime": 0.556370576399964}"#,
            r#"{"timestart": 12, "timestop": -0, "walltime": 1e-3, "x": 2E+5, "y": 0.5e7}"#,
            r#"{"timestop": 99999999999999999999, "timestart": 1.5}"#,
            r#"{"timestart": 1e999, "timestop": 2}"#,
            r#"{"timestart": 1, "timestart": 2}"#,
            r#"{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "j": 10, "k": 11, "l": 12, "m": 13, "n": 14, "o": 15, "p": 16, "timestart": 17}"#,
            r#"{"café": 1, "timestart": 3}"#,
            r#"{"café": 1, "timestart": 3}"#,
            r#"{"timestart": null, "timestop": 4}"#,
            r#"{"x": [1, 2], "timestart": 5}"#,
            r#"{}"#,
            r#"{"timestart":1,"timestop":2}"#,
        ];
        let mut rng = fastrand::Rng::with_seed(12);
        let alphabet = b"{}[]\":, .-+eE0123456789abcnul\t\\";
        let (mut plain, mut total) = (0, 0);
        for row in rows {
            for round in 0..3000 {
                let mut bytes = row.as_bytes().to_vec();
                // Each row as written, then with a few bytes changed.
                for _ in 0..(round % 4) {
                    let at = rng.usize(..=bytes.len());
                    let b = alphabet[rng.usize(..alphabet.len())];
                    match rng.u8(..3) {
                        0 if at < bytes.len() => bytes[at] = b,
                        1 if at < bytes.len() => {
                            bytes.remove(at);
                        }
                        _ => bytes.insert(at, b),
                    }
                }
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    continue;
                };
                for field in ["timestart", "timestop"] {
                    total += 1;
                    let Some(fast) = plain_runtime_field(text, field) else {
                        continue;
                    };
                    plain += 1;
                    assert_eq!(Some(fast), runtime_field_general(text, field), "{text}");
                }
            }
        }
        assert!(plain > total / 8, "{plain} of {total}");
        // fleche's rows take the fast way.
        assert!(plain_runtime_field(rows[0], "timestart").is_some());
        assert!(plain_runtime_field(rows[1], "timestop").is_some());
    }

    #[test]
    fn members_of_compact_text_are_found() {
        let text = r#"{"tags":{"a":"}\"{","b":[1,{"c":2}]},"runtime":{"timestart":1.5,"walltime":2},"x":"y"}"#;
        assert_eq!(
            compact_member(text, "tags"),
            Some(r#"{"a":"}\"{","b":[1,{"c":2}]}"#)
        );
        let runtime = compact_member_on(text, "runtime").unwrap();
        assert_eq!(compact_member(runtime, "walltime"), Some("2"));
        assert_eq!(compact_member(runtime, "timestart"), Some("1.5"));
        assert_eq!(compact_member(runtime, "x"), None);
        assert_eq!(compact_member(text, "x"), Some(r#""y""#));
        assert_eq!(compact_member(text, "a"), None);
        assert_eq!(compact_member("[1]", "a"), None);
        assert_eq!(compact_member("{}", "a"), None);
        // The key's text elsewhere than as a member of this object.
        let text = r#"{"runtime":{"tags":1},"x":"tags","y":"\"tags\":","tagsx":2,"xtags":3}"#;
        assert_eq!(compact_member(text, "tags"), None);
        assert_eq!(compact_member(text, "tagsx"), Some("2"));
        assert_eq!(compact_member(text, "xtags"), Some("3"));
        let text = r#"{"runtime":{"tags":1},"tags":[1,"tags"]}"#;
        assert_eq!(compact_member(text, "tags"), Some(r#"[1,"tags"]"#));
    }
}
