//! The lock that serializes device writes between the agent and the admin commands.
//!
//! One lock file per configuration file (so two test set-ups never wait for each other,
//! and the agent and `xivo-berofos master` on the same `/etc/bnfos.conf` always do),
//! held with `flock`: the kernel releases it when the process dies, whatever killed it.
//! Taking it is bounded by a deadline: a lock held too long is a clear error, not a hang.

use crate::error::{Error, Result};
use crate::signals::Cancel;
use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Environment variable overriding the lock folder.
pub const DIR_ENV: &str = "XIVO_BEROFOS_LOCK_DIR";

/// A held lock; dropped = released.
pub struct Lock {
    _flock: Flock<File>,
}

/// The lock folder: root's own `/run/xivo-berofos` (mode 0700), not the world-writable
/// `/run/lock`, where any local user could create or hold the lock file first and block
/// every failover. `XIVO_BEROFOS_LOCK_DIR` names another folder (tests).
pub const DEFAULT_DIR: &str = "/run/xivo-berofos";

fn lock_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os(DIR_ENV) {
        return Ok(PathBuf::from(d));
    }
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let dir = PathBuf::from(DEFAULT_DIR);
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    let meta = std::fs::symlink_metadata(&dir).map_err(|e| {
        Error::System(format!(
            "cannot create the lock folder {DEFAULT_DIR}: {e} – run as root"
        ))
    })?;
    if !meta.is_dir() || meta.uid() != nix::unistd::geteuid().as_raw() || meta.mode() & 0o022 != 0 {
        return Err(Error::System(format!(
            "the lock folder {DEFAULT_DIR} is not a folder owned by this user and closed to others – remove it; it is made again"
        )));
    }
    Ok(dir)
}

/// The one name of a configuration file: every spelling of it (`./bnfos.conf`,
/// `/etc//bnfos.conf`, `/etc/x/../bnfos.conf`, a symlink) gives the same path, so they
/// share one lock. A file not yet written (`scan -x`) is named by its folder's real
/// path; a path that cannot be resolved at all is only made absolute.
fn canonical(config: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(config) {
        return p;
    }
    let resolved = match (config.parent(), config.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            std::fs::canonicalize(dir).ok().map(|d| d.join(name))
        }
        _ => None,
    };
    resolved.unwrap_or_else(|| std::path::absolute(config).unwrap_or_else(|_| config.to_path_buf()))
}

/// The lock file of `config` in `dir`: `xivo-berofos-<config path with / as _>.lock`,
/// from the file's canonical path.
pub fn path_in(dir: &Path, config: &Path) -> PathBuf {
    let abs = canonical(config);
    let flat: String = abs
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!(
        "xivo-berofos-{}.lock",
        flat.trim_start_matches('_')
    ))
}

/// The lock file of `config` (in the lock folder).
pub fn path_for(config: &Path) -> Result<PathBuf> {
    Ok(path_in(&lock_dir()?, config))
}

impl Lock {
    /// Takes the lock of `config`, waiting at most until `deadline`, or until `cancel`.
    pub fn acquire(config: &Path, deadline: Instant, cancel: Cancel) -> Result<Lock> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = path_for(config)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| {
                Error::System(format!(
                    "cannot open the lock file {}: {e} – run as root",
                    path.display()
                ))
            })?;
        loop {
            match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(mut flock) => {
                    let _ = flock.set_len(0);
                    let _ = flock.rewind();
                    let _ = writeln!(&mut *flock, "{}", std::process::id());
                    return Ok(Lock { _flock: flock });
                }
                Err((f, _)) => {
                    file = f;
                    if cancel.is_set() {
                        return Err(Error::System(format!(
                            "interrupted by a signal while waiting for the lock {} – nothing was changed",
                            path.display()
                        )));
                    }
                    if Instant::now() >= deadline {
                        let mut holder = String::new();
                        let _ = file.rewind();
                        let _ = file.read_to_string(&mut holder);
                        let holder = holder.trim();
                        return Err(Error::System(format!(
                            "another xivo-berofos{} is changing the berofos (lock {} still held) – wait for it to finish, or find it with: fuser {}",
                            if holder.is_empty() { String::new() } else { format!(" (pid {holder})") },
                            path.display(),
                            path.display()
                        )));
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two spellings of one file used to get two locks (the path as typed).
    #[test]
    fn every_spelling_of_a_file_shares_one_lock() {
        let d = tempfile::tempdir().unwrap();
        let base = d.path();
        std::fs::create_dir(base.join("sub")).unwrap();
        let conf = base.join("bnfos.conf");
        let one = path_in(base, &conf);
        let mut spellings = vec![
            base.join("./bnfos.conf"),
            base.join("sub/../bnfos.conf"),
            PathBuf::from(format!("{}//bnfos.conf", base.display())),
        ];
        // Not yet written (scan -x creates it): the folder's real path names it.
        for p in &spellings {
            assert_eq!(path_in(base, p), one, "{}", p.display());
        }
        std::fs::write(&conf, "").unwrap();
        std::os::unix::fs::symlink(&conf, base.join("link.conf")).unwrap();
        std::os::unix::fs::symlink(base, base.join("dirlink")).unwrap();
        spellings.push(base.join("link.conf"));
        spellings.push(base.join("dirlink/bnfos.conf"));
        for p in &spellings {
            assert_eq!(path_in(base, p), one, "{}", p.display());
        }
        assert_ne!(path_in(base, &base.join("other.conf")), one);
    }
}
