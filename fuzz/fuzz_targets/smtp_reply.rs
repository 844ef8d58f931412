//! Bytes as an SMTP server sends them, through the client's reply parser: never a panic, a
//! reply within the limits, and a parsed reply rendered again parses back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lettermerge::smtp::{Reply, MAX_REPLY_BYTES, MAX_REPLY_LINE};

fuzz_target!(|data: &[u8]| {
    if let Ok(reply) = Reply::parse(data) {
        assert!(reply.text.len() <= MAX_REPLY_BYTES);
        assert!((200..600).contains(&reply.code));
        let _ = reply.to_string();
        // Replacement characters can make a line longer than the bytes it came from.
        if reply.text.split('\n').all(|l| l.len() + 4 <= MAX_REPLY_LINE) {
            assert_eq!(Reply::parse(&reply.to_wire()), Ok(reply));
        }
    }
});
