//! Files attached per row (the front matter's `attachments:`): splitting a row's rendered
//! value into paths, checking each file (a regular file inside the allowed folders, under the
//! size limits) in the check pass, and reading it again, bounded and re-checked, when the
//! message is built. Knows nothing of MIME: the email end encodes what this module hands it.

use crate::input_file::{human_size, read_bounded, InputError};
use crate::problem::Problem;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// The front-matter key whose per-row value names the files.
pub const KEY: &str = "attachments";
/// The front-matter key naming the folders attachments must be inside.
pub const FOLDERS_KEY: &str = "attachment_folders";

/// The largest file that may be attached: 10 MiB is a long report with pictures, and it
/// leaves room for a second file under [`MAX_ATTACHMENTS_TOTAL_BYTES`]. Bigger files belong
/// on a web page the letter links to.
pub const MAX_ATTACHMENT_BYTES: u64 = 10 << 20;
/// The most all of a message's attachments may add up to: 18 MiB becomes about 24 MiB
/// once base64 encodes it (4/3), near the 25 MB large providers take; past it a whole
/// campaign would bounce. A relay that takes less says so in its SIZE, checked per message.
pub const MAX_ATTACHMENTS_TOTAL_BYTES: u64 = 18 << 20;
/// The most files one message may carry: a letter comes with a few enclosures; twenty is
/// generous, and it keeps a column with a runaway list (a folder listing pasted in) from
/// building a message nobody wants.
pub const MAX_ATTACHMENTS: usize = 20;
/// The longest path a row may name (Linux's PATH_MAX): anything longer is not a path.
pub const MAX_PATH_BYTES: usize = 4096;

/// Where a row's attachments may come from, the same for every row of a run.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Relative paths are relative to this folder (the template's); empty means the working
    /// directory.
    pub base: PathBuf,
    /// The folders files must be inside, canonical (symlinks resolved). Empty: `base` only.
    pub allowed: Vec<PathBuf>,
    /// Set by a send run: each file's size and time of change as first checked, so a file
    /// that changes between the check pass and the send is refused instead of sent changed.
    pub seen: Option<Arc<Mutex<HashMap<PathBuf, Stamp>>>>,
}

/// A file's size and last change, as checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub size: u64,
    pub modified: Option<SystemTime>,
}

impl Rules {
    /// Rules for a send run: as `self`, remembering what every file looked like when checked.
    pub fn remembering(mut self) -> Rules {
        self.seen = Some(Arc::default());
        self
    }

    fn allowed_folders(&self) -> Vec<PathBuf> {
        if !self.allowed.is_empty() {
            return self.allowed.clone();
        }
        let base = if self.base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.base
        };
        base.canonicalize().into_iter().collect()
    }
}

/// One checked file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// The path as the row gave it, for messages.
    pub given: String,
    /// Where it is, symlinks resolved.
    pub path: PathBuf,
    /// The name the recipient sees (the last part of the given path).
    pub name: String,
    pub size: u64,
}

impl File {
    /// The MIME type its name says.
    pub fn content_type(&self) -> &'static str {
        content_type(&self.name)
    }
}

/// The paths in a row's rendered value: split at `;` and line breaks, each trimmed, blanks
/// dropped (so a cell "report.pdf; invite.pdf" names two files).
pub fn split(rendered: &str) -> Vec<String> {
    rendered
        .split([';', '\n', '\r'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// MIME types by file extension (lower case); anything else is `application/octet-stream`.
const TYPES: [(&str, &str); 28] = [
    ("pdf", "application/pdf"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("ppt", "application/vnd.ms-powerpoint"),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("odp", "application/vnd.oasis.opendocument.presentation"),
    ("rtf", "application/rtf"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("svg", "image/svg+xml"),
    ("tif", "image/tiff"),
    ("tiff", "image/tiff"),
    ("txt", "text/plain"),
    ("csv", "text/csv"),
    ("htm", "text/html"),
    ("html", "text/html"),
    ("ics", "text/calendar"),
    ("vcf", "text/vcard"),
    ("zip", "application/zip"),
    ("json", "application/json"),
    ("xml", "application/xml"),
];

/// The MIME type for a file name, by its extension.
pub fn content_type(name: &str) -> &'static str {
    let ext = match name.rsplit_once('.') {
        Some((_, ext)) => ext.to_ascii_lowercase(),
        None => return "application/octet-stream",
    };
    TYPES
        .iter()
        .find(|(e, _)| *e == ext)
        .map_or("application/octet-stream", |(_, t)| t)
}

/// "report.pdf (120 KiB), invite.pdf (3 KiB)": the list a preview shows.
pub fn describe(files: &[File]) -> String {
    files
        .iter()
        .map(|f| format!("{} ({})", f.name, size_text(f.size)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A size rounded as a person reads it: "300 bytes", "12.5 KiB", "3.2 MiB".
pub fn size_text(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{:.1} MiB", b / (KIB * KIB))
    }
}

/// Checks every file a row names; every problem of the row at once, each naming the row, the
/// file and the front-matter key, and saying what to do.
pub fn check(given: &[String], rules: &Rules, row: u64) -> Result<Vec<File>, Vec<Problem>> {
    let mut files = Vec::with_capacity(given.len());
    let mut problems = Vec::new();
    if given.len() > MAX_ATTACHMENTS {
        problems.push(
            Problem::error(format!(
                "`{KEY}` names {} files, more than the {MAX_ATTACHMENTS} one message may carry",
                given.len()
            ))
            .at_row(row)
            .with_hint("attach fewer files (put them in one .zip, or link to them from the letter)")
            .grouped_as(format!(
                "`{KEY}` names more than the {MAX_ATTACHMENTS} files one message may carry"
            )),
        );
        return Err(problems);
    }
    let allowed = rules.allowed_folders();
    for path in given {
        match check_one(path, rules, &allowed, row) {
            Ok(file) => files.push(file),
            Err(p) => problems.push(p),
        }
    }
    let total: u64 = files.iter().map(|f| f.size).sum();
    if total > MAX_ATTACHMENTS_TOTAL_BYTES {
        problems.push(
            Problem::error(format!(
                "the files `{KEY}` names add up to {}, more than the {} one message may carry",
                size_text(total),
                human_size(MAX_ATTACHMENTS_TOTAL_BYTES)
            ))
            .at_row(row)
            .with_hint(
                "attach fewer or smaller files (mail servers refuse messages past about 20-25 MB \
                 once encoded), or link to them from the letter",
            )
            .grouped_as(format!(
                "the attachments add up to more than {}",
                human_size(MAX_ATTACHMENTS_TOTAL_BYTES)
            )),
        );
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(problems)
    }
}

fn check_one(given: &str, rules: &Rules, allowed: &[PathBuf], row: u64) -> Result<File, Problem> {
    let shown: String = given.chars().take(200).collect();
    let problem = |message: String, hint: String, group: &str| {
        Problem::error(message)
            .at_row(row)
            .with_hint(hint)
            .grouped_as(group.to_string())
    };
    if given.len() > MAX_PATH_BYTES || given.chars().any(char::is_control) {
        return Err(problem(
            format!("`{KEY}` names `{shown}`, which is not a file path"),
            "give one path per file, separated by `;` or line breaks".into(),
            "an attachment path is not a file path",
        ));
    }
    let full = if Path::new(given).is_absolute() || rules.base.as_os_str().is_empty() {
        PathBuf::from(given)
    } else {
        rules.base.join(given)
    };
    let folder_text = || {
        allowed
            .iter()
            .map(|a| a.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let meta = match std::fs::metadata(&full) {
        Ok(meta) => meta,
        Err(_) if was_seen(rules, &full) => {
            return Err(Problem::error(format!(
                "the attachment `{shown}` (from `{KEY}`) was removed after it was checked, so \
                 this message was not sent without it"
            ))
            .at_row(row)
            .with_hint("leave the attachment files alone while a run sends them, then run again")
            .grouped_as(CHANGED));
        }
        Err(e) => {
            let what = if e.kind() == std::io::ErrorKind::NotFound {
                "was not found".to_string()
            } else {
                format!("cannot be read ({e})")
            };
            return Err(problem(
                format!(
                    "the attachment `{shown}` (from `{KEY}`) {what}: looked for {}",
                    absolute(&full).display()
                ),
                format!(
                    "check the file name in the data and that the file is there; relative paths \
                     are relative to the template's folder ({})",
                    display_dir(&rules.base)
                ),
                "an attachment file was not found",
            )
            .with_group_hint(format!(
                "check the file names in the data and that the files are there (relative to the \
                 template's folder, {}); `check --all` lists each row's file",
                display_dir(&rules.base)
            )));
        }
    };
    let canonical = full.canonicalize().map_err(|e| {
        problem(
            format!("the attachment `{shown}` (from `{KEY}`) cannot be read ({e})"),
            "check that the file is there and readable".into(),
            "an attachment file cannot be read",
        )
    })?;
    if !allowed.iter().any(|a| canonical.starts_with(a)) {
        return Err(problem(
            format!(
                "the attachment `{shown}` (from `{KEY}`) is outside the folders attachments may \
                 come from ({}){}",
                folder_text(),
                if canonical != absolute(&full) {
                    format!("; it leads to {}", canonical.display())
                } else {
                    String::new()
                }
            ),
            format!(
                "move the file into the template's folder, or name its folder in the template's \
                 `{FOLDERS_KEY}:` list"
            ),
            "an attachment is outside the allowed folders",
        ));
    }
    if is_hidden_inside(&canonical, allowed) {
        return Err(problem(
            format!(
                "the attachment `{shown}` (from `{KEY}`) is a hidden file or inside a hidden \
                 folder (`{}`)",
                canonical.display()
            ),
            "hidden files (names starting with `.`, like `.env` or `.git`) often hold \
             passwords and are never attached; give the file a name without the dot"
                .into(),
            "an attachment is a hidden file",
        ));
    }
    if !meta.is_file() {
        return Err(problem(
            format!(
                "the attachment `{shown}` (from `{KEY}`) is not an ordinary file (it is a \
                 folder, a device or a pipe)"
            ),
            "give the path of a file".into(),
            "an attachment is not an ordinary file",
        ));
    }
    let size = meta.len();
    if size > MAX_ATTACHMENT_BYTES {
        return Err(problem(
            format!(
                "the attachment `{shown}` (from `{KEY}`) is {}, more than the {} a file may be",
                size_text(size),
                human_size(MAX_ATTACHMENT_BYTES)
            ),
            "make the file smaller (compress its pictures), or link to it from the letter".into(),
            "an attachment is too large",
        ));
    }
    if let Some(seen) = &rules.seen {
        let stamp = Stamp {
            size,
            modified: meta.modified().ok(),
        };
        // A poisoned lock only means another worker panicked; the map is still sound.
        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        match seen.get(&full) {
            Some(before) if *before != stamp => {
                return Err(changed(&shown, before.size, size, row));
            }
            Some(_) => {}
            None => {
                seen.insert(full.clone(), stamp);
            }
        }
    }
    let name = full
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.clone());
    Ok(File {
        given: given.to_string(),
        path: canonical,
        name,
        size,
    })
}

/// Whether a part of `path` below the allowed folder it is in starts with `.` (`.env`,
/// `.git/config`, `.ssh/id_rsa`): where secrets live, never what a letter encloses.
fn is_hidden_inside(path: &Path, allowed: &[PathBuf]) -> bool {
    allowed
        .iter()
        .filter_map(|a| path.strip_prefix(a).ok())
        .any(|rest| {
            rest.components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        })
}

/// Whether a send run saw this file in its check pass.
fn was_seen(rules: &Rules, full: &Path) -> bool {
    rules.seen.as_ref().is_some_and(|seen| {
        seen.lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(full)
    })
}

/// The group message of every problem that says a file changed or went away after the
/// check pass: the send engine fails that row alone instead of stopping the run.
pub const CHANGED: &str = "an attachment changed after it was checked";

/// Whether `problem` is one of this module's (every one names the `attachments` key), for a
/// review that counts problems by kind.
pub fn is_about_attachments(problem: &Problem) -> bool {
    problem.message.contains(&format!("`{KEY}`"))
}

/// Whether `problem` says an attachment changed or went away after the check pass.
pub fn is_changed(problem: &Problem) -> bool {
    problem.group_message() == CHANGED
}

fn changed(shown: &str, before: u64, now: u64, row: u64) -> Problem {
    Problem::error(format!(
        "the attachment `{shown}` (from `{KEY}`) changed after it was checked (it was {}, it is \
         {} now), so this message was not sent with a different file",
        size_text(before),
        size_text(now)
    ))
    .at_row(row)
    .with_hint("leave the attachment files alone while a run sends them, then run again")
    .grouped_as(CHANGED)
}

/// Reads a checked file for sending, bounded by [`MAX_ATTACHMENT_BYTES`]; a file that is
/// gone or no longer the size it was checked at is refused.
pub fn read(file: &File, row: u64) -> Result<Vec<u8>, Problem> {
    let bytes = read_bounded(&file.path, MAX_ATTACHMENT_BYTES, "an attachment").map_err(|e| {
        let why = match &e {
            InputError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                "was removed after it was checked".to_string()
            }
            other => format!("cannot be read: {other}"),
        };
        Problem::error(format!(
            "the attachment `{}` (from `{KEY}`) {why}; the message was not sent",
            file.given
        ))
        .at_row(row)
        .with_hint("leave the attachment files alone while a run sends them, then run again")
        .grouped_as(CHANGED)
    })?;
    if bytes.len() as u64 != file.size {
        return Err(changed(&file.given, file.size, bytes.len() as u64, row));
    }
    Ok(bytes)
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The folder as an absolute path: "." says little in a message.
fn display_dir(dir: &Path) -> String {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    absolute(dir).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::{check, content_type, read, size_text, split, Rules};

    fn rules(dir: &std::path::Path) -> Rules {
        Rules {
            base: dir.to_path_buf(),
            allowed: vec![dir.canonicalize().unwrap()],
            seen: None,
        }
    }

    #[test]
    fn a_file_that_changes_after_the_check_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.pdf"), b"first").unwrap();
        let rules = rules(dir.path()).remembering();
        let given = vec!["r.pdf".to_string()];
        let files = check(&given, &rules, 2).unwrap();
        assert_eq!(files[0].size, 5);
        assert_eq!(read(&files[0], 2).unwrap(), b"first");
        // The same file checked again (the send pass) is fine while it is unchanged...
        assert!(check(&given, &rules, 3).is_ok());
        std::fs::write(dir.path().join("r.pdf"), b"second version").unwrap();
        // ...and refused once it changed, as is reading it at its checked size.
        let e = check(&given, &rules, 3).unwrap_err();
        assert!(
            e[0].message.contains("changed after it was checked"),
            "{e:?}"
        );
        let e = read(&files[0], 2).unwrap_err();
        assert!(e.message.contains("changed after it was checked"), "{e:?}");
        std::fs::remove_file(dir.path().join("r.pdf")).unwrap();
        let e = read(&files[0], 2).unwrap_err();
        assert!(
            e.message.contains("was removed after it was checked"),
            "{e:?}"
        );
    }

    #[test]
    fn without_memory_a_changed_file_is_just_checked_again() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.pdf"), b"first").unwrap();
        let rules = rules(dir.path());
        let given = vec!["r.pdf".to_string()];
        assert!(check(&given, &rules, 2).is_ok());
        std::fs::write(dir.path().join("r.pdf"), b"second version").unwrap();
        assert_eq!(check(&given, &rules, 2).unwrap()[0].size, 14);
    }

    #[test]
    fn a_value_splits_at_semicolons_and_lines() {
        assert_eq!(
            split(" report.pdf; invite.pdf\n\n;x y.docx \r\n"),
            ["report.pdf", "invite.pdf", "x y.docx"]
        );
        assert!(split(" ; \n").is_empty());
    }

    #[test]
    fn types_come_from_the_extension() {
        assert_eq!(content_type("Report.PDF"), "application/pdf");
        assert_eq!(content_type("a.jpeg"), "image/jpeg");
        assert_eq!(content_type("invite.ics"), "text/calendar");
        assert_eq!(content_type("noext"), "application/octet-stream");
        assert_eq!(content_type("x.unknown"), "application/octet-stream");
    }

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(size_text(300), "300 bytes");
        assert_eq!(size_text(1536), "1.5 KiB");
        assert_eq!(size_text(3 << 20), "3.0 MiB");
    }
}
