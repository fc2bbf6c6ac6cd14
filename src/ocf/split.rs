//! The split-brain guard: when the cluster link breaks and no fencing stops one side,
//! both XiVOs are promoted, each in its own partition, and both reach the berofos. Each
//! promoted monitor would find its relay "taken away" by the other, fail, be recovered
//! and switch the relay back: the lines would ping-pong (every switch drops every call)
//! for as long as the partition lasts.
//!
//! The rule: a promoted node that finds a relay moved while **the cluster's other
//! node is outside its partition** (`crm_node -l` names it, `crm_node -p` does not)
//! takes it back once (a berofos that power-cycled into its power-up mode
//! while the peer is dead must still be repaired). If it finds the relay moved again
//! within [`WINDOW`] of that take-back while still alone, the relay is being moved by
//! a node it cannot see: a split brain. It stops taking the relay back, and says so
//! (exit reason and log) until the other node is back in its partition. Within one
//! partition the relays therefore change at most three times: the other side's
//! promotion, one take-back by each side.
//!
//! What the node remembers sits beside its state file, as
//! `$HA_RSCTMP/berofos-<instance>.split`: the time of the last take-back while alone
//! and whether it stopped taking back. Unlike the state file it survives `stop`,
//! because Pacemaker recovers a failed promoted instance by stopping and starting it.

use super::state::write_atomic;
use std::path::PathBuf;
use std::time::Duration;

/// A second relay move within this time of a take-back, while alone, is a split brain.
/// Long against the monitor interval (a ping-pong repeats every one or two
/// intervals), short against power cuts of a berofos (minutes to years apart).
pub const WINDOW: Duration = Duration::from_secs(600);

/// What the node remembers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    /// Unix time (seconds) of the last take-back while no other node was in the partition.
    pub taken_back_at: u64,
    /// A split brain was seen: the relay is no longer taken back while alone.
    pub holding_off: bool,
}

/// What to do with a relay found moved while no other node is in the partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Take it back (the monitor fails; Pacemaker's recovery promotes again).
    TakeBack,
    /// Leave it: it keeps moving to a node outside this partition.
    HoldOff,
}

/// The decision, and what to remember after it.
pub fn decide(before: Option<Record>, now: u64) -> (Verdict, Record) {
    match before {
        Some(r) if r.holding_off => (Verdict::HoldOff, r),
        Some(r) if now.saturating_sub(r.taken_back_at) < WINDOW.as_secs() => (
            Verdict::HoldOff,
            Record {
                holding_off: true,
                ..r
            },
        ),
        _ => (
            Verdict::TakeBack,
            Record {
                taken_back_at: now,
                holding_off: false,
            },
        ),
    }
}

/// The record file of one resource.
#[derive(Clone, Debug)]
pub struct RecordFile {
    pub path: PathBuf,
}

impl RecordFile {
    /// Beside the state file `state` (`berofos-<instance>.state` → `.split`).
    pub fn beside(state: &std::path::Path) -> RecordFile {
        RecordFile {
            path: state.with_extension("split"),
        }
    }

    /// `None` when absent; a file that cannot be read or understood counts as absent
    /// (the worst it can do is allow one more take-back).
    pub fn read(&self) -> Option<Record> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let mut words = text.split_whitespace();
        let taken_back_at = words.next()?.parse().ok()?;
        let holding_off = match words.next()? {
            "holding-off" => true,
            "taking-back" => false,
            _ => return None,
        };
        Some(Record {
            taken_back_at,
            holding_off,
        })
    }

    pub fn write(&self, r: Record) -> Result<(), String> {
        let word = if r.holding_off {
            "holding-off"
        } else {
            "taking-back"
        };
        write_atomic(&self.path, &format!("{} {word}\n", r.taken_back_at))
            .map_err(|(what, e)| format!("cannot write {} ({what}: {e})", self.path.display()))
    }

    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    /// Forgets: the other node is back in the partition.
    pub fn remove(&self) -> Result<(), String> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("cannot remove {}: {e}", self.path.display())),
        }
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_take_back_then_hold_off_until_forgotten() {
        let t = 1_000_000;
        let (v, r) = decide(None, t);
        assert_eq!(v, Verdict::TakeBack);
        assert!(!r.holding_off);
        // The relay moves again two monitor intervals later: a split brain.
        let (v, r2) = decide(Some(r), t + 20);
        assert_eq!(v, Verdict::HoldOff);
        assert!(r2.holding_off);
        // However long the partition lasts, no more take-backs.
        let (v, r3) = decide(Some(r2), t + 10 * WINDOW.as_secs());
        assert_eq!((v, r3), (Verdict::HoldOff, r2));
    }

    #[test]
    fn a_power_cut_long_after_a_take_back_is_repaired() {
        let t = 5_000;
        let (_, r) = decide(None, t);
        let (v, r2) = decide(Some(r), t + WINDOW.as_secs());
        assert_eq!(v, Verdict::TakeBack);
        assert_eq!(r2.taken_back_at, t + WINDOW.as_secs());
    }

    #[test]
    fn record_file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let f = RecordFile::beside(&dir.path().join("berofos-r.state"));
        assert!(f.path.ends_with("berofos-r.split"));
        assert_eq!(f.read(), None);
        let r = Record {
            taken_back_at: 42,
            holding_off: true,
        };
        f.write(r).unwrap();
        assert_eq!(f.read(), Some(r));
        std::fs::write(&f.path, "junk\n").unwrap();
        assert_eq!(f.read(), None, "junk counts as absent");
        f.remove().unwrap();
        f.remove().unwrap();
        assert!(!f.exists());
    }
}
