//! `keys`: the settings table – name, type, access, meaning.

use super::values::{Output, Table};

pub fn run() -> Output {
    Output::Keys(Table)
}
