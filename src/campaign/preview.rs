//! What the preview outputs share: the folder preview owns, the print run a PDF preview
//! is, and opening a campaign for a preview.

use super::open::Opened;
use crate::config::{PdfConfig, PreviewConfig};
use crate::exit_codes::ExitCode;
use crate::output::{create_new_file, occupied};
use crate::report::Reporter;
use std::io::Write;
use std::path::Path;

/// The file that marks a folder as preview's own. Preview replaces files without asking
/// (each preview supersedes the last), so it writes only into a folder it made (or found
/// empty) and marked: never over real letters that happen to be in `--out`.
pub const PREVIEW_MARKER: &str = ".lettermerge-preview";

/// Makes `dir` preview's own before anything is written into it: a missing folder is created
/// and marked, an empty one is marked, a marked one is reused; any other folder is refused
/// (a usage error naming the folder and one of the files in it).
pub fn claim_folder(dir: &Path, flag: &str) -> Result<(), String> {
    let marker = dir.join(PREVIEW_MARKER);
    if occupied(&marker) {
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    let mut entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the folder {}: {e}", dir.display()))?;
    if let Some(entry) = entries.next() {
        let name = entry
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .unwrap_or_default();
        return Err(format!(
            "{flag} {} already holds files that are not an earlier preview (such as {name:?}); \
             preview replaces the files in its folder, so it writes only into a new or empty \
             folder: choose one with {flag}",
            dir.display()
        ));
    }
    let mut file =
        create_new_file(&marker).map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    file.write_all(
        b"This folder holds previews written by lettermerge preview, which replaces them on \
          each run. Do not keep other files here.\n",
    )
    .map_err(|e| format!("cannot write {}: {e}", marker.display()))
}

/// The print run a PDF preview is: the selected rows only, the good ones written even when
/// others have problems, files of an earlier preview replaced.
pub fn pdf_config(cfg: &PreviewConfig, dir: &Path) -> PdfConfig {
    PdfConfig {
        input: cfg.input.clone(),
        select: cfg.select.clone(),
        out_dir: dir.to_path_buf(),
        combined: None,
        duplex: false,
        batch_only: false,
        skip_invalid: true,
        force: true,
        quiet: cfg.quiet,
        offices: cfg.offices.clone(),
        split: Default::default(),
        sort: None,
        pdf_a: false,
    }
}

/// Opens template, data and selection, with a note when the sender is a placeholder.
pub fn open(cfg: &PreviewConfig, reporter: &Reporter) -> Result<Opened, ExitCode> {
    let opened = super::open::open(
        &cfg.input,
        &cfg.select,
        cfg.from.as_deref(),
        &cfg.offices,
        reporter,
    )?;
    if cfg.from.is_none() && opened.template.has_recipient() {
        reporter.notice(
            "no [smtp] settings given (--config with an [smtp] table): a row without its own \
             `from` shows a placeholder sender; pass --config lettermerge.toml to see the real one",
        );
    }
    Ok(opened)
}
