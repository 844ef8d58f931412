//! The studio in a real browser (Debian's chromium, headless, through chromedriver): a user
//! starts a campaign in an empty folder, sees the sample rows, uploads their own CSV and sees
//! its rows. Each screen is saved as a 1280×800 PNG under target/studio-screens/ for review.

#[path = "support/studio.rs"]
mod studio;
#[path = "support/webdriver.rs"]
mod webdriver;

use std::path::PathBuf;
use studio::Studio;
use webdriver::Browser;

fn screens() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/studio-screens")
}

#[test]
fn start_a_campaign_then_upload_a_list() {
    let browser = browser();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("campaign");
    let studio = Studio::start(&dir);

    // The printed URL lets the browser in, and the token leaves the address bar.
    browser.goto(&studio.url);
    browser.wait_for_text("Start a campaign here");
    assert!(
        !browser.current_url().contains("token"),
        "{}",
        browser.current_url()
    );
    browser.screenshot(&screens().join("1-start.png"));

    let start = browser.find("form[action='/start'] button");
    browser.click(&start);
    // The start page names officials.csv too: wait for the table's own line.
    let text = browser.wait_for_text("officials.csv · UTF-8 · comma-separated · 21 rows");
    assert!(text.contains("Álvarez-Núñez"), "{text}");
    assert!(text.contains("O'Brien"), "{text}");
    assert!(dir.join("welcome.md").is_file());
    browser.screenshot(&screens().join("2-data-sample.png"));

    // The user's own list, with markup in a cell that must show as text.
    let list = tmp.path().join("parish council.csv");
    let mut csv = String::from("First Name,Last Name,Office,Email\n");
    csv.push_str("Thérèse,<b>Boudreaux</b>,Parish President,t.boudreaux@example.org\n");
    for i in 2..=140 {
        csv.push_str(&format!(
            "Member{i},Family{i},Council Member,m{i}@example.org\n"
        ));
    }
    std::fs::write(&list, &csv).unwrap();
    let input = browser.find("form.upload input[type=file]");
    browser.send_keys(&input, list.to_str().unwrap());
    let upload = browser.find("form.upload button[type=submit]");
    browser.click(&upload);
    let text = browser.wait_for_text("parish council.csv · UTF-8 · comma-separated · 140 rows");
    assert!(
        text.contains("<b>Boudreaux</b>"),
        "markup shown as text: {text}"
    );
    assert!(text.contains("Rows 1–100 of 140"), "{text}");
    assert_eq!(
        std::fs::read_to_string(dir.join("parish council.csv")).unwrap(),
        csv
    );
    browser.screenshot(&screens().join("3-data-uploaded.png"));

    let next = browser.find("nav.pager a[rel=next]");
    browser.click(&next);
    let text = browser.wait_for_text("Rows 101–140 of 140");
    assert!(text.contains("Member140"), "{text}");
    browser.screenshot(&screens().join("4-data-page-2.png"));

    // The filter box means what --where means: the whole cell, case and end spaces aside,
    // and the pages keep it.
    let filter = browser.find("form.filter input[name=where]");
    browser.send_keys(&filter, "office= council member ");
    browser.click(&browser.find("form.filter button[type=submit]"));
    let text = browser.wait_for_text("139 rows matching office= council member");
    assert!(!text.contains("Boudreaux"), "{text}");
    assert!(text.contains("Rows 1–100 of 139"), "{text}");
    browser.click(&browser.find("nav.pager a[rel=next]"));
    let text = browser.wait_for_text("Rows 101–139 of 139");
    assert!(text.contains("Member140"), "{text}");
    browser.screenshot(&screens().join("5-data-filtered.png"));
    // A column the data lacks is said plainly, in the page.
    let filter = browser.find("form.filter input[name=where]");
    browser.clear(&filter);
    browser.send_keys(&filter, "ward=3");
    browser.click(&browser.find("form.filter button[type=submit]"));
    let text = browser.wait_for_text("This filter cannot be used");
    assert!(text.contains("the data has no column `ward`"), "{text}");
}

/// The browser, which these tests need: scripts/test installs chromium and chromium-driver,
/// so a missing one is a failure, never a pass.
fn browser() -> Browser {
    Browser::start().unwrap_or_else(|| {
        panic!("chromedriver or chromium is not installed; scripts/test installs them (apt-get install chromium chromium-driver)")
    })
}

/// A campaign started with the studio's own button in `tmp/campaign`, then `csv` uploaded
/// through the page as `name`; waits for its `rows` rows.
fn started_with_list(
    browser: &Browser,
    tmp: &std::path::Path,
    name: &str,
    csv: &str,
    rows: usize,
) -> (Studio, PathBuf) {
    let dir = tmp.join("campaign");
    let studio = Studio::start(&dir);
    browser.goto(&studio.url);
    browser.click(&browser.find("form[action='/start'] button"));
    browser.wait_for_text("21 rows");
    let list = tmp.join(name);
    std::fs::write(&list, csv).unwrap();
    browser.send_keys(
        &browser.find("form.upload input[type=file]"),
        list.to_str().unwrap(),
    );
    browser.click(&browser.find("form.upload button[type=submit]"));
    browser.wait_for_text(&format!("{name} · UTF-8 · comma-separated · {rows} rows"));
    (studio, dir)
}

/// `lettermerge ARGS` in `dir`; stdout and stderr together.
fn cli(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lettermerge"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run lettermerge");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn match_a_field_and_leave_a_row_out_then_the_command_line_agrees() {
    let browser = browser();
    let tmp = tempfile::tempdir().unwrap();
    let (studio, dir) = started_with_list(
        &browser,
        tmp.path(),
        "council.csv",
        "Given Name,Goes By,Surname,Office,E-mail Address\n\
         Margaret,Peggy,Lindqvist,Council Member,peggy@example.org\n\
         Robert,Bob,Okafor,Council Member,bob@example.org\n\
         Susan,Sue,Marchetti,Mayor,sue@example.org\n",
        3,
    );

    // Match fields: "Given Name" is found by itself; the user wants the name they go by.
    browser.click(&browser.find("nav.tabs a[href='/fields']"));
    let text = browser.wait_for_text("Fields the letter uses");
    assert!(text.contains("Automatic: Given Name (synonym)"), "{text}");
    browser.screenshot(&screens().join("6-match-fields.png"));
    browser.click(&browser.find("select[name=first_name]"));
    browser.click(&browser.find("select[name=first_name] option[value='Goes By']"));
    browser.click(&browser.find("form.fields-form button[type=submit]"));
    browser.wait_for_text("Chosen by you");
    let config = std::fs::read_to_string(dir.join("lettermerge.toml")).unwrap();
    assert!(
        config.contains("[columns]\nfirst_name = \"Goes By\"\n"),
        "{config}"
    );
    assert!(
        config.starts_with("# lettermerge campaign settings."),
        "the user's comments stay: {config}"
    );
    let said = cli(
        &dir,
        &[
            "check",
            "-t",
            "welcome.md",
            "-d",
            "council.csv",
            "--config",
            "lettermerge.toml",
        ],
    );
    assert!(
        said.contains("first_name") && said.contains("Goes By (config)"),
        "{said}"
    );

    // Data: untick Okafor's row (row 3); it is saved at once, and stays after a reload.
    browser.click(&browser.find("nav.tabs a[href='/']"));
    browser.wait_for_text("3 rows");
    browser.click(&browser.find("table.rows input[name=include][value='3']"));
    browser.wait_for_text("1 left out");
    let config = std::fs::read_to_string(dir.join("lettermerge.toml")).unwrap();
    assert!(
        config.contains("[data]\nexclude_file = \"council.csv\"\nexclude_rows = [3]\n"),
        "{config}"
    );
    browser.goto(&format!("http://127.0.0.1:{}/", studio.port));
    browser.wait_for_text("1 left out");
    browser.screenshot(&screens().join("7-data-row-left-out.png"));
    let said = cli(
        &dir,
        &[
            "check",
            "-t",
            "welcome.md",
            "-d",
            "council.csv",
            "--config",
            "lettermerge.toml",
        ],
    );
    assert!(said.contains("row 3 left out"), "{said}");
    assert!(!said.contains("row 3:"), "row 3 is not checked: {said}");

    // Ticked again: the lines go, and the file reads as before.
    browser.click(&browser.find("table.rows input[name=include][value='3']"));
    browser.wait_for_text_gone("left out");
    let config = std::fs::read_to_string(dir.join("lettermerge.toml")).unwrap();
    assert!(
        !config.contains("\nexclude_rows") && !config.contains("\n[data]"),
        "{config}"
    );
}

#[test]
fn check_then_step_to_the_row_with_a_problem_and_leave_it_out() {
    let browser = browser();
    let tmp = tempfile::tempdir().unwrap();
    let (_studio, dir) = started_with_list(
        &browser,
        tmp.path(),
        "assembly.csv",
        "first_name,last_name,title,body,district,address,city,state,zip,email\n\
         Ana,Reyes,Assembly Member,California State Assembly,12,1021 O Street,Sacramento,CA,95814,ana.reyes@example.org\n\
         Ben,Cho,Assembly Member,California State Assembly,13,1021 O Street,Sacramento,CA,95814,ben.cho@@example\n\
         Cara,Diaz,Assembly Member,California State Assembly,14,1021 O Street,Sacramento,CA,95814,cara.diaz@example.org\n",
        3,
    );

    browser.click(&browser.find("nav.tabs a[href='/check']"));
    let text = browser.wait_for_text("rows checked");
    assert!(text.contains("1 row has errors"), "{text}");
    assert!(
        text.contains("ben.cho@@example"),
        "the problem names the value: {text}"
    );
    browser.screenshot(&screens().join("8-check.png"));

    // The problem's row link leads to the row, with its problem.
    browser.click(&browser.find("ul.problems.errors a.row-link"));
    let text = browser.wait_for_text("Row 3 · 2 of 3");
    assert!(text.contains("Error"), "{text}");
    assert!(text.contains("Cho"), "{text}");
    // Its printed page (the typesetter's SVG) and its email are shown beside each other.
    browser.find(".row-letter .row-page .sheet svg");
    browser.find(".row-letter .row-email iframe.email-frame[sandbox]");
    browser.screenshot(&screens().join("9-row-with-a-problem.png"));
    // Next and previous step through the rows; find goes by name.
    browser.click(&browser.find(".stepper a[rel=next]"));
    browser.wait_for_text("Row 4 · 3 of 3");
    let find = browser.find("form.find input[name=find]");
    browser.send_keys(&find, "reyes");
    browser.click(&browser.find("form.find button"));
    let text = browser.wait_for_text("Row 2 · 1 of 3");
    assert!(
        text.contains("No problems: this letter is ready."),
        "{text}"
    );
    browser.click(&browser.find(".stepper a[rel=next]"));
    browser.wait_for_text("Row 3 · 2 of 3");

    // Left out from here, the check is clean.
    browser.click(&browser.find("input[name=include][data-exclude]"));
    browser.wait_for_text("1 left out");
    browser.click(&browser.find("nav.tabs a[href='/check']"));
    let text = browser.wait_for_text("rows checked");
    assert!(text.contains("Every letter is ready."), "{text}");
    assert!(text.contains("2 rows checked"), "{text}");
    let config = std::fs::read_to_string(dir.join("lettermerge.toml")).unwrap();
    assert!(config.contains("exclude_rows = [3]"), "{config}");
}

#[test]
fn print_the_letters_and_the_batch_then_open_them() {
    let browser = browser();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("campaign");
    let studio = Studio::start(&dir);
    browser.goto(&studio.url);
    browser.click(&browser.find("form[action='/start'] button"));
    browser.wait_for_text("21 rows");
    // One row left out: it is not printed.
    browser.click(&browser.find("table.rows input[name=include][value='2']"));
    browser.wait_for_text("1 left out");

    browser.click(&browser.find("nav.tabs a[href='/print']"));
    browser.wait_for_text("Write the letters");
    browser.screenshot(&screens().join("10-print.png"));
    browser.click(&browser.find("input[name=duplex]"));
    browser.click(&browser.find("form.print-form button[type=submit]"));
    let text = browser.wait_for_text("Wrote 20 letters");
    assert!(text.contains("for double-sided printing"), "{text}");
    browser.screenshot(&screens().join("11-print-done.png"));

    // The batch is a real PDF with every letter, each starting on a front page.
    let batch = dir.join("letters/batch.pdf");
    let info = std::process::Command::new("pdfinfo")
        .arg(&batch)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{info}"));
    assert!(pages >= 20 && pages.is_multiple_of(2), "{pages} pages");
    let text = std::process::Command::new("pdftotext")
        .arg(&batch)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(
        text.contains("O’Brien") || text.contains("O'Brien"),
        "{text}"
    );
    assert!(
        !text.contains("Álvarez-Núñez"),
        "row 2 was left out: {text}"
    );
    let manifest = std::fs::read_to_string(dir.join("letters/manifest.csv")).unwrap();
    assert_eq!(manifest.lines().count(), 21, "{manifest}");

    // The links open the manifest and the folder.
    browser.click(&browser.find("a[href='/files/letters/']"));
    let text = browser.wait_for_text("letters/");
    assert!(
        text.contains("batch.pdf") && text.contains("manifest.csv"),
        "{text}"
    );
    let manifest_link = studio.get("/files/letters/manifest.csv", &studio.login());
    assert_eq!(manifest_link.status, 200);
    assert_eq!(manifest_link.body, manifest);
    let escape = studio.get("/files/letters/..%2Flettermerge.toml", &studio.login());
    assert_eq!(escape.status, 404);

    // A second run replaces only when asked.
    browser.goto(&format!("http://127.0.0.1:{}/print", studio.port));
    browser.click(&browser.find("form.print-form button[type=submit]"));
    let text = browser.wait_for_text("Nothing was written");
    assert!(text.contains("already exist"), "{text}");
    browser.click(&browser.find("input[name=replace]"));
    browser.click(&browser.find("form.print-form button[type=submit]"));
    browser.wait_for_text("Wrote 20 letters");
}
