//! `reset`: erase the settings and firmware of a berofos in flash mode.

use super::values::Output;
use super::Ctx;
use crate::cli::Target;
use crate::error::Result;
use crate::lock::Purpose;
use crate::log;

pub fn run(ctx: &Ctx, t: &Target) -> Result<Output> {
    let u = ctx.gbl4_device(ctx.selector(t)?)?;
    let d = &u.device;
    let _lock = ctx.device_lock(d, Purpose::long("xivo-berofos reset"))?;
    u.need_mode(true)?;
    u.udp.reset(u.dest, u.mac).map_err(|p| d.fail(p))?;
    log::info(&format!(
        "{}: settings and firmware erased – flash a firmware before operational use",
        d.label()
    ));
    Ok(Output::Nothing)
}
