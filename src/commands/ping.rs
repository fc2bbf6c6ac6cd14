//! `ping` (a berofos answers on UDP, in either mode) and `kick` (its watchdog).

use super::values::{Answer, Output};
use super::Ctx;
use crate::cli::Target;
use crate::error::Result;
use std::time::Instant;

pub fn run(ctx: &Ctx, t: &Target, kick: bool) -> Result<Output> {
    let u = ctx.gbl4_device(ctx.selector(t)?)?;
    let d = &u.device;
    let start = Instant::now();
    if kick {
        u.udp.kick(u.dest, u.mac).map_err(|p| d.fail(p))?;
    } else {
        u.udp.ping(u.dest, u.mac).map_err(|p| d.fail(p))?;
    }
    Ok(Output::Ping(Answer {
        device: d.label(),
        kick,
        ms: start.elapsed().as_secs_f64() * 1000.0,
    }))
}
