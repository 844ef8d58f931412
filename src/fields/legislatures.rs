//! The titles and body names of the U.S. Congress and of every state legislature's chambers.
//!
//! The public datasets name a seat by codes: congress-legislators by `type` (`sen`, `rep`)
//! and `state`, Open States by `state` and `chamber` (`House`, `Senate`, `Legislature`).
//! A letter needs words: the member's title ("Assembly Member", "Delegate") and the body
//! they sit in ("California State Assembly", "Maryland House of Delegates"). The titles
//! are the ones the forms-of-address table (`template::forms`) turns into a greeting, so
//! "Delegate" gives "Dear Delegate Doe:"; a test below holds the two tables together.
//!
//! Body names are each chamber's own: "New York State Senate" but "Texas Senate",
//! "Senate of Virginia", "New Jersey General Assembly". Where a legislature's usage is
//! mixed (its website says "State Senate", its constitution "Senate"), the plain
//! "<State> Senate" is used; the entries where that choice was a close call are marked.

/// A seat's title and body: what a letter says about the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    /// The member's title: "U.S. Senator", "U.S. Representative", "Delegate",
    /// "Resident Commissioner", "State Senator", "State Representative",
    /// "Assembly Member", "Senator", "Representative" (Puerto Rico), "Councilmember".
    pub title: &'static str,
    /// The body's full name: "United States Senate", "U.S. House of Representatives",
    /// "California State Assembly", "Nebraska Legislature",
    /// "Council of the District of Columbia".
    pub body: String,
}

/// A row of the built-in table; the `Seat` handed out owns its body, which the derived
/// fields store as they store text from the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    title: &'static str,
    body: &'static str,
}

impl From<Entry> for Seat {
    fn from(e: Entry) -> Seat {
        Seat {
            title: e.title,
            body: e.body.to_string(),
        }
    }
}

const fn seat(title: &'static str, body: &'static str) -> Entry {
    Entry { title, body }
}

const US_SENATE: &str = "United States Senate";
const US_HOUSE: &str = "U.S. House of Representatives";

/// The seat of a member of Congress, from congress-legislators' `type` (`sen` or `rep`,
/// any case) and `state` (a USPS code, any case). The members of the House for DC, Guam,
/// the U.S. Virgin Islands, American Samoa and the Northern Mariana Islands are Delegates,
/// Puerto Rico's is the Resident Commissioner. `None` for an unknown code, or a senator
/// from a place that has none (DC and the territories).
pub fn congress(kind: &str, state: &str) -> Option<Seat> {
    let place = place(state)?;
    let entry = match kind.trim().to_ascii_lowercase().as_str() {
        "sen" => place
            .is_state()
            .then_some(seat("U.S. Senator", US_SENATE))?,
        "rep" => match place.code {
            "DC" | "GU" | "VI" | "AS" | "MP" => seat("Delegate", US_HOUSE),
            "PR" => seat("Resident Commissioner", US_HOUSE),
            _ => seat("U.S. Representative", US_HOUSE),
        },
        _ => return None,
    };
    Some(entry.into())
}

/// The seat of a member of a state legislature (or of the Council of the District of
/// Columbia, or of Puerto Rico's Legislative Assembly), from Open States' `state` (a USPS
/// code, any case) and `chamber`: `House` or `lower`, `Senate` or `upper`, `Legislature`,
/// any case.
///
/// The one-chamber bodies (Nebraska, DC) are found by `Legislature` and also by `upper`
/// or `Senate`, which older Open States exports used for them; a bicameral state has no
/// `Legislature` seat. `None` for an unknown state or chamber, and for the other
/// territories, which Open States does not cover.
pub fn state_legislature(state: &str, chamber: &str) -> Option<Seat> {
    let chamber = match chamber.trim().to_ascii_lowercase().as_str() {
        "house" | "lower" => Chamber::Lower,
        "senate" | "upper" => Chamber::Upper,
        "legislature" => Chamber::Whole,
        _ => return None,
    };
    let entry = match (place(state)?.legislature, chamber) {
        (Legislature::Two { upper, .. }, Chamber::Upper) => upper,
        (Legislature::Two { lower, .. }, Chamber::Lower) => lower,
        (Legislature::One(seat), Chamber::Whole | Chamber::Upper) => seat,
        _ => return None,
    };
    Some(entry.into())
}

/// The name of a state or territory from its USPS code (any case): "WA" -> "Washington",
/// "DC" -> "District of Columbia", "VI" -> "U.S. Virgin Islands". Covers the 50 states,
/// DC, PR, GU, VI, AS and MP; `None` for anything else.
pub fn state_name(code: &str) -> Option<&'static str> {
    place(code).map(|p| p.name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chamber {
    Upper,
    Lower,
    Whole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Legislature {
    Two {
        upper: Entry,
        lower: Entry,
    },
    One(Entry),
    /// Guam, the Virgin Islands, American Samoa and the Northern Marianas have
    /// legislatures, but Open States has no data for them, so nothing is derived.
    NotCovered,
}

struct Place {
    code: &'static str,
    name: &'static str,
    legislature: Legislature,
}

impl Place {
    /// One of the 50 states (DC and the territories have no U.S. senators).
    fn is_state(&self) -> bool {
        !matches!(self.code, "DC" | "PR" | "GU" | "VI" | "AS" | "MP")
    }
}

fn place(code: &str) -> Option<&'static Place> {
    let code = code.trim();
    PLACES.iter().find(|p| p.code.eq_ignore_ascii_case(code))
}

const SENATOR: &str = "State Senator";
const REPRESENTATIVE: &str = "State Representative";
const ASSEMBLY: &str = "Assembly Member";
const DELEGATE: &str = "Delegate";

/// A state with a Senate and a House of Representatives.
const fn two(upper: &'static str, lower: &'static str) -> Legislature {
    Legislature::Two {
        upper: seat(SENATOR, upper),
        lower: seat(REPRESENTATIVE, lower),
    }
}

/// A state whose lower chamber's members are not Representatives.
const fn two_as(
    upper: &'static str,
    lower_title: &'static str,
    lower: &'static str,
) -> Legislature {
    Legislature::Two {
        upper: seat(SENATOR, upper),
        lower: seat(lower_title, lower),
    }
}

const fn place_of(code: &'static str, name: &'static str, legislature: Legislature) -> Place {
    Place {
        code,
        name,
        legislature,
    }
}

/// Every state's chambers, in the order of the USPS codes. "State Senate" where the
/// chamber calls itself that; `(plain)` marks a name where the legislature's own usage
/// is mixed and the plain form was chosen.
const PLACES: &[Place] = &[
    // (plain): the legislature's website also says "Alabama State Senate".
    place_of(
        "AL",
        "Alabama",
        two("Alabama Senate", "Alabama House of Representatives"),
    ),
    // (plain): also "Alaska State Senate".
    place_of(
        "AK",
        "Alaska",
        two("Alaska Senate", "Alaska House of Representatives"),
    ),
    // (plain): azleg.gov also says "Arizona State Senate".
    place_of(
        "AZ",
        "Arizona",
        two("Arizona Senate", "Arizona House of Representatives"),
    ),
    // (plain): also "Arkansas State Senate".
    place_of(
        "AR",
        "Arkansas",
        two("Arkansas Senate", "Arkansas House of Representatives"),
    ),
    place_of(
        "CA",
        "California",
        two_as(
            "California State Senate",
            ASSEMBLY,
            "California State Assembly",
        ),
    ),
    // (plain): also "Colorado State Senate".
    place_of(
        "CO",
        "Colorado",
        two("Colorado Senate", "Colorado House of Representatives"),
    ),
    place_of(
        "CT",
        "Connecticut",
        two(
            "Connecticut State Senate",
            "Connecticut House of Representatives",
        ),
    ),
    // (plain): also "Delaware State Senate".
    place_of(
        "DE",
        "Delaware",
        two("Delaware Senate", "Delaware House of Representatives"),
    ),
    place_of(
        "FL",
        "Florida",
        two("Florida Senate", "Florida House of Representatives"),
    ),
    place_of(
        "GA",
        "Georgia",
        two("Georgia State Senate", "Georgia House of Representatives"),
    ),
    // (plain): also "Hawaii State Senate"; written without the ʻokina, as addresses are.
    place_of(
        "HI",
        "Hawaii",
        two("Hawaii Senate", "Hawaii House of Representatives"),
    ),
    place_of(
        "ID",
        "Idaho",
        two("Idaho Senate", "Idaho House of Representatives"),
    ),
    place_of(
        "IL",
        "Illinois",
        two("Illinois Senate", "Illinois House of Representatives"),
    ),
    place_of(
        "IN",
        "Indiana",
        two("Indiana Senate", "Indiana House of Representatives"),
    ),
    place_of(
        "IA",
        "Iowa",
        two("Iowa Senate", "Iowa House of Representatives"),
    ),
    place_of(
        "KS",
        "Kansas",
        two("Kansas Senate", "Kansas House of Representatives"),
    ),
    place_of(
        "KY",
        "Kentucky",
        two("Kentucky Senate", "Kentucky House of Representatives"),
    ),
    place_of(
        "LA",
        "Louisiana",
        two(
            "Louisiana State Senate",
            "Louisiana House of Representatives",
        ),
    ),
    place_of(
        "ME",
        "Maine",
        two("Maine Senate", "Maine House of Representatives"),
    ),
    // (plain): the General Assembly also says "Senate of Maryland".
    place_of(
        "MD",
        "Maryland",
        two_as("Maryland Senate", DELEGATE, "Maryland House of Delegates"),
    ),
    place_of(
        "MA",
        "Massachusetts",
        two(
            "Massachusetts Senate",
            "Massachusetts House of Representatives",
        ),
    ),
    place_of(
        "MI",
        "Michigan",
        two("Michigan Senate", "Michigan House of Representatives"),
    ),
    place_of(
        "MN",
        "Minnesota",
        two("Minnesota Senate", "Minnesota House of Representatives"),
    ),
    place_of(
        "MS",
        "Mississippi",
        two(
            "Mississippi State Senate",
            "Mississippi House of Representatives",
        ),
    ),
    place_of(
        "MO",
        "Missouri",
        two("Missouri Senate", "Missouri House of Representatives"),
    ),
    place_of(
        "MT",
        "Montana",
        two("Montana Senate", "Montana House of Representatives"),
    ),
    // One chamber; its members are senators.
    place_of(
        "NE",
        "Nebraska",
        Legislature::One(seat(SENATOR, "Nebraska Legislature")),
    ),
    place_of(
        "NV",
        "Nevada",
        two_as("Nevada Senate", ASSEMBLY, "Nevada Assembly"),
    ),
    place_of(
        "NH",
        "New Hampshire",
        two(
            "New Hampshire Senate",
            "New Hampshire House of Representatives",
        ),
    ),
    // The members call themselves Assemblyman or Assemblywoman; "Assembly Member" is the
    // neutral form.
    place_of(
        "NJ",
        "New Jersey",
        two_as("New Jersey Senate", ASSEMBLY, "New Jersey General Assembly"),
    ),
    place_of(
        "NM",
        "New Mexico",
        two("New Mexico Senate", "New Mexico House of Representatives"),
    ),
    place_of(
        "NY",
        "New York",
        two_as("New York State Senate", ASSEMBLY, "New York State Assembly"),
    ),
    place_of(
        "NC",
        "North Carolina",
        two(
            "North Carolina Senate",
            "North Carolina House of Representatives",
        ),
    ),
    place_of(
        "ND",
        "North Dakota",
        two(
            "North Dakota Senate",
            "North Dakota House of Representatives",
        ),
    ),
    place_of(
        "OH",
        "Ohio",
        two("Ohio Senate", "Ohio House of Representatives"),
    ),
    place_of(
        "OK",
        "Oklahoma",
        two("Oklahoma Senate", "Oklahoma House of Representatives"),
    ),
    place_of(
        "OR",
        "Oregon",
        two("Oregon State Senate", "Oregon House of Representatives"),
    ),
    // The chamber styles itself "Senate of Pennsylvania"; "Pennsylvania State Senate" is
    // the common form and is what readers expect.
    place_of(
        "PA",
        "Pennsylvania",
        two(
            "Pennsylvania State Senate",
            "Pennsylvania House of Representatives",
        ),
    ),
    place_of(
        "RI",
        "Rhode Island",
        two(
            "Rhode Island Senate",
            "Rhode Island House of Representatives",
        ),
    ),
    place_of(
        "SC",
        "South Carolina",
        two(
            "South Carolina Senate",
            "South Carolina House of Representatives",
        ),
    ),
    place_of(
        "SD",
        "South Dakota",
        two(
            "South Dakota Senate",
            "South Dakota House of Representatives",
        ),
    ),
    place_of(
        "TN",
        "Tennessee",
        two("Tennessee Senate", "Tennessee House of Representatives"),
    ),
    place_of(
        "TX",
        "Texas",
        two("Texas Senate", "Texas House of Representatives"),
    ),
    place_of(
        "UT",
        "Utah",
        two("Utah State Senate", "Utah House of Representatives"),
    ),
    // (plain): also "Vermont State Senate".
    place_of(
        "VT",
        "Vermont",
        two("Vermont Senate", "Vermont House of Representatives"),
    ),
    place_of(
        "VA",
        "Virginia",
        two_as(
            "Senate of Virginia",
            DELEGATE,
            "Virginia House of Delegates",
        ),
    ),
    // "State" in both: the chambers' own usage, and "Washington House of Representatives"
    // reads as the U.S. House.
    place_of(
        "WA",
        "Washington",
        two(
            "Washington State Senate",
            "Washington State House of Representatives",
        ),
    ),
    place_of(
        "WV",
        "West Virginia",
        two_as(
            "West Virginia Senate",
            DELEGATE,
            "West Virginia House of Delegates",
        ),
    ),
    // The legislature's website says "Wisconsin State Senate" and "Wisconsin State
    // Assembly"; the Senate is also often just "Wisconsin Senate".
    place_of(
        "WI",
        "Wisconsin",
        two_as(
            "Wisconsin State Senate",
            ASSEMBLY,
            "Wisconsin State Assembly",
        ),
    ),
    place_of(
        "WY",
        "Wyoming",
        two("Wyoming Senate", "Wyoming House of Representatives"),
    ),
    // The Council is DC's legislature; Open States files it under `Legislature`. Its
    // chair (Open States' district "Chairman") is still a Councilmember by seat.
    place_of(
        "DC",
        "District of Columbia",
        Legislature::One(seat("Councilmember", "Council of the District of Columbia")),
    ),
    // Puerto Rico is not a state, so its legislators are plain Senators and
    // Representatives; the chambers' English names (Senado de Puerto Rico, Cámara de
    // Representantes de Puerto Rico).
    place_of(
        "PR",
        "Puerto Rico",
        Legislature::Two {
            upper: seat("Senator", "Senate of Puerto Rico"),
            lower: seat("Representative", "Puerto Rico House of Representatives"),
        },
    ),
    place_of("GU", "Guam", Legislature::NotCovered),
    place_of("VI", "U.S. Virgin Islands", Legislature::NotCovered),
    place_of("AS", "American Samoa", Legislature::NotCovered),
    place_of("MP", "Northern Mariana Islands", Legislature::NotCovered),
];

#[cfg(test)]
mod tests {
    use super::{congress, state_legislature, state_name, Seat, PLACES};
    use crate::template::forms::OfficeTable;

    const STATES: [&str; 50] = [
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
        "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
        "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
        "VA", "WA", "WV", "WI", "WY",
    ];
    const TERRITORIES: [&str; 4] = ["GU", "VI", "AS", "MP"];

    /// The greeting's title for a seat, through the forms table as a template would use it.
    fn greeting(office: &str, state: &str) -> String {
        OfficeTable::built_in()
            .lookup(office, Some(state))
            .map(|f| f.title)
            .unwrap_or_else(|| panic!("the forms table does not know {office:?} ({state})"))
    }

    #[test]
    fn the_briefs_examples() {
        assert_eq!(
            congress("sen", "WA"),
            Some(Seat {
                title: "U.S. Senator",
                body: "United States Senate".into()
            })
        );
        assert_eq!(
            congress("rep", "DC"),
            Some(Seat {
                title: "Delegate",
                body: "U.S. House of Representatives".into()
            })
        );
        assert_eq!(
            state_legislature("CA", "House"),
            Some(Seat {
                title: "Assembly Member",
                body: "California State Assembly".into()
            })
        );
        assert_eq!(
            state_legislature("MD", "House").map(|s| s.body).as_deref(),
            Some("Maryland House of Delegates")
        );
        assert_eq!(
            state_legislature("NE", "Legislature"),
            Some(Seat {
                title: "State Senator",
                body: "Nebraska Legislature".into()
            })
        );
        assert_eq!(
            state_legislature("DC", "Legislature"),
            Some(Seat {
                title: "Councilmember",
                body: "Council of the District of Columbia".into()
            })
        );
        assert_eq!(state_name("WA"), Some("Washington"));
    }

    #[test]
    fn the_house_members_for_dc_and_the_territories() {
        for code in ["DC", "GU", "VI", "AS", "MP"] {
            assert_eq!(congress("rep", code).map(|s| s.title), Some("Delegate"));
            assert_eq!(congress("sen", code), None, "{code} has no senators");
        }
        assert_eq!(
            congress("rep", "PR").map(|s| s.title),
            Some("Resident Commissioner")
        );
        assert_eq!(congress("sen", "PR"), None);
        for code in STATES {
            assert_eq!(
                congress("rep", code).map(|s| s.title),
                Some("U.S. Representative")
            );
            assert_eq!(congress("sen", code).map(|s| s.title), Some("U.S. Senator"));
        }
    }

    #[test]
    fn codes_are_read_leniently_and_unknown_ones_refused() {
        assert_eq!(congress(" REP ", "ny"), congress("rep", "NY"));
        assert_eq!(
            state_legislature(" ny", "LOWER"),
            state_legislature("NY", "House")
        );
        assert_eq!(
            state_legislature("tx", "upper"),
            state_legislature("TX", "Senate")
        );
        assert_eq!(
            state_legislature("ne", "legislature"),
            state_legislature("NE", "Legislature")
        );
        assert_eq!(congress("del", "DC"), None);
        assert_eq!(congress("rep", "XX"), None);
        assert_eq!(congress("rep", ""), None);
        assert_eq!(state_legislature("CA", "Assembly"), None);
        assert_eq!(state_legislature("ZZ", "House"), None);
        assert_eq!(state_name("Washington"), None);
        assert_eq!(state_name(""), None);
    }

    #[test]
    fn one_chamber_bodies_and_bicameral_ones_do_not_mix() {
        for state in STATES.iter().filter(|s| **s != "NE") {
            assert_eq!(state_legislature(state, "Legislature"), None, "{state}");
        }
        assert_eq!(state_legislature("PR", "Legislature"), None);
        // Older Open States exports filed the one-chamber bodies as `upper`.
        for state in ["NE", "DC"] {
            assert_eq!(
                state_legislature(state, "upper"),
                state_legislature(state, "Legislature")
            );
            assert_eq!(state_legislature(state, "House"), None);
        }
        for code in TERRITORIES {
            for chamber in ["House", "Senate", "Legislature"] {
                assert_eq!(state_legislature(code, chamber), None, "{code} {chamber}");
            }
        }
    }

    #[test]
    fn every_place_once_with_its_name() {
        assert_eq!(PLACES.len(), 56);
        for (i, p) in PLACES.iter().enumerate() {
            assert!(
                PLACES[i + 1..].iter().all(|q| q.code != p.code),
                "{} twice",
                p.code
            );
        }
        for code in STATES.iter().chain(&["DC", "PR"]).chain(&TERRITORIES) {
            assert!(state_name(code).is_some(), "{code}");
        }
        assert_eq!(state_name("dc"), Some("District of Columbia"));
        assert_eq!(state_name("MP"), Some("Northern Mariana Islands"));
        assert_eq!(state_name("WV"), Some("West Virginia"));
    }

    #[test]
    fn every_body_is_named_for_its_state() {
        for code in STATES.iter().chain(&["DC", "PR"]) {
            let name = state_name(code).unwrap();
            for chamber in ["House", "Senate", "Legislature"] {
                if let Some(seat) = state_legislature(code, chamber) {
                    assert!(seat.body.contains(name), "{code}: {}", seat.body);
                    // "West Virginia" contains "Virginia": the other way round must not hold.
                    if *code == "VA" {
                        assert!(!seat.body.contains("West"), "{}", seat.body);
                    }
                }
            }
        }
    }

    #[test]
    fn state_chambers_have_their_own_names() {
        let body = |state, chamber| {
            state_legislature(state, chamber)
                .map(|s| s.body)
                .unwrap_or_default()
        };
        assert_eq!(body("NY", "Senate"), "New York State Senate");
        assert_eq!(body("CA", "Senate"), "California State Senate");
        assert_eq!(body("TX", "Senate"), "Texas Senate");
        assert_eq!(body("MA", "Senate"), "Massachusetts Senate");
        assert_eq!(body("VA", "Senate"), "Senate of Virginia");
        assert_eq!(body("NJ", "House"), "New Jersey General Assembly");
        assert_eq!(body("NV", "House"), "Nevada Assembly");
        assert_eq!(body("WI", "House"), "Wisconsin State Assembly");
        assert_eq!(body("NY", "House"), "New York State Assembly");
        assert_eq!(body("WV", "House"), "West Virginia House of Delegates");
        assert_eq!(body("VA", "House"), "Virginia House of Delegates");
        assert_eq!(body("PA", "House"), "Pennsylvania House of Representatives");
        assert_eq!(
            body("NH", "House"),
            "New Hampshire House of Representatives"
        );
        assert_eq!(body("PR", "Senate"), "Senate of Puerto Rico");
        assert_eq!(body("PR", "House"), "Puerto Rico House of Representatives");
    }

    /// What "Dear ___ Doe:" should say for a state's lower chamber, written out apart from
    /// the table so that a slip in one shows against the other.
    fn lower_greeting(state: &str) -> &'static str {
        match state {
            "CA" | "NV" | "NY" | "WI" | "NJ" => "Assembly Member",
            "MD" | "VA" | "WV" => "Delegate",
            _ => "Representative",
        }
    }

    #[test]
    fn every_state_seat_gets_the_right_greeting() {
        for state in STATES {
            if state == "NE" {
                let seat = state_legislature(state, "Legislature").unwrap();
                assert_eq!(seat.title, "State Senator");
                assert_eq!(greeting(seat.title, state), "Senator");
                assert_eq!(greeting(&seat.body, state), "Senator");
                assert_eq!(greeting("Legislature", state), "Senator");
                continue;
            }
            let upper = state_legislature(state, "Senate").unwrap();
            assert_eq!(upper.title, "State Senator");
            // The title, the body's name and Open States' chamber code all agree.
            for office in [upper.title, &upper.body, "Senate", "upper"] {
                assert_eq!(greeting(office, state), "Senator", "{state} {office}");
            }
            let lower = state_legislature(state, "House").unwrap();
            let want = lower_greeting(state);
            for office in [lower.title, &lower.body, "House", "lower"] {
                assert_eq!(greeting(office, state), want, "{state} {office}");
            }
        }
        let dc = state_legislature("DC", "Legislature").unwrap();
        for office in [dc.title, &dc.body, "Legislature"] {
            assert_eq!(greeting(office, "DC"), "Councilmember", "{office}");
        }
        let upper = state_legislature("PR", "Senate").unwrap();
        let lower = state_legislature("PR", "House").unwrap();
        for office in [upper.title, &upper.body, "Senate"] {
            assert_eq!(greeting(office, "PR"), "Senator", "{office}");
        }
        for office in [lower.title, &lower.body, "House"] {
            assert_eq!(greeting(office, "PR"), "Representative", "{office}");
        }
    }

    #[test]
    fn every_member_of_congress_gets_the_right_greeting() {
        let all = STATES.iter().chain(&["DC", "PR"]).chain(&TERRITORIES);
        for state in all {
            let want = match *state {
                "DC" | "GU" | "VI" | "AS" | "MP" => "Delegate",
                "PR" => "Resident Commissioner",
                _ => "Representative",
            };
            let rep = congress("rep", state).unwrap();
            for office in [rep.title, &rep.body, "rep"] {
                assert_eq!(greeting(office, state), want, "{state} {office}");
            }
            if let Some(sen) = congress("sen", state) {
                for office in [sen.title, &sen.body, "sen"] {
                    assert_eq!(greeting(office, state), "Senator", "{state} {office}");
                }
            }
        }
    }
}
