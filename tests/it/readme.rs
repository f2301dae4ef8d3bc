//! The README's tour is true: every `$ fleche …` example of "A tour" runs,
//! in order, in a scratch copy of the example cache (as the README tells
//! readers to), and prints exactly the lines the README shows under it.
//! Examples piped through `jq` run only where jq is installed; a shown
//! line `...` stands for any lines. Output is stdout and stderr together,
//! except for pipelines (stdout only).

use crate::support::{notice, TestEnv};
use std::path::Path;
use std::process::Command;

/// Each example of the tour: the shell line and the output shown under it
/// (`None` when the README shows none, as for the writes it only names).
fn examples() -> Vec<(String, Option<String>)> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let start = readme.find("\n## A tour").expect("a tour");
    let end = start
        + readme[start..]
            .find("\n## Output for scripts")
            .expect("its end");
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for line in readme[start..end].lines() {
        if let Some(cmd) = line.strip_prefix("    $ ") {
            out.push((cmd.to_string(), None));
        } else if let (Some(shown), Some((_, output))) = (line.strip_prefix("    "), out.last_mut())
        {
            let o = output.get_or_insert_with(String::new);
            o.push_str(shown);
            o.push('\n');
        }
    }
    out
}

/// Whether `printed` is what the README shows, where a line `...` stands
/// for any number of lines (as in trycmd's cases).
fn matches(shown: &[&str], printed: &[&str]) -> bool {
    match shown.split_first() {
        None => printed.is_empty(),
        Some((line, rest)) if line.trim() == "..." => {
            (0..=printed.len()).any(|skip| matches(rest, &printed[skip..]))
        }
        Some((line, rest)) => printed.first() == Some(line) && matches(rest, &printed[1..]),
    }
}

fn has_jq() -> bool {
    Command::new("jq")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_tour_shows_what_fleche_prints() {
    let dir = TestEnv::copy("getting-started");
    let bin = Path::new(env!("CARGO_BIN_EXE_fleche"));
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let jq = has_jq();
    let examples = examples();
    assert!(examples.len() >= 15, "the tour lost its examples");
    let mut checked = 0;
    for (cmd, shown) in examples {
        if cmd.contains("| jq") && !jq {
            notice(&format!("README tour: skipped without jq: {cmd}"));
            continue;
        }
        let out = Command::new("sh")
            .arg("-c")
            // A pipeline's stderr would interleave unpredictably.
            .arg(if cmd.contains('|') {
                cmd.clone()
            } else {
                format!("{cmd} 2>&1")
            })
            .current_dir(dir.root())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .env("HOME", "/nonexistent-home")
            .env("XDG_CONFIG_HOME", "/nonexistent-xdg")
            .env_remove("FLECHE_SECRET_KEY")
            .env_remove("COLUMNS")
            .output()
            .expect("run sh");
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "README example `{cmd}` failed:\n{printed}"
        );
        if let Some(shown) = shown {
            let shown_lines: Vec<&str> = shown.lines().collect();
            let printed_lines: Vec<&str> = printed.lines().collect();
            assert!(
                matches(&shown_lines, &printed_lines),
                "README example `{cmd}` prints otherwise:\n{printed}\nwhere the README shows:\n{shown}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} examples were compared");
}
