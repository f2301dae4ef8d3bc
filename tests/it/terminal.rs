//! Terminal manners: colour only on a terminal and never with NO_COLOR, a
//! closed pipe is not an error, tables fit the terminal.

use std::path::Path;
use std::process::{Command, Stdio};

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/getting-started")
}

/// Run the CLI on a pseudo-terminal through util-linux `script`, if present.
fn on_tty(env: &[(&str, &str)], args: &str) -> Option<String> {
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("SKIPPED terminal check: no /usr/bin/script to make a pseudo-terminal");
        return None;
    }
    let cmd = format!(
        "{} -C {} {args}",
        env!("CARGO_BIN_EXE_fleche"),
        fixture().display()
    );
    let mut c = Command::new("/usr/bin/script");
    c.args(["-qec", &cmd, "/dev/null"])
        .env_remove("NO_COLOR")
        .env("TZ", "UTC");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("script");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    let Some(coloured) = on_tty(&[("COLUMNS", "200")], "ls -n 3") else {
        return;
    };
    assert!(
        coloured.contains("\x1b[1m"),
        "no bold key on a terminal: {coloured:?}"
    );
    let plain = on_tty(&[("NO_COLOR", "1"), ("COLUMNS", "200")], "ls -n 3").expect("script");
    assert!(
        !plain.contains('\x1b'),
        "escape codes despite NO_COLOR: {plain:?}"
    );
    let never = on_tty(&[("COLUMNS", "200")], "--color never ls -n 3").expect("script");
    assert!(!never.contains('\x1b'));
}

#[test]
fn tables_fit_the_terminal() {
    let Some(out) = on_tty(&[("COLUMNS", "70"), ("NO_COLOR", "1")], "ls") else {
        return;
    };
    for line in out.lines() {
        let width = line.trim_end_matches('\r').chars().count();
        assert!(width <= 70, "{width} columns: {line:?}");
    }
    assert!(out.contains('…'), "nothing was cut to fit: {out}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // `fleche ls --format jsonl | head -1`: the reader goes away early.
    let mut child = Command::new(env!("CARGO_BIN_EXE_fleche"))
        .arg("-C")
        .arg(fixture())
        .args(["ls", "--format", "jsonl"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
