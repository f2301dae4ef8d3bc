//! The core's integration tests, in one binary: conformance with real
//! fleche, the literal parser, the pickle corpus, and regressions.

mod conformance;
mod facade;
mod literal;
mod pickle_corpus;
mod regressions;
