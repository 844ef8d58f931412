//! The sRGB ICC profile of the PDF/A output intent, built in code (ICC.1:2001-04, version
//! 2.1, a display profile): no binary file to ship or license, and its numbers are the
//! published sRGB ones (IEC 61966-2-1), so anyone can check them here.

use std::sync::OnceLock;

/// Entries of the tone curve table. The sRGB curve (a linear toe, then a 2.4 power) is
/// sampled at this many points and interpolated between them by the colour engine: at 256
/// the interpolation error is 0.002 of an 8-bit step (no more than at 1,024, which is
/// rounding), for 512 bytes of table (one table shared by the red, green and blue curves).
/// The profile goes into every PDF/A file, so its size is the per-file cost.
const TRC_POINTS: usize = 256;

/// The profile description, also the PDF's OutputConditionIdentifier.
pub const SRGB_DESCRIPTION: &str = "sRGB IEC61966-2.1";

const COPYRIGHT: &str = "No copyright, use freely (lettermerge, generated)";

/// The D50 illuminant of the profile connection space.
const D50: [f64; 3] = [0.9642, 1.0, 0.8249];
/// The sRGB white point (D65), the media white point of a display profile.
const D65: [f64; 3] = [0.9505, 1.0, 1.0890];
/// The sRGB primaries, adapted to D50 with the Bradford transform (as in the profiles that
/// colour management systems ship).
const RED: [f64; 3] = [0.4361, 0.2225, 0.0139];
const GREEN: [f64; 3] = [0.3851, 0.7169, 0.0971];
const BLUE: [f64; 3] = [0.1431, 0.0606, 0.7141];

/// The profile's bytes, built once per process.
pub fn srgb_profile() -> &'static [u8] {
    static PROFILE: OnceLock<Vec<u8>> = OnceLock::new();
    PROFILE.get_or_init(build)
}

/// The profile zlib-compressed (for the PDF stream), compressed once per process: a
/// compressor at another level than the pages' would otherwise replace their reused one.
pub fn srgb_profile_zlib() -> &'static [u8] {
    static COMPRESSED: OnceLock<Vec<u8>> = OnceLock::new();
    COMPRESSED.get_or_init(|| {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing to a Vec cannot fail.
        let _ = z.write_all(srgb_profile());
        z.finish().unwrap_or_default()
    })
}

fn s15_fixed16(v: f64) -> [u8; 4] {
    ((v * 65536.0).round() as i32).to_be_bytes()
}

fn xyz_tag(xyz: [f64; 3]) -> Vec<u8> {
    let mut t = b"XYZ \0\0\0\0".to_vec();
    for v in xyz {
        t.extend_from_slice(&s15_fixed16(v));
    }
    t
}

/// textDescriptionType: the ASCII description, an empty Unicode one, an empty Mac one.
fn desc_tag(text: &str) -> Vec<u8> {
    let mut t = b"desc\0\0\0\0".to_vec();
    t.extend_from_slice(&(text.len() as u32 + 1).to_be_bytes());
    t.extend_from_slice(text.as_bytes());
    t.push(0);
    t.extend_from_slice(&[0; 8]); // Unicode language code and count
    t.extend_from_slice(&[0; 3]); // ScriptCode code and count
    t.extend_from_slice(&[0; 67]); // ScriptCode text
    t
}

fn text_tag(text: &str) -> Vec<u8> {
    let mut t = b"text\0\0\0\0".to_vec();
    t.extend_from_slice(text.as_bytes());
    t.push(0);
    t
}

/// The sRGB transfer function, sampled.
fn trc_tag() -> Vec<u8> {
    let mut t = b"curv\0\0\0\0".to_vec();
    t.extend_from_slice(&(TRC_POINTS as u32).to_be_bytes());
    for i in 0..TRC_POINTS {
        let v = i as f64 / (TRC_POINTS - 1) as f64;
        let linear = if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        };
        t.extend_from_slice(&((linear * 65535.0).round() as u16).to_be_bytes());
    }
    t
}

fn build() -> Vec<u8> {
    let trc = trc_tag();
    // (signature, data); the three curves share one data block.
    let tags: [(&[u8; 4], Vec<u8>); 9] = [
        (b"desc", desc_tag(SRGB_DESCRIPTION)),
        (b"cprt", text_tag(COPYRIGHT)),
        (b"wtpt", xyz_tag(D65)),
        (b"rXYZ", xyz_tag(RED)),
        (b"gXYZ", xyz_tag(GREEN)),
        (b"bXYZ", xyz_tag(BLUE)),
        (b"rTRC", trc),
        (b"gTRC", Vec::new()),
        (b"bTRC", Vec::new()),
    ];
    let table_len = 4 + 12 * tags.len();
    let mut data = Vec::new();
    let mut table = Vec::with_capacity(table_len);
    table.extend_from_slice(&(tags.len() as u32).to_be_bytes());
    let mut shared = (0u32, 0u32);
    for (sig, bytes) in &tags {
        let (offset, len) = if bytes.is_empty() {
            shared
        } else {
            while data.len() % 4 != 0 {
                data.push(0);
            }
            let offset = (128 + table_len + data.len()) as u32;
            data.extend_from_slice(bytes);
            shared = (offset, bytes.len() as u32);
            shared
        };
        table.extend_from_slice(*sig);
        table.extend_from_slice(&offset.to_be_bytes());
        table.extend_from_slice(&len.to_be_bytes());
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let size = 128 + table.len() + data.len();

    let mut p = Vec::with_capacity(size);
    p.extend_from_slice(&(size as u32).to_be_bytes());
    p.extend_from_slice(&[0; 4]); // preferred CMM: none
    p.extend_from_slice(&[2, 0x10, 0, 0]); // version 2.1
    p.extend_from_slice(b"mntr"); // display device
    p.extend_from_slice(b"RGB ");
    p.extend_from_slice(b"XYZ ");
    // Creation date: 2026-01-01 00:00:00, fixed so every file's profile is the same bytes.
    for v in [2026u16, 1, 1, 0, 0, 0] {
        p.extend_from_slice(&v.to_be_bytes());
    }
    p.extend_from_slice(b"acsp");
    p.extend_from_slice(&[0; 4]); // platform
    p.extend_from_slice(&[0; 4]); // flags
    p.extend_from_slice(&[0; 4]); // device manufacturer
    p.extend_from_slice(&[0; 4]); // device model
    p.extend_from_slice(&[0; 8]); // device attributes
    p.extend_from_slice(&[0; 4]); // rendering intent: perceptual
    for v in D50 {
        p.extend_from_slice(&s15_fixed16(v));
    }
    p.extend_from_slice(&[0; 4]); // creator
    p.extend_from_slice(&[0; 44]); // profile ID (none in version 2) and reserved
    debug_assert_eq!(p.len(), 128);
    p.extend_from_slice(&table);
    p.extend_from_slice(&data);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(p: &[u8], at: usize) -> u32 {
        u32::from_be_bytes(p[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn header_and_tags_are_in_bounds() {
        let p = srgb_profile();
        assert_eq!(u32_at(p, 0) as usize, p.len());
        assert_eq!(&p[12..20], b"mntrRGB ");
        assert_eq!(&p[36..40], b"acsp");
        let count = u32_at(p, 128) as usize;
        assert_eq!(count, 9);
        for i in 0..count {
            let at = 132 + 12 * i;
            let (offset, len) = (u32_at(p, at + 4) as usize, u32_at(p, at + 8) as usize);
            assert_eq!(offset % 4, 0, "tag {i} is not 4-byte aligned");
            assert!(offset + len <= p.len(), "tag {i} runs past the end");
        }
    }

    #[test]
    fn the_curve_is_monotonic_from_black_to_white() {
        let t = trc_tag();
        let values: Vec<u16> = t[12..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(values.len(), TRC_POINTS);
        assert_eq!((values[0], values[TRC_POINTS - 1]), (0, 65535));
        assert!(values.windows(2).all(|w| w[0] <= w[1]));
    }
}
