//! Tells the integration tests which outside services this build can use, so
//! that a test needing one is reported as ignored (not as passed) without it:
//! `cfg(fleche_oracle)` when `FLECHE_ORACLE_PYTHON` names a Python with real
//! fleche, `cfg(fleche_pg)` when `FLECHE_TEST_PG` names a PostgreSQL server,
//! `cfg(fleche_ssh)` when `FLECHE_TEST_SSH` names a loopback sshd (`HOST PORT
//! KEYFILE`, from `.ci/sshd`). `.ci/run` sets all three. Likewise for what
//! the machine offers: `cfg(fleche_pty)` when util-linux `script` can make a
//! pseudo-terminal, `cfg(fleche_modes)` when file modes can stop a read (the tests do not run as root, or can drop
//! to `nobody` with `setpriv`), `cfg(fleche_root)` when they run as root (and
//! can give a directory to another user).

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fleche_oracle)");
    println!("cargo::rustc-check-cfg=cfg(fleche_pg)");
    println!("cargo::rustc-check-cfg=cfg(fleche_ssh)");
    println!("cargo::rustc-check-cfg=cfg(fleche_pty)");
    println!("cargo::rustc-check-cfg=cfg(fleche_modes)");
    println!("cargo::rustc-check-cfg=cfg(fleche_root)");
    if Path::new("/usr/bin/script").exists() {
        println!("cargo::rustc-cfg=fleche_pty");
    }
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if root {
        println!("cargo::rustc-cfg=fleche_root");
    }
    if !root || Path::new("/usr/bin/setpriv").exists() {
        println!("cargo::rustc-cfg=fleche_modes");
    }
    for (var, cfg) in [
        ("FLECHE_ORACLE_PYTHON", "fleche_oracle"),
        ("FLECHE_TEST_PG", "fleche_pg"),
        ("FLECHE_TEST_SSH", "fleche_ssh"),
    ] {
        println!("cargo::rerun-if-env-changed={var}");
        if std::env::var(var).is_ok_and(|v| !v.trim().is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
