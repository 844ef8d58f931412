//! Guessing what a spreadsheet export is made of: its encoding (BOM, else UTF-8 if the
//! whole file is valid UTF-8, else Windows-1252 as Excel writes it) and its delimiter.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use std::io::{self, Read};

/// The encoding named by a byte-order mark at the start of `head`, with the BOM's length.
pub fn bom(head: &[u8]) -> Option<(&'static Encoding, usize)> {
    Encoding::for_bom(head)
}

/// Where the first invalid UTF-8 sequence is, when the stream is not valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidUtf8 {
    /// 1-based line number of the first bad byte.
    pub line: u64,
}

/// Reads the whole stream in fixed-size chunks (memory stays constant) and checks that it is
/// valid UTF-8.
pub fn check_utf8(mut reader: impl Read) -> io::Result<Result<(), InvalidUtf8>> {
    let mut buf = vec![0u8; 64 * 1024];
    // Bytes of a sequence cut by the chunk boundary, carried to the next chunk.
    let mut carry = 0usize;
    let mut line = 1u64;
    loop {
        let n = match reader.read(&mut buf[carry..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let len = carry + n;
        let chunk = &buf[..len];
        match std::str::from_utf8(chunk) {
            Ok(_) => {
                if n == 0 {
                    return Ok(Ok(()));
                }
                line += count_newlines(chunk);
                carry = 0;
            }
            Err(e) => {
                let good = e.valid_up_to();
                line += count_newlines(&chunk[..good]);
                if e.error_len().is_some() || n == 0 {
                    return Ok(Err(InvalidUtf8 { line }));
                }
                // An incomplete sequence at the end of the chunk: keep it for the next read.
                buf.copy_within(good..len, 0);
                carry = len - good;
            }
        }
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Picks the encoding of a file without a BOM from the result of [`check_utf8`].
pub fn fallback_encoding(valid_utf8: bool) -> &'static Encoding {
    if valid_utf8 {
        UTF_8
    } else {
        WINDOWS_1252
    }
}

/// True for encodings whose bytes the CSV parser cannot read directly.
pub fn needs_transcoding(enc: &'static Encoding) -> bool {
    enc != UTF_8
}

/// Decides the delimiter from the start of the (decoded) file: the candidate that occurs
/// outside quotes in the header line and most consistently in the following lines.
/// Defaults to `,` when nothing decides (a one-column file).
pub fn delimiter(sample: &[u8]) -> u8 {
    const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];
    let lines = split_logical_lines(sample, 20);
    let Some(header) = lines.first() else {
        return b',';
    };
    let mut best = (b',', 0usize, 0usize); // (delimiter, agreeing lines, header count)
    for (idx, &cand) in CANDIDATES.iter().enumerate() {
        let in_header = header[idx];
        if in_header == 0 {
            continue;
        }
        let agreeing = lines[1..]
            .iter()
            .filter(|counts| counts[idx] == in_header)
            .count();
        if agreeing > best.1 || (agreeing == best.1 && in_header > best.2) {
            best = (cand, agreeing, in_header);
        }
    }
    best.0
}

/// Splits the sample into up to `max` lines, treating newlines inside quotes as part of
/// the line, and counts each candidate delimiter outside quotes. A last line cut off by the
/// end of the sample is dropped unless it is the only one.
fn split_logical_lines(sample: &[u8], max: usize) -> Vec<[usize; 3]> {
    let mut lines = Vec::new();
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    let mut any = false;
    for &b in sample {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                if any {
                    lines.push(counts);
                    if lines.len() == max {
                        return lines;
                    }
                }
                counts = [0; 3];
                any = false;
                continue;
            }
            b',' if !in_quotes => counts[0] += 1,
            b';' if !in_quotes => counts[1] += 1,
            b'\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
        if b != b'\r' {
            any = true;
        }
    }
    if any && (lines.is_empty() || sample.len() < 64 * 1024) {
        lines.push(counts);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::{check_utf8, delimiter, InvalidUtf8};

    #[test]
    fn utf8_check_handles_sequences_cut_by_chunks() {
        // "é" straddles the 64 KiB chunk boundary.
        let mut data = vec![b'a'; 64 * 1024 - 1];
        data.extend_from_slice("é\nzoë\n".as_bytes());
        assert_eq!(check_utf8(&data[..]).unwrap(), Ok(()));
        let mut bad = b"name\nok\n".to_vec();
        bad.extend_from_slice(b"M\xfcller\n");
        assert_eq!(check_utf8(&bad[..]).unwrap(), Err(InvalidUtf8 { line: 3 }));
        // Truncated sequence at the very end is invalid too.
        assert!(check_utf8(&b"abc\xc3"[..]).unwrap().is_err());
    }

    #[test]
    fn delimiter_is_sniffed_respecting_quotes() {
        assert_eq!(delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(delimiter(b"a;b;c\n1;\"2,5\";3\n"), b';');
        assert_eq!(delimiter(b"a\tb\n1\t2\n"), b'\t');
        // Commas only inside a quoted header cell do not count.
        assert_eq!(delimiter(b"\"Name, full\";Town\nx;y\n"), b';');
        // One-column file.
        assert_eq!(delimiter(b"email\na@b.c\n"), b',');
        // The consistent one wins over one that only happens to appear in the header.
        assert_eq!(delimiter(b"Name;Town, State;Zip\na;b, c;1\nd;e;2\n"), b';');
    }
}
