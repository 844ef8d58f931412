//! The `login` command: reads the config's `[smtp]` and `[smtp.oauth]`, runs the provider's
//! sign-in on the terminal, and says where the sign-in is kept (never the token itself).

use crate::config::send::{AuthKind, SmtpConfig};
use crate::exit_codes::ExitCode;
use crate::oauth::{LoginPrompt, StoreKind};
use std::io::Write;
use std::path::Path;

struct Terminal {
    browser: bool,
}

impl LoginPrompt for Terminal {
    fn say(&mut self, line: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", crate::terminal::escape_controls(line));
        let _ = out.flush();
    }

    fn open_browser(&mut self, url: &str) -> bool {
        self.browser && crate::browser::open(url)
    }
}

/// Runs `lettermerge login --config FILE`.
pub fn run(config: &Path, browser: bool) -> ExitCode {
    let smtp = match SmtpConfig::load(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::Error;
        }
    };
    let (Some(oauth), Some(user), AuthKind::OAuth2) = (&smtp.oauth, &smtp.username, smtp.auth)
    else {
        eprintln!(
            "error: {}: login is for auth = \"oauth2\" (or a provider = \"microsoft365\" or \
             \"google\") in [smtp], with a username; this config logs in with a password",
            config.display()
        );
        return ExitCode::Error;
    };
    let client_secret = match crate::config::oauth::client_secret(oauth) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::Error;
        }
    };
    let mut prompt = Terminal { browser };
    prompt.say(&format!("Signing in {user} at {}", oauth.token_url));
    match crate::oauth::login(oauth, user, client_secret, &mut prompt) {
        Ok((kind, warnings)) => {
            for w in warnings {
                eprintln!("warning: {w}");
            }
            let place = match kind {
                StoreKind::Keyring => "in the system keyring".to_string(),
                StoreKind::File(path) => format!("in {} (readable only by you)", path.display()),
            };
            prompt.say(&format!(
                "Signed in. The sign-in is kept {place}; `lettermerge send --config {}` now \
                 gets its access tokens by itself.",
                config.display()
            ));
            ExitCode::Success
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::Error
        }
    }
}
