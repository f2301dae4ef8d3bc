//! The completions and man page committed under `completions/` are exactly
//! what the binary generates from its clap definition. When this fails,
//! regenerate them:
//!
//!     for s in bash zsh fish elvish powershell; do
//!         cargo run -q -- completions $s > completions/fleche.$s; done
//!     cargo run -q -- man > completions/fleche.1

use crate::support::fleche;
use std::path::Path;

fn generated(args: &[&str]) -> Vec<u8> {
    let out = fleche().args(args).output();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn committed(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("completions")
            .join(name),
    )
    .expect("committed file")
}

#[test]
fn completions_are_fresh() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        assert!(
            generated(&["completions", shell]) == committed(&format!("fleche.{shell}")),
            "completions/fleche.{shell} is stale: regenerate it (see tests/it/generated.rs)"
        );
    }
}

#[test]
fn man_page_is_fresh() {
    assert!(
        generated(&["man"]) == committed("fleche.1"),
        "completions/fleche.1 is stale: regenerate it"
    );
}
