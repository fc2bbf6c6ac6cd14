//! The actions that only keep the state and the score, as in Pacemaker's `Stateful`:
//! validate-all, start, stop, demote, notify, reload-agent. Promote and monitor, the
//! ones that talk to the berofos, have files of their own.

use super::agent::{warn_exposed, Agent};
use super::cluster;
use super::params::{bad_param, Params};
use super::state::State;
use super::{env, Failure, OcfExit, Outcome};
use crate::config::ConfigFile;
use crate::log;
use crate::select::Unselectable;

impl Agent {
    pub(super) fn validate_all(&self) -> Outcome {
        let p = Params::from_env()?;
        self.check_master_node(&p)?;
        match validate_config(&p)? {
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

    pub(super) fn start(&self) -> Outcome {
        if self.state()? == Some(State::Promoted) {
            return Err(Failure::new(
                OcfExit::RunningPromoted,
                "start asked of an instance that is already promoted",
            ));
        }
        let p = Params::from_env()?;
        self.check_master_node(&p)?;
        if p.devices.is_some() && !p.config.exists() {
            // The same check as validate-all: devices are named, so the file must exist.
            validate_config(&p)?;
        }
        self.record(State::Unpromoted)?;
        self.forget_split_episode();
        if let Err(e) = self.set_score(&p) {
            // Without a score nobody is ever promoted (Pacemaker 2.0.5 has no other
            // source): under a cluster that is a failed start, shown by `pcs status`.
            // Without one (ocf-tester, a test machine, no crm_attribute at all) the
            // warning is enough.
            if cluster::find_tool("crm_attribute").is_some()
                && cluster::members(self.deadline.at).is_some()
            {
                return Err(Failure::new(
                    OcfExit::ErrGeneric,
                    format!("{e} – without a promotion score this node is never promoted; check crm_attribute --promotion (Pacemaker >= 2.1) or crm_master (2.0)"),
                ));
            }
        }
        Ok(OcfExit::Success)
    }

    /// Never fails on the state it finds (a failed stop gets the node fenced): a corrupt
    /// state file is removed like any other.
    pub(super) fn stop(&self) -> Outcome {
        match self.state.read() {
            Ok(Some(State::Promoted)) => {
                log::warn("stopping a promoted instance without demote; the relay stays as it is")
            }
            Err(e) => log::warn(&e),
            Ok(_) => {}
        }
        cluster::delete_score(self.deadline.at);
        self.state
            .remove()
            .map_err(|e| Failure::new(OcfExit::ErrGeneric, e))?;
        Ok(OcfExit::Success)
    }

    pub(super) fn demote(&self) -> Outcome {
        if self.state()?.is_none() {
            return Err(Failure::new(
                OcfExit::NotRunning,
                "demote asked of an instance that is not started",
            ));
        }
        // Refresh the score (see promote); bad parameters must not fail a demote.
        match Params::from_env() {
            Ok(p) => {
                let _ = self.set_score(&p);
            }
            Err(f) => log::warn(&f.reason),
        }
        self.record(State::Unpromoted)?;
        self.forget_split_episode();
        log::info("demoted: the relay stays until the other node is promoted");
        Ok(OcfExit::Success)
    }

    pub(super) fn notify(&self) -> Outcome {
        let kind = env("OCF_RESKEY_CRM_meta_notify_type").unwrap_or_else(|| "?".into());
        let op = env("OCF_RESKEY_CRM_meta_notify_operation").unwrap_or_else(|| "?".into());
        log::info(&format!("notify: {kind}-{op}"));
        Ok(OcfExit::Success)
    }

    /// Parameters are read afresh by every call; reloading validates them and, when
    /// running, sets the promotion score again (prefer_master may have changed).
    pub(super) fn reload_agent(&self) -> Outcome {
        let p = Params::from_env()?;
        if let Some(cfg) = validate_config(&p)? {
            warn_exposed(&cfg);
        }
        if self.state()?.is_some() {
            let _ = self.set_score(&p);
        }
        Ok(OcfExit::Success)
    }
}

/// Checks the configuration file against the parameters, with the selection every
/// action uses ([`crate::select`]): 0, 6 (the file cannot be read, has no section,
/// or a selected section has an error or no host), 2 (`devices` names a missing
/// section), 5 (`devices` is set, so the file must exist, and it does not).
fn validate_config(p: &Params) -> Result<Option<ConfigFile>, Failure> {
    let cfg = ConfigFile::load(&p.config)
        .map_err(|e| Failure::new(OcfExit::ErrConfigured, e.to_string()))?;
    let sel = match crate::select::select(&p.config, cfg.as_ref(), p.names()) {
        Ok(sel) => sel,
        Err(u @ Unselectable::NoFile { .. }) => {
            return Err(Failure::new(OcfExit::ErrInstalled, u.to_string()))
        }
        Err(u @ Unselectable::NoSection { .. }) => {
            return Err(Failure::new(OcfExit::ErrConfigured, u.to_string()))
        }
    };
    let Some(sel) = sel else { return Ok(None) };
    let messages = |unknown: bool| {
        sel.broken
            .iter()
            .filter(|b| b.is_unknown() == unknown)
            .map(|b| b.error().to_string())
            .collect::<Vec<_>>()
    };
    let unknown = messages(true);
    if !unknown.is_empty() {
        return Err(bad_param(format!(
            "parameter devices: {}",
            unknown.join("; ")
        )));
    }
    let errors = messages(false);
    if !errors.is_empty() {
        return Err(Failure::new(OcfExit::ErrConfigured, errors.join("; ")));
    }
    Ok(cfg)
}
