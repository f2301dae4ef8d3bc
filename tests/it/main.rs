//! The integration tests of the `fleche` binary, as one test binary (one
//! link for all of them) whose tests share the harness in `support`. One
//! module per subject.

mod support;

mod batch_paths;
mod cli;
mod concurrency;
mod copy;
mod export;
mod fixture_answers;
mod gc_forecast;
mod generated;
mod hdf5;
mod hostile;
mod hostile_sizes;
mod index;
mod locate;
mod messages;
mod notebook;
mod older;
mod oracle_write;
mod postgres;
mod read_only;
mod readme;
mod rekey;
mod remote;
mod terminal;
mod values_fleche;
mod verify;
mod why;
mod write;
mod write_cases;

/// Cargo builds every `tests/*.rs` and `tests/*/main.rs` as a test binary of
/// its own, outside this harness: there must be no other.
#[test]
fn this_is_the_only_test_binary() {
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let others: Vec<_> = std::fs::read_dir(&tests)
        .expect("tests/")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            (p.is_file() && p.extension().is_some_and(|e| e == "rs"))
                || (p.join("main.rs").is_file() && !p.ends_with("it"))
        })
        .collect();
    assert!(
        others.is_empty(),
        "{others:?}: make each a module of tests/it/main.rs"
    );
}
