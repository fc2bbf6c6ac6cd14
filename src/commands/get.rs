//! `get KEY`: one setting, read from the berofos's `config.txt`.

use super::values::Output;
use super::Ctx;
use crate::cli::Target;
use crate::device::Device;
use crate::error::{Error, Problem, Result};
use crate::relay::{self, Deadline};
use crate::settings::{self, ConfigTxt, SETTINGS};

/// Reads one berofos's settings (for `get`, `show`).
pub(super) fn read_one(ctx: &Ctx, t: &Target) -> Result<(Device, ConfigTxt)> {
    let d = ctx.device(t)?;
    let cfg = relay::read(
        &ctx.http()?,
        &d,
        ctx.timeout,
        Deadline::after(ctx.timeout * 2, ctx.cancel),
    )?;
    Ok((d, cfg))
}

pub fn run(ctx: &Ctx, key: &str, t: &Target) -> Result<Output> {
    let setting = settings::lookup(key)?;
    if !setting.readable() {
        return Err(Error::Usage(format!(
            "'{}' is set only and cannot be read back; readable settings: {}",
            setting.name,
            SETTINGS
                .iter()
                .filter(|s| s.readable())
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let (d, cfg) = read_one(ctx, t)?;
    let value = setting.read(&cfg).ok_or_else(|| {
        d.fail(Problem::BadAnswer(format!(
            "the berofos did not report {} ({})",
            setting.name,
            setting.key.unwrap_or("")
        )))
    })?;
    Ok(Output::Value {
        device: d.label(),
        name: setting.name,
        value: value.into_owned(),
    })
}
