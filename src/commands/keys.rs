//! `keys`: the settings table – name, type, access, meaning.

use super::output::Output;

/// The table is [`crate::settings::SETTINGS`]; the renderer shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table;

pub fn run() -> Output {
    Output::Keys(Table)
}
