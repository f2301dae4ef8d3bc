//! `fleche`: inspect, query, tag and clean caches of the Python library fleche.
//! Everything about the format lives in `fleche-core`; this binary parses the
//! command line, dispatches, and renders.

mod cache;
mod commands;
mod error;
mod output;
mod style;
mod time;

/// Decoding call files and listing big directories allocate millions of
/// small strings from several threads; glibc's allocator spent a quarter of
/// the time consolidating free chunks there (BENCHMARKS.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("Error: internal error: {msg}{at}; please report it");
    }));
    match std::panic::catch_unwind(commands::main) {
        Ok(code) => code,
        Err(_) => error::Exit::Usage.into(),
    }
}
