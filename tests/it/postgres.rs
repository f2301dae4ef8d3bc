//! PostgreSQL call stores: a cache that real fleche wrote to PostgreSQL and
//! the same calls written to SQLite give the same answers to every command.
//!
//! Needs a server: `FLECHE_TEST_PG=postgresql://USER@HOST:PORT` (a role that
//! may create databases; `.ci/run` starts a throwaway one) and the oracle
//! python (`FLECHE_ORACLE_PYTHON`); ignored without them.

use crate::support::oracle::{fresh_database, python, script, succeed};
use crate::support::TestEnv;
use serde_json::Value as Json;
use std::path::Path;

/// `fleche -C dir ARGS`: exit code, stdout, stderr.
fn run_cli(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = crate::support::fleche().arg("-C").arg(dir).args(args).run();
    (out.code, out.stdout, out.stderr)
}

/// A call's JSON without what legitimately differs between the two
/// writes: runtime measurements and the member name.
fn comparable(mut v: Json) -> Json {
    if let Some(rows) = v.as_array_mut() {
        for r in rows.iter_mut() {
            if let Some(m) = r.get_mut("metadata").and_then(Json::as_object_mut) {
                m.remove("runtime");
            }
            if let Some(o) = r.as_object_mut() {
                o.remove("cache");
                o.remove("path");
            }
        }
        rows.sort_by(|a, b| a["key"].to_string().cmp(&b["key"].to_string()));
    }
    v
}

fn write_cache(dir: &Path, calls: &str) {
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(
        dir.join("fleche.toml"),
        format!(
            "[default]\nroot = true\ncache = \"main\"\nmetadata = [\"Runtime\"]\n\n[main]\n\
             values = {{ type = \"pickle\", root = \"values\", remaining_depth = 2 }}\ncalls = {calls}\n"
        ),
    )
    .expect("toml");
    let mut workload = python();
    workload.arg(script("pg_workload.py")).current_dir(dir);
    succeed(workload, &format!("fleche writing {}", dir.display()));
}

#[test]
#[cfg_attr(
    not(all(fleche_pg, fleche_oracle)),
    ignore = "needs FLECHE_TEST_PG (a PostgreSQL server) and FLECHE_ORACLE_PYTHON (a venv with real fleche); .ci/run sets both"
)]
fn postgres_answers_like_sqlite() {
    let (mut admin, db, url) = fresh_database("fleche_test");
    let url = url.replacen("postgresql://", "postgresql+psycopg://", 1);

    let root = TestEnv::empty();
    let pg = root.path("pg");
    let lite = root.path("sqlite");
    write_cache(&pg, &format!("{{ type = \"sql\", url = \"{url}\" }}"));
    write_cache(&lite, "{ type = \"sql\", url = \"sqlite:///calls.db\" }");

    let same = |args: &[&str]| {
        let (c1, o1, e1) = run_cli(&pg, args);
        let (c2, o2, e2) = run_cli(&lite, args);
        assert_eq!(
            c1, c2,
            "{args:?}: exit codes differ\npg: {e1}\nsqlite: {e2}"
        );
        assert!(!e1.contains("internal error"), "{e1}");
        (o1, o2)
    };
    let same_json = |args: &[&str]| {
        let (o1, o2) = same(args);
        let (j1, j2): (Json, Json) = (
            serde_json::from_str(&o1).unwrap_or(Json::Null),
            serde_json::from_str(&o2).unwrap_or(Json::Null),
        );
        assert_eq!(comparable(j1.clone()), comparable(j2), "{args:?}");
        j1
    };

    let all = same_json(&["ls", "--format", "json"]);
    assert_eq!(all.as_array().map(Vec::len), Some(17));
    for q in [
        &["query", "--name", "square", "--format", "json"][..],
        &["query", "--arg", "x=3", "--format", "json"],
        &["query", "--arg", "a", "--format", "json"],
        &["query", "--result", "9", "--format", "json"],
        &["query", "--version", "2", "--format", "json"],
        &["query", "--tag", "n=1", "--format", "json"],
        &["query", "--tag", "n=True", "--format", "json"],
        &["query", "--tag", "n='1'", "--format", "json"],
        &["query", "--tag", "labels=['a', 'b']", "--format", "json"],
        &["query", "--meta", "tags", "--format", "json"],
        &["query", "--meta", "tags.label", "--format", "json"],
        &[
            "query",
            "--tag",
            "project=pg",
            "--name",
            "pair",
            "--format",
            "json",
        ],
        &["query", "--tag", "n=2", "--format", "json"],
        &[
            "query", "--name", "square", "--sort", "key", "--limit", "3", "--format", "json",
        ],
    ] {
        same_json(q);
    }
    // why: PostgreSQL asks each criterion as a query of its own, SQLite
    // answers them all in one statement; the same nearest calls, in the
    // same order, with the same differences (start times aside).
    for q in [
        &["why", "square", "x=3"][..],
        &["why", "square", "x=1000", "-n", "20"],
        &["why", "pair", "a=1", "b='u'", "-n", "20"],
        &["why", "scaled", "x=3", "factor=2", "-n", "20"],
        &["why", "cube", "x=3", "-n", "20"],
    ] {
        let args: Vec<&str> = q.iter().copied().chain(["--format", "json"]).collect();
        let (o1, o2) = same(&args);
        let without_times = |text: &str| {
            let mut doc: Json = serde_json::from_str(text).unwrap_or(Json::Null);
            for n in doc["nearest"].as_array_mut().into_iter().flatten() {
                n.as_object_mut().map(|o| o.remove("started"));
            }
            doc
        };
        let (j1, j2) = (without_times(&o1), without_times(&o2));
        assert!(j1["call"].is_object(), "{args:?}: {o1}");
        assert_eq!(j1, j2, "{args:?}");
    }
    let (n1, n2) = same(&["query", "--tag", "n=1", "--count"]);
    // Python's 1 == 1.0 == True: both pair calls (n=1), scaled(3) (n=1.0)
    // and scaled(4) (n=True); not square(100) (n="1").
    assert_eq!((n1.trim(), n2.trim()), ("4", "4"));

    // expand / shrink / show on every key, and a few prefixes.
    for row in all.as_array().expect("rows") {
        let key = row["key"].as_str().expect("key");
        same(&["expand", &key[..6]]);
        same(&["shrink", key]);
        same_json(&["show", key, "--format", "json"]);
        if let Some(r) = row["result"].as_str() {
            same_json(&["show", r, "--format", "json"]);
        }
    }
    same(&["stats", "--format", "json"]);

    // Writes: the same changes, the same results.
    same_json(&[
        "tag",
        "--name",
        "square",
        "--arg",
        "x=2",
        "--set",
        "stage=final",
        "--format",
        "json",
    ]);
    same_json(&["query", "--tag", "stage=final", "--format", "json"]);
    same_json(&[
        "untag",
        "--tag",
        "project=pg",
        "-k",
        "project",
        "--format",
        "json",
    ]);
    same_json(&["evict", "--name", "pair", "--dry-run", "--format", "json"]);
    same_json(&["evict", "--name", "pair", "--format", "json"]);
    same_json(&["ls", "--format", "json"]);
    same_json(&[
        "rekey",
        "--name",
        "square=sq",
        "--dry-run",
        "--format",
        "json",
    ]);
    same_json(&["rekey", "--name", "square=sq", "--keep", "--format", "json"]);
    same_json(&[
        "rekey",
        "--name",
        "square=sq",
        "--overwrite",
        "--format",
        "json",
    ]);
    same_json(&[
        "rekey",
        "--name",
        "sq=sq2",
        "--version",
        "5",
        "--format",
        "json",
    ]);
    same_json(&["ls", "--format", "json"]);
    let planned = same_json(&["gc", "--min-age", "0", "--dry-run", "--format", "json"]);
    assert!(
        !planned.as_array().expect("rows").is_empty(),
        "evicting pair should orphan its values"
    );
    same_json(&["gc", "--min-age", "0", "--format", "json"]);
    same_json(&["verify", "--format", "json"]);

    // `--root DIR --sql URL` opens the same cache without its fleche.toml.
    let elsewhere = root.path("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    let pg_root = pg.to_str().expect("utf-8").to_string();
    let (code, direct, err) = run_cli(
        &elsewhere,
        &["--root", &pg_root, "--sql", &url, "ls", "--format", "json"],
    );
    assert_eq!(code, Some(0), "{err}");
    let (_, configured, _) = run_cli(&pg, &["ls", "--format", "json"]);
    assert_eq!(
        comparable(serde_json::from_str(&direct).expect("json")),
        comparable(serde_json::from_str(&configured).expect("json"))
    );

    // Passwords never show: `caches` masks them.
    let (_, caches, _) = run_cli(&pg, &["caches", "--format", "json"]);
    assert!(!caches.contains(":secret@"), "{caches}");

    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
}

#[test]
fn mysql_is_refused_with_a_clear_error() {
    let dir = TestEnv::empty();
    std::fs::write(
        dir.path("fleche.toml"),
        "[default]\nroot = true\ncache = \"m\"\n[m]\nvalues = { type = \"pickle\", root = \"v\" }\n\
         calls = { type = \"sql\", url = \"mysql+pymysql://u:pw@localhost/db\" }\n",
    )
    .expect("toml");
    let (code, _, err) = run_cli(dir.root(), &["ls"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("mysql+pymysql") && err.contains("not supported yet"),
        "{err}"
    );
    assert!(!err.contains("pw"), "the password leaked: {err}");
}
