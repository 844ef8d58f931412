//! The SMTP session: connect (TLS or STARTTLS), EHLO, AUTH, then one transaction per message on
//! the same connection, pipelined when the server allows, reconnecting after a break.

use std::sync::Arc;

use rustls::ClientConfig;

use super::auth::{self, Mechanism};
use super::conn::{Conn, Failure};
use super::data;
use super::error::{SendError, SmtpError};
use super::mask::Masker;
use super::reply::{Extensions, Reply};
use super::tls;
use super::wire;
use super::{Secret, Security, SmtpSettings};

/// A message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The reply to the final "." (250 ... queued as ...).
    pub reply: Reply,
    /// Recipients refused at RCPT (5xx); the message went to all the others.
    pub refused: Vec<(String, Reply)>,
}

/// One open, logged-in session with its settings, so it can reconnect on its own.
pub struct SmtpClient {
    settings: SmtpSettings,
    tls_config: Option<Arc<ClientConfig>>,
    /// `None` after the connection broke or the server closed it; `send` reconnects.
    session: Option<Session>,
    /// The reusable buffer for the encoded message.
    payload: Vec<u8>,
    connections: u32,
    /// The next message's envelope, sent behind the last message's data, and what the server
    /// said to it.
    ahead: Option<Ahead>,
}

impl std::fmt::Debug for SmtpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpClient")
            .field(
                "server",
                &format_args!("{}:{}", self.settings.host, self.settings.port),
            )
            .field("connected", &self.session.is_some())
            .field("connections", &self.connections)
            .finish()
    }
}

/// The envelope of a message to be sent next, for [`SmtpClient::send_and`].
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    pub from: &'a str,
    pub recipients: &'a [String],
    /// The whole message: its size and 8-bit content decide the MAIL parameters.
    pub message: &'a [u8],
}

/// An envelope sent ahead, and the server's verdict: the refused recipients once DATA was
/// answered 354 (the server now waits for the data), or why the message cannot go.
struct Ahead {
    from: String,
    recipients: Vec<String>,
    size: usize,
    outcome: Result<Vec<(String, Reply)>, Failed>,
}

impl Ahead {
    fn is_for(&self, from: &str, recipients: &[String], message: &[u8]) -> bool {
        self.from == from && self.recipients == recipients && self.size == message.len()
    }
}

struct Session {
    conn: Conn,
    ext: Extensions,
    /// A transaction was started and not finished: RSET before the next MAIL.
    dirty: bool,
    /// The server is in no state to go on (it refused RSET): reconnect before the next message.
    broken: bool,
}

impl SmtpClient {
    /// Opens the session: TCP (or TLS), EHLO, STARTTLS and EHLO again, then AUTH when a
    /// username is set.
    pub fn connect(settings: &SmtpSettings) -> Result<SmtpClient, SmtpError> {
        check_settings(settings)?;
        let tls_config = match settings.security {
            Security::None => None,
            Security::StartTls | Security::Tls => Some(
                tls::client_config(settings.ca_file.as_deref(), settings.accept_invalid_certs)
                    .map_err(|e| with_server(e, settings))?,
            ),
        };
        let mut client = SmtpClient {
            settings: settings.clone(),
            tls_config,
            session: None,
            payload: Vec::new(),
            connections: 0,
            ahead: None,
        };
        client.session = Some(client.open()?);
        Ok(client)
    }

    /// Uses `secret` for every login from now on (a renewed OAuth access token). The open
    /// session, logged in with the old one, is closed: SMTP has no second AUTH on a session
    /// (RFC 4954), so the next `send` connects again and logs in with the new secret.
    pub fn set_secret(&mut self, secret: Secret) {
        self.settings.secret = Some(secret);
        self.goodbye();
    }

    /// QUIT and close; only close when the server waits for a message's data sent ahead
    /// (QUIT would be read as data; the server drops the unfinished message), and that
    /// envelope is forgotten: its message goes on the next connection.
    fn goodbye(&mut self) {
        let waiting_for_data = self.ahead.as_ref().is_some_and(|a| a.outcome.is_ok());
        if waiting_for_data {
            self.ahead = None;
        }
        if let Some(mut session) = self.session.take() {
            if !waiting_for_data && session.conn.write_all(b"QUIT\r\n").is_ok() {
                let _ = session.conn.read_reply();
            }
            session.conn.close();
        }
    }

    /// How many connections this client has opened (1 unless it had to reconnect).
    pub fn connections(&self) -> u32 {
        self.connections
    }

    /// Whether the connection answers a NOOP. A dead one is dropped, and the next `send`
    /// reconnects.
    pub fn is_alive(&mut self) -> bool {
        let Some(session) = self.session.as_mut() else {
            return false;
        };
        if self.ahead.as_ref().is_some_and(|a| a.outcome.is_ok()) {
            // The server just answered the next envelope and waits for its data: a NOOP now
            // would be taken as the message's first line.
            return true;
        }
        let alive = session.conn.write_all(b"NOOP\r\n").is_ok()
            && session
                .conn
                .read_reply()
                .is_ok_and(|r| r.is_positive() && !r.closes_connection());
        if !alive {
            self.session = None;
        }
        alive
    }

    /// Says goodbye. Errors are ignored: the messages are already accounted for.
    pub fn quit(mut self) {
        self.goodbye();
    }

    /// Sends one message to `recipients` (To, Cc and Bcc alike) with `envelope_from` as the
    /// return path. `message` is the complete RFC 5322 message; line endings are made CRLF and
    /// dots are stuffed here. Reconnects first if the previous connection broke.
    pub fn send(
        &mut self,
        envelope_from: &str,
        recipients: &[String],
        message: &[u8],
    ) -> Result<Delivery, SendError> {
        self.send_and(envelope_from, recipients, message, None, || {})
    }

    /// [`SmtpClient::send`], running `meanwhile` once the whole message has been written and
    /// before its reply is read: the server is busy with the message then, so work done here
    /// (a durable ledger write for the next message, say) costs no time. `meanwhile` runs at
    /// most once, and not at all when the message never got as far as the server.
    ///
    /// `next`, when given and the server allows pipelining, is the message the caller sends
    /// next. Its envelope (MAIL, RCPT, DATA) goes out in the same write as this message's
    /// terminating dot, so that a message costs one round trip (RFC 2920 allows the data
    /// as the first "command" of a group and DATA as its last). Only the envelope goes ahead:
    /// the next message's data is written by its own call, after `meanwhile` has run, so the
    /// caller can durably record it as being sent in between. The next call must be for that
    /// envelope; any other abandons it by closing the connection (the server never got a
    /// terminating dot for it, so it keeps nothing).
    pub fn send_and(
        &mut self,
        envelope_from: &str,
        recipients: &[String],
        message: &[u8],
        next: Option<Envelope<'_>>,
        meanwhile: impl FnOnce(),
    ) -> Result<Delivery, SendError> {
        let mut meanwhile = Some(meanwhile);
        check_envelope(envelope_from, recipients)?;
        let unique = unique_recipients(recipients);
        let recipients = unique.as_slice();
        let ahead = match self.ahead.take() {
            Some(ahead) if ahead.is_for(envelope_from, recipients, message) => Some(ahead),
            Some(ahead) => {
                if ahead.outcome.is_ok() {
                    // The server waits for data that is not coming.
                    self.drop_session();
                }
                None
            }
            None => None,
        };
        let result = match ahead {
            // The server's verdict on the envelope sent ahead.
            Some(Ahead {
                outcome: Err(failed),
                ..
            }) => Err(failed),
            Some(Ahead {
                outcome: Ok(refused),
                ..
            }) => self.hand_over(message, refused, next, &mut meanwhile),
            None => {
                let reused = self.session.is_some();
                if !reused {
                    self.session = Some(self.open().map_err(SendError::Connect)?);
                }
                let mut result =
                    self.transaction(envelope_from, recipients, message, next, &mut meanwhile);
                if reused && matches!(&result, Err(Failed { stale: true, .. })) {
                    // The server closed the idle connection (timeout, restart, a NAT that
                    // forgot us) before this message began: nothing of it went out, so one
                    // fresh try is safe and spares the caller a retry cycle.
                    self.drop_session();
                    self.session = Some(self.open().map_err(SendError::Connect)?);
                    result =
                        self.transaction(envelope_from, recipients, message, next, &mut meanwhile);
                }
                result
            }
        };
        let result = result.map_err(|failed| failed.error);
        let broken = match &result {
            Ok(_) => false,
            // No reply means an I/O failure or timeout: the stream is out of step.
            Err(SendError::Temporary { reply, .. }) => {
                reply.as_ref().is_none_or(Reply::closes_connection)
            }
            Err(SendError::Unknown { .. }) => true,
            Err(SendError::Permanent { reply, .. }) => reply.closes_connection(),
            // A failed reconnect left no session; a protocol error leaves one out of step.
            Err(SendError::Connect(_)) => true,
            Err(SendError::Invalid { .. }) => false,
        };
        if broken || self.session.as_ref().is_some_and(|s| s.broken) {
            // Nothing more can be trusted on this connection; the next send starts afresh.
            // A refusal of the next envelope, already heard, stays good; an envelope waiting
            // for its data dies with the connection.
            if broken || self.ahead.as_ref().is_some_and(|a| a.outcome.is_ok()) {
                self.ahead = None;
            }
            self.drop_session();
        }
        result
    }

    /// Closes the connection, if any, without a word: the next send reconnects.
    fn drop_session(&mut self) {
        if let Some(session) = self.session.take() {
            session.conn.close();
        }
    }

    /// One whole transaction on the open session: the envelope, then the data.
    fn transaction(
        &mut self,
        from: &str,
        recipients: &[String],
        message: &[u8],
        next: Option<Envelope<'_>>,
        meanwhile: &mut Option<impl FnOnce()>,
    ) -> Result<Delivery, Failed> {
        let Some(session) = self.session.as_mut() else {
            return Err(SendError::Temporary {
                reply: None,
                detail: "not connected".to_string(),
            }
            .into());
        };
        if let Some(limit) = session.ext.size.filter(|&n| message.len() as u64 > n) {
            // The server said in its EHLO reply it takes no message this big (RFC 1870):
            // nothing is handed over, and the same message would be refused every time.
            return Err(SendError::Invalid {
                detail: format!(
                    "the message is {} bytes, more than the {limit} bytes the server accepts \
                     (its SIZE limit); attach fewer or smaller files",
                    message.len()
                ),
            }
            .into());
        }
        let lost = lost_before_data(&self.settings, session.conn.timeout());

        // The envelope: [RSET] MAIL RCPT... DATA as one write when the server allows
        // pipelining (RFC 2920), otherwise command by command, DATA only after the RCPT
        // replies, so that it is only sent when someone will receive the message.
        let rset = session.dirty;
        let pipelined = session.ext.pipelining;
        let commands = envelope_commands(&session.ext, from, recipients, message, rset, pipelined);
        session.dirty = true;
        let (replies, failure) =
            exchange(&mut session.conn, &commands, pipelined, usize::from(rset));
        let refused = judge_envelope(
            session, replies, failure, rset, recipients, pipelined, &lost,
        )?;
        if !pipelined {
            session
                .conn
                .write_all(b"DATA\r\n")
                .map_err(|f| lost("sending DATA", f))?;
            let reply = session
                .conn
                .read_reply()
                .map_err(|f| lost("waiting for the reply to DATA", f))?;
            check_go_ahead(session, reply, &refused)?;
        }
        self.hand_over(message, refused, next, meanwhile)
    }

    /// The data of a message whose DATA the server answered 354, its terminating dot (with
    /// the next message's envelope behind it, see [`SmtpClient::send_and`]), and the reply.
    fn hand_over(
        &mut self,
        message: &[u8],
        refused: Vec<(String, Reply)>,
        next: Option<Envelope<'_>>,
        meanwhile: &mut Option<impl FnOnce()>,
    ) -> Result<Delivery, Failed> {
        let Some(session) = self.session.as_mut() else {
            return Err(SendError::Temporary {
                reply: None,
                detail: "not connected".to_string(),
            }
            .into());
        };
        let timeout = session.conn.timeout();
        let lost = lost_before_data(&self.settings, timeout);
        data::encode_into(message, &mut self.payload);
        let split = self.payload.len();
        let ahead = next
            .filter(|n| {
                // A next message over the server's SIZE is refused by its own call, before
                // any envelope: none goes ahead for it.
                session.ext.pipelining
                    && check_envelope(n.from, n.recipients).is_ok()
                    && session
                        .ext
                        .size
                        .is_none_or(|limit| n.message.len() as u64 <= limit)
            })
            .map(|n| {
                let recipients = unique_recipients(n.recipients);
                let commands =
                    envelope_commands(&session.ext, n.from, &recipients, n.message, false, true);
                for command in &commands {
                    self.payload.extend_from_slice(command.as_bytes());
                }
                (n, recipients, commands)
            });
        // If the dot never left this computer, the server cannot have taken the message: that
        // is temporary, not unknown.
        session
            .conn
            .write_split(&self.payload, split)
            .map_err(|(f, dot_left)| {
                if dot_left {
                    Failed::from(SendError::Unknown {
                        detail: format!(
                            "the connection failed just after the message was sent: {}",
                            f.describe(timeout)
                        ),
                    })
                } else {
                    Failed::from(lost("sending the message", f))
                }
            })?;
        if let Some(work) = meanwhile.take() {
            work();
        }
        let reply = session.conn.read_reply().map_err(|f| SendError::Unknown {
            detail: format!(
                "no reply came after the message was sent: {}",
                f.describe(timeout)
            ),
        })?;
        session.dirty = false;
        if let Some((n, recipients, commands)) = ahead {
            session.dirty = true;
            let (replies, failure) = read_replies(&mut session.conn, commands.len());
            let outcome =
                judge_envelope(session, replies, failure, false, &recipients, true, &lost);
            let link_broke = matches!(
                &outcome,
                Err(Failed { stale: true, .. })
                    | Err(Failed {
                        error: SendError::Temporary { reply: None, .. } | SendError::Connect(_),
                        ..
                    })
            );
            if link_broke {
                // Nothing of the next message went out: its own call starts it afresh.
                session.broken = true;
            } else {
                self.ahead = Some(Ahead {
                    from: n.from.to_string(),
                    recipients,
                    size: n.message.len(),
                    outcome,
                });
            }
        }
        if reply.is_positive() {
            Ok(Delivery { reply, refused })
        } else {
            Err(refusal("the message", reply, refused).into())
        }
    }

    /// One new connection, greeted, encrypted and logged in as the settings say.
    fn open(&mut self) -> Result<Session, SmtpError> {
        let s = &self.settings;
        let server = format!("{}:{}", s.host, s.port);
        let connect_error = |detail: String, reply: Option<Reply>| SmtpError::Connect {
            server: server.clone(),
            detail,
            reply,
        };
        // A failure to read a reply: a protocol error when the server sent what SMTP does not
        // allow (not worth retrying), otherwise a connection problem.
        let read_error = |stage: &str, f: Failure| match f {
            Failure::Malformed(detail) => SmtpError::Protocol {
                server: server.clone(),
                detail: format!("{stage}: {detail}"),
                reply: None,
            },
            f => connect_error(format!("{stage}: {}", f.describe(s.timeout)), None),
        };
        let tls_config = || {
            self.tls_config.clone().ok_or_else(|| SmtpError::Tls {
                server: server.clone(),
                detail: "no TLS configuration was prepared".to_string(),
                untrusted: false,
            })
        };
        let tls_error = |f: Failure| match f {
            Failure::Tls(e) => SmtpError::Tls {
                server: server.clone(),
                untrusted: tls::is_untrusted(&e),
                detail: tls::describe(&e),
            },
            other => SmtpError::Tls {
                server: server.clone(),
                detail: other.describe(s.timeout),
                untrusted: false,
            },
        };
        let mut conn =
            Conn::connect(&s.host, s.port, s.timeout).map_err(|d| connect_error(d, None))?;
        let hello = if s.hello_name.is_empty() {
            conn.local_address_literal()
        } else {
            s.hello_name.clone()
        };
        if s.security == Security::Tls {
            conn = conn.into_tls(tls_config()?, &s.host).map_err(tls_error)?;
        }
        let greeting = conn
            .read_reply()
            .map_err(|f| read_error("no greeting", f))?;
        if greeting.code != 220 {
            return Err(connect_error(
                "the server refused the connection".to_string(),
                Some(greeting),
            ));
        }
        let mut ext =
            ehlo(&mut conn, &hello).map_err(|e| e.into_error(&read_error, &connect_error))?;
        if s.security == Security::StartTls {
            if !ext.starttls {
                return Err(SmtpError::StartTlsUnavailable {
                    server,
                    reply: None,
                });
            }
            let reply =
                command(&mut conn, "STARTTLS\r\n").map_err(|f| read_error("STARTTLS", f))?;
            if reply.code != 220 {
                return Err(SmtpError::StartTlsUnavailable {
                    server,
                    reply: Some(reply),
                });
            }
            conn = conn.into_tls(tls_config()?, &s.host).map_err(tls_error)?;
            // RFC 3207: everything learnt before TLS is forgotten and asked again.
            ext = ehlo(&mut conn, &hello).map_err(|e| e.into_error(&read_error, &connect_error))?;
        }
        if let Some(username) = &s.username {
            login(
                &mut conn,
                &ext,
                (&server, &s.host, s.port),
                username,
                s.secret.as_ref(),
                s.timeout,
            )?;
        }
        self.connections += 1;
        Ok(Session {
            conn,
            ext,
            dirty: false,
            broken: false,
        })
    }
}

/// A failed transaction, and whether it failed only because the connection was already dead.
struct Failed {
    error: SendError,
    stale: bool,
}

impl From<SendError> for Failed {
    fn from(error: SendError) -> Failed {
        Failed {
            error,
            stale: false,
        }
    }
}

/// The envelope commands: [RSET] MAIL RCPT... and, when `with_data`, DATA.
fn envelope_commands(
    ext: &Extensions,
    from: &str,
    recipients: &[String],
    message: &[u8],
    rset: bool,
    with_data: bool,
) -> Vec<String> {
    let mut mail = format!("MAIL FROM:<{from}>");
    if ext.eight_bit_mime && data::has_8bit(message) {
        mail.push_str(" BODY=8BITMIME");
    }
    if ext.smtputf8 && !(from.is_ascii() && recipients.iter().all(|r| r.is_ascii())) {
        mail.push_str(" SMTPUTF8");
    }
    if ext.size.is_some() {
        mail.push_str(&format!(" SIZE={}", message.len()));
    }
    mail.push_str("\r\n");
    let mut commands: Vec<String> = Vec::with_capacity(recipients.len() + 3);
    if rset {
        commands.push("RSET\r\n".to_string());
    }
    commands.push(mail);
    for r in recipients {
        commands.push(format!("RCPT TO:<{r}>\r\n"));
    }
    if with_data {
        commands.push("DATA\r\n".to_string());
    }
    commands
}

/// The envelope commands: as one write when the server allows pipelining (RFC 2920),
/// otherwise one by one, stopping early after a refused RSET or MAIL (at index `mail_index` or
/// before), as the recipients would only collect 503s. Returns the replies heard, and the
/// failure that cut the exchange short, if any. A 421 ends it: the server is leaving.
fn exchange(
    conn: &mut Conn,
    commands: &[String],
    pipelining: bool,
    mail_index: usize,
) -> (Vec<Reply>, Option<Failure>) {
    if pipelining {
        if let Err(f) = conn.write_all(commands.concat().as_bytes()) {
            return (Vec::new(), Some(f));
        }
        return read_replies(conn, commands.len());
    }
    let mut replies = Vec::with_capacity(commands.len());
    for (i, command) in commands.iter().enumerate() {
        if let Err(f) = conn.write_all(command.as_bytes()) {
            return (replies, Some(f));
        }
        let reply = match conn.read_reply() {
            Ok(reply) => reply,
            Err(f) => return (replies, Some(f)),
        };
        let stop = reply.closes_connection() || (i <= mail_index && !reply.is_positive());
        replies.push(reply);
        if stop {
            break;
        }
    }
    (replies, None)
}

/// The replies to `n` pipelined commands, cut short by a failure or a 421.
fn read_replies(conn: &mut Conn, n: usize) -> (Vec<Reply>, Option<Failure>) {
    let mut replies = Vec::with_capacity(n);
    for _ in 0..n {
        match conn.read_reply() {
            Ok(reply) => {
                let leaving = reply.closes_connection();
                replies.push(reply);
                if leaving {
                    break;
                }
            }
            Err(f) => return (replies, Some(f)),
        }
    }
    (replies, None)
}

/// How a failure before any data went out is told: a broken link may heal (temporary), but
/// a server that breaks the protocol (a reply past the limits, garbage) will do it again, so
/// that stops the run as a session error instead of being retried.
fn lost_before_data(
    settings: &SmtpSettings,
    timeout: std::time::Duration,
) -> impl Fn(&str, Failure) -> SendError {
    let server = format!("{}:{}", settings.host, settings.port);
    move |stage: &str, f: Failure| match f {
        Failure::Malformed(detail) => SendError::Connect(SmtpError::Protocol {
            server: server.clone(),
            detail: format!("{stage}: {detail}"),
            reply: None,
        }),
        f => SendError::Temporary {
            reply: None,
            detail: format!("{stage}: {}", f.describe(timeout)),
        },
    }
}

/// What the server said to an envelope ([RSET] MAIL RCPT... [DATA]): the recipients it
/// refused (the message goes to the others), or why the message cannot go now. An envelope
/// refused after its pipelined DATA was answered 354 leaves the server waiting for data: the
/// session is marked broken, to be closed (the one way to abandon a message then).
fn judge_envelope(
    session: &mut Session,
    replies: Vec<Reply>,
    failure: Option<Failure>,
    rset: bool,
    recipients: &[String],
    with_data: bool,
    lost: &dyn Fn(&str, Failure) -> SendError,
) -> Result<Vec<(String, Reply)>, Failed> {
    // Nothing heard, or a 421 first: the connection had died while idle.
    let stale = replies.first().is_none_or(Reply::closes_connection);
    let data_index = usize::from(rset) + 1 + recipients.len();
    let waits_for_data = with_data && replies.get(data_index).is_some_and(|r| r.code == 354);
    let verdict = judge_replies(session, replies, failure, rset, recipients, with_data, lost);
    if verdict.is_err() && waits_for_data {
        session.broken = true;
    }
    verdict.map_err(|error| Failed { error, stale })
}

fn judge_replies(
    session: &mut Session,
    replies: Vec<Reply>,
    failure: Option<Failure>,
    rset: bool,
    recipients: &[String],
    with_data: bool,
    lost: &dyn Fn(&str, Failure) -> SendError,
) -> Result<Vec<(String, Reply)>, SendError> {
    if let Some(f) = failure {
        return Err(lost("the envelope", f));
    }
    let mut replies = replies.into_iter();
    if rset {
        if let Some(reply) = replies.next().filter(|r| !r.is_positive()) {
            // A server that cannot reset is in no state to take mail: start afresh.
            session.broken = true;
            return Err(SendError::Temporary {
                detail: format!("the server refused RSET: {reply}"),
                reply: Some(reply),
            });
        }
    }
    let Some(mail_reply) = replies.next() else {
        return Err(SendError::Temporary {
            reply: None,
            detail: "no reply to MAIL FROM".to_string(),
        });
    };
    if !mail_reply.is_positive() {
        return Err(refusal("MAIL FROM", mail_reply, Vec::new()));
    }
    let mut refused = Vec::new();
    let mut accepted = 0usize;
    let mut temporary: Option<(String, Reply)> = None;
    for (address, reply) in recipients.iter().zip(replies.by_ref()) {
        if reply.is_positive() {
            accepted += 1;
        } else if reply.is_permanent() {
            refused.push((address.clone(), reply));
        } else if temporary.is_none() || reply.closes_connection() {
            temporary = Some((address.clone(), reply));
        }
    }
    if let Some((address, reply)) = temporary {
        // One recipient deferred: send to nobody now and everybody later, so the message
        // stays one unit that either went out or did not.
        return Err(SendError::Temporary {
            detail: format!("recipient {address}: {reply}"),
            reply: Some(reply),
        });
    }
    if refused.len() + accepted < recipients.len() {
        return Err(SendError::Temporary {
            reply: None,
            detail: "the server did not answer every recipient".to_string(),
        });
    }
    if accepted == 0 {
        let reply = refused.last().map(|(_, r)| r.clone()).unwrap_or(Reply {
            code: 554,
            text: "no valid recipients".to_string(),
        });
        return Err(SendError::Permanent { reply, refused });
    }
    if with_data {
        let Some(reply) = replies.next() else {
            return Err(SendError::Temporary {
                reply: None,
                detail: "no reply to DATA".to_string(),
            });
        };
        return check_go_ahead(session, reply, &refused).map(|()| refused);
    }
    Ok(refused)
}

/// DATA must be answered 354 ("go ahead").
fn check_go_ahead(
    session: &mut Session,
    reply: Reply,
    refused: &[(String, Reply)],
) -> Result<(), SendError> {
    if reply.code == 354 {
        return Ok(());
    }
    if reply.is_positive() {
        // A success where "go ahead" was due: the two ends disagree on where they are.
        session.broken = true;
    }
    Err(refusal("DATA", reply, refused.to_vec()))
}

/// One command and its reply.
fn command(conn: &mut Conn, line: &str) -> Result<Reply, Failure> {
    conn.write_all(line.as_bytes())?;
    conn.read_reply()
}

/// Why EHLO failed: reading its reply, or the server's refusal.
enum HelloError {
    Read(Failure),
    Refused(String, Reply),
}

impl HelloError {
    fn into_error(
        self,
        read_error: &dyn Fn(&str, Failure) -> SmtpError,
        refused: &dyn Fn(String, Option<Reply>) -> SmtpError,
    ) -> SmtpError {
        match self {
            HelloError::Read(f) => read_error("EHLO", f),
            HelloError::Refused(detail, reply) => refused(detail, Some(reply)),
        }
    }
}

/// EHLO, or HELO for a server from before 1995.
fn ehlo(conn: &mut Conn, hello: &str) -> Result<Extensions, HelloError> {
    let reply = command(conn, &format!("EHLO {hello}\r\n")).map_err(HelloError::Read)?;
    if reply.code == 250 {
        return Ok(Extensions::from_ehlo(&reply));
    }
    if reply.code == 421 {
        return Err(HelloError::Refused(
            "the server is not taking connections now".to_string(),
            reply,
        ));
    }
    let reply = command(conn, &format!("HELO {hello}\r\n")).map_err(HelloError::Read)?;
    if reply.code == 250 {
        Ok(Extensions::default())
    } else {
        Err(HelloError::Refused(
            "the server refused EHLO and HELO".to_string(),
            reply,
        ))
    }
}

/// `server` is `(host:port, host, port)`: OAUTHBEARER names the host and port it logs in to.
fn login(
    conn: &mut Conn,
    ext: &Extensions,
    (server, host, port): (&str, &str, u16),
    username: &str,
    secret: Option<&Secret>,
    timeout: std::time::Duration,
) -> Result<(), SmtpError> {
    let error = |detail: String, reply: Option<Reply>| SmtpError::Auth {
        server: server.to_string(),
        username: username.to_string(),
        reply,
        detail,
    };
    let io = |f: Failure| match f {
        Failure::Malformed(detail) => SmtpError::Protocol {
            server: server.to_string(),
            detail: format!("during login: {detail}"),
            reply: None,
        },
        f => error(
            format!(
                "the connection failed during login: {}",
                f.describe(timeout)
            ),
            None,
        ),
    };
    let Some(secret) = secret else {
        return Err(error("no password or token was given".to_string(), None));
    };
    if ext.auth.is_empty() {
        let why = if conn.is_tls() {
            ""
        } else {
            " (some servers offer it only over TLS)"
        };
        return Err(error(format!("the server does not offer AUTH{why}"), None));
    }
    let Some(mechanism) = Mechanism::choose(secret, &ext.auth) else {
        return Err(error(
            format!(
                "no login method in common: the server offers {}",
                ext.auth.join(" ")
            ),
            None,
        ));
    };
    // From the first AUTH command on, the server has the secret and may quote it back.
    conn.mask_secrets(Masker::for_login(username, secret));
    let reply = match (mechanism, secret) {
        (Mechanism::Plain, Secret::Password(password)) => {
            let reply = command(conn, &auth::plain_command(username, password)).map_err(io)?;
            cancel_challenge(conn, reply, "*\r\n").map_err(io)?
        }
        (Mechanism::Login, Secret::Password(password)) => {
            let mut reply = command(conn, "AUTH LOGIN\r\n").map_err(io)?;
            if reply.code == 334 {
                reply = command(conn, &format!("{}\r\n", auth::b64(username.as_bytes())))
                    .map_err(io)?;
            }
            if reply.code == 334 {
                reply = command(conn, &format!("{}\r\n", auth::b64(password.as_bytes())))
                    .map_err(io)?;
            }
            cancel_challenge(conn, reply, "*\r\n").map_err(io)?
        }
        (Mechanism::XOAuth2, Secret::XOAuth2(token)) => {
            let reply = command(conn, &auth::xoauth2_command(username, token)).map_err(io)?;
            // On failure XOAUTH2 servers send a 334 with details and wait for an empty line.
            cancel_challenge(conn, reply, "\r\n").map_err(io)?
        }
        (Mechanism::OAuthBearer, Secret::OAuthBearer(token)) => {
            let reply = command(
                conn,
                &auth::oauthbearer_command(username, host, port, token),
            )
            .map_err(io)?;
            cancel_challenge(conn, reply, auth::OAUTHBEARER_FAILURE_ACK).map_err(io)?
        }
        // `Mechanism::choose` only pairs passwords with PLAIN/LOGIN and tokens with XOAUTH2.
        _ => {
            return Err(error(
                "the login method does not fit the secret".to_string(),
                None,
            ))
        }
    };
    if reply.code == 235 {
        Ok(())
    } else {
        Err(error(
            format!("{} login failed", mechanism.name()),
            Some(reply),
        ))
    }
}

/// A 334 where a result was due means the server wants more than we have: end the exchange.
fn cancel_challenge(conn: &mut Conn, reply: Reply, cancel: &str) -> Result<Reply, Failure> {
    if reply.code == 334 {
        command(conn, cancel)
    } else {
        Ok(reply)
    }
}

/// A refusal reply at `stage`: 5xx is permanent, anything else (4xx, odd codes) temporary.
fn refusal(stage: &str, reply: Reply, refused: Vec<(String, Reply)>) -> SendError {
    if reply.is_permanent() {
        SendError::Permanent { reply, refused }
    } else {
        SendError::Temporary {
            detail: format!("{stage}: {reply}"),
            reply: Some(reply),
        }
    }
}

/// Each address once (the same person in To and Cc gets one copy), first spelling kept.
fn unique_recipients(recipients: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::with_capacity(recipients.len());
    recipients
        .iter()
        .filter(|r| seen.insert(r.to_lowercase()))
        .cloned()
        .collect()
}

/// Addresses go into commands verbatim, so anything that could end or bend a command line is
/// refused before a byte is written.
fn check_envelope(from: &str, recipients: &[String]) -> Result<(), SendError> {
    if recipients.is_empty() {
        return Err(SendError::Invalid {
            detail: "the message has no recipients".to_string(),
        });
    }
    for address in std::iter::once(from).chain(recipients.iter().map(String::as_str)) {
        if !fits_in_a_path(address) {
            return Err(SendError::Invalid {
                detail: format!(
                    "the address {address:?} contains a line break, space or angle bracket"
                ),
            });
        }
    }
    for r in recipients {
        if !r.contains('@') {
            return Err(SendError::Invalid {
                detail: format!("the recipient {r:?} is not an email address"),
            });
        }
    }
    Ok(())
}

/// The settings that go into commands verbatim, checked before anything is sent: the config
/// layer names them for the user, and this holds for every other caller of the library too.
fn check_settings(settings: &SmtpSettings) -> Result<(), SmtpError> {
    let refuse = |setting: &str, detail: String| SmtpError::Settings {
        setting: setting.to_string(),
        detail,
    };
    wire::check_one_line(&settings.host).map_err(|d| refuse("host", d))?;
    if !settings.hello_name.is_empty() {
        wire::check_hello_name(&settings.hello_name).map_err(|d| refuse("hello_name", d))?;
    }
    if let Some(username) = &settings.username {
        wire::check_one_line(username).map_err(|d| refuse("username", d))?;
    }
    Ok(())
}

/// Whether `address` can go between the angle brackets of MAIL FROM or RCPT TO as it is: no
/// control character or angle bracket anywhere, and a space only inside the quoted local part
/// (`"jane doe"@example.org`, RFC 5321 section 4.1.2's Quoted-string).
fn fits_in_a_path(address: &str) -> bool {
    let (mut quoted, mut escaped) = (false, false);
    for c in address.chars() {
        if c.is_control() || c == '<' || c == '>' {
            return false;
        }
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c.is_whitespace() && !(quoted && c == ' ') {
            return false;
        }
    }
    !quoted
}

fn with_server(e: SmtpError, settings: &SmtpSettings) -> SmtpError {
    match e {
        SmtpError::Tls {
            detail, untrusted, ..
        } => SmtpError::Tls {
            server: format!("{}:{}", settings.host, settings.port),
            detail,
            untrusted,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::{check_envelope, unique_recipients};

    #[test]
    fn a_recipient_named_twice_gets_one_copy() {
        let list = ["A@example.gov", "b@example.gov", "a@example.gov"].map(String::from);
        assert_eq!(unique_recipients(&list), ["A@example.gov", "b@example.gov"]);
    }

    #[test]
    fn envelope_addresses_cannot_inject_commands() {
        let to = |s: &str| vec![s.to_string()];
        assert!(check_envelope("a@example.org", &to("b@example.org")).is_ok());
        assert!(
            check_envelope("", &to("b@example.org")).is_ok(),
            "null sender is allowed"
        );
        assert!(check_envelope("a@example.org", &[]).is_err());
        assert!(check_envelope("a@example.org", &to("b@example.org>\r\nDATA")).is_err());
        assert!(check_envelope("a@x\nRCPT TO:<c@x>", &to("b@example.org")).is_err());
        assert!(check_envelope("a@example.org", &to("b example.org")).is_err());
        assert!(check_envelope("a@example.org", &to("nobody")).is_err());
        // A quoted local part may hold a space; outside the quotes it may not.
        assert!(check_envelope("a@example.org", &to("\"jane doe\"@example.org")).is_ok());
        assert!(check_envelope("a@example.org", &to("\"a\\\" b\"@example.org")).is_ok());
        assert!(check_envelope("a@example.org", &to("\"jane\" doe@example.org")).is_err());
        assert!(check_envelope("a@example.org", &to("\"open@example.org")).is_err());
        assert!(check_envelope("a@example.org", &to("\"a\tb\"@example.org")).is_err());
    }
}
