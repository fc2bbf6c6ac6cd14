//! `show`: every setting of a berofos, with its meaning.

use super::output::Output;
use super::Ctx;
use crate::cli::Target;
use crate::error::Result;
use crate::settings::Setting;

/// Every setting of one berofos, in the table's order (`None`: not reported).
#[derive(Debug)]
pub struct Settings {
    /// `fos1 (10.34.1.50)`.
    pub device: String,
    pub all: Vec<(&'static Setting, Option<String>)>,
}

pub fn run(ctx: &Ctx, t: &Target) -> Result<Output> {
    let (d, cfg) = super::get::read_one(ctx, t)?;
    Ok(Output::Show(Settings {
        device: d.label(),
        all: cfg.all(),
    }))
}
