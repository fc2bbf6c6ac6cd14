//! The admin commands against a real simulator over real sockets.

mod common;
use common::*;
use predicates::prelude::*;
use std::time::{Duration, Instant};

fn write_queries(sim: &Sim, k: usize) -> Vec<String> {
    sim.http_requests(k)
        .iter()
        .filter(|r| r["path"] == "/" && r["query"].as_str().is_some_and(|q| q.starts_with("cmd=")))
        .map(|r| r["query"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn master_and_slave_switch_every_berofos_with_one_write_and_one_read_back_each() {
    let sim = Sim::start(2, &[]);
    let out = sim
        .cmd()
        .arg("master")
        .assert()
        .success()
        .get_output()
        .clone();
    let err = stderr_of(&out);
    assert!(
        err.contains("setting berofos relay mode to 1 (A--B) for fos1 (127.0.0.2)"),
        "{err}"
    );
    assert!(err.contains("for fos2 (127.0.0.3)"), "{err}");
    assert_eq!((sim.mode(1).as_str(), sim.mode(2).as_str()), ("1", "1"));
    assert_eq!(write_queries(&sim, 1), vec!["cmd=4&mode=1"]);
    let paths = |k| -> Vec<String> {
        sim.http_requests(k)
            .iter()
            .map(|r| r["path"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(
        paths(2),
        ["/", "/config.txt"],
        "the write, then the read-back"
    );

    sim.cmd()
        .arg("slave")
        .assert()
        .success()
        .stderr(predicate::str::contains("relay mode to 0 (A--D) for fos1"));
    assert_eq!((sim.mode(1).as_str(), sim.mode(2).as_str()), ("0", "0"));
    // -q: errors only.
    sim.cmd()
        .args(["-q", "master"])
        .assert()
        .success()
        .stderr("");
}

#[test]
fn without_config_master_and_slave_do_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("absent.conf");
    for cmd in ["master", "slave"] {
        assert_cmd::Command::new(BIN)
            .args(["-c", path_str(&conf), cmd])
            .assert()
            .success()
            .stderr(predicate::str::contains(
                "berofos is not configured -- doing nothing",
            ));
    }
    assert!(!conf.exists());
}

/// Section names match ignoring case, as the vendor's bnfos matches them: `-f FOS1`
/// is `[fos1]`, for the one-berofos commands and for master/slave (once, not twice).
#[test]
fn section_names_match_ignoring_case() {
    let sim = Sim::start(1, &[]);
    sim.cmd()
        .args(["slave", "-f", "FOS1", "-f", "fos1"])
        .assert()
        .success();
    assert_eq!(sim.mode(1), "0");
    let writes = sim.http_requests(1).len();
    sim.cmd()
        .args(["get", "mode", "-f", "Fos1"])
        .assert()
        .success()
        .stdout("0\n");
    assert_eq!(sim.http_requests(1).len(), writes + 1, "one read, no write");
}

/// One selection (src/select.rs, README "Which berofos"): every berofos that can be
/// switched is, each one that cannot is named; naming sections of a missing file is an
/// error, not "not configured".
#[test]
fn switch_what_can_be_switched_and_name_the_rest() {
    let sim = Sim::start(1, &[]);
    sim.cmd().args(["slave", "-f", "fos1"]).assert().success();
    assert_eq!(sim.mode(1), "0");
    sim.cmd()
        .args(["master", "-f", "fos1", "-f", "fos9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no section [fos9]"));
    assert_eq!(sim.mode(1), "1", "the known berofos is switched");
    let out = sim
        .cmd()
        .args(["status", "-f", "fos1", "-f", "fos9"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let text = stdout_of(&out);
    assert!(
        text.contains("fos1 (") && text.contains("no section [fos9]"),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("absent.conf");
    assert_cmd::Command::new(BIN)
        .args(["-c", path_str(&conf), "master", "-f", "fos1"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains(
            "does not exist, so [fos1] names no berofos",
        ));
}

#[test]
fn a_dead_and_a_hung_berofos_do_not_stop_the_others() {
    let sim = Sim::start(3, &["--fault", "2=dead", "--fault", "3=hang"]);
    let start = Instant::now();
    let out = sim
        .cmd()
        .args(["-t", "1", "master"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let elapsed = start.elapsed();
    let err = stderr_of(&out);
    assert_eq!(sim.mode(1), "1", "the healthy one is switched");
    assert!(
        err.contains("fos2 (127.0.0.3): connection refused"),
        "{err}"
    );
    assert!(
        err.contains("fos3 (127.0.0.4): no answer within 1 s"),
        "{err}"
    );
    assert!(err.contains("xivo-berofos ping -f fos3"), "{err}");
    // Bounded: the hung one costs its timeout once, not per device.
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn http_faults_are_named() {
    let sim = Sim::start(1, &["--fault", "1=http500"]);
    sim.cmd()
        .arg("master")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "fos1 (127.0.0.2): the berofos answered HTTP 500",
        ));
    sim.fault("1", "deny");
    sim.cmd()
        .arg("master")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("asks for a password (HTTP 401)"));
    sim.fault("1", "garbage");
    sim.cmd()
        .args(["get", "mode", "-f", "fos1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no valid configuration information",
        ));
    sim.fault("1", "crlf");
    sim.cmd()
        .args(["get", "mode", "-f", "fos1"])
        .assert()
        .success()
        .stdout("0\n");
    sim.fault("1", "slow:300");
    sim.cmd()
        .args(["-t", "5", "get", "mode", "-f", "fos1"])
        .assert()
        .success();
    sim.cmd()
        .args(["-t", "0.1", "get", "mode", "-f", "fos1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no answer within 0.1 s"));
}

#[test]
fn login_is_sent_when_asked_then_reused_and_never_shown() {
    let password = "se&cr:et#;\\x";
    let sim = Sim::start(1, &["--login", &format!("all=admin:{password}")]);
    assert!(sim
        .config_text()
        .contains(&format!("login = admin:{password}")));
    let out = sim
        .cmd()
        .args(["-v", "master"])
        .assert()
        .success()
        .get_output()
        .clone();
    // As the vendor's client: the write without credentials, its 401, the write with
    // Basic, then the read-back with Basic at once (remembered for this berofos).
    let reqs = sim.http_requests(1);
    assert_eq!(reqs.len(), 3, "{reqs:?}");
    assert_eq!(reqs[0]["authorization"], serde_json::Value::Null);
    assert_eq!(reqs[0]["status"], 401);
    for r in &reqs[1..] {
        assert!(r["authorization"]
            .as_str()
            .unwrap_or("")
            .starts_with("Basic "));
        assert_eq!(r["status"], 200);
    }
    for text in [stderr_of(&out), stdout_of(&out)] {
        assert!(!text.contains("se&cr") && !text.contains("cr:et"), "{text}");
    }
    // A wrong login is named as such, without the password.
    sim.write_config(&sim.config_text().replace(password, "wrong"));
    let out = sim
        .cmd()
        .arg("master")
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(stderr_of(&out).contains("login refused (HTTP 401)"));
    assert!(!stderr_of(&out).contains("wrong"));
}

#[test]
fn digest_challenge_is_answered() {
    let sim = Sim::start(1, &["--login", "all=admin:pw", "--auth", "digest"]);
    sim.cmd().arg("master").assert().success();
    assert_eq!(sim.mode(1), "1");
    // The write: a 401 challenge, then the Digest answer; the read-back answers the
    // same challenge again (next nonce count) at once.
    let reqs = sim.http_requests(1);
    assert_eq!(reqs.len(), 3, "{reqs:?}");
    assert_eq!(reqs[0]["status"], 401);
    for r in [&reqs[1], &reqs[2]] {
        assert!(r["authorization"]
            .as_str()
            .unwrap_or("")
            .starts_with("Digest "));
        assert_eq!(r["status"], 200);
    }
}

#[test]
fn status_reports_relay_and_ha_settings() {
    let sim = Sim::start(2, &["--fault", "2=dead", "--device-mode", "1=1"]);
    let out = sim
        .cmd()
        .arg("status")
        .assert()
        .code(1)
        .get_output()
        .clone();
    let text = stdout_of(&out);
    assert!(
        text.contains("fos1 (127.0.0.2): relay 1 (A--B): the master XiVO (port B) has the lines"),
        "{text}"
    );
    assert!(
        text.contains(
            "HA settings differ: wdog=1 (want 0), wdogdef=1 (want 0), modedef=0 (want 1)"
        ),
        "{text}"
    );
    assert!(text.contains("fos2 (127.0.0.3): unreachable"), "{text}");
    let out = sim
        .cmd()
        .args(["--json", "status"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(v["devices"][0]["mode"], 1);
    assert_eq!(v["devices"][0]["lines"], "master");
    assert_eq!(v["devices"][1]["reachable"], false);
    sim.fault("2", "none");
    sim.cmd().args(["setup", "-f", "fos1"]).assert().success();
    sim.cmd().args(["setup", "-f", "fos2"]).assert().success();
    sim.cmd()
        .arg("status")
        .assert()
        .success()
        .stdout(predicate::str::contains("HA settings ok"));
}

/// On a live cluster the relay belongs to the promoted node's agent: `setup` (a
/// replaced unit, a re-run) writes the four other settings and leaves the relay where
/// it is, and says so; `--relay` is the admin's word to move it too (issue 14, item 4).
#[test]
fn setup_keeps_the_lines_where_they_are_unless_told_relay() {
    let sim = Sim::start(1, &["--device-mode", "all=0"]);
    sim.cmd()
        .args(["setup", "-f", "fos1"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "ready for XiVO HA (watchdog off, fallback scenario, power-up mode 1 (A--B)); relay left at 0 (A--D): the slave XiVO (port D) has the lines – setup --relay also moves it to 1 (A--B)",
        ));
    assert_eq!(
        write_queries(&sim, 1),
        vec!["cmd=6&wen=0", "cmd=2&wen=0", "cmd=1&sz=0", "cmd=1&rm=1"],
        "no write of the relay mode"
    );
    assert_eq!(sim.mode(1), "0", "the relay did not move");
    assert!(sim.http_requests(1).last().unwrap()["path"] == "/config.txt");
    let st = sim.state(1);
    for (k, v) in [
        ("wdog", "0"),
        ("wdogdef", "0"),
        ("scenario", "0"),
        ("modedef", "1"),
    ] {
        assert_eq!(st["settings"][k], v, "{k}");
    }
}

#[test]
fn setup_relay_writes_the_five_settings_then_reads_back() {
    let sim = Sim::start(1, &["--device-mode", "all=0"]);
    sim.cmd()
        .args(["setup", "--relay", "-f", "fos1"])
        .assert()
        .success()
        .stderr(predicate::str::contains("ready for XiVO HA"));
    assert_eq!(
        write_queries(&sim, 1),
        vec![
            "cmd=6&wen=0",
            "cmd=2&wen=0",
            "cmd=1&sz=0",
            "cmd=4&mode=1",
            "cmd=1&rm=1"
        ]
    );
    assert!(sim.http_requests(1).last().unwrap()["path"] == "/config.txt");
    let st = sim.state(1);
    for (k, v) in [
        ("wdog", "0"),
        ("wdogdef", "0"),
        ("scenario", "0"),
        ("mode", "1"),
        ("modedef", "1"),
    ] {
        assert_eq!(st["settings"][k], v, "{k}");
    }
}

/// A stand-in for what is not a berofos, or not a working one, at a berofos's
/// address: it answers 200 to every request, with `config` for `/config.txt` (and a
/// plain page for everything else). Serves until the test ends.
fn stand_in(config: Option<String>) -> u16 {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut c in l.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let n = c.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]);
            let body = match &config {
                Some(cfg) if req.starts_with("GET /config.txt") => cfg.clone(),
                _ => "<html><body>Welcome to the printer</body></html>".to_string(),
            };
            let _ = write!(
                c,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// `master`/`slave` read back what they wrote, as the agent's promote does: a 2xx
/// from something that is not a berofos, or a relay that did not move, is exit 1
/// naming that berofos; the real one beside it is switched (issue 14, item 4).
#[test]
fn master_reads_back_and_names_what_did_not_switch() {
    let sim = Sim::start(1, &["--device-mode", "all=0"]);
    // A real berofos's config.txt, frozen at relay 0: writes are answered 200 and
    // change nothing.
    let (_, frozen) = http_get(
        (sim.host(1).as_str(), sim.http_port(1)),
        "/config.txt",
        None,
    )
    .unwrap();
    let printer = stand_in(None);
    let stuck = stand_in(Some(frozen));
    let conf = format!(
        "{}\n[printer]\nhost = 127.0.0.1\nport = {printer}\n\n[stuck]\nhost = 127.0.0.1\nport = {stuck}\n",
        sim.config_text()
    );
    sim.write_config(&conf);
    let out = sim
        .cmd()
        .arg("master")
        .assert()
        .code(1)
        .get_output()
        .clone();
    let err = stderr_of(&out);
    assert!(
        err.contains("printer (127.0.0.1): no valid configuration information in config.txt"),
        "{err}"
    );
    assert!(
        err.contains("stuck (127.0.0.1): relay mode reads back as 0 (A--D) after setting 1 (A--B)"),
        "{err}"
    );
    assert_eq!(
        sim.mode(1),
        "1",
        "the berofos beside them was switched: {err}"
    );
    assert!(!err.contains("): fos1"), "{err}");
}

#[test]
fn set_get_show_keys() {
    let sim = Sim::start(1, &[]);
    sim.cmd()
        .args(["set", "mode=yes", "-f", "fos1"])
        .assert()
        .success();
    sim.cmd()
        .args(["get", "mode", "-f", "fos1"])
        .assert()
        .success()
        .stdout("1\n");
    sim.cmd()
        .args([
            "set",
            "power2=0",
            "-h",
            &sim.host(1),
            "-p",
            &sim.http_port(1).to_string(),
        ])
        .assert()
        .success();
    assert_eq!(write_queries(&sim, 1).last().unwrap(), "cmd=5&p=1&s=0");
    sim.cmd()
        .args(["set", "smtptest", "-f", "fos1"])
        .assert()
        .success();
    assert_eq!(write_queries(&sim, 1).last().unwrap(), "cmd=7");
    sim.cmd()
        .args(["set", "smtpto=a&b@x.org", "-f", "fos1"])
        .assert()
        .success();
    assert_eq!(
        write_queries(&sim, 1).last().unwrap(),
        "cmd=2&mto=a%26b%40x.org"
    );
    let out = sim
        .cmd()
        .args(["--json", "get", "smtpto", "-f", "fos1"])
        .assert()
        .success()
        .get_output()
        .clone();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(v["value"], "a&b@x.org");
    sim.cmd()
        .args(["show", "-f", "fos1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("wdogitime"));
    let out = sim
        .cmd()
        .args(["--json", "show", "-f", "fos1"])
        .assert()
        .success()
        .get_output()
        .clone();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(v["settings"]["mode"], "1");
    sim.cmd()
        .arg("keys")
        .assert()
        .success()
        .stdout(predicate::str::contains("apwd").and(predicate::str::contains("set only")));
}

#[test]
fn apwd_from_stdin_is_encoded_and_never_echoed() {
    let sim = Sim::start(1, &[]);
    let out = sim
        .cmd()
        .args(["set", "apwd", "-f", "fos1"])
        .write_stdin("se&cret\n")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(write_queries(&sim, 1), vec!["cmd=3&apwd=se%26cret"]);
    assert!(!stderr_of(&out).contains("se&cret") && !stdout_of(&out).contains("se&cret"));
    assert!(stderr_of(&out).contains("login = admin:<password>"));
}

#[test]
fn bad_values_are_refused_before_any_request() {
    let sim = Sim::start(1, &[]);
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["set", "nosuch=1", "-f", "fos1"],
            2,
            "valid settings: scenario, mode",
        ),
        (&["set", "mode=2", "-f", "fos1"], 2, "expected 0 or 1"),
        (
            &["set", "apwd=0123456789abcdef", "-f", "fos1"],
            2,
            "1 to 15 printable ASCII characters",
        ),
        (
            &["set", "address=10.0.0.300", "-f", "fos1"],
            2,
            "IPv4 address",
        ),
        (&["set", "port=70000", "-f", "fos1"], 2, "1 to 65535"),
        (&["set", "wdogstate=1", "-f", "fos1"], 2, "read only"),
        (&["set", "mode", "-f", "fos1"], 2, "set needs KEY=VALUE"),
        (&["get", "apwd", "-f", "fos1"], 2, "set only"),
        (&["get", "mode", "-f", "fos9"], 2, "no section [fos9]"),
        (
            &["get", "mode", "-f", "fos1", "-m", "00:19:32:00:00:01"],
            2,
            "cannot be combined",
        ),
        (
            &["get", "mode", "-m", "00:19:32:00:00"],
            2,
            "not a MAC address",
        ),
        (&["get", "mode"], 2, "no berofos given"),
        (&["master", "-f", "fos7"], 2, "no section [fos7]"),
    ];
    let before = sim.config_text();
    for (args, code, msg) in cases {
        sim.cmd()
            .args(*args)
            .assert()
            .code(*code)
            .stderr(predicate::str::contains(*msg));
    }
    assert!(sim.http_requests(1).is_empty(), "no request for bad input");
    assert_eq!(
        sim.config_text(),
        before,
        "the file is never changed by bad input"
    );
}

#[test]
fn bad_config_files_exit_6_naming_section_and_line() {
    let sim = Sim::start(1, &[]);
    let good = sim.config_text();
    sim.write_config(&format!(
        "{good}[fos2]\nmac = 00:19:32:zz:00:02\nhost = 127.0.0.3\n"
    ));
    let out = sim
        .cmd()
        .arg("master")
        .assert()
        .code(6)
        .get_output()
        .clone();
    let err = stderr_of(&out);
    assert!(
        err.contains("[fos2]") && err.contains("not a MAC address"),
        "{err}"
    );
    assert!(
        err.contains(&format!("bnfos.conf:{}", good.lines().count() + 2)),
        "line number: {err}"
    );
    assert_eq!(sim.mode(1), "1", "the good section is still switched");
    // A section without host, for an HTTP command.
    sim.write_config("[fos1]\nmac = 00:19:32:00:00:01\n;host = 0.0.0.0\n");
    sim.cmd()
        .args(["get", "mode", "-f", "fos1"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("has no host"));
    // Unknown keys only warn.
    sim.write_config(&format!("{good}colour = blue\n"));
    sim.cmd()
        .arg("master")
        .assert()
        .success()
        .stderr(predicate::str::contains("unknown key 'colour'"));
    // Unreadable (a folder) and empty files.
    assert_cmd::Command::new(BIN)
        .args(["-c", path_str(sim.dir.path()), "master"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("cannot read"));
    sim.write_config("");
    sim.cmd()
        .arg("master")
        .assert()
        .code(6)
        .stderr(predicate::str::contains("no berofos section"));
}

/// A scan answer can come from anyone on the LAN: `scan -x` moves a section that has a
/// login only with `--update-hosts`, and says which one it left; a berofos on another
/// HTTP port than 80 gets a port line, with a warning that the vendor's bnfos stops there.
#[test]
fn scan_x_moves_a_section_with_a_login_only_when_told() {
    let sim = Sim::start(1, &[]);
    sim.write_config(&format!(
        "[fos1]\nmac = {}\nhost = 127.0.0.9\nlogin = admin:pw\n",
        sim.mac(1)
    ));
    let out = sim
        .cmd()
        .args(["scan", "-x", "-h", &sim.host(1)])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = stderr_of(&out);
    assert!(
        sim.config_text().contains("host = 127.0.0.9\n"),
        "{}",
        sim.config_text()
    );
    assert!(
        err.contains("fos1 (")
            && err.contains("host kept at 127.0.0.9")
            && err.contains("--update-hosts"),
        "{err}"
    );
    assert!(
        err.contains("the vendor's bnfos stops reading the file"),
        "{err}"
    );
    sim.cmd()
        .args(["scan", "-x", "--update-hosts", "-h", &sim.host(1)])
        .assert()
        .success();
    assert!(
        sim.config_text().contains("host = 127.0.0.2\n"),
        "{}",
        sim.config_text()
    );
    assert!(sim.config_text().contains("login = admin:pw\n"));
    // --update-hosts means nothing without -x.
    sim.cmd()
        .args(["scan", "--update-hosts", "-h", &sim.host(1)])
        .assert()
        .code(2);
}

#[test]
fn scan_finds_and_merges_without_losing_anything() {
    let sim = Sim::start(2, &[]);
    std::fs::remove_file(&sim.config).unwrap();
    sim.cmd()
        .args(["scan", "-h", &sim.host(1)])
        .assert()
        .success()
        .stdout(predicate::str::contains(sim.mac(1)));
    assert!(!sim.config.exists(), "scan without -x writes nothing");
    sim.cmd()
        .args(["scan", "-x", "-h", &sim.host(2)])
        .assert()
        .success();
    let text = sim.config_text();
    assert!(
        text.contains(&format!(
            "[fos1]\nmac = {}\nhost = 127.0.0.3\nport = {}\n",
            sim.mac(2),
            sim.http_port(2)
        )),
        "{text}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&sim.config).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The admin renames it and adds a login; a new scan keeps both and adds the other.
    sim.write_config(&format!(
        "# lines A-B\n{}",
        text.replace("[fos1]", "[east]")
            .replace("#login = <user>:<password>", "login = admin:p#;\\")
    ));
    sim.cmd()
        .args(["scan", "-x", "-h", &sim.host(1)])
        .assert()
        .success();
    sim.cmd()
        .args(["scan", "-x", "-h", &sim.host(2)])
        .assert()
        .success();
    let text = sim.config_text();
    assert!(text.starts_with("# lines A-B\n[east]\n"), "{text}");
    assert!(text.contains("login = admin:p#;\\\n"), "{text}");
    assert!(
        text.contains(&format!("[fos1]\nmac = {}\nhost = 127.0.0.2\n", sim.mac(1))),
        "{text}"
    );
    assert_eq!(
        text.matches("[fos").count() + text.matches("[east]").count(),
        2,
        "{text}"
    );
    let out = sim
        .cmd()
        .args(["--json", "scan", "-h", &sim.host(1)])
        .assert()
        .success()
        .get_output()
        .clone();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(v[0]["mac"], sim.mac(1));
}

#[test]
fn scan_that_finds_nothing_leaves_the_file_untouched() {
    let sim = Sim::start(1, &["--fault", "1=dead"]);
    let before = std::fs::metadata(&sim.config).unwrap().modified().unwrap();
    let text = sim.config_text();
    sim.cmd()
        .args(["-t", "0.3", "scan", "-x", "-h", &sim.host(1)])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("no berofos answered")
                .and(predicate::str::contains("was left as it was")),
        );
    assert_eq!(sim.config_text(), text);
    assert_eq!(
        std::fs::metadata(&sim.config).unwrap().modified().unwrap(),
        before
    );
    let leftovers: Vec<_> = std::fs::read_dir(sim.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".bnfos"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn ping_kick_and_udp_loss() {
    let sim = Sim::start(1, &[]);
    sim.cmd()
        .args(["ping", "-f", "fos1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("answered in"));
    sim.cmd()
        .args(["kick", "-f", "fos1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("watchdog kicked"));
    sim.cmd()
        .args(["ping", "-h", &sim.host(1)])
        .assert()
        .success();
    // One lost datagram costs a resend after the vendor's 3 s wait, not the command.
    let before = sim.requests().len();
    sim.fault("1", "udp-drop:1");
    sim.cmd()
        .args(["-t", "3.5", "ping", "-f", "fos1"])
        .assert()
        .success();
    let pings: Vec<_> = sim.requests()[before..]
        .iter()
        .filter(|r| r["face"] == "gbl4" && r["cmd"] == 9)
        .cloned()
        .collect();
    assert_eq!(pings.len(), 2, "one lost, one resent: {pings:?}");
    assert_eq!(pings[0]["dropped"], true);
    // Every try lost: the command fails and says what to try.
    sim.fault("1", "udp-drop:3");
    sim.cmd()
        .args(["-t", "0.3", "ping", "-f", "fos1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "fos1 (127.0.0.2): no answer within 0.3 s",
        ));
}

#[test]
fn netconf_needs_flash_mode() {
    // The seed's step, word for word.
    const SEED: [&str; 11] = [
        "netconf",
        "-f",
        "fos1",
        "-i",
        "10.34.1.20",
        "-n",
        "255.255.255.0",
        "-g",
        "10.34.1.1",
        "-d",
        "0",
    ];
    let sim = Sim::start(1, &[]);
    sim.cmd().args(SEED).assert().code(1).stderr(
        predicate::str::contains("operational mode").and(predicate::str::contains("black button")),
    );
    sim.fault("1", "flash");
    sim.cmd()
        .args(SEED)
        .assert()
        .success()
        .stderr(predicate::str::contains("set host = 10.34.1.20 in [fos1]"));
    let st = sim.state(1);
    assert_eq!(st["settings"]["address"], "10.34.1.20");
    assert_eq!(st["settings"]["gateway"], "10.34.1.1");
    assert_eq!(st["settings"]["dhcp"], "0");
}

#[test]
fn flash_checks_mode_file_and_resends_lost_pages() {
    let sim = Sim::start(1, &[]);
    let fw = sim.dir.path().join("bnfos_v153.bin");
    let empty = sim.dir.path().join("empty.bin");
    std::fs::write(&fw, (0..5000u32).map(|i| (i * 7) as u8).collect::<Vec<_>>()).unwrap();
    std::fs::write(&empty, b"").unwrap();
    sim.cmd()
        .args(["flash", path_str(&empty), "-f", "fos1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is empty"));
    sim.cmd()
        .args(["flash", "/nonexistent.bin", "-f", "fos1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the firmware"));
    sim.cmd()
        .args(["flash", path_str(&fw), "-f", "fos1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("operational mode"));
    sim.fault("1", "flash");
    sim.cmd()
        .args(["-t", "0.5", "flash", path_str(&fw), "-f", "fos1"])
        .assert()
        .success();
    let st = sim.state(1);
    assert_eq!(
        st["pages_received"]
            .as_u64()
            .or(st["flash"]["pages_received"].as_u64()),
        Some(10),
        "{st}"
    );
    // A lost page is sent again.
    sim.fault("1", "flash+udp-drop:1");
    sim.control("/power-cycle?device=1&flash=1");
    let before = sim.requests().len();
    sim.cmd()
        .args(["-t", "0.3", "flash", path_str(&fw), "-f", "fos1"])
        .assert()
        .success();
    let sent = sim.requests()[before..]
        .iter()
        .filter(|r| r["face"] == "gbl4" && r["cmd"] == 4)
        .count();
    assert!(sent >= 10, "{sent}");
}

#[test]
fn reset_only_in_flash_mode() {
    let sim = Sim::start(1, &[]);
    sim.cmd()
        .args(["reset", "-f", "fos1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("operational mode"));
    sim.fault("1", "flash");
    sim.cmd()
        .args(["reset", "-f", "fos1"])
        .assert()
        .success()
        .stderr(predicate::str::contains("erased"));
}

#[test]
fn help_and_host_flag() {
    assert_cmd::Command::new(BIN)
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("relay mode"));
    // -h is the host, never help.
    assert_cmd::Command::new(BIN)
        .args(["get", "mode", "-h"])
        .assert()
        .code(2);
    assert_cmd::Command::new(BIN)
        .arg("frobnicate")
        .assert()
        .code(2);
}

#[test]
fn syslog_gets_every_switch_and_failure_without_passwords() {
    use std::os::unix::net::UnixDatagram;
    let sim = Sim::start(
        2,
        &["--login", "all=admin:Sup3rSecret", "--fault", "2=http500"],
    );
    let sock_path = sim.dir.path().join("syslog.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    sim.cmd()
        .env("XIVO_BEROFOS_SYSLOG_SOCKET", &sock_path)
        .args(["--syslog", "-v", "master"])
        .assert()
        .code(1);
    let mut lines = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = sock.recv(&mut buf) {
        lines.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        sock.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
    }
    let all = lines.join("\n");
    assert!(all.contains("xivo-berofos"), "{all}");
    assert!(
        all.contains("setting berofos relay mode to 1 (A--B) for fos1 (127.0.0.2)"),
        "{all}"
    );
    assert!(
        all.contains("fos2 (127.0.0.3): the berofos answered HTTP 500"),
        "{all}"
    );
    // Facility daemon (3) and priority info (6) = <30>.
    assert!(lines.iter().any(|l| l.starts_with("<30>")), "{all}");
    assert!(!all.contains("Sup3rSecret"), "{all}");
}

#[test]
fn set_help_lists_the_settings_table() {
    assert_cmd::Command::new(BIN)
        .args(["set", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("wdogdef").and(predicate::str::contains("set only")));
}

#[test]
fn a_lock_file_planted_as_a_symlink_is_refused() {
    let sim = Sim::start(1, &[]);
    let target = sim.dir.path().join("victim");
    std::fs::write(&target, "keep me\n").unwrap();
    std::os::unix::fs::symlink(&target, &sim.device_lock_paths(1)[0]).unwrap();
    sim.cmd()
        .arg("master")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot open the lock file"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    assert_eq!(sim.mode(1), "0", "nothing switched without the lock");
}

/// Runs `cmd` with its stdout (and, with `close_stderr`, its stderr) a pipe whose
/// reader has already gone, as in `xivo-berofos status | head -n 1`.
fn with_closed_output(mut cmd: std::process::Command, close_stderr: bool) -> std::process::Output {
    use std::process::Stdio;
    let (reader, writer) = nix::unistd::pipe().unwrap();
    drop(reader);
    let err = if close_stderr {
        Stdio::from(writer.try_clone().unwrap())
    } else {
        Stdio::piped()
    };
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::from(writer))
        .stderr(err)
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
            panic!("process {pid} did not end within 30 s")
        })
        .unwrap()
}

/// Every command ends quietly when its output is closed, as ripgrep does: exit 0
/// when there was nothing else to report, never a panic (exit 101, "Broken pipe").
#[test]
fn closed_output_ends_quietly() {
    let sim = Sim::start(2, &[]);
    for args in [
        &["status"][..],
        &["--json", "status"],
        &["keys"],
        &["show", "-f", "fos1"],
        &["get", "mode", "-f", "fos1"],
        &["ocf", "meta-data"],
        &["ocf", "usage"],
        &["generate", "completion", "bash"],
    ] {
        let mut c = sim.std_cmd();
        c.args(args);
        let out = with_closed_output(c, false);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr_of(&out));
        assert_eq!(stderr_of(&out), "", "{args:?}");
    }
    // stderr closed too, and a berofos that fails: the logs are lost, the work and
    // its exit code are not (no panic halfway through the switch).
    sim.fault("2", "dead");
    let mut c = sim.std_cmd();
    c.arg("master");
    let out = with_closed_output(c, true);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(sim.mode(1), "1", "master still switched the healthy one");
}

/// A duplicate section: the warning says the second one is ignored, and it is (it
/// used to fail the command as a section called `[fos1#dup4]`).
#[test]
fn a_duplicate_section_is_ignored_as_the_warning_says() {
    let sim = Sim::start(2, &[]);
    let text = sim.config_text();
    let first_line = text.lines().position(|l| l == "[fos1]").unwrap() + 1;
    let dup_line = text.lines().count() + 2;
    sim.write_config(&format!("{text}\n[fos1]\nhost = 127.0.0.99\nport = 1\n"));
    let out = sim
        .cmd()
        .arg("master")
        .assert()
        .success()
        .get_output()
        .clone();
    let err = stderr_of(&out);
    let warning =
        format!("section [fos1] appears twice (lines {first_line} and {dup_line}); the second one is ignored");
    assert_eq!(err.matches(&warning).count(), 1, "{err}");
    assert!(
        !err.contains("#dup") && !err.contains("127.0.0.99"),
        "{err}"
    );
    assert_eq!((sim.mode(1), sim.mode(2)), ("1".into(), "1".into()));
    let out = sim
        .cmd()
        .arg("status")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(stdout_of(&out).lines().count(), 2, "{}", stdout_of(&out));
}

/// A bnfos.conf with a login that other users can read is named, with the fix, as ssh
/// does for a private key; at 0600, or without a login, nothing is said.
#[test]
fn a_login_other_users_can_read_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let sim = Sim::start(1, &["--login", "all=admin:s3cret"]);
    let chmod =
        |m: u32| std::fs::set_permissions(&sim.config, std::fs::Permissions::from_mode(m)).unwrap();
    let conf = path_str(&sim.config);
    let warning = format!(
        "warning: {conf} holds a login and other users can read it (mode 0644) – its passwords are exposed: chmod 600 {conf}"
    );
    chmod(0o644);
    for cmd in ["master", "status"] {
        let out = sim.cmd().arg(cmd).assert().success().get_output().clone();
        let err = stderr_of(&out);
        assert_eq!(err.matches(&warning).count(), 1, "{cmd}: {err}");
        assert!(!err.contains("s3cret"), "{err}");
    }
    chmod(0o600);
    let out = sim
        .cmd()
        .arg("master")
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(!stderr_of(&out).contains("other users can read"));
    // No login in the file: nothing to hide.
    let text = sim
        .config_text()
        .replace("login = admin:s3cret", "#login = <user>:<password>");
    sim.write_config(&text);
    chmod(0o644);
    let out = sim.cmd().arg("status").assert().get_output().clone();
    assert!(
        !stderr_of(&out).contains("other users can read"),
        "{}",
        stderr_of(&out)
    );
}
