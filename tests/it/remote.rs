//! Caches with remote layers (`type = "ssh"`, fleche's `SshCache`). A layer
//! that cannot be reached is left out, said in one line, and the other
//! layers answer; writes that would miss it are refused, or with
//! `--offline` go to the local layers only. A layer reached (a real
//! loopback sshd, real fleche serving a scratch copy of a fixture) answers
//! every read command exactly as the same cache read here does.

use crate::support::ssh::{self, Sshd};
use crate::support::TestEnv;
use std::path::Path;

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

/// What only a value's file says (its size, compression, signature, the
/// children of a destructured one): over ssh only the value travels,
/// mended.
fn without_file_lines(text: &str) -> String {
    text.lines()
        .filter(|l| {
            ![
                "  size ",
                "  compressed ",
                "  signature ",
                "  children ",
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
            // The pool: what reading its members in turn could change.
            if cache == "shared" && !["ls", "query", "show", "stats"].contains(&args[0]) {
                continue;
            }
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

/// A `python` for the remote end that runs real fleche's server with
/// `patch` (Python) applied first, written into `dir`.
fn patched_python(dir: &Path, name: &str, patch: &str) -> String {
    let script = dir.join(format!("{name}.py"));
    std::fs::write(
        &script,
        format!(
            "import os, signal, sys, runpy\nfrom fleche import remote\n{patch}\n\
             sys.argv = [sys.argv[0]] + sys.argv[3:]\n\
             runpy.run_module('fleche', run_name='__main__', alter_sys=True)\n"
        ),
    )
    .expect("script");
    let launcher = dir.join(name);
    std::fs::write(
        &launcher,
        format!(
            "#!/bin/sh\nexec {} {} \"$@\"\n",
            ssh::python(),
            script.display()
        ),
    )
    .expect("launcher");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    launcher.display().to_string()
}

/// The server dies (SIGKILL, after its last words on stderr) when first
/// asked `method` (`load_value`: after the handshake, the records and any
/// prefixes).
fn die_on(method: &str) -> String {
    format!(
        "_read = remote._read_frame
def read_then_die(stream):
    request = _read(stream)
    if request[0] == '{method}':
        sys.stderr.write('killed when asked {method}\\n')
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    return request
remote._read_frame = read_then_die"
    )
}

#[test]
#[cfg_attr(
    not(all(fleche_ssh, fleche_oracle)),
    ignore = "needs FLECHE_TEST_SSH and FLECHE_ORACLE_PYTHON (.ci/run sets both)"
)]
fn a_wrong_key_no_fleche_there_and_a_killed_server_are_one_line_each() {
    let s = Served::new();
    let wrong = s.here.path("wrong_key");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&wrong)
        .status()
        .expect("ssh-keygen");
    assert!(made.success());
    let served = s.served.root();
    let python = ssh::python();
    let dying = patched_python(s.here.root(), "dying", &die_on("load_value"));
    let dying_expand = patched_python(s.here.root(), "dying_expand", &die_on("expand"));
    let config = format!(
        "[[team]]\n{LOCAL_LAYER}\n\n[[team]]\n{}\n\n[locked]\n{}\n\n[bare]\n{}\n\n[dying]\n{}\n\n[dying_expand]\n{}\n",
        s.sshd.layer_with(served, &python, Some(&wrong), "\n"),
        s.sshd.layer_with(served, &python, Some(&wrong), "\n"),
        // fleche's default remote python, without fleche here.
        s.sshd.layer_with(served, "python3", None, "\n"),
        s.sshd.layer_with(served, &dying, None, "\n"),
        s.sshd.layer_with(served, &dying_expand, None, "\n"),
    );
    std::fs::write(s.here.path("bad.toml"), config).expect("bad.toml");
    let local = s.here.ok(["ls", "--format", "json"]).keys();

    // A stack answers from its other layers, with the remote's own line.
    let run = s.here.ok([
        "--config", "bad.toml", "--cache", "team", "ls", "--format", "json",
    ]);
    assert_eq!(run.keys(), local);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        lines.len() == 1
            && lines[0].starts_with("Warning: left out `team[1]`")
            && lines[0].contains("Permission denied (publickey)"),
        "{}",
        run.stderr
    );

    // A remote cache alone: one error line (and its hint).
    for (cache, said) in [
        ("locked", "Permission denied (publickey)"),
        ("bare", "No module named fleche"),
    ] {
        let err = s
            .here
            .run(["--config", "bad.toml", "--cache", cache, "ls"])
            .failure(2);
        let lines: Vec<&str> = err.lines().collect();
        assert!(
            lines.len() == 2
                && lines[0].starts_with(&format!("Error: cannot reach `{cache}`"))
                && lines[0].contains(said)
                && lines[1].starts_with("Hint: "),
            "{cache}: {err}"
        );
    }

    // A server killed mid-session: its records came, its values cannot,
    // and the short keys `show` prints cannot be checked with it.
    let err = s
        .here
        .run([
            "--config", "bad.toml", "--cache", "dying", "show", "cb4badff",
        ])
        .failure(2);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.len() == 2
            && lines[0].contains("stopped answering")
            && lines[0].contains("killed when asked load_value")
            && lines[1].starts_with("Hint: "),
        "{err}"
    );
    let exported = s
        .here
        .run([
            "--config", "bad.toml", "--cache", "dying", "export", "cb4badff", "-o", "-", "--as",
            "csv",
        ])
        .failure(2);
    assert!(
        exported.lines().count() <= 2 && exported.contains("killed when asked load_value"),
        "{exported}"
    );
    // Killed while asked what it holds under a prefix: one error line.
    let err = s
        .here
        .run([
            "--config",
            "bad.toml",
            "--cache",
            "dying_expand",
            "expand",
            "cb4badff",
        ])
        .failure(2);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.len() == 2
            && lines[0].starts_with("Error: ")
            && lines[0].contains("killed when asked expand")
            && lines[1].starts_with("Hint: "),
        "{err}"
    );
    s.nothing_left_running();
}

#[test]
#[cfg_attr(
    not(all(fleche_ssh, fleche_oracle)),
    ignore = "needs FLECHE_TEST_SSH and FLECHE_ORACLE_PYTHON (.ci/run sets both)"
)]
fn a_server_of_another_fleche_is_warned_of_once() {
    let s = Served::new();
    let skewed = patched_python(
        s.here.root(),
        "skewed",
        "remote._fleche_version = lambda: '0.21.0'",
    );
    let config = format!(
        "[skewed]\n{}\n",
        s.sshd.layer_with(s.served.root(), &skewed, None, "\n")
    );
    std::fs::write(s.here.path("skew.toml"), config).expect("skew.toml");
    let run = s.here.ok([
        "--config",
        "skew.toml",
        "--cache",
        "skewed",
        "ls",
        "--format",
        "json",
    ]);
    assert_eq!(run.keys(), s.here.ok(["ls", "--format", "json"]).keys());
    assert_eq!(
        run.stderr,
        format!(
            "Warning: fleche version skew: `skewed` ({}) runs fleche 0.21.0, this tool reads fleche 0.22.2; schemas may differ\n",
            s.sshd.host
        )
    );
    s.nothing_left_running();
}

#[test]
#[cfg_attr(
    not(all(fleche_ssh, fleche_oracle)),
    ignore = "needs FLECHE_TEST_SSH and FLECHE_ORACLE_PYTHON (.ci/run sets both)"
)]
fn evictions_go_through_the_server_and_other_writes_are_refused() {
    let s = Served::new();
    let keys: Vec<String> = s.here.ok(["ls", "--format", "jsonl"]).jsonl_keys();
    let ssh = |args: &[&str]| {
        let mut all = vec!["--config", "ssh.toml"];
        all.extend(args);
        s.here.run(all)
    };
    // fleche's protocol has no request to change a stored call.
    for args in [
        vec!["--cache", "solo", "tag", &keys[0], "--set", "x=1"],
        vec!["--cache", "solo", "untag", &keys[0], "--key", "x"],
        vec!["--cache", "solo", "rekey", "--module", "__main__=analysis"],
        vec!["--cache", "solo", "gc"],
    ] {
        let err = ssh(&args).failure(2);
        assert!(
            err.lines().next().is_some_and(|l| l.contains(
                "go to its remote layer over ssh (127.0.0.1), and fleche's remote protocol can only save and evict calls there"
            )),
            "{args:?}: {err}"
        );
    }
    let err = ssh(&["--cache", "team", "copy", "--all", "--to", "solo"]).failure(2);
    assert!(err.contains("remote cache over ssh"), "{err}");
    // A dry run says what would go, and removes nothing.
    let dry = ssh(&["--cache", "solo", "evict", &keys[0], "--dry-run"]);
    assert!(dry.success(), "{}", dry.stderr);
    let there = || s.served.ok(["ls", "--format", "json"]).keys();
    assert!(there().contains(&keys[0]));
    // Evicting from a stack evicts from every layer, the remote one
    // through its server.
    let run = ssh(&["--cache", "team", "evict", &keys[0]]);
    assert!(run.success(), "{}", run.stderr);
    assert!(!there().contains(&keys[0]));
    assert!(!s
        .here
        .ok(["ls", "--format", "json"])
        .keys()
        .contains(&keys[0]));
    // A remote cache alone evicts there.
    let run = ssh(&["--cache", "solo", "evict", &keys[1]]);
    assert!(run.success(), "{}", run.stderr);
    assert!(!there().contains(&keys[1]));
    assert!(s
        .here
        .ok(["ls", "--format", "json"])
        .keys()
        .contains(&keys[1]));
    // --offline leaves the remote out: a remote cache alone has nothing.
    let err = ssh(&["--offline", "--cache", "solo", "ls"]).failure(2);
    assert!(err.contains("--offline leaves out"), "{err}");
    let quiet = ssh(&["--offline", "--cache", "team", "ls", "--format", "json"]);
    assert_eq!(quiet.stderr, "");
    assert!(quiet.success());
    s.nothing_left_running();
}

/// Add to a cache, with real fleche, values no record names: a list it
/// destructures (its children are value files of their own) and a string
/// whose digest shares its first five digits with a key already there.
/// Prints the string's digest, the list's and its first child's.
const ORPHANS: &str = "\
from fleche.state import cache
from fleche.digest import digest
c = cache()
heads = {str(k)[:5] for k in c.values.list()}
heads |= {str(lc.to_lookup_key())[:5] for lc in c.query()}
i = 0
while str(digest(f'orphan {i}'))[:5] not in heads:
    i += 1
print(c.values.save(f'orphan {i}'))
print(c.values.save([[9, 9], [8, None]]))
print(digest([9, 9]))";

#[test]
#[cfg_attr(
    not(all(fleche_ssh, fleche_oracle)),
    ignore = "needs FLECHE_TEST_SSH and FLECHE_ORACLE_PYTHON (.ci/run sets both)"
)]
fn values_no_remote_record_names_expand_show_and_shrink_as_read_here() {
    let s = Served::new();
    // The served cache and the copy read here get the same new values;
    // the local layer does not.
    let mut printed = Vec::new();
    for dir in [s.served.root(), s._copy.root()] {
        let mut python = crate::support::oracle::python();
        python.current_dir(dir).args(["-c", ORPHANS]);
        printed.push(crate::support::oracle::succeed(python, "saving orphans"));
    }
    assert_eq!(printed[0], printed[1]);
    let printed = String::from_utf8(printed.remove(0)).expect("utf-8");
    let [orphan, tree, child] = printed.lines().collect::<Vec<_>>()[..] else {
        panic!("{printed}");
    };
    assert!(
        s.served.path(".fleche/values").join(child).is_file(),
        "{child} is no value file"
    );
    let commands: Vec<Vec<&str>> = vec![
        // Ambiguous only because of the orphan, which no record names.
        vec!["expand", &orphan[..5]],
        vec!["show", &orphan[..5]],
        vec!["expand", &orphan[..8]],
        vec!["expand", &child[..8]],
        vec!["show", &orphan[..8]],
        vec!["show", orphan],
        vec!["show", &tree[..8]],
        vec!["show", &child[..8]],
        vec!["shrink", orphan, child, tree],
    ];
    for cache in ["team", "solo", "shared"] {
        for args in &commands {
            let mut all = vec!["--cache", cache];
            all.extend(args.iter().copied());
            let (ssh, here) = s.both(&all);
            if args[0] == "show" {
                // Loaded over ssh (these values are not in `team`'s local
                // layer either): no file to tell its size, and sent mended.
                assert_eq!(
                    without_file_lines(&ssh),
                    without_file_lines(&here),
                    "{all:?}"
                );
            } else {
                assert_eq!(ssh, here, "{all:?}");
            }
        }
    }
    // What the checks above rest on: the short prefix is ambiguous here.
    let err = s
        .here
        .run([
            "--config",
            "here.toml",
            "--cache",
            "team",
            "expand",
            &orphan[..5],
        ])
        .failure(1);
    assert!(
        err.contains("ambiguous") && err.contains(&orphan[..12]),
        "{err}"
    );
    let run = s.here.ok([
        "--config",
        "ssh.toml",
        "--cache",
        "solo",
        "expand",
        &orphan[..8],
    ]);
    assert_eq!(run.stdout.trim(), orphan);
    s.nothing_left_running();
}

/// Commands whose answer no remote layer changes (writes to a local first
/// layer, gc and rekey of it) start no ssh: a layer that cannot be reached
/// goes unsaid. One that reads every layer reaches it, and says so once.
#[test]
fn a_remote_layer_is_reached_only_by_a_command_that_asks_it() {
    let env = with_remote_layers();
    for args in [
        vec!["gc", "--dry-run"],
        vec!["rekey", "--module", "__main__=analysis", "--dry-run"],
        vec!["tag", "--all", "--set", "x=1", "--format", "json"],
        vec!["untag", "--all", "--key", "x", "--format", "json"],
    ] {
        let mut all = vec!["--cache", "team"];
        all.extend(args);
        let run = env.ok(&all);
        assert_eq!(
            run.stderr
                .lines()
                .filter(|l| l.starts_with("Warning"))
                .count(),
            0,
            "{all:?}: {}",
            run.stderr
        );
    }
    for args in [
        vec!["ls"],
        vec!["tag", "--all", "--set", "x=2"],
        vec!["stats"],
    ] {
        let mut all = vec!["--cache", "team"];
        all.extend(args);
        let run = env.ok(&all);
        let warnings: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("Warning"))
            .collect();
        assert!(
            warnings.len() == 1 && warnings[0].starts_with("Warning: left out `team[1]`"),
            "{all:?}: {}",
            run.stderr
        );
    }
}

#[test]
#[cfg_attr(
    not(all(fleche_ssh, fleche_oracle)),
    ignore = "needs FLECHE_TEST_SSH and FLECHE_ORACLE_PYTHON (.ci/run sets both)"
)]
fn ssh_starts_on_first_use_and_once_per_command() {
    let s = Served::new();
    let started = s.here.path("started");
    let counting = patched_python(
        s.here.root(),
        "counting",
        &format!(
            "open({:?}, 'a').write('started\\n')",
            started.display().to_string()
        ),
    );
    let config = format!(
        "[[team]]\n{LOCAL_LAYER}\n\n[[team]]\n{}\n",
        s.sshd.layer_with(s.served.root(), &counting, None, "\n")
    );
    std::fs::write(s.here.path("count.toml"), config).expect("count.toml");
    let runs = || {
        std::fs::read_to_string(&started)
            .unwrap_or_default()
            .lines()
            .count()
    };
    let team = |args: &[&str]| {
        let mut all = vec!["--config", "count.toml", "--cache", "team"];
        all.extend(args);
        let run = s.here.run(all);
        assert!(run.success(), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("Warning"), "{args:?}: {}", run.stderr);
    };
    team(&["tag", "--all", "--set", "x=1", "--format", "json"]);
    team(&["gc", "--dry-run"]);
    assert_eq!(
        runs(),
        0,
        "a command that does not ask the remote started it"
    );
    // Records, short keys and values: one server.
    team(&["ls"]);
    assert_eq!(runs(), 1);
    team(&["show", "cb4badff"]);
    assert_eq!(runs(), 2);
    s.nothing_left_running();
}
