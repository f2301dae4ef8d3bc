//! `fleche verify` finds each planted fault, and nothing on clean caches
//! written by fleche.

use crate::support::{TestEnv, SINGLE_CACHES};
use std::path::Path;

/// `verify`'s exit code and findings (kind, key).
fn verify(dir: &TestEnv) -> (Option<i32>, Vec<(String, String)>) {
    let out = dir.run(["verify", "--format", "json"]);
    let findings = out
        .rows()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().expect("kind").to_string(),
                r["key"].as_str().expect("key").to_string(),
            )
        })
        .collect();
    (out.code, findings)
}

/// One finding.
fn found(kind: &str, key: &str) -> (String, String) {
    (kind.to_string(), key.to_string())
}

const X100: &str = "60079f7901a9295349d1796c037afc132e81286f785ddeeb763104ef02363102";

/// The value of signed-gzip signed with a key its configuration does not
/// know (fleche treats it as absent, and its gc deletes it).
const FOREIGN_SIGNED: &str = "e7f831a3267ed0eec5740a66c302b3fd43b43fc8ca95a49887455b268efdeefb";

#[test]
fn clean_caches_are_clean() {
    for fixture in SINGLE_CACHES.into_iter().chain(["stack", "pool"]) {
        let expected = if fixture == "signed-gzip" {
            // Issue #15, item 9: a file whose signature does not match is a
            // problem, as `git fsck` reports a corrupt dangling object, even
            // though no record needs it.
            (Some(1), vec![found("unreadable-value", FOREIGN_SIGNED)])
        } else {
            (Some(0), vec![])
        };
        assert_eq!(verify(&TestEnv::fixture(fixture)), expected, "{fixture}");
    }
}

#[test]
fn a_tampered_value_is_a_digest_mismatch() {
    let dir = TestEnv::copy("getting-started");
    // The pickle of 100 (protocol 4: K d .), changed to 101: same length, new content.
    let path = dir.path(".fleche/values").join(X100);
    let mut bytes = std::fs::read(&path).expect("read");
    let at = bytes.iter().position(|&b| b == 100).expect("the byte 100");
    bytes[at] = 101;
    std::fs::write(&path, bytes).expect("write");
    assert_eq!(
        verify(&dir),
        (Some(1), vec![found("digest-mismatch", X100)])
    );
}

#[test]
fn a_deleted_value_is_missing() {
    let dir = TestEnv::copy("getting-started");
    std::fs::remove_file(dir.path(".fleche/values").join(X100)).expect("rm");
    assert_eq!(verify(&dir), (Some(1), vec![found("missing-value", X100)]));
}

#[test]
fn a_renamed_value_is_missing_under_its_name_and_mismatched_under_the_new_one() {
    let dir = TestEnv::copy("getting-started");
    let other = "0".repeat(64);
    std::fs::rename(
        dir.path(".fleche/values").join(X100),
        dir.path(".fleche/values").join(&other),
    )
    .expect("mv");
    assert_eq!(
        verify(&dir),
        (
            Some(1),
            vec![
                found("missing-value", X100),
                found("digest-mismatch", &other)
            ]
        )
    );
}

#[test]
fn an_edited_record_is_a_key_mismatch() {
    let dir = TestEnv::copy("getting-started");
    let db = rename_double(&dir.path(".fleche/calls.db"));
    assert_eq!(verify(&dir), (Some(1), vec![found("key-mismatch", &db)]));
}

/// Rename the function of the notebook's `double` call in the database, as
/// a hand edit would; returns that call's key.
fn rename_double(db: &Path) -> String {
    let key = "3fb9bd0ba9c388530e4a0f5fbb789aaf7b5c598c1fae748de84aad8f244a2d8f";
    let conn = rusqlite::Connection::open(db).expect("open");
    let n = conn
        .execute("UPDATE calls SET name = 'triple' WHERE key = ?1", [key])
        .expect("update");
    assert_eq!(n, 1);
    key.to_string()
}

#[test]
fn an_edited_call_file_is_a_key_mismatch() {
    let dir = TestEnv::copy("dill-files");
    // Swap the contents of two call files: each record now sits under the
    // other's key.
    let calls = dir.path(".fleche/calls");
    let names = dir.names(".fleche/calls");
    let (a, b) = (calls.join(&names[0]), calls.join(&names[1]));
    let (ba, bb) = (std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
    std::fs::write(&a, bb).expect("write a");
    std::fs::write(&b, ba).expect("write b");
    assert_eq!(
        verify(&dir),
        (
            Some(1),
            vec![
                found("key-mismatch", &names[0]),
                found("key-mismatch", &names[1])
            ]
        )
    );
}

/// Issue #15, item 6: calls named on stdin are read once and checked in
/// every member of a stack (only where they are), and an empty stdin checks
/// nothing, not everything.
#[test]
fn verify_reads_named_calls_once_for_every_member() {
    let dir = TestEnv::fixture("stack");
    // In the first member only.
    let key = "66e4f304d4e7f98e1d24609051ffa5842441494226fa3a5c6ced23b7d5988c46";
    let run = dir
        .fleche()
        .args(["verify", "-"])
        .stdin(format!("{key}\n"))
        .ok();
    assert!(
        run.stderr.starts_with("Checked 1 call and "),
        "{}",
        run.stderr
    );
    let run = dir.fleche().args(["verify", "-"]).stdin("").ok();
    assert!(
        run.stderr.starts_with("Checked 0 calls and 0 values"),
        "{}",
        run.stderr
    );
}

/// A cache real fleche writes with plain pickle: an enum member and a
/// namedtuple of `__main__` are pickled by reference (the class's name,
/// not its members or fields), so `show` prints the call that rebuilds
/// them and `verify --notes` says so; the int beside them is not noted.
#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (a python with fleche==0.22.2; .ci/run sets it)"
)]
fn values_shown_as_reconstruction_calls_are_noted() {
    let dir = TestEnv::empty();
    let script = r#"
import collections, enum, os, sys
os.chdir(sys.argv[1])
open("fleche.toml", "w").write('''[default]
root = true
cache = "main"

[main]
values = { type = "pickle", root = ".fleche/values" }
calls = { type = "sql", url = "sqlite:///.fleche/calls.db" }
''')
from fleche import fleche

class Level(enum.IntEnum):
    LOW = 1
    HIGH = 3

Pair = collections.namedtuple("Pair", "left right")

@fleche
def level():
    return Level.HIGH

@fleche
def pair():
    return Pair(1, 2)

@fleche
def number():
    return 7

level(); pair(); number()
"#;
    let mut python = crate::support::oracle::python();
    python.arg("-c").arg(script).arg(dir.root());
    crate::support::oracle::succeed(python, "write a cache with fleche");
    let plain = dir.run(["verify", "--format", "json"]);
    assert_eq!((plain.code, plain.rows().len()), (Some(0), 0));
    let out = dir.run(["verify", "--notes", "--format", "json"]);
    assert_eq!(out.code, Some(0));
    let mut notes: Vec<String> = out
        .rows()
        .iter()
        .filter(|r| r["kind"] == "shown-as-call")
        .map(|r| {
            let (key, detail) = (r["key"].as_str().unwrap(), r["detail"].as_str().unwrap());
            assert!(detail.starts_with(&format!("value {key} (")), "{detail}");
            detail.replace(key, "KEY")
        })
        .collect();
    notes.sort();
    assert_eq!(
        notes,
        [
            "value KEY (__main__.Level) is shown as a reconstruction call, not as Python prints it",
            "value KEY (__main__.Pair) is shown as a reconstruction call, not as Python prints it",
        ]
    );
}
