//! Real fleche judges the committed write cases (`tests/cli/*.md`, run by
//! `cli`): each case is replayed on a scratch copy of its fixture, the
//! replay must print what the case has committed, and after every command
//! fleche, reading the files, must agree with what the command printed and
//! did. Needs `FLECHE_ORACLE_PYTHON` (ignored without it).

use crate::cli::WRITE_CASES;
use crate::support::oracle::{fleche_gc_on_a_copy, oracle};
use crate::support::{fleche, strings, value_files, TestEnv};
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One `$ fleche ...` command of a case, as committed.
struct Step {
    args: Vec<String>,
    code: i32,
    /// stdout and stderr together, without the last newline (as trycmd
    /// compares them).
    output: String,
}

impl Step {
    fn has(&self, flag: &str) -> bool {
        self.args.iter().any(|a| a == flag)
    }
}

/// The commands of `tests/cli/<case>.md`. Arguments are split at spaces:
/// the cases quote nothing.
fn steps(case: &str) -> Vec<Step> {
    let text = std::fs::read_to_string(format!("tests/cli/{case}.md")).expect("the case");
    let mut steps: Vec<Step> = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
        } else if !in_block {
            continue;
        } else if let Some(command) = line.strip_prefix("$ fleche ") {
            assert!(
                !command.contains(['\'', '"', '\\']),
                "{case}: quoting is not replayed: {command}"
            );
            steps.push(Step {
                args: command.split_whitespace().map(String::from).collect(),
                code: 0,
                output: String::new(),
            });
        } else {
            let step = steps.last_mut().expect("output after a command");
            match line.strip_prefix("? ") {
                Some(code) if step.output.is_empty() => {
                    step.code = code.parse().expect("an exit code");
                }
                _ => {
                    step.output.push_str(line);
                    step.output.push('\n');
                }
            }
        }
    }
    for step in &mut steps {
        step.output
            .truncate(step.output.trim_end_matches('\n').len());
    }
    steps
}

/// The cells of each table row (columns are two or more spaces apart); the
/// first is a call or value key as shown.
fn table(output: &str) -> Vec<Vec<&str>> {
    output
        .lines()
        .filter(|l| l.starts_with(' ') && !l.trim_start().starts_with("key "))
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect()
}

/// The one key in `keys` that `short` starts with.
fn full_key<'a>(short: &str, keys: impl IntoIterator<Item = &'a String>) -> String {
    let found: Vec<&String> = keys.into_iter().filter(|k| k.starts_with(short)).collect();
    assert_eq!(found.len(), 1, "{short} names {found:?} in fleche's answer");
    found[0].clone()
}

/// fleche's `query(...)` for the filters the cases give `query`, `evict`
/// and `tag` (`--name`, `--arg K=V`, `--tag K[=V]`; an integer value is an
/// int, anything else a string), or `None` when they select by key prefix.
fn fleche_query(args: &[String]) -> Option<Json> {
    let value = |v: &str| v.parse::<i64>().map_or_else(|_| json!(v), |n| json!(n));
    let mut q = json!({});
    let mut it = args.iter().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--name" => q["name"] = json!(it.next().expect("a name")),
            "--arg" => {
                let (k, v) = it.next().expect("K=V").split_once('=').expect("K=V");
                q["arguments"][k] = value(v);
            }
            "--tag" => {
                let spec = it.next().expect("K[=V]");
                let (k, v) = match spec.split_once('=') {
                    Some((k, v)) => (k, value(v)),
                    None => (spec.as_str(), Json::Null),
                };
                q["metadata"]["tags"][k] = v;
            }
            "--set" | "--unset" | "-k" | "--min-age" => {
                it.next();
            }
            _ => {}
        }
    }
    (q != json!({})).then_some(q)
}

/// Files below `root` (relative paths) and their bytes.
type Tree = BTreeMap<PathBuf, Vec<u8>>;

fn tree(root: &Path) -> Tree {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                out.insert(path.strip_prefix(root).expect("below").to_owned(), bytes);
            }
        }
    }
    out
}

/// Real fleche, asked on a copy (so that it cannot touch the replay) and
/// once per question and state of the files: it answers from them alone.
struct Judge {
    /// Every filter the case uses, and `{}` (every call) last.
    queries: Vec<Json>,
    answers: Vec<(Tree, &'static str, Json)>,
}

impl Judge {
    fn new(steps: &[Step]) -> Judge {
        let mut queries: Vec<Json> = Vec::new();
        for q in steps.iter().filter_map(|s| fleche_query(&s.args)) {
            if !queries.contains(&q) {
                queries.push(q);
            }
        }
        queries.push(json!({}));
        Judge {
            queries,
            answers: Vec::new(),
        }
    }

    fn ask(&mut self, question: &'static str, dir: &TestEnv) -> Json {
        let files = tree(dir.root());
        if let Some((_, _, answer)) = self
            .answers
            .iter()
            .find(|(t, q, _)| *q == question && *t == files)
        {
            return answer.clone();
        }
        let answer = match question {
            "calls" => {
                let specs: Vec<String> = self.queries.iter().map(Json::to_string).collect();
                let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
                oracle("calls", dir.duplicate().root(), &specs)
            }
            "gc" => json!(fleche_gc_on_a_copy(dir).0),
            "refuses" => {
                let calls = Calls::new(self.ask("calls", dir), &self.queries);
                let key = calls.all().pop_first().expect("a call");
                oracle("refuses", dir.duplicate().root(), &[&key])
            }
            other => panic!("no question {other}"),
        };
        self.answers.push((files, question, answer.clone()));
        answer
    }

    fn calls(&mut self, dir: &TestEnv) -> Calls {
        Calls::new(self.ask("calls", dir), &self.queries)
    }

    /// What fleche's own `Cache.gc()` deletes.
    fn gc(&mut self, dir: &TestEnv) -> BTreeSet<String> {
        strings(&self.ask("gc", dir))
    }
}

/// fleche's answer to `fleche_oracle.py calls`.
struct Calls {
    answer: Json,
    queries: Vec<Json>,
}

impl Calls {
    fn new(answer: Json, queries: &[Json]) -> Calls {
        Calls {
            answer,
            queries: queries.to_vec(),
        }
    }

    /// The calls fleche's `query(**q)` finds.
    fn found(&self, q: &Json) -> BTreeSet<String> {
        let i = self.queries.iter().position(|x| x == q).expect("asked");
        strings(&self.answer["queries"][i])
    }

    fn all(&self) -> BTreeSet<String> {
        self.found(&json!({}))
    }

    /// The records of a single cache, by key.
    fn records(&self) -> &Map<String, Json> {
        self.answer["records"].as_object().expect("records")
    }

    fn values(&self) -> BTreeSet<String> {
        strings(&self.answer["values"])
    }
}

/// Tags as a table shows them: Python's repr of the dict, `-` for none.
fn tags(cell: &str) -> Json {
    match cell {
        "-" => Json::Null,
        // Shown as Python's repr of the dict.
        _ => fleche_core::store::json_from_value(
            &fleche_core::literal::parse(cell).expect("tags as a Python literal"),
        )
        .expect("tags JSON can hold"),
    }
}

/// Checks one step against real fleche: `before` is a copy of the cache
/// taken just before the step ran in `after`.
fn check_step(judge: &mut Judge, step: &Step, before: &TestEnv, after: &TestEnv) {
    let what = format!("fleche {}", step.args.join(" "));
    let query = fleche_query(&step.args);
    if step.output.contains("is a pool") {
        // Refused: nothing changed, and fleche refuses writes to it too.
        assert_eq!(step.code, 2, "{what}");
        assert!(
            tree(before.root()) == tree(after.root()),
            "{what}: files changed"
        );
        assert_eq!(
            judge.ask("refuses", after),
            json!({"evict": "Rejected", "save": "Rejected", "gc": false}),
            "{what}"
        );
        return;
    }
    let (was, now) = (judge.calls(before), judge.calls(after));
    let rows = table(&step.output);
    match step.args[0].as_str() {
        "tag" | "untag" => {
            // Each row's `before` and `after` are the tags fleche loads
            // before and after (after a dry run: before); filters select
            // what fleche's query selects; no other call and no key changes.
            if let Some(q) = &query {
                let selected = was.found(q);
                assert_eq!(rows.len(), selected.len(), "{what}");
                for row in &rows {
                    full_key(row[0], &selected);
                }
            }
            let mut changed = BTreeSet::new();
            for row in &rows {
                let key = full_key(row[0], was.records().keys());
                assert_eq!(was.records()[&key]["tags"], tags(row[1]), "{what}: {key}");
                let want = if step.has("--dry-run") {
                    row[1]
                } else {
                    row[2]
                };
                assert_eq!(now.records()[&key]["tags"], tags(want), "{what}: {key}");
                changed.insert(key);
            }
            assert_eq!(was.all(), now.all(), "{what}: the calls changed");
            for (key, rec) in now.records() {
                assert_eq!(rec["lookup_key"], key.as_str(), "{what}: {key} moved");
                if !changed.contains(key) {
                    assert_eq!(rec, &was.records()[key], "{what}: {key} changed");
                }
            }
        }
        "query" => {
            let found = now.found(query.as_ref().expect("filters"));
            if step.has("--count") {
                assert_eq!(step.output, found.len().to_string(), "{what}");
            } else {
                assert_eq!(rows.len(), found.len(), "{what}");
                for row in &rows {
                    full_key(row[0], &found);
                }
            }
            assert_eq!(step.code, i32::from(found.is_empty()), "{what}");
        }
        "evict" => {
            // The rows are what fleche selects by the same filter, and
            // exactly they are gone afterwards (after a dry run: none);
            // every value stays.
            let shown: BTreeSet<String> = rows
                .iter()
                .map(|r| full_key(r[0], was.records().keys()))
                .collect();
            if let Some(q) = &query {
                assert_eq!(shown, was.found(q), "{what}");
            }
            let mut left = was.all();
            if !step.has("--dry-run") {
                left.retain(|k| !shown.contains(k));
            }
            assert_eq!(now.all(), left, "{what}");
            assert_eq!(now.values(), was.values(), "{what}: values changed");
        }
        "show" if step.code == 1 => {
            let prefix = step.args[1].as_str();
            let named: Vec<String> = now.all().into_iter().chain(now.values()).collect();
            assert!(
                !named.iter().any(|k| k.starts_with(prefix)),
                "{what}: fleche has {prefix}"
            );
        }
        "show" => {
            // A value fleche has, `used by` exactly the calls fleche says
            // have it as an argument or result.
            let value = step
                .output
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("value "))
                .expect("a value");
            assert!(now.values().contains(value), "{what}");
            let mut users = BTreeSet::new();
            for (key, rec) in now.records() {
                for (name, digest) in rec["arguments"].as_object().expect("arguments") {
                    if digest == value {
                        users.insert(format!("{} (argument {name})", &key[..8]));
                    }
                }
                if rec["result"] == value {
                    users.insert(format!("{} (result)", &key[..8]));
                }
            }
            let shown: BTreeSet<String> = step
                .output
                .lines()
                .skip_while(|l| !l.contains("used by"))
                .map(|l| {
                    let l = l.replace("used by", "");
                    let key = l.split_whitespace().next().expect("a key");
                    format!("{key} {}", &l[l.find('(').expect("a role")..])
                })
                .collect();
            assert_eq!(shown, users, "{what}");
        }
        "gc" => {
            // With --min-age 0 on a single cache: what fleche's own gc
            // deletes from the cache as it was.
            assert!(step.has("--min-age"), "{what}: file ages decide");
            let deleted = judge.gc(before);
            let removed: BTreeSet<String> = value_files(before.root())
                .difference(&value_files(after.root()))
                .cloned()
                .collect();
            let summary = if step.has("--dry-run") {
                let planned: BTreeSet<String> = rows.iter().map(|r| r[0].to_string()).collect();
                assert_eq!(planned, deleted, "{what}");
                assert!(removed.is_empty(), "{what}: removed {removed:?}");
                format!("Would remove {} values", deleted.len())
            } else {
                assert_eq!(removed, deleted, "{what}");
                format!("Removed {} values", deleted.len())
            };
            assert!(step.output.contains(&summary), "{what}: {summary}");
            assert_eq!(now.values(), value_files(after.root()), "{what}");
        }
        "verify" => {
            // Clean as fleche sees it: every record loads under its key and
            // names only values fleche has, and its gc would delete nothing.
            let values = now.values();
            for (key, rec) in now.records() {
                assert_eq!(rec["lookup_key"], key.as_str(), "{what}");
                let args = rec["arguments"].as_object().expect("arguments");
                for digest in args
                    .values()
                    .chain([&rec["result"]])
                    .filter_map(Json::as_str)
                {
                    assert!(values.contains(digest), "{what}: {key} names {digest}");
                }
            }
            assert!(judge.gc(after).is_empty(), "{what}");
            let summary = format!(
                "Checked {} calls and {} values: 0 problems",
                now.records().len(),
                values.len()
            );
            assert!(step.output.starts_with(&summary), "{what}: {summary}");
        }
        "ls" => {
            let all = now.all();
            let listed: BTreeSet<String> = rows.iter().map(|r| full_key(r[0], &all)).collect();
            assert_eq!(listed, all, "{what}");
        }
        _ => panic!("{what}: no check for this command; add one"),
    }
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a venv with real fleche; .ci/run sets it)"
)]
fn write_cases_agree_with_real_fleche() {
    for case in WRITE_CASES {
        let steps = steps(case);
        let mut judge = Judge::new(&steps);
        let dir = TestEnv::copy_of(Path::new(&format!("tests/cli/{case}.in")));
        for step in &steps {
            let before = dir.duplicate();
            let out = fleche().current_dir(dir.root()).args(&step.args).run();
            let printed = format!("{}{}", out.stdout, out.stderr)
                .replace(&dir.root().display().to_string(), "[CWD]");
            assert_eq!(
                (out.code, printed.trim_end_matches('\n')),
                (Some(step.code), step.output.as_str()),
                "{case}: the replay of `fleche {}` differs from the case",
                step.args.join(" ")
            );
            check_step(&mut judge, step, &before, &dir);
        }
    }
}
