//! Sets of row numbers kept as ascending runs (`2-4, 7, 9-12`), with a bounded number of
//! runs: the rows a problem occurs in, the rows with errors, the rows a missing column
//! breaks. Past [`RUNS_KEPT`] runs the rest are only counted, so that half a million rows
//! sharing a problem every other row are 16 KiB, not 4 MiB (a `Vec<u64>` of their rows).
//!
//! What reads them never needs more: the report names the first few runs and counts the
//! rest ("rows 2-4, 7, 9-12 and 12,345 more"), the studio and the review page link the
//! first 40 or 50 rows.

/// The runs a set keeps, at 16 bytes each: 16 KiB a set. A thousand scattered rows read
/// one by one is already more than anyone reads; the set counts every row past them.
/// [`RowRuns::from_sorted`] keeps every run: it is for rows already bounded where they come
/// from (the findings kept in full).
pub const RUNS_KEPT: usize = 1_024;

/// Row numbers, ascending, each once: the first [`RUNS_KEPT`] runs listed, the rows after
/// them counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowRuns {
    /// Ascending, disjoint and never adjacent (`(2, 4)` and `(5, 5)` are one run), ends
    /// included.
    runs: Vec<(u64, u64)>,
    /// Every row: the listed ones and the unlisted ones.
    len: usize,
    /// Rows past the last listed run, counted only.
    unlisted: usize,
    /// The highest row counted, listed or not: a row pushed again is not counted twice.
    last: Option<u64>,
}

impl RowRuns {
    /// Every row of `rows` (ascending, each once), every run kept.
    pub fn from_sorted(rows: &[u64]) -> RowRuns {
        let mut set = RowRuns::default();
        for &row in rows {
            set.add(row, usize::MAX);
        }
        set
    }

    /// Adds a row; rows come in ascending order (the order rows are read in), and a row
    /// added again is kept once. A row below one already added is put in its place while
    /// every run is listed, and only counted once the set lists no more.
    pub fn push(&mut self, row: u64) {
        self.add(row, RUNS_KEPT);
    }

    fn add(&mut self, row: u64, max_runs: usize) {
        let Some(last) = self.last else {
            self.last = Some(row);
            self.len = 1;
            self.runs.push((row, row));
            return;
        };
        if row > last {
            self.last = Some(row);
            self.len += 1;
            if self.unlisted > 0 {
                self.unlisted += 1;
                return;
            }
            let listed = self.runs.len();
            match self.runs.last_mut() {
                Some(run) if run.1 + 1 == row => run.1 = row,
                _ if listed < max_runs => self.runs.push((row, row)),
                _ => self.unlisted += 1,
            }
            return;
        }
        if row == last || self.unlisted > 0 {
            // Kept once; or out of order past the listed runs, where it cannot be told
            // from the unlisted rows (rows are read in order: this does not happen).
            return;
        }
        // Out of order, among the listed runs: put in its place.
        let i = self.runs.partition_point(|r| r.1 < row);
        if self.runs.get(i).is_some_and(|r| r.0 <= row) {
            return;
        }
        self.len += 1;
        let joins_before = i > 0 && self.runs[i - 1].1 + 1 == row;
        let joins_after = self.runs.get(i).is_some_and(|r| r.0 == row + 1);
        match (joins_before, joins_after) {
            (true, true) => {
                self.runs[i - 1].1 = self.runs[i].1;
                self.runs.remove(i);
            }
            (true, false) => self.runs[i - 1].1 = row,
            (false, true) => self.runs[i].0 = row,
            (false, false) => self.runs.insert(i, (row, row)),
        }
    }

    /// Every row, listed or only counted.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The lowest row.
    pub fn first(&self) -> Option<u64> {
        self.runs.first().map(|r| r.0)
    }

    /// The listed runs, ascending, ends included.
    pub fn runs(&self) -> &[(u64, u64)] {
        &self.runs
    }

    /// How many rows come after the listed runs, counted only.
    pub fn unlisted(&self) -> usize {
        self.unlisted
    }

    /// Whether `row` is one of the listed rows (an unlisted row is not known by number).
    pub fn contains(&self, row: u64) -> bool {
        let i = self.runs.partition_point(|r| r.1 < row);
        self.runs.get(i).is_some_and(|r| r.0 <= row)
    }

    /// The listed rows, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.runs.iter().flat_map(|&(start, end)| start..=end)
    }

    /// Adds every row of `other`, each once. Exact when the unlisted rows of each set come
    /// after every row of the other, as the rows past a check's findings kept in full come
    /// after the kept ones.
    pub fn union(&mut self, other: &RowRuns) {
        let mut runs: Vec<(u64, u64)> = Vec::with_capacity(self.runs.len() + other.runs.len());
        let (mut a, mut b) = (self.runs.iter().peekable(), other.runs.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.0 <= y.0 => a.next(),
                (Some(_), Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, _) => b.next(),
            };
            let Some(&(start, end)) = next else { break };
            match runs.last_mut() {
                Some(run) if start <= run.1.saturating_add(1) => run.1 = run.1.max(end),
                _ => runs.push((start, end)),
            }
        }
        let listed: u64 = runs.iter().map(|r| r.1 - r.0 + 1).sum();
        self.unlisted += other.unlisted;
        self.len = listed as usize + self.unlisted;
        self.last = self.last.max(other.last);
        self.runs = runs;
    }
}

#[cfg(test)]
mod tests {
    use super::{RowRuns, RUNS_KEPT};
    use std::collections::BTreeSet;

    #[test]
    fn ascending_rows_become_runs_and_repeats_count_once() {
        let mut set = RowRuns::default();
        for row in [2, 3, 4, 4, 7, 9, 10, 11, 12, 12] {
            set.push(row);
        }
        assert_eq!(set.runs(), [(2, 4), (7, 7), (9, 12)]);
        assert_eq!(set.len(), 8);
        assert_eq!(set.first(), Some(2));
        assert!(set.contains(3) && set.contains(7) && set.contains(12));
        assert!(!set.contains(5) && !set.contains(1) && !set.contains(13));
        assert_eq!(set.iter().collect::<Vec<_>>(), [2, 3, 4, 7, 9, 10, 11, 12]);
        assert_eq!(set, RowRuns::from_sorted(&[2, 3, 4, 7, 9, 10, 11, 12]));
    }

    #[test]
    fn past_the_runs_kept_rows_are_counted_not_listed() {
        let mut set = RowRuns::default();
        // Every other row: one run each.
        let n = RUNS_KEPT as u64 * 3;
        for i in 0..n {
            set.push(2 + 2 * i);
            set.push(2 + 2 * i);
        }
        assert_eq!(set.len(), n as usize, "every row counted once");
        assert_eq!(set.runs().len(), RUNS_KEPT);
        assert_eq!(set.unlisted(), n as usize - RUNS_KEPT);
        assert!(set.contains(2) && !set.contains(2 + 2 * RUNS_KEPT as u64));
        // A long run still grows past the cap only by counting.
        let mut run = RowRuns::default();
        for row in 2..500_000 {
            run.push(row);
        }
        assert_eq!(run.runs(), [(2, 499_999)]);
        assert_eq!(run.len(), 499_998);
    }

    #[test]
    fn rows_out_of_order_are_put_in_their_place() {
        let mut set = RowRuns::default();
        let rows = [10, 20, 5, 11, 19, 7, 6, 20, 5, 30, 1];
        let mut reference = BTreeSet::new();
        for row in rows {
            set.push(row);
            reference.insert(row);
        }
        assert_eq!(set.iter().collect::<Vec<_>>(), Vec::from_iter(reference));
        assert_eq!(set.runs(), [(1, 1), (5, 7), (10, 11), (19, 20), (30, 30)]);
        assert_eq!(set.len(), 9);
    }

    #[test]
    fn a_union_merges_runs_and_counts_each_row_once() {
        let mut a = RowRuns::from_sorted(&[2, 3, 4, 9]);
        let b = RowRuns::from_sorted(&[4, 5, 10, 20]);
        a.union(&b);
        assert_eq!(a.runs(), [(2, 5), (9, 10), (20, 20)]);
        assert_eq!(a.len(), 7);
        // The unlisted rows of a capped set join the count.
        let mut capped = RowRuns::default();
        for i in 0..RUNS_KEPT as u64 + 10 {
            capped.push(100 + 2 * i);
        }
        let mut kept = RowRuns::from_sorted(&[50, 100]);
        kept.union(&capped);
        assert_eq!(kept.len(), 1 + RUNS_KEPT + 10);
        assert_eq!(kept.unlisted(), 10);
        assert_eq!(kept.first(), Some(50));
    }
}
