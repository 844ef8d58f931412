//! Opening the files a user names (template, config, images, fonts, data cells that name
//! files): regular files only, read with a size bound, so that a FIFO, a device such as
//! `/dev/zero`, a directory or a huge file is a clear error instead of a hang or unbounded
//! memory.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Why a named input file cannot be used.
#[derive(Debug)]
pub enum InputError {
    /// It does not exist or cannot be opened or read.
    Io { path: PathBuf, source: io::Error },
    /// It is a FIFO, a device, a socket or a directory: reading it could block forever or
    /// never end.
    NotRegular { path: PathBuf, kind: &'static str },
    /// It is bigger than the limit for this kind of file.
    TooLarge {
        path: PathBuf,
        limit: u64,
        what: &'static str,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Io { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            InputError::NotRegular { path, kind } => write!(
                f,
                "{} is {kind}, not a regular file; give the path of an ordinary file",
                path.display()
            ),
            InputError::TooLarge { path, limit, what } => write!(
                f,
                "{} is larger than the {} limit for {what}; use a smaller file",
                path.display(),
                human_size(*limit)
            ),
        }
    }
}

impl std::error::Error for InputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InputError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// "64 MiB", "512 KiB", "300 bytes": a limit as a person reads it.
pub fn human_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    const GIB: u64 = 1024 * MIB;
    match bytes {
        b if b >= GIB && b % GIB == 0 => format!("{} GiB", b / GIB),
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

fn kind_of(file_type: std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return Some("a device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    if file_type.is_dir() {
        return Some("a folder");
    }
    if !file_type.is_file() {
        return Some("not an ordinary file");
    }
    None
}

/// Opens `path` for reading if it is a regular file (following symlinks, as a user expects
/// of an input). The type is checked before opening, because opening a FIFO blocks until a
/// writer comes, and again on the open file, in case the path changed in between.
pub fn open_regular(path: &Path) -> Result<File, InputError> {
    let io_err = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io_err)?;
    if let Some(kind) = kind_of(meta.file_type()) {
        return Err(InputError::NotRegular {
            path: path.to_path_buf(),
            kind,
        });
    }
    let file = File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if let Some(kind) = kind_of(meta.file_type()) {
        return Err(InputError::NotRegular {
            path: path.to_path_buf(),
            kind,
        });
    }
    Ok(file)
}

/// Reads a whole regular file of at most `limit` bytes. `what` names the kind of file in
/// the error ("a template", "an image"). The read itself stops at `limit + 1` bytes, so a
/// file that grows while it is read cannot take more memory than the limit.
pub fn read_bounded(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, InputError> {
    let file = open_regular(path)?;
    let too_large = || InputError::TooLarge {
        path: path.to_path_buf(),
        limit,
        what,
    };
    let len = file
        .metadata()
        .map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    if len > limit {
        return Err(too_large());
    }
    let mut buf = Vec::with_capacity(len as usize);
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|source| InputError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if buf.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(buf)
}

/// [`read_bounded`] for a text file: UTF-8 required (the error says so, with the path).
pub fn read_bounded_text(
    path: &Path,
    limit: u64,
    what: &'static str,
) -> Result<String, InputError> {
    let bytes = read_bounded(path, limit, what)?;
    String::from_utf8(bytes).map_err(|e| InputError::Io {
        path: path.to_path_buf(),
        source: io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::{read_bounded, read_bounded_text, InputError};

    #[test]
    fn a_device_is_refused_without_reading() {
        let err = read_bounded(std::path::Path::new("/dev/zero"), 1024, "a config file")
            .expect_err("device");
        assert!(matches!(err, InputError::NotRegular { .. }), "{err}");
        assert!(err.to_string().contains("a device"), "{err}");
    }

    #[test]
    fn a_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_bounded(dir.path(), 1024, "an image").expect_err("dir");
        assert!(err.to_string().contains("a folder"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let err = read_bounded(&fifo, 1024, "an image").expect_err("fifo");
        assert!(err.to_string().contains("FIFO"), "{err}");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_and_one_at_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![b'a'; 2048]).unwrap();
        let err = read_bounded(&p, 2047, "a template").expect_err("too large");
        assert!(
            err.to_string().contains("2047 bytes limit for a template"),
            "{err}"
        );
        assert_eq!(read_bounded(&p, 2048, "a template").unwrap().len(), 2048);
    }

    #[test]
    fn text_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.md");
        std::fs::write(&p, b"ok \xff").unwrap();
        let err = read_bounded_text(&p, 100, "a template").expect_err("latin-1");
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }
}
