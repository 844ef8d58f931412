//! Data as people have it, through the real binary and the shipped template, unedited: real
//! extracts of congress-legislators and Open States (tests/data/public), Outlook and Google
//! Contacts exports and a hand-typed sheet (tests/data/exports). Each letter is read back
//! from its PDF with poppler.

mod common;

use common::{pdf_text, pdf_words, repo, squash, Workdir};
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    repo().join("tests/data").join(name)
}

fn template() -> String {
    repo()
        .join("templates/welcome.md")
        .to_string_lossy()
        .into_owned()
}

/// Runs `lettermerge` with `args` then `extra` (all as strings).
fn run(w: &Workdir, args: &[String], extra: &[&str]) -> common::Run {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend_from_slice(extra);
    w.run_bounded(&all, &[])
}

/// Runs `pdf` with the shipped template on `file`, into `letters/`.
fn print(w: &Workdir, file: &str, extra: &[&str]) -> common::Run {
    let args = [
        "pdf".to_string(),
        "--template".to_string(),
        template(),
        "--data".to_string(),
        data(file).to_string_lossy().into_owned(),
        "--out".to_string(),
        w.join("letters").to_string_lossy().into_owned(),
    ];
    run(w, &args, extra)
}

/// The text of the letter whose file name starts with `stem`, whitespace squashed.
fn letter(w: &Workdir, stem: &str) -> String {
    let names = w.list("letters");
    let name = names
        .iter()
        .find(|n| n.starts_with(stem) && n.ends_with(".pdf"))
        .unwrap_or_else(|| panic!("no letter {stem}*.pdf among {names:?}"));
    squash(&pdf_text(&w.join("letters").join(name)))
}

fn check(file: &str, extra: &[&str]) -> common::Run {
    let w = Workdir::new();
    let args = [
        "check".to_string(),
        "--template".to_string(),
        template(),
        "--data".to_string(),
        data(file).to_string_lossy().into_owned(),
    ];
    run(&w, &args, extra)
}

fn assert_in(text: &str, want: &str) {
    assert!(text.contains(want), "expected {want:?} in:\n{text}");
}

#[test]
fn congress_current_members_print_unedited() {
    let w = Workdir::new();
    let run = print(&w, "public/congress-legislators-current.csv", &[]);
    run.expect_code(0);
    assert_in(&run.stderr, "this is the congress-legislators data");
    assert_in(&run.stderr, "web forms");
    let cantwell = letter(&w, "Cantwell-Maria-WA");
    assert_in(&cantwell, "The Honorable Maria Cantwell United States Senate 511 Hart Senate Office Building Washington, DC 20510");
    assert_in(&cantwell, "Dear Senator Cantwell:");
    // USPS style: two spaces before the ZIP, kept on the page (a word space is ~2.6 pt).
    let (_, words) = pdf_words(&w.join("letters/Cantwell-Maria-WA.pdf"), 1);
    let at = words
        .windows(2)
        .find(|p| p[0].text == "DC" && p[1].text == "20510")
        .expect("the city line of the address");
    let gap = at[1].x_min - at[0].x_max;
    assert!(gap > 4.5, "the gap before the ZIP is {gap} pt, one space");
    // The file does not say who is new: wording that fits both.
    assert_in(
        &cantwell,
        "As the new term begins in the United States Senate",
    );
    assert!(!cantwell.contains("re-election"), "{cantwell}");
    let norton = letter(&w, "Norton-Eleanor-DC");
    assert_in(&norton, "Dear Delegate Norton:");
    assert_in(&norton, "U.S. House of Representatives");
    assert_in(&norton, "Washington, DC 20515-5101");
    assert_in(
        &letter(&w, "Hernández Rivera-Pablo José-PR"),
        "Dear Resident Commissioner Hernández Rivera:",
    );
    assert_in(
        &letter(&w, "Larsen-Rick-WA-2"),
        "Dear Representative Larsen:",
    );
}

#[test]
fn congress_new_members_are_welcomed_never_re_elected() {
    let w = Workdir::new();
    print(&w, "public/congress-new-members.csv", &[]).expect_code(0);
    let alsobrooks = letter(&w, "Alsobrooks-Angela-MD");
    assert_in(&alsobrooks, "Dear Senator Alsobrooks:");
    assert_in(
        &alsobrooks,
        "Congratulations on your election to the United States Senate, and welcome to office",
    );
    assert_in(
        &letter(&w, "King-Hinds-Kimberlyn-MP"),
        "Dear Delegate King-Hinds:",
    );
    let letters: Vec<String> = w
        .list("letters")
        .into_iter()
        .filter(|n| n.ends_with(".pdf"))
        .collect();
    assert_eq!(letters.len(), 4, "{letters:?}");
    for name in letters {
        let text = pdf_text(&w.join("letters").join(&name));
        assert!(!text.contains("re-election"), "{name}: {text}");
    }
}

#[test]
fn a_member_without_an_office_yet_is_a_print_problem_named_by_row() {
    let w = Workdir::new();
    let run = print(&w, "public/congress-new-members-no-address.csv", &[]);
    run.expect_code(1);
    assert_in(
        &run.stderr,
        "row 2, column \"address\": no mailing address: `address` is empty",
    );
    assert!(w.list("letters").iter().all(|n| !n.ends_with(".pdf")));
}

#[test]
fn open_states_prints_each_legislatures_own_titles() {
    let w = Workdir::new();
    let run = print(&w, "public/openstates-people.csv", &[]);
    run.expect_code(0);
    assert_in(&run.stderr, "this is an Open States people file");
    let hadwick = letter(&w, "Hadwick-Heather-CA-1");
    assert_in(&hadwick, "Dear Assembly Member Hadwick:");
    assert_in(&hadwick, "California State Assembly");
    // Three street lines are joined to two, so the block fits the envelope window.
    assert_in(
        &hadwick,
        "California State Assembly Room 5710, 1021 O St. P.O. Box 942849 Sacramento, CA 94249",
    );
    assert!(!run.stderr.contains("envelope window"), "{}", run.stderr);
    assert_in(&letter(&w, "Fair-Kris-MD-3"), "Dear Delegate Fair:");
    let nebraska = letter(&w, "Hallstrom-Bob-NE-1");
    assert_in(&nebraska, "Dear Senator Hallstrom:");
    assert_in(&nebraska, "Nebraska Legislature");
    assert_in(&letter(&w, "Hope-Patrick-VA-1"), "Dear Delegate Hope:");
    // The capitol address, split into its lines.
    let alaska = letter(&w, "Bynum-Jeremy-AK-1");
    assert_in(
        &alaska,
        "State Capitol Room 400 120 4th St. Juneau, AK 99801",
    );
    // is_new = 1 in the extract: welcomed; a returning member is congratulated.
    assert_in(&alaska, "welcome to office");
}

#[test]
fn open_states_rows_without_an_address_are_print_problems_only() {
    check("public/openstates-people.csv", &["--for", "pdf"]).expect_code(0);
    let run = check("public/openstates-no-address.csv", &["--for", "pdf"]);
    run.expect_code(1);
    // KY House 55 (row 2) and WI House 33 (row 3) have neither office address.
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert_in(errors[0], "no mailing address");
    assert_in(errors[0], "in 2 rows: rows 2-3");
    assert_in(&run.stderr, "title, body");
    assert_in(&run.stderr, "<- chamber + state (Open States)");
    // For email alone the address does not matter.
    check("public/openstates-no-address.csv", &["--for", "email"]).expect_code(0);
}

#[test]
fn the_district_office_on_request() {
    let w = Workdir::new();
    print(
        &w,
        "public/openstates-people.csv",
        &["--address", "district"],
    )
    .expect_code(0);
    let alaska = letter(&w, "Bynum-Jeremy-AK-1");
    assert_in(&alaska, "Ketchikan, AK 99901");
}

#[test]
fn one_states_file_works_too() {
    let w = Workdir::new();
    print(&w, "public/openstates-nm.csv", &[]).expect_code(0);
    let names = w.list("letters");
    assert!(
        names
            .iter()
            .filter(|n| n.ends_with("-NM-1.pdf") || n.contains("-NM-"))
            .count()
            >= 3,
        "{names:?}"
    );
}

fn contacts(file: &str) -> Workdir {
    let w = Workdir::new();
    print(&w, file, &[]).expect_code(0);
    w
}

#[test]
fn outlook_export_prints_unedited() {
    let w = contacts("exports/outlook-contacts.csv");
    let marsh = letter(&w, "Marsh-Elena");
    assert_in(&marsh, "Dear Senator Marsh:");
    assert_in(
        &marsh,
        "Ohio Senate 1 Capitol Square, 1st Floor Columbus, OH 43215",
    );
    let okafor = letter(&w, "Okafor-Thomas");
    assert_in(&okafor, "Dear Mayor Okafor:");
    assert_in(&okafor, "City Hall 2 York Street Westbrook, ME 04092");
}

#[test]
fn google_export_prints_unedited() {
    let w = contacts("exports/google-contacts.csv");
    assert_in(&letter(&w, "Marsh-Elena"), "Dear Senator Marsh:");
    let okafor = letter(&w, "Okafor-Thomas");
    assert_in(&okafor, "2 York Street City Hall Westbrook, ME 04092");
}

#[test]
fn a_typed_sheet_with_human_headers_prints_unedited() {
    let w = contacts("exports/typed-sheet.csv");
    let marsh = letter(&w, "Marsh-Elena");
    assert_in(&marsh, "Dear Senator Marsh:");
    assert_in(
        &marsh,
        "Congratulations on your election to the Ohio Senate, and welcome to office",
    );
    let okafor = letter(&w, "Okafor-Thomas");
    assert_in(&okafor, "Westbrook, ME 04092");
    assert_in(&okafor, "re-election");
    assert_in(
        &letter(&w, "Nguyen-Walsh-Priya"),
        "Dear Commissioner Nguyen-Walsh:",
    );
}

#[test]
fn config_columns_map_a_field_to_any_column() {
    let w = Workdir::new();
    w.file(
        "people.csv",
        "Given,Family,Office Held,Org,Where,Town,ST,Postcode\nAna,Ruiz,Mayor,City of Springfield,1 Main St.,Springfield,IL,62701\n",
    );
    let config = w.file(
        "lettermerge.toml",
        "[columns]\nfirst_name = \"Given\"\nlast_name = \"Family\"\ntitle = \"Office Held\"\nbody = \"Org\"\naddress = \"Where\"\nzip = \"Postcode\"\n",
    );
    let template = template();
    let people = w.join("people.csv");
    let out = w.join("letters");
    let args = [
        "pdf",
        "--template",
        &template,
        "--data",
        people.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ];
    w.run_bounded(&args, &[]).expect_code(0);
    let ruiz = letter(&w, "Ruiz-Ana");
    assert_in(&ruiz, "Dear Mayor Ruiz:");
    assert_in(
        &ruiz,
        "City of Springfield 1 Main St. Springfield, IL 62701",
    );
    // A mapping to a column the file lacks is refused before anything is written.
    let bad = w.file("bad.toml", "[columns]\nzip = \"Post Code\"\n");
    let mut args = args;
    args[8] = bad.to_str().unwrap();
    let run = w.run_bounded(&args, &[]);
    assert_ne!(run.code, 0);
    assert_in(
        &run.stderr,
        "[columns] maps `zip` to the column \"Post Code\"",
    );
}
