//! The locks that serialize device writes between the agent and the admin commands.
//!
//! **One lock per berofos** (device writes): a berofos is locked by every name it is
//! known by here – its MAC when known (`berofos-mac-001932001212.lock`) and its HTTP
//! address, the host resolved to IPv4, and port (`berofos-127.0.0.2-80.lock`) – so the
//! same berofos named in two configuration files (`/etc/bnfos.conf` and
//! `/etc/bnfos-cluster.conf`), or by `-h`, `-m` or `-f`, shares its locks, and a flash of
//! fos1 never holds the switch of fos2. A worker takes the MAC lock before the address
//! lock, and holds at most one of each: no two workers can wait for each other in a
//! circle.
//!
//! **One lock per configuration file** (`scan -x`, which rewrites the file).
//!
//! Each is a `flock`: the kernel releases it when the process dies, whatever killed it.
//! Taking it is bounded by a deadline: a lock held too long is a clear error naming its
//! holder (pid and command, written in the lock file), not a hang. A berofos held by a
//! flash, netconf or reset is in flash mode for minutes, with no relay to switch: whoever
//! wants it then is told at once, without waiting.

use crate::error::{Error, Result};
use crate::mac::Mac;
use crate::signals::Cancel;
use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Environment variable overriding the lock folder.
pub const DIR_ENV: &str = "XIVO_BEROFOS_LOCK_DIR";

/// A held lock (one or more lock files); dropped = released.
pub struct Lock {
    _flocks: Vec<Flock<File>>,
}

/// What a lock is held for, written in its file for whoever waits: `flash` by
/// `xivo-berofos flash`, `ocf:xivo:berofos promote` by the agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Purpose {
    /// The command, in a few words (no newline).
    pub what: &'static str,
    /// The berofos is in flash mode for a long time (flash, netconf, reset): whoever
    /// wants it gives up at once instead of waiting.
    pub long: bool,
}

impl Purpose {
    pub const fn short(what: &'static str) -> Purpose {
        Purpose { what, long: false }
    }

    pub const fn long(what: &'static str) -> Purpose {
        Purpose { what, long: true }
    }
}

/// Who holds a lock, as its file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub pid: Option<u32>,
    pub what: Option<String>,
    pub long: bool,
}

impl Holder {
    /// `pid 1234, xivo-berofos flash`.
    pub fn describe(&self) -> String {
        match (&self.pid, &self.what) {
            (Some(p), Some(w)) => format!("pid {p}, {w}"),
            (Some(p), None) => format!("pid {p}"),
            (None, Some(w)) => w.clone(),
            (None, None) => "another xivo-berofos".into(),
        }
    }

    /// Line 1: the pid; line 2: `long` or `short`; line 3: the command.
    fn parse(text: &str) -> Holder {
        let mut lines = text.lines();
        let pid = lines.next().and_then(|l| l.trim().parse().ok());
        let long = lines.next().is_some_and(|l| l.trim() == "long");
        let what = lines
            .next()
            .map(|l| l.trim().to_string())
            .filter(|w| !w.is_empty());
        Holder { pid, what, long }
    }
}

/// Why a lock was not taken.
#[derive(Debug)]
pub enum Refused {
    /// The lock file cannot be opened (the message says which and what to do).
    Open(String),
    /// Another process holds it past the deadline (or for a long operation).
    Busy { holder: Holder, path: PathBuf },
    /// A signal came while waiting.
    Cancelled { path: PathBuf },
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
    let flat = flatten(&abs.to_string_lossy());
    dir.join(format!(
        "xivo-berofos-{}.lock",
        flat.trim_start_matches('_')
    ))
}

/// The lock file of `config` (in the lock folder).
pub fn path_for(config: &Path) -> Result<PathBuf> {
    Ok(path_in(&lock_dir()?, config))
}

/// The names of a berofos's locks: `mac-001932001212` when its MAC is known, then
/// `<IPv4>-<port>` when its address is (`ip`: the host already resolved, or the host
/// as written when it cannot be).
pub fn device_keys(mac: Option<Mac>, ip: Option<&str>, port: u16) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(m) = mac {
        keys.push(format!(
            "mac-{}",
            m.0.iter().map(|b| format!("{b:02x}")).collect::<String>()
        ));
    }
    if let Some(ip) = ip {
        keys.push(flatten(&format!("{}-{port}", ip.to_ascii_lowercase())));
    }
    keys
}

/// The lock file of one key of a berofos in `dir`.
pub fn device_path_in(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("berofos-{key}.lock"))
}

fn flatten(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn open(path: &Path) -> Result<File, Refused> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| {
            Refused::Open(format!(
                "cannot open the lock file {}: {e} – run as root",
                path.display()
            ))
        })
}

fn holder_of(file: &mut File) -> Holder {
    let mut text = String::new();
    let _ = file.rewind();
    let _ = file.read_to_string(&mut text);
    Holder::parse(&text)
}

/// Takes one lock file, waiting at most until `deadline`, or until `cancel`; gives up at
/// once when its holder is on a long operation and `purpose` is not.
fn take(
    path: &Path,
    purpose: Purpose,
    deadline: Instant,
    cancel: Cancel,
) -> Result<Flock<File>, Refused> {
    let mut file = open(path)?;
    loop {
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(mut flock) => {
                let _ = flock.set_len(0);
                let _ = flock.rewind();
                let _ = write!(
                    &mut *flock,
                    "{}\n{}\n{}\n",
                    std::process::id(),
                    if purpose.long { "long" } else { "short" },
                    purpose.what
                );
                return Ok(flock);
            }
            Err((f, _)) => {
                file = f;
                if cancel.is_set() {
                    return Err(Refused::Cancelled {
                        path: path.to_path_buf(),
                    });
                }
                let now = Instant::now();
                if now >= deadline {
                    return Err(Refused::Busy {
                        holder: holder_of(&mut file),
                        path: path.to_path_buf(),
                    });
                }
                let holder = holder_of(&mut file);
                if holder.long {
                    return Err(Refused::Busy {
                        holder,
                        path: path.to_path_buf(),
                    });
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

impl Lock {
    /// Takes the lock of the configuration file `config` (for rewriting it), waiting at
    /// most until `deadline`, or until `cancel`.
    pub fn acquire(config: &Path, deadline: Instant, cancel: Cancel) -> Result<Lock> {
        let path = path_for(config)?;
        match take(&path, Purpose::short("xivo-berofos scan -x"), deadline, cancel) {
            Ok(f) => Ok(Lock { _flocks: vec![f] }),
            Err(Refused::Open(m)) => Err(Error::System(m)),
            Err(Refused::Cancelled { path }) => Err(Error::System(format!(
                "interrupted by a signal while waiting for the lock {} – nothing was changed",
                path.display()
            ))),
            Err(Refused::Busy { holder, path }) => Err(Error::System(format!(
                "another xivo-berofos ({}) is changing {} (lock {} still held) – wait for it to finish, or find it with: fuser {}",
                holder.describe(),
                config.display(),
                path.display(),
                path.display()
            ))),
        }
    }

    /// Takes the locks of one berofos (its [`device_keys`], in that order), waiting at
    /// most until `deadline`, or until `cancel`; a holder on a long operation (flash,
    /// netconf, reset) is not waited for.
    pub fn device(
        keys: &[String],
        purpose: Purpose,
        deadline: Instant,
        cancel: Cancel,
    ) -> Result<Lock, Refused> {
        let dir = lock_dir().map_err(|e| Refused::Open(e.to_string()))?;
        let mut flocks = Vec::new();
        for k in keys {
            flocks.push(take(&device_path_in(&dir, k), purpose, deadline, cancel)?);
        }
        Ok(Lock { _flocks: flocks })
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

    #[test]
    fn a_berofos_is_locked_by_its_mac_then_its_address() {
        let mac: Mac = "00:19:32:00:12:1D".parse().unwrap();
        assert_eq!(
            device_keys(Some(mac), Some("10.34.1.50"), 80),
            ["mac-00193200121d", "10.34.1.50-80"]
        );
        assert_eq!(device_keys(None, Some("Fos1.lan"), 8080), ["fos1.lan-8080"]);
        assert_eq!(device_keys(Some(mac), None, 80), ["mac-00193200121d"]);
        assert_eq!(
            device_path_in(Path::new("/run/xivo-berofos"), "10.34.1.50-80"),
            Path::new("/run/xivo-berofos/berofos-10.34.1.50-80.lock")
        );
    }

    #[test]
    fn the_holder_is_read_back_from_the_lock_file() {
        let h = Holder::parse("1234\nlong\nxivo-berofos flash\n");
        assert_eq!(h.describe(), "pid 1234, xivo-berofos flash");
        assert!(h.long);
        // An old lock file (the pid alone), or one being written: waited for.
        let h = Holder::parse("99\n");
        assert_eq!((h.describe().as_str(), h.long), ("pid 99", false));
        assert_eq!(Holder::parse("").describe(), "another xivo-berofos");
    }

    /// A flash holds a berofos: a switch is told at once, not at its deadline; a
    /// short holder is waited for until the deadline.
    #[test]
    fn a_long_holder_is_not_waited_for() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("berofos-x.lock");
        let never = Cancel::never();
        let far = Instant::now() + Duration::from_secs(60);
        let held = take(&p, Purpose::long("xivo-berofos flash"), far, never).unwrap();
        match take(&p, Purpose::short("xivo-berofos master"), far, never) {
            Err(Refused::Busy { holder, .. }) => {
                assert_eq!(holder.what.as_deref(), Some("xivo-berofos flash"));
                assert_eq!(holder.pid, Some(std::process::id()));
            }
            _ => panic!("a flash's lock was taken or waited for"),
        }
        drop(held);
        let held = take(&p, Purpose::short("xivo-berofos set"), far, never).unwrap();
        let until = Instant::now() + Duration::from_millis(200);
        assert!(matches!(
            take(&p, Purpose::short("xivo-berofos master"), until, never),
            Err(Refused::Busy { .. })
        ));
        assert!(Instant::now() >= until, "a short holder is waited for");
        drop(held);
        assert!(take(&p, Purpose::short("xivo-berofos master"), until, never).is_ok());
    }
}
