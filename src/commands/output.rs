//! What the commands print: one place turns each command's value into text for a
//! person or into JSON (`--json`), so the commands never print and the shapes are
//! tested here, without a berofos.

use super::values::{Answer, Output, Row};
use crate::error::Error;
use crate::gbl4::NetConf;
use crate::relay::Mode;
use crate::settings::{self, SETTINGS};
use serde_json::{json, Value};

/// How the admin asked for the output.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub json: bool,
    /// `-q`: a scan's list is not printed (errors still go to stderr).
    pub quiet: bool,
}

/// The text for stdout (with its last newline), or nothing; and the error the command
/// ends with, if any.
pub fn render(out: Output, style: Style) -> (Option<String>, Option<Error>) {
    match out {
        Output::Failed(inner, e) => (render(*inner, style).0, Some(e)),
        Output::Scan(_) if style.quiet && !style.json => (None, None),
        // A command without a JSON form (ping, kick) prints what a person reads.
        out if style.json => (
            json_of(&out).map(|v| pretty(&v)).or_else(|| human(&out)),
            None,
        ),
        out => (human(&out), None),
    }
}

fn pretty(v: &Value) -> String {
    format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default())
}

fn lines(v: impl IntoIterator<Item = String>) -> Option<String> {
    let text: String = v.into_iter().map(|l| l + "\n").collect();
    (!text.is_empty()).then_some(text)
}

/// For a person.
fn human(out: &Output) -> Option<String> {
    match out {
        Output::Nothing | Output::Failed(..) => None,
        Output::Status(r) if !r.configured => Some(format!(
            "berofos is not configured ({} does not exist)\n",
            r.file.display()
        )),
        Output::Status(r) => lines(
            r.rows
                .iter()
                .map(status_line)
                .chain(r.broken.iter().map(|(_, e)| e.to_string())),
        ),
        Output::Scan(r) => lines(r.found.iter().map(scan_line)),
        Output::Value { value, .. } => Some(format!("{value}\n")),
        Output::Show(s) => lines(std::iter::once(format!("{}:", s.device)).chain(
            s.all.iter().map(|(s, v)| {
                format!(
                    "  {:<10} {:<16} {}",
                    s.name,
                    v.as_deref().unwrap_or("(not reported)"),
                    s.help
                )
            }),
        )),
        Output::Ping(a) => Some(ping_line(a)),
        Output::Keys(_) => Some(settings::keys_help()),
    }
}

/// For a program (`--json`); `None` where a command has no JSON form.
fn json_of(out: &Output) -> Option<Value> {
    Some(match out {
        Output::Nothing | Output::Failed(..) | Output::Ping(_) => return None,
        Output::Status(r) if !r.configured => json!({"configured": false, "devices": []}),
        Output::Status(r) => json!({
            "configured": true,
            "devices": r.rows.iter().map(status_json).chain(r.broken.iter().map(|(name, e)| {
                json!({"name": name, "reachable": false, "error": e.to_string()})
            })).collect::<Vec<_>>(),
        }),
        Output::Scan(r) => {
            let devices: Vec<Value> = r.found.iter().map(netconf_json).collect();
            match &r.merged {
                None => json!(devices),
                Some(m) => json!({"file": m.file, "changes": m.changes, "devices": devices}),
            }
        }
        Output::Value {
            device,
            name,
            value,
        } => json!({"device": device, "name": name, "value": value}),
        Output::Show(s) => {
            let map: serde_json::Map<_, _> = s
                .all
                .iter()
                .map(|(s, v)| (s.name.to_string(), json!(v)))
                .collect();
            json!({"device": s.device, "settings": map})
        }
        Output::Keys(_) => json!(SETTINGS
            .iter()
            .map(|s| json!({"name": s.name, "type": s.kind.describe(), "readable": s.readable(), "writable": s.writable(), "help": s.help}))
            .collect::<Vec<_>>()),
    })
}

fn ping_line(a: &Answer) -> String {
    let what = if a.kick {
        "watchdog kicked"
    } else {
        "answered"
    };
    format!("{}: {what} in {:.1} ms\n", a.device, a.ms)
}

fn status_line(row: &Row) -> String {
    match row {
        Row::Unreadable { device, why, .. } => format!("{device}: unreachable – {why}"),
        Row::Read(r) => {
            let relay = r.mode.map_or("relay mode unknown".to_string(), |m| {
                format!("relay {}: {}", m.describe(), m.holder())
            });
            let scenario = match r.scenario.as_deref() {
                Some("0") => "fallback",
                Some("1") => "bypass",
                _ => "unknown",
            };
            let wdog = match r.wdog.as_deref() {
                Some("0") => "off",
                Some("1") => "on",
                _ => "unknown",
            };
            let ha = if r.issues.is_empty() {
                "HA settings ok".to_string()
            } else {
                format!(
                    "HA settings differ: {} – fix with: xivo-berofos setup {}",
                    r.issues.join(", "),
                    r.sel
                )
            };
            format!(
                "{}: {relay}; scenario {scenario}; watchdog {wdog}; {ha}",
                r.device
            )
        }
    }
}

fn status_json(row: &Row) -> Value {
    match row {
        Row::Unreadable { at, error, .. } => json!({
            "name": at.name, "host": at.host, "port": at.port, "reachable": false, "error": error,
        }),
        Row::Read(r) => json!({
            "name": r.at.name, "host": r.at.host, "port": r.at.port, "reachable": true,
            "mode": r.mode.map(Mode::number),
            "lines": r.mode.map(|m| match m { Mode::Master => "master", Mode::Slave => "slave" }),
            "scenario": r.scenario, "wdog": r.wdog, "wdogdef": r.wdogdef,
            "modedef": r.modedef, "ha_issues": r.issues, "error": null,
        }),
    }
}

fn scan_line(n: &NetConf) -> String {
    format!(
        "{}  {:<15} mask {:<15} gw {:<15} port {:<5} firmware {}.{} {} dhcp {} {}",
        n.mac,
        n.ip,
        n.netmask,
        n.gateway,
        n.http_port,
        n.firmware.0,
        n.firmware.1,
        if n.flash_mode {
            "FLASH MODE"
        } else {
            "operational"
        },
        if n.dhcp() { "on" } else { "off" },
        n.link()
    )
}

fn netconf_json(n: &NetConf) -> Value {
    json!({
        "mac": n.mac.to_string(), "ip": n.ip.to_string(), "netmask": n.netmask.to_string(),
        "gateway": n.gateway.to_string(), "http_port": n.http_port,
        "firmware": format!("{}.{}", n.firmware.0, n.firmware.1),
        "bootloader": format!("{}.{}", n.bootloader.0, n.bootloader.1),
        "flash_mode": n.flash_mode, "dhcp": n.dhcp(), "auth": n.auth(), "link": n.link(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::values::{At, Merged, Read, ScanReport, Settings, StatusReport, Table};
    use crate::error::{Problem, Who};
    use std::net::Ipv4Addr;
    use std::path::PathBuf;

    const PERSON: Style = Style {
        json: false,
        quiet: false,
    };
    const JSON: Style = Style {
        json: true,
        quiet: false,
    };

    fn text(out: Output, style: Style) -> String {
        render(out, style).0.unwrap_or_default()
    }

    fn at(n: u8) -> At {
        At {
            name: Some(format!("fos{n}")),
            host: Some(format!("10.34.1.{n}")),
            port: 80,
        }
    }

    fn read(mode: Option<Mode>, issues: &[&str]) -> Row {
        Row::Read(Read {
            device: "fos1 (10.34.1.1)".into(),
            sel: "-f fos1".into(),
            at: at(1),
            mode,
            scenario: Some("0".into()),
            wdog: Some("1".into()),
            wdogdef: Some("0".into()),
            modedef: Some("1".into()),
            issues: issues.iter().map(|s| s.to_string()).collect(),
        })
    }

    fn report() -> StatusReport {
        let who = Who {
            name: Some("fos2".into()),
            at: Some("10.34.1.2".into()),
            sel: "-f fos2".into(),
        };
        let e = Error::Device {
            who: Box::new(who.clone()),
            problem: Problem::Refused { port: 80 },
        };
        StatusReport {
            file: PathBuf::from("/etc/bnfos.conf"),
            configured: true,
            rows: vec![
                read(Some(Mode::Master), &["wdog=1 (want 0)"]),
                Row::Unreadable {
                    device: who.label(),
                    at: at(2),
                    why: Problem::Refused { port: 80 }.describe(&who.sel),
                    error: e.to_string(),
                },
            ],
            broken: vec![(
                "fos9".into(),
                Error::Usage("no section [fos9] in /etc/bnfos.conf; sections: fos1, fos2".into()),
            )],
        }
    }

    #[test]
    fn status_for_a_person() {
        let t = text(Output::Status(report()), PERSON);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "fos1 (10.34.1.1): relay 1 (A--B): the master XiVO (port B) has the lines; \
             scenario fallback; watchdog on; HA settings differ: wdog=1 (want 0) – fix with: \
             xivo-berofos setup -f fos1"
        );
        assert!(
            lines[1]
                .starts_with("fos2 (10.34.1.2): unreachable – connection refused on HTTP port 80"),
            "{}",
            lines[1]
        );
        assert_eq!(
            lines[2],
            "no section [fos9] in /etc/bnfos.conf; sections: fos1, fos2"
        );
        assert_eq!(lines.len(), 3);
        let ok = text(
            Output::Status(StatusReport {
                rows: vec![read(None, &[])],
                broken: vec![],
                ..report()
            }),
            PERSON,
        );
        assert!(
            ok.contains("relay mode unknown") && ok.ends_with("HA settings ok\n"),
            "{ok}"
        );
        let none = StatusReport {
            configured: false,
            rows: vec![],
            broken: vec![],
            ..report()
        };
        assert_eq!(
            text(Output::Status(none), PERSON),
            "berofos is not configured (/etc/bnfos.conf does not exist)\n"
        );
    }

    #[test]
    fn status_as_json() {
        let v: Value = serde_json::from_str(&text(Output::Status(report()), JSON)).unwrap();
        assert_eq!(v["configured"], true);
        let d = &v["devices"];
        assert_eq!(d[0]["name"], "fos1");
        assert_eq!(d[0]["mode"], 1);
        assert_eq!(d[0]["lines"], "master");
        assert_eq!(d[0]["reachable"], true);
        assert_eq!(d[0]["ha_issues"][0], "wdog=1 (want 0)");
        assert_eq!(d[0]["error"], Value::Null);
        assert_eq!(d[1]["reachable"], false);
        assert!(d[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("fos2 (10.34.1.2): connection refused"));
        assert_eq!(d[2]["name"], "fos9");
        assert_eq!(d[2]["reachable"], false);
        let none = StatusReport {
            configured: false,
            rows: vec![],
            broken: vec![],
            ..report()
        };
        let v: Value = serde_json::from_str(&text(Output::Status(none), JSON)).unwrap();
        assert_eq!(v, json!({"configured": false, "devices": []}));
    }

    #[test]
    fn a_failed_output_is_shown_then_its_error_returned() {
        let e = Error::Config("some sections of /etc/bnfos.conf are broken (see above)".into());
        let (t, failure) = render(Output::Status(report()).failing(Some(e)), JSON);
        assert!(t.unwrap().contains("\"configured\": true"));
        assert_eq!(failure.unwrap().exit_code(), 6);
        let (t, failure) = render(Output::Nothing.failing(None), PERSON);
        assert!(t.is_none() && failure.is_none());
    }

    fn netconf() -> NetConf {
        NetConf {
            mac: "00:19:32:00:12:1D".parse().unwrap(),
            hw_magic: 0,
            bootloader: (1, 2),
            firmware: (1, 53),
            flash_mode: false,
            ip: Ipv4Addr::new(10, 34, 1, 50),
            netmask: Ipv4Addr::new(255, 255, 255, 0),
            gateway: Ipv4Addr::new(10, 34, 1, 1),
            phy_conf: 3,
            phy_state: 0,
            options: crate::gbl4::OPT_DHCP,
            http_port: 80,
        }
    }

    #[test]
    fn scan_for_a_person_quietly_and_as_json() {
        let found = || ScanReport {
            found: vec![netconf()],
            merged: None,
        };
        let t = text(Output::Scan(found()), PERSON);
        assert!(
            t.starts_with("00:19:32:00:12:1D  10.34.1.50      mask 255.255.255.0   gw 10.34.1.1")
                && t.contains("firmware 1.53 operational dhcp on"),
            "{t}"
        );
        let quiet = Style {
            json: false,
            quiet: true,
        };
        assert_eq!(render(Output::Scan(found()), quiet).0, None);
        let v: Value = serde_json::from_str(&text(Output::Scan(found()), JSON)).unwrap();
        assert_eq!(v[0]["mac"], "00:19:32:00:12:1D");
        assert_eq!(v[0]["firmware"], "1.53");
        assert_eq!(v[0]["dhcp"], true);
        let merged = ScanReport {
            merged: Some(Merged {
                file: PathBuf::from("/etc/bnfos.conf"),
                changes: vec!["fos1 (00:19:32:00:12:1D) added, host 10.34.1.50".into()],
            }),
            ..found()
        };
        // --json with -x: one JSON document, even with -q.
        let quiet_json = Style {
            json: true,
            quiet: true,
        };
        let v: Value = serde_json::from_str(&text(Output::Scan(merged), quiet_json)).unwrap();
        assert_eq!(v["file"], "/etc/bnfos.conf");
        assert_eq!(v["devices"][0]["ip"], "10.34.1.50");
        assert_eq!(v["changes"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn get_show_keys_and_ping() {
        let value = || Output::Value {
            device: "fos1 (10.34.1.1)".into(),
            name: "mode",
            value: "1".into(),
        };
        assert_eq!(text(value(), PERSON), "1\n");
        let v: Value = serde_json::from_str(&text(value(), JSON)).unwrap();
        assert_eq!(
            v,
            json!({"device": "fos1 (10.34.1.1)", "name": "mode", "value": "1"})
        );
        let show = || {
            Output::Show(Settings {
                device: "fos1 (10.34.1.1)".into(),
                all: SETTINGS
                    .iter()
                    .map(|s| (s, (s.name == "mode").then(|| "1".to_string())))
                    .collect(),
            })
        };
        let t = text(show(), PERSON);
        assert!(
            t.starts_with("fos1 (10.34.1.1):\n  scenario   (not reported)"),
            "{t}"
        );
        assert!(
            t.contains("\n  mode       1                relay mode"),
            "{t}"
        );
        let v: Value = serde_json::from_str(&text(show(), JSON)).unwrap();
        assert_eq!(v["settings"]["mode"], "1");
        assert_eq!(v["settings"]["scenario"], Value::Null);
        assert_eq!(text(Output::Keys(Table), PERSON), settings::keys_help());
        let v: Value = serde_json::from_str(&text(Output::Keys(Table), JSON)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), SETTINGS.len());
        assert_eq!(v[1]["name"], "mode");
        let ping = |kick| {
            Output::Ping(Answer {
                device: "fos1 (10.34.1.1)".into(),
                kick,
                ms: 1.25,
            })
        };
        assert_eq!(
            text(ping(false), PERSON),
            "fos1 (10.34.1.1): answered in 1.2 ms\n"
        );
        // No JSON form: the same line.
        assert_eq!(
            text(ping(true), JSON),
            "fos1 (10.34.1.1): watchdog kicked in 1.2 ms\n"
        );
        assert_eq!(render(Output::Nothing, JSON).0, None);
    }
}
