//! Forms of address: which title ("Senator", "Delegate", "Council Member") and honorific
//! ("The Honorable") an official's office calls for, from a built-in table that the config
//! file's `[offices]` table extends, and the `honorific`, `salutation` and `formal_name`
//! helpers built on it.
//!
//! Offices are matched on words, not characters, case- and punctuation-blind: "Sen.",
//! "State Senator", "Vermont State Senate" and Open States' `upper` all find the Senator
//! entry. When several entries match, the one with the most words wins ("Lieutenant
//! Governor" over "Governor"), so free text such as "City Council Member, Ward 3" works.

use super::helpers::HelperProblem;
use handlebars::{
    Context, Handlebars, Helper, HelperDef, JsonRender, RenderContext, RenderError,
    RenderErrorReason, ScopedJson,
};
use serde_json::Value;
use std::sync::Arc;

/// Used when no office is given: nearly every elected official in the US is "The Honorable".
pub const DEFAULT_HONORIFIC: &str = "The Honorable";

/// How an entry's title depends on the state, for chamber codes whose title varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// The title is the same everywhere.
    Fixed,
    /// A state's lower chamber: Assembly Member in CA, NY, NV, WI, NJ; Delegate in MD, VA,
    /// WV; else Representative.
    StateLower,
    /// A one-chamber body: Nebraska's senators, the Council of the District of Columbia.
    Unicameral,
    /// The U.S. House (congress-legislators' `rep`): the members for DC and the territories
    /// are Delegates, Puerto Rico's is the Resident Commissioner.
    UsHouse,
}

/// One form of address.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Office {
    title: String,
    honorific: String,
    rule: Rule,
}

/// A way of writing an office, as normalised words.
#[derive(Debug, Clone)]
struct Alias {
    words: Vec<String>,
    office: usize,
    /// Only the whole text matches (codes such as `upper` that are also ordinary words).
    exact: bool,
}

/// What an office resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// "Senator", as in "Dear Senator Doe:".
    pub title: String,
    /// "The Honorable", or empty for none.
    pub honorific: String,
}

/// The offices lettermerge knows, built in and from the config file.
#[derive(Debug, Clone)]
pub struct OfficeTable {
    offices: Vec<Office>,
    aliases: Vec<Alias>,
}

/// (title, aliases; a leading `=` marks an alias that must be the whole text, rule).
const BUILT_IN: &[(&str, &[&str], Rule)] = &[
    (
        "Senator",
        &[
            "senator",
            "sen",
            "senate",
            "state senator",
            "state senate",
            "us senator",
            "united states senator",
            "united states senate",
            "=upper",
        ],
        Rule::Fixed,
    ),
    (
        "Representative",
        &[
            "representative",
            "state representative",
            "house of representatives",
            "representative in congress",
            "congressmember",
            "congress member",
        ],
        Rule::Fixed,
    ),
    (
        "Representative",
        &[
            "rep",
            "us representative",
            "united states representative",
            "member of congress",
            "congress",
            "us house",
            "united states house",
            // Longer than the Fixed "house of representatives", so the body's own name
            // follows `rep`: Delegate for DC and the territories.
            "us house of representatives",
            "united states house of representatives",
        ],
        Rule::UsHouse,
    ),
    (
        "Representative",
        &["house", "=lower", "general assembly", "state house"],
        Rule::StateLower,
    ),
    ("Senator", &["legislature"], Rule::Unicameral),
    ("Congressman", &["congressman"], Rule::Fixed),
    ("Congresswoman", &["congresswoman"], Rule::Fixed),
    (
        "Delegate",
        &[
            "delegate",
            "del",
            "house of delegates",
            "delegate to congress",
        ],
        Rule::Fixed,
    ),
    (
        "Resident Commissioner",
        &["resident commissioner"],
        Rule::Fixed,
    ),
    (
        "Assembly Member",
        &[
            "assembly member",
            "assembly",
            "state assembly",
            "member of the assembly",
            "asm",
        ],
        Rule::Fixed,
    ),
    ("Assemblymember", &["assemblymember"], Rule::Fixed),
    ("Assemblyman", &["assemblyman"], Rule::Fixed),
    ("Assemblywoman", &["assemblywoman"], Rule::Fixed),
    (
        "Legislator",
        &["legislator", "state legislator", "county legislator"],
        Rule::Fixed,
    ),
    ("Governor", &["governor", "gov"], Rule::Fixed),
    (
        "Lieutenant Governor",
        &[
            "lieutenant governor",
            "lt governor",
            "lt gov",
            "lieut governor",
        ],
        Rule::Fixed,
    ),
    ("Attorney General", &["attorney general"], Rule::Fixed),
    ("Secretary", &["secretary of state"], Rule::Fixed),
    ("Treasurer", &["treasurer"], Rule::Fixed),
    ("Comptroller", &["comptroller"], Rule::Fixed),
    ("Controller", &["controller"], Rule::Fixed),
    ("Auditor", &["auditor"], Rule::Fixed),
    ("Superintendent", &["superintendent"], Rule::Fixed),
    ("Mayor", &["mayor", "office of the mayor"], Rule::Fixed),
    ("Deputy Mayor", &["deputy mayor"], Rule::Fixed),
    ("Vice Mayor", &["vice mayor"], Rule::Fixed),
    (
        "Mayor Pro Tem",
        &["mayor pro tem", "mayor pro tempore"],
        Rule::Fixed,
    ),
    (
        "Council Member",
        &[
            "council member",
            "council",
            "city council",
            "county council",
            "town council",
            "member of council",
            "council person",
            "councilperson",
        ],
        Rule::Fixed,
    ),
    (
        "Councilmember",
        // The Council's own usage, longer than the generic "council".
        &["councilmember", "council of the district of columbia"],
        Rule::Fixed,
    ),
    ("Councilman", &["councilman"], Rule::Fixed),
    ("Councilwoman", &["councilwoman"], Rule::Fixed),
    (
        "Councilor",
        &[
            "councilor",
            "councillor",
            "city councilor",
            "city councillor",
        ],
        Rule::Fixed,
    ),
    ("Alderman", &["alderman", "aldermen"], Rule::Fixed),
    ("Alderwoman", &["alderwoman"], Rule::Fixed),
    ("Alderperson", &["alderperson"], Rule::Fixed),
    ("Alder", &["alder", "alders"], Rule::Fixed),
    (
        "Commissioner",
        &[
            "commissioner",
            "commissioners",
            "county commissioner",
            "board of commissioners",
            "freeholder",
        ],
        Rule::Fixed,
    ),
    (
        "Supervisor",
        &["supervisor", "supervisors", "board of supervisors"],
        Rule::Fixed,
    ),
    ("County Executive", &["county executive"], Rule::Fixed),
    (
        "Select Board Member",
        &[
            "select board member",
            "selectboard member",
            "select board",
            "selectboard",
            "board of selectmen",
            "selectperson",
        ],
        Rule::Fixed,
    ),
    ("Selectman", &["selectman"], Rule::Fixed),
    ("Selectwoman", &["selectwoman"], Rule::Fixed),
    ("Sheriff", &["sheriff"], Rule::Fixed),
    ("District Attorney", &["district attorney"], Rule::Fixed),
    ("State's Attorney", &["state s attorney"], Rule::Fixed),
    ("Public Advocate", &["public advocate"], Rule::Fixed),
    ("Borough President", &["borough president"], Rule::Fixed),
    ("President", &["village president"], Rule::Fixed),
    (
        "Judge",
        &["judge", "magistrate", "court", "county judge"],
        Rule::Fixed,
    ),
    ("Chief Judge", &["chief judge"], Rule::Fixed),
    (
        "Justice",
        &["justice", "associate justice", "supreme court"],
        Rule::Fixed,
    ),
    ("Chief Justice", &["chief justice"], Rule::Fixed),
    (
        "Trustee",
        &["trustee", "trustees", "board of trustees"],
        Rule::Fixed,
    ),
    (
        "Board Member",
        &[
            "board member",
            "school board member",
            "board of education",
            "school committee",
        ],
        Rule::Fixed,
    ),
];

/// US states and territories by name, for `state=` values written out in full.
const STATE_NAMES: &[(&str, &str)] = &[
    ("california", "CA"),
    ("new york", "NY"),
    ("nevada", "NV"),
    ("wisconsin", "WI"),
    ("new jersey", "NJ"),
    ("maryland", "MD"),
    ("virginia", "VA"),
    ("west virginia", "WV"),
    ("nebraska", "NE"),
    ("district of columbia", "DC"),
    ("washington dc", "DC"),
    ("puerto rico", "PR"),
    ("guam", "GU"),
    ("us virgin islands", "VI"),
    ("virgin islands", "VI"),
    ("american samoa", "AS"),
    ("northern mariana islands", "MP"),
];

/// Lowercase words, punctuation dropped: "U.S. Rep." -> ["us", "rep"], "Lt. Gov." ->
/// ["lt", "gov"], "Council-Member" -> ["council", "member"]. Dots vanish inside a word (so
/// initials stay one word); other punctuation separates words.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if c == '.' {
            continue;
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn state_code(state: &str) -> String {
    let w = words(state).join(" ");
    STATE_NAMES
        .iter()
        .find(|(name, _)| *name == w)
        .map_or_else(|| state.trim().to_ascii_uppercase(), |(_, c)| c.to_string())
}

impl Default for OfficeTable {
    fn default() -> Self {
        OfficeTable::built_in()
    }
}

impl OfficeTable {
    /// The built-in table (see the README's table of offices).
    pub fn built_in() -> OfficeTable {
        let mut table = OfficeTable {
            offices: Vec::new(),
            aliases: Vec::new(),
        };
        for (title, aliases, rule) in BUILT_IN {
            let office = table.offices.len();
            table.offices.push(Office {
                title: (*title).to_string(),
                honorific: DEFAULT_HONORIFIC.to_string(),
                rule: *rule,
            });
            for alias in *aliases {
                let (text, exact) = match alias.strip_prefix('=') {
                    Some(t) => (t, true),
                    None => (*alias, false),
                };
                table.aliases.push(Alias {
                    words: words(text),
                    office,
                    exact,
                });
            }
        }
        table
    }

    /// Adds (or replaces) an office from the config file: `name` and every `matches` entry
    /// find it, before any built-in entry written the same way.
    pub fn add(&mut self, name: &str, title: &str, honorific: &str, matches: &[String]) {
        let office = self.offices.len();
        self.offices.push(Office {
            title: title.trim().to_string(),
            honorific: honorific.trim().to_string(),
            rule: Rule::Fixed,
        });
        let mut new: Vec<Alias> = Vec::new();
        for text in std::iter::once(name).chain(matches.iter().map(String::as_str)) {
            let w = words(text);
            if w.is_empty() {
                continue;
            }
            // The config entry takes the place of a built-in alias written the same way.
            self.aliases.retain(|a| a.words != w);
            new.push(Alias {
                words: w,
                office,
                exact: false,
            });
        }
        new.append(&mut self.aliases);
        self.aliases = new;
    }

    /// Whether `text` contains at least one word (a config key made of punctuation does not).
    pub fn is_usable_name(text: &str) -> bool {
        !words(text).is_empty()
    }

    /// The form of address for `office` (an office title, a chamber name or code), or `None`
    /// when no entry matches. `state` (a code such as CA, or a name) picks the title where it
    /// depends on the state.
    pub fn lookup(&self, office: &str, state: Option<&str>) -> Option<Form> {
        let text = words(office);
        if text.is_empty() {
            return None;
        }
        let mut best: Option<(&Alias, (usize, usize))> = None;
        for alias in &self.aliases {
            let hit = if alias.exact {
                alias.words == text
            } else {
                contains_words(&text, &alias.words)
            };
            if !hit {
                continue;
            }
            let score = (
                alias.words.len(),
                alias.words.iter().map(String::len).sum::<usize>(),
            );
            // Strictly better only: among equals, the first (config entries come first) wins.
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((alias, score));
            }
        }
        let office = &self.offices[best?.0.office];
        let state = state
            .map(state_code)
            .filter(|s| !s.is_empty())
            .unwrap_or_default();
        let title = match (office.rule, state.as_str()) {
            (Rule::StateLower, "CA" | "NY" | "NV" | "WI" | "NJ") => "Assembly Member",
            (Rule::StateLower, "MD" | "VA" | "WV") => "Delegate",
            (Rule::StateLower, _) => "Representative",
            (Rule::Unicameral, "DC") => "Councilmember",
            (Rule::Unicameral, "NE" | "") => "Senator",
            (Rule::Unicameral, _) => "Legislator",
            (Rule::UsHouse, "DC" | "GU" | "VI" | "AS" | "MP") => "Delegate",
            (Rule::UsHouse, "PR") => "Resident Commissioner",
            _ => office.title.as_str(),
        };
        Some(Form {
            title: title.to_string(),
            honorific: office.honorific.clone(),
        })
    }
}

fn contains_words(text: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && text.windows(needle.len()).any(|w| w == needle)
}

/// Generational suffixes left out when the surname is taken from a full name.
const SUFFIXES: [&str; 8] = ["jr", "sr", "ii", "iii", "iv", "v", "esq", "phd"];

fn is_suffix(word: &str) -> bool {
    let w = word.trim_matches(|c: char| !c.is_alphanumeric());
    SUFFIXES.contains(&w.to_lowercase().as_str())
}

/// The name parts a helper was given: the full name ("Jane Q. Doe") and the surname
/// ("Doe"). Several parts: the last is the surname (a Jr. or III after it is passed over).
/// One part with spaces is a full name whose last word (not counting Jr., III, ...) is the
/// surname. One word alone is a surname only, and there is no full name to fall back on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub full: Option<String>,
    pub surname: Option<String>,
}

impl Name {
    pub fn from_parts(parts: &[String]) -> Name {
        let parts: Vec<String> = parts
            .iter()
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|p| !p.is_empty())
            .collect();
        match parts.as_slice() {
            [] => Name {
                full: None,
                surname: None,
            },
            [one] if !one.contains(' ') => Name {
                full: None,
                surname: Some(one.clone()),
            },
            [one] => {
                let words: Vec<&str> = one.split(' ').collect();
                let surname = words
                    .iter()
                    .rev()
                    .find(|w| !is_suffix(w))
                    .map(|w| w.trim_end_matches(',').to_string());
                Name {
                    full: Some(one.clone()),
                    surname,
                }
            }
            [.., last] => Name {
                full: Some(parts.join(" ")),
                // `first_name last_name suffix`: the surname is still last_name.
                surname: Some(
                    parts
                        .iter()
                        .rev()
                        .find(|p| !is_suffix(p))
                        .unwrap_or(last)
                        .clone(),
                ),
            },
        }
    }
}

/// "Senator Doe"; unknown office: "Jane Doe"; nothing to go on: `None`.
pub fn formal_name(form: Option<&Form>, name: &Name) -> Option<String> {
    match (form, &name.surname, &name.full) {
        (Some(f), Some(surname), _) if !f.title.is_empty() => {
            Some(format!("{} {surname}", f.title))
        }
        (_, _, Some(full)) => Some(full.clone()),
        _ => None,
    }
}

/// "Dear Senator Doe:"; unknown office "Dear Jane Doe:"; no name "Dear Sir or Madam:".
pub fn salutation(form: Option<&Form>, name: &Name, punctuation: &str) -> String {
    let who = formal_name(form, name).unwrap_or_else(|| "Sir or Madam".to_string());
    format!("Dear {who}{punctuation}")
}

/// A `salutation` cell as a greeting: "Dear Dr. Pérez:" stays, "Jane" becomes
/// "Dear Jane:", "Dear Jane" gets the punctuation.
pub fn salutation_from_cell(cell: &str, punctuation: &str) -> String {
    let cell = cell.split_whitespace().collect::<Vec<_>>().join(" ");
    let greeting = if starts_with_dear(&cell) {
        cell
    } else {
        format!("Dear {cell}")
    };
    if greeting.ends_with([':', ',', ';', '!', '.']) {
        greeting
    } else {
        format!("{greeting}{punctuation}")
    }
}

fn starts_with_dear(s: &str) -> bool {
    s.get(..5).is_some_and(|h| h.eq_ignore_ascii_case("dear "))
}

/// "The Honorable Jane Doe": `honorific` (if any) before the full name.
pub fn honorific_name(honorific: &str, parts: &[String]) -> String {
    let mut out: Vec<String> = Vec::new();
    for p in std::iter::once(honorific).chain(parts.iter().map(String::as_str)) {
        let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
        if !p.is_empty() {
            out.push(p);
        }
    }
    out.join(" ")
}

/// Registers `honorific`, `salutation` and `formal_name` on `hb`.
pub fn register(hb: &mut Handlebars<'static>, table: &Arc<OfficeTable>) {
    for kind in [Kind::Honorific, Kind::Salutation, Kind::FormalName] {
        hb.register_helper(
            kind.name(),
            Box::new(super::helpers::column_first(
                kind.name(),
                Box::new(FormsHelper {
                    kind,
                    table: Arc::clone(table),
                }),
            )),
        );
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Honorific,
    Salutation,
    FormalName,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Honorific => "honorific",
            Kind::Salutation => "salutation",
            Kind::FormalName => "formal_name",
        }
    }

    fn usage(self) -> &'static str {
        match self {
            Kind::Honorific => "write it like {{honorific first_name last_name}} (office=title to look the office up)",
            Kind::Salutation => "write it like {{salutation title first_name last_name}}: the office first, then the name",
            Kind::FormalName => "write it like {{formal_name title first_name last_name}}: the office first, then the name",
        }
    }
}

struct FormsHelper {
    kind: Kind,
    table: Arc<OfficeTable>,
}

/// A cell of the row by column name, when it is there and not blank.
fn row_cell<'a>(ctx: &'a Context, column: &str) -> Option<&'a str> {
    match ctx.data().get(column) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim()),
        _ => None,
    }
}

impl HelperDef for FormsHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let name = self.kind.name();
        let mut values = Vec::with_capacity(h.params().len());
        for p in h.params() {
            if p.is_value_missing() {
                return Err(RenderErrorReason::MissingVariable(p.relative_path().cloned()).into());
            }
            values.push(p.value().render());
        }
        let hash = |key: &str| -> Result<Option<String>, RenderError> {
            match h.hash_get(key) {
                None => Ok(None),
                Some(v) if v.is_value_missing() => {
                    Err(RenderErrorReason::MissingVariable(v.relative_path().cloned()).into())
                }
                Some(v) => Ok(Some(v.value().render())),
            }
        };
        for key in h.hash().keys() {
            let allowed: &[&str] = match self.kind {
                Kind::Honorific => &["office", "state", "chamber"],
                Kind::Salutation => &["state", "chamber", "punctuation"],
                Kind::FormalName => &["state", "chamber"],
            };
            if !allowed.contains(key) {
                return Err(usage_problem(
                    format!("`{{{{{name}}}}}` has no option `{key}=`"),
                    format!("its options are {}", allowed.join("=, ") + "="),
                ));
            }
        }
        let state = hash("state")?;
        let chamber = hash("chamber")?;
        let lookup = |office: &str| {
            self.table.lookup(office, state.as_deref()).or_else(|| {
                chamber
                    .as_deref()
                    .and_then(|c| self.table.lookup(c, state.as_deref()))
            })
        };
        let out = match self.kind {
            Kind::Honorific => {
                if values.is_empty() {
                    return Err(usage_problem(
                        format!("`{{{{{name}}}}}` needs the name to put after the honorific"),
                        self.kind.usage().to_string(),
                    ));
                }
                let honorific = match (row_cell(ctx, "honorific"), hash("office")?) {
                    (Some(cell), _) => cell.to_string(),
                    (None, None) if chamber.is_none() => DEFAULT_HONORIFIC.to_string(),
                    (None, office) => lookup(office.as_deref().unwrap_or_default())
                        .map(|f| f.honorific)
                        .unwrap_or_default(),
                };
                honorific_name(&honorific, &values)
            }
            Kind::Salutation | Kind::FormalName => {
                let Some((office, parts)) = values.split_first() else {
                    return Err(usage_problem(
                        format!("`{{{{{name}}}}}` needs the office and the name"),
                        self.kind.usage().to_string(),
                    ));
                };
                let punctuation = hash("punctuation")?.unwrap_or_else(|| ":".to_string());
                let cell = row_cell(ctx, "salutation");
                let form = lookup(office);
                let name = Name::from_parts(parts);
                match (self.kind, cell) {
                    (Kind::Salutation, Some(cell)) => salutation_from_cell(cell, &punctuation),
                    (Kind::Salutation, None) => salutation(form.as_ref(), &name, &punctuation),
                    (_, Some(cell)) => strip_greeting(cell),
                    (_, None) => formal_name(form.as_ref(), &name).unwrap_or_default(),
                }
            }
        };
        Ok(ScopedJson::Derived(Value::String(out)))
    }
}

/// "Dear Dr. Pérez:" -> "Dr. Pérez", for `formal_name` on a row with a `salutation` cell.
fn strip_greeting(cell: &str) -> String {
    let mut s = cell.trim();
    if starts_with_dear(s) {
        s = s[5..].trim_start();
    }
    s.trim_end_matches([':', ',', ';']).trim().to_string()
}

fn usage_problem(message: String, hint: String) -> RenderError {
    RenderErrorReason::NestedError(Box::new(HelperProblem {
        message,
        hint: Some(hint),
        column: None,
        group: None,
    }))
    .into()
}

#[cfg(test)]
mod tests;
