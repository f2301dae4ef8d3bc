//! `fleche copy`: calls and every value they need into another cache, as
//! bytes; checked by reading the copy back with this tool and, where the
//! oracle is set up, by real fleche loading every copied call (results
//! equal to the source's), including after kills at random points.

use crate::support::oracle::{fresh_database, oracle, python, script, succeed};
use crate::support::{Fleche, TestEnv, SINGLE_CACHES};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::path::Path;

/// Every call as `query --results` shows it, by key: the record and its
/// decoded arguments and result.
fn calls_of(env: &TestEnv, root: Option<&Path>) -> BTreeMap<String, Json> {
    let mut cmd = env.fleche();
    if let Some(root) = root {
        cmd = cmd.arg("--root").arg(root);
    }
    // Exit 1 when there are no calls, with an empty list.
    let run = cmd
        .args(["query", "--results", "--sort", "key", "--format", "json"])
        .run();
    assert!(matches!(run.code, Some(0 | 1)), "{}", run.stderr);
    run.rows()
        .into_iter()
        .map(|r| (r["key"].as_str().expect("key").to_string(), r))
        .collect()
}

/// `fleche copy ARGS --to-root DST`, run in `env`.
fn copy_to(env: &TestEnv, dst: &Path, args: &[&str]) -> Fleche {
    env.fleche()
        .arg("copy")
        .args(args)
        .arg("--to-root")
        .arg(dst)
}

#[test]
fn a_copy_into_a_new_directory_answers_like_its_source() {
    for fixture in SINGLE_CACHES {
        let env = TestEnv::copy(fixture);
        let dst = env.path("copy");
        let run = copy_to(&env, &dst, &["--all"]).ok();
        assert!(
            run.stderr.starts_with("Copied "),
            "{fixture}: {}",
            run.stderr
        );
        assert_eq!(
            calls_of(&env, None),
            calls_of(&env, Some(&dst)),
            "{fixture}: the copy answers otherwise"
        );
        // Every value, destructured children included, is there and sound.
        env.fleche().arg("--root").arg(&dst).arg("verify").ok();
        // A second copy finds everything there.
        let again = copy_to(&env, &dst, &["--all"]).ok();
        assert!(
            again.stderr.contains("Copied 0 calls and 0 values")
                && again.stderr.contains("already there"),
            "{fixture}: {}",
            again.stderr
        );
    }
}

#[test]
fn a_dry_run_lists_what_it_would_copy_and_writes_nothing() {
    let env = TestEnv::copy("getting-started");
    let dst = env.path("copy");
    let run = env
        .fleche()
        .args([
            "copy",
            "--name",
            "fib",
            "--dry-run",
            "--format",
            "json",
            "--to-root",
        ])
        .arg(&dst)
        .ok();
    let rows = run.rows();
    let fibs = calls_of(&env, None)
        .values()
        .filter(|r| r["name"] == "fib")
        .count();
    assert_eq!(rows.len(), fibs);
    assert!(rows
        .iter()
        .all(|r| r["status"] == "would copy" && r["dry_run"] == true));
    assert!(
        run.stderr
            .starts_with(&format!("Would copy {fibs} calls and ")),
        "{}",
        run.stderr
    );
    assert!(!dst.exists(), "a dry run made {}", dst.display());
}

#[test]
fn overwrite_refiles_and_move_empties_the_source() {
    let env = TestEnv::copy("getting-started");
    let dst = env.path("copy");
    let n = calls_of(&env, None).len();
    copy_to(&env, &dst, &["--name", "fib"]).ok();
    let fibs = calls_of(&env, Some(&dst)).len();
    // Only the rest is copied next time; the fib calls are skipped.
    let rest = copy_to(&env, &dst, &["--all"]).ok();
    assert!(
        rest.stderr.contains(&format!("Copied {} calls", n - fibs))
            && rest
                .stderr
                .contains(&format!("skipped {fibs} calls already there")),
        "{}",
        rest.stderr
    );
    let over = copy_to(&env, &dst, &["--all", "--overwrite"]).ok();
    assert!(
        over.stderr
            .starts_with(&format!("Copied {n} calls and 0 values")),
        "{}",
        over.stderr
    );
    // --move: the target has every call, so all leave the source; the
    // values stay for gc.
    let values_before = env.names(".fleche/values").len();
    let moved = copy_to(&env, &dst, &["--all", "--move"]).ok();
    assert!(
        moved
            .stderr
            .contains(&format!("Evicted {n} calls from the source")),
        "{}",
        moved.stderr
    );
    assert!(calls_of(&env, None).is_empty());
    assert_eq!(calls_of(&env, Some(&dst)).len(), n);
    assert_eq!(env.names(".fleche/values").len(), values_before);
}

#[test]
fn a_call_whose_value_is_gone_is_not_copied() {
    let env = TestEnv::copy("getting-started");
    let calls = calls_of(&env, None);
    let (victim, rec) = calls
        .iter()
        .find(|(_, r)| r["name"] == "simulate")
        .expect("simulate");
    let result = rec["result"].as_str().expect("result");
    std::fs::remove_file(env.path(".fleche/values").join(result)).expect("remove");
    let dst = env.path("copy");
    let err = copy_to(&env, &dst, &["--all"]).run().failure(1);
    assert!(
        err.contains("1 call not copied") && err.contains(result) && err.contains(victim.as_str()),
        "{err}"
    );
    let copied = calls_of(&env, Some(&dst));
    assert_eq!(copied.len(), calls.len() - 1);
    assert!(!copied.contains_key(victim));
    env.fleche().arg("--root").arg(&dst).arg("verify").ok();
}

#[test]
fn copies_it_cannot_make_are_refused_with_one_line() {
    let env = TestEnv::copy("getting-started");
    let err = env.run(["copy", "--all", "--to", "main"]).failure(2);
    assert!(
        err.contains("cannot copy into `main`") && err.contains("the cache copied from"),
        "{err}"
    );
    // HDF5 bags cannot be copied as bytes into pickle files.
    let h5 = TestEnv::copy("hdf5-values");
    let dst = h5.path("copy");
    let err = copy_to(&h5, &dst, &["--all"]).run().failure(2);
    assert!(err.contains("HDF5") && err.lines().count() == 2, "{err}");
    assert!(!dst.exists());
    let err = env.run(["copy", "--to-root", "x"]).failure(2);
    assert!(err.contains("copy needs calls to act on"), "{err}");
}

/// Real fleche's view of every call: in the directory's own cache, or in
/// the cache `config` describes.
fn loaded(dir: &Path, config: Option<Json>) -> Json {
    let config = config.map(|c| c.to_string());
    let args: Vec<&str> = config.iter().map(String::as_str).collect();
    oracle("loaded", dir, &args)
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (real fleche; .ci/run sets it)"
)]
fn fleche_loads_every_copied_call_as_it_loads_the_source() {
    // SQLite records into a new directory; into call files (pickled as
    // fleche pickles a DigestedCall); into a compressed and signed store;
    // call files into SQLite.
    let env = TestEnv::copy("getting-started");
    let mut toml = std::fs::read_to_string(env.path("fleche.toml")).expect("toml");
    toml.push_str(
        "\n[files]\ntemplate = \"pickle\"\nroot = \"files-copy\"\n\n[signed]\n\
         values = { type = \"pickle\", root = \"signed/values\", compress = true, secret_key = [\"00112233\"] }\n\
         calls = { type = \"dill\", root = \"signed/calls\", compress = true, secret_key = [\"00112233\"] }\n",
    );
    std::fs::write(env.path("fleche.toml"), toml).expect("toml");
    let source = loaded(env.root(), None);
    assert_eq!(
        source.as_object().expect("calls").len(),
        env.calls_written()
    );
    let dst = env.path("new");
    copy_to(&env, &dst, &["--all"]).ok();
    env.ok(["copy", "--all", "--to", "files"]);
    env.ok(["copy", "--all", "--to", "signed"]);
    let root = |p: &str| env.path(p).display().to_string();
    for (what, config) in [
        (
            "new directory",
            json!({"template": "sql", "root": root("new"), "values": "pickle"}),
        ),
        (
            "call files",
            json!({"template": "pickle", "root": root("files-copy")}),
        ),
        (
            "signed and compressed",
            json!({
                "values": {"type": "pickle", "root": root("signed/values"), "compress": true, "secret_key": ["00112233"]},
                "calls": {"type": "dill", "root": root("signed/calls"), "compress": true, "secret_key": ["00112233"]},
            }),
        ),
    ] {
        assert_eq!(loaded(env.root(), Some(config)), source, "{what}");
    }
    // Call files (dill) into SQLite.
    let dill = TestEnv::copy("dill-files");
    let dst = dill.path("lite");
    copy_to(&dill, &dst, &["--all"])
        .arg("--to-sql")
        .arg(format!("sqlite:///{}", dst.join("calls.db").display()))
        .ok();
    assert_eq!(
        loaded(
            dill.root(),
            Some(json!({"template": "sql", "root": dst.display().to_string(), "values": "dill"}))
        ),
        loaded(dill.root(), None),
        "dill call files into SQLite"
    );
}

#[test]
#[cfg_attr(
    not(all(fleche_pg, fleche_oracle)),
    ignore = "needs FLECHE_TEST_PG (a PostgreSQL server) and FLECHE_ORACLE_PYTHON; .ci/run sets both"
)]
fn fleche_loads_every_call_copied_into_postgresql() {
    let (mut admin, db, url) = fresh_database("fleche_copy");
    let env = TestEnv::copy("getting-started");
    let dst = env.path("team");
    // An empty database: fleche's tables are made by the copy.
    copy_to(&env, &dst, &["--all"])
        .args(["--to-sql", &url])
        .ok();
    let again = copy_to(&env, &dst, &["--all"])
        .args(["--to-sql", &url])
        .ok();
    assert!(again.stderr.contains("Copied 0 calls"), "{}", again.stderr);
    let py_url = url.replacen("postgresql://", "postgresql+psycopg://", 1);
    let config = json!({"template": "sql", "root": dst.display().to_string(), "values": "pickle", "url": py_url});
    assert_eq!(loaded(env.root(), Some(config)), loaded(env.root(), None));
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        .expect("drop");
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (real fleche; .ci/run sets it)"
)]
fn a_copy_killed_anywhere_leaves_no_record_without_its_values() {
    let env = TestEnv::empty();
    let src = env.path("src");
    let mut gen = python();
    gen.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/gen.py"))
        .args([
            "--calls",
            "2000",
            "--template",
            "sql",
            "--check-every",
            "997",
        ])
        .arg(&src);
    succeed(gen, "bench/gen.py");
    let all = calls_of(&env, Some(&src.join("cache")));
    let copy = |dst: &Path| {
        crate::support::fleche()
            .arg("--root")
            .arg(src.join("cache"))
            .args(["copy", "--all", "--to-root"])
            .arg(dst)
            .command()
    };
    // How long a whole copy takes, to kill at random points within it.
    let t0 = std::time::Instant::now();
    let probe = env.path("probe");
    assert!(copy(&probe).output().expect("copy").status.success());
    let whole = t0.elapsed();
    let mut rng = fastrand::Rng::with_seed(7);
    let dst = env.path("dst");
    let mut killed = 0;
    for _ in 0..8 {
        let mut child = copy(&dst).spawn().expect("spawn");
        let wait = whole.mul_f64(rng.f64());
        crate::support::notice(&format!("kill after {wait:?} of {whole:?}"));
        std::thread::sleep(wait);
        killed += usize::from(child.try_wait().expect("wait").is_none());
        let _ = child.kill();
        let _ = child.wait();
        if dst.join("calls.db").exists() {
            // No record without its values, whatever was filed.
            crate::support::fleche()
                .arg("--root")
                .arg(&dst)
                .arg("verify")
                .ok();
        }
    }
    assert!(killed > 0, "no copy was killed before it ended");
    assert!(copy(&dst).output().expect("copy").status.success());
    assert_eq!(calls_of(&env, Some(&dst)), all);
    let config = json!({"template": "sql", "root": dst.display().to_string(), "values": "pickle"});
    let source = json!({"template": "sql", "root": src.join("cache").display().to_string(), "values": "pickle"});
    assert_eq!(
        loaded(env.root(), Some(config)),
        loaded(env.root(), Some(source))
    );
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (real fleche; .ci/run sets it)"
)]
fn after_rekey_the_renamed_module_hits_without_recomputing() {
    let env = TestEnv::empty();
    let run = |phase: &str| -> Json {
        let mut py = python();
        py.arg(script("rename_hits.py")).arg(phase).arg(env.root());
        serde_json::from_slice(&succeed(py, &format!("rename_hits.py {phase}"))).expect("JSON")
    };
    let first = run("notebook");
    assert_eq!(first["body_runs"], 3, "{first}");
    // Before the rekey the module's calls miss: fleche runs every body.
    let dup = env.duplicate();
    let mut py = python();
    py.arg(script("rename_hits.py"))
        .arg("module")
        .arg(dup.root());
    let missed: Json = serde_json::from_slice(&succeed(py, "module before rekey")).expect("JSON");
    assert_eq!(missed["body_runs"], 3, "{missed}");
    env.ok(["rekey", "--module", "__main__=analysis"]);
    let after = run("module");
    assert_eq!(
        after["body_runs"], 0,
        "fleche recomputed after the rekey: {after}"
    );
    assert_eq!(after["results"], first["results"]);
}

#[test]
fn calls_named_on_stdin_are_copied() {
    let env = TestEnv::copy("getting-started");
    let fibs: Vec<String> = calls_of(&env, None)
        .into_iter()
        .filter(|(_, r)| r["name"] == "fib")
        .map(|(k, _)| k[..10].to_string())
        .collect();
    let dst = env.path("copy");
    copy_to(&env, &dst, &["-"]).stdin(fibs.join("\n")).ok();
    let copied = calls_of(&env, Some(&dst));
    assert_eq!(copied.len(), fibs.len());
    assert!(copied.values().all(|r| r["name"] == "fib"));
}
