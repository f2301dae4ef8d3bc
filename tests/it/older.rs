//! Caches and configurations of older fleche releases, and what a
//! configuration found on the way may and may not make this tool do.
//!
//! The fleche 0.10 fixtures (`tests/fixtures/fleche010-*`) and their
//! `answers.json` were written by real fleche 0.10.0
//! (`tests/fixtures/make_fleche010.py`).

use crate::fixture_answers::{check_expand_and_shrink, check_values, query_args};
use crate::support::{strings, TestEnv};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// fleche 0.10's SQL store (an `INTEGER` version column) and its file store
/// (`fleche.call.Call` records).
const FLECHE010: [&str; 2] = ["fleche010-sql", "fleche010-files"];

/// fleche 0.10's `table()` and `query()` name each call by
/// `to_lookup_key()`, recomputed from the record as loaded; where SQLite
/// turned the string version `"1.2"` into the real 1.2 (or `"3"` into 3)
/// that names no stored call (0.10's own `expand` does not find it). The
/// call is stored, found again by fleche (a cache hit) and loaded under the
/// key it was saved with; this maps fleche's listed keys to those.
fn stored(answers: &Json, listed: &Json) -> BTreeSet<String> {
    let by_lookup: BTreeMap<&str, &str> = answers["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            (
                r["lookup_key"].as_str().expect("lookup_key"),
                r["key"].as_str().expect("key"),
            )
        })
        .collect();
    strings(listed)
        .iter()
        .map(|k| by_lookup.get(k.as_str()).copied().unwrap_or(k).to_string())
        .collect()
}

fn record_keys(answers: &Json) -> BTreeSet<String> {
    answers["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["key"].as_str().expect("key").to_string())
        .collect()
}

#[test]
fn fleche010_ls_lists_every_call() {
    for name in FLECHE010 {
        let dir = TestEnv::fixture(name);
        let a = dir.answers();
        let out = dir.ok(["ls", "--format", "json"]);
        assert_eq!(out.stderr, "", "{name}");
        assert_eq!(out.keys(), record_keys(&a), "{name}");
        assert_eq!(out.keys(), stored(&a, &a["table"]["keys"]), "{name}");
        // Three of its calls (versions "1.2" and "3") are listed under keys
        // that name nothing.
        let renamed = a["records"]
            .as_array()
            .expect("records")
            .iter()
            .filter(|r| r["key"] != r["lookup_key"])
            .count();
        assert_eq!(renamed, if name == "fleche010-sql" { 3 } else { 0 });
    }
}

/// `show` gives each record as fleche 0.10 loads it: on SQL the version
/// `"1.2"` comes back as the float 1.2 and `"3"` as the int 3.
#[test]
fn fleche010_show_gives_the_records_fleche_loads() {
    for name in FLECHE010 {
        let dir = TestEnv::fixture(name);
        for want in dir.answers()["records"].as_array().expect("records") {
            let key = want["key"].as_str().expect("key");
            let items = dir.ok(["show", "--format", "json", key]).rows();
            let got = &items[0];
            for field in ["key", "name", "module", "version", "code_digest", "result"] {
                assert_eq!(got[field], want[field], "{name} {key}: {field}");
            }
            let args: Vec<(String, String)> = want["arguments"]
                .as_array()
                .expect("arguments")
                .iter()
                .map(|p| {
                    (
                        p[0].as_str().expect("name").into(),
                        p[1].as_str().expect("d").into(),
                    )
                })
                .collect();
            let got_args: Vec<(String, String)> = got["arguments"]
                .as_object()
                .expect("arguments")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("digest").into()))
                .collect();
            assert_eq!(got_args, args, "{name} {key}: arguments");
            assert_eq!(got["metadata"], want["metadata"], "{name} {key}: metadata");
        }
    }
    let sql = TestEnv::fixture("fleche010-sql");
    let text = sql.ok(["show", "daca38f8"]).stdout;
    assert!(text.contains("version      1.2\n"), "{text}");
}

/// Every query fleche 0.10 ran, `--version "1.2"` and `--version 2` among
/// them, selects the same calls here.
#[test]
fn fleche010_queries_select_what_fleche_selects() {
    for name in FLECHE010 {
        let dir = TestEnv::fixture(name);
        let a = dir.answers();
        let mut failures = Vec::new();
        for q in a["queries"].as_array().expect("queries") {
            let args = query_args(&q["filter"]);
            let out = dir.run(&args);
            let want = stored(&a, &q["keys"]);
            let got: BTreeSet<String> = match serde_json::from_str::<Json>(&out.stdout) {
                Ok(Json::Array(_)) => out.keys(),
                _ => {
                    failures.push(format!("{args:?}: {}", out.stderr));
                    continue;
                }
            };
            if got != want {
                failures.push(format!("{args:?}: got {got:?}, fleche 0.10 says {want:?}"));
            }
        }
        assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
    }
}

#[test]
fn fleche010_expand_shrink_and_values_agree() {
    for name in FLECHE010 {
        check_expand_and_shrink(name);
        check_values(name);
    }
}

/// Every record loads in fleche 0.10, and `verify` finds nothing wrong.
#[test]
fn fleche010_verify_finds_no_problem() {
    for name in FLECHE010 {
        let dir = TestEnv::fixture(name);
        let a = dir.answers();
        let loads = a["loads"].as_object().expect("loads");
        assert!(loads.values().all(|v| v == &Json::Bool(true)), "{name}");
        let out = dir.run(["verify"]);
        assert_eq!(out.code, Some(0), "{name}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr
                .contains(&format!("Checked {} calls", loads.len())),
            "{name}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(" 0 problems"), "{name}: {}", out.stderr);
    }
}

/// fleche 0.10 has no gc; `gc` removes exactly the values its records
/// leave unreferenced (answers.json: the mark-and-sweep of 0.10's API).
#[test]
fn fleche010_gc_removes_what_no_record_needs() {
    for name in FLECHE010 {
        let dir = TestEnv::copy(name);
        let want = strings(&dir.answers()["gc"]);
        let dry = dir.ok(["gc", "--dry-run", "--min-age", "0", "--format", "json"]);
        assert_eq!(dry.keys(), want, "{name}");
        let stats = dir.ok(["stats", "--format", "json"]).rows();
        assert_eq!(stats[0]["calls"].as_u64(), Some(8), "{name}");
    }
}

/// `KEY.lock` beside a value or call file (fleche 0.20–0.21 leave them,
/// as bagofholding does) belongs to the format: `verify` does not call it
/// a note, and `gc` neither deletes it nor mentions it, as fleche's own gc
/// (whose listing skips `*.lock`) leaves it alone.
#[test]
fn lock_files_are_part_of_the_format() {
    let dir = TestEnv::copy("getting-started");
    let values = dir.path(".fleche/values");
    let orphans = strings(&dir.answers()["gc"]);
    let orphan = orphans.iter().next().expect("an orphan").clone();
    let live = dir
        .names(".fleche/values")
        .into_iter()
        .find(|n| !orphans.contains(n))
        .expect("a live value");
    let locks = [
        format!("{live}.lock"),
        format!("{orphan}.lock"),
        format!("{}.lock", "0".repeat(64)),
    ];
    for lock in &locks {
        std::fs::write(values.join(lock), "host\n123\n1774227000.0").expect("lock");
    }
    let verify = dir.ok(["verify", "--notes", "--format", "json"]);
    let notes: Vec<String> = verify
        .rows()
        .iter()
        .map(|f| format!("{} {}", f["kind"], f["key"]))
        .collect();
    assert_eq!(notes.len(), orphans.len(), "{notes:?}");
    assert!(
        notes.iter().all(|n| n.starts_with("\"orphan\"")),
        "{notes:?}"
    );

    let dry = dir.ok(["gc", "--dry-run", "--min-age", "0", "--format", "json"]);
    assert_eq!(dry.keys(), orphans);
    assert!(!dry.stderr.contains(".lock"), "{}", dry.stderr);
    let run = dir.ok(["gc", "--min-age", "0"]);
    assert!(!run.stderr.contains(".lock"), "{}", run.stderr);
    for lock in &locks {
        assert!(values.join(lock).is_file(), "gc deleted {lock}");
    }
    assert!(!values.join(&orphan).exists());
}

/// A copy of the getting-started cache's `.fleche` directory in `dir`.
fn place_getting_started(dir: &std::path::Path) {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read dir") {
            let entry = entry.expect("entry");
            let target = to.join(entry.file_name());
            if entry.file_type().expect("type").is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
    }
    copy(
        &crate::support::fixtures_dir().join("getting-started/.fleche"),
        &dir.join(".fleche"),
    );
}

const SQL_CACHE: &str = "[default]\ncache = \"main\"\n\n[main]\ntemplate = \"sql\"\nroot = \".fleche\"\nvalues = \"pickle\"\n";

/// fleche up to 0.13 read `~/.fleche.toml` when there was no
/// `./fleche.toml` and `XDG_CONFIG_HOME` was not set, with relative paths
/// from where the job ran; it comes last, below every file fleche reads
/// today.
#[test]
fn home_fleche_toml_is_read_as_fleche_013_read_it() {
    let home = TestEnv::empty();
    std::fs::write(home.path(".fleche.toml"), SQL_CACHE).expect("write");
    let work = TestEnv::empty();
    place_getting_started(&work.path("project"));
    let want = strings(&TestEnv::fixture("getting-started").answers()["table"]["keys"]);
    let ls = || {
        crate::support::fleche()
            .env("HOME", home.root())
            .env_remove("XDG_CONFIG_HOME")
            .current_dir(work.path("project"))
            .args(["ls", "--format", "json"])
    };
    assert_eq!(ls().ok().keys(), want);

    // XDG_CONFIG_HOME set (even to a directory without the file): fleche
    // 0.13 read $XDG_CONFIG_HOME/fleche/cache.toml instead, never ~/.fleche.toml.
    let err = ls()
        .env("XDG_CONFIG_HOME", home.path("xdg"))
        .run()
        .failure(2);
    assert!(err.contains("no fleche configuration found"), "{err}");

    // Lowest priority: a fleche.toml on the walk wins table by table.
    std::fs::write(
        work.path("project/fleche.toml"),
        "[default]\ncache = \"other\"\n\n[other]\ntemplate = \"pickle\"\nroot = \"nothing-here\"\n",
    )
    .expect("write");
    let err = ls().run().failure(2);
    assert!(err.contains("nothing-here"), "{err}");
    let main = ls().args(["--cache", "main"]).ok();
    assert_eq!(main.keys(), want);
}

/// Before fleche 0.21.1 a relative `root` in a parent directory's
/// `fleche.toml` was relative to where the job ran: a job run in `sub/`
/// put its cache in `sub/.fleche`. Today's reading looks next to the file;
/// when nothing is there, the hint names the cache the job made.
#[test]
fn a_cache_left_where_the_job_ran_is_named_in_the_hint() {
    let project = TestEnv::empty();
    std::fs::write(
        project.path("fleche.toml"),
        SQL_CACHE.replace("[default]\n", "[default]\nroot = true\n"),
    )
    .expect("write");
    place_getting_started(&project.path("sub"));
    let run = crate::support::fleche()
        .arg("-C")
        .arg(project.path("sub"))
        .arg("ls")
        .run();
    let err = run.failure(2);
    let local = project.path("sub/.fleche");
    assert!(
        err.contains(&format!("Hint: {}", local.join("calls.db").display()))
            && err.contains(&format!("`fleche --root {}`", local.display()))
            && err.contains("before 0.21.1"),
        "{err}"
    );
    let ls = project
        .fleche()
        .args(["--root", &local.display().to_string(), "ls"])
        .ok();
    assert!(ls.stdout.lines().count() > 1, "{}", ls.stdout);
}

/// A `postgresql://` URL in a configuration found on the way: commands
/// that only describe the configuration never connect to it (they would
/// send `PGPASSWORD` or a `.pgpass` wildcard password to that host). The
/// "server" is a local listener that counts the connections it gets.
#[test]
fn describing_a_configuration_never_connects() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let (arrived, stop) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let counter = {
        let (arrived, stop) = (arrived.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    // Closed at once: a client that did connect fails fast.
                    Ok(_) => drop(arrived.fetch_add(1, Ordering::SeqCst)),
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                }
            }
        })
    };
    let dir = TestEnv::empty();
    std::fs::create_dir(dir.path("values")).expect("mkdir");
    std::fs::write(
        dir.path("fleche.toml"),
        format!(
            "[default]\nroot = true\ncache = \"remote\"\n\n[remote]\n\
             values = {{ type = \"pickle\", root = \"values\" }}\n\
             calls = {{ type = \"sql\", url = \"postgresql://someone:pw@127.0.0.1:{port}/db\" }}\n"
        ),
    )
    .expect("write");
    for args in [
        &["caches"][..],
        &["caches", "--format", "json"],
        &["completions", "bash"],
        &["man"],
    ] {
        crate::support::fleche()
            .current_dir(dir.root())
            .env("PGPASSWORD", "do-not-send")
            .args(args)
            .ok();
    }
    let table = dir.ok(["caches"]).stdout;
    assert!(table.contains(" ? ") || table.contains("?\n"), "{table}");
    std::thread::sleep(std::time::Duration::from_millis(50));
    stop.store(true, Ordering::SeqCst);
    counter.join().expect("listener thread");
    assert_eq!(arrived.load(Ordering::SeqCst), 0, "a command connected");
}

/// git's `safe.directory` for writes: a configuration found on the way in
/// a directory another user owns may be read through (dry runs only
/// read), but `tag`, `untag`, `evict` and `gc` refuse to write through it
/// unless
/// `FLECHE_SAFE_DIRECTORIES` names that directory (or is `*`). A file named
/// with `--config` was chosen, not found.
#[test]
#[cfg_attr(
    not(fleche_root),
    ignore = "needs root, to give a directory to another user"
)]
fn writes_through_another_users_configuration_are_refused() {
    let dir = TestEnv::copy("getting-started");
    std::os::unix::fs::chown(dir.root(), Some(65534), Some(65534)).expect("chown");
    let key = strings(&dir.answers()["table"]["keys"])
        .into_iter()
        .next()
        .expect("a call");
    let db = dir.path(".fleche/calls.db");
    let before = std::fs::read(&db).expect("read");
    let here = || crate::support::fleche().current_dir(dir.root());
    here().args(["ls"]).ok();
    here().args(["verify"]).ok();
    here().args(["gc", "--dry-run"]).ok();
    here()
        .args(["tag", "--dry-run", key.as_str(), "--set", "x=1"])
        .ok();
    here().args(["evict", "--dry-run", key.as_str()]).ok();
    for args in [
        &["tag", key.as_str(), "--set", "x=1"][..],
        &["untag", key.as_str(), "--key", "n"],
        &["evict", key.as_str()],
        &["gc", "--min-age", "0"],
    ] {
        let err = here().args(args).run().failure(2);
        assert!(
            err.contains("belongs to another user (uid 65534)")
                && err.contains(&format!("FLECHE_SAFE_DIRECTORIES={}", dir.root().display())),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        std::fs::read(&db).expect("read"),
        before,
        "the cache changed"
    );

    let safe = dir.root().display().to_string();
    here()
        .env("FLECHE_SAFE_DIRECTORIES", format!("/elsewhere:{safe}"))
        .args(["tag", key.as_str(), "--set", "x=1"])
        .ok();
    here()
        .env("FLECHE_SAFE_DIRECTORIES", "*")
        .args(["untag", key.as_str(), "--key", "x"])
        .ok();
    here()
        .arg("--config")
        .arg(dir.path("fleche.toml"))
        .args(["gc", "--dry-run"])
        .ok();
}

/// `tag` and `evict` work on fleche 0.10's caches: a `fleche.call.Call`
/// record is rewritten as fleche 0.10 pickled it, with only its tags
/// changed.
#[test]
fn fleche010_caches_take_tags_and_evictions() {
    for name in FLECHE010 {
        let dir = TestEnv::copy(name);
        dir.ok(["tag", "daca38f8", "--set", "who=me"]);
        let shown = dir.ok(["show", "--format", "json", "daca38f8"]).rows();
        assert_eq!(
            shown[0]["metadata"]["tags"],
            serde_json::json!({"who": "me"}),
            "{name}"
        );
        let answers = dir.answers();
        let record = answers["records"]
            .as_array()
            .expect("records")
            .iter()
            .find(|r| r["key"].as_str().is_some_and(|k| k.starts_with("daca38f8")))
            .expect("the record");
        assert_eq!(shown[0]["version"], record["version"], "{name}");
        assert_eq!(
            shown[0]["arguments"]["sep"], record["arguments"][1][1],
            "{name}"
        );
        dir.ok(["evict", "66e4f304"]);
        assert_eq!(dir.ok(["ls", "--format", "json"]).keys().len(), 7, "{name}");
    }
}
