//! Conformance with real fleche 0.22.2 (and CPython 3.11's `repr`).
//!
//! `vectors` asserts the committed `tests/conformance/vectors.json`, written by
//! `tests/conformance/gen_vectors.py` from real fleche, so it runs offline.
//! `random_values_agree_with_real_fleche` builds random values here, renders
//! them as CLI literals, checks they parse back, and — when
//! `FLECHE_ORACLE_PYTHON` names a Python with `fleche==0.22.2` — sends them all
//! through one `tests/conformance/oracle.py` process and compares digest,
//! repr and type with what fleche says.

use fleche_core::literal::parse;
use fleche_core::repr::repr;
use fleche_core::value::Record;
use fleche_core::{call_key, digest, CallKeyInput, DigestError, Value};
use num_bigint::BigInt;
use serde_json::Value as Json;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance")
}

fn load_vectors() -> Json {
    let path = conformance_dir().join("vectors.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("vectors.json is valid JSON")
}

fn str_field<'a>(entry: &'a Json, key: &str) -> &'a str {
    entry[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector field `{key}` is not a string: {entry}"))
}

/// Fails with every disagreement listed, not just the first.
fn report(what: &str, checked: usize, failures: &[String]) {
    if failures.is_empty() {
        return;
    }
    for f in failures {
        eprintln!("{f}");
    }
    let shown: Vec<&str> = failures.iter().take(200).map(String::as_str).collect();
    let more = failures.len().saturating_sub(shown.len());
    panic!(
        "{} disagreements with fleche 0.22.2 in {checked} {what} (all listed on stderr):\n{}{}",
        failures.len(),
        shown.join("\n"),
        if more > 0 {
            format!("\n... and {more} more")
        } else {
            String::new()
        }
    );
}

/// Digest, repr and type of `v` against fleche's answer; one line per
/// difference.
fn compare(
    literal: &str,
    v: &Value,
    want_digest: &str,
    want_repr: &str,
    want_type: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    if v.type_name() != want_type {
        out.push(format!(
            "{literal:?}: type {:?}, fleche says {want_type:?}",
            v.type_name()
        ));
    }
    let got_repr = repr(v);
    if got_repr != want_repr {
        out.push(format!(
            "{literal:?}: repr {got_repr:?}, Python says {want_repr:?}"
        ));
    }
    match digest(v) {
        Ok(d) if d == want_digest => {}
        Ok(d) => out.push(format!(
            "{literal:?}: digest {d}, fleche says {want_digest}"
        )),
        Err(e) => out.push(format!(
            "{literal:?}: digest refused ({e}), fleche says {want_digest}"
        )),
    }
    out
}

fn json_version(v: &Json) -> Option<Value> {
    match v {
        Json::Null => None,
        Json::String(s) => Some(Value::Str(s.clone())),
        Json::Number(n) => {
            let n: BigInt = n.to_string().parse().expect("integer version");
            Some(Value::Int(n))
        }
        other => panic!("unexpected version {other}"),
    }
}

#[test]
fn vectors() {
    let doc = load_vectors();
    let values = doc["values"].as_array().expect("values");
    let calls = doc["call_keys"].as_array().expect("call_keys");
    let unstable = doc["unstable"].as_array().expect("unstable");
    assert!(values.len() >= 600, "only {} value vectors", values.len());
    assert!(calls.len() >= 100, "only {} call-key vectors", calls.len());
    assert!(!unstable.is_empty(), "no unstable-set vectors");

    let mut failures = Vec::new();
    for entry in values {
        let literal = str_field(entry, "literal");
        match parse(literal) {
            Ok(v) => failures.extend(compare(
                literal,
                &v,
                str_field(entry, "digest"),
                str_field(entry, "repr"),
                str_field(entry, "type"),
            )),
            Err(e) => failures.push(format!("{literal:?}: does not parse: {e}")),
        }
    }

    for entry in calls {
        let name = str_field(entry, "name");
        let mut arguments = Vec::new();
        let mut ok = true;
        for pair in entry["arguments"].as_array().expect("arguments") {
            let (arg, literal) = (
                pair[0].as_str().expect("arg name"),
                pair[1].as_str().expect("literal"),
            );
            match parse(literal)
                .map_err(|e| e.to_string())
                .and_then(|v| digest(&v).map_err(|e| e.to_string()))
            {
                Ok(d) => arguments.push((arg.to_string(), d)),
                Err(e) => {
                    failures.push(format!("call {name:?}: argument {arg}={literal:?}: {e}"));
                    ok = false;
                }
            }
        }
        if !ok {
            continue;
        }
        let input = CallKeyInput {
            name: name.to_string(),
            module: entry["module"].as_str().map(String::from),
            version: json_version(&entry["version"]),
            code_digest: entry["code_digest"].as_str().map(String::from),
            arguments,
        };
        let want = str_field(entry, "key");
        match call_key(&input) {
            Ok(key) if key == want => {}
            Ok(key) => failures.push(format!("call {entry}: key {key}, fleche says {want}")),
            Err(e) => failures.push(format!("call {entry}: refused ({e}), fleche says {want}")),
        }
    }

    for entry in unstable {
        let literal = entry.as_str().expect("unstable literal");
        match parse(literal).map(|v| digest(&v)) {
            Ok(Err(DigestError::UnstableSetOrder(_))) => {}
            Ok(other) => failures.push(format!(
                "{literal:?}: a set whose order Python randomises must be refused, got {other:?}"
            )),
            Err(e) => failures.push(format!("{literal:?}: does not parse: {e}")),
        }
    }

    report(
        "vectors",
        values.len() + calls.len() + unstable.len(),
        &failures,
    );
}

// ---------------------------------------------------------------------------
// Random values

const RANDOM_VALUES: usize = 10_000;

/// A seeded generator with the few draws the value generator needs.
struct Rng(fastrand::Rng);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(fastrand::Rng::with_seed(seed))
    }

    fn next(&mut self) -> u64 {
        self.0.u64(..)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0.usize(..n)
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.0.i64(lo..=hi)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.0.f64() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What a position in a value allows: anything, a dict key, or a set element
/// whose hash every Python process agrees on (format: see pyhash.rs).
#[derive(Clone, Copy, PartialEq)]
enum Need {
    Any,
    Hashable,
    Stable,
}

fn gen_int(rng: &mut Rng) -> BigInt {
    let n = match rng.below(10) {
        0..=3 => BigInt::from(rng.range(-20, 20)),
        4..=6 => {
            let bits = *rng.pick(&[1u32, 7, 8, 9, 15, 16, 31, 32, 61, 62, 63, 64, 65, 100, 300]);
            (BigInt::from(1) << bits) + rng.range(-2, 2)
        }
        _ => {
            let words = 1 + rng.below(8);
            let mut n = BigInt::from(0);
            for _ in 0..words {
                n = (n << 64) + rng.next();
            }
            n >> rng.below(64)
        }
    };
    if rng.chance(0.35) {
        -n
    } else {
        n
    }
}

const SPECIAL_FLOATS: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.0,
    -2.0,
    0.5,
    1.5,
    0.1,
    1e300,
    1e-300,
    5e-324,
    -5e-324,
    1e22,
    9007199254740992.0,
    2305843009213693952.0,
    -2305843009213693952.0,
    18446744073709551616.0,
    f64::MAX,
    f64::MIN_POSITIVE,
    f64::INFINITY,
    f64::NEG_INFINITY,
];

fn gen_float(rng: &mut Rng, stable: bool) -> f64 {
    loop {
        let f = match rng.below(10) {
            0..=2 => *rng.pick(SPECIAL_FLOATS),
            3 => {
                if rng.chance(0.5) {
                    f64::NAN
                } else {
                    -f64::NAN
                }
            }
            4..=5 => rng.range(-1000, 1000) as f64 / *rng.pick(&[1.0, 2.0, 4.0, 8.0, 10.0, 3.0]),
            6 => rng.range(-(1 << 62), 1 << 62) as f64,
            _ => {
                let f = f64::from_bits(rng.next());
                // A literal can only spell the canonical NaN (with a sign).
                if f.is_nan() {
                    f64::NAN.copysign(f)
                } else {
                    f
                }
            }
        };
        if !(stable && f.is_nan()) {
            return f;
        }
    }
}

/// A complex number that `REAL ± IMAGj`, `IMAGj` or `-IMAGj` can spell:
/// Python computes `a + bj` as `(a + 0.0, b)` and `a - bj` as
/// `(a - 0.0, 0.0 - b)`, so some signed-zero combinations do not exist.
fn gen_complex(rng: &mut Rng, stable: bool) -> (f64, f64) {
    let mut re = gen_float(rng, stable);
    if re.is_nan() {
        re = f64::NAN; // `-nan ± x` leans on the C compiler's NaN sign rules
    }
    let im = match rng.below(4) {
        0 => 0.0,
        1 => *rng.pick(&[1.0, 2.0, 0.5, 1e300, 5e-324, 1e-7, 3.25, f64::INFINITY]),
        _ => gen_float(rng, true).abs(),
    };
    let im = if rng.chance(0.5) { -im } else { im };
    match rng.below(6) {
        0 => (0.0, im.abs()),
        1 => (-0.0, -im.abs()),
        _ => {
            if im == 0.0 && im.is_sign_negative() {
                (-0.0, -0.0)
            } else if re == 0.0 && re.is_sign_negative() && im.is_sign_positive() {
                (-0.0, 0.0)
            } else {
                (re, im)
            }
        }
    }
}

fn gen_char(rng: &mut Rng) -> char {
    const PICKS: &[char] = &[
        'é',
        'ß',
        'Ω',
        'ж',
        'ש',
        'م',
        '中',
        '日',
        '한',
        'ἀ',
        '\u{301}',
        '\u{200b}',
        '\u{200d}',
        '\u{200e}',
        '\u{2028}',
        '\u{feff}',
        '\u{ad}',
        '\u{a0}',
        '\u{85}',
        '\u{e000}',
        '\u{378}',
        '\u{fffd}',
        '\u{ffff}',
        '🚀',
        '😀',
        '\u{1f3fb}',
        '\u{1fae8}',
        '\u{31350}',
        '\u{10ffff}',
        '\u{e0001}',
        '\'',
        '"',
        '\\',
        '\n',
        '\t',
        '\r',
        '\0',
        '\u{7f}',
        '\u{1b}',
    ];
    let code = match rng.below(10) {
        0..=3 => rng.range(0x20, 0x7e) as u32,
        4 => rng.range(0, 0x1f) as u32,
        5 => rng.range(0x80, 0xff) as u32,
        6..=7 => return *rng.pick(PICKS),
        _ => rng.range(0, 0x10ffff) as u32,
    };
    char::from_u32(code).unwrap_or('\u{fffd}')
}

fn gen_string(rng: &mut Rng) -> String {
    let len = rng.below(12);
    (0..len).map(|_| gen_char(rng)).collect()
}

const CLASS_NAMES: &[&str] = &[
    "Particle",
    "__main__.Point",
    "pkg.mod.Config",
    "R",
    "Ω",
    "a.b.c.Deep",
];
const FIELD_NAMES: &[&str] = &[
    "x", "y", "z", "name", "value", "_hidden", "data", "n2", "items",
];

fn push_unique(items: &mut Vec<Value>, v: Value) {
    if !items.iter().any(|x| x.py_eq(&v)) {
        items.push(v);
    }
}

fn gen_value(rng: &mut Rng, depth: usize, need: Need) -> Value {
    let mut kinds = vec!["int", "float", "complex", "bool"];
    if need != Need::Stable {
        kinds.extend(["none", "str", "str", "bytes", "digest"]);
    }
    if depth > 0 {
        let containers: &[&str] = match need {
            Need::Any => &["tuple", "frozenset", "list", "dict", "set", "record"],
            _ => &["tuple", "frozenset"],
        };
        kinds.extend(containers);
        kinds.extend(containers);
    }
    let n = *rng.pick(&[0usize, 1, 1, 2, 2, 3, 4, 6]);
    let sub = depth.saturating_sub(1);
    match *rng.pick(&kinds) {
        "int" => Value::Int(gen_int(rng)),
        "bool" => Value::Bool(rng.chance(0.5)),
        "none" => Value::None,
        "float" => Value::Float(gen_float(rng, need == Need::Stable)),
        "complex" => {
            let (re, im) = gen_complex(rng, need == Need::Stable);
            Value::Complex(re, im)
        }
        "str" => Value::Str(gen_string(rng)),
        "bytes" => Value::Bytes((0..rng.below(10)).map(|_| rng.next() as u8).collect()),
        "digest" => {
            let text: String = if rng.chance(0.8) {
                let len = *rng.pick(&[2usize, 8, 64]);
                (0..len)
                    .map(|_| *rng.pick(&b"0123456789abcdef"[..]) as char)
                    .collect()
            } else {
                gen_string(rng)
            };
            Value::Digest(text)
        }
        "tuple" => Value::Tuple((0..n).map(|_| gen_value(rng, sub, need)).collect()),
        "list" => Value::List((0..n).map(|_| gen_value(rng, sub, Need::Any)).collect()),
        "dict" => {
            let mut items: Vec<(Value, Value)> = Vec::new();
            for _ in 0..n {
                let k = gen_value(rng, sub, Need::Hashable);
                if !items.iter().any(|(x, _)| x.py_eq(&k)) {
                    items.push((k, gen_value(rng, sub, Need::Any)));
                }
            }
            Value::Dict(items)
        }
        kind @ ("set" | "frozenset") => {
            let n = if rng.chance(0.1) {
                7 + rng.below(34)
            } else {
                n
            };
            let elem_need = if n == 1 && need != Need::Stable {
                Need::Hashable
            } else {
                Need::Stable
            };
            let mut items = Vec::new();
            for _ in 0..n {
                push_unique(&mut items, gen_value(rng, sub, elem_need));
            }
            if kind == "set" {
                Value::Set(items)
            } else {
                Value::FrozenSet(items)
            }
        }
        "record" => {
            let mut names: Vec<&str> = FIELD_NAMES.to_vec();
            let count = rng.below(4);
            let mut fields = Vec::new();
            for _ in 0..count {
                let name = names.remove(rng.below(names.len()));
                fields.push((name.to_string(), gen_value(rng, sub, Need::Any)));
            }
            Value::Record(Record {
                class: rng.pick(CLASS_NAMES).to_string(),
                fields,
            })
        }
        other => unreachable!("{other}"),
    }
}

// ---------------------------------------------------------------------------
// Rendering values as CLI literal text, in many of the spellings people use

/// Whitespace between tokens, newlines included.
const SPACES: &[&str] = &["", " ", " ", " ", "  ", "\t", "\n "];

fn ws(rng: &mut Rng) -> &'static str {
    SPACES[rng.below(SPACES.len())]
}

fn join(rng: &mut Rng, parts: Vec<String>, trailing_comma: bool) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(',');
            out.push_str(ws(rng));
        }
        out.push_str(p);
    }
    if trailing_comma && !parts.is_empty() && rng.chance(0.2) {
        out.push(',');
    }
    if !parts.is_empty() {
        out = format!("{}{out}{}", ws(rng), ws(rng));
    }
    out
}

fn render_int(rng: &mut Rng, n: &BigInt) -> String {
    let negative = n.sign() == num_bigint::Sign::Minus;
    let m = if negative { -n } else { n.clone() };
    let sign = if negative {
        "-"
    } else {
        *rng.pick(&["", "", "", "+"])
    };
    let (mut prefix, mut digits) = match rng.below(10) {
        0..=5 => (String::new(), m.to_str_radix(10)),
        6..=7 => {
            let d = m.to_str_radix(16);
            let d = if rng.chance(0.5) { d.to_uppercase() } else { d };
            (rng.pick(&["0x", "0X"]).to_string(), d)
        }
        8 => (rng.pick(&["0o", "0O"]).to_string(), m.to_str_radix(8)),
        _ => (rng.pick(&["0b", "0B"]).to_string(), m.to_str_radix(2)),
    };
    if digits.len() > 3 && rng.chance(0.3) {
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && rng.chance(0.3) {
                grouped.push('_');
            }
            grouped.push(c);
        }
        digits = grouped;
    }
    if !prefix.is_empty() && rng.chance(0.2) {
        prefix.push('_');
    }
    format!("{sign}{prefix}{digits}")
}

/// Shortest round-trip text of a finite float, always readable as a float.
fn float_text(f: f64) -> String {
    let s = format!("{f:?}");
    if s.contains(['.', 'e', 'E']) {
        s
    } else {
        format!("{s}.0")
    }
}

fn render_float(rng: &mut Rng, f: f64, allow_call: bool) -> String {
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f.is_nan() {
        let word = *rng.pick(&["nan", "NaN", "NAN"]);
        return if allow_call && rng.chance(0.2) {
            format!("float('{sign}{word}')")
        } else {
            format!("{sign}{word}")
        };
    }
    if f.is_infinite() {
        let word = *rng.pick(&["inf", "Inf", "infinity", "INFINITY", "1e400"]);
        return if allow_call && rng.chance(0.2) {
            format!("float(\"{sign}{word}\")")
        } else {
            format!("{sign}{word}")
        };
    }
    let text = float_text(f);
    match rng.below(10) {
        0 if allow_call => format!("float('{text}')"),
        1 => text.replace('e', "E"),
        2 if text.ends_with(".0") => text[..text.len() - 1].to_string(),
        3 if text.starts_with("0.") => text[1..].to_string(),
        _ => text,
    }
}

fn imag_text(magnitude: f64) -> String {
    if magnitude.is_infinite() {
        "1e400j".into()
    } else {
        format!("{}j", float_text(magnitude))
    }
}

fn render_complex(rng: &mut Rng, re: f64, im: f64) -> String {
    let (re_zero, re_neg) = (re == 0.0, re.is_sign_negative());
    if re_zero && !re_neg && im.is_sign_positive() && rng.chance(0.5) {
        return imag_text(im);
    }
    if re_zero && re_neg && im.is_sign_negative() && (im != 0.0 || rng.chance(0.5)) {
        return format!("-{}", imag_text(-im));
    }
    if re_zero && re_neg && im == 0.0 && im.is_sign_negative() {
        return "-(0j)".into();
    }
    let left = if re.is_finite()
        && re.fract() == 0.0
        && re.abs() < 1e15
        && !(re_zero && re_neg)
        && rng.chance(0.3)
    {
        format!("{}", re as i64)
    } else {
        render_float(rng, re, false)
    };
    // `-0.0 + 0j` would be (0.0, 0.0): Python adds 0.0 to the real part.
    let op = if im.is_sign_negative() || (re_zero && re_neg) {
        "-"
    } else {
        "+"
    };
    let spaced = if rng.chance(0.5) {
        format!(" {op} ")
    } else {
        op.to_string()
    };
    format!("{left}{spaced}{}", imag_text(im.abs()))
}

/// Characters that may follow a backslash as a known escape.
const ESCAPE_CHARS: &str = "\n\\'\"abfnrtv01234567xNuU";

fn escape_char(rng: &mut Rng, c: char, text: bool) -> String {
    let o = c as u32;
    let mut choices = Vec::new();
    let simple = match c {
        '\n' => Some("\\n"),
        '\t' => Some("\\t"),
        '\r' => Some("\\r"),
        '\u{7}' => Some("\\a"),
        '\u{8}' => Some("\\b"),
        '\u{c}' => Some("\\f"),
        '\u{b}' => Some("\\v"),
        _ => None,
    };
    if let Some(s) = simple {
        choices.push(s.to_string());
    }
    if o < 256 {
        choices.push(format!("\\x{o:02x}"));
        choices.push(format!("\\x{o:02X}"));
        choices.push(format!("\\{o:03o}"));
    }
    if text {
        if o < 0x10000 {
            choices.push(format!("\\u{o:04x}"));
            choices.push(format!("\\u{o:04X}"));
        }
        choices.push(format!("\\U{o:08x}"));
    }
    rng.pick(&choices).clone()
}

fn must_escape(c: char) -> bool {
    (c as u32) < 0x20 || c == '\u{7f}'
}

fn quoted_body(rng: &mut Rng, chars: &[char], quote: char, triple: bool, text: bool) -> String {
    let mut out = String::new();
    let mut verbatim_next = false;
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        if std::mem::take(&mut verbatim_next) {
            out.push(c);
            continue;
        }
        if c == '\\' {
            // An unknown escape keeps its backslash: `\q` is `\q`. The
            // character after it must then be written as itself.
            let unknown = next.is_some_and(|n| n.is_ascii_graphic() && !ESCAPE_CHARS.contains(n));
            if unknown && rng.chance(0.5) {
                out.push('\\');
                verbatim_next = true;
                continue;
            }
            out.push_str("\\\\");
        } else if c == quote {
            out.push('\\');
            out.push(c);
        } else if c == '\n' && triple && rng.chance(0.7) {
            out.push('\n');
        } else if c == '\t' && rng.chance(0.3) {
            out.push('\t');
        } else if must_escape(c) || (!text && (c as u32) > 126) || rng.chance(0.12) {
            out.push_str(&escape_char(rng, c, text));
        } else {
            out.push(c);
        }
        if rng.chance(0.02) {
            out.push_str("\\\n"); // backslash-newline joins lines
        }
    }
    out
}

fn render_str(rng: &mut Rng, s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() > 1 && rng.chance(0.1) {
        let cut = 1 + rng.below(chars.len() - 1);
        let (a, b): (String, String) =
            (chars[..cut].iter().collect(), chars[cut..].iter().collect());
        let sep = *rng.pick(&["", " ", "\t", "  "]);
        return format!("{}{sep}{}", render_str(rng, &a), render_str(rng, &b));
    }
    let quote = *rng.pick(&['\'', '"']);
    let raw_ok = !s.contains(quote) && !s.ends_with('\\') && !s.chars().any(must_escape);
    let prefix = *rng.pick(&["", "", "", "u", "U"]);
    match rng.below(10) {
        0..=1 if raw_ok => format!("{}{quote}{s}{quote}", rng.pick(&["r", "R"])),
        2 => {
            let q3: String = std::iter::repeat_n(quote, 3).collect();
            format!(
                "{prefix}{q3}{}{q3}",
                quoted_body(rng, &chars, quote, true, true)
            )
        }
        _ => format!(
            "{prefix}{quote}{}{quote}",
            quoted_body(rng, &chars, quote, false, true)
        ),
    }
}

fn render_bytes(rng: &mut Rng, b: &[u8]) -> String {
    let chars: Vec<char> = b.iter().map(|&x| x as char).collect();
    let quote = *rng.pick(&['\'', '"']);
    let printable = chars.iter().all(|&c| (' '..='~').contains(&c));
    if printable && !chars.contains(&quote) && chars.last() != Some(&'\\') && rng.chance(0.3) {
        let s: String = chars.iter().collect();
        return format!(
            "{}{quote}{s}{quote}",
            rng.pick(&["rb", "br", "Rb", "bR", "RB"])
        );
    }
    let prefix = *rng.pick(&["b", "B"]);
    format!(
        "{prefix}{quote}{}{quote}",
        quoted_body(rng, &chars, quote, false, false)
    )
}

fn render_elements(rng: &mut Rng, items: &[Value]) -> Vec<String> {
    let mut parts = Vec::new();
    for item in items {
        parts.push(render(rng, item));
        // A repeated element is dropped: the first one typed stays.
        if rng.chance(0.05) && item.py_eq(item) {
            parts.push(render(rng, item));
        }
    }
    parts
}

fn render_set(rng: &mut Rng, kind: &str, items: &[Value]) -> String {
    if items.is_empty() {
        return format!("{kind}()");
    }
    let parts = render_elements(rng, items);
    let single = parts.len() == 1;
    if kind == "set" && rng.chance(0.6) {
        return format!("{{{}}}", join(rng, parts, true));
    }
    let inner = match rng.below(3) {
        0 => format!("[{}]", join(rng, parts, true)),
        1 if single => format!("({},)", parts[0]),
        1 => format!("({})", join(rng, parts, true)),
        _ => format!("{{{}}}", join(rng, parts, true)),
    };
    format!("{kind}({inner})")
}

/// The value as CLI literal text (`literal-syntax`), spelled at random.
fn render(rng: &mut Rng, v: &Value) -> String {
    match v {
        Value::None => "None".into(),
        Value::Bool(b) => (if *b { "True" } else { "False" }).into(),
        Value::Int(n) => render_int(rng, n),
        Value::Float(f) => render_float(rng, *f, true),
        Value::Complex(re, im) => render_complex(rng, *re, *im),
        Value::Str(s) => render_str(rng, s),
        Value::Bytes(b) => render_bytes(rng, b),
        Value::Digest(d) => format!("{}({})", rng.pick(&["Digest", "D"]), render_str(rng, d)),
        Value::Tuple(items) => {
            let parts: Vec<String> = items.iter().map(|x| render(rng, x)).collect();
            if parts.len() == 1 {
                let pad = ws(rng);
                format!("({}{pad},{})", parts[0], ws(rng))
            } else {
                format!("({})", join(rng, parts, true))
            }
        }
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(|x| render(rng, x)).collect();
            format!("[{}]", join(rng, parts, true))
        }
        Value::Dict(items) => {
            let mut parts = Vec::new();
            for (k, x) in items {
                let colon = format!("{}:{}", ws(rng), ws(rng));
                parts.push(format!("{}{colon}{}", render(rng, k), render(rng, x)));
                // A repeated key keeps the first key and the last value.
                if rng.chance(0.05) && k.py_eq(k) {
                    parts.push(format!("{}: {}", render(rng, k), render(rng, x)));
                }
            }
            format!("{{{}}}", join(rng, parts, true))
        }
        Value::Set(items) => render_set(rng, "set", items),
        Value::FrozenSet(items) => render_set(rng, "frozenset", items),
        Value::Record(r) => {
            let parts: Vec<String> = r
                .fields
                .iter()
                .map(|(name, x)| {
                    let eq = format!("{}={}", ws(rng), ws(rng));
                    format!("{name}{eq}{}", render(rng, x))
                })
                .collect();
            format!("{}({})", r.class, join(rng, parts, false))
        }
        other => panic!("no literal spelling for {other:?}"),
    }
}

fn to_literal(rng: &mut Rng, v: &Value) -> String {
    match v {
        // A top-level comma list is a tuple.
        Value::Tuple(items) if !items.is_empty() && rng.chance(0.1) => {
            let parts: Vec<String> = items.iter().map(|x| render(rng, x)).collect();
            let trailing = if parts.len() == 1 { "," } else { "" };
            format!("{}{trailing}", parts.join(", "))
        }
        _ => render(rng, v),
    }
}

/// Structural identity, stricter than `py_eq`: floats by bit pattern (the
/// sign of zero and of NaN reach digests and reprs), order of dict items,
/// and record fields as typed (set elements in any order).
fn same(a: &Value, b: &Value) -> bool {
    fn all_same(x: &[Value], y: &[Value]) -> bool {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
    }
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::Complex(r1, i1), Value::Complex(r2, i2)) => {
            r1.to_bits() == r2.to_bits() && i1.to_bits() == i2.to_bits()
        }
        (Value::Tuple(x), Value::Tuple(y)) | (Value::List(x), Value::List(y)) => all_same(x, y),
        // Sets are stored in CPython's iteration order, not as typed; that
        // order is checked against Python through digests and reprs.
        (Value::Set(x), Value::Set(y)) | (Value::FrozenSet(x), Value::FrozenSet(y)) => {
            x.len() == y.len() && x.iter().all(|p| y.iter().any(|q| same(p, q)))
        }
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| same(k1, k2) && same(v1, v2))
        }
        (Value::Record(x), Value::Record(y)) => {
            x.class == y.class
                && x.fields.len() == y.fields.len()
                && x.fields
                    .iter()
                    .zip(&y.fields)
                    .all(|((n1, v1), (n2, v2))| n1 == n2 && same(v1, v2))
        }
        _ => a == b,
    }
}

/// Straight to the process's stderr: the test harness captures `eprintln!`
/// of passing tests, and a skipped comparison must never pass silently.
fn notice(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn seed() -> u64 {
    if let Ok(s) = std::env::var("FLECHE_CONFORMANCE_SEED") {
        return s
            .trim()
            .parse()
            .expect("FLECHE_CONFORMANCE_SEED must be an unsigned integer");
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    now.as_nanos() as u64 ^ u64::from(std::process::id()).rotate_left(32)
}

struct Answer {
    digest: String,
    repr: String,
    type_name: String,
}

/// Every literal through one `oracle.py` process, answers in input order.
fn ask_oracle(python: &str, literals: &[String]) -> Vec<Result<Answer, String>> {
    let script = conformance_dir().join("oracle.py");
    let mut child = Command::new(python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start the oracle `{python} {}`: {e}",
                script.display()
            )
        });
    let mut stdin = child.stdin.take().expect("piped stdin");
    let requests: Vec<String> = literals
        .iter()
        .map(|l| serde_json::json!({ "literal": l }).to_string())
        .collect();
    // Write from another thread: the oracle answers as it reads, and a full
    // pipe in each direction would otherwise deadlock.
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        for r in requests {
            stdin.write_all(r.as_bytes())?;
            stdin.write_all(b"\n")?;
        }
        Ok(())
    });
    let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut answers = Vec::with_capacity(literals.len());
    for line in stdout.lines() {
        let line = line.expect("oracle output is UTF-8");
        let json: Json = serde_json::from_str(&line).expect("oracle answers JSON");
        answers.push(match json["error"].as_str() {
            Some(e) => Err(e.to_string()),
            None => Ok(Answer {
                digest: json["digest"].as_str().expect("digest").to_string(),
                repr: json["repr"].as_str().expect("repr").to_string(),
                type_name: json["type"].as_str().expect("type").to_string(),
            }),
        });
        if answers.len() == literals.len() {
            break;
        }
    }
    let written = writer.join().expect("writer thread");
    let status = child.wait().expect("oracle exits");
    assert!(
        answers.len() == literals.len(),
        "the oracle answered {} of {} literals and exited with {status} (write: {written:?})",
        answers.len(),
        literals.len()
    );
    answers
}

/// Random values and their literals, each literal parsed back: what we
/// compare with Python is the *parsed* value (sets take their iteration
/// order from how the literal builds them). Failures to read back go to
/// `failures`.
fn random_cases(seed: u64, failures: &mut Vec<String>) -> Vec<(Value, String)> {
    let mut rng = Rng::new(seed);
    let mut cases = Vec::with_capacity(RANDOM_VALUES);
    for _ in 0..RANDOM_VALUES {
        let depth = *rng.pick(&[0usize, 1, 2, 3, 3, 4]);
        let v = gen_value(&mut rng, depth, Need::Any);
        let text = to_literal(&mut rng, &v);
        cases.push((v, text));
    }
    for (v, text) in cases.iter_mut() {
        match parse(text) {
            Ok(back) if same(&back, v) => *v = back,
            Ok(back) => failures.push(format!("{text:?}: parses as {back:?}, expected {v:?}")),
            Err(e) => failures.push(format!("{text:?}: does not parse: {e} (expected {v:?})")),
        }
    }
    cases
}

#[test]
fn random_values_read_back() {
    let seed = seed();
    let mut failures = Vec::new();
    let cases = random_cases(seed, &mut failures);
    if !failures.is_empty() {
        eprintln!("seed {seed}: rerun with FLECHE_CONFORMANCE_SEED={seed}");
    }
    report("random values read back", cases.len(), &failures);
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a python with fleche==0.22.2; .ci/run sets it)"
)]
fn random_values_agree_with_real_fleche() {
    let python = std::env::var("FLECHE_ORACLE_PYTHON")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .expect("FLECHE_ORACLE_PYTHON must name a python with fleche==0.22.2");
    let seed = seed();
    notice(&format!(
        "random_values_agree_with_real_fleche: seed {seed} (FLECHE_CONFORMANCE_SEED={seed} reproduces)"
    ));
    let mut failures = Vec::new();
    let cases = random_cases(seed, &mut failures);
    let literals: Vec<String> = cases.iter().map(|(_, t)| t.clone()).collect();
    let answers = ask_oracle(python.trim(), &literals);
    for ((v, text), answer) in cases.iter().zip(answers) {
        match answer {
            Ok(a) => failures.extend(compare(text, v, &a.digest, &a.repr, &a.type_name)),
            Err(e) => failures.push(format!("{text:?}: the oracle cannot read it: {e}")),
        }
    }
    if !failures.is_empty() {
        eprintln!("seed {seed}: rerun with FLECHE_CONFORMANCE_SEED={seed}");
    }
    report("random values", cases.len(), &failures);
}
