//! Delivery of a real send run: one pooled SMTP connection, the rate limit, retries with
//! backoff, the daily cap, and the ledger written before and after every hand-over so that a
//! rerun (or a stop) never sends a message twice.

use super::{fail, Halt, SecretRequest, SendEvent, SendFront, Skip};
use crate::campaign::email::fnv64;
use crate::config::send::{AuthKind, Security as CfgSecurity, SendConfig};
use crate::email::Email;
use crate::exit_codes::ExitCode;
use crate::ledger::{Ledger, RowState};
use crate::oauth::Mechanism;
use crate::oauth::TokenSource;
use crate::problem::Problem;
use crate::smtp::{Envelope, Secret, Security, SendError, SmtpClient, SmtpError, SmtpSettings};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often a wait (the rate limit, a retry's backoff) looks at the stop flag: a Stop
/// pressed in the studio takes effect within this time, not after a minute's pacing.
const STOP_POLL: Duration = Duration::from_millis(100);

/// What a run did, counted as it went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Messages the ledger let go out (handed over, or tried).
    pub attempted: usize,
    pub sent: u64,
    pub failed: u64,
    pub unknown: u64,
    pub already_sent: u64,
    /// The run was stopped (the stop flag) before its end.
    pub stopped: bool,
}

/// Delivery state of a real send run.
pub(super) struct Sender<'a> {
    pub cfg: &'a SendConfig,
    pub front: &'a mut dyn SendFront,
    pub stop: &'a AtomicBool,
    pub client: SmtpClient,
    pub ledger: Ledger,
    pub pacer: Pacer,
    pub day_start: chrono::DateTime<chrono::Utc>,
    pub outcome: Outcome,
    /// The message taken last, delivered when the next one arrives (or at the end): while the
    /// server works on a message, the next one's `sending` mark is written and synced, so the
    /// ledger's one wait per message overlaps the server's.
    pub held: Option<Queued>,
    /// With `auth = "oauth2"`: where new access tokens come from during the run.
    pub tokens: Option<TokenSource>,
}

/// What became of one delivery attempt.
enum Attempt {
    Done,
    Retry,
}

/// A message the ledger allows to go out.
pub(super) struct Queued {
    email: Email,
    key: String,
    recipients: Vec<String>,
    /// Already recorded `sending` (during the previous message's delivery).
    marked: bool,
}

impl Queued {
    /// Records, durably, that this message is about to be handed over.
    fn mark_sending(&self, ledger: &mut Ledger) -> Result<(), crate::ledger::LedgerError> {
        ledger.mark_sending(
            &self.key,
            self.email.row,
            &self.email.message_id,
            &self.recipients.join(", "),
        )
    }
}

fn ledger_err(e: crate::ledger::LedgerError) -> Halt {
    fail(ExitCode::Error, e.to_string())
}

impl Sender<'_> {
    /// Takes the next rendered message: delivers the one held before it, and holds this one.
    pub fn take(&mut self, email: Email) -> Result<(), Halt> {
        let mut queued = match self.admit(email) {
            Ok(Some(queued)) => queued,
            Ok(None) => return Ok(()),
            Err(halt) => {
                // The daily cap counts the held message in: it still goes out.
                self.finish()?;
                return Err(halt);
            }
        };
        if let Some(current) = self.held.take() {
            if let Err(halt) = self.deliver(&current, Some(&mut queued)) {
                self.held = Some(queued);
                self.release()?;
                return Err(halt);
            }
        }
        self.held = Some(queued);
        Ok(())
    }

    /// A row whose message could not be made because an attachment changed or went away
    /// after the check pass: it fails in this run and stays `pending` in the ledger (nothing
    /// of it was handed over), so the next run sends it with the files as they are then.
    pub fn unbuilt(&mut self, row: u64, why: &str) {
        self.outcome.failed += 1;
        self.front.event(&SendEvent::Failed {
            row,
            code: None,
            message: why.to_string(),
        });
        self.front.event(&SendEvent::Problem(
            Problem::error(format!("not sent: {why}"))
                .at_row(row)
                .with_hint("leave the attachment files alone while a run sends them; the next run sends this row"),
        ));
    }

    /// Delivers the message still held: the end of the run.
    pub fn finish(&mut self) -> Result<(), Halt> {
        match self.held.take() {
            Some(last) => self.deliver(&last, None),
            None => Ok(()),
        }
    }

    /// The run stops with a message held: if it was already marked `sending`, it never went
    /// out, so it goes back to `pending` (not to `unknown` on the next run).
    pub fn release(&mut self) -> Result<(), Halt> {
        if let Some(held) = self.held.take() {
            if held.marked {
                self.ledger
                    .mark_pending(&held.key, held.email.row)
                    .map_err(ledger_err)?;
            }
        }
        Ok(())
    }

    /// Whether the ledger lets this message go out: not when it was sent, refused for good,
    /// or may have arrived (`unknown`) in an earlier run; and not past the daily cap.
    fn admit(&mut self, email: Email) -> Result<Option<Queued>, Halt> {
        let (key, recipients) = row_key(&email);
        if let Some(rec) = self.ledger.state(&key).map_err(ledger_err)? {
            if let Some(why) = kept_back(rec.state, rec.code, self.cfg.resend_unknown) {
                if why == Skip::AlreadySent {
                    self.outcome.already_sent += 1;
                }
                self.front.event(&SendEvent::Skipped {
                    row: email.row,
                    why,
                });
                return Ok(None);
            }
        }
        if let Some(cap) = self.cfg.smtp.max_per_day {
            // The held message goes out before this one.
            let today = self.ledger.sent_since(self.day_start).map_err(ledger_err)?
                + u64::from(self.held.is_some());
            if today >= u64::from(cap) {
                return Err(fail(
                    ExitCode::Problems,
                    format!(
                        "the daily cap of {cap} messages (max_per_day) is reached; the rest stay \
                         pending: run the same command again from {}, and it goes on with them",
                        next_day_start(self.day_start).format("%Y-%m-%d %H:%M (%:z)")
                    ),
                ));
            }
        }
        self.outcome.attempted += 1;
        Ok(Some(Queued {
            email,
            key,
            recipients,
            marked: false,
        }))
    }

    /// Delivers `current` with retries, recording every step in the ledger. While the server
    /// takes `current`, `next` is recorded `sending` (not when a rate limit spaces messages
    /// out: then it would wait marked, and a crash in the wait would make it `unknown`).
    /// A stop during a wait leaves `current` unsent and `pending`.
    fn deliver(&mut self, current: &Queued, mut next: Option<&mut Queued>) -> Result<(), Halt> {
        let email = &current.email;
        let key = current.key.as_str();
        let recipients = &current.recipients;
        let overlap = self.pacer.interval.is_none();
        let mut delay = self.cfg.smtp.retry_delay;
        let mut attempt = 0;
        let mut renewed = false;
        loop {
            if !self.pacer.wait(self.stop) {
                if attempt > 0 || current.marked {
                    self.ledger
                        .mark_pending(key, email.row)
                        .map_err(ledger_err)?;
                }
                return Err(Halt::Stopped);
            }
            // The token renewal hook: a new access token before the current one expires.
            if let Err(halt) = self.renew_token(false) {
                if attempt > 0 || current.marked {
                    self.ledger
                        .mark_pending(key, email.row)
                        .map_err(ledger_err)?;
                }
                return Err(halt);
            }
            if attempt > 0 || !current.marked {
                current.mark_sending(&mut self.ledger).map_err(ledger_err)?;
            }
            // The next message's envelope goes out behind this one's data (one round trip a
            // message); its `sending` mark is written while the server works on this one,
            // before its own data is handed over.
            let upcoming = next.as_deref().filter(|_| overlap);
            let to_mark = upcoming.filter(|n| !n.marked);
            let envelope = upcoming.map(|n| Envelope {
                from: &n.email.envelope_from,
                recipients: &n.recipients,
                message: &n.email.formatted,
            });
            let mut marked_next = None;
            let ledger = &mut self.ledger;
            let result = self.client.send_and(
                &email.envelope_from,
                recipients,
                &email.formatted,
                envelope,
                || {
                    if let Some(n) = to_mark {
                        marked_next = Some(n.mark_sending(ledger));
                    }
                },
            );
            let marked_next = marked_next.transpose();
            if let (Ok(Some(())), Some(n)) = (&marked_next, next.as_deref_mut()) {
                n.marked = true;
            }
            if !renewed && self.tokens.is_some() && token_refused(&result) {
                // The server refused the token at a new login (it expired early, or was
                // revoked): nothing of the message went out, so one more try with a fresh
                // token is safe.
                renewed = true;
                if let Err(halt) = self.renew_token(true) {
                    self.ledger
                        .mark_pending(key, email.row)
                        .map_err(ledger_err)?;
                    return Err(halt);
                }
                marked_next.map_err(ledger_err)?;
                continue;
            }
            let outcome = self.record(email, key, result, &mut attempt, &mut delay);
            marked_next.map_err(ledger_err)?;
            match outcome? {
                Attempt::Done => return Ok(()),
                Attempt::Retry => {}
            }
        }
    }

    /// A new access token when the current one is near its expiry (or at once when `forced`:
    /// the server refused it), used from the next login on. A sign-in that is gone stops the
    /// run; nothing is marked failed for it.
    fn renew_token(&mut self, forced: bool) -> Result<(), Halt> {
        let Some(tokens) = self.tokens.as_mut() else {
            return Ok(());
        };
        if !forced && !tokens.due() {
            return Ok(());
        }
        let token = tokens.renew().map_err(oauth_halt)?;
        let mechanism = self
            .cfg
            .smtp
            .oauth
            .as_ref()
            .map_or(Mechanism::XOAuth2, |o| o.mechanism);
        self.client.set_secret(bearer(mechanism, token));
        Ok(())
    }

    /// Records one attempt's result, and says whether to try again (after the backoff).
    fn record(
        &mut self,
        email: &Email,
        key: &str,
        result: Result<crate::smtp::Delivery, SendError>,
        attempt: &mut u32,
        delay: &mut Duration,
    ) -> Result<Attempt, Halt> {
        match result {
            Ok(delivery) => {
                self.ledger
                    .mark_sent(key, delivery.reply.code, &delivery.reply.text)
                    .map_err(ledger_err)?;
                self.outcome.sent += 1;
                self.front.event(&SendEvent::Sent { row: email.row });
                for (address, reply) in &delivery.refused {
                    self.front.event(&SendEvent::Problem(
                        Problem::warning(format!(
                            "the server refused the recipient {address} ({reply}); the others got the message"
                        ))
                        .at_row(email.row),
                    ));
                }
                Ok(Attempt::Done)
            }
            Err(SendError::Connect(e @ SmtpError::Auth { .. })) if !e.is_temporary() => {
                self.ledger
                    .mark_pending(key, email.row)
                    .map_err(ledger_err)?;
                Err(fail(ExitCode::Error, format!("stopped: {e}")))
            }
            Err(e) if e.is_retryable() && *attempt < self.cfg.smtp.retries => {
                let code = e.reply().map(|r| r.code);
                self.ledger
                    .mark_deferred(key, code, &e.to_string())
                    .map_err(ledger_err)?;
                *attempt += 1;
                // A stop in the backoff is seen by the pacer's wait at the top of the loop.
                sleep_unless_stopped(jitter(*delay, email.row, *attempt), self.stop);
                *delay = delay.saturating_mul(2);
                Ok(Attempt::Retry)
            }
            Err(SendError::Unknown { detail }) => {
                self.ledger.mark_unknown(key, &detail).map_err(ledger_err)?;
                self.outcome.unknown += 1;
                self.front.event(&SendEvent::Unknown {
                    row: email.row,
                    detail: detail.clone(),
                });
                self.front.event(&SendEvent::Problem(
                    Problem::error(format!(
                        "the connection broke after the message was handed over ({detail}); \
                         it may have arrived, so it is marked unknown and not sent again"
                    ))
                    .at_row(email.row)
                    .with_hint(
                        "check with the recipient; rerun with --resend-unknown to send it again",
                    ),
                ));
                Ok(Attempt::Done)
            }
            Err(e) => {
                let code = e.reply().map(|r| r.code);
                self.ledger
                    .mark_failed(key, code, &e.to_string())
                    .map_err(ledger_err)?;
                self.outcome.failed += 1;
                self.front.event(&SendEvent::Failed {
                    row: email.row,
                    code,
                    message: e.to_string(),
                });
                self.front.event(&SendEvent::Problem(
                    Problem::error(format!("not sent: {e}")).at_row(email.row),
                ));
                if let SendError::Connect(c) = &e {
                    return Err(fail(ExitCode::Error, format!("stopped: {c}")));
                }
                Ok(Attempt::Done)
            }
        }
    }
}

/// The ledger's key for a message (its row and recipients: a row whose addresses changed is a
/// new message), and the recipients' addresses.
pub(super) fn row_key(email: &Email) -> (String, Vec<String>) {
    let recipients: Vec<String> = email.recipients.iter().map(|r| r.address.clone()).collect();
    (
        format!("row {}: {}", email.row, recipients.join(", ")),
        recipients,
    )
}

/// Whether the ledger keeps a message in this state back (see `Sender::admit`).
pub(super) fn kept_back(state: RowState, code: Option<u16>, resend_unknown: bool) -> Option<Skip> {
    match state {
        RowState::Sent => Some(Skip::AlreadySent),
        RowState::Unknown if !resend_unknown => Some(Skip::Unknown),
        RowState::Failed if code.is_some_and(|c| c >= 500) => Some(Skip::Refused),
        _ => None,
    }
}

/// Sleeps for `time`, in slices of [`STOP_POLL`]; returns early (false) when `stop` is set.
fn sleep_unless_stopped(time: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + time;
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let now = Instant::now();
        if now >= until {
            return true;
        }
        std::thread::sleep((until - now).min(STOP_POLL));
    }
}

/// Spaces messages out to the rate limit.
pub(super) struct Pacer {
    interval: Option<Duration>,
    next: Instant,
}

impl Pacer {
    pub fn new(per_minute: Option<u32>) -> Pacer {
        Pacer {
            interval: per_minute.map(|n| Duration::from_secs(60) / n.max(1)),
            next: Instant::now(),
        }
    }

    /// Waits for the next message's turn; false when `stop` was set (before or during it).
    fn wait(&mut self, stop: &AtomicBool) -> bool {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let Some(interval) = self.interval else {
            return true;
        };
        let now = Instant::now();
        if self.next > now && !sleep_unless_stopped(self.next - now, stop) {
            return false;
        }
        self.next = self.next.max(now) + interval;
        true
    }
}

/// `delay` plus up to 50% more, varied per row and attempt so retries do not march in step.
fn jitter(delay: Duration, row: u64, attempt: u32) -> Duration {
    let spread = fnv64(&[row.to_le_bytes(), u64::from(attempt).to_le_bytes()].concat()) % 1000;
    delay + delay.mul_f64(spread as f64 / 2000.0)
}

/// Whether a failed send is the server refusing the login (a 5xx to AUTH): with OAuth, the
/// access token it was given.
fn token_refused(result: &Result<crate::smtp::Delivery, SendError>) -> bool {
    matches!(
        result,
        Err(SendError::Connect(SmtpError::Auth { reply: Some(r), .. })) if r.code >= 500
    )
}

/// An access token as the login secret for `mechanism`.
fn bearer(mechanism: Mechanism, token: String) -> Secret {
    match mechanism {
        Mechanism::XOAuth2 => Secret::XOAuth2(token),
        Mechanism::OAuthBearer => Secret::OAuthBearer(token),
    }
}

/// A sign-in or renewal failure as the reason the run stops.
fn oauth_halt(e: crate::oauth::OAuthError) -> Halt {
    fail(
        ExitCode::Error,
        format!("stopped: {e}. Nothing was marked failed: the messages not sent stay pending"),
    )
}

/// Opens the SMTP session, asking the front end for the password (or token) when the
/// config names a user; with `auth = "oauth2"`, an access token from the stored sign-in (and
/// the source of the next ones).
pub(super) fn connect(
    cfg: &SendConfig,
    front: &mut dyn SendFront,
) -> Result<(SmtpClient, Option<TokenSource>), Halt> {
    let smtp = &cfg.smtp;
    let mut tokens = None;
    let secret = match &smtp.username {
        None => None,
        Some(user) if smtp.auth == AuthKind::OAuth2 => {
            let oauth = smtp.oauth.as_ref().ok_or_else(|| {
                fail(
                    ExitCode::Error,
                    "auth = \"oauth2\" needs an [smtp.oauth] table",
                )
            })?;
            let client_secret = crate::config::oauth::client_secret(oauth)
                .map_err(|e| oauth_halt(crate::oauth::OAuthError::Failed(e)))?;
            let mut source = TokenSource::open(oauth, user, client_secret);
            let token = source.access().map_err(oauth_halt)?;
            for warning in source.warnings() {
                front.event(&SendEvent::Problem(Problem::warning(warning)));
            }
            tokens = Some(source);
            Some(bearer(oauth.mechanism, token))
        }
        Some(user) => {
            let what = match smtp.auth {
                AuthKind::Password => format!("password for {user} at {}", smtp.host),
                AuthKind::XOAuth2 | AuthKind::OAuth2 => {
                    format!("XOAUTH2 token for {user} at {}", smtp.host)
                }
            };
            let request = SecretRequest {
                what,
                auth: smtp.auth,
                password_command: smtp.password_command.clone(),
            };
            Some(
                front
                    .secret(&request)
                    .map_err(|e| fail(ExitCode::Error, e))?,
            )
        }
    };
    let settings = SmtpSettings {
        host: smtp.host.clone(),
        port: smtp.port,
        security: match smtp.security {
            CfgSecurity::StartTls => Security::StartTls,
            CfgSecurity::Tls => Security::Tls,
            CfgSecurity::None => Security::None,
        },
        username: smtp.username.clone(),
        secret,
        ca_file: smtp.ca_file.clone(),
        accept_invalid_certs: smtp.accept_invalid_certs,
        timeout: smtp.timeout,
        hello_name: smtp.hello_name.clone().unwrap_or_default(),
    };
    let client =
        SmtpClient::connect(&settings).map_err(|e| fail(ExitCode::Error, e.to_string()))?;
    Ok((client, tokens))
}

/// The start of the day after the one that began at `day_start`, local time.
fn next_day_start(day_start: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Local> {
    let local = day_start.with_timezone(&chrono::Local);
    let next = local.date_naive().succ_opt().unwrap_or(local.date_naive());
    next.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(chrono::Local).earliest())
        .unwrap_or(local + chrono::Duration::hours(24))
}

pub(super) fn start_of_today() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Local::now();
    now.date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(chrono::Local).earliest())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| now.with_timezone(&chrono::Utc) - chrono::Duration::hours(24))
}

#[cfg(test)]
mod tests {
    use super::{sleep_unless_stopped, Pacer, STOP_POLL};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    #[test]
    fn a_stop_cuts_the_rate_limits_wait_short() {
        // One message a minute: the second waits a minute, unless stopped.
        let mut pacer = Pacer::new(Some(1));
        let stop = Arc::new(AtomicBool::new(false));
        assert!(pacer.wait(&stop), "the first message goes at once");
        let flag = Arc::clone(&stop);
        let setter = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            flag.store(true, Ordering::Relaxed);
        });
        let started = Instant::now();
        assert!(!pacer.wait(&stop), "the wait reports the stop");
        assert!(
            started.elapsed() < Duration::from_millis(150) + STOP_POLL * 3,
            "{:?}",
            started.elapsed()
        );
        setter.join().unwrap();
    }

    #[test]
    fn an_unstopped_sleep_lasts_its_time() {
        let stop = AtomicBool::new(false);
        let started = Instant::now();
        assert!(sleep_unless_stopped(Duration::from_millis(30), &stop));
        assert!(started.elapsed() >= Duration::from_millis(30));
        stop.store(true, Ordering::Relaxed);
        assert!(!sleep_unless_stopped(Duration::from_secs(60), &stop));
    }
}
