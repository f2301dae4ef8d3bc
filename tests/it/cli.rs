//! End-to-end CLI cases run by trycmd: `tests/cli/*.toml`, each one read
//! command run in the repository root with its expected stdout/stderr.
//! Re-record with `TRYCMD=overwrite cargo test --test it cli::` — and check
//! every change against real fleche before committing it.

use std::path::Path;

/// The cases' runner: our binary, and the environment of
/// [`crate::support::fleche`] (trycmd can set variables but not remove
/// them; an empty `FLECHE_SECRET_KEY` means none).
fn cases() -> trycmd::TestCases {
    let cases = trycmd::TestCases::new();
    cases
        .register_bin("fleche", Path::new(env!("CARGO_BIN_EXE_fleche")))
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env("HOME", "/nonexistent-home")
        .env("XDG_CONFIG_HOME", "/nonexistent-xdg")
        .env("FLECHE_SECRET_KEY", "");
    cases
}

#[test]
fn cli_cases() {
    cases().case("tests/cli/*.toml");
}
