//! The integration tests of the `fleche` binary, as one test binary: one
//! link instead of one per file, and every test shares the harness in
//! `support`. Each module was once its own `tests/*.rs` file.

mod support;

mod batch_paths;
mod cli;
mod concurrency;
mod fixture_answers;
mod generated;
mod hostile;
mod locate;
mod notebook;
mod oracle_write;
mod postgres;
mod read_only;
mod terminal;
mod verify;
mod write;
