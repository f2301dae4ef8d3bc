//! The facade on a committed fixture cache.

use fleche_core::store::CallFilter;
use fleche_core::Locator;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

/// More named keys than SQLite binds in one statement (32,766) are looked
/// up in batches, and every real one is found once.
#[test]
fn select_keys_takes_more_keys_than_one_statement_binds() {
    let dir = fixture("getting-started");
    let cache = Locator {
        root: Some(dir.join(".fleche")),
        cwd: dir,
        ..Default::default()
    }
    .open()
    .expect("open the fixture");
    let member = &cache.members()[0];
    let all = member
        .select_keys(&CallFilter::default())
        .expect("every key");
    assert!(all.len() > 10, "{}", all.len());
    let mut keys: Vec<String> = (0..40_000u32).map(|i| format!("{i:064x}")).collect();
    keys.extend(all.iter().cloned());
    keys.extend(all.iter().cloned());
    keys.reverse();
    let found = member
        .select_keys(&CallFilter {
            keys,
            ..Default::default()
        })
        .expect("batched lookup");
    assert_eq!(found, all);
}
