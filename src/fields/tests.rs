use super::{AddressChoice, FieldOptions, FieldPlan};
use crate::records::Headers;

fn plan(header: &[&str], opts: &FieldOptions) -> (FieldPlan, Headers) {
    let raw: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    let (h, _) = Headers::new(&raw);
    (FieldPlan::build(&h.names, &h.keys, opts).unwrap(), h)
}

/// The row as the template sees it: (name, value) for every column, derived ones included.
fn derive(header: &[&str], row: &[&str], opts: &FieldOptions) -> Vec<(String, String)> {
    let (plan, h) = plan(header, opts);
    let mut fields: Vec<String> = row.iter().map(|s| s.to_string()).collect();
    let _ = plan.derive(2, &mut fields, &h.names);
    let mut names = h.names.clone();
    names.extend(plan.appended().iter().map(|s| s.to_string()));
    names.into_iter().zip(fields).collect()
}

fn get<'a>(row: &'a [(String, String)], name: &str) -> &'a str {
    row.iter()
        .find(|(n, _)| n == name || crate::records::snake_case(n) == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no field {name} in {row:?}"))
}

#[test]
fn human_headers_match_by_synonym() {
    let row = derive(
        &[
            "First Name",
            "Surname",
            "Position",
            "Organization",
            "Street Address",
            "Town",
            "ST",
            "Zip Code",
            "E-mail Address",
            "New?",
        ],
        &[
            "Ana",
            "Ruiz",
            "Mayor",
            "City of Springfield",
            "1 Main St.",
            "Springfield",
            "IL",
            "62701",
            "ana@example.org",
            "yes",
        ],
        &FieldOptions::default(),
    );
    assert_eq!(get(&row, "last_name"), "Ruiz");
    assert_eq!(get(&row, "title"), "Mayor");
    assert_eq!(get(&row, "body"), "City of Springfield");
    assert_eq!(get(&row, "address"), "1 Main St.");
    assert_eq!(get(&row, "city"), "Springfield");
    assert_eq!(get(&row, "state"), "IL");
    assert_eq!(get(&row, "zip"), "62701");
    assert_eq!(get(&row, "email"), "ana@example.org");
    assert_eq!(get(&row, "new_member"), "yes");
    assert_eq!(get(&row, "returning"), "no");
    // Optional fields the sheet lacks are there, empty; "First Name" matches by name.
    assert_eq!(get(&row, "suffix"), "");
    assert!(!row.iter().any(|(n, _)| n == "first_name"));
}

#[test]
fn config_columns_win() {
    let opts = FieldOptions {
        columns: vec![("zip".to_string(), "Mail Zip".to_string())],
        ..FieldOptions::default()
    };
    let row = derive(&["zip", "Mail Zip"], &["00000", "62701"], &opts);
    assert_eq!(get(&row, "zip"), "62701");
    assert_eq!(get(&row, "Mail Zip"), "62701");
}

#[test]
fn config_mistakes_are_named() {
    let raw: Vec<String> = ["Name", "Postcode"].iter().map(|s| s.to_string()).collect();
    let (h, _) = Headers::new(&raw);
    let opts = |field: &str, column: &str| FieldOptions {
        columns: vec![(field.to_string(), column.to_string())],
        origin: "c.toml".to_string(),
        ..FieldOptions::default()
    };
    let e = FieldPlan::build(&h.names, &h.keys, &opts("zipp", "Postcode")).unwrap_err();
    assert!(e.0.contains("did you mean `zip`"), "{e}");
    let e = FieldPlan::build(&h.names, &h.keys, &opts("zip", "Post Code")).unwrap_err();
    assert!(
        e.0.contains("no such column") && e.0.contains("Postcode"),
        "{e}"
    );
}

#[test]
fn outlook_title_is_the_honorific() {
    let header = [
        "Title",
        "First Name",
        "Last Name",
        "Company",
        "Job Title",
        "Business Street",
        "Business Street 2",
        "Business City",
        "Business State",
        "Business Postal Code",
        "E-mail Address",
        "Home State",
    ];
    let row = derive(
        &header,
        &[
            "Dr.",
            "Lee",
            "Park",
            "Ohio Senate",
            "State Senator",
            "1 Capitol Sq.",
            "Room 42",
            "Columbus",
            "OH",
            "43215",
            "lee@example.gov",
            "KY",
        ],
        &FieldOptions::default(),
    );
    assert_eq!(get(&row, "honorific"), "Dr.");
    assert_eq!(get(&row, "title"), "State Senator");
    assert_eq!(get(&row, "body"), "Ohio Senate");
    assert_eq!(get(&row, "address"), "1 Capitol Sq.\nRoom 42");
    assert_eq!(get(&row, "zip"), "43215");
    // The home address's state is not the state represented.
    assert_eq!(get(&row, "represented_state"), "");
}

#[test]
fn google_takes_the_first_email() {
    let row = derive(
        &[
            "First Name",
            "Last Name",
            "Name Prefix",
            "Organization Name",
            "Organization Title",
            "E-mail 1 - Value",
            "Address 1 - Street",
            "Address 1 - City",
            "Address 1 - Region",
            "Address 1 - Postal Code",
            "Address 1 - Extended Address",
        ],
        &[
            "Kim",
            "Lo",
            "Hon.",
            "Maine House of Representatives",
            "State Representative",
            "kim@example.gov ::: kim.home@example.org",
            "2 State House Station",
            "Augusta",
            "ME",
            "04333",
            "Room 300",
        ],
        &FieldOptions::default(),
    );
    assert_eq!(get(&row, "email"), "kim@example.gov");
    assert_eq!(get(&row, "honorific"), "Hon.");
    assert_eq!(get(&row, "title"), "State Representative");
    assert_eq!(get(&row, "address"), "2 State House Station\nRoom 300");
    assert_eq!(get(&row, "state"), "ME");
}

const OPEN_STATES: [&str; 8] = [
    "state",
    "chamber",
    "district",
    "given_name",
    "family_name",
    "capitol_address",
    "district_address",
    "is_new",
];

#[test]
fn open_states_mailing_state_and_office_choice() {
    let cells = [
        "AK",
        "House",
        "1",
        "Jeremy",
        "Bynum",
        "",
        "1900 First Ave., Ketchikan, AK 99901",
        "?",
    ];
    let (plan, _) = plan(&OPEN_STATES, &FieldOptions::default());
    assert_eq!(plan.dataset().map(|d| d.short_name()), Some("Open States"));
    let row = derive(&OPEN_STATES, &cells, &FieldOptions::default());
    // The capitol office is empty, so the district office is used.
    assert_eq!(get(&row, "city"), "Ketchikan");
    assert_eq!(get(&row, "zip"), "99901");
    assert_eq!(get(&row, "represented_state"), "AK");
    assert_eq!(get(&row, "first_name"), "Jeremy");
    // `?` says nothing either way.
    assert_eq!(get(&row, "new_member"), "");
    assert_eq!(get(&row, "returning"), "");
    let district = FieldOptions {
        address: AddressChoice::District,
        ..FieldOptions::default()
    };
    let mut cells = cells;
    cells[5] = "State Capitol Room 400, 120 4th St., Juneau, AK 99801";
    assert_eq!(
        get(
            &derive(&OPEN_STATES, &cells, &FieldOptions::default()),
            "city"
        ),
        "Juneau"
    );
    assert_eq!(
        get(&derive(&OPEN_STATES, &cells, &district), "city"),
        "Ketchikan"
    );
}

#[test]
fn a_row_without_any_address_is_an_error_for_print() {
    let (plan, h) = plan(&OPEN_STATES, &FieldOptions::default());
    let mut fields: Vec<String> = ["NE", "Legislature", "3", "A", "B", "", "NE", "0"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let notes = plan.derive(9, &mut fields, &h.names);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].print_only && notes[0].problem.is_error());
    assert_eq!(notes[0].problem.row, Some(9));
    assert!(notes[0].problem.message.contains("no mailing address"));
}

#[test]
fn the_table_names_what_the_template_uses() {
    let (plan, _) = plan(&OPEN_STATES, &FieldOptions::default());
    let used = ["first_name", "zip", "given_name"].map(String::from);
    let table = plan.table(&used);
    assert_eq!(table.len(), 2, "{table:?}");
    assert!(
        table[0].starts_with("first_name <- given_name (synonym)"),
        "{table:?}"
    );
    assert!(table[1].starts_with("zip"), "{table:?}");
}

#[test]
fn the_readme_table_lists_every_standard_field() {
    let readme = include_str!("../../README.md");
    for s in super::STANDARD {
        let row = if s.optional {
            format!("| `{}` | ○ |", s.name)
        } else {
            format!("| `{}` | |", s.name)
        };
        assert!(
            readme.contains(&row),
            "README's standard fields table lacks the row for {} (as `{row}`)",
            s.name
        );
    }
}
