//! `flash FILE`: write a firmware to a berofos in flash mode, with a progress bar.

use super::values::Output;
use super::Ctx;
use crate::cli::Target;
use crate::error::{Error, Result};
use crate::gbl4;
use crate::lock::Purpose;
use crate::log;
use std::io::IsTerminal;
use std::path::Path;

/// The firmware of `file`, checked before any device is asked.
fn firmware(file: &Path) -> Result<gbl4::Firmware> {
    let data = std::fs::read(file).map_err(|e| {
        Error::Usage(format!(
            "cannot read the firmware file {}: {e}",
            file.display()
        ))
    })?;
    if data.is_empty() {
        return Err(Error::Usage(format!(
            "the firmware file {} is empty – download it again",
            file.display()
        )));
    }
    if data.len() > usize::from(u16::MAX) * gbl4::PAGE {
        return Err(Error::Usage(format!(
            "the firmware file {} is too large for a berofos",
            file.display()
        )));
    }
    Ok(gbl4::Firmware::from_bytes(&data))
}

pub fn run(ctx: &Ctx, file: &Path, t: &Target) -> Result<Output> {
    let fw = firmware(file)?;
    let u = ctx.gbl4_device(ctx.selector(t)?)?;
    let d = &u.device;
    let _lock = ctx.device_lock(d, Purpose::long("xivo-berofos flash"))?;
    u.need_mode(true)?;
    log::info(&format!(
        "{}: flashing {} ({} pages)",
        d.label(),
        file.display(),
        fw.pages.len()
    ));
    let bar = if std::io::stderr().is_terminal() && !ctx.quiet {
        let b = indicatif::ProgressBar::new(fw.pages.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} pages ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.set_message(d.label());
        Some(b)
    } else {
        None
    };
    let r = u.udp.flash(
        u.dest,
        u.mac,
        &fw,
        |n| {
            if let Some(b) = &bar {
                b.set_position(n as u64)
            }
        },
        &|| ctx.cancel.is_set(),
    );
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    r.map_err(|p| d.fail(p))?;
    log::info(&format!(
        "{}: firmware written – power-cycle the berofos in operational mode",
        d.label()
    ));
    Ok(Output::Nothing)
}
