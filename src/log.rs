//! Logging to stderr and, when asked, to syslog (tag `xivo-berofos`).
//!
//! One process-wide logger, set up once by `main` (or the agent): every layer logs in
//! the XiVO documentation's words through [`info`], [`warn`], [`error`], [`debug`]. Messages never
//! carry a password: callers log names, hosts and [`crate::error::Problem`]s only.

use std::sync::{Mutex, OnceLock};
use syslog::{Facility, Formatter3164, Logger, LoggerBackend};

/// How much goes to stderr.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
}

struct Log {
    verbosity: Verbosity,
    syslog: Option<Mutex<Logger<LoggerBackend, Formatter3164>>>,
    /// Prefix of stderr lines (`error:` style for the CLI, level names for the agent).
    agent: bool,
}

static LOG: OnceLock<Log> = OnceLock::new();

/// Environment variable naming another syslog socket (tests read it).
pub const SOCKET_ENV: &str = "XIVO_BEROFOS_SYSLOG_SOCKET";

/// Sets up logging once; later calls are ignored.
pub fn init(verbosity: Verbosity, syslog: bool, facility: Option<&str>, agent: bool) {
    let syslog = syslog
        .then(|| open_syslog(facility))
        .flatten()
        .map(Mutex::new);
    let _ = LOG.set(Log {
        verbosity,
        syslog,
        agent,
    });
}

/// The facility named by `HA_LOGFACILITY` style text (`daemon`, `local0`...), default daemon.
pub fn facility(name: Option<&str>) -> Facility {
    name.filter(|n| !n.is_empty() && *n != "none")
        .and_then(|n| n.parse().ok())
        .unwrap_or(Facility::LOG_DAEMON)
}

fn open_syslog(facility_name: Option<&str>) -> Option<Logger<LoggerBackend, Formatter3164>> {
    let formatter = Formatter3164 {
        facility: facility(facility_name),
        hostname: None,
        process: "xivo-berofos".into(),
        pid: std::process::id(),
    };
    let logger = match std::env::var_os(SOCKET_ENV) {
        Some(path) => syslog::unix_custom(formatter, path).ok(),
        None => syslog::unix(formatter).ok(),
    }?;
    // A stuck syslog daemon must not hang the process (an agent's stop that hangs gets
    // its node fenced): a message that cannot be sent within the limit is dropped.
    let limit = Some(std::time::Duration::from_millis(200));
    match &logger.backend {
        LoggerBackend::Unix(s) => {
            let _ = s.set_write_timeout(limit);
        }
        LoggerBackend::UnixStream(w) => {
            let _ = w.get_ref().set_write_timeout(limit);
        }
        _ => {}
    }
    Some(logger)
}

/// Writes command output to stdout. When the reader has gone (`xivo-berofos status |
/// head -n 1`), the process ends quietly with 0, as ripgrep does; another write error
/// (a full disk) is reported and ends it with 1.
pub fn out(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        to_stderr(format_args!("error: cannot write the output: {e}\n"));
        std::process::exit(1);
    }
}

/// `print!` through [`out`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::log::out(format_args!($($arg)*)) };
}

/// `println!` through [`out`].
#[macro_export]
macro_rules! outln {
    () => { $crate::log::out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::log::out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Writes to stderr; a closed stderr is not a reason to stop (or panic) halfway
/// through switching relays: the message is lost, the work goes on.
pub fn to_stderr(args: std::fmt::Arguments) {
    use std::io::Write;
    let _ = std::io::stderr().write_fmt(args);
}

pub fn log(level: Level, msg: &str) {
    let Some(log) = LOG.get() else {
        to_stderr(format_args!("{msg}\n"));
        return;
    };
    if let Some(s) = &log.syslog {
        if let Ok(mut s) = s.lock() {
            let _ = match level {
                Level::Error => s.err(msg),
                Level::Warn => s.warning(msg),
                Level::Info => s.info(msg),
                Level::Debug if log.verbosity == Verbosity::Verbose => s.debug(msg),
                Level::Debug => Ok(()),
            };
        }
    }
    let show = match level {
        Level::Error => true,
        Level::Warn | Level::Info => log.verbosity >= Verbosity::Normal,
        Level::Debug => log.verbosity == Verbosity::Verbose,
    };
    if show {
        let prefix = match (level, log.agent) {
            (Level::Error, false) => "error: ",
            (Level::Warn, false) => "warning: ",
            (_, false) => "",
            (Level::Error, true) => "ERROR: ",
            (Level::Warn, true) => "WARNING: ",
            (Level::Info, true) => "INFO: ",
            (Level::Debug, true) => "DEBUG: ",
        };
        to_stderr(format_args!("{prefix}{msg}\n"));
    }
}

pub fn error(msg: &str) {
    log(Level::Error, msg)
}

pub fn warn(msg: &str) {
    log(Level::Warn, msg)
}

pub fn info(msg: &str) {
    log(Level::Info, msg)
}

pub fn debug(msg: &str) {
    log(Level::Debug, msg)
}
