//! Test harness: a small blocking W3C WebDriver client for Debian's `chromium` through
//! `chromedriver`, over std TcpStream + serde_json. A few endpoints are all the studio tests
//! need (open, find, click, type, read text, screenshot); a client crate with its own async
//! runtime would cost more build time on a small machine than these lines.
//! Self-contained: `#[path = "support/webdriver.rs"] mod webdriver;`.
#![allow(dead_code)]

use base64::Engine;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The W3C name of an element reference in a response.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find(|n| {
            Command::new(n)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(|n| n.to_string())
}

/// A chromedriver process and one headless Chromium session; both end on drop.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

impl Browser {
    /// `None` (the test says so and passes) when chromedriver or chromium is missing;
    /// `scripts/test` installs both.
    pub fn start() -> Option<Browser> {
        let driver_bin = find_program(&["chromedriver", "/usr/bin/chromedriver"])?;
        let chromium = ["/usr/bin/chromium", "chromium"]
            .iter()
            .find(|p| !p.starts_with('/') || Path::new(p).exists())
            .map(|p| p.to_string())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--window-size=1280,800", "--disable-dev-shm-usage",
                         "--no-first-run", "--no-default-browser-check"]
            }
        }}});
        let value = browser.call("POST", "/session", Some(caps));
        browser.session = value["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {value}"))
            .to_string();
        // The screenshots are of a 1280×800 viewport: headless Chromium's window size counts
        // its (invisible) frame, so the window is grown by the difference.
        let inner = browser.session_call(
            "POST",
            "/execute/sync",
            Some(json!({"script": "return [window.innerWidth, window.innerHeight];", "args": []})),
        );
        let (w, h) = (
            inner[0].as_i64().unwrap_or(1280),
            inner[1].as_i64().unwrap_or(800),
        );
        browser.session_call(
            "POST",
            "/window/rect",
            Some(json!({"width": 1280 + (1280 - w), "height": 800 + (800 - h)})),
        );
        Some(browser)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("send");
        // chromedriver may keep the connection open: read the head, then Content-Length bytes.
        let mut raw = Vec::new();
        let mut buf = [0u8; 64 * 1024];
        let head_end = loop {
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = stream.read(&mut buf).expect("read");
            assert!(
                n > 0,
                "{method} {path}: connection closed before the response"
            );
            raw.extend_from_slice(&buf[..n]);
        };
        let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
        let length: Option<usize> = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok());
        match length {
            Some(length) => {
                while raw.len() < head_end + length {
                    let n = stream.read(&mut buf).expect("read");
                    assert!(n > 0, "{method} {path}: response cut short");
                    raw.extend_from_slice(&buf[..n]);
                }
                raw.truncate(head_end + length);
            }
            None => {
                stream.read_to_end(&mut raw).expect("read");
            }
        }
        let text = String::from_utf8_lossy(&raw[head_end..]).into_owned();
        let body = if head.contains("transfer-encoding: chunked") {
            dechunk(&text)
        } else {
            text
        };
        let value: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {body}"));
        if let Some(error) = value["value"]["error"].as_str() {
            panic!("{method} {path}: {error}: {}", value["value"]["message"]);
        }
        value["value"].clone()
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    pub fn goto(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn current_url(&self) -> String {
        self.session_call("GET", "/url", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// The first element matching the CSS selector, waiting up to 10 s for it.
    pub fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self.session_call(
                "POST",
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            );
            if let Some(id) = found
                .as_array()
                .and_then(|a| a.first())
                .and_then(|e| e[ELEMENT_KEY].as_str())
            {
                return id.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no element {css:?} on the page at {}: {found}",
                self.current_url()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn click(&self, element: &str) {
        self.session_call(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        );
    }

    /// Empties a text input, as selecting its text and deleting it would.
    pub fn clear(&self, element: &str) {
        self.session_call(
            "POST",
            &format!("/element/{element}/clear"),
            Some(json!({})),
        );
    }

    pub fn send_keys(&self, element: &str, text: &str) {
        self.session_call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        );
    }

    pub fn text(&self, element: &str) -> String {
        self.session_call("GET", &format!("/element/{element}/text"), None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// The page's visible text (read by script, so a page being replaced mid-read gives
    /// the old or the new text, never a stale element).
    pub fn page_text(&self) -> String {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({"script": "return document.body ? document.body.innerText : '';", "args": []})),
        )
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    /// Waits up to 10 s for the page's text to contain `needle`.
    pub fn wait_for_text(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.page_text();
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "the page never showed {needle:?}; it shows:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits up to 10 s for the page's text to no longer contain `needle`.
    pub fn wait_for_text_gone(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.page_text();
            if !text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "the page still shows {needle:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Writes a PNG of the viewport.
    pub fn screenshot(&self, path: &Path) {
        let b64 = self.session_call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().expect("base64"))
            .expect("PNG");
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.session_call("DELETE", "", None);
            }));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

// ---- Letter screen helpers: scripts, frames ----
impl Browser {
    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns
    /// what it returns.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Waits up to 10 s for `script` to return something other than null or false, and
    /// returns it.
    pub fn wait_for_script(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let v = self.execute(script, Vec::new());
            if !(v.is_null() || v == Value::Bool(false)) {
                return v;
            }
            assert!(Instant::now() < deadline, "never: {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Makes the frame `element` the one later commands look into.
    pub fn enter_frame(&self, element: &str) {
        self.session_call(
            "POST",
            "/frame",
            Some(json!({ "id": { ELEMENT_KEY: element } })),
        );
    }

    /// Back to the page around the current frame.
    pub fn leave_frame(&self) {
        self.session_call("POST", "/frame/parent", Some(json!({})));
    }
}
