//! promote: every selected berofos to this node's mode, at once, read back.

use super::agent::{select, Agent, NODE_NAME_HINT};
use super::cluster::{self, Peers};
use super::exit_reason::{broken_fault, reason, Fault};
use super::params::Params;
use super::split;
use super::state::State;
use super::{mode_for, Failure, OcfExit, Outcome};
use crate::http::Http;
use crate::lock::Purpose;
use crate::log;
use crate::relay::{self, Mode};
use crate::select::Selection;

impl Agent {
    pub(super) fn promote(&self) -> Outcome {
        if self.state()?.is_none() {
            return Err(Failure::new(
                OcfExit::NotRunning,
                "promote asked of an instance that is not started",
            ));
        }
        let p = Params::from_env()?;
        // A node without the file while another has one cannot switch the lines.
        self.refuse_without_file(&p)?;
        // The lines first: nothing may delay the switch.
        let switched = match select(&p).map_err(|e| Failure::new(OcfExit::ErrGeneric, e))? {
            None => {
                log::info(crate::config::NOT_CONFIGURED);
                Ok(None)
            }
            // The node's name decides the direction: never switch on a guess.
            Some(sel) => match self.node_name() {
                Ok(node) if self.held_off(&node) => Ok(None),
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
        let _ = self.set_score(&p);
        let switched = switched?;
        self.record(State::Promoted)?;
        match switched {
            Some((node, mode)) => log::info(&format!("promoted on node {node}: {}", mode.holder())),
            None => log::info("promoted"),
        }
        Ok(OcfExit::Success)
    }

    /// Whether a split-brain hold-off forbids switching now (see [`super::split`]):
    /// the record says so and the other node is neither a member nor known to be
    /// down. The promote then succeeds without a write; the promoted monitor says why
    /// (191) and takes the relays back when the hold-off ends. A record of a healed
    /// partition is forgotten here.
    fn held_off(&self, node: &str) -> bool {
        let guard = self.split_record();
        let Some(r) = guard.read() else {
            return false;
        };
        let (now, boot) = (split::now(), split::boot_id());
        if !split::holds_off(&r, now, &boot) {
            self.forget_split_if_rejoined(&guard, node);
            return false;
        }
        let others = match cluster::peers(node, self.deadline.at) {
            Peers::None | Peers::Here => {
                self.forget_split(&guard, node);
                return false;
            }
            Peers::Away(o) => o,
            Peers::Unknown(_) => Vec::new(),
        };
        if !others.is_empty()
            && others
                .iter()
                .all(|o| cluster::safely_down(o, self.deadline.at).is_ok())
        {
            return false;
        }
        log::warn(&format!(
            "promoted on node {node} without switching: a split brain is held off for {} more min (the relay keeps moving to a node outside this partition); the promoted monitor takes the lines back when it ends",
            (r.until() - now).div_ceil(60)
        ));
        true
    }

    /// Every selected berofos to `mode`, in parallel, read back; fails naming each one
    /// that did not make it (those that did stay switched).
    pub(super) fn switch(&self, p: &Params, mode: Mode, sel: Selection) -> Result<(), Failure> {
        let deadline = self.deadline();
        let generic = |e: String| Failure::new(OcfExit::ErrGeneric, e);
        let http = Http::new().map_err(|pr| generic(pr.describe("")))?;
        let total = sel.devices.len() + sel.broken.len();
        let results = relay::switch_all(
            &http,
            &sel.devices,
            mode,
            p.timeout,
            deadline,
            true,
            (Purpose::short("ocf:xivo:berofos"), deadline.at),
        );
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
}
