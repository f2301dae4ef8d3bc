//! The file-system floor of `gc` and `verify` on a file store: open, size
//! and read every file of the given directories and close it, on as many
//! threads as rayon uses (`RAYON_NUM_THREADS`), decoding nothing. The same
//! system calls our passes make per file, through the same `Dir` helper, so
//! the difference is what decoding and hashing cost.
//!
//!     cargo run --release --example read_floor -- DIR...

use fleche_core::store::files::Dir;
use rayon::prelude::*;

fn main() {
    let dirs: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    if dirs.is_empty() {
        eprintln!("usage: read_floor DIR...");
        std::process::exit(2);
    }
    let start = std::time::Instant::now();
    let mut files: Vec<(Dir, Vec<String>)> = Vec::new();
    for path in &dirs {
        match fleche_core::store::files::list_keys(path) {
            Ok(names) => files.push((Dir::new(path), names)),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        }
    }
    let all: Vec<(&Dir, &String)> = files
        .iter()
        .flat_map(|(dir, names)| names.iter().map(move |n| (dir, n)))
        .collect();
    let bytes: usize = all
        .par_iter()
        .map(|(dir, n)| dir.read(n).map(|b| b.len()).unwrap_or(0))
        .sum();
    println!(
        "{} files, {bytes} bytes read in {:.3} s",
        all.len(),
        start.elapsed().as_secs_f64()
    );
}
