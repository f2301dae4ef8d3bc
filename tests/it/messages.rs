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
fn a_bare_fleche_line_is_unaffected() {
    // Printable names (non-ASCII included) are shown as they are.
    let env = TestEnv::copy("getting-started");
    let run = env.ok(["tag", AMBIGUOUS_CALL, "--set", "who='Zoë'", "--dry-run"]);
    assert!(run.stdout.contains("'who': 'Zoë'"), "{}", run.stdout);
    let _ = fleche;
}
