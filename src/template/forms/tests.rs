//! Tests for the table of offices and the forms-of-address helpers.

use super::{honorific_name, salutation, salutation_from_cell, Form, Name, OfficeTable};
use handlebars::Handlebars;
use serde_json::json;
use std::sync::Arc;

fn title(table: &OfficeTable, office: &str, state: Option<&str>) -> Option<String> {
    table.lookup(office, state).map(|f| f.title)
}

fn builtin(office: &str) -> Option<String> {
    title(&OfficeTable::built_in(), office, None)
}

fn dear(office: &str, first: &str, last: &str) -> String {
    let table = OfficeTable::built_in();
    let form = table.lookup(office, None);
    salutation(
        form.as_ref(),
        &Name::from_parts(&[first.to_string(), last.to_string()]),
        ":",
    )
}

#[test]
fn the_issues_examples() {
    assert_eq!(dear("Senator", "Jane", "Doe"), "Dear Senator Doe:");
    assert_eq!(
        dear("Representative", "Jane", "Doe"),
        "Dear Representative Doe:"
    );
    assert_eq!(dear("Delegate", "Jane", "Doe"), "Dear Delegate Doe:");
    assert_eq!(dear("Mayor", "Jane", "Doe"), "Dear Mayor Doe:");
    assert_eq!(dear("Governor", "Jane", "Doe"), "Dear Governor Doe:");
    assert_eq!(
        dear("Council Member", "Jane", "Doe"),
        "Dear Council Member Doe:"
    );
    assert_eq!(
        dear("Commissioner", "Jane", "Doe"),
        "Dear Commissioner Doe:"
    );
    assert_eq!(
        honorific_name("The Honorable", &["Jane".into(), "Doe".into()]),
        "The Honorable Jane Doe"
    );
}

#[test]
fn free_text_titles_from_spreadsheets() {
    let cases = [
        ("State Senator", "Senator"),
        ("U.S. Senator", "Senator"),
        ("United States Senate", "Senator"),
        ("Vermont State Senate", "Senator"),
        ("Senator-elect", "Senator"),
        ("Senate Majority Leader", "Senator"),
        ("U.S. Representative", "Representative"),
        ("Member of Congress", "Representative"),
        ("State Representative", "Representative"),
        ("Massachusetts House of Representatives", "Representative"),
        ("Virginia House of Delegates", "Delegate"),
        ("California State Assembly", "Assembly Member"),
        ("Member of the Assembly", "Assembly Member"),
        ("Assemblymember", "Assemblymember"),
        ("Assemblywoman", "Assemblywoman"),
        ("City Council Member", "Council Member"),
        ("City Council Member, Ward 3", "Council Member"),
        ("Riverside City Council", "Council Member"),
        ("Councilmember", "Councilmember"),
        ("Councilwoman", "Councilwoman"),
        ("City Councillor", "Councilor"),
        ("County Commissioner", "Commissioner"),
        ("Franklin County Board of Commissioners", "Commissioner"),
        ("Mayor", "Mayor"),
        ("Office of the Mayor", "Mayor"),
        ("Deputy Mayor", "Deputy Mayor"),
        ("Mayor Pro Tem", "Mayor Pro Tem"),
        ("Governor", "Governor"),
        ("Office of the Governor", "Governor"),
        ("Lieutenant Governor", "Lieutenant Governor"),
        ("Lt. Governor", "Lieutenant Governor"),
        ("Lt. Gov.", "Lieutenant Governor"),
        ("Attorney General", "Attorney General"),
        ("State Attorney General", "Attorney General"),
        ("Secretary of State", "Secretary"),
        ("State Treasurer", "Treasurer"),
        ("Alderman", "Alderman"),
        ("Alderwoman, 4th Ward", "Alderwoman"),
        ("Supervisor", "Supervisor"),
        ("County Board of Supervisors", "Supervisor"),
        ("Judge", "Judge"),
        ("Superior Court Judge", "Judge"),
        ("Justice", "Justice"),
        ("Chief Justice", "Chief Justice"),
        ("Associate Justice, Supreme Court", "Justice"),
        ("County Executive", "County Executive"),
        ("Sheriff", "Sheriff"),
        ("School Board Trustee", "Trustee"),
        ("Newark Board of Education", "Board Member"),
        ("Select Board Member", "Select Board Member"),
        ("State's Attorney", "State's Attorney"),
    ];
    for (office, want) in cases {
        assert_eq!(builtin(office).as_deref(), Some(want), "{office}");
    }
}

#[test]
fn matching_ignores_case_punctuation_and_spacing() {
    for office in ["SENATOR", "sen", "Sen.", "  senator  ", "upper", "Upper"] {
        assert_eq!(builtin(office).as_deref(), Some("Senator"), "{office}");
    }
    for office in ["rep", "Rep.", "REP", "State Rep.", "U. S. Rep."] {
        assert_eq!(
            builtin(office).as_deref(),
            Some("Representative"),
            "{office}"
        );
    }
    assert_eq!(builtin("Del.").as_deref(), Some("Delegate"));
    assert_eq!(builtin("council-member").as_deref(), Some("Council Member"));
    // `upper` and `lower` are codes: only the whole value means a chamber.
    assert_eq!(builtin("Upper Valley Library Liaison"), None);
}

#[test]
fn congress_legislators_type_and_state() {
    let t = OfficeTable::built_in();
    assert_eq!(title(&t, "sen", Some("WA")).as_deref(), Some("Senator"));
    assert_eq!(
        title(&t, "rep", Some("MN")).as_deref(),
        Some("Representative")
    );
    for territory in ["DC", "GU", "VI", "AS", "MP"] {
        assert_eq!(
            title(&t, "rep", Some(territory)).as_deref(),
            Some("Delegate"),
            "{territory}"
        );
    }
    assert_eq!(
        title(&t, "rep", Some("PR")).as_deref(),
        Some("Resident Commissioner")
    );
    // The body's full name follows `rep`, as "U.S. House" does.
    assert_eq!(
        title(&t, "U.S. House of Representatives", Some("GU")).as_deref(),
        Some("Delegate")
    );
    assert_eq!(
        title(&t, "United States House of Representatives", Some("PR")).as_deref(),
        Some("Resident Commissioner")
    );
    assert_eq!(
        title(&t, "U.S. House of Representatives", Some("OH")).as_deref(),
        Some("Representative")
    );
    // A plain "Representative" is never turned into a Delegate: a state column in the data
    // is often the mailing address's (DC for the whole Congress).
    assert_eq!(
        title(&t, "Representative", Some("DC")).as_deref(),
        Some("Representative")
    );
}

#[test]
fn open_states_chambers_by_state() {
    let t = OfficeTable::built_in();
    for chamber in ["lower", "House", "house"] {
        for (state, want) in [
            ("CA", "Assembly Member"),
            ("NY", "Assembly Member"),
            ("NV", "Assembly Member"),
            ("WI", "Assembly Member"),
            ("NJ", "Assembly Member"),
            ("MD", "Delegate"),
            ("VA", "Delegate"),
            ("WV", "Delegate"),
            ("TX", "Representative"),
            ("HI", "Representative"),
            ("PR", "Representative"),
            ("ca", "Assembly Member"),
            ("California", "Assembly Member"),
            ("West Virginia", "Delegate"),
        ] {
            assert_eq!(
                title(&t, chamber, Some(state)).as_deref(),
                Some(want),
                "{chamber} {state}"
            );
        }
        assert_eq!(title(&t, chamber, None).as_deref(), Some("Representative"));
    }
    for chamber in ["upper", "Senate"] {
        for state in ["CA", "MD", "NE", "TX"] {
            assert_eq!(title(&t, chamber, Some(state)).as_deref(), Some("Senator"));
        }
    }
    assert_eq!(
        title(&t, "legislature", Some("NE")).as_deref(),
        Some("Senator")
    );
    assert_eq!(
        title(&t, "Legislature", Some("DC")).as_deref(),
        Some("Councilmember")
    );
    assert_eq!(
        title(&t, "Council of the District of Columbia", None).as_deref(),
        Some("Councilmember")
    );
    assert_eq!(
        title(&t, "General Assembly", Some("NJ")).as_deref(),
        Some("Assembly Member")
    );
}

#[test]
fn unknown_offices_fall_back_to_a_formal_greeting() {
    assert_eq!(builtin("Library Board Liaison"), None);
    assert_eq!(builtin(""), None);
    assert_eq!(builtin("..."), None);
    assert_eq!(
        dear("Library Board Liaison", "Jane", "Doe"),
        "Dear Jane Doe:"
    );
    assert_eq!(dear("", "Jane", "Doe"), "Dear Jane Doe:");
    assert_eq!(dear("Ombudsperson", "", ""), "Dear Sir or Madam:");
    // A surname alone cannot make "Dear Doe:".
    let only = Name::from_parts(&["Doe".into()]);
    assert_eq!(salutation(None, &only, ":"), "Dear Sir or Madam:");
    let form = Form {
        title: "Senator".into(),
        honorific: String::new(),
    };
    assert_eq!(salutation(Some(&form), &only, ","), "Dear Senator Doe,");
}

#[test]
fn a_full_name_in_one_column() {
    let n = Name::from_parts(&["Angela D. Alsobrooks".into()]);
    assert_eq!(n.surname.as_deref(), Some("Alsobrooks"));
    let n = Name::from_parts(&["Theodore Vance III".into()]);
    assert_eq!(n.surname.as_deref(), Some("Vance"));
    let n = Name::from_parts(&["Marcus Whitfield, Jr.".into()]);
    assert_eq!(n.surname.as_deref(), Some("Whitfield"));
    assert_eq!(n.full.as_deref(), Some("Marcus Whitfield, Jr."));
    let n = Name::from_parts(&["Theodore".into(), "Vance".into(), "III".into()]);
    assert_eq!(n.surname.as_deref(), Some("Vance"));
    assert_eq!(n.full.as_deref(), Some("Theodore Vance III"));
    let n = Name::from_parts(&["Sue".into(), "".into(), "Lee  Loy".into()]);
    assert_eq!(n.surname.as_deref(), Some("Lee Loy"));
    assert_eq!(n.full.as_deref(), Some("Sue Lee Loy"));
}

#[test]
fn a_salutation_cell_is_a_whole_greeting_or_what_follows_dear() {
    assert_eq!(salutation_from_cell("Jane", ":"), "Dear Jane:");
    assert_eq!(
        salutation_from_cell("Dear Dr. Pérez:", ":"),
        "Dear Dr. Pérez:"
    );
    assert_eq!(salutation_from_cell("dear friend", ","), "dear friend,");
    assert_eq!(salutation_from_cell("Dear Jane,", ":"), "Dear Jane,");
    assert_eq!(
        salutation_from_cell("Madam Speaker", ":"),
        "Dear Madam Speaker:"
    );
}

#[test]
fn config_entries_add_and_override() {
    let mut t = OfficeTable::built_in();
    assert_eq!(title(&t, "Parish President", None), None);
    t.add("Parish President", "President", "The Honorable", &[]);
    t.add("Mayor", "Mayor", "His Worship", &["Lord Mayor".to_string()]);
    t.add("Council Member", "Councilmember", "", &[]);
    let f = t.lookup("parish president", None).unwrap();
    assert_eq!(
        (f.title.as_str(), f.honorific.as_str()),
        ("President", "The Honorable")
    );
    assert_eq!(t.lookup("Mayor", None).unwrap().honorific, "His Worship");
    assert_eq!(
        t.lookup("Lord Mayor of Springfield", None).unwrap().title,
        "Mayor"
    );
    // Longer built-in aliases still win: a Deputy Mayor is not the Mayor.
    assert_eq!(
        title(&t, "Deputy Mayor", None).as_deref(),
        Some("Deputy Mayor")
    );
    let f = t.lookup("City Council Member", None).unwrap();
    assert_eq!(
        (f.title.as_str(), f.honorific.as_str()),
        ("Councilmember", "")
    );
    // The built-in table itself is untouched.
    assert_eq!(builtin("Mayor").as_deref(), Some("Mayor"));
}

fn render(template: &str, data: serde_json::Value) -> Result<String, String> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    let mut table = OfficeTable::built_in();
    table.add("Parish President", "President", "The Honorable", &[]);
    super::super::helpers::register(
        &mut hb,
        chrono::NaiveDate::from_ymd_opt(2026, 1, 12).unwrap(),
        &Arc::new(table),
    );
    hb.render_template(template, &data)
        .map_err(|e| format!("{e} {:?}", e.reason()))
}

#[test]
fn the_helpers_in_a_template() {
    let row = json!({"title": "Sen.", "first_name": "Jane", "last_name": "Doe",
                     "chamber": "lower", "state": "MD", "empty": ""});
    let ok = |t: &str| render(t, row.clone()).unwrap();
    assert_eq!(
        ok("{{salutation title first_name last_name}}"),
        "Dear Senator Doe:"
    );
    assert_eq!(
        ok("{{salutation title first_name last_name punctuation=\",\"}}"),
        "Dear Senator Doe,"
    );
    assert_eq!(
        ok("{{formal_name title first_name last_name}}"),
        "Senator Doe"
    );
    assert_eq!(
        ok("{{honorific first_name last_name}}"),
        "The Honorable Jane Doe"
    );
    assert_eq!(
        ok("{{honorific first_name last_name office=\"Ombudsperson\"}}"),
        "Jane Doe"
    );
    assert_eq!(
        ok("{{salutation chamber first_name last_name state=state}}"),
        "Dear Delegate Doe:"
    );
    // An unknown or empty office falls back on chamber=.
    assert_eq!(
        ok("{{salutation empty first_name last_name chamber=chamber state=state}}"),
        "Dear Delegate Doe:"
    );
    assert_eq!(
        ok("{{salutation \"Parish President\" first_name last_name}}"),
        "Dear President Doe:"
    );
    assert_eq!(
        ok("{{salutation empty first_name last_name}}"),
        "Dear Jane Doe:"
    );
    assert_eq!(
        ok("{{address_block (honorific first_name last_name) \"State House\" city=\"Annapolis\" state=state zip=\"1401\"}}"),
        "The Honorable Jane Doe\nState House\nAnnapolis, MD  01401"
    );
}

#[test]
fn a_row_with_a_salutation_or_honorific_column() {
    let row = json!({"title": "Mayor", "first_name": "Björn", "last_name": "Halvorsen",
                     "salutation": "Björn", "honorific": "Dr."});
    assert_eq!(
        render("{{salutation title first_name last_name}}", row.clone()).unwrap(),
        "Dear Björn:"
    );
    assert_eq!(
        render("{{formal_name title first_name last_name}}", row.clone()).unwrap(),
        "Björn"
    );
    assert_eq!(
        render("{{honorific first_name last_name}}", row.clone()).unwrap(),
        "Dr. Björn Halvorsen"
    );
    // Bare, the names mean the columns.
    assert_eq!(
        render("{{salutation}}|{{honorific}}", row).unwrap(),
        "Björn|Dr."
    );
    // A blank cell leaves the table in charge.
    let row = json!({"title": "Mayor", "first_name": "Zoë", "last_name": "Lindqvist",
                     "salutation": " ", "honorific": ""});
    assert_eq!(
        render("{{salutation title first_name last_name}}", row.clone()).unwrap(),
        "Dear Mayor Lindqvist:"
    );
    assert_eq!(
        render("{{honorific first_name last_name office=title}}", row).unwrap(),
        "The Honorable Zoë Lindqvist"
    );
}

#[test]
fn misuse_says_how_to_write_it() {
    let row = json!({"title": "Mayor", "last_name": "Doe"});
    let e = render("{{salutation}}", row.clone()).unwrap_err();
    assert!(e.contains("needs the office and the name"), "{e}");
    let e = render("{{salutation title last_name chamer=title}}", row.clone()).unwrap_err();
    assert!(e.contains("no option `chamer=`"), "{e}");
    let e = render("{{salutation title lastname}}", row.clone()).unwrap_err();
    assert!(e.contains("lastname"), "{e}");
    let e = render("{{address_block}}", row).unwrap_err();
    assert!(e.contains("needs the address"), "{e}");
}
