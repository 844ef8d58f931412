//! Forms of address and addresses through the real binary: the salutations the letters
//! print for every office the issue lists and for the shapes of real data (congress-legislators,
//! Open States, free text), the `salutation` column, `[offices]` from `--config`, the address
//! block; and `lettermerge init`.

mod common;

use common::{pdf_text, repo, squash, Workdir};

const TEMPLATE: &str = r#"---
filename: "{{id}}"
date: "January 12, 2026"
address: |
  {{address_block (honorific first_name last_name office=office) street city=city state=state zip=zip upper=caps}}
salutation: "{{salutation office first_name last_name chamber=chamber state=state}}"
signature:
  name: Jordan A. Reyes
---
Thank you, {{formal_name office first_name last_name chamber=chamber state=state}}, for your service.
"#;

const HEADER: &str =
    "id,first_name,last_name,office,chamber,state,street,city,zip,caps,salutation\n";

/// (office, chamber, state, the greeting the letter must print).
const CASES: &[(&str, &str, &str, &str)] = &[
    // The issue's examples.
    ("Senator", "", "IL", "Dear Senator Doe:"),
    ("Representative", "", "IL", "Dear Representative Doe:"),
    ("Delegate", "", "MD", "Dear Delegate Doe:"),
    ("Mayor", "", "IL", "Dear Mayor Doe:"),
    ("Governor", "", "IL", "Dear Governor Doe:"),
    ("Council Member", "", "IL", "Dear Council Member Doe:"),
    ("Commissioner", "", "IL", "Dear Commissioner Doe:"),
    // congress-legislators: `type` is sen/rep, with the state.
    ("sen", "", "WA", "Dear Senator Doe:"),
    ("rep", "", "MN", "Dear Representative Doe:"),
    ("rep", "", "DC", "Dear Delegate Doe:"),
    ("rep", "", "PR", "Dear Resident Commissioner Doe:"),
    // Open States: chamber upper/lower (or House/Senate/Legislature) and the state.
    ("", "upper", "CA", "Dear Senator Doe:"),
    ("", "lower", "CA", "Dear Assembly Member Doe:"),
    ("", "lower", "NY", "Dear Assembly Member Doe:"),
    ("", "House", "VA", "Dear Delegate Doe:"),
    ("", "lower", "WV", "Dear Delegate Doe:"),
    ("", "lower", "TX", "Dear Representative Doe:"),
    ("Majority Whip", "House", "HI", "Dear Representative Doe:"),
    ("", "Legislature", "NE", "Dear Senator Doe:"),
    // Free text from spreadsheets.
    ("State Senator", "", "VT", "Dear Senator Doe:"),
    ("U.S. Representative", "", "OH", "Dear Representative Doe:"),
    ("Member of Congress", "", "OH", "Dear Representative Doe:"),
    ("City Council Member", "", "CA", "Dear Council Member Doe:"),
    ("Councilmember", "", "DC", "Dear Councilmember Doe:"),
    ("County Commissioner", "", "OH", "Dear Commissioner Doe:"),
    (
        "Lieutenant Governor",
        "",
        "CT",
        "Dear Lieutenant Governor Doe:",
    ),
    ("Attorney General", "", "CT", "Dear Attorney General Doe:"),
    ("Alderman", "", "IL", "Dear Alderman Doe:"),
    ("Supervisor", "", "CA", "Dear Supervisor Doe:"),
    ("Judge", "", "TX", "Dear Judge Doe:"),
    ("Justice", "", "TX", "Dear Justice Doe:"),
    ("Sen.", "", "IL", "Dear Senator Doe:"),
    ("Rep.", "", "IL", "Dear Representative Doe:"),
    // Unknown: a formal greeting.
    ("Library Board Liaison", "", "IL", "Dear Jane Doe:"),
];

fn run_pdf(w: &Workdir, extra: &[&str]) -> common::Run {
    let mut args = vec!["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out"];
    args.extend_from_slice(extra);
    w.run(&args)
}

fn letter(w: &Workdir, id: &str) -> String {
    squash(&pdf_text(&w.join("out").join(format!("{id}.pdf"))))
}

#[test]
fn every_office_gets_its_salutation() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    let mut csv = HEADER.to_string();
    for (i, (office, chamber, state, _)) in CASES.iter().enumerate() {
        csv.push_str(&format!(
            "{i},Jane,Doe,{office},{chamber},{state},1 Main St.,Springfield,62704,no,\n"
        ));
    }
    w.file("d.csv", csv);
    run_pdf(&w, &[]).expect_code(0);
    for (i, (office, chamber, state, want)) in CASES.iter().enumerate() {
        let text = letter(&w, &i.to_string());
        assert!(
            text.contains(want),
            "{office:?}/{chamber:?}/{state}: want {want:?} in {text}"
        );
        let title = want.trim_start_matches("Dear ").trim_end_matches(':');
        assert!(
            text.contains(&format!("Thank you, {title}, for")),
            "{office:?}: {text}"
        );
    }
    // Known offices are "The Honorable"; the unknown one gets the name alone.
    assert!(letter(&w, "0").contains("The Honorable Jane Doe"));
    let unknown = letter(&w, &(CASES.len() - 1).to_string());
    assert!(
        unknown.contains("Jane Doe") && !unknown.contains("Honorable"),
        "{unknown}"
    );
}

#[test]
fn a_salutation_column_overrides_the_table_for_its_row() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file(
        "d.csv",
        format!(
            "{HEADER}1,Björn,Halvorsen,Mayor,,AK,155 S. Seward St.,Juneau,99801,no,Björn\n\
             2,Ana,Pérez,Trustee,,CA,3380 14th St.,Riverside,92501,no,Dear Dr. Pérez:\n\
             3,Zoë,Lindqvist,Mayor,,VT,149 Church St.,Burlington,05401,no,\n"
        ),
    );
    run_pdf(&w, &[]).expect_code(0);
    let t1 = letter(&w, "1");
    assert!(
        t1.contains("Dear Björn:") && t1.contains("Thank you, Björn, for"),
        "{t1}"
    );
    assert!(!t1.contains("Dear Mayor"), "{t1}");
    let t2 = letter(&w, "2");
    assert!(
        t2.contains("Dear Dr. Pérez:") && t2.contains("Thank you, Dr. Pérez, for"),
        "{t2}"
    );
    let t3 = letter(&w, "3");
    assert!(t3.contains("Dear Mayor Lindqvist:"), "{t3}");
}

#[test]
fn the_address_block_keeps_zips_and_writes_usps_capitals_on_request() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file(
        "d.csv",
        format!(
            "{HEADER}1,Eleanor,Fairbanks,State Senator,,VT,\"Vermont State House\n\n115 State St.\",Montpelier,05633,no,\n\
             2,Lukas,Wisniewski,Sen.,,IL,\"Room 105D, State Capitol\",Springfield,62706-0001,yes,\n\
             3,Rosa,Dangelo,Representative,,MA,24 Beacon St.,Boston,2133,no,\n"
        ),
    );
    run_pdf(&w, &[]).expect_code(0);
    let t1 = pdf_text(&w.join("out/1.pdf"));
    assert!(
        t1.contains(
            "The Honorable Eleanor Fairbanks\nVermont State House\n115 State St.\nMontpelier, VT  05633"
        ) || squash(&t1).contains(
            "The Honorable Eleanor Fairbanks Vermont State House 115 State St. Montpelier, VT 05633"
        ),
        "{t1}"
    );
    let t2 = squash(&pdf_text(&w.join("out/2.pdf")));
    assert!(
        t2.contains(
            "THE HONORABLE LUKAS WISNIEWSKI ROOM 105D STATE CAPITOL SPRINGFIELD IL 62706-0001"
        ),
        "{t2}"
    );
    // Excel dropped the zero: it comes back.
    let t3 = squash(&pdf_text(&w.join("out/3.pdf")));
    assert!(t3.contains("Boston, MA 02133"), "{t3}");
}

#[test]
fn config_offices_add_forms_of_address_and_mistakes_are_usage_errors() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file(
        "d.csv",
        format!(
            "{HEADER}1,Jane,Doe,Parish President,,LA,1 Main St.,Houma,70360,no,\n\
             2,John,Roe,Police Juror,,LA,2 Main St.,Houma,70360,no,\n\
             3,Ann,Poe,Mayor,,LA,3 Main St.,Houma,70360,no,\n"
        ),
    );
    // Without the config the two parish offices are unknown.
    run_pdf(&w, &[]).expect_code(0);
    assert!(letter(&w, "1").contains("Dear Jane Doe:"));
    w.file(
        "lettermerge.toml",
        "[smtp]\nhost = \"smtp.example.org\"\nfrom = \"a@example.org\"\n\n\
         [offices.\"Parish President\"]\ntitle = \"President\"\nhonorific = \"The Honorable\"\n\n\
         [offices.\"Police Juror\"]\ntitle = \"Juror\"\nhonorific = \"\"\n\n\
         [offices.Mayor]\ntitle = \"Mayor\"\nhonorific = \"Her Worship\"\n",
    );
    run_pdf(&w, &["--config", "lettermerge.toml", "--force"]).expect_code(0);
    let t1 = letter(&w, "1");
    assert!(
        t1.contains("The Honorable Jane Doe") && t1.contains("Dear President Doe:"),
        "{t1}"
    );
    let t2 = letter(&w, "2");
    assert!(
        t2.contains("Dear Juror Roe:") && !t2.contains("Honorable"),
        "{t2}"
    );
    let t3 = letter(&w, "3");
    assert!(
        t3.contains("Her Worship Ann Poe") && t3.contains("Dear Mayor Poe:"),
        "{t3}"
    );

    w.file(
        "bad.toml",
        "[offices.\"Parish President\"]\ntitel = \"President\"\n",
    );
    let run = run_pdf(&w, &["--config", "bad.toml", "--force"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("bad.toml: unknown key `titel` in [offices.\"Parish President\"]")
            && run.stderr.contains("title, honorific, match"),
        "{}",
        run.stderr
    );
    let run = run_pdf(&w, &["--config", "missing.toml", "--force"]);
    run.expect_code(2);
    assert!(run.stderr.contains("missing.toml"), "{}", run.stderr);
}

#[test]
fn a_bare_salutation_without_the_column_says_how_to_call_the_helper() {
    let w = Workdir::new();
    w.file("t.md", "---\nsalutation: \"{{salutation}}\"\n---\nHello.\n");
    w.file("d.csv", "first_name,last_name\nJane,Doe\n");
    let run = run_pdf(&w, &[]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("needs the office and the name")
            && run
                .stderr
                .contains("{{salutation title first_name last_name}}"),
        "{}",
        run.stderr
    );
}

#[test]
fn init_writes_a_campaign_that_runs_at_once_and_never_overwrites() {
    let w = Workdir::new();
    let run = w.run(&["init", "campaign"]);
    run.expect_code(0);
    assert_eq!(
        w.list("campaign"),
        [
            "README.md",
            "lettermerge.toml",
            "logo.png",
            "officials.csv",
            "signature.png",
            "welcome.md"
        ]
    );
    assert!(
        run.stdout.contains("wrote campaign/lettermerge.toml")
            && run
                .stdout
                .contains("lettermerge pdf --template campaign/welcome.md"),
        "{}",
        run.stdout
    );
    // The files are the shipped ones.
    assert_eq!(
        std::fs::read(w.join("campaign/officials.csv")).unwrap(),
        std::fs::read(repo().join("samples/officials.csv")).unwrap()
    );
    let config = std::fs::read_to_string(w.join("campaign/lettermerge.toml")).unwrap();
    assert!(config.contains("[smtp]") && config.contains("[offices."));
    assert!(config.contains("LETTERMERGE_SMTP_PASSWORD"));

    w.run(&[
        "pdf",
        "--template",
        "campaign/welcome.md",
        "--data",
        "campaign/officials.csv",
        "--out",
        "campaign/letters",
    ])
    .expect_code(0);
    let letters = w.list("campaign/letters");
    let csv_rows = std::fs::read_to_string(w.join("campaign/officials.csv"))
        .unwrap()
        .matches("@")
        .count();
    assert_eq!(letters.len(), csv_rows + 1, "{letters:?}"); // + manifest.csv
    let senator = squash(&pdf_text(
        &w.join("campaign/letters/Álvarez-Núñez-José.pdf"),
    ));
    assert!(
        senator.contains("The Honorable José Álvarez-Núñez")
            && senator.contains("Dear Senator Álvarez-Núñez:"),
        "{senator}"
    );

    let dry = w.run(&[
        "send",
        "--template",
        "campaign/welcome.md",
        "--data",
        "campaign/officials.csv",
        "--config",
        "campaign/lettermerge.toml",
        "--dry-run",
    ]);
    dry.expect_code(0);
    assert!(
        dry.stdout.contains("Dear Delegate Whitfield:")
            && dry
                .stdout
                .contains("Welcome to office, Senator Álvarez-Núñez"),
        "{}",
        dry.stdout
    );

    // A second init refuses, names the files, and writes nothing.
    std::fs::write(w.join("campaign/welcome.md"), "my edits").unwrap();
    let again = w.run(&["init", "campaign"]);
    again.expect_code(2);
    assert!(
        again.stderr.contains("campaign/welcome.md") && again.stderr.contains("--force"),
        "{}",
        again.stderr
    );
    assert_eq!(
        std::fs::read_to_string(w.join("campaign/welcome.md")).unwrap(),
        "my edits"
    );
    w.run(&["init", "campaign", "--force"]).expect_code(0);
    assert_ne!(
        std::fs::read_to_string(w.join("campaign/welcome.md")).unwrap(),
        "my edits"
    );

    // Into the current folder by default.
    let here = Workdir::new();
    here.run(&["init"]).expect_code(0);
    assert!(here.join("welcome.md").is_file());
}
