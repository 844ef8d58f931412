//! lettermerge: mail-merge letters for elected officials. Data file -> records -> template ->
//! Letter -> typeset -> PDF (and, later, email).
#![forbid(unsafe_code)]

pub mod images;
pub mod letter;
pub mod pdf;
pub mod problem;
pub mod records;
pub mod style;
pub mod template;
pub mod typeset;
