//! `setup`: the five HA settings of the XiVO documentation's procedure (wdog=0
//! wdogdef=0 scenario=0 mode=1 modedef=1), then one read-back to prove them.

use super::output::Output;
use super::Ctx;
use crate::cli::Target;
use crate::error::{fold, Problem, Result};
use crate::lock::Purpose;
use crate::log;
use crate::relay::{self, Deadline};
use crate::settings;

pub fn run(ctx: &Ctx, t: &Target) -> Result<Output> {
    let d = ctx.device(t)?;
    let ep = d.endpoint()?;
    let http = ctx.http()?;
    let _lock = ctx.device_lock(&d, Purpose::short("xivo-berofos setup"))?;
    for (name, value) in settings::HA_SETTINGS {
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
    for (name, want) in settings::HA_SETTINGS {
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
    fold(wrong)?;
    log::info(&format!(
        "{}: ready for XiVO HA (watchdog off, fallback scenario, relay and power-up mode 1 (A--B))",
        d.label()
    ));
    Ok(Output::Nothing)
}
