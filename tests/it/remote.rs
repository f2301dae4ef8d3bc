//! Caches with remote layers (`type = "ssh"`, fleche's `SshCache`): until
//! this tool speaks fleche's remote protocol, a stack or pool answers from
//! its local layers and says which layer it left out; writes that would
//! miss the remote layer are refused, or with `--offline` go to the local
//! layers only.

use crate::support::TestEnv;

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
