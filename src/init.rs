//! `lettermerge init [DIR]`: writes a ready campaign (config, template with its images,
//! sample data, README) from copies of the repository's own files built into the binary, so
//! what `init` writes is exactly what the shipped samples are and what the tests run.

use crate::exit_codes::ExitCode;
use crate::output::write_atomically;
use std::io::Write;
use std::path::Path;

/// (file name in DIR, contents).
const FILES: [(&str, &[u8]); 6] = [
    (
        "lettermerge.toml",
        include_bytes!("../samples/lettermerge.toml"),
    ),
    ("welcome.md", include_bytes!("../templates/welcome.md")),
    ("logo.png", include_bytes!("../templates/logo.png")),
    (
        "signature.png",
        include_bytes!("../templates/signature.png"),
    ),
    ("officials.csv", include_bytes!("../samples/officials.csv")),
    ("README.md", include_bytes!("../samples/campaign-README.md")),
];

/// Writes the campaign into `dir` and says what it wrote; refuses (writing nothing) when a
/// file is already there, unless `force`.
pub fn run(dir: &Path, force: bool) -> ExitCode {
    match write(dir, force) {
        Ok(written) => {
            // `init` alone writes into the current folder: show plain names, not `./name`.
            let shown = |name: &str| {
                if dir == Path::new(".") {
                    name.to_string()
                } else {
                    dir.join(name).display().to_string()
                }
            };
            for name in &written {
                println!("wrote {}", shown(name));
            }
            println!(
                "\nNext:\n  1. Make the letters:  lettermerge pdf --template {t} --data {data} --out {out}\n  \
                 2. Put your mail server in {cfg}, then look at every message without sending:\n     \
                 lettermerge send --template {t} --data {data} --config {cfg} --dry-run\n  \
                 3. Replace {data} with your officials and edit {t}. See {readme}.",
                t = shown("welcome.md"),
                data = shown("officials.csv"),
                out = dir.join("letters").display(),
                cfg = shown("lettermerge.toml"),
                readme = shown("README.md"),
            );
            ExitCode::Success
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::Error
        }
    }
}

/// The names written, in order.
pub fn write(dir: &Path, force: bool) -> Result<Vec<&'static str>, String> {
    if dir.is_file() {
        return Err(format!(
            "{} is a file; give a folder for the campaign (it is created if missing)",
            dir.display()
        ));
    }
    if !force {
        let existing: Vec<String> = FILES
            .iter()
            .map(|(name, _)| dir.join(name))
            // A dangling symlink counts: the write would stop at it half way.
            .filter(|p| crate::output::occupied(p))
            .map(|p| p.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(format!(
                "{} already there, nothing written; use --force to overwrite, or choose another folder",
                existing.join(", ")
            ));
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for (name, contents) in FILES {
        let path = dir.join(name);
        write_atomically(&path, force, |f| f.write_all(contents)).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                format!(
                    "{} appeared while writing; use --force to overwrite it",
                    path.display()
                )
            } else {
                format!("cannot write {}: {e}", path.display())
            }
        })?;
        written.push(name);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::FILES;
    use crate::config::forms;
    use crate::config::send::SmtpConfig;
    use std::path::Path;

    #[test]
    fn the_shipped_config_is_valid_and_holds_no_password() {
        let text = std::str::from_utf8(FILES[0].1).unwrap();
        let smtp = SmtpConfig::parse(text, "lettermerge.toml", Path::new(".")).unwrap();
        assert!(!smtp.host.is_empty() && !smtp.from.is_empty());
        let offices = forms::parse(text, "lettermerge.toml").unwrap();
        assert_eq!(
            offices.lookup("Parish President", None).unwrap().title,
            "President"
        );
        assert!(!text
            .lines()
            .any(|l| l.trim_start().starts_with("password =")));
    }
}
