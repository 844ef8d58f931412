//! One SMTP transport: a TCP socket (TCP_NODELAY) or TLS over it, with a read buffer, deadlines on
//! every read and write, and the STARTTLS upgrade.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use super::mask::Masker;
use super::reply::{Reply, ReplyParser, Step, MAX_REPLY_LINE};

enum Transport {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

/// Why reading or writing failed. Kept apart from `io::Error` so callers can say "closed" and
/// "timed out" in plain words.
#[derive(Debug)]
pub(crate) enum Failure {
    TimedOut,
    Closed,
    Malformed(String),
    Io(io::Error),
    /// A TLS alert or certificate problem during the handshake.
    Tls(rustls::Error),
}

impl Failure {
    fn from_io(e: io::Error) -> Failure {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Failure::TimedOut,
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Failure::Closed,
            _ => match e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                Some(tls) => Failure::Tls(tls.clone()),
                None => Failure::Io(e),
            },
        }
    }

    /// Words for an error message, with the timeout that applied.
    pub(crate) fn describe(&self, timeout: Duration) -> String {
        match self {
            Failure::TimedOut => format!("no answer within {} s", timeout.as_secs_f64()),
            Failure::Closed => "the server closed the connection".to_string(),
            Failure::Malformed(detail) => detail.clone(),
            Failure::Io(e) => e.to_string(),
            Failure::Tls(e) => format!("TLS error: {e}"),
        }
    }
}

pub(crate) struct Conn {
    transport: Transport,
    buf: Vec<u8>,
    /// Start of the unread bytes in `buf`.
    pos: usize,
    timeout: Duration,
    /// The read/write timeout the socket has now: setting it costs two system calls, so it
    /// is changed only when the deadline needs it (see [`Conn::arm`]).
    armed: Option<Duration>,
    /// Hides the login secret in what the server says; empty until the login begins (a
    /// server cannot echo what it was never sent).
    masker: Masker,
}

impl Conn {
    /// Connects to the first address of `host` that answers within the timeout.
    pub(crate) fn connect(host: &str, port: u16, timeout: Duration) -> Result<Conn, String> {
        let addresses = (host, port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {host}: {e}"))?;
        let mut last = format!("{host} resolved to no address");
        for address in addresses {
            match TcpStream::connect_timeout(&address, timeout) {
                Ok(stream) => {
                    // Without it, a reply-less final write waits for the peer's delayed ACK
                    // (~40 ms on Linux) before the next small write goes out.
                    stream
                        .set_nodelay(true)
                        .map_err(|e| format!("cannot set TCP_NODELAY: {e}"))?;
                    return Ok(Conn {
                        transport: Transport::Plain(stream),
                        buf: Vec::with_capacity(4096),
                        pos: 0,
                        timeout,
                        armed: None,
                        masker: Masker::default(),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                    last = format!(
                        "{address} did not answer within {} s",
                        timeout.as_secs_f64()
                    )
                }
                Err(e) => last = format!("{address}: {e}"),
            }
        }
        Err(last)
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// This end's address as an EHLO address literal (RFC 5321 section 4.1.3).
    pub(crate) fn local_address_literal(&self) -> String {
        match self.socket().local_addr().map(|a| a.ip()) {
            Ok(std::net::IpAddr::V4(ip)) => format!("[{ip}]"),
            Ok(std::net::IpAddr::V6(ip)) => format!("[IPv6:{ip}]"),
            Err(_) => "[127.0.0.1]".to_string(),
        }
    }

    pub(crate) fn is_tls(&self) -> bool {
        matches!(self.transport, Transport::Tls(_))
    }

    fn socket(&self) -> &TcpStream {
        match &self.transport {
            Transport::Plain(s) => s,
            Transport::Tls(s) => &s.sock,
        }
    }

    /// Wraps the socket in TLS and completes the handshake now, so certificate problems show at
    /// connect time. Bytes the server sent before the handshake must not exist (RFC 3207 section
    /// 5: they could be injected by an attacker), so leftover plaintext is refused.
    pub(crate) fn into_tls(self, config: Arc<ClientConfig>, host: &str) -> Result<Conn, Failure> {
        if self.pos < self.buf.len() {
            return Err(Failure::Malformed(
                "the server sent data after agreeing to STARTTLS, before the handshake".to_string(),
            ));
        }
        let Transport::Plain(mut sock) = self.transport else {
            return Err(Failure::Malformed("TLS is already on".to_string()));
        };
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| Failure::Malformed(format!("{host:?} is not a valid host name: {e}")))?;
        let mut tls = ClientConnection::new(config, name).map_err(Failure::Tls)?;
        let deadline = Instant::now() + self.timeout;
        while tls.is_handshaking() {
            set_timeouts(&sock, time_left(deadline)?)?;
            tls.complete_io(&mut sock).map_err(Failure::from_io)?;
        }
        Ok(Conn {
            transport: Transport::Tls(Box::new(StreamOwned::new(tls, sock))),
            buf: self.buf,
            pos: 0,
            timeout: self.timeout,
            armed: None,
            masker: self.masker,
        })
    }

    /// Writes all of `bytes` (one command, or a pipelined group, or the whole message with its
    /// terminating dot) and flushes it to the socket. The timeout applies to each system call,
    /// so a large message on a slow link fails only when the link stalls.
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.arm(Instant::now() + self.timeout)?;
        let result = match &mut self.transport {
            Transport::Plain(s) => s.write_all(bytes).and_then(|()| s.flush()),
            Transport::Tls(s) => s.write_all(bytes).and_then(|()| s.flush()),
        };
        result.map_err(Failure::from_io)
    }

    /// Writes `bytes` like [`Conn::write_all`], where `bytes[..split]` is one message's data
    /// with its terminating dot and the rest is the next message's envelope, sent in the same
    /// flight (RFC 2920). On failure it says whether all of `bytes[..split]` left: then the
    /// server may have the message. Over plain TCP it is one write counted byte by byte; over
    /// TLS, where bytes handed to the TLS layer are not yet bytes sent, the two parts are
    /// flushed one after the other (still without waiting for the server in between).
    pub(crate) fn write_split(
        &mut self,
        bytes: &[u8],
        split: usize,
    ) -> Result<(), (Failure, bool)> {
        self.arm(Instant::now() + self.timeout)
            .map_err(|f| (f, false))?;
        match &mut self.transport {
            Transport::Plain(s) => {
                let mut done = 0;
                while done < bytes.len() {
                    match s.write(&bytes[done..]) {
                        Ok(0) => return Err((Failure::Closed, done >= split)),
                        Ok(n) => done += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err((Failure::from_io(e), done >= split)),
                    }
                }
                Ok(())
            }
            Transport::Tls(s) => {
                let (first, then) = bytes.split_at(split.min(bytes.len()));
                s.write_all(first)
                    .and_then(|()| s.flush())
                    .map_err(|e| (Failure::from_io(e), false))?;
                s.write_all(then)
                    .and_then(|()| s.flush())
                    .map_err(|e| (Failure::from_io(e), true))
            }
        }
    }

    /// From now on, every reply and every quoted bad line has the login secret masked.
    pub(crate) fn mask_secrets(&mut self, masker: Masker) {
        self.masker = masker;
    }

    /// Reads one complete reply, which must arrive within the timeout and within the limits of
    /// [`super::reply`]. This is where what the server sent becomes text: the secret is masked
    /// here, once, for every use (errors, the ledger, the failures CSV).
    pub(crate) fn read_reply(&mut self) -> Result<Reply, Failure> {
        let deadline = Instant::now() + self.timeout;
        let mut parser = ReplyParser::default();
        loop {
            let line = self.read_line(deadline)?;
            match parser.line(&line) {
                Ok(Step::Done(reply)) => {
                    return Ok(Reply {
                        code: reply.code,
                        text: self.masker.mask(&reply.text),
                    })
                }
                Ok(Step::More) => {}
                Err(detail) => return Err(Failure::Malformed(self.masker.mask(&detail))),
            }
        }
    }

    /// One line without its line ending (CRLF, or a bare LF from a sloppy server).
    fn read_line(&mut self, deadline: Instant) -> Result<Vec<u8>, Failure> {
        loop {
            if let Some(n) = self.buf[self.pos..].iter().position(|&b| b == b'\n') {
                let end = self.pos + n;
                let line_end = if end > self.pos && self.buf[end - 1] == b'\r' {
                    end - 1
                } else {
                    end
                };
                let line = self.buf[self.pos..line_end].to_vec();
                self.pos = end + 1;
                if self.pos == self.buf.len() {
                    self.buf.clear();
                    self.pos = 0;
                }
                return Ok(line);
            }
            // The CRLF may be all that is missing from a line of the longest length allowed.
            if self.buf.len() - self.pos > MAX_REPLY_LINE + 2 {
                return Err(Failure::Malformed(format!(
                    "the server sent a reply line of more than {MAX_REPLY_LINE} bytes (the \
                     limit for one line; SMTP allows 512)"
                )));
            }
            if self.pos > 0 {
                self.buf.drain(..self.pos);
                self.pos = 0;
            }
            self.arm(deadline)?;
            let start = self.buf.len();
            self.buf.resize(start + 4096, 0);
            let read = match &mut self.transport {
                Transport::Plain(s) => s.read(&mut self.buf[start..]),
                Transport::Tls(s) => s.read(&mut self.buf[start..]),
            };
            match read {
                Ok(0) => {
                    self.buf.truncate(start);
                    return Err(Failure::Closed);
                }
                Ok(n) => self.buf.truncate(start + n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => self.buf.truncate(start),
                Err(e) => {
                    self.buf.truncate(start);
                    return Err(Failure::from_io(e));
                }
            }
        }
    }

    /// Ends TLS politely; errors do not matter, the socket is closed when dropped.
    pub(crate) fn close(mut self) {
        if let Transport::Tls(s) = &mut self.transport {
            s.conn.send_close_notify();
            let _ = s.conn.write_tls(&mut s.sock);
        }
    }
}

// Socket timeouts are per system call; keeping them at most what is left before the deadline
// makes the deadline hold for a whole reply or write.
impl Conn {
    /// Makes the socket's timeout no longer than what is left before `deadline`, and not much
    /// shorter either (within a tenth): a steady exchange of short commands then changes it
    /// never, instead of twice per read and write.
    fn arm(&mut self, deadline: Instant) -> Result<(), Failure> {
        let left = time_left(deadline)?;
        let fits = self
            .armed
            .is_some_and(|armed| armed <= left && armed >= left.mul_f64(0.9));
        if !fits {
            set_timeouts(self.socket(), left)?;
            self.armed = Some(left);
        }
        Ok(())
    }
}

/// What is left before `deadline`; none left is a timeout.
fn time_left(deadline: Instant) -> Result<Duration, Failure> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(Failure::TimedOut)
    } else {
        Ok(left)
    }
}

fn set_timeouts(sock: &TcpStream, timeout: Duration) -> Result<(), Failure> {
    sock.set_read_timeout(Some(timeout)).map_err(Failure::Io)?;
    sock.set_write_timeout(Some(timeout)).map_err(Failure::Io)
}
