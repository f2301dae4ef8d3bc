//! fleche's remote protocol against real fleche: `python -m fleche remote
//! --serve` started directly (the command `ssh` would run on the other
//! end), serving a fixture cache fleche wrote; every answer compared with
//! the same cache opened locally.

use fleche_core::config::SshSpec;
use fleche_core::remote::{Connection, RemoteError};
use fleche_core::store::{CallRecord, ListOptions};
use fleche_core::Locator;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// A scratch copy of a fixture: the server is real fleche, which opens a
/// SQLite cache for writing (its `-wal` and `-shm` must not land beside
/// the committed fixture).
fn fixture(name: &str, scratch: &Path) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    let to = scratch.join(name);
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(&from)
        .arg(&to)
        .status()
        .expect("cp");
    assert!(status.success(), "copy {}", from.display());
    to
}

fn python() -> String {
    std::env::var("FLECHE_ORACLE_PYTHON").expect("FLECHE_ORACLE_PYTHON")
}

fn serve(dir: &Path) -> Connection {
    let argv: Vec<String> = [python().as_str(), "-m", "fleche", "remote", "--serve"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    Connection::spawn(&argv, Some(dir)).expect("start the server")
}

fn local_records(dir: &Path) -> BTreeMap<String, CallRecord> {
    let cache = Locator {
        cwd: dir.to_path_buf(),
        ..Default::default()
    }
    .open()
    .expect("open the fixture");
    let mut out = BTreeMap::new();
    cache
        .list(&ListOptions::default(), |_, rec| {
            out.insert(rec.key.clone(), rec);
            ControlFlow::Continue(())
        })
        .expect("list");
    out
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (real fleche; .ci/run sets it)"
)]
fn a_served_cache_answers_as_the_same_cache_read_here() {
    // `nested` holds instances of a class its writer defined in __main__,
    // which the server cannot import: its records only.
    let scratch = tempfile::tempdir().expect("scratch");
    for (name, values) in [
        ("getting-started", true),
        ("dill-files", true),
        ("nested", false),
    ] {
        let dir = fixture(name, scratch.path());
        let mut conn = serve(&dir);
        let info = conn.info().expect("info");
        assert_eq!(info.fleche_version.as_deref(), Some("0.22.2"), "{name}");
        let local = local_records(&dir);
        let remote: BTreeMap<String, CallRecord> = conn
            .query_all()
            .expect("query")
            .into_iter()
            .map(|r| (r.key.clone(), r))
            .collect();
        assert_eq!(remote.len(), local.len(), "{name}");
        for (key, rec) in &local {
            let got = remote
                .get(key)
                .unwrap_or_else(|| panic!("{name}: no {key}"));
            assert_eq!(
                (&got.name, &got.module, &got.arguments, &got.result),
                (&rec.name, &rec.module, &rec.arguments, &rec.result),
                "{name}: {key}"
            );
        }
        let cache = Locator {
            cwd: dir.clone(),
            ..Default::default()
        }
        .open()
        .expect("open");
        for rec in local.values().take(12) {
            let Some(result) = &rec.result else { continue };
            let here = cache.load_value(result).expect("load here").value;
            match conn.load_value(result) {
                Ok(there) => assert_eq!(
                    fleche_core::repr::repr(&there),
                    fleche_core::repr::repr(&here),
                    "{name}: value {result}"
                ),
                Err(RemoteError::Remote { exception, .. }) if !values => {
                    assert!(
                        exception.starts_with("AttributeError: Can't get attribute"),
                        "{exception}"
                    );
                }
                Err(e) => panic!("{name}: value {result}: {e}"),
            }
            assert!(conn.contains(&rec.key).expect("contains"));
            assert_eq!(conn.expand(&rec.key[..12]).expect("expand"), rec.key);
        }
        let keys: Vec<String> = local.keys().take(3).cloned().collect();
        let short = conn.shrink(&keys).expect("shrink");
        assert_eq!(short.len(), 3);
        for (s, k) in short.iter().zip(&keys) {
            assert!(k.starts_with(s.as_str()), "{s} of {k}");
        }
        // A miss is the remote's KeyError, one line.
        let err = conn.load_value(&"0".repeat(64)).expect_err("no such value");
        assert!(
            matches!(&err, RemoteError::Remote { exception, .. } if exception.starts_with("KeyError")),
            "{err}"
        );
    }
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (real fleche; .ci/run sets it)"
)]
fn a_server_that_dies_is_one_error_with_its_last_words() {
    let argv = vec![
        python(),
        "-c".to_string(),
        "import sys; print('fleche: no cache here', file=sys.stderr); sys.exit(3)".to_string(),
    ];
    let mut conn = Connection::spawn(&argv, None).expect("start");
    let err = conn.info().expect_err("dead");
    let text = err.to_string();
    assert!(
        text.contains("stopped answering during `info`") && text.contains("no cache here"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
#[cfg_attr(
    not(fleche_oracle),
    ignore = "needs FLECHE_ORACLE_PYTHON (real fleche; .ci/run sets it)"
)]
fn the_ssh_command_is_the_one_fleche_starts() {
    let specs = [
        SshSpec {
            host: "me@cluster".into(),
            cache_name: None,
            python: "python3".into(),
            ssh_options: vec![],
            setup_commands: vec![],
            workdir: None,
        },
        SshSpec {
            host: "hpc".into(),
            cache_name: Some("team cache".into()),
            python: "/opt/py 3/bin/python".into(),
            ssh_options: vec![
                "-o".into(),
                "ControlMaster=auto".into(),
                "-p".into(),
                "2222".into(),
            ],
            setup_commands: vec![
                "module load python/3.11".into(),
                "source ~/.venv/bin/activate".into(),
            ],
            workdir: Some("~/my project".into()),
        },
    ];
    for spec in specs {
        let script = format!(
            "import json, sys\nfrom fleche.remote import SshCache\n\
             c = SshCache(host={h}, cache_name={n}, python={p}, ssh_options={o}, setup_commands={s}, workdir={w})\n\
             print(json.dumps(c._conn._build_command()))",
            h = serde_json::to_string(&spec.host).unwrap(),
            n = spec.cache_name.as_ref().map_or("None".into(), |n| serde_json::to_string(n).unwrap()),
            p = serde_json::to_string(&spec.python).unwrap(),
            o = serde_json::to_string(&spec.ssh_options).unwrap(),
            s = serde_json::to_string(&spec.setup_commands).unwrap(),
            w = spec.workdir.as_ref().map_or("None".into(), |n| serde_json::to_string(n).unwrap()),
        );
        let out = std::process::Command::new(python())
            .args(["-c", &script])
            .output()
            .expect("python");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: Vec<String> = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(spec.command(), theirs);
    }
}
