//! End-to-end CLI cases run by trycmd: `tests/cli/*.toml`, each one read
//! command run in the repository root with its expected stdout/stderr, and
//! the write cases `tests/cli/*.md` (below). Re-record with
//! `TRYCMD=overwrite cargo test --test it cli::` — and check every change
//! against real fleche before committing it (for the write cases,
//! `write_cases` does).

use std::path::Path;

/// The cases' runner: our binary, and the environment of
/// [`crate::support::fleche`] (trycmd can set variables but not remove
/// them; an empty `FLECHE_SECRET_KEY` means none).
fn cases() -> trycmd::TestCases {
    crate::support::fixtures_dir();
    let cases = trycmd::TestCases::new();
    cases
        .register_bin("fleche", Path::new(env!("CARGO_BIN_EXE_fleche")))
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env("HOME", "/nonexistent-home")
        .env("XDG_CONFIG_HOME", "/nonexistent-xdg")
        .env("FLECHE_SECRET_KEY", "");
    cases
}

#[test]
fn cli_cases() {
    cases().case("tests/cli/*.toml");
}

/// The cases of the write commands, `tests/cli/<case>.md`: a write and the
/// commands that show its effect, run one after another (stdout and stderr
/// together) in a sandbox, a scratch copy of `<case>.in`, which links to a
/// committed fixture; `<case>.out/` holds only `.keep`, which asks trycmd
/// for the sandbox. The top of each case says how real fleche checks it.
pub const WRITE_CASES: [&str; 4] = ["tag", "evict", "gc", "pool-refuses-writes"];

fn write_case(name: &str) {
    cases().case(format!("tests/cli/{name}.md"));
}

#[test]
fn tag_case() {
    write_case("tag");
}

#[test]
fn evict_case() {
    write_case("evict");
}

#[test]
fn gc_case() {
    write_case("gc");
}

#[test]
fn pool_refuses_writes_case() {
    write_case("pool-refuses-writes");
}

#[test]
fn every_write_case_has_a_test() {
    let mut found: Vec<String> = std::fs::read_dir("tests/cli")
        .expect("tests/cli")
        .filter_map(|e| {
            let name = e.expect("entry").file_name().into_string().ok()?;
            Some(name.strip_suffix(".md")?.to_string())
        })
        .collect();
    found.sort();
    let mut known = WRITE_CASES.map(String::from).to_vec();
    known.sort();
    assert_eq!(found, known, "add a test for each case to tests/it/cli.rs");
}
