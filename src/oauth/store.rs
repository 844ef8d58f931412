//! Where the refresh token is kept: the operating system's keyring (Secret Service on Linux,
//! the macOS Keychain, the Windows Credential Manager) through the `keyring` crate, or, where
//! no keyring answers (no D-Bus session, as on a server or in CI), a file readable only by the
//! user under `$XDG_CONFIG_HOME/lettermerge/tokens/`, with a warning. Never the campaign folder.
//! `LETTERMERGE_TOKEN_STORE=file` (or a folder's path) forces the file store; `keyring`
//! forces the keyring.

use super::OAuthError;
use std::path::{Path, PathBuf};

/// The environment variable that chooses the store.
pub const STORE_ENV: &str = "LETTERMERGE_TOKEN_STORE";

/// The keyring's service name for lettermerge's entries.
const SERVICE: &str = "lettermerge";

/// A stored token file is a few hundred bytes; a bigger one is not ours.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// Which store holds (or will hold) the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreKind {
    Keyring,
    File(PathBuf),
}

/// The token store for one sign-in (provider, token endpoint, client id, username).
#[derive(Debug, Clone)]
pub struct Store {
    /// A hash of what identifies the sign-in: the keyring entry's name and the file's name.
    key: String,
    /// The folder for the file store.
    dir: Option<PathBuf>,
    /// The keyring is tried first (unless the environment forces the file store).
    keyring: bool,
    /// `LETTERMERGE_TOKEN_STORE=keyring`: no file store, even when the keyring fails.
    keyring_only: bool,
    /// Warnings to show (the keyring did not answer, so the file store is used).
    pub warnings: Vec<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `$XDG_CONFIG_HOME/lettermerge/tokens`, else `~/.config/lettermerge/tokens` (on Windows,
/// `%APPDATA%\lettermerge\tokens`).
fn default_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("APPDATA")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(base.join("lettermerge").join("tokens"))
}

impl Store {
    /// The store for the sign-in named by these parts.
    pub fn new(parts: &[&str]) -> Store {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for p in parts {
            h.update(p.as_bytes());
            h.update([0u8]);
        }
        let key = hex(&h.finalize()[..16]);
        let forced = std::env::var(STORE_ENV).ok().filter(|v| !v.is_empty());
        let keyring_only = forced.as_deref() == Some("keyring");
        let (keyring, dir) = match forced.as_deref() {
            None | Some("keyring") => (true, default_dir()),
            Some("file") => (false, default_dir()),
            Some(path) => (false, Some(PathBuf::from(path))),
        };
        Store {
            key,
            dir,
            keyring,
            keyring_only,
            warnings: Vec::new(),
        }
    }

    fn file(&self) -> Result<PathBuf, OAuthError> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("{}.json", self.key)))
            .ok_or_else(|| {
                OAuthError::Failed(format!(
                "no folder for the token file: set XDG_CONFIG_HOME or HOME, or {STORE_ENV} to a \
                 folder outside the campaign"
            ))
            })
    }

    fn entry(&self) -> Result<keyring::Entry, keyring::Error> {
        keyring::Entry::new(SERVICE, &self.key)
    }

    /// Keeps `token` (the refresh token); says where.
    pub fn save(&mut self, token: &str) -> Result<StoreKind, OAuthError> {
        if self.keyring {
            match self.entry().and_then(|e| e.set_password(token)) {
                Ok(()) => {
                    // An older file copy would be found if the keyring goes away: remove it.
                    if let Ok(path) = self.file() {
                        let _ = std::fs::remove_file(path);
                    }
                    return Ok(StoreKind::Keyring);
                }
                Err(e) if self.keyring_only => {
                    return Err(OAuthError::Failed(format!(
                        "the system keyring did not keep the sign-in ({e}), and \
                         {STORE_ENV}=keyring allows no file"
                    )))
                }
                Err(e) => {
                    let path = self.file()?;
                    self.warnings.push(format!(
                        "no system keyring answered ({e}); the sign-in is kept in {}, readable \
                         only by you",
                        path.display()
                    ));
                }
            }
        }
        let path = self.file()?;
        write_private(&path, token).map_err(|e| {
            OAuthError::Failed(format!(
                "cannot write the token file {}: {e}",
                path.display()
            ))
        })?;
        Ok(StoreKind::File(path))
    }

    /// The kept refresh token, if any.
    pub fn load(&mut self) -> Result<Option<String>, OAuthError> {
        if self.keyring {
            // Nothing in the keyring (or no keyring): the file store may have it.
            match self.entry().and_then(|e| e.get_password()) {
                Ok(token) => return Ok(Some(token)),
                Err(keyring::Error::NoEntry) if self.keyring_only => return Ok(None),
                Err(e) if self.keyring_only => {
                    return Err(OAuthError::Failed(format!(
                        "the system keyring did not answer ({e}), and {STORE_ENV}=keyring \
                         allows no file"
                    )))
                }
                Err(_) => {}
            }
        }
        let path = self.file()?;
        read_private(&path).map_err(|e| {
            OAuthError::Failed(format!(
                "cannot read the token file {}: {e}",
                path.display()
            ))
        })
    }
}

/// The file's JSON: the refresh token, and a format version.
#[derive(serde::Serialize, serde::Deserialize)]
struct TokenFile {
    version: u32,
    refresh_token: String,
}

/// Writes `token` to `path` atomically: a new file made with mode 0600 and O_NOFOLLOW|O_EXCL
/// beside it, synced, then renamed over the old one. The folder is made 0700.
fn write_private(path: &Path, token: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    let body = serde_json::to_string(&TokenFile {
        version: 1,
        refresh_token: token.to_string(),
    })
    .map_err(std::io::Error::other)?;
    let mut suffix = [0u8; 8];
    getrandom::getrandom(&mut suffix).map_err(|e| std::io::Error::other(e.to_string()))?;
    let tmp = dir.join(format!(".{}.{}.tmp", hex(&suffix), std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let result = (|| {
        let mut f = options.open(&tmp)?;
        f.write_all(body.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Reads the token file (not through a symbolic link); `None` when there is none.
fn read_private(path: &Path) -> std::io::Result<Option<String>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let f = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut text = String::new();
    f.take(MAX_FILE_BYTES).read_to_string(&mut text)?;
    let file: TokenFile = serde_json::from_str(&text).map_err(|_| {
        std::io::Error::other("it is not a lettermerge token file; delete it and run login again")
    })?;
    Ok(Some(file.refresh_token))
}

#[cfg(test)]
mod tests {
    use super::{read_private, write_private};

    #[test]
    fn the_file_is_private_and_replaced_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens").join("k.json");
        write_private(&path, "rt-1").unwrap();
        write_private(&path, "rt-2").unwrap();
        assert_eq!(read_private(&path).unwrap().as_deref(), Some("rt-2"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dmode = std::fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(dmode & 0o777, 0o700);
        }
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
        assert_eq!(read_private(&dir.path().join("none.json")).unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere.json");
        std::fs::write(&target, r#"{"version":1,"refresh_token":"x"}"#).unwrap();
        let link = dir.path().join("k.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(read_private(&link).is_err());
    }
}
