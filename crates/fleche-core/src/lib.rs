//! The on-disk format of the Python caching library fleche (0.22.x), read and
//! written without Python: digests, the value model, and the stores.
//!
//! See `../shared/fleche-format.md` in the project workspace for the format in
//! prose; fleche's own source is the final word.

pub mod arrayprint;
pub mod cache;
pub mod config;
pub mod destructure;
pub mod digest;
#[doc(hidden)]
pub mod fuzzing;
pub mod gc;
pub mod hdf5;
pub mod index;
pub mod literal;
pub mod npy;
pub mod numpy;
pub mod pandas;
pub mod pandas_scalars;
pub mod pickle;
pub mod pickle_write;
pub mod prefix;
pub mod pyhash;
pub mod remote;
pub mod repr;
pub mod shortest;
pub mod stdrepr;
pub mod store;
pub mod timelike;
pub mod valdiff;
pub mod value;
pub mod verify;

pub use cache::{Cache, Locator, Member};
pub use cache::{Error, Result};
pub use digest::{call_key, digest, CallKeyInput, DigestError};
pub use value::Value;

/// How many threads parallel work may use: `RAYON_NUM_THREADS` when set (as
/// for the rayon pools gc and verify use), else the available cores.
pub fn threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// An error and its causes on one line (`outer: inner: innermost`), where a
/// reason is kept as text (a finding's detail, a file gc could not read).
pub fn one_line(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// The modules a top-level module (a file, or a directory with all its
    /// files) names through `crate::`.
    fn imports(path: &Path, modules: &BTreeSet<String>, out: &mut BTreeSet<String>) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).expect("a module directory") {
                imports(&entry.expect("entry").path(), modules, out);
            }
            return;
        }
        let text = std::fs::read_to_string(path).expect("a source file");
        // Unit tests may reach anywhere; doc links are no imports.
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut rest = code.as_str();
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group[..group.find('}').unwrap_or(0)].split(',').collect(),
                None => vec![rest],
            };
            for name in names {
                let name = name.trim_start();
                let end = name
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(name.len());
                if modules.contains(&name[..end]) {
                    out.insert(name[..end].to_string());
                }
            }
        }
    }

    /// ARCHITECTURE.md's layering: no two modules of the core need each
    /// other, directly or through others.
    #[test]
    fn modules_form_no_cycle() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let modules: BTreeSet<String> = std::fs::read_dir(&src)
            .expect("src")
            .map(|e| e.expect("entry").path())
            .filter_map(|p| {
                let name = p.file_stem()?.to_str()?.to_string();
                (name != "lib").then_some(name)
            })
            .collect();
        assert!(modules.contains("cache") && modules.contains("store"));
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for m in &modules {
            let dir = src.join(m);
            let path = if dir.is_dir() {
                dir
            } else {
                src.join(format!("{m}.rs"))
            };
            let mut out = BTreeSet::new();
            imports(&path, &modules, &mut out);
            out.remove(m);
            graph.insert(m.clone(), out);
        }
        // Depth-first search for a way back to where it started.
        for start in graph.keys() {
            let mut stack: Vec<Vec<&String>> = vec![vec![start]];
            while let Some(route) = stack.pop() {
                let last = route[route.len() - 1];
                for next in &graph[last] {
                    assert!(
                        next != start,
                        "import cycle: {} -> {start}",
                        route
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(" -> ")
                    );
                    if !route.contains(&next) {
                        let mut longer = route.clone();
                        longer.push(next);
                        stack.push(longer);
                    }
                }
            }
        }
    }
}
