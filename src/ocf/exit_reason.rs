//! Exit reasons fitted to what Pacemaker keeps: each failed berofos named early, in
//! a few words; the full message, with what to do, goes to the log.

use crate::error::Error;
use crate::log;
use crate::select::Broken;

/// Pacemaker keeps only this many bytes of an `ocf-exit-reason`.
pub const EXIT_REASON_MAX: usize = 128;

/// One berofos that failed: a short form for the exit reason (which Pacemaker cuts at
/// [`EXIT_REASON_MAX`] characters, so every failed device must be named early) and the
/// full message, with what to do, for the log.
pub struct Fault {
    pub brief: String,
    /// The brief without hosts, used when the briefs with hosts do not fit.
    pub short: String,
    pub full: String,
}

impl Fault {
    pub fn new(brief: String, full: String) -> Fault {
        Fault {
            short: brief.clone(),
            brief,
            full,
        }
    }

    pub fn of(e: &Error) -> Fault {
        let (brief, short) = match e {
            Error::Device { who, problem } => (
                format!("{}: {}", who.label(), problem.brief()),
                format!("{}: {}", who.short(), problem.brief()),
            ),
            Error::Many(v) => {
                let all: Vec<Fault> = v.iter().map(Fault::of).collect();
                (
                    all.iter()
                        .map(|f| f.brief.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    all.iter()
                        .map(|f| f.short.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            }
            other => {
                let b: String = other.to_string().chars().take(60).collect();
                (b.clone(), b)
            }
        };
        Fault {
            brief,
            short,
            full: e.to_string(),
        }
    }
}

/// `what: brief; brief`, fitted into [`EXIT_REASON_MAX`]: hosts are dropped first, then
/// the end is cut.
pub fn reason(what: &str, faults: &[&Fault]) -> String {
    let join = |f: fn(&Fault) -> &str| {
        format!(
            "{what}: {}",
            faults.iter().map(|x| f(x)).collect::<Vec<_>>().join("; ")
        )
    };
    // Pacemaker's limit is in bytes (a C buffer); cut on a character boundary.
    let full = join(|f| &f.brief);
    if full.len() <= EXIT_REASON_MAX {
        return full;
    }
    let short = join(|f| &f.short);
    if short.len() <= EXIT_REASON_MAX {
        return short;
    }
    let mut end = EXIT_REASON_MAX - 3;
    while !short.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &short[..end])
}

/// Logs every fault in full; returns the exit reason: `what` then each brief.
pub fn summarize(what: &str, faults: &[Fault]) -> String {
    for f in faults {
        log::error(&f.full);
    }
    reason(what, &faults.iter().collect::<Vec<_>>())
}

/// A selected section that cannot be used counts as a failed berofos.
pub fn broken_fault(b: &Broken) -> Fault {
    Fault::new(b.brief(), b.error().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Problem;
    use std::time::Duration;

    fn device_fault(name: &str, host: &str, p: Problem) -> Fault {
        Fault::of(&Error::Device {
            who: Box::new(crate::error::Who {
                name: Some(name.into()),
                at: Some(host.into()),
                sel: format!("-f {name}"),
            }),
            problem: p,
        })
    }

    #[test]
    fn exit_reasons_fit_what_pacemaker_keeps() {
        let few = [device_fault(
            "fos2",
            "10.34.1.51",
            Problem::Refused { port: 80 },
        )];
        let r = reason(
            "1/2 berofos not switched to 1 (A--B)",
            &few.iter().collect::<Vec<_>>(),
        );
        assert_eq!(
            r,
            "1/2 berofos not switched to 1 (A--B): fos2 (10.34.1.51): connection refused"
        );
        let many: Vec<Fault> = (1..=4)
            .map(|k| {
                device_fault(
                    &format!("fos{k}"),
                    &format!("10.34.1.{k}"),
                    Problem::Denied { had_login: true },
                )
            })
            .collect();
        let r = reason(
            "4/4 berofos not switched to 1 (A--B)",
            &many.iter().collect::<Vec<_>>(),
        );
        assert!(r.len() <= EXIT_REASON_MAX, "{r}");
        assert!(
            r.contains("fos1: login refused") && !r.contains("10.34.1.1"),
            "hosts go first: {r}"
        );
        let lots: Vec<Fault> = (1..=16)
            .map(|k| {
                device_fault(
                    &format!("fos{k}"),
                    "h",
                    Problem::NoAnswer(Duration::from_secs(3)),
                )
            })
            .collect();
        let r = reason("16/16", &lots.iter().collect::<Vec<_>>());
        assert!(
            r.chars().count() <= EXIT_REASON_MAX && r.ends_with("..."),
            "{r}"
        );
    }
}
