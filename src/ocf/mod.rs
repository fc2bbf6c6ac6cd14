//! The Pacemaker resource agent `ocf:xivo:berofos` (product.md §3), read like
//! Pacemaker's `Stateful`: the exit codes as [`OcfExit`], the actions as [`Action`],
//! one function per action, one dispatch in [`run`].
//!
//! # Layout
//! - [`params`]: the parameter table and everything derived from it.
//! - [`metadata`]: the meta-data XML.
//! - [`state`]: the state file (none → unpromoted → promoted).
//! - [`cluster`]: node name, members and promotion score through Pacemaker's tools.
//! - [`split`]: the split-brain guard (no relay ping-pong between two partitions).
//!
//! Device work is delegated to [`crate::relay`] (switch and read many berofos in
//! parallel under one deadline) and serialized with the admin commands by
//! [`crate::lock`].

pub mod cluster;
pub mod metadata;
pub mod params;
pub mod split;
pub mod state;

use crate::config::ConfigFile;
use crate::error::Error;
use crate::http::Http;
use crate::lock::Lock;
use crate::log;
use crate::relay::{self, Deadline, Mode};
use crate::select::{Broken, Selection};
use params::Params;
use state::{State, StateFile};
use std::time::{Duration, Instant};

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
}

impl OcfExit {
    pub fn code(self) -> i32 {
        self as i32
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

/// Runs the agent: `action` (argv[1]), else `__OCF_ACTION`; returns the exit code.
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
    if !action.is_informational() {
        crate::signals::install();
        let facility = env("HA_LOGFACILITY");
        let verbosity = if env("HA_debug").is_some_and(|d| d != "0") {
            log::Verbosity::Verbose
        } else {
            log::Verbosity::Normal
        };
        let syslog = facility.as_deref() != Some("none");
        log::init(verbosity, syslog, facility.as_deref(), true);
    }
    let agent = Agent::from_env(started);
    cluster::bound_by(agent.deadline().at);
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

/// Pacemaker keeps only this many bytes of an `ocf-exit-reason`.
pub const EXIT_REASON_MAX: usize = 128;

/// One berofos that failed: a short form for the exit reason (which Pacemaker cuts at
/// [`EXIT_REASON_MAX`] characters, so every failed device must be named early) and the
/// full message, with what to do, for the log.
struct Fault {
    brief: String,
    /// The brief without hosts, used when the briefs with hosts do not fit.
    short: String,
    full: String,
}

impl Fault {
    fn new(brief: String, full: String) -> Fault {
        Fault {
            short: brief.clone(),
            brief,
            full,
        }
    }

    fn of(e: &Error) -> Fault {
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
fn reason(what: &str, faults: &[&Fault]) -> String {
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
fn summarize(what: &str, faults: &[Fault]) -> String {
    for f in faults {
        log::error(&f.full);
    }
    reason(what, &faults.iter().collect::<Vec<_>>())
}

/// Logs (once per action: each action reads the file once) a login other users can read.
fn warn_exposed(cfg: &ConfigFile) {
    if let Some(w) = cfg.exposed_login() {
        log::warn(&w);
    }
}

/// A selected section that cannot be used counts as a failed berofos.
fn broken_fault(b: &Broken) -> Fault {
    Fault::new(b.brief(), b.error().to_string())
}

/// Reads the configuration and picks the selected berofos ([`crate::select`]).
/// `Ok(None)`: not configured.
fn select(p: &Params) -> Result<Option<Selection>, String> {
    let cfg = ConfigFile::load(&p.config).map_err(|e| e.to_string())?;
    if let Some(cfg) = &cfg {
        for w in &cfg.warnings {
            log::debug(w);
        }
        warn_exposed(cfg);
    }
    crate::select::select(&p.config, cfg.as_ref(), p.names()).map_err(|u| u.to_string())
}

/// What to do when this node's name is unknown ([`cluster::node_name`]).
const NODE_NAME_HINT: &str = "Pacemaker passes OCF_RESKEY_CRM_meta_on_node; by hand, set it to the node's cluster name (crm_node -n)";

/// This node's relay mode: 1 (A--B) on `master_node`, else 0 (A--D).
pub fn mode_for(p: &Params, node: &str) -> Mode {
    if node == p.master_node {
        Mode::Master
    } else {
        Mode::Slave
    }
}

/// This node's promotion score, and why.
pub fn score_for(p: &Params, node: &str) -> (u32, String) {
    if !p.prefer_master {
        (50, format!("node {node}; prefer_master=false"))
    } else if node == p.master_node {
        (100, format!("node {node} is master_node"))
    } else {
        (
            50,
            format!("node {node} is not master_node {}", p.master_node),
        )
    }
}

/// One call of the agent: what the environment says about it.
struct Agent {
    started: Instant,
    state: StateFile,
    /// `OCF_RESKEY_CRM_meta_interval`: 0 for a probe.
    interval_ms: u64,
    /// `OCF_CHECK_LEVEL`.
    check_level: u32,
}

impl Agent {
    fn from_env(started: Instant) -> Agent {
        let number = |name: &str| env(name).and_then(|v| v.trim().parse::<u64>().ok());
        Agent {
            started,
            state: StateFile::new(
                env("HA_RSCTMP").as_deref(),
                env("OCF_RESOURCE_INSTANCE").as_deref(),
            ),
            interval_ms: number("OCF_RESKEY_CRM_meta_interval").unwrap_or(0),
            check_level: number("OCF_CHECK_LEVEL")
                .or_else(|| number("OCF_RESKEY_OCF_CHECK_LEVEL"))
                .unwrap_or(0)
                .try_into()
                .unwrap_or(u32::MAX),
        }
    }

    /// `OCF_RESKEY_CRM_meta_timeout` (ms, default 20 s) from the start of the process,
    /// less a margin (10 %, 0.2 to 2 s) to report and exit.
    fn deadline(&self) -> Deadline {
        let total = env("OCF_RESKEY_CRM_meta_timeout")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&ms| ms > 0)
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(20));
        let margin = (total / 10).clamp(Duration::from_millis(200), Duration::from_secs(2));
        let usable = total.saturating_sub(margin);
        Deadline {
            at: self.started + usable,
            total: usable,
        }
    }

    fn state(&self) -> Result<Option<State>, Failure> {
        self.state
            .read()
            .map_err(|e| Failure::new(OcfExit::ErrGeneric, e))
    }

    fn record(&self, s: State) -> Result<(), Failure> {
        self.state
            .write(s)
            .map_err(|e| Failure::new(OcfExit::ErrGeneric, e))
    }

    /// Sets the promotion score; without the node name none is set (a score on a guess
    /// could get the wrong node promoted), so Pacemaker does not promote this node.
    fn set_score(&self, p: &Params) {
        match cluster::node_name() {
            Ok(node) => {
                let (score, why) = score_for(p, &node);
                cluster::set_score(score, &why);
            }
            Err(e) => log::error(&format!("promotion score not set: {e} – {NODE_NAME_HINT}")),
        }
    }

    /// `master_node` must name a node of the cluster: a typo, or a full domain name
    /// where the cluster uses short names, would make every node "the slave" and send
    /// the lines to port D on every promotion. Checked when a cluster answers.
    fn check_master_node(p: &Params) -> Result<(), Failure> {
        match cluster::members() {
            Some(nodes) if !nodes.contains(&p.master_node) => Err(Failure::new(
                OcfExit::ErrConfigured,
                format!(
                    "master_node={} is not a node of this cluster (nodes: {}) – set it to the node name of the XiVO wired to port B",
                    p.master_node,
                    nodes.join(", ")
                ),
            )),
            _ => Ok(()),
        }
    }

    fn validate_all(&self) -> Outcome {
        let p = Params::from_env()?;
        Self::check_master_node(&p)?;
        match p.validate_config()? {
            None => log::info(&format!(
                "{} does not exist: berofos is not configured",
                p.config.display()
            )),
            Some(cfg) => {
                warn_exposed(&cfg);
                log::debug(&format!(
                    "{}: {} berofos section(s) valid",
                    p.config.display(),
                    cfg.sections.iter().filter(|s| p.selects(&s.name)).count()
                ));
            }
        }
        Ok(OcfExit::Success)
    }

    fn start(&self) -> Outcome {
        if self.state()? == Some(State::Promoted) {
            return Err(Failure::new(
                OcfExit::RunningPromoted,
                "start asked of an instance that is already promoted",
            ));
        }
        let p = Params::from_env()?;
        Self::check_master_node(&p)?;
        if p.devices.is_some() && !p.config.exists() {
            // The same check as validate-all: devices are named, so the file must exist.
            p.validate_config()?;
        }
        self.record(State::Unpromoted)?;
        self.set_score(&p);
        Ok(OcfExit::Success)
    }

    /// Never fails on the state it finds (a failed stop gets the node fenced): a corrupt
    /// state file is removed like any other.
    fn stop(&self) -> Outcome {
        match self.state.read() {
            Ok(Some(State::Promoted)) => {
                log::warn("stopping a promoted instance without demote; the relay stays as it is")
            }
            Err(e) => log::warn(&e),
            Ok(_) => {}
        }
        cluster::delete_score();
        self.state
            .remove()
            .map_err(|e| Failure::new(OcfExit::ErrGeneric, e))?;
        Ok(OcfExit::Success)
    }

    fn promote(&self) -> Outcome {
        if self.state()?.is_none() {
            return Err(Failure::new(
                OcfExit::NotRunning,
                "promote asked of an instance that is not started",
            ));
        }
        let p = Params::from_env()?;
        // The lines first: nothing may delay the switch.
        let switched = match select(&p).map_err(|e| Failure::new(OcfExit::ErrGeneric, e))? {
            None => {
                log::info(crate::config::NOT_CONFIGURED);
                Ok(None)
            }
            // The node's name decides the direction: never switch on a guess.
            Some(sel) => match cluster::node_name() {
                Ok(node) => {
                    let mode = mode_for(&p, &node);
                    self.switch(&p, mode, sel).map(|()| Some((node, mode)))
                }
                Err(e) => Err(Failure::new(
                    OcfExit::ErrGeneric,
                    format!("no berofos touched: {e} – {NODE_NAME_HINT}"),
                )),
            },
        };
        // Then the score again, as Stateful does on promote and demote: Pacemaker may
        // apply a parameter change (prefer_master) with only a demote and a promote (a
        // Restart whose transition was aborted after the demote, e.g. by the fail
        // count it clears), never calling start; the score must follow the parameters.
        self.set_score(&p);
        let switched = switched?;
        self.record(State::Promoted)?;
        match switched {
            Some((node, mode)) => log::info(&format!("promoted on node {node}: {}", mode.holder())),
            None => log::info("promoted"),
        }
        Ok(OcfExit::Success)
    }

    /// Every selected berofos to `mode`, in parallel, read back; fails naming each one
    /// that did not make it (those that did stay switched).
    fn switch(&self, p: &Params, mode: Mode, sel: Selection) -> Result<(), Failure> {
        let deadline = self.deadline();
        let generic = |e: String| Failure::new(OcfExit::ErrGeneric, e);
        let lock = std::sync::Arc::new(
            Lock::acquire(&p.config, deadline.at).map_err(|e| generic(e.to_string()))?,
        );
        let http = Http::new().map_err(|pr| generic(pr.describe("")))?;
        let total = sel.devices.len() + sel.broken.len();
        let results =
            relay::switch_all(&http, &sel.devices, mode, p.timeout, deadline, true, &lock);
        // switch_all has logged each device failure in full; the sections, not yet.
        let mut failed: Vec<Fault> = sel.broken.iter().map(broken_fault).collect();
        for b in &failed {
            log::error(&b.full);
        }
        failed.extend(
            results
                .into_iter()
                .filter_map(|r| r.err().map(|e| Fault::of(&e))),
        );
        if failed.is_empty() {
            log::info(&format!(
                "relay mode {} on {total} berofos: {}",
                mode.describe(),
                mode.holder()
            ));
            Ok(())
        } else {
            Err(generic(reason(
                &format!(
                    "{}/{total} berofos not switched to {}",
                    failed.len(),
                    mode.describe()
                ),
                &failed.iter().collect::<Vec<_>>(),
            )))
        }
    }

    fn demote(&self) -> Outcome {
        if self.state()?.is_none() {
            return Err(Failure::new(
                OcfExit::NotRunning,
                "demote asked of an instance that is not started",
            ));
        }
        // Refresh the score (see promote); bad parameters must not fail a demote.
        match Params::from_env() {
            Ok(p) => self.set_score(&p),
            Err(f) => log::warn(&f.reason),
        }
        self.record(State::Unpromoted)?;
        log::info("demoted: the relay stays until the other node is promoted");
        Ok(OcfExit::Success)
    }

    fn monitor(&self) -> Outcome {
        let Some(state) = self.state()? else {
            return Ok(OcfExit::NotRunning);
        };
        let probe = self.interval_ms == 0;
        match state {
            State::Unpromoted => {
                if probe || self.check_level >= 10 {
                    let p = Params::from_env()?;
                    if probe {
                        // Restore the promotion score, as Stateful does.
                        self.set_score(&p);
                    }
                    if self.check_level >= 10 {
                        self.check_answers(&p);
                    }
                }
                Ok(OcfExit::Success)
            }
            State::Promoted => {
                let p = Params::from_env()?;
                if probe {
                    self.set_score(&p);
                }
                self.check_promoted(&p)
            }
        }
    }

    /// Promoted: every berofos must show this node's mode. A relay found in the other
    /// mode fails the monitor, so that Pacemaker's recovery promotes again and switches
    /// it back, except in a split brain (see [`split`]).
    fn check_promoted(&self, p: &Params) -> Outcome {
        let failed_promoted = |e: String| Failure::new(OcfExit::FailedPromoted, e);
        let Some(sel) = select(p).map_err(failed_promoted)? else {
            return Ok(OcfExit::RunningPromoted);
        };
        // Without the node's name the right mode is unknown: fail rather than guess.
        let node = cluster::node_name().map_err(|e| {
            Failure::new(
                OcfExit::ErrGeneric,
                format!("relays not checked: {e} – {NODE_NAME_HINT}"),
            )
        })?;
        let mode = mode_for(p, &node);
        let http = Http::new().map_err(|pr| failed_promoted(pr.describe("")))?;
        let results = relay::read_all(&http, &sel.devices, p.timeout, self.deadline());
        let mut wrong: Vec<Fault> = sel.broken.iter().map(broken_fault).collect();
        let mut taken: Vec<String> = Vec::new();
        for (d, r) in sel.devices.iter().zip(results) {
            match r.and_then(|cfg| relay::mode_of(d, &cfg)) {
                Ok(m) if m == mode => {}
                Ok(m) => {
                    taken.push(d.name.clone().unwrap_or_else(|| d.label()));
                    wrong.push(Fault::new(
                        format!("{}: relay {}", d.label(), m.describe()),
                        format!(
                            "{}: relay mode is {} ({}), but node {node} is promoted and needs {} – \
                             was it switched by hand, or did it restart into its power-up mode (modedef)?",
                            d.label(),
                            m.describe(),
                            m.holder(),
                            mode.describe()
                        ),
                    ))
                }
                Err(e) => wrong.push(Fault::of(&e)),
            }
        }
        let guard = split::RecordFile::beside(&self.state.path);
        if wrong.is_empty() {
            if guard.exists() && self.peer_in_partition(&node) {
                self.forget_split(&guard, &node);
            }
            return Ok(OcfExit::RunningPromoted);
        }
        let what = format!("node {node} needs relay {}", mode.describe());
        if !taken.is_empty() {
            if self.peer_in_partition(&node) {
                self.forget_split(&guard, &node);
            } else {
                let (verdict, record) = split::decide(guard.read(), split::now());
                if let Err(e) = guard.write(record) {
                    log::warn(&e);
                }
                if verdict == split::Verdict::HoldOff {
                    return Err(self.split_brain(&node, &taken, &wrong));
                }
                log::warn(&format!(
                    "node {node} is alone in its partition and found the relay of {} moved: \
                     taking it back once (a berofos that restarted into its power-up mode); \
                     if it moves again within {} min, this is a split brain and node {node} \
                     will leave it",
                    taken.join(", "),
                    split::WINDOW.as_secs() / 60
                ));
            }
        }
        Err(failed_promoted(summarize(&what, &wrong)))
    }

    /// Whether another node is in this node's partition. Unknown (no answer from the
    /// cluster) counts as yes: the relay is then repaired as it always was.
    fn peer_in_partition(&self, node: &str) -> bool {
        match cluster::partition() {
            Some(members) => members.iter().any(|m| m != node),
            None => {
                log::warn("cannot list this partition's members (crm_node -p): assuming the other node is here");
                true
            }
        }
    }

    fn forget_split(&self, guard: &split::RecordFile, node: &str) {
        if guard.exists() {
            log::info(&format!(
                "the other node is back in node {node}'s partition: relays moved away are repaired again"
            ));
        }
        if let Err(e) = guard.remove() {
            log::warn(&e);
        }
    }

    /// The relay keeps moving to a node outside this partition: leave it, and say why.
    fn split_brain(&self, node: &str, taken: &[String], wrong: &[Fault]) -> Failure {
        let others: Vec<String> = cluster::members()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m != node)
            .collect();
        let other = match others.as_slice() {
            [one] => one.clone(),
            _ => "the other node".to_string(),
        };
        for f in wrong {
            log::error(&f.full);
        }
        log::error(&format!(
            "split brain: {other} is not in node {node}'s partition and the relay of {} keeps \
             moving to it (each move drops every call). Node {node} stops taking the lines \
             back: {other} keeps them. Configure fencing (pcs-examples/fencing.sh) so that \
             one node is powered off when the cluster link breaks; once the link is back, \
             the cluster keeps one promoted node and its relays are repaired.",
            taken.join(", ")
        ));
        let names = taken.join(",");
        let mut reason = format!(
            "split brain: {other} outside this partition keeps taking {names}; not taking it back; configure fencing"
        );
        if reason.len() > EXIT_REASON_MAX {
            reason = format!(
                "split brain: {other} outside this partition keeps taking the relays; configure fencing"
            );
        }
        Failure::new(OcfExit::DegradedPromoted, reason)
    }

    /// Unpromoted, OCF_CHECK_LEVEL ≥ 10: warns about each berofos that does not answer.
    fn check_answers(&self, p: &Params) {
        let sel = match select(p) {
            Ok(Some(sel)) => sel,
            Ok(None) => return,
            Err(e) => return log::warn(&e),
        };
        for b in &sel.broken {
            log::warn(&b.error().to_string());
        }
        let Ok(http) = Http::new() else {
            return log::warn("cannot set up the HTTP client");
        };
        for r in relay::read_all(&http, &sel.devices, p.timeout, self.deadline()) {
            if let Err(e) = r {
                log::warn(&e.to_string());
            }
        }
    }

    fn notify(&self) -> Outcome {
        let kind = env("OCF_RESKEY_CRM_meta_notify_type").unwrap_or_else(|| "?".into());
        let op = env("OCF_RESKEY_CRM_meta_notify_operation").unwrap_or_else(|| "?".into());
        log::info(&format!("notify: {kind}-{op}"));
        Ok(OcfExit::Success)
    }

    /// Parameters are read afresh by every call; reloading validates them and, when
    /// running, sets the promotion score again (prefer_master may have changed).
    fn reload_agent(&self) -> Outcome {
        let p = Params::from_env()?;
        if let Some(cfg) = p.validate_config()? {
            warn_exposed(&cfg);
        }
        if self.state()?.is_some() {
            self.set_score(&p);
        }
        Ok(OcfExit::Success)
    }
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
    fn scores_and_modes() {
        let p = Params::from(|n| (n == "master_node").then(|| "xivo1".to_string())).unwrap();
        assert_eq!(score_for(&p, "xivo1").0, 100);
        assert_eq!(score_for(&p, "xivo2").0, 50);
        assert_eq!(mode_for(&p, "xivo1"), Mode::Master);
        assert_eq!(mode_for(&p, "xivo2"), Mode::Slave);
        let q = Params {
            prefer_master: false,
            ..p
        };
        assert_eq!(
            (score_for(&q, "xivo1").0, score_for(&q, "xivo2").0),
            (50, 50)
        );
    }

    #[test]
    fn exit_codes() {
        assert_eq!(OcfExit::FailedPromoted.code(), 9);
        assert_eq!(OcfExit::ErrUnimplemented.code(), 3);
    }
}

#[cfg(test)]
mod exit_reason_tests {
    use super::*;
    use crate::error::Problem;

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
