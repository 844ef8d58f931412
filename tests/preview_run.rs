//! `lettermerge preview` through the real binary: the emails as the recipient sees them,
//! the MIME messages, the PDFs, and the review page, loaded in a real headless Chromium.

mod common;

use common::{pdf_pages, pdf_text, rows_shown, squash, Workdir};
use std::path::{Path, PathBuf};
use std::process::Command;

const TEMPLATE: &str = r#"---
filename: "{{last_name}}-{{first_name}}"
address: |
  {{first_name}} {{last_name}}
  {{street}}
  {{city}}, {{state}}  {{zip}}
date: "November 29, 2026"
salutation: "Dear {{title}} {{last_name}}:"
subject: "Welcome, {{title}} {{last_name}}"
to: "{{first_name}} {{last_name}} <{{email}}>"
---
Thank you for serving **{{district}}**.
"#;

const CSV: &str = "\
first_name,last_name,title,street,city,state,zip,email,district
Ann,Lee,Senator,1 Main St,Columbus,OH,43001,ann@example.org,District 1
Bob,Ng,Mayor,2 Main St,Dayton,OH,45401,bob@example.org,Dayton
Cy,Moss,Delegate,3 Oak Ave,Erie,PA,16501,cy@example.org,District 3
Dee,Orr,Senator,4 Elm St,Toledo,OH,43601,dee@example.org,District 4
Eve,Ray,Governor,5 Pine Rd,Akron,OH,44301,eve@example.org,Ohio
";

/// TEMPLATE without its `to`: a letter for print only.
fn print_only_template() -> String {
    TEMPLATE.replace("to: \"{{first_name}} {{last_name}} <{{email}}>\"\n", "")
}

fn campaign() -> Workdir {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", CSV);
    w
}

fn preview(w: &Workdir, extra: &[&str]) -> common::Run {
    let mut args = vec!["preview", "-t", "t.md", "-d", "d.csv"];
    args.extend_from_slice(extra);
    w.run(&args)
}

#[test]
fn text_shows_the_first_three_rows_as_the_recipient_sees_them() {
    let w = campaign();
    let run = preview(&w, &[]);
    run.expect_code(0);
    assert_eq!(rows_shown(&run.stdout), [2, 3, 4]);
    let first = run.stdout.split("=== row 3 ===").next().unwrap();
    assert!(
        first.contains("\nTo: Ann Lee <ann@example.org>\n"),
        "{first}"
    );
    assert!(
        first.contains("\nSubject: Welcome, Senator Lee\n"),
        "{first}"
    );
    // Headers, a blank line, then the text body.
    assert!(
        first.contains("Message-ID: <lm.")
            && first.contains(">\n\nDear Senator Lee:\n\nThank you for serving District 1."),
        "{first}"
    );
    assert!(
        run.stderr
            .contains("Previewed 3 emails; nothing was sent (the first 3 rows: choose others"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("placeholder sender"), "{}", run.stderr);
}

#[test]
fn a_print_only_template_previews_as_letter_text() {
    let w = campaign();
    w.file("t.md", print_only_template());
    let run = preview(&w, &["--rows", "3"]);
    run.expect_code(0);
    assert!(run.stdout.starts_with("=== row 3 (letter) ===\nBob Ng\n2 Main St\nDayton, OH  45401\n\nNovember 29, 2026\n\nDear Mayor Ng:\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Thank you for serving Dayton."),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("Previewed 1 letter (as text"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("[smtp]"),
        "no sender note for print: {}",
        run.stderr
    );
}

#[test]
fn a_print_only_review_page_has_every_pdf() {
    let w = campaign();
    w.file("t.md", print_only_template());
    let run = preview(&w, &["--html", "review.html"]);
    run.expect_code(0);
    assert!(run.stderr.contains("5 PDFs"), "{}", run.stderr);
    let page = std::fs::read_to_string(w.join("review.html")).unwrap();
    assert!(
        page.contains("Print only"),
        "the page says why there is no email"
    );
    assert!(!page.contains("no recipient"));
}

#[test]
fn rows_where_and_limit_select_exactly() {
    let w = campaign();
    let shown = |extra: &[&str]| {
        let run = preview(&w, extra);
        run.expect_code(0);
        rows_shown(&run.stdout)
    };
    assert_eq!(shown(&["--rows", "3,5-6"]), [3, 5, 6]);
    assert_eq!(shown(&["--where", "state=OH"]), [2, 3, 5, 6]);
    assert_eq!(
        shown(&["--where", "State=OH", "--where", "title=Senator"]),
        [2, 5]
    );
    assert_eq!(shown(&["--where", "state=OH", "--limit", "2"]), [2, 3]);
    assert_eq!(shown(&["--rows", "2-6", "--where", "title=Mayor"]), [3]);
    assert_eq!(shown(&["--limit", "5"]), [2, 3, 4, 5, 6]);
    // Whole cells, ignoring case and spaces at the ends.
    assert_eq!(shown(&["--where", "state=oh"]), [2, 3, 5, 6]);
    assert_eq!(shown(&["--where", "state=O"]), Vec::<u64>::new());
    assert_eq!(shown(&["--where", "district= Dayton "]), [3]);
    let none = preview(&w, &["--where", "state=TX"]);
    none.expect_code(0);
    assert!(
        none.stderr.contains("no row matches --where state=TX"),
        "{}",
        none.stderr
    );
}

#[test]
fn eml_prints_or_writes_the_whole_message_with_the_config_sender() {
    let w = campaign();
    w.file(
        "c.toml",
        "[smtp]\nhost = \"h\"\nfrom = \"Advocacy <adv@example.org>\"\n",
    );
    let run = preview(&w, &["--format", "eml", "--rows", "4", "-c", "c.toml"]);
    run.expect_code(0);
    assert!(run.stdout.starts_with("=== row 4 ===\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("From: Advocacy <adv@example.org>\r\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Content-Type: multipart/alternative"));
    assert!(run.stdout.contains("Content-Type: text/html"));
    assert!(!run.stderr.contains("placeholder"), "{}", run.stderr);

    let run = preview(
        &w,
        &[
            "--format",
            "eml",
            "--where",
            "title=Senator",
            "--out",
            "mail",
        ],
    );
    run.expect_code(0);
    assert_eq!(
        w.list("mail"),
        [".lettermerge-preview", "row-00002.eml", "row-00005.eml"]
    );
    let eml = std::fs::read_to_string(w.join("mail/row-00005.eml")).unwrap();
    assert!(eml.contains("Subject: Welcome, Senator Orr\r\n"), "{eml}");
}

#[test]
fn pdf_writes_the_selected_letters_into_preview() {
    let w = campaign();
    let run = preview(&w, &["--format", "pdf", "--rows", "3-4"]);
    run.expect_code(0);
    assert_eq!(
        w.list("preview"),
        [
            ".lettermerge-preview",
            "Moss-Cy.pdf",
            "Ng-Bob.pdf",
            "manifest.csv"
        ]
    );
    assert_eq!(pdf_pages(&w.join("preview/Ng-Bob.pdf")), 1);
    assert!(squash(&pdf_text(&w.join("preview/Moss-Cy.pdf"))).contains("Dear Delegate Moss:"));
    // A second preview replaces the files; --out chooses the folder.
    preview(&w, &["--format", "pdf", "--rows", "3-4"]).expect_code(0);
    preview(&w, &["--format", "pdf", "--limit", "1", "--out", "one"]).expect_code(0);
    assert_eq!(
        w.list("one"),
        [".lettermerge-preview", "Lee-Ann.pdf", "manifest.csv"]
    );
}

#[test]
fn option_mistakes_are_usage_errors() {
    let w = campaign();
    let run = preview(&w, &["--rows", "5-3"]);
    run.expect_code(2);
    assert!(run.stderr.contains("runs backwards"), "{}", run.stderr);
    let run = preview(&w, &["--where", "county=X"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("the columns are: first_name, last_name, title"),
        "{}",
        run.stderr
    );
    preview(&w, &["--out", "x"]).expect_code(2);
    preview(&w, &["--html", "r.html", "--format", "pdf"]).expect_code(2);
}

// ---- the review page in a real browser -------------------------------------------------

/// Chromium from Debian's `chromium` package (scripts/test installs it).
fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Some(dir) = std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .find(|d| d.join(name).is_file())
        {
            return dir.join(name);
        }
    }
    panic!(
        "the review page tests need a real browser and chromium is not installed: run \
         scripts/test, which installs it (apt-get install chromium)"
    );
}

/// Runs headless Chromium on the page with `args` and returns its stdout.
fn browse(w: &Workdir, page: &Path, args: &[&str]) -> String {
    let profile = w.join("chromium-profile");
    let url = format!("file://{}", page.display());
    let out = Command::new(chromium())
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(&url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The DOM after the page loaded (scripts, had there been any that ran, included).
fn dom(w: &Workdir, page: &Path) -> String {
    browse(w, page, &["--dump-dom"])
}

/// What the browser shows, frames included: the page printed to PDF, read back by poppler.
fn rendered_text(w: &Workdir, page: &Path) -> String {
    let pdf = w.join("rendered.pdf");
    browse(
        w,
        page,
        &[
            &format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer",
        ],
    );
    squash(&pdf_text(&pdf))
}

const HOSTILE: &str = "\
first_name,last_name,title,street,city,state,zip,email,district
\"<script>document.title='pwned'</script>Al\",Hax,Mayor,\"<img src=x onerror=\"\"document.title='pwned'\"\">\",Erie,PA,16501,al@example.org,\"<b id=injected>D</b>\"
Ann,Lee,Senator,1 Main St,Columbus,OH,43001,ann@example.org,District 1
Cy,Moss,Delegate,3 Oak Ave,Erie,PA,16501,not-an-address,
Ann,Lee,Senator,1 Main St,Columbus,OH,43001,ann@example.org,District 1
";

#[test]
fn the_review_page_shows_every_row_its_problems_email_and_pdf_in_chromium() {
    let w = Workdir::new();
    w.file(
        "t.md",
        TEMPLATE.replace("{{first_name}} {{last_name}} <{{email}}>", "{{email}}"),
    );
    w.file("d.csv", HOSTILE);
    let run = w.run(&[
        "preview",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "--html",
        "out/review.html",
    ]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("4 rows checked: 2 errors in 2 rows, 2 warnings; review page out/review.html (4 PDFs in out/review-pdf)"),
        "{}",
        run.stderr
    );
    let page = w.join("out/review.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external URLs"
    );
    assert!(
        !html.contains("<script"),
        "no scripts, and data never becomes one"
    );

    // The DOM as Chromium built it: no element from the data, no script ran.
    let dom = dom(&w, &page);
    assert!(
        dom.contains("<title>Review: d.csv</title>"),
        "a script changed the title:\n{dom}"
    );
    assert!(!dom.contains("id=\"injected\""), "{dom}");
    assert!(!dom.contains("<img"), "{dom}");
    assert!(
        dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;Al Hax"),
        "{dom}"
    );
    for row in 2..=5 {
        assert!(
            dom.contains(&format!("id=\"row-{row}\"")),
            "row {row} missing:\n{dom}"
        );
    }
    // Links to the PDFs are relative, and each file is there (a broken email does not keep
    // a letter from printing; the colliding name gets `-2` as `pdf` would write it).
    for pdf in [
        "Hax--script-document.title%3D%27pwned%27--script-Al.pdf",
        "Lee-Ann.pdf",
        "Moss-Cy.pdf",
        "Lee-Ann-2.pdf",
    ] {
        assert!(
            dom.contains(&format!("href=\"review-pdf/{pdf}\"")),
            "{pdf}:\n{dom}"
        );
    }
    assert_eq!(
        w.list("out/review-pdf"),
        [
            ".lettermerge-preview",
            "Hax--script-document.title='pwned'--script-Al.pdf",
            "Lee-Ann-2.pdf",
            "Lee-Ann.pdf",
            "Moss-Cy.pdf",
            "manifest.csv"
        ]
    );

    // What the browser shows, the emails in their frames included.
    let text = rendered_text(&w, &page);
    for expected in [
        "Review of 4 letters",
        "Rows 4 Errors 2 in 2 rows Warnings 2 PDFs written 4 in review-pdf/",
        "email addresses and headers",
        "duplicate rows",
        // Each row with the official's name and its problems.
        "Row 2: <script>document.title='pwned'</script>Al Hax",
        "Row 3: Ann Lee no problems",
        "Row 4: Cy Moss 1 error 1 warning warning in column “district”: `{{district}}` is empty",
        "the `to` value `not-an-address` is not an email address",
        "`{{district}}` is empty",
        "Row 5: Ann Lee 1 error 1 warning",
        "warning: row 5 repeats row 3 exactly",
        "file name Lee-Ann.pdf is already row 3's letter",
        // The email as the recipient sees it: headers and the HTML body.
        "To ann@example.org",
        "Subject Welcome, Senator Lee",
        "Thank you for serving District 1.",
        "Thank you for serving <b id=injected>D</b>.",
    ] {
        assert!(text.contains(expected), "{expected:?} not shown:\n{text}");
    }
}

/// The review page's sections, row number -> its HTML.
fn row_sections(html: &str) -> Vec<(u64, &str)> {
    html.split("<section class=\"row\" id=\"row-")
        .skip(1)
        .map(|s| {
            let row = s.split('"').next().unwrap().parse().unwrap();
            (row, s.split("</section>").next().unwrap())
        })
        .collect()
}

#[test]
fn the_review_page_lists_every_rows_problems_however_many_share_one() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    // 60 rows with an empty district.
    let mut csv = CSV.lines().next().unwrap().to_string() + "\n";
    for i in 0..60 {
        csv.push_str(&format!(
            "Ann,Lee{i},Senator,{i} Main St,Columbus,OH,43001,a{i}@example.org,\n"
        ));
    }
    w.file("d.csv", csv);
    let run = preview(&w, &["--html", "review.html"]);
    run.expect_code(0);
    // On the terminal: one entry.
    assert_eq!(run.stderr.matches("`{{district}}` is empty").count(), 1);
    let html = std::fs::read_to_string(w.join("review.html")).unwrap();
    // In the summary, one item with links to the first 50 rows and a count of the rest.
    let summary = html.split("<section class=\"row\"").next().unwrap();
    assert_eq!(summary.matches("`{{district}}` is empty").count(), 1);
    assert!(
        summary.contains("<a href=\"#row-51\">51</a> and 10 more"),
        "{summary}"
    );
    // Every row's own section names its problem.
    let sections = row_sections(&html);
    assert_eq!(sections.len(), 60);
    for (row, section) in sections {
        assert!(section.contains("`{{district}}` is empty"), "row {row}");
    }

    // A column the data lacks is one error, and every row it breaks shows it.
    w.file("t.md", TEMPLATE.replace("{{district}}", "{{county}}"));
    let run = preview(&w, &["--html", "review.html"]);
    run.expect_code(1);
    let html = std::fs::read_to_string(w.join("review.html")).unwrap();
    let sections = row_sections(&html);
    assert_eq!(sections.len(), 60);
    for (row, section) in sections {
        assert!(
            section.contains("1 error") && section.contains("no column `county`"),
            "row {row}: {section}"
        );
    }
}
