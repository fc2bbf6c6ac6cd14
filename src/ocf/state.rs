//! The state file: where Pacemaker's view of this instance (none, unpromoted, promoted)
//! survives between two calls of the agent.
//!
//! `$HA_RSCTMP/berofos-<instance>.state` (`HA_RSCTMP` defaults to
//! `/run/resource-agents`; the instance loses its `:N` clone suffix, as in Pacemaker's
//! `Stateful`), holding `promoted` or `unpromoted`. It is written atomically (a
//! temporary file in the same folder, renamed over), so a crash never leaves half a word.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Default of `HA_RSCTMP`.
pub const DEFAULT_RSCTMP: &str = "/run/resource-agents";

/// A started instance's role.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    Unpromoted,
    Promoted,
}

impl State {
    pub fn word(self) -> &'static str {
        match self {
            State::Unpromoted => "unpromoted",
            State::Promoted => "promoted",
        }
    }
}

/// The state file of one resource.
#[derive(Clone, Debug)]
pub struct StateFile {
    pub path: PathBuf,
}

/// `berofos:1` → `berofos`; characters that do not belong in a file name become `_`.
pub fn instance_name(instance: &str) -> String {
    let base = match instance.rsplit_once(':') {
        Some((b, n)) if !b.is_empty() && !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => {
            b
        }
        _ => instance,
    };
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() || clean.chars().all(|c| c == '.') {
        "default".into()
    } else {
        clean
    }
}

impl StateFile {
    /// From `HA_RSCTMP` and `OCF_RESOURCE_INSTANCE` (either may be absent).
    pub fn new(rsctmp: Option<&str>, instance: Option<&str>) -> StateFile {
        let dir = rsctmp.filter(|d| !d.is_empty()).unwrap_or(DEFAULT_RSCTMP);
        let name = instance_name(instance.unwrap_or("default"));
        StateFile {
            path: Path::new(dir).join(format!("berofos-{name}.state")),
        }
    }

    /// `Ok(None)`: not running here. `Err`: unreadable or unexpected content (the
    /// message says which).
    pub fn read(&self) -> Result<Option<State>, String> {
        match std::fs::read(&self.path) {
            Ok(bytes) => match String::from_utf8_lossy(&bytes).trim() {
                "promoted" => Ok(Some(State::Promoted)),
                "unpromoted" => Ok(Some(State::Unpromoted)),
                other => Err(format!(
                    "state file {} holds '{}' instead of promoted or unpromoted – stop the resource (or remove the file) to clear it",
                    self.path.display(),
                    other.chars().take(40).collect::<String>().escape_default()
                )),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read state file {}: {e}", self.path.display())),
        }
    }

    /// Records `state` atomically, creating the folder if needed.
    pub fn write(&self, state: State) -> Result<(), String> {
        write_atomic(&self.path, &format!("{}\n", state.word())).map_err(|(what, e)| {
            format!(
                "cannot record '{}' in {} ({what}: {e})",
                state.word(),
                self.path.display()
            )
        })
    }

    /// Removes the file; an absent file is fine.
    pub fn remove(&self) -> Result<(), String> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!(
                "cannot remove state file {}: {e}",
                self.path.display()
            )),
        }
    }
}

/// Writes `text` to `path` atomically (a temporary file in the same folder, fsynced,
/// renamed over), creating the folder if needed. `Err((step, error))`.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), (&'static str, std::io::Error)> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| ("create folder", e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".berofos-state.")
        .tempfile_in(dir)
        .map_err(|e| ("temporary file", e))?;
    tmp.write_all(text.as_bytes()).map_err(|e| ("write", e))?;
    tmp.as_file().sync_all().map_err(|e| ("fsync", e))?;
    tmp.persist(path).map_err(|e| ("rename", e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_names() {
        assert_eq!(instance_name("berofos:1"), "berofos");
        assert_eq!(instance_name("berofos-clone:12"), "berofos-clone");
        assert_eq!(instance_name("a:b"), "a_b");
        assert_eq!(instance_name("../x"), ".._x");
        assert_eq!(instance_name(""), "default");
        assert_eq!(instance_name(".."), "default");
    }

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("new");
        let f = StateFile::new(sub.to_str(), Some("r:0"));
        assert!(f.path.ends_with("new/berofos-r.state"));
        assert_eq!(f.read(), Ok(None));
        f.write(State::Unpromoted).unwrap();
        assert_eq!(f.read(), Ok(Some(State::Unpromoted)));
        f.write(State::Promoted).unwrap();
        assert_eq!(f.read(), Ok(Some(State::Promoted)));
        std::fs::write(&f.path, "garbage\n").unwrap();
        assert!(f.read().unwrap_err().contains("garbage"));
        f.remove().unwrap();
        f.remove().unwrap();
        assert_eq!(f.read(), Ok(None));
        assert_eq!(
            std::fs::read_dir(&sub).unwrap().count(),
            0,
            "no temporary left"
        );
    }
}
