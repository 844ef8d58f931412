//! Images (logo, signature, body images): loaded and decoded once per run, shared by the
//! typesetter (for their size) and the PDF writer (for their pixels).
//!
//! Pixel data is brought into the form a PDF image XObject stores and compressed here, at load
//! time, so that every PDF file of a run that shows the image only copies bytes.

use crate::input_file::{human_size, read_bounded, InputError};
use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Index of an image in the run's [`ImageStore`].
pub type ImageId = usize;

/// Compression level for pixel data. Done once per image per run, so we can afford the
/// slower, smaller setting.
const PIXEL_COMPRESSION: u8 = 8;

/// The largest image file read, in bytes. A logo or signature is a few hundred KiB and a
/// full-page photo at print resolution under 20 MiB; 64 MiB leaves room for that and stops a
/// huge or endless file (a device, a file that keeps growing) long before memory runs out.
pub const MAX_IMAGE_BYTES: u64 = 64 * 1024 * 1024;

/// The most pixels an image may have, read from its header before anything is decoded. A
/// whole A4 or Letter page at 600 dpi is about 35 million pixels (4961 × 7016), more than a
/// letter ever needs; decoded as 8-bit RGBA with the copies made on the way to the PDF, 40
/// million pixels stay well under 1 GiB. A 40000 × 40000 PNG (1.6 billion pixels, 6 GiB
/// decoded) of a few KiB is refused here instead of exhausting the machine.
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;

/// All images of a run, each loaded once. Shared by the run's worker threads, so an image
/// has the same id whichever thread loaded it.
#[derive(Default)]
pub struct ImageStore {
    inner: RwLock<Loaded>,
}

#[derive(Default)]
struct Loaded {
    images: Vec<Arc<Image>>,
    by_path: HashMap<PathBuf, ImageId>,
}

/// One loaded image, ready to be embedded in a PDF.
#[derive(Debug)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub data: ImageData,
}

/// The stored form of an image's pixels.
#[derive(Debug)]
pub enum ImageData {
    /// A JPEG file's bytes, embedded unchanged (PDF's DCTDecode filter reads them).
    Jpeg {
        bytes: Vec<u8>,
        /// 1 gray, 3 RGB (YCbCr), 4 CMYK.
        components: u8,
        /// Adobe (Photoshop) CMYK JPEGs store inverted values; the PDF must say so with a
        /// Decode array or the image prints as a negative.
        inverted_cmyk: bool,
    },
    /// 8-bit samples, zlib-compressed (PDF's FlateDecode filter reads them).
    Pixels {
        /// 1 gray or 3 RGB.
        components: u8,
        compressed: Vec<u8>,
        /// The alpha channel as an 8-bit gray soft mask, compressed; `None` when the image
        /// has no transparency (fully opaque alpha is dropped).
        alpha: Option<Vec<u8>>,
    },
}

impl ImageStore {
    /// Loads (or finds already loaded) the PNG or JPEG at `path`. The error says what is
    /// wrong with the file in one sentence.
    ///
    /// Every image goes through here, wherever its path came from (a template key, a
    /// Markdown image in the body, a data cell), so the file checks are made once for all:
    /// a regular file only (a FIFO would block forever, a device never end), at most
    /// [`MAX_IMAGE_BYTES`], at most [`MAX_IMAGE_PIXELS`] by its header, and whole.
    pub fn load(&self, path: &Path) -> Result<ImageId, String> {
        // Canonical so that `logo.png` and `./img/../logo.png` share one copy.
        let key = path.canonicalize().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "file not found".to_string(),
            _ => format!("cannot open the file: {e}"),
        })?;
        if let Some(&id) = self.read().by_path.get(&key) {
            return Ok(id);
        }
        let bytes = read_bounded(&key, MAX_IMAGE_BYTES, "an image").map_err(|e| match e {
            InputError::NotRegular { kind, .. } => {
                format!("it is {kind}, not a regular file; give the path of a PNG or JPEG file")
            }
            InputError::TooLarge { limit, .. } => format!(
                "the file is larger than the {} limit for an image; use a smaller PNG or JPEG",
                human_size(limit)
            ),
            InputError::Io { source, .. } => format!("cannot read the file: {source}"),
        })?;
        let image = Arc::new(decode(bytes)?);
        let mut loaded = self.write();
        // Another thread may have loaded it meanwhile: keep one id per file.
        if let Some(&id) = loaded.by_path.get(&key) {
            return Ok(id);
        }
        let id = loaded.images.len();
        loaded.images.push(image);
        loaded.by_path.insert(key, id);
        Ok(id)
    }

    /// Pixel width and height of a loaded image.
    pub fn size_px(&self, id: ImageId) -> (u32, u32) {
        self.read()
            .images
            .get(id)
            .map_or((0, 0), |image| (image.width, image.height))
    }

    /// The loaded image with this id (for the PDF writer).
    pub fn get(&self, id: ImageId) -> Option<Arc<Image>> {
        self.read().images.get(id).cloned()
    }

    /// The file an image was loaded from, for messages.
    pub fn path_of(&self, id: ImageId) -> Option<PathBuf> {
        let loaded = self.read();
        loaded
            .by_path
            .iter()
            .find(|(_, &i)| i == id)
            .map(|(p, _)| p.clone())
    }

    /// The canonical paths of every image loaded so far (inputs that no output may replace).
    pub fn paths(&self) -> Vec<PathBuf> {
        self.read().by_path.keys().cloned().collect()
    }

    /// Number of loaded images.
    pub fn len(&self) -> usize {
        self.read().images.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    // A panic while holding the lock cannot leave `Loaded` half-updated (ids are pushed
    // with their image), so a poisoned lock is still good to read.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Loaded> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Loaded> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// Recognises the file by its content, not its name: a `.png` that is really a JPEG works.
/// The size is read from the header and checked against [`MAX_IMAGE_PIXELS`] before any
/// pixel is decoded or any buffer sized by it is made.
fn decode(bytes: Vec<u8>) -> Result<Image, String> {
    if bytes.starts_with(PNG_SIGNATURE) {
        let (width, height) = png_header_size(&bytes).map_err(|e| format!("corrupt PNG: {e}"))?;
        check_pixels(width, height)?;
        decode_png(&bytes).map_err(|e| format!("corrupt PNG: {e}"))
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        let info = jpeg_info(&bytes).map_err(|e| format!("corrupt JPEG: {e}"))?;
        check_pixels(info.width, info.height)?;
        Ok(Image {
            width: info.width,
            height: info.height,
            data: ImageData::Jpeg {
                bytes,
                components: info.components,
                inverted_cmyk: info.adobe && info.components == 4,
            },
        })
    } else {
        Err("not a PNG or JPEG image".to_string())
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Width and height from the PNG's IHDR chunk, which the format requires to come first.
fn png_header_size(bytes: &[u8]) -> Result<(u32, u32), String> {
    let ihdr = bytes
        .get(8..24)
        .ok_or("the file ends inside its header (it is truncated)")?;
    if &ihdr[4..8] != b"IHDR" {
        return Err("the header (IHDR) is not the first chunk".to_string());
    }
    let width = u32::from_be_bytes([ihdr[8], ihdr[9], ihdr[10], ihdr[11]]);
    let height = u32::from_be_bytes([ihdr[12], ihdr[13], ihdr[14], ihdr[15]]);
    if width == 0 || height == 0 {
        return Err("the image has no size".to_string());
    }
    Ok((width, height))
}

/// Refuses an image with more than [`MAX_IMAGE_PIXELS`] pixels, saying its size.
fn check_pixels(width: u32, height: u32) -> Result<(), String> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_IMAGE_PIXELS {
        return Err(format!(
            "the image is {width} × {height} pixels, more than the limit of {} million pixels; \
             scale it down (300 dpi is plenty for print)",
            MAX_IMAGE_PIXELS / 1_000_000
        ));
    }
    Ok(())
}

fn decode_png(bytes: &[u8]) -> Result<Image, String> {
    // The decoder's own budget for what it allocates (chunks, text, palette): the file
    // size limit is a fair bound for that, and the output buffer is sized by the header
    // already checked against MAX_IMAGE_PIXELS.
    let limits = png::Limits {
        bytes: MAX_IMAGE_BYTES as usize,
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    // Palette and low bit depths expand to 8 bits, tRNS becomes alpha, 16 bits become 8.
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader
        .output_buffer_size()
        .ok_or("the image is too large")?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(truncated_png)?;
    // Reads on to the end chunk (IEND), so that a file cut short or damaged after its pixel
    // data is reported too, not printed as if whole.
    reader.finish().map_err(truncated_png)?;
    let (width, height) = (frame.width, frame.height);
    let pixels = width as usize * height as usize;
    // Rows can carry padding in principle; repack tightly so PDF sees width*components bytes.
    let channels = frame.color_type.samples();
    let row = width as usize * channels;
    // Without padding (the usual case) the buffer is used as it is: one copy fewer of the
    // largest thing a run holds.
    let tight = if frame.line_size == row {
        buf.truncate(pixels * channels);
        buf
    } else {
        let mut tight = Vec::with_capacity(pixels * channels);
        for line in buf.chunks(frame.line_size).take(height as usize) {
            tight.extend_from_slice(&line[..row.min(line.len())]);
        }
        tight
    };
    if tight.len() != pixels * channels || frame.bit_depth != png::BitDepth::Eight {
        return Err("unexpected pixel layout after decoding".to_string());
    }
    let (components, has_alpha) = match frame.color_type {
        png::ColorType::Grayscale => (1, false),
        png::ColorType::GrayscaleAlpha => (1, true),
        png::ColorType::Rgb => (3, false),
        png::ColorType::Rgba => (3, true),
        png::ColorType::Indexed => return Err("palette was not expanded".to_string()),
    };
    let (color, alpha) = if has_alpha {
        let mut color = Vec::with_capacity(pixels * components);
        let mut alpha = Vec::with_capacity(pixels);
        for px in tight.chunks_exact(components + 1) {
            color.extend_from_slice(&px[..components]);
            alpha.push(px[components]);
        }
        let opaque = alpha.iter().all(|&a| a == 255);
        (color, if opaque { None } else { Some(alpha) })
    } else {
        (tight, None)
    };
    let compress =
        |data: &[u8]| miniz_oxide::deflate::compress_to_vec_zlib(data, PIXEL_COMPRESSION);
    Ok(Image {
        width,
        height,
        data: ImageData::Pixels {
            components: components as u8,
            compressed: compress(&color),
            alpha: alpha.as_deref().map(compress),
        },
    })
}

/// A decoding error, with the usual cause of an early end said plainly.
fn truncated_png(e: png::DecodingError) -> String {
    match &e {
        png::DecodingError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the file ends before the image does (it is truncated)".to_string()
        }
        _ => e.to_string(),
    }
}

struct JpegInfo {
    width: u32,
    height: u32,
    components: u8,
    adobe: bool,
}

/// Walks the whole JPEG: every marker segment (each length inside the file), the frame
/// header (SOF: size and number of colour components), at least one scan (SOS) with its
/// entropy-coded data, and the end marker (EOI). The JPEG is embedded as it is and only a
/// PDF viewer decodes it, so a file cut short would print as an empty box without a word:
/// this walk is what finds it. Notes an Adobe APP14 segment on the way.
fn jpeg_info(bytes: &[u8]) -> Result<JpegInfo, String> {
    const TRUNCATED: &str = "the file ends before the image does (it is truncated)";
    let mut pos = 2;
    let mut adobe = false;
    let mut frame: Option<(u32, u32, u8)> = None;
    let mut scans = 0usize;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            if pos >= bytes.len() {
                return Err(TRUNCATED.to_string());
            }
            return Err(format!("no marker where one must be (byte {pos})"));
        };
        pos += 2;
        match marker {
            // Markers without a length field.
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 => return Err(format!("a second start marker (byte {})", pos - 2)),
            0xD9 => {
                let Some((width, height, components)) = frame else {
                    return Err("no frame header (SOF marker) found".to_string());
                };
                if scans == 0 {
                    return Err("no image data (SOS marker) found".to_string());
                }
                return Ok(JpegInfo {
                    width,
                    height,
                    components,
                    adobe,
                });
            }
            _ => {}
        }
        let len = match bytes.get(pos..pos + 2) {
            Some(l) => u16::from_be_bytes([l[0], l[1]]) as usize,
            None => return Err(TRUNCATED.to_string()),
        };
        if len < 2 {
            return Err(format!(
                "a marker segment with a length of {len} (byte {pos})"
            ));
        }
        let segment = bytes.get(pos + 2..pos + len).ok_or(TRUNCATED)?;
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof && frame.is_none() {
            if segment.len() < 6 {
                return Err("frame header too short".to_string());
            }
            let height = u16::from_be_bytes([segment[1], segment[2]]) as u32;
            let width = u16::from_be_bytes([segment[3], segment[4]]) as u32;
            let components = segment[5];
            if width == 0 || height == 0 {
                return Err("the image has no size".to_string());
            }
            if !matches!(components, 1 | 3 | 4) {
                return Err(format!("{components} colour components are not supported"));
            }
            frame = Some((width, height, components));
        }
        if marker == 0xEE && segment.starts_with(b"Adobe") {
            adobe = true;
        }
        pos += len;
        if marker == 0xDA {
            if frame.is_none() {
                return Err("no frame header (SOF marker) before the image data".to_string());
            }
            scans += 1;
            pos = end_of_scan(bytes, pos).ok_or(TRUNCATED)?;
        }
    }
}

/// Skips a scan's entropy-coded data from `pos`: it ends at the first 0xFF that is neither
/// a stuffed zero (0xFF 0x00) nor a restart marker (RST0-7). Returns where that marker is,
/// or `None` when the file ends first.
fn end_of_scan(bytes: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        pos += bytes.get(pos..)?.iter().position(|&b| b == 0xFF)?;
        match bytes.get(pos + 1)? {
            0x00 | 0xD0..=0xD7 => pos += 2,
            0xFF => pos += 1,
            _ => return Some(pos),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ImageData, ImageStore};
    use std::path::{Path, PathBuf};

    /// Writes a PNG with the given colour type and raw samples.
    pub(crate) fn write_png(
        path: &Path,
        width: u32,
        height: u32,
        color: png::ColorType,
        depth: png::BitDepth,
        data: &[u8],
        palette: Option<(&[u8], Option<&[u8]>)>,
    ) {
        let file = std::fs::File::create(path).unwrap();
        let mut enc = png::Encoder::new(std::io::BufWriter::new(file), width, height);
        enc.set_color(color);
        enc.set_depth(depth);
        if let Some((pal, trns)) = palette {
            enc.set_palette(pal.to_vec());
            if let Some(t) = trns {
                enc.set_trns(t.to_vec());
            }
        }
        let mut w = enc.write_header().unwrap();
        w.write_image_data(data).unwrap();
    }

    fn inflate(data: &[u8]) -> Vec<u8> {
        miniz_oxide::inflate::decompress_to_vec_zlib(data).unwrap()
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/images")
            .join(name)
    }

    #[test]
    fn rgba_png_splits_alpha_into_soft_mask() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.png");
        let data = [
            255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 255,
        ];
        write_png(
            &path,
            2,
            2,
            png::ColorType::Rgba,
            png::BitDepth::Eight,
            &data,
            None,
        );
        let store = ImageStore::default();
        let id = store.load(&path).unwrap();
        assert_eq!(store.size_px(id), (2, 2));
        match &store.get(id).unwrap().data {
            ImageData::Pixels {
                components,
                compressed,
                alpha,
            } => {
                assert_eq!(*components, 3);
                assert_eq!(
                    inflate(compressed),
                    [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]
                );
                assert_eq!(inflate(alpha.as_ref().unwrap()), [255, 128, 0, 255]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn opaque_alpha_is_dropped_and_16_bit_reduced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g16.png");
        // Gray+alpha, 16 bits: samples 0x1234 / 0xFFFF and 0xABCD / 0xFFFF.
        let data = [0x12, 0x34, 0xFF, 0xFF, 0xAB, 0xCD, 0xFF, 0xFF];
        write_png(
            &path,
            2,
            1,
            png::ColorType::GrayscaleAlpha,
            png::BitDepth::Sixteen,
            &data,
            None,
        );
        let store = ImageStore::default();
        let id = store.load(&path).unwrap();
        match &store.get(id).unwrap().data {
            ImageData::Pixels {
                components,
                compressed,
                alpha,
            } => {
                assert_eq!(*components, 1);
                assert_eq!(inflate(compressed), [0x12, 0xAB]);
                assert!(alpha.is_none());
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn palette_png_with_transparency_expands() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.png");
        let palette = [10, 20, 30, 200, 100, 50];
        let trns = [0];
        // 4 pixels, 2 bits each: indexes 0, 1, 1, 0.
        let data = [0b00_01_01_00];
        write_png(
            &path,
            4,
            1,
            png::ColorType::Indexed,
            png::BitDepth::Two,
            &data,
            Some((&palette, Some(&trns))),
        );
        let store = ImageStore::default();
        let id = store.load(&path).unwrap();
        match &store.get(id).unwrap().data {
            ImageData::Pixels {
                components,
                compressed,
                alpha,
            } => {
                assert_eq!(*components, 3);
                assert_eq!(
                    inflate(compressed),
                    [10, 20, 30, 200, 100, 50, 200, 100, 50, 10, 20, 30]
                );
                assert_eq!(inflate(alpha.as_ref().unwrap()), [0, 255, 255, 0]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn same_file_is_loaded_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let path = dir.path().join("a.png");
        write_png(
            &path,
            1,
            1,
            png::ColorType::Grayscale,
            png::BitDepth::Eight,
            &[7],
            None,
        );
        let store = ImageStore::default();
        let a = store.load(&path).unwrap();
        let b = store.load(&dir.path().join("sub/../a.png")).unwrap();
        assert_eq!(a, b);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn jpeg_passes_through_with_size_from_sof() {
        let store = ImageStore::default();
        let rgb = store.load(&fixture("rgb.jpg")).unwrap();
        let cmyk = store.load(&fixture("cmyk.jpg")).unwrap();
        for (id, comps) in [(rgb, 3), (cmyk, 4)] {
            let image = store.get(id).unwrap();
            assert_eq!((image.width, image.height), (24, 16));
            match &image.data {
                ImageData::Jpeg {
                    bytes,
                    components,
                    inverted_cmyk,
                } => {
                    assert_eq!(*components, comps);
                    assert_eq!(*inverted_cmyk, comps == 4);
                    assert_eq!(bytes[..2], [0xFF, 0xD8]);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let store = ImageStore::default();
        assert_eq!(
            store.load(&dir.path().join("missing.png")).unwrap_err(),
            "file not found"
        );
        let text = dir.path().join("logo.png");
        std::fs::write(&text, "hello").unwrap();
        assert_eq!(store.load(&text).unwrap_err(), "not a PNG or JPEG image");
        let broken = dir.path().join("broken.png");
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend_from_slice(&[0, 0, 0, 13, b'I', b'H', b'D', b'R', 1, 2]);
        std::fs::write(&broken, bytes).unwrap();
        let err = store.load(&broken).unwrap_err();
        assert!(err.starts_with("corrupt PNG: "), "{err}");
        let jpeg = dir.path().join("cut.jpg");
        std::fs::write(&jpeg, [0xFF, 0xD8, 0xFF, 0xE0, 0x00]).unwrap();
        let err = store.load(&jpeg).unwrap_err();
        assert!(err.starts_with("corrupt JPEG: "), "{err}");
        assert!(store.is_empty());
    }

    fn small_png() -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.png");
        let data: Vec<u8> = (0..64 * 64 * 3).map(|i| (i * 7 % 251) as u8).collect();
        write_png(
            &path,
            64,
            64,
            png::ColorType::Rgb,
            png::BitDepth::Eight,
            &data,
            None,
        );
        std::fs::read(path).unwrap()
    }

    #[test]
    fn too_many_pixels_are_refused_from_the_header() {
        let store = ImageStore::default();
        let err = store.load(&fixture("huge-40000x40000.png")).unwrap_err();
        assert!(
            err.contains("40000 × 40000 pixels") && err.contains("limit of 40 million"),
            "{err}"
        );
        // A JPEG's size comes from its frame header: 65535 × 65535 claimed in rgb.jpg's SOF.
        let mut jpeg = std::fs::read(fixture("rgb.jpg")).unwrap();
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFF; 4]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.jpg");
        std::fs::write(&path, jpeg).unwrap();
        let err = store.load(&path).unwrap_err();
        assert!(err.contains("65535 × 65535 pixels"), "{err}");
    }

    #[test]
    fn devices_fifos_and_folders_are_refused_without_reading() {
        let store = ImageStore::default();
        let err = store.load(Path::new("/dev/zero")).unwrap_err();
        assert!(err.contains("a device, not a regular file"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let err = store.load(dir.path()).unwrap_err();
        assert!(err.contains("a folder"), "{err}");
        #[cfg(unix)]
        {
            let fifo = dir.path().join("pipe.png");
            let ok = std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success();
            assert!(ok);
            let err = store.load(&fifo).unwrap_err();
            assert!(err.contains("FIFO"), "{err}");
        }
    }

    #[test]
    fn a_file_over_the_size_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.png");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(super::MAX_IMAGE_BYTES + 1).unwrap();
        let err = ImageStore::default().load(&path).unwrap_err();
        assert!(err.contains("64 MiB limit for an image"), "{err}");
    }

    #[test]
    fn every_truncated_jpeg_is_refused() {
        let whole = std::fs::read(fixture("rgb.jpg")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = ImageStore::default();
        for cut in 2..whole.len() - 1 {
            let path = dir.path().join(format!("cut-{cut}.jpg"));
            std::fs::write(&path, &whole[..cut]).unwrap();
            let err = store.load(&path).expect_err("truncated JPEG accepted");
            assert!(err.starts_with("corrupt JPEG: "), "cut at {cut}: {err}");
        }
        let path = dir.path().join("cut.jpg");
        std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();
        let err = store.load(&path).unwrap_err();
        assert!(err.contains("truncated"), "{err}");
    }

    #[test]
    fn a_truncated_or_damaged_png_is_refused() {
        let whole = small_png();
        let dir = tempfile::tempdir().unwrap();
        let store = ImageStore::default();
        for cut in [9, 30, whole.len() / 2, whole.len() - 13, whole.len() - 1] {
            let path = dir.path().join(format!("cut-{cut}.png"));
            std::fs::write(&path, &whole[..cut]).unwrap();
            let err = store.load(&path).expect_err("truncated PNG accepted");
            assert!(err.starts_with("corrupt PNG: "), "cut at {cut}: {err}");
        }
        // A byte changed inside the pixel data: the chunk's checksum no longer matches.
        let mut damaged = whole.clone();
        let idat = damaged.windows(4).position(|w| w == b"IDAT").unwrap();
        damaged[idat + 20] ^= 0x55;
        let path = dir.path().join("damaged.png");
        std::fs::write(&path, damaged).unwrap();
        let err = store.load(&path).expect_err("damaged PNG accepted");
        assert!(err.starts_with("corrupt PNG: "), "{err}");
        let path = dir.path().join("whole.png");
        std::fs::write(&path, whole).unwrap();
        store.load(&path).expect("the whole PNG loads");
    }
}
