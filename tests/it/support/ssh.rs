//! The loopback OpenSSH server `.ci/sshd` starts (`FLECHE_TEST_SSH="HOST
//! PORT KEYFILE"`), and `type = "ssh"` layers reaching it: the remote side
//! is the oracle venv's real fleche, serving the cache in a scratch
//! directory (fleche opens SQLite for writing: never a committed fixture).

use std::path::Path;

/// Where the test sshd listens, and the client key it accepts.
pub struct Sshd {
    pub host: String,
    pub port: String,
    pub key: String,
}

/// The sshd named by `FLECHE_TEST_SSH` (tests using it are ignored
/// unless it was set when they were built).
pub fn sshd() -> Sshd {
    let spec = std::env::var("FLECHE_TEST_SSH")
        .expect("FLECHE_TEST_SSH=\"HOST PORT KEYFILE\" (eval \"$(.ci/sshd start)\")");
    let parts: Vec<&str> = spec.split_whitespace().collect();
    let [host, port, key] = parts.as_slice() else {
        panic!("FLECHE_TEST_SSH is not \"HOST PORT KEYFILE\": {spec}");
    };
    Sshd {
        host: host.to_string(),
        port: port.to_string(),
        key: key.to_string(),
    }
}

/// The oracle venv's Python, which has real fleche.
pub fn python() -> String {
    std::env::var("FLECHE_ORACLE_PYTHON").expect("FLECHE_ORACLE_PYTHON")
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).expect("a JSON string is a TOML string")
}

impl Sshd {
    /// The keys of an ssh layer serving `workdir`'s default cache with
    /// `python` there, authenticated with `key` (None: the right one), as
    /// TOML `key = value` pairs joined by `sep` (a newline for a table,
    /// ", " for an inline table).
    pub fn layer_with(
        &self,
        workdir: &Path,
        python: &str,
        key: Option<&Path>,
        sep: &str,
    ) -> String {
        let key = key.map_or(self.key.clone(), |k| k.display().to_string());
        let options: Vec<String> = [
            "-p",
            &self.port,
            "-i",
            &key,
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
        ]
        .iter()
        .map(|o| toml_str(o))
        .collect();
        [
            "type = \"ssh\"".to_string(),
            format!("host = {}", toml_str(&self.host)),
            format!("python = {}", toml_str(python)),
            format!("workdir = {}", toml_str(&workdir.display().to_string())),
            format!("ssh_options = [{}]", options.join(", ")),
        ]
        .join(sep)
    }

    /// [`Self::layer_with`] the oracle's Python and the right key, as the
    /// lines of a table.
    pub fn layer(&self, workdir: &Path) -> String {
        self.layer_with(workdir, &python(), None, "\n")
    }
}

/// The processes whose working directory or command line is inside `dir`
/// (the server fleche runs there, the ssh client naming it).
pub fn processes_in(dir: &Path) -> Vec<String> {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let needle = dir.display().to_string();
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in entries.flatten() {
        let pid = e.file_name().to_string_lossy().into_owned();
        if !pid.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let cwd = std::fs::read_link(e.path().join("cwd")).ok();
        let cmdline = std::fs::read(e.path().join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        if cwd.is_some_and(|c| c.starts_with(&dir)) || cmdline.contains(&needle) {
            found.push(format!("{pid}: {cmdline}"));
        }
    }
    found
}

/// Wait (up to 10 s) until no process runs in `dir`; the ones left.
pub fn left_running(dir: &Path) -> Vec<String> {
    for _ in 0..100 {
        let left = processes_in(dir);
        if left.is_empty() {
            return left;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    processes_in(dir)
}
