//! The studio's Letter screen in a real browser (Debian's chromium, headless, through
//! chromedriver): a user edits the template of a started campaign, sees the printed page
//! and the email follow, makes a YAML mistake and sees it inline with its line, fixes it,
//! saves, and `lettermerge pdf` prints what they typed. Screens are saved as 1280×800 PNGs
//! under target/studio-screens/letter-*.png, with the PDF's own page beside them for
//! comparison.

#[path = "support/studio.rs"]
mod studio;
#[path = "support/webdriver.rs"]
mod webdriver;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use studio::Studio;
use webdriver::Browser;

fn screens() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/studio-screens")
}

fn lettermerge(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_lettermerge"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run lettermerge");
    assert!(
        out.status.success(),
        "lettermerge {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The words of the page preview's text layer, spaces normalised.
const PAGE_TEXT: &str = "return Array.from(document.querySelectorAll('#pages svg text'))\
    .map(function (t) { return t.textContent; }).join(' ').replace(/\\s+/g, ' ');";

fn page_text(browser: &Browser) -> String {
    browser
        .execute(PAGE_TEXT, Vec::new())
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// Waits for the page preview to show `needle` and to be the answer to the editor's last
/// edit (its data-seq caught up with the editor's input count).
fn wait_for_page(browser: &Browser, needle: &str) -> String {
    let script = format!(
        "var p = document.getElementById('preview'), t = document.getElementById('template');\
         if (p.getAttribute('data-seq') !== t.getAttribute('data-input-seq')) return null;\
         var text = (function () {{ {PAGE_TEXT} }})();\
         return text.indexOf({needle:?}) >= 0 ? text : null;"
    );
    browser
        .wait_for_script(&format!("the page preview shows {needle:?}"), &script)
        .as_str()
        .unwrap()
        .to_string()
}

fn editor_text(browser: &Browser) -> String {
    browser
        .execute(
            "return document.getElementById('template').value;",
            Vec::new(),
        )
        .as_str()
        .unwrap()
        .to_string()
}

/// Puts the editor's caret at the start of the first line that starts with `prefix`.
fn caret_before_line(browser: &Browser, prefix: &str) {
    let found = browser.execute(
        "var t = document.getElementById('template'); var v = t.value;\
         var i = v.indexOf('\\n' + arguments[0]); if (i < 0) return false;\
         t.focus(); t.setSelectionRange(i + 1, i + 1); return true;",
        vec![Value::String(prefix.to_string())],
    );
    assert_eq!(found, Value::Bool(true), "no line starts with {prefix:?}");
}

const ENTER: &str = "\u{E007}";
const BACKSPACE: &str = "\u{E003}";

#[test]
fn edit_the_letter_see_it_follow_fix_a_mistake_and_save() {
    // A browser test that passes without a browser would prove nothing: scripts/test
    // installs chromium and chromium-driver, so a missing one is a failure.
    let Some(browser) = Browser::start() else {
        panic!("chromedriver or chromium is not installed; scripts/test installs them (apt-get install chromium chromium-driver)");
    };
    let tmp = tempfile::tempdir().unwrap();
    lettermerge(tmp.path(), &["init", "campaign"]);
    let dir = tmp.path().join("campaign");
    let on_disk = std::fs::read_to_string(dir.join("welcome.md")).unwrap();
    let studio = Studio::start(&dir);

    browser.goto(&studio.url);
    browser.wait_for_text("officials.csv");
    browser.goto(&format!("{}/letter", studio.origin()));
    browser.wait_for_text("Save welcome.md");

    // The editor holds the whole file, front matter and body, exactly.
    assert_eq!(editor_text(&browser), on_disk);
    // The first row's page, from the file on disk, before any edit.
    let first = wait_for_page(&browser, "Riverside Public Library Foundation");
    assert!(first.contains("Dear "), "{first}");
    let glyphs = browser.execute(
        "return Number(document.querySelector('#pages svg').getAttribute('data-glyphs'));",
        Vec::new(),
    );
    assert!(glyphs.as_u64().unwrap() > 1000, "a full page: {glyphs}");
    browser.screenshot(&screens().join("letter-1-page.png"));

    // Typing at the end of the body: the page follows.
    let editor = browser.find("#template");
    let typed = "PS: we open at ten on Sundays now.";
    browser.send_keys(&editor, &format!("{ENTER}{ENTER}{typed}"));
    let text = wait_for_page(&browser, "we open at ten on Sundays now.");
    assert!(
        !text.contains("PS: we open at ten on Sundays now. PS"),
        "{text}"
    );
    assert!(
        !browser
            .execute(
                "return document.getElementById('preview').classList.contains('stale');",
                Vec::new()
            )
            .as_bool()
            .unwrap(),
        "a good preview is not dimmed"
    );

    // A field button inserts at the caret: the row's own value shows on the page.
    browser.send_keys(&editor, " Ask for ");
    let button = browser.find("button.chip[data-insert='{{first_name}}']");
    browser.click(&button);
    let after = editor_text(&browser);
    assert!(after.ends_with("Ask for {{first_name}}"), "{after}");
    let first_name = browser
        .execute(
            "return document.getElementById('row-label').textContent.split(' ')[0];",
            Vec::new(),
        )
        .as_str()
        .unwrap()
        .to_string();
    wait_for_page(&browser, &format!("Ask for {first_name}"));

    // A YAML mistake in the front matter: shown inline with its line, pointed at in the
    // gutter, and the last good page stays, dimmed.
    let closing_line = on_disk
        .lines()
        .position(|l| l.starts_with("closing:"))
        .unwrap()
        + 1;
    caret_before_line(&browser, "closing:");
    let mistake = "signoff: [Yours";
    browser.send_keys(&editor, &format!("{mistake}{ENTER}"));
    let problem = browser.wait_for_script(
        "the problem box shows",
        "var p = document.getElementById('problem'); return p.hidden ? null : p.innerText;",
    );
    let problem = problem.as_str().unwrap().to_string();
    let shown_line: usize = browser
        .execute(
            "return Number(document.querySelector('#problem button.goto').getAttribute('data-line'));",
            Vec::new(),
        )
        .as_u64()
        .unwrap() as usize;
    assert!(
        shown_line == closing_line || shown_line == closing_line + 1,
        "the mistake is on line {closing_line}; the page says {shown_line}: {problem}"
    );
    assert!(problem.contains(&format!("line {shown_line}")), "{problem}");
    let marked = browser.execute(
        "var b = document.querySelector('.gutter .bad'); return b ? Number(b.textContent) : 0;",
        Vec::new(),
    );
    assert_eq!(marked.as_u64(), Some(shown_line as u64));
    assert!(browser
        .execute(
            "return document.getElementById('preview').classList.contains('stale');",
            Vec::new()
        )
        .as_bool()
        .unwrap());
    assert!(
        page_text(&browser).contains("we open at ten on Sundays now."),
        "the last good page stays"
    );
    browser.screenshot(&screens().join("letter-2-yaml-mistake.png"));

    // "line N" selects that line in the editor.
    let goto = browser.find("#problem button.goto");
    browser.click(&goto);
    let selected = browser.execute(
        "var t = document.getElementById('template');\
         return t.value.slice(t.selectionStart, t.selectionEnd);",
        Vec::new(),
    );
    let selected = selected.as_str().unwrap();
    assert!(
        selected == mistake || selected.starts_with("closing:"),
        "{selected:?}"
    );

    // Fixed: the mistake typed away again, the preview is live and not dimmed.
    caret_before_line(&browser, "closing:");
    browser.send_keys(&editor, &BACKSPACE.repeat(mistake.chars().count() + 1));
    wait_for_page(&browser, "we open at ten on Sundays now.");
    browser.wait_for_script(
        "the problem box hides",
        "return document.getElementById('problem').hidden;",
    );

    // The email of the row: its subject above a sandboxed frame with the same text.
    let email_tab = browser.find(".view-switch button[data-view='email']");
    browser.click(&email_tab);
    let head = browser.wait_for_script(
        "the email head shows",
        "var e = document.querySelector('#email .email-head'); return e && e.offsetParent ? e.innerText : null;",
    );
    assert!(head.as_str().unwrap().contains("Subject"), "{head}");
    let sandbox = browser.execute(
        "return document.querySelector('iframe.email-frame').getAttribute('sandbox');",
        Vec::new(),
    );
    assert_eq!(sandbox, Value::String(String::new()), "fully sandboxed");
    let frame = browser.find("iframe.email-frame");
    browser.enter_frame(&frame);
    let body = browser.wait_for_script(
        "the email frame shows the letter",
        "return document.body && document.body.innerText.indexOf('Sundays now') >= 0 ? document.body.innerText : null;",
    );
    assert!(body
        .as_str()
        .unwrap()
        .contains(&format!("Ask for {first_name}")));
    browser.leave_frame();
    browser.screenshot(&screens().join("letter-3-email.png"));
    let page_tab = browser.find(".view-switch button[data-view='page']");
    browser.click(&page_tab);

    // The next row: another official's letter from the same unsaved text.
    let next = browser.find("#row-next");
    browser.click(&next);
    let label = browser.wait_for_script(
        "the row label moves on",
        "var l = document.getElementById('row-label').textContent; return l.indexOf('spreadsheet row 3') >= 0 ? l : null;",
    );
    let second_name = label
        .as_str()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(second_name, first_name);
    wait_for_page(&browser, &format!("Ask for {second_name}"));

    // Save: the file on disk is exactly the editor's text, and the command line prints it.
    let save = browser.find("#save");
    browser.click(&save);
    browser.wait_for_text("Saved welcome.md.");
    let saved = std::fs::read_to_string(dir.join("welcome.md")).unwrap();
    assert_eq!(saved, editor_text(&browser));
    assert!(saved.contains(typed) && saved.contains("Ask for {{first_name}}"));
    browser.screenshot(&screens().join("letter-4-saved.png"));

    lettermerge(
        &dir,
        &[
            "pdf",
            "--template",
            "welcome.md",
            "--data",
            "officials.csv",
            "--out",
            "letters",
            "--config",
            "lettermerge.toml",
        ],
    );
    let mut pdfs: Vec<PathBuf> = std::fs::read_dir(dir.join("letters"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    pdfs.sort();
    assert!(!pdfs.is_empty());
    let out = Command::new("pdftotext")
        .arg(&pdfs[0])
        .arg("-")
        .output()
        .expect("pdftotext runs");
    let printed = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        printed.contains("we open at ten on Sundays now."),
        "{printed}"
    );
    assert!(printed.contains("Ask for "), "{printed}");

    // The first row's PDF page, for a reviewer to compare with letter-1-page.png.
    let first_pdf = pdfs
        .iter()
        .find(|p| {
            let text = Command::new("pdftotext")
                .arg(p)
                .arg("-")
                .output()
                .unwrap()
                .stdout;
            String::from_utf8_lossy(&text).contains(&format!("Ask for {first_name}"))
        })
        .expect("the first row's letter");
    std::fs::create_dir_all(screens()).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"])
        .arg(first_pdf)
        .arg(screens().join("letter-pdf-page"))
        .status()
        .expect("pdftoppm runs");
    assert!(status.success());
}

/// The email frame's document is served with a `sandbox` CSP of its own (no script, its own
/// origin), and the studio's pages keep the studio's CSP.
#[test]
fn the_email_frame_is_sandboxed_by_its_own_csp() {
    let tmp = tempfile::tempdir().unwrap();
    lettermerge(tmp.path(), &["init", "campaign"]);
    let dir = tmp.path().join("campaign");
    let studio = Studio::start(&dir);
    let cookie = studio.login();
    let text = std::fs::read_to_string(dir.join("welcome.md")).unwrap();
    let body = format!("text={}&row=1&seq=7", percent(&text));
    let r = studio.send(
        &format!(
            "POST /letter/preview HTTP/1.1\r\nCookie: {cookie}\r\nOrigin: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n",
            studio.origin()
        ),
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let answer: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(answer["seq"], 7);
    assert_eq!(answer["ok"], true);
    let email = answer["email"].as_str().unwrap();
    let start = email.find("src=\"/letter/email/").unwrap() + 5;
    let src = &email[start..start + email[start..].find('"').unwrap()];
    let frame = studio.get(src, &cookie);
    assert_eq!(frame.status, 200);
    let csp = frame.header("content-security-policy").unwrap();
    assert!(csp.starts_with("sandbox;"), "{csp}");
    assert!(!csp.contains("script"), "{csp}");
    assert!(frame.body.contains("<body"), "{}", frame.body);
    let page = studio.get("/letter", &cookie);
    assert!(page
        .header("content-security-policy")
        .unwrap()
        .starts_with("default-src 'self'"));
    // The server's own split of the time, for the benchmark's explanation.
    assert!(r.header("server-timing").unwrap().contains("typeset;dur="));

    // A cross-site POST to the preview is refused like any other.
    let r = studio.send(
        &format!(
            "POST /letter/save HTTP/1.1\r\nCookie: {cookie}\r\nOrigin: http://evil.example\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        ),
        b"text=gone",
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        std::fs::read_to_string(dir.join("welcome.md")).unwrap(),
        text
    );
}

fn percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
