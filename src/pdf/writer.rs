//! The streaming PDF writer: each page's content stream, annotations and page object go to
//! the output as soon as the page is added; fonts, images, the page tree, outline, catalog
//! and cross-reference table (and for PDF/A or tagged files the XMP metadata and output
//! intent) follow in `finish`. Outline entries are written as they come
//! (each once the next is known). Only object offsets and page ids stay in memory, a few
//! bytes per page, so a 10,000-page batch costs little more memory than a one-page letter.

use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::sync::Arc;

use pdf_writer::types::{
    ActionType, AnnotationFlags, AnnotationType, CidFontType, FontFlags, OutputIntentSubtype,
    PageMode, SystemInfo,
};
use pdf_writer::writers::{Catalog, DocumentInfo};
use pdf_writer::{Chunk, Date, Filter, Finish, Name, Rect, Ref, Settings, Str, TextStr};

use super::content::{page_content, push_int, PageRefs};
use super::deflate::Deflater;
use super::fonts::{EmbeddedFace, EmbeddedFonts, Outlines};
use super::icc::{srgb_profile_zlib, SRGB_DESCRIPTION};
use super::objbuf::ObjectBuf;
use super::offsets::Offsets;
use super::tags::{EncodedTags, Tagging};
use super::xmp;
use crate::images::{ImageData, ImageId, ImageStore};
use crate::typeset::page::{Item, Page, ARTIFACT};

/// Content streams are compressed per page in the hot loop. Measured with zlib-rs on the
/// benchmark letter (6.0 KB of operators): level 1 gives 2.9 KB in 14 µs, level 2 2.1 KB
/// in 27 µs, level 6 1.9 KB in 35 µs; speed wins, the batch stays ~3 KB a page.
const CONTENT_COMPRESSION: u8 = 1;

/// Pages per intermediate page-tree node, so viewers need not scan one huge /Kids array.
const PAGES_PER_NODE: usize = 64;

/// The most indirect objects a PDF/A file may have (ISO 19005-2, 6.1.13, from the
/// implementation limits of PDF 1.7): a batch of about 2.5 million one-page letters.
const PDF_A_MAX_OBJECTS: usize = 8_388_607;
/// Marks an entry of `offsets` as an object inside an object stream: the stream's object
/// number shifted by [`OBJSTM_INDEX_BITS`], plus the object's index in it.
const IN_OBJECT_STREAM: u64 = 1 << 63;
/// Bits of an in-stream entry that hold the object's index (a letter's structure elements
/// number far fewer than 65,536; a letter with more is written as plain objects).
const OBJSTM_INDEX_BITS: u32 = 16;

/// Letters whose structure elements share one object stream: their elements are nearly the
/// same, so compressing several together costs far less per letter than one at a time, and
/// the buffer stays small (a letter's elements are a few kilobytes before compression).
const LETTERS_PER_OBJECT_STREAM: usize = 32;
/// The object stream is written early once its objects pass this many bytes (a letter with
/// a very long body), so the buffer stays bounded whatever the letters hold.
const OBJECT_STREAM_MAX_BYTES: usize = 256 * 1024;
/// ParentTree leaves per object stream at the end of a tagged file: 256 leaves of 64 keys
/// are about 256 KB of objects, the same bound as a letters' object stream.
const LEAVES_PER_OBJECT_STREAM: usize = 256;
/// Object streams get zlib's fastest level, like the content streams. Measured on 10,000
/// tagged letters (scripts/bench-tagging 10000): level 6 made the smallest files but cost
/// 12% of all the run's CPU on the one thread that writes; with the page, link and bookmark
/// dictionaries in the object streams too, level 1 is 4% over untagged in bytes per page
/// where level 6 with plain page dictionaries was 15%.
const OBJECT_STREAM_COMPRESSION: u8 = 1;

/// Bytes of cross-reference stream rows handed to its compressor at a time.
const XREF_ROWS_BUFFER: usize = 64 * 1024;

/// Objects are written without pdf-writer's pretty-printing (its default puts every dictionary
/// entry on a line of its own, indented): a third of a tagged letter's small objects was
/// newlines and spaces, all of it compressed on the one thread that writes.
const COMPACT: Settings = Settings { pretty: false };

/// An empty chunk that writes compact objects.
fn compact() -> Chunk {
    Chunk::with_settings(COMPACT)
}

/// Document metadata for the PDF's Info dictionary.
#[derive(Debug, Clone, Default)]
pub struct DocInfo {
    pub title: Option<String>,
    pub author: Option<String>,
    pub creator: Option<String>,
    pub producer: Option<String>,
    /// Creation time in Unix seconds (UTC). The caller passes SOURCE_DATE_EPOCH here when it
    /// is set, for reproducible output; `None` writes no date.
    pub created: Option<i64>,
    /// PDF/A-2b: XMP metadata with the `pdfaid` identifiers and an sRGB output intent.
    pub pdf_a: bool,
    /// The file is a tagged PDF (PDF/UA-1): marked content, a structure tree, `/Lang`; the
    /// XMP metadata also claims `pdfuaid:part 1`.
    pub tagged: bool,
    /// The document's natural language, a BCP 47 tag (e.g. `en-US`), written as `/Lang`.
    pub lang: Option<String>,
}

impl DocInfo {
    /// The metadata of a document lettermerge made: title, author, this program as creator
    /// and producer, and the creation time.
    pub fn lettermerge(title: String, author: Option<String>, created: Option<i64>) -> DocInfo {
        DocInfo {
            title: Some(title),
            author,
            creator: Some("lettermerge".to_string()),
            producer: Some(concat!("lettermerge ", env!("CARGO_PKG_VERSION")).to_string()),
            created,
            ..DocInfo::default()
        }
    }

    /// The same, as PDF/A-2b when `pdf_a` is true.
    pub fn with_pdf_a(mut self, pdf_a: bool) -> DocInfo {
        self.pdf_a = pdf_a;
        self
    }

    /// The same, tagged (PDF/UA-1) or not, in the language `lang` (a BCP 47 tag).
    pub fn with_tags(mut self, tagged: bool, lang: &str) -> DocInfo {
        self.tagged = tagged;
        self.lang = Some(lang.to_string());
        self
    }
}

/// Writes one PDF file page by page. Wraps the output in a buffer itself.
pub struct PdfWriter<'a, W: Write> {
    out: BufWriter<W>,
    /// Bytes written so far: the offset of the next object.
    pos: u64,
    fonts: &'a EmbeddedFonts,
    info: DocInfo,
    /// Byte offset of each object, indexed by object number (0 unused).
    offsets: Offsets,
    next_id: i32,
    catalog: Ref,
    page_root: Ref,
    resources: Ref,
    info_ref: Ref,
    /// Pages written so far.
    page_count: usize,
    /// The pages of the newest page-tree node: a node is written as soon as it is full, so
    /// only these (at most PAGES_PER_NODE) are kept, not a reference per page of the batch.
    node_pages: Vec<Ref>,
    /// Intermediate page-tree nodes, one per PAGES_PER_NODE pages (the root's kids).
    nodes: Vec<Ref>,
    /// Type0 font object of each face used in this file (its other objects follow it).
    font_refs: Vec<Option<Ref>>,
    /// Image XObject (and soft mask) of each image used in this file.
    image_refs: Vec<(ImageId, Ref)>,
    /// The outline, written as it grows (see [`PdfWriter::add_bookmark`]).
    outline: Outline,
    /// The structure tree of a tagged file, written letter by letter.
    tagging: Option<Tagging>,
    /// Some objects are in object streams: the file ends with a cross-reference stream.
    object_streams: bool,
    /// Structure elements of the last few letters, not yet written: objects and their
    /// offsets in the chunk, and how many letters they hold.
    pending: (ObjectBuf, usize),
}

/// The outline's state: each entry is written once the next one is known (it needs its
/// `Next`), so only the last stays in memory, however many letters the batch holds.
#[derive(Default)]
struct Outline {
    root: Option<Ref>,
    first: Option<Ref>,
    count: usize,
    /// The newest entry, not yet written.
    pending: Option<Bookmark>,
}

/// An outline entry waiting for the next one (its `Next`) and for its page.
struct Bookmark {
    id: Ref,
    prev: Option<Ref>,
    title: String,
    /// Index of the page it opens, and that page once written.
    page_index: usize,
    page: Option<Ref>,
}

/// A link area of an encoded page (top-left origin, like [`Item::Link`]).
pub(super) struct LinkArea {
    pub(super) x: f32,
    pub(super) y: f32,
    pub(super) width: f32,
    pub(super) height: f32,
    pub(super) uri: String,
}

/// A page's content stream built and compressed once, so the same page can go into its own
/// letter file and into the print batch without being encoded twice (compression is the
/// largest single cost of writing a page).
pub struct EncodedPage {
    pub(super) width: f32,
    pub(super) height: f32,
    pub(super) stream: Vec<u8>,
    pub(super) refs: PageRefs,
    pub(super) links: Vec<LinkArea>,
    /// The page's share of its letter's structure (tagged pages only).
    pub(super) tags: Option<EncodedTags>,
}

impl EncodedPage {
    /// Builds and compresses the content stream of `page`. Its glyphs must have been shown
    /// to the [`super::GlyphUsage`] that `fonts` were prepared from.
    pub fn encode(page: &Page, fonts: &EmbeddedFonts) -> io::Result<EncodedPage> {
        let mut content = Vec::with_capacity(16 * 1024);
        let mut refs = PageRefs::default();
        page_content(page, fonts, &mut content, &mut refs).map_err(|m| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "glyph {} of font {} is not in the prepared font subset \
                     (every page must be added to GlyphUsage before EmbeddedFonts::prepare)",
                    m.glyph, m.face
                ),
            )
        })?;
        let mut deflate = Deflater::take(CONTENT_COMPRESSION);
        let stream = deflate.zlib(&content).to_vec();
        deflate.give_back();
        let spans = page.tags.as_ref().map_or(&[][..], |t| &t.spans[..]);
        let mut link_nodes = Vec::new();
        let links = page
            .items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| match item {
                Item::Link {
                    x,
                    y,
                    width,
                    height,
                    uri,
                    // The layout only makes web and mail links; checked again here, where the
                    // annotation is written, so no other target can ever become clickable.
                } if crate::letter::is_safe_link(uri) => Some({
                    // The node of the span this link falls in: the paragraph it is part of.
                    let node = spans
                        .iter()
                        .take_while(|&&(at, _)| at as usize <= index)
                        .last()
                        .map_or(ARTIFACT, |&(_, node)| node);
                    link_nodes.push(node);
                    LinkArea {
                        x: *x,
                        y: *y,
                        width: *width,
                        height: *height,
                        uri: uri.clone(),
                    }
                }),
                _ => None,
            })
            .collect();
        let tags = page.tags.as_ref().map(|t| EncodedTags {
            structure: Arc::clone(&t.structure),
            first: t.first,
            mcids: std::mem::take(&mut refs.mcids),
            links: link_nodes,
        });
        Ok(EncodedPage {
            width: page.width,
            height: page.height,
            stream,
            refs,
            links,
            tags,
        })
    }
}

impl<'a, W: Write> PdfWriter<'a, W> {
    /// Starts a PDF on `out` (the header is written at once).
    pub fn new(out: W, fonts: &'a EmbeddedFonts, info: DocInfo) -> io::Result<Self> {
        let mut writer = PdfWriter {
            out: BufWriter::with_capacity(64 * 1024, out),
            pos: 0,
            fonts,
            info,
            offsets: Offsets::new(),
            next_id: 1,
            catalog: Ref::new(1),
            page_root: Ref::new(1),
            resources: Ref::new(1),
            info_ref: Ref::new(1),
            page_count: 0,
            node_pages: Vec::with_capacity(PAGES_PER_NODE),
            nodes: Vec::new(),
            font_refs: vec![None; fonts.faces.len()],
            image_refs: Vec::new(),
            outline: Outline::default(),
            tagging: None,
            object_streams: false,
            pending: (ObjectBuf::default(), 0),
        };
        writer.catalog = writer.alloc(1);
        writer.page_root = writer.alloc(1);
        writer.resources = writer.alloc(1);
        writer.info_ref = writer.alloc(1);
        if writer.info.tagged {
            let root = writer.alloc(2);
            writer.tagging = Some(Tagging::new(root, Ref::new(root.get() + 1)));
        }
        // The binary comment tells transfer tools the file is not text.
        writer.write_raw(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        Ok(writer)
    }

    /// Writes one page. Its images must be in `images`; its glyphs must have been shown to
    /// the [`super::GlyphUsage`] the fonts were prepared from.
    pub fn add_page(&mut self, page: &Page, images: &ImageStore) -> io::Result<()> {
        let encoded = EncodedPage::encode(page, self.fonts)?;
        self.add_encoded(&encoded, images)
    }

    /// Writes a page encoded once with [`EncodedPage::encode`] (with the same fonts).
    pub fn add_encoded(&mut self, page: &EncodedPage, images: &ImageStore) -> io::Result<()> {
        if self.info.pdf_a && page.refs.notdef {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a character the font has no glyph for would print as a box (.notdef), which \
                 PDF/A forbids (the warning about it names the character and its row); replace \
                 the character, give a font that has it, or turn PDF/A off",
            ));
        }
        for &face in &page.refs.fonts {
            if self.font_refs[face].is_none() {
                // Type0, CIDFont, descriptor, program, ToUnicode.
                self.font_refs[face] = Some(self.alloc(5));
            }
        }
        for &image in &page.refs.images {
            if self.image_refs.iter().all(|&(id, _)| id != image) {
                let data = images.get(image).ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("image {image} is not in the image store"),
                    )
                })?;
                let has_mask = matches!(data.data, ImageData::Pixels { alpha: Some(_), .. });
                let first = self.alloc(if has_mask { 2 } else { 1 });
                self.image_refs.push((image, first));
            }
        }

        // A letter's first page: the one before is complete, its elements can be written.
        let tags = page.tags.as_ref().filter(|_| self.tagging.is_some());
        if let Some(tags) = tags.filter(|t| t.first) {
            self.end_letter()?;
            let base = self.alloc(tags.structure.nodes.len());
            if let Some(tagging) = &mut self.tagging {
                tagging.start_letter(Arc::clone(&tags.structure), base)?;
            }
        }
        let tagged = tags.is_some() && self.tagging.as_ref().is_some_and(|t| t.in_letter());

        let content_ref = self.alloc(1);
        let mut chunk = Chunk::with_settings_and_capacity(COMPACT, page.stream.len() + 64);
        chunk
            .stream(content_ref, &page.stream)
            .filter(Filter::FlateDecode);
        self.write_chunk(content_ref, &chunk)?;

        let mut annots = Vec::new();
        let mut link_elems = Vec::new();
        for (i, link) in page.links.iter().enumerate() {
            let id = self.alloc(1);
            let mut chunk = compact();
            let mut annot = chunk.annotation(id);
            if tagged {
                let elem = self.next_ref();
                let node = tags
                    .and_then(|t| t.links.get(i).copied())
                    .unwrap_or(ARTIFACT);
                if let Some(tagging) = &mut self.tagging {
                    annot.struct_parent(tagging.parent_key(elem)?);
                    link_elems.push((node, elem, id));
                }
                // Screen readers announce a link by its description.
                annot.contents(TextStr(&link.uri));
                self.alloc(1);
            }
            annot
                .subtype(AnnotationType::Link)
                .rect(Rect::new(
                    link.x,
                    page.height - link.y - link.height,
                    link.x + link.width,
                    page.height - link.y,
                ))
                .border(0.0, 0.0, 0.0, None)
                // Printed with the page (PDF/A asks every annotation to be printable).
                .flags(AnnotationFlags::PRINT);
            annot
                .action()
                .action_type(ActionType::Uri)
                .uri(Str(ascii_uri(&link.uri).as_bytes()));
            annot.finish();
            self.put_object(id, &chunk)?;
            annots.push(id);
        }

        if self.page_count.is_multiple_of(PAGES_PER_NODE) {
            let node = self.alloc(1);
            self.nodes.push(node);
        }
        let parent = *self.nodes.last().unwrap_or(&self.page_root);
        let page_ref = self.alloc(1);
        let mut chunk = compact();
        let mut obj = chunk.page(page_ref);
        obj.parent(parent)
            .media_box(Rect::new(0.0, 0.0, page.width, page.height))
            .contents(content_ref);
        obj.pair(Name(b"Resources"), self.resources);
        if !annots.is_empty() {
            obj.annotations(annots);
        }
        let mut array_taken = false;
        if let (Some(tagging), Some(tags), true) = (&mut self.tagging, tags, tagged) {
            // The page's ParentTree entry: the element of each MCID, an array written with
            // the letter's elements.
            let array = Ref::new(self.next_id);
            obj.struct_parents(tagging.parent_key(array)?);
            obj.tab_order(pdf_writer::types::TabOrder::StructureOrder);
            tagging.add_page(page_ref, array, &tags.mcids, link_elems);
            array_taken = true;
        }
        obj.finish();
        if array_taken {
            self.alloc(1);
        }
        self.put_object(page_ref, &chunk)?;
        if let Some(bookmark) = &mut self.outline.pending {
            if bookmark.page_index == self.page_count {
                bookmark.page = Some(page_ref);
            }
        }
        self.page_count += 1;
        self.node_pages.push(page_ref);
        if self.node_pages.len() == PAGES_PER_NODE {
            self.write_page_node()?;
        }
        Ok(())
    }

    /// Writes the newest page-tree node (its pages are all written) and forgets its pages.
    fn write_page_node(&mut self) -> io::Result<()> {
        let Some(&node) = self.nodes.last() else {
            return Ok(());
        };
        if self.node_pages.is_empty() {
            return Ok(());
        }
        let mut chunk = compact();
        chunk
            .pages(node)
            .parent(self.page_root)
            .kids(self.node_pages.iter().copied())
            .count(self.node_pages.len() as i32);
        self.put_object(node, &chunk)?;
        self.node_pages.clear();
        Ok(())
    }

    /// Adds an outline entry (bookmark) pointing at the page with this index (0-based): the
    /// next page to be added, or one of the newest few (the file keeps no list of all its
    /// pages). The entry goes to the file when the next one is added (or at `finish`), so
    /// its page must be added before then.
    pub fn add_bookmark(&mut self, title: &str, page_index: usize) -> io::Result<()> {
        let written = self.page_count - self.node_pages.len();
        let page = match page_index.checked_sub(written) {
            Some(k) if k < self.node_pages.len() => Some(self.node_pages[k]),
            _ if page_index >= self.page_count => None,
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "a bookmark must open the next page or one of the newest (page \
                         {page_index} of {})",
                        self.page_count
                    ),
                ))
            }
        };
        let root = match self.outline.root {
            Some(root) => root,
            None => {
                let root = self.alloc(1);
                self.outline.root = Some(root);
                root
            }
        };
        let id = self.alloc(1);
        let prev = match self.outline.pending.take() {
            Some(pending) => {
                let prev = pending.id;
                self.write_outline_item(root, pending, Some(id))?;
                Some(prev)
            }
            None => None,
        };
        self.outline.first.get_or_insert(id);
        self.outline.count += 1;
        self.outline.pending = Some(Bookmark {
            id,
            prev,
            title: title.to_string(),
            page_index,
            page,
        });
        Ok(())
    }

    fn write_outline_item(
        &mut self,
        root: Ref,
        Bookmark {
            id,
            prev,
            title,
            page,
            ..
        }: Bookmark,
        next: Option<Ref>,
    ) -> io::Result<()> {
        let mut chunk = compact();
        let mut item = chunk.outline_item(id);
        item.title(TextStr(&title)).parent(root);
        if let Some(prev) = prev {
            item.prev(prev);
        }
        if let Some(next) = next {
            item.next(next);
        }
        // An entry whose page never came has no destination (it still opens the outline).
        if let Some(page) = page {
            item.dest().page(page).xyz(0.0, 10_000.0, None);
        }
        item.finish();
        self.put_object(id, &chunk)
    }

    /// Writes a small object (not a stream): into the pending object stream while the file
    /// has them (a tagged file: its page, annotation and bookmark dictionaries compress to a
    /// fraction with the letter's elements), else as a plain object.
    fn put_object(&mut self, id: Ref, chunk: &Chunk) -> io::Result<()> {
        if self.tagging.is_none() {
            return self.write_chunk(id, chunk);
        }
        self.pending.0.add(id, chunk);
        Ok(())
    }

    /// The object number the next `alloc` hands out.
    fn next_ref(&self) -> Ref {
        Ref::new(self.next_id)
    }

    /// Writes the structure elements of the letter being written, if any.
    fn end_letter(&mut self) -> io::Result<()> {
        let Some(tagging) = &mut self.tagging else {
            return Ok(());
        };
        let (objects, letters) = &mut self.pending;
        tagging.end_letter(objects);
        *letters += 1;
        if *letters >= LETTERS_PER_OBJECT_STREAM || objects.len() >= OBJECT_STREAM_MAX_BYTES {
            self.flush_pending()?;
        }
        Ok(())
    }

    /// Writes the pending letters' elements as one object stream.
    fn flush_pending(&mut self) -> io::Result<()> {
        let (mut objects, _) = std::mem::take(&mut self.pending);
        self.write_object_stream(&objects)?;
        // The buffers are kept for the next letters (they grow to a stream's size once).
        objects.clear();
        self.pending.0 = objects;
        Ok(())
    }

    /// Writes `objects` compressed together as one object stream: a letter's few dozen
    /// small structure elements cost a few hundred bytes instead of a few kilobytes. The
    /// file then ends with a cross-reference stream, which can point into object streams.
    fn write_object_stream(&mut self, objects: &ObjectBuf) -> io::Result<()> {
        if objects.is_empty() {
            return Ok(());
        }
        let body = objects.body();
        let list = objects.objects();
        if list.len() >= 1 << OBJSTM_INDEX_BITS {
            // More than an object stream's index can say (one letter of tens of thousands
            // of paragraphs): written as plain objects instead.
            for (k, &(id, start)) in list.iter().enumerate() {
                self.offsets.set(id.get() as usize, self.pos)?;
                let head = format!("{} 0 obj\n", id.get());
                self.write_raw(head.as_bytes())?;
                self.write_raw(&body[start..objects.end_of(k)])?;
                self.write_raw(b"\nendobj\n")?;
            }
            return Ok(());
        }
        let stm = self.alloc(1);
        let mut header = Vec::with_capacity(list.len() * 12);
        for (k, &(id, start)) in list.iter().enumerate() {
            push_int(&mut header, i64::from(id.get()));
            header.push(b' ');
            push_int(&mut header, start as i64);
            header.push(b' ');
            self.offsets.set(
                id.get() as usize,
                IN_OBJECT_STREAM | (u64::from(stm.get() as u32) << OBJSTM_INDEX_BITS) | k as u64,
            )?;
        }
        let first = header.len();
        self.object_streams = true;
        // Written straight from the compressor's buffer (this runs once per 32 letters on
        // the one thread that writes; every copy showed in profiles).
        let mut deflate = Deflater::take(OBJECT_STREAM_COMPRESSION);
        let compressed = deflate.zlib_parts(&[&header, body]);
        let head = format!(
            "{} 0 obj\n<< /Filter /FlateDecode /Type /ObjStm /N {} /First {first} /Length {} >>\nstream\n",
            stm.get(),
            list.len(),
            compressed.len()
        );
        self.offsets.set(stm.get() as usize, self.pos)?;
        self.write_raw(head.as_bytes())?;
        self.write_raw(compressed)?;
        self.write_raw(b"\nendstream\nendobj\n")?;
        deflate.give_back();
        Ok(())
    }

    pub fn page_count(&self) -> usize {
        self.page_count
    }

    /// Writes fonts, images, page tree, outline, catalog, info and cross-reference table,
    /// flushes, and hands back the output.
    pub fn finish(mut self, images: &ImageStore) -> io::Result<W> {
        if self.page_count == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a PDF needs at least one page",
            ));
        }
        // Two more objects come (metadata and profile), after the fonts and images.
        if self.info.pdf_a && self.offsets.len() + self.font_refs.len() * 5 + 2 > PDF_A_MAX_OBJECTS
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "this file would have more than {PDF_A_MAX_OBJECTS} objects, more than a \
                     PDF/A file may hold; split the batch (--split) or turn PDF/A off"
                ),
            ));
        }
        self.write_fonts()?;
        self.write_images(images)?;
        self.write_resources()?;
        self.write_page_tree()?;
        let outline = self.write_outline()?;
        let struct_root = self.write_structure()?;
        let (metadata, profile) = self.write_archival()?;

        let mut chunk = compact();
        let mut catalog = chunk.indirect(self.catalog).start::<Catalog>();
        catalog.pages(self.page_root);
        if let Some(outline) = outline {
            catalog.outlines(outline).page_mode(PageMode::UseOutlines);
        }
        if let Some(metadata) = metadata {
            catalog.metadata(metadata);
        }
        if let Some(profile) = profile {
            catalog
                .output_intents()
                .push()
                .subtype(OutputIntentSubtype::PDFA)
                .output_condition_identifier(TextStr(SRGB_DESCRIPTION))
                .info(TextStr(SRGB_DESCRIPTION))
                .dest_output_profile(profile);
        }
        // Tagged PDF (PDF/UA-1): the structure, the language, the title shown, not the name.
        if let Some(root) = struct_root {
            catalog.pair(Name(b"StructTreeRoot"), root);
            catalog.mark_info().marked(true);
            catalog.viewer_preferences().display_doc_title(true);
        }
        if let Some(lang) = &self.info.lang {
            catalog.lang(TextStr(lang));
        }
        catalog.finish();
        self.write_chunk(self.catalog, &chunk)?;

        let mut chunk = compact();
        let mut doc = chunk.indirect(self.info_ref).start::<DocumentInfo>();
        if let Some(title) = &self.info.title {
            doc.title(TextStr(title));
        }
        if let Some(author) = &self.info.author {
            doc.author(TextStr(author));
        }
        if let Some(creator) = &self.info.creator {
            doc.creator(TextStr(creator));
        }
        if let Some(producer) = &self.info.producer {
            doc.producer(TextStr(producer));
        }
        if let Some(date) = self.info.created.and_then(pdf_date) {
            doc.creation_date(date);
            if self.info.pdf_a {
                // PDF/A: the XMP's ModifyDate is there, so Info's ModDate must match it.
                doc.modified_date(date);
            }
        }
        doc.finish();
        self.write_chunk(self.info_ref, &chunk)?;

        self.write_xref()?;
        self.out.flush()?;
        self.out.into_inner().map_err(|e| e.into_error())
    }

    /// The XMP metadata stream (PDF/A or tagged) and the output intent's sRGB profile
    /// (PDF/A), each once per file.
    fn write_archival(&mut self) -> io::Result<(Option<Ref>, Option<Ref>)> {
        let claims = xmp::Claims {
            pdf_a: self.info.pdf_a,
            pdf_ua: self.info.tagged,
        };
        if !claims.pdf_a && !claims.pdf_ua {
            return Ok((None, None));
        }
        let metadata = self.alloc(1);
        let packet = xmp::packet(&self.info, claims);
        let mut chunk = compact();
        // Uncompressed: PDF/A forbids a filter on the metadata stream.
        chunk.metadata(metadata, &packet);
        self.write_chunk(metadata, &chunk)?;
        if !claims.pdf_a {
            return Ok((Some(metadata), None));
        }
        let profile = self.alloc(1);
        let mut chunk = compact();
        chunk
            .icc_profile(profile, srgb_profile_zlib())
            .n(3)
            .filter(Filter::FlateDecode);
        self.write_chunk(profile, &chunk)?;
        Ok((Some(metadata), Some(profile)))
    }

    /// The last letter's elements, the Document element, the ParentTree and the
    /// StructTreeRoot of a tagged file; returns the root.
    fn write_structure(&mut self) -> io::Result<Option<Ref>> {
        if self.tagging.is_none() {
            return Ok(None);
        }
        self.end_letter()?;
        self.flush_pending()?;
        let Some(mut tagging) = self.tagging.take() else {
            return Ok(None);
        };
        let (root, document) = (tagging.root, tagging.document());
        self.offsets.set(document.get() as usize, self.pos)?;
        tagging.write_document(&mut |bytes| self.write_raw(bytes))?;
        let leaves = tagging.leaf_count();
        let first = self.alloc(leaves + 1);
        let mut objects = ObjectBuf::default();
        tagging.write_tree(&mut objects, first);
        // The ParentTree's leaves compress well too; they go a slice at a time, so the
        // buffers stay small however many pages.
        self.write_object_stream(&objects)?;
        let mut values = tagging.parent_values()?;
        for start in (0..leaves).step_by(LEAVES_PER_OBJECT_STREAM) {
            let mut objects = ObjectBuf::default();
            let end = (start + LEAVES_PER_OBJECT_STREAM).min(leaves);
            Tagging::write_leaves(&mut values, &mut objects, first, start..end)?;
            self.write_object_stream(&objects)?;
        }
        Ok(Some(root))
    }

    fn write_fonts(&mut self) -> io::Result<()> {
        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        for face_index in 0..self.font_refs.len() {
            let (Some(type0), Some(face)) =
                (self.font_refs[face_index], self.fonts.face(face_index))
            else {
                continue;
            };
            let [cid, descriptor, program, cmap] = [1, 2, 3, 4].map(|i| Ref::new(type0.get() + i));
            let base = Name(face.base_font.as_bytes());

            let mut chunk = compact();
            chunk
                .type0_font(type0)
                .base_font(base)
                .encoding_predefined(Name(b"Identity-H"))
                .descendant_font(cid)
                .to_unicode(cmap);
            self.write_chunk(type0, &chunk)?;

            let mut chunk = compact();
            let mut cid_font = chunk.cid_font(cid);
            cid_font
                .subtype(match face.outlines {
                    Outlines::Cff => CidFontType::Type0,
                    Outlines::TrueType => CidFontType::Type2,
                })
                .base_font(base)
                .system_info(system_info)
                .font_descriptor(descriptor);
            if face.outlines == Outlines::TrueType {
                cid_font.cid_to_gid_map_predefined(Name(b"Identity"));
            }
            cid_font
                .widths()
                .consecutive(0, face.widths.iter().copied());
            cid_font.finish();
            self.write_chunk(cid, &chunk)?;

            let mut chunk = compact();
            write_descriptor(&mut chunk, descriptor, program, face);
            self.write_chunk(descriptor, &chunk)?;

            let mut chunk = compact();
            let mut stream = chunk.stream(program, &face.program);
            stream.filter(Filter::FlateDecode);
            match face.outlines {
                Outlines::Cff => {
                    stream.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
                }
                Outlines::TrueType => {
                    stream.pair(Name(b"Length1"), face.program_len as i32);
                }
            }
            stream.finish();
            self.write_chunk(program, &chunk)?;

            let mut chunk = compact();
            chunk
                .stream(cmap, &face.to_unicode)
                .filter(Filter::FlateDecode);
            self.write_chunk(cmap, &chunk)?;
        }
        Ok(())
    }

    fn write_images(&mut self, images: &ImageStore) -> io::Result<()> {
        for index in 0..self.image_refs.len() {
            let (image_id, image_ref) = self.image_refs[index];
            let Some(image) = images.get(image_id) else {
                continue;
            };
            let (w, h) = (image.width as i32, image.height as i32);
            let mut chunk = compact();
            match &image.data {
                ImageData::Jpeg {
                    bytes,
                    components,
                    inverted_cmyk,
                } => {
                    if *components == 4 && self.info.pdf_a {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            format!(
                                "{} is a CMYK JPEG, which a PDF/A file with an sRGB output \
                                 intent cannot hold; save it as an RGB JPEG or a PNG, or \
                                 turn PDF/A off",
                                images.path_of(image_id).map_or_else(
                                    || format!("image {image_id}"),
                                    |p| p.display().to_string()
                                )
                            ),
                        ));
                    }
                    let mut x = chunk.image_xobject(image_ref, bytes);
                    x.width(w).height(h).bits_per_component(8);
                    x.filter(Filter::DctDecode);
                    match components {
                        1 => x.color_space().device_gray(),
                        4 => x.color_space().device_cmyk(),
                        _ => x.color_space().device_rgb(),
                    };
                    if *inverted_cmyk {
                        x.decode([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
                    }
                    x.finish();
                    self.write_chunk(image_ref, &chunk)?;
                }
                ImageData::Pixels {
                    components,
                    compressed,
                    alpha,
                } => {
                    let mask_ref = Ref::new(image_ref.get() + 1);
                    let mut x = chunk.image_xobject(image_ref, compressed);
                    x.width(w).height(h).bits_per_component(8);
                    x.filter(Filter::FlateDecode);
                    if *components == 1 {
                        x.color_space().device_gray();
                    } else {
                        x.color_space().device_rgb();
                    }
                    if alpha.is_some() {
                        x.s_mask(mask_ref);
                    }
                    x.finish();
                    self.write_chunk(image_ref, &chunk)?;
                    if let Some(alpha) = alpha {
                        let mut chunk = compact();
                        let mut m = chunk.image_xobject(mask_ref, alpha);
                        m.width(w).height(h).bits_per_component(8);
                        m.filter(Filter::FlateDecode);
                        m.color_space().device_gray();
                        m.finish();
                        self.write_chunk(mask_ref, &chunk)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// One resource dictionary shared by all pages: every font and image of the file.
    fn write_resources(&mut self) -> io::Result<()> {
        let mut chunk = compact();
        let mut res = chunk.indirect(self.resources).dict();
        {
            let mut fonts = res.insert(Name(b"Font")).dict();
            for (face, r) in self.font_refs.iter().enumerate() {
                if let Some(r) = r {
                    fonts.pair(Name(format!("F{face}").as_bytes()), *r);
                }
            }
        }
        if !self.image_refs.is_empty() {
            let mut xobjects = res.insert(Name(b"XObject")).dict();
            for (image, r) in &self.image_refs {
                xobjects.pair(Name(format!("I{image}").as_bytes()), *r);
            }
        }
        res.finish();
        self.write_chunk(self.resources, &chunk)
    }

    /// The last page-tree node (the full ones are written already) and the root.
    fn write_page_tree(&mut self) -> io::Result<()> {
        self.write_page_node()?;
        let mut chunk = compact();
        chunk
            .pages(self.page_root)
            .kids(self.nodes.iter().copied())
            .count(self.page_count as i32);
        self.write_chunk(self.page_root, &chunk)
    }

    /// The last entry and the outline's root.
    fn write_outline(&mut self) -> io::Result<Option<Ref>> {
        let (Some(root), Some(first), Some(pending)) = (
            self.outline.root,
            self.outline.first,
            self.outline.pending.take(),
        ) else {
            return Ok(None);
        };
        let last = pending.id;
        self.write_outline_item(root, pending, None)?;
        let mut chunk = compact();
        chunk
            .outline(root)
            .first(first)
            .last(last)
            .count(self.outline.count as i32);
        self.write_chunk(root, &chunk)?;
        Ok(Some(root))
    }

    /// The cross-reference table, streamed entry by entry (20 bytes an object: a batch of
    /// half a million letters has 1.5 million).
    fn write_xref(&mut self) -> io::Result<()> {
        if self.object_streams {
            return self.write_xref_stream();
        }
        let start = self.pos;
        let count = self.offsets.len();
        let file_id = self.file_id()?;
        let mut head = Vec::new();
        write!(head, "xref\n0 {count}\n")?;
        self.write_raw(&head)?;
        let mut first = true;
        let (out, pos) = (&mut self.out, &mut self.pos);
        self.offsets.for_each(|offset| {
            let entry = if std::mem::take(&mut first) || offset == 0 {
                // Object 0, and any reserved but never written: free, so the table stays valid.
                *b"0000000000 65535 f \n"
            } else {
                let mut e = *b"0000000000 00000 n \n";
                e[..10].copy_from_slice(format!("{offset:010}").as_bytes());
                e
            };
            out.write_all(&entry)?;
            *pos += entry.len() as u64;
            Ok(())
        })?;
        let mut tail = Vec::new();
        write!(
            tail,
            "trailer\n<< /Size {count} /Root {} 0 R /Info {} 0 R /ID [<{file_id}> <{file_id}>] >>\nstartxref\n{start}\n%%EOF\n",
            self.catalog.get(),
            self.info_ref.get(),
        )?;
        self.write_raw(&tail)
    }

    /// The cross-reference table as a stream (PDF 1.5), for a file with object streams:
    /// rows of type (1 byte), offset or object stream (5 bytes), generation or index (2).
    /// The rows are made, predicted and compressed as the offsets are read, into an unnamed
    /// temporary file (a batch of half a million tagged letters has some ten million
    /// objects: their rows are not held in memory), then copied behind the dictionary.
    fn write_xref_stream(&mut self) -> io::Result<()> {
        let id = self.alloc(1);
        let start = self.pos;
        self.offsets.set(id.get() as usize, start)?;
        let file_id = self.file_id()?;
        let count = self.offsets.len();
        let spill = BufWriter::new(tempfile::tempfile()?);
        let mut z = flate2::write::ZlibEncoder::new(
            spill,
            flate2::Compression::new(u32::from(OBJECT_STREAM_COMPRESSION)),
        );
        // The PNG "Up" predictor: each row as its difference from the row above, which is
        // mostly zeros (offsets grow a little, in-stream entries count up), so it deflates
        // to a fraction of the plain rows.
        let mut above = [0u8; 8];
        let mut first = true;
        // Rows go to the compressor 64 KiB at a time: a write per 9-byte row ran the
        // compressor's whole entry path per row (a fifth of a tagged file's finish).
        let mut rows: Vec<u8> = Vec::with_capacity(XREF_ROWS_BUFFER);
        self.offsets.for_each(|offset| {
            let mut row = [0u8; 8];
            if std::mem::take(&mut first) || offset == 0 {
                // Object 0, and any reserved but never written: free.
                row = [0, 0, 0, 0, 0, 0, 0xff, 0xff];
            } else if offset & IN_OBJECT_STREAM != 0 {
                let stm = (offset & !IN_OBJECT_STREAM) >> OBJSTM_INDEX_BITS;
                let index = offset & ((1 << OBJSTM_INDEX_BITS) - 1);
                row[0] = 2;
                row[1..6].copy_from_slice(&stm.to_be_bytes()[3..]);
                row[6..].copy_from_slice(&(index as u16).to_be_bytes());
            } else {
                row[0] = 1;
                row[1..6].copy_from_slice(&offset.to_be_bytes()[3..]);
            }
            let mut predicted = [2u8; 9];
            for (i, (b, a)) in row.iter().zip(above.iter()).enumerate() {
                predicted[i + 1] = b.wrapping_sub(*a);
            }
            above = row;
            rows.extend_from_slice(&predicted);
            if rows.len() + predicted.len() > XREF_ROWS_BUFFER {
                z.write_all(&rows)?;
                rows.clear();
            }
            Ok(())
        })?;
        z.write_all(&rows)?;
        let mut file = z.finish()?.into_inner().map_err(|e| e.into_error())?;
        let length = file.stream_position()?;
        file.seek(SeekFrom::Start(0))?;
        let mut head = Vec::with_capacity(300);
        write!(
            head,
            "{} 0 obj\n<< /Type /XRef /Size {count} /W [1 5 2] /Root {} 0 R /Info {} 0 R /ID [<{file_id}> <{file_id}>] /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 8 >> /Length {length} >>\nstream\n",
            id.get(),
            self.catalog.get(),
            self.info_ref.get(),
        )?;
        self.write_raw(&head)?;
        let copied = io::copy(&mut file, &mut self.out)?;
        self.pos += copied;
        let mut tail = Vec::new();
        write!(tail, "\nendstream\nendobj\nstartxref\n{start}\n%%EOF\n")?;
        self.write_raw(&tail)
    }

    /// A file identifier derived from the content we wrote, so equal inputs give equal files.
    fn file_id(&self) -> io::Result<String> {
        let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
        let mut feed = |bytes: &[u8]| {
            for &b in bytes {
                hash ^= u128::from(b);
                hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
            }
        };
        feed(&self.pos.to_le_bytes());
        feed(&(self.page_count as u64).to_le_bytes());
        feed(self.info.title.as_deref().unwrap_or("").as_bytes());
        feed(&self.info.created.unwrap_or(0).to_le_bytes());
        self.offsets.for_each(|offset| {
            feed(&offset.to_le_bytes());
            Ok(())
        })?;
        Ok(format!("{hash:032X}"))
    }

    /// Reserves `n` consecutive object numbers and returns the first.
    fn alloc(&mut self, n: usize) -> Ref {
        let first = self.next_id;
        self.next_id += n as i32;
        self.offsets.grow(self.next_id as usize);
        Ref::new(first)
    }

    fn write_chunk(&mut self, id: Ref, chunk: &Chunk) -> io::Result<()> {
        self.offsets.set(id.get() as usize, self.pos)?;
        self.write_raw(chunk.as_bytes())
    }

    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }
}

fn write_descriptor(chunk: &mut Chunk, id: Ref, program: Ref, face: &EmbeddedFace) {
    let mut flags = FontFlags::SYMBOLIC;
    if face.italic_angle != 0.0 {
        flags |= FontFlags::ITALIC;
    }
    if face.fixed_pitch {
        flags |= FontFlags::FIXED_PITCH;
    }
    if face.serif {
        flags |= FontFlags::SERIF;
    }
    let [x0, y0, x1, y1] = face.bbox;
    let mut d = chunk.font_descriptor(id);
    d.name(Name(face.base_font.as_bytes()))
        .flags(flags)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(face.italic_angle)
        .ascent(face.ascent)
        .descent(face.descent)
        .cap_height(face.cap_height)
        .stem_v(face.stem_v);
    match face.outlines {
        Outlines::Cff => d.font_file3(program),
        Outlines::TrueType => d.font_file2(program),
    };
    d.finish();
}

/// PDF URIs are 7-bit ASCII: other bytes (and spaces) are percent-encoded, as browsers do.
fn ascii_uri(uri: &str) -> String {
    let mut out = String::with_capacity(uri.len());
    for b in uri.bytes() {
        if b.is_ascii_graphic() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Unix seconds as a PDF date in UTC; `None` outside the years PDF dates can express.
fn pdf_date(secs: i64) -> Option<Date> {
    use chrono::{Datelike, Timelike};
    let t = chrono::DateTime::from_timestamp(secs, 0)?;
    let year = u16::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    Some(
        Date::new(year)
            .month(t.month() as u8)
            .day(t.day() as u8)
            .hour(t.hour() as u8)
            .minute(t.minute() as u8)
            .second(t.second() as u8)
            .utc_offset_hour(0)
            .utc_offset_minute(0),
    )
}

#[cfg(test)]
mod tests {
    use super::{ascii_uri, compact, pdf_date};

    #[test]
    fn uris_are_ascii() {
        assert_eq!(
            ascii_uri("https://example.org/bücher?q=a b"),
            "https://example.org/b%C3%BCcher?q=a%20b"
        );
    }

    #[test]
    fn dates_are_utc() {
        let date = pdf_date(0).unwrap();
        let mut chunk = compact();
        chunk.indirect(pdf_writer::Ref::new(1)).primitive(date);
        let text = String::from_utf8_lossy(chunk.as_bytes()).into_owned();
        assert!(text.contains("(D:19700101000000Z"), "{text}");
    }
}
