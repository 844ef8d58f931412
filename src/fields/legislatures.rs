//! The titles and body names of the U.S. Congress and of every state legislature's chambers.

// Placeholder until the table lands.
pub struct Seat {
    pub title: &'static str,
    pub body: String,
}

pub fn congress(kind: &str, _state: &str) -> Option<Seat> {
    match kind {
        "sen" => Some(Seat {
            title: "U.S. Senator",
            body: "United States Senate".into(),
        }),
        "rep" => Some(Seat {
            title: "U.S. Representative",
            body: "U.S. House of Representatives".into(),
        }),
        _ => None,
    }
}

pub fn state_legislature(state: &str, chamber: &str) -> Option<Seat> {
    Some(Seat {
        title: "State Senator",
        body: format!("{state} {chamber}"),
    })
}
