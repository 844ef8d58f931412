//! The structure tree of a tagged PDF (PDF/UA-1), written as the file streams: each letter's
//! elements when the letter ends, the ParentTree's values as pages come (one small array
//! object per page), and the tree's root, the Document element and the ParentTree's number
//! tree at the end. In memory: the current letter's elements; the `Ref` of each page, link
//! and letter goes to a [`Spool`], so memory stays flat however long the batch.

use std::fmt::Write as _;
use std::io;
use std::sync::Arc;

use pdf_writer::{Chunk, Finish, Name, Ref, TextStr};

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

/// A kid of a structure element: marked content on the element's page, marked content on
/// another page, or an element.
#[derive(Clone, Copy)]
enum Kid {
    Mcid(u32),
    Mcr(Ref, u32),
    Elem(Ref),
}

/// The letter whose pages are being written.
struct Letter {
    structure: Arc<Structure>,
    /// Node `i` is object `base + i`.
    base: Ref,
    /// Each node's marked content: page and MCID.
    content: Vec<Vec<(Ref, u32)>>,
    /// Link elements: the node they are part of, the element and its annotation.
    links: Vec<(u32, Ref, Ref)>,
    /// Each page's ParentTree array (the element of each MCID), written with the elements.
    arrays: Vec<(Ref, Vec<Ref>)>,
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
}

impl Tagging {
    pub(super) fn new(root: Ref, document: Ref) -> Tagging {
        Tagging {
            root,
            document,
            parts: Spool::new(),
            parent_values: Spool::new(),
            letter: None,
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
            content: vec![Vec::new(); structure.nodes.len()],
            structure,
            base,
            links: Vec::new(),
            arrays: Vec::new(),
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
        let mut elems = Vec::with_capacity(mcids.len());
        for (mcid, &node) in mcids.iter().enumerate() {
            let node = if (node as usize) < letter.content.len() {
                node
            } else {
                0
            };
            letter.content[node as usize].push((page, mcid as u32));
            elems.push(Ref::new(letter.base.get() + node as i32));
        }
        letter.links.extend(links);
        letter.arrays.push((array, elems));
    }

    /// Writes the current letter's elements into `chunk`; returns each object and its offset
    /// in the chunk.
    pub(super) fn end_letter(&mut self, chunk: &mut Chunk) -> Vec<(Ref, usize)> {
        let Some(letter) = self.letter.take() else {
            return Vec::new();
        };
        let nodes = &letter.structure.nodes;
        let n = nodes.len();
        let elem = |i: usize| Ref::new(letter.base.get() + i as i32);
        // Children in reading order (nodes come after their parents, in reading order).
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, node) in nodes.iter().enumerate().skip(1) {
            let parent = (node.parent as usize).min(i - 1);
            children[parent].push(i);
        }
        let mut links: Vec<Vec<(Ref, Ref)>> = vec![Vec::new(); n];
        for &(node, link, annot) in &letter.links {
            let node = if node == ARTIFACT || node as usize >= n {
                0
            } else {
                node as usize
            };
            links[node].push((link, annot));
        }
        // A node with nothing in it (a line that set no text) is left out. Elements carry
        // no /Type (it is optional, and they are the bulk of a tagged file's objects).
        let mut live = vec![false; n];
        for i in (0..n).rev() {
            live[i] = i == 0
                || !letter.content[i].is_empty()
                || !links[i].is_empty()
                || children[i].iter().any(|&c| live[c]);
        }
        let mut written = Vec::new();
        for (array, elems) in &letter.arrays {
            written.push((*array, chunk.len()));
            chunk.indirect(*array).array().items(elems.iter().copied());
        }
        for i in 0..n {
            if !live[i] {
                continue;
            }
            let parent = if i == 0 {
                self.document
            } else {
                elem((nodes[i].parent as usize).min(i - 1))
            };
            written.push((elem(i), chunk.len()));
            let mut dict = chunk.indirect(elem(i)).dict();
            dict.pair(Name(b"S"), Name(nodes[i].kind.name().as_bytes()));
            dict.pair(Name(b"P"), parent);
            let page = letter.content[i].first().map(|&(page, _)| page);
            if let Some(page) = page {
                dict.pair(Name(b"Pg"), page);
            }
            if let Kind::Figure(alt) = &nodes[i].kind {
                dict.pair(Name(b"Alt"), TextStr(alt));
            }
            let mut kids: Vec<Kid> = Vec::new();
            for &(on, mcid) in &letter.content[i] {
                kids.push(if Some(on) == page {
                    Kid::Mcid(mcid)
                } else {
                    Kid::Mcr(on, mcid)
                });
            }
            kids.extend(
                children[i]
                    .iter()
                    .filter(|&&c| live[c])
                    .map(|&c| Kid::Elem(elem(c))),
            );
            kids.extend(links[i].iter().map(|&(link, _)| Kid::Elem(link)));
            // One kid is written bare, not as an array: smaller, and what some checkers
            // expect of a heading's content.
            if let [kid] = kids.as_slice() {
                match *kid {
                    Kid::Mcid(mcid) => {
                        dict.pair(Name(b"K"), mcid as i32);
                    }
                    Kid::Elem(r) => {
                        dict.pair(Name(b"K"), r);
                    }
                    Kid::Mcr(on, mcid) => {
                        let mut mcr = dict.insert(Name(b"K")).dict();
                        mcr.pair(Name(b"Type"), Name(b"MCR"));
                        mcr.pair(Name(b"Pg"), on);
                        mcr.pair(Name(b"MCID"), mcid as i32);
                    }
                }
                dict.finish();
                continue;
            }
            let mut array = dict.insert(Name(b"K")).array();
            for kid in kids {
                match kid {
                    Kid::Mcid(mcid) => {
                        array.item(mcid as i32);
                    }
                    Kid::Elem(r) => {
                        array.item(r);
                    }
                    Kid::Mcr(on, mcid) => {
                        let mut mcr = array.push().dict();
                        mcr.pair(Name(b"Type"), Name(b"MCR"));
                        mcr.pair(Name(b"Pg"), on);
                        mcr.pair(Name(b"MCID"), mcid as i32);
                    }
                }
            }
            array.finish();
            dict.finish();
        }
        for (i, node_links) in links.iter().enumerate() {
            for &(link, annot) in node_links {
                written.push((link, chunk.len()));
                let mut dict = chunk.indirect(link).dict();
                dict.pair(Name(b"S"), Name(b"Link"));
                dict.pair(Name(b"P"), elem(i));
                let mut kids = dict.insert(Name(b"K")).array();
                let mut objr = kids.push().dict();
                objr.pair(Name(b"Type"), Name(b"OBJR"));
                objr.pair(Name(b"Obj"), annot);
                objr.finish();
                kids.finish();
                dict.finish();
            }
        }
        written
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
        let mut text = String::with_capacity(DOCUMENT_SLICE * 10);
        loop {
            slice.clear();
            text.clear();
            if reader.take_into(DOCUMENT_SLICE, &mut slice)? == 0 {
                break;
            }
            for part in &slice {
                let _ = write!(text, "{part} 0 R ");
            }
            out(text.as_bytes())?;
        }
        out(b"] >>\nendobj\n")
    }

    /// Writes the ParentTree's root (at `first`; its leaves follow it, see
    /// [`Tagging::write_leaves`]) and the StructTreeRoot into `chunk`; returns each object
    /// and its offset.
    pub(super) fn write_tree(&self, chunk: &mut Chunk, first: Ref) -> Vec<(Ref, usize)> {
        let mut written = Vec::new();
        let leaves = self.leaf_count();
        written.push((first, chunk.len()));
        let mut tree = chunk.indirect(first).dict();
        if leaves == 0 {
            tree.insert(Name(b"Nums")).array();
        } else {
            tree.insert(Name(b"Kids"))
                .array()
                .items((0..leaves).map(|i| Ref::new(first.get() + 1 + i as i32)));
        }
        tree.finish();

        written.push((self.root, chunk.len()));
        let mut root = chunk.indirect(self.root).dict();
        root.pair(Name(b"Type"), Name(b"StructTreeRoot"));
        root.pair(Name(b"K"), self.document);
        root.pair(Name(b"ParentTree"), first);
        root.pair(Name(b"ParentTreeNextKey"), self.parent_values.len() as i32);
        root.finish();
        written
    }

    /// The ParentTree's values, from the first, for [`Tagging::write_leaves`].
    pub(super) fn parent_values(&mut self) -> io::Result<SpoolReader<'_>> {
        self.parent_values.reader()
    }

    /// Writes the ParentTree's leaves `range` (the root at `first`, leaf `i` at
    /// `first + 1 + i`) into `chunk`; returns each object and its offset. Called a slice at a
    /// time, so a batch of half a million pages never holds all its leaves in one buffer.
    pub(super) fn write_leaves(
        values: &mut SpoolReader<'_>,
        chunk: &mut Chunk,
        first: Ref,
        range: std::ops::Range<usize>,
    ) -> io::Result<Vec<(Ref, usize)>> {
        let mut written = Vec::with_capacity(range.len());
        let mut slice = Vec::with_capacity(KEYS_PER_LEAF);
        for i in range {
            let lo = i * KEYS_PER_LEAF;
            slice.clear();
            values.take_into(KEYS_PER_LEAF, &mut slice)?;
            let values = &slice;
            if values.is_empty() {
                break;
            }
            let leaf = Ref::new(first.get() + 1 + i as i32);
            written.push((leaf, chunk.len()));
            let mut dict = chunk.indirect(leaf).dict();
            dict.insert(Name(b"Limits"))
                .array()
                .items([lo as i32, (lo + values.len() - 1) as i32]);
            let mut nums = dict.insert(Name(b"Nums")).array();
            for (k, v) in values.iter().enumerate() {
                nums.item((lo + k) as i32);
                nums.item(Ref::new(*v as i32));
            }
            nums.finish();
            dict.finish();
        }
        Ok(written)
    }
}
