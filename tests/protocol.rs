//! The client's protocol tables held against the simulator's, and both against
//! docs/protocol.md.
//!
//! `berofos-sim` is written from docs/protocol.md with its own settings table and
//! GBL4 codec; it never reads the client's. So a wrong query or `config.txt` key in
//! the client's `SETTINGS` (or in the simulator's) makes `set` land on no setting, or
//! on another one, and `get` read another key: the tests below fail, where they could
//! not while the simulator answered from the client's own table. The simulator's
//! table is held to the page by its own unit test (`sim/src/proto/settings.rs`); the
//! client's is held to the page here.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use xivo_berofos::settings::{Kind, Setting, SETTINGS};

/// A device's settings as the simulator holds them, by name.
fn settings_of(sim: &Sim, k: usize) -> BTreeMap<String, String> {
    let st = sim.state(k);
    st["settings"]
        .as_object()
        .unwrap_or_else(|| panic!("no settings in the state of device {k}: {st}"))
        .iter()
        .map(|(n, v)| (n.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect()
}

/// The settings that differ between two snapshots.
fn changed(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> BTreeSet<String> {
    a.keys()
        .chain(b.keys())
        .filter(|n| a.get(*n) != b.get(*n))
        .cloned()
        .collect()
}

/// A value of the setting's type that differs from `now`, as the client takes it and
/// as the device then shows it.
fn another_value(s: &Setting, now: &str) -> String {
    match s.kind {
        Kind::Bool if now == "1" => "0".into(),
        Kind::Bool => "1".into(),
        Kind::Addr => "10.20.30.40".into(),
        Kind::Host => "fos-test.lan".into(),
        Kind::Port => "4321".into(),
        // A blank and a '&': the value is percent-encoded on the way.
        Kind::Text => "relay & co".into(),
        Kind::Password => "n&w pass:1".into(),
        Kind::Number => (now.parse::<u32>().unwrap_or(0) + 7).to_string(),
        Kind::Action => String::new(),
    }
}

/// What else a setting may change on a device besides itself.
fn follows(name: &str) -> &'static [&'static str] {
    match name {
        // docs/protocol.md §4: the watchdog restarts or stops with `wdog`.
        "wdog" => &["wdogstate", "wdogrtime"],
        _ => &[],
    }
}

/// Every setting of the client's table, each on a berofos of its own: `set`, then
/// `get`, checked against what the simulator holds.
#[test]
fn every_setting_of_the_client_sets_and_reads_back_on_the_simulator() {
    let sim = Sim::start(SETTINGS.len(), &["--login", "all=admin:secret"]);
    for (i, s) in SETTINGS.iter().enumerate() {
        let k = i + 1;
        let dev = format!("fos{k}");
        let before = settings_of(&sim, k);
        let state_before = sim.state(k);
        let value = another_value(s, before.get(s.name).map_or("", String::as_str));
        let requests_before = sim.http_requests(k).len();

        if s.writable() {
            let mut cmd = sim.cmd();
            match s.kind {
                // As an admin types it: asked for, never in argv.
                Kind::Password => cmd
                    .args(["set", s.name, "-f", &dev])
                    .write_stdin(format!("{value}\n")),
                Kind::Action => cmd.args(["set", s.name, "-f", &dev]),
                _ => cmd.args(["set", &format!("{}={value}", s.name), "-f", &dev]),
            };
            let out = cmd.output().expect("run set");
            assert!(
                out.status.success(),
                "set {} on {dev}: {}",
                s.name,
                stderr_of(&out)
            );
            let writes: Vec<Value> = sim.http_requests(k)[requests_before..]
                .iter()
                .filter(|r| r["applied"] != Value::Null)
                .cloned()
                .collect();
            assert_eq!(writes.len(), 1, "set {}: {writes:?}", s.name);
            assert_eq!(
                writes[0]["applied"], true,
                "set {}: the simulator found no setting in the request {} (docs/protocol.md §1.3)",
                s.name, writes[0]["query"]
            );
        } else {
            // Read only: the client refuses before asking the device; the control
            // port puts the value there instead.
            let out = sim
                .cmd()
                .args(["set", &format!("{}={value}", s.name), "-f", &dev])
                .output()
                .expect("run set");
            assert_eq!(out.status.code(), Some(2), "set {}", s.name);
            assert_eq!(
                sim.http_requests(k).len(),
                requests_before,
                "set {}",
                s.name
            );
            let st = sim.control(&format!("/set?device={k}&name={}&value={value}", s.name));
            assert_eq!(st["settings"][s.name], value.as_str(), "{st}");
        }

        let after = settings_of(&sim, k);
        let state_after = sim.state(k);
        let moved = changed(&before, &after);
        match s.kind {
            Kind::Password => {
                assert!(moved.is_empty(), "apwd changed {moved:?}");
                assert_eq!(state_after["password"], value.as_str());
            }
            Kind::Action => {
                assert!(moved.is_empty(), "{} changed {moved:?}", s.name);
                assert_eq!(
                    state_after["smtp_tests"].as_u64(),
                    state_before["smtp_tests"].as_u64().map(|n| n + 1),
                    "{}",
                    s.name
                );
            }
            _ => {
                // This setting, under its own name, and nothing but what follows it.
                assert_eq!(after[s.name], value, "{} on the simulator", s.name);
                let allowed: BTreeSet<String> = std::iter::once(s.name)
                    .chain(follows(s.name).iter().copied())
                    .map(String::from)
                    .collect();
                assert!(
                    moved.is_subset(&allowed),
                    "set {} changed {moved:?} on the simulator",
                    s.name
                );
            }
        }

        let out = sim
            .cmd()
            .args(["get", s.name, "-f", &dev])
            .output()
            .expect("run get");
        if s.readable() {
            assert!(out.status.success(), "get {}: {}", s.name, stderr_of(&out));
            assert_eq!(
                stdout_of(&out).trim_end_matches('\n'),
                value.trim(),
                "get {} reads {} of config.txt",
                s.name,
                s.key.unwrap_or_default()
            );
        } else {
            assert_eq!(out.status.code(), Some(2), "get {} is set only", s.name);
        }
    }
}

/// `show` reads every setting under the key the simulator writes it, each with a value
/// of its own so that two swapped keys cannot hide behind equal values.
#[test]
fn show_reads_every_setting_the_simulator_reports() {
    let sim = Sim::start(1, &[]);
    let mut want = BTreeMap::new();
    for (i, s) in SETTINGS.iter().filter(|s| s.readable()).enumerate() {
        let value = match s.kind {
            // Password protection stays off: this configuration has no login.
            Kind::Bool if s.name == "pwd" => "0".to_string(),
            Kind::Bool => ["0", "1"][i % 2].to_string(),
            Kind::Addr => format!("10.0.0.{}", i + 1),
            Kind::Host => format!("host{i}"),
            Kind::Port | Kind::Number => (1000 + i).to_string(),
            Kind::Text => format!("text {i}"),
            Kind::Password | Kind::Action => unreachable!("{} is readable", s.name),
        };
        let st = sim.control(&format!(
            "/set?device=1&name={}&value={}",
            s.name,
            value.replace(' ', "%20")
        ));
        assert_eq!(st["settings"][s.name], value.as_str(), "{st}");
        want.insert(s.name.to_string(), value);
    }
    // The simulator's state is taken once everything is set: `wdog` moves others.
    let held = settings_of(&sim, 1);
    let out = sim
        .cmd()
        .args(["--json", "show", "-f", "fos1"])
        .output()
        .expect("run show");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let shown: Value = serde_json::from_str(&stdout_of(&out)).expect("show --json");
    for name in want.keys() {
        assert_eq!(
            shown["settings"][name].as_str(),
            Some(held[name].as_str()),
            "show: {name}"
        );
    }
    // Booleans alternate, so every key of a group of check boxes reads its own value.
    let bools: Vec<&str> = SETTINGS
        .iter()
        .filter(|s| s.readable() && s.kind == Kind::Bool && s.name != "wdog")
        .map(|s| s.name)
        .collect();
    for name in bools {
        assert_eq!(held[name], want[name], "{name} kept its value");
    }
}

/// The rows of the table of docs/protocol.md §1.3: name, type, set query, key (read
/// by the simulator's crate, whose own table is checked against the same rows).
fn rows_of_the_page() -> Vec<[String; 4]> {
    let rows = berofos_sim::proto::settings::table_of_the_page(include_str!("../docs/protocol.md"));
    assert!(!rows.is_empty(), "docs/protocol.md has a §1.3 table");
    rows
}

#[test]
fn the_clients_table_is_the_one_of_the_page() {
    let letter = |k: Kind| match k {
        Kind::Bool => "b",
        Kind::Addr => "a",
        Kind::Host => "h",
        Kind::Port => "p",
        Kind::Text => "s",
        Kind::Password => "d",
        Kind::Action | Kind::Number => "—",
    };
    let ours: Vec<[String; 4]> = SETTINGS
        .iter()
        .map(|s| {
            let set = match (s.set_query, s.kind) {
                (None, _) => "—".to_string(),
                (Some(q), Kind::Action) => q.to_string(),
                // The client keeps the query up to the value: `cmd=4&mode=`.
                (Some(q), _) => format!("{q}V"),
            };
            [
                s.name.to_string(),
                letter(s.kind).to_string(),
                set,
                s.key.unwrap_or("—").to_string(),
            ]
        })
        .collect();
    let page = rows_of_the_page();
    assert_eq!(page.len(), 30, "{page:?}");
    assert_eq!(ours, page);
}

/// The client's GBL4 side (scan, ping, kick, find, flash, reset) against the
/// simulator's.
#[test]
fn the_clients_gbl4_works_against_the_simulator() {
    use xivo_berofos::gbl4::{Firmware, Gbl4};
    use xivo_berofos::mac::Mac;
    let sim = Sim::start(2, &["--fault", "2=flash", "--reset-delay-ms", "20"]);
    let client = Gbl4 {
        port: sim.udp_port,
        timeout: Duration::from_millis(500),
        cancel: xivo_berofos::signals::Cancel::never(),
    };
    let ip = |k| sim.host(k).parse().expect("an IPv4 host");
    let mac = |k| sim.mac(k).parse::<Mac>().expect("a MAC");
    let found = client.scan(ip(1)).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].mac, mac(1));
    assert_eq!(found[0].http_port, sim.http_port(1));
    assert!(found[0].is_berofos() && !found[0].flash_mode && found[0].dhcp());
    client.ping(ip(1), mac(1)).unwrap();
    client.kick(ip(1), mac(1)).unwrap();
    assert!(client.find(ip(2), mac(2)).unwrap().flash_mode);
    let fw = Firmware::from_bytes(&(0..1500u32).map(|i| i as u8).collect::<Vec<_>>());
    client.flash(ip(2), mac(2), &fw, |_| {}, &|| false).unwrap();
    let st = sim.state(2);
    assert_eq!(st["flash_complete"], true);
    assert_eq!(st["page_count"], 3);
    client.reset(ip(2), mac(2)).unwrap();
}
