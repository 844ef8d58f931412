//! The campaign layer: one engine under the command line and the studio. It opens the
//! template, the data (with its field matching) and the config, holds the selection, checks
//! the rows, renders one row, writes the letters and builds every message's settings. The
//! commands (`pdf`, `send`, `check`, `preview`) and the studio call it and never each other.

mod assemble;
pub mod batches;
pub mod email;
pub mod open;
pub mod preview;
pub mod print;
pub mod render;
pub mod send;
pub mod stationery;

pub use self::open::{check_and_list, check_rows, open, sender_settings, Opened, UNCHECKED_FROM};
