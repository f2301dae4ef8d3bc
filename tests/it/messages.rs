//! What people read: text from a cache cannot act on the terminal, values
//! typed on the command line read as Python reads them, and the messages
//! say what is wrong and what works instead.

use crate::support::{fleche, Run, TestEnv};
use serde_json::Value as Json;

/// A call of getting-started whose key shares `a8a3` with a value.
const AMBIGUOUS_CALL: &str = "a8a306165318";
/// The key of that call.
const AMBIGUOUS_KEY: &str = "a8a3061653183cff08e5c414f9a4087550ab5e33cc186ae7a2e91aa1fbac8c80";

/// A name holding what a hostile writer would put there: a window title
/// (OSC 0), a screen clear (CSI 2J), a carriage return and a line break to
/// forge a line, C1 CSI, DEL and a bidi override.
const EVIL_NAME: &str = "calc\x1b]0;pwned\x07\x1b[2J\rforged\nline\u{9b}31m\x7f\u{202e}";
/// A tag value copying to the clipboard (OSC 52).
const EVIL_TAG: &str = "\x1b]52;c;ZXZpbA==\x07";

/// getting-started with one call renamed to [`EVIL_NAME`], in a module
/// and with tags (key and value) of the same kind.
fn hostile_names() -> TestEnv {
    let env = TestEnv::copy("getting-started");
    let db = rusqlite::Connection::open(env.path(".fleche/calls.db")).expect("open calls.db");
    let key: String = db
        .query_row(
            "SELECT key FROM calls WHERE key LIKE ?1",
            [format!("{AMBIGUOUS_CALL}%")],
            |r| r.get(0),
        )
        .expect("the call");
    assert_eq!(key, AMBIGUOUS_KEY);
    db.execute(
        "UPDATE calls SET name = ?1, module = ?2 WHERE key = ?3",
        [EVIL_NAME, "mod\x1b[31m", &key],
    )
    .expect("rename");
    let tags = serde_json::json!({"note": EVIL_TAG, "k\x1b[1m": 1}).to_string();
    db.execute(
        "DELETE FROM metadata WHERE call_key = ?1 AND name = 'tags'",
        [&key],
    )
    .expect("untag");
    db.execute(
        "INSERT INTO metadata (call_key, name, data) VALUES (?1, 'tags', ?2)",
        [&key, &tags],
    )
    .expect("tag");
    env
}

/// No control character but the line breaks between lines; with `own`,
/// the bold, dim and reset of short keys may appear too.
fn assert_printable(run: &Run, own_styles: bool) {
    for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let mut text = text.clone();
        if own_styles {
            for style in ["\x1b[0m", "\x1b[1m", "\x1b[2m"] {
                text = text.replace(style, "");
            }
        }
        let bad: Vec<char> = text
            .chars()
            .filter(|c| *c != '\n' && !fleche_core::repr::is_printable(*c))
            .collect();
        assert!(
            bad.is_empty(),
            "fleche {:?} wrote {bad:?} raw to {what}:\n{text}",
            run.args
        );
    }
}

#[test]
fn text_from_a_cache_cannot_act_on_the_terminal() {
    let env = hostile_names();
    let name = r"\x1b]0;pwned\x07\x1b[2J\rforged\nline\x9b31m\x7f\u202e";
    let tag = r"'\x1b]52;c;ZXZpbA==\x07'";
    for (args, expected) in [
        (vec!["ls"], name),
        (
            vec!["query", "--tag", "note", "--args", "all", "--results"],
            name,
        ),
        (vec!["show", AMBIGUOUS_CALL], name),
        // An error message quoting the name.
        (vec!["show", "a8a3"], name),
        (
            vec!["tag", AMBIGUOUS_CALL, "--set", "x=1", "--dry-run"],
            tag,
        ),
        (
            vec!["untag", AMBIGUOUS_CALL, "-k", "k\x1b[1m", "--dry-run"],
            tag,
        ),
    ] {
        let run = env.run(&args);
        assert!(matches!(run.code, Some(0 | 1)), "{args:?}: {}", run.stderr);
        assert_printable(&run, false);
        let shown = format!("{}{}", run.stdout, run.stderr);
        assert!(
            shown.contains(expected),
            "{args:?}: {expected} is not shown escaped:\n{shown}"
        );
    }
    // The tag value shows as Python's repr shows it, escaped.
    let ls = env.ok(["ls"]).stdout;
    assert!(ls.contains(r"note='\x1b]52;c;ZXZpbA==\x07'"), "{ls}");
    assert!(ls.contains(r"k\x1b[1m=1"), "{ls}");
    // Colour on: only the short keys' own bold and dim.
    let coloured = env.ok(["--color", "always", "ls"]);
    assert_printable(&coloured, true);
    assert!(coloured.stdout.contains("\x1b[1m"), "{}", coloured.stdout);
}

#[test]
fn machine_formats_keep_the_text_exact() {
    let env = hostile_names();
    let rows = env.ok(["ls", "--format", "json"]).rows();
    let row = rows
        .iter()
        .find(|r| r["key"] == AMBIGUOUS_KEY)
        .expect("the call");
    assert_eq!(row["name"], EVIL_NAME);
    assert_eq!(row["metadata"]["tags"]["note"], EVIL_TAG);
    let shown: Json = env.ok(["show", AMBIGUOUS_CALL, "--format", "json"]).json();
    assert_eq!(shown[0]["name"], EVIL_NAME);
    // CSV is data for programs: the field is quoted, the text exact.
    let csv = env.ok(["ls", "--format", "csv"]).stdout;
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let names: Vec<String> = reader
        .records()
        .map(|r| r.expect("a CSV record")[1].to_string())
        .collect();
    assert!(names.iter().any(|n| n == EVIL_NAME), "{names:?}");
}

#[test]
fn tag_tables_show_tags_as_python_repr() {
    // Printable text, non-ASCII included, stays as it is (json.dumps
    // would write "Zo\u00eb").
    let env = TestEnv::copy("getting-started");
    let run = env.ok(["tag", AMBIGUOUS_CALL, "--set", "who='Zoë'", "--dry-run"]);
    assert!(
        run.stdout
            .contains("{'project': 'my_project', 'category': 'testing', 'who': 'Zoë'}"),
        "{}",
        run.stdout
    );
}

/// `fleche digest ARGS` (no cache), insisting on exit 0: its stdout lines.
/// `fleche digest` of each literal gives the digest real fleche gave.
fn assert_digests(cases: &[(&str, &str)]) {
    let args: Vec<&str> = std::iter::once("digest")
        .chain(cases.iter().map(|(text, _)| *text))
        .collect();
    let want: Vec<&str> = cases.iter().map(|(_, d)| *d).collect();
    assert_eq!(digests(&args), want);
}

fn digests(args: &[&str]) -> Vec<String> {
    fleche()
        .args(args)
        .ok()
        .stdout
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn every_python_number_is_a_value_without_double_dash() {
    // fleche 0.22.2's digest of each (Python: digest(-5e-324), ...).
    let cases = [
        (
            "-5e-324",
            "f64f0d239d9dc3150c8e843ed95fa430b07dc58a83d7ca5c3158f0e36f5192c6",
        ),
        (
            "-7.75e-5",
            "7842d8590deff4ed522945e892199f2520fbe4a221acc020c0e3f21be7009da9",
        ),
        (
            "-inf",
            "f082c946d464aa1dfe0a6337935a37f497907e6fa4d8d3431c9dcad1c365fda9",
        ),
        (
            "-INF",
            "f082c946d464aa1dfe0a6337935a37f497907e6fa4d8d3431c9dcad1c365fda9",
        ),
        (
            "-1",
            "235a4fbe5d046291604c3bb3c57655277787517e9bbe7239bf7a21fb5e3c21d8",
        ),
        (
            "-nan",
            "62438408c2ddde8dd6198421912b28233d2bd53ab90c79016b7c5974c53ea1c9",
        ),
        (
            "-1_000",
            "02806d09dbb90c17eee68c7caba839532e6ed34bcc0c6b3bd38918dcfa6ae335",
        ),
        (
            "-0x10",
            "7a2bf6705182561867f146c98182e6d0a9156ca36e33228498e28c1ba97fe4fd",
        ),
        (
            "-1j",
            "493f843b5b445573696e4ed5c10450489ddbc605c5acf1e7cfc6a3da455e2727",
        ),
        (
            "-.5",
            "5f07b5ea1c3bd4ca1b04eddef7e9595cbb15a5029dcc2b55770edc343a9966cc",
        ),
    ];
    assert_digests(&cases);
    // As typed in the JSON form; options after the values still work.
    let rows = fleche()
        .args(["digest", "-inf", "--format", "json"])
        .ok()
        .rows();
    assert_eq!(rows[0]["input"], "-inf");
    // An option's value stays its value.
    assert_eq!(
        digests(&["digest", "--call", "f", "--version", "-1", "x=-inf"]),
        digests(&["digest", "--call", "f", "--version=-1", "x=-inf"])
    );
    // What is no number is still no value.
    let err = fleche().args(["digest", "-x"]).run().failure(2);
    assert!(err.contains("unexpected argument '-x'"), "{err}");
}

#[test]
fn a_stored_value_is_expanded_when_there_is_a_cache() {
    let env = TestEnv::fixture("getting-started");
    // The stored value 100 is 60079f79…: its digest is its key.
    assert_eq!(
        env.ok(["digest", "@60079f79"]).stdout,
        "60079f7901a9295349d1796c037afc132e81286f785ddeeb763104ef02363102\n"
    );
    let rows = env.ok(["digest", "@60079f79", "--format", "json"]).rows();
    assert_eq!(rows[0]["repr"], "100");
    assert_eq!(rows[0]["type"], "int");
    // The key real fleche stored for long_running_calculation(x=100).
    assert_eq!(
        env.ok([
            "digest",
            "--call",
            "long_running_calculation",
            "--module",
            "__main__",
            "x=@60079f79",
        ])
        .stdout,
        "cb9db168b7a8eb99bda637a54241ad5d4e2726b5cd67ad4cfb21baa5874c2b9e\n"
    );
    // Without a cache: said so, naming the value.
    let empty = TestEnv::empty();
    let err = empty.run(["digest", "@60079f79"]).failure(2);
    assert!(
        err.starts_with("Error: `@60079f79` names a stored value, but no cache can be opened"),
        "{err}"
    );
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a venv with real fleche; .ci/run sets it)"
)]
fn stored_value_digests_agree_with_real_fleche() {
    use crate::support::oracle;
    let env = TestEnv::copy("getting-started");
    let prefixes: Vec<String> = env
        .names(".fleche/values")
        .iter()
        .filter(|k| k.len() == 64)
        .map(|k| k[..10].to_string())
        .collect();
    let mut args = vec!["digest".to_string()];
    args.extend(prefixes.iter().map(|p| format!("@{p}")));
    let ours = env.ok(&args).stdout;
    // fleche loads a Digest argument and digests the value.
    let mut python = oracle::python();
    python.current_dir(env.root()).arg("-c").arg(
        "import sys\n\
         from fleche import cache\n\
         from fleche.digest import Digest, digest\n\
         c = cache()\n\
         for p in sys.argv[1:]:\n    print(digest(c.load_value(Digest(p))))\n",
    );
    python.args(&prefixes);
    let theirs = oracle::succeed(python, "digest of stored values");
    assert_eq!(ours, String::from_utf8_lossy(&theirs));
}

#[test]
fn complex_and_bytearray_calls_are_literals() {
    // fleche 0.22.2: digest(complex(1, 0)), ... as Python builds them.
    let cases = [
        (
            "complex(1, 0)",
            "da217d50752f3371d9f8b62a3e72409592bd34b74e14fdac43e2b137bd59f21f",
        ),
        (
            "complex(-0.0, 2)",
            "07184a295ed97dfd922eee0f98d9be6946410cdd52c17ff1a3248b750f5ed9cc",
        ),
        (
            "complex(1j, 1j)",
            "9ba42ce8e907b1cf2617823af82bb064147439ff975e4cceea966824bc91ed69",
        ),
        (
            "complex(2)",
            "92a9b214d814a4a7b5f9ba52e2248c6d16ec0196d8cd7798b345471118bf0c67",
        ),
        (
            "complex()",
            "26461de90bccabfde78889464de27c40b1a962fdc312a7b6284dd21593ffcd83",
        ),
        (
            "complex(1.5, inf)",
            "b1b38377235b8498f246ad0b285a2c4fff4bba9ffcafe388e81e87d4cd24d2ee",
        ),
        (
            "bytearray(b'ab')",
            "21b75251dfc90dff35d72c4d7a2cd18e78d7af8beb91ed3597250caa06e84f1f",
        ),
        (
            "bytearray()",
            "5b7917969d97b59fcaa0c5e855821f59dfd0cfc9dfd4c28d4e8c861a1f749032",
        ),
        (
            "bytearray([1, 255])",
            "11361906f276b6ade2fb2b59a684b6c9683ce56a2608268446465500646d7ae2",
        ),
        (
            "bytearray(b'\\x00\\xff\\'\"')",
            "a57cd66a4f641c9ea23810f5590cb8ed71a1abe74d09c7cd14a1b271a622718c",
        ),
    ];
    assert_digests(&cases);
    let rows = fleche()
        .args(["digest", "complex(1, -0.0)", "--format", "json"])
        .ok()
        .rows();
    assert_eq!(rows[0]["repr"], "(1-0j)");
    let err = fleche().args(["digest", "bytearray(10)"]).run().failure(2);
    assert!(err.contains("bytearray(b'...')"), "{err}");
}

/// The pickled `bytearray(b'\x00abc\xff')` of the pickle corpus, with the
/// digest fleche gives it.
const BYTEARRAY: (&str, &str) = (
    "crates/fleche-core/tests/pickles/values/bytearray.pickle.p4.pkl",
    "3214ac0ffb14d4a962d31b12362671998585bfe8b69f9edeb8111affdccdef1e",
);

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn what_show_prints_of_a_bytearray_reads_back() {
    let env = TestEnv::copy("getting-started");
    let (file, key) = BYTEARRAY;
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file),
        env.path(format!(".fleche/values/{key}")),
    )
    .expect("copy the value");
    let shown = env.ok(["show", key, "--format", "json"]).json();
    let text = shown[0]["repr"].as_str().expect("a repr").to_string();
    assert_eq!(text, "bytearray(b'\\x00abc\\xff')");
    assert_eq!(digests(&["digest", &text]), vec![key.to_string()]);
}

/// `(np.arange(1001) % 7).astype(np.uint8)`, pickled by protocol 4 (its
/// data in the middle) and fleche's digest of it: one element past numpy's
/// summarisation threshold.
const PAST_THRESHOLD_HEAD: &str = "80049576040000000000008c166e756d70792e5f636f72652e6d756c74696172726179948c0c5f7265636f6e7374727563749493948c056e756d7079948c076e6461727261799493944b0085944301629487945294284b014de903859468038c0564747970659493948c02753194898887945294284b038c017c944e4e4e4affffffff4affffffff4b007494628942e9030000";
const PAST_THRESHOLD_TAIL: &str = "947494622e";
const PAST_THRESHOLD_KEY: &str = "36859e739dca4a8fa690e29fd0ed2da7637d9475d1ac570210d31d302aa4be92";

#[test]
fn full_shows_whole_arrays() {
    let env = TestEnv::copy("getting-started");
    let mut pickle = hex(PAST_THRESHOLD_HEAD);
    pickle.extend((0..1001u32).map(|i| (i % 7) as u8));
    pickle.extend(hex(PAST_THRESHOLD_TAIL));
    std::fs::write(
        env.path(format!(".fleche/values/{PAST_THRESHOLD_KEY}")),
        pickle,
    )
    .expect("write the value");
    // numpy's repr, summarised past 1,000 elements.
    let cut = env.ok(["show", &PAST_THRESHOLD_KEY[..10]]).stdout;
    assert!(
        cut.contains("array([0, 1, 2, ..., 4, 5, 6], shape=(1001,), dtype=uint8)"),
        "{cut}"
    );
    // numpy's repr with threshold=sys.maxsize: every element, wrapped,
    // its lines kept in shape beside the label.
    let full = env.ok(["show", &PAST_THRESHOLD_KEY[..10], "--full"]).stdout;
    let label = " ".repeat(15);
    assert!(
        full.contains(&format!(
            "array([0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0,\n{label}       1, 2,"
        )),
        "{full}"
    );
    let json = env
        .ok([
            "show",
            &PAST_THRESHOLD_KEY[..10],
            "--full",
            "--format",
            "json",
        ])
        .json();
    let text = json[0]["repr"].as_str().expect("repr");
    assert_eq!(text.lines().count(), 46, "numpy's 46 lines: {text}");
    assert!(full.contains("4, 5, 6], dtype=uint8)"), "{full}");
    assert!(!full.contains("..."), "{full}");
}

#[test]
fn missing_arguments_are_named_with_the_usage() {
    for (verb, arg) in [
        ("show", "<PREFIX>..."),
        ("expand", "<PREFIX>..."),
        ("shrink", "<DIGEST>..."),
    ] {
        let err = fleche().arg(verb).run().failure(2);
        assert_eq!(
            err,
            format!(
                "Error: the following required arguments were not provided: {arg}\nHint: usage: fleche {verb} {arg}\n"
            )
        );
    }
}

#[test]
fn messages_say_what_really_fails() {
    let env = TestEnv::copy("getting-started");
    // JSON holds floats, but not nan or inf.
    let err = env.run(["tag", "--all", "--set", "x=nan"]).failure(2);
    assert!(
        err.starts_with(
            "Error: --set x: metadata is JSON, which cannot hold nan (only finite floats)\n"
        ),
        "{err}"
    );
    let err = env.run(["tag", "--all", "--set", "x=[1, -inf]"]).failure(2);
    assert!(err.contains("cannot hold -inf"), "{err}");
    // A set with nan: nan's hash, not string hashing.
    let err = fleche().args(["digest", "{1, nan}"]).run().failure(2);
    assert!(
        err.contains("a nan's hash is its address in memory"),
        "{err}"
    );
    assert!(!err.contains("string"), "{err}");
    // An empty argument name.
    for spec in ["=1", " =1"] {
        let err = env.run(["query", "--arg", spec]).failure(2);
        assert!(
            err.contains("the argument name before `=` is empty"),
            "{err}"
        );
    }
    // `-n -1`: a hint that works.
    let err = env.run(["ls", "-n", "-1"]).failure(2);
    assert_eq!(
        err,
        "Error: -n takes a positive count of calls, not '-1'\nHint: e.g. `-n 10`; without -n every call is listed\n"
    );
    let err = env.run(["query", "--since", "-5min"]).failure(2);
    assert!(err.contains("`--since=-5min`"), "{err}");
}

#[test]
fn a_query_that_matches_nothing_says_so() {
    let env = TestEnv::copy("getting-started");
    let run = env.run(["query", "--arg", "x=101"]);
    assert_eq!(run.stdout, "");
    assert_eq!(run.failure(1), "No call matches\n");
    // The machine formats print their empty form, and nothing else.
    let run = env.run(["query", "--arg", "x=101", "--format", "jsonl"]);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
    // A bare nan is the float; when the string would match, a hint says so.
    let d = fleche_core::digest(&fleche_core::Value::Str("nan".into())).expect("a digest");
    let db = rusqlite::Connection::open(env.path(".fleche/calls.db")).expect("open calls.db");
    db.execute(
        "UPDATE arguments SET name = 'kind', value = ?1 WHERE call_key LIKE 'cb9db168%'",
        [&d],
    )
    .expect("an argument kind='nan'");
    drop(db);
    let err = env.run(["query", "--arg", "kind=nan"]).failure(1);
    assert_eq!(
        err,
        "No call matches\nHint: --arg kind=nan is the float nan; 1 call matches the string: --arg \"kind='nan'\"\n"
    );
    assert_eq!(
        env.ok(["query", "--arg", "kind='nan'", "--count"]).stdout,
        "1\n"
    );
}
