//! Test harness: starts tests/oauth_server.py (an OAuth 2 authorization server and an SMTP
//! server that checks its bearer tokens, both on 127.0.0.1) and reads back what it issued,
//! stored and logged. Use with `#[path = "support/oauth_server.rs"] mod oauth_server;`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How the server is started.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Seconds an access token really lives.
    pub token_lifetime: Option<f64>,
    /// Seconds the token answer says it lives (`expires_in`).
    pub claimed_lifetime: Option<f64>,
    pub client_secret: Option<String>,
    pub max_messages_per_conn: Option<u32>,
    /// HTTPS with a self-signed certificate for 127.0.0.1 (see `ca_file`).
    pub tls: bool,
}

/// A running server; killed when dropped.
pub struct OAuthServer {
    child: Child,
    http_port: u16,
    smtp_port: u16,
    dir: tempfile::TempDir,
    ca_file: Option<PathBuf>,
}

impl OAuthServer {
    pub fn start(options: Options) -> OAuthServer {
        let python =
            std::env::var("LETTERMERGE_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string());
        let dir = tempfile::tempdir().expect("temp dir for the OAuth server");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oauth_server.py");
        let mut command = Command::new(&python);
        command
            .arg(&script)
            .arg("--maildir")
            .arg(dir.path().join("mail"));
        if let Some(s) = options.token_lifetime {
            command.arg("--token-lifetime").arg(s.to_string());
        }
        if let Some(s) = options.claimed_lifetime {
            command.arg("--claimed-lifetime").arg(s.to_string());
        }
        if let Some(s) = &options.client_secret {
            command.arg("--client-secret").arg(s);
        }
        if let Some(n) = options.max_messages_per_conn {
            command.arg("--max-messages-per-conn").arg(n.to_string());
        }
        let mut ca_file = None;
        if options.tls {
            let key = rcgen::KeyPair::generate().expect("key");
            let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
                .expect("certificate parameters");
            let cert = params.self_signed(&key).expect("self-signed certificate");
            let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
            std::fs::write(&cert_path, cert.pem()).expect("write certificate");
            std::fs::write(&key_path, key.serialize_pem()).expect("write key");
            command
                .arg("--tls-cert")
                .arg(&cert_path)
                .arg("--tls-key")
                .arg(&key_path);
            ca_file = Some(cert_path);
        }
        let log = std::fs::File::create(dir.path().join("server.log")).expect("server log");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python}: {e}"));
        let stdout = child.stdout.take().expect("server stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let ports: Vec<u16> = line
            .strip_prefix("READY ")
            .map(|p| {
                p.split_whitespace()
                    .filter_map(|n| n.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        if ports.len() != 2 {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
            panic!("the OAuth test server did not start (printed {line:?}); its log:\n{log}");
        }
        OAuthServer {
            child,
            http_port: ports[0],
            smtp_port: ports[1],
            dir,
            ca_file,
        }
    }

    pub fn smtp_port(&self) -> u16 {
        self.smtp_port
    }

    /// `http://127.0.0.1:PORT{path}` (https with `tls`).
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.ca_file.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://127.0.0.1:{}{path}", self.http_port)
    }

    /// The server's self-signed certificate, with `tls`.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// A GET to a test hook; the JSON answer.
    pub fn get(&self, path: &str) -> serde_json::Value {
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(ca) = &self.ca_file {
            let pem = std::fs::read(ca).expect("read certificate");
            let cert = ureq::tls::Certificate::from_pem(&pem).expect("certificate");
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&[cert]));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls.build())
            .build()
            .into();
        let mut response = agent
            .get(&self.url(path))
            .call()
            .expect("test hook answers");
        let text = response.body_mut().read_to_string().expect("hook answer");
        serde_json::from_str(&text).expect("hook answer is JSON")
    }

    /// Every token text the server issued.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.get("/tokens")["tokens"]
            .as_array()
            .expect("token list")
            .iter()
            .map(|t| t.as_str().unwrap_or_default().to_string())
            .collect()
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Every stored message, in the order the server accepted them.
    pub fn messages(&self) -> Vec<String> {
        let mut numbered: Vec<(u64, PathBuf)> = std::fs::read_dir(self.maildir())
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter_map(|p| {
                        let n = p
                            .file_name()?
                            .to_str()?
                            .strip_suffix(".eml")?
                            .parse()
                            .ok()?;
                        Some((n, p))
                    })
                    .collect()
            })
            .unwrap_or_default();
        numbered.sort();
        numbered
            .into_iter()
            .map(|(_, p)| String::from_utf8_lossy(&std::fs::read(p).expect("message")).into_owned())
            .collect()
    }

    /// Every event logged, each a JSON object with `event` (and `conn`, null for HTTP ones).
    pub fn events(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.maildir().join("events.jsonl")).unwrap_or_default();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("event line is JSON"))
            .collect()
    }

    pub fn events_named(&self, kind: &str) -> Vec<serde_json::Value> {
        self.events()
            .into_iter()
            .filter(|e| e["event"] == kind)
            .collect()
    }

    /// What the server wrote to stderr, for failing tests.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for OAuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
