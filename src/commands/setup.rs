//! `setup`: the HA settings of the XiVO documentation's procedure (wdog=0 wdogdef=0
//! scenario=0 modedef=1, and mode=1 only with `--relay`), then one read-back to prove
//! them.
//!
//! The relay is left where it is unless the admin says `--relay`: re-run on a live
//! cluster (a replaced unit) with the slave XiVO promoted, a write of mode=1 would move
//! the lines to the master XiVO until the agent's monitor moved them back.

use super::values::Output;
use super::Ctx;
use crate::cli::Setup;
use crate::error::{fold, Problem, Result};
use crate::lock::Purpose;
use crate::log;
use crate::relay::{self, Deadline};
use crate::settings;

/// The settings `setup` writes: the documentation's, without the relay `mode` unless
/// `relay`.
pub fn settings(relay: bool) -> Vec<(&'static str, &'static str)> {
    settings::HA_SETTINGS
        .iter()
        .filter(|(name, _)| relay || *name != "mode")
        .copied()
        .collect()
}

pub fn run(ctx: &Ctx, a: &Setup) -> Result<Output> {
    let d = ctx.device(&a.target)?;
    let ep = d.endpoint()?;
    let http = ctx.http()?;
    let _lock = ctx.device_lock(&d, Purpose::short("xivo-berofos setup"))?;
    let wanted = settings(a.relay);
    for (name, value) in &wanted {
        if ctx.cancel.is_set() {
            return Err(d.fail(Problem::Cancelled(format!(
                "interrupted by a signal before {name} was set – run xivo-berofos setup {} again",
                d.sel()
            ))));
        }
        let s = settings::lookup(name)?;
        http.write(&ep, &s.query(value), ctx.timeout)
            .map_err(|p| d.fail(p))?;
        log::info(&format!("{}: {name} set to {value}", d.label()));
    }
    let cfg = relay::read(
        &http,
        &d,
        ctx.timeout,
        Deadline::after(ctx.timeout * 2, ctx.cancel),
    )?;
    let mut wrong = Vec::new();
    for (name, want) in &wanted {
        let got = settings::lookup(name)?
            .read(&cfg)
            .map(|v| v.into_owned())
            .unwrap_or_else(|| "?".into());
        if got != *want {
            wrong.push(d.fail(Problem::NotApplied {
                setting: name.to_string(),
                want: want.to_string(),
                got,
            }));
        }
    }
    // The read-back proves it is a berofos with a relay, whatever was written.
    let now = relay::mode_of(&d, &cfg)?;
    fold(wrong)?;
    if a.relay {
        log::info(&format!(
            "{}: ready for XiVO HA (watchdog off, fallback scenario, relay and power-up mode 1 (A--B))",
            d.label()
        ));
    } else {
        log::info(&format!(
            "{}: ready for XiVO HA (watchdog off, fallback scenario, power-up mode 1 (A--B)); relay left at {}: {} – setup --relay also moves it to 1 (A--B)",
            d.label(),
            now.describe(),
            now.holder()
        ));
    }
    Ok(Output::Nothing)
}
