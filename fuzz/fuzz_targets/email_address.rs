//! Bytes as a data cell, through the address-list parser used for to/cc/bcc: never a panic,
//! every address within RFC 5321's limits, at most the recipient limit, and every address one
//! the SMTP envelope can carry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lettermerge::email::{parse_addresses, MAX_ADDRESS, MAX_LOCAL_PART, MAX_RECIPIENTS};

fuzz_target!(|data: &[u8]| {
    let cell = String::from_utf8_lossy(data);
    let (addresses, problems) = parse_addresses(&cell, "to", 2);
    assert!(addresses.len() <= MAX_RECIPIENTS);
    for address in &addresses {
        assert!(address.is_ascii() && address.len() <= MAX_ADDRESS, "{address:?}");
        let (local, _) = address.rsplit_once('@').expect("an @");
        assert!(local.len() <= MAX_LOCAL_PART, "{address:?}");
        assert!(!address.contains(['\r', '\n', '<', '>']), "{address:?}");
    }
    for p in &problems {
        assert_eq!(p.row, Some(2));
    }
});
