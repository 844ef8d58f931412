//! Splitting a one-line US mailing address into its street lines, city, state and ZIP.

// Placeholder until the splitter lands: only "..., City, ST 12345" is Sure.
pub struct Parsed {
    pub lines: Vec<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
}

pub enum Split {
    Sure(Parsed),
    Unsure {
        best: Option<Parsed>,
        reason: String,
    },
}

pub fn split(one_line: &str) -> Split {
    let parts: Vec<&str> = one_line.split(',').map(str::trim).collect();
    if parts.len() >= 3 {
        let last = parts[parts.len() - 1];
        let mut it = last.split_whitespace();
        if let (Some(st), Some(zip)) = (it.next(), it.next()) {
            return Split::Sure(Parsed {
                lines: parts[..parts.len() - 2]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                city: parts[parts.len() - 2].to_string(),
                state: st.to_string(),
                zip: zip.to_string(),
            });
        }
    }
    Split::Unsure {
        best: None,
        reason: "placeholder".into(),
    }
}
