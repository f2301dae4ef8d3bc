//! The harness every integration test runs the binary through.
//!
//! A [`TestEnv`] is a directory to run `fleche` in: a committed fixture
//! (`tests/fixtures/<name>`) used in place by tests that only read, or a
//! scratch copy of one (or an empty scratch directory) that is removed when
//! the `TestEnv` is dropped, so a test that changes a cache never touches
//! the committed one. [`Fleche`] builds one run of the binary with a stable
//! environment: no colour, UTC times, no secret keys, no user configuration,
//! no thread cap; a test changes any of that explicitly.

pub mod oracle;
pub mod ssh;

use serde_json::Value as Json;
use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The fixtures that are one cache each, with values this tool decodes
/// (all but `stack`, `pool` and `hdf5`).
pub const SINGLE_CACHES: [&str; 5] = [
    "getting-started",
    "signed-gzip",
    "nested",
    "dill-files",
    "cloudpickle-files",
];

/// The committed fixture caches, checked unchanged first.
pub fn fixtures_dir() -> PathBuf {
    assert_fixtures_unchanged();
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every expected answer was computed on the committed fixtures: when one
/// was changed in place (a write command tried on it, say), every test
/// that reads them fails with what changed and how to restore it, instead
/// of as puzzling answer mismatches. Outside a git checkout there is
/// nothing to compare.
pub fn assert_fixtures_unchanged() {
    static CHANGED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let changed = CHANGED.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let args = [
            "status",
            "--porcelain",
            "--untracked-files=all",
            "--",
            "tests/fixtures",
        ];
        match Command::new("git").arg("-C").arg(root).args(args).output() {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
            _ => String::new(),
        }
    });
    assert!(
        changed.trim().is_empty(),
        "the committed fixtures were changed, so their recorded answers no longer hold:\n{changed}\
         restore them with `git checkout -- tests/fixtures && git clean -fd tests/fixtures` \
         (try write commands on a copy: `cp -r tests/fixtures/getting-started /tmp/tour`)"
    );
}

/// A line on the real stderr: cargo's capture hides `eprintln!` of a
/// passing test, and these lines say what a long test did.
pub fn notice(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Whether this process runs as root (CI does), where file modes do not
/// stop reads unless the test drops to `nobody`.
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

const SETPRIV: &str = "/usr/bin/setpriv";

/// Fail loudly where [`Fleche::unprivileged`] cannot make file modes bite
/// (root without `setpriv`): tests that need it are built ignored there
/// (`cfg(fleche_modes)`, see build.rs), so reaching this is a broken setup.
pub fn assert_can_drop_privileges() {
    assert!(
        !is_root() || Path::new(SETPRIV).exists(),
        "running as root without {SETPRIV}: file modes cannot stop a read"
    );
}

/// A directory to run `fleche` in (see the module documentation).
pub struct TestEnv {
    root: PathBuf,
    /// Set for scratch directories: removed on drop.
    scratch: Option<tempfile::TempDir>,
}

impl TestEnv {
    /// The committed fixture itself, for tests that only read it (checked
    /// unchanged by [`fixtures_dir`]).
    pub fn fixture(name: &str) -> TestEnv {
        let root = fixtures_dir().join(name);
        assert!(root.is_dir(), "no fixture {}", root.display());
        TestEnv {
            root,
            scratch: None,
        }
    }

    /// A scratch copy of the fixture `name` (its hidden `.fleche` and its
    /// `layer0/`, `member0/`… directories included).
    pub fn copy(name: &str) -> TestEnv {
        TestEnv::copy_of(&fixtures_dir().join(name))
    }

    /// A scratch copy of any directory tree.
    pub fn copy_of(from: &Path) -> TestEnv {
        let env = TestEnv::empty();
        copy_dir(from, &env.root);
        env
    }

    /// An empty scratch directory.
    pub fn empty() -> TestEnv {
        let dir = tempfile::Builder::new()
            .prefix("fleche-test-")
            .tempdir()
            .expect("create a scratch directory");
        // Readable by everyone, as a checkout is: tests that drop to
        // `nobody` must reach all but the parts they lock.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod the scratch directory");
        TestEnv {
            root: dir.path().to_path_buf(),
            scratch: Some(dir),
        }
    }

    /// A scratch copy of this directory as it is now.
    pub fn duplicate(&self) -> TestEnv {
        TestEnv::copy_of(&self.root)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A path inside the directory.
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.root.join(rel)
    }

    /// The names in a directory of this one, sorted.
    pub fn names(&self, rel: impl AsRef<Path>) -> Vec<String> {
        let dir = self.path(rel);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The fixture's `answers.json`, computed by real fleche's API.
    pub fn answers(&self) -> Json {
        let path = self.path("answers.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        serde_json::from_str(&text).expect("answers.json is JSON")
    }

    /// How many call records real fleche wrote (`answers.json`).
    pub fn calls_written(&self) -> usize {
        self.answers()["records"]
            .as_array()
            .expect("answers.json records")
            .len()
    }

    /// `fleche -C <this directory>`, to add arguments to.
    pub fn fleche(&self) -> Fleche {
        fleche().arg("-C").arg(&self.root)
    }

    /// Run `fleche -C <dir> ARGS`, whatever its exit code.
    pub fn run<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Run {
        self.fleche().args(args).run()
    }

    /// Run `fleche -C <dir> ARGS` and insist on exit 0.
    pub fn ok<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Run {
        self.fleche().args(args).ok()
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if let Some(dir) = self.scratch.take() {
            // Give back what a test took away, so that the tree can go.
            open_up(dir.path());
            if let Err(e) = dir.close() {
                notice(&format!("cannot remove a scratch directory: {e}"));
            }
        }
    }
}

fn open_up(p: &Path) {
    if std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()) {
        return;
    }
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755));
    if let Ok(entries) = std::fs::read_dir(p) {
        for e in entries.flatten() {
            open_up(&e.path());
        }
    }
}

/// Copy a tree; files get fresh modification times (tests of gc's
/// `--min-age` count on that).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// `fleche` with the stable environment and no directory: for commands
/// that read no cache, or tests that choose the working directory.
pub fn fleche() -> Fleche {
    Fleche {
        args: Vec::new(),
        env: vec![
            ("NO_COLOR".into(), Some("1".into())),
            ("TZ".into(), Some("UTC".into())),
            ("HOME".into(), Some("/nonexistent-home".into())),
            ("XDG_CONFIG_HOME".into(), Some("/nonexistent-xdg".into())),
            ("FLECHE_SECRET_KEY".into(), None),
            ("RAYON_NUM_THREADS".into(), None),
            ("COLUMNS".into(), None),
        ],
        cwd: None,
        unprivileged: false,
        stdin: None,
    }
}

/// One run of the binary, built up by the methods below.
#[must_use]
pub struct Fleche {
    args: Vec<OsString>,
    /// Later entries win; `None` removes the variable.
    env: Vec<(OsString, Option<OsString>)>,
    cwd: Option<PathBuf>,
    unprivileged: bool,
    /// What standard input holds (else nothing: it is closed).
    stdin: Option<Vec<u8>>,
}

impl Fleche {
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Fleche {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Fleche {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Fleche {
        self.env.push((key.into(), Some(value.as_ref().to_owned())));
        self
    }

    pub fn env_remove(mut self, key: &str) -> Fleche {
        self.env.push((key.into(), None));
        self
    }

    /// Start in `dir` (the working directory, not `-C`).
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Fleche {
        self.cwd = Some(dir.as_ref().to_path_buf());
        self
    }

    /// As root, run as `nobody` (through `setpriv`) so that file modes
    /// apply; otherwise the user already is unprivileged. See
    /// [`assert_can_drop_privileges`].
    pub fn unprivileged(mut self) -> Fleche {
        self.unprivileged = true;
        self
    }

    /// Give the run `text` on standard input.
    pub fn stdin(mut self, text: impl Into<Vec<u8>>) -> Fleche {
        self.stdin = Some(text.into());
        self
    }

    /// The command, to spawn or to take apart.
    pub fn command(self) -> Command {
        let exe = env!("CARGO_BIN_EXE_fleche");
        let mut cmd = if self.unprivileged && is_root() {
            let mut c = Command::new(SETPRIV);
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", exe]);
            c
        } else {
            Command::new(exe)
        };
        cmd.args(&self.args);
        for (key, value) in &self.env {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        cmd
    }

    /// Run to the end, capturing stdout and stderr as bytes.
    pub fn output(mut self) -> Output {
        let Some(input) = self.stdin.take() else {
            return self.command().output().expect("run fleche");
        };
        let mut child = self
            .command()
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run fleche");
        let mut pipe = child.stdin.take().expect("stdin");
        let writer = std::thread::spawn(move || pipe.write_all(&input));
        let out = child.wait_with_output().expect("wait for fleche");
        writer.join().expect("stdin writer").expect("write stdin");
        out
    }

    /// Run to the end, whatever the exit code.
    pub fn run(self) -> Run {
        let args = self.args.clone();
        let out = self.output();
        Run {
            args,
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run to the end and insist on exit 0.
    pub fn ok(self) -> Run {
        let run = self.run();
        assert_eq!(
            run.code,
            Some(0),
            "fleche {:?} failed:\n{}{}",
            run.args,
            run.stdout,
            run.stderr
        );
        run
    }
}

/// What one run printed, and how it ended.
pub struct Run {
    pub args: Vec<OsString>,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// stderr of a run that must have exited with `code`.
    pub fn failure(self, code: i32) -> String {
        assert_eq!(
            self.code,
            Some(code),
            "fleche {:?}:\n{}{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self.stderr
    }

    /// stdout as one JSON document.
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "fleche {:?} printed no JSON ({e}):\n{}\n{}",
                self.args, self.stdout, self.stderr
            )
        })
    }

    /// The rows of a `--format json` listing.
    pub fn rows(&self) -> Vec<Json> {
        match self.json() {
            Json::Array(rows) => rows,
            other => panic!("fleche {:?}: not a JSON array: {other}", self.args),
        }
    }

    /// The `key` of every row of a `--format json` listing.
    pub fn keys(&self) -> BTreeSet<String> {
        self.rows().iter().map(key_of).collect()
    }

    /// The `key` of every line of a `--format jsonl` listing, in order.
    pub fn jsonl_keys(&self) -> Vec<String> {
        self.stdout
            .lines()
            .map(|l| key_of(&serde_json::from_str(l).expect("a JSON line")))
            .collect()
    }
}

/// A JSON array of strings as a set.
pub fn strings(array: &Json) -> BTreeSet<String> {
    array
        .as_array()
        .expect("an array")
        .iter()
        .map(|k| k.as_str().expect("a string").to_string())
        .collect()
}

/// A row's `key` field.
fn key_of(row: &Json) -> String {
    row["key"].as_str().expect("a key").to_string()
}

/// Names of the files in every `values` directory below `root`, except
/// dot-files (fleche's in-flight temporaries).
pub fn value_files(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let entry = entry.expect("entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().expect("type").is_dir() {
                stack.push(entry.path());
            } else if dir.file_name().is_some_and(|n| n == "values") && !name.starts_with('.') {
                out.insert(name);
            }
        }
    }
    out
}
