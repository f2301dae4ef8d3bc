//! The fast paths taken for big inputs give the same answers as the simple
//! ones: `shrink` of many digests (all call keys read at once) and `ls` /
//! `query` with `--limit` (keys sorted before records are built).

use crate::support::TestEnv;

/// `fleche -C tests/fixtures/<fixture> ARGS`; its stdout, exit 0 required.
fn fleche(fixture: &str, args: &[&str]) -> String {
    TestEnv::fixture(fixture).ok(args).stdout
}

/// `fleche ARGS` with `RAYON_NUM_THREADS=threads`; its stdout.
fn on_threads(dir: &TestEnv, threads: &str, args: &[&str]) -> String {
    dir.fleche()
        .env("RAYON_NUM_THREADS", threads)
        .args(args)
        .ok()
        .stdout
}

/// A scratch copy of getting-started with `sql` run on its database.
fn edited_copy(sql: &str) -> TestEnv {
    let dir = TestEnv::copy("getting-started");
    let conn = rusqlite::Connection::open(dir.path(".fleche/calls.db")).expect("open the copy");
    conn.execute_batch(sql).expect("edit the copy");
    dir
}

fn keys(fixture: &str) -> Vec<String> {
    TestEnv::fixture(fixture)
        .ok(["ls", "--format", "jsonl"])
        .jsonl_keys()
}

#[test]
fn shrink_of_many_digests_equals_shrink_of_each() {
    for dir in ["getting-started", "dill-files"] {
        let keys = keys(dir);
        assert!(keys.len() >= 3, "{dir} has calls");
        let one_by_one: Vec<String> = keys
            .iter()
            .map(|k| fleche(dir, &["shrink", k]).trim().to_string())
            .collect();
        // Enough digests (repeated) to take the batch path.
        let mut many: Vec<&str> = Vec::new();
        while many.len() <= 64 {
            many.extend(keys.iter().map(String::as_str));
        }
        let mut args = vec!["shrink"];
        args.extend(&many);
        let batch: Vec<String> = fleche(dir, &args).lines().map(str::to_string).collect();
        let expected: Vec<String> = (0..many.len())
            .map(|i| one_by_one[i % keys.len()].clone())
            .collect();
        assert_eq!(batch, expected, "{dir}");
    }
}

#[test]
fn limit_keeps_the_first_rows_of_the_full_listing() {
    for dir in ["getting-started", "dill-files", "nested"] {
        let n = keys(dir).len();
        for sort in [
            &[][..],
            &["-r"],
            &["--sort", "key", "-r"],
            &["--sort", "walltime"],
            &["--sort", "walltime", "-r"],
            &["--sort", "name"],
        ] {
            let mut full_args = vec!["ls", "--format", "jsonl"];
            full_args.extend(sort);
            let full = fleche(dir, &full_args);
            // Every limit up to past the end: SQLite takes the top N from
            // one pass over the runtime rows when N calls have the field,
            // and the general query otherwise.
            for limit in 1..=n + 1 {
                let limit = limit.to_string();
                let mut limited_args = full_args.clone();
                limited_args.extend(["--limit", &limit]);
                let limited = fleche(dir, &limited_args);
                let head: Vec<&str> = full.lines().take(limit.parse().unwrap()).collect();
                assert_eq!(
                    limited.lines().collect::<Vec<_>>(),
                    head,
                    "{dir} {sort:?} --limit {limit}"
                );
            }
        }
    }
}

/// `shrink` of a mixed batch (calls, a value, an upper-case key, digests
/// that are not stored or not hex) prints what it prints for each alone.
#[test]
fn a_mixed_batch_shrinks_like_each_alone() {
    let dir = TestEnv::fixture("getting-started");
    let run = |args: &[String]| {
        let out = dir.fleche().arg("shrink").args(args).run();
        (out.stdout, out.stderr, out.code)
    };
    let calls = keys("getting-started");
    let value = dir
        .names(".fleche/values")
        .into_iter()
        .find(|n| n.len() == 64)
        .expect("a value file");
    let mut mixed: Vec<String> = Vec::new();
    while mixed.len() <= 64 {
        mixed.extend(calls.iter().cloned());
        mixed.push(calls[0].to_uppercase());
        mixed.push(value.clone());
        mixed.push("f".repeat(64));
        mixed.push("not-a-digest".into());
    }
    let (mut out, mut err) = (String::new(), String::new());
    for d in &mixed {
        let (o, e, _) = run(std::slice::from_ref(d));
        out.push_str(&o);
        err.push_str(&e);
    }
    let (batch_out, batch_err, code) = run(&mixed);
    assert_eq!(batch_out, out);
    assert_eq!(batch_err, err);
    assert_eq!(code, Some(1), "some digests are not found");
}

/// A complete listing of a SQLite store is read on several threads
/// (`RAYON_NUM_THREADS`): sorted as keys first and its records built by
/// workers, or, filtered, sorted in rowid ranges and merged; with one
/// thread it is the single query. Both must print the same bytes, across
/// batches, for calls whose runtime row is missing, null, of another type,
/// tied, or left behind by a call that is gone.
#[test]
fn parallel_listing_equals_the_single_query() {
    // 40 copies of each of the 34 calls under new keys; copy i's start
    // time is shifted, equal to another copy's, a string, an integer,
    // null, or missing.
    let dir = edited_copy(
        "PRAGMA foreign_keys = OFF;
             CREATE TEMP TABLE n AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) SELECT i FROM n;
             CREATE TEMP TABLE k AS SELECT c.key AS old, substr(c.key, 1, 60) || printf('%04x', n.i) AS new, n.i AS i FROM calls c, n;
             INSERT INTO calls SELECT k.new, c.name, c.module, c.version, c.code_digest, c.result FROM k JOIN calls c ON c.key = k.old;
             INSERT INTO arguments (call_key, position, name, value) SELECT k.new, a.position, a.name, a.value FROM k JOIN arguments a ON a.call_key = k.old;
             INSERT INTO metadata (call_key, name, data) SELECT k.new, m.name,
                 CASE WHEN m.name <> 'runtime' THEN m.data
                      WHEN k.i % 7 = 0 THEN m.data
                      WHEN k.i % 13 = 0 THEN json_set(m.data, '$.timestart', '2026-01-01')
                      WHEN k.i % 17 = 0 THEN json_set(m.data, '$.timestart', json('null'), '$.walltime', json('null'))
                      WHEN k.i % 19 = 0 THEN json_set(m.data, '$.timestart', 1774227000, '$.walltime', 1)
                      ELSE json_set(m.data, '$.timestart', json_extract(m.data, '$.timestart') + k.i * 3.5,
                                    '$.walltime', json_extract(m.data, '$.walltime') * (k.i % 5)) END
                 FROM k JOIN metadata m ON m.call_key = k.old WHERE NOT (m.name = 'runtime' AND k.i % 11 = 0);
             INSERT INTO metadata (call_key, name, data) VALUES
                 ('ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', 'runtime', '{\"timestart\": 1.0, \"walltime\": 1.0}');",
    );
    assert!(
        !dir.path(".fleche/calls.db-wal").exists(),
        "no live WAL left"
    );
    let calls = dir.calls_written() * 41;
    let run = |threads: &str, args: &[&str]| on_threads(&dir, threads, args);
    let mut cases: Vec<Vec<&str>> = Vec::new();
    for sort in ["started", "walltime", "name", "key"] {
        for reverse in [false, true] {
            let mut args = vec!["ls", "--format", "jsonl", "--sort", sort];
            if reverse {
                args.push("-r");
            }
            cases.push(args);
        }
    }
    cases.push(vec!["ls", "--format", "csv"]);
    cases.push(vec!["ls", "--format", "json", "--sort", "walltime"]);
    // Filtered: each part's records selected and sorted by its connection.
    for sort in ["started", "walltime", "name", "key"] {
        for reverse in [false, true] {
            let mut args = vec![
                "query", "--name", "fib", "--format", "jsonl", "--sort", sort,
            ];
            if reverse {
                args.push("-r");
            }
            cases.push(args);
        }
    }
    cases.push(vec!["query", "--arg", "n=3", "--format", "jsonl"]);
    cases.push(vec!["query", "--tag", "n=1", "--format", "tsv", "-r"]);
    // Compared after loading (a list): filtered on the worker threads.
    cases.push(vec![
        "query",
        "--tag",
        "labels=[\"a\",\"b\"]",
        "--format",
        "jsonl",
    ]);
    for args in &cases {
        let single = run("1", args);
        for threads in ["2", "3"] {
            let parallel = run(threads, args);
            let differ = single
                .lines()
                .zip(parallel.lines())
                .position(|(a, b)| a != b);
            assert!(
                parallel == single,
                "{args:?} on {threads} threads: {} lines vs {}, first difference at line {differ:?}",
                parallel.lines().count(),
                single.lines().count()
            );
        }
    }
    let listing = run("2", &["ls", "--format", "jsonl"]);
    let rows: Vec<serde_json::Value> = listing
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(
        rows.len(),
        calls,
        "every call once, the orphan runtime row none"
    );
    // Newest first, then the calls without a start time by key, descending.
    let started = |r: &serde_json::Value| r["metadata"]["runtime"]["timestart"].clone();
    let numbers: Vec<f64> = rows.iter().filter_map(|r| started(r).as_f64()).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] >= w[1]),
        "numbers descending"
    );
    let tail: Vec<&str> = rows
        .iter()
        .skip_while(|r| !started(r).is_null())
        .map(|r| r["key"].as_str().expect("key"))
        .collect();
    assert!(
        tail.len() >= 34 * 5,
        "missing and null start times come last"
    );
    assert!(tail.windows(2).all(|w| w[0] > w[1]), "by key, descending");
    assert!(rows
        .iter()
        .rev()
        .take(tail.len())
        .all(|r| started(r).is_null()));
}

/// A metadata table whose only unique index on (call_key, name) is partial
/// (a hand-made database, not fleche's schema) may hold two `tags` rows
/// for one call, far apart: the parallel listing must not split its tag
/// lookup by those rows, or the call is listed once per row.
#[test]
fn a_partial_unique_index_does_not_split_the_lookup() {
    let dir = edited_copy(
        "PRAGMA foreign_keys = OFF;
             CREATE TABLE m2 (id INTEGER NOT NULL PRIMARY KEY, call_key VARCHAR(64) NOT NULL,
                 name VARCHAR NOT NULL, data JSON NOT NULL);
             INSERT INTO m2 SELECT id, call_key, name, data FROM metadata;
             DROP TABLE metadata;
             ALTER TABLE m2 RENAME TO metadata;
             CREATE INDEX ix_metadata_call_key ON metadata (call_key);
             CREATE INDEX ix_metadata_name ON metadata (name);
             CREATE UNIQUE INDEX uq_runtime ON metadata (call_key, name) WHERE name = 'runtime';
             INSERT INTO metadata (id, call_key, name, data)
                 SELECT 1000000 + id, call_key, name, data FROM metadata WHERE name = 'tags';",
    );
    let run = |threads: &str| {
        on_threads(
            &dir,
            threads,
            &["query", "--tag", "n=1", "--format", "jsonl"],
        )
    };
    let single = run("1");
    assert!(!single.is_empty(), "the tag matches calls");
    for threads in ["2", "3"] {
        assert_eq!(run(threads), single, "{threads} threads");
    }
}
