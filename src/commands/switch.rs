//! `master` / `slave`: the XiVO HA command – every selected berofos to one relay mode,
//! each read back (exit 1 naming every berofos that did not switch).

use super::values::Output;
use super::{Ctx, LOCK_WAIT};
use crate::cli::Switch;
use crate::error::{fold, Error, Result};
use crate::lock::Purpose;
use crate::log;
use crate::relay::{self, Deadline, Mode};
use crate::select::{Broken, Selection};
use std::time::{Duration, Instant};

pub fn run(ctx: &Ctx, sw: &Switch, mode: Mode) -> Result<Output> {
    let cfg = ctx.load()?;
    let Some(Selection { devices, broken }) = ctx.select(cfg.as_ref(), &sw.sections)? else {
        log::info(crate::config::NOT_CONFIGURED);
        return Ok(Output::Nothing);
    };
    let mut errors: Vec<Error> = broken.iter().map(Broken::error).collect();
    for e in &errors {
        log::error(&e.to_string());
    }
    if !devices.is_empty() {
        // A berofos another process holds is waited for (at most LOCK_WAIT, not at all
        // when it is being flashed) by its own worker: the others switch at once.
        let lock_until = Instant::now() + LOCK_WAIT;
        let deadline = Deadline::after(
            LOCK_WAIT + ctx.timeout + Duration::from_millis(500),
            ctx.cancel,
        );
        let what = match mode {
            Mode::Master => "xivo-berofos master",
            Mode::Slave => "xivo-berofos slave",
        };
        let results = relay::switch_all(
            &ctx.http()?,
            &devices,
            mode,
            ctx.timeout,
            deadline,
            // Read back, as the agent's promote does: a 2xx from something that is
            // not a berofos, or a relay that did not move, is a failure naming it.
            true,
            (Purpose::short(what), lock_until),
        );
        errors.extend(results.into_iter().filter_map(|r| r.err()));
    }
    fold(errors).map(|()| Output::Nothing)
}
