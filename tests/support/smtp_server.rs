//! Test harness: starts the real SMTP server in tests/smtp_server.py (Python aiosmtpd 1.4.6) on
//! 127.0.0.1, with optional STARTTLS (certificates made here with rcgen), required AUTH and
//! faults chosen by recipient, and reads back the messages it stored and the events it logged.
//! Self-contained so any test file can use it with `#[path = "support/smtp_server.rs"] mod ...`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::Duration;

/// The pinned server version; its replies and hooks are what the tests expect.
const AIOSMTPD_VERSION: &str = "1.4.6";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encryption {
    Off,
    /// STARTTLS offered.
    StartTls,
    /// STARTTLS offered and required before MAIL.
    RequireStartTls,
    /// TLS from the first byte.
    Implicit,
}

/// How the server is started. Build with `Options::new()` and the methods below.
#[derive(Debug, Clone)]
pub struct Options {
    pub tls: Encryption,
    /// Sign the server certificate with a private test CA (the usual case) or make it
    /// self-signed. Either way `ca_file()` is what a client must trust.
    pub self_signed: bool,
    /// The names the server certificate is issued for.
    pub cert_names: Vec<String>,
    pub auth: Option<(String, String)>,
    pub slow_seconds: Option<f64>,
    pub pipelining: bool,
    /// Close connections idle this long, saying 421 first unless `idle_silent`.
    pub idle_timeout: Option<f64>,
    pub idle_silent: bool,
    /// Offer only AUTH LOGIN.
    pub login_only: bool,
    /// Wait this long before taking each message (before storing it).
    pub reply_delay_ms: Option<u64>,
    /// Advertise `SIZE n` and refuse bigger messages.
    pub size_limit: Option<u64>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            tls: Encryption::Off,
            self_signed: false,
            cert_names: vec!["localhost".to_string(), "127.0.0.1".to_string()],
            auth: None,
            slow_seconds: None,
            pipelining: true,
            idle_timeout: None,
            idle_silent: false,
            login_only: false,
            reply_delay_ms: None,
            size_limit: None,
        }
    }
}

impl Options {
    pub fn new() -> Options {
        Options::default()
    }
    pub fn tls(mut self, tls: Encryption) -> Options {
        self.tls = tls;
        self
    }
    pub fn self_signed(mut self) -> Options {
        self.self_signed = true;
        self
    }
    pub fn cert_names(mut self, names: &[&str]) -> Options {
        self.cert_names = names.iter().map(|n| n.to_string()).collect();
        self
    }
    pub fn auth(mut self, user: &str, password: &str) -> Options {
        self.auth = Some((user.to_string(), password.to_string()));
        self
    }
    pub fn slow_seconds(mut self, seconds: f64) -> Options {
        self.slow_seconds = Some(seconds);
        self
    }
    pub fn no_pipelining(mut self) -> Options {
        self.pipelining = false;
        self
    }
    pub fn reply_delay_ms(mut self, ms: u64) -> Options {
        self.reply_delay_ms = Some(ms);
        self
    }
    pub fn size_limit(mut self, bytes: u64) -> Options {
        self.size_limit = Some(bytes);
        self
    }

    pub fn login_only(mut self) -> Options {
        self.login_only = true;
        self
    }
    pub fn idle_timeout(mut self, seconds: f64, silent: bool) -> Options {
        self.idle_timeout = Some(seconds);
        self.idle_silent = silent;
        self
    }
}

/// A running server; killed when dropped.
pub struct TestServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    ca_file: Option<PathBuf>,
}

impl TestServer {
    pub fn start(options: Options) -> TestServer {
        let python = python();
        let dir = tempfile::tempdir().expect("temp dir for the SMTP server");
        let maildir = dir.path().join("mail");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_server.py");
        let mut command = Command::new(&python);
        command
            .arg(&script)
            .args(["--port", "0", "--maildir"])
            .arg(&maildir);
        let mut ca_file = None;
        if options.tls != Encryption::Off {
            let certs = write_certificates(dir.path(), options.self_signed, &options.cert_names);
            command
                .arg("--tls-cert")
                .arg(&certs.cert)
                .arg("--tls-key")
                .arg(&certs.key);
            match options.tls {
                Encryption::RequireStartTls => {
                    command.arg("--require-starttls");
                }
                Encryption::Implicit => {
                    command.arg("--implicit-tls");
                }
                Encryption::Off | Encryption::StartTls => {}
            }
            ca_file = Some(certs.ca);
        }
        if let Some((user, password)) = &options.auth {
            command.arg("--auth").arg(format!("{user}:{password}"));
            if options.login_only {
                command.arg("--login-only");
            }
        }
        if let Some(seconds) = options.slow_seconds {
            command.arg("--slow-seconds").arg(seconds.to_string());
        }
        if !options.pipelining {
            command.arg("--no-pipelining");
        }
        if let Some(ms) = options.reply_delay_ms {
            command.arg("--reply-delay-ms").arg(ms.to_string());
        }
        if let Some(seconds) = options.idle_timeout {
            command.arg("--idle-timeout").arg(seconds.to_string());
            if options.idle_silent {
                command.arg("--idle-silent");
            }
        }
        if let Some(bytes) = options.size_limit {
            command.arg("--size-limit").arg(bytes.to_string());
        }
        let log = std::fs::File::create(dir.path().join("server.log")).expect("server log file");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python}: {e}"));

        // The server prints `READY <port>` once it listens; wait for it, but not forever.
        let stdout = child.stdout.take().expect("server stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let port = line
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse::<u16>().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
            panic!("the test SMTP server did not start (printed {line:?}); its log:\n{log}");
        };
        TestServer {
            child,
            port,
            dir,
            ca_file,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The CA certificate (PEM) a client must trust; `None` without TLS.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Every stored message, in the order the server accepted them.
    pub fn messages(&self) -> Vec<Vec<u8>> {
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
            .map(|(_, p)| std::fs::read(p).expect("read stored message"))
            .collect()
    }

    /// Every event the server logged (connect, ehlo, starttls, auth, mail, rcpt, data,
    /// disconnect), each a JSON object with `conn` (1, 2, ...) and `event`.
    pub fn events(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.maildir().join("events.jsonl")).unwrap_or_default();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("event line is JSON"))
            .collect()
    }

    /// The events of one kind.
    pub fn events_named(&self, kind: &str) -> Vec<serde_json::Value> {
        self.events()
            .into_iter()
            .filter(|e| e["event"] == kind)
            .collect()
    }

    /// How many TCP connections the server has accepted.
    pub fn connections(&self) -> usize {
        self.events_named("connect").len()
    }

    /// The round trips clients made over every closed connection: each burst of a client
    /// that followed a reply of the server (EHLO is the first).
    pub fn round_trips(&self) -> u64 {
        self.events_named("disconnect")
            .iter()
            .map(|e| e["flights"].as_u64().unwrap_or(0))
            .sum()
    }

    /// What the server wrote to stderr, for failing tests.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$LETTERMERGE_TEST_PYTHON` or `python3`, checked once to have the pinned aiosmtpd.
fn python() -> String {
    static CHECKED: OnceLock<String> = OnceLock::new();
    CHECKED
        .get_or_init(|| {
            let python =
                std::env::var("LETTERMERGE_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string());
            let probe = Command::new(&python)
                .args(["-c", "import aiosmtpd; print(aiosmtpd.__version__)"])
                .output();
            let version = match &probe {
                Ok(out) if out.status.success() => {
                    String::from_utf8_lossy(&out.stdout).trim().to_string()
                }
                _ => String::new(),
            };
            if version != AIOSMTPD_VERSION {
                panic!(
                    "the SMTP tests need Python with aiosmtpd=={AIOSMTPD_VERSION}, and {python} has {}. \
                     Make one with:\n  python3 -m venv target/test-venv && \
                     target/test-venv/bin/pip install aiosmtpd=={AIOSMTPD_VERSION}\n\
                     then run the tests with LETTERMERGE_TEST_PYTHON=target/test-venv/bin/python \
                     (scripts/test does this)",
                    if version.is_empty() { "none".to_string() } else { version }
                );
            }
            python
        })
        .clone()
}

struct CertFiles {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

/// A server certificate for `names`, and the PEM a client must trust for it.
fn write_certificates(dir: &Path, self_signed: bool, names: &[String]) -> CertFiles {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let names = names.to_vec();
    let key = KeyPair::generate().expect("server key");
    let mut params = CertificateParams::new(names).expect("certificate parameters");
    params
        .distinguished_name
        .push(DnType::CommonName, "lettermerge test server");
    let (cert_pem, ca_pem) = if self_signed {
        let cert = params.self_signed(&key).expect("self-signed certificate");
        (cert.pem(), cert.pem())
    } else {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "lettermerge test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);
        let cert = params.signed_by(&key, &issuer).expect("server certificate");
        (cert.pem(), ca_cert.pem())
    };
    let files = CertFiles {
        ca: dir.join("ca.pem"),
        cert: dir.join("server-cert.pem"),
        key: dir.join("server-key.pem"),
    };
    std::fs::write(&files.ca, ca_pem).expect("write CA certificate");
    std::fs::write(&files.cert, cert_pem).expect("write server certificate");
    std::fs::write(&files.key, key.serialize_pem()).expect("write server key");
    files
}
