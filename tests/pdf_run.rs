//! `lettermerge pdf` through the real binary, with the PDFs read back by poppler.

mod common;

use common::{pdf_fonts, pdf_page_text, pdf_pages, pdf_text, pdf_words, repo, squash, Workdir};

const TEMPLATE: &str = r#"---
filename: "{{last_name}}-{{first_name}}"
address: |
  {{honorific}} {{first_name}} {{last_name}}
  {{title}}
  {{address}}
  {{city}}, {{state}}  {{zip}}
date: "November 29, 2026"
salutation: "Dear {{title}} {{last_name}}:"
letterhead:
  name: Riverside Public Library Foundation
  lines: ["1 Library Way, Riverside, OH 43001"]
signature:
  name: Jordan A. Reyes
  lines: [Director of Government Relations]
enclosures: [Annual Report]
---
Congratulations on your election. We look forward to working with your office.

Note: {{note}}
"#;

const HEADER: &str = "honorific,first_name,last_name,title,address,city,state,zip,note\n";

fn csv(rows: &[&str]) -> String {
    let mut s = HEADER.to_string();
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// Zoë is written decomposed (e + U+0308) on purpose: the PDF must carry the NFC form.
fn three_officials() -> String {
    csv(&[
        "The Honorable,Zoe\u{308},O'Brien,Senator,\"Room 311\n415 S. Beretania St.\",Honolulu,HI,96813,first",
        "The Honorable,José,García-López,Mayor,1 Main St,Montpelier,VT,05633,second",
        "The Honorable,Keoni,ʻAkau,Council Member,2 Elm St,Hilo,HI,96720,third",
    ])
}

fn manifest(w: &Workdir, dir: &str) -> Vec<Vec<String>> {
    let mut rdr = csv::Reader::from_path(w.join(dir).join("manifest.csv")).expect("manifest");
    rdr.records()
        .map(|r| r.expect("manifest row").iter().map(String::from).collect())
        .collect()
}

#[test]
fn writes_one_letter_per_row_with_names_fonts_pages_and_manifest() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", three_officials());
    w.run(&[
        "pdf",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-o",
        "out",
        "--combined",
        "batch.pdf",
    ])
    .expect_code(0);

    assert_eq!(
        w.list("out"),
        [
            "García-López-José.pdf",
            "O'Brien-Zoë.pdf",
            "manifest.csv",
            "ʻAkau-Keoni.pdf"
        ]
    );
    let zoe = squash(&pdf_text(&w.join("out/O'Brien-Zoë.pdf")));
    assert!(zoe.contains("The Honorable Zoë O'Brien"), "{zoe}");
    assert!(zoe.contains("Dear Senator O'Brien:"), "{zoe}");
    // The multi-line address cell became two address lines.
    assert!(zoe.contains("Room 311 415 S. Beretania St."), "{zoe}");
    assert!(zoe.contains("Honolulu, HI 96813"), "{zoe}");
    let akau = squash(&pdf_text(&w.join("out/ʻAkau-Keoni.pdf")));
    assert!(akau.contains("Keoni ʻAkau"), "{akau}");
    let jose = squash(&pdf_text(&w.join("out/García-López-José.pdf")));
    assert!(
        jose.contains("Montpelier, VT 05633"),
        "ZIP keeps its leading zero: {jose}"
    );

    for f in ["out/O'Brien-Zoë.pdf", "batch.pdf"] {
        let fonts = pdf_fonts(&w.join(f));
        assert!(!fonts.is_empty(), "{f} has fonts");
        for font in &fonts {
            assert!(
                font.embedded && font.subset,
                "{f}: {font:?} must be an embedded subset"
            );
            assert!(font.name.contains('+'), "{f}: subset tag in {}", font.name);
        }
    }

    let rows = manifest(&w, "out");
    assert_eq!(rows.len(), 3);
    let mut batch_pages = 0;
    for r in &rows {
        let pages: usize = r[2].parse().unwrap();
        assert_eq!(pdf_pages(&w.join("out").join(&r[1])), pages, "{r:?}");
        assert_eq!(r[3].parse::<usize>().unwrap(), batch_pages + 1, "{r:?}");
        batch_pages += pages;
        assert_eq!(r[4].parse::<usize>().unwrap(), batch_pages, "{r:?}");
    }
    assert_eq!(rows[0][0], "2");
    assert_eq!(rows[2][0], "4");
    assert_eq!(pdf_pages(&w.join("batch.pdf")), batch_pages);
    let second = squash(&pdf_page_text(
        &w.join("batch.pdf"),
        rows[1][3].parse().unwrap(),
    ));
    assert!(second.contains("José García-López"), "{second}");
}

#[test]
fn duplex_starts_every_letter_on_a_front_side() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    let long = "The library lends books, laptops and hotspots to every resident. ".repeat(90);
    w.file(
        "d.csv",
        csv(&[
            "Hon.,Ada,Long,Senator,1 A St,Albany,NY,12224,short",
            &format!("Hon.,Bea,Longer,Senator,2 B St,Albany,NY,12224,\"{long}\""),
            "Hon.,Cy,Short,Mayor,3 C St,Albany,NY,12224,short",
        ]),
    );
    w.run(&[
        "pdf",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-o",
        "out",
        "--combined",
        "b.pdf",
        "--duplex",
    ])
    .expect_code(0);
    let rows = manifest(&w, "out");
    let pages: Vec<usize> = rows.iter().map(|r| r[2].parse().unwrap()).collect();
    assert_eq!(pages[0], 1);
    assert!(
        pages[1] >= 2,
        "the long letter flows onto more pages: {pages:?}"
    );
    let mut expected_total = 0;
    for r in &rows {
        let first: usize = r[3].parse().unwrap();
        assert_eq!(
            first % 2,
            1,
            "each letter starts on a front (odd) page: {r:?}"
        );
        let n: usize = r[2].parse().unwrap();
        expected_total += n + n % 2;
    }
    assert_eq!(pdf_pages(&w.join("b.pdf")), expected_total);
    // The padding page after the first letter is blank.
    assert_eq!(squash(&pdf_page_text(&w.join("b.pdf"), 2)), "");
    // The long letter's second page carries the continuation header.
    let long_p2 = squash(&pdf_page_text(&w.join("out/Longer-Bea.pdf"), 2));
    assert!(long_p2.contains("Page 2"), "{long_p2}");
}

#[test]
fn a_filename_from_the_data_cannot_leave_the_output_folder() {
    let w = Workdir::new();
    w.file(
        "t.md",
        TEMPLATE.replace(
            "filename: \"{{last_name}}-{{first_name}}\"",
            "filename: \"{{note}}\"",
        ),
    );
    w.file(
        "d.csv",
        csv(&[
            "Hon.,A,One,Mayor,1 A St,X,NY,12224,../../escape",
            "Hon.,B,Two,Mayor,1 A St,X,NY,12224,/etc/passwd",
            "Hon.,C,Three,Mayor,1 A St,X,NY,12224,..",
            "Hon.,D,Four,Mayor,1 A St,X,NY,12224,../../escape",
        ]),
    );
    w.file("sub/keep.txt", "x");
    w.run(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "sub/out"])
        .expect_code(0);
    assert_eq!(
        w.list("sub/out"),
        [
            "escape-2.pdf",
            "escape.pdf",
            "etc-passwd.pdf",
            "manifest.csv",
            "row-4.pdf"
        ]
    );
    assert!(!w.join("escape.pdf").exists());
    assert!(!w.join("sub/escape.pdf").exists());
    assert_eq!(w.list("sub"), ["keep.txt", "out"]);
}

#[test]
fn reads_a_windows_1252_semicolon_file_from_excel() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    let text = "honorific;first_name;last_name;title;address;city;state;zip;note\r\n\
                The Honorable;Jürgen;Müller;Senator;\"1 Main St; Suite 2\";Austin;TX;78701;“quoted” – dash\r\n\
                The Honorable;Zoë;García;Mayor;2 Elm St;Albany;NY;12224;café\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    w.file("excel.csv", bytes);
    let run = w.run(&["pdf", "-t", "t.md", "-d", "excel.csv", "-o", "out"]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("Windows-1252"),
        "a notice says how the file was read: {}",
        run.stderr
    );
    let muller = squash(&pdf_text(&w.join("out/Müller-Jürgen.pdf")));
    assert!(muller.contains("The Honorable Jürgen Müller"), "{muller}");
    assert!(muller.contains("1 Main St; Suite 2"), "{muller}");
    assert!(muller.contains("“quoted” – dash"), "{muller}");
    let zoe = squash(&pdf_text(&w.join("out/García-Zoë.pdf")));
    assert!(zoe.contains("café"), "{zoe}");
}

#[test]
fn a_missing_column_names_row_and_column_and_nothing_is_written() {
    let w = Workdir::new();
    w.file(
        "t.md",
        TEMPLATE.replace("Note: {{note}}", "Your precinct: {{precinct}}"),
    );
    w.file("d.csv", three_officials());
    let run = w.run(&[
        "pdf",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-o",
        "out",
        "--combined",
        "b.pdf",
    ]);
    run.expect_code(1);
    // One error for the column, naming the template line and every row it breaks.
    assert_eq!(
        run.stderr.matches("column \"precinct\"").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("it breaks rows 2-4"), "{}", run.stderr);
    assert!(run.stderr.contains("t.md line 20"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert!(w.list("out").is_empty());
    assert!(!w.join("b.pdf").exists());
}

#[test]
fn a_ragged_row_stops_the_run_unless_skipped() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file(
        "d.csv",
        csv(&[
            "Hon.,Ada,Lovelace,Senator,\"1 A St\nFloor 2\",Albany,NY,12224,ok",
            "Hon.,Bad,Row,Senator,1 A St,Albany,NY",
            "Hon.,Cy,Young,Mayor,3 C St,Albany,NY,12224,ok",
        ]),
    );
    let run = w.run(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("d.csv row 3"),
        "the ragged row is row 3: {}",
        run.stderr
    );
    assert!(
        w.list("out").is_empty(),
        "nothing written: {:?}",
        w.list("out")
    );

    let run = w.run(&[
        "pdf",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-o",
        "out",
        "--skip-invalid",
    ]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("skipped 1 invalid rows: 3"),
        "{}",
        run.stderr
    );
    assert_eq!(
        w.list("out"),
        ["Lovelace-Ada.pdf", "Young-Cy.pdf", "manifest.csv"]
    );
    let rows = manifest(&w, "out");
    assert_eq!(
        rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ["2", "4"]
    );
}

#[test]
fn existing_files_are_kept_unless_forced() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", three_officials());
    w.run(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out"])
        .expect_code(0);
    let before = std::fs::read(w.join("out/O'Brien-Zoë.pdf")).unwrap();
    w.file("out/O'Brien-Zoë.pdf", "mine");
    let run = w.run(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out"]);
    run.expect_code(2);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(
        std::fs::read(w.join("out/O'Brien-Zoë.pdf")).unwrap(),
        b"mine"
    );
    w.run(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out", "--force"])
        .expect_code(0);
    assert_eq!(
        std::fs::read(w.join("out/O'Brien-Zoë.pdf")).unwrap(),
        before
    );
    assert_eq!(
        w.list("out").len(),
        4,
        "no temp files left: {:?}",
        w.list("out")
    );
}

#[test]
fn data_values_print_literally_and_long_urls_stay_inside_the_margins() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    let url = format!(
        "https://example.gov/{}",
        "very-long-path-segment/".repeat(9)
    );
    w.file(
        "d.csv",
        csv(&[
            "Hon.,Ann,Star,Mayor,1 A St,X,NY,12224,*Star* jane_doe_x@example.gov <b>bold</b> [x](y)",
            &format!("Hon.,Bo,Link,Mayor,1 A St,X,NY,12224,{url}"),
        ]),
    );
    w.run(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out"])
        .expect_code(0);
    let star = squash(&pdf_text(&w.join("out/Star-Ann.pdf")));
    assert!(
        star.contains("*Star* jane_doe_x@example.gov <b>bold</b> [x](y)"),
        "{star}"
    );
    let (width, words) = pdf_words(&w.join("out/Link-Bo.pdf"), 1);
    assert!(width > 600.0);
    let right_margin = width - 72.0;
    for word in &words {
        assert!(
            word.x_min >= 0.0 && word.x_max <= right_margin + 0.5,
            "{word:?} runs past {right_margin}"
        );
    }
    let link = pdf_text(&w.join("out/Link-Bo.pdf")).replace(['\n', ' '], "");
    assert!(
        link.contains(&url),
        "the URL is all there, broken across lines: {link}"
    );
}

#[test]
fn an_unquoted_handlebars_value_in_the_front_matter_says_how_to_fix_it() {
    let w = Workdir::new();
    w.file(
        "t.md",
        TEMPLATE.replace(
            "salutation: \"Dear {{title}} {{last_name}}:\"",
            "to: {{email}}",
        ),
    );
    w.file("d.csv", three_officials());
    let run = w.run(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("t.md:9"),
        "points at the line: {}",
        run.stderr
    );
    assert!(run.stderr.contains("to: \"{{email}}\""), "{}", run.stderr);
    assert!(!w.join("out").exists());
}

#[test]
fn usage_errors_exit_2_and_help_reads_like_a_manual() {
    let w = Workdir::new();
    let run = w.run(&["pdf", "-t", "nope.md", "-d", "d.csv", "-o", "out"]);
    run.expect_code(2);
    assert!(run.stderr.contains("nope.md"), "{}", run.stderr);
    let help = w.run(&["pdf", "--help"]);
    help.expect_code(0);
    for needle in [
        "--combined",
        "--duplex",
        "--skip-invalid",
        "--force",
        "Example:",
    ] {
        assert!(
            help.stdout.contains(needle),
            "{needle} in help:\n{}",
            help.stdout
        );
    }
    let top = w.run(&["--help"]);
    assert!(top.stdout.contains("Example:") && top.stdout.contains("Exit codes"));
}

#[test]
fn the_shipped_samples_make_a_letter_for_every_official() {
    let w = Workdir::new();
    let template = repo().join("templates/welcome.md");
    let data = repo().join("samples/officials.csv");
    let (t, d) = (template.to_str().unwrap(), data.to_str().unwrap());
    w.run(&[
        "pdf",
        "-t",
        t,
        "-d",
        d,
        "-o",
        "letters",
        "--combined",
        "letters/batch.pdf",
    ])
    .expect_code(0);
    let mut rdr = csv::Reader::from_path(&data).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let last = headers.iter().position(|h| h == "last_name").unwrap();
    let rows = manifest(&w, "letters");
    let records: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert!(records.len() >= 15);
    assert_eq!(rows.len(), records.len());
    for (record, row) in records.iter().zip(&rows) {
        let text = squash(&pdf_text(&w.join("letters").join(&row[1])));
        assert!(
            text.contains(&record[last]),
            "{} in {}: {text}",
            &record[last],
            row[1]
        );
    }
    for font in pdf_fonts(&w.join("letters/batch.pdf")) {
        assert!(font.embedded && font.subset, "{font:?}");
    }
}

#[test]
fn batch_only_writes_the_batch_and_manifest_but_no_letter_files() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", three_officials());
    let run = w.run(&[
        "pdf",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-o",
        "out",
        "--combined",
        "b.pdf",
        "--batch-only",
    ]);
    run.expect_code(0);
    assert_eq!(w.list("out"), ["manifest.csv"]);
    assert_eq!(pdf_pages(&w.join("b.pdf")), 3);
    let rows = manifest(&w, "out");
    assert_eq!(
        rows.iter().map(|r| r[3].as_str()).collect::<Vec<_>>(),
        ["1", "2", "3"]
    );
    assert!(rows.iter().all(|r| r[1].is_empty()));
    let text = squash(&pdf_text(&w.join("b.pdf")));
    assert!(
        text.contains("Zoë O'Brien") && text.contains("José García-López"),
        "{text}"
    );
}

/// The top-left corner of the first word of `needle`'s line on page 1.
fn word_top(pdf: &std::path::Path, needle: &str) -> (f32, f32) {
    let (_, words) = pdf_words(pdf, 1);
    let w = words
        .iter()
        .find(|w| w.text == needle)
        .unwrap_or_else(|| panic!("{needle} not on page 1: {words:?}"));
    (w.x_min, w.y_min)
}

#[test]
fn the_address_sits_in_the_envelope_window_on_letter_and_a4() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("a4.md", TEMPLATE.replace("date:", "page: a4\ndate:"));
    w.file("d.csv", three_officials());
    w.run(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "us"])
        .expect_code(0);
    w.run(&["pdf", "-t", "a4.md", "-d", "d.csv", "-o", "a4"])
        .expect_code(0);
    // US #10 window: the block starts 1 in from the left, 2 1/8 in from the top.
    let (x, y) = word_top(&w.join("us/García-López-José.pdf"), "Honorable");
    assert!((x - 72.0).abs() < 30.0, "x {x}");
    assert!(
        (150.0..170.0).contains(&y),
        "first address line top at {y} pt"
    );
    let (width, _) = pdf_words(&w.join("us/García-López-José.pdf"), 1);
    assert!((width - 612.0).abs() < 1.0);
    // DIN 5008 form B: recipient lines from 62.7 mm (177.7 pt), text 25 mm (70.9 pt) in.
    let a4 = w.join("a4/García-López-José.pdf");
    let (width, _) = pdf_words(&a4, 1);
    assert!((width - 595.3).abs() < 1.0, "A4 width {width}");
    let (x, y) = word_top(&a4, "The");
    assert!((x - 70.9).abs() < 3.0, "x {x}");
    assert!(
        (176.0..190.0).contains(&y),
        "first recipient line top at {y} pt"
    );
}

#[test]
fn an_address_too_tall_for_the_window_is_a_warning_naming_the_row() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file(
        "d.csv",
        csv(&[
            "Hon.,Ada,Short,Mayor,1 A St,Albany,NY,12224,x",
            "Hon.,Bo,Tall,Mayor,\"Suite 1\nFloor 2\nWing B\nBuilding 4\n1 A St\",Albany,NY,12224,x",
        ]),
    );
    let run = w.run(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out"]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("warning: d.csv row 3") && run.stderr.contains("envelope window"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("row 2"), "{}", run.stderr);
    assert_eq!(w.list("out").len(), 3);
}

#[test]
fn logo_and_signature_images_are_embedded_and_a_missing_image_is_a_row_error() {
    let w = Workdir::new();
    let repo_templates = repo().join("templates");
    std::fs::copy(repo_templates.join("logo.png"), w.join("logo.png")).unwrap();
    std::fs::copy(repo_templates.join("signature.png"), w.join("sig.png")).unwrap();
    let with_images = TEMPLATE
        .replace(
            "  lines: [\"1 Library Way, Riverside, OH 43001\"]",
            "  lines: [\"1 Library Way, Riverside, OH 43001\"]\n  logo: logo.png",
        )
        .replace("signature:\n", "signature:\n  image: sig.png\n");
    w.file("t.md", &with_images);
    w.file("d.csv", three_officials());
    w.run(&[
        "pdf",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-o",
        "out",
        "--combined",
        "b.pdf",
    ])
    .expect_code(0);
    let images = common::pdf_images(&w.join("out/O'Brien-Zoë.pdf"));
    let mut sizes: Vec<(u32, u32)> = images.iter().map(|i| (i.1, i.2)).collect();
    sizes.sort();
    assert_eq!(sizes, [(226, 160), (600, 180)], "{images:?}");
    // In the batch each image is stored once and drawn on every page.
    assert_eq!(common::pdf_images(&w.join("b.pdf")).len(), 6);

    // A body image that does not exist: every row is refused, listed once with its rows.
    w.file("bad.md", format!("{with_images}\n![Chart](chart.png)\n"));
    let run = w.run(&["pdf", "-t", "bad.md", "-d", "d.csv", "-o", "bad"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("d.csv: cannot use the image")
            && run.stderr.contains(", in 3 rows: rows 2-4"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("chart.png") && run.stderr.contains("not found"),
        "{}",
        run.stderr
    );
    assert!(!w.join("bad").exists() || w.list("bad").is_empty());
}

#[test]
fn a_users_own_font_is_embedded_as_a_subset() {
    let w = Workdir::new();
    // A TrueType font from the fonts this crate bundles (DejaVu Sans Mono).
    let ttf = typst_assets::fonts()
        .find(|data| {
            let face = rustybuzz::ttf_parser::Face::parse(data, 0);
            face.is_ok_and(|f| {
                f.names().into_iter().any(|n| {
                    n.name_id == rustybuzz::ttf_parser::name_id::POST_SCRIPT_NAME
                        && n.to_string().as_deref() == Some("DejaVuSansMono")
                })
            })
        })
        .expect("DejaVu Sans Mono is bundled");
    w.file("mono.ttf", ttf);
    w.file(
        "t.md",
        TEMPLATE.replace("date:", "font: {regular: mono.ttf}\ndate:"),
    );
    w.file("d.csv", three_officials());
    w.run(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out"])
        .expect_code(0);
    let fonts = pdf_fonts(&w.join("out/O'Brien-Zoë.pdf"));
    assert!(
        fonts
            .iter()
            .any(|f| f.name.ends_with("+DejaVuSansMono") && f.embedded && f.subset),
        "{fonts:?}"
    );
    let text = squash(&pdf_text(&w.join("out/O'Brien-Zoë.pdf")));
    assert!(text.contains("The Honorable Zoë O'Brien"), "{text}");

    w.file(
        "missing.md",
        TEMPLATE.replace("date:", "font: {regular: nope.ttf}\ndate:"),
    );
    let run = w.run(&["pdf", "-t", "missing.md", "-d", "d.csv", "-o", "out2"]);
    run.expect_code(1);
    assert!(run.stderr.contains("nope.ttf"), "{}", run.stderr);
}
