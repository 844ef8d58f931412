//! zlib compression of content streams with one reused compressor state.

use std::cell::RefCell;

use miniz_oxide::deflate::core::{
    compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
};

/// A zlib compressor kept for the whole file: miniz's state is a few hundred KiB, and
/// allocating it per page (as `compress_to_vec_zlib` does) cost more than compressing.
pub(crate) struct Deflater {
    level: u8,
    state: Box<CompressorOxide>,
    out: Vec<u8>,
}

thread_local! {
    /// The compressor of the last finished writer on this thread, so writing thousands of
    /// one-letter files does not allocate and fault in a fresh one each time.
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
        let flags = create_comp_flags_from_zip_params(level.into(), 1, 0);
        Deflater {
            level,
            state: Box::new(CompressorOxide::new(flags)),
            out: Vec::new(),
        }
    }

    /// Compresses `input` with a zlib header; the result lives until the next call.
    pub fn zlib(&mut self, whole: &[u8]) -> &[u8] {
        let mut input = whole;
        self.state.reset();
        self.out.clear();
        self.out.resize((input.len() / 2).max(64), 0);
        let mut at = 0;
        loop {
            let (status, read, written) = compress(
                &mut self.state,
                input,
                &mut self.out[at..],
                TDEFLFlush::Finish,
            );
            at += written;
            match status {
                TDEFLStatus::Done => break,
                TDEFLStatus::Okay => {
                    input = &input[read.min(input.len())..];
                    if self.out.len() - at < 64 {
                        let grown = self.out.len() * 2;
                        self.out.resize(grown, 0);
                    }
                }
                // Only bad parameters produce other statuses, and ours are fixed.
                _ => {
                    self.out.clear();
                    self.out.extend(miniz_oxide::deflate::compress_to_vec_zlib(
                        whole, self.level,
                    ));
                    return &self.out;
                }
            }
        }
        self.out.truncate(at);
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
        d.give_back();
        assert_eq!(Deflater::take(2).level, 2);
    }
}
