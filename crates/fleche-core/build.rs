//! Tests that need real fleche run only where `FLECHE_ORACLE_PYTHON` is set
//! when the tests are built (CI sets it); elsewhere they show as ignored.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fleche_oracle)");
    println!("cargo::rerun-if-env-changed=FLECHE_ORACLE_PYTHON");
    if std::env::var_os("FLECHE_ORACLE_PYTHON").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=fleche_oracle");
    }
}
