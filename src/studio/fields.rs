//! The Match fields screen: the letter's standard fields beside the data's columns, matched
//! the way the command line matches them, each changeable from a list and saved to the
//! config's `[columns]` table (Word's "Match Fields").

use super::data::form_value;
use super::html::{self, escape};
use super::Studio;
use crate::fields::{FieldOptions, FieldPlan, Match, STANDARD};
use crate::template::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

/// The value of a field's list that means "as lettermerge matches it" (no `[columns]` line).
const AUTOMATIC: &str = "";

/// GET `/fields`.
pub(crate) async fn page(State(studio): State<Arc<Studio>>) -> Response {
    html::screen(studio, "Match fields", "Match fields", screen).await
}

/// The template's field names, or why it cannot be read.
fn template_fields(studio: &Studio) -> Result<Vec<String>, String> {
    let files = studio.files();
    let config = crate::output::occupied(&files.config).then_some(files.config.as_path());
    let offices = crate::config::forms::load(config).map_err(|e| e.0)?;
    let template = Template::load_with(&files.template, &offices).map_err(|e| e.to_string())?;
    Ok(template.used_names())
}

fn screen(studio: &Studio) -> String {
    if !super::data::is_started(&studio.dir) {
        return r#"<section class="card message"><h1>No campaign yet</h1><p>Start one on the <a href="/">Data</a> screen.</p></section>"#.to_string();
    }
    let loaded = match studio.loaded() {
        Ok(l) => l,
        Err(e) => {
            // A [columns] line for a column this file lacks (another list was chosen): the
            // way out is here, not in a text editor.
            let clear = if e.contains("[columns]") {
                r#"<form method="post" action="/fields"><input type="hidden" name="clear" value="1"><button class="primary" type="submit">Clear the saved matches</button></form>"#
            } else {
                r#"<p>Fix the data on the <a href="/">Data</a> screen first.</p>"#
            };
            return format!(
                r#"<section class="card"><h1>Match fields</h1><p class="error">{}</p>{clear}</section>"#,
                escape(&e)
            );
        }
    };
    let source = &loaded.source;
    let headers = source.file_headers();
    let plan = source.fields();
    // What lettermerge matches by itself, without the config's [columns].
    let automatic = FieldPlan::build(
        &headers.names,
        &headers.keys,
        &FieldOptions {
            address: studio
                .input()
                .map(|i| i.data_options.fields.address)
                .unwrap_or_default(),
            ..FieldOptions::default()
        },
    )
    .ok();
    let (used, template_note) = match template_fields(studio) {
        Ok(used) => (used, String::new()),
        Err(e) => (
            Vec::new(),
            format!(
                r#"<p class="error">The letter template cannot be read, so every field is listed: {}</p>"#,
                escape(&e)
            ),
        ),
    };
    let is_used = |field: &str| used.iter().any(|u| u == field);
    let find = |matches: &[Match], field: &str| -> Option<Match> {
        matches.iter().find(|m| m.field == field).cloned()
    };

    let mut rows_used = String::new();
    let mut rows_other = String::new();
    for standard in STANDARD {
        let field = standard.name;
        let now = find(plan.matches(), field);
        let auto = automatic.as_ref().and_then(|a| find(a.matches(), field));
        let configured = now
            .as_ref()
            .filter(|m| m.how == "config")
            .map(|m| m.from.clone());
        let auto_label = match &auto {
            Some(m) if m.how == "name" => format!("Automatic: {} (same name)", m.from),
            Some(m) => format!("Automatic: {} ({})", m.from, m.how),
            None if standard.optional => "Automatic: none (left empty)".to_string(),
            None => "Automatic: none found".to_string(),
        };
        let mut options = format!(
            r#"<option value="{AUTOMATIC}"{}>{}</option>"#,
            if configured.is_none() {
                " selected"
            } else {
                ""
            },
            escape(&auto_label)
        );
        for name in &headers.names {
            let selected = if configured.as_deref() == Some(name.as_str()) {
                " selected"
            } else {
                ""
            };
            options.push_str(&format!(
                r#"<option value="{0}"{selected}>{0}</option>"#,
                escape(name)
            ));
        }
        let missing = now.is_none() && !standard.optional && is_used(field);
        let status = if missing {
            r#"<span class="badge bad">Not in your data: choose a column</span>"#.to_string()
        } else if configured.is_some() {
            r#"<span class="badge">Chosen by you</span>"#.to_string()
        } else {
            String::new()
        };
        let row = format!(
            r#"<tr{class}><th scope="row"><code>{field}</code></th><td class="meaning">{meaning}</td><td><select name="{field}" aria-label="Column for {field}">{options}</select></td><td>{status}</td></tr>"#,
            class = if missing { r#" class="missing""# } else { "" },
            meaning = escape(standard.meaning),
        );
        if is_used(field) {
            rows_used.push_str(&row);
        } else {
            rows_other.push_str(&row);
        }
    }
    // Columns the template names directly (not standard fields).
    let direct: Vec<&String> = used
        .iter()
        .filter(|u| crate::fields::STANDARD.iter().all(|s| s.name != u.as_str()))
        .collect();
    let direct_html = if direct.is_empty() {
        String::new()
    } else {
        let items: String = direct
            .iter()
            .map(|d| {
                let found = headers.index_of(d).is_some();
                format!(
                    r#"<li><code>{}</code> {}</li>"#,
                    escape(d),
                    if found {
                        "— a column of your data, used as it is"
                    } else {
                        r#"<span class="badge bad">not a column of your data</span>"#
                    }
                )
            })
            .collect();
        format!(r#"<h2>Columns the letter names directly</h2><ul class="direct">{items}</ul>"#)
    };
    let files = studio.files();
    let dataset = plan
        .dataset()
        .map(|_| {
            plan.notices()
                .first()
                .map(|n| format!(r#"<p class="notices-inline">{}</p>"#, escape(n)))
                .unwrap_or_default()
        })
        .unwrap_or_default();
    format!(
        r#"<section class="card fields">
<div class="card-head"><h1>Match fields</h1></div>
<p class="lede">The letter uses standard fields. lettermerge finds them in <strong>{data}</strong> by name (and by the usual other names: “Given Name”, “Zip Code”, Open States’ and congress-legislators’ columns). Change any match here; your choices are saved in <code>{config}</code> under <code>[columns]</code>, which the command line reads too.</p>
{dataset}{template_note}
<form method="post" action="/fields" class="fields-form">
<h2>Fields the letter uses</h2>
<table class="match"><thead><tr><th scope="col">Field</th><th scope="col">What it holds</th><th scope="col">Comes from</th><th scope="col"></th></tr></thead>
<tbody>{rows_used}</tbody></table>
<details><summary>Other standard fields</summary>
<table class="match"><tbody>{rows_other}</tbody></table></details>
<p><button class="primary" type="submit">Save matches</button></p>
</form>
{direct_html}
<p class="cli">On the command line: <code>{cli}</code></p>
</section>"#,
        data = escape(&loaded.name),
        config = super::campaign::CONFIG_FILE,
        cli = escape(&files.command("check")),
    )
}

/// POST `/fields`: writes the chosen columns into `[columns]` (a field left on Automatic
/// has its line removed).
pub(crate) async fn save(State(studio): State<Arc<Studio>>, body: String) -> Response {
    let result = tokio::task::spawn_blocking(move || save_matches(&studio, &body))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    match result {
        Ok(()) => Redirect::to("/fields").into_response(),
        Err(message) => html::message_page(
            StatusCode::BAD_REQUEST,
            "The matches were not saved",
            &message,
        ),
    }
}

fn save_matches(studio: &Studio, body: &str) -> Result<(), String> {
    let config = studio.files().config;
    if form_value(body, "clear").as_deref() == Some("1") {
        let keys: Vec<(&str, Option<toml_edit::Value>)> =
            STANDARD.iter().map(|s| (s.name, None)).collect();
        crate::config::edit::set_table(&config, "columns", &keys)?;
        studio.forget();
        return Ok(());
    }
    let loaded = studio.loaded()?;
    let names = &loaded.source.file_headers().names;
    let mut keys: Vec<(&str, Option<toml_edit::Value>)> = Vec::new();
    for standard in STANDARD {
        let Some(column) = form_value(body, standard.name) else {
            continue;
        };
        if column == AUTOMATIC {
            keys.push((standard.name, None));
        } else if names.contains(&column) {
            keys.push((standard.name, Some(crate::config::edit::string(&column))));
        } else {
            return Err(format!(
                "{} has no column \"{column}\" for {}; reload the page and choose again",
                loaded.name, standard.name
            ));
        }
    }
    crate::config::edit::set_table(&config, "columns", &keys)?;
    studio.forget();
    Ok(())
}
