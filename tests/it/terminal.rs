//! Terminal manners: colour only on a terminal and never with NO_COLOR, a
//! closed pipe is not an error, tables fit the terminal.

use crate::support::{Fleche, TestEnv};
use std::path::Path;
use std::process::{Command, Stdio};

const SCRIPT: &str = "/usr/bin/script";

fn in_fixture(args: &str) -> Fleche {
    TestEnv::fixture("getting-started")
        .fleche()
        .args(args.split_whitespace())
}

/// Run the CLI on a pseudo-terminal through util-linux `script` (tests that
/// need it are built ignored without it, `cfg(fleche_pty)`), with colour
/// left to the terminal and `env` on top.
fn on_tty(env: &[(&str, &str)], args: &str) -> String {
    assert!(
        Path::new(SCRIPT).exists(),
        "no {SCRIPT} for a pseudo-terminal"
    );
    let mut fleche = in_fixture(args).env_remove("NO_COLOR");
    for (k, v) in env {
        fleche = fleche.env(k, v);
    }
    // `script` takes the command as one line and passes its own
    // environment on.
    let inner = fleche.command();
    let line: Vec<&str> = std::iter::once(inner.get_program())
        .chain(inner.get_args())
        .map(|a| a.to_str().expect("a UTF-8 argument"))
        .collect();
    let mut c = Command::new(SCRIPT);
    c.args(["-qec", &line.join(" "), "/dev/null"]);
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    let out = c.output().expect("script");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[cfg_attr(not(fleche_pty), ignore = "needs /usr/bin/script (util-linux)")]
fn colour_on_a_terminal_unless_no_color() {
    let coloured = on_tty(&[("COLUMNS", "200")], "ls -n 3");
    assert!(
        coloured.contains("\x1b[1m"),
        "no bold key on a terminal: {coloured:?}"
    );
    let plain = on_tty(&[("NO_COLOR", "1"), ("COLUMNS", "200")], "ls -n 3");
    assert!(
        !plain.contains('\x1b'),
        "escape codes despite NO_COLOR: {plain:?}"
    );
    let never = on_tty(&[("COLUMNS", "200")], "--color never ls -n 3");
    assert!(!never.contains('\x1b'));
}

#[test]
#[cfg_attr(not(fleche_pty), ignore = "needs /usr/bin/script (util-linux)")]
fn tables_fit_the_terminal() {
    let out = on_tty(&[("COLUMNS", "70"), ("NO_COLOR", "1")], "ls");
    for line in out.lines() {
        let width = line.trim_end_matches('\r').chars().count();
        assert!(width <= 70, "{width} columns: {line:?}");
    }
    assert!(out.contains('…'), "nothing was cut to fit: {out}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // `fleche ls --format jsonl | head -1`: the reader goes away early.
    quiet_when_the_reader_goes(in_fixture("ls --format jsonl"));
}

/// Run `fleche` with its stdout closed at once: exit 0, nothing on stderr.
fn quiet_when_the_reader_goes(fleche: Fleche) {
    let mut child = fleche
        .command()
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

/// The same when `show` writes a value's JSON straight to the pipe (the
/// error then comes through serde_json, not as a bare `io::Error`).
#[test]
fn a_closed_pipe_under_json_is_not_an_error() {
    let dir = TestEnv::copy("getting-started");
    // 256 KiB of bytes: far more JSON than a pipe holds.
    let mut pickle = b"\x80\x02B".to_vec();
    pickle.extend_from_slice(&(256u32 << 10).to_le_bytes());
    pickle.extend(std::iter::repeat_n(7u8, 256 << 10));
    pickle.push(b'.');
    let key = "ab".repeat(32);
    std::fs::write(dir.path(format!(".fleche/values/{key}")), pickle).expect("write");
    quiet_when_the_reader_goes(dir.fleche().args(["show", &key[..8], "--format", "json"]));
}

/// Issue #15, H11: a closed stderr (`fleche verify 2>&1 | head -1`) is not a
/// crash: the summary and warnings that cannot be written are dropped.
#[test]
fn a_closed_stderr_is_not_an_error() {
    let dir = TestEnv::copy("getting-started");
    for args in ["verify", "gc --dry-run", "tag --all --set k=1 --dry-run"] {
        let mut child = dir
            .fleche()
            .args(args.split_whitespace())
            .command()
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stderr.take());
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(0), "{args}: {status}");
    }
}

#[test]
#[cfg_attr(not(fleche_pty), ignore = "needs /usr/bin/script (util-linux)")]
fn a_query_matching_nothing_says_so_on_a_terminal() {
    let out = on_tty(&[("NO_COLOR", "1")], "query --arg x=101");
    assert_eq!(out.trim_end(), "No call matches", "{out:?}");
}

#[test]
#[cfg_attr(not(fleche_pty), ignore = "needs /usr/bin/script (util-linux)")]
fn a_copy_shows_its_progress_on_a_terminal_only() {
    let dst = TestEnv::empty();
    let to = dst.path("copy");
    let args = format!("copy --all --to-root {}", to.display());
    let shown = on_tty(&[("COLUMNS", "200")], &args);
    assert!(
        shown.contains("copying values"),
        "no progress bar: {shown:?}"
    );
    assert!(shown.contains("Copied "), "{shown:?}");
    let piped = in_fixture(&format!(
        "copy --all --to-root {}",
        dst.path("again").display()
    ))
    .ok();
    assert!(!piped.stderr.contains("copying values"), "{}", piped.stderr);
}
