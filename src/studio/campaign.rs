//! The campaign folder as the studio sees it: its files (the template, the chosen data file
//! and sheet, the config), the [`Input`] the command line would build from them, and the
//! data opened once with the config's field matching and kept in memory while no file
//! changes, so that paging, filtering and previewing a row never re-read a large list.

use super::Studio;
use crate::config::Input;
use crate::output::write_atomically;
use crate::records::{DataOptions, DataSource, Record};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// The letter template `init` writes; the studio edits this one.
pub(crate) const TEMPLATE_FILE: &str = "welcome.md";

/// The campaign's config: `[smtp]`, `[offices]`, `[columns]`, `[data]`.
pub(crate) const CONFIG_FILE: &str = "lettermerge.toml";

/// The small file beside the campaign that says which data file (and sheet) the studio shows.
pub(crate) const CHOICE_FILE: &str = "studio.toml";

/// The data file `init` writes, shown until another is chosen.
pub(crate) const DEFAULT_DATA: &str = "officials.csv";

/// The rows kept in memory for the screens. The data reader streams any size; the studio
/// holds the rows to page, filter and preview them, and 200,000 rows of officials (25 times
/// every state legislator in the country) is well under 1 GiB. A larger file is refused
/// with what to do instead.
pub(crate) const MAX_STUDIO_ROWS: usize = 200_000;

/// The files of the campaign, as the command line would be given them.
pub(crate) struct Files {
    pub template: PathBuf,
    /// The data file's name in the folder (a plain name, see [`is_plain_name`]).
    pub data_name: String,
    pub data: PathBuf,
    /// The worksheet of a workbook (`None`: the first visible one).
    pub sheet: Option<String>,
    pub config: PathBuf,
}

impl Files {
    /// The command line that does on these files what the studio does: shown on the screens
    /// so a user can see (and later type) the equivalent.
    pub fn command(&self, verb: &str) -> String {
        let mut line = format!(
            "lettermerge {verb} --template {TEMPLATE_FILE} --data {}",
            shell_word(&self.data_name)
        );
        if let Some(sheet) = &self.sheet {
            line.push_str(&format!(" --sheet {}", shell_word(sheet)));
        }
        line.push_str(&format!(" --config {CONFIG_FILE}"));
        line
    }
}

/// A word quoted for a POSIX shell when it needs it.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.,/+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The data and sheet chosen in `studio.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Choice {
    pub data: String,
    pub sheet: Option<String>,
}

/// The choice in `studio.toml`, or `officials.csv`. A data name that is not a plain file name
/// in the folder (edited by hand into `../x`) is ignored.
pub(crate) fn chosen(dir: &Path) -> Choice {
    let table = std::fs::read_to_string(dir.join(CHOICE_FILE))
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .unwrap_or_default();
    let data = table
        .get("data")
        .and_then(|v| v.as_str())
        .filter(|name| is_plain_name(name))
        .unwrap_or(DEFAULT_DATA)
        .to_string();
    let sheet = table
        .get("sheet")
        .and_then(|v| v.as_str())
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string);
    Choice { data, sheet }
}

pub(crate) fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && Path::new(name).file_name().and_then(|n| n.to_str()) == Some(name)
}

/// Writes the choice atomically.
pub(crate) fn save_choice(dir: &Path, choice: &Choice) -> std::io::Result<()> {
    let mut text = format!(
        "# Written by `lettermerge studio`: the data file the studio shows. Safe to edit.\ndata = {}\n",
        toml::Value::String(choice.data.clone())
    );
    if let Some(sheet) = &choice.sheet {
        text.push_str(&format!("sheet = {}\n", toml::Value::String(sheet.clone())));
    }
    write_atomically(&dir.join(CHOICE_FILE), true, |f| {
        f.write_all(text.as_bytes())
    })
}

/// The chosen data file read into memory, with what the screens show about it.
pub(crate) struct Loaded {
    pub name: String,
    /// Opened with the config's field matching, without its exclusions (the Data screen
    /// shows the excluded rows too, unticked).
    pub source: DataSource,
    /// Every row the reader yields, in file order.
    pub records: Vec<Record>,
    /// Rows the reader refused (a ragged row, an Excel error cell), as messages.
    pub problems: Vec<String>,
    /// The config's excluded rows, when they are rows of this file.
    pub excluded: BTreeSet<u64>,
    /// Why the config's exclusions are not shown as such (they are of another file).
    pub excluded_elsewhere: Option<String>,
    stamp: Stamp,
}

impl Loaded {
    /// The record of a data row, by its row number.
    pub fn record(&self, row: u64) -> Option<&Record> {
        self.records
            .binary_search_by_key(&row, |r| r.row)
            .ok()
            .map(|i| &self.records[i])
    }
}

/// What the cache is valid for: the files it was read from, as they were.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    choice: Choice,
    data: Option<(SystemTime, u64)>,
    config: Option<(SystemTime, u64)>,
}

fn file_stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// The last data read, reused while its stamp holds.
#[derive(Default)]
pub(crate) struct Cache(Mutex<Option<Arc<Loaded>>>);

impl Studio {
    pub(crate) fn files(&self) -> Files {
        let choice = chosen(&self.dir);
        Files {
            template: self.dir.join(TEMPLATE_FILE),
            data: self.dir.join(&choice.data),
            data_name: choice.data,
            sheet: choice.sheet,
            config: self.dir.join(CONFIG_FILE),
        }
    }

    /// The input the command line builds from [`Files::command`]: the config's `[columns]`
    /// and `[data]` applied (its exclusions included).
    pub(crate) fn input(&self) -> Result<Input, String> {
        let files = self.files();
        let config = crate::output::occupied(&files.config).then_some(files.config.as_path());
        Input::campaign(&files.template, &files.data, files.sheet.as_deref(), config)
            .map_err(|e| e.0)
    }

    /// The chosen data, read (or reused from the last read when no file changed). Blocking:
    /// call it from `spawn_blocking`.
    pub(crate) fn loaded(&self) -> Result<Arc<Loaded>, String> {
        let files = self.files();
        let stamp = Stamp {
            choice: Choice {
                data: files.data_name.clone(),
                sheet: files.sheet.clone(),
            },
            data: file_stamp(&files.data),
            config: file_stamp(&files.config),
        };
        let mut cache = self.cache.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = cache.as_ref().filter(|l| l.stamp == stamp) {
            return Ok(Arc::clone(hit));
        }
        *cache = None;
        let input = self.input()?;
        let loaded = Arc::new(load(&files, input.data_options, stamp)?);
        *cache = Some(Arc::clone(&loaded));
        Ok(loaded)
    }

    /// Forgets the data read, so the next [`Studio::loaded`] reads the files again (after
    /// the studio itself wrote one within the file system's timestamp resolution).
    pub(crate) fn forget(&self) {
        *self.cache.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

fn load(files: &Files, mut options: DataOptions, stamp: Stamp) -> Result<Loaded, String> {
    let exclusions = options.exclude.take();
    let source = DataSource::open(&files.data, &options).map_err(|e| e.to_string())?;
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for item in source.records().map_err(|e| e.to_string())? {
        match item {
            Ok(record) => {
                if records.len() == MAX_STUDIO_ROWS {
                    return Err(format!(
                        "{} has more than {MAX_STUDIO_ROWS} rows, more than the studio shows; split the list, or use the command line (`{}`), which streams any size",
                        files.data_name,
                        files.command("check")
                    ));
                }
                records.push(record);
            }
            Err(problem) => problems.push(problem.to_string()),
        }
    }
    let (excluded, excluded_elsewhere) = match exclusions {
        Some(ex) if ex.file == files.data_name => (ex.rows, None),
        Some(ex) if !ex.rows.is_empty() => (
            BTreeSet::new(),
            Some(format!(
                "{} leaves out rows of {}, not of {}: the command line refuses this file until they are cleared (they are replaced when you untick a row here)",
                ex.origin, ex.file, files.data_name
            )),
        ),
        _ => (BTreeSet::new(), None),
    };
    Ok(Loaded {
        name: files.data_name.clone(),
        source,
        records,
        problems,
        excluded,
        excluded_elsewhere,
        stamp,
    })
}

#[cfg(test)]
mod tests {
    use super::{chosen, save_choice, shell_word, Choice};

    #[test]
    fn the_choice_is_saved_and_a_path_in_it_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(chosen(dir.path()).data, "officials.csv");
        let choice = Choice {
            data: "my \"list\".xlsx".to_string(),
            sheet: Some("Council".to_string()),
        };
        save_choice(dir.path(), &choice).unwrap();
        assert_eq!(chosen(dir.path()), choice);
        std::fs::write(dir.path().join("studio.toml"), "data = \"../x.csv\"\n").unwrap();
        assert_eq!(chosen(dir.path()).data, "officials.csv");
    }

    #[test]
    fn file_names_are_quoted_for_the_shell() {
        assert_eq!(shell_word("officials.csv"), "officials.csv");
        assert_eq!(shell_word("parish council.csv"), "'parish council.csv'");
        assert_eq!(shell_word("O'Brien.csv"), r"'O'\''Brien.csv'");
    }
}
