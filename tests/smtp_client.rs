//! The SMTP client against a real SMTP server (aiosmtpd, tests/smtp_server.py) over real TCP on
//! 127.0.0.1: TLS and trust, login, one connection for many messages, and every injected fault
//! sorted into the right outcome.

#[path = "support/smtp_server.rs"]
mod smtp_server;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use lettermerge::smtp::{Secret, Security, SendError, SmtpClient, SmtpError, SmtpSettings};
use smtp_server::{Encryption, Options, TestServer};

const USER: &str = "advocacy@example.org";
const PASSWORD: &str = "correct horse battery staple";
const FROM: &str = "advocacy@example.org";

fn settings(server: &TestServer, security: Security) -> SmtpSettings {
    let mut s = SmtpSettings::new("127.0.0.1", server.port());
    s.security = security;
    s.ca_file = server.ca_file().map(Into::into);
    s.timeout = Duration::from_secs(10);
    s
}

fn with_login(mut s: SmtpSettings) -> SmtpSettings {
    s.username = Some(USER.to_string());
    s.secret = Some(Secret::Password(PASSWORD.to_string()));
    s
}

fn message(to: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: Advocacy <{FROM}>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{subject}@test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDear official,\r\n\r\nWelcome.\r\n"
    )
    .into_bytes()
}

fn to(addresses: &[&str]) -> Vec<String> {
    addresses.iter().map(|a| a.to_string()).collect()
}

fn subjects(server: &TestServer) -> Vec<String> {
    server
        .messages()
        .iter()
        .map(|m| {
            let text = String::from_utf8_lossy(m);
            text.lines()
                .find_map(|l| l.strip_prefix("Subject: "))
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

fn connect(s: &SmtpSettings, server: &TestServer) -> SmtpClient {
    SmtpClient::connect(s).unwrap_or_else(|e| panic!("connect failed: {e}\n{}", server.log()))
}

#[test]
fn starttls_with_a_private_ca_and_login_delivers() {
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::RequireStartTls)
            .auth(USER, PASSWORD),
    );
    let s = with_login(settings(&server, Security::StartTls));
    let mut client = connect(&s, &server);
    let delivery = client
        .send(
            FROM,
            &to(&["mayor@example.gov"]),
            &message("mayor@example.gov", "hello"),
        )
        .expect("delivered");
    assert_eq!(delivery.reply.code, 250, "{}", delivery.reply);
    assert!(delivery.refused.is_empty());
    client.quit();

    assert_eq!(subjects(&server), ["hello"]);
    let kinds: Vec<String> = server
        .events()
        .iter()
        .map(|e| e["event"].as_str().unwrap_or("").to_string())
        .collect();
    let starttls = kinds
        .iter()
        .position(|k| k == "starttls")
        .expect("STARTTLS happened");
    let auth = kinds
        .iter()
        .position(|k| k == "auth")
        .expect("login happened");
    assert!(starttls < auth, "login only after TLS: {kinds:?}");
    let auth = &server.events_named("auth")[0];
    assert_eq!(auth["ok"], true);
    assert_eq!(auth["mechanism"], "PLAIN");
}

#[test]
fn a_self_signed_certificate_is_trusted_through_ca_file() {
    let server = TestServer::start(Options::new().tls(Encryption::StartTls).self_signed());
    let mut client = connect(&settings(&server, Security::StartTls), &server);
    client
        .send(
            FROM,
            &to(&["a@example.gov"]),
            &message("a@example.gov", "self-signed"),
        )
        .expect("delivered");
    assert_eq!(subjects(&server), ["self-signed"]);
}

#[test]
fn implicit_tls_delivers() {
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::Implicit)
            .auth(USER, PASSWORD),
    );
    let s = with_login(settings(&server, Security::Tls));
    let mut client = connect(&s, &server);
    client
        .send(
            FROM,
            &to(&["a@example.gov"]),
            &message("a@example.gov", "implicit"),
        )
        .expect("delivered");
    assert_eq!(subjects(&server), ["implicit"]);
}

#[test]
fn an_untrusted_certificate_is_refused_with_a_clear_error() {
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::RequireStartTls)
            .auth(USER, PASSWORD),
    );
    let mut s = with_login(settings(&server, Security::StartTls));
    s.ca_file = None;
    let err = SmtpClient::connect(&s).expect_err("must be refused");
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
    let text = err.to_string();
    assert!(text.contains("not trusted"), "{text}");
    assert!(text.contains("ca_file"), "says how to fix it: {text}");
    assert!(!err.is_temporary());
    assert!(
        server.events_named("auth").is_empty(),
        "no password was offered to an untrusted server"
    );

    // The explicit opt-out connects anyway.
    s.accept_invalid_certs = true;
    let mut client = connect(&s, &server);
    client
        .send(
            FROM,
            &to(&["a@example.gov"]),
            &message("a@example.gov", "opt-out"),
        )
        .expect("delivered");
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::StartTls)
            .cert_names(&["mail.example.org"]),
    );
    let s = settings(&server, Security::StartTls);
    let err = SmtpClient::connect(&s).expect_err("must be refused");
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
    assert!(err.to_string().contains("host name"), "{err}");
}

#[test]
fn starttls_is_required_when_configured() {
    let server = TestServer::start(Options::new());
    let err = SmtpClient::connect(&with_login(settings(&server, Security::StartTls)))
        .expect_err("must be refused");
    assert!(
        matches!(err, SmtpError::StartTlsUnavailable { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("unencrypted"), "{err}");
    assert!(server.events_named("auth").is_empty());
}

#[test]
fn a_wrong_password_is_an_auth_error_that_never_shows_the_password() {
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::RequireStartTls)
            .auth(USER, PASSWORD),
    );
    let mut s = with_login(settings(&server, Security::StartTls));
    s.secret = Some(Secret::Password("wrong-secret-123".to_string()));
    let err = SmtpClient::connect(&s).expect_err("login must fail");
    let SmtpError::Auth { reply, .. } = &err else {
        panic!("expected an Auth error, got {err:?}");
    };
    assert_eq!(reply.as_ref().map(|r| r.code), Some(535), "{err}");
    assert!(!err.is_temporary());
    let shown = format!("{err} {err:?} {s:?}");
    assert!(!shown.contains("wrong-secret-123"), "{shown}");
    assert!(shown.contains(USER), "names the account: {shown}");
    assert_eq!(server.events_named("auth")[0]["ok"], false);
}

#[test]
fn xoauth2_login() {
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::RequireStartTls)
            .auth(USER, "ya29.token"),
    );
    let mut s = settings(&server, Security::StartTls);
    s.username = Some(USER.to_string());
    s.secret = Some(Secret::XOAuth2("ya29.token".to_string()));
    let mut client = connect(&s, &server);
    client
        .send(
            FROM,
            &to(&["a@example.gov"]),
            &message("a@example.gov", "oauth"),
        )
        .expect("delivered");
    assert_eq!(server.events_named("auth")[0]["mechanism"], "XOAUTH2");

    s.secret = Some(Secret::XOAuth2("expired".to_string()));
    let err = SmtpClient::connect(&s).expect_err("login must fail");
    assert!(matches!(err, SmtpError::Auth { .. }), "{err:?}");
}

#[test]
fn auth_login_when_plain_is_not_offered() {
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::RequireStartTls)
            .auth(USER, PASSWORD)
            .login_only(),
    );
    let s = with_login(settings(&server, Security::StartTls));
    let mut client = connect(&s, &server);
    client
        .send(
            FROM,
            &to(&["a@example.gov"]),
            &message("a@example.gov", "login"),
        )
        .expect("delivered");
    assert_eq!(server.events_named("auth")[0]["mechanism"], "LOGIN");

    let mut wrong = s.clone();
    wrong.secret = Some(Secret::Password("nope".to_string()));
    let err = SmtpClient::connect(&wrong).expect_err("login must fail");
    let SmtpError::Auth { reply, .. } = &err else {
        panic!("expected an Auth error, got {err:?}");
    };
    assert_eq!(reply.as_ref().map(|r| r.code), Some(535), "{err}");
}

/// Sends `count` messages over one connection and returns messages per second.
fn throughput(server: &TestServer, s: &SmtpSettings, count: usize) -> f64 {
    let mut client = connect(s, server);
    let bodies: Vec<Vec<u8>> = (0..count)
        .map(|i| message("official@example.gov", &format!("bulk-{i}")))
        .collect();
    let recipients = to(&["official@example.gov"]);
    let start = Instant::now();
    for body in &bodies {
        client.send(FROM, &recipients, body).expect("delivered");
    }
    let elapsed = start.elapsed();
    client.quit();
    assert_eq!(server.messages().len(), count);
    assert_eq!(server.connections(), 1, "one connection for every message");
    let per_second = count as f64 / elapsed.as_secs_f64();
    eprintln!(
        "{count} messages in {:.3} s: {per_second:.0} msgs/s, {:.2} ms each",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / count as f64
    );
    // A delayed-ACK stall would cost ~40 ms per message (8 s for 200).
    assert!(
        elapsed < Duration::from_millis(20) * count as u32,
        "{count} messages took {elapsed:?}"
    );
    per_second
}

#[test]
fn two_hundred_messages_over_one_connection_are_fast() {
    let server = TestServer::start(Options::new());
    throughput(&server, &settings(&server, Security::None), 200);
}

#[test]
fn two_hundred_messages_over_one_connection_without_pipelining() {
    let server = TestServer::start(Options::new().no_pipelining());
    throughput(&server, &settings(&server, Security::None), 200);
}

#[test]
fn two_hundred_messages_over_starttls_with_login() {
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::RequireStartTls)
            .auth(USER, PASSWORD),
    );
    throughput(
        &server,
        &with_login(settings(&server, Security::StartTls)),
        200,
    );
    assert_eq!(server.events_named("auth").len(), 1, "logged in once");
}

fn refused_cc_goes_to_the_others(pipelining: bool) {
    let server = TestServer::start(if pipelining {
        Options::new()
    } else {
        Options::new().no_pipelining()
    });
    let mut client = connect(&settings(&server, Security::None), &server);
    let delivery = client
        .send(
            FROM,
            &to(&[
                "mayor@example.gov",
                "reject550.clerk@example.gov",
                "aide@example.gov",
            ]),
            &message("mayor@example.gov", "cc"),
        )
        .expect("delivered to the others");
    assert_eq!(delivery.reply.code, 250);
    assert_eq!(delivery.refused.len(), 1);
    assert_eq!(delivery.refused[0].0, "reject550.clerk@example.gov");
    assert_eq!(delivery.refused[0].1.code, 550);
    assert_eq!(delivery.refused[0].1.to_string(), "550 5.1.1 no such user");
    assert_eq!(subjects(&server), ["cc"]);

    // Everyone refused: permanent, each refusal listed, nothing stored.
    let err = client
        .send(
            FROM,
            &to(&["reject550a@example.gov", "reject550b@example.gov"]),
            &message("reject550a@example.gov", "nobody"),
        )
        .expect_err("nobody to deliver to");
    let SendError::Permanent { reply, refused } = &err else {
        panic!("expected Permanent, got {err:?}");
    };
    assert_eq!(reply.code, 550);
    assert_eq!(refused.len(), 2);
    assert!(!err.is_retryable());
    assert!(
        server.events_named("data").len() == 1,
        "DATA never sent for nobody"
    );

    // The same connection goes on (after an RSET).
    client
        .send(
            FROM,
            &to(&["next@example.gov"]),
            &message("next@example.gov", "after"),
        )
        .expect("delivered");
    assert_eq!(subjects(&server), ["cc", "after"]);
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_refused_cc_is_reported_while_the_others_get_the_message() {
    refused_cc_goes_to_the_others(true);
}

#[test]
fn a_refused_cc_is_reported_without_pipelining_too() {
    refused_cc_goes_to_the_others(false);
}

#[test]
fn a_451_at_rcpt_is_temporary_and_the_retry_arrives_once() {
    // With pipelining, DATA went out with the envelope and was answered 354 for the accepted
    // recipient: closing the connection is the only way to take the message back.
    deferred_rcpt(Options::new(), 2);
}

#[test]
fn a_451_at_rcpt_is_temporary_and_the_retry_arrives_once_without_pipelining() {
    deferred_rcpt(Options::new().no_pipelining(), 1);
}

fn deferred_rcpt(options: Options, connections: usize) {
    let server = TestServer::start(options);
    let mut client = connect(&settings(&server, Security::None), &server);
    let recipients = to(&["mayor@example.gov", "tempfail451.cc@example.gov"]);
    let body = message("mayor@example.gov", "deferred");
    let err = client.send(FROM, &recipients, &body).expect_err("deferred");
    let SendError::Temporary { reply, .. } = &err else {
        panic!("expected Temporary, got {err:?}");
    };
    assert_eq!(reply.as_ref().map(|r| r.code), Some(451));
    assert!(err.is_retryable());
    assert!(
        server.messages().is_empty(),
        "nobody got it, not even the To"
    );

    client
        .send(FROM, &recipients, &body)
        .expect("the retry is accepted");
    assert_eq!(subjects(&server), ["deferred"]);
    assert_eq!(
        server.connections(),
        connections,
        "a 4xx reply leaves the connection usable unless the server waits for data"
    );
}

#[test]
fn a_554_after_data_is_permanent_and_the_connection_goes_on() {
    refused_data(Options::new());
}

#[test]
fn a_554_after_data_is_permanent_and_the_connection_goes_on_without_pipelining() {
    refused_data(Options::new().no_pipelining());
}

fn refused_data(options: Options) {
    let server = TestServer::start(options);
    let mut client = connect(&settings(&server, Security::None), &server);
    let err = client
        .send(
            FROM,
            &to(&["data554@example.gov"]),
            &message("data554@example.gov", "bad"),
        )
        .expect_err("refused");
    let SendError::Permanent { reply, .. } = &err else {
        panic!("expected Permanent, got {err:?}");
    };
    assert_eq!(reply.code, 554);
    assert!(server.messages().is_empty());
    client
        .send(
            FROM,
            &to(&["ok@example.gov"]),
            &message("ok@example.gov", "good"),
        )
        .expect("delivered");
    assert_eq!(subjects(&server), ["good"]);
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_connection_dropped_after_the_data_is_unknown_and_the_client_reconnects() {
    dropped_after_data(Options::new());
}

#[test]
fn a_connection_dropped_after_the_data_is_unknown_and_the_client_reconnects_without_pipelining() {
    dropped_after_data(Options::new().no_pipelining());
}

#[test]
fn a_connection_dropped_after_the_data_is_unknown_over_starttls_too() {
    dropped_after_data(Options::new().tls(Encryption::StartTls));
}

fn dropped_after_data(options: Options) {
    let security = if options.tls == Encryption::Off {
        Security::None
    } else {
        Security::StartTls
    };
    let server = TestServer::start(options);
    let mut client = connect(&settings(&server, security), &server);
    let err = client
        .send(
            FROM,
            &to(&["dropdata@example.gov"]),
            &message("dropdata@example.gov", "maybe"),
        )
        .expect_err("no reply");
    assert!(matches!(err, SendError::Unknown { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert!(
        err.to_string().contains("not resent automatically"),
        "{err}"
    );
    // The server did take it: that is exactly why it must not be resent blindly.
    assert_eq!(subjects(&server), ["maybe"]);

    client
        .send(
            FROM,
            &to(&["ok@example.gov"]),
            &message("ok@example.gov", "next"),
        )
        .expect("delivered after reconnecting");
    assert_eq!(subjects(&server), ["maybe", "next"]);
    assert_eq!(server.connections(), 2);
    assert_eq!(client.connections(), 2);

    // Resending is the caller's explicit choice (--resend-unknown); the fault fires only once.
    client
        .send(
            FROM,
            &to(&["dropdata@example.gov"]),
            &message("dropdata@example.gov", "maybe"),
        )
        .expect("accepted the second time");
    assert_eq!(subjects(&server), ["maybe", "next", "maybe"]);
}

#[test]
fn a_421_is_temporary_and_the_client_reconnects() {
    shutdown_421(Options::new());
}

#[test]
fn a_421_is_temporary_and_the_client_reconnects_without_pipelining() {
    shutdown_421(Options::new().no_pipelining());
}

fn shutdown_421(options: Options) {
    let server = TestServer::start(options);
    let mut client = connect(&settings(&server, Security::None), &server);
    let recipients = to(&["mayor@example.gov", "down421@example.gov"]);
    let body = message("mayor@example.gov", "shutdown");
    let err = client
        .send(FROM, &recipients, &body)
        .expect_err("server going down");
    let SendError::Temporary { reply, .. } = &err else {
        panic!("expected Temporary, got {err:?}");
    };
    assert_eq!(reply.as_ref().map(|r| r.code), Some(421));
    assert!(server.messages().is_empty());

    client
        .send(FROM, &recipients, &body)
        .expect("delivered after reconnecting");
    assert_eq!(subjects(&server), ["shutdown"]);
    assert_eq!(server.connections(), 2);
}

#[test]
fn a_reply_slower_than_the_timeout_is_unknown() {
    let server = TestServer::start(Options::new().slow_seconds(3.0));
    let mut s = settings(&server, Security::None);
    s.timeout = Duration::from_secs(1);
    let mut client = connect(&s, &server);
    let start = Instant::now();
    let err = client
        .send(
            FROM,
            &to(&["slow@example.gov"]),
            &message("slow@example.gov", "slow"),
        )
        .expect_err("timed out");
    let waited = start.elapsed();
    assert!(matches!(err, SendError::Unknown { .. }), "{err:?}");
    assert!(err.to_string().contains("within 1 s"), "{err}");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_millis(2500),
        "gave up after {waited:?}"
    );
    client
        .send(
            FROM,
            &to(&["ok@example.gov"]),
            &message("ok@example.gov", "fast"),
        )
        .expect("delivered after reconnecting");
    assert!(subjects(&server).contains(&"fast".to_string()));
    assert_eq!(server.connections(), 2);
}

#[test]
fn a_server_that_never_greets_times_out_at_connect() {
    // A socket that accepts connections (the kernel does it) but never speaks.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let mut s = SmtpSettings::new("127.0.0.1", silent.local_addr().expect("addr").port());
    s.security = Security::None;
    s.timeout = Duration::from_millis(500);
    let start = Instant::now();
    let err = SmtpClient::connect(&s).expect_err("no greeting");
    assert!(matches!(err, SmtpError::Connect { .. }), "{err:?}");
    assert!(err.is_temporary());
    assert!(err.to_string().contains("no greeting"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_closed_port_is_a_connect_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut s = SmtpSettings::new("127.0.0.1", port);
    s.security = Security::None;
    let err = SmtpClient::connect(&s).expect_err("refused");
    assert!(matches!(err, SmtpError::Connect { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn lines_starting_with_a_dot_arrive_intact() {
    let server = TestServer::start(Options::new());
    let mut client = connect(&settings(&server, Security::None), &server);
    let body = "From: a@example.org\r\nTo: b@example.gov\r\nSubject: dots\r\n\r\n\
                .leading dot\r\n.\r\n..two dots\r\nmiddle . dot\r\n. \r\nend\r\n"
        .as_bytes()
        .to_vec();
    client
        .send(FROM, &to(&["b@example.gov"]), &body)
        .expect("delivered");
    assert_eq!(server.messages(), [body]);
}

#[test]
fn eight_bit_text_arrives_intact() {
    let server = TestServer::start(Options::new());
    let mut client = connect(&settings(&server, Security::None), &server);
    let body = "From: a@example.org\r\nTo: b@example.gov\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\
                Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
                Chère Madame la Maire, Grüße, 你好\r\n"
        .as_bytes()
        .to_vec();
    client
        .send(FROM, &to(&["b@example.gov"]), &body)
        .expect("delivered");
    assert_eq!(server.messages(), [body]);
}

#[test]
fn is_alive_answers_and_a_dead_server_is_noticed() {
    let mut server = TestServer::start(Options::new());
    let s = settings(&server, Security::None);
    let mut client = connect(&s, &server);
    assert!(client.is_alive());
    drop(std::mem::replace(
        &mut server,
        TestServer::start(Options::new()),
    ));
    // The old server is gone (and its port with it).
    assert!(!client.is_alive());
    let err = client
        .send(
            FROM,
            &to(&["a@example.gov"]),
            &message("a@example.gov", "x"),
        )
        .expect_err("cannot reconnect");
    assert!(
        matches!(err, SendError::Connect(SmtpError::Connect { .. })),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

fn idle_connection_closed_by_the_server(silent: bool) {
    let server = TestServer::start(Options::new().idle_timeout(1.0, silent));
    let mut client = connect(&settings(&server, Security::None), &server);
    client
        .send(
            FROM,
            &to(&["a@example.gov"]),
            &message("a@example.gov", "first"),
        )
        .expect("delivered");
    std::thread::sleep(Duration::from_millis(2200));
    assert_eq!(server.events_named("idle-close").len(), 1);
    // Nothing of the second message had gone out when the dead connection showed, so the
    // client reconnects and sends it without troubling the caller.
    client
        .send(
            FROM,
            &to(&["a@example.gov"]),
            &message("a@example.gov", "second"),
        )
        .expect("delivered over a new connection");
    assert_eq!(subjects(&server), ["first", "second"]);
    assert_eq!(server.connections(), 2);
}

#[test]
fn an_idle_connection_closed_with_421_is_reopened_transparently() {
    idle_connection_closed_by_the_server(false);
}

#[test]
fn an_idle_connection_closed_silently_is_reopened_transparently() {
    idle_connection_closed_by_the_server(true);
}

#[test]
fn an_envelope_sent_ahead_then_not_followed_is_abandoned_and_never_delivered() {
    use lettermerge::smtp::Envelope;
    let server = TestServer::start(Options::new());
    let mut client = connect(&settings(&server, Security::None), &server);
    let b = message("b@example.gov", "b");
    let b_to = to(&["b@example.gov"]);
    let next = Envelope {
        from: FROM,
        recipients: &b_to,
        message: &b,
    };
    let a_to = to(&["a@example.gov"]);
    client
        .send_and(
            FROM,
            &a_to,
            &message("a@example.gov", "a"),
            Some(next),
            || {},
        )
        .expect("a delivered");
    // The server now waits for b's data; the caller sends c instead.
    client
        .send(
            FROM,
            &to(&["c@example.gov"]),
            &message("c@example.gov", "c"),
        )
        .expect("c delivered");
    client.quit();
    assert_eq!(subjects(&server), ["a", "c"]);
    assert_eq!(
        server.connections(),
        2,
        "abandoning b took a new connection"
    );
}

#[test]
fn quit_with_an_envelope_ahead_delivers_nothing_more() {
    use lettermerge::smtp::Envelope;
    let server = TestServer::start(Options::new());
    let mut client = connect(&settings(&server, Security::None), &server);
    let b = message("b@example.gov", "b");
    let b_to = to(&["b@example.gov"]);
    let next = Envelope {
        from: FROM,
        recipients: &b_to,
        message: &b,
    };
    let mut ran = false;
    client
        .send_and(
            FROM,
            &to(&["a@example.gov"]),
            &message("a@example.gov", "a"),
            Some(next),
            || ran = true,
        )
        .expect("a delivered");
    assert!(ran, "the work in the meanwhile ran");
    assert!(client.is_alive(), "no NOOP while the server waits for data");
    client.quit();
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.events_named("disconnect").is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        subjects(&server),
        ["a"],
        "b's envelope alone delivers nothing"
    );
    assert_eq!(
        server.events_named("rcpt").len(),
        2,
        "b's envelope did go ahead"
    );
}

#[test]
fn a_refused_envelope_ahead_is_the_next_sends_answer() {
    use lettermerge::smtp::Envelope;
    let server = TestServer::start(Options::new());
    let mut client = connect(&settings(&server, Security::None), &server);
    let b = message("reject550.b@example.gov", "b");
    let b_to = to(&["reject550.b@example.gov"]);
    let next = Envelope {
        from: FROM,
        recipients: &b_to,
        message: &b,
    };
    client
        .send_and(
            FROM,
            &to(&["a@example.gov"]),
            &message("a@example.gov", "a"),
            Some(next),
            || {},
        )
        .expect("a delivered");
    let err = client.send(FROM, &b_to, &b).expect_err("b refused");
    assert!(
        matches!(&err, SendError::Permanent { reply, .. } if reply.code == 550),
        "{err:?}"
    );
    client
        .send(
            FROM,
            &to(&["c@example.gov"]),
            &message("c@example.gov", "c"),
        )
        .expect("c delivered on the same connection");
    client.quit();
    assert_eq!(subjects(&server), ["a", "c"]);
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_next_message_over_the_servers_size_gets_no_envelope_ahead() {
    use lettermerge::smtp::Envelope;
    let server = TestServer::start(Options::new().size_limit(2_000));
    let mut client = connect(&settings(&server, Security::None), &server);
    let mut big = message("big@example.gov", "big");
    big.extend(std::iter::repeat_n(b'x', 3_000));
    big.extend_from_slice(b"\r\n");
    let big_to = to(&["big@example.gov"]);
    let next = Envelope {
        from: FROM,
        recipients: &big_to,
        message: &big,
    };
    client
        .send_and(
            FROM,
            &to(&["a@example.gov"]),
            &message("a@example.gov", "a"),
            Some(next),
            || {},
        )
        .expect("a delivered");
    let err = client.send(FROM, &big_to, &big).expect_err("too big");
    assert!(matches!(err, SendError::Invalid { .. }), "{err:?}");
    client
        .send(
            FROM,
            &to(&["c@example.gov"]),
            &message("c@example.gov", "c"),
        )
        .expect("c delivered");
    client.quit();
    assert_eq!(subjects(&server), ["a", "c"]);
    assert_eq!(server.connections(), 1, "nothing was abandoned");
    assert!(
        server.events_named("mail").len() == 2,
        "no MAIL for the big one: {:?}",
        server.events_named("mail")
    );
}
