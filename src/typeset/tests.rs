//! Tests of the typesetter as a whole: shaping, line breaking and the letter layout,
//! checked numerically on the positioned output.

use super::page::{GlyphRun, Item, Page};
use super::{Typeset, Typesetter};
use crate::images::ImageStore;
use crate::letter::{Block, Inline, Letter, TextStyle};
use crate::problem::Severity;
use crate::style::{Length, Letterhead, Margins, PageSize, Signature, Style, PT_PER_IN, PT_PER_MM};

fn text(s: &str) -> Inline {
    Inline::Text {
        text: s.to_string(),
        style: TextStyle::default(),
    }
}

const PARA: &str = "Public libraries are among the most heavily used civic institutions in the \
country. Last year our branches recorded 612,000 visits, circulated 1.4 million items, hosted \
3,100 free programs, and provided broadband internet access to thousands of residents who have \
no reliable connection at home. Our workforce-development, early-literacy, and telehealth-access \
initiatives are characteristically oversubscribed, and interlibrary cooperation agreements make \
specialized collections available statewide.";

fn sample_letter() -> Letter {
    Letter {
        row: 2,
        filename: None,
        address: vec![
            "The Honorable Dana Nguyen".into(),
            "Senator, District 12".into(),
            "200 Capitol Avenue".into(),
            "Columbus OH 43215".into(),
        ],
        date: Some("January 12, 2026".into()),
        salutation: Some("Dear Senator Nguyen:".into()),
        body: vec![
            Block::Paragraph(vec![text(PARA)]),
            Block::Paragraph(vec![
                text("We will follow up by email at "),
                Inline::Text {
                    text: "dana.nguyen@senate.example.gov".into(),
                    style: TextStyle {
                        link: Some("mailto:dana.nguyen@senate.example.gov".into()),
                        ..TextStyle::default()
                    },
                },
                text(". "),
                Inline::Text {
                    text: "Thank you".into(),
                    style: TextStyle {
                        bold: true,
                        ..TextStyle::default()
                    },
                },
                text(" for your office's support."),
            ]),
        ],
        closing: Some("Sincerely,".into()),
        email: Default::default(),
        warnings: Vec::new(),
    }
}

fn full_style() -> Style {
    Style {
        letterhead: Some(Letterhead {
            name: "Anytown Public Library Foundation".into(),
            lines: vec![
                "101 Reading Way · Anytown, OH 43001".into(),
                "(555) 010-2000 · advocacy@anytownlibrary.org".into(),
            ],
            ..Letterhead::default()
        }),
        signature: Some(Signature {
            name: "Jordan A. Reyes".into(),
            lines: vec!["Director of Government Relations".into()],
            ..Signature::default()
        }),
        enclosures: vec!["Annual Report 2025".into(), "Branch Tour Invitation".into()],
        copies: vec!["Board of Trustees".into()],
        ..Style::default()
    }
}

fn typeset(style: &Style, letter: &Letter) -> (Typesetter, Typeset) {
    let mut ts = Typesetter::new(style).expect("fonts load");
    let out = ts
        .typeset(letter, &ImageStore::default())
        .expect("letter typesets");
    (ts, out)
}

fn runs(page: &Page) -> impl Iterator<Item = &GlyphRun> {
    page.items.iter().filter_map(|i| match i {
        Item::Text(r) => Some(r),
        _ => None,
    })
}

/// The text a run stands for, through the same glyph_text map the PDF's ToUnicode uses.
fn run_text(ts: &Typesetter, run: &GlyphRun) -> String {
    let font = &ts.fonts().faces[run.font];
    run.glyphs
        .iter()
        .map(|g| {
            font.glyph_text
                .get(&g.id)
                .map_or("\u{fffd}", String::as_str)
        })
        .collect()
}

/// Lines of a page: (baseline, left x, right x, text), top to bottom.
fn lines(ts: &Typesetter, page: &Page) -> Vec<(f32, f32, f32, String)> {
    let mut out: Vec<(f32, f32, f32, String)> = Vec::new();
    let mut sorted: Vec<&GlyphRun> = runs(page).collect();
    sorted.sort_by(|a, b| a.x.total_cmp(&b.x));
    for run in sorted {
        let font = &ts.fonts().faces[run.font];
        let scale = run.size / f32::from(font.units_per_em);
        // The ink's right edge: a line broken at a word space ends with that (invisible)
        // space glyph, which is for text extraction and does not count.
        let right = run
            .glyphs
            .iter()
            .filter(|g| font.glyph_text.get(&g.id).map(String::as_str) != Some(" "))
            .map(|g| run.x + g.x + f32::from(font.advance(g.id)) * scale)
            .fold(f32::MIN, f32::max);
        let t = run_text(ts, run);
        match out.iter_mut().find(|l| (l.0 - run.y).abs() < 0.01) {
            Some(l) => {
                l.1 = l.1.min(run.x);
                l.2 = l.2.max(right);
                l.3.push_str(&t);
            }
            None => out.push((run.y, run.x, right, t)),
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

fn all_text(ts: &Typesetter, out: &Typeset) -> String {
    out.pages
        .iter()
        .flat_map(|p| lines(ts, p))
        .map(|l| l.3)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn shaping_makes_ligatures_and_kerns() {
    let mut ts = Typesetter::new(&Style::default()).unwrap();
    let eng = &mut ts.engine;
    let id = eng.shaper.shape(&mut eng.fonts, 0, "office");
    let shaped = eng.shaper.get(id);
    assert!(shaped.glyphs.len() < 6, "ffi ligature: {:?}", shaped.glyphs);
    let lig = shaped.glyphs[1].id;
    assert_eq!(eng.fonts.faces[0].glyph_text[&lig], "ffi");

    let av = eng.shaper.shape(&mut eng.fonts, 0, "AV");
    let av = eng.shaper.get(av);
    let font = &eng.fonts.faces[0];
    let sum: i32 = av
        .glyphs
        .iter()
        .map(|g| i32::from(font.advance(g.id)))
        .sum();
    let kerned = av.advance(0, av.glyphs.len());
    assert!(kerned < sum, "AV kerned {kerned} vs {sum}");
}

#[test]
fn letter_text_comes_out_in_order_with_spaces() {
    let (ts, out) = typeset(&full_style(), &sample_letter());
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(out.pages.len(), 1);
    let t = all_text(&ts, &out).replace("-\n", "").replace('\n', " ");
    for expected in [
        "Anytown Public Library Foundation",
        "The Honorable Dana Nguyen",
        "January 12, 2026",
        "Dear Senator Nguyen:",
        "Public libraries are among",
        "office's support.",
        "Sincerely,",
        "Jordan A. Reyes",
        "Enclosures (2): Annual Report 2025; Branch Tour Invitation",
        "cc: Board of Trustees",
    ] {
        assert!(t.contains(expected), "missing {expected:?} in:\n{t}");
    }
    // The link area covers the email address.
    let link = out.pages[0]
        .items
        .iter()
        .find_map(|i| match i {
            Item::Link { uri, width, .. } => Some((uri.clone(), *width)),
            _ => None,
        })
        .expect("link area");
    assert_eq!(link.0, "mailto:dana.nguyen@senate.example.gov");
    assert!(link.1 > 100.0, "link width {}", link.1);
    // Bold run uses face 1.
    assert!(runs(&out.pages[0]).any(|r| r.font == 1 && run_text(&ts, r).contains("Thank")));
}

#[test]
fn us_letter_layout_positions() {
    let (ts, out) = typeset(&full_style(), &sample_letter());
    let page = &out.pages[0];
    assert_eq!((page.width, page.height), (612.0, 792.0));
    let ls = lines(&ts, page);
    let addr = ls
        .iter()
        .find(|l| l.3.starts_with("The Honorable"))
        .unwrap();
    assert!((addr.1 - 72.0).abs() < 0.01, "address x {}", addr.1);
    assert!(addr.0 > 2.125 * PT_PER_IN && addr.0 < 2.125 * PT_PER_IN + 12.0);
    let date = ls.iter().find(|l| l.3 == "January 12, 2026").unwrap();
    assert!(
        (date.2 - (612.0 - 72.0)).abs() < 0.01,
        "date right-aligned: {}",
        date.2
    );
    assert!(date.0 > 3.35 * PT_PER_IN && date.0 < 3.35 * PT_PER_IN + 16.0);
    let name = ls
        .iter()
        .find(|l| l.3.starts_with("Anytown Public"))
        .unwrap();
    assert!(
        name.0 < 72.0 && name.0 > 0.45 * PT_PER_IN,
        "letterhead baseline {}",
        name.0
    );
    // Accent rule under the letterhead, above the top margin.
    assert!(page.items.iter().any(|i| matches!(i,
        Item::Rule { y, width, color, .. } if *y < 72.0 && (*width - 468.0).abs() < 0.01 && *color == Style::default().accent)));
}

#[test]
fn a4_din_layout_positions_and_fold_marks() {
    let style = Style {
        page: PageSize::A4,
        letterhead: Some(Letterhead {
            name: "Bibliothek".into(),
            return_address: Some("Bibliothek · Lesestraße 1 · 10115 Berlin".into()),
            ..Letterhead::default()
        }),
        ..Style::default()
    };
    let (ts, out) = typeset(&style, &sample_letter());
    let page = &out.pages[0];
    assert!((page.width - 210.0 * PT_PER_MM).abs() < 0.01);
    let ls = lines(&ts, page);
    let addr = ls
        .iter()
        .find(|l| l.3.starts_with("The Honorable"))
        .unwrap();
    assert!((addr.1 - 25.0 * PT_PER_MM).abs() < 0.01);
    assert!(addr.0 > 62.7 * PT_PER_MM && addr.0 < 62.7 * PT_PER_MM + 12.0);
    let ret = ls.iter().find(|l| l.3.starts_with("Bibliothek ·")).unwrap();
    assert!(ret.0 < 62.7 * PT_PER_MM && ret.0 > 45.0 * PT_PER_MM);
    let marks: Vec<f32> = page
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Rule { x, y, .. } if *x < 20.0 => Some(*y / PT_PER_MM),
            _ => None,
        })
        .collect();
    assert_eq!(marks.len(), 3, "{marks:?}");
    assert!(marks.iter().any(|y| (y - 105.0).abs() < 0.5));
    assert!(marks.iter().any(|y| (y - 148.5).abs() < 0.5));
    let date = ls.iter().find(|l| l.3 == "January 12, 2026").unwrap();
    assert!(date.0 > 98.0 * PT_PER_MM);
}

#[test]
fn nothing_passes_the_right_margin_even_a_200_char_url() {
    let url = format!(
        "https://www.example.org/{}/index.html?session={}",
        "averyveryverylongpathsegment/".repeat(5),
        "x".repeat(40)
    );
    assert!(url.len() > 200);
    let mut letter = sample_letter();
    letter.body.push(Block::Paragraph(vec![
        text("See "),
        Inline::Text {
            text: url.clone(),
            style: TextStyle {
                link: Some(url.clone()),
                ..TextStyle::default()
            },
        },
        text(" and "),
        text(&"x".repeat(150)),
        text(" for details."),
    ]));
    for justify in [true, false] {
        let mut style = full_style();
        style.font.justify = justify;
        style.margins.right = Length(2.0 * PT_PER_IN);
        let (ts, out) = typeset(&style, &letter);
        let limit = 612.0 - 2.0 * PT_PER_IN + 0.01;
        for page in &out.pages {
            for l in lines(&ts, page) {
                assert!(l.2 <= limit, "line {:?} ends at {} > {limit}", l.3, l.2);
            }
        }
        // The URL is broken without hyphens and comes back whole.
        let t = all_text(&ts, &out).replace('\n', "");
        assert!(t.contains(&url), "url lost: {t}");
    }
}

fn body_only(paragraph: &str) -> Letter {
    Letter {
        row: 5,
        body: vec![Block::Paragraph(vec![text(paragraph)])],
        ..Letter::default()
    }
}

#[test]
fn justified_lines_end_exactly_at_the_margin_and_hyphenate() {
    let style = Style {
        window: false,
        margins: Margins {
            left: Length(2.5 * PT_PER_IN),
            right: Length(3.0 * PT_PER_IN),
            ..Margins::default()
        },
        ..Style::default()
    };
    let (ts, out) = typeset(&style, &body_only(&format!("{PARA} {PARA}")));
    let ls = lines(&ts, &out.pages[0]);
    assert!(ls.len() > 10);
    let right = 612.0 - 3.0 * PT_PER_IN;
    for l in &ls[..ls.len() - 1] {
        assert!((l.1 - 2.5 * PT_PER_IN).abs() < 0.01, "left edge {}", l.1);
        // The advance-based right edge of a justified line is the margin.
        assert!(
            (l.2 - right).abs() < 0.05,
            "line {:?} ends at {} not {right}",
            l.3,
            l.2
        );
    }
    let last = ls.last().unwrap();
    assert!(last.2 < right - 5.0, "last line is ragged");
    let hyphenated = ls.iter().filter(|l| l.3.ends_with('-')).count();
    assert!(hyphenated >= 1, "no hyphenation in a 3-inch measure");
    // Baselines 1.3 x 11.5 apart.
    assert!((ls[1].0 - ls[0].0 - 14.95).abs() < 0.01);
    // No hyphenation when it is off.
    let mut style = style;
    style.font.hyphenate = false;
    let (ts, out) = typeset(&style, &body_only(PARA));
    assert!(lines(&ts, &out.pages[0]).iter().all(|l| !l.3.ends_with('-')
        || l.3.ends_with("workforce-")
        || l.3.ends_with("early-")
        || l.3.ends_with("telehealth-")));
}

#[test]
fn no_break_spaces_hold_words_together() {
    let style = Style {
        window: false,
        margins: Margins {
            right: Length(5.5 * PT_PER_IN),
            ..Margins::default()
        },
        ..Style::default()
    };
    let words =
        "Page\u{a0}12 of the Annual\u{a0}Report and Sec.\u{a0}4 of the 2025\u{a0}budget ".repeat(4);
    let (ts, out) = typeset(&style, &body_only(&words));
    let ls = lines(&ts, &out.pages[0]);
    assert!(ls.len() > 3);
    for l in &ls {
        assert!(
            !l.3.ends_with("Page") && !l.3.ends_with("Annual") && !l.3.ends_with("Sec."),
            "{:?}",
            l.3
        );
    }
}

#[test]
fn hard_line_breaks_are_honoured() {
    let mut letter = body_only("");
    letter.body = vec![Block::Paragraph(vec![
        text("First line"),
        Inline::LineBreak,
        text("second line"),
    ])];
    let style = Style {
        window: false,
        ..Style::default()
    };
    let (ts, out) = typeset(&style, &letter);
    let ls = lines(&ts, &out.pages[0]);
    assert_eq!(ls.len(), 2);
    assert_eq!(ls[0].3, "First line");
    assert_eq!(ls[1].3, "second line");
}

#[test]
fn long_letter_flows_to_page_two_with_header() {
    let mut letter = sample_letter();
    for _ in 0..8 {
        letter.body.push(Block::Paragraph(vec![text(PARA)]));
    }
    let (ts, out) = typeset(&full_style(), &letter);
    assert!(out.pages.len() >= 2, "{} pages", out.pages.len());
    let p2 = lines(&ts, &out.pages[1]);
    assert_eq!(
        p2[0].3,
        "The Honorable Dana Nguyen · January 12, 2026 · Page 2"
    );
    let limit = 792.0 - 72.0;
    for page in &out.pages {
        for l in lines(&ts, page) {
            assert!(l.0 <= limit, "baseline {} below the bottom margin", l.0);
        }
    }
    // No page ends in the middle of a hyphenated word.
    for page in &out.pages[..out.pages.len() - 1] {
        let ls = lines(&ts, page);
        assert!(!ls.last().unwrap().3.ends_with('-'), "{:?}", ls.last());
    }
    // Closing and signature name share a page.
    let last = lines(&ts, out.pages.last().unwrap());
    assert!(last.iter().any(|l| l.3 == "Sincerely,"));
    assert!(last.iter().any(|l| l.3 == "Jordan A. Reyes"));
    // Every line of page 1 body lies below the text start.
    assert!(lines(&ts, &out.pages[0]).iter().all(|l| l.0 < limit));
}

#[test]
fn nine_line_address_is_a_window_warning() {
    let mut letter = sample_letter();
    letter.address = (1..=9).map(|i| format!("Line {i}")).collect();
    let (_, out) = typeset(&Style::default(), &letter);
    let w: Vec<_> = out
        .warnings
        .iter()
        .filter(|p| p.message.contains("9 lines"))
        .collect();
    assert_eq!(w.len(), 1, "{:?}", out.warnings);
    assert_eq!(w[0].severity, Severity::Warning);
    assert_eq!(w[0].row, Some(2));
    assert!(w[0].hint.is_some());
    // A too-wide line is a warning too.
    letter.address =
        vec!["The Honorable Representative Maximiliana Featherstonehaugh-Cholmondeley".into()];
    let (_, out) = typeset(&Style::default(), &letter);
    assert!(
        out.warnings.iter().any(|p| p.message.contains("too wide")),
        "{:?}",
        out.warnings
    );
}

#[test]
fn missing_glyph_is_a_warning_once() {
    let mut letter = sample_letter();
    letter
        .body
        .push(Block::Paragraph(vec![text("Smile 😀 and 😀 again")]));
    let (mut ts, out) = typeset(&Style::default(), &letter);
    let w: Vec<_> = out
        .warnings
        .iter()
        .filter(|p| p.message.contains("U+1F600"))
        .collect();
    assert_eq!(w.len(), 1, "{:?}", out.warnings);
    assert_eq!(w[0].row, Some(2));
    // The next letter reuses the cached paragraph and is still warned about, and comes
    // out exactly the same.
    letter.row = 3;
    let again = ts.typeset(&letter, &ImageStore::default()).unwrap();
    assert!(again
        .warnings
        .iter()
        .any(|p| p.message.contains("U+1F600") && p.row == Some(3)));
    assert_eq!(again.pages, out.pages);
}

#[test]
fn lists_quotes_headings_and_rules_are_set() {
    let mut letter = body_only("Intro paragraph.");
    letter.body.extend([
        Block::Heading {
            level: 2,
            content: vec![text("Our asks")],
        },
        Block::List {
            start: Some(1),
            items: vec![
                vec![Block::Paragraph(vec![text("Fund state aid.")])],
                vec![Block::Paragraph(vec![text("Support E-Rate.")])],
            ],
        },
        Block::List {
            start: None,
            items: vec![vec![Block::Paragraph(vec![text("Visit a branch.")])]],
        },
        Block::Quote(vec![Block::Paragraph(vec![text(
            "Libraries change lives.",
        )])]),
        Block::Rule,
    ]);
    let style = Style {
        window: false,
        ..Style::default()
    };
    let (ts, out) = typeset(&style, &letter);
    let ls = lines(&ts, &out.pages[0]);
    let find = |s: &str| {
        ls.iter()
            .find(|l| l.3.contains(s))
            .unwrap_or_else(|| panic!("{s}: {ls:?}"))
    };
    assert!(runs(&out.pages[0]).any(|r| r.font == 1 && run_text(&ts, r) == "Our asks"));
    let item = find("Fund state aid.");
    assert!(item.3.starts_with("1."), "{:?}", item.3);
    let bullet = find("Visit a branch.");
    assert!(bullet.3.starts_with('•'));
    assert!(find("Libraries change").1 > 72.0 + 10.0, "quote indented");
    assert!(out.pages[0]
        .items
        .iter()
        .any(|i| matches!(i, Item::Rule { .. })));
}

#[test]
#[ignore]
fn bench_thousand_letters() {
    let style = full_style();
    let load = std::time::Instant::now();
    let mut ts = Typesetter::new(&style).unwrap();
    println!("Typesetter::new: {:?}", load.elapsed());
    let images = ImageStore::default();
    let base = reference_letter();
    let names = [
        "Nguyen", "Okafor", "Smith", "García", "Lee", "Kowalski", "Haddad",
    ];
    let letters: Vec<Letter> = (0..1000)
        .map(|i| {
            let mut l = base.clone();
            l.row = i + 2;
            l.address[0] = format!("The Honorable Dana {}", names[i as usize % names.len()]);
            l.salutation = Some(format!("Dear Senator {}:", names[i as usize % names.len()]));
            // Like a real merge, the first paragraph differs per letter (the district).
            l.body[0] = Block::Paragraph(vec![text(&format!(
                "On behalf of the trustees, staff, and 48,000 cardholders of the Anytown Public \
                 Library, congratulations on your election as Senator for District {}. We look \
                 forward to working with you and your office on behalf of the residents you now \
                 represent.",
                i + 1
            ))]);
            l
        })
        .collect();
    let cold = std::time::Instant::now();
    ts.typeset(&letters[0], &images).unwrap();
    println!("first letter (cold caches): {:?}", cold.elapsed());
    let start = std::time::Instant::now();
    let mut glyphs = 0;
    for l in &letters {
        let out = ts.typeset(l, &images).unwrap();
        glyphs += out.pages[0].items.len();
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / letters.len() as f64;
    println!("typeset: {per:.1} µs/letter ({glyphs} items)");
    // Worst case: no paragraph is the same in two letters (words still are).
    let unique: Vec<Letter> = letters
        .iter()
        .map(|l| {
            let mut l = l.clone();
            for b in &mut l.body {
                if let Block::Paragraph(inlines) = b {
                    inlines.push(text(&format!(" Ref. {}.", l.row)));
                }
            }
            l
        })
        .collect();
    let start = std::time::Instant::now();
    for l in &unique {
        ts.typeset(l, &images).unwrap();
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / unique.len() as f64;
    println!("typeset, every paragraph different: {per:.1} µs/letter");
}

#[test]
#[ignore]
fn dump_sample() {
    let letter = reference_letter();
    let (ts, out) = typeset(&full_style(), &letter);
    for (n, p) in out.pages.iter().enumerate() {
        for l in lines(&ts, p) {
            println!("p{n} y={:6.1} x={:6.1}..{:6.1} {}", l.0, l.1, l.2, l.3);
        }
    }
}

/// The reference Typst letter's content: a full one-page letter.
fn reference_letter() -> Letter {
    let mut letter = sample_letter();
    letter.body.insert(0, Block::Paragraph(vec![text("On behalf of the trustees, staff, and 48,000 cardholders of the Anytown Public Library, congratulations on your election as Senator for District 12. We look forward to working with you and your office on behalf of the residents you now represent.")]));
    letter.body.push(Block::Paragraph(vec![text("As a legislator you will soon consider appropriations for state aid to libraries, the E-Rate program, and the Library Services and Technology Act. We would welcome the opportunity to brief you or your staff on how these funds are used in your district.")]));
    letter
}

/// Test-only SVG of a page (glyph outlines as paths) for looking at the result.
fn svg(ts: &Typesetter, page: &Page) -> String {
    use rustybuzz::ttf_parser::{Face, GlyphId, OutlineBuilder};
    struct Path(String, f32, f32, f32);
    impl OutlineBuilder for Path {
        fn move_to(&mut self, x: f32, y: f32) {
            let (s, ox, oy) = (self.3, self.1, self.2);
            self.0 += &format!("M{:.2} {:.2}", ox + x * s, oy - y * s);
        }
        fn line_to(&mut self, x: f32, y: f32) {
            let (s, ox, oy) = (self.3, self.1, self.2);
            self.0 += &format!("L{:.2} {:.2}", ox + x * s, oy - y * s);
        }
        fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
            let (s, ox, oy) = (self.3, self.1, self.2);
            self.0 += &format!(
                "Q{:.2} {:.2} {:.2} {:.2}",
                ox + x1 * s,
                oy - y1 * s,
                ox + x * s,
                oy - y * s
            );
        }
        fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
            let (s, ox, oy) = (self.3, self.1, self.2);
            self.0 += &format!(
                "C{:.2} {:.2} {:.2} {:.2} {:.2} {:.2}",
                ox + x1 * s,
                oy - y1 * s,
                ox + x2 * s,
                oy - y2 * s,
                ox + x * s,
                oy - y * s
            );
        }
        fn close(&mut self) {
            self.0 += "Z";
        }
    }
    let mut out = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' viewBox='0 0 {} {}'><rect width='100%' height='100%' fill='white'/>",
        page.width * 2.0, page.height * 2.0, page.width, page.height
    );
    for item in &page.items {
        match item {
            Item::Text(run) => {
                let font = &ts.fonts().faces[run.font];
                let face = Face::parse(&font.data, 0).unwrap();
                let s = run.size / f32::from(font.units_per_em);
                let c = run.color;
                let mut p = Path(String::new(), 0.0, 0.0, s);
                for g in &run.glyphs {
                    p.1 = run.x + g.x;
                    p.2 = run.y;
                    face.outline_glyph(GlyphId(g.id), &mut p);
                }
                out += &format!("<path fill='rgb({},{},{})' d='{}'/>", c.0, c.1, c.2, p.0);
            }
            Item::Rule {
                x,
                y,
                width,
                height,
                color,
            } => {
                out += &format!(
                    "<rect x='{x}' y='{y}' width='{width}' height='{height}' fill='rgb({},{},{})'/>",
                    color.0, color.1, color.2
                );
            }
            Item::Link {
                x,
                y,
                width,
                height,
                ..
            } => {
                out += &format!("<rect x='{x}' y='{y}' width='{width}' height='{height}' fill='none' stroke='rgb(0,0,255)' stroke-width='0.2'/>");
            }
            Item::Image {
                x,
                y,
                width,
                height,
                ..
            } => {
                out += &format!("<rect x='{x}' y='{y}' width='{width}' height='{height}' fill='rgb(220,220,220)'/>");
            }
        }
    }
    // Margins, for checking.
    out += "<rect x='72' y='72' width='468' height='648' fill='none' stroke='rgb(255,0,0)' stroke-width='0.2'/>";
    out + "</svg>"
}

#[test]
#[ignore]
fn dump_svg() {
    let mut letter = reference_letter();
    letter.body.push(Block::List {
        start: None,
        items: vec![
            vec![Block::Paragraph(vec![text("Fund state aid to libraries at the level recommended by the State Library Board, including the broadband program.")])],
            vec![Block::Paragraph(vec![text("Support the E-Rate program.")])],
        ],
    });
    for _ in 0..3 {
        letter.body.insert(2, Block::Paragraph(vec![text(PARA)]));
    }
    letter.body.insert(
        3,
        Block::Heading {
            level: 2,
            content: vec![text("What we ask")],
        },
    );
    let mut ragged = full_style();
    ragged.font.justify = false;
    for (name, style) in [
        ("ragged", ragged),
        ("letter", full_style()),
        (
            "a4",
            Style {
                page: PageSize::A4,
                ..full_style()
            },
        ),
    ] {
        let (ts, out) = typeset(&style, &letter);
        for (n, p) in out.pages.iter().enumerate() {
            std::fs::write(
                std::env::temp_dir().join(format!("lettermerge-{name}{n}.svg")),
                svg(&ts, p),
            )
            .unwrap();
        }
    }
}

#[test]
fn a_huge_unbroken_token_is_set_without_panic() {
    let token = "abcdefghij".repeat(7000);
    let style = Style {
        window: false,
        ..Style::default()
    };
    let start = std::time::Instant::now();
    let (ts, out) = typeset(&style, &body_only(&token));
    assert!(out.pages.len() > 5);
    let t: String = out
        .pages
        .iter()
        .flat_map(|p| lines(&ts, p))
        .map(|l| l.3)
        .filter(|l| !l.starts_with("Page "))
        .collect();
    assert_eq!(t, token);
    assert!(start.elapsed().as_secs() < 20);
}

#[test]
fn without_window_the_address_opens_the_text_block() {
    let style = Style {
        window: false,
        ..Style::default()
    };
    let (ts, out) = typeset(&style, &sample_letter());
    let ls = lines(&ts, &out.pages[0]);
    assert_eq!(ls[0].3, "The Honorable Dana Nguyen");
    assert!(ls[0].0 > 72.0 && ls[0].0 < 72.0 + 14.0, "{}", ls[0].0);
    let date = ls.iter().position(|l| l.3 == "January 12, 2026").unwrap();
    assert_eq!(date, 4, "date follows the four address lines");
    assert!(out.warnings.is_empty());
}

/// Property: whatever the words (overlong ones, URLs, hyphenated compounds, no-break
/// spaces), the paragraphs, the nesting of quotes and lists, the size and the alignment, no
/// line of a typeset page reaches past the right margin. An unbreakable word is broken
/// between any two characters (a URL preferably at a slash), so this holds without
/// exception; deep nesting stops indenting before the measure runs out.
#[test]
fn no_line_is_wider_than_the_measure() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let word = prop_oneof![
        "[a-z]{1,12}",
        "[A-Za-z]{20,90}",
        "https://[a-z]{3,10}\\.org/[a-z/]{0,80}",
        "[a-z]{2,8}-[a-z]{2,8}",
        "[0-9,.]{1,15}",
        "[a-z]{2,6}\u{a0}[a-z]{2,6}",
        "[äéßøœ—–“”]{1,6}",
    ];
    let paragraph = proptest::collection::vec(word, 1..40).prop_map(|w| w.join(" "));
    let body = proptest::collection::vec((paragraph, 0usize..4, 0usize..17), 1..4);
    let configs: Vec<(Style, Typesetter)> = [(11.5, true), (24.0, false), (4.0, true)]
        .into_iter()
        .map(|(size, justify)| {
            let mut style = full_style();
            style.font.size = size;
            style.font.justify = justify;
            style.margins.right = Length(2.0 * PT_PER_IN);
            let ts = Typesetter::new(&style).expect("fonts load");
            (style, ts)
        })
        .collect();
    let configs: Vec<std::cell::RefCell<Typesetter>> = configs
        .into_iter()
        .map(|(_, ts)| std::cell::RefCell::new(ts))
        .collect();
    let mut runner = TestRunner::new(Config::with_cases(96));
    let result = runner.run(&(body, 0usize..3), |(paras, which)| {
        let mut ts = configs[which].borrow_mut();
        let ts = &mut *ts;
        let mut blocks = Vec::new();
        for (text_, kind, depth) in paras {
            let mut block = Block::Paragraph(vec![text(&text_)]);
            for _ in 0..depth {
                block = match kind {
                    0 => Block::Quote(vec![block]),
                    1 => Block::List {
                        start: None,
                        items: vec![vec![block]],
                    },
                    2 => Block::List {
                        start: Some(998),
                        items: vec![vec![block]],
                    },
                    _ => block,
                };
            }
            blocks.push(block);
        }
        let letter = Letter {
            body: blocks,
            ..sample_letter()
        };
        let out = ts
            .typeset(&letter, &ImageStore::default())
            .map_err(|e| TestCaseError::fail(format!("typeset failed: {e:?}")))?;
        let limit = 612.0 - 2.0 * PT_PER_IN + 0.01;
        for page in &out.pages {
            for l in lines(ts, page) {
                prop_assert!(l.2 <= limit, "line {:?} ends at {} > {limit}", l.3, l.2);
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
