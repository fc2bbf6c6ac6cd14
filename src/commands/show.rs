//! `show`: every setting of a berofos, with its meaning.

use super::values::{Output, Settings};
use super::Ctx;
use crate::cli::Target;
use crate::error::Result;

pub fn run(ctx: &Ctx, t: &Target) -> Result<Output> {
    let (d, cfg) = super::get::read_one(ctx, t)?;
    Ok(Output::Show(Settings {
        device: d.label(),
        all: cfg.all(),
    }))
}
