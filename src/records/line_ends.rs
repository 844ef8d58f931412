//! A reader adapter that makes every line end a single `\n` (CRLF from Windows, CR from old
//! Mac Excel) and ends the stream with one, so the CSV parser's line count after each record
//! is exactly "last line of the record + 1" and row numbers can be derived from it.

use std::io::{self, Read};

pub struct LineEnds<R> {
    inner: R,
    buf: Vec<u8>,
    // A `\r` seen at the end of the previous chunk: becomes `\n`, and a `\n` right after it
    // is dropped.
    after_cr: bool,
    last: Option<u8>,
    eof: bool,
}

impl<R: Read> LineEnds<R> {
    pub fn new(inner: R) -> Self {
        LineEnds {
            inner,
            buf: vec![0; 32 * 1024],
            after_cr: false,
            last: None,
            eof: false,
        }
    }
}

impl<R: Read> Read for LineEnds<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.eof {
            return Ok(0);
        }
        loop {
            let want = out.len().min(self.buf.len());
            let n = self.inner.read(&mut self.buf[..want])?;
            if n == 0 {
                self.eof = true;
                if self.last.is_some_and(|b| b != b'\n') {
                    out[0] = b'\n';
                    self.last = Some(b'\n');
                    return Ok(1);
                }
                return Ok(0);
            }
            let mut written = 0;
            for &b in &self.buf[..n] {
                let after_cr = std::mem::replace(&mut self.after_cr, false);
                let b = match b {
                    b'\n' if after_cr => continue,
                    b'\r' => {
                        self.after_cr = true;
                        b'\n'
                    }
                    b => b,
                };
                out[written] = b;
                written += 1;
            }
            if written > 0 {
                self.last = Some(out[written - 1]);
                return Ok(written);
            }
            // The chunk was a lone `\n` after a `\r`: read on.
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LineEnds;
    use std::io::Read;

    fn run(input: &[u8], chunk: usize) -> Vec<u8> {
        // A reader that hands out at most `chunk` bytes at a time.
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        LineEnds::new(Trickle(input, chunk))
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn normalises_line_ends_across_chunk_boundaries() {
        for chunk in [1, 2, 3, 1000] {
            assert_eq!(
                run(b"a\r\nb\rc\n\r\nd", chunk),
                b"a\nb\nc\n\nd\n",
                "chunk {chunk}"
            );
            assert_eq!(run(b"a\n", chunk), b"a\n");
            assert_eq!(run(b"", chunk), b"");
        }
    }
}
