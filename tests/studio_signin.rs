//! The studio's sign-in for Microsoft 365 / Google style providers, in a real browser
//! (Debian's chromium through chromedriver), against the tests' OAuth 2 server and
//! bearer-checking SMTP server (tests/oauth_server.py) on 127.0.0.1: the Email screen's Sign
//! in button runs the device grant, the page shows the address and the code, the provider
//! approves, the page says where the sign-in is kept, and a test send then logs in with the
//! access token; no token ever shows in the page.

mod common;
#[path = "support/oauth_server.rs"]
mod oauth_server;
#[path = "support/studio.rs"]
mod studio;
#[path = "support/webdriver.rs"]
mod webdriver;

use oauth_server::{OAuthServer, Options};
use std::path::PathBuf;
use studio::Studio;
use webdriver::Browser;

const USER: &str = "advocacy@library.example";

fn screens() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/studio-screens")
}

#[test]
fn sign_in_from_the_email_screen_then_a_test_send_logs_in_with_the_token() {
    let server = OAuthServer::start(Options::default());
    let browser = Browser::start().unwrap_or_else(|| {
        panic!("chromedriver or chromium is not installed; scripts/test installs them")
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("campaign");
    let store = tmp.path().join("tokens");
    let studio = Studio::start_env(
        &dir,
        &[("LETTERMERGE_TOKEN_STORE", store.to_str().unwrap())],
    );
    browser.goto(&studio.url);
    browser.click(&browser.find("form[action='/start'] button"));
    browser.wait_for_text("21 rows");

    // The office's mail system: a provider reached by OAuth 2 (here the tests' own).
    std::fs::write(
        dir.join("lettermerge.toml"),
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nusername = \"{USER}\"\n\
             from = \"Library Advocacy <{USER}>\"\nauth = \"oauth2\"\ntimeout_s = 5\n\n\
             [smtp.oauth]\nflow = \"device\"\ntoken_url = \"{}\"\ndevice_url = \"{}\"\n\
             authorization_url = \"{}\"\nclient_id = \"lettermerge-test\"\n\
             scopes = [\"mail.send\", \"offline_access\"]\n",
            server.smtp_port(),
            server.url("/token"),
            server.url("/device"),
            server.url("/authorize"),
        ),
    )
    .unwrap();

    browser.goto(&format!("{}/email", studio.origin()));
    browser.wait_for_text("signs in with the provider, once");
    // The form shows the config's way of logging in, so saving it keeps it.
    let selected = browser.execute(
        "return document.querySelector('form.smtp-form select[name=auth]').value;",
        vec![],
    );
    assert_eq!(selected, "oauth2");
    browser.click(&browser.find("form[action='/email/signin'] button"));
    let text = browser.wait_for_text("enter the code");
    let line = text
        .lines()
        .find(|l| l.contains("enter the code"))
        .unwrap()
        .to_string();
    let code = line.rsplit(' ').next().unwrap().trim().to_string();
    let link = browser.find("#signin-status a");
    assert_eq!(
        browser.text(&link),
        server.url("/verify"),
        "the provider's page is a link: {line}"
    );
    browser.screenshot(&screens().join("email-signin-1-code.png"));
    let approved = server.get(&format!("/approve?user_code={code}"));
    assert_eq!(approved["approved"], true);
    let done = browser.wait_for_text("Signed in. The sign-in is kept");
    assert!(done.contains("readable only by you"), "{done}");
    browser.screenshot(&screens().join("email-signin-2-done.png"));
    let kept: Vec<_> = std::fs::read_dir(&store).unwrap().collect();
    assert_eq!(kept.len(), 1, "one sign-in kept in the store");

    // A test send now logs in with an access token from the kept sign-in.
    let to = browser.find("form.test-form input[name=to]");
    browser.send_keys(&to, "me@library.example");
    browser.click(&browser.find("form.test-form button[type=submit]"));
    browser.wait_for_text("Sent 1 test message(s) to me@library.example");
    assert_eq!(server.messages().len(), 1);
    let auths = server.events_named("auth");
    assert!(
        auths.iter().any(|e| e["ok"] == true),
        "the server took the bearer token: {auths:?}"
    );

    // No token ever reached the page or the campaign folder.
    let page = browser.page_text();
    for token in server.issued_tokens() {
        assert!(!page.contains(&token), "a token in the page");
        for entry in walk(&dir) {
            let bytes = std::fs::read(&entry).unwrap_or_default();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(&token),
                "a token in {}",
                entry.display()
            );
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
