//! The HDF5 bag reader and everything that consumes what it loads (see
//! `fleche_core::fuzzing::hdf5`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fleche_core::fuzzing::hdf5(data));
