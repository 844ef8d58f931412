//! The write pass's last step: each letter into its batch and its manifest line, in data
//! order, or with `--sort` in sort order by way of a spill file (the letters' encoded pages
//! wait on disk, not in memory, while the rest are written).

use super::batches::Plan;
use super::print::{io_failure, Failure};
use crate::config::PdfConfig;
use crate::images::ImageStore;
use crate::output::{AtomicFile, MANIFEST};
use crate::pdf::{DocInfo, EmbeddedFonts, EncodedPage, PdfWriter};
use crate::typeset::page::Page;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// One letter, typeset and encoded, on its way to the batch and the manifest.
pub(super) struct Placed {
    pub row: u64,
    pub name: String,
    pub recipient: String,
    /// Its encoded pages, for the batch (none when there is no batch).
    pub pages: Vec<EncodedPage>,
    pub page_count: usize,
    /// The size of its last page (a duplex blank has the same).
    pub last_page_size: (f32, f32),
    /// Its `--split-by` value.
    pub group: String,
}

/// What the assembly wrote.
pub(super) struct Assembled {
    pub letters: u64,
    pub pages: u64,
    pub batch_pages: usize,
}

/// The batches being filled and the manifest being written.
pub(super) struct Assembly<'a> {
    cfg: &'a PdfConfig,
    fonts: &'a EmbeddedFonts,
    images: &'a ImageStore,
    info: DocInfo,
    plan: Option<Plan>,
    /// The open batches: each is finished right after its last letter.
    batches: HashMap<PathBuf, PdfWriter<'a, AtomicFile>>,
    manifest: csv::Writer<AtomicFile>,
    manifest_path: PathBuf,
    spill: Option<Spill>,
    done: Assembled,
}

impl<'a> Assembly<'a> {
    pub fn new(
        cfg: &'a PdfConfig,
        fonts: &'a EmbeddedFonts,
        images: &'a ImageStore,
        info: DocInfo,
        plan: Option<Plan>,
    ) -> Result<Assembly<'a>, Failure> {
        if let Some(parent) = cfg
            .combined
            .as_deref()
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|e| io_failure(parent, e))?;
        }
        let manifest_path = cfg.out_dir.join(MANIFEST);
        let file = AtomicFile::create(&manifest_path).map_err(|e| io_failure(&manifest_path, e))?;
        let mut manifest = csv::Writer::from_writer(file);
        manifest
            .write_record([
                "row",
                "file",
                "pages",
                "batch_first_page",
                "batch_last_page",
                "recipient",
                "batch",
            ])
            .map_err(|e| Failure::io(e.to_string()))?;
        let spill = match &cfg.sort {
            Some(_) => {
                // Beside the batch (the folder that must hold its bytes anyway), or the letters.
                let dir = cfg
                    .combined
                    .as_deref()
                    .and_then(Path::parent)
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(&cfg.out_dir);
                Some(Spill::new(dir).map_err(|e| io_failure(dir, e))?)
            }
            None => None,
        };
        Ok(Assembly {
            cfg,
            fonts,
            images,
            info,
            plan,
            batches: HashMap::new(),
            manifest,
            manifest_path,
            spill,
            done: Assembled {
                letters: 0,
                pages: 0,
                batch_pages: 0,
            },
        })
    }

    /// Takes the next letter in data order, with its sort key when sorting.
    pub fn take(&mut self, placed: Placed, sort_key: &str) -> Result<(), Failure> {
        match self.spill.as_mut() {
            Some(spill) => spill
                .push(sort_key, &placed)
                .map_err(|e| Failure::io(format!("cannot keep a letter aside for --sort: {e}"))),
            None => self.emit(placed),
        }
    }

    /// Writes the letters kept aside in sort order, finishes the manifest, and checks that
    /// every batch got all its letters. `changed` is the failure when one did not (the data
    /// changed between the passes).
    pub fn finish(mut self, changed: impl Fn() -> Failure) -> Result<Assembled, Failure> {
        if let Some(spill) = self.spill.take() {
            let sorted = spill
                .into_sorted()
                .map_err(|e| Failure::io(e.to_string()))?;
            for placed in sorted {
                let placed =
                    placed.map_err(|e| Failure::io(format!("reading back a letter: {e}")))?;
                self.emit(placed)?;
            }
        }
        // Every batch was finished after its last letter; one still open means the data
        // changed between the passes (it is dropped, its temporary file with it).
        if !self.batches.is_empty() {
            return Err(changed());
        }
        let file = self
            .manifest
            .into_inner()
            .map_err(|e| Failure::io(e.to_string()))?;
        file.commit(self.cfg.force)
            .map_err(|e| io_failure(&self.manifest_path, e))?;
        Ok(self.done)
    }

    /// The letter into its batch (if there is one) and its manifest line.
    fn emit(&mut self, placed: Placed) -> Result<(), Failure> {
        let Placed {
            row,
            name,
            recipient,
            pages,
            page_count,
            last_page_size: (w, h),
            group,
        } = placed;
        let (mut first, mut last, mut batch_name) = (String::new(), String::new(), String::new());
        if let Some(plan) = self.plan.as_mut() {
            let Some(slot) = plan.place(&group) else {
                return Err(Failure::io(format!(
                    "{} changed while the letters were being written; run again",
                    self.cfg.input.data.display()
                )));
            };
            let batch_failure = |e| io_failure(&slot.path, e);
            let batch = match self.batches.entry(slot.path.clone()) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let file = AtomicFile::create(&slot.path).map_err(batch_failure)?;
                    e.insert(
                        PdfWriter::new(file, self.fonts, self.info.clone())
                            .map_err(batch_failure)?,
                    )
                }
            };
            let start = batch.page_count();
            batch
                .add_bookmark(&recipient_or_row(&recipient, row), start)
                .map_err(batch_failure)?;
            for page in &pages {
                batch
                    .add_encoded(page, self.images)
                    .map_err(batch_failure)?;
            }
            first = (start + 1).to_string();
            last = batch.page_count().to_string();
            if self.cfg.duplex && page_count % 2 == 1 {
                batch
                    .add_page(&Page::blank(w, h), self.images)
                    .map_err(batch_failure)?;
            }
            batch_name = slot
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if slot.last {
                if let Some(batch) = self.batches.remove(&slot.path) {
                    self.done.batch_pages += batch.page_count();
                    let file = batch.finish(self.images).map_err(batch_failure)?;
                    file.commit(self.cfg.force).map_err(batch_failure)?;
                }
            }
        }
        self.manifest
            .write_record([
                row.to_string(),
                if self.cfg.batch_only {
                    String::new()
                } else {
                    crate::csv_out::inert(&name).into_owned()
                },
                page_count.to_string(),
                first,
                last,
                crate::csv_out::inert(&recipient).into_owned(),
                crate::csv_out::inert(&batch_name).into_owned(),
            ])
            .map_err(|e| Failure::io(e.to_string()))?;
        self.done.letters += 1;
        self.done.pages += page_count as u64;
        Ok(())
    }
}

fn recipient_or_row(recipient: &str, row: u64) -> String {
    if recipient.is_empty() {
        format!("Row {row}")
    } else {
        format!("Row {row}: {recipient}")
    }
}

/// How `--sort` compares two values: as text (ZIP codes as written, so 05633 comes before
/// 10001 and 05633-1234 right after 05633), letters without regard to case, empty values last.
pub fn sort_order(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim(), b.trim());
    a.is_empty()
        .cmp(&b.is_empty())
        .then_with(|| {
            a.bytes()
                .map(|c| c.to_ascii_lowercase())
                .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
        })
        .then_with(|| a.cmp(b))
}

/// Letters kept aside on disk until every one is typeset, then read back in sort order. In
/// memory stays one entry per letter: its sort key and where its bytes are (about 40 bytes
/// and the key's length).
struct Spill {
    file: BufWriter<File>,
    at: u64,
    index: Vec<(String, u64)>,
}

impl Spill {
    fn new(dir: &Path) -> io::Result<Spill> {
        // An unnamed file: nothing to clean up, whatever happens to the run.
        let file = tempfile::tempfile_in(dir)?;
        Ok(Spill {
            file: BufWriter::new(file),
            at: 0,
            index: Vec::new(),
        })
    }

    fn push(&mut self, key: &str, placed: &Placed) -> io::Result<()> {
        let mut buf = Vec::new();
        buf.extend_from_slice(&placed.row.to_le_bytes());
        put_str(&mut buf, &placed.name);
        put_str(&mut buf, &placed.recipient);
        put_str(&mut buf, &placed.group);
        buf.extend_from_slice(&placed.last_page_size.0.to_le_bytes());
        buf.extend_from_slice(&placed.last_page_size.1.to_le_bytes());
        // Without a batch only the page count matters (the manifest's).
        buf.extend_from_slice(&(placed.page_count as u32).to_le_bytes());
        buf.extend_from_slice(&(placed.pages.len() as u32).to_le_bytes());
        for page in &placed.pages {
            page.write_to(&mut buf);
        }
        self.file.write_all(&(buf.len() as u64).to_le_bytes())?;
        self.file.write_all(&buf)?;
        self.index.push((key.to_string(), self.at));
        self.at += 8 + buf.len() as u64;
        Ok(())
    }

    /// The letters in sort order (ties in data order: the sort is stable).
    fn into_sorted(self) -> io::Result<impl Iterator<Item = io::Result<Placed>>> {
        let Spill {
            file, mut index, ..
        } = self;
        index.sort_by(|(a, _), (b, _)| sort_order(a, b));
        let file = file.into_inner().map_err(|e| e.into_error())?;
        let mut reader = BufReader::new(file);
        Ok(index.into_iter().map(move |(_, at)| {
            reader.seek(SeekFrom::Start(at))?;
            let mut len = [0u8; 8];
            reader.read_exact(&mut len)?;
            let mut buf = vec![0u8; u64::from_le_bytes(len) as usize];
            reader.read_exact(&mut buf)?;
            read_placed(&buf)
        }))
    }
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

/// Reads what [`Spill::push`] wrote.
fn read_placed(buf: &[u8]) -> io::Result<Placed> {
    let mut r = crate::pdf::ByteReader::new(buf);
    let row = r.u64()?;
    let name = r.string()?;
    let recipient = r.string()?;
    let group = r.string()?;
    let w = r.f32()?;
    let h = r.f32()?;
    let page_count = r.u32()? as usize;
    let pages = (0..r.u32()?)
        .map(|_| EncodedPage::read_from(&mut r))
        .collect::<io::Result<Vec<_>>>()?;
    Ok(Placed {
        row,
        name,
        recipient,
        pages,
        page_count,
        last_page_size: (w, h),
        group,
    })
}

#[cfg(test)]
mod tests {
    use super::sort_order;

    #[test]
    fn zip_codes_sort_as_text_with_zip4_after_their_zip_and_blanks_last() {
        let mut zips = vec!["10001", "", "05633-1234", "05633", "9501", "05634", " "];
        zips.sort_by(|a, b| sort_order(a, b));
        assert_eq!(
            zips,
            ["05633", "05633-1234", "05634", "10001", "9501", "", " "]
        );
    }

    #[test]
    fn letters_sort_without_regard_to_case() {
        let mut names = vec!["smith", "Adams", "baker", "Smith"];
        names.sort_by(|a, b| sort_order(a, b));
        assert_eq!(names, ["Adams", "baker", "Smith", "smith"]);
    }
}
