//! The command-line literal parser: agreement with CPython on Python
//! literals, the extensions, every error with its column, and no panics.

use fleche_core::literal::{self, parse, parse_assignment, ParseError, MAX_DEPTH};
use fleche_core::value::Record;
use fleche_core::Value;
use proptest::prelude::*;

/// The canonical form `tests/data/gen_literal_python.py` prints for a
/// CPython value: exact float bits, sets as sorted elements (their
/// insertion order is not observable from Python).
fn canon(v: &Value) -> String {
    let join = |items: &[Value]| items.iter().map(canon).collect::<Vec<_>>().join(",");
    let sorted = |items: &[Value]| {
        let mut c: Vec<String> = items.iter().map(canon).collect();
        c.sort();
        c.join(",")
    };
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    match v {
        Value::None => "N".into(),
        Value::Bool(b) => format!("B{}", u8::from(*b)),
        Value::Int(i) => format!("I{i}"),
        Value::Float(f) => format!("F{:016x}", f.to_bits()),
        Value::Complex(r, i) => format!("C{:016x},{:016x}", r.to_bits(), i.to_bits()),
        Value::Str(s) => format!("S{}", hex(s.as_bytes())),
        Value::Bytes(b) => format!("Y{}", hex(b)),
        Value::Tuple(items) => format!("T({})", join(items)),
        Value::List(items) => format!("L[{}]", join(items)),
        Value::Dict(items) => format!(
            "D{{{}}}",
            items
                .iter()
                .map(|(k, v)| format!("{}:{}", canon(k), canon(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        Value::Set(items) => format!("E{{{}}}", sorted(items)),
        Value::FrozenSet(items) => format!("Z{{{}}}", sorted(items)),
        other => format!("{other:?}"),
    }
}

#[test]
fn agrees_with_cpython() {
    let data = include_str!("../data/literal_python.jsonl");
    let mut checked = 0;
    for line in data.lines() {
        let case: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
        let input = case["input"].as_str().expect("input");
        let got = parse(input);
        match case["python"].as_str() {
            Some(expected) => match &got {
                Ok(v) => assert_eq!(canon(v), expected, "input {input:?}: got {v:?}"),
                Err(e) => panic!("input {input:?}: CPython accepts it, we say {e}"),
            },
            None => assert!(
                got.is_err(),
                "input {input:?}: CPython rejects it, we give {got:?}"
            ),
        }
        checked += 1;
    }
    assert!(checked > 250, "only {checked} cases");
}

fn ok(input: &str) -> Value {
    match parse(input) {
        Ok(v) => v,
        Err(e) => panic!("{input:?}: {e}"),
    }
}

fn err(input: &str) -> (usize, String) {
    match parse(input) {
        Ok(v) => panic!("{input:?} parsed as {v:?}"),
        Err(ParseError { column, message }) => (column, message),
    }
}

fn int(i: i64) -> Value {
    Value::int(i)
}

fn s(text: &str) -> Value {
    Value::str(text)
}

#[test]
fn python_literals() {
    assert_eq!(ok("1_000"), int(1000));
    assert_eq!(ok("0b1_01"), int(5));
    assert_eq!(ok("-0x10"), int(-16));
    assert_eq!(ok("1.5"), Value::Float(1.5));
    assert_eq!(ok("2j"), Value::Complex(0.0, 2.0));
    assert_eq!(ok("1-2j"), Value::Complex(1.0, -2.0));
    assert_eq!(ok("'a' \"b\""), s("ab"));
    assert_eq!(ok("b'\\x00a'"), Value::Bytes(vec![0, b'a']));
    assert_eq!(ok("True"), Value::Bool(true));
    assert_eq!(ok("False"), Value::Bool(false));
    assert_eq!(ok("None"), Value::None);
    assert_eq!(ok("()"), Value::Tuple(vec![]));
    assert_eq!(ok("(1)"), int(1));
    assert_eq!(ok("(1,)"), Value::Tuple(vec![int(1)]));
    assert_eq!(ok("[1, 2,]"), Value::List(vec![int(1), int(2)]));
    assert_eq!(ok("1, 2"), Value::Tuple(vec![int(1), int(2)]));
    assert_eq!(ok("{}"), Value::Dict(vec![]));
    assert_eq!(ok("set()"), Value::Set(vec![]));
    assert_eq!(ok(" \t[1,\n 2]\n"), Value::List(vec![int(1), int(2)]));
}

#[test]
fn float_signs_and_bits() {
    assert!(ok("-0.0").as_f64_bits_negative());
    assert!(!ok("nan").as_f64_bits_negative());
    assert!(ok("-nan").as_f64_bits_negative());
    assert!(!ok("--nan").as_f64_bits_negative());
    assert!(ok("float('-nan')").as_f64_bits_negative());
    assert_eq!(ok("-Infinity"), Value::Float(f64::NEG_INFINITY));
    assert_eq!(ok("INF"), Value::Float(f64::INFINITY));
    // CPython: complex(-0.0) + 0j has a +0.0 real part; -(0j) negates both.
    assert_eq!(canon(&ok("-0.0+0j")), canon(&Value::Complex(0.0, 0.0)));
    assert_eq!(canon(&ok("-(0j)")), canon(&Value::Complex(-0.0, -0.0)));
}

trait FloatSign {
    fn as_f64_bits_negative(&self) -> bool;
}

impl FloatSign for Value {
    fn as_f64_bits_negative(&self) -> bool {
        match self {
            Value::Float(f) => f.is_sign_negative(),
            other => panic!("not a float: {other:?}"),
        }
    }
}

#[test]
fn dict_keys_and_set_elements_dedupe_like_python() {
    // {1: 'a', True: 'b'} == {1: 'b'}: first key object, last value.
    assert_eq!(
        ok("{1: 'a', True: 'b'}"),
        Value::Dict(vec![(int(1), s("b"))])
    );
    assert_eq!(
        ok("{True: 1, 1.0: 2, 'x': 3}"),
        Value::Dict(vec![(Value::Bool(true), int(2)), (s("x"), int(3))])
    );
    assert_eq!(ok("{1, True, 1.0}"), Value::Set(vec![int(1)]));
    // Sets are stored in CPython's iteration order: list({3, 1, 2}) is [1, 2, 3].
    assert_eq!(ok("{3, 1, 2}"), Value::Set(vec![int(1), int(2), int(3)]));
    assert_eq!(ok("set([1, True, 2])"), Value::Set(vec![int(1), int(2)]));
    // set(X) adds X's elements in X's iteration order: CPython iterates
    // {3, 1} as 1, 3 (checked with list({3, 1})).
    assert_eq!(
        ok("frozenset({3, 1})"),
        Value::FrozenSet(vec![int(1), int(3)])
    );
    // list(frozenset((2, 1))) is [1, 2].
    assert_eq!(
        ok("frozenset((2, 1))"),
        Value::FrozenSet(vec![int(1), int(2)])
    );
    assert_eq!(
        ok("{frozenset(): 1}"),
        Value::Dict(vec![(Value::FrozenSet(vec![]), int(1))])
    );
}

#[test]
fn extensions() {
    // `@PREFIX` names a stored value: a term on its own, never part of a value.
    assert_eq!(
        literal::parse_term(" @AbC "),
        Ok(literal::Term::Stored("abc".into()))
    );
    assert_eq!(
        literal::parse_term("[1]"),
        Ok(literal::Term::Value(Value::List(vec![int(1)])))
    );
    for nested in ["[@6007, 1]", "{@ab: 1}", "@ab, 1"] {
        let err = literal::parse_term(nested).expect_err(nested);
        assert!(
            err.message.contains("cannot be part of another value"),
            "{nested}: {err}"
        );
    }
    assert!(literal::parse("@6007").is_err());
    assert_eq!(ok("Digest('6007ab')"), Value::Digest("6007ab".into()));
    assert_eq!(ok("D(\"x\" 'y')"), Value::Digest("xy".into()));
    assert_eq!(ok("float('1.5')"), Value::Float(1.5));
    assert_eq!(ok("float()"), Value::Float(0.0));
    assert_eq!(
        ok("P(x=1, y=[1], z=Q())"),
        Value::Record(Record {
            class: "P".into(),
            fields: vec![
                ("x".into(), int(1)),
                ("y".into(), Value::List(vec![int(1)])),
                (
                    "z".into(),
                    Value::Record(Record {
                        class: "Q".into(),
                        fields: vec![]
                    })
                ),
            ],
        })
    );
    assert_eq!(
        ok("pkg.mod.P(b=2, a=1,)"),
        Value::Record(Record {
            class: "pkg.mod.P".into(),
            fields: vec![("b".into(), int(2)), ("a".into(), int(1))],
        })
    );
    // `inf` is not a Python keyword, so it names a field.
    assert_eq!(
        ok("P(inf=inf)"),
        Value::Record(Record {
            class: "P".into(),
            fields: vec![("inf".into(), Value::Float(f64::INFINITY))],
        })
    );
}

#[test]
fn bare_words_only_for_whole_input() {
    for word in [
        "pbe",
        "run-3",
        "my_project",
        "a/b.txt",
        "naïve",
        "x:1",
        "set",
        "Digest",
        "information",
        "_",
    ] {
        assert_eq!(ok(word), s(word), "{word}");
    }
    assert_eq!(ok("  pbe\n"), s("pbe"));
    assert_eq!(ok("True"), Value::Bool(true));
    assert_eq!(ok("None"), Value::None);
    assert!(matches!(ok("NaN"), Value::Float(f) if f.is_nan()));
    assert!(parse("[pbe]").is_err());
    assert!(parse("pbe, 1").is_err());
    assert!(parse("True+1j").is_err());
    assert!(parse("nan-1").is_err());
}

#[test]
fn string_escapes() {
    assert_eq!(ok(r"'\N{EM DASH}'"), s("\u{2014}"));
    assert_eq!(ok(r"'\N{byte order mark}'"), s("\u{feff}"));
    assert_eq!(ok(r"'\q'"), s("\\q"));
    assert_eq!(ok(r"'\777'"), s("\u{1ff}"));
    assert_eq!(ok(r"b'\777'"), Value::Bytes(vec![0xff]));
    assert_eq!(ok("'a\\\nb'"), s("ab"));
    // CPython reads `\r\n` and `\r` in source as `\n`.
    assert_eq!(ok("'''a\r\nb\rc'''"), s("a\nb\nc"));
    assert_eq!(ok("r'a\\\r\nb'"), s("a\\\nb"));
    assert_eq!(ok(r"r'\''"), s("\\'"));
}

#[test]
fn errors_with_columns() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 1, "expected a value"),
        ("   ", 4, "expected a value"),
        ("01", 1, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers"),
        ("0_7", 1, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers"),
        ("1__0", 2, "invalid decimal literal"),
        ("1_", 2, "invalid decimal literal"),
        ("0_x1", 2, "invalid decimal literal"),
        ("1e", 2, "invalid decimal literal"),
        ("1e+", 4, "invalid decimal literal"),
        ("1abc", 2, "invalid decimal literal"),
        ("1._5", 3, "invalid decimal literal"),
        ("1jj", 3, "invalid imaginary literal"),
        ("0x", 3, "invalid hexadecimal literal"),
        ("0x1_", 5, "invalid hexadecimal literal"),
        ("0xg", 3, "invalid hexadecimal literal"),
        ("0o", 3, "invalid octal literal"),
        ("0o8", 3, "invalid digit '8' in octal literal"),
        ("0o18", 4, "invalid digit '8' in octal literal"),
        ("0b12", 4, "invalid digit '2' in binary literal"),
        ("0b1e", 4, "invalid binary literal"),
        ("[1, 2", 1, "'[' was never closed"),
        ("[(1,", 2, "'(' was never closed"),
        ("[1)", 3, "closing parenthesis ')' does not match opening parenthesis '['"),
        ("{1: 2]", 6, "closing parenthesis ']' does not match opening parenthesis '{'"),
        (")", 1, "unexpected ')'; expected a value"),
        ("1)", 2, "unexpected ')'"),
        ("1 2", 3, "unexpected '2'"),
        ("[1 2]", 4, "unexpected '2'; expected ',' or ']'"),
        ("[,]", 2, "unexpected ','; expected a value"),
        ("{1 2}", 4, "unexpected '2'; expected ',' or '}'"),
        ("{1: 2, 3}", 9, "expected ':' after dict key"),
        ("{1: 2 3: 4}", 7, "unexpected '3'; expected ',' or '}'"),
        ("{[1]: 2}", 2, "unhashable type: 'list'"),
        ("{1, [2]}", 5, "unhashable type: 'list'"),
        ("{(1, [2]): 3}", 2, "unhashable type: 'list'"),
        ("{(1, ((2, {3}),)), 4}", 2, "unhashable type: 'set'"),
        ("{{}: 1}", 2, "unhashable type: 'dict'"),
        ("{{1}}", 2, "unhashable type: 'set'"),
        ("{P(): 1}", 2, "unhashable type: 'P'"),
        ("set([[1]])", 5, "unhashable type: 'list'"),
        ("'abc", 1, "unterminated string literal"),
        ("['a\nb']", 2, "unterminated string literal"),
        ("'a\rb'", 1, "unterminated string literal"),
        ("'''abc''", 1, "unterminated triple-quoted string literal"),
        ("'a' b'b'", 5, "cannot mix bytes and nonbytes literals"),
        ("b'a' 'b'", 6, "cannot mix bytes and nonbytes literals"),
        ("b'xé'", 4, "bytes can only contain ASCII literal characters"),
        ("f'x'", 1, "f-strings are not supported"),
        ("ur'x'", 3, "unexpected string 'x'"),
        (r"'\x4'", 2, r"truncated \xXX escape"),
        (r"'a\u12'", 3, r"truncated \uXXXX escape"),
        (r"'\U0000001'", 2, r"truncated \UXXXXXXXX escape"),
        (r"'\U00110000'", 2, "illegal Unicode character"),
        (r"b'\x4'", 3, r"invalid \x escape"),
        (r"'\N'", 2, r"malformed \N character escape"),
        (r"'\N{}'", 2, r"malformed \N character escape"),
        (r"'\N{EM DASH'", 2, r"malformed \N character escape"),
        (r"'\N{NO SUCH THING}'", 2, "unknown Unicode character name"),
        (r"'\N{ EM DASH}'", 2, "unknown Unicode character name"),
        (r"'\N{EMDASH}'", 2, "unknown Unicode character name"),
        (r"'\N{EM_DASH}'", 2, "unknown Unicode character name"),
        (r"'\ud800'", 2, r"lone surrogate \ud800 cannot be represented (Python allows it, this tool does not)"),
        ("1+2", 3, "expected an imaginary number (like 2j) after the real part"),
        ("1+-2j", 3, "unexpected '-'; expected a value"),
        ("1+2j+3j", 5, "a complex literal is one real and one imaginary part, as in 1+2j"),
        ("2j+1", 3, "'+' and '-' only join a real and an imaginary number, as in 1+2j"),
        ("True+1j", 5, "'+' and '-' only join a real and an imaginary number, as in 1+2j"),
        ("(10**400)", 4, "unexpected '*'; expected ',' or ')'"),
        ("-'a'", 1, "bad operand type for unary -: 'str'"),
        ("+-True", 2, "bad operand type for unary -: 'bool'"),
        ("-", 2, "unexpected end of input; expected a value"),
        ("@", 1, "expected a digest prefix (hex digits) after '@'"),
        ("@12xz", 4, "invalid digest prefix '@12xz': use hex digits only"),
        ("P(1)", 3, "positional argument in P(...): write field=value"),
        ("P(x=1, x=2)", 8, "keyword argument repeated: x"),
        ("P(a.b=1)", 3, "invalid field name 'a.b'"),
        ("P(True=1)", 3, "invalid field name 'True'"),
        ("set(1)", 5, "set() takes a list, tuple or set literal here, not 'int'"),
        ("set('ab')", 5, "set() takes a list, tuple or set literal here, not 'str'"),
        ("frozenset({1: 2})", 11, "frozenset() takes a list, tuple or set literal here, not 'dict'"),
        ("set([1], [2])", 1, "set() takes at most 1 argument (2 given)"),
        ("set(x=[1])", 5, "set() takes no keyword arguments"),
        ("float('x')", 7, "could not convert string to float: 'x'"),
        ("float('1__0')", 7, "could not convert string to float: '1__0'"),
        ("float(b'1')", 7, "float() argument must be a string or a real number, not 'bytes'"),
        ("float(1" , 6, "'(' was never closed"),
        ("Digest(1)", 1, "Digest() takes one string argument, as in Digest('6007...')"),
        ("D()", 1, "D() takes one string argument, as in D('6007...')"),
        ("[foo]", 2, "name 'foo' is not a value (quote strings)"),
        ("my project", 4, "unexpected 'project'; quote strings that contain spaces: 'my project'"),
        ("  run  3 ", 8, "unexpected '3'; quote strings that contain spaces: 'run  3'"),
        ("foo!", 4, "unexpected '!'; quote strings: 'foo!'"),
        ("pbe, 1", 1, "name 'pbe' is not a value (quote strings)"),
        ("1 €", 3, "invalid character '€' (U+20AC)"),
        ("1\u{a0}", 2, "invalid non-printable character U+00A0"),
        ("[1,\u{a0}2]", 4, "invalid non-printable character U+00A0"),
        ("1€", 2, "invalid character '€' (U+20AC)"),
        ("1é", 2, "invalid decimal literal"),
        ("[1,\0]", 4, "input cannot contain null characters"),
    ];
    for &(input, column, message) in cases {
        assert_eq!(err(input), (column, message.to_string()), "input {input:?}");
    }
}

#[test]
fn int_digit_limit_matches_cpython() {
    let ok_digits = "1".repeat(4300);
    assert!(matches!(ok(&ok_digits), Value::Int(_)));
    assert_eq!(
        err(&"1".repeat(4301)),
        (
            1,
            "exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits"
                .to_string()
        )
    );
    assert!(matches!(
        ok(&format!("0x{}", "f".repeat(5000))),
        Value::Int(_)
    ));
    assert!(matches!(ok(&"0".repeat(5000)), Value::Int(_)));
}

#[test]
fn huge_int_plus_imaginary_overflows_like_python() {
    let big = format!("1{}", "0".repeat(400));
    assert_eq!(
        err(&format!("{big}+1j")),
        (1, "int too large to convert to float".to_string())
    );
    assert_eq!(
        err(&format!("float({big})")),
        (7, "int too large to convert to float".to_string())
    );
}

#[test]
fn display_shows_column_and_message() {
    let e = parse("[1)").unwrap_err();
    assert_eq!(
        e.to_string(),
        "column 3: closing parenthesis ')' does not match opening parenthesis '['"
    );
}

#[test]
fn assignments() {
    assert_eq!(parse_assignment("x=100").unwrap(), ("x".into(), int(100)));
    assert_eq!(
        parse_assignment(" name = my_run ").unwrap(),
        ("name".into(), s("my_run"))
    );
    assert_eq!(
        parse_assignment("xs=[1, 2]").unwrap(),
        ("xs".into(), Value::List(vec![int(1), int(2)]))
    );
    assert_eq!(
        parse_assignment("s=a=b").unwrap_err(),
        ParseError {
            column: 4,
            message: "unexpected '='; quote strings: 'a=b'".into()
        }
    );
    assert_eq!(
        parse_assignment("x==1").unwrap_err(),
        ParseError {
            column: 3,
            message: "unexpected '='; expected a value".into()
        }
    );
    assert_eq!(
        parse_assignment("x=[1, 2").unwrap_err(),
        ParseError {
            column: 3,
            message: "'[' was never closed".into()
        }
    );
    assert_eq!(
        parse_assignment("x=").unwrap_err(),
        ParseError {
            column: 3,
            message: "expected a value".into()
        }
    );
    assert_eq!(
        parse_assignment(" =1").unwrap_err(),
        ParseError {
            column: 1,
            message: "missing name before '='".into()
        }
    );
    assert_eq!(
        parse_assignment("x").unwrap_err(),
        ParseError {
            column: 1,
            message: "expected NAME=VALUE, got 'x'".into()
        }
    );
}

#[test]
fn nesting_is_limited_not_a_stack_overflow() {
    let deep =
        |n: usize, open: &str, close: &str| format!("{}1{}", open.repeat(n), close.repeat(n));
    assert!(parse(&deep(MAX_DEPTH, "[", "]")).is_ok());
    assert!(parse(&deep(MAX_DEPTH, "(", ",)")).is_ok());
    assert!(parse(&deep(MAX_DEPTH, "{1:", "}")).is_ok());
    let message = format!("too deeply nested (more than {MAX_DEPTH} levels)");
    assert_eq!(
        err(&deep(MAX_DEPTH + 1, "[", "]")),
        (MAX_DEPTH + 1, message.clone())
    );
    assert_eq!(err(&"{1:".repeat(100_000)).1, message);
    assert_eq!(err(&"P(x=".repeat(100_000)).1, message);
    assert_eq!(err(&"set([".repeat(100_000)).1, message);
    // Unary operators do not nest.
    assert_eq!(ok(&format!("{}1", "-".repeat(100_001))), int(-1));
}

/// Valid literals to mutate in the property test.
const SEEDS: &[&str] = &[
    "[1, 2.5, -3j, 'a\\n', b'\\x00', None, True]",
    "{1: (2, 3), 'k': {4, 5}, Digest('60af'): Digest('x')}",
    "P(x=1, y=frozenset({1, 2}), z=set([3]))",
    "float('-nan'), -inf, 1_000, 0x_ff, 0o7, 0b1",
    "'''tri\nple''' r'\\q' '\\N{EM DASH}\\u00e9\\U0001F600\\777'",
    "-1.5e-3+2.5J",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_any_string(input in any::<String>()) {
        let _ = parse(&input);
        let _ = parse_assignment(&input);
    }

    #[test]
    fn never_panics_on_literal_like_text(input in "[-+()\\[\\]{},:=@'\"\\\\ .0-9a-fjxobeNu_TrueNonal\n\r{}]{0,40}") {
        let _ = parse(&input);
        let _ = literal::parse_term(&input);
    }

    #[test]
    fn never_panics_on_mutated_literals(
        seed in 0..SEEDS.len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<char>()), 1..6),
    ) {
        let mut chars: Vec<char> = SEEDS[seed].chars().collect();
        for (index, kind, c) in edits {
            let i = index.index(chars.len() + 1);
            match kind {
                0 => chars.insert(i, c),
                1 if i < chars.len() => { chars.remove(i); }
                _ if i < chars.len() => chars[i] = c,
                _ => chars.push(c),
            }
        }
        let text: String = chars.into_iter().collect();
        let _ = parse(&text);
    }
}

#[test]
fn seeds_are_valid() {
    for seed in SEEDS {
        assert!(parse(seed).is_ok(), "{seed}: {:?}", parse(seed));
    }
}
