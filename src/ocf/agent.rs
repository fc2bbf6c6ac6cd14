//! One call of the agent: what the environment says about it (the operation's
//! deadline, the state file, a probe or not), the berofos it selects, and what it
//! asks of the cluster (this node's name, its promotion score).

use super::cluster;
use super::params::Params;
use super::state::{State, StateFile};
use super::{env, Failure, OcfExit};
use crate::config::ConfigFile;
use crate::log;
use crate::relay::{Deadline, Mode};
use crate::select::Selection;
use crate::signals::Cancel;
use std::cell::OnceCell;
use std::time::{Duration, Instant};

/// Logs (once per action: each action reads the file once) a login other users can read.
pub(super) fn warn_exposed(cfg: &ConfigFile) {
    if let Some(w) = cfg.exposed_login() {
        log::warn(&w);
    }
}

/// Reads the configuration and picks the selected berofos ([`crate::select`]).
/// `Ok(None)`: not configured.
pub(super) fn select(p: &Params) -> Result<Option<Selection>, String> {
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
pub(super) const NODE_NAME_HINT: &str = "Pacemaker passes OCF_RESKEY_CRM_meta_on_node; by hand, set it to the node's cluster name (crm_node -n)";

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

/// `OCF_RESKEY_CRM_meta_timeout` (ms, default 20 s) from the start of the process,
/// less a margin (10 %, 0.2 to 2 s) to report and exit.
fn deadline(started: Instant, cancel: Cancel) -> Deadline {
    let total = env("OCF_RESKEY_CRM_meta_timeout")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&ms| ms > 0)
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(20));
    let margin = (total / 10).clamp(Duration::from_millis(200), Duration::from_secs(2));
    let usable = total.saturating_sub(margin);
    Deadline {
        at: started + usable,
        total: usable,
        cancel,
    }
}

/// One call of the agent: what the environment says about it.
pub struct Agent {
    pub(super) state: StateFile,
    /// `OCF_RESKEY_CRM_meta_interval`: 0 for a probe.
    pub(super) interval_ms: u64,
    /// The operation's deadline and the signal that may end it first: passed to every
    /// request, the lock and each cluster tool.
    pub(super) deadline: Deadline,
    /// This node's cluster name, asked once per call ([`Agent::node_name`]).
    node: OnceCell<Result<String, String>>,
}

impl Agent {
    pub(super) fn from_env(started: Instant, cancel: Cancel) -> Agent {
        let number = |name: &str| env(name).and_then(|v| v.trim().parse::<u64>().ok());
        Agent {
            deadline: deadline(started, cancel),
            node: OnceCell::new(),
            state: StateFile::new(
                env("HA_RSCTMP").as_deref(),
                env("OCF_RESOURCE_INSTANCE").as_deref(),
            ),
            interval_ms: number("OCF_RESKEY_CRM_meta_interval").unwrap_or(0),
        }
    }

    /// The action's deadline.
    pub(super) fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// This node's cluster name ([`cluster::node_name`]), asked once per call.
    pub(super) fn node_name(&self) -> Result<String, String> {
        self.node
            .get_or_init(|| cluster::node_name(self.deadline.at))
            .clone()
    }

    pub(super) fn state(&self) -> Result<Option<State>, Failure> {
        self.state
            .read()
            .map_err(|e| Failure::new(OcfExit::ErrGeneric, e))
    }

    pub(super) fn record(&self, s: State) -> Result<(), Failure> {
        self.state
            .write(s)
            .map_err(|e| Failure::new(OcfExit::ErrGeneric, e))
    }

    /// Sets the promotion score; without the node name none is set (a score on a guess
    /// could get the wrong node promoted), so Pacemaker does not promote this node.
    /// `Err`: the score tool failed (logged already); start makes it fatal where a
    /// cluster answers.
    pub(super) fn set_score(&self, p: &Params) -> Result<(), String> {
        match self.node_name() {
            Ok(node) => {
                let (score, why) = score_for(p, &node);
                cluster::set_score(score, &why, self.deadline.at)
            }
            Err(e) => {
                log::error(&format!("promotion score not set: {e} – {NODE_NAME_HINT}"));
                Ok(())
            }
        }
    }

    /// The split-brain record of this instance (see [`super::split`]).
    pub(super) fn split_record(&self) -> super::split::RecordFile {
        super::split::RecordFile::beside(&self.state.path)
    }

    /// Forgets the split-brain record when the other node is a member again: a record
    /// belongs to one partition episode (start, probe, promote, demote and the
    /// unpromoted monitor call this; the promoted monitor does it itself). Costs a
    /// `stat` when there is no record.
    pub(super) fn forget_split_episode(&self) {
        let guard = self.split_record();
        if !guard.exists() {
            return;
        }
        if let Ok(node) = self.node_name() {
            self.forget_split_if_rejoined(&guard, &node);
        }
    }

    /// `master_node` must name a node of the cluster: a typo, or a full domain name
    /// where the cluster uses short names, would make every node "the slave" and send
    /// the lines to port D on every promotion. Checked when a cluster answers.
    pub(super) fn check_master_node(&self, p: &Params) -> Result<(), Failure> {
        match cluster::members(self.deadline.at) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
