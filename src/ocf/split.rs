//! The split-brain guard: when the cluster link breaks and no fencing stops one side,
//! both XiVOs are promoted, each in its own partition, and both reach the berofos. Each
//! promoted monitor would find its relay "taken away" by the other, fail, be recovered
//! and switch the relay back: the lines would ping-pong (every switch drops every call)
//! for as long as the partition lasts.
//!
//! The rules (docs/reference.md, "The split-brain guard", states them as numbers):
//!
//! - A relay found moved while **the other node is a member of this partition** (or
//!   the cluster has no other node) is taken back, always: nobody else can move it.
//! - While the other node is **away** and the cluster says it is **safely down**
//!   (fencing is enabled and the node is offline, not unclean: it was fenced, or it
//!   left cleanly; the fencing history names the fence), a moved relay is a berofos's
//!   doing (a power cut into its power-up mode): taken back, always.
//! - Otherwise (away and not known to be down, or membership **unknown**) a moved relay
//!   is taken back once; moved again within [`WINDOW`] of that take-back, it is being
//!   moved by a node this one cannot see: the node **holds off**, and takes it back
//!   again only after a back-off of 10, then 20, then 40 minutes (and 40 from then on,
//!   [`BACKOFF`]), so that a dead peer that nothing fenced costs minutes, never the
//!   night, and a live one in a split brain sees at most one flip per back-off.
//!
//! The record belongs to one partition episode of one boot: every action that finds
//! the other node a member again forgets it (start, probe, promote, demote and both
//! monitors), and a record from another boot is ignored. Its times run on
//! `CLOCK_BOOTTIME`, which NTP never steps. A take-back that cannot be recorded is not
//! made (unless the peer is safely down): an unrecorded take-back would repeat at every
//! monitor.
//!
//! The record sits beside the state file, as `$HA_RSCTMP/berofos-<instance>.split`.
//! Unlike the state file it survives `stop`, because Pacemaker recovers a failed
//! promoted instance by stopping and starting it.

use super::state::write_atomic;
use std::path::PathBuf;
use std::time::Duration;

/// A second relay move within this time of a take-back, while the other node is away,
/// is a split brain. Long against the monitor interval (a ping-pong repeats every one
/// or two intervals), short against power cuts of a berofos (minutes to years apart).
pub const WINDOW: Duration = Duration::from_secs(600);

/// The hold-offs after the first, second, third and later moves within [`WINDOW`] of
/// a take-back.
pub const BACKOFF: [Duration; 3] = [
    Duration::from_secs(600),
    Duration::from_secs(1200),
    Duration::from_secs(2400),
];

/// The hold-off after `strikes` moves within the window (0: none).
pub fn backoff(strikes: u32) -> Duration {
    match strikes {
        0 => Duration::ZERO,
        s => BACKOFF[(s as usize - 1).min(BACKOFF.len() - 1)],
    }
}

/// What the node remembers of one partition episode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The boot it was written in (`/proc/sys/kernel/random/boot_id`).
    pub boot: String,
    /// `CLOCK_BOOTTIME` seconds of the last take-back.
    pub taken_back_at: u64,
    /// How many times the relay moved again within [`WINDOW`] of a take-back.
    pub strikes: u32,
    /// Holding off: no take-back before `taken_back_at + backoff(strikes)`.
    pub holding_off: bool,
}

impl Record {
    /// When the hold-off ends (`CLOCK_BOOTTIME` seconds).
    pub fn until(&self) -> u64 {
        self.taken_back_at + backoff(self.strikes).as_secs()
    }
}

/// What to do with a relay found moved while the other node may be elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Take it back (the monitor fails; Pacemaker's recovery promotes again).
    TakeBack,
    /// Leave it until `until` (`CLOCK_BOOTTIME` seconds).
    HoldOff { until: u64 },
}

/// The decision at `now` (`CLOCK_BOOTTIME` seconds, boot `boot`), and what to
/// remember after it. A record of another boot counts as none.
pub fn decide(before: Option<Record>, now: u64, boot: &str) -> (Verdict, Record) {
    let fresh = |strikes| Record {
        boot: boot.to_string(),
        taken_back_at: now,
        strikes,
        holding_off: false,
    };
    match before.filter(|r| r.boot == boot) {
        None => (Verdict::TakeBack, fresh(0)),
        Some(r) if r.holding_off => {
            if now >= r.until() {
                (Verdict::TakeBack, fresh(r.strikes))
            } else {
                (Verdict::HoldOff { until: r.until() }, r)
            }
        }
        Some(r) if now.saturating_sub(r.taken_back_at) < WINDOW.as_secs() => {
            let r = Record {
                strikes: r.strikes + 1,
                holding_off: true,
                ..r
            };
            (Verdict::HoldOff { until: r.until() }, r)
        }
        Some(r) => (Verdict::TakeBack, fresh(r.strikes)),
    }
}

/// Whether a record still holds a promote back (see [`super::promote`]).
pub fn holds_off(r: &Record, now: u64, boot: &str) -> bool {
    r.boot == boot && r.holding_off && now < r.until()
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

    /// `None` when absent; a file that cannot be read or understood (one written by an
    /// older version among them) counts as absent: the worst it can do is allow one
    /// more take-back.
    pub fn read(&self) -> Option<Record> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let mut words = text.split_whitespace();
        if words.next()? != "v2" {
            return None;
        }
        let boot = words.next()?.to_string();
        let taken_back_at = words.next()?.parse().ok()?;
        let strikes = words.next()?.parse().ok()?;
        let holding_off = match words.next()? {
            "holding-off" => true,
            "watching" => false,
            _ => return None,
        };
        Some(Record {
            boot,
            taken_back_at,
            strikes,
            holding_off,
        })
    }

    pub fn write(&self, r: &Record) -> Result<(), String> {
        let word = if r.holding_off {
            "holding-off"
        } else {
            "watching"
        };
        write_atomic(
            &self.path,
            &format!("v2 {} {} {} {word}\n", r.boot, r.taken_back_at, r.strikes),
        )
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

/// Seconds since boot, suspend included (`CLOCK_BOOTTIME`): NTP never steps it.
pub fn now() -> u64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_BOOTTIME).map_or(0, |t| t.tv_sec() as u64)
}

/// This boot's identity; "unknown" where the kernel does not say (then every record
/// is of this boot: the clock above still restarts at boot, so a record of an earlier
/// boot looks like one from the future or the far past, see [`decide`]).
pub fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty() && !s.contains(char::is_whitespace))
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOT: &str = "b1";
    const MIN: u64 = 60;

    #[test]
    fn one_take_back_then_hold_off_with_an_end() {
        let t = 1_000_000;
        let (v, r) = decide(None, t, BOOT);
        assert_eq!(v, Verdict::TakeBack);
        assert!(!r.holding_off);
        // The relay moves again two monitor intervals later: a split brain, or a dead
        // peer nothing fenced and a second power cut. Hold off for 10 min.
        let (v, r) = decide(Some(r), t + 20, BOOT);
        assert_eq!(
            v,
            Verdict::HoldOff {
                until: t + 10 * MIN
            }
        );
        assert!(r.holding_off);
        // Still moved at each monitor: still holding off.
        let (v, r) = decide(Some(r), t + 9 * MIN, BOOT);
        assert_eq!(
            v,
            Verdict::HoldOff {
                until: t + 10 * MIN
            }
        );
        // The back-off ends: taken back.
        let (v, r) = decide(Some(r), t + 10 * MIN, BOOT);
        assert_eq!(v, Verdict::TakeBack);
        assert_eq!((r.taken_back_at, r.strikes), (t + 10 * MIN, 1));
        // Moved again at once: 20 min, then 40, then 40 from then on.
        let (mut r, mut at) = (r, t + 10 * MIN);
        for hold in [20, 40, 40, 40] {
            let (v, held) = decide(Some(r), at + 10, BOOT);
            assert_eq!(
                v,
                Verdict::HoldOff {
                    until: at + hold * MIN
                }
            );
            let (v, back) = decide(Some(held), at + hold * MIN, BOOT);
            assert_eq!(v, Verdict::TakeBack);
            at += hold * MIN;
            assert_eq!((back.taken_back_at, back.holding_off), (at, false));
            r = back;
        }
    }

    /// Over a whole partition of a live peer that keeps taking the relay, how many
    /// times this node takes it back in the first `minutes`.
    fn take_backs_in(minutes: u64) -> u32 {
        let start = 1_000;
        let (mut r, mut n) = (None, 0);
        // The other side moves the relay back 10 s after each of our take-backs, and
        // our monitor looks every 10 s.
        let mut t = start;
        let mut moved = true;
        while t < start + minutes * MIN {
            if moved {
                let (v, rec) = decide(r.clone(), t, BOOT);
                r = Some(rec);
                if v == Verdict::TakeBack {
                    n += 1;
                    moved = false;
                }
            } else {
                moved = true; // the other side took it again
            }
            t += 10;
        }
        n
    }

    /// The promise of docs/reference.md: against a live peer in a split brain, take-backs
    /// at 0, 10, 30 and 70 min, then one per 40 min.
    #[test]
    fn take_backs_in_a_long_split_brain() {
        assert_eq!(take_backs_in(9), 1);
        assert_eq!(take_backs_in(11), 2);
        assert_eq!(take_backs_in(31), 3);
        assert_eq!(take_backs_in(71), 4);
        assert_eq!(take_backs_in(111), 5);
        assert_eq!(take_backs_in(8 * 60), 1 + 3 + (8 * 60 - 70) as u32 / 40);
    }

    #[test]
    fn a_power_cut_long_after_a_take_back_is_repaired() {
        let t = 5_000;
        let (_, r) = decide(None, t, BOOT);
        let (v, r2) = decide(Some(r), t + WINDOW.as_secs(), BOOT);
        assert_eq!(v, Verdict::TakeBack);
        assert_eq!(r2.taken_back_at, t + WINDOW.as_secs());
    }

    #[test]
    fn a_record_of_another_boot_is_ignored() {
        let r = Record {
            boot: "b0".into(),
            taken_back_at: 10,
            strikes: 3,
            holding_off: true,
        };
        let (v, r2) = decide(Some(r.clone()), 20, BOOT);
        assert_eq!(v, Verdict::TakeBack);
        assert_eq!((r2.boot.as_str(), r2.strikes), (BOOT, 0));
        assert!(!holds_off(&r, 20, BOOT));
        assert!(holds_off(&r, 20, "b0"));
    }

    #[test]
    fn record_file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let f = RecordFile::beside(&dir.path().join("berofos-r.state"));
        assert!(f.path.ends_with("berofos-r.split"));
        assert_eq!(f.read(), None);
        let r = Record {
            boot: "0b8a2c1e-1d2f-4c6b-9a0e-3f1d2c4b5a69".into(),
            taken_back_at: 42,
            strikes: 2,
            holding_off: true,
        };
        f.write(&r).unwrap();
        assert_eq!(f.read(), Some(r));
        for junk in ["junk\n", "1796278177 holding-off\n", "v2 b 1 x watching\n"] {
            std::fs::write(&f.path, junk).unwrap();
            assert_eq!(f.read(), None, "{junk:?} counts as absent");
        }
        f.remove().unwrap();
        f.remove().unwrap();
        assert!(!f.exists());
    }

    #[test]
    fn the_clock_and_the_boot() {
        let a = now();
        assert!(a > 0);
        assert!(now() >= a);
        let id = boot_id();
        assert!(!id.is_empty());
        assert_eq!(boot_id(), id);
    }
}
