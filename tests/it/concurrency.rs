//! tag, untag, evict and gc in a loop beside several real fleche processes
//! calling @fleche functions on the same cache (SQL calls, values
//! destructured to depth 2). Afterwards a fresh fleche loads every record
//! and every value of them, every call a worker completed and we did not
//! evict is there, no worker saw an error, our commands failed only in the
//! expected "nothing selected" way, `PRAGMA integrity_check` is ok, and a
//! final `gc --min-age 0` deletes what fleche's own gc deletes on a copy.
//! Needs `FLECHE_ORACLE_PYTHON` (ignored without it).

use crate::support::oracle::*;
use crate::support::{notice, value_files, Run, TestEnv};
use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::fs::File;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const WORKERS: usize = 3;
/// How long the workers call functions, counted from their start (Python
/// and fleche take seconds to import on a busy machine).
const WORK: Duration = Duration::from_secs(20);
/// A worker that has not finished by then has hung.
const DEADLINE: Duration = Duration::from_secs(90);

/// What our side did, and what went wrong.
#[derive(Default)]
struct Loop {
    runs: usize,
    tagged: usize,
    evicted: BTreeSet<String>,
    gc_runs: usize,
    gc_removed: usize,
    failures: Vec<String>,
}

impl Loop {
    /// Run one command. Exit 0 is fine; exit 1 only when nothing was
    /// selected (the call went away meanwhile); anything else, or an
    /// `Error:` line of another kind, is a failure.
    fn run(&mut self, dir: &TestEnv, args: &[&str]) -> Option<Run> {
        self.runs += 1;
        let out = dir.run(args);
        let err = out.stderr.clone();
        let nothing_selected = [
            "Changed the tags of 0 calls",
            "Removed 0 call records",
            "no call or value starts with",
            "is not a call in this cache",
        ]
        .iter()
        .any(|m| err.contains(m));
        match out.code {
            Some(0) if !err.contains("Error:") => Some(out),
            Some(1) if nothing_selected => None,
            code => {
                self.failures
                    .push(format!("fleche {args:?} exited {code:?}: {}", err.trim()));
                None
            }
        }
    }

    fn keys(&mut self, dir: &TestEnv) -> Vec<String> {
        match self.run(dir, &["ls", "--format", "json"]) {
            Some(out) => out.keys().into_iter().collect(),
            None => Vec::new(),
        }
    }
}

fn spawn_worker(dir: &Path, logs: &Path, w: usize, until: f64) -> Child {
    let log = File::create(logs.join(format!("worker{w}.log"))).expect("log file");
    python()
        .arg(script("concurrency_worker.py"))
        .arg(dir)
        .arg(w.to_string())
        .arg(format!("{until:.3}"))
        .arg(logs.join(format!("worker{w}.json")))
        .env_remove("FLECHE_SECRET_KEY")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start a worker")
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a venv with real fleche; .ci/run sets it)"
)]
fn write_commands_beside_running_fleche_lose_nothing() {
    let started = Instant::now();
    let dir = TestEnv::empty();
    let log_dir = TestEnv::empty();
    let logs = log_dir.root();
    // fleche creates the tables before any worker starts: processes creating
    // them at once race inside fleche ("table calls already exists").
    oracle("config", dir.root(), &[]);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7);
    notice(&format!("concurrency: seed {seed}"));
    // Seeded per run (the seed is printed).
    let mut rng = fastrand::Rng::with_seed(seed);

    let until = (std::time::SystemTime::now() + WORK)
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    let mut workers: Vec<Child> = (0..WORKERS)
        .map(|w| spawn_worker(dir.root(), logs, w, until))
        .collect();
    let mut ours = Loop::default();
    let mut step = 0usize;
    loop {
        let running = workers
            .iter_mut()
            .map(|c| c.try_wait())
            .filter(|s| matches!(s, Ok(None)))
            .count();
        if running == 0 || started.elapsed() > DEADLINE {
            break;
        }
        step += 1;
        let n = rng.usize(..12).to_string();
        match step % 7 {
            0 => {
                // Tag by filter: an argument value and fleche's own tags.
                let x = format!("x={n}");
                let w = format!("worker={}", rng.usize(..WORKERS));
                for args in [
                    vec![
                        "tag",
                        "--name",
                        "square",
                        "--arg",
                        &x,
                        "--set",
                        "stage=final",
                    ],
                    vec!["tag", "--tag", &w, "--set", "seen=True"],
                ] {
                    if ours.run(&dir, &args).is_some() {
                        ours.tagged += 1;
                    }
                }
            }
            1 | 4 => {
                // Tag by key prefix.
                let keys = ours.keys(&dir);
                if keys.len() >= 2 {
                    let a = keys[rng.usize(..keys.len())][..12].to_string();
                    let b = keys[rng.usize(..keys.len())][..16].to_string();
                    let set = format!("batch={step}");
                    if ours.run(&dir, &["tag", &a, &b, "--set", &set]).is_some() {
                        ours.tagged += 1;
                    }
                }
            }
            2 => {
                ours.run(&dir, &["untag", "--tag", "stage", "-k", "stage"]);
                ours.run(
                    &dir,
                    &["untag", "--tag", "batch", "-k", "batch", "-k", "seen"],
                );
            }
            3 => {
                // Evict one call by prefix.
                let keys = ours.keys(&dir);
                if !keys.is_empty() {
                    let p = keys[rng.usize(..keys.len())][..12].to_string();
                    if let Some(out) = ours.run(&dir, &["evict", &p, "--format", "json"]) {
                        ours.evicted.extend(out.keys());
                    }
                }
            }
            5 => {
                // Evict by filter.
                let arg = format!("n={}", rng.usize(..6));
                if let Some(out) = ours.run(
                    &dir,
                    &[
                        "evict", "--name", "label", "--arg", &arg, "--format", "json",
                    ],
                ) {
                    ours.evicted.extend(out.keys());
                }
            }
            _ => {
                // fleche stashes a call's argument values before its body
                // runs and files the record only at commit, so `--min-age 0`
                // beside running writers may delete the arguments of a call
                // in flight; that window is what the minimum age is for. The
                // workers' calls take milliseconds, but this test shares two
                // cores with the rest of the suite, where a worker stalled
                // over 3s between stashing and filing (a record whose
                // argument gc had deleted): 10s leaves room for that, and
                // still lets values evicted in the first half be collected.
                if let Some(out) = ours.run(&dir, &["gc", "--min-age", "10s", "--format", "json"]) {
                    ours.gc_runs += 1;
                    ours.gc_removed += out.keys().len();
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let loop_time = started.elapsed();
    for (w, child) in workers.iter_mut().enumerate() {
        if matches!(child.try_wait(), Ok(None)) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("worker {w} did not finish within {DEADLINE:?}");
        }
        let status = child.wait().expect("wait for a worker");
        let log = std::fs::read_to_string(logs.join(format!("worker{w}.log"))).unwrap_or_default();
        assert!(status.success(), "worker {w} failed ({status}):\n{log}");
    }

    // What the workers saw.
    let mut completed = BTreeSet::new();
    let mut worker_errors = Vec::new();
    let mut calls = 0;
    for w in 0..WORKERS {
        let text = std::fs::read_to_string(logs.join(format!("worker{w}.json"))).expect("summary");
        let summary: Json = serde_json::from_str(&text).expect("summary JSON");
        calls += summary["calls"].as_u64().expect("calls");
        assert!(
            summary["calls"].as_u64() > Some(10),
            "worker {w} barely ran"
        );
        for k in summary["completed"].as_array().expect("completed") {
            completed.insert(k.as_str().expect("key").to_string());
        }
        for e in summary["errors"].as_array().expect("errors") {
            worker_errors.push(format!("worker {w}: {}", e.as_str().unwrap_or("?")));
        }
    }
    notice(&format!(
        "concurrency: {:.1}s; {calls} calls by {WORKERS} workers ({} distinct); ours: {} commands, \
         {} tag runs that changed something, {} calls evicted, {} gc runs removing {} values",
        loop_time.as_secs_f64(),
        completed.len(),
        ours.runs,
        ours.tagged,
        ours.evicted.len(),
        ours.gc_runs,
        ours.gc_removed
    ));
    assert!(
        worker_errors.is_empty(),
        "the workers saw errors:\n{}",
        worker_errors.join("\n")
    );
    assert!(
        ours.failures.is_empty(),
        "our commands failed:\n{}",
        ours.failures.join("\n")
    );
    assert!(
        ours.tagged > 0 && !ours.evicted.is_empty() && ours.gc_runs > 0,
        "the loop did too little to test anything"
    );

    // Quiet now. Evict every grid call, leaving destructured orphans, then
    // gc --min-age 0 deletes exactly what fleche's gc deletes on a copy.
    let out = dir.ok(["evict", "--name", "grid", "--format", "json"]);
    ours.evicted.extend(out.keys());
    let (fleche_deleted, copy) = fleche_gc_on_a_copy(&dir);
    let out = dir.ok(["gc", "--min-age", "0", "--format", "json"]);
    assert_eq!(out.keys(), fleche_deleted, "final gc differs from fleche's");
    assert!(!fleche_deleted.is_empty(), "evicting grid left no orphans");
    assert_eq!(value_files(dir.root()), value_files(copy.root()));

    // Everything that should be there loads.
    let state = oracle("state", dir.root(), &[]);
    assert_sound(&state, "after the run");
    let present = record_keys(&state);
    let missing: Vec<&String> = completed
        .iter()
        .filter(|k| !ours.evicted.contains(*k) && !present.contains(*k))
        .collect();
    assert!(
        missing.is_empty(),
        "completed calls that nobody evicted are gone: {missing:?}"
    );
    notice(&format!(
        "concurrency: {} calls present at the end, {} values removed by the final gc; total {:.1}s",
        present.len(),
        fleche_deleted.len(),
        started.elapsed().as_secs_f64()
    ));
}
