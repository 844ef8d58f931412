//! Field matching: the standard field names the shipped templates are written against
//! (`first_name`, `title`, `body`, `address`, `zip`, `email`, `returning`...), how a data
//! file's own columns are matched to them (exact or snake_case name, a built-in table of
//! synonyms, the config's `[columns]` table), and what the public datasets
//! (congress-legislators, Open States) and contact exports (Outlook, Google) let us derive.

pub mod legislatures;
pub mod us_address;
