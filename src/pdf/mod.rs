//! PDF output: writes typeset pages as a PDF, streaming page by page, with fonts embedded as
//! subsets prepared once per run and images embedded once per file.
//!
//! A run goes: every page into [`GlyphUsage`] (pass 1), [`EmbeddedFonts::prepare`] once,
//! then one [`PdfWriter`] per output file (pass 2). [`write_pdf`] and [`write_pdf_file`] do
//! pass 2 for a single letter.

mod content;
mod deflate;
mod fonts;
mod icc;
mod objbuf;
mod offsets;
mod spill;
mod spool;
mod tags;
mod writer;
mod xmp;

use std::io::{self, Write};
use std::path::Path;

pub use fonts::{EmbeddedFonts, GlyphUsage};
pub use spill::ByteReader;
pub use writer::{DocInfo, EncodedPage, PdfWriter};

use crate::images::ImageStore;
use crate::typeset::page::Page;

/// Writes `pages` as one PDF to `out` and returns it.
pub fn write_pdf<W: Write>(
    out: W,
    pages: &[Page],
    fonts: &EmbeddedFonts,
    images: &ImageStore,
    info: DocInfo,
) -> io::Result<W> {
    let mut writer = PdfWriter::new(out, fonts, info)?;
    for page in pages {
        writer.add_page(page, images)?;
    }
    writer.finish(images)
}

/// Writes `pages` as one PDF file at `path`: into a temporary file in the same folder,
/// renamed into place when complete, so a crash never leaves half a letter behind.
pub fn write_pdf_file(
    path: &Path,
    pages: &[Page],
    fonts: &EmbeddedFonts,
    images: &ImageStore,
    info: DocInfo,
) -> io::Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".lettermerge-")
        .suffix(".pdf.tmp")
        .tempfile_in(folder)?;
    let temp = write_pdf(temp, pages, fonts, images, info)?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests;
