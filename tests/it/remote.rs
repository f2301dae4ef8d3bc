//! Caches with remote layers (`type = "ssh"`, fleche's `SshCache`). A layer
//! that cannot be reached is left out, said in one line, and the other
//! layers answer; writes that would miss it are refused, or with
//! `--offline` go to the local layers only. A layer reached (a real
//! loopback sshd, real fleche serving a scratch copy of a fixture) answers
//! every read command exactly as the same cache read here does.

use crate::support::ssh::{self, Sshd};
use crate::support::TestEnv;
use std::path::Path;

const NEEDS_SSH: &str =
    "needs FLECHE_TEST_SSH (eval \"$(.ci/sshd start)\") and FLECHE_ORACLE_PYTHON; .ci/run sets both";

/// The getting-started cache, also configured as a stack and a pool with a
/// remote layer, and as a remote cache alone.
fn with_remote_layers() -> TestEnv {
    let env = TestEnv::copy("getting-started");
    let mut toml = std::fs::read_to_string(env.path("fleche.toml")).expect("toml");
    toml.push_str(
        r#"
[[team]]
template = "sql"
root = ".fleche"
values = "pickle"

[[team]]
type = "ssh"
host = "cluster.example"
cache_name = "main"

[[upstream]]
type = "ssh"
host = "cluster.example"

[[upstream]]
template = "sql"
root = ".fleche"
values = "pickle"

[shared]
pool = [{ type = "ssh", host = "cluster.example" }, { template = "sql", root = ".fleche", values = "pickle" }]

[far]
type = "ssh"
host = "cluster.example"
"#,
    );
    std::fs::write(env.path("fleche.toml"), toml).expect("toml");
    env
}

#[test]
fn a_stack_answers_from_its_local_layers_and_says_which_it_left_out() {
    let env = with_remote_layers();
    let local = env.ok(["ls", "--format", "json"]).keys();
    for cache in ["team", "upstream", "shared"] {
        let run = env.ok(["--cache", cache, "ls", "--format", "json"]);
        assert_eq!(run.keys(), local, "{cache}");
        assert!(
            run.stderr
                .contains("a remote cache over ssh (cluster.example)")
                && run.stderr.contains("left out `")
                && run.stderr.lines().count() == 1,
            "{cache}: {}",
            run.stderr
        );
        let quiet = env.ok(["--offline", "--cache", cache, "ls", "--format", "json"]);
        assert_eq!(quiet.keys(), local);
        assert_eq!(quiet.stderr, "", "{cache}");
    }
    let key = local.iter().next().expect("a call").clone();
    let shown = env.ok(["--cache", "team", "show", &key[..8]]);
    assert!(shown.stdout.contains(&key[..8]), "{}", shown.stdout);
}

#[test]
fn writes_that_would_miss_the_remote_layer_are_refused() {
    let env = with_remote_layers();
    let key = env
        .ok(["ls", "--format", "json"])
        .keys()
        .into_iter()
        .next()
        .expect("a call");
    // Evicting from a stack evicts from every layer: not without the remote one.
    let err = env.run(["--cache", "team", "evict", &key]).failure(2);
    assert!(
        err.contains("cannot be reached") && err.contains("--offline"),
        "{err}"
    );
    assert!(env.ok(["ls", "--format", "json"]).keys().contains(&key));
    let run = env.ok(["--offline", "--cache", "team", "evict", &key]);
    assert!(
        run.stderr.contains("Removed 1 call record"),
        "{}",
        run.stderr
    );
    assert!(!env.ok(["ls", "--format", "json"]).keys().contains(&key));
    // A stack whose first layer is remote takes its writes there.
    let err = env
        .run(["--cache", "upstream", "tag", "--all", "--set", "x=1"])
        .failure(2);
    assert!(err.contains("go to its remote layer"), "{err}");
    // A remote cache alone has nothing local to read.
    let err = env.run(["--cache", "far", "ls"]).failure(2);
    assert!(
        err.contains("remote cache over ssh (cluster.example)"),
        "{err}"
    );
}

/// A cache here, a copy of it served by real fleche over ssh, and another
/// copy read here: `ssh.toml` configures the stack `team` [here, ssh],
/// the remote cache alone `solo` and the pool `shared` [ssh, here];
/// `here.toml` the same with the copy read here in place of ssh.
struct Served {
    here: TestEnv,
    served: TestEnv,
    _copy: TestEnv,
    sshd: Sshd,
}

const LOCAL_LAYER: &str = "template = \"sql\"\nroot = \".fleche\"\nvalues = \"pickle\"";

impl Served {
    fn new() -> Served {
        let here = TestEnv::copy("getting-started");
        let served = here.duplicate();
        let copy = here.duplicate();
        let sshd = ssh::sshd();
        let remote = sshd.layer(served.root());
        let inline = sshd.layer_with(served.root(), &ssh::python(), None, ", ");
        let copied = format!(
            "template = \"sql\"\nroot = {:?}\nvalues = \"pickle\"",
            copy.path(".fleche").display().to_string()
        );
        let config = |other: &str, other_inline: &str| {
            format!(
                "[[team]]\n{LOCAL_LAYER}\n\n[[team]]\n{other}\n\n[solo]\n{other}\n\n\
                 [shared]\npool = [{{ {other_inline} }}, {{ template = \"sql\", root = \".fleche\", values = \"pickle\" }}]\n"
            )
        };
        std::fs::write(here.path("ssh.toml"), config(&remote, &inline)).expect("ssh.toml");
        let copied_inline = copied.replace('\n', ", ");
        std::fs::write(here.path("here.toml"), config(&copied, &copied_inline)).expect("here.toml");
        Served {
            here,
            served,
            _copy: copy,
            sshd,
        }
    }

    /// `fleche --config ssh.toml ARGS` and the same over `here.toml`: the
    /// same exit code and stderr (no warning), and their stdouts.
    fn both(&self, args: &[&str]) -> (String, String) {
        let over = |config: &str| {
            let mut all = vec!["--config", config];
            all.extend(args);
            self.here.run(all)
        };
        let ssh = over("ssh.toml");
        let here = over("here.toml");
        assert_eq!(
            (ssh.code, &ssh.stderr),
            (here.code, &here.stderr),
            "{args:?}"
        );
        assert!(!ssh.stderr.contains("Warning"), "{args:?}: {}", ssh.stderr);
        (ssh.stdout, here.stdout)
    }

    fn nothing_left_running(&self) {
        let left = ssh::left_running(self.served.root());
        assert!(left.is_empty(), "left running: {left:#?}");
    }
}

/// What only a value's file says (its size, compression, signature):
/// over ssh only the value travels.
fn without_file_lines(text: &str) -> String {
    text.lines()
        .filter(|l| {
            ![
                "  size ",
                "  compressed ",
                "  signature ",
                "values ",
                "orphans ",
                "gc ",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
#[cfg_attr(
    not(all(fleche_ssh, fleche_oracle)),
    ignore = "needs FLECHE_TEST_SSH and FLECHE_ORACLE_PYTHON (.ci/run sets both)"
)]
fn every_read_command_over_ssh_answers_as_the_same_cache_read_here() {
    let s = Served::new();
    let _ = NEEDS_SSH;
    let keys: Vec<String> = s.here.ok(["ls", "--format", "jsonl"]).jsonl_keys();
    let frame = "cb4badff"; // a DataFrame result
    let commands: Vec<Vec<&str>> = vec![
        vec!["ls"],
        vec!["ls", "--format", "json"],
        vec![
            "ls", "--format", "csv", "--sort", "walltime", "--limit", "7",
        ],
        vec!["query", "--name", "fib", "--results"],
        vec!["query", "--tag", "project=my_project", "--args", "all"],
        vec!["query", "--arg", "n=1", "--format", "jsonl"],
        vec!["query", "--since", "2026-03-23 00:50:01", "--count"],
        vec!["query", "--results", "--format", "json"],
        vec!["show", &keys[0][..8]],
        vec!["show", &keys[3][..10], "--format", "json"],
        vec!["show", frame],
        vec!["export", frame, "-o", "-", "--as", "csv"],
        vec!["expand", &keys[5][..8]],
        vec!["expand", frame],
        vec!["shrink", &keys[7]],
        vec!["why", "fib", "n=3"],
        vec!["why", "fib", "n=1000"],
        vec!["diff", "24231d9b", "dabebddb"],
        vec!["stats"],
    ];
    for cache in ["team", "solo", "shared"] {
        for args in &commands {
            let mut all = vec!["--cache", cache];
            all.extend(args.iter().copied());
            let (ssh, here) = s.both(&all);
            assert!(!here.is_empty(), "{all:?}");
            assert_eq!(
                without_file_lines(&ssh),
                without_file_lines(&here),
                "{all:?}"
            );
            // `solo` and `shared` read values over ssh first (`team` reads
            // them here first); stats cannot list a remote's values.
            if args[0] != "stats" && (cache == "team" || args[0] != "show") {
                assert_eq!(ssh, here, "{all:?}");
            }
        }
    }
    // A value loaded over ssh says so, instead of a file's size.
    let shown = s
        .here
        .ok(["--config", "ssh.toml", "--cache", "solo", "show", frame]);
    assert!(
        shown
            .stdout
            .contains(&format!("loaded over ssh from {}", s.sshd.host)),
        "{}",
        shown.stdout
    );
    let stats = s
        .here
        .ok(["--config", "ssh.toml", "--cache", "solo", "stats"]);
    assert!(
        stats
            .stdout
            .contains("fleche's remote protocol cannot list them"),
        "{}",
        stats.stdout
    );
    s.nothing_left_running();
}
