//! How `copy` writes value files (the fast paths of `Target::write`): small
//! files are written from the bytes its plan read, new files appear whole
//! under their key with the usual mode, and a key taken after planning is
//! replaced, as fleche's rename replaces it.

use fleche_core::cache::Target;
use fleche_core::cache::{Cache, Locator};
use fleche_core::store::{CallRecord, ListOptions};
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A scratch copy of the `getting-started` fixture (a SQLite cache with
/// pickle values): the tests remove some of its files.
fn scratch(tag: &str) -> PathBuf {
    let from =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/getting-started");
    let dir = std::env::temp_dir().join(format!("fleche-copy-write-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&from, &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("make dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

fn open(dir: &Path) -> Cache {
    Locator {
        root: Some(dir.join(".fleche")),
        cwd: dir.to_path_buf(),
        ..Default::default()
    }
    .open()
    .expect("open the scratch cache")
}

fn records(cache: &Cache) -> Vec<CallRecord> {
    let mut out = Vec::new();
    cache
        .list(&ListOptions::default(), |_, rec| {
            out.push(rec);
            ControlFlow::Continue(())
        })
        .expect("list");
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// Every value file of a directory, by name, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read values")
        .map(|e| {
            let e = e.expect("entry");
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).expect("read value"))
        })
        .collect()
}

fn target(cache: &Cache, dst: &Path) -> Target {
    Target::open(
        dst.display().to_string(),
        None,
        Some(dst),
        None,
        &cache.members()[0],
    )
    .expect("target")
}

/// The plan reads each small value file whole (to see if it names a
/// destructured value); the write uses those bytes instead of opening the
/// file again, so a small file gone between plan and write (a gc of the
/// source, say) is still copied, byte for byte.
#[test]
fn small_values_are_written_from_the_bytes_the_plan_read() {
    let dir = scratch("held");
    let cache = open(&dir);
    let dst = dir.join("copied");
    let to = target(&cache, &dst);
    let plan = to.plan(&cache, records(&cache), false).expect("plan");
    assert!(plan.values.len() > 5, "{}", plan.values.len());
    let source = dir.join(".fleche/values");
    let before = files(&source);
    for (key, ..) in &plan.values {
        std::fs::remove_file(source.join(key)).expect("remove a source value");
    }
    let report = to.write(&cache, &plan, false, &|_| {}).expect("write");
    assert_eq!(report.values, plan.values.len());
    let copied = files(&dst.join("values"));
    assert_eq!(copied.len(), plan.values.len());
    for (key, bytes) in &copied {
        assert_eq!(Some(bytes), before.get(key), "{key}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// New value files appear complete under their keys, with the mode any
/// new file gets here (0o666 less the umask), and nothing else is left in
/// the directory (no temp files).
#[test]
fn copied_values_have_the_usual_mode_and_no_temp_file_remains() {
    let dir = scratch("mode");
    let cache = open(&dir);
    let dst = dir.join("copied");
    let to = target(&cache, &dst);
    let plan = to.plan(&cache, records(&cache), false).expect("plan");
    to.write(&cache, &plan, false, &|_| {}).expect("write");
    let values = dst.join("values");
    let usual = dir.join("usual");
    std::fs::write(&usual, b"x").expect("a plain new file");
    let usual = std::fs::metadata(&usual)
        .expect("stat")
        .permissions()
        .mode()
        & 0o777;
    let source = files(&dir.join(".fleche/values"));
    let copied = files(&values);
    let planned: Vec<&String> = plan.values.iter().map(|(k, ..)| k).collect();
    assert_eq!(copied.keys().collect::<Vec<_>>(), planned);
    for (key, bytes) in &copied {
        assert_eq!(Some(bytes), source.get(key), "{key}");
        let mode = std::fs::metadata(values.join(key))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, usual, "{key}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A value file that appears in the target after planning (another
/// writer) is replaced by the copy's, as fleche's write-and-rename
/// replaces a file: no error, and the right bytes in the end.
#[test]
fn a_value_written_meanwhile_is_replaced() {
    let dir = scratch("taken");
    let cache = open(&dir);
    let dst = dir.join("copied");
    let to = target(&cache, &dst);
    let plan = to.plan(&cache, records(&cache), false).expect("plan");
    let values = dst.join("values");
    std::fs::create_dir_all(&values).expect("values dir");
    let (taken, ..) = &plan.values[plan.values.len() / 2];
    std::fs::write(values.join(taken), b"not the value").expect("a rival file");
    to.write(&cache, &plan, false, &|_| {}).expect("write");
    let source = std::fs::read(dir.join(".fleche/values").join(taken)).expect("source value");
    assert_eq!(std::fs::read(values.join(taken)).expect("copied"), source);
    assert_eq!(files(&values).len(), plan.values.len());
    let _ = std::fs::remove_dir_all(&dir);
}
