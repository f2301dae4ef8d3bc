//! The core's integration tests, in one binary: conformance with real
//! fleche, the literal parser, the pickle corpus, fuzzing, and regressions.

mod alloc;
mod arrays;
mod conformance;
mod copy_write;
mod facade;
mod fuzz;
mod hdf5;
mod json_stream;
mod literal;
mod pickle_corpus;
mod regressions;
mod remote;
mod values;
