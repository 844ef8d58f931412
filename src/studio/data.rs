//! The Data screen: start a campaign in an empty folder, choose or upload the data file,
//! and see its rows in a paged table with the notices the command line prints.

use super::campaign::{self, is_plain_name, save_choice, Choice, Loaded, CHOICE_FILE};
use super::html::{self, escape};
use super::Studio;
use crate::markup::percent_encode;
use crate::output::{sanitize_stem, AtomicFile};
use crate::records::{SelectSpec, Selection};
use axum::extract::{Multipart, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The largest data file taken in an upload. The public officials' files are a few MiB (the
/// 7,453-row Open States extract is under 4 MiB); 64 MiB is room for any real list, yet
/// keeps a mistaken upload (a video, a disk image) from filling the campaign folder.
pub(crate) const MAX_UPLOAD_BYTES: u64 = 64 * 1024 * 1024;

/// Rows shown on one page of the table: fast to render, and a page still scrolls.
const ROWS_PER_PAGE: usize = 100;

/// The extensions the data reader takes (CSV and text, and the workbooks calamine reads).
const DATA_EXTENSIONS: [&str; 8] = ["csv", "tsv", "txt", "xlsx", "xlsm", "xlsb", "xls", "ods"];

/// A campaign is started once its config or its template is there; until then the studio
/// offers to write them (as `init` does).
pub(crate) fn is_started(dir: &Path) -> bool {
    [campaign::CONFIG_FILE, campaign::TEMPLATE_FILE]
        .iter()
        .any(|name| crate::output::occupied(&dir.join(name)))
}

/// The file name an upload is saved under: its last path component only, a safe stem (see
/// `sanitize_stem`) and one of the data extensions, so it lands in the campaign folder as a
/// plain file and can never be the template, the config or `studio.toml`.
pub(crate) fn upload_name(raw: &str) -> Result<String, String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let (stem, ext) = last.rsplit_once('.').unwrap_or((last, ""));
    let ext = ext.to_ascii_lowercase();
    if !DATA_EXTENSIONS.contains(&ext.as_str()) {
        return Err(format!(
            "{raw:?} is not a data file the studio reads; upload a CSV (.csv, .tsv, .txt) or a workbook (.xlsx, .xls, .ods)"
        ));
    }
    let mut stem = sanitize_stem(stem, 0);
    if stem == "row-0" {
        stem = "data".to_string();
    }
    Ok(format!("{stem}.{ext}"))
}

/// GET `/`: the start page for an empty folder, else the data table.
pub(crate) async fn page(
    State(studio): State<Arc<Studio>>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let page_no = params
        .iter()
        .find(|(k, _)| k == "page")
        .and_then(|(_, n)| n.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    // `where` has the meaning of the command line's --where: COLUMN=VALUE, the whole cell,
    // ignoring case and the spaces at its ends.
    let filter = params
        .iter()
        .find(|(k, _)| k == "where")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty());
    html::screen(studio, "Data", "Data", move |s| {
        if is_started(&s.dir) {
            data_screen(s, page_no, filter.as_deref())
        } else {
            start_screen(&s.dir)
        }
    })
    .await
}

fn start_screen(dir: &Path) -> String {
    format!(
        r#"<section class="card start">
<h1>Start a campaign here</h1>
<p>This folder has no campaign yet: <code>{dir}</code></p>
<p>The studio writes the same files as <code>lettermerge init</code>: the config (<code>lettermerge.toml</code>), the letter template (<code>welcome.md</code>) with its logo and signature, sample data (<code>officials.csv</code>) and a README. Then you replace the sample data with your own list.</p>
<form method="post" action="/start"><button class="primary" type="submit">Start a campaign here</button></form>
</section>"#,
        dir = escape(&dir.display().to_string())
    )
}

fn data_screen(studio: &Studio, page_no: usize, filter: Option<&str>) -> String {
    let dir = &studio.dir;
    let files = studio.files();
    let mut out = String::new();
    out.push_str(&format!(
        r#"<section class="card"><div class="card-head"><h1>Data</h1>{choose}</div>{upload}"#,
        choose = choose_form(dir, &files.data_name, files.sheet.as_deref()),
        upload = upload_form(),
    ));
    if !crate::output::occupied(&files.data) {
        out.push_str(&format!(
            r#"<p class="empty">No data file yet: <code>{}</code> is not in the campaign folder. Upload your list above.</p></section>"#,
            escape(&files.data_name)
        ));
        return out;
    }
    match studio.loaded() {
        Ok(loaded) => {
            out.push_str(&filter_form(filter));
            out.push_str(&table(&loaded, page_no, filter));
            out.push_str(&format!(
                r#"<p class="cli">On the command line: <code>{}</code></p>"#,
                escape(&files.command("check"))
            ));
        }
        Err(e) => out.push_str(&format!(r#"<p class="error">{}</p>"#, escape(&e))),
    }
    out.push_str("</section>");
    out
}

/// The data files already in the folder, by name.
fn data_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_plain_name(n) && upload_name(n).as_deref() == Ok(n.as_str()))
        .collect();
    names.sort();
    names
}

/// A picker of the data files already in the folder (when there is more than one), and of
/// the chosen workbook's sheets (when it has more than one).
fn choose_form(dir: &Path, chosen: &str, sheet: Option<&str>) -> String {
    let names = data_files(dir);
    let sheets = if crate::records::is_workbook(Path::new(chosen)) {
        crate::records::sheet_names(&dir.join(chosen)).unwrap_or_default()
    } else {
        Vec::new()
    };
    if names.len() < 2 && sheets.len() < 2 {
        return String::new();
    }
    let options = |list: &[String], selected: Option<&str>| -> String {
        list.iter()
            .map(|n| {
                let mark = if Some(n.as_str()) == selected {
                    " selected"
                } else {
                    ""
                };
                format!(r#"<option value="{0}"{mark}>{0}</option>"#, escape(n))
            })
            .collect()
    };
    let mut form = String::from(r#"<form class="choose" method="post" action="/choose">"#);
    if names.len() >= 2 {
        form.push_str(&format!(
            r#"<label>Data file <select name="name">{}</select></label>"#,
            options(&names, Some(chosen))
        ));
    } else {
        form.push_str(&format!(
            r#"<input type="hidden" name="name" value="{}">"#,
            escape(chosen)
        ));
    }
    if sheets.len() >= 2 {
        let current = sheet.or(sheets.first().map(String::as_str));
        form.push_str(&format!(
            r#"<label>Sheet <select name="sheet">{}</select></label>"#,
            options(&sheets, current)
        ));
    }
    form.push_str(r#"<button type="submit">Open</button></form>"#);
    form
}

fn upload_form() -> String {
    format!(
        r#"<form class="upload" method="post" action="/upload" enctype="multipart/form-data" data-max-bytes="{MAX_UPLOAD_BYTES}">
<label class="file">Upload a list <span class="hint">CSV or Excel, up to {mib} MiB</span>
<input type="file" name="file" accept=".csv,.tsv,.txt,.xlsx,.xlsm,.xlsb,.xls,.ods"></label>
<button type="submit" class="primary">Upload</button>
<p class="upload-error" role="alert" hidden></p>
</form>"#,
        mib = MAX_UPLOAD_BYTES / (1024 * 1024)
    )
}

fn describe(source: &crate::records::DataSource) -> String {
    if let Some(sheet) = source.sheet_name() {
        return format!("sheet “{}”", escape(sheet));
    }
    let delimiter = match source.delimiter() {
        b',' => "comma-separated".to_string(),
        b';' => "semicolon-separated".to_string(),
        b'\t' => "tab-separated".to_string(),
        d => format!("separated by “{}”", escape(&char::from(d).to_string())),
    };
    format!("{} · {delimiter}", escape(source.encoding_name()))
}

/// The filter box: the same `COLUMN=VALUE` as `--where` (a column by its header name, its
/// snake_case name or a standard field such as `represented_state`).
fn filter_form(filter: Option<&str>) -> String {
    let clear = if filter.is_some() {
        r#" <a class="clear" href="/">Show every row</a>"#
    } else {
        ""
    };
    format!(
        r#"<form class="filter" method="get" action="/"><label>Only rows where <input type="text" name="where" value="{value}" placeholder="state=CA" spellcheck="false"></label> <button type="submit">Filter</button>{clear}</form>"#,
        value = escape(filter.unwrap_or(""))
    )
}

/// The selection a filter box makes, or why it cannot be used.
fn selection(
    source: &crate::records::DataSource,
    filter: Option<&str>,
) -> Result<Selection, String> {
    let filters: Vec<String> = filter.map(str::to_string).into_iter().collect();
    SelectSpec::parse(None, &filters, None)
        .and_then(|spec| spec.resolve(source.headers()))
        .map_err(|e| e.0.replacen("--where ", "", 1))
}

fn table(loaded: &Loaded, page_no: usize, filter: Option<&str>) -> String {
    let source = &loaded.source;
    let headers = source.file_headers();
    let width = headers.names.len();
    let first = (page_no - 1) * ROWS_PER_PAGE;
    let selection = match selection(source, filter) {
        Ok(s) => s,
        Err(e) => {
            return format!(
                r#"<p class="error" role="alert">This filter cannot be used: {}. Write it as COLUMN=VALUE, e.g. state=CA.</p>"#,
                escape(&e)
            )
        }
    };
    let mut rows_html = String::new();
    let mut total = 0usize;
    for record in loaded.records.iter().filter(|r| selection.matches(r)) {
        if total >= first && total < first + ROWS_PER_PAGE {
            let out = loaded.excluded.contains(&record.row);
            rows_html.push_str(&format!(
                r#"<tr{class}><td class="pick"><input type="checkbox" name="include" value="{row}" aria-label="Include row {row}"{checked}></td><th scope="row">{row}</th>"#,
                class = if out { r#" class="excluded""# } else { "" },
                row = record.row,
                checked = if out { "" } else { " checked" },
            ));
            for cell in record.fields.iter().take(width) {
                rows_html.push_str(&format!("<td>{}</td>", escape(&shorten(cell))));
            }
            rows_html.push_str("</tr>\n");
        }
        total += 1;
    }

    let mut notices: Vec<&str> = source.notices().iter().map(String::as_str).collect();
    for n in source.fields().notices() {
        if !notices.contains(&n.as_str()) {
            notices.push(n);
        }
    }
    if let Some(n) = &loaded.excluded_elsewhere {
        notices.push(n);
    }
    let matching = match filter {
        Some(f) => format!(" matching <code>{}</code>", escape(f)),
        None => String::new(),
    };
    let left_out = match loaded.excluded.len() {
        0 => r#" <span class="left-out-count"></span>"#.to_string(),
        n => format!(r#" · <span class="left-out-count">{n} left out</span>"#),
    };
    let mut out = format!(
        r#"<p class="meta"><strong>{name}</strong> · {how} · <span class="count">{total} rows</span>{matching}{left_out}</p>"#,
        name = escape(&loaded.name),
        how = describe(source),
    );
    let problems = &loaded.problems;
    if !notices.is_empty() || !problems.is_empty() {
        out.push_str(r#"<ul class="notices">"#);
        for n in notices {
            out.push_str(&format!("<li>{}</li>", escape(n)));
        }
        for p in problems.iter().take(20) {
            out.push_str(&format!(r#"<li class="problem">{}</li>"#, escape(p)));
        }
        if problems.len() > 20 {
            out.push_str(&format!(
                r#"<li class="problem">… and {} more problems (the Check screen lists them all)</li>"#,
                problems.len() - 20
            ));
        }
        out.push_str("</ul>");
    }
    let pages = total.div_ceil(ROWS_PER_PAGE).max(1);
    let page_no = page_no.min(pages);
    out.push_str(
        r#"<div class="table-wrap"><table class="rows"><thead><tr><th scope="col" class="pick" title="Untick a row to leave it out of every letter and email">Include</th><th scope="col">Row</th>"#,
    );
    for h in &headers.names {
        out.push_str(&format!(r#"<th scope="col">{}</th>"#, escape(h)));
    }
    out.push_str("</tr></thead><tbody>\n");
    out.push_str(&rows_html);
    out.push_str("</tbody></table></div>");
    out.push_str(r#"<p class="exclude-error error" role="alert" hidden></p>"#);
    if pages > 1 {
        let shown_from = ((page_no - 1) * ROWS_PER_PAGE + 1).min(total);
        let shown_to = (page_no * ROWS_PER_PAGE).min(total);
        let link = |n: usize, label: &str, rel: &str| {
            if n < 1 || n > pages || n == page_no {
                format!(r#"<span class="disabled">{label}</span>"#)
            } else {
                let keep = filter
                    .map(|f| format!("&amp;where={}", percent_encode(f)))
                    .unwrap_or_default();
                format!(r#"<a rel="{rel}" href="/?page={n}{keep}">{label}</a>"#)
            }
        };
        out.push_str(&format!(
            r#"<nav class="pager">{prev}<span>Rows {shown_from}–{shown_to} of {total} · page {page_no} of {pages}</span>{next}</nav>"#,
            prev = link(page_no.saturating_sub(1), "← Previous", "prev"),
            next = link(page_no + 1, "Next →", "next"),
        ));
    }
    out
}

/// A cell shown in the table is cut at 200 characters (the file keeps it whole).
fn shorten(cell: &str) -> String {
    match cell.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &cell[..cut]),
        None => cell.to_string(),
    }
}

/// POST `/start`: writes the campaign as `lettermerge init` does.
pub(crate) async fn start(State(studio): State<Arc<Studio>>) -> Response {
    let dir = studio.dir.clone();
    let result = tokio::task::spawn_blocking(move || crate::init::write(&dir, false))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    match result {
        Ok(_) => Redirect::to("/").into_response(),
        Err(message) => {
            html::message_page(StatusCode::CONFLICT, "Cannot start the campaign", &message)
        }
    }
}

/// The value of `key` in a urlencoded form body.
pub(crate) fn form_value(body: &str, key: &str) -> Option<String> {
    body.split('&')
        .find_map(|p| p.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')))
        .map(form_decode)
}

/// POST `/choose`: shows another data file already in the folder, or another sheet of it.
pub(crate) async fn choose(State(studio): State<Arc<Studio>>, body: String) -> Response {
    let name = form_value(&body, "name").unwrap_or_default();
    let sheet = form_value(&body, "sheet").filter(|s| !s.trim().is_empty());
    let dir = studio.dir.clone();
    let ok = upload_name(&name).as_deref() == Ok(name.as_str())
        && std::fs::symlink_metadata(dir.join(&name)).is_ok_and(|m| m.is_file());
    if !ok {
        return html::message_page(
            StatusCode::BAD_REQUEST,
            "No such data file",
            "Choose one of the data files listed on the Data page.",
        );
    }
    // A sheet belongs to the file it was picked with: a new file starts at its first sheet.
    let same_file = campaign::chosen(&dir).data == name;
    let choice = Choice {
        data: name,
        sheet: sheet.filter(|_| same_file),
    };
    match save_choice(&dir, &choice) {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => html::message_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Cannot save the choice",
            &format!("cannot write {}: {e}", dir.join(CHOICE_FILE).display()),
        ),
    }
}

/// POST `/exclude` (`row=N&include=0|1`, sent by the table's checkboxes): leaves a row out
/// of (or back in) every letter and email, saved in the config's `[data]` as
/// `exclude_file` and `exclude_rows`, which the command line reads too. Answers with the
/// number of rows left out, or a message to show.
pub(crate) async fn exclude(State(studio): State<Arc<Studio>>, body: String) -> Response {
    let row = form_value(&body, "row").and_then(|r| r.parse::<u64>().ok());
    let include = form_value(&body, "include");
    let (Some(row), Some(include)) = (row, include) else {
        return (
            StatusCode::BAD_REQUEST,
            "send row=N and include=0 or 1".to_string(),
        )
            .into_response();
    };
    let include = include == "1";
    let result = tokio::task::spawn_blocking(move || set_excluded(&studio, row, include))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    match result {
        Ok(n) => (StatusCode::OK, n.to_string()).into_response(),
        Err(message) => (StatusCode::CONFLICT, message).into_response(),
    }
}

fn set_excluded(studio: &Studio, row: u64, include: bool) -> Result<usize, String> {
    let loaded = studio.loaded()?;
    if loaded.record(row).is_none() {
        return Err(format!("{} has no row {row}; reload the page", loaded.name));
    }
    let mut rows = loaded.excluded.clone();
    if include {
        rows.remove(&row);
    } else {
        rows.insert(row);
    }
    if rows.len() > crate::config::columns::MAX_EXCLUDED_ROWS {
        return Err(format!(
            "more than {} rows left out; filter the list instead",
            crate::config::columns::MAX_EXCLUDED_ROWS
        ));
    }
    let files = studio.files();
    let keys = if rows.is_empty() {
        [("exclude_file", None), ("exclude_rows", None)]
    } else {
        let list: toml_edit::Array = rows.iter().map(|&r| r as i64).collect();
        [
            (
                "exclude_file",
                Some(crate::config::edit::string(&files.data_name)),
            ),
            ("exclude_rows", Some(toml_edit::Value::Array(list))),
        ]
    };
    crate::config::edit::set_table(&files.config, "data", &keys)?;
    studio.forget();
    Ok(rows.len())
}

/// `application/x-www-form-urlencoded` value: `+` is a space, `%XX` a byte.
fn form_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| char::from(b).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn too_large() -> Response {
    html::message_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        "The file is too large",
        &format!(
            "The studio takes data files up to {} MiB. Save only the rows and columns you need (as CSV), and upload that.",
            MAX_UPLOAD_BYTES / (1024 * 1024)
        ),
    )
}

/// POST `/upload`: saves the file into the campaign folder (atomically, under a sanitised
/// name) and shows it.
pub(crate) async fn upload(
    State(studio): State<Arc<Studio>>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    // A declared size over the limit is refused before a byte is read.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // The multipart framing around the file is a few hundred bytes.
    if declared.is_some_and(|n| n > MAX_UPLOAD_BYTES + 64 * 1024) {
        return too_large();
    }
    let bad =
        |message: String| html::message_page(StatusCode::BAD_REQUEST, "Upload failed", &message);
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => {
                return bad("No file came with the upload; choose a file, then Upload.".to_string())
            }
            Err(e) => {
                return bad(format!(
                    "The upload was cut short or malformed ({e}); try again."
                ))
            }
        };
        if field.name() != Some("file") {
            continue;
        }
        let raw = field.file_name().unwrap_or("").to_string();
        if raw.is_empty() {
            return bad("No file was chosen; choose a file, then Upload.".to_string());
        }
        let name = match upload_name(&raw) {
            Ok(name) => name,
            Err(message) => return bad(message),
        };
        let target: PathBuf = studio.dir.join(&name);
        if let Ok(meta) = std::fs::symlink_metadata(&target) {
            if !meta.is_file() {
                return bad(format!(
                    "{} is a link or a folder in the campaign folder; the studio does not write through it. Rename your file and upload again.",
                    target.display()
                ));
            }
        }
        let mut file = match AtomicFile::create(&target) {
            Ok(f) => f,
            Err(e) => return bad(format!("cannot write into {}: {e}", studio.dir.display())),
        };
        let mut size: u64 = 0;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    size += chunk.len() as u64;
                    if size > MAX_UPLOAD_BYTES {
                        // Dropping `file` removes the temp file.
                        return too_large();
                    }
                    if let Err(e) = file.write_all(&chunk) {
                        return bad(format!("cannot write {}: {e}", target.display()));
                    }
                }
                Ok(None) => break,
                Err(e) => return bad(format!("The upload was cut short ({e}); try again.")),
            }
        }
        if size == 0 {
            return bad(format!("{raw:?} is empty; upload the file with your list."));
        }
        if let Err(e) = file.commit(true) {
            return bad(format!("cannot write {}: {e}", target.display()));
        }
        let choice = Choice {
            data: name,
            sheet: None,
        };
        studio.forget();
        if let Err(e) = save_choice(&studio.dir, &choice) {
            return bad(format!(
                "saved {}, but cannot write {}: {e}",
                target.display(),
                CHOICE_FILE
            ));
        }
        return Redirect::to("/").into_response();
    }
}

#[cfg(test)]
mod tests {
    use super::{form_decode, form_value, upload_name};

    #[test]
    fn an_upload_lands_in_the_folder_under_a_plain_name() {
        assert_eq!(upload_name("../x.csv").unwrap(), "x.csv");
        assert_eq!(upload_name("..\\..\\evil.XLSX").unwrap(), "evil.xlsx");
        assert_eq!(upload_name("/etc/passwd.csv").unwrap(), "passwd.csv");
        assert_eq!(upload_name(".hidden.csv").unwrap(), "hidden.csv");
        assert_eq!(upload_name("....csv").unwrap(), "data.csv");
        assert_eq!(upload_name("con.csv").unwrap(), "_con.csv");
        assert_eq!(upload_name("a:b?.csv").unwrap(), "a-b-.csv");
    }

    #[test]
    fn only_data_files_are_taken() {
        for name in [
            "welcome.md",
            "lettermerge.toml",
            "studio.toml",
            "..",
            "x",
            "run.sh",
        ] {
            assert!(upload_name(name).is_err(), "{name}");
        }
    }

    #[test]
    fn form_values_are_decoded() {
        assert_eq!(form_decode("my+list%2B1.csv"), "my list+1.csv");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("Th%C3%A9r%C3%A8se.csv"), "Thérèse.csv");
        assert_eq!(form_decode("%zz%é"), "%zz%é");
        assert_eq!(
            form_value("name=a.csv&sheet=Q+1", "sheet").as_deref(),
            Some("Q 1")
        );
        assert_eq!(form_value("names=a&name=b", "name").as_deref(), Some("b"));
        assert_eq!(form_value("name=b", "sheet"), None);
    }
}
