//! The studio as an attack surface: the real binary, raw HTTP over a TCP socket, and the
//! refusals a user's browser (or a hostile page in it) would meet.

#[path = "support/studio.rs"]
mod studio;

use studio::Studio;

/// A started campaign (through the studio's own button) and a cookie for it.
fn started(dir: &std::path::Path) -> (Studio, String) {
    let studio = Studio::start(dir);
    let cookie = studio.login();
    let r = studio.post_form("/start", &cookie, "");
    assert_eq!(r.status, 303, "{}", r.body);
    (studio, cookie)
}

#[test]
fn without_the_token_every_page_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let studio = Studio::start(tmp.path());
    for path in ["/", "/assets/studio.css", "/nowhere"] {
        let r = studio.send(&format!("GET {path} HTTP/1.1\r\n"), b"");
        assert_eq!(r.status, 403, "{path}");
        assert!(
            r.body.contains("Use the URL the terminal printed"),
            "{}",
            r.body
        );
    }
    let wrong = "0".repeat(64);
    let r = studio.send(&format!("GET /?token={wrong} HTTP/1.1\r\n"), b"");
    assert_eq!(r.status, 403);
    assert!(r.header("set-cookie").is_none());
    let r = studio.get("/", &format!("lm_token_{}={wrong}", studio.port));
    assert_eq!(r.status, 403);
}

#[test]
fn the_token_becomes_a_strict_cookie_and_leaves_the_address() {
    let tmp = tempfile::tempdir().unwrap();
    let studio = Studio::start(tmp.path());
    assert_eq!(studio.token.len(), 64);
    let r = studio.send(
        &format!("GET /?page=2&token={} HTTP/1.1\r\n", studio.token),
        b"",
    );
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/?page=2"));
    let cookie = r.header("set-cookie").unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");

    let cookie = studio.login();
    let r = studio.get("/", &cookie);
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Start a campaign here"), "{}", r.body);
    let csp = r.header("content-security-policy").expect("CSP");
    assert!(csp.contains("default-src 'self'") && csp.contains("object-src 'none'"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("referrer-policy"), Some("same-origin"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let css = studio.get("/assets/studio.css", &cookie);
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
}

#[test]
fn a_foreign_host_is_refused_even_with_the_token() {
    let tmp = tempfile::tempdir().unwrap();
    let studio = Studio::start(tmp.path());
    let cookie = studio.login();
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{}", studio.port),
        "127.0.0.1".to_string(),
    ] {
        let r = studio.send(
            &format!("GET / HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"),
            b"",
        );
        assert_eq!(r.status, 421, "{host}");
        let r = studio.send(
            &format!("GET /?token={} HTTP/1.1\r\nHost: {host}\r\n", studio.token),
            b"",
        );
        assert_eq!(r.status, 421, "{host}");
        assert!(r.header("set-cookie").is_none());
    }
    let r = studio.send(
        &format!(
            "GET / HTTP/1.1\r\nHost: localhost:{}\r\nCookie: {cookie}\r\n",
            studio.port
        ),
        b"",
    );
    assert_eq!(r.status, 200);
}

#[test]
fn a_post_without_our_origin_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let studio = Studio::start(tmp.path());
    let cookie = studio.login();
    for origin in [
        None,
        Some("http://evil.example".to_string()),
        Some("null".to_string()),
        Some(format!("https://127.0.0.1:{}", studio.port)),
    ] {
        let origin_line = origin
            .as_ref()
            .map(|o| format!("Origin: {o}\r\n"))
            .unwrap_or_default();
        let r = studio.send(
            &format!("POST /start HTTP/1.1\r\nCookie: {cookie}\r\n{origin_line}"),
            b"",
        );
        assert_eq!(r.status, 403, "{origin:?}");
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            0,
            "{origin:?} wrote files"
        );
    }
    // The same POST from the studio's own page starts the campaign.
    let r = studio.post_form("/start", &cookie, "");
    assert_eq!(r.status, 303);
    assert!(tmp.path().join("welcome.md").is_file());
    assert!(tmp.path().join("lettermerge.toml").is_file());
}

#[test]
fn an_upload_named_with_a_path_lands_inside_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("campaign");
    let (studio, cookie) = started(&dir);
    let csv = b"First Name,Last Name,Email\nAda,<script>alert(1)</script>,ada@example.org\n";
    for name in ["../x.csv", "..%2F..%2Fy.csv", "/tmp/z.csv", "..\\\\w.csv"] {
        let r = studio.upload(&cookie, name, csv);
        assert_eq!(r.status, 303, "{name}: {}", r.body);
    }
    let outside: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(outside, vec![std::ffi::OsString::from("campaign")]);
    assert_eq!(std::fs::read(dir.join("x.csv")).unwrap(), csv);
    assert!(dir.join("z.csv").is_file());
    // The last upload is the one shown, and the data is text, never markup.
    let page = studio.get("/", &cookie);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.body.contains("<script>alert"));
    assert!(page.body.contains("Ada"));
    // No temp file is left behind.
    assert!(!std::fs::read_dir(&dir).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".tmp")));
}

#[test]
fn an_upload_never_replaces_the_template_or_writes_through_a_link() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("campaign");
    let (studio, cookie) = started(&dir);
    let template = std::fs::read(dir.join("welcome.md")).unwrap();
    for name in [
        "welcome.md",
        "lettermerge.toml",
        "studio.toml",
        "../welcome.md",
    ] {
        let r = studio.upload(&cookie, name, b"x");
        assert_eq!(r.status, 400, "{name}");
        assert!(r.body.contains("upload a CSV"), "{}", r.body);
    }
    assert_eq!(std::fs::read(dir.join("welcome.md")).unwrap(), template);

    let outside = tmp.path().join("outside.csv");
    std::fs::write(&outside, "keep me\n").unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("link.csv")).unwrap();
    let r = studio.upload(&cookie, "link.csv", b"a,b\n1,2\n");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("link"), "{}", r.body);
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep me\n");
}

#[test]
fn an_oversized_upload_gets_a_clear_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let (studio, cookie) = started(tmp.path());
    // The declared size alone is enough to refuse: no need to send 65 MiB.
    let r = studio.send(
        &format!(
            "POST /upload HTTP/1.1\r\nCookie: {cookie}\r\nOrigin: {}\r\nContent-Type: multipart/form-data; boundary={}\r\nContent-Length: {}\r\n",
            studio.origin(),
            studio::BOUNDARY,
            65 * 1024 * 1024
        ),
        b"",
    );
    assert_eq!(r.status, 413);
    assert!(r.body.contains("too large"), "{}", r.body);
    assert!(r.body.contains("64 MiB"), "{}", r.body);
}

#[test]
fn the_data_table_pages_through_the_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let (studio, cookie) = started(tmp.path());
    let mut csv = String::from("First Name,Last Name,Email\n");
    for i in 1..=250 {
        csv.push_str(&format!("Name{i},Last{i},n{i}@example.org\n"));
    }
    let r = studio.upload(&cookie, "many.csv", csv.as_bytes());
    assert_eq!(r.status, 303);
    let page1 = studio.get("/", &cookie);
    assert!(page1.body.contains("250 rows"), "{}", page1.body);
    assert!(page1.body.contains("Name100<") && !page1.body.contains("Name101<"));
    let page3 = studio.get("/?page=3", &cookie);
    assert!(page3.body.contains("Name250<") && !page3.body.contains("Name200<"));
    assert!(page3.body.contains("Rows 201–250 of 250"));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("studio.toml"))
            .unwrap()
            .lines()
            .last(),
        Some("data = \"many.csv\"")
    );
}

#[test]
fn every_state_changing_screen_refuses_a_foreign_origin() {
    let tmp = tempfile::tempdir().unwrap();
    let (studio, cookie) = started(tmp.path());
    let config = std::fs::read_to_string(tmp.path().join("lettermerge.toml")).unwrap();
    for (path, body) in [
        ("/exclude", "row=2&include=0"),
        ("/fields", "first_name=last_name"),
        ("/print", "duplex=1"),
        ("/choose", "name=officials.csv"),
    ] {
        let r = studio.send(
            &format!(
                "POST {path} HTTP/1.1\r\nCookie: {cookie}\r\nOrigin: http://evil.example\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            ),
            body.as_bytes(),
        );
        assert_eq!(r.status, 403, "{path}");
    }
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("lettermerge.toml")).unwrap(),
        config,
        "the config is untouched"
    );
    assert!(!tmp.path().join("letters").exists(), "nothing was printed");
    // From the studio's own page the same exclusion is saved.
    let r = studio.post_form("/exclude", &cookie, "row=2&include=0");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, "1");
    let r = studio.post_form("/exclude", &cookie, "row=99&include=0");
    assert_eq!(r.status, 409);
    assert!(r.body.contains("has no row 99"), "{}", r.body);
    // A column the data lacks is not written into [columns].
    let r = studio.post_form("/fields", &cookie, "first_name=Nickname+Column");
    assert_eq!(r.status, 400);
    assert!(
        !std::fs::read_to_string(tmp.path().join("lettermerge.toml"))
            .unwrap()
            .contains("Nickname Column")
    );
}

#[test]
fn only_plain_files_of_the_letters_folder_are_served() {
    let tmp = tempfile::tempdir().unwrap();
    let (studio, cookie) = started(tmp.path());
    std::fs::create_dir(tmp.path().join("letters")).unwrap();
    std::fs::write(tmp.path().join("letters/a.pdf"), b"%PDF-1.7 test").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        tmp.path().join("lettermerge.toml"),
        tmp.path().join("letters/link.pdf"),
    )
    .unwrap();
    let r = studio.get("/files/letters/a.pdf", &cookie);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    for path in [
        "/files/letters/link.pdf",
        "/files/letters/..%2Flettermerge.toml",
        "/files/letters/%2E%2E",
        "/files/letters/.hidden",
    ] {
        let r = studio.get(path, &cookie);
        assert_eq!(r.status, 404, "{path}");
    }
}

#[test]
fn a_workbook_with_two_sheets_gets_a_sheet_picker_and_the_choice_sticks() {
    let tmp = tempfile::tempdir().unwrap();
    let (studio, cookie) = started(tmp.path());
    let mut book = rust_xlsxwriter::Workbook::new();
    for (sheet, people) in [
        ("Senate", ["Ada Senator", "Bo Senator"]),
        ("House", ["Cy Member", "Di Member"]),
    ] {
        let ws = book.add_worksheet().set_name(sheet).unwrap();
        ws.write_string(0, 0, "first_name").unwrap();
        ws.write_string(0, 1, "last_name").unwrap();
        for (i, p) in people.iter().enumerate() {
            let (first, last) = p.split_once(' ').unwrap();
            ws.write_string(i as u32 + 1, 0, first).unwrap();
            ws.write_string(i as u32 + 1, 1, last).unwrap();
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let r = studio.upload(&cookie, "legislature.xlsx", &bytes);
    assert_eq!(r.status, 303, "{}", r.body);
    let page = studio.get("/", &cookie);
    assert!(
        page.body.contains(r#"<select name="sheet">"#),
        "{}",
        page.body
    );
    assert!(page.body.contains("sheet “Senate”"), "{}", page.body);
    assert!(page.body.contains("Ada"), "{}", page.body);
    let r = studio.post_form("/choose", &cookie, "name=legislature.xlsx&sheet=House");
    assert_eq!(r.status, 303, "{}", r.body);
    let page = studio.get("/", &cookie);
    assert!(page.body.contains("sheet “House”"), "{}", page.body);
    assert!(
        page.body.contains("Cy") && !page.body.contains("Ada"),
        "{}",
        page.body
    );
    let choice = std::fs::read_to_string(tmp.path().join("studio.toml")).unwrap();
    assert!(choice.contains("sheet = \"House\""), "{choice}");
    // A sheet the workbook lacks is said in the page, not a broken one.
    let r = studio.post_form("/choose", &cookie, "name=legislature.xlsx&sheet=Council");
    assert_eq!(r.status, 303);
    let page = studio.get("/", &cookie);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Council"), "{}", page.body);
    assert!(
        page.body.contains("House"),
        "the sheets are listed: {}",
        page.body
    );
}
