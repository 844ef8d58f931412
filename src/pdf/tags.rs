//! The structure tree of a tagged PDF (PDF/UA-1), written as the file streams: each letter's
//! elements when the letter ends, the ParentTree's values as pages come (one small array
//! object per page), and the tree's root, the Document element and the ParentTree's number
//! tree at the end. In memory: the current letter's elements; the `Ref` of each page, link
//! and letter goes to a [`Spool`], so memory stays flat however long the batch.

use std::io;
use std::sync::Arc;

use pdf_writer::Ref;

use super::content::push_int;
use super::objbuf::{push_num, push_ref, push_text, ObjectBuf};
use super::spool::{Spool, SpoolReader};

use crate::typeset::page::{Kind, Structure, ARTIFACT};

/// Entries per ParentTree leaf, so a reader finds a page's entry without scanning one huge
/// `/Nums` array (the same fan-out as the page tree).
const KEYS_PER_LEAF: usize = 64;
/// Letters written into the Document element's list at a time.
const DOCUMENT_SLICE: usize = 4096;

/// A page's share of its letter's structure, as encoded with the page.
#[derive(Debug, Clone)]
pub(super) struct EncodedTags {
    pub(super) structure: Arc<Structure>,
    pub(super) first: bool,
    /// The node of each MCID of the page's content stream.
    pub(super) mcids: Vec<u32>,
    /// The node (paragraph) of each link annotation of the page, in order.
    pub(super) links: Vec<u32>,
}

/// The letter whose pages are being written.
struct Letter {
    structure: Arc<Structure>,
    /// Node `i` is object `base + i`.
    base: Ref,
    /// The letter's marked content in page order: node, page and MCID.
    content: Vec<(u32, Ref, u32)>,
    /// Link elements: the node they are part of, the element and its annotation.
    links: Vec<(u32, Ref, Ref)>,
    /// Each page's ParentTree array (the element of each MCID), written with the elements:
    /// the array's object and its range in `array_nodes`.
    arrays: Vec<(Ref, std::ops::Range<usize>)>,
    array_nodes: Vec<u32>,
}

/// Items grouped by node, kept in their order within a node (a counting sort): the
/// items of node `i` are `order[start[i]..start[i + 1]]`. Reused from letter to letter.
#[derive(Default)]
struct ByNode {
    start: Vec<u32>,
    order: Vec<u32>,
}

impl ByNode {
    fn group(&mut self, n: usize, nodes: impl Iterator<Item = usize> + Clone) {
        self.start.clear();
        self.start.resize(n + 1, 0);
        for node in nodes.clone() {
            self.start[node + 1] += 1;
        }
        for i in 0..n {
            self.start[i + 1] += self.start[i];
        }
        let mut next: Vec<u32> = self.start[..n].to_vec();
        self.order.clear();
        self.order.resize(self.start[n] as usize, 0);
        for (item, node) in nodes.enumerate() {
            self.order[next[node] as usize] = item as u32;
            next[node] += 1;
        }
    }

    fn of(&self, node: usize) -> &[u32] {
        &self.order[self.start[node] as usize..self.start[node + 1] as usize]
    }
}

/// Scratch space of [`Tagging::end_letter`], kept so a batch does not allocate it per letter.
#[derive(Default)]
struct Scratch {
    content: ByNode,
    children: ByNode,
    links: ByNode,
    live: Vec<bool>,
}

/// The tagging state of one file.
pub(super) struct Tagging {
    pub(super) root: Ref,
    document: Ref,
    /// The `Part` element of each letter.
    parts: Spool,
    /// ParentTree values by key: a page's MCID array or a link annotation's element.
    parent_values: Spool,
    letter: Option<Letter>,
    scratch: Scratch,
}

impl Tagging {
    pub(super) fn new(root: Ref, document: Ref) -> Tagging {
        Tagging {
            root,
            document,
            parts: Spool::new(),
            parent_values: Spool::new(),
            letter: None,
            scratch: Scratch::default(),
        }
    }

    pub(super) fn document(&self) -> Ref {
        self.document
    }

    pub(super) fn in_letter(&self) -> bool {
        self.letter.is_some()
    }

    /// Starts a letter whose nodes are objects `base ..`; the one before must have ended.
    pub(super) fn start_letter(&mut self, structure: Arc<Structure>, base: Ref) -> io::Result<()> {
        self.parts.push(base.get() as u32)?;
        self.letter = Some(Letter {
            structure,
            base,
            content: Vec::new(),
            links: Vec::new(),
            arrays: Vec::new(),
            array_nodes: Vec::new(),
        });
        Ok(())
    }

    /// A new ParentTree key, for `value`.
    pub(super) fn parent_key(&mut self, value: Ref) -> io::Result<i32> {
        self.parent_values.push(value.get() as u32)?;
        Ok((self.parent_values.len() - 1) as i32)
    }

    /// Records a page's marked content and link elements, and its ParentTree array (object
    /// `array`: the element of each MCID), written when the letter ends.
    pub(super) fn add_page(
        &mut self,
        page: Ref,
        array: Ref,
        mcids: &[u32],
        links: Vec<(u32, Ref, Ref)>,
    ) {
        let Some(letter) = &mut self.letter else {
            return;
        };
        let n = letter.structure.nodes.len() as u32;
        let from = letter.array_nodes.len();
        for (mcid, &node) in mcids.iter().enumerate() {
            let node = if node < n { node } else { 0 };
            letter.content.push((node, page, mcid as u32));
            letter.array_nodes.push(node);
        }
        letter.links.extend(links);
        letter.arrays.push((array, from..letter.array_nodes.len()));
    }

    /// Writes the current letter's elements into `out`.
    pub(super) fn end_letter(&mut self, out: &mut ObjectBuf) {
        let Some(letter) = self.letter.take() else {
            return;
        };
        let nodes = &letter.structure.nodes;
        let n = nodes.len();
        if n == 0 {
            return;
        }
        let base = letter.base.get();
        let elem = |i: usize| Ref::new(base + i as i32);
        let parent_of = |i: usize| (nodes[i].parent as usize).min(i.saturating_sub(1));
        let link_node = |node: u32| {
            if node == ARTIFACT || node as usize >= n {
                0
            } else {
                node as usize
            }
        };
        let Scratch {
            content,
            children,
            links,
            live,
        } = &mut self.scratch;
        content.group(n, letter.content.iter().map(|c| c.0 as usize));
        // Children in reading order (nodes come after their parents, in reading order).
        children.group(n, (1..n).map(parent_of));
        links.group(n, letter.links.iter().map(|l| link_node(l.0)));
        // A node with nothing in it (a line that set no text) is left out. Elements carry
        // no /Type (it is optional, and they are the bulk of a tagged file's objects).
        live.clear();
        live.resize(n, false);
        for i in (0..n).rev() {
            live[i] = i == 0
                || !content.of(i).is_empty()
                || !links.of(i).is_empty()
                || children.of(i).iter().any(|&c| live[c as usize + 1]);
        }
        for (array, range) in &letter.arrays {
            let body = out.start(*array);
            body.push(b'[');
            for &node in &letter.array_nodes[range.clone()] {
                push_ref(body, elem(node as usize));
            }
            body.extend_from_slice(b"]");
        }
        for i in 0..n {
            if !live[i] {
                continue;
            }
            let parent = if i == 0 {
                self.document
            } else {
                elem(parent_of(i))
            };
            let mine = content.of(i);
            let page = mine.first().map(|&c| letter.content[c as usize].1);
            let kids = mine.len()
                + children
                    .of(i)
                    .iter()
                    .filter(|&&c| live[c as usize + 1])
                    .count()
                + links.of(i).len();
            let body = out.start(elem(i));
            body.extend_from_slice(b"<</S/");
            body.extend_from_slice(nodes[i].kind.name().as_bytes());
            body.extend_from_slice(b"/P");
            push_ref(body, parent);
            if let Some(page) = page {
                body.extend_from_slice(b"/Pg");
                push_ref(body, page);
            }
            if let Kind::Figure(alt) = &nodes[i].kind {
                body.extend_from_slice(b"/Alt");
                push_text(body, alt);
            }
            body.extend_from_slice(b"/K");
            // One kid is written bare, not as an array: smaller, and what some checkers
            // expect of a heading's content.
            if kids != 1 {
                body.push(b'[');
            }
            for &c in mine {
                let (_, on, mcid) = letter.content[c as usize];
                if Some(on) == page {
                    push_num(body, i64::from(mcid));
                } else {
                    body.extend_from_slice(b"<</Type/MCR/Pg");
                    push_ref(body, on);
                    body.extend_from_slice(b"/MCID");
                    push_num(body, i64::from(mcid));
                    body.extend_from_slice(b">>");
                }
            }
            for &c in children.of(i) {
                if live[c as usize + 1] {
                    push_ref(body, elem(c as usize + 1));
                }
            }
            for &l in links.of(i) {
                push_ref(body, letter.links[l as usize].1);
            }
            if kids != 1 {
                body.push(b']');
            }
            body.extend_from_slice(b">>");
        }
        for &(node, link, annot) in &letter.links {
            let body = out.start(link);
            body.extend_from_slice(b"<</S/Link/P");
            push_ref(body, elem(link_node(node)));
            body.extend_from_slice(b"/K[<</Type/OBJR/Obj");
            push_ref(body, annot);
            body.extend_from_slice(b">>]>>");
        }
    }

    /// How many ParentTree leaves [`Tagging::write_tree`] writes.
    pub(super) fn leaf_count(&self) -> usize {
        self.parent_values.len().div_ceil(KEYS_PER_LEAF)
    }

    /// Writes the Document element, its list of letters read back from the spool a slice at
    /// a time, as one plain indirect object through `out` (not in an object stream, which
    /// would need the whole list in one buffer).
    pub(super) fn write_document(
        &mut self,
        out: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        out(format!(
            "{} 0 obj\n<< /Type /StructElem /S /Document /P {} 0 R /K [",
            self.document.get(),
            self.root.get()
        )
        .as_bytes())?;
        let mut reader = self.parts.reader()?;
        let mut slice = Vec::with_capacity(DOCUMENT_SLICE);
        let mut text = Vec::with_capacity(DOCUMENT_SLICE * 10);
        loop {
            slice.clear();
            text.clear();
            if reader.take_into(DOCUMENT_SLICE, &mut slice)? == 0 {
                break;
            }
            for &part in &slice {
                push_ref(&mut text, Ref::new(part as i32));
            }
            out(&text)?;
        }
        out(b"] >>\nendobj\n")
    }

    /// Writes the ParentTree's root (at `first`; its leaves follow it, see
    /// [`Tagging::write_leaves`]) and the StructTreeRoot into `out`.
    pub(super) fn write_tree(&self, out: &mut ObjectBuf, first: Ref) {
        let leaves = self.leaf_count();
        let body = out.start(first);
        if leaves == 0 {
            body.extend_from_slice(b"<</Nums[]>>");
        } else {
            body.extend_from_slice(b"<</Kids[");
            for i in 0..leaves {
                push_ref(body, Ref::new(first.get() + 1 + i as i32));
            }
            body.extend_from_slice(b"]>>");
        }
        let body = out.start(self.root);
        body.extend_from_slice(b"<</Type/StructTreeRoot/K");
        push_ref(body, self.document);
        body.extend_from_slice(b"/ParentTree");
        push_ref(body, first);
        body.extend_from_slice(b"/ParentTreeNextKey");
        push_num(body, self.parent_values.len() as i64);
        body.extend_from_slice(b">>");
    }

    /// The ParentTree's values, from the first, for [`Tagging::write_leaves`].
    pub(super) fn parent_values(&mut self) -> io::Result<SpoolReader<'_>> {
        self.parent_values.reader()
    }

    /// Writes the ParentTree's leaves `range` (the root at `first`, leaf `i` at
    /// `first + 1 + i`) into `out`. Called a slice at a time, so a batch of half a million
    /// pages never holds all its leaves in one buffer.
    pub(super) fn write_leaves(
        values: &mut SpoolReader<'_>,
        out: &mut ObjectBuf,
        first: Ref,
        range: std::ops::Range<usize>,
    ) -> io::Result<()> {
        let mut slice = Vec::with_capacity(KEYS_PER_LEAF);
        for i in range {
            let lo = i * KEYS_PER_LEAF;
            slice.clear();
            values.take_into(KEYS_PER_LEAF, &mut slice)?;
            if slice.is_empty() {
                break;
            }
            let body = out.start(Ref::new(first.get() + 1 + i as i32));
            body.extend_from_slice(b"<</Limits[");
            push_int(body, lo as i64);
            push_num(body, (lo + slice.len() - 1) as i64);
            body.extend_from_slice(b"]/Nums[");
            for (k, v) in slice.iter().enumerate() {
                push_num(body, (lo + k) as i64);
                push_ref(body, Ref::new(*v as i32));
            }
            body.extend_from_slice(b"]>>");
        }
        Ok(())
    }
}
