//! `ping` (a berofos answers on UDP, in either mode) and `kick` (its watchdog).

use super::output::Output;
use super::Ctx;
use crate::cli::Target;
use crate::error::Result;
use std::time::Instant;

/// A berofos that answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// `fos1 (10.34.1.50)`.
    pub device: String,
    /// `kick` rather than `ping`.
    pub kick: bool,
    /// How long the answer took.
    pub ms: f64,
}

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
