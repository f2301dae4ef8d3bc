//! `fleche`: inspect, query, tag and clean caches of the Python library fleche.
//! Everything about the format lives in `fleche-core`; this binary parses the
//! command line, dispatches, and renders.

mod cache;
mod commands;
mod error;
mod output;
mod style;
mod time;

fn main() -> std::process::ExitCode {
    commands::main()
}
