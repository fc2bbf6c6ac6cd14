//! monitor: the state file says where the instance is; promoted, every berofos must
//! show this node's mode, except in a split brain (see [`super::split`]).

use super::agent::{select, Agent, NODE_NAME_HINT};
use super::cluster::{self, Peers};
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
                self.forget_split_episode();
                let p = Params::from_env()?;
                if probe {
                    // Restore the promotion score, as Stateful does; a probe only says
                    // where the instance is.
                    let _ = self.set_score(&p);
                    return Ok(OcfExit::Success);
                }
                // Could this node take the lines? (see [`super::ready`])
                self.check_ready(&p)
            }
            State::Promoted => {
                let p = Params::from_env()?;
                if probe {
                    let _ = self.set_score(&p);
                    self.forget_split_episode();
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
            // No file here: the no-op of the XiVO documentation, unless another node
            // has one (then this promoted node switches nothing: said).
            let node = self.node_name().ok();
            let others = self.publish_and_compare(node.as_deref(), super::ready::NONE);
            if let Some((other, _)) = others.iter().find(|(_, v)| v != super::ready::NONE) {
                let here = node.unwrap_or_else(|| "this node".into());
                log::error(&format!(
                    "promoted on {here} without {}, which {other} has: the lines are not switched to {here} – copy it from {other} (install -m 0600)",
                    p.config.display()
                ));
                return Err(Failure::new(
                    OcfExit::DegradedPromoted,
                    format!(
                        "no {} on {here} ({other} has one): lines not switched; copy it from {other}",
                        p.config.display()
                    ),
                ));
            }
            return Ok(OcfExit::RunningPromoted);
        };
        // Publish what this node switches, for the standby's readiness check.
        let _ = self.publish_and_compare(
            self.node_name().ok().as_deref(),
            &super::ready::digest(&sel),
        );
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
            self.forget_split_if_rejoined(&guard, &node);
            return Ok(OcfExit::RunningPromoted);
        }
        let what = format!("node {node} needs relay {}", mode.describe());
        if !taken.is_empty() {
            self.guard(&guard, &node, &taken, &wrong)?;
        }
        Err(failed_promoted(summarize(&what, &wrong)))
    }

    /// A relay of `taken` was found moved: `Ok` to take it back (the monitor fails and
    /// Pacemaker's recovery promotes again), `Err` (degraded, 191) to leave it, with
    /// the reason. See [`split`] for the rules.
    fn guard(
        &self,
        guard: &split::RecordFile,
        node: &str,
        taken: &[String],
        wrong: &[Fault],
    ) -> Result<(), Failure> {
        let names = taken.join(", ");
        let others = match cluster::peers(node, self.deadline.at) {
            Peers::None | Peers::Here => {
                self.forget_split(guard, node);
                return Ok(());
            }
            Peers::Away(others) => {
                // Safely down (fenced, or stopped cleanly): nobody else can move it.
                let proof: Result<Vec<String>, String> = others
                    .iter()
                    .map(|o| cluster::safely_down(o, self.deadline.at))
                    .collect();
                match proof {
                    Ok(hows) => {
                        log::warn(&format!(
                            "{}: the relay of {names} moved while node {node} is alone, with nobody to move it (a berofos that restarted into its power-up mode): taking it back",
                            hows.join("; ")
                        ));
                        return Ok(());
                    }
                    Err(why) => {
                        log::info(&format!(
                            "the other node is not in node {node}'s partition and not known to be down ({why})"
                        ));
                        others
                    }
                }
            }
            Peers::Unknown(why) => {
                log::warn(&format!(
                    "cannot tell whether the other node is in node {node}'s partition ({why}):                      the split-brain guard applies"
                ));
                Vec::new()
            }
        };
        let now = split::now();
        let (verdict, record) = split::decide(guard.read(), now, &split::boot_id());
        let written = guard.write(&record);
        match verdict {
            split::Verdict::HoldOff { until } => {
                if let Err(e) = &written {
                    log::warn(e);
                }
                Err(self.split_brain(node, &others, taken, wrong, until.saturating_sub(now)))
            }
            split::Verdict::TakeBack => {
                if let Err(e) = written {
                    // Unrecorded, a take-back would repeat at every monitor.
                    log::error(&format!(
                        "{e}: node {node} does not take the relay of {names} back, since it                          could not remember doing so (is {} full?)",
                        guard.path.parent().map_or("/run".into(), |d| d.display().to_string())
                    ));
                    return Err(Failure::new(
                        OcfExit::DegradedPromoted,
                        format!("{names} moved; not taken back: cannot write the split-brain record ({})", guard.path.display()),
                    ));
                }
                log::warn(&format!(
                    "node {node} cannot see the other node and found the relay of {names} \
                     moved: taking it back (a berofos that restarted into its power-up mode?); \
                     if it moves again within {} min, this is a split brain and node {node} \
                     leaves it for {} min",
                    split::WINDOW.as_secs() / 60,
                    split::backoff(record.strikes + 1).as_secs() / 60
                ));
                Ok(())
            }
        }
    }

    /// Forgets the split-brain record when the other node is a member again (or the
    /// cluster has no other node); an unknown membership keeps it.
    pub(super) fn forget_split_if_rejoined(&self, guard: &split::RecordFile, node: &str) {
        if guard.exists()
            && matches!(
                cluster::peers(node, self.deadline.at),
                Peers::Here | Peers::None
            )
        {
            self.forget_split(guard, node);
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

    /// The relay keeps moving to a node outside this partition: leave it for `left`
    /// seconds, and say why.
    pub(super) fn split_brain(
        &self,
        node: &str,
        others: &[String],
        taken: &[String],
        wrong: &[Fault],
        left: u64,
    ) -> Failure {
        let other = match others {
            [one] => one.clone(),
            _ => "the other node".to_string(),
        };
        let mins = left.div_ceil(60).max(1);
        for f in wrong {
            log::error(&f.full);
        }
        log::error(&format!(
            "split brain: {other} is not in node {node}'s partition and the relay of {} keeps \
             moving to it (each move drops every call). Node {node} leaves the lines to \
             {other} for {mins} more min, then takes them back once (the waits grow: 10, \
             20, 40 min). Configure fencing (pcs-examples/fencing.sh) so that one node is \
             powered off when the cluster link breaks; once the link is back, the cluster \
             keeps one promoted node and its relays are repaired.",
            taken.join(", ")
        ));
        let names = taken.join(",");
        let mut reason = format!(
            "split brain: {other} outside this partition keeps taking {names}; taking back in {mins} min; configure fencing"
        );
        if reason.len() > EXIT_REASON_MAX {
            reason = format!(
                "split brain: {other} outside this partition keeps taking the relays; taking back in {mins} min; configure fencing"
            );
        }
        Failure::new(OcfExit::DegradedPromoted, reason)
    }
}
