//! `fleche`: inspect, query, tag and clean caches of the Python library fleche.
//! Everything about the format lives in `fleche-core`; this binary parses the
//! command line, dispatches, and renders.

/// A line on stderr that cannot fail: `eprintln!` panics when stderr is a
/// closed pipe (`fleche verify 2>&1 | head -1`), and a panic while
/// reporting one aborts. Names quoted from a cache may hold control
/// characters: the line is made printable, so it stays one line and
/// cannot act on the terminal.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!($($arg)*);
        let _ = writeln!(std::io::stderr(), "{}", $crate::style::printable(&line));
    }};
}

mod args;
mod cli;
mod commands;
mod context;
mod error;
mod output;
mod render;
mod style;
mod time;

/// Decoding call files and listing big directories allocate millions of
/// small strings from several threads; glibc's allocator spent a quarter of
/// the time consolidating free chunks there (BENCHMARKS.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    error::install_panic_hook();
    error::exit_on_panic(commands::main)
}
