//! The cross-reference offsets of a PDF being written: the first objects' in memory, the
//! rest in an unnamed temporary file, so a batch of any size keeps a bounded table in memory.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;

/// Objects whose offsets stay in memory: 64 Ki objects (512 KiB) covers any single letter and
/// a batch of about 20,000 one-page letters; past it each offset is one 8-byte positioned
/// write to the spill file (about three a letter), which costs microseconds.
const IN_MEMORY: usize = 64 * 1024;
/// Offsets past [`IN_MEMORY`] are gathered in a window of this many (64 KiB) and written to
/// the spill file a window at a time: objects are written nearly in number order, so one
/// positioned write serves 8,192 of them instead of one system call each (a tagged batch
/// has about 30 objects a letter). The few set behind the window are written one by one.
const WINDOW: usize = 8 * 1024;

/// Object number -> byte offset (0: reserved, not written).
pub(super) struct Offsets {
    head: Vec<u64>,
    /// Offsets of objects IN_MEMORY and up, at `(id - IN_MEMORY) * 8`; unwritten ones read
    /// back as 0 (a sparse file).
    spill: Option<File>,
    /// Offsets of objects `window_base ..` (`window_base` a multiple of [`WINDOW`] past
    /// [`IN_MEMORY`]), not yet in the spill file.
    window: Vec<u64>,
    window_base: usize,
    len: usize,
}

impl Offsets {
    pub fn new() -> Offsets {
        Offsets {
            head: vec![0],
            spill: None,
            window: Vec::new(),
            window_base: IN_MEMORY,
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
        if id >= self.window_base + WINDOW {
            self.flush_window()?;
            self.window_base = IN_MEMORY + (id - IN_MEMORY) / WINDOW * WINDOW;
        }
        if id >= self.window_base {
            let i = id - self.window_base;
            if self.window.len() <= i {
                self.window.resize(WINDOW, 0);
            }
            self.window[i] = offset;
            return Ok(());
        }
        self.spill()?
            .write_all_at(&offset.to_le_bytes(), ((id - IN_MEMORY) * 8) as u64)
    }

    fn spill(&mut self) -> io::Result<&File> {
        match self.spill {
            Some(ref file) => Ok(file),
            None => Ok(self.spill.insert(tempfile::tempfile()?)),
        }
    }

    /// Writes the window's offsets to the spill file (its slots were never written before:
    /// the window only moves forward, and only objects behind it are written one by one).
    fn flush_window(&mut self) -> io::Result<()> {
        if self.window.is_empty() {
            return Ok(());
        }
        let mut bytes = Vec::with_capacity(self.window.len() * 8);
        for offset in &self.window {
            bytes.extend_from_slice(&offset.to_le_bytes());
        }
        let at = ((self.window_base - IN_MEMORY) * 8) as u64;
        self.spill()?.write_all_at(&bytes, at)?;
        self.window.clear();
        Ok(())
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
        let mut reader = match &self.spill {
            Some(file) => {
                let mut file = file.try_clone()?;
                file.seek(SeekFrom::Start(0))?;
                Some(BufReader::with_capacity(64 * 1024, file))
            }
            None => None,
        };
        let mut buf = [0u8; 8];
        for id in IN_MEMORY..IN_MEMORY + rest {
            // The file ends at the last offset written; later objects were never written.
            let on_disk = match reader.as_mut().map(|r| r.read_exact(&mut buf)) {
                Some(Ok(())) => u64::from_le_bytes(buf),
                Some(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    reader = None;
                    0
                }
                Some(Err(e)) => return Err(e),
                None => 0,
            };
            // The window's slots are newer than the file's (zeros or nothing) there.
            let offset = match id.checked_sub(self.window_base) {
                Some(i) if i < WINDOW => self.window.get(i).copied().unwrap_or(0),
                _ => on_disk,
            };
            f(offset)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Offsets, IN_MEMORY, WINDOW};

    /// Every offset, through `for_each`.
    fn all(o: &Offsets) -> Vec<u64> {
        let mut seen = Vec::new();
        o.for_each(|v| {
            seen.push(v);
            Ok(())
        })
        .unwrap();
        seen
    }

    #[test]
    fn offsets_set_out_of_order_across_windows_all_come_back() {
        let mut o = Offsets::new();
        let n = IN_MEMORY + 5 * WINDOW + 17;
        o.grow(n);
        // Forward in strides (the window jumps), then the skipped ones behind it, then a
        // few in the current window again.
        let mut order: Vec<usize> = (1..n).filter(|id| id % 3 != 0).collect();
        order.extend((1..n).filter(|id| id % 3 == 0).rev());
        for &id in &order {
            o.set(id, id as u64 + 1).unwrap();
        }
        o.set(n - 1, 42).unwrap();
        let seen = all(&o);
        assert_eq!(seen.len(), n);
        for (id, v) in seen.iter().enumerate().skip(1) {
            let want = if id == n - 1 { 42 } else { id as u64 + 1 };
            assert_eq!(*v, want, "object {id}");
        }
    }

    #[test]
    fn offsets_past_memory_come_back_in_order_with_gaps_as_zero() {
        let mut o = Offsets::new();
        let n = IN_MEMORY + 1000;
        o.grow(n);
        for id in (1..n).filter(|id| id % 7 != 0) {
            o.set(id, id as u64 * 10).unwrap();
        }
        let seen = all(&o);
        assert_eq!(seen.len(), n);
        for (id, v) in seen.iter().enumerate() {
            let want = if id % 7 == 0 { 0 } else { id as u64 * 10 };
            assert_eq!(*v, want, "object {id}");
        }
    }
}
