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
    for dir in ["getting-started", "dill-files"] {
        for sort in [
            &[][..],
            &["--sort", "key", "-r"],
            &["--sort", "walltime"],
            &["--sort", "name"],
        ] {
            let mut full_args = vec!["ls", "--format", "jsonl"];
            full_args.extend(sort);
            let full = fleche(dir, &full_args);
            let mut limited_args = full_args.clone();
            limited_args.extend(["--limit", "3"]);
            let limited = fleche(dir, &limited_args);
            let head: Vec<&str> = full.lines().take(3).collect();
            assert_eq!(limited.lines().collect::<Vec<_>>(), head, "{dir} {sort:?}");
        }
    }
}
