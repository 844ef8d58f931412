//! A list of object numbers kept per letter or per page of a batch (the structure tree's
//! letters, the ParentTree's values), appended in order and read back once in order at the
//! end: the first ones in memory, the rest in an unnamed temporary file, so a batch of any
//! size keeps a bounded list in memory.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// Numbers kept in memory before the list spills: 16 Ki (64 KiB) covers a single letter and
/// a batch of several thousand letters without a temporary file; past it each number is
/// four buffered bytes on disk.
const IN_MEMORY: usize = 16 * 1024;
/// The spill file's write and read buffers.
const BUFFER: usize = 64 * 1024;

/// An append-only list of `u32`.
pub(super) struct Spool {
    head: Vec<u32>,
    spill: Option<BufWriter<File>>,
    len: usize,
}

impl Spool {
    pub fn new() -> Spool {
        Spool {
            head: Vec::new(),
            spill: None,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn push(&mut self, value: u32) -> io::Result<()> {
        self.len += 1;
        if self.head.len() < IN_MEMORY {
            self.head.push(value);
            return Ok(());
        }
        let spill = match &mut self.spill {
            Some(spill) => spill,
            None => self
                .spill
                .insert(BufWriter::with_capacity(BUFFER, tempfile::tempfile()?)),
        };
        spill.write_all(&value.to_le_bytes())
    }

    /// Reads the list back from the start. The list can still be read again afterwards.
    pub fn reader(&mut self) -> io::Result<SpoolReader<'_>> {
        let file = match &mut self.spill {
            Some(spill) => {
                spill.flush()?;
                let mut file = spill.get_ref().try_clone()?;
                file.seek(SeekFrom::Start(0))?;
                Some(BufReader::with_capacity(BUFFER, file))
            }
            None => None,
        };
        Ok(SpoolReader {
            head: &self.head,
            at: 0,
            file,
            left: self.len,
        })
    }
}

/// The numbers of a [`Spool`], in order.
pub(super) struct SpoolReader<'a> {
    head: &'a [u32],
    at: usize,
    file: Option<BufReader<File>>,
    left: usize,
}

impl SpoolReader<'_> {
    /// Appends up to `n` next numbers to `out`; returns how many.
    pub fn take_into(&mut self, n: usize, out: &mut Vec<u32>) -> io::Result<usize> {
        let n = n.min(self.left);
        for _ in 0..n {
            let value = if let Some(&value) = self.head.get(self.at) {
                self.at += 1;
                value
            } else {
                let file = self.file.as_mut().ok_or_else(|| {
                    io::Error::new(io::ErrorKind::UnexpectedEof, "spooled list ends early")
                })?;
                let mut buf = [0u8; 4];
                file.read_exact(&mut buf)?;
                u32::from_le_bytes(buf)
            };
            out.push(value);
        }
        self.left -= n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::{Spool, IN_MEMORY};

    #[test]
    fn a_list_past_memory_reads_back_in_order_in_slices_and_twice() {
        let mut spool = Spool::new();
        let n = IN_MEMORY * 3 + 5;
        for i in 0..n {
            spool.push(i as u32 * 3).unwrap();
        }
        assert_eq!(spool.len(), n);
        for _ in 0..2 {
            let mut reader = spool.reader().unwrap();
            let mut all = Vec::new();
            while reader.take_into(1000, &mut all).unwrap() > 0 {}
            assert_eq!(all.len(), n);
            assert!(all.iter().enumerate().all(|(i, &v)| v == i as u32 * 3));
        }
    }

    #[test]
    fn a_short_list_stays_in_memory() {
        let mut spool = Spool::new();
        spool.push(7).unwrap();
        assert!(spool.spill.is_none());
        let mut out = Vec::new();
        assert_eq!(spool.reader().unwrap().take_into(10, &mut out).unwrap(), 1);
        assert_eq!(out, [7]);
    }
}
