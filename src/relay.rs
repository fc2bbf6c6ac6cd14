//! The relay: which XiVO has the ISDN lines, and switching or reading many berofos at
//! once under one deadline.
//!
//! Every device gets its own thread; results come back as each finishes (so a healthy
//! berofos is reported at once while a dead one is still timing out), and nothing waits
//! past the deadline: per-request timeouts shrink to fit what is left of it.

use crate::device::Device;
use crate::error::{Error, Problem, Result};
use crate::http::Http;
use crate::lock::Purpose;
use crate::settings::{lookup, ConfigTxt};
use crate::signals::Cancel;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Relay mode (docs/protocol.md, top table).
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize)]
pub enum Mode {
    /// `0`: A--D, the slave XiVO (port D) has the lines.
    Slave,
    /// `1`: A--B (and C--D), the master XiVO (port B) has the lines.
    Master,
}

impl Mode {
    /// The mode as a number: 0 or 1.
    pub fn number(self) -> u8 {
        match self {
            Mode::Slave => 0,
            Mode::Master => 1,
        }
    }

    /// The mode as the berofos writes it.
    pub fn bit(self) -> &'static str {
        match self {
            Mode::Slave => "0",
            Mode::Master => "1",
        }
    }

    pub fn from_bit(v: &str) -> Option<Mode> {
        match v {
            "0" => Some(Mode::Slave),
            "1" => Some(Mode::Master),
            _ => None,
        }
    }

    /// `1 (A--B)`: the XiVO documentation's words.
    pub fn describe(self) -> &'static str {
        match self {
            Mode::Slave => "0 (A--D)",
            Mode::Master => "1 (A--B)",
        }
    }

    /// Who has the lines in this mode.
    pub fn holder(self) -> &'static str {
        match self {
            Mode::Slave => "the slave XiVO (port D) has the lines",
            Mode::Master => "the master XiVO (port B) has the lines",
        }
    }

    pub fn other(self) -> Mode {
        match self {
            Mode::Slave => Mode::Master,
            Mode::Master => Mode::Slave,
        }
    }
}

/// A point in time that bounds a whole operation, and the signal that may end it
/// first: passed down as a value to every request, the lock and the cluster tools.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    pub at: Instant,
    /// What the whole operation was given, for messages.
    pub total: Duration,
    pub cancel: Cancel,
}

impl Deadline {
    pub fn after(total: Duration, cancel: Cancel) -> Deadline {
        Deadline {
            at: Instant::now() + total,
            total,
            cancel,
        }
    }

    /// A SIGTERM or SIGINT came.
    pub fn cancelled(&self) -> bool {
        self.cancel.is_set()
    }

    pub fn left(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// The timeout for one more request: `per_request`, shrunk to what is left.
    pub fn request(&self, per_request: Duration) -> Result<Duration, Problem> {
        let left = self.left();
        if left < Duration::from_millis(5) {
            Err(Problem::NoAnswer(self.total.min(per_request)))
        } else {
            Ok(per_request.min(left))
        }
    }
}

/// Runs `f` on every device in its own thread; `done` sees each result as it arrives.
/// Devices that have not answered at the deadline (or when a signal came) fail with
/// "no answer"; the results come back in the devices' order.
pub fn parallel<T: Send + 'static>(
    devices: &[Device],
    deadline: Deadline,
    f: impl Fn(&Device) -> Result<T> + Send + Sync + Clone + 'static,
    mut done: impl FnMut(&Device, &Result<T>),
) -> Vec<Result<T>> {
    let (tx, rx) = mpsc::channel();
    for (i, d) in devices.iter().enumerate() {
        let (tx, d, f) = (tx.clone(), d.clone(), f.clone());
        std::thread::spawn(move || {
            let _ = tx.send((i, f(&d)));
        });
    }
    drop(tx);
    let mut results: Vec<Option<Result<T>>> = devices.iter().map(|_| None).collect();
    let mut pending = devices.len();
    // A little grace past the deadline: the requests themselves end at it.
    let hard = deadline.at + Duration::from_millis(100);
    // After a signal, the workers that were only waiting (for a lock) say so within
    // a few milliseconds: a little time to hear them.
    let mut heard_until: Option<Instant> = None;
    while pending > 0 {
        let mut left = hard.saturating_duration_since(Instant::now());
        if deadline.cancelled() {
            let until =
                *heard_until.get_or_insert_with(|| Instant::now() + Duration::from_millis(50));
            left = left.min(until.saturating_duration_since(Instant::now()));
        }
        if left.is_zero() {
            break;
        }
        match rx.recv_timeout(left.min(Duration::from_millis(50))) {
            Ok((i, r)) => {
                done(&devices[i], &r);
                results[i] = Some(r);
                pending -= 1;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    results
        .into_iter()
        .zip(devices)
        .map(|(r, d)| {
            r.unwrap_or_else(|| {
                let late = Err(d.fail(if deadline.cancelled() {
                    Problem::Cancelled(format!(
                        "interrupted by a signal before the berofos answered – its relay mode is unknown: check it with xivo-berofos status {}",
                        d.sel()
                    ))
                } else {
                    Problem::NoAnswer(deadline.total)
                }));
                done(d, &late);
                late
            })
        })
        .collect()
}

/// Reads one berofos's settings.
pub fn read(
    http: &Http,
    d: &Device,
    per_request: Duration,
    deadline: Deadline,
) -> Result<ConfigTxt> {
    let ep = d.endpoint()?;
    let t = deadline.request(per_request).map_err(|p| d.fail(p))?;
    let cfg = http.read_config(&ep, t).map_err(|p| d.fail(p))?;
    if let Some(w) = &cfg.version_warning {
        crate::log::warn(&format!("{}: {w}", d.label()));
    }
    Ok(cfg)
}

/// The relay mode a berofos reports.
pub fn mode_of(d: &Device, cfg: &ConfigTxt) -> Result<Mode> {
    let raw = lookup("mode").ok().and_then(|s| s.read(cfg));
    raw.as_deref().and_then(Mode::from_bit).ok_or_else(|| {
        d.fail(Problem::BadAnswer(
            "config.txt has no relay mode (4_mode)".into(),
        ))
    })
}

/// Sets the relay of one berofos (one request when the login is known); with
/// `verify`, reads it back and fails unless it shows `mode`.
pub fn switch_one(
    http: &Http,
    d: &Device,
    mode: Mode,
    per_request: Duration,
    deadline: Deadline,
    verify: bool,
) -> Result<()> {
    let ep = d.endpoint()?;
    let setting = lookup("mode").map_err(Error::from)?;
    let t = deadline.request(per_request).map_err(|p| d.fail(p))?;
    http.write(&ep, &setting.query(mode.bit()), t)
        .map_err(|p| d.fail(p))?;
    if verify {
        let now = mode_of(d, &read(http, d, per_request, deadline)?)?;
        if now != mode {
            return Err(d.fail(Problem::NotApplied {
                setting: "relay mode".into(),
                want: mode.describe().into(),
                got: now.describe().into(),
            }));
        }
    }
    Ok(())
}

/// Switches every device to `mode` at once, logging each switch and each failure in the
/// XiVO documentation's words. Returns one result per device.
///
/// Each worker first takes its own berofos's lock (for `purpose`, waiting at most until
/// `lock_until`, the last argument): a berofos held by another process (a flash of fos1) fails alone,
/// naming the holder, while the others are switched at once. The workers may outlive
/// this call (a signal ends the wait for them at once, while a request runs on to its
/// timeout): each holds its lock until it ends, so no request is ever sent without it.
pub fn switch_all(
    http: &Http,
    devices: &[Device],
    mode: Mode,
    per_request: Duration,
    deadline: Deadline,
    verify: bool,
    (purpose, lock_until): (Purpose, Instant),
) -> Vec<Result<()>> {
    for d in devices {
        crate::log::info(&format!(
            "setting berofos relay mode to {} for {}",
            mode.describe(),
            d.label()
        ));
    }
    let http = http.clone();
    parallel(
        devices,
        deadline,
        move |d| {
            let _held = d.lock(purpose, lock_until, deadline.cancel)?;
            switch_one(&http, d, mode, per_request, deadline, verify)
        },
        |d, r| match r {
            Ok(()) => crate::log::debug(&format!(
                "{}: relay mode {} set",
                d.label(),
                mode.describe()
            )),
            Err(e) => crate::log::error(&format!("cannot set relay mode {}: {e}", mode.describe())),
        },
    )
}

/// Reads every device at once.
pub fn read_all(
    http: &Http,
    devices: &[Device],
    per_request: Duration,
    deadline: Deadline,
) -> Vec<Result<ConfigTxt>> {
    let http = http.clone();
    parallel(
        devices,
        deadline,
        move |d| read(&http, d, per_request, deadline),
        |_, _| {},
    )
}
