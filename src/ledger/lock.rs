//! The run lock: one OS file lock (`flock`) on `<ledger>.lock`, so that two sending runs can
//! never work from the same ledger at once.
//!
//! Why a file lock and not a row in the database: the kernel drops the lock when the holder's
//! process ends, however it ends (SIGKILL, power cut of a container), so there is never a
//! stale lock to clear by hand. The file also carries the holder's pid, host, start time and
//! campaign so that the refusal can say who holds it; that text is informative only, the lock
//! itself is the kernel's.
//!
//! The lock covers the whole ledger file, not one campaign: the daily cap counts messages of
//! every campaign in the ledger, and two runs each checking the cap on their own could go over
//! it together.

use chrono::{SecondsFormat, Utc};
use fs4::{FileExt, TryLockError};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Who holds (or last held) a ledger's run lock, as written in the lock file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockHolder {
    pub pid: Option<u32>,
    pub host: Option<String>,
    pub started: Option<String>,
    pub campaign: Option<String>,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(pid) = self.pid {
            parts.push(format!("pid {pid}"));
        }
        if let Some(host) = &self.host {
            parts.push(format!("on host {host}"));
        }
        if let Some(started) = &self.started {
            parts.push(format!("started {started}"));
        }
        if let Some(campaign) = &self.campaign {
            parts.push(format!("campaign {campaign:?}"));
        }
        if parts.is_empty() {
            f.write_str("another process (it has not written its details yet)")
        } else {
            write!(f, "{}", parts.join(", "))
        }
    }
}

/// A held run lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct RunLock {
    file: File,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another live process holds it.
    Held { holder: LockHolder },
    /// The lock file could not be created, opened or written.
    Io {
        lock_path: PathBuf,
        source: io::Error,
    },
}

/// The lock file that belongs to a ledger: the ledger's own name with `.lock` appended.
pub fn lock_path_for(ledger: &Path) -> PathBuf {
    let mut name = ledger.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl RunLock {
    /// Takes the lock without waiting, then writes this process's details into the file.
    pub fn acquire(ledger: &Path, campaign: &str) -> Result<RunLock, LockError> {
        let path = lock_path_for(ledger);
        let io_err = |source| LockError::Io {
            lock_path: path.clone(),
            source,
        };
        // A symlink (or anything but a regular file) where the lock goes is refused, never
        // followed: the lock file is truncated and written below, and through a link that
        // would empty whatever it points to.
        if let Ok(meta) = std::fs::symlink_metadata(&path) {
            if !meta.is_file() {
                return Err(io_err(not_a_plain_file(&meta)));
            }
        }
        // Not truncated on open: the holder's details must survive a refused open.
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        // O_NOFOLLOW closes the gap between the check above and the open: a symlink put
        // there meanwhile makes the open fail (ELOOP) instead of being followed.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let mut file = options.open(&path).map_err(|e| {
            if is_symlink_refusal(&e) {
                io_err(io::Error::other(
                    "it is a symlink, which lettermerge never follows where it writes; delete it",
                ))
            } else {
                io_err(e)
            }
        })?;
        let meta = file.metadata().map_err(io_err)?;
        if !meta.is_file() {
            return Err(io_err(not_a_plain_file(&meta)));
        }
        // Called through the trait on purpose: newer std has an inherent `File::try_lock`
        // with another error type, and the crate's rust-version predates it.
        match FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = read_holder(&mut file);
                return Err(LockError::Held { holder });
            }
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
        let details = format!(
            "pid={}\nhost={}\nstarted={}\ncampaign={}\n",
            std::process::id(),
            host_name(),
            Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            one_line(campaign),
        );
        file.set_len(0).map_err(io_err)?;
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        file.write_all(details.as_bytes()).map_err(io_err)?;
        Ok(RunLock { file })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Clearing the details is a courtesy so a later reader does not name a finished run;
        // the kernel releases the lock itself when the file closes.
        let _ = self.file.set_len(0);
        let _ = FileExt::unlock(&self.file);
    }
}

/// Why something that is not a regular file cannot be the lock file.
fn not_a_plain_file(meta: &std::fs::Metadata) -> io::Error {
    let what = if meta.file_type().is_symlink() {
        "a symlink, which lettermerge never follows where it writes"
    } else if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    };
    io::Error::other(format!("it is {what}; delete it or move it away"))
}

fn is_symlink_refusal(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

fn read_holder(file: &mut File) -> LockHolder {
    let mut text = String::new();
    if file.seek(SeekFrom::Start(0)).is_err() || file.read_to_string(&mut text).is_err() {
        return LockHolder::default();
    }
    parse_holder(&text)
}

fn parse_holder(text: &str) -> LockHolder {
    let mut holder = LockHolder::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().to_string();
        match key.trim() {
            "pid" => holder.pid = value.parse().ok(),
            "host" => holder.host = Some(value),
            "started" => holder.started = Some(value),
            "campaign" => holder.campaign = Some(value),
            _ => {}
        }
    }
    holder
}

fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// This machine's name, for telling the user where the other run lives. Read from the kernel
/// rather than through a crate: it is informative only, so a fallback is fine.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|s| one_line(s.trim()))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::{lock_path_for, parse_holder, LockError, LockHolder, RunLock};
    use std::path::Path;

    #[cfg(unix)]
    #[test]
    fn a_symlink_where_the_lock_goes_is_refused_and_its_target_kept() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("l.sqlite");
        let precious = dir.path().join("precious.txt");
        std::fs::write(&precious, "keep me").unwrap();
        std::os::unix::fs::symlink(&precious, lock_path_for(&ledger)).unwrap();
        let err = RunLock::acquire(&ledger, "c").expect_err("symlink followed");
        match err {
            LockError::Io { source, .. } => {
                assert!(source.to_string().contains("symlink"), "{source}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me");
        // A dangling one is refused too, and nothing is created at its target.
        let ledger2 = dir.path().join("m.sqlite");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), lock_path_for(&ledger2)).unwrap();
        assert!(RunLock::acquire(&ledger2, "c").is_err());
        assert!(!dir.path().join("nowhere").exists());
        // A plain lock file works as before.
        let ledger3 = dir.path().join("n.sqlite");
        drop(RunLock::acquire(&ledger3, "c").expect("plain lock"));
    }

    #[test]
    fn lock_file_sits_beside_the_ledger() {
        assert_eq!(
            lock_path_for(Path::new("/d/officials.ledger.sqlite")),
            Path::new("/d/officials.ledger.sqlite.lock")
        );
    }

    #[test]
    fn holder_details_round_trip_and_tolerate_garbage() {
        let h = parse_holder("pid=42\nhost=box\nstarted=2026-11-29T05:00:00Z\ncampaign=a b\n");
        assert_eq!(h.pid, Some(42));
        assert_eq!(
            h.to_string(),
            "pid 42, on host box, started 2026-11-29T05:00:00Z, campaign \"a b\""
        );
        assert_eq!(parse_holder("\u{0}junk"), LockHolder::default());
        assert!(LockHolder::default()
            .to_string()
            .contains("another process"));
    }
}
