//! The cross-reference offsets of a PDF being written: the first objects' in memory, the
//! rest in an unnamed temporary file, so a batch of any size keeps a bounded table in memory.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;

/// Objects whose offsets stay in memory: 64 Ki objects (512 KiB) covers any single letter and
/// a batch of about 20,000 one-page letters; past it each offset is one 8-byte positioned
/// write to the spill file (about three a letter), which costs microseconds.
const IN_MEMORY: usize = 64 * 1024;

/// Object number -> byte offset (0: reserved, not written).
pub(super) struct Offsets {
    head: Vec<u64>,
    /// Offsets of objects IN_MEMORY and up, at `(id - IN_MEMORY) * 8`; unwritten ones read
    /// back as 0 (a sparse file).
    spill: Option<File>,
    len: usize,
}

impl Offsets {
    pub fn new() -> Offsets {
        Offsets {
            head: vec![0],
            spill: None,
            len: 1,
        }
    }

    /// Object numbers handed out so far, 0 included.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Makes room for object numbers below `len`.
    pub fn grow(&mut self, len: usize) {
        self.len = self.len.max(len);
        let head = self.len.min(IN_MEMORY);
        if self.head.len() < head {
            self.head.resize(head, 0);
        }
    }

    pub fn set(&mut self, id: usize, offset: u64) -> io::Result<()> {
        if id < IN_MEMORY {
            self.head[id] = offset;
            return Ok(());
        }
        let file = match &mut self.spill {
            Some(file) => file,
            None => self.spill.insert(tempfile::tempfile()?),
        };
        file.write_all_at(&offset.to_le_bytes(), ((id - IN_MEMORY) * 8) as u64)
    }

    /// Every offset in object order, 0 included.
    pub fn for_each(&self, mut f: impl FnMut(u64) -> io::Result<()>) -> io::Result<()> {
        for &offset in &self.head {
            f(offset)?;
        }
        let rest = self.len.saturating_sub(IN_MEMORY);
        if rest == 0 {
            return Ok(());
        }
        let Some(file) = &self.spill else {
            for _ in 0..rest {
                f(0)?;
            }
            return Ok(());
        };
        let mut file = file.try_clone()?;
        file.seek(SeekFrom::Start(0))?;
        let mut reader = BufReader::with_capacity(64 * 1024, file);
        let mut buf = [0u8; 8];
        for _ in 0..rest {
            // The file ends at the last offset written; later objects were never written.
            let offset = match reader.read_exact(&mut buf) {
                Ok(()) => u64::from_le_bytes(buf),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
                Err(e) => return Err(e),
            };
            f(offset)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Offsets, IN_MEMORY};

    #[test]
    fn offsets_past_memory_come_back_in_order_with_gaps_as_zero() {
        let mut o = Offsets::new();
        let n = IN_MEMORY + 1000;
        o.grow(n);
        for id in (1..n).filter(|id| id % 7 != 0) {
            o.set(id, id as u64 * 10).unwrap();
        }
        let mut seen = Vec::new();
        o.for_each(|v| {
            seen.push(v);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen.len(), n);
        for (id, v) in seen.iter().enumerate() {
            let want = if id % 7 == 0 { 0 } else { id as u64 * 10 };
            assert_eq!(*v, want, "object {id}");
        }
    }
}
