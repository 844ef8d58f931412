//! Tests of the PDF writer against poppler (pdftotext, pdffonts, pdfinfo, pdftoppm): what a
//! user would check in the files we write.

use std::path::Path;
use std::process::Command;

use super::fonts::tests::{bundled_font, shaped_run};
use super::{write_pdf_file, DocInfo, EmbeddedFonts, GlyphUsage, PdfWriter};
use crate::images::ImageStore;
use crate::style::Color;
use crate::typeset::fonts::FontSet;
use crate::typeset::page::{Item, Page};

fn poppler(tool: &str, args: &[&str], file: &Path) -> String {
    let mut command = Command::new(tool);
    command.args(args).arg(file);
    if tool == "pdftotext" {
        // Text to stdout instead of a .txt file beside the PDF.
        command.arg("-");
    }
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{tool} not runnable: {e}"));
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Poppler reports broken syntax, bad xref offsets or font problems on stderr but
    // carries on; any of that is a failure for us.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.trim().is_empty(), "{tool} complained: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn pdf_pages(file: &Path) -> usize {
    let info = poppler("pdfinfo", &[], file);
    let line = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
    line["Pages:".len()..].trim().parse().unwrap()
}

/// A letter-like sample: two faces (CFF serif, TrueType mono), a coloured rule, an RGBA PNG
/// and a link on page 1; more text on page 2.
fn sample(dir: &Path) -> (FontSet, ImageStore, Vec<Page>) {
    let mut serif = bundled_font("LibertinusSerif-Regular");
    let mut mono = bundled_font("DejaVuSansMono");
    let images = ImageStore::default();
    let png = dir.join("logo.png");
    // 2x2: red, translucent green, transparent, blue.
    let rgba = [
        200, 30, 30, 255, 30, 160, 30, 128, 0, 0, 0, 0, 30, 30, 200, 255,
    ];
    write_png_rgba(&png, 2, 2, &rgba);
    let logo = images.load(&png).unwrap();

    let (w, h) = (612.0, 792.0);
    let mut p1 = Page::blank(w, h);
    p1.items.push(Item::Image {
        image: logo,
        x: 72.0,
        y: 40.0,
        width: 60.0,
        height: 60.0,
    });
    p1.items.push(Item::Text(shaped_run(
        &mut serif,
        0,
        "Dear Councillor Smith, welcome to office!",
        12.0,
        72.0,
        160.0,
    )));
    let mut accent = shaped_run(&mut serif, 0, "Affordable difficulties", 14.0, 72.0, 190.0);
    accent.color = Color(0x1b, 0x4f, 0x72);
    p1.items.push(Item::Text(accent));
    p1.items.push(Item::Rule {
        x: 72.0,
        y: 200.0,
        width: 468.0,
        height: 1.0,
        color: Color(0x1b, 0x4f, 0x72),
    });
    p1.items.push(Item::Text(shaped_run(
        &mut mono,
        1,
        "https://library.example.org",
        10.0,
        72.0,
        230.0,
    )));
    p1.items.push(Item::Link {
        x: 72.0,
        y: 220.0,
        width: 170.0,
        height: 12.0,
        uri: "https://library.example.org".into(),
    });
    let mut p2 = Page::blank(w, h);
    p2.items.push(Item::Text(shaped_run(
        &mut serif,
        0,
        "Yours sincerely, the Friends of the Library",
        12.0,
        72.0,
        100.0,
    )));
    let fonts = FontSet {
        faces: vec![serif, mono],
    };
    (fonts, images, vec![p1, p2])
}

fn write_png_rgba(path: &Path, width: u32, height: u32, data: &[u8]) {
    let file = std::fs::File::create(path).unwrap();
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(data).unwrap();
}

fn prepare(fonts: &FontSet, pages: &[Page]) -> EmbeddedFonts {
    let mut usage = GlyphUsage::new(fonts);
    for page in pages {
        usage.add_page(page);
    }
    EmbeddedFonts::prepare(fonts, &usage).unwrap()
}

fn info() -> DocInfo {
    DocInfo {
        title: Some("Welcome, Councillor Smith".into()),
        author: Some("Friends of the Library".into()),
        creator: Some("lettermerge".into()),
        producer: None,
        created: Some(1_700_000_000),
        ..DocInfo::default()
    }
}

#[test]
fn two_page_letter_opens_in_poppler() {
    let dir = tempfile::tempdir().unwrap();
    let (fonts, images, pages) = sample(dir.path());
    let embedded = prepare(&fonts, &pages);
    let file = dir.path().join("letter.pdf");
    write_pdf_file(&file, &pages, &embedded, &images, info()).unwrap();

    assert_eq!(pdf_pages(&file), 2);
    let info = poppler("pdfinfo", &[], &file);
    assert!(info.contains("Welcome, Councillor Smith"), "{info}");
    assert!(info.contains("Friends of the Library"), "{info}");

    let text = poppler("pdftotext", &["-layout"], &file);
    let text = text.replace('\u{a0}', " ");
    assert!(
        text.contains("Dear Councillor Smith, welcome to office!"),
        "{text}"
    );
    assert!(text.contains("Affordable difficulties"), "{text}");
    assert!(text.contains("https://library.example.org"), "{text}");
    assert!(
        text.contains("Yours sincerely, the Friends of the Library"),
        "{text}"
    );

    // The ligature really is one glyph in the file (so ToUnicode did the work).
    let office = fonts.faces[0].glyph_text.values().any(|t| t == "ffi");
    assert!(office, "Libertinus should shape an ffi ligature");

    let table = poppler("pdffonts", &[], &file);
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "{table}");
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type... encoding emb sub uni object ID
        let n = cols.len();
        assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "{row}");
        assert!(cols[0].len() > 7 && cols[0].as_bytes()[6] == b'+', "{row}");
    }
    let squeezed = table.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        squeezed.contains("+LibertinusSerif-Regular CID Type 0C"),
        "{table}"
    );
    assert!(squeezed.contains("+DejaVuSansMono CID TrueType"), "{table}");

    // Link annotations stay uncompressed; a URI action must be there.
    let bytes = std::fs::read(&file).unwrap();
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("/URI(https://library.example.org)"));
    assert!(raw.contains("/SMask"));
    assert!(raw.contains("/CreationDate(D:20231114221320Z"), "date");
    // No temp file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn renders_to_png() {
    let dir = tempfile::tempdir().unwrap();
    let (fonts, images, pages) = sample(dir.path());
    let embedded = prepare(&fonts, &pages);
    let file = dir.path().join("letter.pdf");
    write_pdf_file(&file, &pages, &embedded, &images, info()).unwrap();
    let prefix = dir.path().join("page");
    let out = Command::new("pdftoppm")
        .args(["-r", "60", "-png", "-f", "1", "-l", "1"])
        .arg(&file)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = dir.path().join("page-1.png");
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    assert_eq!((frame.width, frame.height), (510, 660));
    let channels = frame.color_type.samples();
    let pixel = |x: usize, y: usize| {
        let at = y * frame.line_size + x * channels;
        &buf[at..at + 3]
    };
    // Rule at y=200.5pt -> 167px, in the accent colour.
    let rule = pixel(200, 167);
    assert!(rule[2] > rule[0] + 40, "rule pixel {rule:?}");
    // Top-left quarter of the logo (72..102pt, 40..70pt) is red.
    let red = pixel(70, 40);
    assert!(red[0] > 150 && red[1] < 80, "logo pixel {red:?}");
    // Transparent quarter (72..102pt, 70..100pt): white paper shows through.
    let clear = pixel(70, 70);
    assert!(
        clear.iter().all(|&c| c > 240),
        "transparent pixel {clear:?}"
    );
    if let Ok(keep) = std::env::var("LETTERMERGE_KEEP_RENDER") {
        std::fs::copy(&png, keep).unwrap();
        std::fs::copy(&file, dir.path().join("x")).ok();
    }
}

/// JPEGs pass through as DCTDecode; Adobe CMYK JPEGs need the inverted Decode array or
/// they render as negatives.
#[test]
fn jpeg_images_render_with_right_colours() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/images");
    let images = ImageStore::default();
    let rgb = images.load(&data.join("rgb.jpg")).unwrap();
    let cmyk = images.load(&data.join("cmyk.jpg")).unwrap();
    let mut page = Page::blank(120.0, 60.0);
    for (image, x) in [(rgb, 0.0), (cmyk, 60.0)] {
        page.items.push(Item::Image {
            image,
            x,
            y: 0.0,
            width: 48.0,
            height: 32.0,
        });
    }
    let fonts = FontSet { faces: Vec::new() };
    let embedded = prepare(&fonts, std::slice::from_ref(&page));
    let file = dir.path().join("jpeg.pdf");
    write_pdf_file(&file, &[page], &embedded, &images, DocInfo::default()).unwrap();
    let prefix = dir.path().join("jpeg");
    let out = Command::new("pdftoppm")
        .args(["-r", "72", "-png"])
        .arg(&file)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(dir.path().join("jpeg-1.png")).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let pixel = |x: usize, y: usize| {
        let at = y * frame.line_size + x * 3;
        [buf[at], buf[at + 1], buf[at + 2]]
    };
    for left in [0, 60] {
        // Left half red, top right white, bottom right blue (the fixture's drawing).
        let red = pixel(left + 10, 16);
        assert!(
            red[0] > 180 && red[1] < 90 && red[2] < 90,
            "{left}: {red:?}"
        );
        let white = pixel(left + 36, 6);
        assert!(white.iter().all(|&c| c > 200), "{left}: {white:?}");
        let blue = pixel(left + 36, 26);
        // (CMYK blue converts to a darker blue than RGB blue.)
        assert!(blue[2] > 120 && blue[0] < 90, "{left}: {blue:?}");
    }
}

#[test]
fn combined_batch_with_bookmarks_and_shared_image() {
    let dir = tempfile::tempdir().unwrap();
    let (fonts, images, pages) = sample(dir.path());
    let embedded = prepare(&fonts, &pages);
    let file = dir.path().join("batch.pdf");
    let out = std::fs::File::create(&file).unwrap();
    let mut writer = PdfWriter::new(out, &embedded, info()).unwrap();
    for letter in 0..150 {
        writer
            .add_bookmark(&format!("Letter {}", letter + 1), writer.page_count())
            .unwrap();
        for page in &pages {
            writer.add_page(page, &images).unwrap();
        }
    }
    assert_eq!(writer.page_count(), 300);
    writer.finish(&images).unwrap();
    assert_eq!(pdf_pages(&file), 300);
    let bytes = std::fs::read(&file).unwrap();
    let raw = String::from_utf8_lossy(&bytes);
    // One image object (plus its mask) for all 150 uses; one font program per face.
    assert_eq!(raw.matches("/Subtype/Image").count(), 2);
    assert_eq!(raw.matches("/FontFile3").count(), 1);
    assert_eq!(raw.matches("/FontFile2").count(), 1);
    assert_eq!(raw.matches("/Title(Letter ").count(), 150);
    let text = poppler("pdftotext", &["-f", "299", "-l", "300"], &file);
    assert!(text.contains("Dear Councillor Smith"), "{text}");
}

/// The writer keeps only the newest page-tree node's pages: a bookmark opens the next page
/// or one of those, each entry lands on its own page across node boundaries, and a bookmark
/// for a page long written is refused rather than left without a destination.
#[test]
fn bookmarks_open_their_pages_across_page_tree_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let (fonts, images, pages) = sample(dir.path());
    let embedded = prepare(&fonts, &pages);
    let file = dir.path().join("batch.pdf");
    let out = std::fs::File::create(&file).unwrap();
    let mut writer = PdfWriter::new(out, &embedded, info()).unwrap();
    // 70 three-page letters: 210 pages over four nodes of 64.
    for letter in 0..70 {
        let start = writer.page_count();
        for page in 0..3 {
            writer
                .add_page(&pages[page % pages.len()], &images)
                .unwrap();
        }
        // Bookmarked after its pages: the newest node still holds them, unless the node
        // just filled (letters 21, 42 and 63 end a node or straddle one).
        let kept = start >= writer.page_count() / 64 * 64;
        let result = writer.add_bookmark(&format!("Letter {}", letter + 1), start);
        assert_eq!(result.is_ok(), kept, "letter {letter} at page {start}");
    }
    writer.finish(&images).unwrap();
    let json = Command::new("qpdf")
        .args(["--json", "--json-key=outlines"])
        .arg(&file)
        .output()
        .expect("run qpdf");
    let outline: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let entries = outline["outlines"].as_array().unwrap();
    assert!(entries.len() > 40, "{}", entries.len());
    for entry in entries {
        let title = entry["title"].as_str().unwrap();
        let letter: u64 = title.trim_start_matches("Letter ").parse().unwrap();
        assert_eq!(entry["destpageposfrom1"], (letter - 1) * 3 + 1, "{title}");
    }
    assert_eq!(pdf_pages(&file), 210);
}

#[test]
fn letter_without_a_face_does_not_embed_it() {
    let dir = tempfile::tempdir().unwrap();
    let (fonts, images, pages) = sample(dir.path());
    let embedded = prepare(&fonts, &pages);
    let file = dir.path().join("p2.pdf");
    // Page 2 uses only the serif face.
    write_pdf_file(&file, &pages[1..], &embedded, &images, DocInfo::default()).unwrap();
    let table = poppler("pdffonts", &[], &file);
    assert_eq!(table.lines().count(), 3, "{table}");
    let bytes = std::fs::read(&file).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("/XObject"));
}

#[test]
fn page_with_unprepared_glyph_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (mut fonts, images, pages) = sample(dir.path());
    let embedded = prepare(&fonts, &pages[1..]);
    let stray = shaped_run(&mut fonts.faces[0], 0, "Zq", 12.0, 0.0, 10.0);
    let mut page = Page::blank(100.0, 100.0);
    page.items.push(Item::Text(stray));
    let mut writer = PdfWriter::new(Vec::new(), &embedded, DocInfo::default()).unwrap();
    let err = writer.add_page(&page, &images).unwrap_err();
    assert!(err.to_string().contains("GlyphUsage"), "{err}");
}

#[test]
fn output_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let (fonts, images, pages) = sample(dir.path());
    let embedded = prepare(&fonts, &pages);
    let a = super::write_pdf(Vec::new(), &pages, &embedded, &images, info()).unwrap();
    let b = super::write_pdf(Vec::new(), &pages, &embedded, &images, info()).unwrap();
    assert_eq!(a, b);
    assert!(a.starts_with(b"%PDF-1.7"));
    assert!(a.ends_with(b"%%EOF\n"));
}

/// Streams 10,000 pages; memory stays flat (measure with /usr/bin/time -v, see report).
#[test]
fn ten_thousand_pages_stream() {
    let dir = tempfile::tempdir().unwrap();
    let (fonts, images, pages) = sample(dir.path());
    let embedded = prepare(&fonts, &pages);
    let file = dir.path().join("big.pdf");
    let out = std::fs::File::create(&file).unwrap();
    let mut writer = PdfWriter::new(out, &embedded, DocInfo::default()).unwrap();
    for i in 0..10_000 {
        if i % 2 == 0 {
            writer
                .add_bookmark(&format!("Letter {}", i / 2 + 1), i)
                .unwrap();
        }
        writer.add_page(&pages[i % 2], &images).unwrap();
    }
    writer.finish(&images).unwrap();
    assert_eq!(pdf_pages(&file), 10_000);
    let text = poppler("pdftotext", &["-f", "9999", "-l", "9999"], &file);
    assert!(text.contains("Dear Councillor Smith"), "{text}");
}

/// Timing: 1,000 one-page letters, combined and as separate files. Run with
/// `cargo test --release -- --ignored --nocapture bench_`.
#[test]
#[ignore]
fn bench_thousand_letters() {
    use std::time::Instant;
    let dir = tempfile::tempdir().unwrap();
    let (fonts, images, pages) = realistic_letter(dir.path());
    let letter = &pages[..1];
    let embedded = prepare(&fonts, &pages);

    let t = Instant::now();
    let file = dir.path().join("batch.pdf");
    let out = std::fs::File::create(&file).unwrap();
    let mut writer = PdfWriter::new(out, &embedded, info()).unwrap();
    for i in 0..1000 {
        writer.add_bookmark(&format!("Letter {i}"), i).unwrap();
        writer.add_page(&letter[0], &images).unwrap();
    }
    writer.finish(&images).unwrap();
    let combined = t.elapsed();
    let combined_size = std::fs::metadata(&file).unwrap().len();

    let t = Instant::now();
    for i in 0..1000 {
        let path = dir.path().join(format!("letter-{i}.pdf"));
        write_pdf_file(&path, letter, &embedded, &images, info()).unwrap();
    }
    let separate = t.elapsed();
    // Plain File::create, no temp file and rename, to see what those cost.
    let t = Instant::now();
    for i in 0..1000 {
        let path = dir.path().join(format!("plain-{i}.pdf"));
        let file = std::fs::File::create(&path).unwrap();
        super::write_pdf(file, letter, &embedded, &images, info()).unwrap();
    }
    println!("plain files: {:?}", t.elapsed());
    // The same without the file system: our code alone.
    let t = Instant::now();
    let mut bytes = 0;
    for _ in 0..1000 {
        bytes += super::write_pdf(Vec::new(), letter, &embedded, &images, info())
            .unwrap()
            .len();
    }
    let in_memory = t.elapsed();
    assert_eq!(
        bytes as u64,
        1000 * std::fs::metadata(dir.path().join("letter-0.pdf"))
            .unwrap()
            .len()
    );
    let one_size = std::fs::metadata(dir.path().join("letter-0.pdf"))
        .unwrap()
        .len();
    let mut content = Vec::new();
    let mut refs = super::content::PageRefs::default();
    super::content::page_content(&letter[0], &embedded, &mut content, &mut refs)
        .map_err(|_| ())
        .unwrap();
    println!(
        "combined: {combined:?} ({} bytes/letter); separate files: {separate:?}, in memory: {in_memory:?} ({one_size} bytes/file); content stream {} bytes raw",
        combined_size / 1000,
        content.len()
    );
}

/// The sample with a realistic body on page 1: 36 lines of about 90 characters, each
/// different, so compression sees text-like variety rather than one repeated line.
fn realistic_letter(dir: &Path) -> (FontSet, ImageStore, Vec<Page>) {
    let (mut fonts, images, mut pages) = sample(dir);
    let words: Vec<&str> = "We are delighted to welcome you to the council and look forward to \
        working together on library hours, literacy programmes, summer reading, digital access, \
        local history archives, office space for community groups and the budget for new books"
        .split_whitespace()
        .collect();
    for i in 0..36 {
        let mut line = String::new();
        let mut k = i * 7;
        while line.len() < 85 {
            line.push_str(words[k % words.len()]);
            line.push(' ');
            k += i % 5 + 1;
        }
        let y = 260.0 + 14.0 * i as f32;
        let run = shaped_run(&mut fonts.faces[0], 0, line.trim_end(), 11.0, 72.0, y);
        pages[0].items.push(Item::Text(run));
    }
    (fonts, images, pages)
}

/// Peak memory of a 10,000-page streaming write of realistic pages, no poppler involved:
/// `/usr/bin/time -v target/release/deps/lettermerge-* bench_memory --ignored`.
#[test]
#[ignore]
fn bench_memory_ten_thousand_pages() {
    let dir = tempfile::tempdir().unwrap();
    let (fonts, images, pages) = realistic_letter(dir.path());
    let embedded = prepare(&fonts, &pages);
    let file = dir.path().join("big.pdf");
    let out = std::fs::File::create(&file).unwrap();
    let t = std::time::Instant::now();
    let mut writer = PdfWriter::new(out, &embedded, DocInfo::default()).unwrap();
    let pages_total = std::env::var("PAGES")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(10_000);
    for i in 0..pages_total {
        writer
            .add_bookmark(&format!("Letter {}", i + 1), i)
            .unwrap();
        writer.add_page(&pages[0], &images).unwrap();
    }
    writer.finish(&images).unwrap();
    println!(
        "{pages_total} pages in {:?}, {} bytes",
        t.elapsed(),
        std::fs::metadata(&file).unwrap().len()
    );
}

#[test]
#[ignore]
fn bench_parts() {
    use std::time::Instant;
    let dir = tempfile::tempdir().unwrap();
    let (fonts, _images, pages) = realistic_letter(dir.path());
    let embedded = prepare(&fonts, &pages);
    let mut content = Vec::new();
    let t = Instant::now();
    for _ in 0..1000 {
        content.clear();
        let mut refs = super::content::PageRefs::default();
        super::content::page_content(&pages[0], &embedded, &mut content, &mut refs)
            .map_err(|_| ())
            .unwrap();
    }
    println!("content x1000: {:?}", t.elapsed());
    for level in [1u8, 2, 3, 6] {
        let t = Instant::now();
        let mut n = 0;
        for _ in 0..1000 {
            n = miniz_oxide::deflate::compress_to_vec_zlib(&content, level).len();
        }
        println!("level {level}: {:?} -> {n}", t.elapsed());
    }
}

/// Glyph positions survive: a word moved right (as justification does) is where the
/// typesetter put it, so the TJ adjustments have the right sign and size.
#[test]
fn placed_glyph_positions_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut serif = bundled_font("LibertinusSerif-Regular");
    let mut run = shaped_run(&mut serif, 0, "Hello wide world", 20.0, 100.0, 100.0);
    let natural_world_x = run.glyphs[11].x;
    // Push "wide" right by 15pt and "world" by 40pt.
    for (i, glyph) in run.glyphs.iter_mut().enumerate() {
        glyph.x += match i {
            6..=10 => 15.0,
            11.. => 40.0,
            _ => 0.0,
        };
    }
    let mut page = Page::blank(600.0, 200.0);
    page.items.push(Item::Text(run));
    let fonts = FontSet { faces: vec![serif] };
    let embedded = prepare(&fonts, std::slice::from_ref(&page));
    let file = dir.path().join("pos.pdf");
    write_pdf_file(
        &file,
        &[page],
        &embedded,
        &ImageStore::default(),
        DocInfo::default(),
    )
    .unwrap();
    let html = poppler("pdftotext", &["-bbox"], &file);
    let word_x = |word: &str| -> f32 {
        let line = html
            .lines()
            .find(|l| l.contains(&format!(">{word}</word>")))
            .unwrap_or_else(|| panic!("{word} missing: {html}"));
        let start = line.find("xMin=\"").unwrap() + 6;
        let end = start + line[start..].find('"').unwrap();
        line[start..end].parse().unwrap()
    };
    assert!((word_x("Hello") - 100.0).abs() < 0.5, "{html}");
    let expected = 100.0 + natural_world_x + 40.0;
    assert!(
        (word_x("world") - expected).abs() < 0.5,
        "{expected} {html}"
    );
}

/// More than 92 distinct glyphs, so subset ids include the bytes a literal string must
/// escape: ( ) \ and line ends. Every character must come back out.
#[test]
fn every_subset_glyph_id_survives_string_escaping() {
    let dir = tempfile::tempdir().unwrap();
    let mut serif = bundled_font("LibertinusSerif-Regular");
    let text: String = ('!'..='~')
        .chain('À'..='ÿ')
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut page = Page::blank(2000.0, 200.0);
    for (i, chunk) in text.chars().collect::<Vec<_>>().chunks(40).enumerate() {
        let line: String = chunk.iter().collect();
        let run = shaped_run(&mut serif, 0, &line, 10.0, 20.0, 30.0 + 20.0 * i as f32);
        page.items.push(Item::Text(run));
    }
    let fonts = FontSet { faces: vec![serif] };
    let embedded = prepare(&fonts, std::slice::from_ref(&page));
    assert!(embedded.faces[0].as_ref().unwrap().widths.len() > 93);
    let file = dir.path().join("all.pdf");
    write_pdf_file(
        &file,
        &[page],
        &embedded,
        &ImageStore::default(),
        DocInfo::default(),
    )
    .unwrap();
    let extracted: String = poppler("pdftotext", &["-raw"], &file)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    // Ligatures (fi, fl) may come out as their letters, which is the point of ToUnicode.
    assert_eq!(extracted, text);
}

/// A tagged PDF/A file claims both standards in one XMP packet, with the extension schema
/// PDF/A asks for `pdfuaid`, and still passes the PDF/A checks (tests/pdf_a_check.py with
/// pikepdf; `LETTERMERGE_TEST_PYTHON` is the venv scripts/test makes).
#[test]
fn pdf_a_and_pdf_ua_claims_combine() {
    let dir = tempfile::tempdir().unwrap();
    let (fonts, images, pages) = sample(dir.path());
    let embedded = prepare(&fonts, &pages);
    let file = dir.path().join("letter.pdf");
    let info = DocInfo {
        pdf_a: true,
        tagged: true,
        producer: Some("lettermerge test".into()),
        ..info()
    };
    write_pdf_file(&file, &pages, &embedded, &images, info).unwrap();
    let python = std::env::var("LETTERMERGE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pdf_a_check.py");
    let out = Command::new(python)
        .arg(script)
        .arg("1700000000")
        .arg(&file)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["xmp"]["pdfuaid:part"], "1", "{summary}");
    assert_eq!(summary["xmp"]["pdfaid:part"], "2", "{summary}");
    assert_eq!(summary["title"], "Welcome, Councillor Smith");
}

/// Tagged without PDF/A: the XMP (PDF/UA needs one) but no pdfaid claim and no output intent.
#[test]
fn tagged_alone_claims_pdf_ua_only() {
    let dir = tempfile::tempdir().unwrap();
    let (fonts, images, pages) = sample(dir.path());
    let embedded = prepare(&fonts, &pages);
    let file = dir.path().join("letter.pdf");
    let info = DocInfo {
        tagged: true,
        ..info()
    };
    write_pdf_file(&file, &pages, &embedded, &images, info).unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("<pdfuaid:part>1</pdfuaid:part>"));
    assert!(!text.contains("pdfaid:part"));
    assert!(!text.contains("/OutputIntents"));
    assert!(text.contains("/Metadata"));
}
