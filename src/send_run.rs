//! `lettermerge send` and `lettermerge status` on the terminal: the confirmation question,
//! the password from the environment, `password_command` or a prompt, the progress bar, the
//! dry run's text on stdout. The engine itself is `campaign::send`.

use crate::campaign::send::{self, Plan, Progress, SecretRequest, SendEvent, SendFront};
use crate::config::secret;
use crate::config::send::SendConfig;
use crate::exit_codes::ExitCode;
use crate::report::Reporter;
use crate::smtp::Secret;
use indicatif::ProgressBar;
use std::io::{self, BufRead, BufWriter, IsTerminal, Stdout, Write};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Runs `lettermerge send` and decides the exit code.
pub fn run(cfg: &SendConfig) -> ExitCode {
    let reporter = Reporter::new(&cfg.input.data, cfg.quiet);
    let mut front = Terminal {
        cfg,
        reporter: &reporter,
        out: BufWriter::new(io::stdout()),
        bar: None,
        progress: Progress::default(),
    };
    // The terminal run ends with Ctrl-C, which the ledger already survives.
    let never = AtomicBool::new(false);
    let result = send::run(cfg, &reporter, &mut front, &never);
    drop(front);
    match result {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            failure.code
        }
    }
}

/// The terminal as the send engine's front end.
struct Terminal<'a> {
    cfg: &'a SendConfig,
    reporter: &'a Reporter,
    out: BufWriter<Stdout>,
    bar: Option<ProgressBar>,
    progress: Progress,
}

impl SendFront for Terminal<'_> {
    /// Asks before a real send unless --yes; refuses without a terminal to ask on.
    fn confirm(&mut self, plan: &Plan) -> Result<(), String> {
        if self.cfg.yes {
            return Ok(());
        }
        let question = format!(
            "Send up to {} messages through {}:{} as {}? [y/N] ",
            plan.messages, plan.host, plan.port, plan.from
        );
        if !io::stdin().is_terminal() {
            return Err(
                "not on a terminal, so I cannot ask before sending: pass --yes to send, \
                 or --dry-run to look first"
                    .to_string(),
            );
        }
        eprint!("{question}");
        let mut answer = String::new();
        io::stdin().lock().read_line(&mut answer).ok();
        if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            Ok(())
        } else {
            Err("nothing was sent".to_string())
        }
    }

    fn secret(&mut self, request: &SecretRequest) -> Result<Secret, String> {
        let s = secret::obtain(request.password_command.as_deref(), &request.what)?;
        Ok(request.wrap(s.expose()))
    }

    fn event(&mut self, event: &SendEvent) {
        self.progress.apply(event);
        match event {
            SendEvent::Started { total } => {
                self.bar = Some(self.reporter.bar(*total, "Sending"));
            }
            SendEvent::Sent { .. }
            | SendEvent::Failed { .. }
            | SendEvent::Unknown { .. }
            | SendEvent::Skipped { .. } => {
                if let Some(bar) = &self.bar {
                    bar.set_position(self.progress.done());
                }
            }
            SendEvent::Finished(_) => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
                self.out.flush().ok();
            }
            // Printed above the bar, which is drawn again below it.
            SendEvent::Problem(p) => match &self.bar {
                Some(bar) => bar.suspend(|| self.reporter.problem(p)),
                None => self.reporter.problem(p),
            },
            SendEvent::Checked { .. } => {}
        }
    }

    fn print(&mut self, text: &str) -> io::Result<()> {
        let text = crate::terminal::escape_controls(text);
        self.out.write_all(text.as_bytes())
    }
}

/// Runs `lettermerge status`.
pub fn status(ledger: &Path, failures: Option<&Path>) -> ExitCode {
    match status_inner(ledger, failures) {
        Ok(()) => ExitCode::Success,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::Error
        }
    }
}

fn status_inner(ledger: &Path, failures: Option<&Path>) -> Result<(), String> {
    if let Some(path) = failures {
        send::status::check_export_path(ledger, path)?;
    }
    println!("{}", send::status::summary(ledger)?);
    let Some(path) = failures else {
        return Ok(());
    };
    let written = send::status::export_failures(ledger, path)?;
    eprintln!(
        "wrote {written} failed or unknown rows to {}",
        path.display()
    );
    Ok(())
}
