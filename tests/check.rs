//! `xivo-berofos check`, the monitoring plugin, against a real simulator: each state
//! (OK, WARNING, CRITICAL, UNKNOWN) with its exit status, its one status line and its
//! performance data.
//!
//! No cluster here: the check runs with a PATH without Pacemaker's tools, so a
//! cluster that another test runs on this machine is not asked. The comparison with
//! the promoted node is tested under a real Pacemaker (tests/pacemaker.rs, step 1b).

mod common;
use common::*;

/// What one run of the check gave: exit status, its stdout line, stderr.
struct Ran {
    code: i32,
    line: String,
    stderr: String,
}

fn check(sim: &Sim, args: &[&str]) -> Ran {
    let empty = tempfile::tempdir().expect("tempdir");
    let out = sim
        .cmd()
        .env("PATH", empty.path())
        .env_remove("HA_SBIN_DIR")
        .arg("check")
        .args(args)
        .output()
        .expect("run check");
    plugin_output(out)
}

/// The plugin's rules, whatever the state: one line on stdout, `BEROFOS <STATE> - `,
/// never a panic.
fn plugin_output(out: std::process::Output) -> Ran {
    let stdout = stdout_of(&out);
    let stderr = stderr_of(&out);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stdout.lines().count(), 1, "one status line: {stdout:?}");
    assert!(stdout.starts_with("BEROFOS "), "{stdout}");
    Ran {
        code: out.status.code().expect("an exit status, not a signal"),
        line: stdout.trim_end().to_string(),
        stderr,
    }
}

/// A simulator whose berofos are fit for XiVO HA (setup --relay: relay 1).
fn ready_sim() -> Sim {
    let sim = Sim::start(2, &[]);
    for f in ["fos1", "fos2"] {
        sim.cmd()
            .args(["setup", "--relay", "-f", f])
            .assert()
            .success();
    }
    sim
}

/// The performance data of a line (after `|`), as `label=value;...` words.
fn perf(line: &str) -> Vec<String> {
    line.split_once(" | ")
        .map(|(_, p)| p.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// `fos1_time=0.004s;0.5;1;0;3`: the value in seconds, and the rest.
fn time_of(perf: &[String], name: &str) -> (String, String) {
    let w = perf
        .iter()
        .find_map(|w| w.strip_prefix(&format!("{name}_time=")))
        .unwrap_or_else(|| panic!("no {name}_time in {perf:?}"));
    let (value, rest) = w.split_once(';').expect("thresholds after the value");
    (value.to_string(), rest.to_string())
}

#[test]
fn ok_every_berofos_answered_in_time_with_its_relay_and_thresholds() {
    let sim = ready_sim();
    let r = check(&sim, &["-w", "0.5", "-c", "1", "-t", "3"]);
    assert_eq!(r.code, 0, "{} {}", r.line, r.stderr);
    assert!(
        r.line
            .starts_with("BEROFOS OK - fos1 relay 1 (master), answered in "),
        "{}",
        r.line
    );
    assert!(
        r.line.contains("; fos2 relay 1 (master), answered in "),
        "{}",
        r.line
    );
    let p = perf(&r.line);
    for name in ["fos1", "fos2"] {
        let (value, rest) = time_of(&p, name);
        let secs: f64 = value
            .strip_suffix('s')
            .expect("unit s")
            .parse()
            .expect("seconds");
        assert!(secs >= 0.0, "{value}");
        assert_eq!(rest, "0.5;1;0;3", "warn;crit;min;max");
        assert!(p.contains(&format!("{name}_mode=1")), "{p:?}");
    }
    // No cluster answered: no comparison with a promoted node.
    assert!(!r.line.contains("_match="), "{}", r.line);
    assert!(r.stderr.is_empty(), "{}", r.stderr);

    // -f: only that berofos; the relay on the slave side is just as OK.
    sim.cmd().args(["slave", "-f", "fos2"]).assert().success();
    let r = check(&sim, &["-f", "fos2"]);
    assert_eq!(r.code, 0, "{}", r.line);
    assert!(
        r.line
            .starts_with("BEROFOS OK - fos2 relay 0 (slave), answered in "),
        "{}",
        r.line
    );
    assert!(!r.line.contains("fos1"), "{}", r.line);
    assert_eq!(
        time_of(&perf(&r.line), "fos2").1,
        "1;2;0;3",
        "the default thresholds"
    );
    assert!(perf(&r.line).contains(&"fos2_mode=0".to_string()));
}

#[test]
fn warning_a_slow_answer_or_an_ha_setting_off() {
    let sim = ready_sim();
    // At least 300 ms by construction, and far below -c and the request timeout.
    sim.fault("2", "slow:300");
    let r = check(&sim, &["-w", "0.1", "-c", "9", "-t", "10"]);
    assert_eq!(r.code, 1, "{}", r.line);
    assert!(
        r.line
            .starts_with("BEROFOS WARNING - fos2 relay 1 (master), answered in "),
        "{}",
        r.line
    );
    assert!(r.line.contains("(over -w 0.1 s)"), "{}", r.line);
    let (value, _) = time_of(&perf(&r.line), "fos2");
    let secs: f64 = value.trim_end_matches('s').parse().expect("seconds");
    assert!(secs >= 0.3, "{value}");

    // A fresh berofos: watchdog on, power-up mode 0 – the relay flips on its own.
    let fresh = Sim::start(1, &[]);
    let r = check(&fresh, &[]);
    assert_eq!(r.code, 1, "{}", r.line);
    assert!(
        r.line.contains("HA settings off: wdog=1 (want 0)"),
        "{}",
        r.line
    );
    assert!(
        r.line.contains("(xivo-berofos setup -f fos1)"),
        "{}",
        r.line
    );
}

#[test]
fn critical_a_dead_berofos_a_very_slow_one_or_a_broken_section() {
    let sim = ready_sim();
    sim.fault("2", "dead");
    let r = check(&sim, &["-t", "1"]);
    assert_eq!(r.code, 2, "{}", r.line);
    assert!(
        r.line.starts_with("BEROFOS CRITICAL - fos2 (127.0.0.3)"),
        "{}",
        r.line
    );
    assert!(
        r.line.contains("; fos1 relay 1 (master)"),
        "the healthy one too: {}",
        r.line
    );
    let p = perf(&r.line);
    assert!(p.iter().any(|w| w.starts_with("fos2_time=U;")), "{p:?}");
    assert!(p.contains(&"fos2_mode=U".to_string()), "{p:?}");
    assert!(p.contains(&"fos1_mode=1".to_string()), "{p:?}");

    sim.fault("2", "slow:1500");
    let r = check(&sim, &["-w", "0.2", "-c", "1", "-t", "5"]);
    assert_eq!(r.code, 2, "{}", r.line);
    assert!(
        r.line.contains("fos2 relay 1 (master), answered in "),
        "{}",
        r.line
    );
    assert!(r.line.contains("(over -c 1 s)"), "{}", r.line);

    // A section the agent could not switch either.
    sim.fault("2", "none");
    let text = sim.config_text() + "\n[fos3]\nmac = 00:19:32:00:00:03\n";
    sim.write_config(&text);
    let r = check(&sim, &[]);
    assert_eq!(r.code, 2, "{}", r.line);
    assert!(r.line.contains("[fos3] has no host"), "{}", r.line);
}

#[test]
fn unknown_bad_usage_or_no_configuration() {
    let sim = ready_sim();
    for (args, says) in [
        (&["-w", "abc"][..], "'abc' is not a threshold in seconds"),
        (&["-w", "1:2"][..], "ranges like 1:2 are not taken"),
        (&["-w", "2", "-c", "1"][..], "-w 2 is above -c 1"),
        (&["--bogus"][..], "unexpected argument '--bogus'"),
        (&["-c"][..], "a value is required for '--critical <SEC>'"),
        (&["-f", "fos9"][..], "no section [fos9]"),
    ] {
        let r = check(&sim, args);
        assert_eq!(r.code, 3, "{args:?}: {}", r.line);
        assert!(
            r.line.starts_with("BEROFOS UNKNOWN - "),
            "{args:?}: {}",
            r.line
        );
        assert!(r.line.contains(says), "{args:?}: {}", r.line);
    }
    // No file: nothing to check (the other commands call that "not configured").
    let gone = sim.dir.path().join("none.conf");
    let r = check(&sim, &["--config", path_str(&gone)]);
    assert_eq!(r.code, 3, "{}", r.line);
    assert!(r.line.contains("none.conf does not exist"), "{}", r.line);
    // The global -c before the command is still the file.
    let out = std::process::Command::new(BIN)
        .env("PATH", sim.dir.path())
        .args(["-c", path_str(&gone), "check"])
        .output()
        .expect("run");
    let r = plugin_output(out);
    assert_eq!(r.code, 3, "{}", r.line);
    assert!(r.line.contains("none.conf does not exist"), "{}", r.line);
    // A file without any berofos section.
    sim.write_config("# nothing yet\n");
    let r = check(&sim, &[]);
    assert_eq!(r.code, 3, "{}", r.line);
    assert!(r.line.contains("has no berofos section"), "{}", r.line);
}
