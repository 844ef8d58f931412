//! Output files: safe file names built from data, collision-free naming, and atomic writes
//! (a temp file in the same folder, renamed into place).

use crate::first_seen::FirstSeen;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The longest file stem we produce, in bytes; well under every file system's limit.
const MAX_STEM_BYTES: usize = 120;

/// Turns a rendered `filename` value into a safe file stem: no path separators, no control
/// characters, no characters Windows forbids, no invisible format characters (bidi overrides
/// such as U+202E that make `Invoice\u{202e}fdp.exe` look like `Invoiceexe.pdf`, zero-width
/// spaces and joiners, the BOM: all of Unicode category Cf), no leading dots (no hidden files,
/// no `..`), no trailing dots or spaces, no Windows device name in any form, bounded length.
/// Never empty.
pub fn sanitize_stem(raw: &str, row: u64) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut last_space = true;
    for c in raw.chars() {
        if is_invisible(c) {
            continue;
        }
        let c = match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '-',
            c if c.is_control() => ' ',
            c => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    let mut stem = out.trim_start_matches(['.', ' ', '-']).to_string();
    if stem.to_ascii_lowercase().ends_with(".pdf") {
        stem.truncate(stem.len() - 4);
    }
    if is_reserved_on_windows(&stem) {
        stem.insert(0, '_');
    }
    truncate_at_char(&mut stem, MAX_STEM_BYTES);
    let stem = stem.trim_end_matches(['.', ' ']).to_string();
    if stem.is_empty() {
        return format!("row-{row}");
    }
    stem
}

/// Characters that show nothing, or change how the characters around them show, and so can
/// make a file name read as something it is not: the bidi controls (U+200E, U+200F, U+061C,
/// U+202A-U+202E, U+2066-U+2069), zero-width spaces and joiners (U+200B-U+200D, U+2060), the
/// BOM (U+FEFF), the soft hyphen, and everything else in Unicode's Format category (Cf).
fn is_invisible(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
    ) || c.general_category() == GeneralCategory::Format
}

/// Whether Windows takes a file whose name starts with `stem` for a device: CON, PRN, AUX,
/// NUL, CONIN$, CONOUT$, COM0-9 and LPT0-9 (the superscript digits ¹ ² ³ count as digits
/// too), in any case, alone or followed by an extension (`con.txt`), and with spaces or dots
/// before the extension (`con .txt`), which Windows drops.
fn is_reserved_on_windows(stem: &str) -> bool {
    let base = stem.split('.').next().unwrap_or("");
    let base = base.trim_end_matches([' ', '.']).to_uppercase();
    match base.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => {
            let mut chars = base.chars();
            let prefix: String = chars.by_ref().take(3).collect();
            let digit = chars.next();
            (prefix == "COM" || prefix == "LPT")
                && matches!(digit, Some('0'..='9' | '¹' | '²' | '³'))
                && chars.next().is_none()
        }
    }
}

fn truncate_at_char(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

/// Whether something is already at `path`: a file, a folder, or a symlink, dangling or not
/// (which `Path::exists` misses, as it follows the link). The check pass uses it so that a
/// run finds every name it cannot take before it writes anything.
pub fn occupied(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Creates a new file at `path`, failing if anything is there already. `create_new` is
/// `O_CREAT | O_EXCL`, which never follows a symlink (not even a dangling one); `O_NOFOLLOW`
/// says so once more on Unix for readers of this code and for any platform quirk.
pub fn create_new_file(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Hands out unique file names within one output folder. Names are compared without regard
/// to case, because macOS and Windows file systems do not distinguish them. The names taken
/// are kept as 64-bit hashes (not the name: `check` on half a million rows kept 50 MB of
/// names), in a [`FirstSeen`] index, so that any number of letters keeps a few MiB of them
/// in memory: two names sharing a hash, about once in 10^8 runs of half a million letters,
/// only makes the second `name-2.pdf`; a name is never handed out twice.
#[derive(Default)]
pub struct NameAllocator {
    taken: FirstSeen,
    /// The last number handed out for a stem and extension: the stem's next name is looked
    /// for from the one after it, not from 1 (see [`NAME_HINTS`]).
    hints: HashMap<(String, String), u64>,
}

/// Stems whose last number is remembered before the list starts over: 4,096 (some 400 KiB
/// with their text). A file where 600 names repeat through half a million rows asked the
/// taken names some 450 times a letter (`Doe.pdf`, `Doe-2.pdf`, ... up to the first free
/// one), a disk read each once they are past memory: 405 s for `check`, 91 s even with
/// every name in a hash set. With the hint it is one question a letter, and 24 s. A stem not
/// remembered is looked for from 1, as before: slower, never different.
const NAME_HINTS: usize = 4_096;

/// A stable 64-bit hash of a text (SipHash with fixed keys: the same in every run, so `check`
/// and `pdf` give the same names and find the same duplicates).
pub fn text_hash(text: &str) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// The key of a file name among those taken: names differ only beyond case.
fn name_key(file_name: &str) -> u64 {
    text_hash(&file_name.to_lowercase())
}

impl NameAllocator {
    /// Reserves a name that is never handed out (e.g. the manifest). An error is the
    /// temporary file's that keeps the names past the first tens of thousands.
    pub fn reserve(&mut self, file_name: &str) -> io::Result<()> {
        self.taken.first_or_insert(name_key(file_name), 0)?;
        Ok(())
    }

    /// Returns `stem.ext`, or `stem-2.ext`, `stem-3.ext`, ... if taken.
    pub fn allocate(&mut self, stem: &str, ext: &str) -> io::Result<String> {
        // Names are never given back: when `stem-N.ext` was handed out, every number up to
        // N was taken, so the first free one is past it.
        let key = (stem.to_string(), ext.to_string());
        let mut n = self.hints.get(&key).map_or(1, |last| last + 1);
        loop {
            let name = if n == 1 {
                format!("{stem}.{ext}")
            } else {
                format!("{stem}-{n}.{ext}")
            };
            if self.taken.first_or_insert(name_key(&name), 0)?.is_none() {
                if self.hints.len() >= NAME_HINTS && !self.hints.contains_key(&key) {
                    self.hints.clear();
                }
                self.hints.insert(key, n);
                return Ok(name);
            }
            n += 1;
        }
    }
}

/// A file being written atomically: bytes go to a temp file beside the target, which is
/// renamed over the target by [`AtomicFile::commit`]. Dropped without commit, it vanishes.
pub struct AtomicFile {
    target: PathBuf,
    out: io::BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".lettermerge-").suffix(".tmp");
        // tempfile creates private (0600) files; letters are ordinary documents, so they get
        // the usual 0666 less the user's umask, like any file the user saves.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        // tempfile creates its file with O_CREAT | O_EXCL (`create_new`) under a random name,
        // so a symlink planted there is never followed (the test below checks the renames).
        let tmp = builder.tempfile_in(&dir)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            out: io::BufWriter::with_capacity(256 * 1024, tmp),
        })
    }

    /// Moves the finished file into place. With `overwrite == false` an existing target is
    /// an `AlreadyExists` error and is left untouched.
    pub fn commit(self, overwrite: bool) -> io::Result<()> {
        let tmp = self.out.into_inner().map_err(|e| e.into_error())?;
        let persisted = if overwrite {
            tmp.persist(&self.target).map(drop)
        } else {
            tmp.persist_noclobber(&self.target).map(drop)
        };
        persisted.map_err(|e| e.error)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Writes a file atomically: `write` fills a temp file beside `target`, which is then renamed
/// over it. With `overwrite == false` an existing target is an error and is left untouched.
pub fn write_atomically<F>(target: &Path, overwrite: bool, write: F) -> io::Result<()>
where
    F: FnOnce(&mut AtomicFile) -> io::Result<()>,
{
    let mut file = AtomicFile::create(target)?;
    write(&mut file)?;
    file.commit(overwrite)
}

/// The letters' manifest, written beside them by `pdf`.
pub const MANIFEST: &str = "manifest.csv";

/// The names a letter may not take in the output folder.
pub fn reserved_names() -> NameAllocator {
    let mut names = NameAllocator::default();
    // The first name goes into memory: nothing can fail yet.
    let _ = names.reserve(MANIFEST);
    names
}

/// The letter's file name as `pdf` writes it: the sanitised `filename` value (or `row-N`),
/// with `-2`, `-3`, ... when an earlier letter has it.
pub fn letter_file_name(
    names: &mut NameAllocator,
    filename: Option<&str>,
    row: u64,
) -> io::Result<String> {
    let stem = match filename {
        Some(raw) => sanitize_stem(raw, row),
        None => format!("row-{row}"),
    };
    names.allocate(&stem, "pdf")
}

#[cfg(test)]
mod tests {
    use super::{is_invisible, is_reserved_on_windows, sanitize_stem, write_atomically};
    use super::{NameAllocator, MAX_STEM_BYTES};
    use proptest::prelude::{any, prop_assert, proptest, ProptestConfig};
    use std::io::Write;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the data says, the stem is one safe, visible, bounded file name.
        #[test]
        fn any_input_gives_a_safe_stem(raw in any::<String>(), row in 2u64..1_000_000) {
            check_stem(&raw, row)?;
        }

        /// The same, from the characters that matter most, so that they meet each other.
        #[test]
        fn tricky_inputs_give_a_safe_stem(
            raw in "([ ./\\\\:.-]|CON|con|COM|LPT|nul|\\$|IN|OUT|[0-9¹²³]|\u{202e}|\u{200b}|\u{feff}|\u{2066}|x|\\.pdf){0,12}",
            row in 2u64..100,
        ) {
            check_stem(&raw, row)?;
        }
    }

    fn check_stem(raw: &str, row: u64) -> Result<(), proptest::test_runner::TestCaseError> {
        let stem = sanitize_stem(raw, row);
        prop_assert!(!stem.is_empty());
        prop_assert!(stem.len() <= MAX_STEM_BYTES, "{} bytes", stem.len());
        prop_assert!(!stem.starts_with('.'), "{stem:?}");
        prop_assert!(!stem.ends_with(['.', ' ']), "{stem:?}");
        prop_assert!(
            !stem.chars().any(|c| c.is_control()
                || is_invisible(c)
                || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')),
            "{stem:?}"
        );
        prop_assert!(!is_reserved_on_windows(&stem), "{stem:?}");
        // The file name it becomes is safe too.
        prop_assert!(!is_reserved_on_windows(&format!("{stem}.pdf")), "{stem:?}");
        Ok(())
    }

    #[test]
    fn stems_cannot_leave_the_folder() {
        assert_eq!(sanitize_stem("../../etc/passwd", 2), "etc-passwd");
        assert_eq!(sanitize_stem("/abs/path", 2), "abs-path");
        assert_eq!(sanitize_stem("..", 5), "row-5");
        assert_eq!(sanitize_stem("a\\b:c*d", 2), "a-b-c-d");
        assert_eq!(sanitize_stem("  O'Brien   Siobhán\n", 2), "O'Brien Siobhán");
        assert_eq!(sanitize_stem("", 9), "row-9");
        assert_eq!(sanitize_stem("CON", 2), "_CON");
        assert_eq!(sanitize_stem("letter.PDF", 2), "letter");
        assert_eq!(sanitize_stem(&"é".repeat(100), 2).len(), 120);
    }

    #[test]
    fn invisible_and_bidi_characters_are_dropped() {
        assert_eq!(sanitize_stem("Invoice\u{202e}fdp.exe", 2), "Invoicefdp.exe");
        assert_eq!(
            sanitize_stem(
                "a\u{200b}b\u{200d}c\u{2060}d\u{feff}e\u{2066}f\u{200e}g\u{61c}h",
                2
            ),
            "abcdefgh"
        );
        assert_eq!(sanitize_stem("\u{202e}\u{200b}", 4), "row-4");
        assert_eq!(sanitize_stem("soft\u{ad}hyphen", 2), "softhyphen");
    }

    #[test]
    fn windows_device_names_are_avoided_in_every_form() {
        for name in [
            "CON",
            "con",
            "Con.txt",
            "con .txt",
            "NUL.tar.gz",
            "aux",
            "prn",
            "CONIN$",
            "conout$",
            "COM1",
            "com9",
            "COM0",
            "LPT1",
            "lpt¹",
            "COM²",
            "COM³.txt",
            "con. .x",
        ] {
            let stem = sanitize_stem(name, 2);
            assert!(stem.starts_with('_'), "{name} -> {stem}");
        }
        for name in [
            "CONSOLE",
            "COM10",
            "COM",
            "LPT",
            "coms",
            "console.txt",
            "NULL",
        ] {
            assert_eq!(sanitize_stem(name, 2), name, "{name}");
        }
    }

    #[test]
    fn duplicates_get_numbered_case_insensitively() {
        let mut names = NameAllocator::default();
        names.reserve("manifest.csv").unwrap();
        let mut allocate = |stem: &str, ext: &str| names.allocate(stem, ext).unwrap();
        assert_eq!(allocate("Doe-Jane", "pdf"), "Doe-Jane.pdf");
        assert_eq!(allocate("doe-jane", "pdf"), "doe-jane-2.pdf");
        assert_eq!(allocate("Doe-Jane", "pdf"), "Doe-Jane-3.pdf");
        assert_eq!(allocate("manifest", "csv"), "manifest-2.csv");
    }

    /// Hands out a name for each stem, checking each against the name a set of every name
    /// taken (lower-cased) gives.
    fn same_as_a_set(stems: impl Iterator<Item = String>) {
        let mut names = super::reserved_names();
        let mut reference = std::collections::HashSet::new();
        reference.insert("manifest.csv".to_string());
        for (i, stem) in stems.enumerate() {
            let got = names.allocate(&stem, "pdf").unwrap();
            let mut k = 1;
            let want = loop {
                let name = if k == 1 {
                    format!("{stem}.pdf")
                } else {
                    format!("{stem}-{k}.pdf")
                };
                if reference.insert(name.to_lowercase()) {
                    break name;
                }
                k += 1;
            };
            assert_eq!(got, want, "letter {i}");
        }
        assert_eq!(names.allocate("MANIFEST", "csv").unwrap(), "MANIFEST-2.csv");
    }

    #[test]
    fn names_past_the_ones_kept_in_memory_are_never_handed_out_twice() {
        // More letters than the index keeps in memory, all wanting one of 40,000 names
        // (more stems than the allocator remembers the last number of).
        let n = crate::first_seen::IN_MEMORY as u64 * 3;
        same_as_a_set((0..n).map(|i| format!("Name{}", (i * 7_919) % 40_000)));
        // 600 names through many letters, with case variants and stems that take another
        // stem's numbered names first (`Name7-3` before `Name7` gets to 3).
        same_as_a_set((0..n).map(|i| {
            let j = (i * 7_919) % 600;
            match i % 7 {
                0 => format!("NAME{j}"),
                1 => format!("Name{j}-{}", 2 + i % 5),
                _ => format!("Name{j}"),
            }
        }));
    }

    #[test]
    fn atomic_write_refuses_to_clobber_without_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.txt");
        write_atomically(&target, false, |w| w.write_all(b"one")).unwrap();
        let err = write_atomically(&target, false, |w| w.write_all(b"two")).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        write_atomically(&target, true, |w| w.write_all(b"three")).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"three");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temp files left behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let plain = dir.path().join("plain.txt");
            std::fs::write(&plain, b"x").unwrap();
            let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode();
            assert_eq!(
                mode(&target),
                mode(&plain),
                "same mode as any file the user saves"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn renames_replace_a_symlink_never_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let precious = dir.path().join("precious.txt");
        std::fs::write(&precious, b"keep").unwrap();
        let link = dir.path().join("letter.pdf");
        std::os::unix::fs::symlink(&precious, &link).unwrap();
        // Without overwrite: the link is something there, so it is refused.
        let err = write_atomically(&link, false, |w| w.write_all(b"new")).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        // With overwrite: the link itself is replaced by the new file.
        write_atomically(&link, true, |w| w.write_all(b"new")).unwrap();
        assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read(&link).unwrap(), b"new");
        assert_eq!(std::fs::read(&precious).unwrap(), b"keep");
        // A dangling link: refused without overwrite, and nothing made at its target.
        let nowhere = dir.path().join("nowhere");
        let dangling = dir.path().join("other.pdf");
        std::os::unix::fs::symlink(&nowhere, &dangling).unwrap();
        assert!(super::occupied(&dangling) && !dangling.exists());
        assert!(write_atomically(&dangling, false, |w| w.write_all(b"x")).is_err());
        assert!(!nowhere.exists());
        // create_new_file does not follow one either.
        assert!(super::create_new_file(&dangling).is_err());
        assert!(!nowhere.exists());
    }
}
