//! A page encoded once, kept on disk and read back: the private byte form `--sort` uses to
//! hold letters aside while the rest are typeset (see `campaign::assemble`).

use super::content::PageRefs;
use super::writer::{EncodedPage, LinkArea};
use std::io;

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
        buf.extend_from_slice(&(self.links.len() as u32).to_le_bytes());
        for link in &self.links {
            for v in [link.x, link.y, link.width, link.height] {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            put_bytes(buf, link.uri.as_bytes());
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
        Ok(EncodedPage {
            width,
            height,
            stream,
            refs,
            links,
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
