//! zlib compression of content streams with one reused compressor state per thread.
//!
//! zlib-rs (through flate2) at level 1 compresses a letter page in about half the time
//! miniz_oxide needs at its best speed/size setting, for a stream about 35% larger; page
//! content is the hot path of a large batch, fonts and images are compressed once per run.

use std::cell::RefCell;

use flate2::{Compress, Compression, FlushCompress, Status};

/// A zlib compressor kept across pages: allocating the state per page (as one-shot helpers
/// do) cost more than compressing.
pub(crate) struct Deflater {
    level: u8,
    state: Compress,
    out: Vec<u8>,
}

thread_local! {
    /// The compressor of the last page encoded on this thread, so encoding thousands of
    /// pages does not allocate and fault in a fresh one each time.
    static SPARE_DEFLATER: RefCell<Option<Deflater>> = const { RefCell::new(None) };
}

impl Deflater {
    pub fn take(level: u8) -> Deflater {
        SPARE_DEFLATER
            .with(|spare| spare.borrow_mut().take())
            .filter(|spare| spare.level == level)
            .unwrap_or_else(|| Deflater::new(level))
    }

    pub fn give_back(self) {
        SPARE_DEFLATER.with(|spare| *spare.borrow_mut() = Some(self));
    }

    fn new(level: u8) -> Deflater {
        Deflater {
            level,
            state: Compress::new(Compression::new(level.into()), true),
            out: Vec::new(),
        }
    }

    /// Compresses `input` with a zlib header; the result lives until the next call.
    pub fn zlib(&mut self, whole: &[u8]) -> &[u8] {
        self.zlib_parts(&[whole])
    }

    /// Compresses `parts` one after the other as one zlib stream (no copy to join them);
    /// the result lives until the next call.
    pub fn zlib_parts(&mut self, parts: &[&[u8]]) -> &[u8] {
        self.state.reset();
        self.out.clear();
        let total: usize = parts.iter().map(|p| p.len()).sum();
        self.out.reserve(total / 2 + 64);
        let parts = if parts.is_empty() {
            &[&[][..]][..]
        } else {
            parts
        };
        let mut failed = false;
        'parts: for (k, part) in parts.iter().enumerate() {
            let last = k + 1 == parts.len();
            let flush = if last {
                FlushCompress::Finish
            } else {
                FlushCompress::None
            };
            let mut done = 0;
            loop {
                let before = self.state.total_in();
                match self.state.compress_vec(&part[done..], &mut self.out, flush) {
                    Ok(Status::StreamEnd) => break 'parts,
                    Ok(Status::Ok | Status::BufError) => {
                        done += (self.state.total_in() - before) as usize;
                        if !last && done == part.len() {
                            break;
                        }
                        if self.out.len() == self.out.capacity() {
                            // Out of room: grow and go on where it stopped.
                            let more = self.out.capacity().max(64);
                            self.out.reserve(more);
                        }
                    }
                    // Only misuse of the stream produces errors, and ours is fixed; fall
                    // back to a fresh one-shot compression rather than write a broken stream.
                    Err(_) => {
                        failed = true;
                        break 'parts;
                    }
                }
            }
        }
        if failed {
            self.out.clear();
            let whole = parts.concat();
            self.out.extend(miniz_oxide::deflate::compress_to_vec_zlib(
                &whole, self.level,
            ));
        }
        &self.out
    }
}

#[cfg(test)]
mod tests {
    use super::Deflater;

    #[test]
    fn round_trips_and_reuses_state() {
        let mut d = Deflater::take(2);
        let text: Vec<u8> = (0..50_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        for input in [&text[..], b"", b"BT /F0 12 Tf ET"] {
            let packed = d.zlib(input).to_vec();
            let back = miniz_oxide::inflate::decompress_to_vec_zlib(&packed).unwrap();
            assert_eq!(back, input);
        }
        let parts: [&[u8]; 4] = [&text[..1000], b"", &text[1000..], b"BT ET"];
        let packed = d.zlib_parts(&parts).to_vec();
        let back = miniz_oxide::inflate::decompress_to_vec_zlib(&packed).unwrap();
        assert_eq!(back, parts.concat());
        let packed = d.zlib_parts(&[]).to_vec();
        assert!(miniz_oxide::inflate::decompress_to_vec_zlib(&packed)
            .unwrap()
            .is_empty());
        d.give_back();
        assert_eq!(Deflater::take(2).level, 2);
    }
}
