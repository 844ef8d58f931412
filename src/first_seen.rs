//! A bounded "first row seen with this key" index: the check's duplicate rows, addresses,
//! email addresses and file names, and the file names a run has handed out, for any number
//! of rows in a few MiB.
//!
//! Keys are 64-bit hashes. The newest [`IN_MEMORY`] keys are in a hash map; when it is
//! full they are sorted and written to an unnamed temporary file as one run (16 bytes a
//! key, with the first key of every 4 KiB block kept in memory), and two runs of the same
//! size are merged into one, so that there are never more than log2(keys / IN_MEMORY) + 1
//! of them. A fixed-size Bloom filter ([`BLOOM_BYTES`]) in front of the runs answers the
//! common case, a key never seen, without reading the disk; a key it may have seen is looked
//! up in the runs (one 4 KiB read each), so every answer is exact. The keys found there
//! last are cached ([`HITS`]), so that a file where most rows repeat one address reads it
//! once, not once a row.
//!
//! Why this shape, measured (519,000 keys, release build, 2 cores): for keys that are all
//! new it costs 177 ns a key against 191 ns for a std `HashMap<u64, u64>` holding them all
//! (the map's misses in a 16 MiB table cost more than the filter's one cache line); with a
//! 512 KiB filter 195 ns (1% of new keys read a block), 256 KiB 264 ns (12%); 14 Ki keys in
//! memory 263 ns (more merging), 112 Ki 250 ns (a map out of cache). A file where 300,000
//! keys come back at random is 0.7 µs a key (every repeat is one block read) against 0.1
//! µs; the 600 email addresses of the benchmark never leave memory (25 ns). A check spends
//! some 55 µs of CPU a row typesetting, so none of this shows in its time. An on-disk hash
//! table was the other candidate: it needs a read to find a free slot for every new key (or
//! a write buffer and merge, which is what sorted runs are) and a rehash pass to grow;
//! sorted runs are written and merged only sequentially and are dense (16 bytes a key).
//!
//! Memory: an index that went to disk holds its map (544 KiB), the filter (1 MiB), the
//! cache (24 KiB) and the runs' fences (8 bytes a 256 keys), plus the run being sorted
//! (448 KiB) while it spills: about 2 MiB, growing by 32 KiB a million keys (the fences).
//! The temporary files are 16 bytes a key (8 MB for 519,000), twice that while the two
//! largest runs are merged.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// Keys in memory before they go to a run on disk: 28 Ki fill a std hash map's 32 Ki buckets
/// to its 7/8 load, 544 KiB, and sort into a 448 KiB run; a file of up to 28,672 rows never
/// touches the disk.
pub const IN_MEMORY: usize = 28 * 1024;

/// The Bloom filter in front of the runs, made at the first run: 1 MiB is 16 bits a key at
/// half a million keys (fewer than 1 in 1,000 new keys then needs a disk read). It
/// does not grow: past some 4 million keys it says "maybe" more and more often, and the
/// runs are read more, still exactly.
pub const BLOOM_BYTES: usize = 1 << 20;

/// Bits set per key, all in one 64-byte block (one cache line a lookup).
const BLOOM_PROBES: u32 = 6;

/// Keys per block of a run: 256 keys of 16 bytes, one 4 KiB read a lookup.
const BLOCK: usize = 256;

/// A key and its row on disk: both little-endian `u64`.
const ENTRY: usize = 16;

/// The write and read buffers of a run being written or merged.
const BUFFER: usize = 64 * 1024;

/// Keys found on disk remembered, by their low bits: 1,024 (24 KiB), enough for the few
/// addresses a whole file may repeat (a head office, a placeholder).
pub const HITS: usize = 1_024;

/// A map from key to the first row seen with it, bounded in memory.
pub struct FirstSeen {
    memory: HashMap<u64, u64>,
    in_memory: usize,
    bloom_bytes: usize,
    /// Oldest (largest) first; keys in no two runs and not in `memory`.
    runs: Vec<Run>,
    /// Every key in a run; empty until the first run.
    bloom: Vec<u64>,
    /// Keys found in a run, by `key % HITS`; empty until the first one.
    hits: Vec<Option<(u64, u64)>>,
    /// Blocks read from runs (for the tests: what the filter and the cache spare).
    blocks_read: u64,
}

impl Default for FirstSeen {
    fn default() -> FirstSeen {
        FirstSeen::with_sizes(IN_MEMORY, BLOOM_BYTES)
    }
}

impl FirstSeen {
    /// An index keeping `in_memory` keys (at least one) in memory, with a Bloom filter of
    /// `bloom_bytes` (rounded up to a power of two, 64 bytes at least) for the rest.
    fn with_sizes(in_memory: usize, bloom_bytes: usize) -> FirstSeen {
        FirstSeen {
            memory: HashMap::new(),
            in_memory: in_memory.max(1),
            bloom_bytes: bloom_bytes.max(64).next_power_of_two(),
            runs: Vec::new(),
            bloom: Vec::new(),
            hits: Vec::new(),
            blocks_read: 0,
        }
    }

    /// The first row seen with `key`, or `None` when it is new: then `row` is its first.
    /// An error is the temporary file's; the index is as it was before the call.
    pub fn first_or_insert(&mut self, key: u64, row: u64) -> io::Result<Option<u64>> {
        if let Some(first) = self.get(key)? {
            return Ok(Some(first));
        }
        self.memory.insert(key, row);
        if self.memory.len() >= self.in_memory {
            self.spill()?;
        }
        Ok(None)
    }

    /// The first row seen with `key`, if any.
    pub fn get(&mut self, key: u64) -> io::Result<Option<u64>> {
        if let Some(&first) = self.memory.get(&key) {
            return Ok(Some(first));
        }
        if self.runs.is_empty() || !self.bloom_may_contain(key) {
            return Ok(None);
        }
        let slot = (key % HITS as u64) as usize;
        if let Some(Some((k, first))) = self.hits.get(slot) {
            if *k == key {
                return Ok(Some(*first));
            }
        }
        // The newest run first: a repeat tends to follow its first closely.
        for run in self.runs.iter().rev() {
            self.blocks_read += 1;
            if let Some(first) = run.find(key)? {
                if self.hits.is_empty() {
                    self.hits = vec![None; HITS];
                }
                self.hits[slot] = Some((key, first));
                return Ok(Some(first));
            }
        }
        Ok(None)
    }

    /// Writes the keys in memory to a new run, then merges runs of the same size.
    fn spill(&mut self) -> io::Result<()> {
        let mut entries: Vec<(u64, u64)> = self.memory.iter().map(|(&k, &r)| (k, r)).collect();
        entries.sort_unstable_by_key(|e| e.0);
        let mut out = RunWriter::new()?;
        for &entry in &entries {
            out.push(entry)?;
        }
        let run = out.finish(0)?;
        if self.bloom.is_empty() {
            self.bloom = vec![0; self.bloom_bytes / 8];
        }
        for &(key, _) in &entries {
            self.bloom_insert(key);
        }
        self.memory.clear();
        self.runs.push(run);
        while let [.., older, newer] = self.runs.as_slice() {
            if older.level != newer.level {
                break;
            }
            let merged = merge(older, newer)?;
            let n = self.runs.len();
            self.runs.truncate(n - 2);
            self.runs.push(merged);
        }
        Ok(())
    }

    /// The filter's block of 8 words for `key`, and the bit to set in each of
    /// [`BLOOM_PROBES`] (word index in the block, bit in the word).
    fn bloom_bits(&self, key: u64) -> (usize, [(usize, u64); BLOOM_PROBES as usize]) {
        let h1 = mix(key);
        let h2 = mix(h1 ^ 0x9e37_79b9_7f4a_7c15);
        let blocks = self.bloom.len() / 8;
        let block = (h1 as usize & (blocks - 1)) * 8;
        let mut bits = [(0, 0); BLOOM_PROBES as usize];
        for (i, bit) in bits.iter_mut().enumerate() {
            let pos = (h2 >> (i * 9)) & 511;
            *bit = ((pos >> 6) as usize, 1u64 << (pos & 63));
        }
        (block, bits)
    }

    fn bloom_insert(&mut self, key: u64) {
        let (block, bits) = self.bloom_bits(key);
        for (word, bit) in bits {
            self.bloom[block + word] |= bit;
        }
    }

    fn bloom_may_contain(&self, key: u64) -> bool {
        let (block, bits) = self.bloom_bits(key);
        bits.iter()
            .all(|&(word, bit)| self.bloom[block + word] & bit != 0)
    }
}

/// What to tell the user when the temporary file of an index fails: `what` is what it keeps
/// ("the letters' file names").
pub fn spill_message(what: &str, e: &io::Error) -> String {
    format!(
        "cannot keep {what} in a temporary file: {e}; free some disk space in the temporary \
         folder (or set TMPDIR to another) and run again"
    )
}

/// A 64-bit finaliser (SplitMix64's): every bit of the key moves every bit of the result,
/// so that keys that are not hashes (tests' small numbers) spread over the filter too.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Keys and rows sorted by key, in a temporary file of their own (gone when dropped).
struct Run {
    file: File,
    len: usize,
    /// The first key of each block of [`BLOCK`] keys.
    fences: Vec<u64>,
    /// How many merges made it: runs of one level are the same size.
    level: u32,
}

impl Run {
    fn find(&self, key: u64) -> io::Result<Option<u64>> {
        let block = self.fences.partition_point(|&f| f <= key);
        if block == 0 {
            return Ok(None);
        }
        let start = (block - 1) * BLOCK;
        let n = BLOCK.min(self.len - start);
        let mut buf = [0u8; BLOCK * ENTRY];
        let buf = &mut buf[..n * ENTRY];
        read_exact_at(&self.file, buf, (start * ENTRY) as u64)?;
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (k, row) = decode(&buf[mid * ENTRY..(mid + 1) * ENTRY]);
            match k.cmp(&key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(Some(row)),
            }
        }
        Ok(None)
    }

    /// Reads the run from its start, in order.
    fn reader(&self) -> io::Result<RunReader<'_>> {
        let mut file = &self.file;
        file.seek(SeekFrom::Start(0))?;
        Ok(RunReader {
            input: BufReader::with_capacity(BUFFER, file),
            left: self.len,
        })
    }
}

fn decode(entry: &[u8]) -> (u64, u64) {
    let mut key = [0u8; 8];
    let mut row = [0u8; 8];
    key.copy_from_slice(&entry[..8]);
    row.copy_from_slice(&entry[8..16]);
    (u64::from_le_bytes(key), u64::from_le_bytes(row))
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_exact_at(mut file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

struct RunReader<'a> {
    input: BufReader<&'a File>,
    left: usize,
}

impl RunReader<'_> {
    fn next(&mut self) -> io::Result<Option<(u64, u64)>> {
        if self.left == 0 {
            return Ok(None);
        }
        let mut entry = [0u8; ENTRY];
        self.input.read_exact(&mut entry)?;
        self.left -= 1;
        Ok(Some(decode(&entry)))
    }
}

struct RunWriter {
    out: BufWriter<File>,
    len: usize,
    fences: Vec<u64>,
}

impl RunWriter {
    fn new() -> io::Result<RunWriter> {
        Ok(RunWriter {
            out: BufWriter::with_capacity(BUFFER, tempfile::tempfile()?),
            len: 0,
            fences: Vec::new(),
        })
    }

    /// Appends a key (keys come in ascending order).
    fn push(&mut self, (key, row): (u64, u64)) -> io::Result<()> {
        if self.len.is_multiple_of(BLOCK) {
            self.fences.push(key);
        }
        self.out.write_all(&key.to_le_bytes())?;
        self.out.write_all(&row.to_le_bytes())?;
        self.len += 1;
        Ok(())
    }

    fn finish(self, level: u32) -> io::Result<Run> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(Run {
            file,
            len: self.len,
            fences: self.fences,
            level,
        })
    }
}

/// One run of the keys of two. A key in both (which the index never makes) is kept with
/// the older run's row.
fn merge(older: &Run, newer: &Run) -> io::Result<Run> {
    let (mut a, mut b) = (older.reader()?, newer.reader()?);
    let mut out = RunWriter::new()?;
    let (mut x, mut y) = (a.next()?, b.next()?);
    loop {
        match (x, y) {
            (Some(p), Some(q)) => match p.0.cmp(&q.0) {
                std::cmp::Ordering::Less => {
                    out.push(p)?;
                    x = a.next()?;
                }
                std::cmp::Ordering::Greater => {
                    out.push(q)?;
                    y = b.next()?;
                }
                std::cmp::Ordering::Equal => {
                    out.push(p)?;
                    x = a.next()?;
                    y = b.next()?;
                }
            },
            (Some(p), None) => {
                out.push(p)?;
                x = a.next()?;
            }
            (None, Some(q)) => {
                out.push(q)?;
                y = b.next()?;
            }
            (None, None) => break,
        }
    }
    out.finish(older.level + 1)
}

#[cfg(test)]
mod tests {
    use super::{FirstSeen, IN_MEMORY};
    use std::collections::HashMap;

    /// A small fast generator (xorshift), seeded: the same keys every run.
    struct Keys(u64);

    impl Keys {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// Feeds `keys` to the index and to a `HashMap` doing the same, row by row, and checks
    /// every answer; returns how many keys were new.
    fn same_as_a_hash_map(index: &mut FirstSeen, keys: impl IntoIterator<Item = u64>) -> usize {
        let mut reference: HashMap<u64, u64> = HashMap::new();
        for (i, key) in keys.into_iter().enumerate() {
            let row = i as u64 + 2;
            let want = match reference.get(&key) {
                Some(&first) => Some(first),
                None => {
                    reference.insert(key, row);
                    None
                }
            };
            assert_eq!(index.first_or_insert(key, row).unwrap(), want, "row {row}");
        }
        for (&key, &first) in reference.iter().take(5_000) {
            assert_eq!(index.get(key).unwrap(), Some(first));
        }
        reference.len()
    }

    #[test]
    fn a_small_file_stays_in_memory() {
        let mut index = FirstSeen::default();
        assert_eq!(index.first_or_insert(7, 2).unwrap(), None);
        assert_eq!(index.first_or_insert(9, 3).unwrap(), None);
        assert_eq!(index.first_or_insert(7, 4).unwrap(), Some(2));
        assert_eq!(index.get(9).unwrap(), Some(3));
        assert_eq!(index.get(8).unwrap(), None);
        let mut index = FirstSeen::default();
        let mut keys = Keys(1);
        let new = same_as_a_hash_map(&mut index, (0..IN_MEMORY * 2).map(|_| keys.next() % 20_000));
        assert_eq!(index.memory.len(), new);
        assert!(index.runs.is_empty() && index.bloom.is_empty());
    }

    #[test]
    fn past_memory_every_answer_is_still_exact() {
        // 300 keys in memory: 40,000 keys make runs of 300, 600, 1,200, ... merged on the
        // way; about one key in three is a repeat, from anywhere earlier.
        let mut index = FirstSeen::with_sizes(300, 4096);
        let mut keys = Keys(42);
        let new = same_as_a_hash_map(&mut index, (0..40_000).map(|_| keys.next() % 27_000));
        assert!(new > 20_000 && new < 27_000, "{new}");
        assert!(
            index.runs.len() > 1 && index.runs.len() <= 8,
            "{}",
            index.runs.len()
        );
        let on_disk: usize = index.runs.iter().map(|r| r.len).sum();
        assert_eq!(on_disk + index.memory.len(), new, "every key once");
        assert!(index.memory.len() < 300);
        // The runs are merged by size: levels strictly fall from the oldest to the newest.
        assert!(index.runs.windows(2).all(|w| w[0].level > w[1].level));
    }

    #[test]
    fn every_key_unique_or_every_key_the_same() {
        let mut index = FirstSeen::with_sizes(100, 1024);
        let mut keys = Keys(7);
        same_as_a_hash_map(&mut index, (0..10_000).map(|_| keys.next()));
        // Each repeat of a key that went to disk is read once, then it is remembered.
        let mut index = FirstSeen::with_sizes(100, 1024);
        for row in 0..100 {
            assert_eq!(index.first_or_insert(1_000 + row, row).unwrap(), None);
        }
        assert!(!index.runs.is_empty(), "the first 100 keys are on disk");
        for row in 100..50_000 {
            assert_eq!(index.first_or_insert(1_005, row).unwrap(), Some(5));
        }
        assert_eq!(index.blocks_read, 1, "one read, then the cache");
    }

    #[test]
    fn a_filter_saying_maybe_wrongly_is_verified_on_disk() {
        // A 64-byte filter (512 bits) for 5,000 keys says "maybe" to nearly everything,
        // so nearly every new key is looked for on disk, and not found there.
        let mut index = FirstSeen::with_sizes(500, 64);
        let mut keys = Keys(3);
        let first: Vec<u64> = (0..5_000).map(|_| keys.next()).collect();
        for (i, &key) in first.iter().enumerate() {
            assert_eq!(index.first_or_insert(key, i as u64).unwrap(), None);
        }
        let before = index.blocks_read;
        for i in 0..2_000u64 {
            let new = keys.next();
            assert_eq!(index.first_or_insert(new, 10_000 + i).unwrap(), None);
        }
        assert!(
            index.blocks_read - before > 1_000,
            "false positives were read: {}",
            index.blocks_read - before
        );
        // And the keys it has are still found with their first rows.
        for (i, &key) in first.iter().enumerate().step_by(7) {
            assert_eq!(index.get(key).unwrap(), Some(i as u64));
        }
        // With a real-sized filter the same new keys read (almost) nothing.
        let mut index = FirstSeen::with_sizes(500, super::BLOOM_BYTES);
        for (i, &key) in first.iter().enumerate() {
            index.first_or_insert(key, i as u64).unwrap();
        }
        let mut keys = Keys(99);
        for i in 0..2_000u64 {
            assert_eq!(
                index.first_or_insert(keys.next(), 10_000 + i).unwrap(),
                None
            );
        }
        assert!(index.blocks_read < 10, "{}", index.blocks_read);
    }
}
