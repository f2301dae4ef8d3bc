//! The persistent index (`$XDG_CACHE_HOME/fleche/index`): answers are the
//! same with it, without it (`--no-index`, `FLECHE_NO_INDEX=1`), warm or
//! cold, after every kind of change to the cache, with a damaged index
//! file or an unwritable index directory; and it is really used when warm
//! (`FLECHE_INDEX_DEBUG=1` lists what it did). The race test runs real
//! fleche writers beside `expand`, `show` and `ls -n`.

use crate::support::{value_files, Run, TestEnv};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Longer than the index's timestamp granule (2 s): a cache changed less
/// long ago than that is neither indexed nor trusted.
const SETTLE: Duration = Duration::from_millis(2100);

/// A scratch cache and a scratch index directory.
struct Indexed {
    dir: TestEnv,
    xdg: TestEnv,
}

impl Indexed {
    fn copy(fixture: &str) -> Indexed {
        let dir = TestEnv::copy(fixture);
        std::thread::sleep(SETTLE);
        Indexed {
            dir,
            xdg: TestEnv::empty(),
        }
    }

    /// `fleche ARGS` with the index in our scratch directory.
    fn with_index(&self, args: &[&str]) -> Run {
        self.dir
            .fleche()
            .env("XDG_CACHE_HOME", self.xdg.root())
            .env("FLECHE_INDEX_DEBUG", "1")
            .env_remove("FLECHE_NO_INDEX")
            .args(args)
            .run()
    }

    /// `fleche --no-index ARGS`.
    fn without(&self, args: &[&str]) -> Run {
        self.dir
            .fleche()
            .env("XDG_CACHE_HOME", self.xdg.root())
            .arg("--no-index")
            .args(args)
            .run()
    }

    /// [`Self::without`], checked equal to `FLECHE_NO_INDEX=1`.
    fn without_both_ways(&self, args: &[&str]) -> Run {
        let flag = self
            .dir
            .fleche()
            .env("XDG_CACHE_HOME", self.xdg.root())
            .arg("--no-index")
            .args(args)
            .run();
        let env = self
            .dir
            .fleche()
            .env("XDG_CACHE_HOME", self.xdg.root())
            .env("FLECHE_NO_INDEX", "1")
            .args(args)
            .run();
        assert_eq!(
            (&flag.stdout, &flag.stderr, flag.code),
            (&env.stdout, &env.stderr, env.code),
            "--no-index and FLECHE_NO_INDEX=1 differ for {args:?}"
        );
        flag
    }

    /// Run `args` with and without the index: the same answer; what the
    /// index did.
    fn same(&self, args: &[&str]) -> Vec<String> {
        let with = self.with_index(args);
        let without = self.without(args);
        let (events, stderr) = split(&with.stderr);
        assert_eq!(
            (&with.stdout, &stderr, with.code),
            (&without.stdout, &without.stderr, without.code),
            "fleche {args:?} with the index (what it did: {events:?})"
        );
        events
    }

    fn index_files(&self) -> Vec<PathBuf> {
        let dir = self.xdg.path("fleche/index");
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| d.map(|e| e.expect("entry").path()).collect())
            .unwrap_or_default();
        // Not the `.want` marks of questions asked once.
        out.retain(|p| p.extension().is_some_and(|e| e == "idx"));
        out.sort();
        out
    }
}

/// The index's debug lines, and the rest of stderr.
fn split(stderr: &str) -> (Vec<String>, String) {
    let mut events = Vec::new();
    let mut rest = String::new();
    for line in stderr.lines() {
        match line.strip_prefix("index: ") {
            Some(e) => events.push(e.to_string()),
            None => {
                rest.push_str(line);
                rest.push('\n');
            }
        }
    }
    (events, rest)
}

fn used(events: &[String], kind: &str) -> bool {
    events
        .iter()
        .any(|e| e.starts_with("used ") && e.contains(&format!("/{kind}-")))
}

fn saved(events: &[String]) -> bool {
    events.iter().any(|e| e.starts_with("saved "))
}

/// Every question the index answers faster, on one cache: expanding call
/// and value prefixes (unique, ambiguous, unknown), showing a call and a
/// value, short keys in tables, `ls -n` by every runtime field both ways.
fn questions(dir: &TestEnv) -> Vec<Vec<String>> {
    let listing = dir
        .fleche()
        .args(["--no-index", "ls", "--format", "csv", "--sort", "key"])
        .ok()
        .stdout;
    let calls: Vec<String> = listing
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next().map(String::from))
        .collect();
    // Digests only: a value may be named `10` (format §2).
    let values: Vec<String> = value_files(&dir.path(".fleche/values"))
        .into_iter()
        .filter(|v| v.len() == 64)
        .collect();
    assert!(calls.len() > 3 && values.len() > 3, "{calls:?} {values:?}");
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut out: Vec<Vec<String>> = Vec::new();
    for k in calls.iter().chain(&values).step_by(3) {
        out.push(s(&["expand", &k[..4], &k[..6], &k[..10], k]));
    }
    out.push(s(&["expand", "0000", "ffff", "abcdef", "--format", "json"]));
    out.push(s(&["show", &calls[0][..8], &values[0][..8]]));
    out.push(s(&["show", &calls[1][..8], "--format", "json"]));
    out.push(s(&["ls"]));
    for n in ["3", "1000"] {
        for sort in ["started", "stopped", "walltime"] {
            out.push(s(&["ls", "-n", n, "--sort", sort]));
            out.push(s(&["ls", "-n", n, "--sort", sort, "--reverse"]));
        }
    }
    out.push(s(&["ls", "-n", "2", "--format", "json"]));
    // Full listings: how the tables lie is remembered per order.
    out.push(s(&["ls", "--format", "jsonl"]));
    out.push(s(&[
        "ls",
        "--format",
        "csv",
        "--sort",
        "stopped",
        "--reverse",
    ]));
    out.extend(time_questions(dir));
    out
}

/// `--since`, `--until` and `--latest` questions splitting the calls of
/// `dir` by their start times (as UTC dates: the harness runs with TZ=UTC).
fn time_questions(dir: &TestEnv) -> Vec<Vec<String>> {
    let rows = dir
        .fleche()
        .args(["--no-index", "ls", "--format", "json"])
        .ok()
        .json();
    let mut starts: Vec<f64> = rows
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["metadata"]["runtime"]["timestart"].as_f64())
        .collect();
    starts.sort_by(f64::total_cmp);
    assert!(starts.len() > 3, "{starts:?}");
    let date = |t: f64| {
        jiff::Timestamp::from_microsecond((t * 1e6) as i64)
            .expect("a time")
            .strftime("%Y-%m-%dT%H:%M:%S%.f")
            .to_string()
    };
    let mid = date(starts[starts.len() / 2]);
    let late = date(starts[starts.len() - 2]);
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        s(&["query", "--since", &mid]),
        s(&["query", "--since", &mid, "--reverse", "--format", "json"]),
        s(&["query", "--since", &mid, "-n", "2"]),
        s(&["query", "--since", &mid, "-n", "2", "--reverse"]),
        s(&["query", "--until", &mid, "--format", "csv"]),
        s(&["query", "--since", &mid, "--until", &late]),
        s(&["query", "--since", &late, "--until", &mid]),
        s(&["query", "--since", "100000w", "-n", "3"]),
        s(&["query", "--since", "2999-01-01"]),
        s(&["query", "--since", &mid, "--sort", "stopped"]),
        s(&["query", "--latest"]),
        s(&["query", "--oldest", "--format", "json"]),
        s(&["query", "--latest", "--since", &mid]),
    ]
}

fn ask_all(cache: &Indexed, questions: &[Vec<String>]) -> Vec<String> {
    let mut events = Vec::new();
    for q in questions {
        let q: Vec<&str> = q.iter().map(String::as_str).collect();
        events.extend(cache.same(&q));
    }
    events
}

fn mtimes(files: &[PathBuf]) -> Vec<Option<std::time::SystemTime>> {
    files
        .iter()
        .map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
        .collect()
}

#[test]
fn answers_are_the_same_with_and_without_the_index_and_warm_ones_use_it() {
    let cache = Indexed::copy("getting-started");
    let questions = questions(&cache.dir);
    // Cold: the index is built.
    let cold = ask_all(&cache, &questions);
    assert!(saved(&cold), "{cold:?}");
    let files = cache.index_files();
    assert_eq!(
        files.len(),
        6,
        "values, three runtime fields, two listing orders' layouts: {files:?}"
    );
    let before = mtimes(&files);
    // Warm: used, not rewritten, the same answers.
    let warm = ask_all(&cache, &questions);
    assert!(
        used(&warm, "values") && used(&warm, "times") && used(&warm, "layout"),
        "{warm:?}"
    );
    assert!(!saved(&warm), "{warm:?}");
    assert_eq!(files, cache.index_files());
    assert_eq!(before, mtimes(&files));
    // Nothing is written beside the cache, and --no-index writes nothing.
    let mut names = cache.dir.names(".fleche");
    names.retain(|n| n != "calls.db" && n != "values");
    assert!(names.is_empty(), "{names:?}");
    let fresh = Indexed {
        dir: cache.dir.duplicate(),
        xdg: TestEnv::empty(),
    };
    std::thread::sleep(SETTLE);
    for q in &questions {
        fresh.without_both_ways(&q.iter().map(String::as_str).collect::<Vec<_>>());
    }
    assert!(fresh.index_files().is_empty());
    assert!(!fresh.xdg.path("fleche").exists());
}

/// Each write, of ours or by hand, changes what the index holds; the next
/// answers must see it, whether the change came just now (inside the
/// timestamp granule) or long enough ago for the index to be rebuilt.
#[test]
fn answers_follow_every_change_to_the_cache() {
    let cache = Indexed::copy("getting-started");
    let values = cache.dir.path(".fleche/values");
    let first_value = value_files(&values)
        .into_iter()
        .find(|v| v.len() == 64)
        .expect("a value");
    let newest = |c: &Indexed| -> String {
        let keys = c.without(&["ls", "-n", "1", "--format", "json"]).keys();
        keys.into_iter().next().expect("a call")
    };
    type Change<'a> = Box<dyn Fn(&Indexed) + 'a>;
    let changes: Vec<(&str, Change)> = vec![
        (
            "a new value file sharing a long prefix with another",
            Box::new(|_| {
                let tail = if first_value.ends_with('0') { "1" } else { "0" };
                let twin = format!("{}{}", &first_value[..20], tail.repeat(44));
                std::fs::copy(values.join(&first_value), values.join(twin)).expect("copy");
            }),
        ),
        (
            "tag",
            Box::new(|c| {
                c.dir
                    .ok(["tag", "--name", "another_calculation", "--set", "k=1"]);
            }),
        ),
        (
            "evict the newest call",
            Box::new(|c| {
                let key = newest(c);
                c.dir.ok(["evict", key.as_str()]);
            }),
        ),
        (
            "gc deleting the evicted call's values",
            Box::new(|c| {
                let before = value_files(&c.dir.path(".fleche/values"));
                c.dir.ok(["gc", "--min-age", "0"]);
                assert!(value_files(&c.dir.path(".fleche/values")).len() < before.len());
            }),
        ),
        (
            "a value file removed by hand",
            Box::new(|_| {
                std::fs::remove_file(values.join(&first_value)).expect("rm");
            }),
        ),
    ];
    let mut questions_now = questions(&cache.dir);
    ask_all(&cache, &questions_now);
    for (what, change) in &changes {
        let warm = ask_all(&cache, &questions_now);
        assert!(used(&warm, "values"), "before {what}: {warm:?}");
        change(&cache);
        // At once: the index is stale (and, inside the granule, not
        // rebuilt), the answers are right.
        let now = ask_all(&cache, &questions_now);
        assert!(
            now.iter().any(|e| e.starts_with("stale ")),
            "just after {what}: {:?}",
            &now[..now.len().min(8)]
        );
        // Settled: rebuilt, and right about the new state.
        std::thread::sleep(SETTLE);
        questions_now = questions(&cache.dir);
        ask_all(&cache, &questions_now);
        let warm = ask_all(&cache, &questions_now);
        assert!(
            used(&warm, "values")
                && used(&warm, "times")
                && used(&warm, "layout")
                && !warm.iter().any(|e| e.starts_with("stale ")),
            "after {what}: {:?}",
            &warm[..warm.len().min(8)]
        );
    }
}

/// `--since`/`--until` alone are answered from the sorted runtime rows:
/// warm, the index is read and no runtime row is scanned; and `--latest`
/// (the newest by stop time) too.
#[test]
fn time_ranges_and_the_latest_call_come_from_the_index() {
    let cache = Indexed::copy("getting-started");
    let questions = time_questions(&cache.dir);
    ask_all(&cache, &questions);
    ask_all(&cache, &questions);
    for q in &questions[..8] {
        let q: Vec<&str> = q.iter().map(String::as_str).collect();
        let events = cache.same(&q);
        assert!(used(&events, "times"), "{q:?}: {events:?}");
        assert!(!saved(&events), "{q:?}: {events:?}");
    }
    let events = cache.same(&["query", "--latest"]);
    assert!(used(&events, "times"), "{events:?}");
}

#[test]
fn a_damaged_index_file_is_ignored_and_rebuilt() {
    let cache = Indexed::copy("getting-started");
    let questions = questions(&cache.dir);
    ask_all(&cache, &questions);
    let files = cache.index_files();
    assert_eq!(files.len(), 6);
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 5] = [
        ("truncated", |f| {
            let bytes = std::fs::read(f).expect("read");
            std::fs::write(f, &bytes[..bytes.len() / 2]).expect("write");
        }),
        ("a key's byte flipped", |f| {
            let mut bytes = std::fs::read(f).expect("read");
            let at = bytes.len() - 20;
            bytes[at] ^= 0x55;
            std::fs::write(f, &bytes).expect("write");
        }),
        ("a byte flipped in the header", |f| {
            let mut bytes = std::fs::read(f).expect("read");
            bytes[40] ^= 0x01;
            std::fs::write(f, &bytes).expect("write");
        }),
        ("another version", |f| {
            let mut bytes = std::fs::read(f).expect("read");
            bytes[8] = bytes[8].wrapping_add(1);
            std::fs::write(f, &bytes).expect("write");
        }),
        ("empty", |f| std::fs::write(f, b"").expect("write")),
    ];
    for (what, damage) in damages {
        for f in &files {
            damage(f);
        }
        let events = ask_all(&cache, &questions);
        assert!(saved(&events), "{what}: {events:?}");
        let warm = ask_all(&cache, &questions);
        assert!(
            used(&warm, "values") && used(&warm, "times"),
            "{what}: {warm:?}"
        );
    }
}

#[test]
fn an_unwritable_index_directory_means_no_index() {
    let cache = Indexed::copy("getting-started");
    // XDG_CACHE_HOME is a file: nothing can be created under it.
    let file = cache.xdg.path("a-file");
    std::fs::write(&file, "").expect("write");
    for q in &questions(&cache.dir) {
        let with = cache
            .dir
            .fleche()
            .env("XDG_CACHE_HOME", &file)
            .args(q)
            .run();
        let without = cache.without(&q.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            (&with.stdout, &with.stderr, with.code),
            (&without.stdout, &without.stderr, without.code),
            "{q:?}"
        );
    }
    assert_eq!(std::fs::read(&file).expect("read"), b"");
}

/// What one `ls --format json` said: call keys, value digests, and each
/// call's start time.
struct Snapshot {
    keys: Vec<String>,
    /// Every call and value digest.
    all: std::collections::BTreeSet<String>,
    /// The newest call by start time (ties: the greater key, as listed).
    newest: Option<(f64, String)>,
    /// Each call and its start time.
    rows: Vec<(String, Option<f64>)>,
}

fn snapshot(rows: &[serde_json::Value]) -> Snapshot {
    let mut all = std::collections::BTreeSet::new();
    let mut keys = Vec::new();
    let mut newest: Option<(f64, String)> = None;
    let mut starts = Vec::new();
    for r in rows {
        let key = r["key"].as_str().expect("key").to_string();
        if let Some(args) = r["arguments"].as_object() {
            all.extend(args.values().filter_map(|v| v.as_str().map(String::from)));
        }
        if let Some(res) = r["result"].as_str() {
            all.insert(res.to_string());
        }
        if let Some(t) = r["metadata"]["runtime"]["timestart"].as_f64() {
            if newest.as_ref().is_none_or(|(nt, nk)| (t, &key) > (*nt, nk)) {
                newest = Some((t, key.clone()));
            }
        }
        starts.push((key.clone(), r["metadata"]["runtime"]["timestart"].as_f64()));
        all.insert(key.clone());
        keys.push(key);
    }
    Snapshot {
        keys,
        all,
        newest,
        rows: starts,
    }
}

/// One round of questions with the index, each checked against what was
/// in the cache before it was asked (the writers only add): a prefix said
/// unique has no other key in that state, a prefix of a key there is found,
/// a call there shows, and `ls -n 3` holds the newest call there or only
/// calls as new. Returns what the index did.
fn race_round(cache: &Indexed, rng: &mut fastrand::Rng, failures: &mut Vec<String>) -> Vec<String> {
    let before = cache
        .dir
        .fleche()
        .args(["--no-index", "ls", "--format", "json"])
        .run();
    let before = snapshot(before.json().as_array().expect("rows"));
    let mut events = Vec::new();
    if before.keys.is_empty() {
        return events;
    }
    let call = &before.keys[rng.usize(..before.keys.len())];
    let digests: Vec<&String> = before.all.iter().collect();
    let any = digests[rng.usize(..digests.len())];
    let prefixes: Vec<&str> = vec![&call[..4], &call[..5], &any[..4], &any[..5], &any[..7]];
    let mut args = vec!["expand", "--format", "json"];
    args.extend(prefixes.iter().copied());
    let out = cache.with_index(&args);
    let (ev, _) = split(&out.stderr);
    events.extend(ev);
    let found: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap_or_default();
    for p in &prefixes {
        match found.iter().find(|r| r["prefix"] == *p) {
            Some(r) => {
                let key = r["key"].as_str().unwrap_or("");
                let others: Vec<&String> = before
                    .all
                    .iter()
                    .filter(|k| k.starts_with(p) && k.as_str() != key)
                    .collect();
                if !key.starts_with(p) || !others.is_empty() {
                    failures.push(format!("expand {p} said {key}, but {others:?} were there"));
                }
            }
            None if !out.stderr.contains(&format!("`{p}` is ambiguous")) => {
                failures.push(format!("expand {p} found nothing: {}", out.stderr))
            }
            None => {}
        }
    }
    let out = cache.with_index(&["show", &call[..8], "--format", "jsonl"]);
    events.extend(split(&out.stderr).0);
    if out.code != Some(0) && !out.stderr.contains("is ambiguous") {
        failures.push(format!("show {}: {}", &call[..8], out.stderr));
    } else if out.code == Some(0) && !out.stdout.contains(call.as_str()) {
        failures.push(format!("show {} did not show {call}", &call[..8]));
    }
    let out = cache.with_index(&["ls", "-n", "3", "--format", "json"]);
    events.extend(split(&out.stderr).0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap_or_default();
    let listed = snapshot(&rows);
    if let Some((t, key)) = &before.newest {
        let oldest_listed = rows
            .iter()
            .filter_map(|r| r["metadata"]["runtime"]["timestart"].as_f64())
            .fold(f64::INFINITY, f64::min);
        // Fewer than three calls only while the cache holds fewer.
        if rows.len() < before.keys.len().min(3)
            || (!listed.keys.contains(key) && oldest_listed < *t)
        {
            failures.push(format!(
                "ls -n 3 missed the newest call {key} ({t}): {:?}",
                listed.keys
            ));
        }
    }
    // `--since` a call's start (to the millisecond, as dates are read):
    // every call there then that started since is listed, and only such.
    let starts: Vec<(f64, &String)> = before
        .rows
        .iter()
        .filter_map(|(k, t)| t.map(|t| (t, k)))
        .collect();
    if !starts.is_empty() {
        let (t, _) = starts[rng.usize(..starts.len())];
        let ms = (t * 1000.0).floor() as i64;
        let bound = ms as f64 / 1000.0;
        let date = jiff::Timestamp::from_millisecond(ms)
            .expect("a time")
            .strftime("%Y-%m-%dT%H:%M:%S%.f")
            .to_string();
        let out = cache.with_index(&["query", "--since", &date, "--format", "json"]);
        events.extend(split(&out.stderr).0);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap_or_default();
        let listed = snapshot(&rows);
        let missed: Vec<&&String> = starts
            .iter()
            .filter(|(t, k)| *t >= bound && !listed.keys.contains(k))
            .map(|(_, k)| k)
            .collect();
        let early = rows.iter().any(|r| {
            r["metadata"]["runtime"]["timestart"]
                .as_f64()
                .is_none_or(|t| t < bound)
        });
        if !missed.is_empty() || early {
            failures.push(format!(
                "query --since {date} missed {missed:?} or listed an earlier call: {:?}",
                listed.keys
            ));
        }
    }
    events
}

/// Real fleche processes add calls while `expand`, `show` and `ls -n` run
/// with the index: while they write, after they stop (the index is built
/// and used) and when they start again (the warm index goes stale under a
/// writer). No answer may be wrong.
#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a venv with real fleche; .ci/run sets it)"
)]
fn answers_stay_right_while_fleche_writes() {
    use crate::support::oracle::{oracle, python, script};
    let cache = Indexed {
        dir: TestEnv::empty(),
        xdg: TestEnv::empty(),
    };
    let logs = TestEnv::empty();
    oracle("config", cache.dir.root(), &[]);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7);
    crate::support::notice(&format!("index race: seed {seed}"));
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut failures = Vec::new();
    let mut used_warm = false;
    let mut last = Vec::new();
    // Python and fleche take seconds to import on a busy machine.
    for (phase, work) in [(0, 12.0), (1, 10.0)] {
        let until = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs_f64()
            + work;
        let mut workers: Vec<std::process::Child> = (0..2)
            .map(|w| {
                python()
                    .arg(script("concurrency_worker.py"))
                    .arg(cache.dir.root())
                    // A lane of its own per phase: new calls each time.
                    .arg((2 * phase + w).to_string())
                    .arg(format!("{until:.3}"))
                    .arg(logs.path(format!("worker{phase}-{w}.json")))
                    .env_remove("FLECHE_SECRET_KEY")
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .expect("start a worker")
            })
            .collect();
        let started = std::time::Instant::now();
        while workers.iter_mut().any(|c| matches!(c.try_wait(), Ok(None))) {
            race_round(&cache, &mut rng, &mut failures);
            assert!(started.elapsed() < Duration::from_secs(120), "workers hung");
        }
        // Quiet: the index is built, then used.
        std::thread::sleep(SETTLE);
        for _ in 0..3 {
            let events = race_round(&cache, &mut rng, &mut failures);
            used_warm |= used(&events, "values") && used(&events, "times");
            last = events;
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    for phase in 0..2 {
        for w in 0..2 {
            let out = std::fs::read_to_string(logs.path(format!("worker{phase}-{w}.json")))
                .expect("a worker's report");
            let out: serde_json::Value = serde_json::from_str(&out).expect("JSON");
            assert!(out["calls"].as_u64() > Some(0), "{out}");
            assert_eq!(out["errors"], serde_json::json!([]), "{out}");
        }
    }
    assert!(
        used_warm,
        "the index was never used: {last:?} {:?}",
        cache.dir.names(".fleche")
    );
}

/// How the tables lie for a merged full listing is remembered only for the
/// state it was found in: tags added to an old call are rows written after
/// every other, so the remembered "lined up" no longer holds and must not
/// be used (the listing would give the newest calls no metadata).
#[test]
fn a_remembered_table_layout_is_not_trusted_after_a_change() {
    let cache = Indexed::copy("getting-started");
    let listing = ["ls", "--format", "jsonl"];
    assert!(saved(&cache.same(&listing)));
    assert!(used(&cache.same(&listing), "layout"));
    cache.dir.ok(["tag", "--name", "double", "--set", "late=1"]);
    let events = cache.same(&listing);
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("stale ") && e.contains("/layout-")),
        "{events:?}"
    );
    // Settled: found again (apart now), remembered, and used.
    std::thread::sleep(SETTLE);
    assert!(saved(&cache.same(&listing)));
    assert!(used(&cache.same(&listing), "layout"));
    let rows = cache.without(&listing).stdout;
    assert!(rows.contains("\"tags\":{\"late\":"), "{rows}");
}
