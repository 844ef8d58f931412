//! The standard fields and the built-in table of other names data files give them.
//!
//! Names are compared in a compact form: the snake_case key without its underscores, so
//! `First Name`, `first_name`, `FirstName` and `first-name` are all `firstname`.

use super::Source;

/// One standard field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standard {
    /// The name templates use: `first_name`.
    pub name: &'static str,
    /// What it holds, for the README's table and `init`.
    pub meaning: &'static str,
    /// Always defined (empty when the data has nothing for it), so a template may use it
    /// without a missing-column error: a suffix or a nickname is rarely a column.
    pub optional: bool,
    /// Other names for it, compact, the likeliest first.
    pub synonyms: &'static [&'static str],
}

const fn field(
    name: &'static str,
    meaning: &'static str,
    optional: bool,
    synonyms: &'static [&'static str],
) -> Standard {
    Standard {
        name,
        meaning,
        optional,
        synonyms,
    }
}

/// The standard fields, in the order the matching table lists them.
pub const STANDARD: &[Standard] = &[
    field(
        "honorific",
        "a courtesy title before the name: Dr., Rev.",
        true,
        &["prefix", "nameprefix", "courtesytitle", "nametitle"],
    ),
    field(
        "first_name",
        "given name",
        false,
        &["givenname", "first", "fname", "forename", "given"],
    ),
    field(
        "middle_name",
        "middle name or initial",
        true,
        &["middle", "additionalname", "middleinitial", "mname"],
    ),
    field(
        "last_name",
        "family name",
        false,
        &["familyname", "surname", "last", "lname", "family"],
    ),
    field(
        "suffix",
        "Jr., III",
        true,
        &["namesuffix", "generationalsuffix"],
    ),
    field(
        "nickname",
        "the name they go by",
        true,
        &["preferredname", "goesby", "knownas"],
    ),
    field(
        "full_name",
        "the whole name as one text",
        true,
        &["name", "displayname", "officialname", "contactname"],
    ),
    field(
        "salutation",
        "a greeting that overrides the one lettermerge writes: Dear Dr. Pérez:",
        // Not always there: a bare `{{salutation}}` without the column is the helper called
        // without its arguments, and says so, instead of printing an empty column.
        false,
        &["greeting", "dear", "salutationline"],
    ),
    field(
        "title",
        "the office held: U.S. Senator, State Representative, Mayor",
        false,
        &[
            "jobtitle",
            "officetitle",
            "position",
            "office",
            "organizationtitle",
            "organization1title",
            "role",
        ],
    ),
    field(
        "body",
        "the body or chamber: United States Senate, California State Assembly",
        false,
        &[
            "chamber",
            "legislature",
            "organization",
            "organizationname",
            "organization1name",
            "company",
            "agency",
            "government",
        ],
    ),
    field(
        "district",
        "the district or ward represented",
        true,
        &["districtnumber", "ward", "seat", "constituency"],
    ),
    field(
        "party",
        "political party",
        true,
        &["partyaffiliation", "politicalparty", "affiliation"],
    ),
    field(
        "represented_state",
        "the state the official represents (not the mailing state: a senator for WA is written to in DC)",
        true,
        &["statesrepresented", "stateserved", "staterepresented"],
    ),
    field(
        "address",
        "the street lines of the mailing address",
        false,
        &[
            "streetaddress",
            "street",
            "mailingaddress",
            "mailingstreet",
            "address1",
            "addressline1",
            "street1",
            "businessstreet",
            "address1street",
            "officeaddress",
            "workaddress",
        ],
    ),
    field(
        "city",
        "city of the mailing address",
        false,
        &[
            "town",
            "locality",
            "mailingcity",
            "businesscity",
            "address1city",
            "municipality",
        ],
    ),
    field(
        "state",
        "state of the mailing address (USPS code)",
        false,
        &[
            "st",
            "stateprovince",
            "stateorprovince",
            "province",
            "mailingstate",
            "businessstate",
            "address1region",
            "region",
        ],
    ),
    field(
        "zip",
        "ZIP code of the mailing address",
        false,
        &[
            "zipcode",
            "postalcode",
            "postcode",
            "zip5",
            "zipplus4",
            "postal",
            "mailingzip",
            "mailingpostalcode",
            "businesspostalcode",
            "address1postalcode",
        ],
    ),
    field(
        "country",
        "country of the mailing address (empty for the US)",
        true,
        &[
            "countryregion",
            "mailingcountry",
            "businesscountry",
            "businesscountryregion",
            "address1country",
        ],
    ),
    field(
        "email",
        "email address",
        // Always there, so a list without addresses still prints; `send` and `check` name
        // every row whose `to` is then empty.
        true,
        &[
            "emailaddress",
            "mail",
            "email1",
            "email1value",
            "primaryemail",
            "workemail",
            "businessemail",
            "officialemail",
            "emailaddress1",
        ],
    ),
    field(
        "returning",
        "yes for a re-elected or continuing official, no for a new one, empty when unknown",
        true,
        &["incumbent", "isincumbent", "reelected"],
    ),
    field(
        "new_member",
        "yes for a newly elected official, no for a returning one, empty when unknown",
        true,
        &[
            "isnew",
            "isnewmember",
            "new",
            "newlyelected",
            "firstterm",
            "freshman",
        ],
    ),
];

/// A standard field by its name (or snake_case or compact form).
pub fn find(name: &str) -> Option<&'static Standard> {
    let c = compact(&crate::records::snake_case(name));
    STANDARD.iter().find(|s| compact(s.name) == c)
}

/// The standard field a mistyped name is probably meant to be.
pub fn did_you_mean(name: &str) -> Option<&'static str> {
    let c = compact(&crate::records::snake_case(name));
    STANDARD
        .iter()
        .filter(|s| s.synonyms.contains(&c.as_str()) || edit_distance(&c, &compact(s.name)) <= 2)
        .map(|s| s.name)
        .next()
}

/// `first_name` -> `firstname`.
pub fn compact(key: &str) -> String {
    key.chars().filter(|c| *c != '_').collect()
}

/// Levenshtein distance on characters, for short names only.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The column(s) a standard field's synonyms find in the header, and a description.
pub(super) fn synonym_source(
    standard: &Standard,
    names: &[String],
    keys: &[String],
) -> Option<(Source, String)> {
    let compacts: Vec<String> = keys.iter().map(|k| compact(k)).collect();
    // Outlook's "Title" is Mr./Dr.; its office is "Job Title".
    let outlook = compacts.iter().any(|c| c == "jobtitle") && compacts.iter().any(|c| c == "title");
    if standard.name == "honorific" && outlook {
        let i = compacts.iter().position(|c| c == "title")?;
        return Some((Source::Column(i), names[i].clone()));
    }
    let index = standard
        .synonyms
        .iter()
        .find_map(|syn| compacts.iter().position(|c| c == syn))?;
    let from = names[index].clone();
    match standard.name {
        "address" => {
            let companions = street_companions(&compacts[index]);
            let mut cols = vec![index];
            cols.extend(
                companions
                    .iter()
                    .filter_map(|want| compacts.iter().position(|c| c == want)),
            );
            if cols.len() == 1 {
                return Some((Source::Column(index), from));
            }
            let desc = cols
                .iter()
                .map(|&i| names[i].as_str())
                .collect::<Vec<_>>()
                .join(" + ");
            Some((Source::Lines(cols), desc))
        }
        "email" if compacts[index].starts_with("email1") => Some((
            Source::FirstValue(index),
            format!("{from} (its first address)"),
        )),
        "returning" | "new_member" => Some((Source::YesNo(index), from)),
        _ => Some((Source::Column(index), from)),
    }
}

/// The columns that continue a street column: `Business Street 2`, `Address Line 2`,
/// Google's `Address 1 - Extended Address`.
fn street_companions(compact_key: &str) -> Vec<String> {
    if compact_key == "address1street" {
        return vec!["address1extendedaddress".to_string()];
    }
    let stem = compact_key.strip_suffix('1').unwrap_or(compact_key);
    vec![format!("{stem}2"), format!("{stem}3")]
}

#[cfg(test)]
mod tests {
    use super::{compact, did_you_mean, edit_distance, find, STANDARD};

    #[test]
    fn names_are_unique_and_synonyms_are_compact() {
        let mut seen = std::collections::HashSet::new();
        for s in STANDARD {
            assert!(seen.insert(compact(s.name)), "{}", s.name);
            for syn in s.synonyms {
                assert_eq!(*syn, compact(syn), "{syn}");
                assert!(seen.insert(syn.to_string()), "synonym {syn} is used twice");
            }
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(find("First Name").map(|s| s.name), Some("first_name"));
        assert_eq!(find("zip").map(|s| s.name), Some("zip"));
        assert_eq!(find("zipp"), None);
        assert_eq!(did_you_mean("zipp"), Some("zip"));
        assert_eq!(did_you_mean("Surname"), Some("last_name"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
