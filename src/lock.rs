//! The lock that serializes device writes between the agent and the admin commands.
//!
//! One lock file per configuration file (so two test set-ups never wait for each other,
//! and the agent and `xivo-berofos master` on the same `/etc/bnfos.conf` always do),
//! held with `flock`: the kernel releases it when the process dies, whatever killed it.
//! Taking it is bounded by a deadline: a lock held too long is a clear error, not a hang.

use crate::error::{Error, Result};
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

/// The lock file of `config` in `dir`: `xivo-berofos-<config path with / as _>.lock`.
pub fn path_in(dir: &Path, config: &Path) -> PathBuf {
    let abs = std::path::absolute(config).unwrap_or_else(|_| config.to_path_buf());
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
    /// Takes the lock of `config`, waiting at most until `deadline`.
    pub fn acquire(config: &Path, deadline: Instant) -> Result<Lock> {
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
                    if crate::signals::cancelled() {
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
