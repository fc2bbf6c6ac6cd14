//! `status`: per berofos, whether it answers, its relay mode and who has the lines,
//! its scenario and watchdog, and the HA settings that differ from the XiVO
//! documentation's.

use super::values::{At, Output, Read, Row, StatusReport as Report};
use super::Ctx;
use crate::cli::Switch;
use crate::device::Device;
use crate::error::{fold, Error, Result, EXIT_CONFIG};
use crate::relay::{self, Deadline, Mode};
use crate::select::Selection;
use crate::settings::{self, ConfigTxt};
use std::time::Duration;

impl Read {
    /// The row of a berofos from its `config.txt`.
    pub fn of(d: &Device, c: &ConfigTxt) -> Read {
        let get = |n: &str| {
            settings::lookup(n)
                .ok()
                .and_then(|s| s.read(c))
                .map(|v| v.into_owned())
        };
        Read {
            device: d.label(),
            sel: d.sel(),
            at: at(d),
            mode: get("mode").as_deref().and_then(Mode::from_bit),
            scenario: get("scenario"),
            wdog: get("wdog"),
            wdogdef: get("wdogdef"),
            modedef: get("modedef"),
            issues: ha_issues(c),
        }
    }
}

fn at(d: &Device) -> At {
    At {
        name: d.name.clone(),
        host: d.host.clone(),
        port: d.port,
    }
}

/// The HA settings of one berofos that differ from the XiVO documentation's (the
/// relay mode is not one: either XiVO may have the lines).
pub fn ha_issues(cfg: &ConfigTxt) -> Vec<String> {
    settings::HA_SETTINGS
        .iter()
        .filter(|(name, _)| *name != "mode")
        .filter_map(|(name, want)| {
            let s = settings::lookup(name).ok()?;
            let got = s
                .read(cfg)
                .map(|v| v.into_owned())
                .unwrap_or_else(|| "?".into());
            (got != *want).then(|| format!("{name}={got} (want {want})"))
        })
        .collect()
}

pub fn run(ctx: &Ctx, sw: &Switch) -> Result<Output> {
    let mut report = Report {
        file: ctx.path().to_path_buf(),
        configured: false,
        rows: Vec::new(),
        broken: Vec::new(),
    };
    let cfg = ctx.load()?;
    let Some(Selection { devices, broken }) = ctx.select(cfg.as_ref(), &sw.sections)? else {
        return Ok(Output::Status(report));
    };
    report.configured = true;
    let deadline = Deadline::after(ctx.timeout + Duration::from_millis(500), ctx.cancel);
    let results = relay::read_all(&ctx.http()?, &devices, ctx.timeout, deadline);
    let mut unreadable = Vec::new();
    for (d, r) in devices.iter().zip(results) {
        report.rows.push(match r {
            Ok(c) => Row::Read(Read::of(d, &c)),
            Err(e) => {
                let why = match &e {
                    Error::Device { who, problem } => problem.describe(&who.sel),
                    other => other.to_string(),
                };
                let row = Row::Unreadable {
                    device: d.label(),
                    at: at(d),
                    why,
                    error: e.to_string(),
                };
                unreadable.push(e);
                row
            }
        });
    }
    let mut errors = Vec::new();
    for b in &broken {
        report.broken.push((b.section().to_string(), b.error()));
        errors.push(b.error());
    }
    let failure = if errors.iter().any(|e| e.exit_code() == EXIT_CONFIG) {
        Some(Error::Config(format!(
            "some sections of {} are broken (see above)",
            ctx.path().display()
        )))
    } else {
        // Each unreadable berofos again on stderr, with its name, host and what to do.
        unreadable.extend(errors);
        fold(unreadable).err()
    };
    Ok(Output::Status(report).failing(failure))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device() -> Device {
        Device {
            name: Some("fos1".into()),
            host: Some("10.34.1.50".into()),
            port: 80,
            login: None,
            mac: None,
            origin: None,
        }
    }

    #[test]
    fn a_row_from_config_txt() {
        let c = ConfigTxt::parse(
            "bnfos_confmap_magic=0.1\n4_mode=\n1_sz=checked\n6_wen=checked\n2_wen=\n1_rm=checked\n",
        )
        .unwrap();
        let r = Read::of(&device(), &c);
        assert_eq!(r.device, "fos1 (10.34.1.50)");
        assert_eq!(r.sel, "-f fos1");
        assert_eq!(r.mode, Some(Mode::Slave));
        assert_eq!(
            (
                r.scenario.as_deref(),
                r.wdog.as_deref(),
                r.modedef.as_deref()
            ),
            (Some("1"), Some("1"), Some("1"))
        );
        // The relay mode is not an HA issue: either XiVO may have the lines.
        assert_eq!(r.issues, ["wdog=1 (want 0)", "scenario=1 (want 0)"]);
        let seed = ConfigTxt::parse(
            "bnfos_confmap_magic=0.1\n4_mode=checked\n1_sz=\n6_wen=\n2_wen=\n1_rm=checked\n",
        )
        .unwrap();
        let r = Read::of(&device(), &seed);
        assert_eq!((r.mode, r.issues.len()), (Some(Mode::Master), 0));
        // A berofos that reports nothing: unknown, and every HA setting named.
        let empty = ConfigTxt::parse("bnfos_confmap_magic=0.1\n").unwrap();
        let r = Read::of(&device(), &empty);
        assert_eq!(r.mode, None);
        assert_eq!(r.issues.len(), 4, "{:?}", r.issues);
    }
}
