//! The Pacemaker resource agent `ocf:xivo:berofos` (README.md, "The Pacemaker resource agent"), read like
//! Pacemaker's `Stateful`: the exit codes as [`OcfExit`], the actions as [`Action`],
//! one function per action, one dispatch in [`run`].
//!
//! # Layout
//! - this file: the vocabulary ([`OcfExit`], [`Failure`], [`Outcome`], [`Action`]) and
//!   the dispatch.
//! - `agent.rs`: one call – its environment, deadline, state file, selected berofos,
//!   this node's mode and promotion score.
//! - `actions.rs`: validate-all, start, stop, demote, notify, reload-agent (state and
//!   score only); `promote.rs`: the switch; `monitor.rs`: the read-back and the
//!   split-brain part of the promoted monitor.
//! - [`exit_reason`]: exit reasons fitted to the 128 bytes Pacemaker keeps.
//! - [`params`]: the parameter table and everything derived from it.
//! - [`metadata`]: the meta-data XML.
//! - [`state`]: the state file (none → unpromoted → promoted).
//! - [`cluster`]: node name, members and promotion score through Pacemaker's tools.
//! - [`split`]: the split-brain guard (no relay ping-pong between two partitions).
//!
//! Which berofos a call works on is [`crate::select`], shared with the admin commands.
//! Device work is delegated to [`crate::relay`] (switch and read many berofos in
//! parallel under one deadline) and serialized with the admin commands by
//! [`crate::lock`].

mod actions;
mod agent;
pub mod cluster;
pub mod exit_reason;
pub mod metadata;
mod monitor;
pub mod params;
mod promote;
pub mod ready;
pub mod split;
pub mod state;

use crate::log;
use crate::signals::Cancel;
use agent::Agent;
pub use agent::{mode_for, score_for};
pub use exit_reason::EXIT_REASON_MAX;
use std::time::Instant;

/// OCF exit codes (OCF RA API 1.1).
#[repr(i32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OcfExit {
    Success = 0,
    ErrGeneric = 1,
    ErrArgs = 2,
    ErrUnimplemented = 3,
    ErrPerm = 4,
    ErrInstalled = 5,
    ErrConfigured = 6,
    NotRunning = 7,
    RunningPromoted = 8,
    FailedPromoted = 9,
    /// Promoted, but something needs the admin (OCF 1.1; Pacemaker shows it as a failed
    /// action with its reason and recovers nothing).
    DegradedPromoted = 191,
    /// Running (unpromoted) but degraded: the standby could not take the lines (OCF
    /// 1.1; shown with its reason, nothing recovered).
    Degraded = 190,
}

impl OcfExit {
    /// Every code, for the man pages' EXIT STATUS.
    pub const ALL: [OcfExit; 12] = [
        OcfExit::Success,
        OcfExit::ErrGeneric,
        OcfExit::ErrArgs,
        OcfExit::ErrUnimplemented,
        OcfExit::ErrPerm,
        OcfExit::ErrInstalled,
        OcfExit::ErrConfigured,
        OcfExit::NotRunning,
        OcfExit::RunningPromoted,
        OcfExit::FailedPromoted,
        OcfExit::Degraded,
        OcfExit::DegradedPromoted,
    ];

    pub fn code(self) -> i32 {
        self as i32
    }

    /// The OCF name and what this agent means by it.
    pub fn meaning(self) -> &'static str {
        match self {
            OcfExit::Success => "OCF_SUCCESS: done; a monitor: running, unpromoted",
            OcfExit::ErrGeneric => "OCF_ERR_GENERIC: a promote that left a berofos on the other side (each one named in the exit reason), a state file that cannot be written",
            OcfExit::ErrArgs => "OCF_ERR_ARGS: a bad parameter (master_node missing, timeout not a number, devices naming an unknown section)",
            OcfExit::ErrUnimplemented => "OCF_ERR_UNIMPLEMENTED: an unknown action",
            OcfExit::ErrPerm => "OCF_ERR_PERM: not allowed",
            OcfExit::ErrInstalled => "OCF_ERR_INSTALLED: a file that must exist does not (the configuration, when devices names sections)",
            OcfExit::ErrConfigured => "OCF_ERR_CONFIGURED: a bad configuration file, or master_node not a node of this cluster",
            OcfExit::NotRunning => "OCF_NOT_RUNNING: a monitor: not started on this node",
            OcfExit::RunningPromoted => "OCF_RUNNING_PROMOTED: a monitor: promoted, and every berofos shows this node's relay mode",
            OcfExit::FailedPromoted => "OCF_FAILED_PROMOTED: a monitor: promoted, but a berofos shows the other mode or does not answer",
            OcfExit::Degraded => "OCF_DEGRADED: a monitor: unpromoted, but this node could not take the lines if promoted (no configuration file while the other node has one, another one than the other node's, a berofos that does not answer it or refuses its login: the exit reason says which); Pacemaker recovers nothing",
            OcfExit::DegradedPromoted => "OCF_DEGRADED_PROMOTED: a monitor: promoted, but something needs the admin (the exit reason says what); Pacemaker recovers nothing",
        }
    }
}

/// An action that did not succeed: its exit code and the `ocf-exit-reason`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub exit: OcfExit,
    pub reason: String,
}

impl Failure {
    pub fn new(exit: OcfExit, reason: impl Into<String>) -> Failure {
        Failure {
            exit,
            reason: reason.into(),
        }
    }
}

/// What an action returns: an exit code, or a failure with its reason.
pub type Outcome = Result<OcfExit, Failure>;

/// The actions of the agent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Action {
    MetaData,
    ValidateAll,
    Start,
    Stop,
    Monitor,
    Promote,
    Demote,
    Notify,
    ReloadAgent,
    Usage,
}

impl Action {
    pub fn parse(name: &str) -> Option<Action> {
        Some(match name {
            "meta-data" => Action::MetaData,
            "validate-all" => Action::ValidateAll,
            "start" => Action::Start,
            "stop" => Action::Stop,
            "monitor" => Action::Monitor,
            "promote" => Action::Promote,
            "demote" => Action::Demote,
            "notify" => Action::Notify,
            "reload-agent" => Action::ReloadAgent,
            "usage" | "help" => Action::Usage,
            _ => return None,
        })
    }

    /// meta-data and usage print and leave: no logging set up, nothing read.
    fn is_informational(self) -> bool {
        matches!(self, Action::MetaData | Action::Usage)
    }
}

const USAGE: &str = "\
usage: berofos ACTION   (or: xivo-berofos ocf ACTION)

ACTION is one of: start stop promote demote monitor notify reload-agent
                  validate-all meta-data usage

The Pacemaker resource agent ocf:xivo:berofos (OCF RA API 1.1): a berofos relay
follows the promoted XiVO. Parameters come as OCF_RESKEY_<name> (see meta-data);
the action may also come from __OCF_ACTION.
";

/// Runs the agent: `action` (`argv[1]`), else `__OCF_ACTION`; returns the exit code.
pub fn run(action: Option<String>) -> i32 {
    let started = Instant::now();
    let name = action
        .filter(|a| !a.is_empty())
        .or_else(|| env("__OCF_ACTION"));
    let Some(action) = name.as_deref().and_then(Action::parse) else {
        log::to_stderr(format_args!("{USAGE}"));
        if let Some(n) = name {
            log::to_stderr(format_args!("unknown action '{}'\n", n.escape_default()));
        }
        return OcfExit::ErrUnimplemented.code();
    };
    let mut cancel = Cancel::never();
    if !action.is_informational() {
        cancel = crate::signals::install();
        let facility = env("HA_LOGFACILITY");
        let verbosity = if env("HA_debug").is_some_and(|d| d != "0") {
            log::Verbosity::Verbose
        } else {
            log::Verbosity::Normal
        };
        let syslog = facility.as_deref() != Some("none");
        log::init(verbosity, syslog, facility.as_deref(), true);
    }
    let agent = Agent::from_env(started, cancel);
    let outcome = match action {
        Action::MetaData => meta_data(),
        Action::Usage => usage(),
        Action::ValidateAll => agent.validate_all(),
        Action::Start => agent.start(),
        Action::Stop => agent.stop(),
        Action::Monitor => agent.monitor(),
        Action::Promote => agent.promote(),
        Action::Demote => agent.demote(),
        Action::Notify => agent.notify(),
        Action::ReloadAgent => agent.reload_agent(),
    };
    finish(outcome)
}

/// Exit code; a failure's reason goes to the log and, on one line, to stderr as
/// `ocf-exit-reason:` for Pacemaker.
fn finish(outcome: Outcome) -> i32 {
    match outcome {
        Ok(exit) => exit.code(),
        Err(f) => {
            log::error(&f.reason);
            let line: String = f
                .reason
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            log::to_stderr(format_args!("ocf-exit-reason:{line}\n"));
            f.exit.code()
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn meta_data() -> Outcome {
    crate::out!("{}", metadata::xml());
    Ok(OcfExit::Success)
}

fn usage() -> Outcome {
    crate::out!("{USAGE}");
    Ok(OcfExit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_parse() {
        assert_eq!(Action::parse("meta-data"), Some(Action::MetaData));
        assert_eq!(Action::parse("help"), Some(Action::Usage));
        assert_eq!(Action::parse("reload"), None);
        assert_eq!(Action::parse("Start"), None);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(OcfExit::FailedPromoted.code(), 9);
        assert_eq!(OcfExit::ErrUnimplemented.code(), 3);
    }
}
