//! Tells the integration tests which outside services this build can use, so
//! that a test needing one is reported as ignored (not as passed) without it:
//! `cfg(fleche_oracle)` when `FLECHE_ORACLE_PYTHON` names a Python with real
//! fleche, `cfg(fleche_pg)` when `FLECHE_TEST_PG` names a PostgreSQL server.
//! `.ci/run` sets both.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fleche_oracle)");
    println!("cargo::rustc-check-cfg=cfg(fleche_pg)");
    for (var, cfg) in [
        ("FLECHE_ORACLE_PYTHON", "fleche_oracle"),
        ("FLECHE_TEST_PG", "fleche_pg"),
    ] {
        println!("cargo::rerun-if-env-changed={var}");
        if std::env::var(var).is_ok_and(|v| !v.trim().is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
