//! The values the commands return and `output` renders: one module both use, so that
//! no arrow goes from the renderer back to a command (tests/layers.rs checks it).

use crate::error::Error;
use crate::gbl4::NetConf;
use crate::relay::Mode;
use crate::settings::Setting;
use std::path::PathBuf;

/// What a command has to show.
#[derive(Debug)]
pub enum Output {
    /// Nothing on stdout: the command logged what it did.
    Nothing,
    Status(StatusReport),
    Scan(ScanReport),
    /// `get`: one setting's value.
    Value {
        device: String,
        name: &'static str,
        value: String,
    },
    Show(Settings),
    Ping(Answer),
    Keys(Table),
    /// Shown, then the command fails with the error (a status with unreadable
    /// berofos, a scan that found nothing).
    Failed(Box<Output>, Error),
}

impl Output {
    /// Shows `self`, then fails with `e`.
    pub fn failing(self, e: Option<Error>) -> Output {
        match e {
            Some(e) => Output::Failed(Box::new(self), e),
            None => self,
        }
    }
}

/// The table is [`crate::settings::SETTINGS`]; the renderer shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table;

/// A berofos that answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// `fos1 (10.34.1.50)`.
    pub device: String,
    /// `kick` rather than `ping`.
    pub kick: bool,
    /// How long the answer took.
    pub ms: f64,
}

/// What a scan found, and what `-x` changed.
#[derive(Debug)]
pub struct ScanReport {
    pub found: Vec<NetConf>,
    pub merged: Option<Merged>,
}

/// What `-x` did to the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub file: PathBuf,
    /// One line per device: `fos1 (00:19:32:00:12:1D) added, host 10.34.1.50`.
    pub changes: Vec<String>,
}

/// Every setting of one berofos, in the table's order (`None`: not reported).
#[derive(Debug)]
pub struct Settings {
    /// `fos1 (10.34.1.50)`.
    pub device: String,
    pub all: Vec<(&'static Setting, Option<String>)>,
}

/// What `status` found.
#[derive(Debug)]
pub struct StatusReport {
    pub file: PathBuf,
    /// `false`: the file does not exist (and no section was named).
    pub configured: bool,
    pub rows: Vec<Row>,
    /// The sections that cannot be used, by name.
    pub broken: Vec<(String, Error)>,
}

/// Where a berofos is, for the JSON rows.
#[derive(Debug, Clone, PartialEq)]
pub struct At {
    pub name: Option<String>,
    pub host: Option<String>,
    pub port: u16,
}

/// One berofos.
#[derive(Debug)]
pub enum Row {
    Read(Read),
    Unreadable {
        /// `fos2 (10.34.1.51)`.
        device: String,
        at: At,
        /// What happened and what to do.
        why: String,
        /// The whole message.
        error: String,
    },
}

/// A berofos that answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    /// `fos2 (10.34.1.51)`.
    pub device: String,
    /// How to name it on the command line (`-f fos2`).
    pub sel: String,
    pub at: At,
    pub mode: Option<Mode>,
    pub scenario: Option<String>,
    pub wdog: Option<String>,
    pub wdogdef: Option<String>,
    pub modedef: Option<String>,
    /// `wdog=1 (want 0)`: the HA settings that differ from the XiVO documentation's.
    pub issues: Vec<String>,
}
