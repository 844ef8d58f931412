//! Pinning a self-signed server certificate through `ca_file`: the CA:TRUE certificate that
//! `openssl req -x509` makes is accepted when it is byte for byte the one in `ca_file`, with
//! the host name and the validity dates still checked; every other certificate is refused
//! with a message that says how to pin it. A rustls TLS server on 127.0.0.1 in the test.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use lettermerge::smtp::{Security, SmtpClient, SmtpError, SmtpSettings};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A self-signed certificate as `openssl req -x509` makes it (CA:TRUE), and its key.
struct SelfSigned {
    pem: String,
    der: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn self_signed(names: &[&str], not_after_year: i32) -> SelfSigned {
    let key = KeyPair::generate().expect("key");
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(not_after_year, 1, 1);
    let cert = params.self_signed(&key).expect("certificate");
    SelfSigned {
        pem: cert.pem(),
        der: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

/// An implicit-TLS SMTP server presenting `cert`: greets, answers EHLO and QUIT.
fn tls_server(cert: &SelfSigned) -> u16 {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocols")
    .with_no_client_auth()
    .with_single_cert(vec![cert.der.clone()], cert.key.clone_key())
    .expect("server config");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, stream);
                if tls.write_all(b"220 pinned.example ESMTP\r\n").is_err() {
                    return;
                }
                let mut reader = BufReader::new(tls);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    let reply: &[u8] = if line.starts_with("QUIT") {
                        b"221 bye\r\n"
                    } else {
                        b"250 pinned.example\r\n"
                    };
                    if reader.get_mut().write_all(reply).is_err() || line.starts_with("QUIT") {
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    port
}

fn connect(port: u16, ca_pem: &str) -> Result<SmtpClient, SmtpError> {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, ca_pem).expect("write ca_file");
    let mut s = SmtpSettings::new("localhost", port);
    s.security = Security::Tls;
    s.ca_file = Some(ca);
    s.timeout = Duration::from_secs(5);
    SmtpClient::connect(&s)
}

fn refused(result: Result<SmtpClient, SmtpError>) -> String {
    let err = result.expect_err("must be refused");
    assert!(
        matches!(
            err,
            SmtpError::Tls {
                untrusted: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_temporary());
    err.to_string()
}

#[test]
fn the_pinned_self_signed_ca_certificate_connects() {
    let cert = self_signed(&["localhost"], 2099);
    let port = tls_server(&cert);
    let client = connect(port, &cert.pem).expect("the pinned certificate is accepted");
    client.quit();
}

#[test]
fn another_self_signed_certificate_is_refused_and_the_error_says_how_to_pin() {
    let cert = self_signed(&["localhost"], 2099);
    let other = self_signed(&["localhost"], 2099);
    let port = tls_server(&cert);
    let text = refused(connect(port, &other.pem));
    assert!(text.contains("not trusted"), "{text}");
    assert!(
        text.contains("ca_file") && text.contains("pin it"),
        "{text}"
    );
}

#[test]
fn a_pinned_certificate_for_another_host_name_is_refused() {
    let cert = self_signed(&["mail.example.org"], 2099);
    let port = tls_server(&cert);
    let text = refused(connect(port, &cert.pem));
    assert!(text.contains("host name"), "{text}");
}

#[test]
fn an_expired_pinned_certificate_is_refused() {
    let cert = self_signed(&["localhost"], 2021);
    let port = tls_server(&cert);
    let text = refused(connect(port, &cert.pem));
    assert!(text.contains("expired"), "{text}");
}
