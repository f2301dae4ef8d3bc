//! The CLI value parser: `parse` and `parse_assignment`, then rendering and
//! digesting whatever parses.
#![no_main]

use fleche_core::{digest, literal, repr};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(v) = literal::parse(text) {
        let _ = repr::repr(&v);
        let _ = repr::to_json(&v);
        let _ = digest(&v);
    }
    if let Ok((_, v)) = literal::parse_assignment(text) {
        let _ = repr::repr(&v);
    }
});
