//! `set KEY=VALUE`: one setting, checked against the settings table before any
//! request; `set apwd` asks for the password (never in argv).

use super::values::Output;
use super::{read_secret, Ctx};
use crate::cli::Target;
use crate::error::{Error, Result};
use crate::lock::Purpose;
use crate::log;
use crate::settings::{self, Kind, Setting};
use std::io::IsTerminal;

/// The setting and its value, checked: `mode=1`, `apwd` (asked), `smtptest`.
fn assignment(text: &str) -> Result<(&'static Setting, String)> {
    let (key, value) = match text.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (text, None),
    };
    let setting = settings::lookup(key)?;
    let value = match (value, setting.kind) {
        (Some(v), Kind::Password) => {
            log::warn("a password on the command line is visible to other users (ps); `set apwd` without a value asks for it");
            v.to_string()
        }
        (Some(v), _) => v.to_string(),
        (None, Kind::Action) => String::new(),
        (None, Kind::Password) => {
            let p = read_secret("new admin password: ")?;
            if std::io::stdin().is_terminal() && read_secret("again: ")? != p {
                return Err(Error::Usage(
                    "the two passwords differ – nothing was changed".into(),
                ));
            }
            p
        }
        (None, _) => {
            return Err(Error::Usage(format!(
                "set needs KEY=VALUE, like {}=1; {} takes {}",
                setting.name,
                setting.name,
                setting.kind.describe()
            )))
        }
    };
    let checked = setting.check_value(&value)?;
    Ok((setting, checked))
}

pub fn run(ctx: &Ctx, text: &str, t: &Target) -> Result<Output> {
    let (setting, checked) = assignment(text)?;
    let d = ctx.device(t)?;
    let ep = d.endpoint()?;
    let _lock = ctx.device_lock(&d, Purpose::short("xivo-berofos set"))?;
    ctx.http()?
        .write(&ep, &setting.query(&checked), ctx.timeout)
        .map_err(|p| d.fail(p))?;
    match setting.kind {
        Kind::Password => log::info(&format!(
            "{}: admin password changed – put login = admin:<password> in {} of {} before pwd=1",
            d.label(),
            d.name
                .as_deref()
                .map_or("its section".to_string(), |n| format!("[{n}]")),
            ctx.path().display()
        )),
        Kind::Action => log::info(&format!("{}: {} done", d.label(), setting.name)),
        _ => log::info(&format!("{}: {} set to {checked}", d.label(), setting.name)),
    }
    if setting.name == "pwd" && checked == "1" && d.login.is_none() {
        log::warn(&format!(
            "{} now asks for a password but its section has no login: add login = admin:<password>, or the HA switching will fail",
            d.label()
        ));
    }
    Ok(Output::Nothing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_are_checked_before_any_request() {
        let (s, v) = assignment("mode=yes").unwrap();
        assert_eq!((s.name, v.as_str()), ("mode", "1"));
        assert_eq!(assignment("smtptest").unwrap().1, "");
        for (bad, word) in [
            ("mode=2", "0 or 1"),
            ("mode", "set needs KEY=VALUE"),
            ("nosuch=1", "valid settings"),
        ] {
            let e = assignment(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.to_string().contains(word), "{bad}: {e}");
        }
    }
}
