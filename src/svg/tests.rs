//! The SVG page against the typesetter's own output and against the PDF of the same page
//! read back by poppler: the same glyphs at the same places, the same words.

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use quick_xml::events::Event;

use super::SvgWriter;
use crate::images::ImageStore;
use crate::letter::{Block, Inline, Letter, TextStyle};
use crate::pdf::{write_pdf_file, DocInfo, EmbeddedFonts, GlyphUsage};
use crate::style::{Letterhead, Signature, Style};
use crate::typeset::page::{Item, Page};
use crate::typeset::Typesetter;

fn text(s: &str) -> Inline {
    Inline::Text {
        text: s.to_string(),
        style: TextStyle::default(),
    }
}

fn letter() -> Letter {
    Letter {
        row: 2,
        filename: None,
        address: vec![
            "The Honorable Dana Nguyen".into(),
            "200 Capitol Avenue".into(),
            "Columbus, OH  43215".into(),
        ],
        date: Some("January 12, 2026".into()),
        salutation: Some("Dear Senator Nguyen:".into()),
        body: vec![
            Block::Paragraph(vec![text(
                "Public libraries are among the most heavily used civic institutions in the \
                 country. Last year our branches recorded 612,000 visits, circulated 1.4 million \
                 items, and hosted 3,100 free programs for residents of every age.",
            )]),
            Block::Paragraph(vec![
                text("Thank you for "),
                Inline::Text {
                    text: "your support".into(),
                    style: TextStyle {
                        bold: true,
                        ..TextStyle::default()
                    },
                },
                text(" of the "),
                Inline::Text {
                    text: "Riverside".into(),
                    style: TextStyle {
                        italic: true,
                        ..TextStyle::default()
                    },
                },
                text(" branches."),
            ]),
        ],
        closing: Some("Sincerely,".into()),
        email: Default::default(),
        warnings: Vec::new(),
    }
}

fn style(logo: Option<&Path>) -> Style {
    Style {
        letterhead: Some(Letterhead {
            name: "Anytown Public Library Foundation".into(),
            lines: vec!["101 Reading Way · Anytown, OH 43001".into()],
            logo: logo.map(Path::to_path_buf),
            ..Letterhead::default()
        }),
        signature: Some(Signature {
            name: "Jordan A. Reyes".into(),
            lines: vec!["Director of Government Relations".into()],
            ..Signature::default()
        }),
        ..Style::default()
    }
}

fn typeset(style: &Style, images: &ImageStore) -> (Typesetter, Vec<Page>) {
    let mut ts = Typesetter::new(style).expect("fonts load");
    let pages = ts.typeset(&letter(), images).expect("typesets").pages;
    (ts, pages)
}

/// What the SVG draws, read back as XML: each glyph's outline as absolute page points
/// (the run group's translate and scale applied to its path, relative commands resolved),
/// the text layer's lines and the images.
#[derive(Default)]
struct Drawn {
    /// Per glyph: its contours' points in page coordinates (points, y down).
    glyphs: Vec<Vec<(f32, f32)>>,
    texts: Vec<(f32, f32, String)>,
    images: Vec<String>,
    data_glyphs: usize,
}

/// Splits path data into glyphs (each starts with an absolute `M`) and resolves every
/// relative command to absolute points, in the path's own units.
fn glyph_points(d: &str) -> Vec<Vec<(f32, f32)>> {
    let mut glyphs: Vec<Vec<(f32, f32)>> = Vec::new();
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in d.chars() {
        if c.is_ascii_alphabetic() {
            if !cur.is_empty() {
                tokens.push(std::mem::take(&mut cur));
            }
            tokens.push(c.to_string());
        } else if c == ' ' {
            if !cur.is_empty() {
                tokens.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let mut i = 0;
    let (mut pen, mut contour) = ((0.0f32, 0.0f32), (0.0f32, 0.0f32));
    while i < tokens.len() {
        let cmd = tokens[i].clone();
        i += 1;
        let mut take = |n: usize| -> Vec<f32> {
            let v = tokens[i..i + n]
                .iter()
                .map(|t| t.parse().unwrap())
                .collect();
            i += n;
            v
        };
        match cmd.as_str() {
            "M" => {
                let v = take(2);
                pen = (v[0], v[1]);
                contour = pen;
                glyphs.push(vec![pen]);
            }
            "m" | "l" | "q" | "c" => {
                let pairs = match cmd.as_str() {
                    "m" | "l" => 1,
                    "q" => 2,
                    _ => 3,
                };
                let v = take(pairs * 2);
                let from = pen;
                for p in v.chunks(2) {
                    pen = (from.0 + p[0], from.1 + p[1]);
                    glyphs.last_mut().expect("a glyph starts with M").push(pen);
                }
                if cmd == "m" {
                    contour = pen;
                }
            }
            "z" => pen = contour,
            other => panic!("unexpected path command {other:?} in {d}"),
        }
    }
    glyphs
}

fn attr(e: &quick_xml::events::BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| a.value.to_string())
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn read_svg(svg: &str) -> Drawn {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut drawn = Drawn::default();
    // The open group's origin and scale.
    let mut group: Option<(f32, f32, f32)> = None;
    let mut text_at: Option<(f32, f32)> = None;
    let mut content = String::new();
    loop {
        match reader.read_event().expect("the SVG is well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                "svg" => {
                    drawn.data_glyphs = attr(&e, "data-glyphs").unwrap().parse().unwrap();
                }
                "g" => {
                    if let Some(t) = attr(&e, "transform") {
                        let nums: Vec<f32> = t
                            .replace(['(', ')'], " ")
                            .split_whitespace()
                            .filter_map(|w| w.parse().ok())
                            .collect();
                        assert_eq!(nums.len(), 4, "{t}");
                        assert_eq!(nums[2], -nums[3], "y is flipped, x and y scale alike");
                        group = Some((nums[0], nums[1], nums[2]));
                    }
                }
                "path" => {
                    let (gx, gy, scale) = group.expect("a run path inside its group");
                    for glyph in glyph_points(&attr(&e, "d").unwrap()) {
                        drawn.glyphs.push(
                            glyph
                                .iter()
                                .map(|(x, y)| (gx + x * scale, gy - y * scale))
                                .collect(),
                        );
                    }
                }
                "text" => {
                    let x = attr(&e, "x").unwrap().parse().unwrap();
                    let y = attr(&e, "y").unwrap().parse().unwrap();
                    text_at = Some((x, y));
                }
                "image" => drawn.images.push(attr(&e, "href").unwrap()),
                _ => {}
            },
            Event::End(e) if e.name().as_ref() == "g" => group = None,
            Event::End(e) if e.name().as_ref() == "text" => {
                if let Some((x, y)) = text_at.take() {
                    drawn
                        .texts
                        .push((x, y, unescape(&std::mem::take(&mut content))));
                }
            }
            Event::Text(t) if text_at.is_some() => content.push_str(&t),
            Event::GeneralRef(r) if text_at.is_some() => {
                content.push('&');
                content.push_str(&r);
                content.push(';');
            }
            _ => {}
        }
    }
    drawn
}

/// Collects a glyph's outline points as the font gives them (absolute, font units).
#[derive(Default)]
struct Points(Vec<(f32, f32)>);

impl rustybuzz::ttf_parser::OutlineBuilder for Points {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.push((x, y));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.push((x, y));
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.extend([(x1, y1), (x, y)]);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.extend([(x1, y1), (x2, y2), (x, y)]);
    }
    fn close(&mut self) {}
}

/// Every glyph of the page is drawn with its font's own outline, at the place the
/// typesetter put it: each point of each glyph within 1/50 pt of where the font and the
/// glyph's position put it.
#[test]
fn every_glyph_is_drawn_where_the_typesetter_put_it() {
    let images = ImageStore::default();
    let (ts, pages) = typeset(&style(None), &images);
    let mut writer = SvgWriter::new();
    let svg = writer.page(&pages[0], ts.fonts(), &images);
    let drawn = read_svg(&svg);

    let mut all = 0;
    let mut expected: Vec<Vec<(f32, f32)>> = Vec::new();
    for item in &pages[0].items {
        if let Item::Text(run) = item {
            let font = &ts.fonts().faces[run.font];
            let face = rustybuzz::ttf_parser::Face::parse(&font.data, font.index).unwrap();
            let scale = run.size / f32::from(font.units_per_em);
            for g in &run.glyphs {
                all += 1;
                let mut points = Points::default();
                // A space glyph (in unjustified lines) draws nothing.
                if face
                    .outline_glyph(rustybuzz::ttf_parser::GlyphId(g.id), &mut points)
                    .is_some()
                {
                    expected.push(
                        points
                            .0
                            .iter()
                            .map(|(x, y)| (run.x + g.x + x * scale, run.y - y * scale))
                            .collect(),
                    );
                }
            }
        }
    }
    assert!(expected.len() > 300, "a real letter: {}", expected.len());
    assert_eq!(drawn.data_glyphs, all, "as many glyphs as the PDF shows");
    assert_eq!(drawn.glyphs.len(), expected.len());
    for (i, (got, want)) in drawn.glyphs.iter().zip(&expected).enumerate() {
        assert_eq!(got.len(), want.len(), "glyph {i}: the same points");
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g.0 - w.0).abs() < 0.02 && (g.1 - w.1).abs() < 0.02,
                "glyph {i}: {g:?} is not at {w:?}"
            );
        }
    }
    // Regular, bold and italic faces all drew something.
    let runs_per_face = |face: usize| {
        pages[0]
            .items
            .iter()
            .filter(|i| matches!(i, Item::Text(r) if r.font == face))
            .count()
    };
    for face in 0..3 {
        assert!(runs_per_face(face) > 0, "face {face}");
    }
}

/// Rounding to 1/10 of a font unit never adds up along a contour: the relative commands
/// are differences of rounded points, so the last point of a long outline is as exact as
/// the first.
#[test]
fn relative_outlines_do_not_drift() {
    let images = ImageStore::default();
    let (ts, _) = typeset(&style(None), &images);
    let font = &ts.fonts().faces[0];
    let face = rustybuzz::ttf_parser::Face::parse(&font.data, font.index).unwrap();
    for c in ['@', 'g', '&', 'B', '%'] {
        let id = face.glyph_index(c).unwrap().0;
        let outline = super::outline(&face, id).unwrap();
        let d = format!("M{} {}{}", outline.start.0, outline.start.1, outline.rest);
        let got = &glyph_points(&d)[0];
        let mut want = Points::default();
        face.outline_glyph(rustybuzz::ttf_parser::GlyphId(id), &mut want)
            .unwrap();
        assert_eq!(got.len(), want.0.len(), "{c}");
        for (g, w) in got.iter().zip(&want.0) {
            assert!(
                (g.0 - w.0).abs() <= 0.051 && (g.1 - w.1).abs() <= 0.051,
                "{c}: {g:?} vs {w:?}"
            );
        }
    }
}

fn words_of_pdf(file: &Path) -> Vec<(f32, f32, String)> {
    let out = Command::new("pdftotext")
        .args(["-bbox"])
        .arg(file)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    let num = |line: &str, key: &str| -> f32 {
        let start = line.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
        let end = start + line[start..].find('"').unwrap();
        line[start..end].parse().unwrap()
    };
    html.lines()
        .filter(|l| l.trim_start().starts_with("<word"))
        .map(|l| {
            let word = &l[l.find('>').unwrap() + 1..l.find("</word>").unwrap()];
            (num(l, "xMin"), num(l, "yMax"), unescape(word))
        })
        .collect()
}

/// The SVG's text layer has the words poppler reads from the PDF of the same page, and
/// each run starts where the PDF's word does.
#[test]
fn the_text_layer_reads_as_the_pdf_does() {
    let dir = tempfile::tempdir().unwrap();
    let images = ImageStore::default();
    let (ts, pages) = typeset(&style(None), &images);
    let mut usage = GlyphUsage::new(ts.fonts());
    for page in &pages {
        usage.add_page(page);
    }
    let embedded = EmbeddedFonts::prepare(ts.fonts(), &usage).unwrap();
    let file = dir.path().join("letter.pdf");
    write_pdf_file(&file, &pages[..1], &embedded, &images, DocInfo::default()).unwrap();
    let pdf_words = words_of_pdf(&file);

    let drawn = read_svg(&SvgWriter::new().page(&pages[0], ts.fonts(), &images));
    let mut svg_words: Vec<String> = drawn
        .texts
        .iter()
        .flat_map(|(_, _, t)| t.split_whitespace().map(str::to_string))
        .collect();
    let mut pdf_text: Vec<String> = pdf_words.iter().map(|w| w.2.clone()).collect();
    assert!(pdf_text.len() > 60, "{pdf_text:?}");
    // Runs change at a face change inside a word ("Riverside" italic then "branches.")
    // only at spaces in this sample, so the words match one for one.
    svg_words.sort();
    pdf_text.sort();
    assert_eq!(svg_words, pdf_text);

    for (x, y, t) in &drawn.texts {
        let first = t.split_whitespace().next().unwrap();
        let found = pdf_words
            .iter()
            .any(|(px, py, w)| w == first && (px - x).abs() < 0.6 && (*py - y).abs() < 4.0);
        assert!(
            found,
            "{first:?} at ({x}, {y}) is not where the PDF has it: {:?}",
            pdf_words
                .iter()
                .filter(|w| (w.1 - y).abs() < 6.0)
                .collect::<Vec<_>>()
        );
    }
    let body = drawn
        .texts
        .iter()
        .map(|t| t.2.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(body.contains("612,000 visits"), "{body}");
}

#[test]
fn the_logo_is_a_data_uri_png_with_its_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let logo = dir.path().join("logo.png");
    // 2x1: opaque red, half-transparent blue.
    {
        let file = std::fs::File::create(&logo).unwrap();
        let mut enc = png::Encoder::new(file, 2, 1);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header()
            .unwrap()
            .write_image_data(&[220, 20, 20, 255, 20, 20, 220, 128])
            .unwrap();
    }
    let images = ImageStore::default();
    let (ts, pages) = typeset(&style(Some(&logo)), &images);
    let mut writer = SvgWriter::new();
    let drawn = read_svg(&writer.page(&pages[0], ts.fonts(), &images));
    assert_eq!(drawn.images.len(), 1);
    let b64 = drawn.images[0]
        .strip_prefix("data:image/png;base64,")
        .expect("a PNG data URI");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    assert_eq!((frame.width, frame.height), (2, 1));
    assert_eq!(frame.color_type, png::ColorType::Rgba);
    assert_eq!(&buf[..8], &[220, 20, 20, 255, 20, 20, 220, 128]);
    // Made once: a second page drawing reuses the URI.
    assert_eq!(writer.images.len(), 1);
}

/// A keystroke redraws a page from the caches: the same SVG, no outline made again.
#[test]
fn redrawing_a_page_reuses_the_outlines() {
    let images = ImageStore::default();
    let (ts, pages) = typeset(&style(None), &images);
    let mut writer = SvgWriter::new();
    let first = writer.page(&pages[0], ts.fonts(), &images);
    let cached = writer.glyphs.len();
    let again = writer.page(&pages[0], ts.fonts(), &images);
    assert_eq!(first, again);
    assert_eq!(cached, writer.glyphs.len());
}
