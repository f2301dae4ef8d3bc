//! End-to-end CLI cases: `tests/cli/*.toml` with the expected stdout/stderr
//! beside each case (trycmd). Re-record with `TRYCMD=overwrite cargo test --test cli`
//! — and check every change against real fleche before committing it.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .env("NO_COLOR", "1")
        .case("tests/cli/*.toml");
}
