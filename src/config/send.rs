//! The send command's configuration: the `[smtp]` table of the TOML config file, checked,
//! plus the command-line options. The password is never here: see `secret`.

use super::oauth::OAuthConfig;
use super::provider::{self, Provider};
use super::{read_config, UsageError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How the connection to the server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    StartTls,
    Tls,
    None,
}

/// How lettermerge logs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    Password,
    /// An access token given by the user (password_command, the variable or the prompt).
    XOAuth2,
    /// lettermerge signs in itself (`lettermerge login`) and renews the token: `[smtp.oauth]`.
    OAuth2,
}

/// The `[smtp]` table, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub from: String,
    pub ca_file: Option<PathBuf>,
    pub accept_invalid_certs: bool,
    pub timeout: Duration,
    pub rate_per_minute: Option<u32>,
    pub max_per_day: Option<u32>,
    pub password_command: Option<String>,
    pub auth: AuthKind,
    pub hello_name: Option<String>,
    /// Further attempts after a temporary failure (4xx, dropped connection before the data).
    pub retries: u32,
    /// The first wait before a retry; it doubles each time, with up to 50% random jitter.
    pub retry_delay: Duration,
    /// `provider = "microsoft365" | "google"`: the preset the defaults came from.
    pub provider: Option<Provider>,
    /// With `auth = "oauth2"`: the provider to sign in to.
    pub oauth: Option<OAuthConfig>,
    /// Settings that are allowed but unwise (a limit raised above the preset's), to show.
    pub warnings: Vec<String>,
}

const KEYS: [&str; 17] = [
    "provider",
    "oauth",
    "host",
    "port",
    "security",
    "username",
    "from",
    "ca_file",
    "accept_invalid_certs",
    "timeout_s",
    "rate_per_minute",
    "max_per_day",
    "password_command",
    "auth",
    "hello_name",
    "retries",
    "retry_delay_ms",
];

/// Relative paths in the config (`ca_file`) are relative to its folder.
fn config_dir(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

impl SmtpConfig {
    /// Reads and checks the `[smtp]` table of the config file at `path`. Relative paths in it
    /// (`ca_file`) are relative to the config file's folder.
    pub fn load(path: &Path) -> Result<SmtpConfig, UsageError> {
        let text = read_config(path)?;
        SmtpConfig::parse(&text, &path.display().to_string(), config_dir(path))
    }

    /// [`SmtpConfig::load`] for a config file that may have no `[smtp]` table (one with only
    /// `[offices]`, given to `check` or `preview`): `None` then.
    pub fn load_if_present(path: &Path) -> Result<Option<SmtpConfig>, UsageError> {
        let text = read_config(path)?;
        // Invalid TOML goes on to `parse`, which says what is wrong with it.
        let has_smtp = text
            .parse::<toml::Table>()
            .map_or(true, |doc| doc.contains_key("smtp"));
        if !has_smtp {
            return Ok(None);
        }
        SmtpConfig::parse(&text, &path.display().to_string(), config_dir(path)).map(Some)
    }

    pub fn parse(text: &str, name: &str, dir: &Path) -> Result<SmtpConfig, UsageError> {
        let err = |msg: String| UsageError(format!("{name}: {msg}"));
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| err(format!("not valid TOML: {}", e.message().trim())))?;
        let Some(smtp) = doc.get("smtp").and_then(toml::Value::as_table) else {
            return Err(err(
                "no [smtp] table; add one with at least host and from (see README)".to_string(),
            ));
        };
        for key in smtp.keys() {
            if matches!(key.as_str(), "password" | "pass" | "token" | "secret") {
                return Err(err(format!(
                    "`{key}` must not be in a file: remove it, and give the password in the \
                     LETTERMERGE_SMTP_PASSWORD environment variable, with password_command \
                     (e.g. \"pass show smtp\"), or at the prompt"
                )));
            }
            if !KEYS.contains(&key.as_str()) {
                return Err(err(format!(
                    "unknown key `{key}` in [smtp]; the keys are: {}",
                    KEYS.join(", ")
                )));
            }
        }
        let string = |key: &str| -> Result<Option<String>, UsageError> {
            match smtp.get(key) {
                None => Ok(None),
                Some(toml::Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(toml::Value::String(s)) => Ok(Some(s.trim().to_string())),
                Some(other) => Err(err(format!(
                    "`{key}` must be a string in quotes, not {}",
                    other.type_str()
                ))),
            }
        };
        let number = |key: &str, max: i64| -> Result<Option<i64>, UsageError> {
            match smtp.get(key) {
                None => Ok(None),
                Some(toml::Value::Integer(n)) if (1..=max).contains(n) => Ok(Some(*n)),
                Some(other) => Err(err(format!(
                    "`{key}` must be a whole number from 1 to {max}, not {other}"
                ))),
            }
        };
        let provider = match string("provider")? {
            None => None,
            Some(name) => Some(Provider::parse(&name).ok_or_else(|| {
                err(format!(
                    "provider = \"{name}\" is not one of {}; leave it out and set host, port \
                     and security for any other server",
                    Provider::NAMES.map(|n| format!("\"{n}\"")).join(", ")
                ))
            })?),
        };
        let preset = provider.map(Provider::preset);
        let host = string("host")?
            .or(preset.as_ref().map(|p| p.host.to_string()))
            .ok_or_else(|| {
                err(
                    "[smtp] needs `host`, the mail server's name, e.g. host = \"smtp.example.org\""
                        .into(),
                )
            })?;
        let from = string("from")?.ok_or_else(|| {
            err(
                "[smtp] needs `from`, e.g. from = \"Library Advocacy <advocacy@example.org>\""
                    .into(),
            )
        })?;
        if from.chars().any(char::is_control) {
            return Err(err(
                "`from` must be one line, without control characters; give one address, e.g. \
                 from = \"Library Advocacy <advocacy@example.org>\""
                    .into(),
            ));
        }
        let security = match string("security")?.as_deref().map(str::to_ascii_lowercase) {
            None => preset.as_ref().map_or(Security::StartTls, |p| p.security),
            Some(s) if s == "starttls" => Security::StartTls,
            Some(s) if s == "tls" || s == "ssl" => Security::Tls,
            Some(s) if s == "none" => Security::None,
            Some(s) => {
                return Err(err(format!(
                    "security = \"{s}\" is not one of \"starttls\", \"tls\", \"none\""
                )))
            }
        };
        let port = match number("port", 65535)? {
            Some(p) => p as u16,
            None if preset.as_ref().is_some_and(|p| p.security == security) => {
                preset.as_ref().map_or(587, |p| p.port)
            }
            None => match security {
                Security::StartTls => 587,
                Security::Tls => 465,
                Security::None => 25,
            },
        };
        let auth = match string("auth")?.as_deref().map(str::to_ascii_lowercase) {
            None if provider.is_some() || smtp.contains_key("oauth") => AuthKind::OAuth2,
            None => AuthKind::Password,
            Some(s) if s == "password" => AuthKind::Password,
            Some(s) if s == "xoauth2" => AuthKind::XOAuth2,
            Some(s) if s == "oauth2" => AuthKind::OAuth2,
            Some(s) => {
                return Err(err(format!(
                    "auth = \"{s}\" is not one of \"password\", \"xoauth2\", \"oauth2\""
                )))
            }
        };
        let oauth_table = match smtp.get("oauth") {
            None => None,
            Some(toml::Value::Table(t)) => Some(t),
            Some(other) => {
                return Err(err(format!(
                    "`oauth` must be a table, [smtp.oauth], not {}",
                    other.type_str()
                )))
            }
        };
        let oauth = match auth {
            AuthKind::OAuth2 => Some(OAuthConfig::parse(
                oauth_table,
                provider,
                preset.as_ref(),
                name,
                dir,
                &err,
            )?),
            _ => None,
        };
        let accept_invalid_certs = match smtp.get("accept_invalid_certs") {
            None => false,
            Some(toml::Value::Boolean(b)) => *b,
            Some(other) => {
                return Err(err(format!(
                    "`accept_invalid_certs` must be true or false, not {other}"
                )))
            }
        };
        // Values that go into SMTP commands: a CR or LF would end the command and start one of
        // the user's (or a data file's author's) choosing.
        crate::smtp::check_one_line(&host).map_err(|d| {
            err(format!(
                "`host` cannot be used: {d}; give the server's name, e.g. host = \"smtp.example.org\""
            ))
        })?;
        let username = string("username")?;
        if let Some(user) = &username {
            crate::smtp::check_one_line(user).map_err(|d| {
                err(format!(
                    "`username` cannot be used: {d}; give the login name on one line"
                ))
            })?;
        }
        let hello_name = string("hello_name")?;
        if let Some(hello) = &hello_name {
            crate::smtp::check_hello_name(hello).map_err(|d| {
                err(format!(
                    "`hello_name` cannot be used: {d}; give this computer's domain name (e.g. \
                     hello_name = \"office.example.org\") or an address literal such as \
                     \"[192.0.2.7]\", or leave it out to use this computer's address"
                ))
            })?;
        }
        let ca_file = string("ca_file")?.map(|f| dir.join(f));
        if let Some(ca) = &ca_file {
            if !ca.is_file() {
                return Err(err(format!(
                    "ca_file {}: no such file; give the PEM certificate of your server's CA",
                    ca.display()
                )));
            }
        }
        if auth == AuthKind::OAuth2 && username.is_none() {
            return Err(err(
                "auth = \"oauth2\" needs `username` in [smtp]: the mailbox you sign in as, \
                 e.g. username = \"advocacy@example.org\""
                    .into(),
            ));
        }
        let mut warnings = Vec::new();
        let (rate_per_minute, max_per_day) = {
            let rate = number("rate_per_minute", 1_000_000)?.map(|n| n as u32);
            let day = number("max_per_day", 100_000_000)?.map(|n| n as u32);
            match (provider, &preset) {
                (Some(pv), Some(p)) => (
                    provider::limit(
                        "rate_per_minute",
                        rate,
                        p.rate_per_minute,
                        pv,
                        &mut warnings,
                    ),
                    provider::limit("max_per_day", day, p.max_per_day, pv, &mut warnings),
                ),
                _ => (rate, day),
            }
        };
        Ok(SmtpConfig {
            host,
            port,
            security,
            username,
            from,
            ca_file,
            accept_invalid_certs,
            timeout: Duration::from_secs(number("timeout_s", 3600)?.unwrap_or(30) as u64),
            rate_per_minute,
            max_per_day,
            password_command: string("password_command")?,
            auth,
            hello_name,
            retries: match smtp.get("retries") {
                Some(toml::Value::Integer(0)) => 0,
                _ => number("retries", 20)?.unwrap_or(3) as u32,
            },
            retry_delay: Duration::from_millis(
                number("retry_delay_ms", 3_600_000)?.unwrap_or(2000) as u64,
            ),
            provider,
            oauth,
            warnings,
        })
    }
}

/// Parses `--rate`: `30/min`, `30` (per minute) or `2/s`, into messages per minute.
pub fn parse_rate(s: &str) -> Result<u32, UsageError> {
    let bad = || {
        UsageError(format!(
            "--rate {s} is not a rate; write it like 30/min (or 2/s)"
        ))
    };
    let (num, per_second) = match s.trim().split_once('/') {
        None => (s.trim(), false),
        Some((n, "min" | "m" | "minute")) => (n, false),
        Some((n, "s" | "sec" | "second")) => (n, true),
        Some(_) => return Err(bad()),
    };
    let n: u32 = num.trim().parse().map_err(|_| bad())?;
    let per_minute = if per_second {
        n.checked_mul(60)
    } else {
        Some(n)
    };
    match per_minute {
        Some(r) if r > 0 => Ok(r),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_rate, AuthKind, Security, SmtpConfig};
    use crate::config::oauth::{Flow, Mechanism};
    use std::path::Path;

    fn parse(text: &str) -> Result<SmtpConfig, String> {
        SmtpConfig::parse(text, "lettermerge.toml", Path::new("/cfg")).map_err(|e| e.0)
    }

    #[test]
    fn a_full_smtp_table() {
        let c = parse(
            "[smtp]\nhost = \"smtp.example.org\"\nsecurity = \"tls\"\nusername = \"me\"\n\
             from = \"Advocacy <a@example.org>\"\ntimeout_s = 10\nrate_per_minute = 30\n\
             max_per_day = 500\nauth = \"xoauth2\"\n",
        )
        .unwrap();
        assert_eq!(c.port, 465);
        assert_eq!(c.security, Security::Tls);
        assert_eq!(c.auth, AuthKind::XOAuth2);
        assert_eq!(c.rate_per_minute, Some(30));
        assert_eq!(c.timeout.as_secs(), 10);
        assert!(!c.accept_invalid_certs);
    }

    #[test]
    fn defaults_are_starttls_on_587() {
        let c = parse("[smtp]\nhost = \"h\"\nfrom = \"a@b.org\"\n").unwrap();
        assert_eq!((c.security, c.port), (Security::StartTls, 587));
        assert_eq!(c.timeout.as_secs(), 30);
    }

    #[test]
    fn a_password_in_the_file_is_refused_with_the_alternatives() {
        let e = parse("[smtp]\nhost = \"h\"\nfrom = \"a@b.org\"\npassword = \"hunter2\"\n")
            .unwrap_err();
        assert!(e.contains("must not be in a file"), "{e}");
        assert!(e.contains("LETTERMERGE_SMTP_PASSWORD"), "{e}");
        assert!(!e.contains("hunter2"), "the password is never echoed: {e}");
    }

    #[test]
    fn mistakes_say_what_to_write() {
        assert!(parse("[smtp]\nfrom = \"a@b.org\"\n")
            .unwrap_err()
            .contains("needs `host`"));
        assert!(parse("[smtp]\nhost = \"h\"\n")
            .unwrap_err()
            .contains("needs `from`"));
        assert!(
            parse("[smtp]\nhost = \"h\"\nfrom = \"a@b\"\nsecurity = \"ssl3\"\n")
                .unwrap_err()
                .contains("starttls")
        );
        assert!(parse("[smtp]\nhost = \"h\"\nfrom = \"a@b\"\nprot = 25\n")
            .unwrap_err()
            .contains("unknown key `prot`"));
        assert!(
            parse("[smtp]\nhost = \"h\"\nfrom = \"a@b\"\nport = \"25\"\n")
                .unwrap_err()
                .contains("whole number")
        );
        assert!(parse("host = \"h\"\n")
            .unwrap_err()
            .contains("no [smtp] table"));
    }

    #[test]
    fn values_that_go_onto_the_wire_cannot_carry_a_line_break() {
        let base = "[smtp]\nhost = \"h\"\nfrom = \"a@b.org\"\n";
        let e = parse(&format!(
            "{base}hello_name = \"me.example.org\\r\\nMAIL FROM:<x@evil.example>\"\n"
        ))
        .unwrap_err();
        assert!(
            e.starts_with("lettermerge.toml: `hello_name` cannot be used"),
            "{e}"
        );
        assert!(
            e.contains("carriage return") && e.contains("[192.0.2.7]"),
            "{e}"
        );
        assert!(parse(&format!("{base}hello_name = \"two words\"\n")).is_err());
        let ok = parse(&format!("{base}hello_name = \"[192.0.2.7]\"\n")).unwrap();
        assert_eq!(ok.hello_name.as_deref(), Some("[192.0.2.7]"));
        assert!(parse(&format!("{base}hello_name = \"office.example.org\"\n")).is_ok());
        let e = parse(&format!("{base}username = \"me\\nAUTH PLAIN x\"\n")).unwrap_err();
        assert!(e.contains("`username` cannot be used"), "{e}");
        let e = parse("[smtp]\nhost = \"h\\r\\nx\"\nfrom = \"a@b.org\"\n").unwrap_err();
        assert!(e.contains("`host` cannot be used"), "{e}");
        let e = parse("[smtp]\nhost = \"h\"\nfrom = \"a@b.org\\u0000\"\n").unwrap_err();
        assert!(e.contains("`from` must be one line"), "{e}");
    }

    #[test]
    fn a_provider_fills_server_oauth_and_limits() {
        let c = parse(
            "[smtp]\nprovider = \"microsoft365\"\nusername = \"me@org.example\"\n\
             from = \"me@org.example\"\n[smtp.oauth]\nclient_id = \"abc\"\n",
        )
        .unwrap();
        assert_eq!((c.host.as_str(), c.port), ("smtp.office365.com", 587));
        assert_eq!(c.security, Security::StartTls);
        assert_eq!(c.auth, AuthKind::OAuth2);
        assert_eq!((c.rate_per_minute, c.max_per_day), (Some(30), Some(10_000)));
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        let o = c.oauth.unwrap();
        assert_eq!(o.flow, Flow::Device);
        assert_eq!(
            o.scopes,
            ["https://outlook.office.com/SMTP.Send", "offline_access"]
        );
        assert!(o.device_url.unwrap().ends_with("/devicecode"));

        let g = parse(
            "[smtp]\nprovider = \"google\"\nusername = \"me@org.example\"\n\
             from = \"me@org.example\"\nmax_per_day = 500\n[smtp.oauth]\nclient_id = \"abc\"\n",
        )
        .unwrap();
        assert_eq!(
            (g.host.as_str(), g.port, g.security),
            ("smtp.gmail.com", 465, Security::Tls)
        );
        assert_eq!(g.max_per_day, Some(500), "lowered quietly");
        assert!(g.warnings.is_empty());
        assert_eq!(g.oauth.unwrap().flow, Flow::Loopback);
    }

    #[test]
    fn raising_a_preset_limit_warns() {
        let c = parse(
            "[smtp]\nprovider = \"google\"\nusername = \"me@org.example\"\n\
             from = \"me@org.example\"\nmax_per_day = 5000\n[smtp.oauth]\nclient_id = \"abc\"\n",
        )
        .unwrap();
        assert_eq!(c.max_per_day, Some(5000));
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        assert!(c.warnings[0].contains("limit of 2000"), "{:?}", c.warnings);
    }

    #[test]
    fn oauth_mistakes_say_what_to_write() {
        let base =
            "[smtp]\nhost = \"h\"\nfrom = \"a@b.org\"\nusername = \"a@b.org\"\nauth = \"oauth2\"\n";
        let e = parse(base).unwrap_err();
        assert!(e.contains("needs `token_url`"), "{e}");
        let e = parse(&format!(
            "{base}[smtp.oauth]\ntoken_url = \"https://t.example/token\"\nclient_id = \"x\"\n\
             scopes = [\"s\"]\nclient_secret = \"hunter2\"\n"
        ))
        .unwrap_err();
        assert!(
            e.contains("must not be in a file") && !e.contains("hunter2"),
            "{e}"
        );
        let e = parse(&format!(
            "{base}[smtp.oauth]\ntoken_url = \"https://t.example/token\"\nclient_id = \"x\"\n\
             scopes = [\"s\"]\nflow = \"device\"\n"
        ))
        .unwrap_err();
        assert!(e.contains("needs `device_url`"), "{e}");
        let e = parse(&format!(
            "{base}[smtp.oauth]\ntoken_url = \"http://t.example/token\"\nclient_id = \"x\"\n"
        ))
        .unwrap_err();
        assert!(e.contains("https://"), "{e}");
        let e = parse(
            "[smtp]\nprovider = \"google\"\nfrom = \"a@b.org\"\n[smtp.oauth]\nclient_id = \"x\"\n",
        )
        .unwrap_err();
        assert!(e.contains("needs `username`"), "{e}");
        let e = parse("[smtp]\nprovider = \"yahoo\"\nfrom = \"a@b.org\"\n").unwrap_err();
        assert!(e.contains("\"microsoft365\", \"google\""), "{e}");
        let ok = parse(&format!(
            "{base}[smtp.oauth]\ntoken_url = \"https://t.example/token\"\nclient_id = \"x\"\n\
             authorization_url = \"https://t.example/auth\"\nscopes = \"a b\"\nmechanism = \"oauthbearer\"\n"
        ))
        .unwrap();
        let o = ok.oauth.unwrap();
        assert_eq!(
            (o.flow, o.mechanism),
            (Flow::Loopback, Mechanism::OAuthBearer)
        );
        assert_eq!(o.scopes, ["a", "b"]);
        assert_eq!(ok.rate_per_minute, None, "no preset, no limit");
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("30/min").unwrap(), 30);
        assert_eq!(parse_rate("45").unwrap(), 45);
        assert_eq!(parse_rate("2/s").unwrap(), 120);
        assert!(parse_rate("0/min").is_err());
        assert!(parse_rate("fast").is_err());
    }
}

/// What a send run does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Render without connecting: print the messages, or write `.eml` files into the folder.
    DryRun { dir: Option<PathBuf> },
    /// Deliver the first message(s) to this address only; the ledger records nothing.
    Test { to: String },
    /// Deliver every message once, recorded in the ledger.
    Send,
}

/// Everything a send run needs, validated.
#[derive(Debug, Clone)]
pub struct SendConfig {
    pub input: super::Input,
    /// Which rows to send (`--limit` is not part of it: for send it counts messages).
    pub select: crate::records::SelectSpec,
    pub smtp: SmtpConfig,
    pub mode: Mode,
    pub limit: Option<usize>,
    pub attach_pdf: bool,
    pub ledger: PathBuf,
    pub rate_per_minute: Option<u32>,
    pub resend_unknown: bool,
    pub allow_template_change: bool,
    pub skip_invalid: bool,
    pub yes: bool,
    pub quiet: bool,
    /// Forms of address: the built-in table plus the config file's `[offices]`.
    pub offices: crate::template::forms::OfficeTable,
}

impl SendConfig {
    pub fn from_args(args: crate::cli::SendArgs) -> Result<SendConfig, UsageError> {
        let mut input = super::Input::from_args(args.input)?;
        input.use_config(Some(&args.config))?;
        let select = super::select_spec(&args.select, None)?;
        let smtp = SmtpConfig::load(&args.config)?;
        let offices = super::forms::load(Some(&args.config))?;
        let mode =
            match (args.dry_run, args.test_to) {
                (Some(_), Some(_)) => return Err(UsageError(
                    "--dry-run and --test-to do not go together: --dry-run connects to nothing, \
                     --test-to sends to you"
                        .to_string(),
                )),
                (Some(dir), None) => {
                    if let Some(d) = &dir {
                        if d.is_file() {
                            return Err(UsageError(format!(
                                "--dry-run {} is a file; give a folder for the .eml files",
                                d.display()
                            )));
                        }
                    }
                    Mode::DryRun { dir }
                }
                (None, Some(to)) => {
                    let to = to.trim().to_string();
                    if to.contains(['\r', '\n']) || !to.contains('@') {
                        return Err(UsageError(format!(
                            "--test-to {to:?} is not an email address; give your own address"
                        )));
                    }
                    Mode::Test { to }
                }
                (None, None) => Mode::Send,
            };
        if args.limit == Some(0) {
            return Err(UsageError("--limit must be at least 1".to_string()));
        }
        let mut smtp = smtp;
        let rate_per_minute = match args.rate.as_deref() {
            Some(r) => {
                let rate = parse_rate(r)?;
                if let Some(pv) = smtp.provider {
                    let preset = pv.preset().rate_per_minute;
                    provider::limit("--rate", Some(rate), preset, pv, &mut smtp.warnings);
                }
                Some(rate)
            }
            None => smtp.rate_per_minute,
        };
        let ledger = args
            .ledger
            .unwrap_or_else(|| default_ledger_path(&input.data));
        Ok(SendConfig {
            input,
            select,
            smtp,
            mode,
            limit: args.limit,
            attach_pdf: args.attach_pdf,
            ledger,
            rate_per_minute,
            resend_unknown: args.resend_unknown,
            allow_template_change: args.allow_template_change,
            skip_invalid: args.skip_invalid,
            yes: args.yes,
            quiet: args.quiet,
            offices,
        })
    }
}

/// `officials.csv` -> `officials.ledger.sqlite` in the same folder.
pub fn default_ledger_path(data: &Path) -> PathBuf {
    let stem = data
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "data".to_string());
    data.with_file_name(format!("{stem}.ledger.sqlite"))
}
