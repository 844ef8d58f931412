//! Per-row attachments (the front matter's `attachments:`) through the real binary: `check`,
//! `preview`, `send --dry-run` and a real send to the test SMTP server (aiosmtpd,
//! tests/smtp_server.py) on 127.0.0.1. Received messages are read back with Python's own
//! `email` package, not with our code.

mod common;
#[path = "support/smtp_server.rs"]
mod smtp_server;

use common::Workdir;
use smtp_server::{Encryption, Options, TestServer};
use std::path::Path;
use std::process::Command;

/// Reads .eml files with Python's email package and prints, per file, its attachments:
/// the file name (RFC 2231 decoded), the Content-Type `name` (RFC 2047 decoded), the type,
/// the longest line of the encoded body, and the decoded bytes in base64.
const PARSE_EML: &str = r#"
import base64, email, json, sys
from email.header import decode_header, make_header
out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f)
    files = []
    for part in msg.walk():
        if part.get_content_disposition() != "attachment":
            continue
        name = part.get_param("name")
        if isinstance(name, tuple):
            name = email.utils.collapse_rfc2231_value(name)
        raw = part.get_payload()
        files.append({
            "filename": part.get_filename(),
            "name": str(make_header(decode_header(name))) if name else None,
            "type": part.get_content_type(),
            "encoding": part.get("Content-Transfer-Encoding"),
            "longest_line": max((len(l) for l in raw.splitlines()), default=0),
            "data": base64.b64encode(part.get_payload(decode=True)).decode(),
        })
    out.append({"to": msg["To"], "files": files})
print(json.dumps(out))
"#;

#[derive(Debug)]
struct Attached {
    filename: String,
    name: String,
    content_type: String,
    encoding: String,
    longest_line: u64,
    data: Vec<u8>,
}

/// Each message's (To, attachments), as Python reads them.
fn parse_emls(w: &Workdir, paths: &[&Path]) -> Vec<(String, Vec<Attached>)> {
    use base64::Engine as _;
    let script = w.file("parse_eml.py", PARSE_EML);
    let python = std::env::var("LETTERMERGE_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let out = Command::new(python)
        .arg(script)
        .args(paths)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python could not read the messages: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    json.as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let files = m["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| Attached {
                    filename: f["filename"].as_str().unwrap_or_default().to_string(),
                    name: f["name"].as_str().unwrap_or_default().to_string(),
                    content_type: f["type"].as_str().unwrap().to_string(),
                    encoding: f["encoding"].as_str().unwrap_or_default().to_string(),
                    longest_line: f["longest_line"].as_u64().unwrap(),
                    data: base64::engine::general_purpose::STANDARD
                        .decode(f["data"].as_str().unwrap())
                        .unwrap(),
                })
                .collect();
            (m["to"].as_str().unwrap_or_default().to_string(), files)
        })
        .collect()
}

/// What the server stored, written out as .eml files for Python.
fn received(w: &Workdir, server: &TestServer) -> Vec<(String, Vec<Attached>)> {
    let paths: Vec<std::path::PathBuf> = server
        .messages()
        .iter()
        .enumerate()
        .map(|(i, m)| w.file(&format!("received/{i}.eml"), m))
        .collect();
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    parse_emls(w, &refs)
}

/// Bytes that differ by row and are not text (every byte value, so no encoding can pass
/// them through unchanged by luck).
fn binary(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn template(attachments: &str) -> String {
    format!(
        "---\nto: \"{{{{email}}}}\"\nsubject: \"Welcome, {{{{name}}}}\"\n{attachments}\n---\n\
         Dear {{{{name}}}}, the district's report is attached.\n"
    )
}

/// A campaign folder with the template, data and a config for `port` (a dry run or a check
/// connects nowhere, so any port does there).
fn campaign(attachments: &str, data: &str, port: u16) -> Workdir {
    let w = Workdir::new();
    w.file("t.md", template(attachments));
    w.file("d.csv", data);
    w.file(
        "lettermerge.toml",
        format!(
            "[smtp]\nhost = \"localhost\"\nport = {port}\nfrom = \"Library Advocacy <advocacy@library.example>\"\n\
             security = \"none\"\ntimeout_s = 5\nretry_delay_ms = 50\nretries = 0\n"
        ),
    );
    w
}

fn send(w: &Workdir, extra: &[&str]) -> common::Run {
    run(w, "send", extra)
}

/// `lettermerge COMMAND` on the campaign folder's template, data and config.
fn run(w: &Workdir, command: &str, extra: &[&str]) -> common::Run {
    let mut args = vec![
        command,
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-c",
        "lettermerge.toml",
    ];
    args.extend_from_slice(extra);
    w.run(&args)
}

#[test]
fn a_column_of_paths_is_sent_intact_to_a_real_server() {
    let server = TestServer::start(Options::new());
    let w = campaign(
        "attachments: \"{{files}}\"",
        "name,email,files\n\
         Ann,ann@house.example,report-1.pdf; invite.ics\n\
         Bo,bo@senate.example,report-2.pdf\n\
         Cy,cy@city.example,\n",
        server.port(),
    );
    let report1 = binary(1, 5000);
    let report2 = binary(2, 7001);
    let invite = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_vec();
    w.file("report-1.pdf", &report1);
    w.file("report-2.pdf", &report2);
    w.file("invite.ics", &invite);
    let out = send(&w, &["--yes"]);
    out.expect_code(0);
    assert!(out.stderr.contains("Sent 3 messages"), "{}", out.stderr);
    let messages = received(&w, &server);
    assert_eq!(messages.len(), 3);
    let (to, files) = &messages[0];
    assert!(to.contains("ann@house.example"), "{to}");
    let names: Vec<&str> = files.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(names, ["report-1.pdf", "invite.ics"]);
    assert_eq!(files[0].content_type, "application/pdf");
    assert_eq!(files[0].name, "report-1.pdf");
    assert_eq!(files[0].data, report1);
    assert_eq!(files[1].content_type, "text/calendar");
    assert_eq!(files[1].data, invite);
    for f in files {
        assert!(f.encoding.eq_ignore_ascii_case("base64"), "{f:?}");
        assert!(f.longest_line <= 76, "{f:?}");
    }
    let (to, files) = &messages[1];
    assert!(to.contains("bo@senate.example"), "{to}");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].data, report2);
    // A row with an empty cell gets a message without attachments.
    assert!(messages[2].1.is_empty(), "{:?}", messages[2].1);
}

#[test]
fn a_built_path_and_a_list_go_into_the_dry_run_eml_files() {
    let w = campaign(
        "attachments:\n  - \"reports/{{district}}.pdf\"\n  - invite.docx",
        "name,email,district\nAnn,ann@house.example,12\nBo,bo@senate.example,7\n",
        2525,
    );
    w.file("reports/12.pdf", binary(12, 3000));
    w.file("reports/7.pdf", binary(7, 4000));
    w.file("invite.docx", binary(99, 100));
    let out = send(&w, &["--dry-run", "outbox"]);
    out.expect_code(0);
    let emls = [
        w.join("outbox/row-00002.eml"),
        w.join("outbox/row-00003.eml"),
    ];
    for eml in &emls {
        assert!(
            eml.is_file(),
            "{} missing: {:?}",
            eml.display(),
            w.list("outbox")
        );
    }
    let refs: Vec<&Path> = emls.iter().map(|p| p.as_path()).collect();
    let messages = parse_emls(&w, &refs);
    let (_, ann) = &messages[0];
    assert_eq!(ann.len(), 2);
    assert_eq!(ann[0].filename, "12.pdf");
    assert_eq!(ann[0].data, binary(12, 3000));
    assert_eq!(ann[1].filename, "invite.docx");
    assert_eq!(
        ann[1].content_type,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let (_, bo) = &messages[1];
    assert_eq!(bo[0].filename, "7.pdf");
    assert_eq!(bo[0].data, binary(7, 4000));
}

#[test]
fn a_missing_file_is_a_row_error_before_anything_is_sent() {
    let server = TestServer::start(Options::new());
    let w = campaign(
        "attachments: \"reports/{{district}}.pdf\"",
        "name,email,district\nAnn,ann@house.example,12\nBo,bo@senate.example,7\n",
        server.port(),
    );
    w.file("reports/12.pdf", b"%PDF-1.4 twelve");
    let out = send(&w, &["--yes"]);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("row 3"), "{}", out.stderr);
    assert!(out.stderr.contains("reports/7.pdf"), "{}", out.stderr);
    assert!(out.stderr.contains("`attachments`"), "{}", out.stderr);
    assert!(out.stderr.contains("was not found"), "{}", out.stderr);
    assert!(out.stderr.contains("no message was sent"), "{}", out.stderr);
    assert!(server.messages().is_empty());
    assert!(
        server.events_named("mail").is_empty(),
        "{:?}",
        server.events()
    );
    // `check` reports the same row error, and `--skip-invalid` sends the other row only.
    let check = run(&w, "check", &[]);
    assert_ne!(check.code, 0);
    let all = format!("{}{}", check.stdout, check.stderr);
    assert!(all.contains("row 3"), "{all}");
    assert!(all.contains("reports/7.pdf"), "{all}");
    assert!(!all.contains("reports/12.pdf"), "{all}");
    // The review page counts it among the attachments, not the addresses.
    run(&w, "preview", &["--html", "review.html"]);
    let page = std::fs::read_to_string(w.join("review.html")).unwrap();
    assert!(page.contains("attachments that cannot be sent"), "{page}");
    assert!(!page.contains("email addresses and headers"), "{page}");
    let out = send(&w, &["--yes", "--skip-invalid"]);
    assert!(out.stderr.contains("Sent 1 messages"), "{}", out.stderr);
    assert_eq!(server.messages().len(), 1);
}

#[cfg(unix)]
#[test]
fn files_outside_the_allowed_folders_are_refused_even_through_a_symlink() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, b"not for the officials").unwrap();
    let data = format!(
        "name,email,files\n\
         Ann,ann@house.example,{}\n\
         Bo,bo@senate.example,link.txt\n\
         Cy,cy@city.example,../{}/secret.txt\n\
         Di,di@city.example,reports/ok.pdf\n\
         Ed,ed@city.example,.env\n\
         Flo,flo@city.example,env-link.txt\n",
        secret.display(),
        outside.path().file_name().unwrap().to_string_lossy()
    );
    let w = campaign("attachments: \"{{files}}\"", &data, 2525);
    std::os::unix::fs::symlink(&secret, w.join("link.txt")).unwrap();
    w.file("reports/ok.pdf", b"%PDF-1.4");
    // Hidden files are refused even inside the folder, by name or through a link.
    w.file(".env", b"SMTP_PASSWORD=hunter2");
    std::os::unix::fs::symlink(w.join(".env"), w.join("env-link.txt")).unwrap();
    // The template's folder is allowed by default: only the escapes are refused. (`--all`
    // lists each row's problem instead of one line for the rows alike.)
    let check = run(&w, "check", &["--all"]);
    let all = format!("{}{}", check.stdout, check.stderr);
    assert_ne!(check.code, 0, "{all}");
    for row in ["row 2", "row 3", "row 4"] {
        assert!(all.contains(row), "{row}: {all}");
    }
    assert!(!all.contains("row 5"), "{all}");
    assert!(all.contains("outside the folders"), "{all}");
    for row in ["row 6", "row 7"] {
        let line = all.lines().find(|l| l.contains(row)).unwrap_or_default();
        assert!(line.contains("hidden file"), "{row}: {all}");
    }
    assert!(all.contains("attachment_folders"), "{all}");
    // The symlink is named with where it leads.
    assert!(
        all.contains(&secret.canonicalize().unwrap().display().to_string()),
        "{all}"
    );

    // With `attachment_folders: [reports]`, only that folder is allowed: the template's
    // folder itself no longer is.
    w.file(
        "t.md",
        template("attachments: \"{{files}}\"\nattachment_folders:\n  - reports"),
    );
    w.file(
        "d.csv",
        "name,email,files\nAnn,ann@house.example,reports/ok.pdf\nBo,bo@senate.example,t.md\n",
    );
    let check = run(&w, "check", &[]);
    let all = format!("{}{}", check.stdout, check.stderr);
    assert!(all.contains("row 3"), "{all}");
    assert!(!all.contains("row 2"), "{all}");
    // A folder that is not there is a template error at its line.
    w.file(
        "t.md",
        template("attachments: \"{{files}}\"\nattachment_folders: nowhere"),
    );
    let check = run(&w, "check", &[]);
    let all = format!("{}{}", check.stdout, check.stderr);
    assert!(all.contains("t.md:5"), "{all}");
    assert!(all.contains("the folder `nowhere`"), "{all}");
}

#[test]
fn too_big_too_many_and_too_much_in_total_are_row_errors() {
    let many: Vec<String> = (0..21).map(|i| format!("f{i}.txt")).collect();
    let data = format!(
        "name,email,files\n\
         Ann,ann@house.example,big.pdf\n\
         Bo,bo@senate.example,{}\n\
         Cy,cy@city.example,half-a.pdf;half-b.pdf\n\
         Di,di@city.example,reports\n\
         Ed,ed@city.example,half-a.pdf\n",
        many.join(";")
    );
    let w = campaign("attachments: \"{{files}}\"", &data, 2525);
    for name in &many {
        w.file(name, b"x");
    }
    std::fs::write(w.join("big.pdf"), vec![0u8; (10 << 20) + 1]).unwrap();
    std::fs::write(w.join("half-a.pdf"), vec![1u8; 19 << 19]).unwrap();
    std::fs::write(w.join("half-b.pdf"), vec![2u8; 19 << 19]).unwrap();
    std::fs::create_dir(w.join("reports")).unwrap();
    let check = run(&w, "check", &[]);
    let all = format!("{}{}", check.stdout, check.stderr);
    assert_ne!(check.code, 0, "{all}");
    assert!(all.contains("more than the 10 MiB a file may be"), "{all}");
    assert!(all.contains("names 21 files, more than the 20"), "{all}");
    assert!(
        all.contains("more than the 18 MiB one message may carry"),
        "{all}"
    );
    assert!(all.contains("not an ordinary file"), "{all}");
    assert!(!all.contains("row 6"), "row 6 (9.5 MiB) is fine: {all}");
}

#[test]
fn a_non_ascii_file_name_round_trips() {
    let server = TestServer::start(Options::new());
    let name = "Rapport d'été — circonscription n° 12 (révisé, bibliothèque).pdf";
    let w = campaign(
        "attachments: \"{{files}}\"",
        &format!("name,email,files\nZoë,zoe@senate.example,\"{name}\"\n"),
        server.port(),
    );
    let bytes = binary(5, 2222);
    w.file(name, &bytes);
    send(&w, &["--yes"]).expect_code(0);
    let messages = received(&w, &server);
    assert_eq!(messages.len(), 1);
    let files = &messages[0].1;
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].filename, name);
    assert_eq!(files[0].name, name);
    assert_eq!(files[0].content_type, "application/pdf");
    assert_eq!(files[0].data, bytes);
    let raw = String::from_utf8(server.messages()[0].clone()).expect("the message is ASCII");
    assert!(raw.contains("filename*"), "RFC 2231 name expected:\n{raw}");
    assert!(
        raw.contains("name=\"=?utf-8?b?"),
        "RFC 2047 name expected:\n{raw}"
    );
}

#[test]
fn a_message_over_the_servers_size_is_not_sent_and_the_others_are() {
    let limit = 40_000u64;
    let server = TestServer::start(Options::new().size_limit(limit));
    let w = campaign(
        "attachments: \"{{files}}\"",
        "name,email,files\nAnn,ann@house.example,big.pdf\nBo,bo@senate.example,small.pdf\n",
        server.port(),
    );
    // 36,000 bytes become about 48,000 in base64: over the limit; the file alone is not.
    w.file("big.pdf", binary(3, 36_000));
    w.file("small.pdf", binary(4, 1_000));
    let out = send(&w, &["--yes"]);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("row 2"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("more than the {limit} bytes the server accepts")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("1 failed"), "{}", out.stderr);
    let messages = received(&w, &server);
    assert_eq!(messages.len(), 1);
    assert!(messages[0].0.contains("bo@senate.example"));
    // The big message's MAIL was never sent: one MAIL for the one message that went.
    assert_eq!(
        server.events_named("mail").len(),
        1,
        "{:?}",
        server.events()
    );
}

#[test]
fn a_file_changed_after_the_check_fails_its_row_only_and_the_next_run_sends_it() {
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::RequireStartTls)
            .auth("advocacy", "s3cret"),
    );
    let w = Workdir::new();
    w.file("t.md", template("attachments: \"{{files}}\""));
    w.file(
        "d.csv",
        "name,email,files\nAnn,ann@house.example,a.pdf\nBo,bo@senate.example,b.pdf\nCy,cy@city.example,a.pdf\n",
    );
    w.file("a.pdf", binary(1, 900));
    w.file("b.pdf", binary(2, 800));
    std::fs::copy(server.ca_file().unwrap(), w.join("ca.pem")).unwrap();
    // The password command runs after the check pass and before any message is made: it
    // changes b.pdf (once), as a user saving over it in the middle of a run would.
    w.file(
        "lettermerge.toml",
        format!(
            "[smtp]\nhost = \"localhost\"\nport = {}\nfrom = \"Library Advocacy <advocacy@library.example>\"\n\
             security = \"starttls\"\nca_file = \"ca.pem\"\nusername = \"advocacy\"\n\
             password_command = \"[ -e changed ] || {{ printf more >> b.pdf; touch changed; }}; printf s3cret\"\n\
             timeout_s = 5\nretry_delay_ms = 50\nretries = 0\n",
            server.port()
        ),
    );
    let out = send(&w, &["--yes"]);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("row 3"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`b.pdf` (from `attachments`) changed after it was checked"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Sent 2 messages, 1 failed"),
        "{}",
        out.stderr
    );
    let messages = received(&w, &server);
    let to: Vec<&str> = messages.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(to, ["ann@house.example", "cy@city.example"]);
    // The row stayed pending: the next run sends it, with the file as it is now.
    let out = send(&w, &["--yes"]);
    out.expect_code(0);
    assert!(out.stderr.contains("Sent 1 messages"), "{}", out.stderr);
    let messages = received(&w, &server);
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[2].0, "bo@senate.example");
    let mut b = binary(2, 800);
    b.extend_from_slice(b"more");
    assert_eq!(messages[2].1[0].data, b);
}

/// Runs `lettermerge ARGS` in the folder and returns the run and its peak resident memory in
/// MiB (the kernel's high-water mark, read until it exits).
fn run_measured(w: &Workdir, args: &[&str]) -> (common::Run, u64) {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_lettermerge"))
        .args(args)
        .current_dir(w.path())
        .env("SOURCE_DATE_EPOCH", "1764374400")
        .env_remove("LETTERMERGE_SMTP_PASSWORD")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run lettermerge");
    let mut stderr = child.stderr.take().expect("stderr");
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        let hwm = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|t| {
                let line = t.lines().find(|l| l.starts_with("VmHWM:"))?.to_string();
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            })
            .unwrap_or(0);
        peak_kib = peak_kib.max(hwm);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "the run hung"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    let run = common::Run {
        code: status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: err.join().unwrap_or_default(),
    };
    (run, peak_kib / 1024)
}

#[test]
fn memory_holds_a_message_or_two_however_many_rows_wait() {
    // 24 messages with a 6 MiB file each (8 MiB once encoded) to a server slower than the
    // rendering: made ahead of the server, they would all be in memory at once.
    let server = TestServer::start(Options::new());
    let mut data = String::from("name,email,files\n");
    for i in 0..24 {
        data.push_str(&format!("N{i},n{i}@house.example,report.pdf\n"));
    }
    let w = campaign("attachments: \"{{files}}\"", &data, server.port());
    w.file("report.pdf", binary(9, 6 << 20));
    let (out, peak_mib) = run_measured(
        &w,
        &[
            "send",
            "-t",
            "t.md",
            "-d",
            "d.csv",
            "-c",
            "lettermerge.toml",
            "--yes",
        ],
    );
    out.expect_code(0);
    assert!(out.stderr.contains("Sent 24 messages"), "{}", out.stderr);
    // One message being made and one being sent, each in a few copies (file, base64, the
    // message, the dot-stuffed data): about 100 MiB. Rendered ahead, 24 of them: over 300.
    assert!(peak_mib < 200, "peak resident memory {peak_mib} MiB");
}

#[test]
fn preview_and_the_dry_run_list_each_messages_attachments() {
    let w = campaign(
        "attachments: \"{{files}}\"",
        "name,email,files\nAnn,ann@house.example,report.pdf;invite.ics\nBo,bo@senate.example,\n",
        2525,
    );
    w.file("report.pdf", vec![7u8; 1536]);
    w.file("invite.ics", b"BEGIN:VCALENDAR\r\n");
    // An empty cell means no files: not a gap in the letter to warn about.
    let check = run(&w, "check", &[]);
    check.expect_code(0);
    assert!(check.stderr.contains("0 warnings"), "{}", check.stderr);
    let preview = run(&w, "preview", &[]);
    preview.expect_code(0);
    assert!(
        preview
            .stdout
            .contains("Attachments: report.pdf (1.5 KiB), invite.ics (17 bytes)"),
        "{}",
        preview.stdout
    );
    assert_eq!(preview.stdout.matches("Attachments:").count(), 1);
    let dry = send(&w, &["--dry-run"]);
    dry.expect_code(0);
    assert!(
        dry.stdout
            .contains("Attachments: report.pdf (1.5 KiB), invite.ics (17 bytes)"),
        "{}",
        dry.stdout
    );
    let html = run(&w, "preview", &["--html", "review.html"]);
    html.expect_code(0);
    let page = std::fs::read_to_string(w.join("review.html")).unwrap();
    assert!(
        page.contains("<dt>Attachments</dt><dd>report.pdf (1.5 KiB), invite.ics (17 bytes)</dd>"),
        "{page}"
    );
    let eml = run(&w, "preview", &["--format", "eml", "--rows", "2"]);
    eml.expect_code(0);
    assert!(
        eml.stdout
            .contains("Content-Disposition: attachment; filename=\"report.pdf\""),
        "{}",
        eml.stdout
    );
}
