//! Print batches: the one combined PDF, or several (`--split N`: N letters each;
//! `--split-by COLUMN`: one per value of a column; both: N letters each within a value),
//! named after the `--combined` path, and which batch each letter goes into.

pub use crate::config::Split;
use crate::output::{sanitize_stem, NameAllocator};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The most values `--split-by` may split on. Each of its batches stays open (a file and its
/// PDF writer) until the value's last letter, as the letters come in data order: 500 keeps
/// well under the common limit of 1,024 open files, with room for the letters being written.
/// A column with more values than that is not a split a printer can use; `--split N`, or a
/// coarser column (state rather than district), is.
pub const MAX_SPLIT_VALUES: usize = 500;

/// The file name part for letters whose split column is empty.
const BLANK: &str = "blank";

/// The value a letter is grouped by: its cell in the `--split-by` column (none without one).
pub fn value_of(split: &Split, record: &crate::records::Record) -> String {
    match &split.by {
        Some(column) => record.get(column).unwrap_or_default().trim().to_string(),
        None => String::new(),
    }
}

/// Letters per value, counted in the check pass.
#[derive(Debug, Default)]
pub struct Tally {
    counts: BTreeMap<String, u64>,
}

impl Tally {
    /// Counts one letter; an error once the values pass [`MAX_SPLIT_VALUES`].
    pub fn add(&mut self, value: &str) -> Result<(), usize> {
        if let Some(n) = self.counts.get_mut(value) {
            *n += 1;
            return Ok(());
        }
        if self.counts.len() >= MAX_SPLIT_VALUES {
            return Err(self.counts.len() + 1);
        }
        self.counts.insert(value.to_string(), 1);
        Ok(())
    }
}

/// Where one letter goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub path: PathBuf,
    /// The last letter of its batch: the batch can be finished after it.
    pub last: bool,
}

/// Every batch's file, decided from the tally, and the letters placed so far.
#[derive(Debug)]
pub struct Plan {
    dir: PathBuf,
    every: Option<u64>,
    /// Per value: the batch's stem (before any part number), the letters it has in all, and
    /// the letters placed so far.
    values: HashMap<String, Group>,
    /// Digits of the part numbers (`-001`): enough for the most parts of any value.
    width: usize,
}

#[derive(Debug)]
struct Group {
    stem: String,
    total: u64,
    placed: u64,
}

impl Plan {
    /// The batches for `combined` (for example `letters/batch.pdf` gives `batch-001.pdf`,
    /// `batch-CA.pdf`, `batch-CA-001.pdf`). Without a split, the one batch is `combined`.
    /// An error is the name allocator's temporary file (never used for the at most
    /// [`MAX_SPLIT_VALUES`] names).
    pub fn new(combined: &Path, split: &Split, tally: Tally) -> std::io::Result<Plan> {
        let dir = combined.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = combined
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "batch".to_string());
        let mut names = NameAllocator::default();
        let mut values = HashMap::new();
        let mut most_parts = 1;
        for (value, total) in tally.counts {
            let stem = if split.by.is_some() {
                let part = if value.is_empty() {
                    BLANK.to_string()
                } else {
                    sanitize_stem(&value, 0)
                };
                let name = names.allocate(&format!("{base}-{part}"), "pdf")?;
                name.trim_end_matches(".pdf").to_string()
            } else {
                base.clone()
            };
            if let Some(n) = split.every {
                most_parts = most_parts.max(total.div_ceil(n.max(1)));
            }
            values.insert(
                value,
                Group {
                    stem,
                    total,
                    placed: 0,
                },
            );
        }
        Ok(Plan {
            dir,
            every: split.every,
            values,
            width: most_parts.to_string().len().max(3),
        })
    }

    fn path(&self, stem: &str, part: Option<u64>) -> PathBuf {
        match part {
            Some(p) => self
                .dir
                .join(format!("{stem}-{p:0width$}.pdf", width = self.width)),
            None => self.dir.join(format!("{stem}.pdf")),
        }
    }

    /// Every batch file, in name order (for the clash and overwrite checks).
    pub fn paths(&self) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        for group in self.values.values() {
            match self.every {
                Some(n) => {
                    for p in 1..=group.total.div_ceil(n.max(1)) {
                        paths.push(self.path(&group.stem, Some(p)));
                    }
                }
                None => paths.push(self.path(&group.stem, None)),
            }
        }
        paths.sort();
        paths
    }

    /// The batch for the next letter of `value`, in data order; `None` for a value the
    /// check pass did not count, or one letter too many (the data changed in between).
    pub fn place(&mut self, value: &str) -> Option<Slot> {
        let group = self.values.get_mut(value)?;
        if group.placed >= group.total {
            return None;
        }
        let index = group.placed;
        group.placed += 1;
        let (part, last) = match self.every {
            Some(n) => {
                let n = n.max(1);
                (
                    Some(index / n + 1),
                    group.placed == group.total || group.placed % n == 0,
                )
            }
            None => (None, group.placed == group.total),
        };
        let stem = group.stem.clone();
        Some(Slot {
            path: self.path(&stem, part),
            last,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Plan, Split, Tally, MAX_SPLIT_VALUES};
    use std::path::{Path, PathBuf};

    fn tally(values: &[&str]) -> Tally {
        let mut t = Tally::default();
        for v in values {
            t.add(v).unwrap();
        }
        t
    }

    #[test]
    fn split_every_n_numbers_the_parts() {
        let split = Split {
            every: Some(2),
            by: None,
        };
        let mut plan = Plan::new(
            Path::new("out/batch.pdf"),
            &split,
            tally(&["", "", "", "", ""]),
        )
        .unwrap();
        let slots: Vec<_> = (0..5).map(|_| plan.place("").unwrap()).collect();
        let names: Vec<_> = slots.iter().map(|s| s.path.clone()).collect();
        assert_eq!(
            names,
            [
                "out/batch-001.pdf",
                "out/batch-001.pdf",
                "out/batch-002.pdf",
                "out/batch-002.pdf",
                "out/batch-003.pdf"
            ]
            .map(PathBuf::from)
        );
        let lasts: Vec<bool> = slots.iter().map(|s| s.last).collect();
        assert_eq!(lasts, [false, true, false, true, true]);
        assert_eq!(plan.paths().len(), 3);
        assert_eq!(plan.place(""), None, "one letter too many");
    }

    #[test]
    fn split_by_names_each_value_safely_and_apart() {
        let split = Split {
            every: None,
            by: Some("state".to_string()),
        };
        let mut plan = Plan::new(
            Path::new("batch.pdf"),
            &split,
            tally(&["CA", "N/Y", "", "CA", "../x"]),
        )
        .unwrap();
        assert_eq!(
            plan.place("CA").unwrap().path,
            PathBuf::from("batch-CA.pdf")
        );
        assert!(plan.place("CA").unwrap().last);
        assert_eq!(
            plan.place("N/Y").unwrap().path,
            PathBuf::from("batch-N-Y.pdf")
        );
        assert_eq!(
            plan.place("").unwrap().path,
            PathBuf::from("batch-blank.pdf")
        );
        let odd = plan.place("../x").unwrap().path;
        assert_eq!(
            odd.parent(),
            Some(Path::new("")),
            "no way out of the folder: {odd:?}"
        );
        assert_eq!(plan.place("TX"), None);
    }

    #[test]
    fn both_split_within_each_value() {
        let split = Split {
            every: Some(1),
            by: Some("state".to_string()),
        };
        let mut plan = Plan::new(Path::new("b.pdf"), &split, tally(&["OH", "OH"])).unwrap();
        assert_eq!(
            plan.place("OH").unwrap().path,
            PathBuf::from("b-OH-001.pdf")
        );
        assert_eq!(
            plan.place("OH").unwrap().path,
            PathBuf::from("b-OH-002.pdf")
        );
    }

    #[test]
    fn too_many_values_are_refused() {
        let mut t = Tally::default();
        for i in 0..MAX_SPLIT_VALUES {
            t.add(&i.to_string()).unwrap();
        }
        t.add("0").unwrap();
        assert_eq!(t.add("one more"), Err(MAX_SPLIT_VALUES + 1));
    }
}
