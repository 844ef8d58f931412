//! Bytes as a data cell, through the one-line address splitter behind `{{address_lines}}`:
//! never a panic, and a sure split has every part and only words the cell has.
#![no_main]

use lettermerge::fields::us_address::{split, Split};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cell = String::from_utf8_lossy(data);
    if let Split::Sure(p) = split(&cell) {
        assert!(!p.lines.is_empty() && !p.city.is_empty(), "{p:?}");
        assert!(p.state.len() == 2 && p.state.bytes().all(|b| b.is_ascii_uppercase()));
        assert!(p.zip.len() == 5 || p.zip.len() == 10, "{p:?}");
        // Words are compared split the same way on both sides.
        let apart = |c: char| c.is_whitespace() || c == ',' || c == ';';
        let given: Vec<&str> = cell.split(apart).collect();
        for line in p.lines.iter().chain([&p.city]) {
            for word in line.split(apart).filter(|w| !w.is_empty()) {
                assert!(given.contains(&word), "{word:?} is not in {cell:?}");
            }
        }
    }
});
