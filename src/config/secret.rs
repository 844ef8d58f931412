//! The SMTP password or XOAUTH2 token: from the LETTERMERGE_SMTP_PASSWORD environment
//! variable, from the config's `password_command`, or from a prompt on a terminal. Never
//! from a file or an argument, and never written to any output.

use std::io::IsTerminal;
use std::process::{Command, Stdio};

/// The environment variable that may hold the password (or token).
pub const PASSWORD_ENV: &str = "LETTERMERGE_SMTP_PASSWORD";

/// A secret that does not show itself in Debug output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Finds the secret: the environment first, then `password_command`, then a prompt when
/// stdin is a terminal. `what` names it in messages ("password for me@smtp.example.org").
pub fn obtain(password_command: Option<&str>, what: &str) -> Result<Secret, String> {
    if let Some(found) = without_prompt(password_command, what) {
        return found;
    }
    if std::io::stdin().is_terminal() {
        let entered = rpassword::prompt_password(format!("SMTP {what}: "))
            .map_err(|e| format!("cannot read the {what} from the terminal: {e}"))?;
        if entered.is_empty() {
            return Err(format!("no {what} entered"));
        }
        return Ok(Secret(entered));
    }
    Err(format!(
        "no {what}: set the {PASSWORD_ENV} environment variable, or password_command in the \
         config file (e.g. password_command = \"pass show smtp\"), or run on a terminal to be asked"
    ))
}

/// The secret from the environment or `password_command`, never a prompt (the studio asks
/// in its page instead); `None` when neither gives one.
pub fn without_prompt(
    password_command: Option<&str>,
    what: &str,
) -> Option<Result<Secret, String>> {
    if let Ok(v) = std::env::var(PASSWORD_ENV) {
        if !v.is_empty() {
            return Some(Ok(Secret(v)));
        }
    }
    password_command.map(|cmd| run_command(cmd, what))
}

/// Runs `cmd` with `sh -c` and takes the first line of its output as the secret.
pub fn run_command(cmd: &str, what: &str) -> Result<Secret, String> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run password_command `{cmd}`: {e}"))?;
    if !out.status.success() {
        // Its output may hold part of the secret: never show it.
        return Err(format!(
            "password_command `{cmd}` failed ({}); run it yourself to see why",
            out.status
        ));
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| format!("password_command `{cmd}` printed something that is not text"))?;
    // `pass` and friends print the secret on the first line, maybe with more after it.
    let first = text.lines().next().unwrap_or("").to_string();
    if first.is_empty() {
        return Err(format!("password_command `{cmd}` printed no {what}"));
    }
    Ok(Secret(first))
}

#[cfg(test)]
mod tests {
    use super::{run_command, Secret};

    #[test]
    fn the_command_gives_its_first_line() {
        let s = run_command("printf 'hunter2\\nurl: x\\n'", "password").unwrap();
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn a_failing_command_does_not_leak_its_output() {
        let e = run_command("echo hun''ter2; exit 3", "password").unwrap_err();
        assert!(e.contains("failed") && !e.contains("hunter2"), "{e}");
    }

    #[test]
    fn debug_hides_the_secret() {
        assert_eq!(format!("{:?}", Secret("hunter2".into())), "Secret(***)");
    }
}
