//! The fast paths taken for big inputs give the same answers as the simple
//! ones: `shrink` of many digests (all call keys read at once) and `ls` /
//! `query` with `--limit` (keys sorted before records are built).

use std::path::Path;
use std::process::Command;

fn fleche(dir: &str, args: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let out = Command::new(env!("CARGO_BIN_EXE_fleche"))
        .arg("-C")
        .arg(&root)
        .args(args)
        .output()
        .expect("run fleche");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn keys(dir: &str) -> Vec<String> {
    fleche(dir, &["ls", "--format", "jsonl"])
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            v["key"].as_str().expect("key").to_string()
        })
        .collect()
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/getting-started");
    let run = |args: &[String]| {
        let out = Command::new(env!("CARGO_BIN_EXE_fleche"))
            .arg("-C")
            .arg(&root)
            .arg("shrink")
            .args(args)
            .output()
            .expect("run fleche");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code(),
        )
    };
    let calls = keys("getting-started");
    let value = std::fs::read_dir(root.join(".fleche/values"))
        .expect("values")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
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
