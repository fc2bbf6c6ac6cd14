//! monitor: the state file says where the instance is; promoted, every berofos must
//! show this node's mode, except in a split brain (see [`super::split`]).

use super::agent::{select, Agent, NODE_NAME_HINT};
use super::cluster;
use super::exit_reason::{broken_fault, summarize, Fault, EXIT_REASON_MAX};
use super::params::Params;
use super::split;
use super::state::State;
use super::{mode_for, Failure, OcfExit, Outcome};
use crate::http::Http;
use crate::log;
use crate::relay;

impl Agent {
    pub(super) fn monitor(&self) -> Outcome {
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
                        let _ = self.set_score(&p);
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
                    let _ = self.set_score(&p);
                }
                self.check_promoted(&p)
            }
        }
    }

    /// Promoted: every berofos must show this node's mode. A relay found in the other
    /// mode fails the monitor, so that Pacemaker's recovery promotes again and switches
    /// it back, except in a split brain (see [`split`]).
    pub(super) fn check_promoted(&self, p: &Params) -> Outcome {
        let failed_promoted = |e: String| Failure::new(OcfExit::FailedPromoted, e);
        let Some(sel) = select(p).map_err(failed_promoted)? else {
            return Ok(OcfExit::RunningPromoted);
        };
        // Without the node's name the right mode is unknown: fail rather than guess.
        let node = self.node_name().map_err(|e| {
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
            if guard.exists() && self.others_away(&node).is_none() {
                self.forget_split(&guard, &node);
            }
            return Ok(OcfExit::RunningPromoted);
        }
        let what = format!("node {node} needs relay {}", mode.describe());
        if !taken.is_empty() {
            match self.others_away(&node) {
                None => self.forget_split(&guard, &node),
                Some(others) => {
                    let (verdict, record) = split::decide(guard.read(), split::now());
                    if let Err(e) = guard.write(record) {
                        log::warn(&e);
                    }
                    if verdict == split::Verdict::HoldOff {
                        return Err(self.split_brain(&node, &others, &taken, &wrong));
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
        }
        Err(failed_promoted(summarize(&what, &wrong)))
    }

    /// The other nodes of the cluster, when none of them is in this node's partition:
    /// the one case where a moved relay may be another partition's doing. `None` when
    /// one of them is here, when the cluster has no other node (a one-node cluster:
    /// nobody else can take the relay), or when the cluster does not answer: a moved
    /// relay is then repaired as it always was.
    pub(super) fn others_away(&self, node: &str) -> Option<Vec<String>> {
        let others: Vec<String> = cluster::members(self.deadline.at)?
            .into_iter()
            .filter(|m| m != node)
            .collect();
        if others.is_empty() {
            return None;
        }
        match cluster::partition(self.deadline.at) {
            Some(members) => (!members.iter().any(|m| m != node)).then_some(others),
            None => {
                log::warn("cannot list this partition's members (crm_node -p): assuming the other node is here");
                None
            }
        }
    }

    pub(super) fn forget_split(&self, guard: &split::RecordFile, node: &str) {
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
    pub(super) fn split_brain(
        &self,
        node: &str,
        others: &[String],
        taken: &[String],
        wrong: &[Fault],
    ) -> Failure {
        let other = match others {
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
    pub(super) fn check_answers(&self, p: &Params) {
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
}
