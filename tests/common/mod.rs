//! Test harness: runs the real `lettermerge` binary on files in a temp dir and reads the PDFs
//! back with poppler's real PDF parser (pdftotext, pdffonts, pdfinfo).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temp folder with input files, and the binary to run in it.
pub struct Workdir {
    dir: tempfile::TempDir,
}

/// How long one run of the hostile-input suite may take: every such input is refused or
/// handled in well under a second; a run past this is a hang.
pub const HOSTILE_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The resident memory one run may reach: the bound for any input (1 GiB).
pub const HOSTILE_MEMORY_LIMIT: u64 = 1 << 30;

/// The resident set of a running process, from `/proc/PID/status` (None once it is gone).
fn resident_kib(status_file: &str) -> Option<u64> {
    let text = std::fs::read_to_string(status_file).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The outcome of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file (creating folders) and returns its path.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, contents).expect("write fixture");
        path
    }

    /// Runs `lettermerge ARGS` in the folder, with a fixed date.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// Runs `lettermerge ARGS` in the folder with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let out: Output = Command::new(env!("CARGO_BIN_EXE_lettermerge"))
            .args(args)
            .current_dir(self.path())
            .env("SOURCE_DATE_EPOCH", "1764374400") // 2025-11-29
            .env_remove("LETTERMERGE_SMTP_PASSWORD")
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run lettermerge");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs `lettermerge ARGS` as [`Workdir::run_env`] does, but bounded: the run fails the
    /// test if it takes longer than `HOSTILE_TIME_LIMIT` or its resident memory ever goes
    /// over `HOSTILE_MEMORY_LIMIT` (the process is killed at once, so a hang or a runaway
    /// allocation costs the suite a few seconds, never the machine).
    pub fn run_bounded(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.run_bounded_in(self.path(), args, env)
    }

    /// [`Workdir::run_bounded`] with another working folder.
    pub fn run_bounded_in(&self, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        use std::io::Read;
        use std::time::{Duration, Instant};
        let mut child = Command::new(env!("CARGO_BIN_EXE_lettermerge"))
            .args(args)
            .current_dir(cwd)
            .env("SOURCE_DATE_EPOCH", "1764374400")
            .env_remove("LETTERMERGE_SMTP_PASSWORD")
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run lettermerge");
        let drain = |mut r: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = r.read_to_end(&mut buf);
                String::from_utf8_lossy(&buf).into_owned()
            })
        };
        let out = drain(Box::new(child.stdout.take().expect("stdout")));
        let err = drain(Box::new(child.stderr.take().expect("stderr")));
        let start = Instant::now();
        let status_file = format!("/proc/{}/status", child.id());
        let mut peak_kib = 0u64;
        let status =
            loop {
                if let Some(status) = child.try_wait().expect("wait") {
                    break status;
                }
                if let Some(kib) = resident_kib(&status_file) {
                    peak_kib = peak_kib.max(kib);
                }
                let over_memory = peak_kib * 1024 > HOSTILE_MEMORY_LIMIT;
                let over_time = start.elapsed() > HOSTILE_TIME_LIMIT;
                if over_memory || over_time {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                    "lettermerge {args:?} {} (peak resident {} MiB after {:.1} s)\n--- stderr\n{}",
                    if over_memory { "used too much memory" } else { "hung" },
                    peak_kib / 1024,
                    start.elapsed().as_secs_f64(),
                    err.join().unwrap_or_default()
                );
                }
                std::thread::sleep(Duration::from_millis(5));
            };
        let stdout = out.join().unwrap_or_default();
        let stderr = err.join().unwrap_or_default();
        assert!(
            status.code().is_some(),
            "lettermerge {args:?} was killed by a signal ({status}): a crash\n--- stderr\n{stderr}"
        );
        Run {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
        }
    }

    /// Every file name in `dir` (relative to the work dir), sorted; temp files included.
    pub fn list(&self, dir: &str) -> Vec<String> {
        let mut names: Vec<String> = match std::fs::read_dir(self.join(dir)) {
            Ok(rd) => rd
                .map(|e| {
                    e.expect("dir entry")
                        .file_name()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        names.sort();
        names
    }
}

impl Run {
    /// Panics with both streams when the exit code is not `code`.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert!(
            !self.stderr.contains("panicked at") && !self.stderr.contains("RUST_BACKTRACE"),
            "lettermerge panicked\n--- stderr\n{}",
            self.stderr
        );
        assert_eq!(
            self.code, code,
            "exit code {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// The row numbers of the `=== row N ===` lines a dry run or a preview prints.
pub fn rows_shown(stdout: &str) -> Vec<u64> {
    stdout
        .lines()
        .filter_map(|l| {
            l.strip_prefix("=== row ")?
                .strip_suffix(" ===")?
                .parse()
                .ok()
        })
        .collect()
}

/// The repository root (for the shipped templates and samples).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(pdf)
        .args(if tool == "pdftotext" {
            vec!["-"]
        } else {
            vec![]
        })
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {tool} ({e}); install poppler-utils (scripts/test does this)")
        });
    assert!(
        out.status.success(),
        "{tool} failed on {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("poppler output is UTF-8")
}

/// The text of a PDF, in reading order.
pub fn pdf_text(pdf: &Path) -> String {
    poppler("pdftotext", &["-enc", "UTF-8"], pdf)
}

/// Every object of a PDF as plain text, read back by qpdf with its streams and object
/// streams expanded (`qpdf --qdf --object-streams=disable`): for looking for a dictionary
/// entry that a tagged file keeps inside a compressed object stream.
pub fn pdf_objects(pdf: &Path) -> String {
    let out = std::process::Command::new("qpdf")
        .args(["--qdf", "--object-streams=disable"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("qpdf runs (scripts/test installs it)");
    assert!(
        out.status.success() || out.status.code() == Some(3),
        "qpdf failed on {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text of one page (1-based) of a PDF.
pub fn pdf_page_text(pdf: &Path, page: usize) -> String {
    let p = page.to_string();
    poppler("pdftotext", &["-enc", "UTF-8", "-f", &p, "-l", &p], pdf)
}

/// The number of pages, from pdfinfo.
pub fn pdf_pages(pdf: &Path) -> usize {
    let info = poppler("pdfinfo", &[], pdf);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in pdfinfo output:\n{info}"))
}

/// One font as pdffonts lists it.
#[derive(Debug)]
pub struct FontRow {
    pub name: String,
    pub embedded: bool,
    pub subset: bool,
}

/// The fonts of a PDF, from pdffonts.
pub fn pdf_fonts(pdf: &Path) -> Vec<FontRow> {
    let listing = poppler("pdffonts", &[], pdf);
    listing
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            // name type [type2] encoding emb sub uni object ID: the flags are the 5th-3rd
            // columns from the end ("yes yes yes 12 0").
            let n = cols.len();
            FontRow {
                name: cols[0].to_string(),
                embedded: cols[n - 5] == "yes",
                subset: cols[n - 4] == "yes",
            }
        })
        .collect()
}

/// A word on a page, from `pdftotext -bbox`: points from the top-left corner.
#[derive(Debug, Clone)]
pub struct Word {
    pub x_min: f32,
    pub x_max: f32,
    pub y_min: f32,
    pub text: String,
}

/// The width of page `page` (1-based) and its words.
pub fn pdf_words(pdf: &Path, page: usize) -> (f32, Vec<Word>) {
    let p = page.to_string();
    let html = poppler("pdftotext", &["-bbox", "-f", &p, "-l", &p], pdf);
    let attr = |line: &str, name: &str| -> Option<f32> {
        let start = line.find(&format!("{name}=\""))? + name.len() + 2;
        let end = line[start..].find('"')? + start;
        line[start..end].parse().ok()
    };
    let mut width = 0.0;
    let mut words = Vec::new();
    for line in html.lines().map(str::trim) {
        if line.starts_with("<page") {
            width = attr(line, "width").unwrap_or(0.0);
        } else if line.starts_with("<word") {
            let text = line
                .split_once('>')
                .and_then(|(_, rest)| rest.strip_suffix("</word>"))
                .unwrap_or("")
                .to_string();
            if let (Some(x_min), Some(x_max), Some(y_min)) =
                (attr(line, "xMin"), attr(line, "xMax"), attr(line, "yMin"))
            {
                words.push(Word {
                    x_min,
                    x_max,
                    y_min,
                    text,
                });
            }
        }
    }
    (width, words)
}

/// The images of a PDF as `pdfimages -list` shows them: (page, width, height).
pub fn pdf_images(pdf: &Path) -> Vec<(usize, u32, u32)> {
    let listing = poppler("pdfimages", &["-list"], pdf);
    listing
        .lines()
        .skip(2)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            // page num type width height ...; soft masks are listed as type "smask".
            if cols.len() < 5 || cols[2] != "image" {
                return None;
            }
            Some((
                cols[0].parse().ok()?,
                cols[3].parse().ok()?,
                cols[4].parse().ok()?,
            ))
        })
        .collect()
}

/// Collapses all whitespace runs to single spaces (pdftotext breaks lines where we did).
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
