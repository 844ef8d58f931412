//! Output files: safe file names built from data, collision-free naming, and atomic writes
//! (a temp file in the same folder, renamed into place).

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The longest file stem we produce, in bytes; well under every file system's limit.
const MAX_STEM_BYTES: usize = 120;

/// Turns a rendered `filename` value into a safe file stem: no path separators, no control
/// characters, no characters Windows forbids, no leading dots (no hidden files, no `..`), no
/// trailing dots or spaces, no reserved device names, bounded length. Never empty.
pub fn sanitize_stem(raw: &str, row: u64) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut last_space = true;
    for c in raw.chars() {
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
    truncate_at_char(&mut stem, MAX_STEM_BYTES);
    let stem = stem.trim_end_matches(['.', ' ']).to_string();
    if stem.is_empty() {
        return format!("row-{row}");
    }
    let base = stem.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (base.len() == 4
            && (base.starts_with("COM") || base.starts_with("LPT"))
            && base.as_bytes()[3].is_ascii_digit());
    if reserved {
        format!("_{stem}")
    } else {
        stem
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
/// to case, because macOS and Windows file systems do not distinguish them.
#[derive(Default)]
pub struct NameAllocator {
    taken: HashSet<String>,
}

impl NameAllocator {
    /// Reserves a name that is never handed out (e.g. the manifest).
    pub fn reserve(&mut self, file_name: &str) {
        self.taken.insert(file_name.to_lowercase());
    }

    /// Returns `stem.ext`, or `stem-2.ext`, `stem-3.ext`, ... if taken.
    pub fn allocate(&mut self, stem: &str, ext: &str) -> String {
        let mut n = 1u32;
        loop {
            let name = if n == 1 {
                format!("{stem}.{ext}")
            } else {
                format!("{stem}-{n}.{ext}")
            };
            if self.taken.insert(name.to_lowercase()) {
                return name;
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

#[cfg(test)]
mod tests {
    use super::{sanitize_stem, write_atomically, NameAllocator};
    use std::io::Write;

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
    fn duplicates_get_numbered_case_insensitively() {
        let mut names = NameAllocator::default();
        names.reserve("manifest.csv");
        assert_eq!(names.allocate("Doe-Jane", "pdf"), "Doe-Jane.pdf");
        assert_eq!(names.allocate("doe-jane", "pdf"), "doe-jane-2.pdf");
        assert_eq!(names.allocate("Doe-Jane", "pdf"), "Doe-Jane-3.pdf");
        assert_eq!(names.allocate("manifest", "csv"), "manifest-2.csv");
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
}
