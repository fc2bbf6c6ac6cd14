//! Errors as the admin reads them, and the exit status each one maps to.
//!
//! Low layers (HTTP, GBL4) say what went wrong as a [`Problem`]; the layer that knows
//! which device it was talking to wraps it in [`Error::Device`], whose message names the
//! device, its host and what to try.

use std::time::Duration;

/// Exit statuses of the admin commands (README.md, "Commands").
pub const EXIT_OK: i32 = 0;
pub const EXIT_DEVICE: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_CONFIG: i32 = 6;

/// What went wrong while talking to one berofos.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// Nothing came back before the deadline.
    NoAnswer(Duration),
    /// TCP connection refused.
    Refused { port: u16 },
    /// Any other network failure (no route, DNS, reset...).
    Network(String),
    /// HTTP 401.
    Denied { had_login: bool },
    /// Another non-2xx HTTP status.
    Status(u16),
    /// The answer was not what a berofos sends.
    BadAnswer(String),
    /// The device answered but refused (GBL4 error code).
    Rejected(String),
    /// A setting did not read back as written.
    NotApplied {
        setting: String,
        want: String,
        got: String,
    },
    /// The device is in flash mode but the command needs operational mode, or the reverse.
    WrongMode { flash: bool },
    /// The operation stopped because the action's deadline or a signal came first.
    Cancelled(String),
    /// Another process holds this berofos's lock (`holder`: `pid 1234, xivo-berofos
    /// flash`); `flashing`: on a flash, netconf or reset, so it was not waited for.
    Busy {
        holder: String,
        lock: String,
        flashing: bool,
    },
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if (s - s.round()).abs() < 0.05 {
        format!("{} s", s.round() as u64)
    } else {
        format!("{s:.1} s")
    }
}

impl Problem {
    /// The message, with a hint that uses `sel` (how to name this device on the command
    /// line, like `-f fos2`).
    pub fn describe(&self, sel: &str) -> String {
        match self {
            Problem::NoAnswer(d) => format!(
                "no answer within {} – is the berofos powered and on this network? (xivo-berofos ping {sel})",
                secs(*d)
            ),
            Problem::Refused { port } => format!(
                "connection refused on HTTP port {port} – is the berofos in flash mode, or does it listen on another port (port = N in its section)?"
            ),
            Problem::Network(e) => format!("network error: {e} – check the host in the configuration and the route to it"),
            Problem::Denied { had_login: true } => format!(
                "login refused (HTTP 401) – check the login = user:password line of this berofos in the configuration (xivo-berofos get mode {sel})"
            ),
            Problem::Denied { had_login: false } => "the berofos asks for a password (HTTP 401) – add login = admin:<password> to its section of the configuration".to_string(),
            Problem::Status(code) => format!("the berofos answered HTTP {code} – retry, then power-cycle it if it persists"),
            Problem::BadAnswer(what) => format!("{what} – is this a berofos in operational mode, with firmware 1.53?"),
            Problem::Rejected(what) => what.clone(),
            Problem::NotApplied { setting, want, got } => format!(
                "{setting} reads back as {got} after setting {want} – the berofos did not apply it; retry, and check its firmware"
            ),
            Problem::WrongMode { flash: true } => "the berofos is in flash mode – power-cycle it without holding the button for operational mode".to_string(),
            Problem::WrongMode { flash: false } => "the berofos is in operational mode – power it on while holding the black button next to the power button (the red LEDs of port D blink) for flash mode".to_string(),
            Problem::Cancelled(why) => why.clone(),
            Problem::Busy { holder, flashing: true, .. } => format!(
                "busy: {holder} holds this berofos (flash mode) – nothing was changed on it; switch it when that is done (xivo-berofos status {sel})"
            ),
            Problem::Busy { holder, lock, flashing: false } => format!(
                "busy: {holder} still holds this berofos (lock {lock}) – nothing was changed on it; wait for it to finish, or find it with: fuser {lock}"
            ),
        }
    }
}

impl Problem {
    /// A few words, for places that keep little (Pacemaker's exit reason).
    pub fn brief(&self) -> String {
        match self {
            Problem::NoAnswer(d) => format!("no answer within {}", secs(*d)),
            Problem::Refused { .. } => "connection refused".into(),
            Problem::Network(_) => "network error".into(),
            Problem::Denied { .. } => "login refused (HTTP 401)".into(),
            Problem::Status(c) => format!("HTTP {c}"),
            Problem::BadAnswer(_) => "not a berofos answer".into(),
            Problem::Rejected(_) => "rejected".into(),
            Problem::NotApplied { got, .. } => format!("still {got} after the switch"),
            Problem::WrongMode { flash: true } => "in flash mode".into(),
            Problem::WrongMode { flash: false } => "in operational mode".into(),
            Problem::Cancelled(_) => "interrupted".into(),
            Problem::Busy { holder, .. } => format!("busy ({holder})"),
        }
    }
}

/// The berofos (or the scan) an error is about, as values: formatted once, by
/// [`Who::label`], never split back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Who {
    /// Its section (`fos2`), when it was chosen from the configuration.
    pub name: Option<String>,
    /// Where it is: its host, else its MAC (or what a scan asked).
    pub at: Option<String>,
    /// How to name it on the command line (`-f fos2`), for hints; empty when none.
    pub sel: String,
}

impl Who {
    /// `fos2 (10.34.1.51)`, `fos2`, `10.34.1.51`.
    pub fn label(&self) -> String {
        match (&self.name, &self.at) {
            (Some(n), Some(a)) => format!("{n} ({a})"),
            (Some(n), None) => n.clone(),
            (None, Some(a)) => a.clone(),
            (None, None) => "berofos".into(),
        }
    }

    /// The name alone when there is one (`fos2`), else the label: for places that
    /// keep little.
    pub fn short(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.label())
    }
}

/// Any failure of a command, with its exit status.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad command line or value (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Bad configuration file (exit 6).
    #[error("{0}")]
    Config(String),
    /// One device failed (exit 1): `fos2 (10.34.1.51): <what happened> – <what to do>`.
    #[error("{}: {}", who.label(), problem.describe(&who.sel))]
    Device { who: Box<Who>, problem: Problem },
    /// Several devices failed (exit 1); one message per device.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Many(Vec<Error>),
    /// Anything else that is the system's fault, not the device's (exit 1).
    #[error("{0}")]
    System(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => EXIT_USAGE,
            Error::Config(_) => EXIT_CONFIG,
            Error::Device { .. } | Error::System(_) => EXIT_DEVICE,
            // The gravest first: a config error hides nothing behind a device failure.
            Error::Many(v) => v
                .iter()
                .map(Error::exit_code)
                .max_by_key(|c| match *c {
                    EXIT_CONFIG => 3,
                    EXIT_USAGE => 2,
                    _ => 1,
                })
                .unwrap_or(EXIT_DEVICE),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Several failures as one: Ok when there are none, the error itself when one, else
/// [`Error::Many`].
pub fn fold(errors: Vec<Error>) -> Result<()> {
    let mut it = errors.into_iter();
    match (it.next(), it.next()) {
        (None, _) => Ok(()),
        (Some(e), None) => Err(e),
        (Some(a), Some(b)) => Err(Error::Many([a, b].into_iter().chain(it).collect())),
    }
}
