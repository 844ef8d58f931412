//! Outputs never replace an input or each other: every file a run will write is resolved and
//! compared with every file it reads (data, template, config, ledger, images, fonts) and with
//! the run's other outputs, before the first byte is written.
//!
//! Two paths are the same file when they name the same directory entry once their folders
//! are resolved (symlinks, `..`, relative paths), or, for files that exist, when they are the
//! same file on disk (device and inode on Unix: hard links and symlinks to an input count).
//! A clash is a usage error whatever `--force` says: `--force` is consent to replace an
//! earlier run's output, never an input.

use crate::images::ImageStore;
use crate::style::FontSpec;
use std::collections::HashMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// What a path is resolved to for comparing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// The directory entry: the resolved folder and the file's own name.
    Path(PathBuf),
    /// The file on disk, for files that exist.
    #[cfg(unix)]
    Id { dev: u64, ino: u64 },
}

/// A file of the run, as the user named it.
#[derive(Debug, Clone)]
struct Named {
    what: String,
    path: PathBuf,
    input: bool,
}

/// An output that would replace an input or another output.
#[derive(Debug, Clone)]
pub struct Clash {
    output: Named,
    other: Named,
}

impl fmt::Display for Clash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (o, other) = (&self.output, &self.other);
        let same = if o.path == other.path {
            String::new()
        } else {
            format!(" {}", other.path.display())
        };
        if other.input {
            write!(
                f,
                "the {} {} is the {}{same}, which this run reads: writing it would destroy the {}; \
                 give the {} another name or folder",
                o.what,
                o.path.display(),
                other.what,
                other.what,
                o.what
            )
        } else {
            write!(
                f,
                "the {} {} is the same file as the {}{same}: one would replace the other; \
                 give the {} another name or folder",
                o.what,
                o.path.display(),
                other.what,
                o.what
            )
        }
    }
}

impl std::error::Error for Clash {}

/// The inputs and outputs of one run, compared as they are added.
#[derive(Debug, Default)]
pub struct RunFiles {
    seen: HashMap<Key, Named>,
    /// Each input's resolved entry, for outputs known by their form only.
    inputs: Vec<(PathBuf, Named)>,
}

impl RunFiles {
    pub fn new() -> RunFiles {
        RunFiles::default()
    }

    /// The inputs every rendering run has: the data file, the template, the config file
    /// (when given) and the template's own font files.
    pub fn for_run(
        data: &Path,
        template: &Path,
        config: Option<&Path>,
        fonts: &FontSpec,
    ) -> RunFiles {
        let mut files = RunFiles::new();
        files.input("data file", data);
        files.input("template", template);
        if let Some(config) = config {
            files.input("config file", config);
        }
        for font in [
            &fonts.regular,
            &fonts.bold,
            &fonts.italic,
            &fonts.bold_italic,
        ]
        .into_iter()
        .flatten()
        {
            files.input("font", font);
        }
        files
    }

    /// Every image the run has loaded so far.
    pub fn images(&mut self, images: &ImageStore) {
        for path in images.paths() {
            self.input("image", &path);
        }
    }

    /// Outputs named by a rule rather than listed (one `.eml` file per row): fails if an
    /// input sits in `dir` under a name the rule would give an output.
    pub fn outputs_named_in(
        &self,
        dir: &Path,
        what: &str,
        rule: impl Fn(&str) -> bool,
    ) -> Result<(), Clash> {
        let dir = resolve_dir(&absolute(dir));
        for (entry, named) in &self.inputs {
            let name = entry.file_name().map(|n| n.to_string_lossy());
            if entry.parent() == Some(dir.as_path()) && name.is_some_and(|n| rule(&n)) {
                return Err(Clash {
                    output: Named {
                        what: what.to_string(),
                        path: entry.clone(),
                        input: false,
                    },
                    other: named.clone(),
                });
            }
        }
        Ok(())
    }

    /// A file the run reads (`what`: "data file", "template", ...). Missing files are fine:
    /// a ledger's `-wal` that does not exist yet must still never be written over.
    pub fn input(&mut self, what: &str, path: &Path) {
        let named = Named {
            what: what.to_string(),
            path: path.to_path_buf(),
            input: true,
        };
        let mut keys = keys_of(path);
        if let Some(Key::Path(entry)) = keys.first() {
            self.inputs.push((entry.clone(), named.clone()));
        }
        // The file the entry leads to, too: an output named like the target of an input's
        // symlink replaces what is read.
        if let Ok(canonical) = path.canonicalize() {
            keys.push(Key::Path(canonical));
        }
        for key in keys {
            self.seen.entry(key).or_insert_with(|| named.clone());
        }
    }

    /// A file the run will write. Fails if it is an input or an output already added.
    pub fn output(&mut self, what: &str, path: &Path) -> Result<(), Clash> {
        let named = Named {
            what: what.to_string(),
            path: path.to_path_buf(),
            input: false,
        };
        let keys = keys_of(path);
        if let Some(other) = keys.iter().find_map(|k| self.seen.get(k)) {
            return Err(Clash {
                output: named,
                other: other.clone(),
            });
        }
        for key in keys {
            self.seen.insert(key, named.clone());
        }
        Ok(())
    }
}

/// The entry's resolved path and, when it exists, the file's identity (following a symlink:
/// a symlink to an input leads to the input).
fn keys_of(path: &Path) -> Vec<Key> {
    let mut keys = vec![Key::Path(resolve_entry(path))];
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(meta) = std::fs::metadata(path) {
            keys.push(Key::Id {
                dev: meta.dev(),
                ino: meta.ino(),
            });
        }
    }
    keys
}

/// `path` as an absolute directory entry: its folder resolved through the file system as
/// far as it exists (symlinks followed, `..` applied after them, as the kernel does), the
/// rest applied as written, and the last name kept as it is (not followed: writing replaces
/// the entry).
pub fn resolve_entry(path: &Path) -> PathBuf {
    let absolute = absolute(path);
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => resolve_dir(parent).join(name),
        _ => resolve_dir(&absolute),
    }
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

/// A folder resolved: the longest part that exists canonicalised, the rest lexically.
fn resolve_dir(dir: &Path) -> PathBuf {
    let mut existing = dir.to_path_buf();
    // The components past the existing part, last first.
    let mut rest: Vec<Option<std::ffi::OsString>> = Vec::new();
    loop {
        if let Ok(mut out) = existing.canonicalize() {
            for component in rest.iter().rev() {
                match component {
                    Some(name) => out.push(name),
                    None => {
                        out.pop();
                    }
                }
            }
            return out;
        }
        match existing.components().next_back() {
            Some(Component::Normal(name)) => rest.push(Some(name.to_os_string())),
            Some(Component::ParentDir) => rest.push(None),
            Some(Component::CurDir) => {}
            // The root or a prefix always exists; reaching it means nothing resolves.
            _ => return dir.to_path_buf(),
        }
        if !existing.pop() {
            return dir.to_path_buf();
        }
    }
}

/// The files a ledger is made of: the database and SQLite's journal, WAL and shared-memory
/// files beside it, and the run lock. None of them may be an output.
pub fn ledger_files(ledger: &Path) -> Vec<(&'static str, PathBuf)> {
    let mut files = vec![("ledger", ledger.to_path_buf())];
    for (what, suffix) in [
        ("ledger's write-ahead log", "-wal"),
        ("ledger's shared-memory file", "-shm"),
        ("ledger's journal", "-journal"),
        ("ledger's lock file", ".lock"),
    ] {
        let mut name = ledger.as_os_str().to_owned();
        name.push(suffix);
        files.push((what, PathBuf::from(name)));
    }
    files
}

/// The name of the `.eml` file `preview --format eml --out` and `send --dry-run DIR` write
/// for a row: `row-00002.eml`.
pub fn eml_name(row: u64) -> String {
    format!("row-{row:05}.eml")
}

/// Whether `name` is one [`eml_name`] gives.
pub fn is_eml_name(name: &str) -> bool {
    name.strip_prefix("row-")
        .and_then(|n| n.strip_suffix(".eml"))
        .is_some_and(|n| n.len() >= 5 && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::{resolve_entry, RunFiles};

    #[test]
    fn an_output_on_an_input_is_a_clash_however_it_is_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.csv");
        std::fs::write(&data, "a\n").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let mut files = RunFiles::new();
        files.input("data file", &data);
        for spelling in [
            data.clone(),
            dir.path().join("sub/../data.csv"),
            dir.path().join("./data.csv"),
        ] {
            let err = files.output("review page", &spelling).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.contains("is the data file") && msg.contains("another name or folder"),
                "{msg}"
            );
        }
        files
            .output("review page", &dir.path().join("review.html"))
            .unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn hard_links_and_symlinks_to_an_input_clash() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("l.sqlite");
        std::fs::write(&ledger, "x").unwrap();
        std::fs::hard_link(&ledger, dir.path().join("hard")).unwrap();
        std::os::unix::fs::symlink(&ledger, dir.path().join("soft")).unwrap();
        let linked_dir = dir.path().join("linked");
        std::os::unix::fs::symlink(dir.path(), &linked_dir).unwrap();
        let mut files = RunFiles::new();
        files.input("ledger", &ledger);
        for out in ["hard", "soft", "linked/l.sqlite"] {
            assert!(
                files.output("failures CSV", &dir.path().join(out)).is_err(),
                "{out}"
            );
        }
    }

    #[test]
    fn outputs_clash_with_each_other_and_missing_folders_resolve() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = RunFiles::new();
        files
            .output("manifest", &dir.path().join("new/out/manifest.csv"))
            .unwrap();
        let err = files
            .output("print batch", &dir.path().join("new/x/../out/manifest.csv"))
            .unwrap_err();
        assert!(
            err.to_string().contains("is the same file as the manifest"),
            "{err}"
        );
        assert_eq!(
            resolve_entry(&dir.path().join("a/./b/../c")),
            dir.path().canonicalize().unwrap().join("a/c")
        );
    }
}
