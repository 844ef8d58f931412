//! Paragraph line breaking: Knuth-Plass total fit over boxes, glue and penalties, with a
//! looser second pass and a greedy last resort so that breaking never fails.

/// Stretch at or above this counts as infinite (the glue that ends a paragraph), and a
/// penalty at or below minus this is a forced break.
pub(crate) const INF: f32 = 10_000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Box,
    Glue,
    Penalty,
}

/// One item of a paragraph, with what the renderer needs to draw it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item {
    pub kind: Kind,
    pub width: f32,
    pub stretch: f32,
    pub shrink: f32,
    pub penalty: f32,
    /// A hyphen break (two in a row are penalised).
    pub flagged: bool,
    /// Face of the box, of the space (glue), or of the hyphen a penalty adds.
    pub face: u8,
    /// For a penalty: draw a hyphen when breaking here.
    pub hyphen: bool,
    /// 1-based index into the paragraph's links; 0 for none.
    pub link: u16,
    /// For a box: the shaped fragment and its glyph range.
    pub shape: u32,
    pub g0: u32,
    pub g1: u32,
}

impl Item {
    pub fn glue(width: f32, stretch: f32, shrink: f32, face: u8) -> Item {
        Item {
            kind: Kind::Glue,
            width,
            stretch,
            shrink,
            penalty: 0.0,
            flagged: false,
            face,
            hyphen: false,
            link: 0,
            shape: 0,
            g0: 0,
            g1: 0,
        }
    }

    pub fn penalty(width: f32, penalty: f32, flagged: bool, face: u8) -> Item {
        Item {
            kind: Kind::Penalty,
            penalty,
            flagged,
            hyphen: width > 0.0,
            ..Item::glue(width, 0.0, 0.0, face)
        }
    }

    fn is_forced(&self) -> bool {
        self.kind == Kind::Penalty && self.penalty <= -INF
    }
}

/// How lines are measured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params {
    pub width: f32,
    /// Ragged right: spaces keep their width; a line's badness comes from `rag` instead.
    pub ragged: bool,
    pub rag: f32,
}

// Costs follow Typst's variant of Knuth-Plass: demerits are (1 + badness + penalty)^2, two
// hyphens in a row cost another hyphen, and a last line of a single word (a "runt") costs
// extra. TeX's fitness-class and final-hyphen demerits come on top.
const LINE_PENALTY: f64 = 1.0;
const DOUBLE_HYPHEN: f64 = 135.0;
const RUNT: f64 = 100.0;
const FINAL_HYPHEN: f64 = 3000.0;
const FITNESS_JUMP: f64 = 3000.0;

/// Prefix sums over the items: `w[i]` is the sum of box and glue widths before item `i`.
#[derive(Default)]
pub(crate) struct Sums {
    pub w: Vec<f64>,
    pub st: Vec<f64>,
    pub sh: Vec<f64>,
    pub inf: Vec<u32>,
}

impl Sums {
    pub fn compute(&mut self, items: &[Item]) {
        self.w.clear();
        self.st.clear();
        self.sh.clear();
        self.inf.clear();
        let (mut w, mut st, mut sh, mut inf) = (0.0f64, 0.0f64, 0.0f64, 0u32);
        for it in items {
            self.w.push(w);
            self.st.push(st);
            self.sh.push(sh);
            self.inf.push(inf);
            match it.kind {
                Kind::Box => w += f64::from(it.width),
                Kind::Glue => {
                    w += f64::from(it.width);
                    if it.stretch >= INF {
                        inf += 1;
                    } else {
                        st += f64::from(it.stretch);
                    }
                    sh += f64::from(it.shrink);
                }
                Kind::Penalty => {}
            }
        }
        self.w.push(w);
        self.st.push(st);
        self.sh.push(sh);
        self.inf.push(inf);
    }

    /// Natural width, stretch, shrink and infinite-stretch count of the line from item
    /// `start` to a break at `end`.
    pub fn line(&self, items: &[Item], start: usize, end: usize) -> (f64, f64, f64, u32) {
        let end_item = &items[end];
        let extra = if end_item.kind == Kind::Penalty {
            f64::from(end_item.width)
        } else {
            0.0
        };
        (
            self.w[end] - self.w[start] + extra,
            self.st[end] - self.st[start],
            self.sh[end] - self.sh[start],
            self.inf[end] - self.inf[start],
        )
    }
}

/// First item of the line after a break at `b`: glue and penalties at a line start vanish.
pub(crate) fn next_start(items: &[Item], b: usize) -> usize {
    let mut k = b + 1;
    while k < items.len() && items[k].kind != Kind::Box && !items[k].is_forced() {
        k += 1;
    }
    k
}

fn is_legal(items: &[Item], i: usize) -> bool {
    match items[i].kind {
        Kind::Box => false,
        Kind::Glue => i > 0 && items[i - 1].kind == Kind::Box,
        Kind::Penalty => items[i].penalty < INF,
    }
}

fn ratio(p: &Params, width: f64, stretch: f64, shrink: f64, inf: u32) -> f64 {
    let target = f64::from(p.width);
    if width < target {
        if inf > 0 {
            0.0
        } else {
            let st = if p.ragged { f64::from(p.rag) } else { stretch };
            if st > 0.0 {
                (target - width) / st
            } else {
                f64::from(INF)
            }
        }
    } else if width > target + 1e-6 {
        if !p.ragged && shrink > 0.0 {
            (target - width) / shrink
        } else {
            -f64::from(INF)
        }
    } else {
        0.0
    }
}

struct Node {
    /// Break position (item index) and the first item of the following line.
    pos: usize,
    start: usize,
    fitness: u8,
    flagged: bool,
    demerits: f64,
    prev: usize,
}

/// Breaks the paragraph; `items` must end with a forced break. Fills `out` with the item
/// index of each line's break, in order.
pub(crate) fn break_lines(items: &[Item], sums: &Sums, p: &Params, out: &mut Vec<usize>) {
    out.clear();
    if items.is_empty() {
        return;
    }
    for tolerance in [2.0, 6.0] {
        if knuth_plass(items, sums, p, tolerance, out) {
            return;
        }
    }
    greedy(items, sums, p, out);
}

fn knuth_plass(
    items: &[Item],
    sums: &Sums,
    p: &Params,
    tolerance: f64,
    out: &mut Vec<usize>,
) -> bool {
    let mut nodes = vec![Node {
        pos: 0,
        start: 0,
        fitness: 1,
        flagged: false,
        demerits: 0.0,
        prev: usize::MAX,
    }];
    let mut active: Vec<usize> = vec![0];
    let last = items.len() - 1;
    // The last break opportunity before the paragraph's end: a last line starting after it
    // is a single unbreakable word.
    let last_inner_break = (0..last.saturating_sub(1))
        .rev()
        .find(|&i| is_legal(items, i))
        .unwrap_or(0);
    for i in 0..items.len() {
        if !is_legal(items, i) {
            continue;
        }
        let item = &items[i];
        let forced = item.is_forced();
        // Best (demerits, previous node) per fitness class.
        let mut best: [(f64, usize); 4] = [(f64::INFINITY, usize::MAX); 4];
        let mut j = 0;
        while j < active.len() {
            let a_index = active[j];
            let a = &nodes[a_index];
            if a.start > i {
                j += 1;
                continue;
            }
            let (w, st, sh, inf) = sums.line(items, a.start, i);
            let r = ratio(p, w, st, sh, inf);
            if r < -1.0 || forced {
                active.swap_remove(j);
            } else {
                j += 1;
            }
            if !(-1.0..=tolerance).contains(&r) {
                continue;
            }
            let badness = 100.0 * r.abs().powi(3);
            let mut pen = 0.0;
            let mut bonus = 0.0;
            if item.kind == Kind::Penalty && !forced {
                let p = f64::from(item.penalty);
                if p >= 0.0 {
                    pen += p;
                } else {
                    bonus = p * p;
                }
            }
            if item.flagged && a.flagged {
                pen += DOUBLE_HYPHEN;
            }
            if i == last && a.start > last_inner_break {
                pen += RUNT;
            }
            let mut d = (LINE_PENALTY + badness + pen).powi(2) - bonus;
            if i == last && a.flagged {
                d += FINAL_HYPHEN;
            }
            let fitness: u8 = if r < -0.5 {
                0
            } else if r <= 0.5 {
                1
            } else if r <= 1.0 {
                2
            } else {
                3
            };
            if fitness.abs_diff(a.fitness) > 1 {
                d += FITNESS_JUMP;
            }
            let total = a.demerits + d;
            let slot = &mut best[usize::from(fitness)];
            if total < slot.0 {
                *slot = (total, a_index);
            }
        }
        let start = next_start(items, i);
        for (fitness, &(demerits, prev)) in best.iter().enumerate() {
            if prev == usize::MAX {
                continue;
            }
            active.push(nodes.len());
            nodes.push(Node {
                pos: i,
                start,
                fitness: fitness as u8,
                flagged: item.flagged,
                demerits,
                prev,
            });
        }
        if active.is_empty() {
            return false;
        }
    }
    let Some(&end) = active
        .iter()
        .filter(|&&n| nodes[n].pos == last)
        .min_by(|&&a, &&b| nodes[a].demerits.total_cmp(&nodes[b].demerits))
    else {
        return false;
    };
    let mut n = end;
    while n != 0 {
        out.push(nodes[n].pos);
        n = nodes[n].prev;
    }
    out.reverse();
    true
}

/// First fit: the last legal break that fits, or the first one after an overfull stretch.
fn greedy(items: &[Item], sums: &Sums, p: &Params, out: &mut Vec<usize>) {
    let mut start = 0;
    let mut last_fit: Option<usize> = None;
    let mut i = 0;
    while i < items.len() {
        // The paragraph's closing glue is no place for a break: it would leave an empty
        // last line.
        let closing_glue = items[i].kind == Kind::Glue && items[i].stretch >= INF;
        if !is_legal(items, i) || start > i || closing_glue {
            i += 1;
            continue;
        }
        let (w, _, sh, _) = sums.line(items, start, i);
        let squeezable = if p.ragged { 0.0 } else { sh };
        let fits = w - squeezable <= f64::from(p.width) + 1e-6;
        if fits {
            if items[i].is_forced() {
                out.push(i);
                start = next_start(items, i);
                last_fit = None;
            } else {
                last_fit = Some(i);
            }
            i += 1;
        } else if let Some(b) = last_fit.take() {
            out.push(b);
            start = next_start(items, b);
            // Measure item i again on the new line.
        } else {
            out.push(i);
            start = next_start(items, i);
            i += 1;
        }
    }
    if out.last() != Some(&(items.len() - 1)) {
        out.push(items.len() - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::{break_lines, Item, Kind, Params, Sums, INF};

    fn word(width: f32) -> Item {
        Item {
            kind: Kind::Box,
            ..Item::glue(width, 0.0, 0.0, 0)
        }
    }

    fn paragraph(words: &[f32]) -> Vec<Item> {
        let mut items = Vec::new();
        for (i, &w) in words.iter().enumerate() {
            if i > 0 {
                items.push(Item::glue(3.0, 1.5, 1.0, 0));
            }
            items.push(word(w));
        }
        items.push(Item::glue(0.0, INF, 0.0, 0));
        items.push(Item::penalty(0.0, -INF, false, 0));
        items
    }

    fn lines(items: &[Item], width: f32, ragged: bool) -> Vec<usize> {
        let mut sums = Sums::default();
        sums.compute(items);
        let mut out = Vec::new();
        break_lines(
            items,
            &sums,
            &Params {
                width,
                ragged,
                rag: 30.0,
            },
            &mut out,
        );
        out
    }

    #[test]
    fn breaks_into_lines_that_fit() {
        let items = paragraph(&[20.0; 30]);
        let breaks = lines(&items, 100.0, false);
        assert!(breaks.len() >= 7, "{breaks:?}");
        assert_eq!(*breaks.last().unwrap(), items.len() - 1);
        let mut sums = Sums::default();
        sums.compute(&items);
        let mut start = 0;
        for &b in &breaks {
            let (w, _, sh, _) = sums.line(&items, start, b);
            assert!(w - sh <= 100.0 + 1e-6);
            start = super::next_start(&items, b);
        }
    }

    #[test]
    fn overfull_boxes_never_loop_forever() {
        let items = paragraph(&[150.0, 20.0, 150.0]);
        let breaks = lines(&items, 100.0, true);
        assert_eq!(breaks.len(), 3, "{breaks:?}");
    }
}
