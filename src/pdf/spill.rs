//! A page encoded once, kept on disk and read back: the private byte form `--sort` uses to
//! hold letters aside while the rest are typeset (see `campaign::assemble`).

use super::content::PageRefs;
use super::tags::EncodedTags;
use super::writer::{EncodedPage, LinkArea};
use crate::typeset::page::{Kind, Node, Structure};
use std::io;
use std::sync::Arc;

/// Reads the little-endian fields [`EncodedPage::write_to`] and its callers write; a short or
/// bad buffer is an `InvalidData` error, never a panic.
pub struct ByteReader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> ByteReader<'a> {
    pub fn new(buf: &'a [u8]) -> ByteReader<'a> {
        ByteReader { buf, pos: 0 }
    }

    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.buf.len())
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidData, "spilled letter cut short")
            })?;
        let bytes = &self.buf[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    pub fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    pub fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    pub fn f32(&mut self) -> io::Result<f32> {
        Ok(f32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    pub fn bytes(&mut self) -> io::Result<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    pub fn string(&mut self) -> io::Result<String> {
        String::from_utf8(self.bytes()?.to_vec())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

fn put_u32s(buf: &mut Vec<u8>, values: &[u32]) {
    buf.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for v in values {
        buf.extend_from_slice(&v.to_le_bytes());
    }
}

fn read_u32s(r: &mut ByteReader<'_>) -> io::Result<Vec<u32>> {
    let n = r.u32()? as usize;
    // Each value takes 4 bytes: a count past the end is an error before any allocation.
    if n > r.buf.len().saturating_sub(r.pos) / 4 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "spilled letter cut short",
        ));
    }
    (0..n).map(|_| r.u32()).collect()
}

fn put_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    buf.extend_from_slice(bytes);
}

impl EncodedPage {
    /// Appends the page to `buf`; [`EncodedPage::read_from`] reads it back.
    pub fn write_to(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.width.to_le_bytes());
        buf.extend_from_slice(&self.height.to_le_bytes());
        put_bytes(buf, &self.stream);
        buf.extend_from_slice(&(self.refs.fonts.len() as u32).to_le_bytes());
        for &face in &self.refs.fonts {
            buf.extend_from_slice(&(face as u64).to_le_bytes());
        }
        buf.extend_from_slice(&(self.refs.images.len() as u32).to_le_bytes());
        for &image in &self.refs.images {
            buf.extend_from_slice(&(image as u64).to_le_bytes());
        }
        buf.push(u8::from(self.refs.notdef));
        buf.extend_from_slice(&(self.links.len() as u32).to_le_bytes());
        for link in &self.links {
            for v in [link.x, link.y, link.width, link.height] {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            put_bytes(buf, link.uri.as_bytes());
        }
        // Tags: a flag, then the letter's structure with each page (a few dozen nodes).
        let Some(tags) = &self.tags else {
            buf.push(0);
            return;
        };
        buf.push(if tags.first { 2 } else { 1 });
        put_u32s(buf, &tags.mcids);
        put_u32s(buf, &tags.links);
        buf.extend_from_slice(&(tags.structure.nodes.len() as u32).to_le_bytes());
        for node in &tags.structure.nodes {
            buf.extend_from_slice(&node.parent.to_le_bytes());
            let (code, alt): (u32, &str) = match &node.kind {
                Kind::Part => (0, ""),
                Kind::Div => (1, ""),
                Kind::P => (2, ""),
                Kind::H(level) => (10 + u32::from(*level), ""),
                Kind::L => (3, ""),
                Kind::LI => (4, ""),
                Kind::Lbl => (5, ""),
                Kind::LBody => (6, ""),
                Kind::BlockQuote => (7, ""),
                Kind::Figure(alt) => (8, alt),
            };
            buf.extend_from_slice(&code.to_le_bytes());
            put_bytes(buf, alt.as_bytes());
        }
    }

    /// Reads a page [`EncodedPage::write_to`] wrote.
    pub fn read_from(r: &mut ByteReader<'_>) -> io::Result<EncodedPage> {
        let width = r.f32()?;
        let height = r.f32()?;
        let stream = r.bytes()?.to_vec();
        let mut refs = PageRefs::default();
        for _ in 0..r.u32()? {
            refs.fonts.insert(r.u64()? as usize);
        }
        for _ in 0..r.u32()? {
            refs.images.insert(r.u64()? as usize);
        }
        refs.notdef = r.take(1)?[0] == 1;
        let mut links = Vec::new();
        for _ in 0..r.u32()? {
            let (x, y, width, height) = (r.f32()?, r.f32()?, r.f32()?, r.f32()?);
            links.push(LinkArea {
                x,
                y,
                width,
                height,
                uri: r.string()?,
            });
        }
        let flag = r.take(1)?[0];
        let tags = if flag == 0 {
            None
        } else {
            let mcids = read_u32s(r)?;
            let links = read_u32s(r)?;
            let mut nodes = Vec::new();
            for _ in 0..r.u32()? {
                let parent = r.u32()?;
                let code = r.u32()?;
                let alt = r.string()?;
                let kind = match code {
                    0 => Kind::Part,
                    1 => Kind::Div,
                    2 => Kind::P,
                    3 => Kind::L,
                    4 => Kind::LI,
                    5 => Kind::Lbl,
                    6 => Kind::LBody,
                    7 => Kind::BlockQuote,
                    8 => Kind::Figure(alt),
                    11..=16 => Kind::H((code - 10) as u8),
                    _ => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "spilled letter has an unknown structure element",
                        ))
                    }
                };
                nodes.push(Node { kind, parent });
            }
            Some(EncodedTags {
                structure: Arc::new(Structure { nodes }),
                first: flag == 2,
                mcids,
                links,
            })
        };
        Ok(EncodedPage {
            width,
            height,
            stream,
            refs,
            links,
            tags,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ByteReader;

    #[test]
    fn a_short_buffer_is_an_error_not_a_panic() {
        let mut r = ByteReader::new(&[1, 0, 0]);
        assert!(r.u32().is_err());
        let mut r = ByteReader::new(&[255, 255, 255, 255, 1]);
        assert!(r.bytes().is_err(), "a length past the end");
    }
}
