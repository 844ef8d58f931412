//! Test harness: starts the real `lettermerge studio DIR --port 0 --no-browser`, reads the URL
//! line it prints, and talks raw HTTP/1.1 to it over a std TcpStream (no client library, so
//! each test says exactly which headers go out). The child is killed when the guard drops.
//! Self-contained: `#[path = "support/studio.rs"] mod studio;`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running studio; killed on drop.
pub struct Studio {
    child: Child,
    pub port: u16,
    pub token: String,
    /// The URL as printed.
    pub url: String,
}

impl Studio {
    pub fn start(dir: &Path) -> Studio {
        Studio::start_env(dir, &[])
    }

    /// [`Studio::start`] with these environment variables set for the studio.
    pub fn start_env(dir: &Path, env: &[(&str, &str)]) -> Studio {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lettermerge"))
            .envs(env.iter().copied())
            .arg("studio")
            .arg(dir)
            .args(["--port", "0", "--no-browser"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start lettermerge studio");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("the studio printed no URL within 20 s");
            }
        };
        let url = line.trim().to_string();
        let rest = url
            .strip_prefix("http://127.0.0.1:")
            .unwrap_or_else(|| panic!("not the studio's URL line: {url:?}"));
        let (port, token) = rest.split_once("/?token=").expect("URL with ?token=");
        Studio {
            port: port.parse().expect("port"),
            token: token.to_string(),
            url,
            child,
        }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sends `head` (request line and headers, each ending in CRLF, without the blank line;
    /// `Host` and `Connection: close` are added unless `head` has a Host) and `body`.
    pub fn send(&self, head: &str, body: &[u8]) -> Response {
        let mut head = head.to_string();
        if !head.to_ascii_lowercase().contains("\r\nhost:") {
            head.push_str(&format!("Host: {}\r\n", self.host()));
        }
        head.push_str("Connection: close\r\n");
        if !body.is_empty() && !head.to_ascii_lowercase().contains("content-length:") {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        stream.write_all(head.as_bytes()).expect("write head");
        stream.write_all(body).expect("write body");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read response");
        Response::parse(&raw)
    }

    /// The cookie the token gives, as a `Cookie:` header value.
    pub fn login(&self) -> String {
        let r = self.send(&format!("GET /?token={} HTTP/1.1\r\n", self.token), b"");
        assert_eq!(r.status, 303, "{}", r.body);
        let cookie = r.header("set-cookie").expect("Set-Cookie").to_string();
        cookie.split(';').next().unwrap().to_string()
    }

    pub fn get(&self, path: &str, cookie: &str) -> Response {
        self.send(&format!("GET {path} HTTP/1.1\r\nCookie: {cookie}\r\n"), b"")
    }

    /// A same-origin form POST, as the studio's own pages send it.
    pub fn post_form(&self, path: &str, cookie: &str, body: &str) -> Response {
        self.send(
            &format!(
                "POST {path} HTTP/1.1\r\nCookie: {cookie}\r\nOrigin: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n",
                self.origin()
            ),
            body.as_bytes(),
        )
    }

    /// A same-origin multipart upload of one file in the field `file`.
    pub fn upload(&self, cookie: &str, file_name: &str, contents: &[u8]) -> Response {
        let (content_type, body) = multipart(file_name, contents);
        self.send(
            &format!(
                "POST /upload HTTP/1.1\r\nCookie: {cookie}\r\nOrigin: {}\r\nContent-Type: {content_type}\r\n",
                self.origin()
            ),
            &body,
        )
    }
}

impl Drop for Studio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub const BOUNDARY: &str = "----lettermergeTestBoundary7MA4YWxkTrZu0gW";

/// (Content-Type, body) of a multipart/form-data upload.
pub fn multipart(file_name: &str, contents: &[u8]) -> (String, Vec<u8>) {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(contents);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    fn parse(raw: &[u8]) -> Response {
        let text = String::from_utf8_lossy(raw);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("no HTTP response: {text:?}"));
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Response {
            status,
            headers,
            body: body.to_string(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
